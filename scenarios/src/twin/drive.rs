//! Runs a twin: loads the fleet's scenario (network, vans, first day), reads the feed from
//! a file, stdin or an MQTT broker, and writes the mirror's files.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use sim_core::time::SimTime;

use super::forecast::{self, ForecastConfig};
use super::fork;
use super::out::TwinOutputs;
use super::{Flow, Origin, Twin, TwinConfig};
use crate::error::InputError;
use crate::feed::mqtt::{self, Broker};
use crate::feed::FeedClock;
use crate::run::{Loaded, RunError, RunOptions};

/// Where the feed comes from.
#[derive(Clone, Debug)]
pub enum FeedInput {
    /// An NDJSON file (`-`: stdin).
    File(PathBuf),
    /// An MQTT broker, and the fleet's name in its topics.
    Mqtt(Broker, String),
}

/// A twin run.
#[derive(Clone, Debug)]
pub struct TwinRequest {
    /// The fleet's scenario (its network, vans and first day), with any overrides.
    pub opts: RunOptions,
    /// The feed.
    pub input: FeedInput,
    /// How to read it.
    pub cfg: TwinConfig,
    /// Also write `twin_fixes.csv`.
    pub fixes: bool,
    /// Feed time per wall second for a file (`None`: as fast as possible).
    pub speed: Option<f64>,
    /// Forecasts, if any.
    pub forecast: Option<ForecastConfig>,
}

/// Runs the forecasts as the feed reaches their times.
struct Forecaster<'a> {
    cfg: &'a ForecastConfig,
    loaded: &'a mut Loaded,
    opts: &'a RunOptions,
    base: String,
    homes: Vec<(Option<usize>, sim_core::ids::NodeId)>,
    scratch: PathBuf,
    made: u64,
}

impl Forecaster<'_> {
    /// Runs every forecast whose time the feed has passed.
    fn step(&mut self, twin: &mut Twin<'_>) -> Result<(), RunError> {
        let io = |source| RunError::Io {
            dir: self.opts.out.clone(),
            source,
        };
        while let Some(t) = twin.due() {
            twin.catch_up().map_err(io)?;
            let fork = fork::fork(twin, &self.base, &self.homes, t, self.cfg.horizon)
                .map_err(|e| RunError::Child(format!("forking the scenario: {e}")))?;
            let runs = self.cfg.seeds.len();
            let base = forecast::run(self.loaded, self.opts, &fork, self.cfg, None, &self.scratch)?;
            forecast::write(twin, t, "base", &base, runs).map_err(io)?;
            if let Some(overlay) = &self.cfg.what_if {
                let what_if = forecast::run(
                    self.loaded,
                    self.opts,
                    &fork,
                    self.cfg,
                    Some(overlay),
                    &self.scratch,
                )?;
                forecast::write(twin, t, "what_if", &what_if, runs).map_err(io)?;
                forecast::write_diffs(twin, t, &base, &what_if).map_err(io)?;
            }
            self.made += 1;
            twin.hold_at(self.cfg.next_after(Some(t)));
        }
        Ok(())
    }
}

/// Keeps a feed to `speed` times real time: each message waits until its time, counted
/// from the first message's, has come.
pub struct Pace {
    speed: Option<f64>,
    clock: FeedClock,
    start: Option<(Instant, SimTime)>,
}

impl Pace {
    /// At `speed` feed seconds per wall second (`None`: no waiting).
    pub fn new(speed: Option<f64>) -> Pace {
        let epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
        Pace {
            speed,
            clock: FeedClock::new(epoch),
            start: None,
        }
    }

    /// Waits until the message `line` is due (at once if it has no readable time).
    pub fn wait(&mut self, line: &str) {
        let Some(speed) = self.speed else { return };
        let Some(at) = crate::feed::parse(line)
            .ok()
            .and_then(|m| self.clock.parse(&m.time).ok())
        else {
            return;
        };
        let (wall0, feed0) = *self.start.get_or_insert((Instant::now(), at));
        let due_s = at.as_ms().saturating_sub(feed0.as_ms()) as f64 / 1000.0 / speed;
        let due = wall0 + std::time::Duration::from_secs_f64(due_s);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

/// Runs the twin until the feed ends (its `end` message, or the end of the file) and
/// returns the summary written to `twin.json`.
pub fn run_twin(req: &TwinRequest) -> Result<serde_json::Value, RunError> {
    let mut loaded = Loaded::new(req.opts.scenario.as_deref(), &req.opts.data)?;
    let (merged, resolved) = loaded.resolve(&req.opts)?;
    let io = |source| RunError::Io {
        dir: req.opts.out.clone(),
        source,
    };
    if let FeedInput::File(path) = &req.input {
        if path != std::path::Path::new("-") {
            std::fs::File::open(path).map_err(|e| {
                InputError::at("<command line>", "", None, "--feed")
                    .value(path.display().to_string())
                    .expected(format!("a readable NDJSON feed ({e})"))
            })?;
        }
    }
    let fc = req.forecast.as_ref();
    let extra = [
        req.fixes,
        fc.is_some(),
        fc.is_some_and(|f| f.what_if.is_some()),
    ];
    let outputs = TwinOutputs::create(&req.opts.out, extra).map_err(io)?;
    let net = &resolved.spec.world.net;
    let vans = resolved.spec.fleet.len();
    let mut twin = Twin::new(net, vans, resolved.start_date, req.cfg.clone(), outputs);
    let mut forecaster = fc.map(|cfg| Forecaster {
        cfg,
        homes: fork::homes(&merged.src.text, &resolved.spec.fleet),
        base: merged.src.text.clone(),
        loaded: &mut loaded,
        opts: &req.opts,
        scratch: req.opts.out.join(".forecast-runs"),
        made: 0,
    });
    twin.hold_at(fc.and_then(|c| c.next_after(None)));
    let mut pace = Pace::new(req.speed);
    match &req.input {
        FeedInput::File(path) => from_file(&mut twin, path, &mut pace, &mut forecaster)?,
        FeedInput::Mqtt(broker, fleet) => from_mqtt(&mut twin, broker, fleet, &mut forecaster)?,
    }
    twin.end_of_feed();
    if let Some(f) = &mut forecaster {
        f.step(&mut twin)?;
        twin.annotate("forecasts", serde_json::json!(f.made));
        let _ = std::fs::remove_dir_all(&f.scratch);
    }
    twin.finish(&req.opts.out).map_err(io)
}

fn from_file(
    twin: &mut Twin<'_>,
    path: &std::path::Path,
    pace: &mut Pace,
    fc: &mut Option<Forecaster<'_>>,
) -> Result<(), RunError> {
    let io = |source| RunError::Io {
        dir: path.to_path_buf(),
        source,
    };
    let input: Box<dyn BufRead> = if path == std::path::Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(path).map_err(io)?,
        ))
    };
    let mut number = 0;
    for line in input.split(b'\n') {
        let line = line.map_err(io)?;
        number += 1;
        let text = String::from_utf8_lossy(&line);
        pace.wait(&text);
        let flow = twin
            .offer(Origin::Line(number), &text, &mut |_| {})
            .map_err(io)?;
        if let Some(f) = fc {
            f.step(twin)?;
        }
        if flow == Flow::End {
            break;
        }
    }
    Ok(())
}

fn from_mqtt(
    twin: &mut Twin<'_>,
    broker: &Broker,
    fleet: &str,
    fc: &mut Option<Forecaster<'_>>,
) -> Result<(), RunError> {
    let mut count = 0;
    let mut failed = None;
    let ready = || {
        eprintln!(
            "twin: subscribed to petfleet/{fleet}/# on {}:{}",
            broker.host, broker.port
        )
    };
    let handled = mqtt::subscribe(broker, fleet, ready, |topic, payload| {
        count += 1;
        let text = String::from_utf8_lossy(payload);
        let flow = twin.offer(Origin::Topic(topic.to_string(), count), &text, &mut |_| {});
        let stepped = match (flow, fc.as_mut()) {
            (Ok(flow), Some(f)) => f.step(twin).map(|()| flow),
            (Ok(flow), None) => Ok(flow),
            (Err(source), _) => Err(RunError::Io {
                dir: PathBuf::from("."),
                source,
            }),
        };
        match stepped {
            Ok(flow) => flow == Flow::More,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    handled.map_err(|e| RunError::Child(e.to_string()))
}
