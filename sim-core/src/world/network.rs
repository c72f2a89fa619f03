//! The road network: nodes (cities, junctions, Seoul districts) and directed edges.
//!
//! The bundled network's rows are two-way road segments; each becomes two directed edges,
//! `2i` (from -> to) and `2i + 1` (to -> from), each the other's twin. An imported network
//! gives directed edges (one-way streets have no twin).
//!
//! A stop-only node (a boarding point) may start or end a route but never be passed
//! through. Routing honours that by splitting it: its incoming edges end at the node, its
//! outgoing edges start at a departure copy (an extra routing id past the last node), and no
//! edge joins the two, so every shortest-path method avoids passing through unchanged.

use std::collections::BTreeMap;

use geo::{Distance, Haversine, InterpolateLine, LineString, Point};

use crate::ids::{EdgeId, NodeId};

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// A city (intercity origin or destination).
    City,
    /// An expressway junction or interchange.
    Junction,
    /// A Seoul district (centroid).
    District,
    /// A node of an imported network (an intersection, or a stop).
    Intersection,
    /// A node of the street-level Seoul network (an intersection or a point on a road).
    Street,
}

impl NodeKind {
    /// Parses the `kind` column.
    pub fn parse(s: &str) -> Option<NodeKind> {
        match s {
            "city" => Some(NodeKind::City),
            "junction" => Some(NodeKind::Junction),
            "district" => Some(NodeKind::District),
            "intersection" => Some(NodeKind::Intersection),
            "street" => Some(NodeKind::Street),
            _ => None,
        }
    }
}

/// Road class: selects the time-of-day profile and the accident rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoadClass {
    /// Intercity expressway.
    Expressway = 0,
    /// Seoul urban expressway (Olympic-daero, Gangbyeon-buk-ro).
    UrbanExpressway = 1,
    /// City arterial.
    Arterial = 2,
    /// Link between the city network and an expressway.
    Connector = 3,
}

impl RoadClass {
    /// All classes, in index order.
    pub const ALL: [RoadClass; 4] = [
        RoadClass::Expressway,
        RoadClass::UrbanExpressway,
        RoadClass::Arterial,
        RoadClass::Connector,
    ];

    /// The name used in data files.
    pub fn name(self) -> &'static str {
        match self {
            RoadClass::Expressway => "expressway",
            RoadClass::UrbanExpressway => "urban_expressway",
            RoadClass::Arterial => "arterial",
            RoadClass::Connector => "connector",
        }
    }

    /// Parses a data-file name.
    pub fn parse(s: &str) -> Option<RoadClass> {
        RoadClass::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Index into per-class tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A node as read from data.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Unique name.
    pub name: String,
    /// Latitude, degrees WGS84.
    pub lat: f64,
    /// Longitude, degrees WGS84.
    pub lon: f64,
    /// Kind.
    pub kind: NodeKind,
    /// Residents (districts).
    pub population: Option<u32>,
    /// A route may start or end here but never pass through.
    pub stop_only: bool,
}

/// A two-way road segment as read from data.
#[derive(Clone, Debug)]
pub struct EdgeSpec {
    /// One end.
    pub from: NodeId,
    /// The other end.
    pub to: NodeId,
    /// Road name (e.g. "Gyeongbu").
    pub road: String,
    /// Class.
    pub class: RoadClass,
    /// Length along the road, metres.
    pub length_m: f64,
    /// Posted speed limit (free-flow speed), km/h.
    pub speed_kmh: f64,
    /// Lanes per direction.
    pub lanes: u8,
    /// Polyline from `from` to `to` (lon, lat); `None` draws a straight line.
    pub geometry: Option<LineString<f64>>,
}

/// A node of the network.
#[derive(Clone, Debug)]
pub struct Node {
    /// Id (row index).
    pub id: NodeId,
    /// Unique name.
    pub name: String,
    /// Position (x = lon, y = lat).
    pub point: Point<f64>,
    /// Kind.
    pub kind: NodeKind,
    /// Residents (districts).
    pub population: Option<u32>,
    /// A route may start or end here but never pass through.
    pub stop_only: bool,
}

/// A directed edge as an imported network gives it.
#[derive(Clone, Debug)]
pub struct DirectedEdgeSpec {
    /// Tail.
    pub from: NodeId,
    /// Head.
    pub to: NodeId,
    /// Road name (an imported network's source edge id, or empty).
    pub road: String,
    /// Class.
    pub class: RoadClass,
    /// Length, metres.
    pub length_m: f64,
    /// Free-flow speed, km/h.
    pub speed_kmh: f64,
    /// Lanes.
    pub lanes: u8,
}

/// A directed edge.
#[derive(Clone, Debug)]
pub struct Edge {
    /// Id: for the bundled segments `2 * row` for the row's direction, `2 * row + 1` for
    /// the reverse; for an imported network the row index.
    pub id: EdgeId,
    /// The opposite direction of the same road, if it is two-way.
    pub twin: Option<EdgeId>,
    /// Tail.
    pub from: NodeId,
    /// Head.
    pub to: NodeId,
    /// Road name.
    pub road: String,
    /// Class.
    pub class: RoadClass,
    /// Length, metres.
    pub length_m: f64,
    /// Free-flow speed, km/h.
    pub speed_kmh: f64,
    /// Lanes in this direction.
    pub lanes: u8,
    /// Polyline from `from` to `to`.
    pub geometry: LineString<f64>,
}

impl Edge {
    /// Free-flow travel time, seconds.
    pub fn free_flow_s(&self) -> f64 {
        self.length_m / (self.speed_kmh / 3.6)
    }
}

/// Why a network could not be built. Every variant is fatal for the load.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum NetworkError {
    /// Two nodes share a name.
    #[error("node {row}: name {name:?} is already used by node {first}")]
    DuplicateName {
        /// Node row (0-based).
        row: usize,
        /// The name.
        name: String,
        /// The earlier row.
        first: usize,
    },
    /// An edge names a node that does not exist.
    #[error("edge {row}: node id {node} does not exist (there are {count} nodes)")]
    UnknownNode {
        /// Edge row (0-based).
        row: usize,
        /// The id.
        node: u32,
        /// Node count.
        count: usize,
    },
    /// An edge joins a node to itself.
    #[error("edge {row}: from and to are the same node {node}")]
    SelfLoop {
        /// Edge row (0-based).
        row: usize,
        /// The node.
        node: u32,
    },
    /// A quantity out of range.
    #[error("edge {row}: {field} = {value} is out of range ({expected})")]
    OutOfRange {
        /// Edge row (0-based).
        row: usize,
        /// Column.
        field: &'static str,
        /// Value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// Part of the network cannot be reached from the first node.
    #[error("the network is not connected: {unreachable} node(s) unreachable from {from}, e.g. {example:?}")]
    Disconnected {
        /// First node's name.
        from: String,
        /// How many cannot be reached.
        unreachable: usize,
        /// One of them.
        example: String,
    },
}

/// The road network, immutable once built and shared by all actors.
#[derive(Debug)]
pub struct RoadNetwork {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    out: Vec<Vec<EdgeId>>,
    by_name: BTreeMap<String, NodeId>,
    /// Largest free-flow speed, m/s (for the A* bound).
    max_speed_mps: f64,
    /// Smallest length / great-circle ratio over all edges (keeps the A* bound admissible).
    min_circuity: f64,
    /// Routing id where each node's outgoing edges start: the node's own id, or for a
    /// stop-only node its departure copy (`nodes.len()` and up).
    departure: Vec<u32>,
    /// The stop-only node of each departure copy, in routing-id order.
    copies: Vec<NodeId>,
    /// Node ids plus departure copies.
    routing_nodes: usize,
}

/// Checks one directed edge's ends and numbers (`row` as the caller counts rows).
fn check_edge(
    row: usize,
    count: usize,
    from: NodeId,
    to: NodeId,
    length_m: f64,
    speed_kmh: f64,
    lanes: u8,
) -> Result<(), NetworkError> {
    for node in [from, to] {
        if node.index() >= count {
            return Err(NetworkError::UnknownNode {
                row,
                node: node.0,
                count,
            });
        }
    }
    if from == to {
        return Err(NetworkError::SelfLoop { row, node: from.0 });
    }
    let checks: [(&'static str, f64, bool, &'static str); 3] = [
        (
            "length_m",
            length_m,
            length_m.is_finite() && length_m > 0.0,
            "a positive length in metres",
        ),
        (
            "speed_kmh",
            speed_kmh,
            speed_kmh.is_finite() && speed_kmh > 0.0 && speed_kmh <= 200.0,
            "a speed in (0, 200] km/h",
        ),
        (
            "lanes",
            f64::from(lanes),
            lanes >= 1,
            "at least 1 lane per direction",
        ),
    ];
    for (field, value, ok, expected) in checks {
        if !ok {
            return Err(NetworkError::OutOfRange {
                row,
                field,
                value,
                expected,
            });
        }
    }
    Ok(())
}

/// The nodes by id, with the name index; names must be unique.
fn build_nodes(
    nodes: Vec<NodeSpec>,
) -> Result<(Vec<Node>, BTreeMap<String, NodeId>), NetworkError> {
    let mut by_name = BTreeMap::new();
    let mut out_nodes = Vec::with_capacity(nodes.len());
    for (row, n) in nodes.into_iter().enumerate() {
        if let Some(first) = by_name.insert(n.name.clone(), NodeId(row as u32)) {
            return Err(NetworkError::DuplicateName {
                row,
                name: n.name,
                first: first.index(),
            });
        }
        out_nodes.push(Node {
            id: NodeId(row as u32),
            name: n.name,
            point: Point::new(n.lon, n.lat),
            kind: n.kind,
            population: n.population,
            stop_only: n.stop_only,
        });
    }
    Ok((out_nodes, by_name))
}

/// Sets each directed edge's twin: the only edge of the same road from its head to its tail.
fn pair_twins(edges: &mut [Edge]) {
    let mut by_ends: BTreeMap<(NodeId, NodeId, &str), Vec<EdgeId>> = BTreeMap::new();
    for e in edges.iter() {
        by_ends
            .entry((e.from, e.to, &e.road))
            .or_default()
            .push(e.id);
    }
    let twins: Vec<Option<EdgeId>> = edges
        .iter()
        .map(
            |e| match by_ends.get(&(e.to, e.from, &e.road)).map(Vec::as_slice) {
                Some([t]) if by_ends[&(e.from, e.to, e.road.as_str())].len() == 1 => Some(*t),
                _ => None,
            },
        )
        .collect();
    for (e, t) in edges.iter_mut().zip(twins) {
        e.twin = t;
    }
}

impl RoadNetwork {
    /// Builds and validates a network of two-way segments (the bundled data's layout).
    pub fn build(
        nodes: Vec<NodeSpec>,
        segments: Vec<EdgeSpec>,
    ) -> Result<RoadNetwork, NetworkError> {
        let (out_nodes, by_name) = build_nodes(nodes)?;
        let count = out_nodes.len();
        let mut edges = Vec::with_capacity(segments.len() * 2);
        for (row, s) in segments.into_iter().enumerate() {
            check_edge(row, count, s.from, s.to, s.length_m, s.speed_kmh, s.lanes)?;
            let forward = s.geometry.clone().unwrap_or_else(|| {
                LineString::from(vec![
                    out_nodes[s.from.index()].point,
                    out_nodes[s.to.index()].point,
                ])
            });
            let mut backward = forward.clone();
            backward.0.reverse();
            for (dir, (from, to, geometry)) in [(s.from, s.to, forward), (s.to, s.from, backward)]
                .into_iter()
                .enumerate()
            {
                let id = (row * 2 + dir) as u32;
                edges.push(Edge {
                    id: EdgeId(id),
                    twin: Some(EdgeId(id ^ 1)),
                    from,
                    to,
                    road: s.road.clone(),
                    class: s.class,
                    length_m: s.length_m,
                    speed_kmh: s.speed_kmh,
                    lanes: s.lanes,
                    geometry,
                });
            }
        }
        Ok(Self::assemble(out_nodes, by_name, edges))
    }

    /// Builds and validates a network of directed edges (an imported network); edges are
    /// numbered in row order and drawn as straight lines. An edge's twin is the one edge
    /// of the same road running the other way between the same nodes, if there is one.
    pub fn build_directed(
        nodes: Vec<NodeSpec>,
        specs: Vec<DirectedEdgeSpec>,
    ) -> Result<RoadNetwork, NetworkError> {
        let (out_nodes, by_name) = build_nodes(nodes)?;
        let count = out_nodes.len();
        let mut edges = Vec::with_capacity(specs.len());
        for (row, s) in specs.into_iter().enumerate() {
            check_edge(row, count, s.from, s.to, s.length_m, s.speed_kmh, s.lanes)?;
            let geometry = LineString::from(vec![
                out_nodes[s.from.index()].point,
                out_nodes[s.to.index()].point,
            ]);
            edges.push(Edge {
                id: EdgeId(row as u32),
                twin: None,
                from: s.from,
                to: s.to,
                road: s.road,
                class: s.class,
                length_m: s.length_m,
                speed_kmh: s.speed_kmh,
                lanes: s.lanes,
                geometry,
            });
        }
        pair_twins(&mut edges);
        Ok(Self::assemble(out_nodes, by_name, edges))
    }

    fn assemble(nodes: Vec<Node>, by_name: BTreeMap<String, NodeId>, edges: Vec<Edge>) -> Self {
        let count = nodes.len();
        let mut out = vec![Vec::new(); count];
        for e in &edges {
            out[e.from.index()].push(e.id);
        }
        let max_speed_mps = edges.iter().map(|e| e.speed_kmh / 3.6).fold(1.0, f64::max);
        let min_circuity = edges
            .iter()
            .map(|e| {
                let crow =
                    Haversine.distance(nodes[e.from.index()].point, nodes[e.to.index()].point);
                if crow > 1.0 {
                    e.length_m / crow
                } else {
                    1.0
                }
            })
            .fold(1.0, f64::min);
        let mut departure = Vec::with_capacity(count);
        let mut copies = Vec::new();
        for n in &nodes {
            if n.stop_only {
                departure.push((count + copies.len()) as u32);
                copies.push(n.id);
            } else {
                departure.push(n.id.0);
            }
        }
        let routing_nodes = count + copies.len();
        RoadNetwork {
            nodes,
            edges,
            out,
            by_name,
            max_speed_mps,
            min_circuity,
            departure,
            copies,
            routing_nodes,
        }
    }

    /// Routing ids: node ids, then one departure copy per stop-only node.
    pub fn routing_nodes(&self) -> usize {
        self.routing_nodes
    }

    /// The routing id where routes from `node` start (its departure copy if stop-only).
    pub fn departure_id(&self, node: NodeId) -> usize {
        self.departure[node.index()] as usize
    }

    /// The node a routing id stands for.
    pub fn node_of_routing_id(&self, id: usize) -> NodeId {
        match id.checked_sub(self.nodes.len()) {
            None => NodeId(id as u32),
            Some(k) => self.copies[k],
        }
    }

    /// Checks that every node can be reached from the first. A network need not be
    /// connected (an island such as Jeju has no road to the mainland: trips there are
    /// rejected as unreachable), but the bundled one is, and its tests check it.
    pub fn check_connected(&self) -> Result<(), NetworkError> {
        if self.nodes.is_empty() {
            return Ok(());
        }
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![NodeId(0)];
        seen[0] = true;
        while let Some(n) = stack.pop() {
            for &e in &self.out[n.index()] {
                let to = self.edges[e.index()].to;
                if !seen[to.index()] {
                    seen[to.index()] = true;
                    stack.push(to);
                }
            }
        }
        let unreachable: Vec<usize> = (0..seen.len()).filter(|&i| !seen[i]).collect();
        match unreachable.first() {
            None => Ok(()),
            Some(&i) => Err(NetworkError::Disconnected {
                from: self.nodes[0].name.clone(),
                unreachable: unreachable.len(),
                example: self.nodes[i].name.clone(),
            }),
        }
    }

    /// All nodes, by id.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// All directed edges, by id.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// One edge.
    pub fn edge(&self, id: EdgeId) -> &Edge {
        &self.edges[id.index()]
    }

    /// Edges leaving `node`.
    pub fn out_edges(&self, node: NodeId) -> &[EdgeId] {
        &self.out[node.index()]
    }

    /// The node with this exact name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// Node names closest to `name` (case-insensitive edit distance), best first.
    pub fn similar_names(&self, name: &str, n: usize) -> Vec<&str> {
        let lower = name.to_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .by_name
            .keys()
            .map(|k| {
                let kl = k.to_lowercase();
                let d = if kl.starts_with(&lower) || lower.starts_with(&kl) {
                    0
                } else {
                    edit_distance(&lower, &kl)
                };
                (d, k.as_str())
            })
            .collect();
        scored.sort();
        scored.into_iter().take(n).map(|(_, k)| k).collect()
    }

    /// The directed edges from `a` to `b`.
    pub fn edges_between(&self, a: NodeId, b: NodeId) -> Vec<EdgeId> {
        self.out[a.index()]
            .iter()
            .copied()
            .filter(|&e| self.edges[e.index()].to == b)
            .collect()
    }

    /// The chain of directed edges from `a` to `b` along one road (named, or any road
    /// that joins them), fewest edges first. `None` if no single road joins them.
    pub fn segment_chain(&self, a: NodeId, b: NodeId, road: Option<&str>) -> Option<Vec<EdgeId>> {
        let roads: Vec<&str> = match road {
            Some(r) => vec![r],
            None => {
                let mut rs: Vec<&str> = self.out[a.index()]
                    .iter()
                    .map(|&e| self.edges[e.index()].road.as_str())
                    .collect();
                rs.sort_unstable();
                rs.dedup();
                rs
            }
        };
        let mut best: Option<Vec<EdgeId>> = None;
        for r in roads {
            if let Some(chain) = self.chain_on_road(a, b, r) {
                if best.as_ref().is_none_or(|b| chain.len() < b.len()) {
                    best = Some(chain);
                }
            }
        }
        best
    }

    /// Breadth-first search from `a` to `b` using only edges of `road`.
    fn chain_on_road(&self, a: NodeId, b: NodeId, road: &str) -> Option<Vec<EdgeId>> {
        let mut prev: Vec<Option<EdgeId>> = vec![None; self.nodes.len()];
        let mut seen = vec![false; self.nodes.len()];
        let mut queue = std::collections::VecDeque::from([a]);
        seen[a.index()] = true;
        while let Some(n) = queue.pop_front() {
            if n == b {
                let mut chain = Vec::new();
                let mut cur = b;
                while let Some(e) = prev[cur.index()] {
                    chain.push(e);
                    cur = self.edges[e.index()].from;
                }
                chain.reverse();
                return Some(chain);
            }
            for &e in &self.out[n.index()] {
                let edge = &self.edges[e.index()];
                if edge.road == road && !seen[edge.to.index()] {
                    seen[edge.to.index()] = true;
                    prev[edge.to.index()] = Some(e);
                    queue.push_back(edge.to);
                }
            }
        }
        None
    }

    /// The position `offset_m` metres along `edge` (clamped to the edge), as (lat, lon).
    pub fn position_along(&self, edge: EdgeId, offset_m: f64) -> (f64, f64) {
        let e = &self.edges[edge.index()];
        let ratio = (offset_m / e.length_m).clamp(0.0, 1.0);
        let p = Haversine
            .point_at_ratio_from_start(&e.geometry, ratio)
            .unwrap_or(self.nodes[e.from.index()].point);
        (p.y(), p.x())
    }

    /// The node nearest a point (great-circle), with its distance in metres; stop-only
    /// nodes count. `None` for an empty network.
    pub fn nearest_node(&self, lat: f64, lon: f64) -> Option<(NodeId, f64)> {
        let p = Point::new(lon, lat);
        self.nodes
            .iter()
            .map(|n| (n.id, Haversine.distance(p, n.point)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }

    /// Great-circle distance between two nodes, metres (GRS80 mean radius).
    pub fn crow_m(&self, a: NodeId, b: NodeId) -> f64 {
        Haversine.distance(self.nodes[a.index()].point, self.nodes[b.index()].point)
    }

    /// A lower bound on the travel time between two nodes, seconds.
    pub fn lower_bound_s(&self, a: NodeId, b: NodeId) -> f64 {
        self.crow_m(a, b) * self.lower_bound_s_per_m()
    }

    /// Seconds per great-circle metre that no route beats: the smallest road/crow ratio of
    /// any edge at the highest free-flow speed.
    pub fn lower_bound_s_per_m(&self) -> f64 {
        self.min_circuity / self.max_speed_mps
    }
}

/// Levenshtein distance (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small square with a diagonal: A-B-C-D-A and A-C.
    pub(crate) fn square() -> RoadNetwork {
        let node = |name: &str, lat, lon| NodeSpec {
            name: name.into(),
            lat,
            lon,
            kind: NodeKind::City,
            population: None,
            stop_only: false,
        };
        let seg = |from, to, road: &str, length_m, speed_kmh| EdgeSpec {
            from: NodeId(from),
            to: NodeId(to),
            road: road.into(),
            class: RoadClass::Expressway,
            length_m,
            speed_kmh,
            lanes: 2,
            geometry: None,
        };
        RoadNetwork::build(
            vec![
                node("A", 37.0, 127.0),
                node("B", 37.0, 127.1),
                node("C", 36.9, 127.1),
                node("D", 36.9, 127.0),
            ],
            vec![
                seg(0, 1, "North", 9_000.0, 100.0),
                seg(1, 2, "East", 11_200.0, 100.0),
                seg(2, 3, "South", 9_000.0, 100.0),
                seg(3, 0, "West", 12_000.0, 100.0),
                seg(0, 2, "Diagonal", 15_000.0, 50.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn twins_and_adjacency() {
        let net = square();
        assert_eq!(net.edges().len(), 10);
        let e = net.edge(EdgeId(2));
        assert_eq!((e.from, e.to), (NodeId(1), NodeId(2)));
        assert_eq!(net.edge(e.twin.unwrap()).from, NodeId(2));
        assert_eq!(net.out_edges(NodeId(0)).len(), 3);
    }

    #[test]
    fn rejects_bad_rows() {
        let n = vec![NodeSpec {
            name: "X".into(),
            lat: 0.0,
            lon: 0.0,
            kind: NodeKind::City,
            population: None,
            stop_only: false,
        }];
        let bad = EdgeSpec {
            from: NodeId(0),
            to: NodeId(3),
            road: "R".into(),
            class: RoadClass::Arterial,
            length_m: 1.0,
            speed_kmh: 50.0,
            lanes: 1,
            geometry: None,
        };
        assert!(matches!(
            RoadNetwork::build(n, vec![bad]),
            Err(NetworkError::UnknownNode { node: 3, .. })
        ));
    }

    #[test]
    fn segment_chain_follows_one_road() {
        let net = square();
        assert_eq!(
            net.segment_chain(NodeId(0), NodeId(1), None),
            Some(vec![EdgeId(0)])
        );
        assert_eq!(net.segment_chain(NodeId(0), NodeId(2), Some("North")), None);
        assert_eq!(
            net.segment_chain(NodeId(0), NodeId(2), None)
                .map(|c| c.len()),
            Some(1)
        );
    }

    #[test]
    fn positions_interpolate_along_the_edge() {
        let net = square();
        let (lat, lon) = net.position_along(EdgeId(0), 4_500.0);
        assert!(
            (lat - 37.0).abs() < 1e-3 && (lon - 127.05).abs() < 1e-3,
            "{lat} {lon}"
        );
        let (lat, lon) = net.position_along(EdgeId(0), 1e9);
        assert!(
            (lat - 37.0).abs() < 1e-9 && (lon - 127.1).abs() < 1e-9,
            "clamped to the end"
        );
    }

    #[test]
    fn suggestions_rank_close_names_first() {
        let net = square();
        assert_eq!(net.similar_names("a", 1), vec!["A"]);
        assert_eq!(edit_distance("Gangnam", "Gangnam-gu"), 3);
    }
}
