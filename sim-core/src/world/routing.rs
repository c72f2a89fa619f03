//! Fastest paths on the travel times in force at the moment of the query.
//!
//! A* from petgraph over the network's directed graph, with closed edges filtered out and
//! every other edge costed at its current travel time. The heuristic is the great-circle
//! distance times the network's smallest road/crow ratio at the top free-flow speed, which
//! never overestimates, so the path is optimal. (petgraph's A* keeps its scores in a
//! `HashMap` used only for look-ups; the expansion order comes from its binary heap, so
//! the result does not depend on hashing.)

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeFiltered;

use super::network::RoadNetwork;
use crate::ids::{EdgeId, NodeId};

/// Travel times in force: what routing costs edges by.
pub trait TravelTimes {
    /// Seconds to traverse `edge` now, or `None` when it is closed.
    fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64>;
}

/// Free-flow times, no closures.
pub struct FreeFlow;

impl TravelTimes for FreeFlow {
    fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64> {
        Some(net.edge(edge).free_flow_s())
    }
}

/// A path through the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Directed edges in order.
    pub edges: Vec<EdgeId>,
    /// Total length, metres.
    pub length_m: f64,
    /// Travel time at the query's travel times, seconds.
    pub time_s: f64,
}

impl Route {
    /// The roads taken, in order, consecutive repeats merged, with the metres on each.
    pub fn roads(&self, net: &RoadNetwork) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for &e in &self.edges {
            let edge = net.edge(e);
            match out.last_mut() {
                Some((road, m)) if *road == edge.road => *m += edge.length_m,
                _ => out.push((edge.road.clone(), edge.length_m)),
            }
        }
        out
    }
}

/// A petgraph view of the network whose node indices are the network's routing ids (node
/// ids, then the departure copies of stop-only nodes) and whose edge indices are edge ids.
#[derive(Debug)]
pub struct RoutingGraph {
    graph: DiGraph<(), EdgeId>,
}

impl RoutingGraph {
    /// Builds the view (once per network).
    pub fn new(net: &RoadNetwork) -> RoutingGraph {
        let mut graph = DiGraph::with_capacity(net.routing_nodes(), net.edges().len());
        for _ in 0..net.routing_nodes() {
            graph.add_node(());
        }
        for e in net.edges() {
            let idx = graph.add_edge(
                NodeIndex::new(net.departure_id(e.from)),
                NodeIndex::new(e.to.index()),
                e.id,
            );
            debug_assert_eq!(idx.index(), e.id.index());
        }
        RoutingGraph { graph }
    }

    /// The petgraph graph (for component analysis).
    pub fn graph(&self) -> &DiGraph<(), EdgeId> {
        &self.graph
    }
}

/// The fastest route from `from` to `to` under `times`, or `None` when `to` cannot be
/// reached (closures). An empty route when `from == to`.
pub fn fastest_route(
    net: &RoadNetwork,
    graph: &RoutingGraph,
    times: &dyn TravelTimes,
    from: NodeId,
    to: NodeId,
) -> Option<Route> {
    let open = |e: petgraph::graph::EdgeReference<'_, EdgeId>| {
        times.edge_time_s(net, *e.weight()).is_some()
    };
    let filtered = EdgeFiltered::from_fn(&graph.graph, open);
    if from == to {
        return Some(Route {
            edges: Vec::new(),
            length_m: 0.0,
            time_s: 0.0,
        });
    }
    let goal = NodeIndex::new(to.index());
    let (time_s, nodes) = petgraph::algo::astar(
        &filtered,
        NodeIndex::new(net.departure_id(from)),
        |n| n == goal,
        |e| times.edge_time_s(net, *e.weight()).unwrap_or(f64::INFINITY),
        |n| net.lower_bound_s(net.node_of_routing_id(n.index()), to),
    )?;
    let ids: Vec<usize> = nodes.iter().map(|n| n.index()).collect();
    let (edges, length_m) = edges_of_path(net, times, &ids)?;
    Some(Route {
        edges,
        length_m,
        time_s,
    })
}

/// The edges along a path of routing ids: between consecutive nodes the quickest open
/// edge (parallel roads), with the path's length.
pub fn edges_of_path(
    net: &RoadNetwork,
    times: &dyn TravelTimes,
    path: &[usize],
) -> Option<(Vec<EdgeId>, f64)> {
    let mut edges = Vec::with_capacity(path.len().saturating_sub(1));
    let mut length_m = 0.0;
    for pair in path.windows(2) {
        let (a, b) = (
            net.node_of_routing_id(pair[0]),
            net.node_of_routing_id(pair[1]),
        );
        // Parallel roads: the quickest open one (lowest id on ties).
        let mut best: Option<(f64, EdgeId)> = None;
        for &e in net.out_edges(a) {
            if net.edge(e).to != b {
                continue;
            }
            if let Some(t) = times.edge_time_s(net, e) {
                if best.is_none_or(|(bt, be)| t.total_cmp(&bt).then(e.cmp(&be)).is_lt()) {
                    best = Some((t, e));
                }
            }
        }
        let (_, e) = best?;
        length_m += net.edge(e).length_m;
        edges.push(e);
    }
    Some((edges, length_m))
}

/// Length (metres) and time (seconds) of following `edges` under `times`; `None` if one is closed.
pub fn route_time_s(
    net: &RoadNetwork,
    times: &dyn TravelTimes,
    edges: &[EdgeId],
) -> Option<(f64, f64)> {
    let mut length_m = 0.0;
    let mut time_s = 0.0;
    for &e in edges {
        time_s += times.edge_time_s(net, e)?;
        length_m += net.edge(e).length_m;
    }
    Some((length_m, time_s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::network::tests::square;

    struct Closed(EdgeId);
    impl TravelTimes for Closed {
        fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64> {
            (edge != self.0).then(|| net.edge(edge).free_flow_s())
        }
    }

    #[test]
    fn picks_the_fastest_not_the_shortest() {
        let net = square();
        let g = RoutingGraph::new(&net);
        // Diagonal: 15 km at 50 km/h = 1080 s; via B: 20.2 km at 100 km/h = 727 s.
        let r = fastest_route(&net, &g, &FreeFlow, NodeId(0), NodeId(2)).unwrap();
        assert_eq!(r.edges, vec![EdgeId(0), EdgeId(2)]);
        assert!((r.length_m - 20_200.0).abs() < 1e-6);
        assert!((r.time_s - 727.2).abs() < 1e-6);
    }

    #[test]
    fn closed_edges_are_avoided() {
        let net = square();
        let g = RoutingGraph::new(&net);
        let r = fastest_route(&net, &g, &Closed(EdgeId(0)), NodeId(0), NodeId(2)).unwrap();
        assert!(!r.edges.contains(&EdgeId(0)));
        assert_eq!(route_time_s(&net, &Closed(EdgeId(0)), &[EdgeId(0)]), None);
    }

    #[test]
    fn same_node_is_an_empty_route() {
        let net = square();
        let g = RoutingGraph::new(&net);
        let r = fastest_route(&net, &g, &FreeFlow, NodeId(1), NodeId(1)).unwrap();
        assert!(r.edges.is_empty());
    }
}
