//! Travel times without paths: the hierarchy's upward graph, searched by our own code.
//!
//! `fast_paths` answers a query with the path (it unpacks every shortcut). Dispatch asks
//! for times only, and mostly in families that share one end: every candidate's time to one
//! pickup, the pickup's time to every next stop. So the upward graph is read out of the
//! prepared `FastGraph` (through its serde form, the only public view of its edges, in CBOR); a
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
    base_node: usize,
    adj_node: usize,
    weight: usize,
    /// For a shortcut, its second half's index in `edges_fwd` (from the middle node);
    /// `usize::MAX` for a road.
    replaced_out_edge: usize,
}

/// No middle node: the arc is a road, not a shortcut.
const ROAD: u32 = u32::MAX;

/// Per node, its arcs to higher-ranked nodes: `(head, weight)`, and beside each arc the
/// node a shortcut passes through ([`ROAD`] for a road).
#[derive(Debug, Default)]
struct Csr {
    start: Vec<u32>,
    arcs: Vec<(u32, u32)>,
    mids: Vec<u32>,
}

impl Csr {
    fn build(n: usize, p: &GraphParts, first: &[usize], edges: &[EdgeParts]) -> Option<Csr> {
        let mut csr = Csr {
            start: Vec::with_capacity(n + 1),
            arcs: Vec::with_capacity(edges.len()),
            mids: Vec::with_capacity(edges.len()),
        };
        csr.start.push(0);
        for &rank in p.ranks.iter().take(n) {
            let (a, b) = (*first.get(rank)?, *first.get(rank + 1)?);
            for e in edges.get(a..b)? {
                let mid = match e.replaced_out_edge {
                    usize::MAX => ROAD,
                    out => u32::try_from(p.edges_fwd.get(out)?.base_node).ok()?,
                };
                csr.arcs.push((
                    u32::try_from(e.adj_node).ok()?,
                    u32::try_from(e.weight).ok()?,
                ));
                csr.mids.push(mid);
            }
            csr.start.push(u32::try_from(csr.arcs.len()).ok()?);
        }
        Some(csr)
    }

    /// `csr`'s arcs renumbered by place and listed in place order.
    fn by_place(csr: &Csr, descending: &[u32], place: &[u32]) -> Csr {
        let mut out = Csr {
            start: Vec::with_capacity(descending.len() + 1),
            arcs: Vec::with_capacity(csr.arcs.len()),
            mids: Vec::with_capacity(csr.mids.len()),
        };
        out.start.push(0);
        for &v in descending {
            let range = csr.range(v as usize);
            out.arcs.extend(
                csr.arcs[range.clone()]
                    .iter()
                    .map(|&(u, c)| (place[u as usize], c)),
            );
            out.mids.extend(csr.mids[range].iter().map(|&m| match m {
                ROAD => ROAD,
                m => place[m as usize],
            }));
            out.start.push(out.arcs.len() as u32);
        }
        out
    }

    fn range(&self, node: usize) -> std::ops::Range<usize> {
        self.start[node] as usize..self.start[node + 1] as usize
    }

    /// The middle of the first of `node`'s arcs to `head` (as `fast_paths` unpacks), or
    /// `None` if it has none.
    fn mid(&self, node: usize, head: u32) -> Option<u32> {
        let range = self.range(node);
        let i = self.arcs[range.clone()]
            .iter()
            .position(|&(h, _)| h == head)?;
        Some(self.mids[range.start + i])
    }

    fn of(&self, node: usize) -> &[(u32, u32)] {
        &self.arcs[self.range(node)]
    }
}

/// The upward graph of a hierarchy.
#[derive(Debug, Default)]
pub struct Upward {
    nodes: usize,
    /// Each node's place in the sweep order (highest rank first): the graph below numbers
    /// nodes by place, so a sweep reads its arcs in sequence.
    place: Vec<u32>,
    /// The node at each place.
    node_at: Vec<u32>,
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
        // CBOR: a tenth of JSON's bytes for the same fields, and quicker both ways.
        let mut bytes = Vec::new();
        ciborium::into_writer(fast, &mut bytes).ok()?;
        let p: GraphParts = ciborium::from_reader(bytes.as_slice()).ok()?;
        let n = p.num_nodes;
        let mut descending: Vec<u32> = (0..n).map(|v| v as u32).collect();
        descending.sort_unstable_by_key(|&v| Reverse(p.ranks.get(v as usize).copied()));
        let mut place = vec![0u32; n];
        for (i, &v) in descending.iter().enumerate() {
            place[v as usize] = i as u32;
        }
        let fwd = Csr::build(n, &p, &p.first_edge_ids_fwd, &p.edges_fwd)?;
        let bwd = Csr::build(n, &p, &p.first_edge_ids_bwd, &p.edges_bwd)?;
        Some(Upward {
            nodes: n,
            fwd: Csr::by_place(&fwd, &descending, &place),
            bwd: Csr::by_place(&bwd, &descending, &place),
            place,
            node_at: descending,
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
        let r = self.place[root] as usize;
        scratch.relax(r, 0, r as u32);
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
                scratch.relax(w as usize, d + u64::from(c), v);
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
        self.search(source, target, fwd, bwd).map(|(d, _)| d)
    }

    /// The fastest path from `source` to `target` as the hierarchy's node ids, both ends
    /// included, with its weight: the upward search of [`Upward::query`], then each arc
    /// unpacked into the roads it stands for; `None` if there is no path.
    pub fn path(
        &self,
        source: usize,
        target: usize,
        fwd: &mut Scratch,
        bwd: &mut Scratch,
    ) -> Option<(u64, Vec<usize>)> {
        if source == target {
            return Some((0, vec![source]));
        }
        let (d, meet) = self.search(source, target, fwd, bwd)?;
        // Places from the source up to the meeting node, then down to the target.
        let mut up = vec![meet];
        while let Some(&v) = up.last().filter(|&&v| fwd.parent[v as usize] != v) {
            up.push(fwd.parent[v as usize]);
        }
        up.reverse();
        let mut v = meet;
        while bwd.parent[v as usize] != v {
            v = bwd.parent[v as usize];
            up.push(v);
        }
        let mut nodes = vec![self.node_at[up[0] as usize] as usize];
        for pair in up.windows(2) {
            self.unpack(pair[0], pair[1], &mut nodes);
        }
        Some((d, nodes))
    }

    /// Pushes the nodes of the arc from place `a` to place `b` (after `a`, up to `b`
    /// included), a shortcut replaced by its two halves until only roads remain.
    fn unpack(&self, a: u32, b: u32, nodes: &mut Vec<usize>) {
        let mut todo = vec![(a, b)];
        while let Some((a, b)) = todo.pop() {
            // The arc is stored at its lower end (the higher place).
            let mid = if a > b {
                self.fwd.mid(a as usize, b)
            } else {
                self.bwd.mid(b as usize, a)
            };
            match mid {
                Some(ROAD) | None => nodes.push(self.node_at[b as usize] as usize),
                Some(m) => {
                    todo.push((m, b));
                    todo.push((a, m));
                }
            }
        }
    }

    /// The bidirectional upward search: the weight and the place where the two sides
    /// meet best; `None` if they never meet.
    fn search(
        &self,
        source: usize,
        target: usize,
        fwd: &mut Scratch,
        bwd: &mut Scratch,
    ) -> Option<(u64, u32)> {
        fwd.reset(self.nodes);
        bwd.reset(self.nodes);
        let (s, t) = (self.place[source], self.place[target]);
        fwd.relax(s as usize, 0, s);
        bwd.relax(t as usize, 0, t);
        let mut best = (u64::MAX, 0);
        loop {
            let f = self.step(Side::From, fwd, bwd, &mut best);
            let b = self.step(Side::To, bwd, fwd, &mut best);
            if !f && !b {
                break;
            }
        }
        (best.0 != u64::MAX).then_some(best)
    }

    /// Settles one node of the search on `side` (`me`), checking it against the other
    /// side's labels; false once that side is done (empty, or past `best`).
    fn step(&self, side: Side, me: &mut Scratch, other: &Scratch, best: &mut (u64, u32)) -> bool {
        let (up, stall) = self.csrs(side);
        while let Some(Reverse((d, v))) = me.heap.pop() {
            if d >= best.0 {
                me.heap.clear();
                return false;
            }
            if d > me.get(v as usize) {
                continue;
            }
            let there = other.get(v as usize);
            if there != u64::MAX && d + there < best.0 {
                *best = (d + there, v);
            }
            if stall
                .of(v as usize)
                .iter()
                .any(|&(w, c)| me.get(w as usize).saturating_add(u64::from(c)) < d)
            {
                return true;
            }
            for &(w, c) in up.of(v as usize) {
                me.relax(w as usize, d + u64::from(c), v);
            }
            return true;
        }
        false
    }

    /// A copy in fresh allocations of the exact sizes.
    pub fn compacted(&self) -> Upward {
        let csr = |c: &Csr| Csr {
            start: c.start.clone(),
            arcs: c.arcs.clone(),
            mids: c.mids.clone(),
        };
        Upward {
            nodes: self.nodes,
            place: self.place.clone(),
            node_at: self.node_at.clone(),
            fwd: csr(&self.fwd),
            bwd: csr(&self.bwd),
        }
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
    /// The place each label came from (a root's is its own).
    parent: Vec<u32>,
    stamp: Vec<u32>,
    now: u32,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Scratch {
    fn reset(&mut self, nodes: usize) {
        if self.dist.len() != nodes {
            self.dist = vec![u64::MAX; nodes];
            self.parent = vec![0; nodes];
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

    fn relax(&mut self, v: usize, d: u64, from: u32) {
        if d < self.get(v) {
            self.dist[v] = d;
            self.parent[v] = from;
            self.stamp[v] = self.now;
            self.heap.push(Reverse((d, v as u32)));
        }
    }
}
