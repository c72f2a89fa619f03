//! Messages to a vehicle.

use std::sync::Arc;

use crate::booking::PlanStop;
use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{BookingId, PetId};
use crate::msg::{MsgGroup, TrafficUpdate};

/// What a vehicle receives.
#[derive(Clone, Debug)]
pub enum VehicleMsg {
    /// New speeds (and incident changes).
    Traffic(TrafficUpdate),
    /// The new plan.
    Assign {
        /// The stops to drive, in order.
        plan: Arc<[PlanStop]>,
    },
    /// Drop a booking that was not picked up.
    Unassign {
        /// Booking.
        booking: BookingId,
    },
    /// The customer's answer to a re-quote.
    RequoteAnswer {
        /// Booking.
        booking: BookingId,
        /// Approved?
        approved: bool,
        /// The fare approved (or not).
        new_won: i64,
    },
    /// A pet's welfare is critical.
    WelfareCritical {
        /// Booking.
        booking: BookingId,
        /// Pet.
        pet: PetId,
    },
    /// The climate control fails (false) or is repaired (true).
    Hvac {
        /// Working?
        ok: bool,
    },
    /// Report the ride to the pets aboard.
    WelfareTick,
    /// Send live updates to the customers.
    CustomerTick,
    /// The hour is over; report its statistics.
    HourTick,
    /// The current edge should be done (ignored unless `gen` is current).
    EdgeDone {
        /// Timer generation.
        gen: u32,
    },
    /// The current stop is over.
    StopDone {
        /// Timer generation.
        gen: u32,
    },
    /// Report a GPS position.
    PositionTick,
}

impl MsgGroup for VehicleMsg {
    fn kind(&self) -> &'static str {
        match self {
            VehicleMsg::Traffic(_) => "traffic",
            VehicleMsg::Assign { .. } => "assign",
            VehicleMsg::Unassign { .. } => "unassign",
            VehicleMsg::RequoteAnswer { .. } => "requote_answer",
            VehicleMsg::WelfareCritical { .. } => "welfare_critical",
            VehicleMsg::Hvac { .. } => "hvac",
            VehicleMsg::WelfareTick => "welfare_tick",
            VehicleMsg::CustomerTick => "customer_tick",
            VehicleMsg::HourTick => "hour_tick",
            VehicleMsg::EdgeDone { .. } => "edge_done",
            VehicleMsg::StopDone { .. } => "stop_done",
            VehicleMsg::PositionTick => "position_tick",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            VehicleMsg::WelfareTick
            | VehicleMsg::CustomerTick
            | VehicleMsg::HourTick
            | VehicleMsg::PositionTick => {}
            VehicleMsg::Traffic(u) => u.encode(h),
            VehicleMsg::Assign { plan } => {
                h.u32(plan.len() as u32);
                for s in plan.iter() {
                    s.encode(h);
                }
            }
            VehicleMsg::Unassign { booking } => h.u32(booking.0),
            VehicleMsg::RequoteAnswer {
                booking,
                approved,
                new_won,
            } => {
                h.u32(booking.0);
                h.u8(u8::from(*approved));
                h.u64(*new_won as u64);
            }
            VehicleMsg::WelfareCritical { booking, pet } => {
                h.u32(booking.0);
                h.u32(pet.0);
            }
            VehicleMsg::Hvac { ok } => h.u8(u8::from(*ok)),
            VehicleMsg::EdgeDone { gen } | VehicleMsg::StopDone { gen } => h.u32(*gen),
        }
    }

    fn detail(&self) -> String {
        match self {
            VehicleMsg::WelfareTick
            | VehicleMsg::CustomerTick
            | VehicleMsg::HourTick
            | VehicleMsg::PositionTick => String::new(),
            VehicleMsg::Traffic(u) => format!(
                "speeds v{} digest {:016x}{}",
                u.table.version,
                u.table.digest,
                u.changes
                    .iter()
                    .map(|c| format!(" {}{}", c.incident.id, if c.started { "+" } else { "-" }))
                    .collect::<String>()
            ),
            VehicleMsg::Assign { plan } => plan
                .iter()
                .map(|s| format!("{}:{:?}:{:?}@{}", s.booking, s.leg, s.kind, s.node))
                .collect::<Vec<_>>()
                .join(" "),
            VehicleMsg::Unassign { booking } => booking.to_string(),
            VehicleMsg::RequoteAnswer {
                booking,
                approved,
                new_won,
            } => format!("{booking} approved {approved} {new_won}"),
            VehicleMsg::WelfareCritical { booking, pet } => format!("{booking} {pet}"),
            VehicleMsg::Hvac { ok } => format!("ok {ok}"),
            VehicleMsg::EdgeDone { gen } | VehicleMsg::StopDone { gen } => format!("gen {gen}"),
        }
    }
}
