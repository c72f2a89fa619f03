//! `petfleet reproduce DIR --at TIME [--vehicle V | --booking B] [--verify]`: re-runs a
//! recorded run from its manifest (refused when the data, the scenario or the program's
//! version differ), stops at TIME and shows a van there: what it is doing, the messages it
//! last received and the events it last emitted (its reroute decisions among them). With
//! `--verify` the run then goes on to its end and its trace hash is compared with the
//! manifest's.

use std::collections::VecDeque;
use std::path::PathBuf;

use sim_core::actors::{Customer, Msg, Vehicle};
use sim_core::engine::{ObserveError, Observer};
use sim_core::event::Event;
use sim_core::ids::{ActorId, BookingId};
use sim_core::time::{SimDuration, SimTime};

use crate::error::InputError;
use crate::inspect::{clock, van_lines};
use crate::reopen::reopen;
use crate::run::{DataSource, Live, RunError};

/// Whom to show.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    /// A van, by id.
    Vehicle(u32),
    /// A booking, by id: the van carrying it or about to.
    Booking(u32),
}

/// What to reproduce.
#[derive(Clone, Debug)]
pub struct Request {
    /// The run's directory.
    pub dir: PathBuf,
    /// Where to stop.
    pub at: SimTime,
    /// Whom to show.
    pub subject: Option<Subject>,
    /// Go on to the end and compare the trace hash.
    pub verify: bool,
    /// The data the run was made with.
    pub data: DataSource,
    /// Also write every message and event within this long of `at` (before and after),
    /// in the columns of `events.csv`, to this file.
    pub events: Option<(PathBuf, SimDuration)>,
}

/// The events of a window around the time stood at, as `events.csv` rows.
struct Window {
    from: SimTime,
    to: SimTime,
    clock: crate::output::Clock,
    tmp: PathBuf,
    out: csv::Writer<std::io::BufWriter<std::fs::File>>,
    rows: u64,
}

impl Window {
    fn row(
        &mut self,
        at: SimTime,
        seq: Option<u64>,
        stream: &str,
        kind: &str,
        actor: ActorId,
        detail: &str,
    ) -> Result<(), ObserveError> {
        if at < self.from || at > self.to {
            return Ok(());
        }
        self.rows += 1;
        let seq = seq.map_or(String::new(), |s| s.to_string());
        let row = [
            &self.clock.format(at),
            &at.as_ms().to_string(),
            &seq,
            stream,
            kind,
            &actor.to_string(),
            detail,
        ];
        self.out
            .write_record(row)
            .map_err(|e| Box::new(e) as ObserveError)
    }
}

/// Lines kept of a watched actor's messages and events.
const KEEP: usize = 12;

/// Watches one actor: the last messages it received and the events it emitted.
#[derive(Default)]
struct Watch {
    actor: Option<ActorId>,
    messages: VecDeque<String>,
    events: VecDeque<String>,
    window: Option<Window>,
}

fn keep(q: &mut VecDeque<String>, line: String) {
    if q.len() == KEEP {
        q.pop_front();
    }
    q.push_back(line);
}

impl Observer<Msg, Event> for Watch {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &Event) -> Result<(), ObserveError> {
        if let Some(w) = &mut self.window {
            w.row(
                at,
                None,
                "event",
                event.kind(),
                from,
                &crate::output::event_detail(event),
            )?;
        }
        // GPS fixes are every 30 s: the decisions are the other events.
        if Some(from) == self.actor && !matches!(event, Event::Position(_)) {
            let detail = crate::output::event_detail(event);
            keep(
                &mut self.events,
                format!("{} {} {detail}", clock(at), event.kind()),
            );
        }
        Ok(())
    }

    fn wants_deliveries(&self) -> bool {
        self.actor.is_some() || self.window.is_some()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        _seq: u64,
        to: ActorId,
        msg: &Msg,
    ) -> Result<(), ObserveError> {
        if let Some(w) = &mut self.window {
            w.row(at, Some(_seq), "msg", msg.kind(), to, &msg.detail())?;
        }
        if Some(to) == self.actor {
            keep(
                &mut self.messages,
                format!("{} {} {}", clock(at), msg.kind(), msg.detail()),
            );
        }
        Ok(())
    }
}

/// Reproduces the run and returns what to print.
pub fn reproduce(r: &Request) -> Result<Vec<String>, RunError> {
    let run = reopen(&r.dir, &r.data)?;
    let manifest_file = r.dir.join("manifest.json").display().to_string();
    let version = run.manifest["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if version != env!("CARGO_PKG_VERSION") {
        let e = InputError::at(&manifest_file, "", None, "version").value(version);
        return Err(e
            .expected(format!(
                "{}, this program's version (another version may run differently)",
                env!("CARGO_PKG_VERSION")
            ))
            .into());
    }
    let mut live = Live::start(&run.loaded, &run.opts, |_| Watch::default(), false)?;
    let van = match r.subject {
        Some(Subject::Vehicle(v)) => Some(v),
        _ => None,
    };
    live.viewer().actor = van.and_then(|v| live.layout.vehicles.get(v as usize).copied());
    let from = (r.events.as_ref()).map(|(_, w)| SimTime(r.at.as_ms().saturating_sub(w.as_ms())));
    let prefix = check_prefix(&mut live, &run.manifest, from.unwrap_or(r.at))?;
    if let (Some((path, width)), Some(from)) = (&r.events, from) {
        live.step_until(from)?;
        let window = open_window(path, from, r.at + *width, run.resolved.start_date)?;
        live.viewer().window = Some(window);
    }
    live.step_until(r.at)?;
    let mut lines = vec![format!(
        "{}: {} (seed {}) re-run to {}: {} messages delivered, trace hash so far {:016x}",
        r.dir.display(),
        run.resolved.scenario.name,
        run.resolved.spec.seed,
        clock(live.sim.time()),
        live.sim.delivered(),
        live.sim.trace_hash()
    )];
    lines.push(prefix);
    lines.extend(subject_lines(&mut live, r.subject));
    if let Some((path, _)) = &r.events {
        lines.push(close_window(&mut live, path)?);
    }
    if r.verify {
        lines.push(verify(live, &run.manifest)?);
    }
    Ok(lines)
}

/// Steps to the manifest's last trace-hash checkpoint at or before `by` and compares the
/// hash there with the recorded one.
fn check_prefix(
    live: &mut Live<'_, Watch>,
    manifest: &serde_json::Value,
    by: SimTime,
) -> Result<String, RunError> {
    let checkpoints = manifest["trace_checkpoints"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = (checkpoints.iter())
        .filter_map(|c| {
            Some((
                SimTime(c["time_ms"].as_u64()?),
                c["trace_hash"].as_str()?.to_string(),
            ))
        })
        .rfind(|(t, _)| *t <= by);
    let Some((t, recorded)) = last else {
        return Ok(format!(
            "prefix: no trace-hash checkpoint recorded by {} (record the run with --record)",
            clock(by)
        ));
    };
    live.step_until(t)?;
    let hash = format!("{:016x}", live.sim.trace_hash());
    Ok(if hash == recorded {
        format!(
            "prefix verified: the trace hash at {} is the recorded {hash}",
            clock(t)
        )
    } else {
        format!(
            "prefix DIFFERS: the trace hash at {} is {hash}, the recorded one {recorded}",
            clock(t)
        )
    })
}

/// Starts `path` (as `path.partial`) for the rows from `from` to `to`.
fn open_window(
    path: &std::path::Path,
    from: SimTime,
    to: SimTime,
    start: chrono::NaiveDate,
) -> Result<Window, RunError> {
    let io = |source| RunError::Io {
        dir: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("partial");
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
    out.write_record([
        "time", "time_ms", "seq", "stream", "kind", "actor", "detail",
    ])
    .map_err(|e| io(std::io::Error::other(e)))?;
    Ok(Window {
        from,
        to,
        clock: crate::output::Clock::new(start),
        tmp,
        out,
        rows: 0,
    })
}

/// Runs to the window's end and writes its file.
fn close_window(live: &mut Live<'_, Watch>, path: &std::path::Path) -> Result<String, RunError> {
    let to = live
        .viewer()
        .window
        .as_ref()
        .map_or(SimTime::ZERO, |w| w.to);
    live.step_until(to.min(live.sim.until()))?;
    let w = live.viewer().window.take().expect("opened");
    let io = |source| RunError::Io {
        dir: path.to_path_buf(),
        source,
    };
    let mut out = w.out;
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&w.tmp, path).map_err(io)?;
    Ok(format!(
        "wrote {} messages and events from {} to {} to {}",
        w.rows,
        clock(w.from),
        clock(w.to),
        path.display()
    ))
}

fn subject_lines(live: &mut Live<'_, Watch>, subject: Option<Subject>) -> Vec<String> {
    let now = live.sim.time();
    let world = live.resolved().spec.world.clone();
    let van = match subject {
        None => return Vec::new(),
        Some(Subject::Vehicle(v)) => Some(v),
        Some(Subject::Booking(b)) => van_of(live, BookingId(b)),
    };
    let Some(v) = van else {
        return match subject {
            Some(Subject::Booking(b)) => booking_lines(live, BookingId(b)),
            _ => Vec::new(),
        };
    };
    let mut lines = van_lines(&live.sim, &live.layout, &world, v, now);
    let watch = live.viewer();
    if watch.actor.is_some() {
        lines.push(format!(
            "last {} messages it received:",
            watch.messages.len()
        ));
        lines.extend(watch.messages.iter().map(|m| format!("  {m}")));
        lines.push(format!(
            "last {} events it emitted (GPS fixes aside):",
            watch.events.len()
        ));
        lines.extend(watch.events.iter().map(|m| format!("  {m}")));
    }
    lines
}

/// A booking no van holds: as its household knows it, or why there is none.
fn booking_lines(live: &Live<'_, Watch>, b: BookingId) -> Vec<String> {
    let view = (live.layout.customers.iter()).find_map(|&a| {
        live.sim
            .actor::<Customer>(a)?
            .booking_view()
            .filter(|v| v.booking == b)
    });
    let Some(v) = view else {
        return vec![format!(
            "booking B{}: not under way (not yet made, or closed: see bookings.csv)",
            b.0
        )];
    };
    let quoted = v
        .quoted_won
        .map_or("not yet".to_string(), |w| format!("{w} won"));
    vec![
        format!(
            "booking B{}: {}; no van has it aboard or planned",
            b.0, v.phase
        ),
        format!(
            "  made {}, pickup from {}",
            clock(v.requested_at),
            clock(v.pickup_after)
        ),
        format!("  quoted {quoted}, {} re-quotes", v.requotes),
    ]
}

/// The van carrying booking `b`, or with it in its plan, at the time stood at.
fn van_of(live: &Live<'_, Watch>, b: BookingId) -> Option<u32> {
    let now = live.sim.time();
    (live.layout.vehicles.iter().enumerate()).find_map(|(i, &a)| {
        let s = live.sim.actor::<Vehicle>(a)?.snapshot(now);
        let has = s.aboard.iter().any(|r| r.booking == b) || s.plan.iter().any(|(pb, ..)| *pb == b);
        has.then_some(i as u32)
    })
}

/// Runs on to the end and compares the trace hash with the manifest's.
fn verify(mut live: Live<'_, Watch>, manifest: &serde_json::Value) -> Result<String, RunError> {
    let until = live.sim.until();
    live.step_until(until)?;
    let hash = format!("{:016x}", live.sim.trace_hash());
    let recorded = manifest["trace_hash"].as_str().unwrap_or_default();
    Ok(if hash == recorded {
        format!("verified: the whole run's trace hash {hash} is the recorded one")
    } else {
        format!("DIFFERS: the whole run's trace hash is {hash}, the recorded one {recorded}")
    })
}
