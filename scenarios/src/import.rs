//! Users' own networks, requests and vehicles, in the layout of the FleetPy example data
//! (`../shared/peers/fleetpy-example/`):
//!
//! - `nodes.csv`: `node_index,is_stop_only,pos_x,pos_y` (other columns ignored);
//! - `edges.csv`: `from_node,to_node,distance,travel_time[,source_edge_id]` (metres,
//!   seconds of free-flow travel);
//! - `crs.info`: the coordinate reference system of `pos_x, pos_y`: `EPSG:326NN` or
//!   `EPSG:327NN` (UTM zone NN north or south, metres, converted to WGS84 with the `utm`
//!   crate) or `EPSG:4326` (longitude, latitude);
//! - requests: `rq_time,start,end,request_id[,earliest_pickup_time][,pets]` (seconds from
//!   the start of the run, node indices);
//! - vehicles: a `start_node` column (FleetPy's `operator_id,vehicle_id,vehicle_type,
//!   start_node,start_soc`), one vehicle per row.
//!
//! Every bad cell is a located error (file, line, column, value, what was expected); a
//! network whose stop-only nodes cannot be reached from, or cannot get back to, the rest of
//! the network is refused, naming the stop.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_core::ids::NodeId;
use sim_core::time::{SimDuration, SimTime};
use sim_core::world::{DirectedEdgeSpec, NodeKind, NodeSpec, RoadClass, RoadNetwork, World};

use crate::error::InputError;
use crate::table::Table;

/// The coordinate reference system of an imported network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 longitude (`pos_x`) and latitude (`pos_y`), degrees.
    Wgs84,
    /// UTM zone (1-60), northern hemisphere or not, metres.
    Utm {
        /// Zone number.
        zone: u8,
        /// Northern hemisphere.
        north: bool,
    },
}

impl Crs {
    /// Parses `EPSG:4326`, `WGS84`, `EPSG:326NN` or `EPSG:327NN`.
    pub fn parse(s: &str) -> Option<Crs> {
        let s = s.trim();
        let upper = s.to_ascii_uppercase();
        if upper == "EPSG:4326" || upper == "WGS84" {
            return Some(Crs::Wgs84);
        }
        let code: u32 = upper.strip_prefix("EPSG:")?.parse().ok()?;
        let (north, zone) = match code {
            32601..=32660 => (true, code - 32600),
            32701..=32760 => (false, code - 32700),
            _ => return None,
        };
        Some(Crs::Utm {
            zone: zone as u8,
            north,
        })
    }

    /// (lat, lon) of a position, or `None` when it is outside the system's range.
    pub fn to_lat_lon(self, x: f64, y: f64) -> Option<(f64, f64)> {
        match self {
            Crs::Wgs84 => {
                ((-90.0..=90.0).contains(&y) && (-180.0..=180.0).contains(&x)).then_some((y, x))
            }
            Crs::Utm { zone, north } => {
                utm::wsg84_utm_to_lat_lon(x, y, zone, if north { 'N' } else { 'M' }).ok()
            }
        }
    }
}

/// The texts of an imported network.
#[derive(Clone, Debug)]
pub struct NetworkFiles {
    /// (label, text) of nodes.csv.
    pub nodes: (String, String),
    /// (label, text) of edges.csv.
    pub edges: (String, String),
    /// (label, text) of ch_order.txt, if the directory has one.
    pub order: Option<(String, String)>,
}

/// Name of the optional node-order file of a network directory (written by
/// `petfleet prepare`).
pub const ORDER_FILE: &str = "ch_order.txt";

/// Imported node ids (as written) to network ids.
pub type NodeIndex = BTreeMap<u64, NodeId>;

/// Reads nodes: returns the node specs (named by their index as written) and the index.
fn read_nodes(
    label: &str,
    text: &str,
    crs: Crs,
) -> Result<(Vec<NodeSpec>, NodeIndex, Vec<usize>), InputError> {
    let t = Table::read(
        label,
        text,
        &["node_index", "is_stop_only", "pos_x", "pos_y"],
    )?;
    let mut nodes = Vec::with_capacity(t.rows.len());
    let mut index: NodeIndex = BTreeMap::new();
    let mut lines = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let id: u64 = t.parse(
            *line,
            row,
            "node_index",
            "a node index: a whole number",
            |_| true,
        )?;
        if index.insert(id, NodeId(nodes.len() as u32)).is_some() {
            return Err(t
                .err(*line, row, "node_index")
                .expected("a node index not used by an earlier row (duplicate id)"));
        }
        let stop_only = match t.raw(row, "is_stop_only").to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" | "" => false,
            _ => {
                return Err(t
                    .err(*line, row, "is_stop_only")
                    .expected("`True` or `False`"))
            }
        };
        let finite = |v: &f64| v.is_finite();
        let x: f64 = t.parse(*line, row, "pos_x", "a finite coordinate", finite)?;
        let y: f64 = t.parse(*line, row, "pos_y", "a finite coordinate", finite)?;
        let (lat, lon) = crs.to_lat_lon(x, y).ok_or_else(|| {
            t.err(*line, row, "pos_x").expected(format!(
                "a position inside the coordinate system {crs:?} (pos_x, pos_y = {x}, {y})"
            ))
        })?;
        nodes.push(NodeSpec {
            name: id.to_string(),
            lat,
            lon,
            kind: NodeKind::Intersection,
            population: None,
            stop_only,
        });
        lines.push(*line);
    }
    if nodes.is_empty() {
        return Err(InputError::on_line(label, 2, "node_index").expected("at least one node"));
    }
    Ok((nodes, index, lines))
}

/// Reads edges against the node index.
fn read_edges(
    label: &str,
    text: &str,
    index: &NodeIndex,
    class: RoadClass,
) -> Result<(Vec<DirectedEdgeSpec>, Vec<usize>), InputError> {
    let t = Table::read(
        label,
        text,
        &["from_node", "to_node", "distance", "travel_time"],
    )?;
    let named = t.has("source_edge_id");
    let mut edges = Vec::with_capacity(t.rows.len());
    let mut lines = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let node = |col: &str| -> Result<NodeId, InputError> {
            let id: u64 = t.parse(*line, row, col, "a node index: a whole number", |_| true)?;
            index.get(&id).copied().ok_or_else(|| {
                t.err(*line, row, col)
                    .expected("the node_index of a node in nodes.csv (a dangling edge)")
            })
        };
        let (from, to) = (node("from_node")?, node("to_node")?);
        if from == to {
            return Err(t
                .err(*line, row, "to_node")
                .expected("a node other than from_node (no loops)"));
        }
        let length_m: f64 = t.parse(
            *line,
            row,
            "distance",
            "a positive, finite distance in metres",
            |v: &f64| v.is_finite() && *v > 0.0,
        )?;
        let secs: f64 = t.parse(
            *line,
            row,
            "travel_time",
            "a positive, finite travel time in seconds",
            |v: &f64| v.is_finite() && *v > 0.0,
        )?;
        let speed_kmh = length_m / secs * 3.6;
        if speed_kmh > 200.0 {
            return Err(t.err(*line, row, "travel_time").expected(format!(
                "a travel time giving at most 200 km/h over {length_m} m (this one: {speed_kmh:.0} km/h)"
            )));
        }
        edges.push(DirectedEdgeSpec {
            from,
            to,
            road: if named {
                t.raw(row, "source_edge_id").to_string()
            } else {
                String::new()
            },
            class,
            length_m,
            speed_kmh,
            lanes: 1,
        });
        lines.push(*line);
    }
    Ok((edges, lines))
}

/// Imports a network: nodes, directed edges, stop-only nodes split for routing. Imported
/// edges take `class` (for profiles, accident rates and vibration).
pub fn network(
    files: &NetworkFiles,
    crs: Crs,
    class: RoadClass,
) -> Result<(Arc<World>, NodeIndex), InputError> {
    let (nodes, index, node_lines) = read_nodes(&files.nodes.0, &files.nodes.1, crs)?;
    let (edges, lines) = read_edges(&files.edges.0, &files.edges.1, &index, class)?;
    let net = RoadNetwork::build_directed(nodes, edges).map_err(|e| {
        // Every row was checked above; a remaining refusal still points at its line.
        InputError::on_line(&files.edges.0, lines.first().copied().unwrap_or(2), "row")
            .expected(e.to_string())
    })?;
    let routing_nodes = net.routing_nodes();
    let mut world = World::new(net);
    if let Some((label, text)) = &files.order {
        world = world.with_ch_order(read_order(label, text, routing_nodes)?);
    }
    if let Some((stop, why)) = world.unreachable_stops().first() {
        let name = &world.net.node(*stop).name;
        let mut e = InputError::on_line(&files.nodes.0, node_lines[stop.index()], "node_index")
            .value(name.clone());
        e.column = Some(1);
        return Err(e.expected(format!(
            "a stop-only node joined to the network both ways ({why})"
        )));
    }
    Ok((Arc::new(world), index))
}

/// Reads a node order: one routing node number a line, each of `0..routing_nodes` once.
pub fn read_order(label: &str, text: &str, routing_nodes: usize) -> Result<Vec<usize>, InputError> {
    let remedy = "(delete the file, or write it anew with `petfleet prepare`)";
    let mut order = Vec::with_capacity(routing_nodes);
    let mut seen = vec![false; routing_nodes];
    let mut last_line = 1;
    for (i, raw) in text.lines().enumerate() {
        last_line = i + 1;
        let err = |expected: String| {
            let mut e = InputError::on_line(label, i + 1, "node").value(raw.trim());
            e.column = Some(1);
            e.expected(format!("{expected} {remedy}"))
        };
        match raw.trim().parse::<usize>() {
            Ok(v) if v < routing_nodes && !seen[v] => {
                seen[v] = true;
                order.push(v);
            }
            Ok(v) if v < routing_nodes => {
                let last = routing_nodes - 1;
                return Err(err(format!("each of 0 to {last} once (a permutation)")));
            }
            _ => return Err(err(format!("a routing node number below {routing_nodes}"))),
        }
    }
    if order.len() != routing_nodes {
        return Err(InputError::on_line(label, last_line, "node")
            .value(format!("{} lines", order.len()))
            .expected(format!(
                "one line for each of the network's {routing_nodes} routing nodes {remedy}"
            )));
    }
    Ok(order)
}

/// One imported request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// When it is made (already rounded down to the decision step, if any).
    pub at: SimTime,
    /// Earliest pickup.
    pub pickup_after: SimTime,
    /// Pickup node.
    pub start: NodeId,
    /// Drop-off node.
    pub end: NodeId,
    /// The request's id as written.
    pub id: u64,
    /// Pets (1-4).
    pub pets: u32,
}

/// Reads requests; times are rounded down to `step` when given (the peer's decision step).
pub fn requests(
    label: &str,
    text: &str,
    index: &NodeIndex,
    world: &World,
    step: Option<SimDuration>,
) -> Result<Vec<Request>, InputError> {
    let t = Table::read(label, text, &["rq_time", "start", "end", "request_id"])?;
    let mut out = Vec::with_capacity(t.rows.len());
    let mut ids = BTreeMap::new();
    let secs = |v: &f64| v.is_finite() && *v >= 0.0 && *v < 1e9;
    for (line, row) in &t.rows {
        let line = *line;
        let expected = "seconds from the start: a finite number, 0 or more";
        let rq: f64 = t.parse(line, row, "rq_time", expected, secs)?;
        let (start, end) = request_ends(&t, line, row, index, world)?;
        let expected = "a request id: a whole number";
        let id: u64 = t.parse(line, row, "request_id", expected, |_| true)?;
        if ids.insert(id, line).is_some() {
            return Err(t
                .err(line, row, "request_id")
                .expected("a request id not used by an earlier row (duplicate id)"));
        }
        let mut at = SimTime((rq * 1_000.0).round() as u64);
        if let Some(step) = step.filter(|s| s.as_ms() > 0) {
            at = SimTime(at.as_ms() / step.as_ms() * step.as_ms());
        }
        let expected = "seconds from the start, not before rq_time";
        let earliest = t
            .parse_opt(line, row, "earliest_pickup_time", expected, |v: &f64| {
                secs(v) && *v >= rq
            })?
            .map_or(at, |e| SimTime((e * 1_000.0).round() as u64));
        let pets = t.parse_opt(line, row, "pets", "1 to 4 pets", |v: &u32| {
            (1..=4).contains(v)
        })?;
        out.push(Request {
            at,
            pickup_after: earliest.max(at),
            start,
            end,
            id,
            pets: pets.unwrap_or(1),
        });
    }
    Ok(out)
}

/// A request's start and end: nodes of the network, distinct, each connected both ways.
fn request_ends(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
    index: &NodeIndex,
    world: &World,
) -> Result<(NodeId, NodeId), InputError> {
    let node = |col: &str| -> Result<NodeId, InputError> {
        let id: u64 = t.parse(line, row, col, "a node index: a whole number", |_| true)?;
        index.get(&id).copied().ok_or_else(|| {
            t.err(line, row, col)
                .expected("the node_index of a node of the network")
        })
    };
    let (start, end) = (node("start")?, node("end")?);
    if start == end {
        return Err(t
            .err(line, row, "end")
            .expected("a destination other than the start"));
    }
    for (col, n) in [("start", start), ("end", end)] {
        if !world.is_connected(n) {
            return Err(t
                .err(line, row, col)
                .expected("a node connected both ways to the rest of the network"));
        }
    }
    Ok((start, end))
}

/// Reads vehicles' start nodes, one vehicle per row.
pub fn start_nodes(
    label: &str,
    text: &str,
    index: &NodeIndex,
    world: &World,
) -> Result<Vec<NodeId>, InputError> {
    let t = Table::read(label, text, &["start_node"])?;
    let mut ids = BTreeMap::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        if t.has("vehicle_id") {
            let v: u64 = t.parse(
                *line,
                row,
                "vehicle_id",
                "a vehicle id: a whole number",
                |_| true,
            )?;
            if ids.insert(v, *line).is_some() {
                return Err(t
                    .err(*line, row, "vehicle_id")
                    .expected("a vehicle id not used by an earlier row (duplicate id)"));
            }
        }
        let id: u64 = t.parse(
            *line,
            row,
            "start_node",
            "a node index: a whole number",
            |_| true,
        )?;
        let n = index.get(&id).copied().ok_or_else(|| {
            t.err(*line, row, "start_node")
                .expected("the node_index of a node of the network")
        })?;
        if !world.is_connected(n) {
            return Err(t
                .err(*line, row, "start_node")
                .expected("a node connected both ways to the rest of the network"));
        }
        out.push(n);
    }
    Ok(out)
}

/// Reads hourly travel-time factors: `hour,travel_time_factor[,day_type]` (factor 1 =
/// the edges' travel times, 1.5 = half as fast again); returns speed factors by
/// `[day type][hour]` (days without rows take the weekday's).
pub fn hourly_factors(label: &str, text: &str) -> Result<[[f64; 24]; 3], InputError> {
    let t = Table::read(label, text, &["hour", "travel_time_factor"])?;
    let mut set = [[None; 24]; 3];
    for (line, row) in &t.rows {
        let hour: usize = t.parse(*line, row, "hour", "an hour from 0 to 23", |h: &usize| {
            *h < 24
        })?;
        let f: f64 = t.parse(
            *line,
            row,
            "travel_time_factor",
            "a factor from 1 to 20 (travel time over the edges' own)",
            |v: &f64| v.is_finite() && (1.0..=20.0).contains(v),
        )?;
        let days: Vec<usize> = if t.has("day_type") && !t.raw(row, "day_type").is_empty() {
            let d = sim_core::traffic::DayType::parse(t.raw(row, "day_type")).ok_or_else(|| {
                t.err(*line, row, "day_type")
                    .expected("`weekday`, `weekend` or `holiday`")
            })?;
            vec![d as usize]
        } else {
            vec![0, 1, 2]
        };
        for d in days {
            set[d][hour] = Some(1.0 / f);
        }
    }
    let mut out = [[1.0; 24]; 3];
    for h in 0..24 {
        let weekday = set[0][h].ok_or_else(|| {
            InputError::on_line(label, t.rows.last().map_or(2, |r| r.0), "hour")
                .value(h.to_string())
                .expected("a row for every hour 0-23 (for weekdays, or for all days)")
        })?;
        for d in 0..3 {
            out[d][h] = set[d][h].unwrap_or(weekday);
        }
    }
    Ok(out)
}
