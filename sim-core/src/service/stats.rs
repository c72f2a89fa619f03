//! A service's statistics: one row per minute (arrivals, completions, rejections, queue
//! depth, latency percentiles, instances, utilisation, cost), the busiest hour's latency,
//! and totals for the run. Time-weighted quantities (busy workers, billed instances) are
//! integrated between events; the rest is counted as it happens.

use super::hist::LogHist;
use super::spec::ServiceSpec;
use crate::time::{SimDuration, SimTime};

const MINUTE_MS: u64 = 60_000;

/// One service-minute.
#[derive(Clone, Debug, PartialEq)]
pub struct MinuteRow {
    /// Minutes since the start of the run.
    pub minute: u64,
    /// Attempts that arrived (first attempts and retries).
    pub arrivals: u64,
    /// Requests completed.
    pub completed: u64,
    /// Attempts rejected or shed by a full queue or no ready instance.
    pub rejected: u64,
    /// Attempts that failed inside: a downstream call timed out, an instance crashed.
    pub errors: u64,
    /// Requests queued (all instances and upstream) seen by arrivals: median, most.
    pub depth_p50: u64,
    /// See `depth_p50`.
    pub depth_max: u64,
    /// Latency of the requests completed, from the caller's first attempt, ms.
    pub lat_p50: u64,
    /// See `lat_p50`.
    pub lat_p95: u64,
    /// See `lat_p50`.
    pub lat_p99: u64,
    /// Instances billed at the end of the minute.
    pub instances: u32,
    /// Busy worker-time over serving worker-time.
    pub utilisation: f64,
    /// What the minute's instance-time cost, won.
    pub cost_won: i64,
}

/// A service's run, summed up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// Attempts that arrived.
    pub arrivals: u64,
    /// First attempts (requests).
    pub requests: u64,
    /// Requests completed.
    pub completed: u64,
    /// Attempts rejected or shed.
    pub rejected: u64,
    /// Calls timed out.
    pub timeouts: u64,
    /// Attempts lost with a crashed instance (and retried).
    pub resets: u64,
    /// Requests whose caller gave up.
    pub gave_up: u64,
    /// Requests still inside at the end.
    pub in_flight: u64,
    /// The busiest clock hour (by arrivals): its first minute.
    pub peak_hour_minute: u64,
    /// p99 latency in that hour, ms.
    pub peak_p99_ms: u64,
    /// Latency of the whole run, ms: p50, p99.
    pub p50_ms: u64,
    /// See `p50_ms`.
    pub p99_ms: u64,
    /// Minutes whose p99 exceeded the objective.
    pub violation_minutes: u64,
    /// The highest p99 of a minute, ms.
    pub worst_minute_p99_ms: u64,
    /// The most completions per second in a minute within the objective.
    pub best_ok_per_s: f64,
    /// Instance-hours billed.
    pub instance_hours: f64,
    /// Most instances billed at once.
    pub max_instances: u32,
    /// Cost, won.
    pub cost_won: i64,
    /// Requests that started service after the warm-up; how many waited; their wait, ms.
    pub started: u64,
    /// See `started`.
    pub waited: u64,
    /// See `started`.
    pub wait_ms: u64,
}

impl Totals {
    /// Rejected attempts over attempts.
    pub fn rejected_share(&self) -> f64 {
        if self.arrivals == 0 {
            0.0
        } else {
            self.rejected as f64 / self.arrivals as f64
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    arrivals: u64,
    completed: u64,
    rejected: u64,
    errors: u64,
    lat: LogHist,
    depth: LogHist,
    busy_ms: u128,
    cap_ms: u128,
}

/// The running statistics of one service.
#[derive(Debug)]
pub struct Stats {
    price: i64,
    slo_ms: u64,
    t: SimTime,
    minute: u64,
    busy: u32,
    serving: u32,
    billed: u32,
    m: Window,
    hour_arrivals: u64,
    hour_lat: LogHist,
    best_hour: (u64, u64, LogHist),
    all_lat: LogHist,
    tot: Totals,
    billed_ms: u128,
    cost_before: i64,
    period: (u128, u128),
    period_max_queued: u64,
    pub(super) measure_from: SimTime,
    rows: Vec<MinuteRow>,
}

impl Stats {
    pub(super) fn new(spec: &ServiceSpec) -> Stats {
        Stats {
            price: spec.price_won_per_hour,
            slo_ms: spec.slo_p99.as_ms(),
            t: SimTime(0),
            minute: 0,
            busy: 0,
            serving: 0,
            billed: 0,
            m: Window::default(),
            hour_arrivals: 0,
            hour_lat: LogHist::default(),
            best_hour: (0, 0, LogHist::default()),
            all_lat: LogHist::default(),
            tot: Totals::default(),
            billed_ms: 0,
            cost_before: 0,
            period: (0, 0),
            period_max_queued: 0,
            measure_from: SimTime(0),
            rows: Vec::new(),
        }
    }

    fn integrate(&mut self, to: SimTime) {
        let dt = u128::from(to.as_ms().saturating_sub(self.t.as_ms()));
        self.m.busy_ms += u128::from(self.busy) * dt;
        self.m.cap_ms += u128::from(self.serving) * dt;
        self.period.0 += u128::from(self.busy) * dt;
        self.period.1 += u128::from(self.serving) * dt;
        self.billed_ms += u128::from(self.billed) * dt;
        self.t = self.t.max(to);
    }

    /// Moves the clock to `now`, closing the minutes passed.
    pub(super) fn advance(&mut self, now: SimTime) {
        while now.as_ms() >= (self.minute + 1) * MINUTE_MS {
            self.integrate(SimTime((self.minute + 1) * MINUTE_MS));
            self.close_minute();
        }
        self.integrate(now);
    }

    fn close_minute(&mut self) {
        let cum = (self.billed_ms * self.price.max(0) as u128 / 3_600_000) as i64;
        let w = std::mem::take(&mut self.m);
        let p99 = w.lat.quantile(0.99);
        self.tot.worst_minute_p99_ms = self.tot.worst_minute_p99_ms.max(p99);
        // A minute violates the objective when its p99 is above it, or when requests
        // waited or failed and none completed (a partition, a stalled queue).
        let stalled = w.lat.is_empty() && w.arrivals > 0 && (w.errors > 0 || w.depth.max() > 0);
        if (!w.lat.is_empty() && p99 > self.slo_ms) || stalled {
            self.tot.violation_minutes += 1;
        } else {
            self.tot.best_ok_per_s = self.tot.best_ok_per_s.max(w.completed as f64 / 60.0);
        }
        self.rows.push(MinuteRow {
            minute: self.minute,
            arrivals: w.arrivals,
            completed: w.completed,
            rejected: w.rejected,
            errors: w.errors,
            depth_p50: w.depth.quantile(0.5),
            depth_max: w.depth.max(),
            lat_p50: w.lat.quantile(0.5),
            lat_p95: w.lat.quantile(0.95),
            lat_p99: p99,
            instances: self.billed,
            utilisation: if w.cap_ms == 0 {
                0.0
            } else {
                w.busy_ms as f64 / w.cap_ms as f64
            },
            cost_won: cum - self.cost_before,
        });
        self.cost_before = cum;
        self.hour_arrivals += w.arrivals;
        self.hour_lat.merge(&w.lat);
        self.all_lat.merge(&w.lat);
        self.minute += 1;
        if self.minute % 60 == 0 {
            self.close_hour(self.minute - 60);
        }
    }

    fn close_hour(&mut self, first: u64) {
        if self.hour_arrivals > self.best_hour.0 {
            self.best_hour = (self.hour_arrivals, first, self.hour_lat.clone());
        }
        self.hour_arrivals = 0;
        self.hour_lat.clear();
    }

    pub(super) fn arrival(&mut self, queued: u64, first: bool) {
        self.m.arrivals += 1;
        self.m.depth.record(queued);
        self.period_max_queued = self.period_max_queued.max(queued);
        self.tot.arrivals += 1;
        self.tot.requests += u64::from(first);
    }

    pub(super) fn rejected(&mut self) {
        self.m.rejected += 1;
        self.tot.rejected += 1;
    }

    pub(super) fn timed_out(&mut self) {
        self.m.errors += 1;
        self.tot.timeouts += 1;
    }

    pub(super) fn reset(&mut self) {
        self.m.errors += 1;
        self.tot.resets += 1;
    }

    pub(super) fn gave_up(&mut self) {
        self.tot.gave_up += 1;
    }

    pub(super) fn completed(&mut self, latency: SimDuration) {
        self.m.completed += 1;
        self.m.lat.record(latency.as_ms());
        self.tot.completed += 1;
    }

    pub(super) fn started(&mut self, arrived: SimTime, wait: SimDuration) {
        if arrived >= self.measure_from {
            self.tot.started += 1;
            self.tot.waited += u64::from(wait.as_ms() > 0);
            self.tot.wait_ms += wait.as_ms();
        }
    }

    pub(super) fn set_busy(&mut self, n: u32, up: bool) {
        if up {
            self.busy += n;
        } else {
            self.busy -= n;
        }
    }

    pub(super) fn set_capacity(&mut self, billed: u32, serving_workers: u32) {
        self.billed = billed;
        self.serving = serving_workers;
        self.tot.max_instances = self.tot.max_instances.max(billed);
    }

    /// Busy over serving worker-time since the last call.
    pub(super) fn take_period_utilisation(&mut self) -> f64 {
        let (busy, cap) = std::mem::take(&mut self.period);
        if cap == 0 {
            if busy > 0 {
                1.0
            } else {
                0.0
            }
        } else {
            busy as f64 / cap as f64
        }
    }

    /// The most requests queued seen by an arrival since the last call.
    pub(super) fn take_period_max_queued(&mut self) -> u64 {
        std::mem::take(&mut self.period_max_queued)
    }

    pub(super) fn take_rows(&mut self) -> Vec<MinuteRow> {
        std::mem::take(&mut self.rows)
    }

    /// Whether the current minute has seen anything worth a row.
    fn minute_started(&self, now: SimTime) -> bool {
        now.as_ms() > self.minute * MINUTE_MS || self.m.arrivals > 0
    }

    pub(super) fn finish(&mut self, now: SimTime, inside: u64) -> Totals {
        if self.minute_started(now) {
            self.close_minute();
        }
        if self.minute % 60 != 0 {
            self.close_hour(self.minute - self.minute % 60);
        }
        let mut t = self.tot.clone();
        t.in_flight = inside;
        t.peak_hour_minute = self.best_hour.1;
        t.peak_p99_ms = self.best_hour.2.quantile(0.99);
        t.p50_ms = self.all_lat.quantile(0.5);
        t.p99_ms = self.all_lat.quantile(0.99);
        t.instance_hours = self.billed_ms as f64 / 3_600_000.0;
        t.cost_won = self.cost_before;
        t
    }

    /// The totals so far (the current minute not yet included in latencies).
    pub fn totals(&self) -> &Totals {
        &self.tot
    }
}
