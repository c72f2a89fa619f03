//! `[[services]]`, `[[designs]]` and `[load]`: the back ends with finite capacity, the
//! designs an architect compares, and the API-level load. Each service starts from the
//! defaults of its role in `data/services/defaults.toml`; the scenario's entry changes
//! the fields it writes, and the chosen design's entry changes them again. Every value is
//! checked where it is written, and an error names its file, line, column and field.

use std::collections::BTreeMap;

use serde::Deserialize;
use sim_core::service::{
    Autoscale, Balancer, Burst, Dist, Fault, Kind, LoadSpec, Metric, Overflow, Role, Scaling,
    ServiceSpec,
};
use sim_core::time::{SimDuration, SimTime};

use crate::data::DataFiles;
use crate::error::{did_you_mean, InputError};
use crate::located::{Locator, PathKey, PathKey::Index as I, PathKey::Key as K, Source};

/// Where the defaults are, under `data/`.
pub const DEFAULTS: &str = "services/defaults.toml";

/// `[[services]]` (and a design's changes to one).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    /// `booking_api`, `notifications` or `settlement`.
    pub role: String,
    /// Name in outputs (default: the role).
    pub name: Option<String>,
    /// Instances at the start.
    pub instances: Option<u32>,
    /// Workers per instance.
    pub workers: Option<u32>,
    /// Service times are divided by it (a bigger machine).
    pub speed: Option<f64>,
    /// Won per instance-hour.
    pub price_won_per_hour: Option<i64>,
    /// Queue bound per instance.
    pub queue: Option<usize>,
    /// `reject`, `shed` or `backpressure`.
    pub overflow: Option<String>,
    /// With `backpressure`: callers that may wait upstream.
    pub upstream: Option<usize>,
    /// `round_robin`, `least_outstanding` or `power_of_two`.
    pub balancer: Option<String>,
    /// Service time per request kind (`default` for the others).
    pub service_ms: Option<BTreeMap<String, DistSection>>,
    /// Priority per request kind (shedding keeps the higher).
    pub priority: Option<BTreeMap<String, u8>>,
    /// The downstream call each request makes.
    pub call: Option<DistSection>,
    /// How long a call may take before it times out.
    pub call_timeout: Option<String>,
    /// Latency objective (p99 per minute).
    pub slo_p99: Option<String>,
    /// Callers' first backoff.
    pub retry_base: Option<String>,
    /// Callers' longest backoff.
    pub retry_cap: Option<String>,
    /// Scaling strategy.
    pub scaling: Option<ScalingSection>,
    /// Faults (a design's list replaces the scenario's).
    pub faults: Option<Vec<ServiceFaultSection>>,
}

/// A distribution: `{ dist = "lognormal", median_ms = 25, sigma = 0.5 }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistSection {
    /// `exp`, `const`, `lognormal` or `uniform`.
    pub dist: String,
    /// `exp`: the mean.
    pub mean_ms: Option<f64>,
    /// `const`: the value.
    pub ms: Option<f64>,
    /// `lognormal`: the median.
    pub median_ms: Option<f64>,
    /// `lognormal`: the shape.
    pub sigma: Option<f64>,
    /// `uniform`: the lower bound.
    pub min_ms: Option<f64>,
    /// `uniform`: the upper bound.
    pub max_ms: Option<f64>,
}

/// `[services.scaling]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingSection {
    /// `fixed`, `autoscale` or `scheduled`.
    pub strategy: String,
    /// `autoscale`: `utilisation` or `queue_depth`.
    pub metric: Option<String>,
    /// `autoscale`: scale out above.
    pub target: Option<f64>,
    /// `autoscale`: scale in below.
    pub scale_in_below: Option<f64>,
    /// `autoscale`: fewest instances.
    pub min: Option<u32>,
    /// `autoscale`: most instances.
    pub max: Option<u32>,
    /// `autoscale`: instances per action (default 1).
    pub step: Option<u32>,
    /// `autoscale`: least time between actions (default `3min`).
    pub cooldown: Option<String>,
    /// From launch to ready (default `90s`).
    pub cold_start: Option<String>,
    /// `autoscale`: evaluation period (default `1min`).
    pub every: Option<String>,
    /// `scheduled`: the steps.
    #[serde(default)]
    pub steps: Vec<StepSection>,
}

/// `[[services.scaling.steps]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSection {
    /// When (a clock time).
    pub at: String,
    /// Instances from then on.
    pub instances: u32,
}

/// `[[services.faults]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFaultSection {
    /// `crash`, `slow` or `partition`.
    pub kind: String,
    /// When it starts.
    pub at: String,
    /// `slow`, `partition`: when it ends.
    pub until: Option<String>,
    /// `crash`, `slow`: which instance (0-based).
    pub instance: Option<u32>,
    /// `crash`: down for this long.
    pub restart_after: Option<String>,
    /// `slow`: how many times slower.
    pub factor: Option<f64>,
}

/// `[[designs]]`: a named variant of the services.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSection {
    /// Name (`--set design=NAME` runs it alone).
    pub name: String,
    /// `fixed`, `vertical`, `horizontal`, `autoscale` or `scheduled`.
    pub strategy: String,
    /// Changes to the scenario's services, by role.
    #[serde(default)]
    pub services: Vec<ServiceSection>,
}

/// `[load]`: the API-level load mode.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSection {
    /// Share of orders that are bookings (default 0.4).
    pub book_share: Option<f64>,
    /// Notices per booking (default 3).
    pub notices_per_booking: Option<u32>,
    /// Settlement postings per booking (default 1).
    pub postings_per_booking: Option<u32>,
    /// The rate profile.
    #[serde(default)]
    pub profile: Vec<RateSection>,
    /// Bursts.
    #[serde(default)]
    pub bursts: Vec<BurstSection>,
}

/// `[knee]`: find where each design breaks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KneeSection {
    /// The term, `KPI<=VALUE` over the services' KPIs (`services_peak_p99_ms<=2000`).
    pub slo: String,
    /// Load multipliers to try, increasing.
    pub loads: Vec<f64>,
}

/// `[[load.profile]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSection {
    /// From (a clock time).
    pub from: String,
    /// Orders per second.
    pub per_s: f64,
}

/// `[[load.bursts]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSection {
    /// When (a clock time).
    pub at: String,
    /// How many orders.
    pub orders: u64,
    /// Spread over.
    pub over: String,
}

/// The services of a run, resolved.
#[derive(Clone, Debug, Default)]
pub struct ServicesPlan {
    /// The services (the chosen design's changes applied).
    pub services: Vec<ServiceSpec>,
    /// The API-level load, if the scenario is in that mode.
    pub load: Option<LoadSpec>,
    /// Every design: (name, strategy).
    pub designs: Vec<(String, String)>,
    /// The design this run uses, if any.
    pub design: Option<(String, String)>,
    /// The knee's term as written and its loads, checked (the term is read by the run).
    pub knee: Option<(String, Vec<f64>)>,
    /// `load_multiplier` (1 when not written): applied to `load` already.
    pub multiplier: f64,
}

impl ServicesPlan {
    /// The fleet's random demand: a fleet run's load multiplier scales its bookings per
    /// day (an API-level run's scales its `load` instead).
    pub fn fleet_demand(&self, sc: &super::Scenario) -> Option<super::DemandSection> {
        let mut d = sc.demand.clone()?;
        if self.load.is_none() {
            d.bookings_per_day *= self.multiplier;
        }
        Some(d)
    }
}

const ROLES: [&str; 3] = ["booking_api", "notifications", "settlement"];
const STRATEGIES: [&str; 5] = ["fixed", "vertical", "horizontal", "autoscale", "scheduled"];

fn path<'a>(prefix: &[PathKey<'a>], f: &'a str) -> Vec<PathKey<'a>> {
    let mut p = prefix.to_vec();
    p.push(K(f));
    p
}

fn one_of(
    loc: &Locator<'_>,
    p: &[PathKey<'_>],
    v: &str,
    names: &[&str],
) -> Result<usize, InputError> {
    names.iter().position(|n| *n == v).ok_or_else(|| {
        let mut e = loc.err(p, v, format!("one of `{}`", names.join("`, `")));
        e.hint = did_you_mean(v, names.iter().copied());
        e
    })
}

fn role(loc: &Locator<'_>, prefix: &[PathKey<'_>], v: &str) -> Result<Role, InputError> {
    let i = one_of(loc, &path(prefix, "role"), v, &ROLES)?;
    Ok([Role::BookingApi, Role::Notifications, Role::Settlement][i])
}

fn positive(loc: &Locator<'_>, p: &[PathKey<'_>], v: f64, what: &str) -> Result<f64, InputError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(loc.err(p, &v.to_string(), what))
    }
}

fn in_range(
    loc: &Locator<'_>,
    p: &[PathKey<'_>],
    v: u64,
    lo: u64,
    hi: u64,
) -> Result<(), InputError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(loc.err(
            p,
            &v.to_string(),
            format!("a whole number from {lo} to {hi}"),
        ))
    }
}

/// A distribution at `p`.
fn dist(loc: &Locator<'_>, p: &[PathKey<'_>], d: &DistSection) -> Result<Dist, InputError> {
    let kinds = ["exp", "const", "lognormal", "uniform"];
    let k = one_of(loc, &path(p, "dist"), &d.dist, &kinds)?;
    let need = |f: &'static str, v: Option<f64>| -> Result<f64, InputError> {
        let v = v.ok_or_else(|| {
            loc.err(
                &path(p, "dist"),
                &d.dist,
                format!("`{f}` with `{}`", d.dist),
            )
        })?;
        positive(loc, &path(p, f), v, "a number above 0")
    };
    Ok(match k {
        0 => Dist::Exp {
            mean_ms: need("mean_ms", d.mean_ms)?,
        },
        1 => Dist::Const {
            ms: need("ms", d.ms)?,
        },
        2 => Dist::LogNormal {
            median_ms: need("median_ms", d.median_ms)?,
            sigma: need("sigma", d.sigma)?,
        },
        _ => {
            let (lo, hi) = (need("min_ms", d.min_ms)?, need("max_ms", d.max_ms)?);
            if hi <= lo {
                return Err(loc.err(
                    &path(p, "max_ms"),
                    &hi.to_string(),
                    "a bound above `min_ms`",
                ));
            }
            Dist::Uniform {
                min_ms: lo,
                max_ms: hi,
            }
        }
    })
}

/// Applies the fields `s` writes onto `spec`.
fn apply(
    loc: &Locator<'_>,
    pre: &[PathKey<'_>],
    s: &ServiceSection,
    spec: &mut ServiceSpec,
) -> Result<(), InputError> {
    if let Some(n) = &s.name {
        spec.name = n.clone();
    }
    if let Some(v) = s.instances {
        in_range(loc, &path(pre, "instances"), v.into(), 1, 1_000)?;
        spec.instances = v;
    }
    if let Some(v) = s.workers {
        in_range(loc, &path(pre, "workers"), v.into(), 1, 10_000)?;
        spec.workers = v;
    }
    if let Some(v) = s.speed {
        spec.speed = positive(loc, &path(pre, "speed"), v, "a speed above 0")?;
    }
    if let Some(v) = s.price_won_per_hour {
        in_range(
            loc,
            &path(pre, "price_won_per_hour"),
            v.max(-1) as u64,
            0,
            100_000_000,
        )?;
        spec.price_won_per_hour = v;
    }
    if let Some(v) = s.queue {
        in_range(loc, &path(pre, "queue"), v as u64, 0, 10_000_000)?;
        spec.queue = v;
    }
    apply_policies(loc, pre, s, spec)?;
    apply_times(loc, pre, s, spec)?;
    if let Some(sc) = &s.scaling {
        spec.scaling = scaling(loc, &path(pre, "scaling"), sc)?;
    }
    if let Some(fs) = &s.faults {
        spec.faults = (fs.iter().enumerate())
            .map(|(i, f)| fault(loc, &[path(pre, "faults"), vec![I(i)]].concat(), f))
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}

fn apply_policies(
    loc: &Locator<'_>,
    pre: &[PathKey<'_>],
    s: &ServiceSection,
    spec: &mut ServiceSpec,
) -> Result<(), InputError> {
    if let Some(v) = &s.overflow {
        let upstream = s.upstream.unwrap_or(100_000);
        spec.overflow = match one_of(
            loc,
            &path(pre, "overflow"),
            v,
            &["reject", "shed", "backpressure"],
        )? {
            0 => Overflow::Reject,
            1 => Overflow::Shed,
            _ => Overflow::Backpressure { upstream },
        };
    }
    if let (Some(u), Overflow::Backpressure { upstream }) = (s.upstream, &mut spec.overflow) {
        in_range(loc, &path(pre, "upstream"), u as u64, 1, 100_000_000)?;
        *upstream = u;
    }
    if let Some(v) = &s.balancer {
        let names = ["round_robin", "least_outstanding", "power_of_two"];
        spec.balancer = [
            Balancer::RoundRobin,
            Balancer::LeastOutstanding,
            Balancer::PowerOfTwo,
        ][one_of(loc, &path(pre, "balancer"), v, &names)?];
    }
    Ok(())
}

fn apply_times(
    loc: &Locator<'_>,
    pre: &[PathKey<'_>],
    s: &ServiceSection,
    spec: &mut ServiceSpec,
) -> Result<(), InputError> {
    let mut kinds: BTreeMap<String, Kind> =
        spec.kinds.drain(..).map(|k| (k.name.clone(), k)).collect();
    if let Some(m) = &s.service_ms {
        for (name, d) in m {
            let d = dist(loc, &[path(pre, "service_ms"), vec![K(name)]].concat(), d)?;
            if name == "default" {
                spec.default_service = d;
            } else {
                let k = kinds.entry(name.clone()).or_insert_with(|| Kind {
                    name: name.clone(),
                    service: spec.default_service.clone(),
                    priority: 1,
                });
                k.service = d;
            }
        }
    }
    if let Some(m) = &s.priority {
        for (name, &p) in m {
            let service = spec.default_service.clone();
            let k = kinds.entry(name.clone()).or_insert_with(|| Kind {
                name: name.clone(),
                service,
                priority: 1,
            });
            k.priority = p;
        }
    }
    spec.kinds = kinds.into_values().collect();
    if let Some(d) = &s.call {
        spec.call = Some(dist(loc, &path(pre, "call"), d)?);
    }
    let dur = |f: &'static str, v: &Option<String>| -> Result<Option<SimDuration>, InputError> {
        v.as_ref()
            .map(|v| loc.positive_duration(&path(pre, f), v))
            .transpose()
    };
    if let Some(d) = dur("call_timeout", &s.call_timeout)? {
        spec.call_timeout = d;
    }
    if let Some(d) = dur("slo_p99", &s.slo_p99)? {
        spec.slo_p99 = d;
    }
    if let Some(d) = dur("retry_base", &s.retry_base)? {
        spec.client.retry_base = d;
    }
    if let Some(d) = dur("retry_cap", &s.retry_cap)? {
        spec.client.retry_cap = d;
    }
    Ok(())
}

fn scaling(
    loc: &Locator<'_>,
    p: &[PathKey<'_>],
    s: &ScalingSection,
) -> Result<Scaling, InputError> {
    let k = one_of(
        loc,
        &path(p, "strategy"),
        &s.strategy,
        &["fixed", "autoscale", "scheduled"],
    )?;
    let dur =
        |f: &'static str, v: &Option<String>, d: SimDuration| -> Result<SimDuration, InputError> {
            v.as_ref()
                .map_or(Ok(d), |v| loc.positive_duration(&path(p, f), v))
        };
    let cold_start = dur("cold_start", &s.cold_start, SimDuration::from_secs(90))?;
    match k {
        0 => Ok(Scaling::Fixed),
        1 => autoscale(loc, p, s, cold_start),
        _ => {
            let mut steps = Vec::new();
            for (i, st) in s.steps.iter().enumerate() {
                let sp = [path(p, "steps"), vec![I(i), K("at")]].concat();
                let at = loc.clock(&sp, &st.at)?;
                if steps.last().is_some_and(|(t, _)| *t >= at) {
                    return Err(loc.err(&sp, &st.at, "a time after the step before"));
                }
                let ip = [path(p, "steps"), vec![I(i), K("instances")]].concat();
                in_range(loc, &ip, st.instances.into(), 1, 1_000)?;
                steps.push((at, st.instances));
            }
            if steps.is_empty() {
                return Err(loc.err(
                    &path(p, "strategy"),
                    &s.strategy,
                    "`[[...scaling.steps]]` with `scheduled`",
                ));
            }
            Ok(Scaling::Scheduled { steps, cold_start })
        }
    }
}

fn autoscale(
    loc: &Locator<'_>,
    p: &[PathKey<'_>],
    s: &ScalingSection,
    cold_start: SimDuration,
) -> Result<Scaling, InputError> {
    let missing = |f: &str| {
        loc.err(
            &path(p, "strategy"),
            &s.strategy,
            format!("`{f}` with `autoscale`"),
        )
    };
    let metric = s.metric.as_deref().ok_or_else(|| missing("metric"))?;
    let metric = [Metric::Utilisation, Metric::QueueDepth][one_of(
        loc,
        &path(p, "metric"),
        metric,
        &["utilisation", "queue_depth"],
    )?];
    let target = positive(
        loc,
        &path(p, "target"),
        s.target.ok_or_else(|| missing("target"))?,
        "a value above 0",
    )?;
    let below = s.scale_in_below.unwrap_or(target / 2.0);
    if !(below >= 0.0 && below < target) {
        return Err(loc.err(
            &path(p, "scale_in_below"),
            &below.to_string(),
            "a value from 0 up to below `target`",
        ));
    }
    let min = s.min.ok_or_else(|| missing("min"))?;
    let max = s.max.ok_or_else(|| missing("max"))?;
    in_range(loc, &path(p, "min"), min.into(), 1, 1_000)?;
    in_range(loc, &path(p, "max"), max.into(), min.into(), 1_000)?;
    let step = s.step.unwrap_or(1);
    in_range(loc, &path(p, "step"), step.into(), 1, 1_000)?;
    let dur =
        |f: &'static str, v: &Option<String>, d: SimDuration| -> Result<SimDuration, InputError> {
            v.as_ref()
                .map_or(Ok(d), |v| loc.positive_duration(&path(p, f), v))
        };
    Ok(Scaling::Autoscale(Autoscale {
        metric,
        target,
        scale_in_below: below,
        min,
        max,
        step,
        cooldown: dur("cooldown", &s.cooldown, SimDuration::from_mins(3))?,
        cold_start,
        every: dur("every", &s.every, SimDuration::from_mins(1))?,
    }))
}

fn fault(
    loc: &Locator<'_>,
    p: &[PathKey<'_>],
    f: &ServiceFaultSection,
) -> Result<Fault, InputError> {
    let k = one_of(
        loc,
        &path(p, "kind"),
        &f.kind,
        &["crash", "slow", "partition"],
    )?;
    let at = loc.clock(&path(p, "at"), &f.at)?;
    let missing = |x: &str| {
        loc.err(
            &path(p, "kind"),
            &f.kind,
            format!("`{x}` with `{}`", f.kind),
        )
    };
    let until = |f_until: &Option<String>| -> Result<SimTime, InputError> {
        let v = f_until.as_ref().ok_or_else(|| missing("until"))?;
        let t = loc.clock(&path(p, "until"), v)?;
        if t <= at {
            return Err(loc.err(&path(p, "until"), v, "a time after `at`"));
        }
        Ok(t)
    };
    Ok(match k {
        0 => Fault::Crash {
            at,
            instance: f.instance.ok_or_else(|| missing("instance"))?,
            restart_after: loc.positive_duration(
                &path(p, "restart_after"),
                f.restart_after
                    .as_deref()
                    .ok_or_else(|| missing("restart_after"))?,
            )?,
        },
        1 => {
            let factor = f.factor.ok_or_else(|| missing("factor"))?;
            if !(factor.is_finite() && factor >= 1.0) {
                return Err(loc.err(
                    &path(p, "factor"),
                    &factor.to_string(),
                    "a slow-down factor of at least 1",
                ));
            }
            Fault::Slow {
                at,
                until: until(&f.until)?,
                instance: f.instance.ok_or_else(|| missing("instance"))?,
                factor,
            }
        }
        _ => Fault::Partition {
            at,
            until: until(&f.until)?,
        },
    })
}

/// The defaults of every role, from `data/services/defaults.toml`.
fn defaults(files: &DataFiles) -> Result<Vec<ServiceSpec>, InputError> {
    let (label, text) = match files.extra(DEFAULTS) {
        Some(Ok(lt)) => lt,
        Some(Err(e)) => {
            return Err(InputError::at(DEFAULTS, "", None, "file")
                .value(DEFAULTS)
                .expected(format!("a readable TOML file ({e})")))
        }
        None => {
            return Err(InputError::at(DEFAULTS, "", None, "file")
                .value(DEFAULTS)
                .expected("the services' defaults (a scenario with [[services]] needs them)"))
        }
    };
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        services: Vec<ServiceSection>,
    }
    let src = Source {
        label: label.clone(),
        text: text.clone(),
    };
    let file: File = crate::located::parse_toml(&src)?;
    let loc = Locator { src: &src };
    let mut out: Vec<ServiceSpec> = Vec::new();
    for (i, s) in file.services.iter().enumerate() {
        let pre = [K("services"), I(i)];
        let r = role(&loc, &pre, &s.role)?;
        let mut spec = ServiceSpec::simple(r, 1, 1, 10.0);
        spec.queue = 100;
        apply(&loc, &pre, s, &mut spec)?;
        out.push(spec);
    }
    Ok(out)
}

/// Resolves the scenario's services, the chosen design and the load.
pub(crate) fn resolve(
    loc: &Locator<'_>,
    files: &DataFiles,
    sc: &super::Scenario,
    until: SimTime,
) -> Result<ServicesPlan, InputError> {
    let mut plan = ServicesPlan {
        multiplier: multiplier(loc, sc)?,
        ..ServicesPlan::default()
    };
    if sc.services.is_empty() {
        if let Some(d) = sc.designs.first() {
            return Err(loc.err(
                &[K("designs"), I(0), K("name")],
                &d.name,
                "`[[services]]` for the designs to change",
            ));
        }
        if sc.load.is_some() {
            return Err(loc.err(
                &[K("load")],
                "[load]",
                "`[[services]]` for the load to drive",
            ));
        }
        return Ok(plan);
    }
    let base = defaults(files)?;
    for (i, s) in sc.services.iter().enumerate() {
        let pre = [K("services"), I(i)];
        let r = role(loc, &pre, &s.role)?;
        if plan.services.iter().any(|x: &ServiceSpec| x.role == r) {
            return Err(loc.err(&path(&pre, "role"), &s.role, "one service per role"));
        }
        let mut spec = base
            .iter()
            .find(|b| b.role == r)
            .cloned()
            .unwrap_or_else(|| ServiceSpec::simple(r, 1, 1, 10.0));
        apply(loc, &pre, s, &mut spec)?;
        plan.services.push(spec);
    }
    designs(loc, sc, &mut plan)?;
    for (i, s) in plan.services.iter().enumerate() {
        check(loc, &[K("services"), I(i)], s)?;
    }
    if let Some(l) = &sc.load {
        plan.load = Some(load(loc, l, until)?.scaled(plan.multiplier));
    }
    if let Some(k) = &sc.knee {
        plan.knee = Some((k.slo.clone(), knee_loads(loc, k)?));
    }
    Ok(plan)
}

fn designs(
    loc: &Locator<'_>,
    sc: &super::Scenario,
    plan: &mut ServicesPlan,
) -> Result<(), InputError> {
    for (d, ds) in sc.designs.iter().enumerate() {
        let pre = [K("designs"), I(d)];
        if sc.designs[..d].iter().any(|x| x.name == ds.name) {
            return Err(loc.err(&path(&pre, "name"), &ds.name, "a name no other design has"));
        }
        one_of(loc, &path(&pre, "strategy"), &ds.strategy, &STRATEGIES)?;
        plan.designs.push((ds.name.clone(), ds.strategy.clone()));
    }
    let Some(name) = &sc.design else {
        return Ok(());
    };
    let Some(d) = sc.designs.iter().position(|x| &x.name == name) else {
        let names: Vec<&str> = sc.designs.iter().map(|x| x.name.as_str()).collect();
        let mut e = loc.err(
            &[K("design")],
            name,
            format!("a design of this scenario: `{}`", names.join("`, `")),
        );
        e.hint = did_you_mean(name, names.iter().copied());
        return Err(e);
    };
    let ds = &sc.designs[d];
    for (j, s) in ds.services.iter().enumerate() {
        let pre = [K("designs"), I(d), K("services"), I(j)];
        let r = role(loc, &pre, &s.role)?;
        let Some(spec) = plan.services.iter_mut().find(|x| x.role == r) else {
            return Err(loc.err(
                &path(&pre, "role"),
                &s.role,
                "the role of one of the scenario's `[[services]]`",
            ));
        };
        apply(loc, &pre, s, spec)?;
    }
    plan.design = Some((ds.name.clone(), ds.strategy.clone()));
    Ok(())
}

/// Checks across fields: scaling bounds against the instances, faults' instances.
fn check(loc: &Locator<'_>, pre: &[PathKey<'_>], s: &ServiceSpec) -> Result<(), InputError> {
    if let Scaling::Autoscale(a) = &s.scaling {
        if !(a.min..=a.max).contains(&s.instances) {
            let p = path(pre, "instances");
            return Err(loc.err(
                &p,
                &s.instances.to_string(),
                format!(
                    "instances within the autoscaler's min {} and max {}",
                    a.min, a.max
                ),
            ));
        }
    }
    for (i, f) in s.faults.iter().enumerate() {
        if let Fault::Crash { instance, .. } | Fault::Slow { instance, .. } = *f {
            if instance >= s.instances {
                let p = [path(pre, "faults"), vec![I(i), K("instance")]].concat();
                return Err(loc.err(
                    &p,
                    &instance.to_string(),
                    format!("an instance from 0 to {}", s.instances - 1),
                ));
            }
        }
    }
    Ok(())
}

fn load(loc: &Locator<'_>, l: &LoadSection, until: SimTime) -> Result<LoadSpec, InputError> {
    let share = l.book_share.unwrap_or(0.4);
    if !(0.0..=1.0).contains(&share) {
        return Err(loc.err(
            &[K("load"), K("book_share")],
            &share.to_string(),
            "a share from 0 to 1",
        ));
    }
    let mut profile: Vec<(SimTime, f64)> = Vec::new();
    for (i, r) in l.profile.iter().enumerate() {
        let p = |f| [K("load"), K("profile"), I(i), K(f)];
        let from = loc.clock(&p("from"), &r.from)?;
        if profile.last().is_some_and(|(t, _)| *t >= from) {
            return Err(loc.err(&p("from"), &r.from, "a time after the entry before"));
        }
        if !(r.per_s.is_finite() && (0.0..=10_000_000.0).contains(&r.per_s)) {
            return Err(loc.err(
                &p("per_s"),
                &r.per_s.to_string(),
                "orders per second from 0 to 10,000,000",
            ));
        }
        profile.push((from, r.per_s));
    }
    let mut bursts = Vec::new();
    for (i, b) in l.bursts.iter().enumerate() {
        let p = |f| [K("load"), K("bursts"), I(i), K(f)];
        let at = loc.clock(&p("at"), &b.at)?;
        in_range(loc, &p("orders"), b.orders, 1, 1_000_000_000)?;
        bursts.push(Burst {
            at,
            count: b.orders,
            over: loc.positive_duration(&p("over"), &b.over)?,
        });
    }
    if profile.is_empty() && bursts.is_empty() {
        return Err(loc.err(
            &[K("load")],
            "[load]",
            "a `[[load.profile]]` or a `[[load.bursts]]`",
        ));
    }
    Ok(LoadSpec {
        profile,
        bursts,
        book_share: share,
        notices_per_booking: l.notices_per_booking.unwrap_or(3),
        postings_per_booking: l.postings_per_booking.unwrap_or(1),
        until,
    })
}

/// The load multiplier (`load_multiplier`, default 1).
fn multiplier(loc: &Locator<'_>, sc: &super::Scenario) -> Result<f64, InputError> {
    match sc.load_multiplier {
        None => Ok(1.0),
        Some(m) if m.is_finite() && m > 0.0 && m <= 1_000.0 => Ok(m),
        Some(m) => Err(loc.err(
            &[K("load_multiplier")],
            &m.to_string(),
            "a multiplier above 0 and at most 1,000",
        )),
    }
}

/// The services of a fleet run (none in the API-level mode): each needs the actor it
/// stands in front of.
pub(crate) fn for_fleet(
    loc: &Locator<'_>,
    sc: &super::Scenario,
    spec: &sim_core::sim::SimSpec,
    plan: &ServicesPlan,
) -> Result<Vec<ServiceSpec>, InputError> {
    if plan.load.is_some() {
        return Ok(Vec::new());
    }
    for (i, s) in plan.services.iter().enumerate() {
        let (missing, what) = match s.role {
            Role::Notifications => (
                spec.notifier.is_none(),
                "a `[notifier]` to stand in front of",
            ),
            Role::Settlement => (
                spec.settlement.is_none(),
                "a `[settlement]` to stand in front of",
            ),
            Role::BookingApi => (false, ""),
        };
        if missing {
            return Err(loc.err(
                &[K("services"), I(i), K("role")],
                &sc.services[i].role,
                what,
            ));
        }
    }
    Ok(plan.services.clone())
}

/// The knee's loads: at least one, each above 0 and at most 1,000, increasing.
fn knee_loads(loc: &Locator<'_>, k: &KneeSection) -> Result<Vec<f64>, InputError> {
    if k.loads.is_empty() {
        return Err(loc.err(
            &[K("knee"), K("loads")],
            "[]",
            "load multipliers to try, such as [0.5, 1, 2, 4]",
        ));
    }
    for (i, &x) in k.loads.iter().enumerate() {
        let bad = !(x.is_finite() && x > 0.0 && x <= 1_000.0) || (i > 0 && x <= k.loads[i - 1]);
        if bad {
            let p = [K("knee"), K("loads"), I(i)];
            return Err(loc.err(
                &p,
                &x.to_string(),
                "load multipliers above 0, at most 1,000, increasing",
            ));
        }
    }
    Ok(k.loads.clone())
}
