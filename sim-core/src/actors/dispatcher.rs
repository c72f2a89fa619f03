//! The dispatcher: quotes bookings up front from the predicted route (profile speeds at the
//! pickup time), assigns accepted bookings to the vehicle that reaches the pickup first
//! (cheapest feasible insertion into its plan: crate slots, species separation, ride-time
//! limit, shift end), immediately or in periodic batches, and rejects with a reason when no
//! vehicle can. After a partner service it plans the return leg; it forwards cancellations.
//! The search itself is [`crate::dispatch`]; this actor keeps the bookings and the
//! vehicles' reports, and forgets a booking when it ends.
//!
//! Surge: multiplier from (requests in the last `surge_window`) / (vehicles free to take
//! work, each able to serve two bookings per window), through the tariff's surge curve.

pub mod msg;

use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::actors::fleet::FleetContext;
use crate::actors::{
    CustomerMsg, DispatcherMsg, Misrouted, Msg, NoticeRequest, NotifierMsg, ServiceReply,
    VehicleMsg,
};
use crate::booking::{BookingSpec, Dwell, Infeasible, Leg, PlanStop, StopKind, VehicleView};
use crate::delays::{p_late_route, LearnedTimes};
use crate::dispatch::plan::{InsertMode, Placement};
use crate::dispatch::{Fleet, Request};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::fare::{feed_route, price, Meter, Tariff};
use crate::ids::{BookingId, NodeId, VehicleId};
use crate::money;
use crate::msg::{LearnedQuote, QuoteOffer};
use crate::notify::{Facts, NoticeKind};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{profile_speeds, ProfileAt, SpeedTable, TrafficConfig};
use crate::world::TravelTimes;

/// A leg's predicted fare, plain taxi fare, length (m), and with learned delays the chance
/// of running late and the profile's fare.
type Prediction = (i64, i64, f64, Option<(f64, i64)>);

/// "Late" in a quote: this many seconds past the profile time.
const LATE_S: f64 = 15.0 * 60.0;

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
    /// Once assigned, a pickup may slip at most this past its promised time (pooled mode;
    /// in hailing mode a pickup keeps its window).
    pub promise_slack: SimDuration,
    /// Pooling, or ride hailing (one booking aboard at a time).
    pub mode: InsertMode,
}

/// What the dispatcher keeps of a quoted booking until it ends.
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
    fleet: Fleet,
    cfg: DispatchConfig,
    /// Assignments sent to each vehicle: a report that has not applied them all is stale.
    sent: Vec<u64>,
    /// Vehicles free for surge purposes (available, at most two stops planned).
    free: Vec<bool>,
    free_count: usize,
    quoted: BTreeMap<BookingId, Quoted>,
    /// The vehicle holding each booking's current leg.
    assigned_to: BTreeMap<BookingId, usize>,
    pending: VecDeque<BookingId>,
    returns: VecDeque<BookingId>,
    recent: VecDeque<SimTime>,
    /// The profile speeds, when traffic never changes them (quotes then need no table
    /// of their own).
    static_table: Option<Arc<SpeedTable>>,
    rejected: u32,
    assigned: u32,
    bounced: u32,
    misrouted: Misrouted,
}

impl Dispatcher {
    /// A dispatcher over `fleet`.
    pub fn new(
        ctx: Arc<FleetContext>,
        reference: Arc<Tariff>,
        traffic: Arc<TrafficConfig>,
        fleet: Fleet,
        cfg: DispatchConfig,
    ) -> Dispatcher {
        let n = fleet.vehicles.len();
        let static_table = traffic
            .is_static()
            .then(|| profile_speeds(&ctx.world.net, &traffic, SimTime::ZERO, &[]));
        Dispatcher {
            static_table,
            ctx,
            reference,
            traffic,
            fleet,
            cfg,
            sent: vec![0; n],
            free: vec![false; n],
            free_count: 0,
            quoted: BTreeMap::new(),
            assigned_to: BTreeMap::new(),
            pending: VecDeque::new(),
            returns: VecDeque::new(),
            recent: VecDeque::new(),
            rejected: 0,
            assigned: 0,
            bounced: 0,
            misrouted: Misrouted::default(),
        }
    }

    /// (assigned legs, rejected bookings, bounced pickups re-assigned).
    pub fn counts(&self) -> (u32, u32, u32) {
        (self.assigned, self.rejected, self.bounced)
    }

    /// Bookings the dispatcher still holds (quoted and not ended): bounded by the bookings
    /// under way, whatever the length of the run.
    pub fn held(&self) -> usize {
        self.quoted.len()
    }

    /// Searches for a vehicle, and the vehicles they evaluated.
    pub fn search_counts(&self) -> (u64, u64) {
        (self.fleet.searches, self.fleet.evaluated)
    }

    fn set_view(&mut self, i: usize, view: Arc<VehicleView>, now: SimTime) {
        let free = view.available && view.plan.len() <= 2;
        if free != self.free[i] {
            self.free[i] = free;
            if free {
                self.free_count += 1;
            } else {
                self.free_count -= 1;
            }
        }
        self.fleet.set_view(i, view, now);
    }

    /// The ride limit rule: max(`max_ride_min`, `max_ride_factor` x the direct drive at
    /// the profile speeds of `t`); with the direct drive.
    fn ride_limit(&mut self, t: SimTime, a: NodeId, b: NodeId) -> (SimDuration, SimDuration) {
        match self.fleet.estimates.time_at(t, a, b) {
            Some(ms) => {
                let direct = SimDuration(ms);
                let limit = SimDuration::from_secs_f64(
                    (direct.as_secs_f64() * self.cfg.max_ride_factor)
                        .max(self.cfg.max_ride_min.as_secs_f64()),
                );
                (limit, direct)
            }
            None => (self.cfg.max_ride_min, SimDuration::ZERO),
        }
    }

    /// The pickup window rule: an outbound pickup within `pickup_window` of its earliest
    /// time (else the booking is rejected); a return pickup has no window: the pets at the
    /// partner go home with the first vehicle that can come, however late.
    fn latest_pickup(&self, leg: Leg, earliest: SimTime) -> SimTime {
        match leg {
            Leg::Outbound => earliest + self.cfg.pickup_window,
            Leg::Return => SimTime::MAX,
        }
    }

    fn stops(
        &mut self,
        spec: &Arc<BookingSpec>,
        leg: Leg,
        earliest: SimTime,
        quote_won: i64,
        surge: f64,
    ) -> (PlanStop, PlanStop) {
        let (from, to) = (spec.pickup_for(leg), spec.dropoff_for(leg));
        let (dogs, cats) = spec.species();
        let (limit, direct) = self.ride_limit(earliest, from, to);
        let latest = self.latest_pickup(leg, earliest);
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
            direct,
            quote_won,
            surge,
            spec: spec.clone(),
        };
        (mk(StopKind::Pickup, from), mk(StopKind::Dropoff, to))
    }

    /// The vehicle reaching the pickup first (then the cheapest), with its insertion.
    fn best_vehicle(
        &mut self,
        now: SimTime,
        spec: &BookingSpec,
        p: &PlanStop,
        d: &PlanStop,
    ) -> Result<(usize, Placement), Infeasible> {
        let req = Request {
            pickup: p,
            dropoff: d,
            pinned: spec.vehicle.map(|v| v as usize),
            // A pet waiting at a partner is never stranded: its return may go to a driver
            // past the end of the shift (overtime).
            overtime: p.leg == Leg::Return,
            window_end: self.latest_pickup(p.leg, p.earliest),
        };
        self.fleet.best_vehicle(now, req)
    }

    fn surge(&mut self, now: SimTime) -> f64 {
        while self
            .recent
            .front()
            .is_some_and(|t| now.saturating_since(*t) > self.cfg.surge_window)
        {
            self.recent.pop_front();
        }
        let ratio = self.recent.len() as f64 / (2.0 * self.free_count as f64).max(1.0);
        self.ctx.tariff.surge.multiplier(ratio)
    }

    /// Predicted fare of one leg, the plain taxi fare for it, its length, and (with learned
    /// delays) the chance it runs 15 minutes late. Profile quotes meter the route at the
    /// profile's times; learned quotes at the learned median of each edge's class
    /// ([`crate::delays`]): the quote rule.
    fn predict(
        &mut self,
        spec: &BookingSpec,
        leg: Leg,
        start: SimTime,
        surge: f64,
    ) -> Option<Prediction> {
        let world = self.ctx.world.clone();
        let net = &world.net;
        let (from, to) = (spec.pickup_for(leg), spec.dropoff_for(leg));
        // The route planning expects (the hour's profile), timed at the start's profile.
        let profile = ProfileAt::new(&self.traffic, start);
        let speeds: &dyn TravelTimes = match &self.static_table {
            Some(t) => t.as_ref(),
            None => &profile,
        };
        let route = match &self.static_table {
            Some(t) => self.ctx.route(t.as_ref(), from, to)?,
            None => self.fleet.estimates.route(start, from, to, speeds)?,
        };
        let delays = self.ctx.quote_delays.clone();
        let learned = delays.as_deref().map(|d| LearnedTimes {
            profile: speeds,
            delays: d,
            day: self.traffic.day_type(start),
            hour: (start.ms_of_day() / crate::time::MS_PER_H) as usize,
        });
        let timed: &dyn TravelTimes = match &learned {
            Some(l) => l,
            None => speeds,
        };
        let p_late = delays
            .as_ref()
            .map(|d| p_late_route(d, &self.traffic, net, speeds, &route.edges, start, LATE_S));
        let tolls = self.ctx.tolls.for_route(net, &route.edges);
        let outside = !self.ctx.in_city[from.index()];
        let metered = |tariff: &Tariff, times: &dyn TravelTimes| {
            let mut m = Meter::start(tariff, start, outside);
            feed_route(
                &mut m,
                tariff,
                net,
                times,
                start,
                &route.edges,
                &self.ctx.in_city,
            );
            m
        };
        let extras = money::extras(spec, leg, 0, tolls, surge);
        let fare = price(&self.ctx.tariff, &metered(&self.ctx.tariff, timed), &extras).total_won;
        let plain = money::plain_extras(tolls);
        let reference = price(&self.reference, &metered(&self.reference, timed), &plain).total_won;
        let learned = p_late.map(|p| {
            let profile = price(
                &self.ctx.tariff,
                &metered(&self.ctx.tariff, speeds),
                &extras,
            );
            (p, profile.total_won)
        });
        Some((fare, reference, route.length_m, learned))
    }

    fn reject(&mut self, spec: &BookingSpec, reason: String, cx: &mut Cx<'_, Msg, Event>) {
        self.rejected += 1;
        cx.send(
            spec.customer_actor,
            SimDuration::ZERO,
            CustomerMsg::Rejected {
                booking: spec.booking,
                reason: reason.into(),
            },
        );
    }

    fn on_request(&mut self, now: SimTime, spec: Arc<BookingSpec>, cx: &mut Cx<'_, Msg, Event>) {
        self.recent.push_back(now);
        let surge = self.surge(now);
        let (p, d) = self.stops(&spec, Leg::Outbound, spec.pickup_after, 0, surge);
        let ins = match self.best_vehicle(now, &spec, &p, &d) {
            Ok((_, ins)) => ins,
            Err(why) => return self.reject(&spec, why.reason().to_string(), cx),
        };
        if ins.pickup_eta.saturating_since(spec.pickup_after) > self.cfg.pickup_window {
            let reason = format!(
                "no vehicle can be at the pickup within {}",
                self.cfg.pickup_window
            );
            return self.reject(&spec, reason, cx);
        }
        let pickup_at = ins.pickup_eta.max(spec.pickup_after) + self.cfg.dwell.pickup;
        let Some((out_won, out_ref, out_m, learned)) =
            self.predict(&spec, Leg::Outbound, pickup_at, surge)
        else {
            return self.reject(&spec, "destination unreachable".to_string(), cx);
        };
        let (mut ret_won, mut ret_ref, mut ret_m, mut ret_profile) = (0, 0, 0.0, 0);
        if let Some((_, partner)) = spec.addon {
            let drive = self
                .fleet
                .estimates
                .time_at(pickup_at, spec.pickup, spec.dropoff)
                .unwrap_or(0);
            let arrive = pickup_at + SimDuration(drive);
            let info = &self.ctx.partners[partner.index()];
            if !info.is_open(arrive) {
                let reason = format!("{} is closed at the estimated arrival", info.name);
                return self.reject(&spec, reason, cx);
            }
            if spec.returns {
                let back = arrive + spec.service_time;
                let Some(r) = self.predict(&spec, Leg::Return, back, surge) else {
                    return self.reject(&spec, "no way back from the partner".into(), cx);
                };
                (ret_won, ret_ref, ret_m, ret_profile) = (r.0, r.1, r.2, r.3.map_or(r.0, |l| l.1));
            }
        }
        let q = QuoteOffer {
            booking: spec.booking,
            fare_won: out_won + ret_won,
            reference_won: out_ref + ret_ref,
            pickup_eta: ins.pickup_eta.max(spec.pickup_after),
            distance_m: out_m + ret_m,
            surge,
            addon_fee_won: spec.addon.map_or(0, |(a, _)| self.ctx.tariff.addons.fee(a)),
            learned: learned.map(|(p, profile)| LearnedQuote {
                p_late_15min: p,
                profile_fare_won: profile + ret_profile,
            }),
        };
        let quoted = Quoted {
            spec: spec.clone(),
            out_won,
            ret_won,
            surge,
        };
        self.quoted.insert(spec.booking, quoted);
        cx.send(
            spec.customer_actor,
            SimDuration::ZERO,
            CustomerMsg::Quote(q),
        );
    }

    /// Assigns a booking's leg, or says why no vehicle can take it now.
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
        let (mut p, d) = self.stops(&q.spec, leg, earliest, quote, q.surge);
        let (i, ins) = self.best_vehicle(now, &q.spec, &p, &d)?;
        if self.cfg.mode == InsertMode::Pooled {
            // Promise the pickup: later insertions may delay it by the slack at most.
            p.latest = ins.pickup_eta.max(earliest) + self.cfg.promise_slack;
        }
        let view = self.fleet.vehicles[i]
            .view
            .clone()
            .expect("a chosen vehicle has reported");
        let mut plan = view.plan.clone();
        plan.insert(ins.pickup_at, p);
        plan.insert(ins.dropoff_at, d);
        let actor = self.fleet.vehicles[i].actor;
        cx.send(
            actor,
            SimDuration::ZERO,
            VehicleMsg::Assign {
                plan: plan.clone().into(),
            },
        );
        self.sent[i] += 1;
        let mut nv = (*view).clone();
        nv.plan = plan;
        self.set_view(i, Arc::new(nv), now);
        self.assigned_to.insert(booking, i);
        cx.send(
            q.spec.customer_actor,
            SimDuration::ZERO,
            CustomerMsg::Assigned {
                booking,
                vehicle: VehicleId(i as u32),
                pickup_eta: ins.pickup_eta,
            },
        );
        let facts = Facts {
            at: Some(ins.pickup_eta),
            vehicle: Some(VehicleId(i as u32)),
            ..Facts::default()
        };
        self.tell(&q.spec, (NoticeKind::Assigned, leg as u32), facts, cx);
        self.assigned += 1;
        Ok(())
    }

    fn assign_outbound(&mut self, now: SimTime, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if let Err(why) = self.assign(now, booking, Leg::Outbound, cx) {
            if let Some(q) = self.quoted.remove(&booking) {
                self.reject(&q.spec, why.reason().to_string(), cx);
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

    fn on_batch(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let mut batch: Vec<BookingId> = self.pending.drain(..).collect();
        batch.sort_by_key(|b| (self.quoted.get(b).map(|q| q.spec.pickup_after), *b));
        for b in batch {
            self.assign_outbound(now, b, cx);
        }
        self.retry_returns(now, cx);
        cx.send_self(
            self.cfg.batch.unwrap_or(SimDuration::from_mins(1)),
            DispatcherMsg::BatchTick,
        );
    }

    fn on_cancel(&mut self, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        self.pending.retain(|b| *b != booking);
        if let Some(v) = self.assigned_to.remove(&booking) {
            cx.send(
                self.fleet.vehicles[v].actor,
                SimDuration::ZERO,
                VehicleMsg::Unassign { booking },
            );
        }
        self.quoted.remove(&booking);
    }

    /// A partner finished (`failed`: refused) a service: the pets come home if they return.
    fn on_service_end(
        &mut self,
        now: SimTime,
        booking: BookingId,
        failed: Option<Arc<str>>,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let Some(q) = self.quoted.get_mut(&booking) else {
            return;
        };
        let to = q.spec.customer_actor;
        let msg: Msg = match failed {
            Some(reason) => {
                // The pets come home whatever the add-on was.
                let mut spec = (*q.spec).clone();
                spec.returns = true;
                q.spec = Arc::new(spec);
                CustomerMsg::ServiceFailed { booking, reason }.into()
            }
            None => ServiceReply::ServiceDone { booking }.into(),
        };
        let returns = q.spec.returns;
        cx.send(to, SimDuration::ZERO, msg);
        // The way home: now if a vehicle can take it, else with the others at each batch.
        if returns && self.assign(now, booking, Leg::Return, cx).is_err() {
            self.returns.push_back(booking);
        }
    }

    /// Asks the notifier, if the run has one, to tell `spec`'s customer.
    fn tell(
        &self,
        spec: &BookingSpec,
        (kind, seq): (NoticeKind, u32),
        facts: Facts,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let Some(notifier) = self.ctx.notifier else {
            return;
        };
        let request = NoticeRequest {
            kind,
            booking: spec.booking,
            customer: spec.customer,
            customer_actor: spec.customer_actor,
            seq,
            facts,
            payload: None,
            on_fail: None,
        };
        cx.send(
            notifier,
            SimDuration::ZERO,
            NotifierMsg::Notify(Arc::new(request)),
        );
    }

    /// Forgets everything about a booking that ended.
    fn forget(&mut self, booking: BookingId) {
        self.quoted.remove(&booking);
        self.assigned_to.remove(&booking);
        self.pending.retain(|b| *b != booking);
        self.returns.retain(|b| *b != booking);
    }
}

impl Dispatcher {
    fn on_msg(&mut self, now: SimTime, msg: DispatcherMsg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            DispatcherMsg::BookingRequest(spec) => self.on_request(now, spec, cx),
            DispatcherMsg::QuoteAnswer { booking, accepted } => {
                if let Some(q) = self.quoted.get(&booking).filter(|_| accepted) {
                    let facts = Facts {
                        at: Some(q.spec.pickup_after),
                        won: [q.out_won + q.ret_won, 0],
                        vehicle: None,
                    };
                    self.tell(&q.spec, (NoticeKind::Confirmed, 0), facts, cx);
                }
                if !accepted {
                    self.quoted.remove(&booking);
                } else if self.cfg.batch.is_some() {
                    self.pending.push_back(booking);
                } else {
                    self.assign_outbound(now, booking, cx);
                }
            }
            DispatcherMsg::BatchTick => self.on_batch(now, cx),
            DispatcherMsg::VehicleStatus { vehicle, view } => {
                let i = vehicle.index();
                // A report sent before the vehicle applied our last plan would undo it.
                if i < self.sent.len() && view.version >= self.sent[i] {
                    self.set_view(i, view, now);
                }
            }
            DispatcherMsg::CancelBooking { booking } => self.on_cancel(booking, cx),
            DispatcherMsg::BookingEnded { booking } => self.forget(booking),
            DispatcherMsg::Bounce { booking, leg, .. } => {
                self.bounced += 1;
                match leg {
                    Leg::Outbound => self.assign_outbound(now, booking, cx),
                    Leg::Return => {
                        if self.assign(now, booking, Leg::Return, cx).is_err() {
                            self.returns.push_back(booking);
                        }
                    }
                }
            }
        }
    }

    /// A partner's answer about a service the dispatcher asked for (a booking's add-on).
    fn on_reply(&mut self, now: SimTime, reply: ServiceReply, cx: &mut Cx<'_, Msg, Event>) {
        match reply {
            ServiceReply::ServiceStarted { booking, until } => {
                if let Some(q) = self.quoted.get(&booking) {
                    cx.send(
                        q.spec.customer_actor,
                        SimDuration::ZERO,
                        ServiceReply::ServiceStarted { booking, until },
                    );
                }
            }
            ServiceReply::ServiceDone { booking } => self.on_service_end(now, booking, None, cx),
            ServiceReply::ServiceRejected { booking, reason } => {
                self.on_service_end(now, booking, Some(reason), cx)
            }
        }
    }
}

impl SimActor<Msg, Event> for Dispatcher {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => cx.send_self(
                self.cfg.batch.unwrap_or(SimDuration::from_mins(1)),
                DispatcherMsg::BatchTick,
            ),
            Msg::Dispatcher(m) => self.on_msg(now, m, cx),
            Msg::Reply(r) => self.on_reply(now, r, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn problems(&self) -> Vec<String> {
        self.misrouted
            .problem("the dispatcher")
            .into_iter()
            .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
