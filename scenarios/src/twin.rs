//! `petfleet twin`: mirrors a fleet from its feed (see [`crate::feed`]).
//!
//! Each message is parsed and checked where it arrives ([`Twin::offer`]); a malformed one
//! (bad JSON, a bad field, an unknown van, bad coordinates, a time before the start date
//! or behind the reorder window) is counted and written to `twin_problems.csv` with its
//! line or topic, and the twin goes on. Good messages wait in a reorder buffer ordered by
//! feed time and are applied once the newest message is `reorder_window` ahead of them,
//! so messages arriving out of order within the window are applied in order. Applying a
//! GPS fix map-matches it ([`sim_core::world::MapMatcher`]) and measures how far the van's
//! dead-reckoned position (its last matched place moved on at its last speed) was from the
//! new fix: the twin's drift.

pub mod drive;
pub mod forecast;
pub mod fork;
pub mod mirror;
pub mod out;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use sim_core::time::{SimDuration, SimTime};
use sim_core::view::Histogram;
use sim_core::world::{Fix, MapMatcher, RoadNetwork};

use crate::feed::{self, Body, FeedClock};
use mirror::{BookingMirror, IncidentMirror, LastFix, Status, VanMirror};
use out::TwinOutputs;

/// How the twin reads its feed.
#[derive(Clone, Debug)]
pub struct TwinConfig {
    /// Messages are held this long (feed time) for earlier ones to arrive.
    pub reorder_window: SimDuration,
    /// Fixes farther than this from every road are not matched, metres.
    pub match_radius_m: f64,
    /// A fix this far from the van's dead-reckoned position is reported as drift, metres.
    pub drift_m: f64,
    /// Every van is written to `twin_vans.csv` this often (feed time).
    pub snapshot_every: SimDuration,
}

impl Default for TwinConfig {
    fn default() -> Self {
        TwinConfig {
            reorder_window: SimDuration::from_secs(30),
            match_radius_m: 50.0,
            drift_m: 2_000.0,
            snapshot_every: SimDuration::from_mins(5),
        }
    }
}

/// Where a message came from: a line of a file, or an MQTT topic (with its arrival number).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// 1-based line of the NDJSON input.
    Line(u64),
    /// Topic, and the message's number among all received.
    Topic(String, u64),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Line(n) => write!(f, "line {n}"),
            Origin::Topic(t, n) => write!(f, "{t} #{n}"),
        }
    }
}

/// Whether the feed goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    More,
    /// An `end` message arrived.
    End,
}

/// A checked message waiting in the reorder buffer.
#[derive(Debug)]
struct Pending {
    at: SimTime,
    seq: u64,
    origin: Origin,
    body: Body,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// The twin's counts (written to `twin.json`).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Messages offered.
    pub received: u64,
    /// Messages applied, by type.
    pub applied: BTreeMap<&'static str, u64>,
    /// Problems, by kind.
    pub problems: BTreeMap<&'static str, u64>,
    /// Messages that arrived after a later one and were put back in order.
    pub reordered: u64,
    /// Fixes matched onto a road.
    pub matched: u64,
}

/// What the twin made of one fix (for `twin_fixes.csv` and tests).
#[derive(Clone, Copy, Debug)]
pub struct FixOutcome {
    /// The van's index.
    pub vehicle: usize,
    /// The fix's time.
    pub at: SimTime,
    /// Its last fix's matched place moved on at its speed, metres from this fix.
    pub predicted_m: Option<f64>,
    /// The new state.
    pub fix: LastFix,
}

/// The mirrored fleet.
pub struct Twin<'n> {
    net: &'n RoadNetwork,
    matcher: MapMatcher,
    clock: FeedClock,
    out_clock: crate::output::Clock,
    cfg: TwinConfig,
    vans: Vec<VanMirror>,
    bookings: BTreeMap<String, BookingMirror>,
    incidents: BTreeMap<String, IncidentMirror>,
    buffer: BinaryHeap<Reverse<Pending>>,
    newest: SimTime,
    released: SimTime,
    next_snapshot: SimTime,
    seq: u64,
    hold: Option<SimTime>,
    ended: Option<SimTime>,
    extra: serde_json::Map<String, serde_json::Value>,
    stats: Stats,
    match_cm: Histogram,
    drift_cm: Histogram,
    outputs: TwinOutputs,
}

/// A problem with a message, before it is written.
struct Problem {
    category: &'static str,
    kind: &'static str,
    subject: String,
    detail: String,
}

impl Problem {
    fn malformed(kind: &'static str, subject: &str, detail: impl Into<String>) -> Problem {
        Problem {
            category: "malformed",
            kind,
            subject: subject.to_string(),
            detail: detail.into(),
        }
    }
}

impl<'n> Twin<'n> {
    /// A twin of a fleet of `vans` vans (`V0`, `V1`, ...) on `net`, its feed's times
    /// counted from `start_date`, writing to `outputs`.
    pub fn new(
        net: &'n RoadNetwork,
        vans: usize,
        start_date: chrono::NaiveDate,
        cfg: TwinConfig,
        outputs: TwinOutputs,
    ) -> Twin<'n> {
        Twin {
            net,
            matcher: MapMatcher::new(net, cfg.match_radius_m),
            clock: FeedClock::new(start_date),
            out_clock: crate::output::Clock::new(start_date),
            vans: vec![VanMirror::default(); vans],
            bookings: BTreeMap::new(),
            incidents: BTreeMap::new(),
            buffer: BinaryHeap::new(),
            newest: SimTime::ZERO,
            released: SimTime::ZERO,
            next_snapshot: SimTime::ZERO + cfg.snapshot_every,
            seq: 0,
            hold: None,
            ended: None,
            extra: serde_json::Map::new(),
            stats: Stats::default(),
            match_cm: Histogram::new(1, 10_000, 100, 10_000_000),
            drift_cm: Histogram::new(100, 100_000, 1_000, 10_000_000),
            cfg,
            outputs,
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The vans, by index.
    pub fn vans(&self) -> &[VanMirror] {
        &self.vans
    }

    /// Bookings not yet closed.
    pub fn open_bookings(&self) -> &BTreeMap<String, BookingMirror> {
        &self.bookings
    }

    /// Incidents not yet cleared.
    pub fn incidents(&self) -> &BTreeMap<String, IncidentMirror> {
        &self.incidents
    }

    /// Feed time applied so far.
    pub fn time(&self) -> SimTime {
        self.released
    }

    /// Takes one message as received: checks it, buffers it, applies what the reorder
    /// window releases. Fixes applied are passed to `seen`.
    pub fn offer(
        &mut self,
        origin: Origin,
        text: &str,
        seen: &mut dyn FnMut(&FixOutcome),
    ) -> std::io::Result<Flow> {
        self.stats.received += 1;
        let text = text.trim();
        if text.is_empty() {
            return Ok(Flow::More);
        }
        let (at, body) = match self.check(text) {
            Ok(ok) => ok,
            Err(p) => {
                self.problem(&origin, None, p)?;
                return Ok(Flow::More);
            }
        };
        if matches!(body, Body::End {}) {
            self.ended = Some(at);
            return Ok(Flow::End);
        }
        if at < self.released {
            let detail = format!(
                "{} is before {}, already applied (beyond the reorder window of {} s)",
                self.clock.format(at),
                self.clock.format(self.released),
                self.cfg.reorder_window.as_secs_f64()
            );
            let p = Problem::malformed("time_backwards", body.subject(), detail);
            self.problem(&origin, Some(at), p)?;
            return Ok(Flow::More);
        }
        if at < self.newest {
            self.stats.reordered += 1;
        }
        self.newest = self.newest.max(at);
        self.seq += 1;
        let seq = self.seq;
        self.buffer.push(Reverse(Pending {
            at,
            seq,
            origin,
            body,
        }));
        let until = SimTime(
            self.newest
                .as_ms()
                .saturating_sub(self.cfg.reorder_window.as_ms()),
        );
        self.release(until, seen)?;
        Ok(Flow::More)
    }

    /// Parses and checks a message on its own (no state needed).
    fn check(&self, text: &str) -> Result<(SimTime, Body), Problem> {
        let msg = feed::parse(text).map_err(|e| {
            let kind = if e.is_data() {
                "bad_message"
            } else {
                "bad_json"
            };
            Problem::malformed(kind, "", e.to_string())
        })?;
        let at = self.clock.parse(&msg.time).map_err(|why| {
            let detail = format!("time `{}`: expected {why}", msg.time);
            Problem::malformed("bad_time", msg.body.subject(), detail)
        })?;
        if let Body::Gps {
            vehicle, lat, lon, ..
        } = &msg.body
        {
            self.van_index(vehicle).ok_or_else(|| {
                let detail = format!(
                    "no van `{vehicle}` in the fleet (V0 to V{})",
                    self.vans.len().saturating_sub(1)
                );
                Problem::malformed("unknown_vehicle", vehicle, detail)
            })?;
            let (la, lo) = (lat.value(), lon.value());
            if !(la.is_finite() && lo.is_finite() && la.abs() <= 90.0 && lo.abs() <= 180.0) {
                let detail = format!(
                    "lat {la}, lon {lo}: expected finite degrees (lat within ±90, lon within ±180)"
                );
                return Err(Problem::malformed("bad_coordinates", vehicle, detail));
            }
        }
        Ok((at, msg.body))
    }

    /// `V12` → 12, if the fleet has it.
    fn van_index(&self, id: &str) -> Option<usize> {
        let n: usize = id.strip_prefix('V')?.parse().ok()?;
        (n < self.vans.len() && id == format!("V{n}")).then_some(n)
    }

    /// Applies every buffered message up to `until` (and not beyond the hold).
    fn release(
        &mut self,
        until: SimTime,
        seen: &mut dyn FnMut(&FixOutcome),
    ) -> std::io::Result<()> {
        let until = self.hold.map_or(until, |h| until.min(h));
        while self.buffer.peek().is_some_and(|Reverse(p)| p.at <= until) {
            let Reverse(p) = self.buffer.pop().expect("peeked");
            self.snapshots_until(p.at)?;
            self.released = p.at;
            self.apply(p, seen)?;
        }
        Ok(())
    }

    /// Applies everything buffered (the hold lifted), and snapshots up to `end`.
    pub fn drain(
        &mut self,
        end: SimTime,
        seen: &mut dyn FnMut(&FixOutcome),
    ) -> std::io::Result<()> {
        self.hold = None;
        self.release(SimTime(u64::MAX), seen)?;
        self.snapshots_until(end)
    }

    /// The feed has ended (its file did, without an `end` message).
    pub fn end_of_feed(&mut self) {
        self.ended.get_or_insert(self.newest);
    }

    /// Adds `key` to `twin.json`.
    pub fn annotate(&mut self, key: &str, value: serde_json::Value) {
        self.extra.insert(key.to_string(), value);
    }

    /// Applies nothing later than `t` until the hold moves (a forecast is due at `t`).
    pub fn hold_at(&mut self, t: Option<SimTime>) {
        self.hold = t;
    }

    /// The hold, once every message up to it has arrived: the newest message seen is a
    /// reorder window past it, or the feed has ended.
    pub fn due(&self) -> Option<SimTime> {
        let seen_to = match self.ended {
            Some(end) => end.max(self.newest),
            None => SimTime(
                self.newest
                    .as_ms()
                    .saturating_sub(self.cfg.reorder_window.as_ms()),
            ),
        };
        self.hold.filter(|h| *h <= seen_to)
    }

    /// Applies every buffered message up to the hold, and the snapshots up to it.
    pub fn catch_up(&mut self) -> std::io::Result<()> {
        if let Some(h) = self.hold {
            self.release(h, &mut |_| {})?;
            self.snapshots_until(h)?;
        }
        Ok(())
    }

    fn apply(&mut self, p: Pending, seen: &mut dyn FnMut(&FixOutcome)) -> std::io::Result<()> {
        let kind = p.body.kind();
        let result = match p.body {
            Body::Gps {
                vehicle,
                lat,
                lon,
                speed_kmh,
                heading_deg,
            } => {
                let v = self.van_index(&vehicle).expect("checked on arrival");
                let speed = speed_kmh.map_or(0.0, |s| s.value()).max(0.0);
                let fix = Fix {
                    lat: lat.value(),
                    lon: lon.value(),
                    heading_deg: heading_deg.map(|h| h.value()).filter(|h| h.is_finite()),
                };
                let outcome = self.gps(v, p.at, fix, speed);
                seen(&outcome);
                self.fix_problems(&p.origin, &vehicle, &outcome)
            }
            other => self.booking_or_incident(p.at, other),
        };
        match result {
            Ok(()) => *self.stats.applied.entry(kind).or_default() += 1,
            Err(problem) => self.problem(&p.origin, Some(p.at), problem)?,
        }
        Ok(())
    }

    /// Matches a fix and moves the van's mirror to it.
    fn gps(&mut self, v: usize, at: SimTime, fix: Fix, speed_kmh: f64) -> FixOutcome {
        let prev = self.vans[v].last;
        let predicted_m = prev
            .and_then(|p| self.dead_reckon(&p, at))
            .map(|(la, lo)| haversine_m((la, lo), (fix.lat, fix.lon)));
        let matched = self
            .matcher
            .locate(self.net, fix, prev.and_then(|p| p.matched).as_ref());
        let last = LastFix {
            at,
            lat: fix.lat,
            lon: fix.lon,
            speed_kmh,
            matched,
        };
        self.vans[v].last = Some(last);
        FixOutcome {
            vehicle: v,
            at,
            predicted_m,
            fix: last,
        }
    }

    /// Where the van would be at `at` had it kept its last speed along its matched edge
    /// (stopping at the edge's end).
    fn dead_reckon(&self, p: &LastFix, at: SimTime) -> Option<(f64, f64)> {
        let m = p.matched?;
        let dt_s = at.as_ms().saturating_sub(p.at.as_ms()) as f64 / 1000.0;
        let ahead = p.speed_kmh / 3.6 * dt_s;
        Some(self.net.position_along(m.edge, m.offset_m + ahead))
    }

    /// Counts a fix's match and drift; an unmatched fix or a large drift is a problem.
    fn fix_problems(
        &mut self,
        origin: &Origin,
        vehicle: &str,
        o: &FixOutcome,
    ) -> Result<(), Problem> {
        if self.outputs.has(out::FIXES) {
            let _ = self.write_fix(vehicle, o);
        }
        if let Some(d) = o.predicted_m {
            self.drift_cm.add((d * 100.0) as u64);
        }
        let Some(m) = o.fix.matched else {
            let detail = format!(
                "no road within {} m of ({}, {})",
                self.cfg.match_radius_m, o.fix.lat, o.fix.lon
            );
            return Err(Problem {
                category: "drift",
                kind: "unmatched",
                subject: vehicle.to_string(),
                detail,
            });
        };
        self.stats.matched += 1;
        self.match_cm.add((m.distance_m * 100.0) as u64);
        match o.predicted_m {
            Some(d) if d > self.cfg.drift_m => {
                let _ = origin;
                Err(Problem {
                    category: "drift",
                    kind: "drift",
                    subject: vehicle.to_string(),
                    detail: format!("the mirrored position was {d:.0} m from this fix"),
                })
            }
            _ => Ok(()),
        }
    }

    fn write_fix(&mut self, vehicle: &str, o: &FixOutcome) -> std::io::Result<()> {
        let m = o.fix.matched;
        let f = |x: Option<f64>, d: usize| x.map_or(String::new(), |x| format!("{x:.d$}"));
        self.outputs.row(
            out::FIXES,
            [
                self.out_clock.format(o.at),
                vehicle.to_string(),
                format!("{:.6}", o.fix.lat),
                format!("{:.6}", o.fix.lon),
                f(m.map(|m| m.lat), 6),
                f(m.map(|m| m.lon), 6),
                m.map_or(String::new(), |m| m.edge.0.to_string()),
                f(m.map(|m| m.offset_m), 1),
                f(m.map(|m| m.distance_m), 1),
                f(o.predicted_m, 1),
            ],
        )
    }

    /// Bookings and incidents: the transitions, each checked against the mirror.
    fn booking_or_incident(&mut self, at: SimTime, body: Body) -> Result<(), Problem> {
        match body {
            Body::BookingCreated {
                booking,
                origin,
                destination,
                requested_pickup,
                pets,
                ..
            } => {
                let pickup = requested_pickup.and_then(|t| self.clock.parse(&t).ok());
                self.created(at, booking, (origin, destination), pickup, pets)
            }
            Body::BookingAccepted { booking, vehicle } => {
                let v = vehicle.map(|v| self.known_van(&v)).transpose()?;
                let b = self.booking(&booking)?;
                b.status = Status::Accepted;
                b.accepted_at = Some(at);
                if let Some(v) = v {
                    b.vehicle = Some(format!("V{v}"));
                    self.vans[v].assigned.insert(booking);
                }
                Ok(())
            }
            Body::Pickup { booking, vehicle } => self.pickup(at, booking, &vehicle),
            Body::Dropoff { booking, vehicle } => {
                let v = self.known_van(&vehicle)?;
                let b = self.booking(&booking)?;
                b.status = Status::Dropped;
                b.dropoff_at = Some(at);
                self.vans[v].aboard.remove(&booking);
                Ok(())
            }
            Body::BookingCompleted { booking, .. } => {
                self.close(at, booking, Status::Completed, None)
            }
            Body::BookingCancelled { booking, reason } => {
                self.close(at, booking, Status::Cancelled, reason)
            }
            Body::BookingRejected { booking, reason } => {
                self.close(at, booking, Status::Rejected, reason)
            }
            Body::IncidentReported {
                incident,
                road,
                from,
                to,
                kind,
                ..
            } => self.reported(at, incident, road, from, to, kind),
            Body::IncidentCleared { incident } => self.cleared(at, &incident),
            Body::Gps { .. } | Body::End {} => Ok(()),
        }
    }

    fn known_van(&self, id: &str) -> Result<usize, Problem> {
        self.van_index(id).ok_or_else(|| {
            Problem::malformed("unknown_vehicle", id, format!("no van `{id}` in the fleet"))
        })
    }

    fn booking(&mut self, id: &str) -> Result<&mut BookingMirror, Problem> {
        self.bookings.get_mut(id).ok_or_else(|| {
            Problem::malformed(
                "unknown_booking",
                id,
                "no open booking of this id (never created, or already closed)",
            )
        })
    }

    fn created(
        &mut self,
        at: SimTime,
        id: String,
        (origin, destination): (String, String),
        requested_pickup: Option<SimTime>,
        pets: Vec<String>,
    ) -> Result<(), Problem> {
        if self.bookings.contains_key(&id) {
            return Err(Problem::malformed(
                "duplicate_booking",
                &id,
                "created twice",
            ));
        }
        for place in [&origin, &destination] {
            if self.net.node_by_name(place).is_none() {
                let detail = format!("no place `{place}` on the network");
                return Err(Problem::malformed("unknown_place", &id, detail));
            }
        }
        let b = BookingMirror {
            status: Status::Requested,
            origin,
            destination,
            requested_pickup,
            pets,
            vehicle: None,
            created_at: at,
            accepted_at: None,
            pickup_at: None,
            dropoff_at: None,
        };
        self.bookings.insert(id, b);
        Ok(())
    }

    fn pickup(&mut self, at: SimTime, booking: String, vehicle: &str) -> Result<(), Problem> {
        let v = self.known_van(vehicle)?;
        let b = self.booking(&booking)?;
        b.status = Status::PickedUp;
        b.pickup_at.get_or_insert(at);
        let before = b.vehicle.replace(vehicle.to_string());
        if let Some(old) = before.and_then(|o| self.van_index(&o)) {
            self.vans[old].assigned.remove(&booking);
        }
        self.vans[v].aboard.insert(booking);
        Ok(())
    }

    /// Closes a booking: writes its row and drops it from the mirror.
    fn close(
        &mut self,
        at: SimTime,
        id: String,
        status: Status,
        reason: Option<String>,
    ) -> Result<(), Problem> {
        let mut b = self.bookings.remove(&id).ok_or_else(|| {
            Problem::malformed(
                "unknown_booking",
                &id,
                "no open booking of this id (never created, or already closed)",
            )
        })?;
        if let Some(v) = b.vehicle.as_deref().and_then(|v| self.van_index(v)) {
            self.vans[v].aboard.remove(&id);
            self.vans[v].assigned.remove(&id);
        }
        b.status = status;
        let reason = reason.unwrap_or_default();
        self.write_booking(&id, &b, Some(at), &reason)
            .map_err(|e| Problem::malformed("io", &id, e.to_string()))
    }

    fn reported(
        &mut self,
        at: SimTime,
        id: String,
        road: String,
        from: String,
        to: String,
        kind: String,
    ) -> Result<(), Problem> {
        if !matches!(kind.as_str(), "closure" | "lane_loss") {
            let detail = format!("kind `{kind}`: expected closure or lane_loss");
            return Err(Problem::malformed("bad_message", &id, detail));
        }
        let Some(edges) = mirror::incident_edges(self.net, &road, &from, &to) else {
            let detail = format!("no road `{road}` from `{from}` to `{to}` on the network");
            return Err(Problem::malformed("unknown_road", &id, detail));
        };
        let m = IncidentMirror {
            kind,
            road,
            from,
            to,
            edges,
            reported_at: at,
        };
        self.incidents.insert(id, m);
        Ok(())
    }

    fn cleared(&mut self, at: SimTime, id: &str) -> Result<(), Problem> {
        let m = self.incidents.remove(id).ok_or_else(|| {
            Problem::malformed(
                "unknown_incident",
                id,
                "no incident of this id was reported",
            )
        })?;
        self.write_incident(id, &m, Some(at))
            .map_err(|e| Problem::malformed("io", id, e.to_string()))
    }

    /// Writes every van at each snapshot time up to `t`.
    fn snapshots_until(&mut self, t: SimTime) -> std::io::Result<()> {
        while self.next_snapshot <= t {
            let at = self.next_snapshot;
            for v in 0..self.vans.len() {
                self.write_van(at, v)?;
            }
            self.next_snapshot = at + self.cfg.snapshot_every;
        }
        Ok(())
    }

    fn write_van(&mut self, at: SimTime, v: usize) -> std::io::Result<()> {
        let van = &self.vans[v];
        let fix = van.last;
        let m = fix.and_then(|f| f.matched);
        let (lat, lon) = fix
            .and_then(|f| self.dead_reckon(&f, at).or(Some((f.lat, f.lon))))
            .map_or((String::new(), String::new()), |(a, o)| {
                (format!("{a:.6}"), format!("{o:.6}"))
            });
        let join = |s: &std::collections::BTreeSet<String>| {
            s.iter().cloned().collect::<Vec<_>>().join(" ")
        };
        let row = [
            self.out_clock.format(at),
            v.to_string(),
            fix.map_or(String::new(), |f| self.out_clock.format(f.at)),
            fix.map_or(String::new(), |f| {
                ((at.as_ms().saturating_sub(f.at.as_ms())) / 1000).to_string()
            }),
            lat,
            lon,
            m.map_or(String::new(), |m| m.edge.0.to_string()),
            m.map_or(String::new(), |m| self.net.edge(m.edge).road.clone()),
            m.map_or(String::new(), |m| format!("{:.1}", m.offset_m)),
            fix.map_or(String::new(), |f| format!("{:.1}", f.speed_kmh)),
            van.state().to_string(),
            join(&van.aboard),
            join(&van.assigned),
        ];
        self.outputs.row(out::VANS, row)
    }

    fn write_booking(
        &mut self,
        id: &str,
        b: &BookingMirror,
        closed: Option<SimTime>,
        reason: &str,
    ) -> std::io::Result<()> {
        let t = |x: Option<SimTime>| x.map_or(String::new(), |x| self.out_clock.format(x));
        let row = [
            id.to_string(),
            b.status.name().to_string(),
            b.status.is_final().to_string(),
            b.vehicle.clone().unwrap_or_default(),
            b.origin.clone(),
            b.destination.clone(),
            t(Some(b.created_at)),
            t(b.accepted_at),
            t(b.pickup_at),
            t(b.dropoff_at),
            t(closed),
            reason.to_string(),
        ];
        self.outputs.row(out::BOOKINGS, row)
    }

    fn write_incident(
        &mut self,
        id: &str,
        m: &IncidentMirror,
        cleared: Option<SimTime>,
    ) -> std::io::Result<()> {
        let edges: Vec<String> = m.edges.iter().map(|e| e.0.to_string()).collect();
        let row = [
            id.to_string(),
            m.kind.clone(),
            m.road.clone(),
            m.from.clone(),
            m.to.clone(),
            edges.join(" "),
            self.out_clock.format(m.reported_at),
            cleared.map_or(String::new(), |c| self.out_clock.format(c)),
        ];
        self.outputs.row(out::INCIDENTS, row)
    }

    fn problem(&mut self, origin: &Origin, at: Option<SimTime>, p: Problem) -> std::io::Result<()> {
        *self.stats.problems.entry(p.kind).or_default() += 1;
        let row = [
            origin.to_string(),
            at.map_or(String::new(), |t| self.out_clock.format(t)),
            p.category.to_string(),
            p.kind.to_string(),
            p.subject,
            p.detail,
        ];
        self.outputs.row(out::PROBLEMS, row)
    }

    /// Stops: applies what is buffered, writes the open bookings and incidents, commits the
    /// files and `twin.json`, and returns the summary.
    pub fn finish(mut self, dir: &std::path::Path) -> std::io::Result<serde_json::Value> {
        let end = self.ended.unwrap_or(self.newest).max(self.released);
        self.drain(end, &mut |_| {})?;
        let open: Vec<(String, BookingMirror)> =
            std::mem::take(&mut self.bookings).into_iter().collect();
        for (id, b) in &open {
            self.write_booking(id, b, None, "")?;
        }
        let incidents: Vec<(String, IncidentMirror)> =
            std::mem::take(&mut self.incidents).into_iter().collect();
        for (id, m) in &incidents {
            self.write_incident(id, m, None)?;
        }
        let summary = self.summary(end, open.len(), incidents.len());
        let files = self.outputs.commit()?;
        let mut summary = summary;
        summary["files"] = serde_json::json!(files);
        for (k, v) in std::mem::take(&mut self.extra) {
            summary[k] = v;
        }
        crate::output::write_json(dir, "twin.json", &summary)?;
        Ok(summary)
    }

    fn summary(&self, end: SimTime, open: usize, incidents: usize) -> serde_json::Value {
        let q = |h: &Histogram, p: f64| h.quantile(p).map(|cm| cm as f64 / 100.0);
        let s = &self.stats;
        serde_json::json!({
            "fed_until": self.out_clock.format(end),
            "received": s.received,
            "applied": s.applied,
            "problems": s.problems,
            "reordered": s.reordered,
            "fixes_matched": s.matched,
            "match_m": {"p50": q(&self.match_cm, 0.5), "p95": q(&self.match_cm, 0.95), "max": q(&self.match_cm, 1.0)},
            "drift_m": {"p50": q(&self.drift_cm, 0.5), "p95": q(&self.drift_cm, 0.95), "max": q(&self.drift_cm, 1.0)},
            "bookings_open": open,
            "incidents_open": incidents,
            "vans": self.vans.len(),
        })
    }
}

/// Great-circle distance between two (lat, lon) points, metres.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    use geo::Distance;
    geo::Haversine.distance(geo::Point::new(a.1, a.0), geo::Point::new(b.1, b.0))
}
