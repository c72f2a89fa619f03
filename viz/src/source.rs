//! What the visualizer shows, live or replayed, with no rendering: the map's scene (the
//! network, partners, labels), the vans (position, state, alerts) and the HUD's tally at the
//! time shown, a van's panel, congestion. The Bevy side only draws what this answers and
//! turns the user's input into calls here, so everything here is tested without a GPU.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use scenarios::error::InputError;
use scenarios::run::{depots, DataSource, Live, Loaded, RunError, RunOptions, RunSummary};
use scenarios::scenario::Resolved;
use scenarios::timeline;
use sim_core::actors::{PartnerKind, Pet, Vehicle};
use sim_core::engine::Host;
use sim_core::event::VanState;
use sim_core::ids::{EdgeId, VehicleId};
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

/// Resolves the scenario a run in `dir` was made of, as its manifest records it (name or
/// file, `--set` flags, overlays, seed, scale), checks that the data and scenario are those
/// it ran on, and reads its timeline.
fn recorded(dir: &Path, data: &DataSource) -> Result<(Resolved, timeline::Recorded)> {
    let manifest_path = dir.join("manifest.json");
    let m = scenarios::output::read_json(&manifest_path).map_err(|e| {
        let why = format!("{} (a finished run of `petfleet run --record`)", e.expected);
        RunError::Input(e.expected(why))
    })?;
    let field = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let file = manifest_path.display().to_string();
    let bad = |key: &str, value: Option<String>, expected: String| -> anyhow::Error {
        let e = InputError::at(&file, "", None, key).expected(expected);
        RunError::Input(match value {
            Some(v) => e.value(v),
            None => e,
        })
        .into()
    };
    let (Some(name), Some(source)) = (field("scenario"), field("scenario_source")) else {
        let expected = "`scenario` and `scenario_source` (the manifest of a `petfleet run`)";
        return Err(bad("scenario", None, expected.into()));
    };
    let scenario = if source.starts_with('<') {
        name
    } else {
        source
    };
    let opts = options_of(&m, scenario, dir, data)?;
    let loaded = Loaded::new(opts.scenario.as_deref(), &opts.data)?;
    let texts: Vec<&str> = loaded.files.files.iter().map(|(_, t)| t.as_str()).collect();
    let data_hash = scenarios::run::fnv_hex(&texts);
    if field("data_hash").as_deref() != Some(data_hash.as_str()) {
        let expected = format!("{data_hash}, the hash of the data given (the run was made on other data: pass its --data DIR)");
        return Err(bad("data_hash", field("data_hash"), expected));
    }
    let (merged, resolved) = loaded.resolve(&opts)?;
    if field("merged_scenario_hash").as_deref() != Some(merged.hash().as_str()) {
        let name = &resolved.scenario.name;
        let expected = format!(
            "{}, the hash of `{name}` as it is now (it changed since the run)",
            merged.hash()
        );
        return Err(bad(
            "merged_scenario_hash",
            field("merged_scenario_hash"),
            expected,
        ));
    }
    let rec = timeline::read(&dir.join("timeline.csv")).map_err(RunError::Input)?;
    Ok((resolved, rec))
}

/// The options a recorded run ran with, from its manifest: `--set` flags (and a sweep's
/// or a search's values), overlays, seed, scale.
fn options_of(
    m: &serde_json::Value,
    scenario: String,
    dir: &Path,
    data: &DataSource,
) -> Result<RunOptions> {
    let ov = &m["overrides"];
    let list = |k: &str| -> Vec<String> {
        (ov[k].as_array().into_iter().flatten())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut sets = list("set");
    sets.extend(
        list("derived")
            .iter()
            .filter_map(|d| d.split_once(' ').map(|(_, v)| v.to_string())),
    );
    let overlays: Vec<PathBuf> = (ov["overlays"].as_array().into_iter().flatten())
        .filter_map(|o| o["file"].as_str().map(PathBuf::from))
        .collect();
    Ok(RunOptions {
        scenario: Some(scenario),
        seed: m["seed"].as_u64(),
        until: None,
        out: dir.to_path_buf(),
        host: Host::Reference,
        trace: false,
        record: false,
        data: data.clone(),
        scale: m["scale"].as_f64().filter(|&k| k != 1.0),
        overrides: scenarios::overrides::Overrides::new(sets, &overlays)
            .map_err(RunError::Input)?,
    })
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

/// `d1 10:45:00`: the day of the run and the time of day.
pub fn clock(t: SimTime) -> String {
    let s = t.as_ms() / 1000;
    format!(
        "d{} {:02}:{:02}:{:02}",
        s / 86_400 + 1,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

/// "Gyeongbu 120.4 km > Cheongju-Sangju 80.5 km": the roads of `route`, consecutive edges of
/// one road together, the first `n` of them.
pub fn roads(world: &World, route: &[EdgeId], n: usize) -> String {
    let mut parts: Vec<(String, f64)> = Vec::new();
    for &e in route {
        let edge = world.net.edge(e);
        match parts.last_mut() {
            Some((road, m)) if *road == edge.road => *m += edge.length_m,
            _ => parts.push((edge.road.clone(), edge.length_m)),
        }
    }
    let more = parts.len().saturating_sub(n);
    let mut text: Vec<String> = parts
        .iter()
        .take(n)
        .map(|(r, m)| format!("{r} {:.1} km", m / 1000.0))
        .collect();
    if more > 0 {
        text.push(format!("+{more} more"));
    }
    text.join(" > ")
}

fn live_panel(l: &LiveSource, vehicle: u32, scene: &Scene, now: SimTime) -> Vec<String> {
    let layout = &l.live.layout;
    let Some(v) = layout
        .vehicles
        .get(vehicle as usize)
        .and_then(|&a| l.live.sim.actor::<Vehicle>(a))
    else {
        return vec![format!("van {vehicle}: no such van")];
    };
    let s = v.snapshot(now);
    let net = &scene.world.net;
    let mut lines = vec![
        format!("Van {vehicle}: {}", s.state.name().replace('_', " ")),
        format!("{:.4}, {:.4}  {:.0} km/h", s.lat, s.lon, s.speed_kmh),
    ];
    if !s.route.is_empty() {
        lines.push(format!("route: {}", roads(&scene.world, &s.route, 3)));
    }
    if let Some(eta) = s.eta {
        lines.push(format!("ETA at the next stop: {}", clock(eta)));
    }
    for (booking, kind, node) in s.plan.iter().take(4) {
        lines.push(format!(
            "next: {kind:?} #{} at {}",
            booking.0,
            net.node(*node).name
        ));
    }
    for ride in &s.aboard {
        lines.push(format!(
            "booking #{}: fare so far {} KRW",
            ride.booking.0,
            thousands(ride.fare_won)
        ));
        for (pet, actor) in &ride.pets {
            let Some(p) = l.live.sim.actor::<Pet>(*actor) else {
                continue;
            };
            let (species, welfare) = p.reading();
            lines.push(match welfare {
                Some((stress, hr, level)) => {
                    let alert = match level {
                        sim_core::welfare::Level::None => "no alert".to_string(),
                        l => format!("{l:?} alert").to_lowercase(),
                    };
                    format!(
                        "  pet {} ({species:?}): stress {stress:.2}, {hr:.0} bpm, {alert}",
                        pet.0
                    )
                }
                None => format!("  pet {} ({species:?})", pet.0),
            });
        }
    }
    lines
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

/// 1234567 as "1,234,567".
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_roads_and_thousands_read_as_people_write_them() {
        assert_eq!(clock(SimTime(38_700_000)), "d1 10:45:00");
        assert_eq!(clock(SimTime(86_400_000 + 61_000)), "d2 00:01:01");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-950), "-950");
        assert_eq!(thousands(1_000), "1,000");
    }
}
