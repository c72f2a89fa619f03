//! Landmark lower bounds (ALT): exact travel times from and to a few landmarks bound the time
//! between any two nodes by the triangle inequality, far tighter on city streets than the
//! great-circle distance at the network's top speed (a street network's 110 km/h expressway
//! joins make that bound four times too low for a 25 km/h city).
//!
//! Bounds hold for the weights the landmarks were computed from (a profile hour's whole
//! milliseconds, as its hierarchy has them); networks with stop-only nodes get none (a route
//! may not pass through such a node, which breaks the triangle inequality).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::network::{NodeKind, RoadNetwork};
use crate::ids::NodeId;

/// How many landmarks: the network's extremes in eight compass directions.
const LANDMARKS: usize = 8;
const UNREACHED: u32 = u32::MAX;

/// Times from and to each landmark, per node.
#[derive(Debug)]
pub struct Landmarks {
    nodes: usize,
    /// How many landmarks.
    k: usize,
    /// `[node * 2k + landmark]`: ms from the landmark to the node; `[node * 2k + k +
    /// landmark]`: ms from the node to the landmark (a node's times side by side: a bound
    /// reads two cache lines).
    times: Vec<u32>,
}

impl Landmarks {
    /// Landmarks for `arcs` (`(from, to, ms)` between node indices); `None` when the network
    /// has stop-only nodes or none.
    pub fn build(net: &RoadNetwork, arcs: &[(usize, usize, usize)]) -> Option<Landmarks> {
        let n = net.nodes().len();
        if n == 0 || net.routing_nodes() != n {
            return None;
        }
        let roots = pick(net);
        let (fwd, bwd) = (
            Adjacency::new(n, arcs, false),
            Adjacency::new(n, arcs, true),
        );
        let k = roots.len();
        let mut times = vec![UNREACHED; 2 * k * n];
        for (l, &r) in roots.iter().enumerate() {
            for (v, t) in fwd.dijkstra(r).into_iter().enumerate() {
                times[v * 2 * k + l] = t;
            }
            for (v, t) in bwd.dijkstra(r).into_iter().enumerate() {
                times[v * 2 * k + k + l] = t;
            }
        }
        Some(Landmarks { nodes: n, k, times })
    }

    /// Milliseconds from landmark `l` to `v`.
    fn from(&self, l: usize, v: usize) -> u32 {
        self.times[v * 2 * self.k + l]
    }

    /// Milliseconds from `v` to landmark `l`.
    fn to(&self, l: usize, v: usize) -> u32 {
        self.times[v * 2 * self.k + self.k + l]
    }

    /// A lower bound on the milliseconds from `a` to `b`.
    pub fn lower_bound_ms(&self, a: NodeId, b: NodeId) -> u64 {
        let w = 2 * self.k;
        let (a, b) = (
            &self.times[a.index() * w..][..w],
            &self.times[b.index() * w..][..w],
        );
        let mut best = 0u32;
        for l in 0..self.k {
            let (la, lb) = (a[l], b[l]);
            if la != UNREACHED && lb != UNREACHED {
                best = best.max(lb.saturating_sub(la));
            }
            let (al, bl) = (a[self.k + l], b[self.k + l]);
            if al != UNREACHED && bl != UNREACHED {
                best = best.max(al.saturating_sub(bl));
            }
        }
        u64::from(best)
    }
}

/// Landmark times aggregated over groups of nodes (the cells of a grid): per group and
/// landmark, the longest time from the landmark to a member and the shortest from a member
/// to it, for lower bounds from any member of a group.
#[derive(Debug)]
pub struct GroupMarks {
    landmarks: usize,
    /// `[group * landmarks + k]`.
    max_from: Vec<u32>,
    min_to: Vec<u32>,
}

impl Landmarks {
    /// Aggregates over the groups `group_of[node]` (`0..groups`).
    pub fn groups(&self, group_of: &[u32], groups: usize) -> GroupMarks {
        let k = self.k;
        let mut max_from = vec![0u32; groups * k];
        let mut min_to = vec![UNREACHED; groups * k];
        for (v, &g) in group_of.iter().enumerate().take(self.nodes) {
            for l in 0..k {
                let at = g as usize * k + l;
                max_from[at] = max_from[at].max(self.from(l, v));
                min_to[at] = min_to[at].min(self.to(l, v));
            }
        }
        GroupMarks {
            landmarks: k,
            max_from,
            min_to,
        }
    }

    /// A lower bound on the milliseconds from any member of `group` to `b`.
    pub fn group_bound_ms(&self, marks: &GroupMarks, group: u32, b: NodeId) -> u64 {
        let mut best = 0u32;
        for l in 0..marks.landmarks {
            let at = group as usize * marks.landmarks + l;
            let (lb, far) = (self.from(l, b.index()), marks.max_from[at]);
            if lb != UNREACHED && far != UNREACHED {
                best = best.max(lb.saturating_sub(far));
            }
            let (bl, near) = (self.to(l, b.index()), marks.min_to[at]);
            if bl != UNREACHED && near != UNREACHED {
                best = best.max(near.saturating_sub(bl));
            }
        }
        u64::from(best)
    }
}

/// The landmarks: among the street nodes (all nodes if the network has few), the extremes
/// north, south, east, west and on both diagonals; ties to the lower id.
fn pick(net: &RoadNetwork) -> Vec<usize> {
    let streets: Vec<&super::network::Node> = (net.nodes().iter())
        .filter(|n| n.kind == NodeKind::Street)
        .collect();
    let pool: Vec<&super::network::Node> = if streets.len() >= 100 {
        streets
    } else {
        net.nodes().iter().collect()
    };
    let keys: [fn(f64, f64) -> f64; LANDMARKS / 2] =
        [|y, _| y, |_, x| x, |y, x| y + x, |y, x| y - x];
    let mut roots = Vec::new();
    for key in keys {
        let score = |n: &&super::network::Node| key(n.point.y(), n.point.x());
        let lo = pool
            .iter()
            .min_by(|a, b| score(a).total_cmp(&score(b)).then(a.id.cmp(&b.id)));
        let hi = pool
            .iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)).then(b.id.cmp(&a.id)));
        roots.extend([lo, hi].into_iter().flatten().map(|n| n.id.index()));
    }
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// Arcs by tail (or by head, reversed), for one-to-all searches.
struct Adjacency {
    start: Vec<usize>,
    arcs: Vec<(u32, u32)>,
}

impl Adjacency {
    fn new(n: usize, arcs: &[(usize, usize, usize)], reverse: bool) -> Self {
        let mut count = vec![0usize; n + 1];
        for &(a, b, _) in arcs {
            count[if reverse { b } else { a } + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut out = vec![(0u32, 0u32); arcs.len()];
        for &(a, b, w) in arcs {
            let (tail, head) = if reverse { (b, a) } else { (a, b) };
            out[fill[tail]] = (head as u32, u32::try_from(w).unwrap_or(u32::MAX));
            fill[tail] += 1;
        }
        Adjacency {
            start: count,
            arcs: out,
        }
    }

    /// Milliseconds from `root` to every node (`UNREACHED` where none).
    fn dijkstra(&self, root: usize) -> Vec<u32> {
        let n = self.start.len() - 1;
        let mut dist = vec![u64::MAX; n];
        let mut heap = BinaryHeap::new();
        dist[root] = 0;
        heap.push(Reverse((0u64, root)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > dist[v] {
                continue;
            }
            for &(w, c) in &self.arcs[self.start[v]..self.start[v + 1]] {
                let nd = d + u64::from(c);
                if nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    heap.push(Reverse((nd, w as usize)));
                }
            }
        }
        dist.into_iter()
            .map(|d| u32::try_from(d).unwrap_or(UNREACHED))
            .collect()
    }
}
