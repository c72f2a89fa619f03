//! `petfleet`: run scenarios, list the catalogue, query routes.
//!
//! Exit codes: 0 success; 2 bad input (scenario, data, flag); 3 an invariant violated at
//! the end of a run (a model bug: the report names each violation); 1 a run that failed
//! otherwise (output directory not writable, engine bound exceeded).

#![expect(
    clippy::result_large_err,
    reason = "input errors carry their full location; they are rare and end the program"
)]

use std::path::PathBuf;
use std::process::ExitCode;

mod twin_cli;

use clap::{Parser, Subcommand, ValueEnum};
use scenarios::error::InputError;
use scenarios::overrides::Overrides;
use scenarios::run::{self, DataSource, RunError, RunOptions};
use scenarios::units::{parse_clock, parse_until};
use scenarios::{catalog, data, scenario};
use sim_core::engine::Host;
use sim_core::ids::NodeId;
use sim_core::time::{SimDuration, SimTime};
use sim_core::traffic::{profile_speeds, DayType, TrafficConfig};
use sim_core::world::{NodeKind, RoadNetwork};

#[derive(Parser, Debug)]
#[command(
    name = "petfleet",
    version,
    about = "PetFleet Twin: a deterministic simulation of a pet-transport fleet"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario (default: seoul-busan-accident) and write CSV outputs.
    Run(RunArgs),
    /// List the scenarios compiled into the binary.
    List,
    /// Run every cell of a grid with replications on all cores and write sweep.csv (a row
    /// per run), sweep_summary.csv (per cell and KPI: n, mean, std, 95 % interval) and
    /// sweep.json.
    Sweep(SweepArgs),
    /// Put the shards of a sweep (`sweep --shard i/N`) together: exactly the files one
    /// machine running the whole sweep writes.
    Merge(MergeArgs),
    /// The smallest value of a parameter (the fleet size) meeting every SLA term with 95 %
    /// confidence: replications per candidate until decided, bracketing then bisection;
    /// prints the evidence and writes recommend.csv.
    Recommend(RecommendArgs),
    /// Write DIR/report.html (a run's or a sweep's directory): plots (SVG) and the KPIs.
    Report(ReportArgs),
    /// Check the engine against queueing theory: `validate mmc` runs the abstract M/M/c
    /// mode (Poisson bookings, exponential service, zero deadhead, c vans) beside Erlang C.
    Validate(ValidateArgs),
    /// Print a scenario's TOML (a catalogue one, or a file), with any --set and --overlay
    /// applied: what `petfleet run` with the same flags would run.
    Show(ShowArgs),
    /// Re-run a recorded run from its manifest to a time and show a van (or the van of a
    /// booking) there: its state, route, pets, fare so far, last messages and events.
    Reproduce(ReproduceArgs),
    /// Feeds of a real fleet: write one from a recorded run, publish one to MQTT.
    #[command(subcommand)]
    Feed(twin_cli::FeedCommand),
    /// Mirror a fleet from its feed (NDJSON file, stdin or MQTT): map-matched vans,
    /// bookings and incidents, drift and malformed messages reported; writes twin_*.csv
    /// and twin.json.
    Twin(twin_cli::TwinArgs),
    /// Fit the travel-time ratio (actual / profile) per road class, day type and hour from
    /// recorded runs, for `[pricing] quote_model = "learned"`.
    Learn(twin_cli::LearnArgs),
    /// Fastest route between two nodes at a time of day, optionally with closures.
    Route(RouteArgs),
    /// Price a ride with a tariff: from a GPS trace, or from fast metres and slow seconds.
    Fare(FareArgs),
    /// Load study: run a scenario with its fleet and demand scaled by each factor (one
    /// process each) and print the cost ratios against the first factor.
    Scale(ScaleArgs),
    /// Prepare an imported network for quicker runs: write ch_order.txt (the node order of
    /// its contraction hierarchies) beside its nodes.csv; runs then prepare routing in a
    /// third of the time.
    Prepare(PrepareArgs),
}

#[derive(clap::Args, Debug)]
struct PrepareArgs {
    /// The network directory: nodes.csv, edges.csv and crs.info (the FleetPy layout).
    dir: PathBuf,
    /// The coordinate system of the nodes, when the directory has no crs.info.
    #[arg(long)]
    crs: Option<String>,
}

#[derive(clap::Args, Debug)]
struct ScaleArgs {
    /// A catalogue name or a path to a scenario TOML file.
    #[arg(default_value = "seoul-peak-day")]
    scenario: String,
    /// Scale factors, comma-separated; ratios are against the first.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    factors: Vec<f64>,
    /// Runs of each factor (the median is reported).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=20))]
    repeat: u16,
    /// Engine host of the runs.
    #[arg(long, value_enum, default_value_t = Engine::Actix)]
    engine: Engine,
    /// Where the runs write their outputs [default: a temporary directory, removed after].
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("ride").required(true).args(["trace", "fast_m"]))]
struct FareArgs {
    /// Bundled tariff name (seoul-taxi-2023, petfleet-standard) or a tariff TOML file.
    #[arg(long)]
    tariff: String,
    /// GPS trace CSV: columns `time` (ISO 8601 local date-time), `lat`, `lon`.
    #[arg(long, conflicts_with_all = ["slow_s", "start"])]
    trace: Option<PathBuf>,
    /// Metres travelled at or above the slow-speed threshold.
    #[arg(long, requires_all = ["slow_s", "start"], value_parser = non_negative)]
    fast_m: Option<f64>,
    /// Seconds spent below the slow-speed threshold.
    #[arg(long, value_parser = non_negative)]
    slow_s: Option<f64>,
    /// Boarding time HH:MM; every unit takes the night band in force then.
    #[arg(long, value_parser = parse_clock_arg)]
    start: Option<SimTime>,
    /// Print one JSON object (its `total_won` is the fare).
    #[arg(long)]
    json: bool,
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1e9).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number from 0 to 1e9")),
    }
}

#[derive(clap::Args, Debug, Default)]
struct RunArgs {
    /// A catalogue name (see `petfleet list`) or a path to a scenario TOML file.
    scenario: Option<String>,
    /// Master seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory [default: out/SCENARIO].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Stop time: a clock time `HH:MM` (`24:00`, `d2 08:00`) or a duration (`2d`, `36h`).
    #[arg(long, value_parser = parse_until_arg)]
    until: Option<SimTime>,
    /// Number of shard actors (one Arbiter each when more than one).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    shards: u16,
    /// Engine host: the actix clock+shards, or the single-threaded reference loop.
    #[arg(long, value_enum, default_value_t = Engine::Actix)]
    engine: Engine,
    /// Also write events.csv: every delivered message and every event, in order.
    #[arg(long)]
    trace: bool,
    /// Also write timeline.csv: what `petfleet-viz replay DIR` plays (van fixes and states,
    /// bookings, incidents, alerts, notifications, settlements).
    #[arg(long)]
    record: bool,
    /// Read data from this directory (layout of data/) instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Multiply the fleet (vehicles per depot) and the random demand (households, bookings
    /// per day) by this factor.
    #[arg(long)]
    scale: Option<f64>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

/// Changes to the scenario without editing it.
#[derive(clap::Args, Debug, Default, Clone)]
pub(crate) struct OverrideArgs {
    /// Set one field: `PATH=VALUE`, such as `demand.bookings_per_day=20000`,
    /// `depots.0.vehicles=120` or `depots.*.vehicles=80` (repeatable; applied in order,
    /// after the overlays).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Merge a TOML file into the scenario: tables merged, arrays of tables (incidents,
    /// outages, faults) appended (repeatable; applied in order).
    #[arg(long = "overlay", value_name = "FILE")]
    overlays: Vec<PathBuf>,
}

impl OverrideArgs {
    pub(crate) fn read(&self) -> Result<Overrides, InputError> {
        Overrides::new(self.sets.clone(), &self.overlays)
    }
}

#[derive(clap::Args, Debug)]
struct SweepArgs {
    /// A catalogue name or a path to a scenario TOML file.
    scenario: String,
    /// An axis: `PATH=FROM..TO:STEP` (TO included) or `PATH=A,B,C`, PATH as for --set
    /// (`depots.*.vehicles=40..120:20`, `settlement.mode=realtime,batch`). Repeatable: the
    /// cells are every combination, the first axis varying slowest.
    #[arg(long = "grid", value_name = "PATH=VALUES", required = true)]
    grids: Vec<String>,
    /// Runs per cell; replication r runs with seed (base + r) in every cell (common random
    /// numbers).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    replications: u32,
    /// Worker threads [default: every core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// Output directory [default: out/sweep-SCENARIO].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write every run's CSV files, under OUT/runs/<run_index>/.
    #[arg(long)]
    keep_runs: bool,
    /// Seed of replication 0 [default: the scenario's].
    #[arg(long)]
    seed: Option<u64>,
    /// Stop time of every run (as for `run`).
    #[arg(long, value_parser = parse_until_arg)]
    until: Option<SimTime>,
    /// Run only the runs with run_index % N == i (`i/N`); `petfleet merge` joins the shards.
    #[arg(long, value_name = "i/N")]
    shard: Option<String>,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// An SLO term `KPI<=VALUE` (`services_peak_p99_ms<=2000`): finds, per combination of
    /// the other axes (each design), the lowest value of a `load_multiplier` axis that
    /// violates it, with a 95 % interval over the replications (`knee.csv`).
    #[arg(long, value_name = "KPI<=VALUE")]
    knee: Option<String>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

#[derive(clap::Args, Debug)]
struct RecommendArgs {
    /// A catalogue name or a path to a scenario TOML file.
    scenario: String,
    /// The SLA: KPI<=VALUE or KPI>=VALUE terms separated by commas
    /// (`wait_p95_s<=1800,served_share>=0.95`).
    #[arg(long)]
    sla: String,
    /// The parameter and its range: `PATH=LO..HI[:STEP]` in whole numbers
    /// (`depots.*.vehicles=20..400`); more of it must never make the SLA worse.
    #[arg(long, required_unless_present = "designs", conflicts_with = "designs")]
    vary: Option<String>,
    /// Compare the scenario's `[[designs]]` instead: the answer is the cheapest design
    /// (mean `services_cost_won`) meeting the SLA (`services_peak_p99_ms<=2000`).
    #[arg(long)]
    designs: bool,
    /// Replications before a term may be decided.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=1000))]
    min_replications: u32,
    /// Replications at most per candidate (then undecided).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(2..=1000))]
    max_replications: u32,
    /// Worker threads [default: every core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// Output directory [default: out/recommend-SCENARIO].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of replication 0 [default: the scenario's].
    #[arg(long)]
    seed: Option<u64>,
    /// Stop time of every run (as for `run`).
    #[arg(long, value_parser = parse_until_arg)]
    until: Option<SimTime>,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

#[derive(clap::Args, Debug)]
struct ValidateArgs {
    #[command(subcommand)]
    what: ValidateWhat,
}

#[derive(Subcommand, Debug)]
enum ValidateWhat {
    /// M/M/c against Erlang C: probability of waiting and mean wait (units of 1/mu) with
    /// 95 % intervals over replications, and Little's law on every replication.
    Mmc(MmcArgs),
}

#[derive(clap::Args, Debug)]
struct MmcArgs {
    /// Vans (servers), c.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    servers: u32,
    /// Offered load a = lambda/mu (below c).
    #[arg(long, value_parser = positive_load)]
    offered_load: f64,
    /// Replications.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    replications: u32,
    /// Bookings arrive for this many mean service times per replication (a tenth is
    /// warm-up, not measured).
    #[arg(long, default_value_t = 5000.0, value_parser = positive_load)]
    horizon: f64,
    /// Seed of replication 0.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads [default: every core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn positive_load(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e6 => Ok(v),
        _ => Err(format!("{s:?} is not a number above 0 and at most 1e6")),
    }
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// A run's output directory or a sweep's.
    dir: PathBuf,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// The shard directories (each written by `petfleet sweep --shard i/N`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where the merged files go.
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
struct ShowArgs {
    /// A catalogue name or a path to a scenario TOML file.
    scenario: String,
    #[command(flatten)]
    overrides: OverrideArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Engine {
    #[default]
    Actix,
    Loop,
}

#[derive(clap::Args, Debug)]
struct RouteArgs {
    /// Start: a place name (Seoul, Gangnam-gu, Busan), a street node's MOLIT id
    /// (1210050100), or `lat,lon` snapped to the nearest node.
    #[arg(long)]
    from: String,
    /// End, written like --from.
    #[arg(long)]
    to: String,
    /// Road network: Seoul's streets joined to the expressways, or the district centroids.
    #[arg(long, value_enum, default_value_t = NetworkArg::Streets)]
    network: NetworkArg,
    /// Time of day for the speed profile, HH:MM.
    #[arg(long, default_value = "10:00", value_parser = parse_clock_arg)]
    at: SimTime,
    /// Day type for the speed profile.
    #[arg(long, value_enum, default_value_t = Day::Weekday)]
    day: Day,
    /// Close a segment "From-To" (repeatable), e.g. "Daejeon-Gimcheon".
    #[arg(long)]
    close: Vec<String>,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum NetworkArg {
    Streets,
    Districts,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    Weekday,
    Weekend,
    Holiday,
}

fn parse_until_arg(s: &str) -> Result<SimTime, String> {
    parse_until(s)
        .filter(|t| *t > SimTime::ZERO)
        .ok_or_else(|| format!("{s:?} is not a stop time; expected HH:MM (e.g. 18:00, 24:00, `d2 08:00`) or a duration (e.g. 2d, 36h)"))
}

fn parse_duration_arg(s: &str) -> Result<SimDuration, String> {
    scenarios::units::parse_duration(s)
        .filter(|d| d.as_ms() > 0)
        .ok_or_else(|| format!("{s:?} is not a duration; expected e.g. 30s, 5min, 2h"))
}

fn parse_clock_arg(s: &str) -> Result<SimTime, String> {
    parse_clock(s).ok_or_else(|| format!("{s:?} is not a time of day; expected HH:MM (e.g. 10:30)"))
}

/// A closed pipe on stdout (`petfleet ... | head`) ends the program quietly, as a shell
/// expects (exit 141, killed by SIGPIPE), instead of a panic message.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = (payload.downcast_ref::<String>().map(String::as_str))
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") {
            std::process::exit(141);
        }
        default(info)
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => cmd_run(args),
        Command::List => {
            cmd_list();
            Ok(())
        }
        Command::Show(args) => cmd_show(args),
        Command::Sweep(args) => cmd_sweep(args),
        Command::Merge(args) => cmd_merge(args),
        Command::Recommend(args) => cmd_recommend(args),
        Command::Validate(ValidateArgs {
            what: ValidateWhat::Mmc(args),
        }) => cmd_mmc(args),
        Command::Report(args) => {
            scenarios::report::report(&args.dir).map(|p| println!("{}", p.display()))
        }
        Command::Reproduce(args) => cmd_reproduce(args),
        Command::Feed(cmd) => twin_cli::cmd_feed(cmd),
        Command::Twin(args) => twin_cli::cmd_twin(args),
        Command::Learn(args) => twin_cli::cmd_learn(args),
        Command::Route(args) => cmd_route(args),
        Command::Fare(args) => cmd_fare(args),
        Command::Scale(args) => cmd_scale(args),
        Command::Prepare(args) => cmd_prepare(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e @ RunError::Invariant(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Options of `petfleet reproduce`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("subject").args(["vehicle", "booking"]))]
struct ReproduceArgs {
    /// A run's output directory (`petfleet run --out DIR`).
    dir: PathBuf,
    /// Stop here: `HH:MM`, `d2 08:00`, or a duration.
    #[arg(long, value_parser = parse_until_arg)]
    at: SimTime,
    /// Show this van.
    #[arg(long)]
    vehicle: Option<u32>,
    /// Show the van carrying (or about to carry) this booking.
    #[arg(long)]
    booking: Option<u32>,
    /// Then run on to the end and compare the trace hash with the manifest's.
    #[arg(long)]
    verify: bool,
    /// Write every message and event within --window of --at (before and after), in the
    /// columns of events.csv, to this file.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// The half-width of the --events window.
    #[arg(long, default_value = "10min", value_parser = parse_duration_arg)]
    window: SimDuration,
    /// The data the run was made with, if not the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
}

fn cmd_reproduce(a: ReproduceArgs) -> Result<(), RunError> {
    use scenarios::reproduce::{reproduce, Request, Subject};
    let subject = (a.vehicle.map(Subject::Vehicle)).or(a.booking.map(Subject::Booking));
    let data = a.data.map_or(DataSource::Bundled, DataSource::Dir);
    let request = Request {
        dir: a.dir,
        at: a.at,
        subject,
        verify: a.verify,
        data,
        events: a.events.map(|f| (f, a.window)),
    };
    for line in reproduce(&request)? {
        println!("{line}");
    }
    Ok(())
}

fn cmd_prepare(args: PrepareArgs) -> Result<(), RunError> {
    use scenarios::import::{self, Crs, NetworkFiles};
    let read = |name: &str| -> Result<(String, String), InputError> {
        let p = args.dir.join(name);
        std::fs::read_to_string(&p)
            .map(|t| (p.display().to_string(), t))
            .map_err(|e| {
                InputError::at("<command line>", "", None, "DIR")
                    .value(args.dir.display().to_string())
                    .expected(format!("a network directory with a readable {name} ({e})"))
            })
    };
    let crs_text = match &args.crs {
        Some(c) => c.clone(),
        None => read("crs.info")?.1,
    };
    let crs = Crs::parse(&crs_text).ok_or_else(|| {
        InputError::at("<command line>", "", None, "--crs")
            .value(crs_text.trim())
            .expected("`EPSG:326NN`, `EPSG:327NN` or `EPSG:4326`")
    })?;
    let files = NetworkFiles {
        nodes: read("nodes.csv")?,
        edges: read("edges.csv")?,
        order: None,
    };
    let (world, _) = import::network(&files, crs, sim_core::world::RoadClass::Arterial)?;
    let started = std::time::Instant::now();
    let (_, order) = sim_core::world::Ch::prepare(&world.net, &sim_core::world::FreeFlow, 0, None);
    let text: String = order.iter().map(|n| format!("{n}\n")).collect();
    let out = args.dir.join(import::ORDER_FILE);
    let partial = args.dir.join(format!("{}.partial", import::ORDER_FILE));
    let io = |source| RunError::Io {
        dir: args.dir.clone(),
        source,
    };
    std::fs::write(&partial, text).map_err(io)?;
    std::fs::rename(&partial, &out).map_err(io)?;
    println!(
        "{}: {} routing nodes ordered in {:.0} ms",
        out.display(),
        order.len(),
        started.elapsed().as_secs_f64() * 1_000.0
    );
    Ok(())
}

fn cmd_list() {
    let width = catalog::names().map(str::len).max().unwrap_or(8);
    println!("{:<width$} DESCRIPTION", "SCENARIO");
    for (name, text) in catalog::CATALOG {
        let description = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| {
                t.get("description")
                    .and_then(|d| d.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let first = description.lines().next().unwrap_or("");
        let marker = if *name == catalog::DEFAULT {
            " (default)"
        } else {
            ""
        };
        println!("{name:<width$} {first}{marker}");
    }
}

fn cmd_sweep(args: SweepArgs) -> Result<(), RunError> {
    use scenarios::sweep;
    let axes = (args.grids.iter())
        .map(|g| sweep::parse_axis(g))
        .collect::<Result<Vec<_>, _>>()?;
    let shard = args.shard.as_deref().map(sweep::parse_shard).transpose()?;
    let knee = match &args.knee {
        None => None,
        Some(k) => Some(knee_term(k, &axes, shard)?),
    };
    let out = out_dir(args.out.clone(), "sweep-", &args.scenario);
    let workers = workers(args.workers);
    let o = sweep::SweepOptions {
        run: batch_options(
            &args.scenario,
            (args.seed, args.until),
            &out,
            args.data.clone(),
            &args.overrides,
        )?,
        axes,
        replications: args.replications,
        workers,
        keep_runs: args.keep_runs,
        shard,
        until_text: args.until.map(|t| t.0.to_string()),
    };
    let bar =
        progress_bar("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, ETA {eta} {msg}");
    let report = sweep::sweep(&o, &bar)?;
    println!(
        "{} runs ({} cells x {} replications{}) on {workers} workers -> {}/sweep.csv, sweep_summary.csv, sweep.json",
        report.runs,
        report.cells,
        args.replications,
        shard.map_or(String::new(), |(i, n)| format!(", shard {i}/{n}")),
        out.display()
    );
    if let Some(t) = &knee {
        if let Some(k) = scenarios::knee::from_dir(&out, t)? {
            let a = o.axes.iter().find(|a| a.path == scenarios::knee::AXIS);
            let (lo, hi) = a.map_or(("", ""), |a| {
                (a.values[0].as_str(), a.values[a.values.len() - 1].as_str())
            });
            print!("{}", scenarios::knee::describe(t, &k, lo, hi));
            println!("  -> {}/knee.csv", out.display());
        }
    }
    for (i, seed, e) in &report.failed {
        eprintln!("run {i} (seed {seed}) failed: {e}");
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(RunError::Child(format!(
            "{} of {} runs failed (their rows say why; the sweep's files are written)",
            report.failed.len(),
            report.runs
        )))
    }
}

/// Reads `--knee KPI<=VALUE`: needs a `load_multiplier` axis and a whole sweep.
fn knee_term(
    raw: &str,
    axes: &[scenarios::sweep::Axis],
    shard: Option<(u32, u32)>,
) -> Result<scenarios::slo::Term, RunError> {
    let known = scenarios::services_out::known_kpis();
    let mut terms = scenarios::recommend::parse_sla(raw, &known)?;
    let at = |v: &str, e: &str| {
        InputError::at("<command line>", "", None, "--knee")
            .value(v)
            .expected(e)
    };
    if terms.len() != 1 {
        return Err(at(raw, "one term KPI<=VALUE or KPI>=VALUE").into());
    }
    if !axes.iter().any(|a| a.path == scenarios::knee::AXIS) {
        return Err(at(
            raw,
            "a --grid load_multiplier=... axis to find the knee along",
        )
        .into());
    }
    if shard.is_some() {
        return Err(at(raw, "a whole sweep (not --shard): the knee needs every run").into());
    }
    Ok(terms.remove(0))
}

/// The options every run of a sweep or a search shares (the reference loop; no trace).
fn batch_options(
    scenario: &str,
    (seed, until): (Option<u64>, Option<SimTime>),
    out: &std::path::Path,
    data: Option<PathBuf>,
    overrides: &OverrideArgs,
) -> Result<RunOptions, RunError> {
    Ok(RunOptions {
        scenario: Some(scenario.to_string()),
        seed,
        until,
        out: out.to_path_buf(),
        host: Host::Reference,
        trace: false,
        record: false,
        data: data.map_or(DataSource::Bundled, DataSource::Dir),
        scale: None,
        overrides: overrides.read()?,
    })
}

/// `petfleet run NAME`'s options, writing nowhere yet.
pub(crate) fn default_options(name: &str) -> RunOptions {
    RunOptions {
        scenario: Some(name.to_string()),
        seed: None,
        until: None,
        out: PathBuf::from("."),
        host: Host::Reference,
        trace: false,
        record: false,
        data: DataSource::Bundled,
        scale: None,
        overrides: Overrides::default(),
    }
}

/// `--out`, or `out/<prefix><scenario>` (the catalogue name or the file's stem).
pub(crate) fn out_dir(out: Option<PathBuf>, prefix: &str, scenario: &str) -> PathBuf {
    out.unwrap_or_else(|| {
        let stem = std::path::Path::new(scenario)
            .file_stem()
            .map_or(scenario.to_string(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("out").join(format!("{prefix}{stem}"))
    })
}

fn workers(w: Option<u16>) -> usize {
    w.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

fn progress_bar(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn cmd_recommend(args: RecommendArgs) -> Result<(), RunError> {
    use scenarios::recommend::{self, RecommendOptions};
    // Every KPI a run can write: the fleet's, the notifier's and the settlement's.
    let settle = sim_core::observe::SettleKpis::default().rows(&Default::default());
    let known: Vec<&str> = (sim_core::observe::Kpis::default()
        .rows()
        .iter()
        .map(|r| r.0))
    .chain(
        sim_core::observe::NotifyKpis::new(Vec::new())
            .rows()
            .iter()
            .map(|r| r.0),
    )
    .chain(settle.iter().map(|r| r.0))
    .chain(scenarios::services_out::known_kpis())
    .collect();
    let terms = recommend::parse_sla(&args.sla, &known)?;
    let (path, lo, hi, step, designs) = match &args.vary {
        Some(v) => {
            let (path, lo, hi, step) = recommend::parse_vary(v)?;
            (path, lo, hi, step, Vec::new())
        }
        None => {
            let names = scenarios::loadtest::design_names(&args.scenario)?;
            ("design".to_string(), 0, names.len() as u64 - 1, 1, names)
        }
    };
    if args.max_replications < args.min_replications {
        return Err(
            InputError::at("<command line>", "", None, "--max-replications")
                .value(args.max_replications.to_string())
                .expected(format!(
                    "at least --min-replications ({})",
                    args.min_replications
                ))
                .into(),
        );
    }
    let out = out_dir(args.out.clone(), "recommend-", &args.scenario);
    let o = RecommendOptions {
        run: batch_options(
            &args.scenario,
            (None, args.until),
            &out,
            args.data.clone(),
            &args.overrides,
        )?,
        path,
        lo,
        hi,
        step,
        terms,
        min_replications: args.min_replications,
        max_replications: args.max_replications,
        workers: workers(args.workers),
        base_seed: args.seed,
        designs,
    };
    let bar = progress_bar("{spinner} [{elapsed_precise}] {pos} candidates tried, now {msg}");
    let rec = recommend::recommend(&o, &bar)?;
    recommend::write_csv(&out, &o, &rec).map_err(|source| RunError::Io {
        dir: out.clone(),
        source,
    })?;
    print_recommendation(&o, &rec, &out);
    Ok(())
}

fn print_recommendation(
    o: &scenarios::recommend::RecommendOptions,
    rec: &scenarios::recommend::Recommendation,
    out: &std::path::Path,
) {
    let sla: Vec<String> = o.terms.iter().map(|t| t.text()).collect();
    let over = if o.designs.is_empty() {
        format!("{}={}..{}", o.path, o.lo, o.hi)
    } else {
        format!("the designs {}", o.designs.join(", "))
    };
    println!(
        "SLA {} over {over} (seeds {}+r, 95 % intervals, {}-{} replications per candidate)",
        sla.join(", "),
        rec.base_seed,
        o.min_replications,
        o.max_replications
    );
    for c in &rec.tried {
        let terms: Vec<String> = (o.terms.iter().zip(&c.terms))
            .map(|(t, (s, v))| {
                let ci = s.ci.map_or("-".to_string(), |(a, b)| {
                    format!("[{}, {}]", short(a), short(b))
                });
                format!(
                    "{} mean {} 95% {ci} {v}",
                    t.kpi,
                    s.mean.map_or("-".into(), short)
                )
            })
            .collect();
        let cost = c
            .cost_won
            .map_or(String::new(), |w| format!("; cost {w:.0} won"));
        println!(
            "  {}={:<10} n={:<3} {:<9} {}{cost}",
            o.path,
            scenarios::recommend::label(o, c.value),
            c.replications,
            c.verdict,
            terms.join("; ")
        );
    }
    match rec.answer {
        Some(v) if !o.designs.is_empty() => println!(
            "answer: design {} is the cheapest meeting the SLA with 95 % confidence",
            scenarios::recommend::label(o, v)
        ),
        None if !o.designs.is_empty() => {
            println!("answer: no design meets the SLA with 95 % confidence")
        }
        Some(v) => println!(
            "answer: {}={v} is the smallest value meeting the SLA with 95 % confidence",
            o.path
        ),
        None => println!(
            "answer: no value up to {} meets the SLA with 95 % confidence",
            o.hi
        ),
    }
    println!("evidence: {}", out.join("recommend.csv").display());
}

fn short(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

fn cmd_mmc(args: MmcArgs) -> Result<(), RunError> {
    if args.offered_load >= f64::from(args.servers) {
        return Err(InputError::at("<command line>", "", None, "--offered-load")
            .value(args.offered_load.to_string())
            .expected(format!(
                "a load below --servers ({}): at or above it the queue grows without bound",
                args.servers
            ))
            .into());
    }
    let v = scenarios::validate::mmc(
        args.servers,
        args.offered_load,
        args.replications,
        args.horizon,
        args.seed,
        workers(args.workers),
    );
    let ci = |s: &scenarios::sweep::Stats| s.ci.map_or([f64::NAN; 2], |c| [c.0, c.1]);
    if args.json {
        let j = serde_json::json!({
            "servers": v.servers, "offered_load": v.offered_load, "replications": v.replications,
            "measured_bookings": v.measured,
            "p_wait": {"simulated": v.p_wait.mean, "ci95": ci(&v.p_wait), "erlang_c": v.p_wait_theory},
            "mean_wait_per_mu": {"simulated": v.mean_wait.mean, "ci95": ci(&v.mean_wait), "erlang_c": v.mean_wait_theory},
            "little_max_rel_diff": v.little_max_rel_diff,
        });
        println!("{j}");
        return Ok(());
    }
    let rel =
        |s: &scenarios::sweep::Stats, t: f64| s.mean.map_or(f64::NAN, |m| (m - t) / t * 100.0);
    println!(
        "M/M/{} at a = {} (rho = {:.3}), {} replications, {} bookings measured",
        v.servers,
        v.offered_load,
        v.offered_load / f64::from(v.servers),
        v.replications,
        v.measured
    );
    let [lo, hi] = ci(&v.p_wait);
    println!(
        "  P(wait)          simulated {:.4} (95% {lo:.4}-{hi:.4})   Erlang C {:.4}   difference {:+.2} %",
        v.p_wait.mean.unwrap_or(f64::NAN), v.p_wait_theory, rel(&v.p_wait, v.p_wait_theory)
    );
    let [lo, hi] = ci(&v.mean_wait);
    println!(
        "  mean wait (1/mu) simulated {:.4} (95% {lo:.4}-{hi:.4})   Erlang C {:.4}   difference {:+.2} %",
        v.mean_wait.mean.unwrap_or(f64::NAN), v.mean_wait_theory, rel(&v.mean_wait, v.mean_wait_theory)
    );
    println!(
        "  Little's law L = lambda W: largest relative difference {:.2e} over the replications",
        v.little_max_rel_diff
    );
    Ok(())
}

fn cmd_merge(args: MergeArgs) -> Result<(), RunError> {
    let n = scenarios::sweep::merge(&args.dirs, &args.out)?;
    println!(
        "{n} runs from {} directories -> {}",
        args.dirs.len(),
        args.out.display()
    );
    Ok(())
}

fn cmd_show(args: ShowArgs) -> Result<(), RunError> {
    let base = run::find_scenario(Some(&args.scenario))?;
    let merged = scenarios::overrides::apply(base, &args.overrides.read()?)?;
    // Parse it as `run` would, so that a bad override fails here too.
    scenarios::scenario::parse(&merged.src).map_err(|e| merged.relocate(e))?;
    print!("{}", merged.src.text);
    Ok(())
}

fn cmd_run(args: RunArgs) -> Result<(), RunError> {
    let host = match args.engine {
        Engine::Actix => Host::Actix {
            shards: usize::from(args.shards),
        },
        Engine::Loop => Host::Reference,
    };
    // A recorded run is stepped on the reference loop (it notes hourly trace hashes).
    let host = if args.record { Host::Reference } else { host };
    let name = args
        .scenario
        .clone()
        .unwrap_or_else(|| catalog::DEFAULT.to_string());
    let out = out_dir(args.out.clone(), "", &name);
    let opts = RunOptions {
        scenario: args.scenario,
        seed: args.seed,
        until: args.until,
        out: out.clone(),
        host,
        trace: args.trace,
        record: args.record,
        data: args.data.map_or(DataSource::Bundled, DataSource::Dir),
        scale: args.scale,
        overrides: args.overrides.read()?,
    };
    let loaded = run::Loaded::new(opts.scenario.as_deref(), &opts.data)?;
    if let Some(designs) = scenarios::loadtest::run(&loaded, &opts)? {
        print!("{}", scenarios::loadtest::summary(&designs));
        println!("outputs: {}", out.display());
        return Ok(());
    }
    let s = run::run_loaded(&loaded, &opts)?;
    print_run(&s, host, &out);
    Ok(())
}

/// CPU seconds (user + system) and peak resident memory (bytes) of this process so far,
/// from `getrusage`. Printed, never written: they depend on the machine.
fn resource_use() -> Option<(f64, u64)> {
    use nix::sys::resource::{getrusage, UsageWho};
    let u = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    // Linux reports the maximum resident set size in kilobytes.
    let peak = u64::try_from(u.max_rss()).unwrap_or(0) * 1_024;
    Some((secs(u.user_time()) + secs(u.system_time()), peak))
}

fn print_run(s: &run::RunSummary, host: Host, out: &std::path::Path) {
    let spec = &s.resolved.spec;
    println!(
        "SEED={} scenario={} ({})",
        spec.seed, s.resolved.scenario.name, s.resolved.start_date
    );
    let engine = match host {
        Host::Reference => "reference loop".to_string(),
        Host::Actix { shards } => format!("actix, {shards} shard(s)"),
    };
    println!();
    println!("  {:<22} {}", "engine", engine);
    println!(
        "  {:<22} {}",
        "simulated until",
        s.manifest["until"].as_str().unwrap_or("")
    );
    println!("  {:<22} {}", "messages delivered", s.delivered);
    println!(
        "  {:<22} {:.3} s ({:.0} messages/s)",
        "wall time",
        s.wall_s,
        s.delivered as f64 / s.wall_s.max(1e-9)
    );
    if let Some((cpu_s, peak)) = resource_use() {
        println!("  {:<22} {cpu_s:.3} s (process, user + system)", "CPU time");
        println!("  {:<22} {:.1} MB", "peak memory", peak as f64 / 1e6);
    }
    println!("  {:<22} {:016x}", "trace hash", s.trace_hash);
    println!("  {:<22} {}", "output", out.display());
    for (f, rows) in &s.files {
        println!("  {:<22} {rows} rows", f);
    }
    println!();
    let c = &s.counts;
    println!(
        "  bookings: {} total, {} completed, {} cancelled, {} rejected, {} open; revenue {} won",
        c.total, c.completed, c.cancelled, c.rejected, c.open, c.revenue_won
    );
    let f = &s.manifest["fleet"];
    println!(
        "  fleet: {} legs assigned, {} km driven, {} pickups bounced and reassigned, {} partner services",
        f["assigned_legs"], f["fleet_km"], f["bounced_pickups"], f["partner_services"]
    );
    let searches = f["dispatch_searches"].as_u64().unwrap_or(0);
    let evaluated = f["vehicles_evaluated"].as_u64().unwrap_or(0);
    println!(
        "  dispatch: {searches} searches evaluated {evaluated} vehicles ({:.1} each, of {} in the fleet)",
        evaluated as f64 / searches.max(1) as f64,
        spec.fleet.len()
    );
    println!();
    print_kpis(&s.kpis);
    println!();
    print_sample(s);
}

fn print_kpis(rows: &[sim_core::observe::KpiRow]) {
    println!("  {:<24} {:>16}  UNIT", "KPI", "VALUE");
    for (kpi, value, unit) in rows {
        let v = value.map_or("-".to_string(), scenarios::output::format_kpi);
        println!("  {kpi:<24} {v:>16}  {unit}");
    }
}

fn print_sample(s: &run::RunSummary) {
    let net = &s.resolved.spec.world.net;
    let clock = scenarios::output::Clock::new(s.resolved.start_date);
    println!(
        "  {:<7} {:<14} {:<14} {:<20} {:<20} {:>9} {:>8} {:>9}  {:<10} REASON",
        "BOOKING", "FROM", "TO", "PICKUP", "DROP-OFF", "KM", "QUOTED", "CHARGED", "STATUS"
    );
    for r in &s.sample {
        println!(
            "  {:<7} {:<14} {:<14} {:<20} {:<20} {:>9.1} {:>8} {:>9}  {:<10} {}",
            r.booking.0,
            net.node(r.pickup).name,
            net.node(r.dropoff).name,
            r.pickup_at.map_or("-".into(), |x| clock.format(x)),
            r.dropoff_at.map_or("-".into(), |x| clock.format(x)),
            r.distance_m / 1_000.0,
            r.quoted_won.map_or("-".into(), |q| q.to_string()),
            r.final_fare_won.map_or("-".into(), |q| q.to_string()),
            r.status.name(),
            r.reason
        );
    }
    let shown = s.sample.len() as u64;
    if s.counts.total > shown {
        println!(
            "  ... {} more in bookings.csv (the first {shown} closed are shown)",
            s.counts.total - shown
        );
    }
}

/// One scaled run's figures, read from the child's summary.
#[derive(Clone, Copy, Debug, Default)]
struct Measured {
    bookings: f64,
    messages: f64,
    wall_s: f64,
    cpu_s: f64,
    peak_mb: f64,
}

/// Runs `petfleet run` in a child process and reads its summary.
fn run_child(args: &ScaleArgs, factor: f64, out: &std::path::Path) -> Result<Measured, RunError> {
    let exe = std::env::current_exe().map_err(|e| RunError::Io {
        dir: out.to_path_buf(),
        source: e,
    })?;
    let engine = match args.engine {
        Engine::Actix => "actix",
        Engine::Loop => "loop",
    };
    let output = std::process::Command::new(exe)
        .args([
            "run",
            &args.scenario,
            "--engine",
            engine,
            "--scale",
            &factor.to_string(),
        ])
        .arg("--out")
        .arg(out)
        .output()
        .map_err(|e| RunError::Io {
            dir: out.to_path_buf(),
            source: e,
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(RunError::Child(format!(
            "the run at scale {factor} failed: {}",
            err.trim()
        )));
    }
    // The child's summary is read by its labels; a label it lacks is an error, never a
    // number made up.
    let field = |label: &str| -> Result<f64, RunError> {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| RunError::Io {
                dir: out.to_path_buf(),
                source: std::io::Error::other(format!(
                    "the summary of the run at scale {factor} has no `{label}` figure"
                )),
            })
    };
    Ok(Measured {
        bookings: field("bookings:")?,
        messages: field("messages delivered")?,
        wall_s: field("wall time")?,
        cpu_s: field("CPU time")?,
        peak_mb: field("peak memory")?,
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn cmd_scale(args: ScaleArgs) -> Result<(), RunError> {
    let tmp = std::env::temp_dir().join(format!("petfleet-scale-{}", std::process::id()));
    let base = args.out.clone().unwrap_or_else(|| tmp.clone());
    println!(
        "{}: fleet and demand scaled by {:?}, {} run(s) each (median), engine {:?}",
        args.scenario, args.factors, args.repeat, args.engine
    );
    println!(
        "  {:>6} {:>9} {:>11} {:>9} {:>9} {:>9} {:>10}  RATIO (CPU vs x{})",
        "SCALE",
        "BOOKINGS",
        "MESSAGES",
        "WALL s",
        "CPU s",
        "PEAK MB",
        "CPU/BOOKING",
        args.factors[0]
    );
    let mut first: Option<Measured> = None;
    for &k in &args.factors {
        let mut runs = Vec::new();
        for r in 0..args.repeat {
            runs.push(run_child(&args, k, &base.join(format!("x{k}-{r}")))?);
        }
        let m = Measured {
            bookings: runs[0].bookings,
            messages: runs[0].messages,
            wall_s: median(runs.iter().map(|m| m.wall_s).collect()),
            cpu_s: median(runs.iter().map(|m| m.cpu_s).collect()),
            peak_mb: median(runs.iter().map(|m| m.peak_mb).collect()),
        };
        let f = *first.get_or_insert(m);
        println!(
            "  {:>6} {:>9} {:>11} {:>9.2} {:>9.2} {:>9.1} {:>9.1}ms  {:.2}x (work {:.2}x)",
            k,
            m.bookings,
            m.messages,
            m.wall_s,
            m.cpu_s,
            m.peak_mb,
            1e3 * m.cpu_s / m.bookings.max(1.0),
            m.cpu_s / f.cpu_s,
            k / args.factors[0]
        );
    }
    if args.out.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// A `--from`/`--to` place: the node, and how far a `lat,lon` was snapped.
fn cli_place(
    net: &RoadNetwork,
    flag: &str,
    raw: &str,
) -> Result<(NodeId, Option<f64>), InputError> {
    let err = |expected: String| {
        InputError::at("<command line>", "", None, flag)
            .value(raw)
            .expected(expected)
    };
    if let Some(found) = scenarios::located::point_place(net, raw) {
        return found.map(|(n, d)| (n, Some(d))).map_err(err);
    }
    net.node_by_name(raw).map(|n| (n, None)).ok_or_else(|| {
        let close = net.similar_names(raw, 3);
        err(
            "a place name, a node id or `lat,lon` (e.g. Gangnam-gu, 1210050100, 37.4979,127.0276)"
                .into(),
        )
        .hint(format!("closest: {}", close.join(", ")))
    })
}

/// A route's end, with the snap of a `lat,lon` printed.
fn route_end(net: &RoadNetwork, flag: &str, raw: &str) -> Result<NodeId, InputError> {
    let (node, snap) = cli_place(net, flag, raw)?;
    if let Some(m) = snap {
        let name = &net.node(node).name;
        println!("{flag} {raw}: snapped to node {name} ({m:.0} m away)");
    }
    Ok(node)
}

/// The edges of the `--close` segments.
fn closed_edges(
    world: &sim_core::world::World,
    close: &[String],
) -> Result<Vec<sim_core::ids::EdgeId>, InputError> {
    let mut closed = Vec::new();
    for c in close {
        let src = scenario::Source {
            label: "<command line>".into(),
            text: String::new(),
        };
        let edges = scenario::segment_edges(&src, world, c, None).map_err(|e| InputError {
            field: "--close".into(),
            ..e
        })?;
        closed.extend(edges);
    }
    Ok(closed)
}

fn cmd_route(args: RouteArgs) -> Result<(), RunError> {
    let source = args
        .data
        .clone()
        .map_or(DataSource::Bundled, DataSource::Dir);
    let files = source.files()?;
    let data = data::load(&files)?;
    let (world, profiles) = match args.network {
        NetworkArg::Streets => {
            let s = data.streets(&files)?;
            (s.world.clone(), s.profiles.clone())
        }
        NetworkArg::Districts => (data.world.clone(), data.profiles.clone()),
    };
    let net = &world.net;
    let (from, to) = (
        route_end(net, "--from", &args.from)?,
        route_end(net, "--to", &args.to)?,
    );
    let closed = closed_edges(&world, &args.close)?;
    let day = match args.day {
        Day::Weekday => DayType::Weekday,
        Day::Weekend => DayType::Weekend,
        Day::Holiday => DayType::Holiday,
    };
    let cfg = TrafficConfig::profile_only(profiles, data.accidents, vec![day]);
    let speeds = profile_speeds(net, &cfg, args.at, &closed);
    let hhmm = |t: SimTime| {
        format!(
            "{:02}:{:02}",
            t.ms_of_day() / 3_600_000,
            (t.ms_of_day() / 60_000) % 60
        )
    };
    let Some(route) = world.route(speeds.as_ref(), from, to) else {
        return Err(InputError::at("<command line>", "", None, "--to")
            .value(args.to)
            .expected(format!(
                "a node reachable from {:?} with the closures given",
                args.from
            ))
            .into());
    };
    println!(
        "{} -> {} at {} ({})",
        args.from,
        args.to,
        hhmm(args.at),
        day.name()
    );
    if !args.close.is_empty() {
        println!("closed: {}", args.close.join(", "));
    }
    println!(
        "distance {:.1} km, time {}",
        route.length_m / 1_000.0,
        SimDuration::from_secs_f64(route.time_s)
    );
    print_route(net, &route, from);
    Ok(())
}

/// The roads of a route, then the places it passes (street nodes counted, not listed).
fn print_route(net: &RoadNetwork, route: &sim_core::world::Route, from: NodeId) {
    println!("roads:");
    for (road, m) in route.roads(net) {
        println!("  {:<40} {:>7.1} km", road, m / 1_000.0);
    }
    let mut via = vec![net.node(from).name.clone()];
    let mut streets = 0;
    for &e in &route.edges {
        let n = net.node(net.edge(e).to);
        if n.kind == NodeKind::Street {
            streets += 1;
            continue;
        }
        if streets > 0 {
            via.push(format!("({streets} street nodes)"));
            streets = 0;
        }
        via.push(n.name.clone());
    }
    if streets > 0 {
        via.push(format!(
            "({streets} street nodes) {}",
            net.node(route.edges.last().map_or(from, |&e| net.edge(e).to))
                .name
        ));
    }
    println!("via: {}", via.join(" > "));
}

fn cmd_fare(args: FareArgs) -> Result<(), RunError> {
    use scenarios::tariff;
    use sim_core::fare::{price, Extras};
    let t = tariff::parse(&tariff::find(&args.tariff)?)?;
    let meter = fare_meter(&args, &t)?;
    let b = price(
        &t,
        &meter,
        &Extras {
            surge: 1.0,
            ..Extras::default()
        },
    );
    if args.json {
        println!("{}", tariff::breakdown_json(&b));
    } else {
        print_fare(&t, &b);
    }
    Ok(())
}

/// The meter `petfleet fare` prices: from a GPS trace, or from distance and slow time.
fn fare_meter(
    args: &FareArgs,
    t: &sim_core::fare::Tariff,
) -> Result<sim_core::fare::Meter, RunError> {
    use scenarios::tariff;
    use sim_core::fare::{meter_simple, meter_trace};
    Ok(match (&args.trace, args.fast_m, args.slow_s, args.start) {
        (Some(path), ..) => {
            let label = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                InputError::at(&label, "", None, "--trace")
                    .value(label.clone())
                    .expected(format!("a readable CSV file ({e})"))
            })?;
            meter_trace(t, &tariff::read_trace(&label, &text)?)
        }
        (None, Some(fast), Some(slow), Some(start)) => meter_simple(t, fast, slow, start),
        _ => unreachable!("clap requires --trace or --fast-m with --slow-s and --start"),
    })
}

/// Won with thousands separators (`-12,300`).
fn won(v: i64) -> String {
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The fare breakdown as `petfleet fare` prints it.
fn print_fare(t: &sim_core::fare::Tariff, b: &sim_core::fare::FareBreakdown) {
    let threshold_kmh = f64::from(t.unit_distance_m) / f64::from(t.slow_unit_s) * 3.6;
    println!("tariff            {}", t.name);
    println!(
        "metered distance  {:.1} m at or above {:.2} km/h",
        b.metered_m, threshold_kmh
    );
    println!(
        "slow time         {:.1} s below it ({:.1} m equivalent)",
        b.slow_s,
        b.slow_s * f64::from(t.unit_distance_m) / f64::from(t.slow_unit_s)
    );
    println!(
        "base              {:>10}  (first {} m; night/out-of-city surcharge {})",
        won(b.base_won),
        t.base_distance_m,
        won(b.base_surcharge_won)
    );
    println!(
        "distance units    {:>10}  ({} x {} per {} m)",
        won(b.distance_units as i64 * t.unit_fare_won),
        b.distance_units,
        t.unit_fare_won,
        t.unit_distance_m
    );
    println!(
        "time units        {:>10}  ({} x {} per {} s slow)",
        won(b.time_units as i64 * t.unit_fare_won),
        b.time_units,
        t.unit_fare_won,
        t.slow_unit_s
    );
    println!(
        "unit surcharges   {:>10}  (night bands, out of city)",
        won(b.unit_surcharge_won)
    );
    println!(
        "surge x{:<9.2}  {:>10}",
        b.surge_multiplier,
        won(b.surge_won)
    );
    println!(
        "fees              {:>10}  (pets {}, waiting {}, add-ons {}, tolls {})",
        won(b.pet_fees_won + b.waiting_fee_won + b.addon_fees_won + b.tolls_won),
        won(b.pet_fees_won),
        won(b.waiting_fee_won),
        won(b.addon_fees_won),
        won(b.tolls_won)
    );
    println!("minimum fare      {:>10}", won(b.minimum_adjust_won));
    println!("subtotal          {:>10}", won(b.subtotal_won));
    println!(
        "rounding          {:>10}  (to {}, half up)",
        won(b.rounding_won),
        t.rounding_step_won
    );
    println!("TOTAL             {:>10} KRW", won(b.total_won));
}
