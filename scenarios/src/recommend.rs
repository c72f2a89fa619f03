//! `petfleet recommend`: the smallest value of a monotone parameter (the fleet size) that
//! meets every term of an SLA with 95 % confidence, with the evidence.
//!
//! - **A candidate** runs replications (seed `base + r`, the same in every candidate:
//!   common random numbers) until every term's Student-t 95 % interval lies on one side of
//!   its bound: it **passes** when every term is decided met, **fails** as soon as one term
//!   is decided missed, and is **undecided** when `max_replications` leave a term's interval
//!   across its bound (it then counts as not meeting the SLA: nothing is claimed without
//!   evidence). The rule is checked after each replication in order, so the verdict does not
//!   depend on the number of workers (runs computed past the decision are discarded).
//! - **The search** assumes more of the parameter never hurts: it tries the low end, then
//!   brackets by doubling the step from it (a cheap answer near the low end is found
//!   early), then bisects between the last failing and the first passing value.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::error::InputError;
use crate::run::{Loaded, RunError, RunOptions};
use crate::sweep::{stats, Stats};

pub use crate::slo::{parse_sla, Bound, Term};

/// Reads `--vary PATH=LO..HI[:STEP]` (whole numbers).
pub fn parse_vary(raw: &str) -> Result<(String, u64, u64, u64), InputError> {
    let err = || {
        InputError::at(&format!("--vary {raw}"), "", None, "--vary")
            .value(raw)
            .expected("PATH=LO..HI or PATH=LO..HI:STEP in whole numbers with LO < HI, such as depots.*.vehicles=20..400")
    };
    let (path, spec) = raw.split_once('=').ok_or_else(err)?;
    let (lo, rest) = spec.split_once("..").ok_or_else(err)?;
    let (hi, step) = rest.split_once(':').unwrap_or((rest, "1"));
    let num = |s: &str| s.trim().parse::<u64>().ok();
    match (num(lo), num(hi), num(step)) {
        (Some(lo), Some(hi), Some(step)) if lo < hi && step > 0 && !path.trim().is_empty() => {
            Ok((path.trim().to_string(), lo, hi, step))
        }
        _ => Err(err()),
    }
}

/// How to search.
#[derive(Clone, Debug)]
pub struct RecommendOptions {
    /// What every run shares.
    pub run: RunOptions,
    /// The `--set` path varied.
    pub path: String,
    /// Range and step.
    pub lo: u64,
    /// Highest value tried.
    pub hi: u64,
    /// Granularity.
    pub step: u64,
    /// The SLA.
    pub terms: Vec<Term>,
    /// Replications before a term may be decided.
    pub min_replications: u32,
    /// Replications at most per candidate.
    pub max_replications: u32,
    /// Worker threads.
    pub workers: usize,
    /// Seed of replication 0.
    pub base_seed: Option<u64>,
    /// Designs compared instead of a value searched (`--designs`): candidate `v` is
    /// design `designs[v]`, and the answer is the cheapest that passes.
    pub designs: Vec<String>,
}

/// A candidate's evidence.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The value tried.
    pub value: u64,
    /// Replications used for the verdict.
    pub replications: u32,
    /// `pass`, `fail` or `undecided`.
    pub verdict: &'static str,
    /// Per term: the statistics and its own verdict.
    pub terms: Vec<(Stats, &'static str)>,
    /// Failed runs (seed, error); a candidate with a failed run is undecided.
    pub failures: Vec<(u64, String)>,
    /// The services' mean cost over the replications, won (runs with services).
    pub cost_won: Option<f64>,
}

/// The answer and every candidate tried, in the order tried.
#[derive(Debug)]
pub struct Recommendation {
    /// The smallest passing value, if any in the range.
    pub answer: Option<u64>,
    /// Candidates in the order tried.
    pub tried: Vec<Candidate>,
    /// Seed of replication 0.
    pub base_seed: u64,
}

/// Runs the search.
pub fn recommend(
    o: &RecommendOptions,
    progress: &indicatif::ProgressBar,
) -> Result<Recommendation, RunError> {
    let loaded = Loaded::new(o.run.scenario.as_deref(), &o.run.data)?;
    let base_seed = match o.base_seed {
        Some(s) => s,
        None => loaded.resolve(&o.run)?.1.spec.seed,
    };
    // Every value must resolve before anything runs (a bad path is an input error).
    for v in [o.lo, o.hi] {
        loaded.resolve(&options(o, v, base_seed, 0))?;
    }
    check_terms_measured(&loaded, o, base_seed)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.workers)
        .build()
        .map_err(|e| RunError::Child(format!("starting {} workers: {e}", o.workers)))?;
    let mut tried: BTreeMap<u64, Candidate> = BTreeMap::new();
    let mut order = Vec::new();
    let mut eval = |v: u64| -> bool {
        if let Some(c) = tried.get(&v) {
            return c.verdict == "pass";
        }
        progress.set_message(format!("{}={v}", o.path));
        let c = candidate(&loaded, o, &pool, (v, base_seed));
        progress.inc(1);
        let pass = c.verdict == "pass";
        tried.insert(v, c);
        order.push(v);
        pass
    };
    let answer = if o.designs.is_empty() {
        search(o.lo, o.hi, o.step, &mut eval)
    } else {
        (0..o.designs.len() as u64).for_each(|v| {
            eval(v);
        });
        cheapest(&tried)
    };
    progress.finish_and_clear();
    let tried = order.into_iter().filter_map(|v| tried.remove(&v)).collect();
    Ok(Recommendation {
        answer,
        tried,
        base_seed,
    })
}

/// The cheapest passing design (by mean cost; the first listed on a tie).
fn cheapest(tried: &BTreeMap<u64, Candidate>) -> Option<u64> {
    (tried.values())
        .filter(|c| c.verdict == "pass")
        .min_by(|a, b| {
            let (x, y) = (
                a.cost_won.unwrap_or(f64::MAX),
                b.cost_won.unwrap_or(f64::MAX),
            );
            x.total_cmp(&y).then(a.value.cmp(&b.value))
        })
        .map(|c| c.value)
}

/// Every SLA term names a KPI this scenario writes (a notifier KPI needs a `[notifier]`):
/// one short run at the high end tells.
fn check_terms_measured(
    loaded: &Loaded,
    o: &RecommendOptions,
    base_seed: u64,
) -> Result<(), RunError> {
    let mut probe = options(o, o.hi, base_seed, 0);
    probe.until = Some(sim_core::time::SimTime::ZERO + sim_core::time::SimDuration::from_mins(1));
    let (rows, _) = crate::run::run_kpis(loaded, &probe)?;
    match o.terms.iter().find(|t| !rows.iter().any(|r| r.0 == t.kpi)) {
        None => Ok(()),
        Some(t) => Err(InputError::at(&format!("--sla {}", t.text()), "", None, t.kpi.as_str())
            .value(t.kpi.as_str())
            .expected("a KPI this scenario writes (notify_* KPIs need a [notifier], settle_* a [settlement])")
            .into()),
    }
}

/// The smallest value in `lo..=hi` (on the `step` grid from `lo`, and `hi`) that passes,
/// assuming passing is monotone.
fn search(lo: u64, hi: u64, step: u64, pass: &mut impl FnMut(u64) -> bool) -> Option<u64> {
    if pass(lo) {
        return Some(lo);
    }
    // Bracket: lo + step, lo + 2 step, lo + 4 step, ... up to hi.
    let (mut fail, mut ok) = (lo, None);
    let mut k = 1;
    while ok.is_none() {
        let v = lo.saturating_add(step.saturating_mul(k)).min(hi);
        if pass(v) {
            ok = Some(v);
        } else if v == hi {
            return None;
        } else {
            fail = v;
            k *= 2;
        }
    }
    let mut ok = ok?;
    // Bisect on the grid between the last failure and the first pass.
    while ok - fail > step {
        let mid = fail + (ok - fail) / step / 2 * step;
        if pass(mid) {
            ok = mid;
        } else {
            fail = mid;
        }
    }
    Some(ok)
}

fn options(o: &RecommendOptions, v: u64, base_seed: u64, r: u32) -> RunOptions {
    let seed = base_seed.wrapping_add(u64::from(r));
    let set = match o.designs.get(v as usize) {
        Some(name) => format!("design={name}"),
        None => format!("{}={v}", o.path),
    };
    o.run.variant("--vary", vec![set], seed)
}

/// The candidate's name: its value, or its design.
pub fn label(o: &RecommendOptions, v: u64) -> String {
    o.designs
        .get(v as usize)
        .cloned()
        .unwrap_or_else(|| v.to_string())
}

/// Evaluates value `v`: replications in batches the size of the pool, the verdict checked
/// after each replication in order.
fn candidate(
    loaded: &Loaded,
    o: &RecommendOptions,
    pool: &rayon::ThreadPool,
    (v, base_seed): (u64, u64),
) -> Candidate {
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); o.terms.len()];
    let mut costs = Vec::new();
    let mut failures = Vec::new();
    let mut r = 0u32;
    loop {
        let batch: Vec<u32> = (r..(r + o.workers as u32).min(o.max_replications)).collect();
        let results: Vec<Result<Vec<sim_core::observe::KpiRow>, RunError>> = pool.install(|| {
            use rayon::prelude::*;
            (batch.par_iter())
                .map(|&k| crate::run::run_kpis(loaded, &options(o, v, base_seed, k)).map(|x| x.0))
                .collect()
        });
        for (k, res) in batch.iter().zip(results) {
            r = k + 1;
            match res {
                Ok(kpis) => {
                    costs.extend(
                        kpis.iter()
                            .find(|row| row.0 == "services_cost_won")
                            .and_then(|row| row.1),
                    );
                    for (t, xs) in o.terms.iter().zip(values.iter_mut()) {
                        if let Some(x) =
                            kpis.iter().find(|row| row.0 == t.kpi).and_then(|row| row.1)
                        {
                            xs.push(x);
                        }
                    }
                }
                Err(e) => failures.push((base_seed.wrapping_add(u64::from(*k)), e.to_string())),
            }
            if let Some(mut c) = verdict(o, v, r, &values, &failures) {
                c.cost_won =
                    (!costs.is_empty()).then(|| costs.iter().sum::<f64>() / costs.len() as f64);
                return c;
            }
        }
    }
}

/// The candidate's verdict after `r` replications, if decided (or at the cap).
fn verdict(
    o: &RecommendOptions,
    v: u64,
    r: u32,
    values: &[Vec<f64>],
    failures: &[(u64, String)],
) -> Option<Candidate> {
    let stats: Vec<Stats> = values.iter().map(|xs| stats(xs)).collect();
    let decided: Vec<Option<bool>> = if r < o.min_replications {
        vec![None; o.terms.len()]
    } else {
        o.terms
            .iter()
            .zip(&stats)
            .map(|(t, s)| t.decide(s))
            .collect()
    };
    let at_cap = r >= o.max_replications;
    let verdict = if !failures.is_empty() {
        "undecided"
    } else if decided.contains(&Some(false)) {
        "fail"
    } else if decided.iter().all(|d| *d == Some(true)) {
        "pass"
    } else if at_cap {
        "undecided"
    } else {
        return None;
    };
    let terms = (stats.into_iter().zip(decided))
        .map(|(s, d)| {
            (
                s,
                d.map_or("undecided", |m| if m { "met" } else { "missed" }),
            )
        })
        .collect();
    Some(Candidate {
        value: v,
        replications: r,
        verdict,
        terms,
        failures: failures.to_vec(),
        cost_won: None,
    })
}

/// Writes `recommend.csv`: every candidate in the order tried, with each term's mean,
/// interval and verdict.
pub fn write_csv(dir: &Path, o: &RecommendOptions, rec: &Recommendation) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "step".to_string(),
        o.path.clone(),
        "replications".into(),
        "verdict".into(),
    ];
    for t in &o.terms {
        for col in ["mean", "ci95_low", "ci95_high", "verdict"] {
            header.push(format!("{}:{col}", t.text()));
        }
    }
    header.push("cost_won_mean".into());
    header.push("failed_runs".into());
    w.write_record(&header)?;
    let f = |x: Option<f64>| x.map_or(String::new(), crate::output::format_kpi);
    for (i, c) in rec.tried.iter().enumerate() {
        let mut row = vec![
            i.to_string(),
            label(o, c.value),
            c.replications.to_string(),
            c.verdict.to_string(),
        ];
        for (s, verdict) in &c.terms {
            row.extend([
                f(s.mean),
                f(s.ci.map(|x| x.0)),
                f(s.ci.map(|x| x.1)),
                verdict.to_string(),
            ]);
        }
        row.push(f(c.cost_won));
        row.push(
            c.failures
                .iter()
                .map(|(s, e)| format!("seed {s}: {e}"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        w.write_record(&row)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = dir.join("recommend.csv.partial");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(tmp, dir.join("recommend.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_finds_the_smallest_passing_value_on_the_grid() {
        for answer in [20, 21, 37, 100, 399, 400] {
            let mut calls = Vec::new();
            let found = search(20, 400, 1, &mut |v| {
                calls.push(v);
                v >= answer
            });
            assert_eq!(found, Some(answer), "{calls:?}");
            assert!(calls.len() <= 20, "{answer}: {calls:?}");
        }
        assert_eq!(search(20, 400, 1, &mut |_| false), None);
        assert_eq!(search(20, 400, 20, &mut |v| v >= 130), Some(140));
    }

    #[test]
    fn sla_terms_are_read_and_checked() {
        let known = ["wait_p95_s", "served_share"];
        let t = parse_sla("wait_p95_s<=1800, served_share>=0.95", &known).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!((t[1].bound, t[1].value), (Bound::AtLeast, 0.95));
        let e = parse_sla("wait_p59_s<=1800", &known).unwrap_err();
        assert!(e.hint.unwrap().contains("wait_p95_s"));
        assert!(parse_sla("served_share=0.9", &known).is_err());
        assert!(parse_sla("served_share>=x", &known).is_err());
    }

    #[test]
    fn a_term_is_decided_only_when_its_interval_clears_the_bound() {
        let t = Term {
            kpi: "k".into(),
            bound: Bound::AtLeast,
            value: 0.9,
        };
        assert_eq!(t.decide(&stats(&[0.95, 0.96, 0.97])), Some(true));
        assert_eq!(t.decide(&stats(&[0.80, 0.82, 0.81])), Some(false));
        assert_eq!(t.decide(&stats(&[0.85, 0.95, 0.9])), None);
        assert_eq!(t.decide(&stats(&[0.95])), None);
    }

    #[test]
    fn vary_reads_ranges() {
        assert_eq!(
            parse_vary("depots.*.vehicles=20..400").unwrap(),
            ("depots.*.vehicles".into(), 20, 400, 1)
        );
        assert_eq!(parse_vary("x=10..50:5").unwrap().3, 5);
        for bad in ["x", "x=5..5", "x=a..9", "=1..2", "x=1..9:0"] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }
}
