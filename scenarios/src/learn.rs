//! `petfleet learn DIR... --out delays.csv`: the travel-time ratio (actual / profile) per
//! road class, day type and hour, fitted from recorded runs or GPS traces, for
//! `[pricing] quote_model = "learned"`.
//!
//! Every GPS fix on an edge (`positions.csv` with its `edge`) is one sample: the profile's
//! speed on that edge at that time (`ProfileAt`, what profile quotes use) over the van's
//! speed. A van standing on an edge (waiting out a closure) counts as [`RATIO_CAP`], and
//! every ratio is held between [`RATIO_FLOOR`] and [`RATIO_CAP`]. Fixes are taken at a fixed
//! interval, so the samples weigh each stretch of road by the time spent on it. The file's
//! format is [`crate::delays_file`]'s.

use std::collections::BTreeMap;

use sim_core::ids::EdgeId;
use sim_core::time::SimTime;
use sim_core::traffic::ProfileAt;
use sim_core::world::TravelTimes;

use crate::delays_file::{Cells, RATIO_CAP, RATIO_FLOOR};
use crate::error::InputError;
use crate::feed::FeedClock;
use crate::run::{DataSource, RunError};
use crate::table::Table;

/// A trace's fix this near an edge's end is at a node.
const AT_NODE_M: f64 = 15.0;

/// Adds one sample: the profile's speed on `edge` at `at` over `speed_kmh`.
fn sample(
    cells: &mut Cells,
    spec: &sim_core::sim::SimSpec,
    edge: EdgeId,
    at: SimTime,
    speed_kmh: f64,
) {
    let net = &spec.world.net;
    let e = net.edge(edge);
    let Some(profile_s) = ProfileAt::new(&spec.traffic, at).edge_time_s(net, e.id) else {
        return;
    };
    let profile_kmh = e.length_m / profile_s.max(1e-9) * 3.6;
    let ratio = if speed_kmh > 0.0 {
        profile_kmh / speed_kmh
    } else {
        RATIO_CAP
    };
    let hour = (at.ms_of_day() / 3_600_000) as usize;
    let key = (e.class, spec.traffic.day_type(at), hour);
    cells
        .entry(key)
        .or_default()
        .push(ratio.clamp(RATIO_FLOOR, RATIO_CAP));
}

/// Samples of every recorded run in `dirs`, by cell.
pub fn samples(dirs: &[std::path::PathBuf], data: &DataSource) -> Result<Cells, RunError> {
    let mut cells = Cells::new();
    for dir in dirs {
        let reopened = crate::reopen::reopen(dir, data)?;
        let spec = &reopened.resolved.spec;
        let clock = FeedClock::new(reopened.resolved.start_date);
        let edges = spec.world.net.edges().len();
        let t = Table::read_path(&dir.join("positions.csv"), &["time", "speed_kmh", "edge"])?;
        for (line, row) in &t.rows {
            let edge = t.parse_opt(*line, row, "edge", "an edge id", |e: &u32| {
                (*e as usize) < edges
            })?;
            let Some(edge) = edge else { continue };
            let at: SimTime = (clock.parse(t.raw(row, "time")))
                .map_err(|e| t.err(*line, row, "time").expected(e))?;
            let speed: f64 = t.parse(*line, row, "speed_kmh", "km/h", |v: &f64| *v >= 0.0)?;
            sample(&mut cells, spec, EdgeId(edge), at, speed);
        }
    }
    Ok(cells)
}

/// Samples of imported GPS traces: CSV files with `vehicle_id`, `time`, `lat`, `lon` and
/// optionally `speed_kmh` (a run's `positions.csv` without its `edge` is one), on the
/// network and traffic profile of the scenario `resolved`. Each fix is map-matched; its
/// speed is the file's, else the distance along the edge since the van's last fix on the
/// same edge over the time between them (a fix on another edge than the last gives none).
pub fn trace_samples(
    files: &[std::path::PathBuf],
    resolved: &crate::scenario::Resolved,
) -> Result<Cells, InputError> {
    let spec = &resolved.spec;
    let net = &spec.world.net;
    let matcher = sim_core::world::MapMatcher::new(net, 50.0);
    let clock = FeedClock::new(resolved.start_date);
    let mut cells = Cells::new();
    for path in files {
        let t = Table::read_path(path, &["vehicle_id", "time", "lat", "lon"])?;
        let mut last: BTreeMap<String, (SimTime, sim_core::world::Matched)> = BTreeMap::new();
        for (line, row) in &t.rows {
            let at = (clock.parse(t.raw(row, "time")))
                .map_err(|e| t.err(*line, row, "time").expected(e))?;
            let lat: f64 = t.parse(*line, row, "lat", "degrees of latitude", |v: &f64| {
                v.abs() <= 90.0
            })?;
            let lon: f64 = t.parse(*line, row, "lon", "degrees of longitude", |v: &f64| {
                v.abs() <= 180.0
            })?;
            let speed: Option<f64> =
                t.parse_opt(*line, row, "speed_kmh", "km/h", |v: &f64| *v >= 0.0)?;
            let van = t.raw(row, "vehicle_id").to_string();
            let before = last.get(&van).copied();
            let fix = sim_core::world::Fix {
                lat,
                lon,
                heading_deg: None,
            };
            let Some(m) = matcher.locate(net, fix, before.as_ref().map(|b| &b.1)) else {
                continue;
            };
            let moved = before
                .filter(|(t0, p)| p.edge == m.edge && at > *t0)
                .map(|(t0, p)| {
                    let dt_s = (at.as_ms() - t0.as_ms()) as f64 / 1000.0;
                    (m.offset_m - p.offset_m).max(0.0) / dt_s * 3.6
                });
            // A van standing at a node is at a stop (a pickup, a depot), not in traffic:
            // only a van standing along an edge is waiting in it.
            let len = net.edge(m.edge).length_m;
            let at_node = m.offset_m < AT_NODE_M || len - m.offset_m < AT_NODE_M;
            match speed.or(moved) {
                Some(kmh) if kmh < 1.0 && at_node => {}
                Some(kmh) => sample(&mut cells, spec, m.edge, at, kmh),
                None => {}
            }
            last.insert(van, (at, m));
        }
    }
    Ok(cells)
}

/// Writes `delays.csv` (see [`crate::delays_file::write`]).
pub use crate::delays_file::write;
