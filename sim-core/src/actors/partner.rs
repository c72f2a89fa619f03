//! A partner (vet clinic, groomer, pet hotel): serves up to `capacity` bookings at once
//! during its opening hours; a full partner queues (up to twice its capacity) and then
//! refuses; a closed one refuses, except an open emergency vet.

pub mod msg;

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use crate::actors::{Misrouted, Msg, PartnerMsg, ServiceReply};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::ids::{ActorId, BookingId, NodeId, PartnerId};
use crate::time::{SimDuration, SimTime};

/// Kind of partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartnerKind {
    /// Vet clinic.
    Vet,
    /// Groomer.
    Groomer,
    /// Pet hotel.
    Hotel,
}

impl PartnerKind {
    /// Name in data files.
    pub fn name(self) -> &'static str {
        match self {
            PartnerKind::Vet => "vet",
            PartnerKind::Groomer => "groomer",
            PartnerKind::Hotel => "hotel",
        }
    }
}

/// A partner as others know it.
#[derive(Clone, Debug, PartialEq)]
pub struct PartnerInfo {
    /// Id.
    pub id: PartnerId,
    /// Its actor.
    pub actor: ActorId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Where.
    pub node: NodeId,
    /// Pets served at once.
    pub capacity: u32,
    /// Opens, minutes after midnight.
    pub opens_min: u32,
    /// Closes, minutes after midnight (1440 = midnight).
    pub closes_min: u32,
}

impl PartnerInfo {
    /// Whether it is open at `t`.
    pub fn is_open(&self, t: SimTime) -> bool {
        let m = (t.ms_of_day() / 60_000) as u32;
        if self.opens_min <= self.closes_min {
            (self.opens_min..self.closes_min).contains(&m)
        } else {
            m >= self.opens_min || m < self.closes_min
        }
    }
}

/// A partner.
pub struct Partner {
    info: PartnerInfo,
    serving: Vec<(BookingId, ActorId)>,
    queue: VecDeque<(BookingId, SimDuration, ActorId)>,
    served: u32,
    misrouted: Misrouted,
}

impl Partner {
    /// An idle partner.
    pub fn new(info: PartnerInfo) -> Partner {
        Partner {
            info,
            serving: Vec::new(),
            queue: VecDeque::new(),
            served: 0,
            misrouted: Misrouted::default(),
        }
    }

    fn refuse(
        &self,
        booking: BookingId,
        reply_to: ActorId,
        why: &str,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let reason: Arc<str> = format!("{} {why}", self.info.name).into();
        cx.send(
            reply_to,
            SimDuration::ZERO,
            ServiceReply::ServiceRejected { booking, reason },
        );
        cx.emit(Event::PartnerBusy {
            partner: self.info.id,
            booking,
            queued: false,
        });
    }

    /// Services finished.
    pub fn served(&self) -> u32 {
        self.served
    }
}

impl Partner {
    fn on_msg(&mut self, now: SimTime, msg: PartnerMsg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            PartnerMsg::ServiceRequest {
                booking,
                duration,
                reply_to,
                emergency,
            } => {
                if !self.info.is_open(now) && !emergency {
                    self.refuse(booking, reply_to, "is closed at this hour", cx);
                } else if (self.serving.len() as u32) < self.info.capacity {
                    self.serving.push((booking, reply_to));
                    cx.send(
                        reply_to,
                        SimDuration::ZERO,
                        ServiceReply::ServiceStarted {
                            booking,
                            until: now + duration,
                        },
                    );
                    cx.send_self(duration, PartnerMsg::ServiceEnd { booking });
                } else if (self.queue.len() as u32) < 2 * self.info.capacity {
                    self.queue.push_back((booking, duration, reply_to));
                    cx.emit(Event::PartnerBusy {
                        partner: self.info.id,
                        booking,
                        queued: true,
                    });
                } else {
                    self.refuse(booking, reply_to, "is full", cx);
                }
            }
            PartnerMsg::ServiceEnd { booking } => {
                if let Some(i) = self.serving.iter().position(|s| s.0 == booking) {
                    let (_, reply_to) = self.serving.remove(i);
                    self.served += 1;
                    cx.send(
                        reply_to,
                        SimDuration::ZERO,
                        ServiceReply::ServiceDone { booking },
                    );
                }
                if let Some((b, d, r)) = self.queue.pop_front() {
                    self.serving.push((b, r));
                    cx.send(
                        r,
                        SimDuration::ZERO,
                        ServiceReply::ServiceStarted {
                            booking: b,
                            until: now + d,
                        },
                    );
                    cx.send_self(d, PartnerMsg::ServiceEnd { booking: b });
                }
            }
        }
    }
}

impl SimActor<Msg, Event> for Partner {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => {}
            Msg::Partner(m) => self.on_msg(now, m, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn problems(&self) -> Vec<String> {
        (self
            .misrouted
            .problem(&format!("partner {}", self.info.name))
            .into_iter())
        .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::VehicleMsg;
    use crate::engine::Outbox;
    use crate::ids::{NodeId, PartnerId};
    use crate::rng::{actor_rng, ActorKind};

    fn vet(capacity: u32) -> Partner {
        Partner::new(PartnerInfo {
            id: PartnerId(0),
            actor: ActorId(7),
            name: "Test vet".into(),
            kind: PartnerKind::Vet,
            node: NodeId(0),
            capacity,
            opens_min: 9 * 60,
            closes_min: 18 * 60,
        })
    }

    /// Hands `msg` to `partner` at `now` through a [`Cx`], returning what it sent.
    fn deliver(partner: &mut Partner, now: SimTime, msg: impl Into<Msg>) -> Outbox<Msg, Event> {
        let mut out = Outbox::default();
        let mut rng = actor_rng(1, ActorKind::Partner, 0);
        let mut cx = Cx::new(now, ActorId(7), 0, &mut rng, &mut out);
        partner.handle(now, msg.into(), &mut cx);
        out
    }

    fn request(booking: u32) -> PartnerMsg {
        PartnerMsg::ServiceRequest {
            booking: BookingId(booking),
            duration: SimDuration::from_mins(30),
            reply_to: ActorId(3),
            emergency: false,
        }
    }

    #[test]
    fn a_request_is_started_queued_or_refused_and_answered_to_the_requester() {
        let mut p = vet(1);
        let ten = SimTime::from_day_hms(0, 10, 0, 0);
        let out = deliver(&mut p, ten, request(1));
        let kinds: Vec<_> = out.sends.iter().map(|o| (o.to, o.msg.kind())).collect();
        assert_eq!(
            kinds,
            [(ActorId(3), "service_started"), (ActorId(7), "service_end")]
        );
        assert_eq!(out.sends[1].delay, SimDuration::from_mins(30));
        // Busy: the queue holds twice the capacity, so the second and third wait (a
        // `PartnerBusy` event, no reply yet) and the fourth is refused.
        assert!(deliver(&mut p, ten, request(2)).sends.is_empty());
        assert!(deliver(&mut p, ten, request(3)).sends.is_empty());
        let refused = deliver(&mut p, ten, request(4));
        assert_eq!(refused.sends[0].msg.kind(), "service_rejected");
        assert_eq!(refused.sends[0].msg.detail(), "B4 Test vet is full");
        // The end of the first starts the next in line.
        let end = deliver(
            &mut p,
            ten + SimDuration::from_mins(30),
            PartnerMsg::ServiceEnd {
                booking: BookingId(1),
            },
        );
        let kinds: Vec<_> = end.sends.iter().map(|o| o.msg.kind()).collect();
        assert_eq!(kinds, ["service_done", "service_started", "service_end"]);
        assert_eq!(p.served(), 1);
        // Closed at night, unless an emergency.
        let night = SimTime::from_day_hms(0, 23, 0, 0);
        assert_eq!(
            deliver(&mut vet(1), night, request(5)).sends[0].msg.kind(),
            "service_rejected"
        );
        assert!(p.problems().is_empty());
    }

    #[test]
    fn a_message_for_another_kind_of_actor_is_counted_and_reported_not_dropped() {
        let mut p = vet(1);
        let out = deliver(&mut p, SimTime::ZERO, VehicleMsg::HourTick);
        assert!(out.sends.is_empty() && out.events.is_empty());
        deliver(&mut p, SimTime::ZERO, VehicleMsg::PositionTick);
        assert_eq!(
            p.problems(),
            [
                "partner Test vet received 2 message(s) meant for another kind of actor \
              (first: hour_tick)"
            ]
        );
    }
}
