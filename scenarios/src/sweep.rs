//! Sweeps: every cell of a grid times every replication, each run its own engine (the
//! single-threaded reference loop) on a pool of workers; the KPIs of every run in
//! `sweep.csv`, per cell and KPI the mean and its 95 % confidence interval in
//! `sweep_summary.csv`, and what was swept in `sweep.json`.
//!
//! - **Cells**: the product of the `--grid` axes, the first axis varying slowest.
//! - **Runs**: run `i` is cell `i / R`, replication `i % R` (R replications).
//! - **Common random numbers**: replication `r` runs with seed `base + r` in every cell, so
//!   the demand, incident and fault streams of a replication are the same in every cell
//!   (every actor draws from a stream keyed by the seed and its own id).
//! - **Determinism**: results are written in run order, so the files are byte-identical
//!   whatever the number of workers. `--shard i/N` runs only the runs with
//!   `index % N == i`; [`merge`] puts shards back together through the same writer.
//! - **Failures**: a run that fails (an engine bound, an invariant) is a row with its status
//!   and error; the sweep goes on.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sim_core::observe::KpiRow;

use crate::error::InputError;
use crate::located::fnv_hex;
use crate::output::format_kpi;
use crate::run::{Loaded, RunError, RunOptions};

/// One axis of the grid: a path and the values it takes, as `--set` values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    /// The `--set` path (`depots.*.vehicles`).
    pub path: String,
    /// Values, in order.
    pub values: Vec<String>,
}

const GRID_EXPECTED: &str = "PATH=FROM..TO:STEP (numbers, TO included) or PATH=V1,V2,..., \
                             such as depots.*.vehicles=40..120:20 or settlement.mode=realtime,batch";

/// Reads `--grid PATH=SPEC`: `FROM..TO:STEP` (TO included when the steps reach it) or a
/// list `A,B,C`.
pub fn parse_axis(raw: &str) -> Result<Axis, InputError> {
    let err = |field: &str, expected: String| {
        InputError::at(&format!("--grid {raw}"), "", None, field)
            .value(raw)
            .expected(expected)
    };
    let Some((path, spec)) = raw.split_once('=') else {
        return Err(err("--grid", GRID_EXPECTED.into()));
    };
    let (path, spec) = (path.trim(), spec.trim());
    if path.is_empty() || spec.is_empty() {
        return Err(err("--grid", GRID_EXPECTED.into()));
    }
    let values = match spec.split_once("..") {
        Some((from, rest)) => range_values(from, rest).map_err(|e| err(path, e))?,
        None => spec.split(',').map(|v| v.trim().to_string()).collect(),
    };
    if values.iter().any(String::is_empty) {
        return Err(err(path, GRID_EXPECTED.into()));
    }
    Ok(Axis {
        path: path.to_string(),
        values,
    })
}

/// Most values one range may give.
const MAX_RANGE_VALUES: usize = 10_000;

fn range_values(from: &str, rest: &str) -> Result<Vec<String>, String> {
    let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let (Some(a), Some(b), Some(s)) = (num(from), num(to), num(step)) else {
        return Err(GRID_EXPECTED.into());
    };
    if s <= 0.0 || b < a {
        return Err(format!("FROM <= TO and a STEP above 0 ({GRID_EXPECTED})"));
    }
    let count = ((b - a) / s + 1e-9).floor() as usize + 1;
    if count > MAX_RANGE_VALUES {
        return Err(format!("at most {MAX_RANGE_VALUES} values in a range"));
    }
    let integral = [a, b, s].iter().all(|v| v.fract() == 0.0);
    Ok((0..count)
        .map(|i| {
            let v = a + s * i as f64;
            if integral {
                format!("{v:.0}")
            } else {
                // Shortest text that reads back as the value, without float noise.
                let t = format!("{:.9}", v);
                t.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        })
        .collect())
}

/// Reads `--shard i/N`.
pub fn parse_shard(raw: &str) -> Result<(u32, u32), InputError> {
    let parsed = raw
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((i, n)) if n > 0 && i < n => Ok((i, n)),
        _ => Err(InputError::at("<command line>", "", None, "--shard")
            .value(raw)
            .expected("i/N with 0 <= i < N, such as 0/4")),
    }
}

/// What is swept: the same in every shard.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// FNV-1a of the scenario text as found.
    pub scenario_hash: String,
    /// FNV-1a of the data files.
    pub data_hash: String,
    /// The user's `--set` flags (applied before each cell's).
    pub sets: Vec<String>,
    /// Overlay files and their hashes.
    pub overlays: Vec<(String, String)>,
    /// The grid's axes.
    pub axes: Vec<Axis>,
    /// Replications per cell.
    pub replications: u32,
    /// Seed of replication 0.
    pub base_seed: u64,
    /// The stop time, if overridden (as given).
    pub until: Option<String>,
}

impl Plan {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.cells() * self.replications as usize
    }

    /// The values of cell `c`, one per axis.
    pub fn cell_values(&self, c: usize) -> Vec<&str> {
        let mut rest = c;
        let mut out = vec![""; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            out[k] = &a.values[rest % a.values.len()];
            rest /= a.values.len();
        }
        out
    }

    /// The `--set` flags of cell `c` (after the user's).
    pub fn cell_sets(&self, c: usize) -> Vec<String> {
        let values = self.cell_values(c);
        (self.axes.iter().zip(values))
            .map(|(a, v)| format!("{}={v}", a.path))
            .collect()
    }

    /// Seed of replication `r` (the same in every cell).
    pub fn seed(&self, r: u32) -> u64 {
        self.base_seed.wrapping_add(u64::from(r))
    }

    /// A name for the sweep, the same in every shard: the hash of the plan.
    pub fn id(&self) -> String {
        fnv_hex(&[&serde_json::to_string(self).unwrap_or_default()])
    }
}

/// One run's row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Run index.
    pub index: usize,
    /// Seed.
    pub seed: u64,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed.
    pub error: String,
    /// The trace hash (empty when failed).
    pub trace_hash: String,
    /// KPIs as written, in the run's order.
    pub kpis: Vec<(String, String)>,
}

/// The KPI columns: every run's KPIs, each placed after the KPI its run lists before it,
/// so that lists in one global order give that order whatever the order of the runs.
fn kpi_columns(rows: &[RunRow]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        let mut after: Option<usize> = None;
        for (k, _) in &r.kpis {
            match cols.iter().position(|c| c == k) {
                Some(p) => after = Some(p),
                None => {
                    let at = after.map_or(0, |p| p + 1);
                    cols.insert(at, k.clone());
                    after = Some(at);
                }
            }
        }
    }
    cols
}

/// The sweep's three files, written whole into `dir` (each through a temporary file).
pub fn write(
    dir: &Path,
    plan: &Plan,
    shard: Option<(u32, u32)>,
    units: &BTreeMap<String, String>,
    mut rows: Vec<RunRow>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    rows.sort_by_key(|r| r.index);
    let cols = kpi_columns(&rows);
    let runs = runs_csv(plan, &cols, &rows)?;
    let summary = summary_csv(plan, &cols, units, &rows)?;
    let failed: Vec<serde_json::Value> = (rows.iter())
        .filter(|r| r.status != "ok")
        .map(|r| serde_json::json!({"run_index": r.index, "seed": r.seed, "error": r.error}))
        .collect();
    let manifest = serde_json::json!({
        "program": "petfleet sweep",
        "version": env!("CARGO_PKG_VERSION"),
        "sweep_id": plan.id(),
        "plan": plan,
        "cells": plan.cells(),
        "runs_total": plan.runs(),
        "shard": shard.map(|(i, n)| format!("{i}/{n}")),
        "runs_in_files": rows.len(),
        "failed": failed,
        "kpi_units": units,
    });
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    for (name, bytes) in [
        ("sweep.csv", &runs),
        ("sweep_summary.csv", &summary),
        ("sweep.json", &json),
    ] {
        let tmp = dir.join(format!("{name}.partial"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(tmp, dir.join(name))?;
    }
    Ok(())
}

/// `sweep.csv`: a row per run in run order, the KPIs in `cols`.
fn runs_csv(plan: &Plan, cols: &[String], rows: &[RunRow]) -> std::io::Result<Vec<u8>> {
    let mut runs = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["run_index".to_string(), "cell".into()];
    header.extend(plan.axes.iter().map(|a| a.path.clone()));
    header.extend(["replication", "seed", "status", "error", "trace_hash"].map(String::from));
    header.extend(cols.iter().cloned());
    runs.write_record(&header)?;
    let r_count = plan.replications as usize;
    for r in rows {
        let mut rec = vec![r.index.to_string(), (r.index / r_count).to_string()];
        rec.extend(
            plan.cell_values(r.index / r_count)
                .iter()
                .map(|v| v.to_string()),
        );
        rec.extend([
            (r.index % r_count).to_string(),
            r.seed.to_string(),
            r.status.clone(),
            r.error.clone(),
            r.trace_hash.clone(),
        ]);
        let by_name: BTreeMap<&str, &str> = r
            .kpis
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        rec.extend(
            cols.iter()
                .map(|c| by_name.get(c.as_str()).unwrap_or(&"").to_string()),
        );
        runs.write_record(&rec)?;
    }
    runs.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Student's t quantile for a two-sided 95 % interval with `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df as f64).map_or(1.959_963_985, |t| t.inverse_cdf(0.975))
}

/// A sample's size, mean, standard deviation and 95 % confidence interval of the mean.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Values.
    pub n: usize,
    /// Mean (none without values).
    pub mean: Option<f64>,
    /// Sample standard deviation (none below 2 values).
    pub sd: Option<f64>,
    /// Student-t 95 % interval of the mean (none below 2 values).
    pub ci: Option<(f64, f64)>,
}

/// The [`Stats`] of `xs`.
pub fn stats(xs: &[f64]) -> Stats {
    let n = xs.len();
    if n == 0 {
        return Stats::default();
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Stats {
            n,
            mean: Some(mean),
            ..Stats::default()
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Stats {
        n,
        mean: Some(mean),
        sd: Some(sd),
        ci: Some((mean - half, mean + half)),
    }
}

fn summary_csv(
    plan: &Plan,
    cols: &[String],
    units: &BTreeMap<String, String>,
    rows: &[RunRow],
) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell".to_string()];
    header.extend(plan.axes.iter().map(|a| a.path.clone()));
    header.extend(["kpi", "unit", "n", "mean", "std", "ci95_low", "ci95_high"].map(String::from));
    w.write_record(&header)?;
    let r_count = plan.replications as usize;
    let mut by_cell: BTreeMap<usize, Vec<&RunRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status == "ok") {
        by_cell.entry(r.index / r_count).or_default().push(r);
    }
    let opt = |v: Option<f64>| v.map_or(String::new(), format_kpi);
    for (cell, runs) in by_cell {
        for kpi in cols {
            let xs: Vec<f64> = (runs.iter())
                .filter_map(|r| r.kpis.iter().find(|(k, _)| k == kpi))
                .filter_map(|(_, v)| v.parse::<f64>().ok())
                .collect();
            let Stats { n, mean, sd, ci } = stats(&xs);
            let mut rec = vec![cell.to_string()];
            rec.extend(plan.cell_values(cell).iter().map(|v| v.to_string()));
            rec.extend([
                kpi.clone(),
                units.get(kpi).cloned().unwrap_or_default(),
                n.to_string(),
                opt(mean),
                opt(sd),
                opt(ci.map(|c| c.0)),
                opt(ci.map(|c| c.1)),
            ]);
            w.write_record(&rec)?;
        }
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Options every run shares (scenario, data, the user's overrides, stop time).
    pub run: RunOptions,
    /// The grid.
    pub axes: Vec<Axis>,
    /// Replications per cell.
    pub replications: u32,
    /// Worker threads.
    pub workers: usize,
    /// Write each run's CSV files under `out/runs/<index>/`.
    pub keep_runs: bool,
    /// Run only this shard.
    pub shard: Option<(u32, u32)>,
    /// The until flag as given, for the plan.
    pub until_text: Option<String>,
}

/// What a sweep did.
#[derive(Debug)]
pub struct SweepReport {
    /// Runs made (this shard's).
    pub runs: usize,
    /// Failed runs: index, seed, error.
    pub failed: Vec<(usize, u64, String)>,
    /// Cells.
    pub cells: usize,
}

/// Checks every cell resolves (a bad grid value is an input error before anything runs)
/// and returns the plan.
fn plan(loaded: &Loaded, o: &SweepOptions) -> Result<Plan, RunError> {
    let base_seed = match o.run.seed {
        Some(s) => s,
        None => loaded.resolve(&o.run)?.1.spec.seed,
    };
    let plan = Plan {
        scenario: loaded
            .base
            .label
            .trim_start_matches("<catalogue>/")
            .trim_end_matches(".toml")
            .to_string(),
        scenario_hash: fnv_hex(&[&loaded.base.text]),
        data_hash: fnv_hex(
            &loaded
                .files
                .files
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>(),
        ),
        sets: o.run.overrides.sets.clone(),
        overlays: (o.run.overrides.overlays.iter())
            .map(|s| (s.label.clone(), fnv_hex(&[&s.text])))
            .collect(),
        axes: o.axes.clone(),
        replications: o.replications,
        base_seed,
        until: o.until_text.clone(),
    };
    for c in 0..plan.cells() {
        loaded.resolve(&cell_options(&o.run, &plan, c, 0))?;
    }
    Ok(plan)
}

/// Options of cell `c`, replication `r`.
fn cell_options(base: &RunOptions, plan: &Plan, c: usize, r: u32) -> RunOptions {
    base.variant("--grid", plan.cell_sets(c), plan.seed(r))
}

/// A progress bar that draws nothing (for tests and scripts).
pub fn hidden_progress() -> indicatif::ProgressBar {
    indicatif::ProgressBar::hidden()
}

/// Runs the sweep and writes its files into `out`.
pub fn sweep(o: &SweepOptions, progress: &indicatif::ProgressBar) -> Result<SweepReport, RunError> {
    let loaded = Loaded::new(o.run.scenario.as_deref(), &o.run.data)?;
    let plan = plan(&loaded, o)?;
    let mine: Vec<usize> = (0..plan.runs())
        .filter(|i| o.shard.is_none_or(|(s, n)| i % n as usize == s as usize))
        .collect();
    progress.set_length(mine.len() as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.workers)
        .build()
        .map_err(|e| RunError::Child(format!("starting {} workers: {e}", o.workers)))?;
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(RunRow, Vec<KpiRow>)> = pool.install(|| {
        use rayon::prelude::*;
        mine.par_iter()
            .map(|&i| {
                let row = one_run(&loaded, o, &plan, i);
                if row.0.status != "ok" {
                    let f = failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress.set_message(format!("{f} failed"));
                }
                progress.inc(1);
                row
            })
            .collect()
    });
    progress.finish_and_clear();
    let mut units = BTreeMap::new();
    for (_, kpis) in &results {
        for (k, _, u) in kpis {
            units.entry(k.to_string()).or_insert_with(|| u.to_string());
        }
    }
    let rows: Vec<RunRow> = results.into_iter().map(|r| r.0).collect();
    let failed = (rows.iter())
        .filter(|r| r.status != "ok")
        .map(|r| (r.index, r.seed, r.error.clone()))
        .collect();
    let out = &o.run.out;
    let io = |source| RunError::Io {
        dir: out.clone(),
        source,
    };
    write(out, &plan, o.shard, &units, rows).map_err(io)?;
    Ok(SweepReport {
        runs: mine.len(),
        failed,
        cells: plan.cells(),
    })
}

/// Run `i` of the plan: its row and its KPI rows (for the units).
fn one_run(loaded: &Loaded, o: &SweepOptions, plan: &Plan, i: usize) -> (RunRow, Vec<KpiRow>) {
    let r = (i % plan.replications as usize) as u32;
    let mut opts = cell_options(&o.run, plan, i / plan.replications as usize, r);
    let result = if o.keep_runs {
        opts.out = o.run.out.join("runs").join(i.to_string());
        crate::run::run_loaded(loaded, &opts).map(|s| (s.kpis, s.trace_hash))
    } else {
        crate::run::run_kpis(loaded, &opts)
    };
    let seed = plan.seed(r);
    match result {
        Ok((kpis, hash)) => (
            RunRow {
                index: i,
                seed,
                status: "ok".into(),
                error: String::new(),
                trace_hash: format!("{hash:016x}"),
                kpis: (kpis.iter())
                    .map(|(k, v, _)| (k.to_string(), v.map_or(String::new(), format_kpi)))
                    .collect(),
            },
            kpis,
        ),
        Err(e) => (
            RunRow {
                index: i,
                seed,
                status: "failed".into(),
                error: e.to_string().replace('\n', " "),
                trace_hash: String::new(),
                kpis: Vec::new(),
            },
            Vec::new(),
        ),
    }
}

/// Reads one sweep directory (a shard or a whole sweep): its manifest and its rows.
pub fn read_dir(dir: &Path) -> Result<(serde_json::Value, Vec<RunRow>), InputError> {
    let manifest = crate::output::read_json(&dir.join("sweep.json"))?;
    let required = ["run_index", "seed", "status", "error", "trace_hash"];
    let t = crate::table::Table::read_path(&dir.join("sweep.csv"), &required)?;
    // The KPI columns follow trace_hash.
    let first_kpi = t
        .headers()
        .iter()
        .position(|h| h == "trace_hash")
        .map_or(0, |p| p + 1);
    let kpis = &t.headers()[first_kpi..];
    let whole = "a whole number";
    (t.rows.iter())
        .map(|(line, r)| {
            Ok(RunRow {
                index: t.parse(*line, r, "run_index", whole, |_: &usize| true)?,
                seed: t.parse(*line, r, "seed", whole, |_: &u64| true)?,
                status: t.raw(r, "status").to_string(),
                error: t.raw(r, "error").to_string(),
                trace_hash: t.raw(r, "trace_hash").to_string(),
                kpis: (kpis.iter())
                    .map(|k| (k.clone(), t.raw(r, k).to_string()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, InputError>>()
        .map(|rows| (manifest, rows))
}

/// Puts shards (or whole sweeps of the same plan) together into `out`: exactly the files
/// one machine running the whole sweep writes. Every run must be present once.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, RunError> {
    let mut plan: Option<(Plan, String)> = None;
    let mut units = BTreeMap::new();
    let mut rows: BTreeMap<usize, (RunRow, PathBuf)> = BTreeMap::new();
    for dir in dirs {
        let (m, dir_rows) = read_dir(dir)?;
        let label = dir.join("sweep.json").display().to_string();
        let p: Plan = serde_json::from_value(m["plan"].clone()).map_err(|e| {
            InputError::at(&label, "", None, "plan").expected(format!("a sweep plan ({e})"))
        })?;
        let id = p.id();
        match &plan {
            None => plan = Some((p, label.clone())),
            Some((first, first_label)) if *first != p => {
                return Err(InputError::at(&label, "", None, "sweep_id")
                    .value(id)
                    .expected(format!("the same sweep as {first_label} ({})", first.id()))
                    .into())
            }
            Some(_) => {}
        }
        if let Some(u) = m["kpi_units"].as_object() {
            for (k, v) in u {
                units
                    .entry(k.clone())
                    .or_insert_with(|| v.as_str().unwrap_or("").to_string());
            }
        }
        for r in dir_rows {
            if let Some((_, other)) = rows.get(&r.index) {
                return Err(InputError::at(
                    &dir.join("sweep.csv").display().to_string(),
                    "",
                    None,
                    "run_index",
                )
                .value(r.index.to_string())
                .expected(format!("each run once; it is also in {}", other.display()))
                .into());
            }
            rows.insert(r.index, (r, dir.clone()));
        }
    }
    let Some((plan, _)) = plan else {
        return Err(InputError::at("<command line>", "", None, "DIR")
            .expected("at least one sweep directory")
            .into());
    };
    if let Some(missing) = (0..plan.runs()).find(|i| !rows.contains_key(i)) {
        let n = (0..plan.runs()).filter(|i| !rows.contains_key(i)).count();
        return Err(InputError::at("<command line>", "", None, "DIR")
            .value(format!("{} directories", dirs.len()))
            .expected(format!(
                "every run of the sweep: {n} of {} are missing, the first run {missing} (a shard left out?)",
                plan.runs()
            ))
            .into());
    }
    let n = rows.len();
    let rows = rows.into_values().map(|(r, _)| r).collect();
    write(out, &plan, None, &units, rows).map_err(|source| RunError::Io {
        dir: out.to_path_buf(),
        source,
    })?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_read_ranges_and_lists() {
        let a = parse_axis("depots.*.vehicles=40..120:20").unwrap();
        assert_eq!(a.values, ["40", "60", "80", "100", "120"]);
        assert_eq!(
            parse_axis("demand.multiplier=1,2,4").unwrap().values,
            ["1", "2", "4"]
        );
        assert_eq!(
            parse_axis("x=0.1..0.3:0.1").unwrap().values,
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(parse_axis("x=1..4:2").unwrap().values, ["1", "3"]);
        for bad in ["x", "x=", "x=5..1", "x=1..5:0", "x=a..b", "=1,2", "x=1,,2"] {
            let e = parse_axis(bad).unwrap_err();
            assert_eq!(e.file, format!("--grid {bad}"), "{e}");
        }
    }

    #[test]
    fn cells_vary_the_last_axis_fastest_and_replications_share_seeds() {
        let plan = Plan {
            scenario: "s".into(),
            scenario_hash: String::new(),
            data_hash: String::new(),
            sets: vec![],
            overlays: vec![],
            axes: vec![
                Axis {
                    path: "a".into(),
                    values: vec!["1".into(), "2".into()],
                },
                Axis {
                    path: "b".into(),
                    values: vec!["x".into(), "y".into(), "z".into()],
                },
            ],
            replications: 3,
            base_seed: 10,
            until: None,
        };
        assert_eq!((plan.cells(), plan.runs()), (6, 18));
        assert_eq!(plan.cell_values(0), ["1", "x"]);
        assert_eq!(plan.cell_values(4), ["2", "y"]);
        assert_eq!(plan.cell_sets(5), ["a=2", "b=z"]);
        assert_eq!((plan.seed(0), plan.seed(2)), (10, 12));
    }

    #[test]
    fn kpi_columns_keep_one_order_whatever_the_run_order() {
        let row = |ks: &[&str]| RunRow {
            index: 0,
            seed: 0,
            status: "ok".into(),
            error: String::new(),
            trace_hash: String::new(),
            kpis: ks.iter().map(|k| (k.to_string(), "1".into())).collect(),
        };
        let a = row(&["a", "c", "d"]);
        let b = row(&["a", "b", "c"]);
        assert_eq!(kpi_columns(&[a.clone(), b.clone()]), ["a", "b", "c", "d"]);
        assert_eq!(kpi_columns(&[b, a]), ["a", "b", "c", "d"]);
    }

    #[test]
    fn intervals_use_students_t() {
        let Stats { n, mean, sd, ci } = stats(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((n, mean), (4, Some(2.5)));
        assert!((sd.unwrap() - 1.290_994).abs() < 1e-6);
        let (lo, hi) = ci.unwrap();
        // t(0.975, 3) = 3.182446
        assert!(
            (hi - 2.5 - 3.182_446 * 1.290_994 / 2.0).abs() < 1e-5,
            "{lo} {hi}"
        );
        assert_eq!(stats(&[5.0]).ci, None);
    }
}
