//! Messages to a customer.

use std::sync::Arc;

use crate::booking::{BookingSpec, Leg};
use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{ActorId, BookingId, VehicleId};
use crate::msg::{spec_detail, Delivery, MsgGroup, QuoteOffer, RequoteReason};
use crate::notify::NoticeKind;
use crate::time::SimTime;

/// What a customer receives.
#[derive(Clone, Debug)]
pub enum CustomerMsg {
    /// A candidate moment of the booking process (thinning).
    DemandTick,
    /// Make this scripted booking now.
    BookScripted(Arc<BookingSpec>),
    /// The upfront quote.
    Quote(QuoteOffer),
    /// No vehicle can serve the booking.
    Rejected {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },
    /// A vehicle is assigned.
    Assigned {
        /// Booking.
        booking: BookingId,
        /// Vehicle.
        vehicle: VehicleId,
        /// Estimated pickup.
        pickup_eta: SimTime,
    },
    /// Time to check whether the pickup is too late.
    PatienceCheck {
        /// Booking.
        booking: BookingId,
    },
    /// Time to check whether the information is stale.
    StaleCheck,
    /// The vehicle is at the door.
    AtPickup {
        /// Booking.
        booking: BookingId,
    },
    /// The pets are aboard.
    PickedUp {
        /// Booking.
        booking: BookingId,
        /// Leg.
        leg: Leg,
    },
    /// Live position / ETA update.
    TripUpdate {
        /// Booking.
        booking: BookingId,
    },
    /// The expected fare changed; approve?
    Requote {
        /// Booking.
        booking: BookingId,
        /// The approved fare so far.
        old_won: i64,
        /// The new expected fare.
        new_won: i64,
        /// Why.
        reason: RequoteReason,
        /// Who asks (the vehicle).
        from: ActorId,
    },
    /// A leg is delivered.
    Delivered(Arc<Delivery>),
    /// The partner service could not be done.
    ServiceFailed {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },
    /// A notice reached the customer (through the notifier).
    Notice {
        /// Booking.
        booking: BookingId,
        /// Kind.
        kind: NoticeKind,
    },
}

impl MsgGroup for CustomerMsg {
    fn kind(&self) -> &'static str {
        match self {
            CustomerMsg::DemandTick => "demand_tick",
            CustomerMsg::BookScripted(_) => "book_scripted",
            CustomerMsg::Quote(_) => "quote",
            CustomerMsg::Rejected { .. } => "rejected",
            CustomerMsg::Assigned { .. } => "assigned",
            CustomerMsg::PatienceCheck { .. } => "patience_check",
            CustomerMsg::StaleCheck => "stale_check",
            CustomerMsg::AtPickup { .. } => "at_pickup",
            CustomerMsg::PickedUp { .. } => "picked_up",
            CustomerMsg::TripUpdate { .. } => "trip_update",
            CustomerMsg::Requote { .. } => "requote",
            CustomerMsg::Delivered(_) => "delivered",
            CustomerMsg::ServiceFailed { .. } => "service_failed",
            CustomerMsg::Notice { .. } => "notice",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            CustomerMsg::DemandTick | CustomerMsg::StaleCheck => {}
            CustomerMsg::BookScripted(s) => s.encode(h),
            CustomerMsg::Quote(q) => q.encode(h),
            CustomerMsg::Rejected { booking, reason }
            | CustomerMsg::ServiceFailed { booking, reason } => {
                h.u32(booking.0);
                h.str(reason);
            }
            CustomerMsg::Assigned {
                booking,
                vehicle,
                pickup_eta,
            } => {
                h.u32(booking.0);
                h.u32(vehicle.0);
                h.u64(pickup_eta.as_ms());
            }
            CustomerMsg::PatienceCheck { booking }
            | CustomerMsg::AtPickup { booking }
            | CustomerMsg::TripUpdate { booking } => h.u32(booking.0),
            CustomerMsg::PickedUp { booking, leg } => {
                h.u32(booking.0);
                h.u8(*leg as u8);
            }
            CustomerMsg::Requote {
                booking,
                old_won,
                new_won,
                reason,
                from,
            } => {
                h.u32(booking.0);
                h.u64(*old_won as u64);
                h.u64(*new_won as u64);
                h.u8(*reason as u8);
                h.u32(from.0);
            }
            CustomerMsg::Delivered(d) => d.encode(h),
            CustomerMsg::Notice { booking, kind } => {
                h.u32(booking.0);
                h.u8(*kind as u8);
            }
        }
    }

    fn detail(&self) -> String {
        match self {
            CustomerMsg::DemandTick | CustomerMsg::StaleCheck => String::new(),
            CustomerMsg::BookScripted(s) => spec_detail(s),
            CustomerMsg::Quote(q) => format!(
                "{} {} won (taxi {}) eta {}",
                q.booking, q.fare_won, q.reference_won, q.pickup_eta
            ),
            CustomerMsg::Rejected { booking, reason }
            | CustomerMsg::ServiceFailed { booking, reason } => format!("{booking} {reason}"),
            CustomerMsg::Assigned {
                booking,
                vehicle,
                pickup_eta,
            } => format!("{booking} {vehicle} eta {pickup_eta}"),
            CustomerMsg::PatienceCheck { booking }
            | CustomerMsg::AtPickup { booking }
            | CustomerMsg::TripUpdate { booking } => booking.to_string(),
            CustomerMsg::PickedUp { booking, leg } => format!("{booking} {leg:?}"),
            CustomerMsg::Requote {
                booking,
                old_won,
                new_won,
                reason,
                ..
            } => format!("{booking} {old_won} -> {new_won} ({})", reason.name()),
            CustomerMsg::Delivered(d) => format!(
                "{} {:?} {:.0} m metered {}",
                d.booking, d.leg, d.distance_m, d.metered_won
            ),
            CustomerMsg::Notice { booking, kind } => format!("{booking} {}", kind.name()),
        }
    }
}
