//! The vehicle actor: drives a plan of pickups and drop-offs (several bookings may ride
//! together) edge by edge at the speeds in force; meters every booking aboard; re-quotes
//! when a detour, waiting or a diversion raises a fare; keeps the pets' cabin, reports the
//! ride to them, stops for rest on long trips and diverts to a vet on a critical alert;
//! reports GPS fixes, live updates to customers, hourly statistics, and its state to the
//! dispatcher.
//!
//! Timers (`EdgeDone`, `StopDone`) carry a generation; a change of plan or speed bumps it,
//! so stale timers are ignored. On a closed edge the vehicle stands still until it reopens.

use std::any::Any;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use rand_distr::{Distribution, Exp};

use crate::booking::{Aboard, Crates, Dwell, Leg, Manifest, PlanStop, StopKind, VehicleView};
use crate::engine::{Cx, SimActor};
use crate::event::{Event, PositionFix, RerouteRecord, TripRecord, TripStatus, VehicleHour};
use crate::fare::{price, Extras, Meter, Tariff, Tolls};
use crate::ids::{ActorId, BookingId, EdgeId, IncidentId, NodeId, PartnerId, VehicleId};
use crate::msg::{Delivery, Msg, RequoteReason, TrafficUpdate};
use crate::time::{SimDuration, SimTime, MS_PER_H};
use crate::traffic::SpeedTable;
use crate::welfare::{vibration_ms2, Cabin, Env};
use crate::world::{Route, World};

/// Settings shared by every vehicle.
#[derive(Clone, Copy, Debug)]
pub struct VehicleConfig {
    /// GPS reporting period.
    pub position_interval: SimDuration,
    /// A new route is taken only if it saves at least this much (avoids flapping).
    pub reroute_min_gain: SimDuration,
    /// Live updates to customers; `None` sends only milestones (assigned, picked up, delivered).
    pub customer_update_interval: Option<SimDuration>,
    /// How often the pets aboard are told about the ride.
    pub welfare_interval: SimDuration,
    /// Loading and unloading times.
    pub dwell: Dwell,
    /// Length of a rest stop.
    pub rest_stop: SimDuration,
    /// A re-quote is sent when the expected fare exceeds the approved one by more than this.
    pub requote_threshold_won: i64,
    /// Emergency treatment time at a vet.
    pub vet_treatment: SimDuration,
    /// Mean extra time until the pets are handed over at a pickup (exponential).
    pub readiness_mean: SimDuration,
}

/// Kind of partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartnerKind {
    /// Vet clinic.
    Vet,
    /// Groomer.
    Groomer,
    /// Pet hotel.
    Hotel,
}

impl PartnerKind {
    /// Name in data files.
    pub fn name(self) -> &'static str {
        match self {
            PartnerKind::Vet => "vet",
            PartnerKind::Groomer => "groomer",
            PartnerKind::Hotel => "hotel",
        }
    }
}

/// A partner as others know it.
#[derive(Clone, Debug, PartialEq)]
pub struct PartnerInfo {
    /// Id.
    pub id: PartnerId,
    /// Its actor.
    pub actor: ActorId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Where.
    pub node: NodeId,
    /// Pets served at once.
    pub capacity: u32,
    /// Opens, minutes after midnight.
    pub opens_min: u32,
    /// Closes, minutes after midnight (1440 = midnight).
    pub closes_min: u32,
}

impl PartnerInfo {
    /// Whether it is open at `t`.
    pub fn is_open(&self, t: SimTime) -> bool {
        let m = (t.ms_of_day() / 60_000) as u32;
        if self.opens_min <= self.closes_min {
            (self.opens_min..self.closes_min).contains(&m)
        } else {
            m >= self.opens_min || m < self.closes_min
        }
    }
}

/// Seoul climate normals by month and hour, and the month of each day of the run.
#[derive(Clone, Debug)]
pub struct Climate {
    /// `[month 0-11][hour]` -> (temperature C, relative humidity %).
    pub normals: [[(f64, f64); 24]; 12],
    /// Month (0-11) of each day of the run; later days keep the last.
    pub month_of_day: Vec<u8>,
}

impl Climate {
    /// Outside (temperature, humidity) at `t`, interpolated between hours.
    pub fn outside(&self, t: SimTime) -> (f64, f64) {
        let day = t.day() as usize;
        let month = self
            .month_of_day
            .get(day)
            .or(self.month_of_day.last())
            .copied()
            .unwrap_or(0) as usize;
        let h = t.hour_of_day_f64();
        let (h0, w) = (h.floor() as usize % 24, h - h.floor());
        let (a, b) = (self.normals[month][h0], self.normals[month][(h0 + 1) % 24]);
        (a.0 + (b.0 - a.0) * w, a.1 + (b.1 - a.1) * w)
    }
}

/// What every vehicle shares, read-only.
#[derive(Debug)]
pub struct FleetContext {
    /// Network and routing.
    pub world: Arc<World>,
    /// The fare tariff.
    pub tariff: Arc<Tariff>,
    /// Expressway tolls.
    pub tolls: Tolls,
    /// Which nodes are in the home city (Seoul).
    pub in_city: Arc<[bool]>,
    /// Partners.
    pub partners: Arc<[PartnerInfo]>,
    /// Outside climate.
    pub climate: Arc<Climate>,
    /// The dispatcher.
    pub dispatcher: ActorId,
    /// Settings.
    pub cfg: VehicleConfig,
}

/// Where the vehicle is heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    None,
    Stop,
    Vet { partner: usize, booking: BookingId },
    Depot,
}

/// What the vehicle is doing when not simply driving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Activity {
    Idle,
    Driving,
    /// At a stop: waiting for the pets and loading, or unloading.
    AtStop,
    Resting,
    /// At a vet with a booking's pets, waiting for the treatment.
    AtVet(BookingId),
    /// No open route to the target: waits for a traffic change.
    Blocked,
}

#[derive(Clone, Copy, Debug)]
struct OnEdge {
    edge: EdgeId,
    progress_m: f64,
    since: SimTime,
    speed_mps: f64,
}

/// A booking's pets aboard.
#[derive(Clone, Debug)]
struct RideState {
    stop: PlanStop,
    meter: Meter,
    picked_at: SimTime,
    waited_s: u64,
    distance_m: f64,
    tolls_won: f64,
    approved_won: i64,
    requote_pending: bool,
    reroutes: u32,
}

/// A vehicle of the fleet.
pub struct Vehicle {
    id: VehicleId,
    ctx: Arc<FleetContext>,
    crates: Crates,
    depot: NodeId,
    shift_end: SimTime,
    node: NodeId,
    speeds: Arc<SpeedTable>,
    activity: Activity,
    target: Target,
    on_edge: Option<OnEdge>,
    route: VecDeque<EdgeId>,
    gen: u32,
    plan: VecDeque<PlanStop>,
    aboard: Vec<RideState>,
    done: BTreeSet<(BookingId, Leg, StopKind)>,
    diverted: BTreeSet<BookingId>,
    /// Arrival at the current stop, and when the pets are ready there.
    stop_arrived: SimTime,
    cabin: Cabin,
    acct_t: SimTime,
    rest_from: SimTime,
    prev_expressway: bool,
    ticking: (bool, bool, bool),
    hour: VehicleHour,
    odometer_m: f64,
    completed: u32,
    violations: u32,
    plans_applied: u64,
    unassigned: BTreeSet<BookingId>,
    bounces: u32,
}

impl Vehicle {
    /// A vehicle parked at `depot` until `shift_end`, knowing the speeds `initial`.
    pub fn new(
        id: VehicleId,
        ctx: Arc<FleetContext>,
        crates: Crates,
        depot: NodeId,
        shift_end: SimTime,
        initial: Arc<SpeedTable>,
    ) -> Self {
        let outside = ctx.climate.outside(SimTime::ZERO).0;
        Vehicle {
            id,
            crates,
            depot,
            shift_end,
            node: depot,
            speeds: initial,
            activity: Activity::Idle,
            target: Target::None,
            on_edge: None,
            route: VecDeque::new(),
            gen: 0,
            plan: VecDeque::new(),
            aboard: Vec::new(),
            done: BTreeSet::new(),
            diverted: BTreeSet::new(),
            stop_arrived: SimTime::ZERO,
            cabin: Cabin::new(outside),
            acct_t: SimTime::ZERO,
            rest_from: SimTime::ZERO,
            prev_expressway: false,
            ticking: (false, false, false),
            hour: VehicleHour {
                vehicle: id,
                hour_start: SimTime::ZERO,
                busy_s: 0.0,
                loaded_s: 0.0,
                loaded_m: 0.0,
                empty_m: 0.0,
                max_pets: 0,
            },
            odometer_m: 0.0,
            completed: 0,
            violations: 0,
            plans_applied: 0,
            unassigned: BTreeSet::new(),
            bounces: 0,
            ctx,
        }
    }

    /// Legs delivered.
    pub fn completed(&self) -> u32 {
        self.completed
    }

    /// Crate-slot or species-separation violations seen at boarding (always 0 if dispatch
    /// is right).
    pub fn violations(&self) -> u32 {
        self.violations
    }

    /// Total metres driven.
    pub fn odometer_m(&self) -> f64 {
        self.odometer_m
    }

    /// Pets aboard now, by booking (for end-of-run checks).
    pub fn aboard(&self) -> Vec<BookingId> {
        self.aboard.iter().map(|r| r.stop.booking).collect()
    }

    fn world(&self) -> &World {
        &self.ctx.world
    }

    fn pets_aboard(&self) -> u32 {
        self.aboard.iter().map(|r| r.stop.load.total()).sum()
    }

    // ---- accounting -------------------------------------------------------------------

    /// Brings motion, meters, cabin and statistics up to `now`.
    fn account(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.acct_t);
        if dt == SimDuration::ZERO && self.acct_t == now {
            return;
        }
        let mut moved = 0.0;
        let mut outside = false;
        if let Some(p) = &mut self.on_edge {
            let edge = self.ctx.world.net.edge(p.edge);
            let before = p.progress_m;
            p.progress_m = (p.progress_m
                + p.speed_mps * now.saturating_since(p.since).as_secs_f64())
            .min(edge.length_m);
            p.since = now;
            moved = p.progress_m - before;
            outside = !(self.ctx.in_city[edge.from.index()] && self.ctx.in_city[edge.to.index()]);
        }
        let secs = dt.as_secs_f64();
        self.odometer_m += moved;
        if !self.plan.is_empty() || !self.aboard.is_empty() {
            self.hour.busy_s += secs;
        }
        if self.aboard.is_empty() {
            self.hour.empty_m += moved;
        } else {
            self.hour.loaded_m += moved;
            self.hour.loaded_s += secs;
        }
        let tariff = self.ctx.tariff.clone();
        for r in &mut self.aboard {
            r.meter.feed(&tariff, self.acct_t, now, moved, outside);
            r.distance_m += moved;
        }
        let (t_out, rh_out) = self.ctx.climate.outside(now);
        self.cabin.step(t_out, rh_out, now.hour_of_day_f64(), dt);
        self.acct_t = now;
    }

    // ---- timers -----------------------------------------------------------------------

    fn schedule_edge_done(&mut self, cx: &mut Cx<'_, Msg, Event>) {
        self.gen = self.gen.wrapping_add(1);
        if let Some(p) = self.on_edge {
            if p.speed_mps > 0.0 {
                let left_m = self.world().net.edge(p.edge).length_m - p.progress_m;
                cx.send_self(
                    SimDuration::from_secs_f64(left_m / p.speed_mps),
                    Msg::EdgeDone { gen: self.gen },
                );
            }
        }
    }

    fn stop_for(&mut self, d: SimDuration, cx: &mut Cx<'_, Msg, Event>) {
        self.gen = self.gen.wrapping_add(1);
        cx.send_self(d, Msg::StopDone { gen: self.gen });
    }

    fn start_ticks(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let aligned = |period: SimDuration| {
            let p = period.as_ms().max(1);
            SimDuration(now.as_ms().div_ceil(p) * p - now.as_ms())
        };
        if !self.ticking.0 {
            self.ticking.0 = true;
            cx.send_self(aligned(self.ctx.cfg.position_interval), Msg::PositionTick);
        }
        if !self.ticking.1 && !self.aboard.is_empty() {
            self.ticking.1 = true;
            cx.send_self(self.ctx.cfg.welfare_interval, Msg::WelfareTick);
        }
        if let Some(every) = self.ctx.cfg.customer_update_interval {
            if !self.ticking.2 && (!self.plan.is_empty() || !self.aboard.is_empty()) {
                self.ticking.2 = true;
                cx.send_self(aligned(every), Msg::CustomerTick);
            }
        }
    }

    // ---- status -----------------------------------------------------------------------

    fn view(&self, now: SimTime) -> VehicleView {
        let (node, at) = match self.on_edge {
            Some(p) => {
                let e = self.world().net.edge(p.edge);
                let left = e.length_m - p.progress_m;
                let secs = if p.speed_mps > 0.0 {
                    left / p.speed_mps
                } else {
                    3_600.0
                };
                (e.to, now + SimDuration::from_secs_f64(secs))
            }
            None => (self.node, now),
        };
        VehicleView {
            node,
            at,
            aboard: self
                .aboard
                .iter()
                .map(|r| Aboard {
                    booking: r.stop.booking,
                    leg: r.stop.leg,
                    load: r.stop.load,
                    household: r.stop.household,
                    dogs: r.stop.dogs,
                    cats: r.stop.cats,
                    picked_at: r.picked_at,
                    ride_limit: r.stop.ride_limit,
                })
                .collect(),
            plan: self.plan.iter().cloned().collect(),
            crates: self.crates,
            shift_end: self.shift_end,
            available: now < self.shift_end,
            locked: usize::from(self.activity == Activity::AtStop && !self.plan.is_empty()),
            version: self.plans_applied,
        }
    }

    fn report(&self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        cx.send(
            self.ctx.dispatcher,
            SimDuration::ZERO,
            Msg::VehicleStatus {
                vehicle: self.id,
                view: Arc::new(self.view(now)),
            },
        );
    }

    // ---- driving ----------------------------------------------------------------------

    fn target_node(&self) -> Option<NodeId> {
        match self.target {
            Target::None => None,
            Target::Stop => self.plan.front().map(|s| s.node),
            Target::Vet { partner, .. } => Some(self.ctx.partners[partner].node),
            Target::Depot => Some(self.depot),
        }
    }

    fn enter_edge(&mut self, now: SimTime, edge: EdgeId, cx: &mut Cx<'_, Msg, Event>) {
        debug_assert_eq!(self.world().net.edge(edge).from, self.node);
        self.on_edge = Some(OnEdge {
            edge,
            progress_m: 0.0,
            since: now,
            speed_mps: self.speeds.speed_mps[edge.index()],
        });
        self.activity = Activity::Driving;
        self.schedule_edge_done(cx);
    }

    /// Decides what to do next when free at a node.
    fn next(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        debug_assert!(self.on_edge.is_none());
        self.target = if !self.plan.is_empty() {
            Target::Stop
        } else if self.node != self.depot {
            Target::Depot
        } else {
            Target::None
        };
        match self.target_node() {
            None => self.activity = Activity::Idle,
            Some(n) if n == self.node => self.arrive(now, cx),
            Some(n) => match self.world().route(self.speeds.as_ref(), self.node, n) {
                Some(route) => {
                    self.start_ticks(now, cx);
                    self.route = route.edges.into();
                    let first = self
                        .route
                        .pop_front()
                        .expect("a route between distinct nodes has an edge");
                    self.enter_edge(now, first, cx);
                }
                None => {
                    self.activity = Activity::Blocked;
                    cx.emit(Event::NoRoute {
                        vehicle: self.id,
                        from: self.node,
                        to: n,
                    });
                }
            },
        }
    }

    /// Re-plans the route from the end of the current edge towards the (new) target.
    fn redirect(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.on_edge {
            Some(p) => {
                if self.target == Target::Depot || self.target == Target::None {
                    self.target = if self.plan.is_empty() {
                        Target::Depot
                    } else {
                        Target::Stop
                    };
                }
                let end = self.world().net.edge(p.edge).to;
                self.route = match self.target_node() {
                    Some(n) if n != end => self
                        .world()
                        .route(self.speeds.as_ref(), end, n)
                        .map(|r| r.edges.into())
                        .unwrap_or_default(),
                    _ => VecDeque::new(),
                };
            }
            None if matches!(self.activity, Activity::Idle | Activity::Blocked) => {
                self.next(now, cx)
            }
            None => {}
        }
    }

    fn on_edge_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let p = self.on_edge.take().expect("edge done while on an edge");
        let edge = self.world().net.edge(p.edge).clone();
        self.node = edge.to;
        // Tolls: entry to each stretch of expressway, then per km, shared by the bookings aboard.
        let exp = edge.class == crate::world::RoadClass::Expressway;
        if exp && !self.aboard.is_empty() {
            let mut won = self.ctx.tolls.per_km_won * edge.length_m / 1_000.0;
            if !self.prev_expressway {
                won += self.ctx.tolls.entry_won as f64;
            }
            let n = self.aboard.len() as f64;
            for r in &mut self.aboard {
                r.tolls_won += won / n;
            }
        }
        self.prev_expressway = exp;
        if !self.route.is_empty() && self.rest_due(now) {
            self.activity = Activity::Resting;
            let d = self.ctx.cfg.rest_stop;
            self.stop_for(d, cx);
            return;
        }
        match self.route.pop_front() {
            Some(next) => self.enter_edge(now, next, cx),
            None if Some(self.node) == self.target_node() => self.arrive(now, cx),
            None => {
                self.activity = Activity::Idle;
                self.next(now, cx);
            }
        }
    }

    fn rest_due(&self, now: SimTime) -> bool {
        let interval = self
            .aboard
            .iter()
            .flat_map(|r| r.stop.spec.pets.iter())
            .filter_map(|p| p.rest_interval)
            .min();
        interval.is_some_and(|i| now.saturating_since(self.rest_from) >= i)
    }

    /// The target is reached.
    fn arrive(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.target {
            Target::Stop => {
                let stop = self.plan.front().expect("a stop target has a stop").clone();
                self.activity = Activity::AtStop;
                self.stop_arrived = now;
                self.report(now, cx);
                let d = match stop.kind {
                    StopKind::Pickup => {
                        cx.send(
                            stop.spec.customer_actor,
                            SimDuration::ZERO,
                            Msg::AtPickup {
                                booking: stop.booking,
                            },
                        );
                        let ready_after: f64 =
                            Exp::new(1.0 / self.ctx.cfg.readiness_mean.as_secs_f64().max(1.0))
                                .map(|e| e.sample(cx.rng()))
                                .unwrap_or(0.0);
                        let ready =
                            now.max(stop.earliest) + SimDuration::from_secs_f64(ready_after);
                        ready.saturating_since(now) + self.ctx.cfg.dwell.pickup
                    }
                    StopKind::Dropoff => self.ctx.cfg.dwell.dropoff,
                };
                self.stop_for(d, cx);
            }
            Target::Vet { partner, booking } => {
                self.activity = Activity::AtVet(booking);
                let info = &self.ctx.partners[partner];
                cx.send(
                    info.actor,
                    SimDuration::ZERO,
                    Msg::ServiceRequest {
                        booking,
                        duration: self.ctx.cfg.vet_treatment,
                        reply_to: cx.me(),
                        emergency: true,
                    },
                );
            }
            Target::Depot | Target::None => {
                self.target = Target::None;
                self.activity = Activity::Idle;
                self.report(now, cx);
            }
        }
    }

    fn on_stop_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.activity {
            Activity::Resting => {
                self.rest_from = now;
                match self.route.pop_front() {
                    Some(next) => self.enter_edge(now, next, cx),
                    None => self.next(now, cx),
                }
            }
            Activity::AtStop => {
                let stop = self.plan.pop_front().expect("at a stop");
                match stop.kind {
                    StopKind::Pickup if !self.fits_aboard(&stop) => {
                        // No fitting crate, or another household's other species aboard: the
                        // pets stay home and dispatch assigns the leg again.
                        self.plan
                            .retain(|s| !(s.booking == stop.booking && s.leg == stop.leg));
                        self.bounces += 1;
                        cx.send(
                            self.ctx.dispatcher,
                            SimDuration::ZERO,
                            Msg::Bounce {
                                booking: stop.booking,
                                leg: stop.leg,
                                vehicle: self.id,
                            },
                        );
                    }
                    StopKind::Pickup => {
                        self.done.insert(stop.key());
                        self.board(now, stop, cx);
                    }
                    StopKind::Dropoff => {
                        self.done.insert(stop.key());
                        self.alight(now, stop, cx);
                    }
                }
                self.report(now, cx);
                self.next(now, cx);
            }
            other => debug_assert!(false, "stop done while {other:?}"),
        }
    }

    /// The pets aboard now, for the crate and species rule.
    fn manifest(&self) -> Manifest {
        self.aboard
            .iter()
            .fold(Manifest::default(), |acc, r| acc.plus(r.stop.manifest()))
    }

    /// Whether `stop`'s pets can board now: crates and species separation.
    fn fits_aboard(&self, stop: &PlanStop) -> bool {
        self.manifest()
            .plus(stop.manifest())
            .check(&self.crates)
            .is_ok()
    }

    /// Pickups handed back to dispatch.
    pub fn bounces(&self) -> u32 {
        self.bounces
    }

    fn board(&mut self, now: SimTime, stop: PlanStop, cx: &mut Cx<'_, Msg, Event>) {
        let tariff = self.ctx.tariff.clone();
        let waited = now
            .saturating_since(self.stop_arrived.max(stop.earliest))
            .as_ms()
            .saturating_sub(self.ctx.cfg.dwell.pickup.as_ms())
            / 1_000;
        if self.aboard.is_empty() {
            self.rest_from = now;
        }
        let outside = !self.ctx.in_city[stop.node.index()];
        let mut ride = RideState {
            meter: Meter::start(&tariff, now, outside),
            picked_at: now,
            waited_s: waited,
            distance_m: 0.0,
            tolls_won: 0.0,
            approved_won: stop.quote_won,
            requote_pending: false,
            reroutes: 0,
            stop,
        };
        let b = ride.stop.booking;
        for p in &ride.stop.spec.pets {
            cx.send(
                p.actor,
                SimDuration::ZERO,
                Msg::Boarded {
                    booking: b,
                    vehicle: cx.me(),
                    vehicle_id: self.id,
                },
            );
        }
        cx.send(
            ride.stop.spec.customer_actor,
            SimDuration::ZERO,
            Msg::PickedUp {
                booking: b,
                leg: ride.stop.leg,
            },
        );
        cx.emit(Event::TripStarted {
            trip: b,
            vehicle: self.id,
        });
        // Waiting beyond the free minutes raises the fare: re-quote if it is worth asking.
        let fee = self.expected_fare(&ride, now).1.waiting_fee_won;
        if fee > self.ctx.cfg.requote_threshold_won {
            ride.requote_pending = true;
            let new = ride.approved_won + fee;
            cx.send(
                ride.stop.spec.customer_actor,
                SimDuration::ZERO,
                Msg::Requote {
                    booking: b,
                    old_won: ride.approved_won,
                    new_won: new,
                    reason: RequoteReason::Waiting,
                    from: cx.me(),
                },
            );
        }
        self.aboard.push(ride);
        // Check what dispatch promised: crates and species separation, with the pets aboard now.
        if self.manifest().check(&self.crates).is_err() {
            self.violations += 1;
            tracing::error!(vehicle = %self.id, "boarding violates crate slots or species separation");
        }
        self.hour.max_pets = self.hour.max_pets.max(self.pets_aboard());
        self.start_ticks(now, cx);
    }

    fn alight(&mut self, now: SimTime, stop: PlanStop, cx: &mut Cx<'_, Msg, Event>) {
        let Some(i) = self
            .aboard
            .iter()
            .position(|r| r.stop.booking == stop.booking && r.stop.leg == stop.leg)
        else {
            return;
        };
        let ride = self.aboard.remove(i);
        let (_, fare) = self.expected_fare(&ride, now);
        let b = ride.stop.booking;
        for p in &ride.stop.spec.pets {
            cx.send(p.actor, SimDuration::ZERO, Msg::Alighted);
        }
        let arrived = self.stop_arrived;
        cx.send(
            ride.stop.spec.customer_actor,
            SimDuration::ZERO,
            Msg::Delivered(Arc::new(Delivery {
                booking: b,
                leg: ride.stop.leg,
                vehicle: self.id,
                picked_at: ride.picked_at,
                dropped_at: arrived,
                distance_m: ride.distance_m,
                waited_s: ride.waited_s,
                tolls_won: ride.tolls_won.round() as i64,
                metered_m: ride.meter.metered_m,
                slow_s: ride.meter.slow_s,
                metered_won: fare.total_won,
            })),
        );
        cx.emit(Event::TripEnded(TripRecord {
            trip: b,
            leg: ride.stop.leg,
            vehicle: self.id,
            origin: ride.stop.spec.pickup_for(ride.stop.leg),
            destination: stop.node,
            depart_at: Some(ride.picked_at),
            arrive_at: Some(arrived),
            distance_m: ride.distance_m,
            reroutes: ride.reroutes,
            ride_limit: ride.stop.ride_limit,
            status: TripStatus::Completed,
        }));
        self.completed += 1;
        // An add-on: hand the pets to the partner; the dispatcher plans the way home.
        if ride.stop.leg == Leg::Outbound {
            if let Some((_, partner)) = ride.stop.spec.addon {
                let info = &self.ctx.partners[partner.index()];
                let duration = ride.stop.spec.service_time;
                cx.send(
                    info.actor,
                    SimDuration::ZERO,
                    Msg::ServiceRequest {
                        booking: b,
                        duration,
                        reply_to: self.ctx.dispatcher,
                        emergency: false,
                    },
                );
            }
        }
    }

    /// (meter with the predicted rest of the ride, priced) for a booking aboard.
    fn expected_fare(&self, ride: &RideState, now: SimTime) -> (Meter, crate::fare::FareBreakdown) {
        let mut meter = ride.meter.clone();
        let net = &self.world().net;
        let from = self.on_edge.map_or(self.node, |p| net.edge(p.edge).to);
        let mut tolls = ride.tolls_won;
        if let Some(route) = self.world().route(
            self.speeds.as_ref(),
            from,
            ride.stop.spec.dropoff_for(ride.stop.leg),
        ) {
            crate::fare::feed_route(
                &mut meter,
                &self.ctx.tariff,
                net,
                self.speeds.as_ref(),
                now,
                &route.edges,
                &self.ctx.in_city,
            );
            tolls += self.ctx.tolls.for_route(net, &route.edges) as f64;
        }
        let spec = &ride.stop.spec;
        let extras = Extras {
            pets: spec.pets.iter().map(|p| p.size).collect(),
            waited_s: ride.waited_s,
            addons: match (ride.stop.leg, spec.addon) {
                (Leg::Outbound, Some((a, _))) => vec![a],
                _ => vec![],
            },
            tolls_won: tolls.round() as i64,
            surge: ride.stop.surge,
        };
        let b = price(&self.ctx.tariff, &meter, &extras);
        (meter, b)
    }

    /// Re-quotes every booking aboard whose expected fare now exceeds what was approved.
    fn requote_all(&mut self, now: SimTime, reason: RequoteReason, cx: &mut Cx<'_, Msg, Event>) {
        let me = cx.me();
        for i in 0..self.aboard.len() {
            if self.aboard[i].requote_pending {
                continue;
            }
            let expected = self.expected_fare(&self.aboard[i], now).1.total_won;
            let r = &mut self.aboard[i];
            if expected - r.approved_won > self.ctx.cfg.requote_threshold_won {
                r.requote_pending = true;
                cx.send(
                    r.stop.spec.customer_actor,
                    SimDuration::ZERO,
                    Msg::Requote {
                        booking: r.stop.booking,
                        old_won: r.approved_won,
                        new_won: expected,
                        reason,
                        from: me,
                    },
                );
            }
        }
    }

    // ---- traffic and reroutes -----------------------------------------------------------

    fn on_traffic(&mut self, now: SimTime, update: TrafficUpdate, cx: &mut Cx<'_, Msg, Event>) {
        self.speeds = update.table;
        if let Some(p) = self.on_edge {
            let new_speed = self.speeds.speed_mps[p.edge.index()];
            if new_speed != p.speed_mps {
                if let Some(p) = &mut self.on_edge {
                    p.speed_mps = new_speed;
                }
                self.schedule_edge_done(cx);
            }
        }
        match self.activity {
            Activity::Blocked => {
                self.activity = Activity::Idle;
                self.next(now, cx);
            }
            Activity::Driving if !update.changes.is_empty() => {
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
                if !prompted.is_empty() && self.consider_reroute(now, prompted, cleared, cx) {
                    for r in &mut self.aboard {
                        r.reroutes += 1;
                    }
                    self.requote_all(now, RequoteReason::Reroute, cx);
                    self.report(now, cx);
                }
            }
            _ => {}
        }
    }

    /// Looks for a quicker route from the end of the current edge; true if taken.
    fn consider_reroute(
        &mut self,
        now: SimTime,
        incidents: Vec<IncidentId>,
        only_if_better: bool,
        cx: &mut Cx<'_, Msg, Event>,
    ) -> bool {
        let Some(destination) = self.target_node() else {
            return false;
        };
        let net = &self.ctx.world.net;
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
            return false;
        }
        let at_fork = now + SimDuration::from_secs_f64(head_s);
        let old_edges: Vec<EdgeId> = self.route.iter().copied().collect();
        let old = self.speeds.time_with_waits(net, at_fork, &old_edges);
        let Some(new) = self
            .ctx
            .world
            .route(self.speeds.as_ref(), from, destination)
        else {
            return false;
        };
        if new.edges == old_edges {
            return false;
        }
        let (old_m, old_s) = old.unwrap_or((f64::INFINITY, f64::INFINITY));
        let gain_s = old_s - new.time_s;
        let accepted = gain_s >= self.ctx.cfg.reroute_min_gain.as_secs_f64();
        if only_if_better && !accepted {
            return false;
        }
        cx.emit(Event::Rerouted(RerouteRecord {
            vehicle: self.id,
            trip: self.aboard.first().map(|r| r.stop.booking),
            at_node: from,
            destination,
            incidents,
            old_remaining_m: head_m + old_m,
            old_remaining_s: head_s + old_s,
            new_remaining_m: head_m + new.length_m,
            new_remaining_s: head_s + new.time_s,
            accepted,
            old_roads: roads_text(&self.ctx.world, &old_edges),
            new_roads: roads_text(&self.ctx.world, &new.edges),
        }));
        if accepted {
            self.route = new.edges.into();
        }
        accepted
    }

    // ---- welfare ----------------------------------------------------------------------

    fn env(&self, now: SimTime) -> Env {
        let (vib, moving) = match self.on_edge {
            Some(p) if p.speed_mps > 0.0 => {
                let e = self.world().net.edge(p.edge);
                (vibration_ms2(e.class, p.speed_mps * 3.6, e.speed_kmh), true)
            }
            _ => (0.0, false),
        };
        Env {
            cabin_temp_c: self.cabin.temp_c,
            humidity_pct: self.cabin.humidity_pct,
            vibration_ms2: vib,
            since_rest: now.saturating_since(self.rest_from),
            moving,
        }
    }

    /// Diverts to the nearest open vet (by travel time from the next node).
    fn divert(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if !self.aboard.iter().any(|r| r.stop.booking == booking) || !self.diverted.insert(booking)
        {
            return;
        }
        let net = &self.ctx.world.net;
        let from = self.on_edge.map_or(self.node, |p| net.edge(p.edge).to);
        let best = self
            .ctx
            .partners
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PartnerKind::Vet && p.is_open(now))
            .filter_map(|(i, p)| {
                self.ctx
                    .world
                    .route(self.speeds.as_ref(), from, p.node)
                    .map(|r| (r.time_s, i))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let Some((_, partner)) = best else {
            return;
        };
        tracing::debug!(vehicle = %self.id, %booking, vet = %self.ctx.partners[partner].name, "diverting to a vet");
        self.target = Target::Vet { partner, booking };
        match self.on_edge {
            Some(_) => {
                let end = from;
                let vet = self.ctx.partners[partner].node;
                self.route = if end == vet {
                    VecDeque::new()
                } else {
                    self.world()
                        .route(self.speeds.as_ref(), end, vet)
                        .map(|r| r.edges.into())
                        .unwrap_or_default()
                };
            }
            None if matches!(
                self.activity,
                Activity::Idle | Activity::Blocked | Activity::Driving
            ) =>
            {
                let vet = self.ctx.partners[partner].node;
                if vet == self.node {
                    self.arrive(now, cx);
                } else if let Some(r) = self.world().route(self.speeds.as_ref(), self.node, vet) {
                    self.route = r.edges.into();
                    let first = self.route.pop_front().expect("distinct nodes");
                    self.enter_edge(now, first, cx);
                }
            }
            // Resting or at a stop: the diversion starts when that is over.
            None => {}
        }
    }

    fn position(&self, now: SimTime) -> PositionFix {
        match self.on_edge {
            Some(p) => {
                let moved =
                    p.progress_m + p.speed_mps * now.saturating_since(p.since).as_secs_f64();
                let (lat, lon) = self.world().net.position_along(p.edge, moved);
                PositionFix {
                    vehicle: self.id,
                    lat,
                    lon,
                    speed_kmh: p.speed_mps * 3.6,
                    edge: Some(p.edge),
                }
            }
            None => {
                let pt = self.world().net.node(self.node).point;
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

    // ---- plan changes -----------------------------------------------------------------

    fn on_assign(&mut self, now: SimTime, plan: &[PlanStop], cx: &mut Cx<'_, Msg, Event>) {
        let old_front = self.plan.front().map(PlanStop::key);
        let busy_front = (self.activity == Activity::AtStop)
            .then(|| self.plan.front().cloned())
            .flatten();
        let mut new: VecDeque<PlanStop> = plan
            .iter()
            .filter(|s| !self.done.contains(&s.key()))
            .cloned()
            .collect();
        // A stop in progress stays first.
        if let Some(cur) = busy_front {
            new.retain(|s| s.key() != cur.key());
            new.push_front(cur);
        }
        self.plan = new;
        self.start_ticks(now, cx);
        if self.plan.front().map(PlanStop::key) != old_front
            || matches!(self.target, Target::Depot | Target::None)
        {
            if matches!(self.target, Target::Vet { .. }) {
                return;
            }
            self.redirect(now, cx);
        }
    }

    fn on_unassign(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if self.aboard.iter().any(|r| r.stop.booking == booking) {
            return;
        }
        self.unassigned.insert(booking);
        let was_front = self.plan.front().is_some_and(|s| s.booking == booking);
        self.plan.retain(|s| s.booking != booking);
        if was_front {
            if self.activity == Activity::AtStop {
                // Abandon the wait at this pickup.
                self.gen = self.gen.wrapping_add(1);
                self.activity = Activity::Idle;
                self.next(now, cx);
            } else {
                self.redirect(now, cx);
            }
        }
        self.report(now, cx);
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
        self.account(now);
        match msg {
            Msg::Start => {
                self.hour.hour_start = SimTime((now.as_ms() / MS_PER_H) * MS_PER_H);
                cx.send_self(
                    SimDuration(MS_PER_H - now.as_ms() % MS_PER_H),
                    Msg::HourTick,
                );
                self.report(now, cx);
            }
            Msg::Traffic(update) => self.on_traffic(now, update, cx),
            Msg::Assign { plan } => {
                self.on_assign(now, &plan, cx);
                self.report(now, cx);
            }
            Msg::Unassign { booking } => self.on_unassign(now, booking, cx),
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
                if self.activity == Activity::Idle && self.plan.is_empty() {
                    self.ticking.0 = false;
                } else {
                    cx.emit(Event::Position(self.position(now)));
                    cx.send_self(self.ctx.cfg.position_interval, Msg::PositionTick);
                }
            }
            Msg::WelfareTick => {
                if self.aboard.is_empty() {
                    self.ticking.1 = false;
                } else {
                    let env = self.env(now);
                    let dt = self.ctx.cfg.welfare_interval;
                    for r in &self.aboard {
                        for p in &r.stop.spec.pets {
                            cx.send(p.actor, SimDuration::ZERO, Msg::Ride { env, dt });
                        }
                    }
                    cx.send_self(dt, Msg::WelfareTick);
                }
            }
            Msg::CustomerTick => {
                let mut customers: Vec<(BookingId, ActorId)> = self
                    .plan
                    .iter()
                    .map(|s| (s.booking, s.spec.customer_actor))
                    .collect();
                customers.extend(
                    self.aboard
                        .iter()
                        .map(|r| (r.stop.booking, r.stop.spec.customer_actor)),
                );
                customers.sort();
                customers.dedup();
                if customers.is_empty() {
                    self.ticking.2 = false;
                } else {
                    for (booking, to) in customers {
                        cx.send(to, SimDuration::ZERO, Msg::TripUpdate { booking });
                    }
                    if let Some(every) = self.ctx.cfg.customer_update_interval {
                        cx.send_self(every, Msg::CustomerTick);
                    }
                }
            }
            Msg::HourTick => {
                let mut h = self.hour.clone();
                h.max_pets = h.max_pets.max(self.pets_aboard());
                cx.emit(Event::VehicleHour(h));
                self.hour = VehicleHour {
                    vehicle: self.id,
                    hour_start: now,
                    busy_s: 0.0,
                    loaded_s: 0.0,
                    loaded_m: 0.0,
                    empty_m: 0.0,
                    max_pets: self.pets_aboard(),
                };
                cx.send_self(SimDuration(MS_PER_H), Msg::HourTick);
                if now.saturating_since(self.shift_end) < SimDuration(MS_PER_H)
                    && now >= self.shift_end
                {
                    self.report(now, cx);
                }
            }
            Msg::RequoteAnswer {
                booking,
                approved,
                new_won,
            } => {
                if let Some(r) = self.aboard.iter_mut().find(|r| r.stop.booking == booking) {
                    r.requote_pending = false;
                    if approved {
                        r.approved_won = new_won;
                    }
                }
            }
            Msg::WelfareCritical { booking, .. } => self.divert(now, booking, cx),
            Msg::Hvac { ok } => self.cabin.hvac_ok = ok,
            Msg::ServiceStarted { .. } => {}
            Msg::ServiceDone { booking } | Msg::ServiceRejected { booking, .. } => {
                if self.activity == Activity::AtVet(booking) {
                    if let Some(r) = self.aboard.iter().find(|r| r.stop.booking == booking) {
                        for p in &r.stop.spec.pets {
                            cx.send(p.actor, SimDuration::ZERO, Msg::Treated);
                        }
                    }
                    // Parked in the shade at the clinic: the cabin is back at the set point.
                    let outside = self.ctx.climate.outside(now).0;
                    let ok = self.cabin.hvac_ok;
                    self.cabin = Cabin::new(outside);
                    self.cabin.hvac_ok = ok;
                    self.target = Target::None;
                    self.activity = Activity::Idle;
                    self.requote_all(now, RequoteReason::Diversion, cx);
                    self.next(now, cx);
                    self.report(now, cx);
                }
            }
            other => debug_assert!(false, "vehicle got {}", other.kind()),
        }
    }

    fn on_end(&mut self, _now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        for r in &self.aboard {
            cx.emit(Event::TripEnded(TripRecord {
                trip: r.stop.booking,
                leg: r.stop.leg,
                vehicle: self.id,
                origin: r.stop.spec.pickup_for(r.stop.leg),
                destination: r.stop.spec.dropoff_for(r.stop.leg),
                depart_at: Some(r.picked_at),
                arrive_at: None,
                distance_m: r.distance_m,
                reroutes: r.reroutes,
                ride_limit: r.stop.ride_limit,
                status: TripStatus::Unfinished,
            }));
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
