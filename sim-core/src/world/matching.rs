//! Map matching: the directed edge, and the place along it, where a GPS fix lies.
//!
//! Every segment of every edge's geometry goes into an R-tree (`rstar`) in a local
//! equirectangular plane (metres east and north of the network's middle). A fix takes the
//! segments within the search radius and scores each by its distance, how far its
//! direction is from the fix's heading, and whether it continues the van's previous edge:
//! the nearest edge consistent with heading and the previous edge. Both directions of a
//! two-way road share their geometry, so without the last two terms a van would flip
//! between them.

use geo::{Distance, Haversine, InterpolatePoint, LineString, Point};
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use crate::ids::EdgeId;
use crate::world::network::RoadNetwork;

/// Metres per degree of latitude (mean Earth radius 6,371,008.8 m).
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
/// What a fix heading opposite a segment costs, in metres of distance.
const HEADING_WEIGHT_M: f64 = 40.0;
/// What an edge that does not continue the previous one costs, in metres.
const JUMP_M: f64 = 10.0;
/// How near the previous match a fix must be for [`JUMP_M`] to apply, metres.
const JUMP_NEAR_M: f64 = 100.0;
/// What turning back (the previous edge's twin, or going backwards along it) costs.
const BACK_M: f64 = 25.0;
/// Long segments are cut into great-circle pieces of at most this length, metres.
const PIECE_M: f64 = 200.0;
/// At most this many nearest segments are scored.
const CANDIDATES: usize = 32;

/// A segment of an edge: where along the edge it starts and how much of the edge it is.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Seg {
    edge: EdgeId,
    start_ratio: f64,
    ratio: f64,
}

type Item = GeomWithData<Line<[f64; 2]>, Seg>;

/// Where a fix was matched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matched {
    /// The directed edge.
    pub edge: EdgeId,
    /// Metres along it (of its `length_m`).
    pub offset_m: f64,
    /// The matched point's latitude.
    pub lat: f64,
    /// The matched point's longitude.
    pub lon: f64,
    /// Distance from the fix to the matched point, metres.
    pub distance_m: f64,
}

/// A GPS fix to match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Compass heading in degrees (0 north, 90 east), if the device reported one.
    pub heading_deg: Option<f64>,
}

/// The matcher of one network.
pub struct MapMatcher {
    tree: RTree<Item>,
    lat0: f64,
    lon0: f64,
    cos0: f64,
    radius_m: f64,
}

impl std::fmt::Debug for MapMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapMatcher")
            .field("segments", &self.tree.size())
            .field("radius_m", &self.radius_m)
            .finish()
    }
}

impl MapMatcher {
    /// Indexes every edge of `net`; fixes farther than `radius_m` from every road are not
    /// matched.
    pub fn new(net: &RoadNetwork, radius_m: f64) -> MapMatcher {
        let n = net.nodes().len().max(1) as f64;
        let lat0 = net.nodes().iter().map(|n| n.point.y()).sum::<f64>() / n;
        let lon0 = net.nodes().iter().map(|n| n.point.x()).sum::<f64>() / n;
        let mut m = MapMatcher {
            tree: RTree::new(),
            lat0,
            lon0,
            cos0: lat0.to_radians().cos(),
            radius_m,
        };
        let mut items = Vec::new();
        for e in net.edges() {
            let pts = densified(&e.geometry);
            let lens: Vec<f64> = pts
                .windows(2)
                .map(|w| Haversine.distance(w[0], w[1]))
                .collect();
            let total: f64 = lens.iter().sum();
            let mut cum = 0.0;
            for (w, len) in pts.windows(2).zip(&lens) {
                let (start_ratio, ratio) = if total > 0.0 {
                    (cum / total, len / total)
                } else {
                    (0.0, 0.0)
                };
                cum += len;
                let seg = Seg {
                    edge: e.id,
                    start_ratio,
                    ratio,
                };
                let (a, b) = (m.plane(w[0].y(), w[0].x()), m.plane(w[1].y(), w[1].x()));
                items.push(GeomWithData::new(Line::new(a, b), seg));
            }
        }
        m.tree = RTree::bulk_load(items);
        m
    }

    /// The search radius, metres.
    pub fn radius_m(&self) -> f64 {
        self.radius_m
    }

    /// Metres east and north of the network's middle.
    fn plane(&self, lat: f64, lon: f64) -> [f64; 2] {
        [
            (lon - self.lon0) * self.cos0 * M_PER_DEG,
            (lat - self.lat0) * M_PER_DEG,
        ]
    }

    /// Back from the plane to (lat, lon).
    fn geo(&self, p: [f64; 2]) -> (f64, f64) {
        (
            p[1] / M_PER_DEG + self.lat0,
            p[0] / (self.cos0 * M_PER_DEG) + self.lon0,
        )
    }

    /// Matches `fix`, the van having been on `prev` at its previous fix; `None` when no road
    /// lies within the radius (or the fix's coordinates are not finite).
    pub fn locate(&self, net: &RoadNetwork, fix: Fix, prev: Option<&Matched>) -> Option<Matched> {
        if !(fix.lat.is_finite() && fix.lon.is_finite()) {
            return None;
        }
        let p = self.plane(fix.lat, fix.lon);
        let r2 = self.radius_m * self.radius_m;
        let mut best: Option<(f64, Matched)> = None;
        for (item, d2) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&p)
            .take_while(|(_, d2)| *d2 <= r2)
            .take(CANDIDATES)
        {
            let (m, bearing) = self.project(net, item, p, d2);
            let cost = m.distance_m
                + heading_cost(fix.heading_deg, bearing)
                + continuity_cost(net, prev, &m);
            let better = match &best {
                None => true,
                Some((c, b)) => cost < *c || (cost == *c && m.edge < b.edge),
            };
            if better {
                best = Some((cost, m));
            }
        }
        best.map(|(_, m)| m)
    }

    /// The point of `item` nearest `p`, and the segment's compass bearing.
    fn project(&self, net: &RoadNetwork, item: &Item, p: [f64; 2], d2: f64) -> (Matched, f64) {
        let (a, b) = (item.geom().from, item.geom().to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let q = [a[0] + t * dx, a[1] + t * dy];
        let (lat, lon) = self.geo(q);
        let seg = item.data;
        let edge = net.edge(seg.edge);
        let matched = Matched {
            edge: seg.edge,
            offset_m: (seg.start_ratio + t * seg.ratio) * edge.length_m,
            lat,
            lon,
            distance_m: d2.sqrt(),
        };
        (matched, dx.atan2(dy).to_degrees().rem_euclid(360.0))
    }
}

/// The geometry's points, with great-circle points added so that no piece is longer than
/// [`PIECE_M`]: vans move along great circles ([`RoadNetwork::position_along`]), which
/// leave a long straight line of the plane by hundreds of metres.
fn densified(line: &LineString<f64>) -> Vec<Point<f64>> {
    let mut out: Vec<Point<f64>> = Vec::with_capacity(line.0.len());
    for w in line.0.windows(2) {
        let (a, b) = (Point::from(w[0]), Point::from(w[1]));
        let pieces = (Haversine.distance(a, b) / PIECE_M).ceil().max(1.0) as usize;
        out.extend(
            (0..pieces).map(|i| Haversine.point_at_ratio_between(a, b, i as f64 / pieces as f64)),
        );
    }
    out.extend(line.0.last().map(|c| Point::from(*c)));
    out
}

/// 0 along the heading, [`HEADING_WEIGHT_M`] against it; 0 without a heading.
fn heading_cost(heading: Option<f64>, bearing: f64) -> f64 {
    match heading {
        Some(h) if h.is_finite() => {
            HEADING_WEIGHT_M * (1.0 - (h - bearing).to_radians().cos()) / 2.0
        }
        _ => 0.0,
    }
}

/// 0 for the previous edge (not going backwards along it) or an edge leaving its end;
/// [`BACK_M`] for turning back; [`JUMP_M`] for any other edge when the fix is within
/// [`JUMP_NEAR_M`] of the previous match (a van that moved farther may have passed several
/// edges since).
fn continuity_cost(net: &RoadNetwork, prev: Option<&Matched>, m: &Matched) -> f64 {
    let Some(p) = prev else { return 0.0 };
    let pe = net.edge(p.edge);
    if m.edge == p.edge {
        if m.offset_m + 2.0 >= p.offset_m {
            0.0
        } else {
            BACK_M
        }
    } else if pe.twin == Some(m.edge) {
        BACK_M
    } else if net.edge(m.edge).from == pe.to {
        0.0
    } else if Haversine.distance(Point::new(p.lon, p.lat), Point::new(m.lon, m.lat)) < JUMP_NEAR_M {
        JUMP_M
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::network::{EdgeSpec, NodeKind, NodeSpec, RoadClass};
    use geo::{Distance, Haversine, Point};

    fn node(name: &str, lat: f64, lon: f64) -> NodeSpec {
        NodeSpec {
            name: name.into(),
            lat,
            lon,
            kind: NodeKind::District,
            population: None,
            stop_only: false,
        }
    }

    fn edge(from: u32, to: u32) -> EdgeSpec {
        EdgeSpec {
            from: crate::ids::NodeId(from),
            to: crate::ids::NodeId(to),
            road: "r".into(),
            class: RoadClass::Arterial,
            length_m: 0.0,
            speed_kmh: 50.0,
            lanes: 2,
            geometry: None,
        }
    }

    /// A cross: A-B-C west to east, D-B-E south to north, all two-way.
    fn cross() -> RoadNetwork {
        let nodes = vec![
            node("A", 37.5, 127.0),
            node("B", 37.5, 127.01),
            node("C", 37.5, 127.02),
            node("D", 37.49, 127.01),
            node("E", 37.51, 127.01),
        ];
        let mut edges = vec![edge(0, 1), edge(1, 2), edge(3, 1), edge(1, 4)];
        for e in &mut edges {
            let (a, b) = (&nodes[e.from.index()], &nodes[e.to.index()]);
            e.length_m = Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat));
        }
        RoadNetwork::build(nodes, edges).expect("valid network")
    }

    fn fix(lat: f64, lon: f64, heading: Option<f64>) -> Fix {
        Fix {
            lat,
            lon,
            heading_deg: heading,
        }
    }

    #[test]
    fn a_fix_beside_a_road_is_matched_onto_it_in_its_heading() {
        let net = cross();
        let m = MapMatcher::new(&net, 50.0);
        // 20 m north of A-B, heading east: the eastbound edge, about 20 m away.
        let east = m
            .locate(&net, fix(37.50018, 127.005, Some(90.0)), None)
            .unwrap();
        let e = net.edge(east.edge);
        assert_eq!((e.from.0, e.to.0), (0, 1));
        assert!((east.distance_m - 20.0).abs() < 0.5, "{east:?}");
        assert!((east.offset_m - e.length_m / 2.0).abs() < 2.0, "{east:?}");
        assert!((east.lat - 37.5).abs() < 1e-6, "{east:?}");
        // The same place heading west: the westbound twin.
        let west = m
            .locate(&net, fix(37.50018, 127.005, Some(270.0)), None)
            .unwrap();
        let w = net.edge(west.edge);
        assert_eq!((w.from.0, w.to.0), (1, 0));
        assert!((west.offset_m - w.length_m / 2.0).abs() < 2.0, "{west:?}");
    }

    #[test]
    fn without_a_heading_the_previous_edge_decides_and_far_fixes_are_not_matched() {
        let net = cross();
        let m = MapMatcher::new(&net, 50.0);
        let first = m
            .locate(&net, fix(37.5, 127.003, Some(270.0)), None)
            .unwrap();
        let next = m
            .locate(&net, fix(37.5, 127.002, None), Some(&first))
            .unwrap();
        assert_eq!(next.edge, first.edge, "stays on the westbound edge");
        assert!(next.offset_m > first.offset_m);
        assert!(
            m.locate(&net, fix(37.502, 127.005, None), None).is_none(),
            "220 m off"
        );
        assert!(m.locate(&net, fix(f64::NAN, 127.005, None), None).is_none());
    }
}
