//! Messages to a partner, and its replies to whoever asked for a service.

use std::sync::Arc;

use crate::engine::TraceHasher;
use crate::ids::{ActorId, BookingId};
use crate::msg::MsgGroup;
use crate::time::{SimDuration, SimTime};

/// What a partner receives.
#[derive(Clone, Debug)]
pub enum PartnerMsg {
    /// Serve these pets.
    ServiceRequest {
        /// Booking.
        booking: BookingId,
        /// How long.
        duration: SimDuration,
        /// Who to tell.
        reply_to: ActorId,
        /// An emergency (welfare diversion).
        emergency: bool,
    },
    /// A service ends.
    ServiceEnd {
        /// Booking.
        booking: BookingId,
    },
}

impl MsgGroup for PartnerMsg {
    fn kind(&self) -> &'static str {
        match self {
            PartnerMsg::ServiceRequest { .. } => "service_request",
            PartnerMsg::ServiceEnd { .. } => "service_end",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            PartnerMsg::ServiceRequest {
                booking,
                duration,
                reply_to,
                emergency,
            } => {
                h.u32(booking.0);
                h.u64(duration.as_ms());
                h.u32(reply_to.0);
                h.u8(u8::from(*emergency));
            }
            PartnerMsg::ServiceEnd { booking } => h.u32(booking.0),
        }
    }

    fn detail(&self) -> String {
        match self {
            PartnerMsg::ServiceRequest {
                booking,
                duration,
                emergency,
                ..
            } => format!("{booking} {duration} emergency {emergency}"),
            PartnerMsg::ServiceEnd { booking } => booking.to_string(),
        }
    }
}

/// A partner's answer to whoever asked for a service (a vehicle or the dispatcher, which
/// forwards the start to the customer).
#[derive(Clone, Debug)]
pub enum ServiceReply {
    /// The service started.
    ServiceStarted {
        /// Booking.
        booking: BookingId,
        /// Expected end.
        until: SimTime,
    },
    /// The service is done.
    ServiceDone {
        /// Booking.
        booking: BookingId,
    },
    /// The partner refused the service.
    ServiceRejected {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },
}

impl MsgGroup for ServiceReply {
    fn kind(&self) -> &'static str {
        match self {
            ServiceReply::ServiceStarted { .. } => "service_started",
            ServiceReply::ServiceDone { .. } => "service_done",
            ServiceReply::ServiceRejected { .. } => "service_rejected",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            ServiceReply::ServiceStarted { booking, until } => {
                h.u32(booking.0);
                h.u64(until.as_ms());
            }
            ServiceReply::ServiceDone { booking } => h.u32(booking.0),
            ServiceReply::ServiceRejected { booking, reason } => {
                h.u32(booking.0);
                h.str(reason);
            }
        }
    }

    fn detail(&self) -> String {
        match self {
            ServiceReply::ServiceStarted { booking, until } => format!("{booking} until {until}"),
            ServiceReply::ServiceDone { booking } => booking.to_string(),
            ServiceReply::ServiceRejected { booking, reason } => format!("{booking} {reason}"),
        }
    }
}
