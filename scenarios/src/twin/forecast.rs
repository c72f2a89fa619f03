//! Forecasts: the mirror forked ([`super::fork`]) and run by the model over the horizon,
//! once per seed, and again with a what-if overlay; `forecasts.csv` and
//! `forecast_diffs.csv`.
//!
//! Per booking open at the fork: its arrival (the drop-off) p50 and p90 over the seeds
//! and the mean metered fare of the forecast part of its ride (all of it for a booking not
//! yet picked up). Pets aboard are a pickup in the fork; the time the van stood there
//! (`pickup_at - at_door_at` in the fork's `bookings.csv`) is taken off their arrival.
//! Per van with bookings: when its last one arrives. Per fleet: the backlog at the
//! horizon (bookings made and not picked up by then, neither cancelled nor rejected) and
//! the vans' mean utilisation in the hours of the horizon.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sim_core::time::{SimDuration, SimTime};

use super::fork::Fork;
use crate::feed::FeedClock;
use crate::overrides::Overrides;
use crate::run::{Loaded, RunError, RunOptions};
use crate::table::Table;

/// How the twin forecasts.
#[derive(Clone, Debug)]
pub struct ForecastConfig {
    /// A forecast every this much feed time (on its multiples from midnight).
    pub every: Option<SimDuration>,
    /// And at these times.
    pub at: Vec<SimTime>,
    /// How far ahead.
    pub horizon: SimDuration,
    /// Seeds: one model run each.
    pub seeds: Vec<u64>,
    /// An overlay run on the same forks (`--what-if`).
    pub what_if: Option<PathBuf>,
}

/// A booking's arrival in one run (if within the horizon) and the fare of its forecast part.
type Arrival = (Option<SimTime>, Option<i64>);

/// What one fork run gave, per mirror booking and for the fleet.
#[derive(Clone, Debug, Default)]
struct Outcome {
    /// Booking → (arrival, fare of the forecast part).
    arrivals: BTreeMap<String, (Option<SimTime>, Option<i64>)>,
    backlog: u64,
    utilisation: f64,
}

/// The forecast of one variant (base or what-if) at one time, over the seeds.
#[derive(Clone, Debug, Default)]
pub struct Forecast {
    /// Per booking: arrival p50, p90, mean fare, runs that arrived.
    pub bookings: BTreeMap<String, Quantiles>,
    /// Per van: its last booking's arrival.
    pub vans: BTreeMap<usize, Quantiles>,
    /// Backlog at the horizon, p50 and p90.
    pub backlog: (f64, f64),
    /// Utilisation over the horizon, p50 and p90.
    pub utilisation: (f64, f64),
}

/// Quantiles of arrivals over the seeds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quantiles {
    /// Median arrival.
    pub p50: Option<SimTime>,
    /// 90th percentile.
    pub p90: Option<SimTime>,
    /// Mean fare, won.
    pub fare: Option<f64>,
    /// Runs in which it arrived within the horizon.
    pub arrived: usize,
}

/// Runs `fork` once per seed (with `overlay`, if any) in `scratch` and sums it up.
pub fn run(
    loaded: &mut Loaded,
    opts: &RunOptions,
    fork: &Fork,
    cfg: &ForecastConfig,
    overlay: Option<&Path>,
    scratch: &Path,
) -> Result<Forecast, RunError> {
    let src = crate::located::Source {
        label: "<twin fork>".into(),
        text: fork.toml.clone(),
    };
    let base = std::mem::replace(&mut loaded.base, src);
    let outcomes = run_seeds(loaded, opts, fork, cfg, overlay, scratch);
    loaded.base = base;
    Ok(summarise(fork, &outcomes?))
}

fn run_seeds(
    loaded: &Loaded,
    opts: &RunOptions,
    fork: &Fork,
    cfg: &ForecastConfig,
    overlay: Option<&Path>,
    scratch: &Path,
) -> Result<Vec<Outcome>, RunError> {
    let overlays: Vec<PathBuf> = overlay.into_iter().map(Path::to_path_buf).collect();
    let overrides = Overrides::new(Vec::new(), &overlays)?;
    let mut out = Vec::new();
    for &seed in &cfg.seeds {
        let dir = scratch.join(format!("seed-{seed}"));
        let o = RunOptions {
            scenario: None,
            seed: Some(seed),
            until: None,
            out: dir.clone(),
            host: sim_core::engine::Host::Reference,
            trace: false,
            record: false,
            data: opts.data.clone(),
            scale: None,
            overrides: overrides.clone(),
        };
        let (_, resolved) = loaded.resolve(&o)?;
        let customers: Vec<u32> = resolved
            .spec
            .scripted
            .iter()
            .map(|s| s.household as u32)
            .collect();
        match crate::run::run_loaded(loaded, &o) {
            Ok(_) | Err(RunError::Invariant(_)) => {}
            Err(e) => return Err(e),
        }
        out.push(read_outcome(
            &dir,
            fork,
            &customers,
            resolved.start_date,
            resolved.until,
            cfg.horizon,
        )?);
    }
    Ok(out)
}

/// Reads a fork run's `bookings.csv` and `vehicles_hourly.csv`.
fn read_outcome(
    dir: &Path,
    fork: &Fork,
    customers: &[u32],
    start: chrono::NaiveDate,
    until: SimTime,
    horizon: SimDuration,
) -> Result<Outcome, RunError> {
    let clock = FeedClock::new(start);
    let from = SimTime(until.as_ms().saturating_sub(horizon.as_ms()));
    let time = |s: &str| (!s.is_empty()).then(|| clock.parse(s).ok()).flatten();
    let by_customer: BTreeMap<u32, usize> =
        customers.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let cols = [
        "customer_id",
        "requested_at",
        "at_door_at",
        "pickup_at",
        "dropoff_at",
        "final_fare_won",
        "status",
    ];
    let t = Table::read_path(&dir.join("bookings.csv"), &cols)?;
    let mut o = Outcome::default();
    for (_, row) in &t.rows {
        let (pickup, status) = (time(t.raw(row, "pickup_at")), t.raw(row, "status"));
        let made = time(t.raw(row, "requested_at")).is_some_and(|r| r <= until);
        if made && pickup.is_none_or(|p| p > until) && !matches!(status, "cancelled" | "rejected") {
            o.backlog += 1;
        }
        let Some(&i) = t
            .raw(row, "customer_id")
            .parse()
            .ok()
            .and_then(|c: u32| by_customer.get(&c))
        else {
            continue;
        };
        let f = &fork.bookings[i];
        let stood = match (f.aboard, time(t.raw(row, "at_door_at")), pickup) {
            (true, Some(door), Some(p)) => p.saturating_since(door),
            _ => SimDuration::ZERO,
        };
        let arrival = time(t.raw(row, "dropoff_at"))
            .map(|d| SimTime(d.as_ms().saturating_sub(stood.as_ms())));
        let fare = t.raw(row, "final_fare_won").parse().ok();
        o.arrivals.insert(f.booking.clone(), (arrival, fare));
    }
    let h = Table::read_path(
        &dir.join("vehicles_hourly.csv"),
        &["hour_start", "utilisation"],
    )?;
    let hour = |t: SimTime| SimTime(t.as_ms() / 3_600_000 * 3_600_000);
    let in_horizon: Vec<f64> = (h.rows.iter())
        .filter(|(_, r)| time(h.raw(r, "hour_start")).is_some_and(|s| s >= hour(from) && s < until))
        .filter_map(|(_, r)| h.raw(r, "utilisation").parse().ok())
        .collect();
    o.utilisation = in_horizon.iter().sum::<f64>() / in_horizon.len().max(1) as f64;
    Ok(o)
}

/// The nearest-rank quantile `q` of `v` (sorted).
fn rank<T: Copy>(v: &[T], q: f64) -> Option<T> {
    let n = v.len();
    (n > 0).then(|| v[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
}

fn quantiles(arrivals: &[(Option<SimTime>, Option<i64>)]) -> Quantiles {
    let mut times: Vec<SimTime> = arrivals.iter().filter_map(|a| a.0).collect();
    times.sort();
    let fares: Vec<i64> = arrivals.iter().filter_map(|a| a.1).collect();
    Quantiles {
        p50: rank(&times, 0.5),
        p90: rank(&times, 0.9),
        fare: (!fares.is_empty()).then(|| fares.iter().sum::<i64>() as f64 / fares.len() as f64),
        arrived: times.len(),
    }
}

fn summarise(fork: &Fork, runs: &[Outcome]) -> Forecast {
    let mut f = Forecast::default();
    let mut by_van: BTreeMap<usize, Vec<Arrival>> = BTreeMap::new();
    let fixed = fork.arriving.iter().map(|(b, t)| (b, Some(*t)));
    for (b, fixed) in fork.bookings.iter().map(|b| (b, None)).chain(fixed) {
        let per_run: Vec<_> = match fixed {
            Some(t) => vec![(Some(t), None); runs.len()],
            None => (runs.iter())
                .map(|o| o.arrivals.get(&b.booking).copied().unwrap_or((None, None)))
                .collect(),
        };
        f.bookings.insert(b.booking.clone(), quantiles(&per_run));
        if let Some(v) = b.vehicle {
            let last = by_van
                .entry(v)
                .or_insert_with(|| vec![(Some(SimTime::ZERO), None); runs.len()]);
            for (l, r) in last.iter_mut().zip(&per_run) {
                l.0 = match (l.0, r.0) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
        }
    }
    f.vans = by_van
        .into_iter()
        .map(|(v, a)| (v, quantiles(&a)))
        .collect();
    let mut backlog: Vec<f64> = runs.iter().map(|o| o.backlog as f64).collect();
    backlog.sort_by(f64::total_cmp);
    let mut util: Vec<f64> = runs.iter().map(|o| o.utilisation).collect();
    util.sort_by(f64::total_cmp);
    let q = |v: &[f64], p| rank(v, p).unwrap_or(f64::NAN);
    f.backlog = (q(&backlog, 0.5), q(&backlog, 0.9));
    f.utilisation = (q(&util, 0.5), q(&util, 0.9));
    f
}

/// Writes `f`, the forecast of `variant` at `at` over `runs` seeds, to `forecasts.csv`.
pub fn write(
    twin: &mut super::Twin<'_>,
    at: SimTime,
    variant: &str,
    f: &Forecast,
    runs: usize,
) -> std::io::Result<()> {
    let c = twin.out_clock;
    let t = |x: Option<SimTime>| x.map_or(String::new(), |x| c.format(x));
    let fare = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:.0}"));
    let mut rows: Vec<[String; 13]> = Vec::new();
    let entity = |kind: &str, id: String, q: &Quantiles| {
        let empty = String::new;
        [
            c.format(at),
            variant.to_string(),
            kind.to_string(),
            id,
            t(q.p50),
            t(q.p90),
            q.arrived.to_string(),
            runs.to_string(),
            fare(q.fare),
            empty(),
            empty(),
            empty(),
            empty(),
        ]
    };
    for (id, q) in &f.bookings {
        rows.push(entity("booking", id.clone(), q));
    }
    for (v, q) in &f.vans {
        rows.push(entity("van", format!("V{v}"), q));
    }
    let (b, u) = (f.backlog, f.utilisation);
    rows.push([
        c.format(at),
        variant.to_string(),
        "fleet".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        runs.to_string(),
        String::new(),
        format!("{}", b.0),
        format!("{}", b.1),
        format!("{:.3}", u.0),
        format!("{:.3}", u.1),
    ]);
    for r in rows {
        twin.outputs.row(super::out::FORECASTS, r)?;
    }
    Ok(())
}

/// Writes what the what-if changed against the base forecast at `at`.
pub fn write_diffs(
    twin: &mut super::Twin<'_>,
    at: SimTime,
    base: &Forecast,
    what_if: &Forecast,
) -> std::io::Result<()> {
    let c = twin.out_clock;
    let t = |x: Option<SimTime>| x.map_or(String::new(), |x| c.format(x));
    let delta = |a: Option<SimTime>, b: Option<SimTime>| match (a, b) {
        (Some(a), Some(b)) => ((b.as_ms() as i64 - a.as_ms() as i64) / 1000).to_string(),
        _ => String::new(),
    };
    let mut rows: Vec<[String; 12]> = Vec::new();
    let pairs = |kind: &str, id: String, a: &Quantiles, b: &Quantiles| {
        let fare = match (a.fare, b.fare) {
            (Some(x), Some(y)) => format!("{:.0}", y - x),
            _ => String::new(),
        };
        [
            c.format(at),
            kind.to_string(),
            id,
            t(a.p50),
            t(b.p50),
            delta(a.p50, b.p50),
            t(a.p90),
            t(b.p90),
            delta(a.p90, b.p90),
            fare,
            String::new(),
            String::new(),
        ]
    };
    for (id, a) in &base.bookings {
        let b = what_if.bookings.get(id).cloned().unwrap_or_default();
        rows.push(pairs("booking", id.clone(), a, &b));
    }
    for (v, a) in &base.vans {
        let b = what_if.vans.get(v).cloned().unwrap_or_default();
        rows.push(pairs("van", format!("V{v}"), a, &b));
    }
    let e = String::new;
    rows.push([
        c.format(at),
        "fleet".into(),
        e(),
        e(),
        e(),
        e(),
        e(),
        e(),
        e(),
        e(),
        format!("{}", what_if.backlog.0 - base.backlog.0),
        format!("{:.3}", what_if.utilisation.0 - base.utilisation.0),
    ]);
    for r in rows {
        twin.outputs.row(super::out::DIFFS, r)?;
    }
    Ok(())
}

impl ForecastConfig {
    /// The first forecast time after `t` (from the start if `None`).
    pub fn next_after(&self, t: Option<SimTime>) -> Option<SimTime> {
        let explicit = self
            .at
            .iter()
            .copied()
            .filter(|a| t.is_none_or(|t| *a > t))
            .min();
        let every = self.every.map(|e| {
            let e = e.as_ms().max(1);
            let k = t.map_or(1, |t| t.as_ms() / e + 1);
            SimTime(k * e)
        });
        match (explicit, every) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
