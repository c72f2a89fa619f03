//! The `petfleet feed` and `petfleet twin` commands.

use std::path::PathBuf;

use scenarios::error::InputError;
use scenarios::feed::mqtt::{self, Broker};
use scenarios::run::{DataSource, RunError, RunOptions};
use scenarios::twin::drive::{run_twin, FeedInput, TwinRequest};
use scenarios::twin::forecast::ForecastConfig;
use scenarios::twin::TwinConfig;
use sim_core::time::{SimDuration, SimTime};

use crate::{parse_clock_arg, parse_duration_arg, OverrideArgs};

/// `petfleet feed ...`.
#[derive(clap::Subcommand, Debug)]
pub enum FeedCommand {
    /// Write the feed a real fleet would have sent during a recorded run
    /// (`petfleet run --record`): GPS fixes with headings, bookings created, accepted,
    /// picked up, dropped off and closed, incidents reported and cleared (NDJSON; see
    /// docs/feed.md).
    Export(ExportArgs),
    /// Publish a feed file to an MQTT broker, one topic per van, booking and incident.
    Publish(PublishArgs),
    /// Turn a recorded feed into a scenario (vans placed at their first fixes, bookings and
    /// incidents scripted), so that a real day becomes a test case.
    Scenario(ReplayArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// The feed (NDJSON; `-`: stdin).
    feed: PathBuf,
    /// The fleet's scenario (network, tariff, traffic, vehicles): a catalogue name or a
    /// file.
    #[arg(long)]
    scenario: Option<String>,
    /// The scenario file to write.
    #[arg(long)]
    out: PathBuf,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// A recorded run's directory.
    dir: PathBuf,
    /// The feed file to write (`-`: stdout).
    #[arg(long)]
    out: PathBuf,
    /// The data the run was made with, if not the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// GPS error added to every fix: standard deviation per axis, metres (0: exact).
    #[arg(long, default_value_t = 0.0, value_parser = parse_noise)]
    gps_noise: f64,
    /// Seed of the GPS error.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn parse_noise(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1_000.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: expected metres from 0 to 1000")),
    }
}

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// The feed (NDJSON; `-`: stdin).
    feed: PathBuf,
    /// The broker: HOST:PORT.
    #[arg(long, value_parser = Broker::parse)]
    mqtt: Broker,
    /// The fleet's name in the topics (`petfleet/<fleet>/...`).
    #[arg(long, default_value = "fleet")]
    fleet: String,
    /// Feed time per wall second (1: real time); as fast as possible if not given.
    #[arg(long, value_parser = parse_speed)]
    speed: Option<f64>,
}

/// `petfleet twin`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("input").args(["feed", "mqtt"]).required(true))]
pub struct TwinArgs {
    /// The fleet's scenario (its network, vans and first day): a catalogue name or a file.
    scenario: Option<String>,
    /// Read the feed from this NDJSON file (`-`: stdin).
    #[arg(long)]
    feed: Option<PathBuf>,
    /// Read the feed from this MQTT broker (HOST:PORT), topics `petfleet/<fleet>/#`.
    #[arg(long, value_parser = Broker::parse)]
    mqtt: Option<Broker>,
    /// The fleet's name in the topics.
    #[arg(long, default_value = "fleet")]
    fleet: String,
    /// Output directory [default: out/twin-SCENARIO].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Hold messages this long (feed time) for earlier ones to arrive.
    #[arg(long, default_value = "30s", value_parser = parse_duration_arg)]
    reorder_window: SimDuration,
    /// Fixes farther than this from every road are not matched (metres).
    #[arg(long, default_value_t = 50.0, value_parser = parse_metres)]
    match_radius: f64,
    /// Report a fix this far from the van's dead-reckoned position (metres).
    #[arg(long, default_value_t = 2_000.0, value_parser = parse_metres)]
    drift: f64,
    /// Write every van to twin_vans.csv this often (feed time).
    #[arg(long, default_value = "5min", value_parser = parse_duration_arg)]
    snapshot_every: SimDuration,
    /// Also write twin_fixes.csv: every fix with its matched place.
    #[arg(long)]
    fixes: bool,
    /// Feed time per wall second for a file (1: real time); as fast as possible if not
    /// given.
    #[arg(long, value_parser = parse_speed)]
    speed: Option<f64>,
    /// Forecast every this much feed time (on its multiples from midnight: 5min, 1h).
    #[arg(long, value_parser = parse_duration_arg)]
    forecast_every: Option<SimDuration>,
    /// Forecast at this time of the feed (`10:00`, `d2 08:00`; repeatable).
    #[arg(long, value_parser = parse_clock_arg)]
    forecast_at: Vec<SimTime>,
    /// How far each forecast looks ahead.
    #[arg(long, default_value = "2h", value_parser = parse_duration_arg)]
    horizon: SimDuration,
    /// Model runs per forecast, seeds 1 to N.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    seeds: u64,
    /// Run each forecast again with this overlay (an accident, a surge, an outage) and
    /// write forecast_diffs.csv.
    #[arg(long, value_name = "OVERLAY.toml")]
    what_if: Option<PathBuf>,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

/// `petfleet learn`.
#[derive(clap::Args, Debug)]
pub struct LearnArgs {
    /// Recorded runs' directories (each with its manifest.json and positions.csv), or GPS
    /// traces: CSV files with vehicle_id, time, lat, lon and optionally speed_kmh.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The scenario whose network and traffic profile GPS trace files are matched and
    /// compared against (needed with trace files).
    #[arg(long)]
    scenario: Option<String>,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    /// The data the runs were made with, if not the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
}

/// Runs `petfleet learn`.
pub fn cmd_learn(a: LearnArgs) -> Result<(), RunError> {
    let data = a.data.map_or(DataSource::Bundled, DataSource::Dir);
    let (dirs, traces): (Vec<PathBuf>, Vec<PathBuf>) =
        a.dirs.iter().cloned().partition(|p| p.is_dir());
    let mut cells = scenarios::learn::samples(&dirs, &data)?;
    if !traces.is_empty() {
        let Some(name) = a.scenario.as_deref() else {
            let e = InputError::at("<command line>", "", None, "--scenario")
                .value(traces[0].display().to_string())
                .expected("--scenario NAME with GPS trace files: the network and traffic profile to match them on");
            return Err(e.into());
        };
        let loaded = scenarios::run::Loaded::new(Some(name), &data)?;
        let mut opts = crate::default_options(name);
        opts.data = data.clone();
        let (_, resolved) = loaded.resolve(&opts)?;
        for (k, mut v) in scenarios::learn::trace_samples(&traces, &resolved)? {
            cells.entry(k).or_default().append(&mut v);
        }
    }
    let n: usize = cells.values().map(Vec::len).sum();
    let written = scenarios::learn::write(cells, &a.out).map_err(|source| RunError::Io {
        dir: a.out.clone(),
        source,
    })?;
    println!(
        "{n} samples from {} runs into {written} cells: {}",
        a.dirs.len(),
        a.out.display()
    );
    Ok(())
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?}: expected a factor above 0 (1: real time, 60: a minute a second)"
        )),
    }
}

fn parse_metres(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?}: expected metres above 0")),
    }
}

/// Runs `petfleet feed ...`.
pub fn cmd_feed(cmd: FeedCommand) -> Result<(), RunError> {
    match cmd {
        FeedCommand::Export(a) => {
            let data = a.data.map_or(DataSource::Bundled, DataSource::Dir);
            let noise = scenarios::feed::export::Noise {
                sigma_m: a.gps_noise,
                seed: a.seed,
            };
            let counts = scenarios::feed::export::export(&a.dir, &a.out, &data, noise)?;
            let total: u64 = counts.values().sum();
            eprintln!("wrote {total} messages to {}: {counts:?}", a.out.display());
            Ok(())
        }
        FeedCommand::Scenario(a) => replay(a),
        FeedCommand::Publish(a) => {
            let input = open(&a.feed).map_err(|source| RunError::Io {
                dir: a.feed.clone(),
                source,
            })?;
            let mut pace = scenarios::twin::drive::Pace::new(a.speed);
            let sent = mqtt::publish(&a.mqtt, &a.fleet, input, |line| pace.wait(line))
                .map_err(|e| RunError::Child(e.to_string()))?;
            eprintln!(
                "published {sent} messages to {}:{} under petfleet/{}/",
                a.mqtt.host, a.mqtt.port, a.fleet
            );
            Ok(())
        }
    }
}

/// Runs `petfleet feed scenario`.
fn replay(a: ReplayArgs) -> Result<(), RunError> {
    let data = a.data.map_or(DataSource::Bundled, DataSource::Dir);
    let loaded = scenarios::run::Loaded::new(a.scenario.as_deref(), &data)?;
    let opts = RunOptions {
        scenario: a.scenario.clone(),
        data,
        overrides: a.overrides.read()?,
        ..crate::default_options("")
    };
    let (merged, resolved) = loaded.resolve(&opts)?;
    let input = open(&a.feed).map_err(|e| {
        InputError::at("<command line>", "", None, "FEED")
            .value(a.feed.display().to_string())
            .expected(format!("a readable NDJSON feed ({e})"))
    })?;
    let spec = &resolved.spec;
    let r = scenarios::feed::replay::scenario(
        input,
        &merged.src.text,
        &spec.world.net,
        &spec.fleet,
        &spec.partners,
        resolved.start_date,
    )
    .map_err(RunError::Child)?;
    let io = |source| RunError::Io {
        dir: a.out.clone(),
        source,
    };
    let tmp = a.out.with_extension("partial");
    std::fs::write(&tmp, &r.toml).map_err(io)?;
    std::fs::rename(&tmp, &a.out).map_err(io)?;
    eprintln!(
        "wrote {}: {} bookings, {} incidents, {} of {} vans placed at their first fix; {} lines skipped",
        a.out.display(),
        r.bookings,
        r.incidents,
        r.vans_placed,
        spec.fleet.len(),
        r.skipped.len()
    );
    for (line, why) in r.skipped.iter().take(10) {
        eprintln!("  line {line}: {why}");
    }
    Ok(())
}

fn open(path: &std::path::Path) -> std::io::Result<Box<dyn std::io::BufRead>> {
    Ok(if path == std::path::Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(path)?))
    })
}

/// Runs `petfleet twin`.
pub fn cmd_twin(a: TwinArgs) -> Result<(), RunError> {
    let name = a
        .scenario
        .clone()
        .unwrap_or_else(|| scenarios::catalog::DEFAULT.to_string());
    let out = crate::out_dir(a.out, "twin-", &name);
    let opts = RunOptions {
        scenario: a.scenario,
        out: out.clone(),
        data: a.data.map_or(DataSource::Bundled, DataSource::Dir),
        overrides: a.overrides.read()?,
        ..crate::default_options("")
    };
    let input = match (a.feed, a.mqtt) {
        (Some(f), _) => FeedInput::File(f),
        (None, Some(b)) => FeedInput::Mqtt(b, a.fleet),
        (None, None) => unreachable!("clap requires --feed or --mqtt"),
    };
    let cfg = TwinConfig {
        reorder_window: a.reorder_window,
        match_radius_m: a.match_radius,
        drift_m: a.drift,
        snapshot_every: a.snapshot_every,
    };
    let wants = a.forecast_every.is_some() || !a.forecast_at.is_empty();
    if a.what_if.is_some() && !wants {
        let e = InputError::at("<command line>", "", None, "--what-if").expected(
            "--forecast-every or --forecast-at as well: a what-if runs on the forecasts' forks",
        );
        return Err(e.into());
    }
    if let Some(w) = &a.what_if {
        std::fs::metadata(w).map_err(|e| {
            InputError::at("<command line>", "", None, "--what-if")
                .value(w.display().to_string())
                .expected(format!("a readable overlay TOML file ({e})"))
        })?;
    }
    let forecast = wants.then(|| ForecastConfig {
        every: a.forecast_every,
        at: a.forecast_at,
        horizon: a.horizon,
        seeds: (1..=a.seeds).collect(),
        what_if: a.what_if,
    });
    let req = TwinRequest {
        opts,
        input,
        cfg,
        fixes: a.fixes,
        speed: a.speed,
        forecast,
    };
    let summary = run_twin(&req)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).unwrap_or_default()
    );
    println!("files in {}", out.display());
    Ok(())
}
