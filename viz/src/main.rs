//! `petfleet-viz`: watch a scenario live, or replay and compare recorded runs.
//!
//! ```text
//! petfleet-viz run [NAME|FILE] [--seed N] [--speed 600] [--set PATH=VALUE] [--out DIR]
//! petfleet-viz replay DIR [--compare DIR2]
//! common: [--screenshot FILE.png --at HH:MM --exit] [--bench-frames N] [--windowless]
//! ```
//!
//! Exit codes: 0 done, 1 failure (no Vulkan device, a run error), 2 bad input, 3 a live
//! run broke an invariant (its outputs are written, as `petfleet run` does).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Args, Parser, Subcommand};
use petfleet_viz::app::{self, Options};
use petfleet_viz::source::{self, Source};
use scenarios::overrides::Overrides;
use scenarios::run::{DataSource, RunError, RunOptions};
use sim_core::engine::Host;
use sim_core::time::SimTime;

#[derive(Parser, Debug)]
#[command(
    name = "petfleet-viz",
    version,
    about = "PetFleet Twin visualizer: watch a scenario live, replay and compare recorded runs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario live (the same run `petfleet run` makes with the same seed).
    Run(RunArgs),
    /// Replay a run recorded with `petfleet run --record --out DIR`.
    Replay(ReplayArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Catalogue name or TOML file [default: seoul-busan-accident].
    scenario: Option<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Stop time (`HH:MM`, `d2 08:00`, or a duration such as `36h`).
    #[arg(long, value_parser = parse_until_arg)]
    until: Option<SimTime>,
    /// Write the run's outputs here (the files `petfleet run` writes).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read data from this directory instead of the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Set one scenario field, `PATH=VALUE` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Merge a TOML file into the scenario (repeatable).
    #[arg(long = "overlay", value_name = "FILE")]
    overlays: Vec<PathBuf>,
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(Args, Debug)]
struct ReplayArgs {
    /// A run's output directory, recorded with `petfleet run --record`.
    dir: PathBuf,
    /// A second run of the same scenario, drawn as ghosts with its KPIs beside.
    #[arg(long)]
    compare: Option<PathBuf>,
    /// The data directory the runs were made with, if not the bundled copy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Time N seeks at times all over the run, print the figures and exit (no window).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bench_seek: Option<u32>,
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(Args, Debug)]
struct ViewArgs {
    /// Simulated seconds per second (1 to 3600).
    #[arg(long, default_value_t = 600.0, value_parser = parse_speed)]
    speed: f64,
    /// Save a PNG screenshot once the clock reaches `--at` (renders windowless).
    #[arg(long, requires = "at")]
    screenshot: Option<PathBuf>,
    /// Go to this time of day first (`HH:MM`, `d2 08:00`).
    #[arg(long, value_parser = parse_until_arg)]
    at: Option<SimTime>,
    /// Exit after the screenshot, or when the run ends.
    #[arg(long)]
    exit: bool,
    /// Render N frames (after `--at`, if given), print frames per second, exit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    bench_frames: Option<u32>,
    /// Render into an image instead of a window (no display needed).
    #[arg(long)]
    windowless: bool,
    /// Window or image size, `WIDTHxHEIGHT`.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    /// Start paused.
    #[arg(long)]
    paused: bool,
    /// Select this van at the start (its panel shows; useful with --screenshot).
    #[arg(long, value_name = "VAN")]
    select: Option<u32>,
}

fn parse_until_arg(s: &str) -> Result<SimTime, String> {
    scenarios::units::parse_until(s).ok_or_else(|| {
        format!(
            "{s:?} is not a time; expected HH:MM (e.g. 10:45, `d2 08:00`) or a duration (e.g. 36h)"
        )
    })
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (1.0..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a speed; expected simulated seconds per second from 1 to 3600"
        )),
    }
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad =
        || format!("{s:?} is not a size; expected WIDTHxHEIGHT, each 64 to 8192 (e.g. 1280x720)");
    let (w, h) = s.split_once('x').ok_or_else(bad)?;
    let (w, h) = (
        w.parse::<u32>().map_err(|_| bad())?,
        h.parse::<u32>().map_err(|_| bad())?,
    );
    if (64..=8192).contains(&w) && (64..=8192).contains(&h) {
        Ok((w, h))
    } else {
        Err(bad())
    }
}

impl ViewArgs {
    fn options(&self) -> Options {
        Options {
            speed: self.speed,
            windowless: self.windowless
                || self.screenshot.is_some()
                || (self.bench_frames.is_some() && no_display()),
            size: self.size,
            screenshot: self.screenshot.clone(),
            at: self.at,
            exit: self.exit,
            bench_frames: self.bench_frames,
            select: self.select,
            // A screenshot shows the time asked for: the clock stops there.
            paused: self.paused || self.screenshot.is_some(),
        }
    }
}

fn no_display() -> bool {
    std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none()
}

fn data_source(d: &Option<PathBuf>) -> DataSource {
    d.clone().map_or(DataSource::Bundled, DataSource::Dir)
}

/// The exit code of an error: 2 for bad input, 3 for broken invariants, 1 otherwise.
fn code(e: &anyhow::Error) -> ExitCode {
    match e.downcast_ref::<RunError>() {
        Some(RunError::Input(_)) => ExitCode::from(2),
        Some(RunError::Invariant(_)) => ExitCode::from(3),
        _ if e.downcast_ref::<scenarios::error::InputError>().is_some() => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = std::time::Instant::now();
    let (loaded, view) = match &cli.command {
        Command::Run(a) => (start_live(a), &a.view),
        Command::Replay(a) => (
            source::replay(&a.dir, a.compare.as_deref(), &data_source(&a.data)),
            &a.view,
        ),
    };
    let (source, scene) = match loaded {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e:#}");
            return code(&e);
        }
    };
    if let Command::Replay(ReplayArgs {
        bench_seek: Some(n),
        ..
    }) = &cli.command
    {
        return bench_seek(&source, *n, started.elapsed().as_secs_f64());
    }
    if let Err(why) = vulkan_check(&view.options()) {
        eprintln!("error: {why}");
        return ExitCode::from(1);
    }
    let shared = Arc::new(Mutex::new(source));
    let outcome = app::run(shared.clone(), scene, view.options());
    let source = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().unwrap_or_else(|p| p.into_inner()),
        Err(_) => {
            eprintln!("error: the app kept the run after it exited");
            return ExitCode::from(1);
        }
    };
    finish(source, outcome.failed)
}

/// Prints how long `n` seeks took (and the load), for `--bench-seek`.
fn bench_seek(source: &Source, n: u32, load_s: f64) -> ExitCode {
    let Some(ms) = source.seek_times(n) else {
        return ExitCode::from(2);
    };
    let q = |f: f64| ms[((ms.len() - 1) as f64 * f).round() as usize];
    println!(
        "bench-seek: loaded in {load_s:.2} s; {n} seeks over d1 00:00..{}: min {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        source::clock(source.end()),
        q(0.0),
        q(0.5),
        q(0.95),
        q(1.0)
    );
    ExitCode::SUCCESS
}

fn start_live(a: &RunArgs) -> anyhow::Result<(Source, source::Scene)> {
    let out = a.out.clone();
    let opts = RunOptions {
        scenario: a.scenario.clone(),
        seed: a.seed,
        until: a.until,
        out: out.clone().unwrap_or_default(),
        host: Host::Reference,
        trace: false,
        record: out.is_some(),
        data: data_source(&a.data),
        scale: None,
        overrides: Overrides::new(a.sets.clone(), &a.overlays).map_err(RunError::from)?,
    };
    source::live(&opts, out.is_some())
}

/// Ends the run: a live run with `--out` writes its outputs (as `petfleet run` would from
/// where the run stood) and reports its invariants.
fn finish(source: Source, failed: Option<String>) -> ExitCode {
    if let Some(why) = failed {
        eprintln!("error: {why}");
        return ExitCode::from(1);
    }
    match source.finish() {
        Ok(Some(summary)) => {
            println!(
                "trace hash {:016x}; {} files written",
                summary.trace_hash,
                summary.files.len()
            );
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            code(&e)
        }
    }
}

/// Rendering without a window needs a Vulkan device (a GPU, or Mesa's lavapipe on the CPU:
/// Debian's `mesa-vulkan-drivers libvulkan1`); say so plainly rather than let wgpu panic.
fn vulkan_check(opts: &Options) -> Result<(), String> {
    if !opts.windowless {
        return Ok(());
    }
    let icd_dirs = [
        "/usr/share/vulkan/icd.d",
        "/etc/vulkan/icd.d",
        "/usr/local/share/vulkan/icd.d",
    ];
    let has_icd = std::env::var_os("VK_ICD_FILENAMES").is_some()
        || std::env::var_os("VK_DRIVER_FILES").is_some()
        || icd_dirs
            .iter()
            .any(|d| std::fs::read_dir(d).is_ok_and(|mut r| r.next().is_some()));
    if has_icd {
        Ok(())
    } else {
        Err("no Vulkan driver found (no ICD in /usr/share/vulkan/icd.d): install a GPU driver, or Mesa's software one: apt-get install mesa-vulkan-drivers libvulkan1".into())
    }
}
