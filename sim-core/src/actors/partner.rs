//! A partner (vet clinic, groomer, pet hotel): serves up to `capacity` bookings at once
//! during its opening hours; a full partner queues (up to twice its capacity) and then
//! refuses; a closed one refuses, except an open emergency vet.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::ids::{ActorId, BookingId, NodeId, PartnerId};
use crate::msg::Msg;
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
}

impl Partner {
    /// An idle partner.
    pub fn new(info: PartnerInfo) -> Partner {
        Partner {
            info,
            serving: Vec::new(),
            queue: VecDeque::new(),
            served: 0,
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
            Msg::ServiceRejected { booking, reason },
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

impl SimActor<Msg, Event> for Partner {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::ServiceRequest {
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
                        Msg::ServiceStarted {
                            booking,
                            until: now + duration,
                        },
                    );
                    cx.send_self(duration, Msg::ServiceEnd { booking });
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
            Msg::ServiceEnd { booking } => {
                if let Some(i) = self.serving.iter().position(|s| s.0 == booking) {
                    let (_, reply_to) = self.serving.remove(i);
                    self.served += 1;
                    cx.send(reply_to, SimDuration::ZERO, Msg::ServiceDone { booking });
                }
                if let Some((b, d, r)) = self.queue.pop_front() {
                    self.serving.push((b, r));
                    cx.send(
                        r,
                        SimDuration::ZERO,
                        Msg::ServiceStarted {
                            booking: b,
                            until: now + d,
                        },
                    );
                    cx.send_self(d, Msg::ServiceEnd { booking: b });
                }
            }
            Msg::Start => {}
            other => debug_assert!(false, "partner got {}", other.kind()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
