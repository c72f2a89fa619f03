//! Architects' load tests: runs a scenario's services, design by design, in the
//! API-level load mode (orders straight into the services) or in the fleet (requests from
//! the simulated customers and vans), and compares the designs side by side in
//! `designs.csv` (the files each run writes are in `services_out.rs`).

use std::path::{Path, PathBuf};

use sim_core::service::LoadRun;

use crate::output::Clock;
use crate::run::{self, Loaded, RunError, RunOptions};
use crate::services_out::{partial, write_kpis, ServiceResult, ServicesCsv};
use crate::slo::Term;

/// One design's run.
#[derive(Clone, Debug)]
pub struct DesignResult {
    /// The design (`as-written` when the scenario names none).
    pub design: String,
    /// Its strategy.
    pub strategy: String,
    /// Its services.
    pub services: Vec<ServiceResult>,
    /// Where its files are.
    pub out: PathBuf,
    /// Where it breaks, when the scenario asks (`[knee]`).
    pub knee: Option<KneeAt>,
}

/// The lowest load multiplier tried at which a design violates the knee's term.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KneeAt {
    /// Violated already at the lowest load tried.
    AtOrBelow(f64),
    /// Violated first at this load (met at the one before).
    At(f64),
    /// Met up to the highest load tried.
    Above(f64),
}

impl std::fmt::Display for KneeAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KneeAt::AtOrBelow(x) => write!(f, "<={x}"),
            KneeAt::At(x) => write!(f, "{x}"),
            KneeAt::Above(x) => write!(f, ">{x}"),
        }
    }
}

impl DesignResult {
    /// The worst peak-hour p99 over its services, ms.
    pub fn peak_p99_ms(&self) -> u64 {
        self.services
            .iter()
            .map(|s| s.totals.peak_p99_ms)
            .max()
            .unwrap_or(0)
    }

    /// Rejected attempts over attempts, all services.
    pub fn rejected_share(&self) -> f64 {
        let (r, a) = self.services.iter().fold((0, 0), |(r, a), s| {
            (r + s.totals.rejected, a + s.totals.arrivals)
        });
        if a == 0 {
            0.0
        } else {
            r as f64 / a as f64
        }
    }

    /// What its instances cost, won.
    pub fn cost_won(&self) -> i64 {
        self.services.iter().map(|s| s.totals.cost_won).sum()
    }

    /// Whether every service met its objective every minute, and lost nothing.
    pub fn meets_slo(&self) -> bool {
        self.services
            .iter()
            .all(|s| s.totals.violation_minutes == 0 && s.totals.gave_up == 0)
    }

    /// Minutes in violation, summed over the services.
    pub fn violation_minutes(&self) -> u64 {
        self.services
            .iter()
            .map(|s| s.totals.violation_minutes)
            .sum()
    }

    /// The worst minute's p99 over the services, ms.
    pub fn worst_minute_p99_ms(&self) -> u64 {
        self.services
            .iter()
            .map(|s| s.totals.worst_minute_p99_ms)
            .max()
            .unwrap_or(0)
    }
}

/// Runs an API-level scenario (resolved with its load) and writes `services.csv` and
/// `kpis.csv` into `opts.out`.
fn run_api(loaded: &Loaded, opts: &RunOptions) -> Result<DesignResult, RunError> {
    let (_, resolved) = loaded.resolve(opts)?;
    let plan = &resolved.services;
    let load = plan.load.clone().expect("an API-level scenario");
    let (design, strategy) = plan
        .design
        .clone()
        .unwrap_or_else(|| ("as-written".into(), "as-written".into()));
    let io = |e| run::io_err(opts, e);
    let clock = Clock::new(resolved.start_date);
    let mut csv = ServicesCsv::create(&opts.out, &design, clock).map_err(io)?;
    let specs = plan.services.clone();
    let mut failed = None;
    let run = LoadRun::new(load, &specs, resolved.spec.seed);
    let totals = run.run(&mut |s, r| {
        if failed.is_none() {
            failed = csv.row(&specs[s], r).err();
        }
    });
    if let Some(e) = failed {
        return Err(io(e));
    }
    csv.commit().map_err(io)?;
    let services: Vec<ServiceResult> = (specs.iter().zip(totals))
        .map(|(s, (name, role, totals))| ServiceResult {
            name,
            role,
            slo_ms: s.slo_p99.as_ms(),
            totals,
        })
        .collect();
    write_kpis(&opts.out, &services).map_err(io)?;
    Ok(DesignResult {
        design,
        strategy,
        services,
        out: opts.out.clone(),
        knee: None,
    })
}

/// One design: API-level or a fleet run.
fn run_design(loaded: &Loaded, opts: &RunOptions, api: bool) -> Result<DesignResult, RunError> {
    if api {
        return run_api(loaded, opts);
    }
    let s = run::run_loaded(loaded, opts)?;
    let (design, strategy) = (s.resolved.services.design.clone())
        .unwrap_or_else(|| ("as-written".into(), "as-written".into()));
    Ok(DesignResult {
        design,
        strategy,
        services: s.services,
        out: opts.out.clone(),
        knee: None,
    })
}

/// What `petfleet run` does with a scenario that has services: each design side by side
/// (into `OUT/<design>/`, with `OUT/designs.csv`) when it lists designs and none is
/// chosen, else the one run. `None`: the scenario has no services (a plain run).
pub fn run(loaded: &Loaded, opts: &RunOptions) -> Result<Option<Vec<DesignResult>>, RunError> {
    let merged = crate::overrides::apply(loaded.base.clone(), &opts.overrides)?;
    let parsed = crate::scenario::parse(&merged.src).map_err(|e| merged.relocate(e))?;
    if parsed.services.is_empty() {
        return Ok(None);
    }
    let (_, resolved) = loaded.resolve(opts)?;
    let plan = &resolved.services;
    if plan.services.is_empty() {
        return Ok(None);
    }
    let api = plan.load.is_some();
    let knee = knee_term(&merged.src, plan)?;
    let seed = resolved.spec.seed;
    if plan.designs.is_empty() || plan.design.is_some() {
        let mut r = run_design(loaded, opts, api)?;
        if let Some((term, loads)) = &knee {
            let own = (plan.multiplier, &r);
            r.knee = Some(knee_of(loaded, opts, (None, seed, own), (term, loads))?);
        }
        return Ok(Some(vec![r]));
    }
    let mut out = Vec::new();
    for (name, _) in &plan.designs {
        let mut o = opts.variant("--set", vec![format!("design={name}")], seed);
        o.host = opts.host;
        o.out = opts.out.join(name);
        let mut r = run_design(loaded, &o, api)?;
        if let Some((term, loads)) = &knee {
            let own = (plan.multiplier, &r);
            r.knee = Some(knee_of(
                loaded,
                opts,
                (Some(name), seed, own),
                (term, loads),
            )?);
        }
        out.push(r);
    }
    write_designs(&opts.out, &out).map_err(|e| run::io_err(opts, e))?;
    Ok(Some(out))
}

/// The scenario's `[knee]` term, read (a located error when it is not one term over the
/// services' KPIs), with its loads.
fn knee_term(
    src: &crate::located::Source,
    plan: &crate::scenario::ServicesPlan,
) -> Result<Option<(Term, Vec<f64>)>, RunError> {
    let Some((raw, loads)) = &plan.knee else {
        return Ok(None);
    };
    let known = crate::services_out::known_kpis();
    match crate::slo::parse_sla(raw, &known) {
        Ok(mut t) if t.len() == 1 => Ok(Some((t.remove(0), loads.clone()))),
        _ => {
            let loc = crate::located::Locator { src };
            let path = [
                crate::located::PathKey::Key("knee"),
                crate::located::PathKey::Key("slo"),
            ];
            let e = "one term KPI<=VALUE or KPI>=VALUE over the services' KPIs, such as services_peak_p99_ms<=2000";
            Err(loc.err(&path, raw, e).into())
        }
    }
}

/// Where a design breaks: its runs (the run's seed, no files) at each load in turn, up to
/// the first that violates the term. At the load it just ran (`own`), its own results
/// are read instead of running it again (the same seed gives the same run on any host).
fn knee_of(
    loaded: &Loaded,
    opts: &RunOptions,
    (design, seed, own): (Option<&str>, u64, (f64, &DesignResult)),
    (term, loads): (&Term, &[f64]),
) -> Result<KneeAt, RunError> {
    for (i, &x) in loads.iter().enumerate() {
        let kpis = if x == own.0 {
            let list: Vec<_> = own.1.services.iter().map(|s| (s.role, &s.totals)).collect();
            crate::services_out::all_kpis(&list)
        } else {
            let mut sets = vec![format!("load_multiplier={x}")];
            sets.extend(design.map(|d| format!("design={d}")));
            run::run_kpis(loaded, &opts.variant("--set", sets, seed))?.0
        };
        let v = kpis.iter().find(|k| k.0 == term.kpi).and_then(|k| k.1);
        if v.is_some_and(|v| term.violated(v)) {
            return Ok(if i == 0 {
                KneeAt::AtOrBelow(x)
            } else {
                KneeAt::At(x)
            });
        }
    }
    Ok(KneeAt::Above(loads.last().copied().unwrap_or(1.0)))
}

/// `designs.csv`: one row per design.
pub fn write_designs(dir: &Path, rs: &[DesignResult]) -> std::io::Result<()> {
    let path = dir.join("designs.csv");
    let mut text = String::from(
        "design,strategy,peak_hour_p99_ms,worst_minute_p99_ms,slo_violation_minutes,rejected_share,cost_won,meets_slo,lost,knee_load\n",
    );
    for r in rs {
        let lost: u64 = r.services.iter().map(|s| s.totals.gave_up).sum();
        text.push_str(&format!(
            "{},{},{},{},{},{:.6},{},{},{lost},{}\n",
            r.design,
            r.strategy,
            r.peak_p99_ms(),
            r.worst_minute_p99_ms(),
            r.violation_minutes(),
            r.rejected_share(),
            r.cost_won(),
            r.meets_slo(),
            r.knee.map_or(String::new(), |k| k.to_string())
        ));
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(partial(&path), text)?;
    std::fs::rename(partial(&path), &path)
}

/// The per-design summary the CLI prints.
pub fn summary(rs: &[DesignResult]) -> String {
    let mut s = format!(
        "{:<11} {:<11} {:<14} {:>12} {:>13} {:>9} {:>8} {:>10} {:>9}\n",
        "design",
        "strategy",
        "service",
        "peak-h p99",
        "worst-min p99",
        "rejected",
        "SLO min",
        "cost",
        "max ok/s"
    );
    for r in rs {
        for x in &r.services {
            let t = &x.totals;
            s.push_str(&format!(
                "{:<11} {:<11} {:<14} {:>9} ms {:>10} ms {:>8.3}% {:>8} {:>6} won {:>9.1}\n",
                r.design,
                r.strategy,
                x.name,
                t.peak_p99_ms,
                t.worst_minute_p99_ms,
                100.0 * t.rejected_share(),
                t.violation_minutes,
                t.cost_won,
                t.best_ok_per_s
            ));
        }
        s.push_str(&format!(
            "{:<11} {:<11} {:<14} {:>9} ms {:>10} ms {:>8.3}% {:>8} {:>6} won  SLO {}{}\n",
            r.design,
            r.strategy,
            "(all)",
            r.peak_p99_ms(),
            r.worst_minute_p99_ms(),
            100.0 * r.rejected_share(),
            r.violation_minutes(),
            r.cost_won(),
            if r.meets_slo() { "met" } else { "MISSED" },
            r.knee
                .map_or(String::new(), |k| format!(", knee at load {k}"))
        ));
    }
    s
}

/// The names of a scenario's designs (none: an input error naming the scenario).
pub fn design_names(scenario: &str) -> Result<Vec<String>, RunError> {
    let src = run::find_scenario(Some(scenario))?;
    let parsed = crate::scenario::parse(&src)?;
    if parsed.designs.is_empty() {
        let e = crate::error::InputError::at(&src.label, &src.text, None, "designs")
            .value("(none)")
            .expected("`[[designs]]` to compare (or --vary PATH=LO..HI)");
        return Err(e.into());
    }
    Ok(parsed.designs.into_iter().map(|d| d.name).collect())
}
