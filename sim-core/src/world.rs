//! The world the actors live in: the road network and routing over it.

pub mod ch;
pub mod landmarks;
pub mod matching;
pub mod network;
pub mod routing;

pub use ch::{Ch, Side, Space};
pub use landmarks::{GroupMarks, Landmarks};
pub use matching::{Fix, MapMatcher, Matched};

/// Networks with at least this many routing nodes are "large": vehicles choose routes
/// through the hour-profile hierarchies and dispatch bounds with landmarks; smaller ones
/// (the district network) search with A* and great-circle bounds, quicker there.
pub const LARGE_NETWORK_NODES: usize = 1_000;
pub use network::{
    DirectedEdgeSpec, Edge, EdgeSpec, NetworkError, Node, NodeKind, NodeSpec, RoadClass,
    RoadNetwork,
};
pub use routing::{fastest_route, route_time_s, FreeFlow, Route, RoutingGraph, TravelTimes};

/// The network with its routing view, shared read-only by every actor.
#[derive(Debug)]
pub struct World {
    /// The road network.
    pub net: RoadNetwork,
    /// Its petgraph view for routing.
    pub graph: RoutingGraph,
    /// Per node: reachable from the network's largest strongly connected part, and able to
    /// get back to it (stop-only nodes by their arrival and departure sides).
    connected: Vec<(bool, bool)>,
    /// A node order for contraction hierarchies saved with the network (a permutation of
    /// the routing nodes): preparing with it takes a third of the time.
    ch_order: Option<std::sync::Arc<[usize]>>,
}

impl World {
    /// Wraps a network.
    pub fn new(net: RoadNetwork) -> World {
        let graph = RoutingGraph::new(&net);
        let connected = connectivity(&net, &graph);
        World {
            net,
            graph,
            connected,
            ch_order: None,
        }
    }

    /// The network with a saved node order for its hierarchies (see [`World::ch_order`]).
    pub fn with_ch_order(mut self, order: Vec<usize>) -> World {
        self.ch_order = Some(order.into());
        self
    }

    /// The saved node order, if any. Any permutation gives exact travel times; among
    /// routes of equal time, which one a hierarchy returns may depend on it.
    pub fn ch_order(&self) -> Option<&[usize]> {
        self.ch_order.as_deref()
    }

    /// Whether routes can reach `node` from the rest of the network and leave it again.
    pub fn is_connected(&self, node: crate::ids::NodeId) -> bool {
        self.connected[node.index()] == (true, true)
    }

    /// Stop-only nodes that cannot be reached from the rest of the network, or cannot be
    /// left towards it, with which.
    pub fn unreachable_stops(&self) -> Vec<(crate::ids::NodeId, &'static str)> {
        self.net
            .nodes()
            .iter()
            .filter(|n| n.stop_only)
            .filter_map(|n| match self.connected[n.id.index()] {
                (false, _) => Some((n.id, "no edge leads to it from the rest of the network")),
                (true, false) => Some((
                    n.id,
                    "no edge leads from it back to the rest of the network",
                )),
                (true, true) => None,
            })
            .collect()
    }

    /// The fastest route under `times`.
    pub fn route(
        &self,
        times: &dyn TravelTimes,
        from: crate::ids::NodeId,
        to: crate::ids::NodeId,
    ) -> Option<Route> {
        fastest_route(&self.net, &self.graph, times, from, to)
    }
}

/// For each node: (reachable from the largest strongly connected part, reaches it), on the
/// routing graph (stop-only nodes split, so a stop is never a way through).
fn connectivity(net: &RoadNetwork, graph: &RoutingGraph) -> Vec<(bool, bool)> {
    use petgraph::visit::{Bfs, Reversed};
    let g = graph.graph();
    let comps = petgraph::algo::kosaraju_scc(g);
    let Some(main) = comps.iter().max_by_key(|c| c.len()).and_then(|c| c.first()) else {
        return Vec::new();
    };
    let mut from_main = vec![false; g.node_count()];
    let mut bfs = Bfs::new(g, *main);
    while let Some(n) = bfs.next(g) {
        from_main[n.index()] = true;
    }
    let mut to_main = vec![false; g.node_count()];
    let rev = Reversed(g);
    let mut bfs = Bfs::new(rev, *main);
    while let Some(n) = bfs.next(rev) {
        to_main[n.index()] = true;
    }
    net.nodes()
        .iter()
        .map(|n| (from_main[n.id.index()], to_main[net.departure_id(n.id)]))
        .collect()
}
