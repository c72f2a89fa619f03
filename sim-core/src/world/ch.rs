//! Contraction hierarchies (the `fast_paths` crate) over one set of edge travel times: a
//! fastest-path query in microseconds on a city network, in O(nodes + edges) memory.
//!
//! Weights are whole milliseconds, each edge's time rounded up (so a great-circle lower
//! bound never exceeds a path's weight, and `fast_paths`, which needs positive integers,
//! gets at least 1). Closed edges are left out. Stop-only nodes are split as the network
//! describes ([`super::network`]). A hierarchy is prepared once per weight set; later weight
//! sets of the same network (other profile hours) reuse the first node order, which
//! `fast_paths` prepares about seven times faster.
//!
//! `fast_paths` prepares the hierarchy; its upward graph is then read out (`upward`) and
//! `fast_paths`' own graph dropped (it took four times the memory). Travel times, one-to-all
//! sweeps and routes (each shortcut unpacked through the node it passes) are our searches
//! of the upward graph. Each thread keeps its own scratch, so shards on several threads
//! never share one; an answer depends only on the graph, never on which scratch computed
//! it.

mod upward;

use std::cell::RefCell;

use fast_paths::{FastGraph, InputGraph, PathCalculator};

use super::network::RoadNetwork;
use super::routing::{edges_of_path, Route, TravelTimes};
use crate::ids::{EdgeId, NodeId};
use upward::{Scratch, Upward};
pub use upward::{Side, Space};

/// A prepared hierarchy for one set of edge times.
#[derive(Debug)]
pub struct Ch {
    /// Its upward graph (`None` if it could not be read).
    up: Option<Upward>,
    /// `fast_paths`' own graph, kept only when the upward graph could not be read.
    fast: Option<FastGraph>,
    /// Nodes the hierarchy knows (ids past the last node with an edge are isolated).
    known: usize,
    /// Identity of the weights it was prepared from (e.g. a speed table's digest).
    pub digest: u64,
}

/// Whole milliseconds to traverse `edge` under `times` (rounded up, at least 1), or
/// `None` when it is closed.
pub fn edge_weight_ms(net: &RoadNetwork, times: &dyn TravelTimes, edge: EdgeId) -> Option<u64> {
    times
        .edge_time_s(net, edge)
        .map(|s| ((s * 1_000.0).ceil() as u64).max(1))
}

/// The arcs a hierarchy is prepared from: `(tail routing id, head node index, ms)`, open
/// edges only; of parallel roads the quickest only (as fast_paths would, without its
/// warning).
pub fn arcs(net: &RoadNetwork, times: &dyn TravelTimes) -> Vec<(usize, usize, usize)> {
    let mut arcs: Vec<(usize, usize, usize)> = net
        .edges()
        .iter()
        .filter_map(|e| {
            let w = edge_weight_ms(net, times, e.id)?;
            Some((net.departure_id(e.from), e.to.index(), w as usize))
        })
        .collect();
    arcs.sort_unstable();
    arcs.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
    arcs
}

thread_local! {
    static CALCULATORS: RefCell<Vec<(usize, PathCalculator)>> = const { RefCell::new(Vec::new()) };
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    static SCRATCH_BACK: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's calculator for graphs of `nodes` nodes.
fn with_calculator<T>(nodes: usize, f: impl FnOnce(&mut PathCalculator) -> T) -> T {
    CALCULATORS.with(|cell| {
        let mut list = cell.borrow_mut();
        let i = match list.iter().position(|(n, _)| *n == nodes) {
            Some(i) => i,
            None => {
                list.push((nodes, PathCalculator::new(nodes)));
                list.len() - 1
            }
        };
        f(&mut list[i].1)
    })
}

impl Ch {
    /// Prepares a hierarchy for `times` (identified by `digest`), reusing `order` (a node
    /// order from an earlier preparation of the same network) when given. Returns it with
    /// its node order.
    pub fn prepare(
        net: &RoadNetwork,
        times: &dyn TravelTimes,
        digest: u64,
        order: Option<&[usize]>,
    ) -> (Ch, Vec<usize>) {
        let arcs = arcs(net, times);
        let mut input = InputGraph::new();
        for (from, to, w) in arcs {
            input.add_edge(from, to, w);
        }
        input.freeze();
        let known = input.get_num_nodes();
        // fast_paths' default witness searches (500 settled nodes). Measured on the street
        // network (7,368 nodes): 242 ms and 63k queries/s, against 150 ms and 52k/s with
        // searches cut to 30; deeper hierarchies (factor 0.5-5) or longer searches change
        // queries by under 10 %. Later preparations reuse the order (28 ms).
        let fresh = || fast_paths::prepare(&input);
        // An order covers every routing node; the hierarchy holds those up to the last one
        // an edge touches, so the order is cut to those (their relative order kept).
        let fast = match order {
            Some(o) if o.len() == net.routing_nodes() => {
                let inside: Vec<usize> = o.iter().copied().filter(|&n| n < known).collect();
                fast_paths::prepare_with_order(&input, &inside).unwrap_or_else(|_| fresh())
            }
            _ => fresh(),
        };
        // The order of every routing node: the hierarchy's, then any it does not hold.
        let mut order = fast_paths::get_node_ordering(&fast);
        order.extend(known..net.routing_nodes());
        let up = Upward::of(&fast).filter(|u| u.nodes() == known);
        let fast = up.is_none().then_some(fast);
        drop(input);
        // Copied once the preparation's scratch is freed, into the gaps it leaves: a run that
        // prepares hierarchies again and again then keeps reusing the same memory.
        let up = up.map(|u| u.compacted());
        (
            Ch {
                fast,
                up,
                known,
                digest,
            },
            order,
        )
    }

    fn ids(&self, net: &RoadNetwork, from: NodeId, to: NodeId) -> Option<(usize, usize)> {
        let (s, t) = (net.departure_id(from), to.index());
        (s < self.known && t < self.known).then_some((s, t))
    }

    /// Milliseconds of the fastest path, or `None` when `to` cannot be reached.
    pub fn time_ms(&self, net: &RoadNetwork, from: NodeId, to: NodeId) -> Option<u64> {
        if from == to {
            return Some(0);
        }
        let (s, t) = self.ids(net, from, to)?;
        match (&self.up, &self.fast) {
            (Some(up), _) => SCRATCH.with(|f| {
                SCRATCH_BACK.with(|b| up.query(s, t, &mut f.borrow_mut(), &mut b.borrow_mut()))
            }),
            (None, Some(fast)) => with_calculator(self.known, |calc| {
                calc.calc_path(fast, s, t).map(|p| p.get_weight() as u64)
            }),
            (None, None) => None,
        }
    }

    /// The routing ids along the fastest path from `from` to `to`, both ends included.
    fn path(&self, net: &RoadNetwork, from: NodeId, to: NodeId) -> Option<Vec<usize>> {
        let (s, t) = self.ids(net, from, to)?;
        match (&self.up, &self.fast) {
            (Some(up), _) => SCRATCH
                .with(|f| {
                    SCRATCH_BACK.with(|b| up.path(s, t, &mut f.borrow_mut(), &mut b.borrow_mut()))
                })
                .map(|(_, nodes)| nodes),
            (None, Some(fast)) => with_calculator(self.known, |calc| {
                calc.calc_path(fast, s, t).map(|p| p.get_nodes().clone())
            }),
            (None, None) => None,
        }
    }

    /// The times between `node` and every node (`Side::From`: leaving it, `Side::To`:
    /// reaching it), a one-to-all sweep, for [`Ch::meet`]; `None` when the node has no edge
    /// or the upward graph could not be read.
    pub fn space(&self, net: &RoadNetwork, node: NodeId, side: Side) -> Option<Space> {
        self.space_in(net, node, side, Vec::new())
    }

    /// [`Ch::space`], its weights written in `buffer` (a space's [`Space::into_buffer`]).
    pub fn space_in(
        &self,
        net: &RoadNetwork,
        node: NodeId,
        side: Side,
        buffer: Vec<u32>,
    ) -> Option<Space> {
        let up = self.up.as_ref()?;
        let root = match side {
            Side::From => net.departure_id(node),
            Side::To => node.index(),
        };
        (root < self.known)
            .then(|| SCRATCH.with(|s| up.space(root, side, &mut s.borrow_mut(), buffer)))
    }

    /// Milliseconds between `other` and the root of `space` (from `other` to a target's
    /// sweep, from a source's sweep to `other`), as [`Ch::time_ms`] gives them: a lookup;
    /// `None` when there is no path.
    pub fn meet(&self, net: &RoadNetwork, space: &Space, other: NodeId) -> Option<u64> {
        self.up.as_ref()?;
        space.meet(net, other)
    }

    /// Whether [`Ch::space`] and [`Ch::meet`] can answer (the upward graph was read).
    pub fn has_upward(&self) -> bool {
        self.up.is_some()
    }

    /// Milliseconds of the route [`Ch::route`] follows, summed from its roads' weights
    /// under `times` (the hierarchy's own): the check that paths unpack to their weight.
    pub fn path_weight_ms(
        &self,
        net: &RoadNetwork,
        times: &dyn TravelTimes,
        from: NodeId,
        to: NodeId,
    ) -> Option<u64> {
        let route = self.route(net, times, from, to)?;
        (route.edges.iter())
            .map(|&e| edge_weight_ms(net, times, e))
            .sum()
    }

    /// The fastest path as a route; `times` must be the weights the hierarchy was prepared
    /// from (it picks the edge between consecutive nodes and gives the time in seconds).
    pub fn route(
        &self,
        net: &RoadNetwork,
        times: &dyn TravelTimes,
        from: NodeId,
        to: NodeId,
    ) -> Option<Route> {
        if from == to {
            return Some(Route {
                edges: Vec::new(),
                length_m: 0.0,
                time_s: 0.0,
            });
        }
        let path = self.path(net, from, to)?;
        let (edges, length_m) = edges_of_path(net, times, &path)?;
        let time_s = edges
            .iter()
            .filter_map(|&e| times.edge_time_s(net, e))
            .sum();
        Some(Route {
            edges,
            length_m,
            time_s,
        })
    }
}

impl Space {
    /// Milliseconds between `other` and `root`, the node this space was grown from (0 for
    /// the root itself, whichever routing id its side reads), else [`Space::meet`].
    pub fn between(&self, net: &RoadNetwork, root: NodeId, other: NodeId) -> Option<u64> {
        if other == root {
            return Some(0);
        }
        self.meet(net, other)
    }

    /// Milliseconds between `other` and the root (from `other` to a target's sweep, from a
    /// source's sweep to `other`): one read; `None` when there is no path.
    pub fn meet(&self, net: &RoadNetwork, other: NodeId) -> Option<u64> {
        self.at(match self.side {
            Side::To => net.departure_id(other),
            Side::From => other.index(),
        })
    }
}
