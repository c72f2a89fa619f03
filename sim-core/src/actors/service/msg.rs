//! Messages to a service actor: its own wakes (everything else sent to it is a request).

use crate::actors::Msg;
use crate::engine::{TraceEncode, TraceHasher};
use crate::msg::MsgGroup;
use crate::service::{Req, Wake};

/// What a service sends itself.
#[derive(Clone, Debug)]
pub enum ServiceMsg {
    /// A wake its pool asked for.
    Wake(Wake<Box<Msg>>),
}

fn encode_req(r: &Req<Box<Msg>>, h: &mut TraceHasher) {
    let Req {
        id,
        kind,
        priority,
        attempt,
        first_at,
        arrived,
        payload,
    } = r;
    h.u64(*id);
    h.u8(*kind);
    h.u8(*priority);
    h.u32(*attempt);
    h.u64(first_at.as_ms());
    h.u64(arrived.as_ms());
    payload.encode(h);
}

impl MsgGroup for ServiceMsg {
    fn kind(&self) -> &'static str {
        "service_wake"
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        let ServiceMsg::Wake(w) = self;
        match w {
            Wake::Done {
                inst,
                slot,
                epoch,
                ok,
            } => {
                h.u8(0);
                h.u32(u32::from(*inst));
                h.u32(u32::from(*slot));
                h.u32(*epoch);
                h.u8(u8::from(*ok));
            }
            Wake::Retry(r) => {
                h.u8(1);
                encode_req(r, h);
            }
            Wake::Ready { inst, epoch } => {
                h.u8(2);
                h.u32(u32::from(*inst));
                h.u32(*epoch);
            }
            Wake::Evaluate => h.u8(3),
            Wake::Step(k) => {
                h.u8(4);
                h.u64(*k as u64);
            }
            Wake::Fault(k) => {
                h.u8(5);
                h.u64(*k as u64);
            }
        }
    }

    fn detail(&self) -> String {
        let ServiceMsg::Wake(w) = self;
        match w {
            Wake::Done { inst, slot, ok, .. } => format!("done i{inst} w{slot} ok {ok}"),
            Wake::Retry(r) => format!("retry #{} {} attempt {}", r.id, r.payload.kind(), r.attempt),
            Wake::Ready { inst, .. } => format!("ready i{inst}"),
            Wake::Evaluate => "evaluate".into(),
            Wake::Step(k) => format!("scheduled step {k}"),
            Wake::Fault(k) => format!("fault {k}"),
        }
    }
}
