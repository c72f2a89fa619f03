//! The dispatcher: quotes bookings up front from the predicted route (profile speeds at the
//! pickup time), assigns accepted bookings to the vehicle that reaches the pickup first
//! (cheapest feasible insertion into its plan: crate slots, species separation, ride-time
//! limit, shift end), immediately or in periodic batches, and rejects with a reason when no
//! vehicle can. After a partner service it plans the return leg; it forwards cancellations.
//!
//! Surge: multiplier from (requests in the last `surge_window`) / (vehicles free to take
//! work, each able to serve two bookings per window), through the tariff's surge curve.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::actors::fleet::FleetContext;
use crate::booking::{
    best_insertion, BookingSpec, Dwell, Infeasible, Leg, PlanStop, StopKind, TravelMatrix,
    VehicleView,
};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::fare::{feed_route, price, Extras, Meter, Tariff};
use crate::ids::{ActorId, BookingId, NodeId, VehicleId};
use crate::msg::{Msg, QuoteOffer};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{profile_speeds, TrafficConfig};

/// Dispatch settings.
#[derive(Clone, Copy, Debug)]
pub struct DispatchConfig {
    /// `None`: assign at once; `Some(t)`: assign accepted bookings every `t`.
    pub batch: Option<SimDuration>,
    /// Loading / unloading.
    pub dwell: Dwell,
    /// Ride limit = max(`max_ride_min`, `max_ride_factor` x the direct drive).
    pub max_ride_factor: f64,
    /// Floor of the ride limit.
    pub max_ride_min: SimDuration,
    /// A booking whose pickup would be later than this after the requested time is rejected.
    pub pickup_window: SimDuration,
    /// Window of the surge demand count.
    pub surge_window: SimDuration,
    /// Once assigned, a pickup may slip at most this past its promised time.
    pub promise_slack: SimDuration,
}

#[derive(Clone, Debug)]
struct Quoted {
    spec: Arc<BookingSpec>,
    out_won: i64,
    ret_won: i64,
    surge: f64,
}

/// The dispatcher.
pub struct Dispatcher {
    ctx: Arc<FleetContext>,
    reference: Arc<Tariff>,
    traffic: Arc<TrafficConfig>,
    matrix: Arc<TravelMatrix>,
    cfg: DispatchConfig,
    vehicles: Vec<(ActorId, Option<Arc<VehicleView>>)>,
    /// Assignments sent to each vehicle: a report that has not applied them all is stale.
    sent: Vec<u64>,
    quoted: BTreeMap<BookingId, Quoted>,
    pending: VecDeque<BookingId>,
    returns: VecDeque<BookingId>,
    recent: VecDeque<SimTime>,
    cancelled: BTreeSet<BookingId>,
    rejected: u32,
    assigned: u32,
    bounced: u32,
}

impl Dispatcher {
    /// A dispatcher for `vehicles` (their actor ids, by vehicle id).
    pub fn new(
        ctx: Arc<FleetContext>,
        reference: Arc<Tariff>,
        traffic: Arc<TrafficConfig>,
        matrix: Arc<TravelMatrix>,
        cfg: DispatchConfig,
        vehicles: Vec<ActorId>,
    ) -> Dispatcher {
        Dispatcher {
            ctx,
            reference,
            traffic,
            matrix,
            cfg,
            sent: vec![0; vehicles.len()],
            vehicles: vehicles.into_iter().map(|a| (a, None)).collect(),
            quoted: BTreeMap::new(),
            pending: VecDeque::new(),
            returns: VecDeque::new(),
            recent: VecDeque::new(),
            cancelled: BTreeSet::new(),
            rejected: 0,
            assigned: 0,
            bounced: 0,
        }
    }

    /// (assigned legs, rejected bookings, bounced pickups re-assigned).
    pub fn counts(&self) -> (u32, u32, u32) {
        (self.assigned, self.rejected, self.bounced)
    }

    fn ride_limit(&self, t: SimTime, a: NodeId, b: NodeId) -> SimDuration {
        let direct = self.matrix.time_s(&self.traffic, t, a, b);
        SimDuration::from_secs_f64(
            (direct * self.cfg.max_ride_factor).max(self.cfg.max_ride_min.as_secs_f64()),
        )
    }

    fn stops(
        &self,
        spec: &Arc<BookingSpec>,
        leg: Leg,
        earliest: SimTime,
        quote_won: i64,
        surge: f64,
    ) -> (PlanStop, PlanStop) {
        let (from, to) = (spec.pickup_for(leg), spec.dropoff_for(leg));
        let (dogs, cats) = spec.species();
        let limit = self.ride_limit(earliest, from, to);
        let latest = earliest + self.cfg.pickup_window;
        let mk = |kind, node| PlanStop {
            booking: spec.booking,
            leg,
            kind,
            node,
            earliest,
            latest,
            load: spec.load(),
            household: spec.customer,
            dogs,
            cats,
            ride_limit: limit,
            quote_won,
            surge,
            spec: spec.clone(),
        };
        (mk(StopKind::Pickup, from), mk(StopKind::Dropoff, to))
    }

    /// The vehicle reaching the pickup first (then the cheapest), with its new plan.
    fn best_vehicle(
        &self,
        now: SimTime,
        spec: &BookingSpec,
        p: &PlanStop,
        d: &PlanStop,
    ) -> Result<(usize, crate::booking::Insertion), Infeasible> {
        let mut best: Option<(usize, crate::booking::Insertion)> = None;
        let mut whys: BTreeMap<u8, (u32, Infeasible)> = BTreeMap::new();
        // Branch and bound: try vehicles in order of a lower bound on their pickup ETA (when
        // they are next free to turn, plus the drive to the pickup); stop once the bound
        // cannot beat the best found, or cannot be within the pickup window.
        let mut candidates: Vec<(SimTime, usize)> = self
            .vehicles
            .iter()
            .enumerate()
            .filter(|(i, _)| spec.vehicle.is_none_or(|v| v as usize == *i))
            // A pet waiting at a partner is never stranded: its return may go to a driver
            // past the end of the shift (overtime).
            .filter_map(|(i, (_, v))| {
                v.as_ref()
                    .filter(|v| v.available || p.leg == Leg::Return)
                    .map(|v| (i, v))
            })
            .map(|(i, v)| {
                let free = v.at.max(now);
                let t = self.matrix.time_s(&self.traffic, free, v.node, p.node);
                (
                    free + SimDuration::from_secs_f64(if t.is_finite() { t } else { 1e9 }),
                    i,
                )
            })
            .collect();
        candidates.sort();
        let window_end = p.earliest + self.cfg.pickup_window;
        for (bound, i) in candidates {
            if bound > window_end || best.as_ref().is_some_and(|(_, b)| bound > b.pickup_eta) {
                break;
            }
            let Some(view) = &self.vehicles[i].1 else {
                continue;
            };
            let mut v = (**view).clone();
            v.at = v.at.max(now);
            if p.leg == Leg::Return {
                v.shift_end = SimTime::MAX;
            }
            match best_insertion(&v, p, d, &self.matrix, &self.traffic, self.cfg.dwell) {
                Ok(ins) => {
                    if best
                        .as_ref()
                        .is_none_or(|(_, b)| (ins.pickup_eta, ins.added) < (b.pickup_eta, b.added))
                    {
                        best = Some((i, ins));
                    }
                }
                Err(e) => whys.entry(e as u8).or_insert((0, e)).0 += 1,
            }
        }
        // The reason most vehicles gave (ties: the first in declaration order).
        let why = whys
            .values()
            .max_by_key(|(n, e)| (*n, std::cmp::Reverse(*e as u8)))
            .map_or(Infeasible::ShiftEnd, |x| x.1);
        best.ok_or(why)
    }

    fn surge(&mut self, now: SimTime) -> f64 {
        while self
            .recent
            .front()
            .is_some_and(|t| now.saturating_since(*t) > self.cfg.surge_window)
        {
            self.recent.pop_front();
        }
        let free = self
            .vehicles
            .iter()
            .filter(|(_, v)| v.as_ref().is_some_and(|v| v.available && v.plan.len() <= 2))
            .count();
        let ratio = self.recent.len() as f64 / (2.0 * free as f64).max(1.0);
        self.ctx.tariff.surge.multiplier(ratio)
    }

    /// Predicted fare of one leg (and the plain taxi fare for it).
    fn predict(
        &self,
        spec: &BookingSpec,
        leg: Leg,
        start: SimTime,
        surge: f64,
    ) -> Option<(i64, i64, f64)> {
        let net = &self.ctx.world.net;
        let speeds = profile_speeds(net, &self.traffic, start, &[]);
        let (from, to) = (spec.pickup_for(leg), spec.dropoff_for(leg));
        let route = self.ctx.world.route(speeds.as_ref(), from, to)?;
        let tolls = self.ctx.tolls.for_route(net, &route.edges);
        let mut m = Meter::start(&self.ctx.tariff, start, !self.ctx.in_city[from.index()]);
        feed_route(
            &mut m,
            &self.ctx.tariff,
            net,
            speeds.as_ref(),
            start,
            &route.edges,
            &self.ctx.in_city,
        );
        let extras = Extras {
            pets: spec.pets.iter().map(|p| p.size).collect(),
            waited_s: 0,
            addons: match (leg, spec.addon) {
                (Leg::Outbound, Some((a, _))) => vec![a],
                _ => vec![],
            },
            tolls_won: tolls,
            surge,
        };
        let fare = price(&self.ctx.tariff, &m, &extras).total_won;
        let mut r = Meter::start(&self.reference, start, !self.ctx.in_city[from.index()]);
        feed_route(
            &mut r,
            &self.reference,
            net,
            speeds.as_ref(),
            start,
            &route.edges,
            &self.ctx.in_city,
        );
        let reference = price(
            &self.reference,
            &r,
            &Extras {
                tolls_won: tolls,
                surge: 1.0,
                ..Extras::default()
            },
        )
        .total_won;
        Some((fare, reference, route.length_m))
    }

    fn on_request(&mut self, now: SimTime, spec: Arc<BookingSpec>, cx: &mut Cx<'_, Msg, Event>) {
        self.recent.push_back(now);
        let surge = self.surge(now);
        let reject = |this: &mut Self, reason: String, cx: &mut Cx<'_, Msg, Event>| {
            this.rejected += 1;
            cx.send(
                spec.customer_actor,
                SimDuration::ZERO,
                Msg::Rejected {
                    booking: spec.booking,
                    reason: reason.into(),
                },
            );
        };
        let (p, d) = self.stops(&spec, Leg::Outbound, spec.pickup_after, 0, surge);
        let ins = match self.best_vehicle(now, &spec, &p, &d) {
            Ok((_, ins)) => ins,
            Err(why) => return reject(self, why.reason().to_string(), cx),
        };
        if ins.pickup_eta.saturating_since(spec.pickup_after) > self.cfg.pickup_window {
            return reject(
                self,
                format!(
                    "no vehicle can be at the pickup within {}",
                    self.cfg.pickup_window
                ),
                cx,
            );
        }
        let pickup_at = ins.pickup_eta.max(spec.pickup_after) + self.cfg.dwell.pickup;
        let Some((out_won, out_ref, out_m)) = self.predict(&spec, Leg::Outbound, pickup_at, surge)
        else {
            return reject(self, "destination unreachable".to_string(), cx);
        };
        let arrive = pickup_at
            + SimDuration::from_secs_f64(self.matrix.time_s(
                &self.traffic,
                pickup_at,
                spec.pickup,
                spec.dropoff,
            ));
        let (mut ret_won, mut ret_ref, mut ret_m) = (0, 0, 0.0);
        if let Some((_, partner)) = spec.addon {
            let info = &self.ctx.partners[partner.index()];
            if !info.is_open(arrive) {
                return reject(
                    self,
                    format!("{} is closed at the estimated arrival", info.name),
                    cx,
                );
            }
            if spec.returns {
                let back = arrive + spec.service_time;
                match self.predict(&spec, Leg::Return, back, surge) {
                    Some(r) => (ret_won, ret_ref, ret_m) = r,
                    None => return reject(self, "no way back from the partner".to_string(), cx),
                }
            }
        }
        let addon_fee_won = spec.addon.map_or(0, |(a, _)| self.ctx.tariff.addons.fee(a));
        let q = QuoteOffer {
            booking: spec.booking,
            fare_won: out_won + ret_won,
            reference_won: out_ref + ret_ref,
            pickup_eta: ins.pickup_eta.max(spec.pickup_after),
            distance_m: out_m + ret_m,
            surge,
            addon_fee_won,
        };
        self.quoted.insert(
            spec.booking,
            Quoted {
                spec: spec.clone(),
                out_won,
                ret_won,
                surge,
            },
        );
        cx.send(spec.customer_actor, SimDuration::ZERO, Msg::Quote(q));
    }

    /// Assigns a booking's leg; false when no vehicle can take it now.
    fn assign(
        &mut self,
        now: SimTime,
        booking: BookingId,
        leg: Leg,
        cx: &mut Cx<'_, Msg, Event>,
    ) -> Result<(), Infeasible> {
        let Some(q) = self.quoted.get(&booking).cloned() else {
            return Ok(());
        };
        let (earliest, quote) = match leg {
            Leg::Outbound => (q.spec.pickup_after.max(now), q.out_won),
            Leg::Return => (now, q.ret_won),
        };
        let (p, d) = self.stops(&q.spec, leg, earliest, quote, q.surge);
        let (i, mut ins) = self.best_vehicle(now, &q.spec, &p, &d)?;
        // Promise the pickup: later insertions may delay it by the slack at most.
        let promised = ins.pickup_eta.max(earliest) + self.cfg.promise_slack;
        ins.plan[ins.pickup_at].latest = promised;
        let (actor, view) = &mut self.vehicles[i];
        if let Some(v) = view {
            let mut nv = (**v).clone();
            nv.plan = ins.plan.clone();
            *view = Some(Arc::new(nv));
        }
        cx.send(
            *actor,
            SimDuration::ZERO,
            Msg::Assign {
                plan: ins.plan.into(),
            },
        );
        cx.send(
            q.spec.customer_actor,
            SimDuration::ZERO,
            Msg::Assigned {
                booking,
                vehicle: VehicleId(i as u32),
                pickup_eta: ins.pickup_eta,
            },
        );
        self.assigned += 1;
        Ok(())
    }

    fn assign_outbound(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if let Err(why) = self.assign(now, booking, Leg::Outbound, cx) {
            if let Some(q) = self.quoted.remove(&booking) {
                self.rejected += 1;
                cx.send(
                    q.spec.customer_actor,
                    SimDuration::ZERO,
                    Msg::Rejected {
                        booking,
                        reason: why.reason().into(),
                    },
                );
            }
        }
    }

    fn retry_returns(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        for _ in 0..self.returns.len() {
            let Some(b) = self.returns.pop_front() else {
                break;
            };
            if self.assign(now, b, Leg::Return, cx).is_err() {
                self.returns.push_back(b);
            }
        }
    }
}

impl SimActor<Msg, Event> for Dispatcher {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => cx.send_self(
                self.cfg.batch.unwrap_or(SimDuration::from_mins(1)),
                Msg::BatchTick,
            ),
            Msg::BookingRequest(spec) => self.on_request(now, spec, cx),
            Msg::QuoteAnswer { booking, accepted } => {
                if !accepted {
                    self.quoted.remove(&booking);
                } else if self.cfg.batch.is_some() {
                    self.pending.push_back(booking);
                } else {
                    self.assign_outbound(now, booking, cx);
                }
            }
            Msg::BatchTick => {
                let mut batch: Vec<BookingId> = self.pending.drain(..).collect();
                batch.sort_by_key(|b| (self.quoted.get(b).map(|q| q.spec.pickup_after), *b));
                for b in batch {
                    if !self.cancelled.contains(&b) {
                        self.assign_outbound(now, b, cx);
                    }
                }
                self.retry_returns(now, cx);
                cx.send_self(
                    self.cfg.batch.unwrap_or(SimDuration::from_mins(1)),
                    Msg::BatchTick,
                );
            }
            Msg::VehicleStatus { vehicle, view } => {
                let i = vehicle.index();
                // A report sent before the vehicle applied our last plan would undo it.
                if i < self.vehicles.len() && view.version >= self.sent[i] {
                    self.vehicles[i].1 = Some(view);
                }
            }
            Msg::CancelBooking { booking } => {
                self.cancelled.insert(booking);
                self.pending.retain(|b| *b != booking);
                for (actor, view) in &self.vehicles {
                    if view
                        .as_ref()
                        .is_some_and(|v| v.plan.iter().any(|s| s.booking == booking))
                    {
                        cx.send(*actor, SimDuration::ZERO, Msg::Unassign { booking });
                    }
                }
                // Also any vehicle that got the assignment after its last report.
                if let Some(q) = self.quoted.remove(&booking) {
                    if let Some(v) = q.spec.vehicle {
                        cx.send(
                            self.vehicles[v as usize].0,
                            SimDuration::ZERO,
                            Msg::Unassign { booking },
                        );
                    }
                }
            }
            Msg::Bounce { booking, leg, .. } => {
                self.bounced += 1;
                match leg {
                    Leg::Outbound => self.assign_outbound(now, booking, cx),
                    Leg::Return => {
                        self.returns.push_back(booking);
                        self.retry_returns(now, cx);
                    }
                }
            }
            Msg::ServiceStarted { booking, until } => {
                if let Some(q) = self.quoted.get(&booking) {
                    cx.send(
                        q.spec.customer_actor,
                        SimDuration::ZERO,
                        Msg::ServiceStarted { booking, until },
                    );
                }
            }
            Msg::ServiceDone { booking } => {
                if let Some(q) = self.quoted.get(&booking) {
                    cx.send(
                        q.spec.customer_actor,
                        SimDuration::ZERO,
                        Msg::ServiceDone { booking },
                    );
                    if q.spec.returns {
                        self.returns.push_back(booking);
                        self.retry_returns(now, cx);
                    } else {
                        self.quoted.remove(&booking);
                    }
                }
            }
            Msg::ServiceRejected { booking, reason } => {
                if let Some(q) = self.quoted.get_mut(&booking) {
                    cx.send(
                        q.spec.customer_actor,
                        SimDuration::ZERO,
                        Msg::ServiceFailed { booking, reason },
                    );
                    // The pets come home whatever the add-on was.
                    let mut spec = (*q.spec).clone();
                    spec.returns = true;
                    q.spec = Arc::new(spec);
                    self.returns.push_back(booking);
                    self.retry_returns(now, cx);
                }
            }
            other => debug_assert!(false, "dispatcher got {}", other.kind()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
