//! What the visualizer shows, live or replayed, with no rendering: the map's scene (the
//! network, partners, labels), the vans (position, state, alerts) and the HUD's tally at the
//! time shown, a van's panel, congestion. The Bevy side only draws what this answers and
//! turns the user's input into calls here, so everything here is tested without a GPU.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use scenarios::error::InputError;
use scenarios::inspect::van_lines;
pub use scenarios::inspect::{clock, roads, thousands};
use scenarios::reopen::reopen;
use scenarios::run::{depots, DataSource, Live, Loaded, RunError, RunOptions, RunSummary};
use scenarios::scenario::Resolved;
use scenarios::timeline;
use sim_core::actors::{PartnerKind, Vehicle};
use sim_core::engine::Host;
use sim_core::event::VanState;
use sim_core::ids::VehicleId;
use sim_core::time::{SimDuration, SimTime};
use sim_core::view::replay::{Player, Replay};
use sim_core::view::Tally;
use sim_core::world::World;

/// A replay's checkpoint period: a seek applies at most this much of the run.
pub const CHECKPOINT_EVERY: SimDuration = SimDuration(5 * 60_000);

/// A van as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VanDot {
    /// Its id.
    pub vehicle: u32,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Its state.
    pub state: VanState,
    /// A pet aboard has an open welfare alert (`Some(true)`: critical).
    pub alert: Option<bool>,
}

/// The static part of the picture: the network and what stands on it.
pub struct Scene {
    /// The road network.
    pub world: Arc<World>,
    /// Partners: where, what, name.
    pub partners: Vec<(f64, f64, PartnerKind, String)>,
    /// The scenario's name.
    pub name: String,
    /// The run's first day, `YYYY-MM-DD`.
    pub start_date: String,
}

impl Scene {
    fn of(resolved: &Resolved) -> Scene {
        let spec = &resolved.spec;
        let net = &spec.world.net;
        let partners = (spec.partners.iter())
            .map(|p| {
                let pt = net.node(p.node).point;
                (pt.y(), pt.x(), p.kind, p.name.clone())
            })
            .collect();
        Scene {
            world: spec.world.clone(),
            partners,
            name: resolved.scenario.name.clone(),
            start_date: resolved.start_date.to_string(),
        }
    }
}

/// A live run stepped by the visualizer.
pub struct LiveSource {
    live: Live<'static, Tally>,
}

/// A recorded run (and maybe a second one to compare), played back.
pub struct ReplaySource {
    replay: Replay,
    player: Player,
    /// The compared run: its replay, its player, its label.
    ghost: Option<(Replay, Player, String)>,
}

/// Where the pictures come from.
pub enum Source {
    /// A run stepped as the frames go.
    Live(Box<LiveSource>),
    /// A recorded run.
    Replay(Box<ReplaySource>),
}

/// Starts `opts`' scenario live. Outputs are written to `opts.out` when `write` (the same
/// files `petfleet run` writes).
pub fn live(opts: &RunOptions, write: bool) -> Result<(Source, Scene)> {
    let loaded: &'static Loaded =
        Box::leak(Box::new(Loaded::new(opts.scenario.as_deref(), &opts.data)?));
    let mut opts = opts.clone();
    opts.host = Host::Reference;
    let live = Live::start(loaded, &opts, |r| Tally::new(&depots(&r.spec)), write)?;
    let scene = Scene::of(live.resolved());
    Ok((Source::Live(Box::new(LiveSource { live })), scene))
}

/// A recorded run: the scenario it ran, resolved as its manifest says, and its timeline.
fn recorded(dir: &Path, data: &DataSource) -> Result<(Resolved, timeline::Recorded)> {
    let run = reopen(dir, data)?;
    let rec = timeline::read(&dir.join("timeline.csv")).map_err(RunError::Input)?;
    Ok((run.resolved, rec))
}

/// Opens the run recorded in `dir` (and `compare`, a run of the same scenario on the same
/// data, as ghosts).
pub fn replay(dir: &Path, compare: Option<&Path>, data: &DataSource) -> Result<(Source, Scene)> {
    let (resolved, rec) = recorded(dir, data)?;
    let scene = Scene::of(&resolved);
    let replay = Replay::new(rec.start, rec.happenings, rec.end, CHECKPOINT_EVERY);
    let ghost = match compare {
        Some(d) => {
            let (other, rec) = recorded(d, data)?;
            if other.scenario.name != resolved.scenario.name {
                let e = InputError::at(&d.join("manifest.json").display().to_string(), "", None, "scenario")
                    .value(other.scenario.name.clone())
                    .expected(format!("a run of `{}`, the replayed run's scenario (--compare shows two runs of one scenario)", resolved.scenario.name));
                return Err(RunError::Input(e).into());
            }
            let r = Replay::new(rec.start, rec.happenings, rec.end, CHECKPOINT_EVERY);
            let p = r.player();
            Some((r, p, d.display().to_string()))
        }
        None => None,
    };
    let player = replay.player();
    Ok((
        Source::Replay(Box::new(ReplaySource {
            replay,
            player,
            ghost,
        })),
        scene,
    ))
}

impl Source {
    /// The time shown.
    pub fn time(&self) -> SimTime {
        match self {
            Source::Live(l) => l.live.sim.time(),
            Source::Replay(r) => r.player.tally.now,
        }
    }

    /// The run's end.
    pub fn end(&self) -> SimTime {
        match self {
            Source::Live(l) => l.live.sim.until(),
            Source::Replay(r) => r.replay.end(),
        }
    }

    /// Whether the time can go back (a replay can; a live run cannot).
    pub fn seekable(&self) -> bool {
        matches!(self, Source::Replay(_))
    }

    /// Goes to `t` (capped at the end); a live run only goes forward.
    pub fn go_to(&mut self, t: SimTime) -> Result<()> {
        let t = t.min(self.end());
        match self {
            Source::Live(l) => {
                l.live.step_until(t)?;
                // The tally stands where the run stands (its chart samples up to there).
                l.live.viewer().advance(t);
                Ok(())
            }
            Source::Replay(r) => {
                r.replay.play(&mut r.player, t);
                if let Some((g, p, _)) = &mut r.ghost {
                    g.play(p, t.min(g.end()));
                }
                Ok(())
            }
        }
    }

    /// When the next thing happens after the time shown (a single step goes there).
    pub fn next_due(&mut self) -> Option<SimTime> {
        match self {
            Source::Live(l) => l.live.sim.next_due().map(|t| t + SimDuration(1)),
            Source::Replay(r) => r.replay.next_after(&r.player).map(|t| t + SimDuration(1)),
        }
    }

    /// The HUD's tally at the time shown.
    pub fn tally(&self) -> &Tally {
        match self {
            Source::Live(l) => &l.live.sim.observer().1 .1,
            Source::Replay(r) => &r.player.tally,
        }
    }

    /// The compared run's tally and label, if comparing.
    pub fn ghost_tally(&self) -> Option<(&Tally, &str)> {
        match self {
            Source::Replay(r) => r.ghost.as_ref().map(|(_, p, l)| (&p.tally, l.as_str())),
            Source::Live(_) => None,
        }
    }

    /// Every van where it is at the time shown.
    pub fn vans(&self) -> Vec<VanDot> {
        let tally = self.tally();
        let alerts = tally.vans_alerting();
        let now = self.time();
        let dot = |vehicle: u32, (lat, lon): (f64, f64), state: VanState| VanDot {
            vehicle,
            lat,
            lon,
            state,
            alert: alerts.get(&VehicleId(vehicle)).copied(),
        };
        match self {
            Source::Live(l) => (l.live.layout.vehicles.iter().enumerate())
                .filter_map(|(i, &a)| l.live.sim.actor::<Vehicle>(a).map(|v| (i, v.locate(now))))
                .map(|(i, (lat, lon, state))| dot(i as u32, (lat, lon), state))
                .collect(),
            Source::Replay(r) => ghost_dots(&r.replay, &r.player, now, &alerts),
        }
    }

    /// The compared run's vans (ghosts), if comparing.
    pub fn ghosts(&self) -> Vec<VanDot> {
        match self {
            Source::Replay(r) => match &r.ghost {
                Some((g, p, _)) => ghost_dots(g, p, p.tally.now, &p.tally.vans_alerting()),
                None => Vec::new(),
            },
            Source::Live(_) => Vec::new(),
        }
    }

    /// Speed in force over free-flow speed, per edge (live runs: traffic's latest table).
    pub fn congestion(&self) -> Option<Vec<f32>> {
        let Source::Live(l) = self else { return None };
        let first = *l.live.layout.vehicles.first()?;
        let table = l.live.sim.actor::<Vehicle>(first)?.speeds();
        let net = &l.live.resolved().spec.world.net;
        let ratio = |e: &sim_core::world::Edge| {
            (table.speed_mps[e.id.index()] * 3.6 / e.speed_kmh.max(1.0)) as f32
        };
        Some(net.edges().iter().map(ratio).collect())
    }

    /// The lines of van `vehicle`'s panel.
    pub fn panel(&self, vehicle: u32, scene: &Scene) -> Vec<String> {
        let now = self.time();
        match self {
            Source::Live(l) => live_panel(l, vehicle, scene, now),
            Source::Replay(r) => replay_panel(r, vehicle, now),
        }
    }

    /// Closes the road ahead of van `vehicle` for 30 minutes (live runs: a user's action,
    /// injected as a message); what was closed, or why nothing was.
    pub fn close_road_ahead(&mut self, vehicle: u32, scene: &Scene) -> Result<String> {
        let Source::Live(l) = self else {
            return Ok("a replay cannot be changed: close roads in a live run".into());
        };
        let now = l.live.sim.time();
        let Some(v) = (l.live.layout.vehicles.get(vehicle as usize))
            .and_then(|&a| l.live.sim.actor::<Vehicle>(a))
        else {
            return Ok(format!("no van {vehicle}"));
        };
        let route = v.snapshot(now).route;
        // The edge after the one it is on, so that it can turn away at the next node.
        let Some(&edge) = route.get(1).or(route.first()) else {
            return Ok(format!(
                "van {vehicle} is not driving: no road ahead to close"
            ));
        };
        let e = scene.world.net.edge(edge);
        let (from, to) = (
            &scene.world.net.node(e.from).name,
            &scene.world.net.node(e.to).name,
        );
        let what = format!(
            "{}: closed {} {from} -> {to} for 30 min (ahead of van {vehicle})",
            clock(now),
            e.road
        );
        l.live
            .close_road(vec![edge], SimDuration(30 * 60_000), what.clone())?;
        Ok(what)
    }

    /// Times `n` seeks to times spread over the run in a scrambled order (a replay's
    /// benchmark): milliseconds each, sorted. `None` for a live run.
    pub fn seek_times(&self, n: u32) -> Option<Vec<f64>> {
        let Source::Replay(r) = self else { return None };
        let end = r.replay.end().as_ms().max(1);
        let mut times: Vec<f64> = (0..u64::from(n))
            .map(|i| {
                // A golden-ratio sequence: every part of the run, jumping back and forth.
                let t = SimTime(
                    (i as f64 * 0.618_033_988_75)
                        .fract()
                        .mul_add(end as f64, 0.0) as u64,
                );
                let started = std::time::Instant::now();
                let tally = r.replay.seek(t);
                let ms = started.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(tally);
                ms
            })
            .collect();
        times.sort_by(f64::total_cmp);
        Some(times)
    }

    /// Ends the run. A live run that writes outputs is first completed to its stop time,
    /// wherever the user left it, so that its files are those `petfleet run` writes; then
    /// its invariants are checked.
    pub fn finish(self) -> Result<Option<RunSummary>> {
        match self {
            Source::Live(mut l) => {
                if l.live.writes() {
                    let until = l.live.sim.until();
                    l.live.step_until(until)?;
                }
                Ok(l.live.finish()?)
            }
            Source::Replay(_) => Ok(None),
        }
    }
}

fn ghost_dots(
    replay: &Replay,
    player: &Player,
    now: SimTime,
    alerts: &std::collections::BTreeMap<VehicleId, bool>,
) -> Vec<VanDot> {
    (0..replay.vans())
        .filter_map(|i| {
            let (lat, lon) = replay.position(VehicleId(i as u32), now)?;
            let state = player.tally.vans.get(i).map_or(VanState::Idle, |v| v.state);
            let alert = alerts.get(&VehicleId(i as u32)).copied();
            Some(VanDot {
                vehicle: i as u32,
                lat,
                lon,
                state,
                alert,
            })
        })
        .collect()
}

fn live_panel(l: &LiveSource, vehicle: u32, scene: &Scene, now: SimTime) -> Vec<String> {
    van_lines(&l.live.sim, &l.live.layout, &scene.world, vehicle, now)
}

fn replay_panel(r: &ReplaySource, vehicle: u32, now: SimTime) -> Vec<String> {
    let t = &r.player.tally;
    let Some(v) = t.vans.get(vehicle as usize) else {
        return vec![format!("van {vehicle}: no such van")];
    };
    let (lat, lon) = r
        .replay
        .position(VehicleId(vehicle), now)
        .unwrap_or((v.lat, v.lon));
    let mut lines = vec![
        format!("Van {vehicle}: {}", v.state.name().replace('_', " ")),
        format!("{lat:.4}, {lon:.4}"),
    ];
    for b in t.bookings_aboard(VehicleId(vehicle)) {
        let alert = if t.alerting(b) { ": welfare alert" } else { "" };
        lines.push(format!("booking #{} aboard{alert}", b.0));
    }
    lines.push(
        "(a replay shows what timeline.csv records: routes, fares and readings are live only)"
            .into(),
    );
    lines
}
