//! What a viewer sees of a run, built from its events alone: the same code serves a live
//! run (its events, as they happen) and a recorded one (the `timeline.csv` a run writes with
//! `--record`), so the visualizer's numbers cannot differ between the two.
//!
//! Events become [`Happening`]s (the part of each event a viewer needs, by
//! [`happenings`]); a [`Tally`] applies them in order and answers the HUD's questions (vans'
//! states, waiting bookings, active trips, open alerts, incidents, wait and settlement-lag
//! percentiles, notifications per minute, the bookings-against-vans chart). [`replay`]
//! indexes a recorded run so that any time can be reached at once, in either direction.

pub mod replay;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::event::{Event, QuoteKind, VanState};
use crate::ids::{BookingId, EdgeId, IncidentId, NodeId, PetId, VehicleId};
use crate::time::{SimDuration, SimTime};
use crate::traffic::IncidentKind;
use crate::welfare::Level;

/// The part of an event a viewer needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Happening {
    /// A GPS fix (speed 0: standing).
    Fix {
        /// The van.
        vehicle: VehicleId,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
        /// km/h.
        speed_kmh: f64,
    },
    /// A van's shown state changed, where it stood.
    Van {
        /// The van.
        vehicle: VehicleId,
        /// Its new state.
        state: VanState,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// A booking's quote was accepted: it waits for its pickup.
    Accepted {
        /// The booking.
        booking: BookingId,
    },
    /// A leg's pets were picked up.
    PickedUp {
        /// The booking.
        booking: BookingId,
        /// By this van.
        vehicle: VehicleId,
    },
    /// A leg ended (delivered, or open at the end).
    Dropped {
        /// The booking.
        booking: BookingId,
    },
    /// A booking reached its final state.
    Closed {
        /// The booking.
        booking: BookingId,
        /// Where it was to be picked up.
        pickup: NodeId,
        /// Pickup wait (at the door minus the requested pickup), if it was picked up.
        wait_s: Option<u64>,
    },
    /// An incident started.
    IncidentOn {
        /// Its id.
        incident: IncidentId,
        /// A closure (else lanes lost).
        closure: bool,
        /// The edges it closes or slows.
        edges: Vec<EdgeId>,
    },
    /// An incident cleared.
    IncidentOff {
        /// Its id.
        incident: IncidentId,
    },
    /// A welfare alert (it stays open until the pet's booking closes).
    Alert {
        /// The pet.
        pet: PetId,
        /// Its booking.
        booking: BookingId,
        /// Critical (a vet diversion) or not.
        critical: bool,
    },
    /// A notification ended.
    Notice {
        /// Delivery latency, if delivered.
        latency_ms: Option<u64>,
        /// Delivered on a later channel than the first.
        fallback: bool,
    },
    /// A booking's settlement ended.
    Settled {
        /// Completion to settlement, if it was completed.
        lag_s: Option<u64>,
    },
}

/// What a viewer needs of `event` (most events give nothing).
pub fn happenings(event: &Event) -> Option<Happening> {
    use Happening as H;
    Some(match event {
        Event::Position(f) => H::Fix {
            vehicle: f.vehicle,
            lat: f.lat,
            lon: f.lon,
            speed_kmh: f.speed_kmh,
        },
        Event::VanState(v) => H::Van {
            vehicle: v.vehicle,
            state: v.state,
            lat: v.lat,
            lon: v.lon,
        },
        Event::Quote(q) if q.kind == QuoteKind::Upfront && q.decision == "accepted" => {
            H::Accepted { booking: q.booking }
        }
        Event::TripStarted { trip, vehicle } => H::PickedUp {
            booking: *trip,
            vehicle: *vehicle,
        },
        Event::TripEnded(t) => H::Dropped { booking: t.trip },
        Event::BookingClosed(b) => H::Closed {
            booking: b.booking,
            pickup: b.pickup,
            wait_s: (b.at_door_at.zip(b.pickup_at))
                .map(|(door, _)| door.saturating_since(b.requested_pickup).as_ms() / 1000),
        },
        Event::IncidentStarted(i) => H::IncidentOn {
            incident: i.id,
            closure: i.kind == IncidentKind::Closure,
            edges: i.edges.clone(),
        },
        Event::IncidentCleared(i) => H::IncidentOff { incident: i.id },
        Event::PetAlert(a) if a.level >= Level::Warning => H::Alert {
            pet: a.pet,
            booking: a.booking,
            critical: a.level == Level::Critical,
        },
        Event::Notification(f) => H::Notice {
            latency_ms: f
                .delivered_at
                .map(|d| d.saturating_since(f.notice.created_at).as_ms()),
            fallback: f.delivered_at.is_some() && f.channel_used != f.channel_first,
        },
        Event::Settled(s) => H::Settled {
            lag_s: s
                .completed_at
                .map(|c| s.settled_at.saturating_since(c).as_ms() / 1000),
        },
        _ => return None,
    })
}

/// A histogram of seconds in two tiers of bins: `fine` seconds wide up to `split`, then
/// `coarse` seconds wide up to `top` (everything above in the last bin). Small enough to
/// copy into every replay checkpoint; percentiles to a bin's width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    fine: u64,
    split: u64,
    coarse: u64,
    bins: Vec<u32>,
    n: u64,
}

impl Histogram {
    /// Bins `fine` s wide below `split` s, `coarse` s wide from there to `top` s.
    pub fn new(fine: u64, split: u64, coarse: u64, top: u64) -> Histogram {
        let (fine, coarse) = (fine.max(1), coarse.max(1));
        let split = split.div_ceil(fine) * fine;
        let bins = (split / fine + top.saturating_sub(split).div_ceil(coarse)).max(1) as usize;
        Histogram {
            fine,
            split,
            coarse,
            bins: vec![0; bins],
            n: 0,
        }
    }

    fn bin(&self, s: u64) -> usize {
        let i = if s < self.split {
            s / self.fine
        } else {
            self.split / self.fine + (s - self.split) / self.coarse
        };
        (i as usize).min(self.bins.len() - 1)
    }

    /// The upper edge of bin `i`, seconds.
    fn upper(&self, i: usize) -> u64 {
        let fine_bins = (self.split / self.fine) as usize;
        if i < fine_bins {
            (i as u64 + 1) * self.fine
        } else {
            self.split + (i - fine_bins + 1) as u64 * self.coarse
        }
    }

    /// Counts `s`.
    pub fn add(&mut self, s: u64) {
        let i = self.bin(s);
        self.bins[i] += 1;
        self.n += 1;
    }

    /// Values counted.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The `q` quantile (0..=1), as the upper edge of its bin; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(self.upper(i));
            }
        }
        None
    }
}

/// One point of the bookings-against-vans chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartPoint {
    /// When.
    pub at: SimTime,
    /// Bookings waiting for their pickup.
    pub waiting: u32,
    /// Vans in service (not out of service).
    pub available: u32,
}

/// The chart's sampling period.
pub const CHART_EVERY: SimDuration = SimDuration(5 * 60_000);
/// The window of "notifications per minute".
const NOTICE_WINDOW: SimDuration = SimDuration(60_000);

/// A van as the tally knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VanTrack {
    /// Its shown state.
    pub state: VanState,
    /// Where it was last reported (a fix or a state change).
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// The HUD's state of a run, from its happenings in order. Two tallies that applied the
/// same happenings are equal, however their applying was split (the replay's test).
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    /// The time stood at (every happening before it applied).
    pub now: SimTime,
    /// Vans by id.
    pub vans: Vec<VanTrack>,
    waiting: BTreeSet<BookingId>,
    /// Bookings aboard: the van and the legs under way.
    aboard: BTreeMap<BookingId, (VehicleId, u32)>,
    /// Incidents in force: closure or not, and the edges.
    pub incidents: BTreeMap<IncidentId, (bool, Vec<EdgeId>)>,
    /// Open welfare alerts by pet: the booking and whether critical.
    pub alerts: BTreeMap<PetId, (BookingId, bool)>,
    /// Pickup waits of closed bookings.
    pub waits: Histogram,
    /// Pickup waits by pickup node: (sum of seconds, count), for the heatmap.
    pub waits_by_node: BTreeMap<NodeId, (u64, u32)>,
    /// Settlement lags.
    pub lags: Histogram,
    recent_notices: VecDeque<SimTime>,
    /// Notifications ended, delivered, delivered after a fallback.
    pub notices: (u64, u64, u64),
    /// Bookings closed.
    pub closed: u64,
    /// The chart, one point every [`CHART_EVERY`].
    pub chart: Vec<ChartPoint>,
}

impl Tally {
    /// A tally of a run with `vans` vans, each parked where `depots` says, at time zero.
    pub fn new(depots: &[(f64, f64)]) -> Tally {
        Tally {
            now: SimTime::ZERO,
            vans: (depots.iter())
                .map(|&(lat, lon)| VanTrack {
                    state: VanState::Idle,
                    lat,
                    lon,
                })
                .collect(),
            waiting: BTreeSet::new(),
            aboard: BTreeMap::new(),
            incidents: BTreeMap::new(),
            alerts: BTreeMap::new(),
            // Waits: 5 s bins to an hour, then minutes to two days.
            waits: Histogram::new(5, 3_600, 60, 2 * 86_400),
            waits_by_node: BTreeMap::new(),
            // Settlement lags: 1 s bins to 10 minutes (real time), then minutes (batches).
            lags: Histogram::new(1, 600, 60, 2 * 86_400),
            recent_notices: VecDeque::new(),
            notices: (0, 0, 0),
            closed: 0,
            chart: Vec::new(),
        }
    }

    /// Applies a happening at `at` (not before the last one).
    pub fn apply(&mut self, at: SimTime, h: &Happening) {
        self.advance(at);
        match h {
            Happening::Fix {
                vehicle, lat, lon, ..
            } => self.track(*vehicle, None, (*lat, *lon)),
            Happening::Van {
                vehicle,
                state,
                lat,
                lon,
            } => self.track(*vehicle, Some(*state), (*lat, *lon)),
            Happening::Accepted { booking } => {
                self.waiting.insert(*booking);
            }
            Happening::PickedUp { booking, vehicle } => {
                self.waiting.remove(booking);
                self.aboard.entry(*booking).or_insert((*vehicle, 0)).1 += 1;
            }
            Happening::Dropped { booking } => self.dropped(*booking),
            Happening::Closed {
                booking,
                pickup,
                wait_s,
            } => self.closed(*booking, *pickup, *wait_s),
            Happening::IncidentOn {
                incident,
                closure,
                edges,
            } => {
                self.incidents.insert(*incident, (*closure, edges.clone()));
            }
            Happening::IncidentOff { incident } => {
                self.incidents.remove(incident);
            }
            Happening::Alert {
                pet,
                booking,
                critical,
            } => {
                let open = self.alerts.entry(*pet).or_insert((*booking, false));
                open.1 |= *critical;
            }
            Happening::Notice {
                latency_ms,
                fallback,
            } => self.notice(at, latency_ms.is_some(), *fallback),
            Happening::Settled { lag_s } => {
                if let Some(s) = lag_s {
                    self.lags.add(*s);
                }
            }
        }
    }

    /// Stands at `t`: samples the chart at every period boundary up to `t` (with the state
    /// before the boundary), and forgets notices older than a minute.
    pub fn advance(&mut self, t: SimTime) {
        let mut next = self
            .chart
            .last()
            .map_or(SimTime::ZERO, |p| p.at + CHART_EVERY);
        while next <= t {
            let point = ChartPoint {
                at: next,
                waiting: self.waiting_count(),
                available: self.available(),
            };
            self.chart.push(point);
            next += CHART_EVERY;
        }
        while (self.recent_notices.front()).is_some_and(|&n| n + NOTICE_WINDOW <= t) {
            self.recent_notices.pop_front();
        }
        self.now = self.now.max(t);
    }

    fn track(&mut self, vehicle: VehicleId, state: Option<VanState>, (lat, lon): (f64, f64)) {
        let i = vehicle.0 as usize;
        if i >= self.vans.len() {
            let idle = VanTrack {
                state: VanState::Idle,
                lat,
                lon,
            };
            self.vans.resize(i + 1, idle);
        }
        let van = &mut self.vans[i];
        (van.lat, van.lon) = (lat, lon);
        if let Some(s) = state {
            van.state = s;
        }
    }

    fn dropped(&mut self, booking: BookingId) {
        if let Some((_, n)) = self.aboard.get_mut(&booking) {
            *n -= 1;
            if *n == 0 {
                self.aboard.remove(&booking);
            }
        }
    }

    fn closed(&mut self, booking: BookingId, pickup: NodeId, wait_s: Option<u64>) {
        self.closed += 1;
        self.waiting.remove(&booking);
        self.aboard.remove(&booking);
        self.alerts.retain(|_, (b, _)| *b != booking);
        if let Some(w) = wait_s {
            self.waits.add(w);
            let cell = self.waits_by_node.entry(pickup).or_default();
            *cell = (cell.0 + w, cell.1 + 1);
        }
    }

    fn notice(&mut self, at: SimTime, delivered: bool, fallback: bool) {
        self.recent_notices.push_back(at);
        self.notices.0 += 1;
        self.notices.1 += u64::from(delivered);
        self.notices.2 += u64::from(fallback);
    }

    /// Bookings accepted and not yet picked up (nor closed).
    pub fn waiting_count(&self) -> u32 {
        self.waiting.len() as u32
    }

    /// Legs under way (pets aboard).
    pub fn active_trips(&self) -> u32 {
        self.aboard.values().map(|(_, n)| n).sum()
    }

    /// Vans carrying a pet with an open welfare alert: (van, critical).
    pub fn vans_alerting(&self) -> BTreeMap<VehicleId, bool> {
        let mut out = BTreeMap::new();
        for (booking, critical) in self.alerts.values() {
            if let Some((v, _)) = self.aboard.get(booking) {
                *out.entry(*v).or_insert(false) |= *critical;
            }
        }
        out
    }

    /// Vans not out of service.
    pub fn available(&self) -> u32 {
        let out = |v: &&VanTrack| v.state == VanState::OutOfService;
        (self.vans.len() - self.vans.iter().filter(out).count()) as u32
    }

    /// Vans in each state, in [`VanState::ALL`] order.
    pub fn by_state(&self) -> [u32; 7] {
        let mut n = [0u32; 7];
        for v in &self.vans {
            n[v.state as usize] += 1;
        }
        n
    }

    /// Notifications ended in the last minute.
    pub fn notices_last_minute(&self) -> usize {
        self.recent_notices.len()
    }

    /// Share of delivered notifications that needed a fallback channel.
    pub fn fallback_share(&self) -> Option<f64> {
        (self.notices.1 > 0).then(|| self.notices.2 as f64 / self.notices.1 as f64)
    }

    /// Bookings with pets aboard van `vehicle`.
    pub fn bookings_aboard(&self, vehicle: VehicleId) -> Vec<BookingId> {
        (self.aboard.iter())
            .filter(|(_, (v, _))| *v == vehicle)
            .map(|(b, _)| *b)
            .collect()
    }

    /// Whether the booking's pets have an open alert.
    pub fn alerting(&self, booking: BookingId) -> bool {
        self.alerts.values().any(|(b, _)| *b == booking)
    }
}

/// A tally is an observer of a live run: it applies each event's happening as it comes.
impl crate::engine::Observer<crate::actors::Msg, Event> for Tally {
    fn on_event(
        &mut self,
        at: SimTime,
        _from: crate::ids::ActorId,
        event: &Event,
    ) -> Result<(), crate::engine::ObserveError> {
        if let Some(h) = happenings(event) {
            self.apply(at, &h);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn a_histogram_is_fine_below_its_split_and_coarse_above() {
        let mut h = Histogram::new(1, 600, 60, 7_200);
        assert_eq!(h.quantile(0.5), None);
        for s in [0, 2, 3, 599, 600, 659, 660, 10_000_000] {
            h.add(s);
        }
        assert_eq!(h.len(), 8);
        assert_eq!(h.quantile(0.0), Some(1));
        assert_eq!(h.quantile(0.25), Some(3));
        assert_eq!(h.quantile(0.5), Some(600));
        assert_eq!(h.quantile(0.75), Some(660));
        assert_eq!(h.quantile(0.875), Some(720));
        assert_eq!(h.quantile(1.0), Some(7_200));
    }
}
