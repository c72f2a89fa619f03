//! Output files: CSV streams written as the run goes (memory stays flat) and a manifest.
//!
//! Every file is written as `NAME.partial` and renamed only when the run has reached its end
//! (a run that broke an invariant too: its files are whole, its manifest lists the
//! violations); `manifest.json` is written last. A directory whose manifest is
//! missing holds no complete run: an interrupted run never leaves a file that looks complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use sim_core::actors::Msg;
use sim_core::booking::Leg;
use sim_core::engine::{ObserveError, Observer};
use sim_core::event::{
    AlertRecord, BookingRecord, Event, PetSample, PositionFix, QuoteKind, QuoteRecord,
    RerouteRecord, TripRecord, VehicleHour,
};
use sim_core::ids::ActorId;
use sim_core::time::SimTime;
use sim_core::traffic::{IncidentCause, IncidentKind};
use sim_core::world::World;

/// The files a run can write, with their header rows (the documented, versioned columns).
pub const OUTPUTS: &[(&str, &str)] = &[
    ("bookings.csv", "booking_id,customer_id,pets,origin,destination,addon,requested_at,requested_pickup,quoted_won,accepted,assigned_at,vehicle_id,at_door_at,pickup_at,dropoff_at,wait_s,ride_s,distance_m,requotes,final_fare_won,status,reason"),
    (
        "quotes.csv",
        "time,booking_id,kind,reason,fare_won,compared_won,decision,p_late_15min,profile_fare_won",
    ),
    ("trips.csv", "booking_id,leg,vehicle_id,origin,destination,depart_at,arrive_at,distance_m,duration_s,direct_s,ride_limit_s,reroutes,status"),
    ("positions.csv", "time,vehicle_id,lat,lon,speed_kmh,edge"),
    ("incidents.csv", "incident_id,cause,kind,lanes_lost,road,from,to,edges,start_at,end_at,duration_s,speed_factor"),
    ("reroutes.csv", "time,vehicle_id,trip_id,at_node,destination,incidents,old_remaining_m,old_remaining_s,new_remaining_m,new_remaining_s,saved_s,accepted,old_roads,new_roads"),
    ("pets.csv", "time,pet_id,booking_id,vehicle_id,cabin_temp_c,humidity_pct,vibration_ms2,since_rest_min,stress,heart_rate_bpm"),
    ("alerts.csv", "time,pet_id,booking_id,level,cause,value,threshold,action"),
    ("support_calls.csv", "time,customer_id,booking_id,stale_min,phase"),
    ("vehicles_hourly.csv", "hour_start,vehicle_id,utilisation,busy_s,loaded_s,loaded_km,empty_km,pet_km,max_pets"),
    ("events.csv", "time,time_ms,seq,stream,kind,actor,detail"),
    ("kpis.csv", "kpi,value,unit"),
    ("notifications.csv", "message_id,idempotency_key,kind,booking_id,customer_id,channel_first,channel_used,provider,attempts,enqueued_at,delivered_at,latency_ms,outcome,reason,cost_won"),
    ("dead_letters.csv", "time,message_id,idempotency_key,kind,booking_id,customer_id,channel_first,channel_used,provider,attempts,reason,kept_for_redrive"),
    ("ledger.csv", "transfer_id,posting_id,debit_account,credit_account,amount_won,phase,at,booking_id,reason,created"),
    ("settlements.csv", "booking_id,completed_at,settled_at,lag_s,charged_won,refunded_won,status,attempts,reason"),
    ("reconciliation.csv", "check,booking_id,at,expected,found,unit,ok,detail"),
    ("timeline.csv", crate::timeline::HEADER),
];

/// Which optional files a run writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Optional {
    /// `positions.csv`.
    pub positions: bool,
    /// `pets.csv`.
    pub pets: bool,
    /// `events.csv` (`--trace`).
    pub trace: bool,
    /// `notifications.csv` and `dead_letters.csv` (a run with a notifier).
    pub notifications: bool,
    /// `ledger.csv` and `settlements.csv` (a run with a settlement service).
    pub settlement: bool,
    /// `timeline.csv` (`--record`: what the visualizer replays).
    pub timeline: bool,
}

/// The output schema version, written to the manifest; bump it when a column changes.
pub const SCHEMA_VERSION: u32 = 4;

/// Formats simulated times as local ISO date-times from the run's first day.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: NaiveDateTime,
}

impl Clock {
    /// Times count from 00:00 of `start_date`.
    pub fn new(start_date: NaiveDate) -> Clock {
        Clock {
            start: start_date.and_hms_opt(0, 0, 0).expect("midnight exists"),
        }
    }

    /// `2026-11-23T09:00:00` (whole seconds, truncated).
    pub fn format(&self, t: SimTime) -> String {
        use chrono::{Datelike, Timelike};
        let dt = self.start + chrono::Duration::milliseconds(t.as_ms() as i64);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

struct Stream {
    name: &'static str,
    tmp: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Stream {
    fn row<I, T>(&mut self, fields: I) -> Result<(), ObserveError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.out.write_record(fields)?;
        self.rows += 1;
        Ok(())
    }
}

/// The CSV observer: one stream per output file.
pub struct CsvOutputs {
    dir: PathBuf,
    world: std::sync::Arc<World>,
    clock: Clock,
    /// By [`OUTPUTS`] index; `None` when the run does not write that file.
    streams: Vec<Option<Stream>>,
    /// The first bookings closed (at most [`SAMPLE`]), for the summary table: nothing
    /// else per booking is kept.
    pub sample: Vec<BookingRecord>,
}

/// Bookings kept for the summary table.
pub const SAMPLE: usize = 15;

const BOOKINGS: usize = 0;
const QUOTES: usize = 1;
const TRIPS: usize = 2;
const POSITIONS: usize = 3;
const INCIDENTS: usize = 4;
const REROUTES: usize = 5;
const PETS: usize = 6;
const ALERTS: usize = 7;
const SUPPORT: usize = 8;
const HOURLY: usize = 9;
const EVENTS: usize = 10;
const KPIS: usize = 11;
const NOTIFICATIONS: usize = 12;
const DEAD_LETTERS: usize = 13;
const LEDGER: usize = 14;
const SETTLEMENTS: usize = 15;
const RECONCILIATION: usize = 16;
const TIMELINE: usize = 17;

impl CsvOutputs {
    /// Opens the streams in `dir` (created if needed), removing any old manifest first.
    pub fn create(
        dir: &Path,
        world: std::sync::Arc<World>,
        clock: Clock,
        optional: Optional,
    ) -> std::io::Result<CsvOutputs> {
        fs::create_dir_all(dir)?;
        match fs::remove_file(dir.join("manifest.json")) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut streams = Vec::new();
        for (i, (name, header)) in OUTPUTS.iter().enumerate() {
            let wanted = match i {
                POSITIONS => optional.positions,
                PETS => optional.pets,
                EVENTS => optional.trace,
                NOTIFICATIONS | DEAD_LETTERS => optional.notifications,
                LEDGER | SETTLEMENTS | RECONCILIATION => optional.settlement,
                TIMELINE => optional.timeline,
                _ => true,
            };
            if !wanted {
                streams.push(None);
                continue;
            }
            let tmp = dir.join(format!("{name}.partial"));
            let mut out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(BufWriter::with_capacity(1 << 16, File::create(&tmp)?));
            out.write_record(header.split(','))?;
            streams.push(Some(Stream {
                name,
                tmp,
                out,
                rows: 0,
            }));
        }
        Ok(CsvOutputs {
            dir: dir.to_path_buf(),
            world,
            clock,
            streams,
            sample: Vec::new(),
        })
    }

    fn node(&self, id: sim_core::ids::NodeId) -> &str {
        &self.world.net.node(id).name
    }

    fn row<I, T>(&mut self, which: usize, fields: I) -> Result<(), ObserveError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        match &mut self.streams[which] {
            Some(s) => s.row(fields),
            None => Ok(()),
        }
    }

    /// Writes `kpis.csv` (before [`CsvOutputs::commit`]).
    pub fn write_kpis(&mut self, rows: &[sim_core::observe::KpiRow]) -> std::io::Result<()> {
        for (kpi, value, unit) in rows {
            let value = value.map_or(String::new(), format_kpi);
            self.row(KPIS, [*kpi, value.as_str(), unit])
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Writes the settlement's reconciliation report (end-of-run checks, then every
    /// per-booking difference).
    pub fn write_reconciliation(
        &mut self,
        checks: &[sim_core::settle::Check],
    ) -> std::io::Result<()> {
        for c in checks {
            let row = [
                c.check.to_string(),
                c.booking.map_or(String::new(), |b| b.0.to_string()),
                opt_time(&self.clock, c.at),
                c.expected.to_string(),
                c.found.to_string(),
                c.unit.to_string(),
                c.ok.to_string(),
                c.detail.clone(),
            ];
            self.row(RECONCILIATION, row)
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Writes the timeline's `start` rows: where each van parks at time zero (before the
    /// run's events).
    pub fn write_timeline_start(&mut self, depots: &[(f64, f64)]) -> std::io::Result<()> {
        for (i, &at) in depots.iter().enumerate() {
            (self.row(TIMELINE, crate::timeline::start_row(i as u32, at)))
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Writes the timeline's `end` row (after the run's events).
    pub fn write_timeline_end(&mut self, end: SimTime) -> std::io::Result<()> {
        (self.row(TIMELINE, crate::timeline::end_row(end))).map_err(std::io::Error::other)
    }

    /// Flushes and renames every file into place; returns (file, data rows) in [`OUTPUTS`]
    /// order. Files of [`OUTPUTS`] this run did not write are removed, so the directory
    /// holds one run only.
    pub fn commit(mut self) -> std::io::Result<Vec<(String, u64)>> {
        let mut written = Vec::new();
        for (i, s) in self.streams.iter_mut().enumerate() {
            match s {
                Some(s) => {
                    s.out.flush()?;
                    s.out.get_ref().get_ref().sync_all()?;
                    fs::rename(&s.tmp, self.dir.join(s.name))?;
                    written.push((s.name.to_string(), s.rows));
                }
                None => match fs::remove_file(self.dir.join(OUTPUTS[i].0)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(written)
    }

    /// Removes the partial files of a failed run.
    pub fn abandon(self) {
        for s in self.streams.iter().flatten() {
            let _ = fs::remove_file(&s.tmp);
        }
    }
}

/// A KPI value: whole numbers as such, others with six decimal places.
pub fn format_kpi(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.6}")
    }
}

fn fmt_m(v: f64) -> String {
    format!("{:.0}", v)
}

fn fmt_s(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}", v)
    } else {
        String::new()
    }
}

/// A row per event, for the files that take it.
impl CsvOutputs {
    fn trip_row(&mut self, r: &TripRecord) -> Result<(), ObserveError> {
        let duration = match (r.depart_at, r.arrive_at) {
            (Some(d), Some(a)) => (a.saturating_since(d).as_ms() / 1_000).to_string(),
            _ => String::new(),
        };
        let row = [
            r.trip.0.to_string(),
            match r.leg {
                Leg::Outbound => "outbound".to_string(),
                Leg::Return => "return".to_string(),
            },
            r.vehicle.0.to_string(),
            self.node(r.origin).to_string(),
            self.node(r.destination).to_string(),
            opt_time(&self.clock, r.depart_at),
            opt_time(&self.clock, r.arrive_at),
            fmt_m(r.distance_m),
            duration,
            (r.direct.as_ms() / 1_000).to_string(),
            (r.ride_limit.as_ms() / 1_000).to_string(),
            r.reroutes.to_string(),
            r.status.name().to_string(),
        ];
        self.row(TRIPS, row)?;
        Ok(())
    }

    fn booking_row(&mut self, b: &BookingRecord) -> Result<(), ObserveError> {
        let row = [
            b.booking.0.to_string(),
            b.customer.0.to_string(),
            b.pets.clone(),
            self.node(b.pickup).to_string(),
            self.node(b.dropoff).to_string(),
            b.addon.clone().unwrap_or_default(),
            self.clock.format(b.requested_at),
            self.clock.format(b.requested_pickup),
            b.quoted_won.map_or(String::new(), |q| q.to_string()),
            b.accepted.to_string(),
            opt_time(&self.clock, b.assigned_at),
            b.vehicle.map_or(String::new(), |v| v.0.to_string()),
            opt_time(&self.clock, b.at_door_at),
            opt_time(&self.clock, b.pickup_at),
            opt_time(&self.clock, b.dropoff_at),
            b.wait_s.map_or(String::new(), |w| w.to_string()),
            b.ride_s.to_string(),
            fmt_m(b.distance_m),
            b.requotes.to_string(),
            b.final_fare_won.map_or(String::new(), |f| f.to_string()),
            b.status.name().to_string(),
            b.reason.clone(),
        ];
        self.row(BOOKINGS, row)?;
        if self.sample.len() < SAMPLE {
            self.sample.push(b.clone());
        }
        Ok(())
    }

    fn pet_row(&mut self, time: String, p: &PetSample) -> Result<(), ObserveError> {
        if self.streams[PETS].is_some() {
            let row = [
                time,
                p.pet.0.to_string(),
                p.booking.0.to_string(),
                p.vehicle.0.to_string(),
                format!("{:.1}", p.cabin_temp_c),
                format!("{:.0}", p.humidity_pct),
                format!("{:.2}", p.vibration_ms2),
                format!("{:.1}", p.since_rest_min),
                format!("{:.3}", p.stress),
                format!("{:.0}", p.heart_rate_bpm),
            ];
            self.row(PETS, row)?;
        }
        Ok(())
    }

    fn hour_row(&mut self, h: &VehicleHour) -> Result<(), ObserveError> {
        let row = [
            self.clock.format(h.hour_start),
            h.vehicle.0.to_string(),
            format!("{:.3}", (h.busy_s / 3_600.0).min(1.0)),
            format!("{:.0}", h.busy_s),
            format!("{:.0}", h.loaded_s),
            format!("{:.3}", h.loaded_m / 1_000.0),
            format!("{:.3}", h.empty_m / 1_000.0),
            format!("{:.3}", h.pet_m / 1_000.0),
            h.max_pets.to_string(),
        ];
        self.row(HOURLY, row)?;
        Ok(())
    }

    fn incident_row(
        &mut self,
        time: String,
        inc: &sim_core::traffic::Incident,
    ) -> Result<(), ObserveError> {
        let first = self.world.net.edge(inc.edges[0]);
        let last = self
            .world
            .net
            .edge(*inc.edges.last().expect("an incident has edges"));
        let (kind, lanes) = match inc.kind {
            IncidentKind::Closure => ("closure", String::new()),
            IncidentKind::LaneLoss { lanes_lost } => ("lane_loss", lanes_lost.to_string()),
        };
        let row = [
            inc.id.0.to_string(),
            match inc.cause {
                IncidentCause::Scripted => "scripted".to_string(),
                IncidentCause::Random => "random".to_string(),
            },
            kind.to_string(),
            lanes,
            first.road.clone(),
            self.node(first.from).to_string(),
            self.node(last.to).to_string(),
            inc.edges
                .iter()
                .map(|e| e.0.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            time,
            self.clock.format(inc.end),
            (inc.end.saturating_since(inc.start).as_ms() / 1_000).to_string(),
            format!("{:.3}", inc.speed_factor),
        ];
        self.row(INCIDENTS, row)?;
        Ok(())
    }

    fn reroute_row(&mut self, time: String, r: &RerouteRecord) -> Result<(), ObserveError> {
        let row = [
            time,
            r.vehicle.0.to_string(),
            r.trip.map_or(String::new(), |t| t.0.to_string()),
            self.node(r.at_node).to_string(),
            self.node(r.destination).to_string(),
            r.incidents
                .iter()
                .map(|i| i.0.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            fmt_m(r.old_remaining_m),
            fmt_s(r.old_remaining_s),
            fmt_m(r.new_remaining_m),
            fmt_s(r.new_remaining_s),
            fmt_s(r.old_remaining_s - r.new_remaining_s),
            r.accepted.to_string(),
            r.old_roads.clone(),
            r.new_roads.clone(),
        ];
        self.row(REROUTES, row)?;
        Ok(())
    }
}

impl CsvOutputs {
    fn position_row(&mut self, time: String, p: &PositionFix) -> Result<(), ObserveError> {
        if self.streams[POSITIONS].is_none() {
            return Ok(());
        }
        let row = [
            time,
            p.vehicle.0.to_string(),
            format!("{:.6}", p.lat),
            format!("{:.6}", p.lon),
            format!("{:.1}", p.speed_kmh),
            p.edge.map_or(String::new(), |e| e.0.to_string()),
        ];
        self.row(POSITIONS, row)
    }

    fn quote_row(&mut self, time: String, q: &QuoteRecord) -> Result<(), ObserveError> {
        let (kind, reason) = match q.kind {
            QuoteKind::Upfront => ("upfront", ""),
            QuoteKind::Requote(r) => ("requote", r.name()),
            QuoteKind::Final => ("final", ""),
        };
        let row = [
            time,
            q.booking.0.to_string(),
            kind.to_string(),
            reason.to_string(),
            q.fare_won.to_string(),
            q.compared_won.to_string(),
            q.decision.to_string(),
            q.learned
                .map_or(String::new(), |l| format!("{:.2}", l.p_late_15min)),
            q.learned
                .map_or(String::new(), |l| l.profile_fare_won.to_string()),
        ];
        self.row(QUOTES, row)
    }

    fn alert_row(&mut self, time: String, a: &AlertRecord) -> Result<(), ObserveError> {
        let row = [
            time,
            a.pet.0.to_string(),
            a.booking.0.to_string(),
            a.level.name().to_string(),
            a.cause.name().to_string(),
            format!("{:.2}", a.value),
            format!("{:.2}", a.threshold),
            a.action.clone(),
        ];
        self.row(ALERTS, row)
    }

    fn transfer_row(
        &mut self,
        time: &str,
        t: &sim_core::settle::Transfer,
        created: sim_core::settle::Created,
    ) -> Result<(), ObserveError> {
        use sim_core::settle::{Action, Created};
        let (posting, phase) = match t.action {
            Action::Post => (String::new(), "posted"),
            Action::Pending => (String::new(), "pending"),
            Action::PostPending(p) => (p.to_string(), "posted"),
            Action::VoidPending(p) => (p.to_string(), "voided"),
        };
        let created = match created {
            Created::New(_) => "new",
            Created::Exists => "exists",
        };
        let row = [
            t.id.to_string(),
            posting,
            t.debit.name().to_string(),
            t.credit.name().to_string(),
            t.amount.to_string(),
            phase.to_string(),
            time.to_string(),
            // Payouts are nobody's booking.
            if t.booking == sim_core::settle::flow::PAYOUTS {
                String::new()
            } else {
                t.booking.0.to_string()
            },
            t.reason.to_string(),
            created.to_string(),
        ];
        self.row(LEDGER, row)
    }

    fn settled_row(&mut self, s: &sim_core::settle::Settled) -> Result<(), ObserveError> {
        let lag = (s.completed_at).map_or(String::new(), |c| {
            (s.settled_at.saturating_since(c).as_ms() / 1_000).to_string()
        });
        let row = [
            s.booking.0.to_string(),
            opt_time(&self.clock, s.completed_at),
            self.clock.format(s.settled_at),
            lag,
            s.charged_won.to_string(),
            s.refunded_won.to_string(),
            s.status.to_string(),
            s.attempts.to_string(),
            s.reason.clone(),
        ];
        self.row(SETTLEMENTS, row)
    }

    fn notification_row(
        &mut self,
        time: &str,
        f: &sim_core::notify::Final,
    ) -> Result<(), ObserveError> {
        let n = &f.notice;
        let delivered = opt_time(&self.clock, f.delivered_at);
        let latency = (f.delivered_at).map_or(String::new(), |t| {
            t.saturating_since(n.created_at).as_ms().to_string()
        });
        let row = [
            n.id.to_string(),
            n.key.to_string(),
            f.kind.to_string(),
            n.booking.0.to_string(),
            n.customer.0.to_string(),
            f.channel_first.to_string(),
            f.channel_used.to_string(),
            f.provider.to_string(),
            f.attempts.to_string(),
            self.clock.format(n.created_at),
            delivered,
            latency,
            f.outcome.name().to_string(),
            f.reason.clone(),
            f.cost_won.to_string(),
        ];
        if f.outcome == sim_core::notify::Outcome::DeadLettered {
            // The same notice: when it was dead-lettered, its first columns, why, kept.
            let dead = (std::iter::once(time.to_string()))
                .chain(row[..9].iter().cloned())
                .chain([f.reason.clone(), f.kept.to_string()]);
            self.row(DEAD_LETTERS, dead)?;
        }
        self.row(NOTIFICATIONS, row)
    }
}

/// A time, or empty.
fn opt_time(clock: &Clock, t: Option<SimTime>) -> String {
    t.map_or(String::new(), |t| clock.format(t))
}

impl Observer<Msg, Event> for CsvOutputs {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &Event) -> Result<(), ObserveError> {
        let time = self.clock.format(at);
        if self.streams[EVENTS].is_some() {
            let detail = event_detail(event);
            self.row(
                EVENTS,
                [
                    time.as_str(),
                    &at.as_ms().to_string(),
                    "",
                    "event",
                    event.kind(),
                    &from.to_string(),
                    &detail,
                ],
            )?;
        }
        if self.streams[TIMELINE].is_some() {
            if let Some(h) = sim_core::view::happenings(event) {
                self.row(TIMELINE, crate::timeline::row(at, &h))?;
            }
        }
        match event {
            Event::Position(p) => self.position_row(time, p)?,
            Event::TripEnded(r) => self.trip_row(r)?,
            Event::BookingClosed(b) => self.booking_row(b)?,
            Event::Quote(q) => self.quote_row(time, q)?,
            Event::PetSample(p) => self.pet_row(time, p)?,
            Event::PetAlert(a) => self.alert_row(time, a)?,
            Event::SupportCall(c) => {
                let row = [
                    time,
                    c.customer.0.to_string(),
                    c.booking.0.to_string(),
                    format!("{:.1}", c.stale_min),
                    c.phase.to_string(),
                ];
                self.row(SUPPORT, row)?;
            }
            Event::VehicleHour(h) => self.hour_row(h)?,
            Event::IncidentStarted(inc) => self.incident_row(time, inc)?,
            Event::Rerouted(r) => self.reroute_row(time, r)?,
            Event::Notification(f) => self.notification_row(&time, f)?,
            Event::Transfer(t) => self.transfer_row(&time, &t.0, t.1)?,
            Event::Settled(s) => self.settled_row(s)?,
            Event::TripStarted { .. }
            | Event::VanState(_)
            | Event::IncidentCleared(_)
            | Event::NoRoute { .. }
            | Event::PartnerBusy { .. } => {}
        }
        Ok(())
    }

    fn wants_deliveries(&self) -> bool {
        self.streams[EVENTS].is_some()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &Msg,
    ) -> Result<(), ObserveError> {
        let time = self.clock.format(at);
        self.row(
            EVENTS,
            [
                time.as_str(),
                &at.as_ms().to_string(),
                &seq.to_string(),
                "msg",
                msg.kind(),
                &to.to_string(),
                &msg.detail(),
            ],
        )
    }
}

/// A one-line description of an event for events.csv.
pub fn event_detail(ev: &Event) -> String {
    match ev {
        Event::Position(p) => format!(
            "{} {:.6},{:.6} {:.1} km/h",
            p.vehicle, p.lat, p.lon, p.speed_kmh
        ),
        Event::VanState(v) => format!("{} {} {:.6},{:.6}", v.vehicle, v.state.name(), v.lat, v.lon),
        Event::TripStarted { trip, vehicle } => format!("{trip} {vehicle}"),
        Event::TripEnded(r) => format!(
            "{} {:?} {} {} {:.0} m {} reroutes",
            r.trip,
            r.leg,
            r.vehicle,
            r.status.name(),
            r.distance_m,
            r.reroutes
        ),
        Event::IncidentStarted(i) | Event::IncidentCleared(i) => format!(
            "{} {:?} {:?} edges {:?}",
            i.id,
            i.cause,
            i.kind,
            i.edges.iter().map(|e| e.0).collect::<Vec<_>>()
        ),
        Event::Rerouted(r) => format!(
            "{} at {} accepted {} saves {:.0} s",
            r.vehicle,
            r.at_node,
            r.accepted,
            r.old_remaining_s - r.new_remaining_s
        ),
        Event::NoRoute { vehicle, from, to } => format!("{vehicle} {from} -> {to}"),
        Event::Notification(_) | Event::Transfer(_) | Event::Settled(_) => service_detail(ev),
        Event::BookingClosed(b) => format!("{} {} {}", b.booking, b.status.name(), b.reason),
        Event::Quote(q) => format!(
            "{} {:?} {} ({}) {}",
            q.booking, q.kind, q.fare_won, q.compared_won, q.decision
        ),
        Event::PetSample(p) => format!(
            "{} {:.1} C stress {:.2} {:.0} bpm",
            p.pet, p.cabin_temp_c, p.stress, p.heart_rate_bpm
        ),
        Event::PetAlert(a) => format!(
            "{} {} {} {:.2}",
            a.pet,
            a.level.name(),
            a.cause.name(),
            a.value
        ),
        Event::SupportCall(c) => {
            format!("{} {} {:.1} min stale", c.customer, c.booking, c.stale_min)
        }
        Event::VehicleHour(h) => format!(
            "{} busy {:.0} s loaded {:.0} m empty {:.0} m",
            h.vehicle, h.busy_s, h.loaded_m, h.empty_m
        ),
        Event::PartnerBusy {
            partner,
            booking,
            queued,
        } => format!("{partner} {booking} queued {queued}"),
    }
}

/// Writes `manifest.json` atomically (temporary file, then rename).
pub fn write_manifest(dir: &Path, manifest: &serde_json::Value) -> std::io::Result<()> {
    write_json(dir, "manifest.json", manifest)
}

/// Writes the JSON file `name` in `dir` atomically (temporary file, then rename).
pub fn write_json(dir: &Path, name: &str, manifest: &serde_json::Value) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.partial"));
    {
        let mut f = BufWriter::new(File::create(&tmp)?);
        serde_json::to_writer_pretty(&mut f, manifest)?;
        f.write_all(b"\n")?;
        f.flush()?;
        f.get_ref().sync_all()?;
    }
    fs::rename(tmp, dir.join(name))
}

/// Reads a JSON file the program wrote (a manifest), with a located error.
pub fn read_json(path: &Path) -> Result<serde_json::Value, crate::error::InputError> {
    use crate::error::InputError;
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| {
        InputError::at(&file, "", None, "(file)").expected(format!("a readable file ({e})"))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        InputError::on_line(&file, e.line(), "(document)").expected(format!("JSON ({e})"))
    })
}

/// The detail of a notifier's or a settlement service's event in events.csv.
fn service_detail(ev: &Event) -> String {
    match ev {
        Event::Transfer(t) => format!(
            "{} {} {} -> {} {} {:?}",
            t.0.id,
            t.0.reason,
            t.0.debit.name(),
            t.0.credit.name(),
            t.0.amount,
            t.1
        ),
        Event::Settled(s) => format!("{} {} {} won", s.booking, s.status, s.charged_won),
        Event::Notification(f) => format!(
            "n{} {} {} via {} {} attempts {}",
            f.notice.id,
            f.notice.key,
            f.outcome.name(),
            f.channel_used,
            f.provider,
            f.attempts
        ),
        _ => String::new(),
    }
}
