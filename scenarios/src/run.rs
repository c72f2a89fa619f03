//! One run from the command line's point of view: find the scenario, load the data,
//! resolve, build, run on the chosen host, check the invariants, write the outputs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sim_core::actors::Msg;
use sim_core::engine::{EngineError, Host, Observer, RunLimits, RunReport, Simulation};
use sim_core::event::Event;
use sim_core::observe::{BookingCounts, ClosingBooks, KpiRow, Kpis, NotifyKpis, SettleKpis};
use sim_core::time::{SimDuration, SimTime};

use crate::catalog;
use crate::data::{self, DataFiles};
use crate::error::{did_you_mean, InputError};
use crate::output::{write_manifest, Clock, CsvOutputs, Optional, SCHEMA_VERSION};
use crate::overrides::{self, Merged, Overrides};
use crate::scenario::{self, Resolved, Source};

/// Where the data comes from.
#[derive(Clone, Debug)]
pub enum DataSource {
    /// The copy compiled into the binary.
    Bundled,
    /// A directory with the layout of `data/`.
    Dir(PathBuf),
}

impl DataSource {
    /// Reads the files.
    pub fn files(&self) -> Result<DataFiles, InputError> {
        match self {
            DataSource::Bundled => Ok(DataFiles::bundled()),
            DataSource::Dir(d) => DataFiles::from_dir(d),
        }
    }
}

/// Options of `petfleet run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// A catalogue name or a path to a TOML file; `None` for the default scenario.
    pub scenario: Option<String>,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Overrides the scenario's stop time.
    pub until: Option<SimTime>,
    /// Output directory.
    pub out: PathBuf,
    /// Which engine host.
    pub host: Host,
    /// Also write events.csv (every delivered message and event).
    pub trace: bool,
    /// Data files.
    pub data: DataSource,
    /// Multiplies the fleet (vehicles per depot) and the random demand (households and
    /// bookings per day); `None` or 1 runs the scenario as written.
    pub scale: Option<f64>,
    /// `--set` flags and `--overlay` files, applied before the scenario is resolved.
    pub overrides: Overrides,
    /// Also write timeline.csv (what `petfleet-viz replay` plays).
    pub record: bool,
}

impl RunOptions {
    /// One run of a sweep or a search: these options with the values `flag` (`--grid`,
    /// `--vary`) sets, the seed, and the reference loop.
    pub fn variant(&self, flag: &'static str, sets: Vec<String>, seed: u64) -> RunOptions {
        let mut o = self.clone();
        o.overrides
            .derived
            .extend(sets.into_iter().map(|s| (flag, s)));
        o.seed = Some(seed);
        o.host = Host::Reference;
        o
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input: exit code 2.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The output directory could not be written.
    #[error("writing outputs to {dir}: {source}")]
    Io {
        /// Directory.
        dir: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The engine stopped the run.
    #[error("the run stopped: {0}")]
    Engine(#[from] EngineError),
    /// An end-of-run invariant failed (a model bug): exit code 3.
    #[error("invariants violated at the end of the run (its outputs are written; the manifest lists these too):\n  {}", .0.join("\n  "))]
    Invariant(Vec<String>),
    /// A run started as a child process (`petfleet scale`) failed.
    #[error("{0}")]
    Child(String),
}

/// What a finished run reports.
#[derive(Debug)]
pub struct RunSummary {
    /// The resolved scenario.
    pub resolved: Resolved,
    /// FNV-1a 64 over every delivered message.
    pub trace_hash: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Wall-clock seconds of the model run (not written to any file).
    pub wall_s: f64,
    /// Files written, with their data rows.
    pub files: Vec<(String, u64)>,
    /// The first bookings closed (a bounded sample, for the summary).
    pub sample: Vec<sim_core::event::BookingRecord>,
    /// Bookings by final state.
    pub counts: BookingCounts,
    /// The KPIs as written to kpis.csv.
    pub kpis: Vec<KpiRow>,
    /// The manifest as written.
    pub manifest: serde_json::Value,
    /// The back-end services' results (`services.csv` has their minutes).
    pub services: Vec<crate::services_out::ServiceResult>,
}

/// Finds a scenario by catalogue name or path.
pub fn find_scenario(arg: Option<&str>) -> Result<Source, InputError> {
    let name = arg.unwrap_or(catalog::DEFAULT);
    if let Some(src) = catalog::get(name) {
        return Ok(src);
    }
    let path = Path::new(name);
    if path.exists() || name.ends_with(".toml") || name.contains('/') {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::at(name, "", None, "scenario")
                .value(name)
                .expected(format!("a readable scenario file ({e})"))
        })?;
        return Ok(Source {
            label: name.to_string(),
            text,
        });
    }
    let mut err = InputError::at("<command line>", "", None, "scenario")
        .value(name)
        .expected(format!(
            "a catalogue name ({}) or a path to a .toml file",
            catalog::names().collect::<Vec<_>>().join(", ")
        ));
    if let Some(h) = did_you_mean(name, catalog::names()) {
        err = err.hint(h);
    }
    Err(err)
}

pub use crate::located::fnv_hex;

/// The optional files a run writes.
fn optional(opts: &RunOptions, resolved: &Resolved) -> Optional {
    let out = &resolved.scenario.output;
    Optional {
        positions: out.positions,
        pets: out.pets,
        trace: opts.trace,
        notifications: resolved.spec.notifier.is_some(),
        settlement: resolved.spec.settlement.is_some(),
        timeline: opts.record,
    }
}

/// The notifier's KPIs (with its outages) and the settlement's.
fn services_kpis(spec: &sim_core::sim::SimSpec) -> (NotifyKpis, SettleKpis) {
    let outages = spec.notifier.as_ref().map_or(Vec::new(), |n| {
        n.outages.iter().map(|o| (o.from, o.until)).collect()
    });
    (NotifyKpis::new(outages), SettleKpis::default())
}

/// Every KPI row: the fleet's, then the notifier's and the settlement's when the run has
/// them.
fn kpi_rows(
    kpis: &Kpis,
    spec: &sim_core::sim::SimSpec,
    (notify, settle): (&NotifyKpis, &SettleKpis),
    report: &RunReport<Msg, Event>,
) -> Vec<KpiRow> {
    let mut rows = kpis.rows();
    if spec.notifier.is_some() {
        rows.extend(notify.rows());
    }
    if let Some(counts) = sim_core::sim::settlement_counts(report) {
        rows.extend(settle.rows(&counts));
    }
    let services = sim_core::sim::service_results(report);
    let list: Vec<_> = services.iter().map(|(s, _, t)| (s.role, t)).collect();
    rows.extend(crate::services_out::all_kpis(&list));
    rows
}

/// Loads, resolves and runs a scenario, writing its outputs.
pub fn run(opts: &RunOptions) -> Result<RunSummary, RunError> {
    let loaded = Loaded::new(opts.scenario.as_deref(), &opts.data)?;
    run_loaded(&loaded, opts)
}

/// What every run of a scenario shares, loaded once: the scenario as found, the data files
/// and the data (a sweep resolves each of its runs against these).
pub struct Loaded {
    /// The scenario as found (before overrides).
    pub base: Source,
    /// The data files.
    pub files: DataFiles,
    /// The data read from them (the street network is prepared once, on first use).
    pub data: data::Data,
}

impl Loaded {
    /// Finds the scenario and loads the data.
    pub fn new(scenario: Option<&str>, data: &DataSource) -> Result<Loaded, RunError> {
        let base = find_scenario(scenario)?;
        let files = data.files()?;
        let data = data::load(&files)?;
        Ok(Loaded { base, files, data })
    }

    /// The scenario with `opts`' overrides, scale, seed and stop time, resolved.
    pub fn resolve(&self, opts: &RunOptions) -> Result<(Merged, Resolved), RunError> {
        let merged = overrides::apply(self.base.clone(), &opts.overrides)?;
        let src = &merged.src;
        let mut parsed = scenario::parse(src).map_err(|e| merged.relocate(e))?;
        if let Some(k) = opts.scale {
            scenario::scale(&mut parsed, k)?;
        }
        let resolved =
            scenario::resolve(src, parsed, &self.data, &self.files, opts.seed, opts.until)
                .map_err(|e| merged.relocate(e))?;
        Ok((merged, resolved))
    }
}

/// A run that reached its end: its report, the KPIs and the invariant violations (empty
/// when every invariant holds).
struct Simulated {
    report: RunReport<Msg, Event>,
    problems: Vec<String>,
    kpi_rows: Vec<KpiRow>,
    counts: BookingCounts,
    wall_s: f64,
}

/// The observers every run has besides its outputs: the KPIs, the closing books (for the
/// invariants) and the notifier's and settlement's KPIs.
type Checks = (Kpis, (ClosingBooks, (NotifyKpis, SettleKpis)));

fn checks(resolved: &Resolved) -> Checks {
    let spec = &resolved.spec;
    let services = services_kpis(spec);
    (
        Kpis::new(spec.fleet.len() as u32, resolved.until),
        (ClosingBooks::default(), services),
    )
}

fn limits(resolved: &Resolved) -> RunLimits {
    RunLimits {
        until: resolved.until,
        ..RunLimits::default()
    }
}

/// The engine of a resolved scenario, with its actors' layout.
fn engine(
    (merged, resolved): (&Merged, &Resolved),
) -> Result<(sim_core::engine::Engine<Msg, Event>, sim_core::sim::Layout), RunError> {
    sim_core::sim::build(&resolved.spec).map_err(|e| {
        let at = InputError::at(&merged.src.label, &merged.src.text, None, "trips");
        at.expected(e.to_string()).into()
    })
}

/// What a run that reached its end comes to: the invariants checked, the KPIs computed.
fn conclude(
    report: RunReport<Msg, Event>,
    checks: Checks,
    spec: &sim_core::sim::SimSpec,
    wall_s: f64,
) -> Simulated {
    let (mut kpis, (books, (notify, settle))) = checks;
    // A run that broke an invariant still writes its outputs (they are whole: the run
    // reached its end), so that the violation can be looked into; it then exits 3.
    let problems = sim_core::sim::check_end(&report, &books);
    kpis.finish(report.end_time);
    let counts = kpis.counts();
    let kpi_rows = kpi_rows(&kpis, spec, (&notify, &settle), &report);
    Simulated {
        report,
        problems,
        kpi_rows,
        counts,
        wall_s,
    }
}

/// Builds the engine and runs it to the end with `outputs` listening; hands `outputs` back
/// either way, for the caller to commit or abandon.
fn simulate<O: Observer<Msg, Event> + Unpin + 'static>(
    (merged, resolved): (&Merged, &Resolved),
    host: Host,
    outputs: O,
) -> (O, Result<Simulated, RunError>) {
    let engine = match engine((merged, resolved)) {
        Ok((engine, _layout)) => engine,
        Err(e) => return (outputs, Err(e)),
    };
    let started = Instant::now();
    let ((outputs, checks), report) =
        engine.run(host, limits(resolved), (outputs, checks(resolved)));
    let wall_s = started.elapsed().as_secs_f64();
    match report {
        Ok(r) => (outputs, Ok(conclude(r, checks, &resolved.spec, wall_s))),
        Err(e) => (outputs, Err(e.into())),
    }
}

/// One run without outputs (a sweep's): its KPIs and trace hash, or why it failed
/// (an invariant violation fails it too).
pub fn run_kpis(loaded: &Loaded, opts: &RunOptions) -> Result<(Vec<KpiRow>, u64), RunError> {
    let (merged, resolved) = loaded.resolve(opts)?;
    if let Some(api) = crate::services_out::api_kpis(&resolved) {
        return Ok(api);
    }
    let sim = simulate((&merged, &resolved), opts.host, None::<CsvOutputs>).1?;
    if !sim.problems.is_empty() {
        return Err(RunError::Invariant(sim.problems));
    }
    Ok((sim.kpi_rows, sim.report.trace_hash))
}

/// Opens the output files of a run (and writes the timeline's start when it records one).
fn open_outputs(opts: &RunOptions, resolved: &Resolved) -> Result<CsvOutputs, RunError> {
    let clock = Clock::new(resolved.start_date);
    let optional = optional(opts, resolved);
    let spec = &resolved.spec;
    let mut outputs = CsvOutputs::create(&opts.out, spec.world.clone(), clock, optional)
        .map_err(|e| io_err(opts, e))?;
    if let Err(e) = outputs.write_timeline_start(&depots(spec)) {
        outputs.abandon();
        return Err(io_err(opts, e));
    }
    Ok(outputs)
}

/// Where each van parks at time zero (lat, lon), by vehicle id.
pub fn depots(spec: &sim_core::sim::SimSpec) -> Vec<(f64, f64)> {
    let net = &spec.world.net;
    (spec.fleet.iter())
        .map(|v| net.node(v.depot).point)
        .map(|p| (p.y(), p.x()))
        .collect()
}

pub(crate) fn io_err(opts: &RunOptions, source: std::io::Error) -> RunError {
    RunError::Io {
        dir: opts.out.clone(),
        source,
    }
}

/// Resolves and runs a loaded scenario, writing its outputs to `opts.out`.
pub fn run_loaded(loaded: &Loaded, opts: &RunOptions) -> Result<RunSummary, RunError> {
    if opts.record {
        return run_recorded(loaded, opts);
    }
    let (merged, resolved) = loaded.resolve(opts)?;
    if resolved.services.load.is_some() {
        let e = InputError::at(&merged.src.label, &merged.src.text, None, "load")
            .value("[load]")
            .expected("a fleet scenario here: an API-level scenario's files are written by `petfleet run`, its KPIs by `petfleet sweep` (without --keep-runs)");
        return Err(e.into());
    }
    let spec = &resolved.spec;
    tracing::info!(seed = spec.seed, scenario = %resolved.scenario.name, "SEED={}", spec.seed);
    let outputs = open_outputs(opts, &resolved)?;
    let (outputs, sim) = simulate((&merged, &resolved), opts.host, outputs);
    write_run(
        (loaded, opts),
        (merged, resolved),
        outputs,
        (sim, &Extra::default()),
    )
}

/// How often a recorded run notes its trace hash (`trace_checkpoints` in the manifest).
pub const CHECKPOINT_EVERY: SimDuration = SimDuration::from_hours(1);

/// A recorded run (`--record`): stepped on the reference loop, noting its trace hash every
/// [`CHECKPOINT_EVERY`], so that `petfleet reproduce` can check the prefix it re-runs.
/// Its files are those of any host's run, byte for byte.
fn run_recorded(loaded: &Loaded, opts: &RunOptions) -> Result<RunSummary, RunError> {
    let mut live = Live::start(loaded, opts, |_| sim_core::engine::NullObserver, true)?;
    let until = live.sim.until();
    live.step_until(until)?;
    live.finish()?
        .ok_or_else(|| RunError::Child("a recorded run wrote no outputs".into()))
}

/// What a stepped run adds to its manifest.
#[derive(Clone, Debug, Default)]
struct Extra {
    /// What the user did to the run.
    actions: Vec<String>,
    /// (time, trace hash, messages delivered) at each checkpoint.
    checkpoints: Vec<(SimTime, u64, u64)>,
}

/// Writes what a run came to (its KPIs, reconciliation, timeline end, manifest) and commits
/// its files; on any failure the files are abandoned.
fn write_run(
    (loaded, opts): (&Loaded, &RunOptions),
    (merged, resolved): (Merged, Resolved),
    mut outputs: CsvOutputs,
    (sim, extra): (Result<Simulated, RunError>, &Extra),
) -> Result<RunSummary, RunError> {
    let sim = match sim {
        Ok(sim) => sim,
        Err(e) => {
            outputs.abandon();
            return Err(e);
        }
    };
    let sample = std::mem::take(&mut outputs.sample);
    let recon = sim_core::sim::reconciliation(&sim.report).unwrap_or_default();
    let ends = (outputs.write_kpis(&sim.kpi_rows))
        .and_then(|()| outputs.write_reconciliation(&recon))
        .and_then(|()| outputs.write_timeline_end(sim.report.end_time));
    if let Err(source) = ends {
        outputs.abandon();
        return Err(io_err(opts, source));
    }
    let written = outputs.commit().map_err(|e| io_err(opts, e))?;
    let clock = Clock::new(resolved.start_date);
    let design = (resolved.services.design.as_ref()).map_or("as-written", |d| d.0.as_str());
    let services = crate::services_out::write_fleet_services(&opts.out, clock, design, &sim.report)
        .map_err(|e| io_err(opts, e))?;
    let mut manifest = manifest(
        (&merged, &loaded.files),
        opts,
        &resolved,
        clock,
        &sim.report,
        (&sim.kpi_rows, &sim.counts),
        (&written, &sim.problems),
    );
    if !extra.actions.is_empty() {
        // A live run the user acted on is not the scenario's run: say what was done.
        manifest["user_actions"] = serde_json::json!(extra.actions);
    }
    if !extra.checkpoints.is_empty() {
        let cps: Vec<serde_json::Value> = (extra.checkpoints.iter())
            .map(|(t, hash, delivered)| {
                serde_json::json!({
                    "time": clock.format(*t),
                    "time_ms": t.as_ms(),
                    "trace_hash": format!("{hash:016x}"),
                    "delivered": delivered,
                })
            })
            .collect();
        manifest["trace_checkpoints"] = serde_json::json!(cps);
    }
    write_manifest(&opts.out, &manifest).map_err(|e| io_err(opts, e))?;
    if !sim.problems.is_empty() {
        return Err(RunError::Invariant(sim.problems));
    }
    Ok(RunSummary {
        resolved,
        trace_hash: sim.report.trace_hash,
        delivered: sim.report.delivered,
        wall_s: sim.wall_s,
        files: written,
        sample,
        counts: sim.counts,
        kpis: sim.kpi_rows,
        manifest,
        services,
    })
}

/// A run stepped by its caller (the visualizer's live mode, the twin): the same engine,
/// observers and outputs as [`run_loaded`] on the reference loop, with a `viewer` listening
/// too. Stepped to its end and finished, it writes what `petfleet run` writes, byte for
/// byte, however it was stepped.
pub struct Live<'l, V> {
    loaded: &'l Loaded,
    opts: RunOptions,
    merged: Merged,
    resolved: Resolved,
    /// Where each actor is.
    pub layout: sim_core::sim::Layout,
    /// The run: outputs (when written), checks, viewer.
    pub sim: Simulation<Msg, Event, (Option<CsvOutputs>, (Checks, V))>,
    wall: std::time::Duration,
    /// What the user did to the run (messages injected) and the trace-hash checkpoints, for
    /// the manifest.
    extra: Extra,
}

impl<'l, V: Observer<Msg, Event>> Live<'l, V> {
    /// Resolves the scenario and starts it at time zero with the viewer `viewer` makes of
    /// it; outputs are written to `opts.out` only if `write`.
    pub fn start(
        loaded: &'l Loaded,
        opts: &RunOptions,
        viewer: impl FnOnce(&Resolved) -> V,
        write: bool,
    ) -> Result<Self, RunError> {
        let (merged, resolved) = loaded.resolve(opts)?;
        let viewer = viewer(&resolved);
        let (engine, layout) = engine((&merged, &resolved))?;
        let outputs = if write {
            Some(open_outputs(opts, &resolved)?)
        } else {
            None
        };
        let observers = (outputs, (checks(&resolved), viewer));
        let sim = Simulation::new(engine, limits(&resolved), observers)?;
        Ok(Live {
            loaded,
            opts: opts.clone(),
            merged,
            resolved,
            layout,
            sim,
            wall: std::time::Duration::ZERO,
            extra: Extra::default(),
        })
    }

    /// The resolved scenario.
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    /// Steps to `t` (see [`Simulation::step_until`]); a recorded run (`--record`) notes
    /// its trace hash at every [`CHECKPOINT_EVERY`] on the way, however it is stepped.
    pub fn step_until(&mut self, t: SimTime) -> Result<(), RunError> {
        let started = Instant::now();
        let res = self.step_with_checkpoints(t);
        self.wall += started.elapsed();
        res
    }

    fn step_with_checkpoints(&mut self, t: SimTime) -> Result<(), RunError> {
        if self.opts.record {
            let next = |at: SimTime| {
                SimTime((at.as_ms() / CHECKPOINT_EVERY.as_ms() + 1) * CHECKPOINT_EVERY.as_ms())
            };
            let mut cp = next(self.extra.checkpoints.last().map_or(SimTime::ZERO, |c| c.0));
            while cp <= t && cp < self.sim.until() {
                self.sim.step_until(cp)?;
                self.checkpoint();
                cp = next(cp);
            }
        }
        self.sim.step_until(t).map_err(RunError::from)
    }

    /// Closes `edges` from now for `duration` (a user's action, injected into the run as
    /// the traffic actor's message and listed in the manifest as `user_actions`).
    pub fn close_road(
        &mut self,
        edges: Vec<sim_core::ids::EdgeId>,
        duration: sim_core::time::SimDuration,
        what: String,
    ) -> Result<(), RunError> {
        let plan = sim_core::traffic::IncidentPlan {
            at: self.sim.time(),
            edges,
            kind: sim_core::traffic::IncidentKind::Closure,
            duration,
        };
        let msg = sim_core::actors::TrafficMsg::StartIncident(std::sync::Arc::new(plan));
        self.sim
            .inject(sim_core::time::SimDuration::ZERO, self.layout.traffic, msg)?;
        self.extra.actions.push(what);
        Ok(())
    }

    /// Notes the trace hash where the run stands, for the manifest's `trace_checkpoints`.
    fn checkpoint(&mut self) {
        let (t, hash, delivered) = (self.sim.time(), self.sim.trace_hash(), self.sim.delivered());
        self.extra.checkpoints.push((t, hash, delivered));
    }

    /// Whether the run writes outputs.
    pub fn writes(&self) -> bool {
        self.sim.observer().0.is_some()
    }

    /// The viewer.
    pub fn viewer(&mut self) -> &mut V {
        &mut self.sim.observer_mut().1 .1
    }

    /// Ends the run where it stands (its end, if stepped there) and writes its outputs,
    /// when it writes any; the summary is `None` for a run without outputs.
    pub fn finish(self) -> Result<Option<RunSummary>, RunError> {
        let Live {
            loaded,
            opts,
            merged,
            resolved,
            sim,
            wall,
            extra,
            ..
        } = self;
        let ((outputs, (checks, _viewer)), report) = sim.finish_with_observer();
        let sim = report.map(|r| conclude(r, checks, &resolved.spec, wall.as_secs_f64()));
        match outputs {
            Some(outputs) => write_run(
                (loaded, &opts),
                (merged, resolved),
                outputs,
                (sim.map_err(RunError::from), &extra),
            )
            .map(Some),
            None => match sim {
                Ok(s) if !s.problems.is_empty() => Err(RunError::Invariant(s.problems)),
                Ok(_) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }
}

/// The run's manifest: what ran (program, scenario, data, seed, time span), its trace hash,
/// its KPIs and fleet counts, and the files written with their rows.
fn manifest(
    (merged, files): (&Merged, &DataFiles),
    opts: &RunOptions,
    resolved: &Resolved,
    clock: Clock,
    report: &RunReport<Msg, Event>,
    (kpi_rows, counts): (&[KpiRow], &BookingCounts),
    (written, problems): (&[(String, u64)], &[String]),
) -> serde_json::Value {
    let stats = sim_core::sim::fleet_stats(report);
    let data_texts: Vec<&str> = files.files.iter().map(|(_, t)| t.as_str()).collect();
    serde_json::json!({
        "program": "petfleet",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": SCHEMA_VERSION,
        "scenario": resolved.scenario.name,
        "scenario_source": merged.src.label,
        "scenario_hash": merged.base_hash(),
        "overrides": opts.overrides.manifest(),
        "merged_scenario_hash": merged.hash(),
        "scale": opts.scale.unwrap_or(1.0),
        "data_hash": fnv_hex(&data_texts),
        "seed": resolved.spec.seed,
        "start_date": resolved.start_date.to_string(),
        "until": clock.format(resolved.until),
        "trace_hash": format!("{:016x}", report.trace_hash),
        "messages_delivered": report.delivered,
        "invariants": if problems.is_empty() { serde_json::json!("ok") } else { serde_json::json!(problems) },
        "bookings": bookings_summary(counts),
        "kpis": kpi_rows.iter().map(|(k, v, _)| (k.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
        "fleet": {
            "assigned_legs": stats.assigned_legs,
            "rejected": stats.rejected,
            "bounced_pickups": stats.bounced,
            "bookings_skipped_busy": stats.busy_skips,
            "partner_services": stats.partner_services,
            "fleet_km": (stats.fleet_km * 10.0).round() / 10.0,
            "dispatch_searches": stats.searches,
            "vehicles_evaluated": stats.vehicles_evaluated,
            "bookings_held_at_end": stats.held_bookings,
        },
        "files": written.iter().map(|(n, rows)| (n.clone(), serde_json::json!(rows))).collect::<serde_json::Map<_, _>>(),
    })
}

/// Counts of bookings by final state, for the manifest and the summary.
pub fn bookings_summary(c: &BookingCounts) -> serde_json::Value {
    serde_json::json!({
        "total": c.total,
        "completed": c.completed,
        "cancelled": c.cancelled,
        "rejected": c.rejected,
        "open": c.open,
        "revenue_won": c.revenue_won,
    })
}
