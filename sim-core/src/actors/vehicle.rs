//! The vehicle actor: drives its trips edge by edge at the speeds in force, reports GPS
//! fixes on a fixed period, and reroutes when an incident touches its remaining route.
//!
//! A vehicle is always in one [`Phase`]. Timers (`EdgeDone`, `StopDone`) carry a
//! generation number; a speed change or a reroute bumps it, so stale timers are ignored.
//! On a closed edge the vehicle stands still until the edge reopens.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use crate::engine::{Cx, SimActor};
use crate::event::{Event, PositionFix, RerouteRecord, TripRecord, TripStatus};
use crate::ids::{EdgeId, IncidentId, NodeId, VehicleId};
use crate::msg::{Msg, TrafficUpdate, TripPlan};
use crate::time::{SimDuration, SimTime};
use crate::traffic::SpeedTable;
use crate::world::{Route, World};

/// Settings shared by every vehicle.
#[derive(Clone, Copy, Debug)]
pub struct VehicleConfig {
    /// GPS reporting period.
    pub position_interval: SimDuration,
    /// A new route is taken only if it saves at least this much (avoids flapping).
    pub reroute_min_gain: SimDuration,
}

/// Why the vehicle is driving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leg {
    Pickup,
    Dropoff,
    Depot,
}

/// Why the vehicle is standing at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// Waiting for the pet to be ready, then loading.
    Loading,
    Unloading,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Driving(Leg),
    Stopped(Stop),
    /// No open route to the leg's destination: waits for a traffic change.
    Blocked(Leg),
}

/// Progress along the current edge.
#[derive(Clone, Copy, Debug)]
struct OnEdge {
    edge: EdgeId,
    progress_m: f64,
    since: SimTime,
    speed_mps: f64,
}

/// The trip in hand.
#[derive(Clone, Debug)]
struct ActiveTrip {
    plan: Arc<TripPlan>,
    depart_at: Option<SimTime>,
    arrive_at: Option<SimTime>,
    odometer_at_depart_m: f64,
    reroutes: u32,
}

/// A vehicle of the fleet.
pub struct Vehicle {
    id: VehicleId,
    world: Arc<World>,
    cfg: VehicleConfig,
    depot: NodeId,
    /// The last node reached (or the current node when not on an edge).
    node: NodeId,
    speeds: Arc<SpeedTable>,
    phase: Phase,
    on_edge: Option<OnEdge>,
    /// Edges after the current one.
    route: VecDeque<EdgeId>,
    leg_destination: NodeId,
    gen: u32,
    queue: VecDeque<Arc<TripPlan>>,
    trip: Option<ActiveTrip>,
    odometer_m: f64,
    ticking: bool,
    completed: u32,
}

impl Vehicle {
    /// A vehicle parked at `depot`, knowing the speeds `initial`.
    pub fn new(
        id: VehicleId,
        world: Arc<World>,
        cfg: VehicleConfig,
        depot: NodeId,
        initial: Arc<SpeedTable>,
    ) -> Self {
        Vehicle {
            id,
            world,
            cfg,
            depot,
            node: depot,
            speeds: initial,
            phase: Phase::Idle,
            on_edge: None,
            route: VecDeque::new(),
            leg_destination: depot,
            gen: 0,
            queue: VecDeque::new(),
            trip: None,
            odometer_m: 0.0,
            ticking: false,
            completed: 0,
        }
    }

    /// Trips completed.
    pub fn completed(&self) -> u32 {
        self.completed
    }

    /// Total metres driven.
    pub fn odometer_m(&self) -> f64 {
        self.odometer_m
    }

    /// Whether the vehicle holds no trip.
    pub fn is_free(&self) -> bool {
        self.trip.is_none() && self.queue.is_empty()
    }

    fn speed_of(&self, edge: EdgeId) -> f64 {
        self.speeds.speed_mps[edge.index()]
    }

    /// Brings `on_edge.progress_m` up to `now` at the current speed.
    fn advance(&mut self, now: SimTime) {
        if let Some(p) = &mut self.on_edge {
            let len = self.world.net.edge(p.edge).length_m;
            p.progress_m =
                (p.progress_m + p.speed_mps * now.saturating_since(p.since).as_secs_f64()).min(len);
            p.since = now;
        }
    }

    /// Schedules the end of the current edge at the current speed (none while stopped).
    fn schedule_edge_done(&mut self, cx: &mut Cx<'_, Msg, Event>) {
        self.gen = self.gen.wrapping_add(1);
        if let Some(p) = self.on_edge {
            if p.speed_mps > 0.0 {
                let left_m = self.world.net.edge(p.edge).length_m - p.progress_m;
                let dt = SimDuration::from_secs_f64(left_m / p.speed_mps);
                cx.send_self(dt, Msg::EdgeDone { gen: self.gen });
            }
        }
    }

    fn ensure_ticking(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if self.ticking {
            return;
        }
        self.ticking = true;
        let period = self.cfg.position_interval.as_ms().max(1);
        let next = now.as_ms().div_ceil(period) * period;
        cx.send_self(SimDuration(next - now.as_ms()), Msg::PositionTick);
    }

    fn enter_edge(&mut self, now: SimTime, edge: EdgeId, cx: &mut Cx<'_, Msg, Event>) {
        debug_assert_eq!(self.world.net.edge(edge).from, self.node);
        self.on_edge = Some(OnEdge {
            edge,
            progress_m: 0.0,
            since: now,
            speed_mps: self.speed_of(edge),
        });
        self.schedule_edge_done(cx);
    }

    /// Starts driving to `destination` for `leg`.
    fn start_leg(
        &mut self,
        now: SimTime,
        leg: Leg,
        destination: NodeId,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        self.leg_destination = destination;
        self.ensure_ticking(now, cx);
        if self.node == destination {
            self.phase = Phase::Driving(leg);
            self.arrive(now, cx);
            return;
        }
        match self
            .world
            .route(self.speeds.as_ref(), self.node, destination)
        {
            Some(route) => {
                self.phase = Phase::Driving(leg);
                self.route = route.edges.into();
                let first = self
                    .route
                    .pop_front()
                    .expect("a route between distinct nodes has an edge");
                self.enter_edge(now, first, cx);
            }
            None => {
                self.phase = Phase::Blocked(leg);
                cx.emit(Event::NoRoute {
                    vehicle: self.id,
                    from: self.node,
                    to: destination,
                });
            }
        }
    }

    /// The leg's destination is reached.
    fn arrive(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let Phase::Driving(leg) = self.phase else {
            unreachable!("arrive while {:?}", self.phase)
        };
        self.gen = self.gen.wrapping_add(1);
        match leg {
            Leg::Pickup => {
                let trip = self.trip.as_ref().expect("a pickup leg has a trip");
                let wait = trip.plan.ready_at.saturating_since(now);
                self.phase = Phase::Stopped(Stop::Loading);
                cx.send_self(wait + trip.plan.load, Msg::StopDone { gen: self.gen });
            }
            Leg::Dropoff => {
                let trip = self.trip.as_mut().expect("a drop-off leg has a trip");
                trip.arrive_at = Some(now);
                let unload = trip.plan.unload;
                self.phase = Phase::Stopped(Stop::Unloading);
                cx.send_self(unload, Msg::StopDone { gen: self.gen });
            }
            Leg::Depot => self.phase = Phase::Idle,
        }
    }

    fn start_next_trip(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.queue.pop_front() {
            Some(plan) => {
                let pickup = plan.pickup;
                self.trip = Some(ActiveTrip {
                    plan,
                    depart_at: None,
                    arrive_at: None,
                    odometer_at_depart_m: self.odometer_m,
                    reroutes: 0,
                });
                self.start_leg(now, Leg::Pickup, pickup, cx);
            }
            None if self.node != self.depot => self.start_leg(now, Leg::Depot, self.depot, cx),
            None => self.phase = Phase::Idle,
        }
    }

    fn on_stop_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.phase {
            Phase::Stopped(Stop::Loading) => {
                let odometer = self.odometer_m;
                let trip = self.trip.as_mut().expect("loading has a trip");
                trip.depart_at = Some(now);
                trip.odometer_at_depart_m = odometer;
                trip.reroutes = 0;
                let (t, dropoff) = (trip.plan.trip, trip.plan.dropoff);
                cx.emit(Event::TripStarted {
                    trip: t,
                    vehicle: self.id,
                });
                self.start_leg(now, Leg::Dropoff, dropoff, cx);
            }
            Phase::Stopped(Stop::Unloading) => {
                let trip = self.trip.take().expect("unloading has a trip");
                self.completed += 1;
                cx.emit(Event::TripEnded(self.record(&trip, TripStatus::Completed)));
                self.start_next_trip(now, cx);
            }
            other => unreachable!("stop done while {other:?}"),
        }
    }

    fn record(&self, trip: &ActiveTrip, status: TripStatus) -> TripRecord {
        let distance_m = match trip.depart_at {
            Some(_) => self.odometer_m - trip.odometer_at_depart_m,
            None => 0.0,
        };
        TripRecord {
            trip: trip.plan.trip,
            vehicle: self.id,
            origin: trip.plan.pickup,
            destination: trip.plan.dropoff,
            depart_at: trip.depart_at,
            arrive_at: trip.arrive_at,
            distance_m,
            reroutes: trip.reroutes,
            status,
        }
    }

    fn on_edge_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let p = self.on_edge.take().expect("edge done while on an edge");
        let edge = self.world.net.edge(p.edge);
        self.odometer_m += edge.length_m;
        self.node = edge.to;
        match (self.route.pop_front(), self.phase) {
            (Some(next), _) => self.enter_edge(now, next, cx),
            (None, _) if self.node == self.leg_destination => self.arrive(now, cx),
            // The route was cut short (a turn with no open way on): plan again from here.
            (None, Phase::Driving(leg)) => {
                let destination = self.leg_destination;
                self.start_leg(now, leg, destination, cx);
            }
            (None, other) => unreachable!("edge done while {other:?}"),
        }
    }

    fn on_traffic(&mut self, now: SimTime, update: TrafficUpdate, cx: &mut Cx<'_, Msg, Event>) {
        self.speeds = update.table;
        if let Some(p) = self.on_edge {
            let new_speed = self.speed_of(p.edge);
            if new_speed != p.speed_mps {
                self.advance(now);
                if let Some(p) = &mut self.on_edge {
                    p.speed_mps = new_speed;
                }
                self.schedule_edge_done(cx);
            }
        }
        match self.phase {
            Phase::Blocked(leg) => {
                let destination = self.leg_destination;
                self.start_leg(now, leg, destination, cx);
            }
            Phase::Driving(_) if !update.changes.is_empty() => {
                let mut prompted: Vec<IncidentId> = Vec::new();
                let mut cleared = false;
                for c in update.changes.iter() {
                    if c.started {
                        if c.incident.edges.iter().any(|e| self.route.contains(e)) {
                            prompted.push(c.incident.id);
                        }
                    } else {
                        cleared = true;
                        prompted.push(c.incident.id);
                    }
                }
                // A cleared incident may open a quicker way: look, but only keep a
                // record when a new route is really different.
                if !prompted.is_empty() {
                    self.consider_reroute(now, prompted, cleared, cx);
                }
            }
            _ => {}
        }
    }

    /// Looks for a quicker route from the end of the current edge (or the current node).
    fn consider_reroute(
        &mut self,
        now: SimTime,
        incidents: Vec<IncidentId>,
        only_if_better: bool,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let net = &self.world.net;
        let destination = self.leg_destination;
        // Where the routes part, and how far/long until the vehicle gets there.
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
            return;
        }
        let at_fork = now + SimDuration::from_secs_f64(head_s);
        let old_edges: Vec<EdgeId> = self.route.iter().copied().collect();
        let old = self.speeds.time_with_waits(net, at_fork, &old_edges);
        let Some(new) = self.world.route(self.speeds.as_ref(), from, destination) else {
            return;
        };
        if new.edges == old_edges {
            return;
        }
        let (old_m, old_s) = old.unwrap_or((f64::INFINITY, f64::INFINITY));
        let gain_s = old_s - new.time_s;
        let accepted = gain_s >= self.cfg.reroute_min_gain.as_secs_f64();
        if only_if_better && !accepted {
            return;
        }
        let record = RerouteRecord {
            vehicle: self.id,
            trip: self.trip.as_ref().map(|t| t.plan.trip),
            at_node: from,
            destination,
            incidents,
            old_remaining_m: head_m + old_m,
            old_remaining_s: head_s + old_s,
            new_remaining_m: head_m + new.length_m,
            new_remaining_s: head_s + new.time_s,
            accepted,
            old_roads: roads_text(&self.world, &old_edges),
            new_roads: roads_text(&self.world, &new.edges),
        };
        tracing::debug!(vehicle = %self.id, at = %now, accepted, gain_s, "reroute considered");
        cx.emit(Event::Rerouted(record));
        if accepted {
            self.route = new.edges.into();
            if let Some(trip) = &mut self.trip {
                trip.reroutes += 1;
            }
            if self.on_edge.is_none() {
                // Standing at the fork: leave on the new route now.
                let first = self.route.pop_front().expect("a new route has an edge");
                self.enter_edge(now, first, cx);
            }
        }
    }

    fn position(&self, now: SimTime) -> PositionFix {
        match self.on_edge {
            Some(p) => {
                let moved =
                    p.progress_m + p.speed_mps * now.saturating_since(p.since).as_secs_f64();
                let (lat, lon) = self.world.net.position_along(p.edge, moved);
                PositionFix {
                    vehicle: self.id,
                    lat,
                    lon,
                    speed_kmh: p.speed_mps * 3.6,
                    edge: Some(p.edge),
                }
            }
            None => {
                let pt = self.world.net.node(self.node).point;
                PositionFix {
                    vehicle: self.id,
                    lat: pt.y(),
                    lon: pt.x(),
                    speed_kmh: 0.0,
                    edge: None,
                }
            }
        }
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

impl SimActor<Msg, Event> for Vehicle {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => {}
            Msg::Traffic(update) => self.on_traffic(now, update, cx),
            Msg::AssignTrip(plan) => {
                self.queue.push_back(plan);
                match self.phase {
                    Phase::Idle => self.start_next_trip(now, cx),
                    Phase::Driving(Leg::Depot) | Phase::Blocked(Leg::Depot) => {
                        // Turn towards the new pickup at the next node.
                        let plan = self.queue.pop_front().expect("just queued");
                        let pickup = plan.pickup;
                        self.trip = Some(ActiveTrip {
                            plan,
                            depart_at: None,
                            arrive_at: None,
                            odometer_at_depart_m: self.odometer_m,
                            reroutes: 0,
                        });
                        if self.on_edge.is_some() {
                            self.leg_destination = pickup;
                            self.phase = Phase::Driving(Leg::Pickup);
                            let end = self
                                .world
                                .net
                                .edge(self.on_edge.map(|p| p.edge).expect("on edge"))
                                .to;
                            self.route = if end == pickup {
                                VecDeque::new()
                            } else {
                                match self.world.route(self.speeds.as_ref(), end, pickup) {
                                    Some(r) => r.edges.into(),
                                    // Finish the edge; the pickup leg is re-planned from there.
                                    None => VecDeque::new(),
                                }
                            };
                        } else {
                            self.start_leg(now, Leg::Pickup, pickup, cx);
                        }
                    }
                    _ => {}
                }
            }
            Msg::EdgeDone { gen } => {
                if gen == self.gen && self.on_edge.is_some() {
                    self.on_edge_done(now, cx);
                }
            }
            Msg::StopDone { gen } => {
                if gen == self.gen {
                    self.on_stop_done(now, cx);
                }
            }
            Msg::PositionTick => {
                if self.phase == Phase::Idle {
                    self.ticking = false;
                } else {
                    cx.emit(Event::Position(self.position(now)));
                    cx.send_self(self.cfg.position_interval, Msg::PositionTick);
                }
            }
            other => debug_assert!(false, "vehicle got {}", other.kind()),
        }
    }

    fn on_end(&mut self, _now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if let Some(trip) = &self.trip {
            cx.emit(Event::TripEnded(self.record(trip, TripStatus::Unfinished)));
        }
        for plan in &self.queue {
            let open = ActiveTrip {
                plan: plan.clone(),
                depart_at: None,
                arrive_at: None,
                odometer_at_depart_m: self.odometer_m,
                reroutes: 0,
            };
            cx.emit(Event::TripEnded(self.record(&open, TripStatus::Unfinished)));
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
