//! The fleet index: where and when each vehicle could next take a pickup.
//!
//! Each vehicle contributes anchors, one per position of its plan where a pickup could
//! still go (see [`super::plan::PlanCache::anchors`]): the node it would leave from, a time
//! no pickup there can be reached before, and the pets aboard there. Anchors are grouped
//! by node (each node's by time), nodes by square cells of a grid over the network
//! (occupied cells only). A search visits vehicles in order of a lower bound on their
//! pickup arrival, `max(anchor time, now) + travel time from the node`: cells open in order
//! of `max(earliest anchor, now) + the great-circle bound from the pickup to the cell`, a
//! node's anchors are taken in time order once its travel time is known (nodes in order of
//! their first anchor's bound), and the search stops when the bound passes the best arrival
//! found or the pickup window. Anchors whose pets
//! could never ride with the booking's (crates, species) give no bound. The cost of a
//! search follows the vehicles near enough to matter, not the fleet.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::{Distance, Haversine, Point};

use super::plan::{Anchor, Around, Detour};
use crate::booking::{Crates, Manifest};
use crate::ids::NodeId;
use crate::time::{SimDuration, SimTime};
use crate::world::RoadNetwork;
use crate::world::{GroupMarks, Landmarks, Space};

/// Side of a grid cell, metres.
pub const CELL_M: f64 = 2_000.0;

/// An anchor's key at its node: (time, vehicle, position in its plan).
type Key = (SimTime, u32, u32);

/// What an anchor tells the search besides its key.
#[derive(Clone, Copy, Debug)]
struct Held {
    aboard: Manifest,
    crates: Crates,
    next: Option<Detour>,
}

impl Held {
    fn admits(&self, pets: Manifest) -> bool {
        self.aboard.plus(pets).check(&self.crates).is_ok()
    }
}

/// A node in a search: (bound of its first admitted anchor, node, its cell's place in
/// `cells`, travel time to the pickup or [`UNKNOWN`] while the bound is the great-circle
/// one, place of that anchor in the cell's list).
type NodeStream = (SimTime, NodeId, u32, u64, usize);

/// Occupied cells in a search, by (bound, place).
type CellHeap = BinaryHeap<Reverse<(SimTime, u32)>>;

/// A node's travel time not yet asked for (its bound is the great-circle one).
const UNKNOWN: u64 = u64::MAX;

/// One anchor in a cell's list.
#[derive(Clone, Copy, Debug)]
struct Entry {
    node: NodeId,
    key: Key,
    held: Held,
}

/// The anchors in one cell, sorted by (node, key): one contiguous list, which a search
/// reads in sequence (a node's anchors are a run of it, in time order).
type CellAnchors = Vec<Entry>;

/// What a search calls back.
pub trait Visitor {
    /// Milliseconds from `node` to the pickup; `None` if unreachable.
    fn travel_ms(&mut self, node: NodeId) -> Option<u64>;
    /// A lower bound on [`Visitor::travel_ms`] tighter than the great-circle one, if the
    /// visitor has one (landmarks).
    fn bound_ms(&self, _node: NodeId) -> Option<u64> {
        None
    }
    /// The one-to-all sweep to the pickup, if the visitor keeps one: then
    /// [`Visitor::travel_ms`] is a lookup in it, which a search makes itself for every
    /// node it puts in line instead of bounding them first.
    fn travel_sweep(&mut self) -> Option<std::sync::Arc<Space>> {
        None
    }
    /// The landmarks of the profile the search runs under, with an identity (the same
    /// landmarks give the same identity), if the visitor has them.
    fn landmarks(&self) -> Option<(u64, std::sync::Arc<Landmarks>)> {
        None
    }
    /// The booking's travel times around a position whose next stop is at `next`, from
    /// the anchor `to_pickup` ms away (`exact`), or lower bounds on them (landmarks; no
    /// routing); `None` if the drop-off cannot be reached from the pickup.
    fn around(&mut self, to_pickup: u64, next: NodeId, exact: bool) -> Option<Around>;
    /// The booking's dwells (pickup, drop-off) and ride limit, ms.
    fn booking(&self) -> ((i64, i64), i64);
    /// Evaluates a vehicle whose arrival is at least `bound`; returns the new cut-off.
    fn visit(&mut self, vehicle: usize, bound: SimTime) -> SimTime;
}

/// Vehicles' anchors on a grid.
#[derive(Debug)]
pub struct FleetIndex {
    origin: (f64, f64),
    cell_deg: (f64, f64),
    cols: u32,
    /// Cell ids of the cells holding a node, in order; a cell's place in it is its number
    /// here (and its group in [`GroupMarks`]).
    cell_ids: Vec<u32>,
    /// Each node's cell, as a place in `cell_ids`.
    group_of_node: Vec<u32>,
    /// Anchors by cell place.
    cells: Vec<CellAnchors>,
    /// The earliest anchor time by cell place (`SimTime::MAX`: none; kept with `cells`).
    first: Vec<SimTime>,
    /// The landmark bounds of the cells, for the landmarks of that identity.
    cell_marks: Option<(u64, std::sync::Arc<Landmarks>, GroupMarks)>,
    by_vehicle: Vec<Vec<(NodeId, Key)>>,
    /// Seconds per great-circle metre no route beats.
    s_per_m: f64,
    /// Search stamps per vehicle (`seen` when equal to `stamp`).
    seen: Vec<u32>,
    /// A search's heaps of cells and of nodes, kept for their memory.
    heaps: (CellHeap, BinaryHeap<Reverse<NodeStream>>),
    stamp: u32,
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
            cells: Vec::new(),
            first: Vec::new(),
            cell_ids: Vec::new(),
            group_of_node: Vec::new(),
            cell_marks: None,
            by_vehicle: vec![Vec::new(); vehicles],
            s_per_m: net.lower_bound_s_per_m(),
            seen: vec![0; vehicles],
            heaps: Default::default(),
            stamp: 0,
        };
        let cell_of_node: Vec<u32> = net.nodes().iter().map(|n| index.cell_of(n.point)).collect();
        let mut ids = cell_of_node.clone();
        ids.sort_unstable();
        ids.dedup();
        index.group_of_node = (cell_of_node.iter())
            .map(|c| ids.binary_search(c).unwrap_or(0) as u32)
            .collect();
        index.cells = vec![Vec::new(); ids.len()];
        index.first = vec![SimTime::MAX; ids.len()];
        index.cell_ids = ids;
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

    /// A lower bound (ms) on travel from `node` to `pickup`: the network's great-circle
    /// bound, less 0.1 % for rounding.
    fn node_bound_ms(net: &RoadNetwork, node: NodeId, pickup: NodeId) -> u64 {
        (net.lower_bound_s(node, pickup) * 999.0).floor() as u64
    }

    /// Replaces `vehicle`'s anchors.
    pub fn set(&mut self, vehicle: usize, anchors: &[Anchor]) {
        let mut old = std::mem::take(&mut self.by_vehicle[vehicle]);
        let mut touched: Vec<u32> = (old.iter().map(|(n, _)| *n))
            .chain(anchors.iter().map(|a| a.node))
            .map(|n| self.group_of_node[n.index()])
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for (node, key) in old.drain(..) {
            let list = &mut self.cells[self.group_of_node[node.index()] as usize];
            if let Ok(at) = list.binary_search_by(|e| (e.node, e.key).cmp(&(node, key))) {
                list.remove(at);
            }
        }
        for a in anchors {
            let key: Key = (a.time, vehicle as u32, a.position as u32);
            let held = Held {
                aboard: a.aboard,
                crates: a.crates,
                next: a.next,
            };
            let list = &mut self.cells[self.group_of_node[a.node.index()] as usize];
            let at = list.partition_point(|e| (e.node, e.key) < (a.node, key));
            list.insert(
                at,
                Entry {
                    node: a.node,
                    key,
                    held,
                },
            );
            old.push((a.node, key));
        }
        self.by_vehicle[vehicle] = old;
        for cell in touched {
            let list = &self.cells[cell as usize];
            self.first[cell as usize] = list.iter().map(|e| e.key.0).min().unwrap_or(SimTime::MAX);
        }
    }

    /// Whether the anchor's position could absorb the pickup's detour (see [`Detour`]).
    fn fits(held: &Held, to_pickup: u64, now: SimTime, visitor: &mut dyn Visitor) -> bool {
        let Some(detour) = held.next else {
            return true;
        };
        let (dwell, limit) = visitor.booking();
        // A detour grows with the times around it: if it does not fit with their lower
        // bounds, it does not fit (and no routing was needed to say so).
        [false, true].into_iter().all(|exact| {
            visitor
                .around(to_pickup, detour.node, exact)
                .is_some_and(|around| detour.absorbs(dwell, limit, around, now))
        })
    }

    /// Visits vehicles in order of a lower bound on their arrival at a pickup at `pickup`
    /// for `pets`, each once, while the bound is at most the cut-off (which `visitor`
    /// lowers as it finds arrivals).
    pub fn search(
        &mut self,
        net: &RoadNetwork,
        pickup: NodeId,
        pets: Manifest,
        now: SimTime,
        mut cutoff: SimTime,
        visitor: &mut dyn Visitor,
    ) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        let q = Query {
            net,
            pickup,
            point: net.node(pickup).point,
            pets,
            now,
        };
        self.sync_marks(visitor);
        let (mut cells, mut nodes) = std::mem::take(&mut self.heaps);
        self.cell_heap(&q, &mut cells);
        let sweep = if cells.is_empty() {
            None
        } else {
            visitor.travel_sweep()
        };
        // Nodes of the opened cells, by the bound of their first admitted anchor.
        nodes.clear();
        loop {
            let next_node = nodes.peek().map(|Reverse((k, ..))| *k);
            match (cells.peek().map(|Reverse((k, _))| *k), next_node) {
                (None, None) => break,
                (Some(c), s) if s.is_none_or(|s| c < s) => {
                    let Some(Reverse((bound, cell))) = cells.pop() else {
                        break;
                    };
                    if bound > cutoff {
                        cells.clear();
                    } else {
                        let lookup = sweep.as_deref();
                        self.open_cell(cell, &q, (lookup, cutoff), &mut nodes, visitor);
                    }
                }
                _ => {
                    let Some(Reverse(stream)) = nodes.pop() else {
                        break;
                    };
                    let (bound, node, cell, d, first) = stream;
                    if bound > cutoff {
                        break;
                    }
                    if d != UNKNOWN {
                        cutoff = self.visit_node(stream, &q, cutoff, visitor);
                    } else if let Some(d) = visitor.travel_ms(node) {
                        // Known now: back in line by its travel time.
                        let start = self.cells[cell as usize][first].key.0.max(now);
                        nodes.push(Reverse((start + SimDuration(d), node, cell, d, first)));
                    }
                }
            }
        }
        self.heaps = (cells, nodes);
    }

    /// Occupied cells (by place) by `max(earliest anchor, now) + the bound from the cell to
    /// the point`.
    fn cell_heap(&self, q: &Query, heap: &mut CellHeap) {
        let mut cells = std::mem::take(heap).into_vec();
        cells.clear();
        let bounds = (self.first.iter().enumerate())
            .filter(|(_, first)| **first != SimTime::MAX)
            .map(|(group, &first)| {
                let crow = self.cell_bound_ms(self.cell_ids[group], q.point);
                let marks = self
                    .cell_marks
                    .as_ref()
                    .map_or(0, |(_, lm, g)| lm.group_bound_ms(g, group as u32, q.pickup));
                let lb = SimDuration(crow.max(marks));
                Reverse((first.max(q.now) + lb, group as u32))
            });
        cells.extend(bounds);
        *heap = BinaryHeap::from(cells);
    }

    /// Brings the cells' landmark bounds up to the visitor's landmarks.
    fn sync_marks(&mut self, visitor: &dyn Visitor) {
        match visitor.landmarks() {
            None => self.cell_marks = None,
            Some((id, lm)) => {
                if self.cell_marks.as_ref().is_none_or(|(k, ..)| *k != id) {
                    let g = lm.groups(&self.group_of_node, self.cell_ids.len());
                    self.cell_marks = Some((id, lm, g));
                }
            }
        }
    }

    /// Puts a cell's nodes in line: each by its travel time when that is a lookup (`sweep`;
    /// a node already past the cut-off is left out, it would never be visited), else by its
    /// great-circle or landmark bound, the travel time (a routing query) asked for only when
    /// that bound comes up. Both give the same order of visits.
    fn open_cell(
        &self,
        cell: u32,
        q: &Query<'_>,
        (sweep, cutoff): (Option<&Space>, SimTime),
        nodes: &mut BinaryHeap<Reverse<NodeStream>>,
        visitor: &mut dyn Visitor,
    ) {
        let list = &self.cells[cell as usize];
        let mut from = 0;
        while from < list.len() {
            let node = list[from].node;
            // The node's run of anchors (short: a linear scan beats a binary search).
            let run = list[from..].iter().take_while(|e| e.node == node).count();
            let found = (from..from + run).find(|&i| list[i].held.admits(q.pets));
            from += run;
            let Some(at) = found else {
                continue;
            };
            let start = list[at].key.0.max(q.now);
            if let Some(sweep) = sweep {
                let Some(d) = sweep.between(q.net, q.pickup, node) else {
                    continue;
                };
                let bound = start + SimDuration(d);
                if bound <= cutoff {
                    nodes.push(Reverse((bound, node, cell, d, at)));
                }
                continue;
            }
            let crow = Self::node_bound_ms(q.net, node, q.pickup);
            let lb = SimDuration(visitor.bound_ms(node).map_or(crow, |b| b.max(crow)));
            nodes.push(Reverse((start + lb, node, cell, UNKNOWN, at)));
        }
    }

    /// Visits a node's vehicles in time order while their bound is within the cut-off; the
    /// order across nodes only matters for speed, never for the answer (every vehicle with
    /// a bound within the final cut-off is visited). Returns the new cut-off.
    fn visit_node(
        &mut self,
        (_, node, cell, d, first): NodeStream,
        q: &Query<'_>,
        mut cutoff: SimTime,
        visitor: &mut dyn Visitor,
    ) -> SimTime {
        let list = &self.cells[cell as usize];
        for &Entry {
            node: at,
            key,
            held,
        } in &list[first..]
        {
            if at != node {
                break;
            }
            let bound = key.0.max(q.now) + SimDuration(d);
            if bound > cutoff {
                break;
            }
            let van = key.1 as usize;
            if self.seen[van] == self.stamp || !held.admits(q.pets) {
                continue;
            }
            if Self::fits(&held, d, q.now, visitor) {
                self.seen[van] = self.stamp;
                cutoff = cutoff.min(visitor.visit(van, bound));
            }
        }
        cutoff
    }
}

/// What a search looks for: a pickup at `pickup` (at `point`) of `pets`, at `now`.
#[derive(Clone, Copy)]
struct Query<'n> {
    net: &'n RoadNetwork,
    pickup: NodeId,
    point: Point<f64>,
    pets: Manifest,
    now: SimTime,
}
