//! Where a design breaks: over a sweep's `load_multiplier` axis, the knee of a replication
//! is the lowest load at which its SLO term is violated (the grid's resolution); the knees
//! of the replications give a mean and a Student-t 95 % interval, for each combination of
//! the other axes (each design). Replications that never violate within the range, or that
//! violate already at its lowest load, are counted apart.

use std::io::Write;
use std::path::Path;

use crate::error::InputError;
use crate::slo::Term;
use crate::sweep::{stats, Plan, RunRow, Stats};

/// A replication's runs along the load axis: (load, the KPI) or `None` for a failed run.
type Runs = Vec<Option<(f64, Option<f64>)>>;

/// The axis the knee is found along.
pub const AXIS: &str = "load_multiplier";

/// The knee of one combination of the other axes.
#[derive(Clone, Debug)]
pub struct Knee {
    /// The other axes' values (`design=fixed`).
    pub cell: Vec<String>,
    /// Knees of the replications whose knee lies inside the range.
    pub stats: Stats,
    /// Replications violating already at the lowest load.
    pub below: usize,
    /// Replications never violating up to the highest load.
    pub above: usize,
    /// Replications with a failed run (no verdict).
    pub failed: usize,
}

/// The knees of a finished sweep (every run present), or `None` without a
/// `load_multiplier` axis.
pub fn knees(plan: &Plan, rows: &[RunRow], term: &Term) -> Option<Vec<Knee>> {
    let axis = plan.axes.iter().position(|a| a.path == AXIS)?;
    let reps = plan.replications as usize;
    let loads: Vec<f64> = plan.axes[axis]
        .values
        .iter()
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    let mut groups: Vec<(Vec<String>, Vec<Runs>)> = Vec::new();
    for c in 0..plan.cells() {
        let values = plan.cell_values(c);
        let others: Vec<String> = (plan.axes.iter().zip(&values).enumerate())
            .filter(|(k, _)| *k != axis)
            .map(|(_, (a, v))| format!("{}={v}", a.path))
            .collect();
        let load = loads[plan.axes[axis]
            .values
            .iter()
            .position(|v| v == values[axis])?];
        let g = match groups.iter().position(|(o, _)| *o == others) {
            Some(g) => g,
            None => {
                groups.push((others, vec![Vec::new(); reps]));
                groups.len() - 1
            }
        };
        for r in 0..reps {
            let row = rows.iter().find(|x| x.index == c * reps + r);
            let kpi = row.filter(|x| x.status == "ok").map(|x| {
                x.kpis
                    .iter()
                    .find(|(k, _)| *k == term.kpi)
                    .and_then(|(_, v)| v.parse::<f64>().ok())
            });
            groups[g].1[r].push(kpi.map(|k| (load, k)));
        }
    }
    Some(
        groups
            .into_iter()
            .map(|(cell, reps)| knee(cell, reps, term))
            .collect(),
    )
}

fn knee(cell: Vec<String>, reps: Vec<Runs>, term: &Term) -> Knee {
    let (mut found, mut below, mut above, mut failed) = (Vec::new(), 0, 0, 0);
    for mut runs in reps {
        if runs.iter().any(|x| x.is_none_or(|(_, v)| v.is_none())) {
            failed += 1;
            continue;
        }
        runs.sort_by(|a, b| {
            a.map(|x| x.0)
                .unwrap_or(0.0)
                .total_cmp(&b.map(|x| x.0).unwrap_or(0.0))
        });
        let first = runs
            .iter()
            .flatten()
            .position(|(_, v)| term.violated(v.unwrap_or(0.0)));
        match first {
            Some(0) => below += 1,
            Some(k) => found.push(runs[k].map_or(0.0, |x| x.0)),
            None => above += 1,
        }
    }
    Knee {
        cell,
        stats: stats(&found),
        below,
        above,
        failed,
    }
}

/// Writes `knee.csv`.
pub fn write(dir: &Path, term: &Term, knees: &[Knee]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "cell",
        "slo",
        "knees_found",
        "knee_mean",
        "knee_ci95_low",
        "knee_ci95_high",
        "violated_at_lowest",
        "not_violated_up_to_highest",
        "failed",
    ])?;
    let f = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
    for k in knees {
        w.write_record([
            k.cell.join(" "),
            term.text(),
            k.stats.n.to_string(),
            f(k.stats.mean),
            f(k.stats.ci.map(|c| c.0)),
            f(k.stats.ci.map(|c| c.1)),
            k.below.to_string(),
            k.above.to_string(),
            k.failed.to_string(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = dir.join("knee.csv.partial");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(tmp, dir.join("knee.csv"))
}

/// One line per knee, for the terminal.
pub fn describe(term: &Term, knees: &[Knee], lowest: &str, highest: &str) -> String {
    let mut s = format!(
        "knee: the lowest {AXIS} at which {} is violated\n",
        term.text()
    );
    for k in knees {
        let at = match (k.stats.mean, k.stats.ci) {
            (Some(m), Some((lo, hi))) => {
                format!("{m:.2} (95 % {lo:.2}..{hi:.2}, {} replications)", k.stats.n)
            }
            (Some(m), None) => format!("{m:.2} ({} replication)", k.stats.n),
            _ => "-".into(),
        };
        s.push_str(&format!(
            "  {:<24} knee {at}; violated already at {lowest}: {}; not violated up to {highest}: {}{}\n",
            if k.cell.is_empty() { "(all)".into() } else { k.cell.join(" ") },
            k.below,
            k.above,
            if k.failed > 0 { format!("; failed: {}", k.failed) } else { String::new() }
        ));
    }
    s
}

/// The knees of the sweep written in `dir` (`sweep.json`, `sweep.csv`), written to
/// `dir/knee.csv`; `None` without a `load_multiplier` axis.
pub fn from_dir(dir: &Path, term: &Term) -> Result<Option<Vec<Knee>>, InputError> {
    let (manifest, rows) = crate::sweep::read_dir(dir)?;
    let plan: Plan = serde_json::from_value(manifest["plan"].clone()).map_err(|e| {
        let file = dir.join("sweep.json").display().to_string();
        InputError::at(&file, "", None, "plan").expected(format!("a sweep's plan ({e})"))
    })?;
    let Some(k) = knees(&plan, &rows, term) else {
        return Ok(None);
    };
    write(dir, term, &k).map_err(|e| {
        InputError::at(&dir.display().to_string(), "", None, "knee.csv")
            .expected(format!("a writable directory ({e})"))
    })?;
    Ok(Some(k))
}
