//! The fleet index: where and when each vehicle could next take a pickup.
//!
//! Each vehicle contributes anchors, one per position of its plan where a pickup could
//! still go (see [`super::plan::PlanCache::anchors`]): the node it would leave from and the
//! time it leaves. Anchors sit in square cells of a grid over the network (occupied cells
//! only, each holding its anchors by time). A search visits vehicles in order of a lower
//! bound on their pickup arrival, `max(anchor time, now) + travel time to the pickup`,
//! expanding cells by `max(earliest anchor, now) + the great-circle bound from the pickup
//! to the cell`, and stops when the bound passes the best arrival found or the pickup
//! window: the cost of a search follows the vehicles near enough to matter, not the fleet.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use geo::{Distance, Haversine, Point};

use crate::ids::NodeId;
use crate::time::SimTime;
use crate::world::RoadNetwork;

/// Side of a grid cell, metres.
pub const CELL_M: f64 = 2_000.0;

/// An anchor: (time, vehicle, position in its plan, node).
type Anchor = (SimTime, u32, u32, NodeId);

/// Vehicles' anchors on a grid.
#[derive(Debug)]
pub struct FleetIndex {
    origin: (f64, f64),
    cell_deg: (f64, f64),
    cols: u32,
    cell_of_node: Vec<u32>,
    cells: BTreeMap<u32, BTreeSet<Anchor>>,
    by_vehicle: Vec<Vec<(u32, Anchor)>>,
    /// Seconds per great-circle metre no route beats.
    s_per_m: f64,
}

impl FleetIndex {
    /// An empty index over `net` for `vehicles` vehicles.
    pub fn new(net: &RoadNetwork, vehicles: usize) -> FleetIndex {
        let pts = || net.nodes().iter().map(|n| n.point);
        let min_lat = pts().map(|p| p.y()).fold(f64::INFINITY, f64::min);
        let min_lon = pts().map(|p| p.x()).fold(f64::INFINITY, f64::min);
        let max_lon = pts().map(|p| p.x()).fold(f64::NEG_INFINITY, f64::max);
        let mean_lat = pts().map(|p| p.y()).sum::<f64>() / net.nodes().len().max(1) as f64;
        let lat_deg = CELL_M / 111_195.0;
        let lon_deg = lat_deg / mean_lat.to_radians().cos().max(0.1);
        let (origin, cols) = if min_lat.is_finite() {
            let cols = ((max_lon - min_lon) / lon_deg).floor() as u32 + 1;
            ((min_lat, min_lon), cols)
        } else {
            ((0.0, 0.0), 1)
        };
        let mut index = FleetIndex {
            origin,
            cell_deg: (lat_deg, lon_deg),
            cols,
            cell_of_node: Vec::new(),
            cells: BTreeMap::new(),
            by_vehicle: vec![Vec::new(); vehicles],
            s_per_m: net.lower_bound_s_per_m(),
        };
        index.cell_of_node = net.nodes().iter().map(|n| index.cell_of(n.point)).collect();
        index
    }

    fn cell_of(&self, p: Point<f64>) -> u32 {
        let row = ((p.y() - self.origin.0) / self.cell_deg.0).floor().max(0.0) as u32;
        let col = ((p.x() - self.origin.1) / self.cell_deg.1).floor().max(0.0) as u32;
        row * self.cols + col.min(self.cols - 1)
    }

    /// A lower bound (ms) on travel from any node in `cell` to the point `p`: the
    /// great-circle distance to the cell's box, less 5 % for the box's curvature.
    fn cell_bound_ms(&self, cell: u32, p: Point<f64>) -> u64 {
        let (row, col) = (cell / self.cols, cell % self.cols);
        let lat0 = self.origin.0 + f64::from(row) * self.cell_deg.0;
        let lon0 = self.origin.1 + f64::from(col) * self.cell_deg.1;
        let q = Point::new(
            p.x().clamp(lon0, lon0 + self.cell_deg.1),
            p.y().clamp(lat0, lat0 + self.cell_deg.0),
        );
        let m = Haversine.distance(p, q) * 0.95;
        (m * self.s_per_m * 1_000.0).floor() as u64
    }

    /// Replaces `vehicle`'s anchors with `anchors` ((position, node, time)).
    pub fn set(&mut self, vehicle: usize, anchors: &[(usize, NodeId, SimTime)]) {
        for (cell, a) in std::mem::take(&mut self.by_vehicle[vehicle]) {
            if let Some(set) = self.cells.get_mut(&cell) {
                set.remove(&a);
                if set.is_empty() {
                    self.cells.remove(&cell);
                }
            }
        }
        for &(pos, node, t) in anchors {
            let a: Anchor = (t, vehicle as u32, pos as u32, node);
            let cell = self.cell_of_node[node.index()];
            self.cells.entry(cell).or_default().insert(a);
            self.by_vehicle[vehicle].push((cell, a));
        }
    }

    /// A vehicle's anchors.
    pub fn anchors_of(&self, vehicle: usize) -> Vec<(u32, SimTime, u32, NodeId)> {
        self.by_vehicle[vehicle]
            .iter()
            .map(|(c, a)| (*c, a.0, a.2, a.3))
            .collect()
    }

    /// Anchors held (for tests and statistics).
    pub fn len(&self) -> usize {
        self.cells.values().map(BTreeSet::len).sum()
    }

    /// Whether no vehicle has an anchor.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Visits vehicles in order of a lower bound on their arrival at a pickup at `point`,
    /// each once, while the bound is at most the cut-off (which `visitor` lowers as it
    /// finds arrivals).
    pub fn search(
        &self,
        point: Point<f64>,
        now: SimTime,
        mut cutoff: SimTime,
        visitor: &mut dyn Visitor,
    ) {
        let mut cells: BinaryHeap<Reverse<(SimTime, u32)>> = self
            .cells
            .iter()
            .filter_map(|(&cell, set)| {
                let first = set.first()?.0.max(now);
                Some(Reverse((first + ms(self.cell_bound_ms(cell, point)), cell)))
            })
            .collect();
        let mut vans: BinaryHeap<Reverse<(SimTime, u32)>> = BinaryHeap::new();
        let mut seen = BTreeSet::new();
        loop {
            let next_cell = cells.peek().map(|Reverse((k, _))| *k);
            let next_van = vans.peek().map(|Reverse((k, _))| *k);
            match (next_van, next_cell) {
                (Some(v), c) if c.is_none_or(|c| v <= c) => {
                    let Some(Reverse((bound, van))) = vans.pop() else {
                        break;
                    };
                    if bound > cutoff {
                        break;
                    }
                    if seen.insert(van) {
                        cutoff = cutoff.min(visitor.visit(van as usize, bound));
                    }
                }
                (_, Some(c)) => {
                    let Some(Reverse((_, cell))) = cells.pop() else {
                        break;
                    };
                    if c > cutoff {
                        // No cell left can hold a vehicle within the cut-off.
                        cells.clear();
                        continue;
                    }
                    let lb = ms(self.cell_bound_ms(cell, point));
                    for &(t, van, _, node) in &self.cells[&cell] {
                        if t.max(now) + lb > cutoff {
                            break;
                        }
                        if seen.contains(&van) {
                            continue;
                        }
                        if let Some(d) = visitor.travel_ms(node) {
                            vans.push(Reverse((t.max(now) + ms(d), van)));
                        }
                    }
                }
                (_, None) => break,
            }
        }
    }
}

/// What a search calls back.
pub trait Visitor {
    /// Milliseconds from `node` to the pickup; `None` if unreachable.
    fn travel_ms(&mut self, node: NodeId) -> Option<u64>;
    /// Evaluates a vehicle whose arrival is at least `bound`; returns the new cut-off.
    fn visit(&mut self, vehicle: usize, bound: SimTime) -> SimTime;
}

fn ms(v: u64) -> crate::time::SimDuration {
    crate::time::SimDuration(v)
}
