//! The settlement actor: takes the business's money events (a quote accepted, a fare
//! raised, a booking ended), drives the flow of [`crate::settle::Settlement`] against the
//! payment gateway with its own random stream, and reports ledger transfers and
//! settlements as events. A crash loses what is in flight: answers and timers of the
//! crashed incarnation are dropped, and the business's events that arrive while it is
//! down wait in its (durable) inbox until the restart, which resumes from the journal.

pub mod msg;

use std::any::Any;

use crate::actors::{Misrouted, Msg};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::settle::{SettleFx, SettleWake, Settlement};
use crate::time::SimTime;

pub use msg::SettlementMsg;

/// The settlement service.
pub struct SettlementActor {
    flow: Settlement,
    incarnation: u32,
    /// Business events that arrived while down (the durable inbox), bounded by the
    /// outage: replayed in order at the restart.
    inbox: Vec<SettlementMsg>,
    misrouted: Misrouted,
}

impl SettlementActor {
    /// A service running `flow`.
    pub fn new(flow: Settlement) -> SettlementActor {
        SettlementActor {
            flow,
            incarnation: 0,
            inbox: Vec::new(),
            misrouted: Misrouted::default(),
        }
    }

    /// The flow (for end-of-run checks and KPIs).
    pub fn flow(&self) -> &Settlement {
        &self.flow
    }

    fn on_msg(&mut self, now: SimTime, m: SettlementMsg, cx: &mut Cx<'_, Msg, Event>) {
        let mut fx = SettleFx::default();
        match m {
            SettlementMsg::Wake {
                wake: SettleWake::Batch,
                ..
            } => {
                self.flow.batch(now, cx.rng(), &mut fx);
            }
            SettlementMsg::Wake {
                wake: SettleWake::Payout,
                ..
            } => self.flow.payout(now, &mut fx),
            SettlementMsg::Wake { incarnation, .. } if incarnation != self.incarnation => {}
            _ if self.flow.is_down()
                && !matches!(m, SettlementMsg::Restart | SettlementMsg::Wake { .. }) =>
            {
                self.inbox.push(m);
            }
            SettlementMsg::Wake { wake, .. } => self.on_wake(now, wake, cx, &mut fx),
            SettlementMsg::Accepted { booking, quote_won } => {
                self.flow
                    .accepted(now, booking, quote_won, cx.rng(), &mut fx);
            }
            SettlementMsg::Raised { booking, delta_won } => {
                self.flow.raised(now, booking, delta_won, cx.rng(), &mut fx);
            }
            SettlementMsg::Ended {
                booking,
                at,
                charge_won,
                partner_won,
                refund_won,
            } => {
                let charge = (charge_won, partner_won, refund_won);
                self.flow
                    .ended(now, (booking, at), charge, cx.rng(), &mut fx);
            }
            SettlementMsg::Crash => {
                tracing::info!(at = %now, "the settlement service crashes");
                self.flow.crash();
                self.incarnation += 1;
            }
            SettlementMsg::Restart => {
                if !self.flow.is_down() {
                    return;
                }
                tracing::info!(at = %now, waiting = self.inbox.len(), "the settlement service restarts");
                self.flow.restart(now, cx.rng(), &mut fx);
                self.apply(fx, cx);
                for m in std::mem::take(&mut self.inbox) {
                    self.on_msg(now, m, cx);
                }
                return;
            }
        }
        self.apply(fx, cx);
    }

    fn on_wake(
        &mut self,
        now: SimTime,
        wake: SettleWake,
        cx: &mut Cx<'_, Msg, Event>,
        fx: &mut SettleFx,
    ) {
        if self.flow.is_down() {
            return;
        }
        match wake {
            SettleWake::Answer(b, key, op, reply) => {
                self.flow.answered(now, (b, key, op, reply), cx.rng(), fx);
            }
            SettleWake::Retry(b) => self.flow.retry(now, b, cx.rng(), fx),
            SettleWake::Batch | SettleWake::Payout => {}
        }
    }

    fn apply(&mut self, fx: SettleFx, cx: &mut Cx<'_, Msg, Event>) {
        for (delay, wake) in fx.wakes {
            let incarnation = self.incarnation;
            cx.send_self(delay, SettlementMsg::Wake { incarnation, wake });
        }
        for (t, created) in fx.transfers {
            cx.emit(Event::Transfer(Box::new((t, created))));
        }
        for s in fx.settled {
            cx.emit(Event::Settled(Box::new(s)));
        }
    }
}

impl SimActor<Msg, Event> for SettlementActor {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => {
                let incarnation = self.incarnation;
                if let crate::settle::Mode::Batch(every) = self.flow.mode() {
                    let wake = SettleWake::Batch;
                    cx.send_self(every, SettlementMsg::Wake { incarnation, wake });
                }
                if let Some(every) = self.flow.payout_every() {
                    let wake = SettleWake::Payout;
                    cx.send_self(every, SettlementMsg::Wake { incarnation, wake });
                }
            }
            Msg::Settlement(m) => self.on_msg(now, m, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn on_end(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let mut fx = SettleFx::default();
        self.flow.close_open(now, &mut fx);
        for s in fx.settled {
            cx.emit(Event::Settled(Box::new(s)));
        }
    }

    fn problems(&self) -> Vec<String> {
        let mut p = self.flow.problems();
        p.extend(self.misrouted.problem("the settlement service"));
        p
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
