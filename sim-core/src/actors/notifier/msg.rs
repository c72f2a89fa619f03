//! Messages to the notifier.

use std::sync::Arc;

use crate::actors::{CustomerMsg, VehicleMsg};
use crate::engine::TraceHasher;
use crate::ids::{ActorId, BookingId, CustomerId};
use crate::msg::MsgGroup;
use crate::notify::{Facts, NoticeKind, Wake};

/// A notice the business asks for.
#[derive(Clone, Debug)]
pub struct NoticeRequest {
    /// Kind.
    pub kind: NoticeKind,
    /// Booking.
    pub booking: BookingId,
    /// Customer.
    pub customer: CustomerId,
    /// The customer's actor.
    pub customer_actor: ActorId,
    /// Tells notices of one kind and booking apart (a leg, the minute of an ETA): with
    /// them, the idempotency key.
    pub seq: u32,
    /// What the text says.
    pub facts: Facts,
    /// Delivered to the customer with the notice (a re-quote to answer).
    pub payload: Option<CustomerMsg>,
    /// Sent if the notice ends undelivered (a re-quote nobody could approve).
    pub on_fail: Option<(ActorId, VehicleMsg)>,
}

impl NoticeRequest {
    /// The idempotency key: the same logical message always has the same key.
    pub fn key(&self) -> String {
        format!("{}-{}-{}", self.booking, self.kind.name(), self.seq)
    }

    /// The key as a number, one-to-one with [`NoticeRequest::key`] for sequence numbers
    /// under 2^28: booking (32 bits), kind (4 bits), sequence (28 bits).
    pub fn key_id(&self) -> u64 {
        (u64::from(self.booking.0) << 32)
            | ((self.kind as u64) << 28)
            | u64::from(self.seq & 0x0fff_ffff)
    }
}

/// What the notifier receives.
#[derive(Clone, Debug)]
pub enum NotifierMsg {
    /// Send a notice.
    Notify(Arc<NoticeRequest>),
    /// A retry, a provider's answer or a provider's queue is due.
    Wake(Wake),
    /// Send the dead letters again (a scripted operation).
    Redrive,
    /// A trigger held back by a delayed-message fault, arriving now.
    Delayed {
        /// The notice asked for.
        request: Arc<NoticeRequest>,
        /// When the business triggered it.
        triggered_at: crate::time::SimTime,
    },
}

fn encode_group(m: &dyn MsgGroup, h: &mut TraceHasher) {
    h.str(m.kind());
    m.encode_fields(h);
}

impl MsgGroup for NotifierMsg {
    fn kind(&self) -> &'static str {
        match self {
            NotifierMsg::Notify(_) => "notify",
            NotifierMsg::Wake(_) => "notifier_wake",
            NotifierMsg::Redrive => "redrive_notifications",
            NotifierMsg::Delayed { .. } => "notify_delayed",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            NotifierMsg::Delayed {
                request,
                triggered_at,
            } => {
                h.u64(triggered_at.as_ms());
                NotifierMsg::Notify(request.clone()).encode_fields(h);
            }
            NotifierMsg::Notify(r) => {
                let NoticeRequest {
                    kind,
                    booking,
                    customer,
                    customer_actor,
                    seq,
                    facts,
                    payload,
                    on_fail,
                } = r.as_ref();
                let Facts { at, won, vehicle } = facts;
                h.u8(*kind as u8);
                h.u32(booking.0);
                h.u32(customer.0);
                h.u32(customer_actor.0);
                h.u32(*seq);
                h.u64(at.map_or(u64::MAX, |t| t.as_ms()));
                h.u64(won[0] as u64);
                h.u64(won[1] as u64);
                h.u32(vehicle.map_or(u32::MAX, |v| v.0));
                h.u8(u8::from(payload.is_some()));
                if let Some(p) = payload {
                    encode_group(p, h);
                }
                h.u8(u8::from(on_fail.is_some()));
                if let Some((to, m)) = on_fail {
                    h.u32(to.0);
                    encode_group(m, h);
                }
            }
            NotifierMsg::Wake(w) => match w {
                Wake::Retry(id) => {
                    h.u8(0);
                    h.u64(*id);
                }
                Wake::Answer(id, attempt, a) => {
                    h.u8(1);
                    h.u64(*id);
                    h.u32(*attempt);
                    h.u64(a.after.as_ms());
                    h.u8(a.error.map_or(u8::MAX, |e| e as u8));
                }
                Wake::Drain(p) => {
                    h.u8(2);
                    h.u32(*p as u32);
                }
            },
            NotifierMsg::Redrive => {}
        }
    }

    fn detail(&self) -> String {
        match self {
            NotifierMsg::Notify(r) => format!("{} {} #{}", r.booking, r.kind.name(), r.seq),
            NotifierMsg::Wake(Wake::Retry(id)) => format!("retry n{id}"),
            NotifierMsg::Wake(Wake::Answer(id, attempt, a)) => format!(
                "answer n{id} attempt {attempt} {}",
                a.error.map_or("ok", |e| e.name())
            ),
            NotifierMsg::Wake(Wake::Drain(p)) => format!("drain provider {p}"),
            NotifierMsg::Redrive => String::new(),
            NotifierMsg::Delayed {
                request,
                triggered_at,
            } => format!(
                "{} {} #{} triggered {triggered_at}",
                request.booking,
                request.kind.name(),
                request.seq
            ),
        }
    }
}
