//! Travel times without paths: the hierarchy's upward graph, searched by our own code.
//!
//! `fast_paths` answers a query with the path (it unpacks every shortcut). Dispatch asks
//! for times only, and mostly in families that share one end: every candidate's time to one
//! pickup, the pickup's time to every next stop. So the upward graph is read out of the
//! prepared `FastGraph` (through its serde form, the only public view of its edges); a
//! single time is a bidirectional upward search with stall on demand, and a shared end gets
//! a one-to-all sweep (PHAST) after which each of its queries is a lookup. The answers equal
//! `fast_paths`' weights exactly (a test compares them on random pairs).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use fast_paths::FastGraph;
use serde::Deserialize;

/// The fields of `fast_paths::FastGraph` as it serializes them (version 1.0).
#[derive(Deserialize)]
struct GraphParts {
    num_nodes: usize,
    ranks: Vec<usize>,
    edges_fwd: Vec<EdgeParts>,
    first_edge_ids_fwd: Vec<usize>,
    edges_bwd: Vec<EdgeParts>,
    first_edge_ids_bwd: Vec<usize>,
}

#[derive(Deserialize)]
struct EdgeParts {
    adj_node: usize,
    weight: usize,
}

/// Per node, its arcs to higher-ranked nodes: `(head, weight)`.
#[derive(Debug, Default)]
struct Csr {
    start: Vec<u32>,
    arcs: Vec<(u32, u32)>,
}

impl Csr {
    fn build(n: usize, ranks: &[usize], first: &[usize], edges: &[EdgeParts]) -> Option<Csr> {
        let mut start = Vec::with_capacity(n + 1);
        let mut arcs = Vec::with_capacity(edges.len());
        start.push(0);
        for &rank in ranks.iter().take(n) {
            let (a, b) = (*first.get(rank)?, *first.get(rank + 1)?);
            for e in edges.get(a..b)? {
                arcs.push((
                    u32::try_from(e.adj_node).ok()?,
                    u32::try_from(e.weight).ok()?,
                ));
            }
            start.push(u32::try_from(arcs.len()).ok()?);
        }
        Some(Csr { start, arcs })
    }

    /// `csr`'s arcs renumbered by place and listed in place order.
    fn by_place(csr: &Csr, descending: &[u32], place: &[u32]) -> Csr {
        let mut start = Vec::with_capacity(descending.len() + 1);
        let mut arcs = Vec::with_capacity(csr.arcs.len());
        start.push(0);
        for &v in descending {
            arcs.extend(
                csr.of(v as usize)
                    .iter()
                    .map(|&(u, c)| (place[u as usize], c)),
            );
            start.push(arcs.len() as u32);
        }
        Csr { start, arcs }
    }

    fn of(&self, node: usize) -> &[(u32, u32)] {
        &self.arcs[self.start[node] as usize..self.start[node + 1] as usize]
    }
}

/// The upward graph of a hierarchy.
#[derive(Debug, Default)]
pub struct Upward {
    nodes: usize,
    /// Each node's place in the sweep order (highest rank first): the graph below numbers
    /// nodes by place, so a sweep reads its arcs in sequence.
    place: Vec<u32>,
    /// Per place, its arcs up to higher places (`fwd`: out of it; `bwd`: into it).
    fwd: Csr,
    bwd: Csr,
}

/// A weight in a [`Space`] for no path (weights are milliseconds, far below it: 49 days).
const UNREACHED: u32 = u32::MAX;

/// Which way a search space runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// From a source, along forward arcs.
    From,
    /// To a target, along backward arcs.
    To,
}

impl Upward {
    /// Reads the upward graph out of `fast`; `None` if its serde form is not the one this
    /// code knows (then queries go to `fast_paths`).
    pub fn of(fast: &FastGraph) -> Option<Upward> {
        let bytes = serde_json::to_vec(fast).ok()?;
        let p: GraphParts = serde_json::from_slice(&bytes).ok()?;
        let n = p.num_nodes;
        let mut descending: Vec<u32> = (0..n).map(|v| v as u32).collect();
        descending.sort_unstable_by_key(|&v| Reverse(p.ranks.get(v as usize).copied()));
        let mut place = vec![0u32; n];
        for (i, &v) in descending.iter().enumerate() {
            place[v as usize] = i as u32;
        }
        let fwd = Csr::build(n, &p.ranks, &p.first_edge_ids_fwd, &p.edges_fwd)?;
        let bwd = Csr::build(n, &p.ranks, &p.first_edge_ids_bwd, &p.edges_bwd)?;
        Some(Upward {
            nodes: n,
            fwd: Csr::by_place(&fwd, &descending, &place),
            bwd: Csr::by_place(&bwd, &descending, &place),
            place,
        })
    }

    /// The weights between `root` and every node on `side` (PHAST: the upward search from the
    /// root, then one sweep down the ranks, each node taking the best over the arcs from
    /// the nodes above it; linear in the graph's size, and laid out by sweep order so the
    /// sweep reads its arcs in sequence).
    /// `buffer` is reused for the weights (a space's [`Space::into_buffer`]).
    pub fn space(
        &self,
        root: usize,
        side: Side,
        scratch: &mut Scratch,
        mut dist: Vec<u32>,
    ) -> Space {
        let (up, sweep) = self.csrs(side);
        scratch.reset(self.nodes);
        scratch.relax(self.place[root] as usize, 0);
        // The sweep runs by place in the scratch; the space keeps its weights by node.
        let mut by_place = std::mem::take(&mut scratch.sweep);
        by_place.clear();
        by_place.resize(self.nodes, UNREACHED);
        while let Some(Reverse((d, v))) = scratch.heap.pop() {
            if d > scratch.get(v as usize) {
                continue;
            }
            by_place[v as usize] = u32::try_from(d).unwrap_or(UNREACHED - 1);
            for &(w, c) in up.of(v as usize) {
                scratch.relax(w as usize, d + u64::from(c));
            }
        }
        for i in 0..self.nodes {
            let best = (sweep.of(i).iter())
                .map(|&(u, c)| by_place[u as usize].saturating_add(c))
                .fold(by_place[i], u32::min);
            by_place[i] = best;
        }
        dist.clear();
        dist.extend(self.place.iter().map(|&i| by_place[i as usize]));
        scratch.sweep = by_place;
        Space { root, side, dist }
    }

    /// The weight from `source` to `target` (a bidirectional upward search with stall on
    /// demand, no path unpacked); `None` if there is no path.
    pub fn query(
        &self,
        source: usize,
        target: usize,
        fwd: &mut Scratch,
        bwd: &mut Scratch,
    ) -> Option<u64> {
        if source == target {
            return Some(0);
        }
        fwd.reset(self.nodes);
        bwd.reset(self.nodes);
        fwd.relax(self.place[source] as usize, 0);
        bwd.relax(self.place[target] as usize, 0);
        let mut best = u64::MAX;
        loop {
            let f = self.step(Side::From, fwd, bwd, &mut best);
            let b = self.step(Side::To, bwd, fwd, &mut best);
            if !f && !b {
                break;
            }
        }
        (best != u64::MAX).then_some(best)
    }

    /// Settles one node of the search on `side` (`me`), checking it against the other
    /// side's labels; false once that side is done (empty, or past `best`).
    fn step(&self, side: Side, me: &mut Scratch, other: &Scratch, best: &mut u64) -> bool {
        let (up, stall) = self.csrs(side);
        while let Some(Reverse((d, v))) = me.heap.pop() {
            if d >= *best {
                me.heap.clear();
                return false;
            }
            if d > me.get(v as usize) {
                continue;
            }
            let there = other.get(v as usize);
            if there != u64::MAX {
                *best = (*best).min(d + there);
            }
            if stall
                .of(v as usize)
                .iter()
                .any(|&(w, c)| me.get(w as usize).saturating_add(u64::from(c)) < d)
            {
                return true;
            }
            for &(w, c) in up.of(v as usize) {
                me.relax(w as usize, d + u64::from(c));
            }
            return true;
        }
        false
    }

    /// Nodes the hierarchy knows.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The arcs the upward search on `side` follows, and those its stall test and a sweep
    /// down read (for a source, the arcs into each node from above; for a target, those out
    /// of it upwards).
    fn csrs(&self, side: Side) -> (&Csr, &Csr) {
        match side {
            Side::From => (&self.fwd, &self.bwd),
            Side::To => (&self.bwd, &self.fwd),
        }
    }
}

/// The times between a root and every node (a sweep).
#[derive(Debug, Clone)]
pub struct Space {
    /// The node it was grown from.
    pub root: usize,
    /// Whether it leads from the root or to it.
    pub side: Side,
    /// Weight per node of the hierarchy ([`UNREACHED`]: no path).
    dist: Vec<u32>,
}

impl Space {
    /// The weight between the hierarchy's node `id` and the root (see [`Space::meet`]);
    /// `None` if there is no path or no such node.
    pub fn at(&self, id: usize) -> Option<u64> {
        let d = *self.dist.get(id)?;
        (d != UNREACHED).then_some(u64::from(d))
    }

    /// Its weights' memory, for the next sweep (`Ch::space_in`).
    pub fn into_buffer(self) -> Vec<u32> {
        self.dist
    }
}

/// Scratch arrays for one search at a time: weights stamped by search, and the heap.
#[derive(Debug, Default)]
pub struct Scratch {
    /// A sweep's weights by place.
    sweep: Vec<u32>,
    dist: Vec<u64>,
    stamp: Vec<u32>,
    now: u32,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Scratch {
    fn reset(&mut self, nodes: usize) {
        if self.dist.len() != nodes {
            self.dist = vec![u64::MAX; nodes];
            self.stamp = vec![0; nodes];
            self.now = 0;
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.fill(0);
            self.now = 1;
        }
        self.heap.clear();
    }

    fn get(&self, v: usize) -> u64 {
        if self.stamp[v] == self.now {
            self.dist[v]
        } else {
            u64::MAX
        }
    }

    fn relax(&mut self, v: usize, d: u64) {
        if d < self.get(v) {
            self.dist[v] = d;
            self.stamp[v] = self.now;
            self.heap.push(Reverse((d, v as u32)));
        }
    }
}
