//! Messages to a pet.

use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{ActorId, BookingId, VehicleId};
use crate::msg::MsgGroup;
use crate::time::SimDuration;
use crate::welfare::Env;

/// What a pet receives.
#[derive(Clone, Debug)]
pub enum PetMsg {
    /// Boarded a vehicle.
    Boarded {
        /// Booking.
        booking: BookingId,
        /// The vehicle's actor.
        vehicle: ActorId,
        /// The vehicle.
        vehicle_id: VehicleId,
    },
    /// The ride since the last report.
    Ride {
        /// Conditions.
        env: Env,
        /// Time since the last report.
        dt: SimDuration,
    },
    /// Treated at a vet.
    Treated,
    /// Left the vehicle.
    Alighted,
}

impl MsgGroup for PetMsg {
    fn kind(&self) -> &'static str {
        match self {
            PetMsg::Boarded { .. } => "boarded",
            PetMsg::Ride { .. } => "ride",
            PetMsg::Treated => "treated",
            PetMsg::Alighted => "alighted",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            PetMsg::Treated | PetMsg::Alighted => {}
            PetMsg::Boarded {
                booking,
                vehicle,
                vehicle_id,
            } => {
                h.u32(booking.0);
                h.u32(vehicle.0);
                h.u32(vehicle_id.0);
            }
            PetMsg::Ride { env, dt } => {
                env.encode(h);
                h.u64(dt.as_ms());
            }
        }
    }

    fn detail(&self) -> String {
        match self {
            PetMsg::Treated | PetMsg::Alighted => String::new(),
            PetMsg::Boarded {
                booking,
                vehicle_id,
                ..
            } => format!("{booking} {vehicle_id}"),
            PetMsg::Ride { env, dt } => format!(
                "{:.1} C {:.0} % {:.2} m/s2 {} since rest, {dt}",
                env.cabin_temp_c, env.humidity_pct, env.vibration_ms2, env.since_rest
            ),
        }
    }
}
