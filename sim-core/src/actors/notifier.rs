//! The notifier actor: takes notices from the business (vehicles, the dispatcher,
//! customers' bookings), drives the delivery state machine of [`crate::notify::Gateway`]
//! with its own random stream, hands delivered notices to the customer (with a re-quote
//! to answer, if any), reports every notice as it ends, and re-drives dead letters when a
//! scenario says so. A duplicated-trigger fault submits some notices twice: the
//! idempotency key keeps them from being delivered twice.

pub mod msg;

use std::any::Any;
use std::collections::BTreeMap;

use rand::Rng;

use crate::actors::{CustomerMsg, Misrouted, Msg, VehicleMsg};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::ids::ActorId;
use crate::notify::{Effects, Gateway, Notice, NoticeKind, Outcome, Reach, Wake};
use crate::time::{SimDuration, SimTime};
use std::sync::Arc;

pub use msg::{NoticeRequest, NotifierMsg};

/// What the notifier keeps of a notice on its way besides the notice (which the gateway
/// holds): the customer's actor and what comes with it.
#[derive(Clone, Debug)]
struct Pending {
    to: ActorId,
    payload: Option<CustomerMsg>,
    on_fail: Option<(ActorId, VehicleMsg)>,
}

/// The notifier's settings besides the gateway.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotifierConfig {
    /// The run's seed (customers' reach is drawn from it).
    pub seed: u64,
    /// How customers can be reached.
    pub reach: Reach,
    /// A fault: the share of triggers that arrive twice.
    pub duplicate_share: f64,
    /// A fault: the share of triggers that arrive late, and the longest delay (uniform).
    pub delay: (f64, SimDuration),
}

/// The notification gateway actor.
pub struct Notifier {
    gateway: Gateway,
    cfg: NotifierConfig,
    next_id: u64,
    /// Notices on their way, and dead letters kept for a re-drive, by message id.
    pending: BTreeMap<u64, Pending>,
    misrouted: Misrouted,
}

impl Notifier {
    /// A notifier over `gateway`.
    pub fn new(gateway: Gateway, cfg: NotifierConfig) -> Notifier {
        Notifier {
            gateway,
            cfg,
            next_id: 0,
            pending: BTreeMap::new(),
            misrouted: Misrouted::default(),
        }
    }

    /// The gateway (for end-of-run checks and KPIs).
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// A trigger arrives: a delayed-trigger fault may hold it back (it keeps its trigger
    /// time, so its deadline runs meanwhile).
    fn on_trigger(&mut self, now: SimTime, r: Arc<NoticeRequest>, cx: &mut Cx<'_, Msg, Event>) {
        let (share, max) = self.cfg.delay;
        if share > 0.0 && cx.rng().random::<f64>() < share {
            let delay = SimDuration(cx.rng().random_range(0..=max.as_ms()));
            let late = NotifierMsg::Delayed {
                request: r,
                triggered_at: now,
            };
            return cx.send_self(delay, late);
        }
        self.on_notify(now, now, &r, cx);
    }

    fn on_notify(
        &mut self,
        now: SimTime,
        triggered_at: SimTime,
        r: &NoticeRequest,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let notice = Notice {
            id,
            key: r.key().into(),
            key_id: r.key_id(),
            kind: r.kind.index(),
            booking: r.booking,
            customer: r.customer,
            recipient: self.cfg.reach.of(self.cfg.seed, r.customer),
            text: crate::notify::notice::text(r.kind, r.booking, &r.facts).into(),
            created_at: triggered_at,
        };
        let twice =
            self.cfg.duplicate_share > 0.0 && cx.rng().random::<f64>() < self.cfg.duplicate_share;
        let copy = twice.then(|| Notice {
            id: u64::MAX,
            ..notice.clone()
        });
        self.pending.insert(
            id,
            Pending {
                to: r.customer_actor,
                payload: r.payload.clone(),
                on_fail: r.on_fail.clone(),
            },
        );
        let mut fx = Effects::default();
        if !self.gateway.submit(now, notice, cx.rng(), &mut fx) {
            // The business triggered the same notice twice: nothing more to keep.
            self.pending.remove(&id);
        }
        if let Some(copy) = copy {
            // The duplicate carries the same key: the gateway drops it.
            self.gateway.submit(now, copy, cx.rng(), &mut fx);
        }
        self.apply(fx, cx);
    }

    fn on_wake(&mut self, now: SimTime, w: Wake, cx: &mut Cx<'_, Msg, Event>) {
        let mut fx = Effects::default();
        match w {
            Wake::Retry(id) => self.gateway.retry(now, id, cx.rng(), &mut fx),
            Wake::Answer(id, _, answer) => {
                self.gateway.answered(now, id, answer, cx.rng(), &mut fx);
            }
            Wake::Drain(p) => self.gateway.drain(now, p, cx.rng(), &mut fx),
        }
        self.apply(fx, cx);
    }

    /// Schedules the gateway's wakes, hands delivered notices over, reports the ends.
    fn apply(&mut self, fx: Effects, cx: &mut Cx<'_, Msg, Event>) {
        for (delay, w) in fx.wakes {
            cx.send_self(delay, NotifierMsg::Wake(w));
        }
        for f in fx.finals {
            let id = f.notice.id;
            match f.outcome {
                Outcome::Delivered => {
                    if let Some(p) = self.pending.remove(&id) {
                        let notice = CustomerMsg::Notice {
                            booking: f.notice.booking,
                            kind: NoticeKind::ALL[f.notice.kind],
                        };
                        cx.send(p.to, SimDuration::ZERO, notice);
                        if let Some(payload) = p.payload {
                            cx.send(p.to, SimDuration::ZERO, payload);
                        }
                    }
                }
                // Its fallback message goes now; kept for a re-drive if the queue kept it.
                Outcome::DeadLettered => {
                    let fallback = if f.kept {
                        self.pending.get_mut(&id).and_then(|p| p.on_fail.take())
                    } else {
                        self.pending.remove(&id).and_then(|p| p.on_fail)
                    };
                    if let Some((to, m)) = fallback {
                        cx.send(to, SimDuration::ZERO, m);
                    }
                }
                Outcome::Expired | Outcome::Open => {
                    if let Some((to, m)) = self.pending.remove(&id).and_then(|p| p.on_fail) {
                        cx.send(to, SimDuration::ZERO, m);
                    }
                }
            }
            cx.emit(Event::Notification(Box::new(f)));
        }
    }

    fn on_redrive(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let mut fx = Effects::default();
        let n = self.gateway.redrive(now, cx.rng(), &mut fx);
        tracing::info!(at = %now, notices = n, "dead letters re-driven");
        self.apply(fx, cx);
    }
}

impl SimActor<Msg, Event> for Notifier {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => {}
            Msg::Notifier(NotifierMsg::Notify(r)) => self.on_trigger(now, r, cx),
            Msg::Notifier(NotifierMsg::Delayed {
                request,
                triggered_at,
            }) => self.on_notify(now, triggered_at, &request, cx),
            Msg::Notifier(NotifierMsg::Wake(w)) => self.on_wake(now, w, cx),
            Msg::Notifier(NotifierMsg::Redrive) => self.on_redrive(now, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn on_end(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let mut fx = Effects::default();
        self.gateway.close_open(now, &mut fx);
        for f in fx.finals {
            cx.emit(Event::Notification(Box::new(f)));
        }
    }

    fn problems(&self) -> Vec<String> {
        let mut p = self.gateway.counts().problems(self.gateway.in_flight());
        p.extend(self.misrouted.problem("the notifier"));
        p
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
