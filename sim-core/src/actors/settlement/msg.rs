//! Messages to the settlement service.

use crate::engine::TraceHasher;
use crate::ids::BookingId;
use crate::msg::MsgGroup;
use crate::settle::{PgOp, PgReply, SettleWake};
use crate::time::SimTime;

/// What the settlement service receives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SettlementMsg {
    /// A quote was accepted: authorise it.
    Accepted {
        /// Booking.
        booking: BookingId,
        /// The quoted fare, won.
        quote_won: i64,
    },
    /// An approved re-quote raised the fare.
    Raised {
        /// Booking.
        booking: BookingId,
        /// By how much, won.
        delta_won: i64,
    },
    /// The booking ended at `at`: capture `charge_won` (0: void).
    Ended {
        /// Booking.
        booking: BookingId,
        /// When it ended (the event may wait in the inbox while the service is down).
        at: SimTime,
        /// The final charge, won.
        charge_won: i64,
        /// Of it, a partner's add-on fee, won.
        partner_won: i64,
        /// Owed back after the capture (an add-on the partner could not do), won.
        refund_won: i64,
    },
    /// A gateway answer, a retry or the batch is due (sent in `incarnation`).
    Wake {
        /// The incarnation that sent it: a crash makes it stale.
        incarnation: u32,
        /// What is due.
        wake: SettleWake,
    },
    /// A fault: the service crashes now.
    Crash,
    /// The service restarts from its journal.
    Restart,
}

fn op_code(op: PgOp) -> (u8, u64) {
    match op {
        PgOp::Authorise(a) => (0, a as u64),
        PgOp::Capture(c) => (1, c as u64),
        PgOp::Cancel => (2, 0),
        PgOp::Status => (3, 0),
        PgOp::Refund(r) => (4, r as u64),
    }
}

fn encode_reply(r: PgReply, h: &mut TraceHasher) {
    match r {
        PgReply::Ok(p) => {
            let crate::settle::Payment {
                authorised,
                captured,
                cancelled,
                refunded,
            } = p;
            h.u8(0);
            h.u64(authorised as u64);
            h.u64(captured as u64);
            h.u8(u8::from(cancelled));
            h.u64(refunded as u64);
        }
        PgReply::Declined => h.u8(1),
        PgReply::Failed => h.u8(2),
        PgReply::Unknown => h.u8(3),
    }
}

impl MsgGroup for SettlementMsg {
    fn kind(&self) -> &'static str {
        match self {
            SettlementMsg::Accepted { .. } => "settle_accepted",
            SettlementMsg::Raised { .. } => "settle_raised",
            SettlementMsg::Ended { .. } => "settle_ended",
            SettlementMsg::Wake { .. } => "settle_wake",
            SettlementMsg::Crash => "settle_crash",
            SettlementMsg::Restart => "settle_restart",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match *self {
            SettlementMsg::Accepted { booking, quote_won } => {
                h.u32(booking.0);
                h.u64(quote_won as u64);
            }
            SettlementMsg::Raised { booking, delta_won } => {
                h.u32(booking.0);
                h.u64(delta_won as u64);
            }
            SettlementMsg::Ended {
                booking,
                at,
                charge_won,
                partner_won,
                refund_won,
            } => {
                h.u32(booking.0);
                h.u64(at.as_ms());
                h.u64(charge_won as u64);
                h.u64(partner_won as u64);
                h.u64(refund_won as u64);
            }
            SettlementMsg::Wake { incarnation, wake } => {
                h.u32(incarnation);
                match wake {
                    SettleWake::Answer(b, key, op, reply) => {
                        h.u8(0);
                        h.u32(b.0);
                        h.u32(key);
                        let (code, amount) = op_code(op);
                        h.u8(code);
                        h.u64(amount);
                        encode_reply(reply, h);
                    }
                    SettleWake::Retry(b) => {
                        h.u8(1);
                        h.u32(b.0);
                    }
                    SettleWake::Batch => h.u8(2),
                    SettleWake::Payout => h.u8(3),
                }
            }
            SettlementMsg::Crash | SettlementMsg::Restart => {}
        }
    }

    fn detail(&self) -> String {
        match *self {
            SettlementMsg::Accepted { booking, quote_won } => format!("{booking} hold {quote_won}"),
            SettlementMsg::Raised { booking, delta_won } => format!("{booking} +{delta_won}"),
            SettlementMsg::Ended {
                booking,
                charge_won,
                partner_won,
                ..
            } => format!("{booking} charge {charge_won} (partner {partner_won})"),
            SettlementMsg::Wake { incarnation, wake } => match wake {
                SettleWake::Answer(b, key, op, reply) => {
                    format!("#{incarnation} {b} {}#{key} -> {reply:?}", op.name())
                }
                SettleWake::Retry(b) => format!("#{incarnation} retry {b}"),
                SettleWake::Batch => format!("#{incarnation} batch"),
                SettleWake::Payout => format!("#{incarnation} payout"),
            },
            SettlementMsg::Crash | SettlementMsg::Restart => String::new(),
        }
    }
}
