//! Observers that need no I/O: the KPI aggregator and the closing-books check. Both stream
//! (nothing per booking outlives the booking), so a month-long run keeps flat memory.
//!
//! [`Kpis`] computes what `kpis.csv` reports; each KPI is defined in [`Kpis::rows`] (and in
//! the README). Waits are kept as an exact histogram of whole seconds, so percentiles are
//! exact (nearest rank).

use std::collections::BTreeMap;

use crate::actors::Msg;
use crate::engine::{ObserveError, Observer};
use crate::event::{BookingRecord, BookingStatus, Event, TripStatus};
use crate::ids::{ActorId, BookingId};
use crate::time::SimTime;

/// Exact histogram of whole seconds.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: BTreeMap<u64, u64>,
    n: u64,
    sum: u128,
}

impl Histogram {
    /// Adds one value.
    pub fn add(&mut self, secs: u64) {
        *self.counts.entry(secs).or_insert(0) += 1;
        self.n += 1;
        self.sum += u128::from(secs);
    }

    /// Values added.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Mean, or `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// The nearest-rank quantile `q` in (0, 1]: the smallest value with at least `q * n`
    /// values at or below it.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (&v, &c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(v);
            }
        }
        self.counts.keys().next_back().copied()
    }

    /// Share of values strictly below `limit`.
    pub fn share_below(&self, limit: u64) -> Option<f64> {
        let below: u64 = self.counts.range(..limit).map(|(_, c)| c).sum();
        (self.n > 0).then(|| below as f64 / self.n as f64)
    }
}

/// Streaming KPIs of a run.
#[derive(Clone, Debug, Default)]
pub struct Kpis {
    vehicles: u32,
    span_s: f64,
    bookings: u64,
    completed: u64,
    cancelled: u64,
    rejected: u64,
    open: u64,
    waits: Histogram,
    rides: Histogram,
    detour_sum: f64,
    detour_n: u64,
    busy_s: f64,
    loaded_m: f64,
    empty_m: f64,
    pet_m: f64,
    revenue_won: i64,
    /// Bookings whose quote was accepted.
    accepted: u64,
    /// Completed bookings delivered within an hour of being made.
    within_1h: u64,
    welfare_alerts: u64,
    vet_diversions: u64,
}

/// Bookings by final state, and the revenue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BookingCounts {
    /// Closed bookings.
    pub total: u64,
    /// Completed.
    pub completed: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Rejected.
    pub rejected: u64,
    /// Still open when the run stopped.
    pub open: u64,
    /// Fares charged, won.
    pub revenue_won: i64,
}

/// One KPI: name, value (`None`: no data, e.g. no booking completed), unit.
pub type KpiRow = (&'static str, Option<f64>, &'static str);

impl Kpis {
    /// KPIs of a fleet of `vehicles` over a run of `span` (from time zero).
    pub fn new(vehicles: u32, span: SimTime) -> Kpis {
        Kpis {
            vehicles,
            span_s: span.as_secs_f64(),
            ..Kpis::default()
        }
    }

    fn on_booking(&mut self, b: &BookingRecord) {
        self.bookings += 1;
        match b.status {
            BookingStatus::Completed => self.completed += 1,
            BookingStatus::Cancelled => self.cancelled += 1,
            BookingStatus::Rejected => self.rejected += 1,
            BookingStatus::Open => self.open += 1,
        }
        self.accepted += u64::from(b.accepted);
        if b.status == BookingStatus::Completed {
            let door_to_door = b.dropoff_at.map(|d| d.saturating_since(b.requested_at));
            if door_to_door.is_some_and(|d| d.as_ms() <= 3_600_000) {
                self.within_1h += 1;
            }
            if let Some(door) = b.at_door_at {
                self.waits
                    .add(door.saturating_since(b.requested_pickup).as_ms() / 1_000);
            }
        }
        self.revenue_won += b.final_fare_won.unwrap_or(0);
    }

    /// Sets the run's length (its end time), for utilisation.
    pub fn finish(&mut self, end: SimTime) {
        self.span_s = end.as_secs_f64();
    }

    /// Bookings by final state.
    pub fn counts(&self) -> BookingCounts {
        BookingCounts {
            total: self.bookings,
            completed: self.completed,
            cancelled: self.cancelled,
            rejected: self.rejected,
            open: self.open,
            revenue_won: self.revenue_won,
        }
    }

    fn share(&self, n: u64) -> Option<f64> {
        (self.bookings > 0).then(|| n as f64 / self.bookings as f64)
    }

    /// Every KPI in a fixed order (the rows of `kpis.csv`).
    pub fn rows(&self) -> Vec<KpiRow> {
        let mut rows = self.booking_rows();
        rows.extend(self.fleet_rows());
        rows
    }

    /// The bookings' KPIs: outcomes and waits.
    fn booking_rows(&self) -> Vec<KpiRow> {
        vec![
            // Bookings closed in the run, whatever their state (open at the end included).
            ("bookings", Some(self.bookings as f64), "bookings"),
            // completed / bookings
            ("served_share", self.share(self.completed), "share"),
            // rejected (no vehicle could serve) / bookings
            ("rejected_share", self.share(self.rejected), "share"),
            // cancelled (quote declined, pickup too late, service refused) / bookings
            ("cancelled_share", self.share(self.cancelled), "share"),
            // wait = the van at the door - the requested pickup time, completed bookings
            ("wait_mean_s", self.waits.mean(), "s"),
            (
                "wait_p50_s",
                self.waits.quantile(0.5).map(|v| v as f64),
                "s",
            ),
            (
                "wait_p90_s",
                self.waits.quantile(0.9).map(|v| v as f64),
                "s",
            ),
            (
                "wait_p95_s",
                self.waits.quantile(0.95).map(|v| v as f64),
                "s",
            ),
            (
                "share_wait_under_10min",
                self.waits.share_below(600),
                "share",
            ),
        ]
    }

    /// The rides' and the fleet's KPIs.
    fn fleet_rows(&self) -> Vec<KpiRow> {
        let total_m = self.loaded_m + self.empty_m;
        let fleet_s = f64::from(self.vehicles) * self.span_s;
        vec![
            // ride = drop-off arrival - pickup departure, per completed leg
            ("ride_mean_s", self.rides.mean(), "s"),
            // ride / planned direct drive - 1, per completed leg with a direct drive
            (
                "detour_mean",
                (self.detour_n > 0).then(|| self.detour_sum / self.detour_n as f64),
                "ratio",
            ),
            // time with work in hand / (vehicles x run length)
            (
                "fleet_utilisation",
                (fleet_s > 0.0).then(|| self.busy_s / fleet_s),
                "share",
            ),
            ("vehicle_km", Some(total_m / 1_000.0), "km"),
            // km driven with no pet aboard / all km
            (
                "empty_km_share",
                (total_m > 0.0).then(|| self.empty_m / total_m),
                "share",
            ),
            // pets aboard, weighted by distance: pet-km / km
            (
                "occupancy",
                (total_m > 0.0).then(|| self.pet_m / total_m),
                "pets",
            ),
            // fares charged (completed, and cancelled after a ride began)
            ("revenue_won", Some(self.revenue_won as f64), "won"),
            // completed with drop-off within 1 h of the booking being made / accepted bookings
            (
                "delivered_within_1h_share",
                (self.accepted > 0).then(|| self.within_1h as f64 / self.accepted as f64),
                "share",
            ),
            // pet welfare alerts (every level and cause)
            ("welfare_alerts", Some(self.welfare_alerts as f64), "alerts"),
            // critical alerts on which the pet asked its van to divert to the nearest open vet
            (
                "vet_diversion_requests",
                Some(self.vet_diversions as f64),
                "requests",
            ),
        ]
    }
}

impl Observer<Msg, Event> for Kpis {
    fn on_event(
        &mut self,
        _at: SimTime,
        _from: ActorId,
        event: &Event,
    ) -> Result<(), ObserveError> {
        match event {
            Event::BookingClosed(b) => self.on_booking(b),
            Event::TripEnded(r) if r.status == TripStatus::Completed => {
                if let (Some(d), Some(a)) = (r.depart_at, r.arrive_at) {
                    let ride = a.saturating_since(d);
                    self.rides.add(ride.as_ms() / 1_000);
                    if r.direct.as_ms() > 0 {
                        self.detour_sum += ride.as_secs_f64() / r.direct.as_secs_f64() - 1.0;
                        self.detour_n += 1;
                    }
                }
            }
            Event::PetAlert(a) => {
                self.welfare_alerts += 1;
                if a.action == crate::actors::pet::DIVERT_TO_VET {
                    self.vet_diversions += 1;
                }
            }
            Event::VehicleHour(h) => {
                self.busy_s += h.busy_s;
                self.loaded_m += h.loaded_m;
                self.empty_m += h.empty_m;
                self.pet_m += h.pet_m;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Streaming KPIs of the notification gateway: counts by outcome, fallback, cost, and the
/// exact delivery latency (trigger to delivery report, ms) per channel.
#[derive(Clone, Debug, Default)]
pub struct NotifyKpis {
    notices: u64,
    delivered: u64,
    fallback: u64,
    expired: u64,
    dead_lettered: u64,
    open: u64,
    cost_won: i64,
    /// By channel, in [`NOTIFY_CHANNELS`] order.
    latency_ms: [Histogram; 5],
    /// Provider and channel outages (from, until).
    outages: Vec<(SimTime, SimTime)>,
    support_calls: u64,
    support_calls_in_outages: u64,
    outage_min: u64,
}

/// The bundled channels, in the order of their KPI rows.
pub const NOTIFY_CHANNELS: [&str; 5] = ["push", "alimtalk", "sms", "lms", "email"];

/// KPI names of the latency percentiles: `[channel][p50, p95, p99]`.
const LATENCY_ROWS: [[&str; 3]; 5] = [
    [
        "notify_push_p50_ms",
        "notify_push_p95_ms",
        "notify_push_p99_ms",
    ],
    [
        "notify_alimtalk_p50_ms",
        "notify_alimtalk_p95_ms",
        "notify_alimtalk_p99_ms",
    ],
    [
        "notify_sms_p50_ms",
        "notify_sms_p95_ms",
        "notify_sms_p99_ms",
    ],
    [
        "notify_lms_p50_ms",
        "notify_lms_p95_ms",
        "notify_lms_p99_ms",
    ],
    [
        "notify_email_p50_ms",
        "notify_email_p95_ms",
        "notify_email_p99_ms",
    ],
];

impl NotifyKpis {
    /// KPIs of a run whose notifier has these outages (from, until).
    pub fn new(outages: Vec<(SimTime, SimTime)>) -> NotifyKpis {
        let mut minutes: Vec<u64> = (outages.iter())
            .flat_map(|(f, u)| f.as_ms() / 60_000..u.as_ms().div_ceil(60_000))
            .collect();
        minutes.sort_unstable();
        minutes.dedup();
        NotifyKpis {
            outage_min: minutes.len() as u64,
            outages,
            ..NotifyKpis::default()
        }
    }

    fn on_final(&mut self, f: &crate::notify::Final) {
        use crate::notify::Outcome;
        self.notices += 1;
        match f.outcome {
            Outcome::Delivered => {
                self.delivered += 1;
                self.cost_won += f.cost_won;
                self.fallback += u64::from(f.channel_used != f.channel_first);
                if let (Some(c), Some(t)) = (
                    NOTIFY_CHANNELS.iter().position(|c| **c == *f.channel_used),
                    f.delivered_at,
                ) {
                    self.latency_ms[c].add(t.saturating_since(f.notice.created_at).as_ms());
                }
            }
            Outcome::Expired => self.expired += 1,
            Outcome::DeadLettered => self.dead_lettered += 1,
            Outcome::Open => self.open += 1,
        }
    }

    /// The notifier's KPIs (rows of `kpis.csv` after the fleet's).
    pub fn rows(&self) -> Vec<KpiRow> {
        let share = |n: u64| (self.notices > 0).then(|| n as f64 / self.notices as f64);
        let mut rows = vec![
            // notices that ended in the run (duplicates dropped by their key not counted)
            ("notifications", Some(self.notices as f64), "notices"),
            ("notify_delivered_share", share(self.delivered), "share"),
            // delivered on another channel than the first of its chain / delivered
            (
                "notify_fallback_share",
                (self.delivered > 0).then(|| self.fallback as f64 / self.delivered as f64),
                "share",
            ),
            ("notify_expired", Some(self.expired as f64), "notices"),
            (
                "notify_dead_letters",
                Some(self.dead_lettered as f64),
                "notices",
            ),
            ("notify_open_at_end", Some(self.open as f64), "notices"),
            // the providers' prices of the delivered notices, before VAT
            ("notify_cost_won", Some(self.cost_won as f64), "won"),
            ("support_calls", Some(self.support_calls as f64), "calls"),
            // support calls while a provider or channel was down / outage minutes
            (
                "support_calls_per_outage_min",
                (self.outage_min > 0)
                    .then(|| self.support_calls_in_outages as f64 / self.outage_min as f64),
                "calls/min",
            ),
        ];
        for (h, names) in self.latency_ms.iter().zip(LATENCY_ROWS) {
            for (q, name) in [0.5, 0.95, 0.99].into_iter().zip(names) {
                rows.push((name, h.quantile(q).map(|v| v as f64), "ms"));
            }
        }
        rows
    }
}

impl Observer<Msg, Event> for NotifyKpis {
    fn on_event(&mut self, at: SimTime, _from: ActorId, event: &Event) -> Result<(), ObserveError> {
        match event {
            Event::Notification(f) => self.on_final(f),
            Event::SupportCall(_) => {
                self.support_calls += 1;
                let down = self.outages.iter().any(|(f, u)| (*f..*u).contains(&at));
                self.support_calls_in_outages += u64::from(down);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Streaming KPIs of the settlement service: settlements by status, captured money and
/// the exact lag from a booking's end to its settlement (s).
#[derive(Clone, Debug, Default)]
pub struct SettleKpis {
    captured: u64,
    captured_won: i64,
    voided: u64,
    dead: u64,
    open: u64,
    lag_s: Histogram,
}

impl SettleKpis {
    /// The settlement's KPIs; `counts` are the service's own counters at the end.
    pub fn rows(&self, counts: &crate::settle::SettleCounts) -> Vec<KpiRow> {
        let q = |x: f64| self.lag_s.quantile(x).map(|v| v as f64);
        vec![
            ("settle_captured", Some(self.captured as f64), "bookings"),
            ("settle_captured_won", Some(self.captured_won as f64), "won"),
            (
                "settle_refunded_won",
                Some(counts.refunded_won as f64),
                "won",
            ),
            ("settle_voided", Some(self.voided as f64), "bookings"),
            ("settle_dead_letters", Some(self.dead as f64), "bookings"),
            ("settle_open_at_end", Some(self.open as f64), "bookings"),
            // booking ended -> its settlement ended, captured and voided bookings
            ("settle_lag_p50_s", q(0.5), "s"),
            ("settle_lag_p95_s", q(0.95), "s"),
            ("settle_lag_p99_s", q(0.99), "s"),
            (
                "settle_unknown_resolved",
                Some(counts.unknown_resolved as f64),
                "requests",
            ),
            ("settle_retries", Some(counts.retries as f64), "requests"),
            ("settle_crashes", Some(counts.crashes as f64), "crashes"),
            (
                "settle_paid_out_won",
                Some(counts.paid_out_won as f64),
                "won",
            ),
        ]
    }
}

impl Observer<Msg, Event> for SettleKpis {
    fn on_event(
        &mut self,
        _at: SimTime,
        _from: ActorId,
        event: &Event,
    ) -> Result<(), ObserveError> {
        if let Event::Settled(s) = event {
            match s.status {
                "captured" => {
                    self.captured += 1;
                    self.captured_won += s.charged_won;
                }
                "voided" => self.voided += 1,
                "dead_lettered" => self.dead += 1,
                _ => self.open += 1,
            }
            if let (Some(c), "captured" | "voided") = (s.completed_at, s.status) {
                self.lag_s
                    .add(s.settled_at.saturating_since(c).as_ms() / 1_000);
            }
        }
        Ok(())
    }
}

/// The closing books: checks, as bookings close, that each closes once with a reason and
/// that completed ones have a pickup, a drop-off and a fare. Keeps only the last closed
/// booking of each household (a household has one booking under way at a time and its ids
/// grow) and the bookings still open at the end.
#[derive(Clone, Debug, Default)]
pub struct ClosingBooks {
    last_closed: BTreeMap<crate::ids::CustomerId, BookingId>,
    /// Bookings closed as open (the run ended while they were under way).
    pub open: Vec<BookingId>,
    /// Bookings closed.
    pub closed: u64,
    /// Problems found.
    pub problems: Vec<String>,
    /// Little's law on rides, from two records: the count of legs under way integrated
    /// over time from the trip events, and the legs' own ride times.
    rides: LittleRides,
}

/// L = lambda W on the legs, from departure at the pickup (the record's `depart_at`) to
/// the hand-over at the drop-off (`TripEnded`, after the drop-off dwell; or the run's end):
/// the time integral of the legs under way, counted from `TripStarted` and `TripEnded` as
/// they happen, must equal the sum of the legs' times. Both are exact milliseconds, so they
/// agree to the millisecond unless a leg starts twice, never ends, or its record's
/// departure is not when it started.
#[derive(Clone, Debug, Default)]
struct LittleRides {
    under_way: i64,
    last: SimTime,
    area_ms: i128,
    rides_ms: i128,
    legs: u64,
}

impl LittleRides {
    fn advance(&mut self, at: SimTime) {
        self.area_ms +=
            i128::from(self.under_way) * i128::from(at.saturating_since(self.last).as_ms());
        self.last = at;
    }

    fn problem(&self) -> Option<String> {
        (self.area_ms != self.rides_ms || self.under_way != 0).then(|| {
            format!(
                "Little's law on legs: legs under way integrate to {} ms over the run but the {} legs' times (departure to hand-over) sum to {} ms ({} still counted under way)",
                self.area_ms, self.legs, self.rides_ms, self.under_way
            )
        })
    }
}

impl ClosingBooks {
    /// Every problem: those found as bookings closed, and Little's law on the rides.
    pub fn problems(&self) -> Vec<String> {
        let mut p = self.problems.clone();
        p.extend(self.rides.problem());
        p
    }

    fn on_booking(&mut self, b: &BookingRecord) {
        self.closed += 1;
        if let Some(prev) = self.last_closed.insert(b.customer, b.booking) {
            if prev >= b.booking {
                self.problem(format!(
                    "booking {} closed twice or out of order",
                    b.booking
                ));
            }
        }
        if b.reason.is_empty() {
            self.problem(format!("booking {} closed without a reason", b.booking));
        }
        if b.status == BookingStatus::Completed
            && (b.pickup_at.is_none() || b.dropoff_at.is_none() || b.final_fare_won.is_none())
        {
            self.problem(format!(
                "booking {} completed without pickup, drop-off or fare",
                b.booking
            ));
        }
        if b.final_fare_won.is_some_and(|f| f < 0) {
            self.problem(format!("booking {} has a negative fare", b.booking));
        }
        if b.status == BookingStatus::Open {
            self.open.push(b.booking);
        }
    }

    /// Records a problem (at most 100 are kept; the count goes on).
    fn problem(&mut self, p: String) {
        if self.problems.len() < 100 {
            self.problems.push(p);
        }
    }
}

impl Observer<Msg, Event> for ClosingBooks {
    fn on_event(&mut self, at: SimTime, _from: ActorId, event: &Event) -> Result<(), ObserveError> {
        match event {
            Event::BookingClosed(b) => self.on_booking(b),
            Event::TripStarted { .. } => {
                self.rides.advance(at);
                self.rides.under_way += 1;
            }
            Event::TripEnded(r) => {
                if let Some(d) = r.depart_at {
                    self.rides.advance(at);
                    self.rides.under_way -= 1;
                    self.rides.legs += 1;
                    // A leg ends for the model when its pets are handed over (the drop-off
                    // dwell after `arrive_at`), or at the run's end.
                    self.rides.rides_ms += i128::from(at.saturating_since(d).as_ms());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg_ended(books: &mut ClosingBooks, at_s: u64, depart_s: u64) {
        let r = crate::event::TripRecord {
            trip: BookingId(1),
            leg: crate::booking::Leg::Outbound,
            vehicle: crate::ids::VehicleId(0),
            origin: crate::ids::NodeId(0),
            destination: crate::ids::NodeId(1),
            depart_at: Some(SimTime::ZERO + crate::time::SimDuration::from_secs(depart_s)),
            arrive_at: None,
            distance_m: 0.0,
            reroutes: 0,
            ride_limit: crate::time::SimDuration::ZERO,
            direct: crate::time::SimDuration::ZERO,
            status: crate::event::TripStatus::Completed,
        };
        let at = SimTime::ZERO + crate::time::SimDuration::from_secs(at_s);
        books
            .on_event(at, ActorId(0), &Event::TripEnded(Box::new(r)))
            .unwrap();
    }

    fn leg_started(books: &mut ClosingBooks, at_s: u64) {
        let e = Event::TripStarted {
            trip: BookingId(1),
            vehicle: crate::ids::VehicleId(0),
        };
        let at = SimTime::ZERO + crate::time::SimDuration::from_secs(at_s);
        books.on_event(at, ActorId(0), &e).unwrap();
    }

    #[test]
    fn littles_law_on_legs_holds_for_consistent_records_and_fails_otherwise() {
        let mut ok = ClosingBooks::default();
        leg_started(&mut ok, 10);
        leg_started(&mut ok, 20);
        leg_ended(&mut ok, 50, 10);
        leg_ended(&mut ok, 90, 20);
        assert!(ok.problems().is_empty(), "{:?}", ok.problems());
        // A record whose departure is not when the leg started.
        let mut late = ClosingBooks::default();
        leg_started(&mut late, 10);
        leg_ended(&mut late, 50, 15);
        assert!(late.problems()[0].contains("Little's law"));
        // A leg that never ends.
        let mut open = ClosingBooks::default();
        leg_started(&mut open, 10);
        assert!(open.problems()[0].contains("1 still counted under way"));
    }

    #[test]
    fn quantiles_are_exact_nearest_rank() {
        let mut h = Histogram::default();
        for v in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] {
            h.add(v);
        }
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.9), Some(90));
        assert_eq!(h.quantile(0.95), Some(100));
        assert_eq!(h.mean(), Some(55.0));
        assert_eq!(h.share_below(30), Some(0.2));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
