//! The service actor through a [`Cx`]: requests queue for a worker, reach the business
//! actor only when served, and a crash sends them back to be retried, never lost.

use super::*;
use crate::actors::SettlementMsg;
use crate::engine::Outbox;
use crate::ids::BookingId;
use crate::service::{Fault, Role};

const ME: ActorId = ActorId(9);
const TARGET: ActorId = ActorId(4);

fn deliver(s: &mut ServiceActor, now: SimTime, msg: impl Into<Msg>) -> Outbox<Msg, Event> {
    let mut out = Outbox::default();
    let mut rng = actor_rng(1, ActorKind::Service, 0);
    let mut cx = Cx::new(now, ME, 0, &mut rng, &mut out);
    s.handle(now, msg.into(), &mut cx);
    out
}

fn accepted(b: u32) -> SettlementMsg {
    SettlementMsg::Accepted {
        booking: BookingId(b),
        quote_won: 30_000,
    }
}

/// Delivers every wake the actor sent itself, in time order, until none is left;
/// returns what reached the target, with when.
fn drain(s: &mut ServiceActor, mut pending: Vec<(SimTime, Msg)>) -> Vec<(SimTime, Msg)> {
    let mut to_target = Vec::new();
    while !pending.is_empty() {
        pending.sort_by_key(|(t, _)| *t);
        let (t, m) = pending.remove(0);
        for o in deliver(s, t, m).sends {
            if o.to == ME {
                pending.push((t + o.delay, o.msg));
            } else {
                assert_eq!(o.to, TARGET);
                to_target.push((t + o.delay, o.msg));
            }
        }
    }
    to_target
}

#[test]
fn a_request_reaches_the_target_after_queueing_and_service() {
    let mut spec = ServiceSpec::simple(Role::Settlement, 1, 1, 1.0);
    spec.default_service = crate::service::Dist::Const { ms: 400.0 };
    let mut s = ServiceActor::new(spec, TARGET, 1, 0);
    let t0 = SimTime::from_day_hms(0, 10, 0, 0);
    let mut wakes = Vec::new();
    for b in 1..=3 {
        let out = deliver(&mut s, t0, accepted(b));
        assert!(
            out.sends.iter().all(|o| o.to == ME),
            "nothing passes before service"
        );
        wakes.extend(out.sends.into_iter().map(|o| (t0 + o.delay, o.msg)));
    }
    assert_eq!(wakes.len(), 1, "one worker: the other two queue");
    let got = drain(&mut s, wakes);
    let times: Vec<u64> = got.iter().map(|(t, _)| (*t - t0).as_ms()).collect();
    assert_eq!(times, [400, 800, 1200]);
    assert_eq!(got[2].1.detail(), "B3 hold 30000");
}

#[test]
fn a_crash_sends_requests_back_and_each_arrives_once() {
    let t0 = SimTime::from_day_hms(0, 10, 0, 0);
    let mut spec = ServiceSpec::simple(Role::Settlement, 2, 1, 1.0);
    spec.default_service = crate::service::Dist::Const { ms: 1_000.0 };
    spec.faults.push(Fault::Crash {
        at: t0 + SimDuration(500),
        instance: 0,
        restart_after: SimDuration::from_mins(1),
    });
    let mut s = ServiceActor::new(spec, TARGET, 1, 0);
    let start = deliver(&mut s, SimTime::ZERO, Msg::Start);
    let mut pending: Vec<(SimTime, Msg)> = start
        .sends
        .into_iter()
        .map(|o| (SimTime::ZERO + o.delay, o.msg))
        .collect();
    for b in 1..=6 {
        let out = deliver(&mut s, t0, accepted(b));
        pending.extend(out.sends.into_iter().map(|o| (t0 + o.delay, o.msg)));
    }
    let got = drain(&mut s, pending);
    let mut books: Vec<String> = got.iter().map(|(_, m)| m.detail()).collect();
    books.sort();
    assert_eq!(books.len(), 6, "nothing lost, nothing doubled: {books:?}");
    books.dedup();
    assert_eq!(books.len(), 6);
    let mut out = Outbox::default();
    let mut rng = actor_rng(1, ActorKind::Service, 0);
    let end = t0 + SimDuration::from_mins(10);
    s.on_end(end, &mut Cx::new(end, ME, 0, &mut rng, &mut out));
    let t = s.totals().expect("ended");
    assert!(t.resets > 0, "the crash caught requests: {t:?}");
    assert_eq!((t.requests, t.completed, t.in_flight), (6, 6, 0));
    assert!(s.problems().is_empty());
}

#[test]
fn requests_about_one_booking_arrive_in_the_order_sent() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 1, 2, 1.0);
    spec.kinds = vec![
        crate::service::Kind {
            name: "cancel_booking".into(),
            service: crate::service::Dist::Const { ms: 900.0 },
            priority: 1,
        },
        crate::service::Kind {
            name: "booking_ended".into(),
            service: crate::service::Dist::Const { ms: 100.0 },
            priority: 1,
        },
    ];
    let mut s = ServiceActor::new(spec, TARGET, 1, 0);
    let t0 = SimTime::from_day_hms(0, 13, 27, 58);
    let b = BookingId(1993);
    let mut pending = Vec::new();
    for m in [
        crate::actors::DispatcherMsg::CancelBooking { booking: b },
        crate::actors::DispatcherMsg::BookingEnded { booking: b },
    ] {
        let out = deliver(&mut s, t0, m);
        pending.extend(out.sends.into_iter().map(|o| (t0 + o.delay, o.msg)));
    }
    let got = drain(&mut s, pending);
    let kinds: Vec<(u64, &str)> = got
        .iter()
        .map(|(t, m)| ((*t - t0).as_ms(), m.kind()))
        .collect();
    assert_eq!(kinds, [(900, "cancel_booking"), (900, "booking_ended")]);
    assert!(
        s.order.is_empty() && s.waiting.is_empty(),
        "nothing kept after delivery"
    );
}
