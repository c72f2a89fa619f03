//! Messages to the dispatcher.

use std::sync::Arc;

use crate::booking::{BookingSpec, Leg, VehicleView};
use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{BookingId, VehicleId};
use crate::msg::{spec_detail, MsgGroup};

/// What the dispatcher receives.
#[derive(Clone, Debug)]
pub enum DispatcherMsg {
    /// A new booking.
    BookingRequest(Arc<BookingSpec>),
    /// The customer's answer to the quote.
    QuoteAnswer {
        /// Booking.
        booking: BookingId,
        /// Accepted?
        accepted: bool,
    },
    /// The customer cancels.
    CancelBooking {
        /// Booking.
        booking: BookingId,
    },
    /// The booking reached its final state; forget it.
    BookingEnded {
        /// Booking.
        booking: BookingId,
    },
    /// A vehicle's state.
    VehicleStatus {
        /// Vehicle.
        vehicle: VehicleId,
        /// What dispatch needs to know.
        view: Arc<VehicleView>,
    },
    /// Assign the pending bookings (batch mode) and retry returns.
    BatchTick,
    /// A vehicle could not take a booking's pets aboard after all (its plan changed under
    /// a plan that was in flight); assign the leg again.
    Bounce {
        /// Booking.
        booking: BookingId,
        /// Leg.
        leg: Leg,
        /// Vehicle.
        vehicle: VehicleId,
    },
}

impl MsgGroup for DispatcherMsg {
    fn kind(&self) -> &'static str {
        match self {
            DispatcherMsg::BookingRequest(_) => "booking_request",
            DispatcherMsg::QuoteAnswer { .. } => "quote_answer",
            DispatcherMsg::CancelBooking { .. } => "cancel_booking",
            DispatcherMsg::BookingEnded { .. } => "booking_ended",
            DispatcherMsg::VehicleStatus { .. } => "vehicle_status",
            DispatcherMsg::BatchTick => "batch_tick",
            DispatcherMsg::Bounce { .. } => "bounce",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            DispatcherMsg::BatchTick => {}
            DispatcherMsg::BookingRequest(s) => s.encode(h),
            DispatcherMsg::QuoteAnswer { booking, accepted } => {
                h.u32(booking.0);
                h.u8(u8::from(*accepted));
            }
            DispatcherMsg::CancelBooking { booking } | DispatcherMsg::BookingEnded { booking } => {
                h.u32(booking.0)
            }
            DispatcherMsg::VehicleStatus { vehicle, view } => {
                h.u32(vehicle.0);
                view.encode(h);
            }
            DispatcherMsg::Bounce {
                booking,
                leg,
                vehicle,
            } => {
                h.u32(booking.0);
                h.u8(*leg as u8);
                h.u32(vehicle.0);
            }
        }
    }

    fn detail(&self) -> String {
        match self {
            DispatcherMsg::BatchTick => String::new(),
            DispatcherMsg::BookingRequest(s) => spec_detail(s),
            DispatcherMsg::QuoteAnswer { booking, accepted } => {
                format!("{booking} accepted {accepted}")
            }
            DispatcherMsg::CancelBooking { booking } | DispatcherMsg::BookingEnded { booking } => {
                booking.to_string()
            }
            DispatcherMsg::VehicleStatus { vehicle, view } => format!(
                "{vehicle} at {} {} stops {} aboard",
                view.node,
                view.plan.len(),
                view.aboard.len()
            ),
            DispatcherMsg::Bounce {
                booking,
                leg,
                vehicle,
            } => format!("{booking} {leg:?} {vehicle}"),
        }
    }
}
