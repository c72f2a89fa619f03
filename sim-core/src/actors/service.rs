//! The service actor: a back end with finite capacity in front of a business actor (the
//! booking API before the dispatcher, the notification dispatcher before the notifier,
//! the settlement processor before the settlement service). Every message sent to it
//! is a request: it queues for a worker of an instance in its [`Pool`], is served (and
//! makes its downstream call), and only then reaches the business actor. Rejected,
//! shed, timed-out and crashed requests are retried by their callers (the pool's
//! backoff), so nothing is lost; each request is delivered once.

pub mod msg;

use std::any::Any;

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
    misrouted: Misrouted,
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
        let req = Req {
            id: self.next_id,
            kind,
            priority,
            attempt: 0,
            first_at: now,
            arrived: now,
            payload: Box::new(msg),
        };
        let mut fx = Fx::default();
        self.pool.arrive(now, req, &mut fx);
        self.apply(fx, cx);
    }

    fn apply(&mut self, fx: Fx<Box<Msg>>, cx: &mut Cx<'_, Msg, Event>) {
        for (delay, w) in fx.wakes {
            cx.send_self(delay, ServiceMsg::Wake(w));
        }
        for req in fx.done {
            self.delivered += 1;
            cx.send(self.target, SimDuration::ZERO, *req.payload);
        }
        // A fleet run's callers never give up (validated): nothing to hand back.
        debug_assert!(fx.gave_up.is_empty());
        self.rows.extend(self.pool.take_rows());
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
            if t.completed != self.delivered || t.completed + t.in_flight != t.requests {
                p.push(format!(
                    "service {name}: {} requests, {} completed, {} delivered, {} in flight",
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
