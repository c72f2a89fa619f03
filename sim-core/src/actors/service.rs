//! The service actor: a back end with finite capacity in front of a business actor (the
//! booking API before the dispatcher, the notification dispatcher before the notifier,
//! the settlement processor before the settlement service). Every message sent to it
//! is a request: it queues for a worker of an instance in its [`Pool`], is served (and
//! makes its downstream call), and only then reaches the business actor. Rejected,
//! shed, timed-out and crashed requests are retried by their callers (the pool's
//! backoff), so nothing is lost; each request is delivered once.
//!
//! **Ordering** (the rule lives in `ServiceActor::deliver`): requests about one booking
//! reach the business actor in the order they were sent, as with a FIFO queue's message
//! group: one that is served before an earlier one of its booking waits for it. Without
//! it a cancellation could overtake nothing but be overtaken by the booking's end, and the
//! dispatcher would forget a booking before hearing it was cancelled.

pub mod msg;

use std::any::Any;
use std::collections::{BTreeMap, VecDeque};

use crate::actors::{Misrouted, Msg};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::ids::ActorId;
use crate::rng::{actor_rng, ActorKind};
use crate::service::{Fx, MinuteRow, Pool, Req, ServiceSpec, Totals};
use crate::time::{SimDuration, SimTime};

pub use msg::ServiceMsg;

/// A service in front of `target`.
pub struct ServiceActor {
    pool: Pool<Box<Msg>>,
    target: ActorId,
    /// The pool's first wakes (faults, scaling), scheduled at the start.
    boot: Fx<Box<Msg>>,
    next_id: u64,
    delivered: u64,
    rows: Vec<MinuteRow>,
    totals: Option<Totals>,
    /// Per booking: its requests not yet delivered, in the order sent (dropped when
    /// empty, so the map holds only bookings with requests inside).
    order: BTreeMap<u32, VecDeque<u64>>,
    /// Requests served but waiting for an earlier one of their booking.
    waiting: BTreeMap<u64, Box<Msg>>,
    misrouted: Misrouted,
}

/// The booking a request is about, for ordering.
fn booking_of(msg: &Msg) -> Option<u32> {
    use crate::actors::{DispatcherMsg as D, NotifierMsg as N, SettlementMsg as S};
    match msg {
        Msg::Dispatcher(D::BookingRequest(b)) => Some(b.booking.0),
        Msg::Dispatcher(
            D::QuoteAnswer { booking, .. }
            | D::CancelBooking { booking }
            | D::BookingEnded { booking },
        ) => Some(booking.0),
        Msg::Notifier(N::Notify(r)) => Some(r.booking.0),
        Msg::Settlement(
            S::Accepted { booking, .. } | S::Raised { booking, .. } | S::Ended { booking, .. },
        ) => Some(booking.0),
        _ => None,
    }
}

impl ServiceActor {
    /// Service `index` of the run, running `spec` in front of `target`.
    pub fn new(spec: ServiceSpec, target: ActorId, seed: u64, index: u32) -> ServiceActor {
        let mut boot = Fx::default();
        let rng = actor_rng(seed, ActorKind::Service, 0x100 + index);
        let pool = Pool::new(spec, rng, &mut boot);
        ServiceActor {
            pool,
            target,
            boot,
            next_id: 0,
            delivered: 0,
            rows: Vec::new(),
            totals: None,
            order: BTreeMap::new(),
            waiting: BTreeMap::new(),
            misrouted: Misrouted::default(),
        }
    }

    /// The service.
    pub fn spec(&self) -> &ServiceSpec {
        self.pool.spec()
    }

    /// Its minutes, oldest first (complete once the run has ended).
    pub fn rows(&self) -> &[MinuteRow] {
        &self.rows
    }

    /// Its totals (once the run has ended).
    pub fn totals(&self) -> Option<&Totals> {
        self.totals.as_ref()
    }

    fn request(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        self.next_id += 1;
        let spec = self.pool.spec();
        let kind = spec.kind_index(msg.kind()).unwrap_or(u8::MAX);
        let priority = spec.kinds.get(usize::from(kind)).map_or(1, |k| k.priority);
        if let Some(b) = booking_of(&msg) {
            self.order.entry(b).or_default().push_back(self.next_id);
        }
        let req = Req::new(self.next_id, (kind, priority), now, Box::new(msg));
        let mut fx = Fx::default();
        self.pool.arrive(now, req, &mut fx);
        self.apply(fx, cx);
    }

    fn apply(&mut self, fx: Fx<Box<Msg>>, cx: &mut Cx<'_, Msg, Event>) {
        for (delay, w) in fx.wakes {
            cx.send_self(delay, ServiceMsg::Wake(w));
        }
        for req in fx.done {
            self.deliver(req.id, req.payload, cx);
        }
        // A fleet run's callers never give up (validated): nothing to hand back.
        debug_assert!(fx.gave_up.is_empty());
        self.rows.extend(self.pool.take_rows());
    }
}

impl ServiceActor {
    /// Hands a served request to the business actor, after every earlier request of its
    /// booking; then those of its booking that were waiting for it.
    fn deliver(&mut self, id: u64, payload: Box<Msg>, cx: &mut Cx<'_, Msg, Event>) {
        let Some(b) = booking_of(&payload) else {
            self.delivered += 1;
            return cx.send(self.target, SimDuration::ZERO, *payload);
        };
        self.waiting.insert(id, payload);
        let Some(q) = self.order.get_mut(&b) else {
            return;
        };
        while let Some(m) = q.front().and_then(|first| self.waiting.remove(first)) {
            q.pop_front();
            self.delivered += 1;
            cx.send(self.target, SimDuration::ZERO, *m);
        }
        if q.is_empty() {
            self.order.remove(&b);
        }
    }
}

impl SimActor<Msg, Event> for ServiceActor {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => {
                let boot = std::mem::take(&mut self.boot);
                self.apply(boot, cx);
            }
            Msg::Service(ServiceMsg::Wake(w)) => {
                let mut fx = Fx::default();
                self.pool.wake(now, w, &mut fx);
                self.apply(fx, cx);
            }
            other => self.request(now, other, cx),
        }
    }

    fn on_end(&mut self, now: SimTime, _cx: &mut Cx<'_, Msg, Event>) {
        let t = self.pool.finish(now);
        self.rows.extend(self.pool.take_rows());
        self.totals = Some(t);
    }

    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if let Some(t) = &self.totals {
            let name = &self.pool.spec().name;
            if t.gave_up > 0 {
                p.push(format!(
                    "service {name}: {} requests lost (callers gave up)",
                    t.gave_up
                ));
            }
            // Served requests are delivered, or wait at the stop for an earlier one of
            // their booking still inside.
            let waiting = self.waiting.len() as u64;
            if t.completed != self.delivered + waiting || t.completed + t.in_flight != t.requests {
                p.push(format!(
                    "service {name}: {} requests, {} completed, {} delivered, {waiting} waiting, {} in flight",
                    t.requests, t.completed, self.delivered, t.in_flight
                ));
            }
        }
        p.extend(self.misrouted.problem("a service"));
        p
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests;
