//! The world the actors live in: the road network and routing over it.

pub mod ch;
pub mod network;
pub mod routing;

pub use ch::Ch;
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
}

impl World {
    /// Wraps a network.
    pub fn new(net: RoadNetwork) -> World {
        let graph = RoutingGraph::new(&net);
        World { net, graph }
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
