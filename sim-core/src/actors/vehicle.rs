//! The vehicle actor: drives a plan of pickups and drop-offs (several bookings may ride
//! together) edge by edge at the speeds in force; meters every booking aboard; re-quotes
//! when a detour, waiting or a diversion raises a fare; keeps the pets' cabin, reports the
//! ride to them, stops for rest on long trips and diverts to a vet on a critical alert;
//! reports GPS fixes, live updates to customers, hourly statistics, and its state to the
//! dispatcher.
//!
//! Its state is split by concern: `driving` (position, edge, route, speeds, reroutes),
//! `cargo` (plan, pets aboard, what is done), `meters` (each booking's meter, tolls,
//! approved fare and the re-quote rule) and `stats` (odometer, hourly figures). This file
//! holds what ties them: the target and activity, the timers and the message handlers.
//!
//! Timers (`EdgeDone`, `StopDone`) carry a generation; a change of plan or speed bumps it,
//! so stale timers are ignored. On a closed edge the vehicle stands still until it reopens.

mod cargo;
mod driving;
mod meters;
pub mod msg;
mod stats;

use std::any::Any;
use std::sync::Arc;

use rand_distr::{Distribution, Exp};

use self::cargo::{Cargo, Ride};
use self::driving::Driving;
use self::meters::{expected_fare, requote_due, RideFare};
use self::stats::Stats;
use crate::actors::fleet::{FleetContext, Shift};
use crate::actors::partner::PartnerKind;
use crate::actors::{
    CustomerMsg, DispatcherMsg, Misrouted, Msg, NoticeRequest, NotifierMsg, PartnerMsg, PetMsg,
    ServiceReply, VehicleMsg,
};
use crate::booking::{BookingSpec, Crates, Leg, PlanStop, StopKind, VehicleView};
use crate::engine::{Cx, SimActor};
use crate::event::{Event, RideView, TripRecord, TripStatus, VanState, VanStateChange, VanView};
use crate::ids::{ActorId, BookingId, IncidentId, NodeId, VehicleId};
use crate::msg::{Delivery, RequoteReason, TrafficUpdate};
use crate::notify::{Facts, NoticeKind};
use crate::time::{SimDuration, SimTime, MS_PER_H};
use crate::traffic::SpeedTable;
use crate::welfare::{rest_due, Cabin, Env};
use crate::world::TravelTimes;

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

/// Which periodic timers are running.
#[derive(Clone, Copy, Debug, Default)]
struct Ticking {
    position: bool,
    welfare: bool,
    customers: bool,
}

/// A vehicle of the fleet.
pub struct Vehicle {
    id: VehicleId,
    ctx: Arc<FleetContext>,
    depot: NodeId,
    shift: Shift,
    /// The shift end in the last report (a new shift is reported when it starts).
    reported_shift_end: SimTime,
    activity: Activity,
    target: Target,
    drive: Driving,
    cargo: Cargo,
    stats: Stats,
    cabin: Cabin,
    /// Arrival at the current stop.
    stop_arrived: SimTime,
    /// Time up to which motion, meters, cabin and statistics are accounted.
    acct_t: SimTime,
    /// Start of the pets' current stretch without rest.
    rest_from: SimTime,
    /// The last edge driven was an expressway (tolls: the entry fee once per stretch).
    prev_expressway: bool,
    ticking: Ticking,
    misrouted: Misrouted,
    /// The state last reported in a [`Event::VanState`].
    shown: VanState,
}

impl Vehicle {
    /// A vehicle parked at `depot`, working `shift`, knowing the speeds `initial`.
    pub fn new(
        id: VehicleId,
        ctx: Arc<FleetContext>,
        crates: Crates,
        depot: NodeId,
        shift: Shift,
        initial: Arc<SpeedTable>,
    ) -> Self {
        let outside = ctx.climate.outside(SimTime::ZERO).0;
        Vehicle {
            id,
            depot,
            shift,
            reported_shift_end: shift.end,
            activity: Activity::Idle,
            target: Target::None,
            drive: Driving::new(depot, initial),
            cargo: Cargo::new(crates),
            stats: Stats::new(id),
            cabin: Cabin::new(outside),
            stop_arrived: SimTime::ZERO,
            acct_t: SimTime::ZERO,
            rest_from: SimTime::ZERO,
            prev_expressway: false,
            ticking: Ticking::default(),
            misrouted: Misrouted::default(),
            shown: VanState::Idle,
            ctx,
        }
    }

    /// Legs delivered.
    pub fn completed(&self) -> u32 {
        self.stats.completed
    }

    /// Crate-slot or species-separation violations seen at boarding (always 0 if dispatch
    /// is right).
    pub fn violations(&self) -> u32 {
        self.cargo.violations
    }

    /// Total metres driven.
    pub fn odometer_m(&self) -> f64 {
        self.stats.odometer_m
    }

    /// Pickups handed back to dispatch.
    pub fn bounces(&self) -> u32 {
        self.cargo.bounces
    }

    /// Pets aboard now, by booking (for end-of-run checks).
    pub fn aboard(&self) -> Vec<BookingId> {
        self.cargo.rides.iter().map(|r| r.stop.booking).collect()
    }

    // ---- what it looks like from outside ----------------------------------------------

    /// The van's state as shown to people (the visualizer's colours), one rule: out of
    /// service (after its last shift, or HVAC failed, with nothing to do) > to a vet > resting >
    /// detouring around an incident > loaded > to a pickup > idle.
    pub fn shown_state(&self, now: SimTime) -> VanState {
        let empty = self.cargo.plan.is_empty() && self.cargo.rides.is_empty();
        // Off shift once the last shift has ended: repeating shifts follow each other (the
        // boundary instant, when the next shift has not begun, would otherwise show until
        // the van's next message, minutes later).
        let off_shift = self.shift.every.is_none() && now >= self.shift.end;
        if empty && (off_shift || !self.cabin.hvac_ok) {
            VanState::OutOfService
        } else if matches!(self.target, Target::Vet { .. })
            || matches!(self.activity, Activity::AtVet(_))
        {
            VanState::ToVet
        } else if self.activity == Activity::Resting {
            VanState::Resting
        } else if self.drive.detour && self.drive.on_edge.is_some() {
            VanState::Detouring
        } else if !self.cargo.rides.is_empty() {
            VanState::Loaded
        } else if !self.cargo.plan.is_empty() {
            VanState::ToPickup
        } else {
            VanState::Idle
        }
    }

    /// What a viewer sees of the van at `now` (between events: the position is
    /// interpolated along the edge; meters are as of the last event).
    pub fn snapshot(&self, now: SimTime) -> VanView {
        let world = &self.ctx.world;
        let fix = self.drive.position(world, self.id, now);
        let mut route = Vec::with_capacity(self.drive.route.len() + 1);
        route.extend(self.drive.on_edge.map(|p| p.edge));
        route.extend(self.drive.route.iter().copied());
        let tariff = &self.ctx.tariff;
        let aboard = (self.cargo.rides.iter())
            .map(|r| {
                let (base, base_sur, units, unit_sur) = r.fare.meter.parts_won(tariff);
                let pets = r.stop.spec.pets.iter().map(|p| (p.pet, p.actor)).collect();
                let fare_won = base + base_sur + units + unit_sur + r.fare.tolls_won;
                RideView {
                    booking: r.stop.booking,
                    pets,
                    fare_won,
                }
            })
            .collect();
        VanView {
            vehicle: self.id,
            lat: fix.lat,
            lon: fix.lon,
            speed_kmh: fix.speed_kmh,
            state: self.shown_state(now),
            route,
            plan: (self.cargo.plan.iter())
                .map(|s| (s.booking, s.kind, s.node))
                .collect(),
            aboard,
            eta: self.target_node().map(|_| self.target_eta(now)),
        }
    }

    /// Where the van is at `now` and its state (the cheap query a map draws every frame).
    pub fn locate(&self, now: SimTime) -> (f64, f64, VanState) {
        let fix = self.drive.position(&self.ctx.world, self.id, now);
        (fix.lat, fix.lon, self.shown_state(now))
    }

    /// The speeds in force as traffic last broadcast them (the congestion a map shows).
    pub fn speeds(&self) -> &Arc<SpeedTable> {
        &self.drive.speeds
    }

    /// Reports a change of [`Vehicle::shown_state`] (checked after every message).
    fn show_state(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let state = self.shown_state(now);
        if state != self.shown {
            self.shown = state;
            let fix = self.drive.position(&self.ctx.world, self.id, now);
            cx.emit(Event::VanState(VanStateChange {
                vehicle: self.id,
                state,
                lat: fix.lat,
                lon: fix.lon,
            }));
        }
    }

    // ---- accounting -------------------------------------------------------------------

    /// Brings motion, meters, cabin and statistics up to `now`.
    fn account(&mut self, now: SimTime) {
        if self.acct_t == now {
            return;
        }
        let dt = now.saturating_since(self.acct_t);
        let (moved, outside, edge) = self.drive.advance(&self.ctx.world, &self.ctx.in_city, now);
        self.stats
            .accumulate(dt, moved, self.cargo.busy(), self.cargo.pets());
        for r in &mut self.cargo.rides {
            let (meter, tariff) = (&mut r.fare.meter, &self.ctx.tariff);
            match edge {
                Some(e) => meter.feed_driving(tariff, self.acct_t, now, moved, e, outside),
                None => meter.feed(tariff, self.acct_t, now, moved, outside),
            }
            r.distance_m += moved;
        }
        let (t_out, rh_out) = self.ctx.climate.outside(now);
        self.cabin.step(t_out, rh_out, now.hour_of_day_f64(), dt);
        self.acct_t = now;
    }

    // ---- timers -----------------------------------------------------------------------

    fn schedule_edge_done(&mut self, cx: &mut Cx<'_, Msg, Event>) {
        if let (Some(delay), gen) = self.drive.edge_timer(&self.ctx.world) {
            cx.send_self(delay, VehicleMsg::EdgeDone { gen });
        }
    }

    fn stop_for(&mut self, d: SimDuration, cx: &mut Cx<'_, Msg, Event>) {
        let gen = self.drive.stop_timer();
        cx.send_self(d, VehicleMsg::StopDone { gen });
    }

    fn start_ticks(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let aligned = |period: SimDuration| {
            let p = period.as_ms().max(1);
            SimDuration(now.as_ms().div_ceil(p) * p - now.as_ms())
        };
        if !self.ticking.position {
            self.ticking.position = true;
            cx.send_self(
                aligned(self.ctx.cfg.position_interval),
                VehicleMsg::PositionTick,
            );
        }
        if !self.ticking.welfare && !self.cargo.rides.is_empty() {
            self.ticking.welfare = true;
            cx.send_self(self.ctx.cfg.welfare_interval, VehicleMsg::WelfareTick);
        }
        if let Some(every) = self.ctx.cfg.customer_update_interval {
            if !self.ticking.customers && self.cargo.busy() {
                self.ticking.customers = true;
                cx.send_self(aligned(every), VehicleMsg::CustomerTick);
            }
        }
    }

    // ---- status -----------------------------------------------------------------------

    fn view(&self, now: SimTime) -> VehicleView {
        let (node, at) = self.drive.free_at(&self.ctx.world, now);
        VehicleView {
            node,
            at,
            aboard: self.cargo.aboard_view(),
            plan: self.cargo.plan.iter().cloned().collect(),
            crates: self.cargo.crates,
            shift_end: self.shift.end_at(now),
            available: now < self.shift.end_at(now),
            locked: usize::from(self.activity == Activity::AtStop && !self.cargo.plan.is_empty()),
            version: self.cargo.plans_applied,
        }
    }

    fn report(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        self.reported_shift_end = self.shift.end_at(now);
        cx.send(
            self.ctx.dispatcher,
            SimDuration::ZERO,
            DispatcherMsg::VehicleStatus {
                vehicle: self.id,
                view: Arc::new(self.view(now)),
            },
        );
    }

    // ---- driving ----------------------------------------------------------------------

    fn target_node(&self) -> Option<NodeId> {
        match self.target {
            Target::None => None,
            Target::Stop => self.cargo.plan.front().map(|s| s.node),
            Target::Vet { partner, .. } => Some(self.ctx.partners[partner].node),
            Target::Depot => Some(self.depot),
        }
    }

    fn enter_edge(&mut self, now: SimTime, edge: crate::ids::EdgeId, cx: &mut Cx<'_, Msg, Event>) {
        self.drive.enter(&self.ctx.world, now, edge);
        self.activity = Activity::Driving;
        self.schedule_edge_done(cx);
    }

    /// Drives the first edge of the route ahead (the route must not be empty).
    fn drive_on(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let first = self
            .drive
            .route
            .pop_front()
            .expect("a route between distinct nodes has an edge");
        self.enter_edge(now, first, cx);
    }

    /// Decides what to do next when free at a node.
    fn next(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        debug_assert!(self.drive.on_edge.is_none());
        self.target = if !self.cargo.plan.is_empty() {
            Target::Stop
        } else if self.ctx.cfg.return_to_depot && self.drive.node != self.depot {
            Target::Depot
        } else {
            Target::None
        };
        let here = self.drive.node;
        match self.target_node() {
            None => self.activity = Activity::Idle,
            Some(n) if n == here => self.arrive(now, cx),
            Some(n) => match self.ctx.route(self.drive.speeds.as_ref(), here, n) {
                Some(route) => {
                    self.start_ticks(now, cx);
                    self.drive.take_route(route, false);
                    self.drive_on(now, cx);
                }
                None => {
                    self.activity = Activity::Blocked;
                    cx.emit(Event::NoRoute {
                        vehicle: self.id,
                        from: here,
                        to: n,
                    });
                }
            },
        }
    }

    /// Re-plans the route from the end of the current edge towards the (new) target.
    fn redirect(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if self.drive.on_edge.is_some() {
            if matches!(self.target, Target::Depot | Target::None) {
                self.target = if !self.cargo.plan.is_empty() {
                    Target::Stop
                } else if self.ctx.cfg.return_to_depot {
                    Target::Depot
                } else {
                    Target::None
                };
            }
            let to = self.target_node();
            self.drive.route_from_next(&self.ctx, to);
        } else if matches!(self.activity, Activity::Idle | Activity::Blocked) {
            self.next(now, cx);
        }
    }

    fn on_edge_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let edge = self.drive.finish_edge(&self.ctx.world);
        let edge = self.ctx.world.net.edge(edge);
        // Tolls: entry to each stretch of expressway, then per km, shared by the bookings
        // aboard in whole won (the remainder to the first aboard).
        let toll = self.ctx.tolls.edge_won(edge, !self.prev_expressway);
        self.prev_expressway = toll.is_some();
        if let (Some(won), false) = (toll, self.cargo.rides.is_empty()) {
            let shares = crate::money::split_won(won, self.cargo.rides.len());
            for (r, share) in self.cargo.rides.iter_mut().zip(shares) {
                r.fare.tolls_won += share;
            }
        }
        if !self.drive.route.is_empty() && self.rest_due(now) {
            self.activity = Activity::Resting;
            let d = self.ctx.cfg.rest_stop;
            self.stop_for(d, cx);
            return;
        }
        match self.drive.route.pop_front() {
            Some(next) => self.enter_edge(now, next, cx),
            None if Some(self.drive.node) == self.target_node() => self.arrive(now, cx),
            None => {
                self.activity = Activity::Idle;
                self.next(now, cx);
            }
        }
    }

    fn rest_due(&self, now: SimTime) -> bool {
        let intervals = self
            .cargo
            .rides
            .iter()
            .flat_map(|r| r.stop.spec.pets.iter())
            .filter_map(|p| p.rest_interval);
        rest_due(intervals, now.saturating_since(self.rest_from))
    }

    /// The target is reached.
    fn arrive(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.target {
            Target::Stop => self.arrive_at_stop(now, cx),
            Target::Vet { partner, booking } => {
                self.activity = Activity::AtVet(booking);
                let info = &self.ctx.partners[partner];
                cx.send(
                    info.actor,
                    SimDuration::ZERO,
                    PartnerMsg::ServiceRequest {
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

    fn arrive_at_stop(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let stop = self
            .cargo
            .plan
            .front()
            .expect("a stop target has a stop")
            .clone();
        self.activity = Activity::AtStop;
        self.stop_arrived = now;
        self.report(now, cx);
        let d = match stop.kind {
            StopKind::Pickup => {
                cx.send(
                    stop.spec.customer_actor,
                    SimDuration::ZERO,
                    CustomerMsg::AtPickup {
                        booking: stop.booking,
                    },
                );
                let mean_s = self.ctx.cfg.readiness_mean.as_secs_f64();
                let ready_after: f64 = if mean_s > 0.0 {
                    Exp::new(1.0 / mean_s.max(1.0))
                        .map(|e| e.sample(cx.rng()))
                        .unwrap_or(0.0)
                } else {
                    0.0
                };
                let ready = now.max(stop.earliest) + SimDuration::from_secs_f64(ready_after);
                ready.saturating_since(now) + self.ctx.cfg.dwell.pickup
            }
            StopKind::Dropoff => self.ctx.cfg.dwell.dropoff,
        };
        self.stop_for(d, cx);
    }

    fn on_stop_done(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        match self.activity {
            Activity::Resting => {
                self.rest_from = now;
                match self.drive.route.pop_front() {
                    Some(next) => self.enter_edge(now, next, cx),
                    None => self.next(now, cx),
                }
            }
            Activity::AtStop => {
                let stop = self.cargo.plan.pop_front().expect("at a stop");
                match stop.kind {
                    StopKind::Pickup if !self.cargo.fits(&stop) => {
                        // No fitting crate, or another household's other species aboard: the
                        // pets stay home and dispatch assigns the leg again.
                        self.cargo.drop_leg(&stop);
                        self.cargo.bounces += 1;
                        cx.send(
                            self.ctx.dispatcher,
                            SimDuration::ZERO,
                            DispatcherMsg::Bounce {
                                booking: stop.booking,
                                leg: stop.leg,
                                vehicle: self.id,
                            },
                        );
                    }
                    StopKind::Pickup => {
                        self.cargo.mark_done(&stop, now);
                        self.board(now, stop, cx);
                    }
                    StopKind::Dropoff => {
                        self.cargo.mark_done(&stop, now);
                        self.alight(now, stop, cx);
                    }
                }
                self.report(now, cx);
                self.next(now, cx);
            }
            other => debug_assert!(false, "stop done while {other:?}"),
        }
    }

    // ---- boarding and alighting ---------------------------------------------------------

    fn board(&mut self, now: SimTime, stop: PlanStop, cx: &mut Cx<'_, Msg, Event>) {
        let waited = now
            .saturating_since(self.stop_arrived.max(stop.earliest))
            .as_ms()
            .saturating_sub(self.ctx.cfg.dwell.pickup.as_ms())
            / 1_000;
        if self.cargo.rides.is_empty() {
            self.rest_from = now;
        }
        let outside = !self.ctx.in_city[stop.node.index()];
        let fare = RideFare::start(&self.ctx.tariff, now, outside, waited, stop.quote_won);
        let mut ride = Ride {
            picked_at: now,
            distance_m: 0.0,
            reroutes: 0,
            fare,
            stop,
        };
        let b = ride.stop.booking;
        for p in &ride.stop.spec.pets {
            cx.send(
                p.actor,
                SimDuration::ZERO,
                PetMsg::Boarded {
                    booking: b,
                    vehicle: cx.me(),
                    vehicle_id: self.id,
                },
            );
        }
        cx.send(
            ride.stop.spec.customer_actor,
            SimDuration::ZERO,
            CustomerMsg::PickedUp {
                booking: b,
                leg: ride.stop.leg,
            },
        );
        cx.emit(Event::TripStarted {
            trip: b,
            vehicle: self.id,
        });
        let leg = ride.stop.leg as u32;
        tell(
            &self.ctx,
            &ride.stop.spec,
            Tell::new(NoticeKind::PickedUp, leg, Facts::default()),
            cx,
        );
        self.requote_waiting(&mut ride, cx);
        self.cargo.rides.push(ride);
        // Check what dispatch promised: crates and species separation, with the pets aboard now.
        if self.cargo.manifest().check(&self.cargo.crates).is_err() {
            self.cargo.violations += 1;
            tracing::error!(vehicle = %self.id, "boarding violates crate slots or species separation");
        }
        self.stats.note_pets(self.cargo.pets());
        self.start_ticks(now, cx);
    }

    /// Waiting beyond the free minutes raises the fare: re-quote if the waiting fee alone
    /// exceeds the re-quote threshold.
    fn requote_waiting(&self, ride: &mut Ride, cx: &mut Cx<'_, Msg, Event>) {
        let fee = crate::fare::waiting_fee_won(&self.ctx.tariff, ride.fare.waited_s);
        if fee > self.ctx.cfg.requote_threshold_won {
            ride.fare.requote_pending = true;
            let old_won = ride.fare.account.approved_won;
            let ask = (old_won, old_won + fee, RequoteReason::Waiting);
            ask_requote(&self.ctx, &ride.stop, ask, cx);
        }
    }

    fn alight(&mut self, now: SimTime, stop: PlanStop, cx: &mut Cx<'_, Msg, Event>) {
        let Some(ride) = self.cargo.take_ride(&stop) else {
            return;
        };
        let from = self.drive.next_node(&self.ctx.world);
        let (_, fare) = expected_fare(
            &self.ctx,
            &self.drive.speeds,
            from,
            now,
            &ride.stop,
            &ride.fare,
        );
        let b = ride.stop.booking;
        for p in &ride.stop.spec.pets {
            cx.send(p.actor, SimDuration::ZERO, PetMsg::Alighted);
        }
        let arrived = self.stop_arrived;
        cx.send(
            ride.stop.spec.customer_actor,
            SimDuration::ZERO,
            CustomerMsg::Delivered(Arc::new(Delivery {
                booking: b,
                leg: ride.stop.leg,
                vehicle: self.id,
                picked_at: ride.picked_at,
                dropped_at: arrived,
                distance_m: ride.distance_m,
                waited_s: ride.fare.waited_s,
                tolls_won: ride.fare.tolls_won,
                metered_m: ride.fare.meter.metered_m,
                slow_s: ride.fare.meter.slow_s,
                metered_won: fare.total_won,
            })),
        );
        let arrived_notice = Tell::new(NoticeKind::Arrived, ride.stop.leg as u32, Facts::default());
        tell(&self.ctx, &ride.stop.spec, arrived_notice, cx);
        cx.emit(Event::TripEnded(Box::new(TripRecord {
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
            direct: ride.stop.direct,
            status: TripStatus::Completed,
        })));
        self.stats.completed += 1;
        self.hand_to_partner(&ride, cx);
    }

    /// An add-on: hand the pets to the partner; the dispatcher plans the way home.
    fn hand_to_partner(&self, ride: &Ride, cx: &mut Cx<'_, Msg, Event>) {
        if ride.stop.leg != Leg::Outbound {
            return;
        }
        if let Some((_, partner)) = ride.stop.spec.addon {
            let info = &self.ctx.partners[partner.index()];
            cx.send(
                info.actor,
                SimDuration::ZERO,
                PartnerMsg::ServiceRequest {
                    booking: ride.stop.booking,
                    duration: ride.stop.spec.service_time,
                    reply_to: self.ctx.dispatcher,
                    emergency: false,
                },
            );
        }
    }

    /// Re-quotes every booking aboard whose expected fare now exceeds what was approved.
    fn requote_all(&mut self, now: SimTime, reason: RequoteReason, cx: &mut Cx<'_, Msg, Event>) {
        let from = self.drive.next_node(&self.ctx.world);
        for r in &mut self.cargo.rides {
            if r.fare.requote_pending {
                continue;
            }
            let expected =
                expected_fare(&self.ctx, &self.drive.speeds, from, now, &r.stop, &r.fare)
                    .1
                    .total_won;
            if requote_due(&self.ctx, &r.fare, expected) {
                r.fare.requote_pending = true;
                let ask = (r.fare.account.approved_won, expected, reason);
                ask_requote(&self.ctx, &r.stop, ask, cx);
            }
        }
    }

    // ---- traffic and reroutes -----------------------------------------------------------

    fn on_traffic(&mut self, now: SimTime, update: TrafficUpdate, cx: &mut Cx<'_, Msg, Event>) {
        if self.drive.set_speeds(update.table) {
            self.schedule_edge_done(cx);
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
                        if c.incident
                            .edges
                            .iter()
                            .any(|e| self.drive.route.contains(e))
                        {
                            prompted.push(c.incident.id);
                        }
                    } else {
                        cleared = true;
                        prompted.push(c.incident.id);
                    }
                }
                if !prompted.is_empty() && self.consider_reroute(now, prompted, cleared, cx) {
                    for r in &mut self.cargo.rides {
                        r.reroutes += 1;
                    }
                    self.requote_all(now, RequoteReason::Reroute, cx);
                    self.report(now, cx);
                }
            }
            _ => {}
        }
    }

    /// Looks for a quicker route from the end of the current edge; true if taken. With
    /// `only_if_better` (an incident cleared) a route not taken is not recorded.
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
        let Some((mut record, route)) = self.drive.consider_reroute(
            &self.ctx,
            now,
            destination,
            incidents,
            self.ctx.cfg.reroute_min_gain,
            self.id,
        ) else {
            return false;
        };
        let accepted = record.accepted;
        if only_if_better && !accepted {
            return false;
        }
        record.trip = self.cargo.rides.first().map(|r| r.stop.booking);
        cx.emit(Event::Rerouted(Box::new(record)));
        if accepted {
            // Around a new incident it is a detour; back after one cleared it is not.
            self.drive.take_route(route, !only_if_better);
        }
        accepted
    }

    // ---- welfare ----------------------------------------------------------------------

    fn env(&self, now: SimTime) -> Env {
        let (vibration_ms2, moving) = self.drive.vibration(&self.ctx.world);
        Env {
            cabin_temp_c: self.cabin.temp_c,
            humidity_pct: self.cabin.humidity_pct,
            vibration_ms2,
            since_rest: now.saturating_since(self.rest_from),
            moving,
        }
    }

    /// The diversion rule: on a critical alert the vehicle drives the pets to the nearest
    /// vet open now (by travel time from the end of its edge), once per booking.
    fn divert(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if !self.cargo.has_aboard(booking) || !self.cargo.divert(booking) {
            return;
        }
        let from = self.drive.next_node(&self.ctx.world);
        let best = self
            .ctx
            .partners
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PartnerKind::Vet && p.is_open(now))
            .filter_map(|(i, p)| {
                self.ctx
                    .route(self.drive.speeds.as_ref(), from, p.node)
                    .map(|r| (r.time_s, i))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let Some((_, partner)) = best else {
            return;
        };
        tracing::debug!(vehicle = %self.id, %booking, vet = %self.ctx.partners[partner].name, "diverting to a vet");
        self.target = Target::Vet { partner, booking };
        if let Some(spec) = self.cargo.spec_of(booking) {
            tell(
                &self.ctx,
                spec,
                Tell::new(NoticeKind::Welfare, 0, Facts::default()),
                cx,
            );
        }
        let vet = self.ctx.partners[partner].node;
        if self.drive.on_edge.is_some() {
            self.drive.route_from_next(&self.ctx, Some(vet));
        } else if matches!(
            self.activity,
            Activity::Idle | Activity::Blocked | Activity::Driving
        ) {
            if vet == self.drive.node {
                self.arrive(now, cx);
            } else if let Some(r) = self
                .ctx
                .route(self.drive.speeds.as_ref(), self.drive.node, vet)
            {
                self.drive.take_route(r, false);
                self.drive_on(now, cx);
            }
        }
        // Resting or at a stop: the diversion starts when that is over.
    }

    fn on_treated(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if self.activity != Activity::AtVet(booking) {
            return;
        }
        if let Some(r) = self.cargo.rides.iter().find(|r| r.stop.booking == booking) {
            for p in &r.stop.spec.pets {
                cx.send(p.actor, SimDuration::ZERO, PetMsg::Treated);
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

    // ---- plan changes -----------------------------------------------------------------

    fn on_assign(&mut self, now: SimTime, plan: &[PlanStop], cx: &mut Cx<'_, Msg, Event>) {
        let old_front = self.cargo.plan.front().map(PlanStop::key);
        let busy_front = (self.activity == Activity::AtStop)
            .then(|| self.cargo.plan.front().cloned())
            .flatten();
        self.cargo.apply(plan, busy_front, now);
        self.start_ticks(now, cx);
        if self.cargo.plan.front().map(PlanStop::key) != old_front
            || matches!(self.target, Target::Depot | Target::None)
        {
            if matches!(self.target, Target::Vet { .. }) {
                return;
            }
            self.redirect(now, cx);
        }
    }

    fn on_unassign(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if self.cargo.has_aboard(booking) {
            return;
        }
        let was_front = self
            .cargo
            .plan
            .front()
            .is_some_and(|s| s.booking == booking);
        self.cargo.plan.retain(|s| s.booking != booking);
        if was_front {
            if self.activity == Activity::AtStop {
                // Abandon the wait at this pickup.
                self.drive.stop_timer();
                self.activity = Activity::Idle;
                self.next(now, cx);
            } else {
                self.redirect(now, cx);
            }
        }
        self.report(now, cx);
    }

    // ---- periodic reports -----------------------------------------------------------------

    fn on_position_tick(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if self.activity == Activity::Idle && self.cargo.plan.is_empty() {
            self.ticking.position = false;
        } else {
            cx.emit(Event::Position(self.drive.position(
                &self.ctx.world,
                self.id,
                now,
            )));
            cx.send_self(self.ctx.cfg.position_interval, VehicleMsg::PositionTick);
        }
    }

    fn on_welfare_tick(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if self.cargo.rides.is_empty() {
            self.ticking.welfare = false;
            return;
        }
        let env = self.env(now);
        let dt = self.ctx.cfg.welfare_interval;
        for r in &self.cargo.rides {
            for p in &r.stop.spec.pets {
                cx.send(p.actor, SimDuration::ZERO, PetMsg::Ride { env, dt });
            }
        }
        cx.send_self(dt, VehicleMsg::WelfareTick);
    }

    /// When the van reaches its current target at the speeds in force (now when idle).
    fn target_eta(&self, now: SimTime) -> SimTime {
        let net = &self.ctx.world.net;
        let rest: f64 = (self.drive.route.iter())
            .filter_map(|&e| self.drive.speeds.edge_time_s(net, e))
            .sum();
        let here = self.drive.free_at(&self.ctx.world, now).1;
        here + SimDuration::from_secs_f64(rest)
    }

    /// With a notifier: on the first tick of each `eta_every` window, an ETA notice to each
    /// customer, with the arrival time for the booking whose stop the van is driving to
    /// (the others hear the van is on its way). The minute keys the notice.
    fn eta_notices(&self, customers: &[(BookingId, ActorId)], cx: &mut Cx<'_, Msg, Event>) {
        let (now_ms, every_ms) = (cx.now().as_ms(), self.ctx.eta_every.as_ms().max(1));
        let tick_ms = (self.ctx.cfg.customer_update_interval).map_or(every_ms, |d| d.as_ms());
        if now_ms % every_ms >= tick_ms.max(1) {
            return;
        }
        let heading = match self.target {
            Target::Stop => self.cargo.plan.front().map(|s| s.booking),
            Target::Vet { booking, .. } => Some(booking),
            Target::None | Target::Depot => None,
        };
        let eta = heading.map(|b| (b, self.target_eta(cx.now())));
        let seq = (now_ms / 60_000) as u32;
        for &(booking, _) in customers {
            let facts = Facts {
                at: eta.filter(|e| e.0 == booking).map(|e| e.1),
                ..Facts::default()
            };
            if let Some(spec) = self.cargo.spec_of(booking) {
                tell(&self.ctx, spec, Tell::new(NoticeKind::Eta, seq, facts), cx);
            }
        }
    }

    fn on_customer_tick(&mut self, cx: &mut Cx<'_, Msg, Event>) {
        let mut customers: Vec<(BookingId, ActorId)> = self
            .cargo
            .plan
            .iter()
            .map(|s| (s.booking, s.spec.customer_actor))
            .collect();
        customers.extend(
            self.cargo
                .rides
                .iter()
                .map(|r| (r.stop.booking, r.stop.spec.customer_actor)),
        );
        customers.sort();
        customers.dedup();
        if customers.is_empty() {
            self.ticking.customers = false;
            return;
        }
        if self.ctx.notifier.is_some() {
            self.eta_notices(&customers, cx);
        } else {
            for (booking, to) in customers {
                cx.send(to, SimDuration::ZERO, CustomerMsg::TripUpdate { booking });
            }
        }
        if let Some(every) = self.ctx.cfg.customer_update_interval {
            cx.send_self(every, VehicleMsg::CustomerTick);
        }
    }

    fn on_hour_tick(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let hour = self.stats.close_hour(now, self.cargo.pets());
        cx.emit(Event::VehicleHour(hour));
        cx.send_self(SimDuration(MS_PER_H), VehicleMsg::HourTick);
        // A shift ended (the vehicle takes no new work) or a new one began: tell dispatch.
        let end = self.shift.end_at(now);
        let just_ended = now >= end && now.saturating_since(end) < SimDuration(MS_PER_H);
        if just_ended || end != self.reported_shift_end {
            self.report(now, cx);
        }
    }
}

impl Vehicle {
    fn on_start(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        self.stats.hour.hour_start = SimTime((now.as_ms() / MS_PER_H) * MS_PER_H);
        cx.send_self(
            SimDuration(MS_PER_H - now.as_ms() % MS_PER_H),
            VehicleMsg::HourTick,
        );
        self.report(now, cx);
    }

    fn on_msg(&mut self, now: SimTime, msg: VehicleMsg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            VehicleMsg::Traffic(update) => self.on_traffic(now, update, cx),
            VehicleMsg::Assign { plan } => {
                self.on_assign(now, &plan, cx);
                self.cargo.plans_applied += 1;
                self.report(now, cx);
            }
            VehicleMsg::Unassign { booking } => self.on_unassign(now, booking, cx),
            VehicleMsg::EdgeDone { gen } => {
                if gen == self.drive.gen && self.drive.on_edge.is_some() {
                    self.on_edge_done(now, cx);
                }
            }
            VehicleMsg::StopDone { gen } => {
                if gen == self.drive.gen {
                    self.on_stop_done(now, cx);
                }
            }
            VehicleMsg::PositionTick => self.on_position_tick(now, cx),
            VehicleMsg::WelfareTick => self.on_welfare_tick(now, cx),
            VehicleMsg::CustomerTick => self.on_customer_tick(cx),
            VehicleMsg::HourTick => self.on_hour_tick(now, cx),
            VehicleMsg::RequoteAnswer {
                booking,
                approved,
                new_won,
            } => {
                if let Some(r) = self.cargo.ride_mut(booking) {
                    r.fare.requote_pending = false;
                    if approved {
                        let old = r.fare.account.approved_won;
                        r.fare.account.approve(old, new_won);
                    }
                }
            }
            VehicleMsg::WelfareCritical { booking, .. } => self.divert(now, booking, cx),
            VehicleMsg::Hvac { ok } => self.cabin.hvac_ok = ok,
        }
    }

    /// A partner's answer about a treatment the vehicle asked for (a welfare diversion).
    fn on_reply(&mut self, now: SimTime, reply: ServiceReply, cx: &mut Cx<'_, Msg, Event>) {
        match reply {
            ServiceReply::ServiceStarted { .. } => {}
            ServiceReply::ServiceDone { booking }
            | ServiceReply::ServiceRejected { booking, .. } => self.on_treated(now, booking, cx),
        }
    }
}

impl SimActor<Msg, Event> for Vehicle {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        self.account(now);
        match msg {
            Msg::Start => self.on_start(now, cx),
            Msg::Vehicle(m) => self.on_msg(now, m, cx),
            Msg::Reply(r) => self.on_reply(now, r, cx),
            other => self.misrouted.count(&other),
        }
        self.show_state(now, cx);
    }

    fn problems(&self) -> Vec<String> {
        (self
            .misrouted
            .problem(&format!("vehicle {}", self.id))
            .into_iter())
        .collect()
    }

    fn on_end(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        // The hour under way, up to the end of the run.
        self.account(now);
        if now > self.stats.hour.hour_start {
            let hour = self.stats.close_hour(now, self.cargo.pets());
            cx.emit(Event::VehicleHour(hour));
        }
        for r in &self.cargo.rides {
            cx.emit(Event::TripEnded(Box::new(TripRecord {
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
                direct: r.stop.direct,
                status: TripStatus::Unfinished,
            })));
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A notice a van asks the notifier for.
struct Tell {
    kind: NoticeKind,
    seq: u32,
    facts: Facts,
    /// Delivered to the customer with the notice.
    payload: Option<CustomerMsg>,
    /// Sent back to the van if the notice ends undelivered.
    on_fail: Option<VehicleMsg>,
}

impl Tell {
    fn new(kind: NoticeKind, seq: u32, facts: Facts) -> Tell {
        Tell {
            kind,
            seq,
            facts,
            payload: None,
            on_fail: None,
        }
    }
}

/// Asks the notifier to tell `spec`'s customer; false (nothing sent) without a notifier.
fn tell(ctx: &FleetContext, spec: &BookingSpec, t: Tell, cx: &mut Cx<'_, Msg, Event>) -> bool {
    let Some(notifier) = ctx.notifier else {
        return false;
    };
    let request = NoticeRequest {
        kind: t.kind,
        booking: spec.booking,
        customer: spec.customer,
        customer_actor: spec.customer_actor,
        seq: t.seq,
        facts: t.facts,
        payload: t.payload,
        on_fail: t.on_fail.map(|m| (cx.me(), m)),
    };
    cx.send(
        notifier,
        SimDuration::ZERO,
        NotifierMsg::Notify(Arc::new(request)),
    );
    true
}

/// Puts a new fare (`old_won` -> `new_won`, for `reason`) to the customer of `stop`: through
/// the notifier when the run has one (an undelivered question counts as declined, so the
/// approved fare stands), else straight to the customer.
fn ask_requote(
    ctx: &FleetContext,
    stop: &PlanStop,
    (old_won, new_won, reason): (i64, i64, RequoteReason),
    cx: &mut Cx<'_, Msg, Event>,
) {
    let booking = stop.booking;
    let question = CustomerMsg::Requote {
        booking,
        old_won,
        new_won,
        reason,
        from: cx.me(),
    };
    let seq = (cx.now().as_ms() / 1_000) as u32;
    let t = Tell {
        payload: Some(question.clone()),
        on_fail: Some(VehicleMsg::RequoteAnswer {
            booking,
            approved: false,
            new_won,
        }),
        ..Tell::new(
            NoticeKind::Requote,
            seq,
            Facts {
                won: [old_won, new_won],
                ..Facts::default()
            },
        )
    };
    if !tell(ctx, &stop.spec, t, cx) {
        cx.send(stop.spec.customer_actor, SimDuration::ZERO, question);
    }
}
