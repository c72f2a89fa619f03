//! Driving: where the vehicle is, the edge it is on, the route ahead, the speeds it knows,
//! and the reroute decision when an incident touches its route.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::actors::fleet::FleetContext;
use crate::event::{PositionFix, RerouteRecord};
use crate::ids::{EdgeId, IncidentId, NodeId, VehicleId};
use crate::time::{SimDuration, SimTime};
use crate::traffic::SpeedTable;
use crate::welfare::vibration_ms2;
use crate::world::{Route, World};

/// Progress along the current edge.
#[derive(Clone, Copy, Debug)]
pub(super) struct OnEdge {
    pub edge: EdgeId,
    pub progress_m: f64,
    pub since: SimTime,
    pub speed_mps: f64,
}

/// The driving state of one vehicle.
pub(super) struct Driving {
    /// The last node reached (the tail of the current edge while on one).
    pub node: NodeId,
    /// Speeds in force, as last broadcast by traffic.
    pub speeds: Arc<SpeedTable>,
    pub on_edge: Option<OnEdge>,
    /// Edges still to drive after the current one.
    pub route: VecDeque<EdgeId>,
    /// Timer generation: every new edge or stop timer bumps it, so stale timers are ignored.
    pub gen: u32,
    /// On a route taken around an incident (until the next route is planned).
    pub detour: bool,
}

impl Driving {
    pub fn new(node: NodeId, speeds: Arc<SpeedTable>) -> Driving {
        Driving {
            node,
            speeds,
            on_edge: None,
            route: VecDeque::new(),
            gen: 0,
            detour: false,
        }
    }

    /// Moves along the current edge up to `now`. Returns the metres moved, whether the edge
    /// leaves the home city (`in_city` by node), and the edge (`None` when standing).
    pub fn advance<'w>(
        &mut self,
        world: &'w World,
        in_city: &[bool],
        now: SimTime,
    ) -> (f64, bool, Option<&'w crate::world::Edge>) {
        let Some(p) = &mut self.on_edge else {
            return (0.0, false, None);
        };
        let edge = world.net.edge(p.edge);
        let before = p.progress_m;
        p.progress_m = (p.progress_m + p.speed_mps * now.saturating_since(p.since).as_secs_f64())
            .min(edge.length_m);
        p.since = now;
        let outside = !(in_city[edge.from.index()] && in_city[edge.to.index()]);
        (p.progress_m - before, outside, Some(edge))
    }

    /// The node where the vehicle is next free to turn (the end of its edge) and when it
    /// gets there; an hour ahead when it stands on a closed edge.
    pub fn free_at(&self, world: &World, now: SimTime) -> (NodeId, SimTime) {
        match self.on_edge {
            Some(p) => {
                let e = world.net.edge(p.edge);
                let left = e.length_m - p.progress_m;
                let secs = if p.speed_mps > 0.0 {
                    left / p.speed_mps
                } else {
                    3_600.0
                };
                (e.to, now + SimDuration::from_secs_f64(secs))
            }
            None => (self.node, now),
        }
    }

    /// The end of the current edge, or the node it stands at.
    pub fn next_node(&self, world: &World) -> NodeId {
        self.on_edge
            .map_or(self.node, |p| world.net.edge(p.edge).to)
    }

    /// Starts `edge` now (its tail must be the current node).
    pub fn enter(&mut self, world: &World, now: SimTime, edge: EdgeId) {
        debug_assert_eq!(world.net.edge(edge).from, self.node);
        self.on_edge = Some(OnEdge {
            edge,
            progress_m: 0.0,
            since: now,
            speed_mps: self.speeds.speed_mps[edge.index()],
        });
    }

    /// A new timer generation for the end of the current edge: `(delay, gen)`, or only the
    /// bumped generation when the vehicle stands still on a closed edge.
    pub fn edge_timer(&mut self, world: &World) -> (Option<SimDuration>, u32) {
        self.gen = self.gen.wrapping_add(1);
        let delay = self.on_edge.filter(|p| p.speed_mps > 0.0).map(|p| {
            let left_m = world.net.edge(p.edge).length_m - p.progress_m;
            SimDuration::from_secs_f64(left_m / p.speed_mps)
        });
        (delay, self.gen)
    }

    /// A new timer generation for a stop.
    pub fn stop_timer(&mut self) -> u32 {
        self.gen = self.gen.wrapping_add(1);
        self.gen
    }

    /// Leaves the current edge at its head; returns the edge.
    pub fn finish_edge(&mut self, world: &World) -> EdgeId {
        let p = self.on_edge.take().expect("edge done while on an edge");
        self.node = world.net.edge(p.edge).to;
        p.edge
    }

    /// Takes new speeds; true when the speed on the current edge changed (its timer must
    /// be set again).
    pub fn set_speeds(&mut self, table: Arc<SpeedTable>) -> bool {
        self.speeds = table;
        match &mut self.on_edge {
            Some(p) => {
                let new_speed = self.speeds.speed_mps[p.edge.index()];
                let changed = new_speed != p.speed_mps;
                p.speed_mps = new_speed;
                changed
            }
            None => false,
        }
    }

    /// The fastest route from the next free node to `to` at the speeds in force, replacing
    /// the route ahead (empty when already there or when no route is open).
    pub fn route_from_next(&mut self, ctx: &FleetContext, to: Option<NodeId>) {
        let end = self.next_node(&ctx.world);
        self.route = match to {
            Some(n) if n != end => ctx
                .route(self.speeds.as_ref(), end, n)
                .map(|r| r.edges.into())
                .unwrap_or_default(),
            _ => VecDeque::new(),
        };
    }

    /// The vehicle's GPS fix now.
    pub fn position(&self, world: &World, vehicle: VehicleId, now: SimTime) -> PositionFix {
        match self.on_edge {
            Some(p) => {
                let moved =
                    p.progress_m + p.speed_mps * now.saturating_since(p.since).as_secs_f64();
                let (lat, lon) = world.net.position_along(p.edge, moved);
                PositionFix {
                    vehicle,
                    lat,
                    lon,
                    speed_kmh: p.speed_mps * 3.6,
                    edge: Some(p.edge),
                }
            }
            None => {
                let pt = world.net.node(self.node).point;
                PositionFix {
                    vehicle,
                    lat: pt.y(),
                    lon: pt.x(),
                    speed_kmh: 0.0,
                    edge: None,
                }
            }
        }
    }

    /// (vibration m/s², moving) on the current edge.
    pub fn vibration(&self, world: &World) -> (f64, bool) {
        match self.on_edge {
            Some(p) if p.speed_mps > 0.0 => {
                let e = world.net.edge(p.edge);
                (vibration_ms2(e.class, p.speed_mps * 3.6, e.speed_kmh), true)
            }
            _ => (0.0, false),
        }
    }

    /// Compares the route ahead (closures waited out) with the fastest open route from the
    /// end of the current edge to `destination`. `None` when there is nothing to compare;
    /// otherwise the record (its `trip` left for the caller) and the new route, `accepted`
    /// when it saves at least `min_gain`.
    pub fn consider_reroute(
        &self,
        ctx: &FleetContext,
        now: SimTime,
        destination: NodeId,
        incidents: Vec<IncidentId>,
        min_gain: SimDuration,
        vehicle: VehicleId,
    ) -> Option<(RerouteRecord, Route)> {
        let world = &ctx.world;
        let net = &world.net;
        let (from, head_m, head_s) = match self.on_edge {
            Some(p) => {
                let edge = net.edge(p.edge);
                let left = edge.length_m - p.progress_m;
                let secs = if p.speed_mps > 0.0 {
                    left / p.speed_mps
                } else {
                    f64::INFINITY
                };
                (edge.to, left, secs)
            }
            None => (self.node, 0.0, 0.0),
        };
        if !head_s.is_finite() || from == destination {
            return None;
        }
        let at_fork = now + SimDuration::from_secs_f64(head_s);
        let old_edges: Vec<EdgeId> = self.route.iter().copied().collect();
        let old = self.speeds.time_with_waits(net, at_fork, &old_edges);
        let new = ctx.route(self.speeds.as_ref(), from, destination)?;
        if new.edges == old_edges {
            return None;
        }
        let (old_m, old_s) = old.unwrap_or((f64::INFINITY, f64::INFINITY));
        let gain_s = old_s - new.time_s;
        let record = RerouteRecord {
            vehicle,
            trip: None,
            at_node: from,
            destination,
            incidents,
            old_remaining_m: head_m + old_m,
            old_remaining_s: head_s + old_s,
            new_remaining_m: head_m + new.length_m,
            new_remaining_s: head_s + new.time_s,
            accepted: gain_s >= min_gain.as_secs_f64(),
            old_roads: roads_text(world, &old_edges),
            new_roads: roads_text(world, &new.edges),
        };
        Some((record, new))
    }

    /// Follows `route` from the end of the current edge; `detour` when it goes around an
    /// incident.
    pub fn take_route(&mut self, route: Route, detour: bool) {
        self.route = route.edges.into();
        self.detour = detour;
    }
}

/// "Gyeongbu 120.4 km > Cheongju-Sangju 80.5 km" style summary of a route.
fn roads_text(world: &World, edges: &[EdgeId]) -> String {
    let route = Route {
        edges: edges.to_vec(),
        length_m: 0.0,
        time_s: 0.0,
    };
    route
        .roads(&world.net)
        .iter()
        .map(|(road, m)| format!("{road} {:.1} km", m / 1_000.0))
        .collect::<Vec<_>>()
        .join(" > ")
}
