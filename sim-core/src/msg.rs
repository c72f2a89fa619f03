//! Internal messages between actors (commands), kept apart from outward [`crate::event`]s.
//!
//! ```text
//! Customer --BookingRequest--> Dispatcher --Quote--> Customer --QuoteAnswer--> Dispatcher
//! Customer --CancelBooking/BookingEnded--> Dispatcher
//! Dispatcher --Assign(plan)--> Vehicle, --Assigned--> Customer
//! Vehicle --VehicleStatus--> Dispatcher;  Vehicle --PickedUp/TripUpdate/Requote/Delivered--> Customer
//! Vehicle --Boarded/Ride/Alighted--> Pet --WelfareCritical--> Vehicle
//! Vehicle/Dispatcher --ServiceRequest--> Partner --ServiceDone/ServiceRejected--> requester
//! Traffic --Traffic(speeds)--> Vehicle
//! ```

use std::sync::Arc;

pub use crate::actors::customer::msg::CustomerMsg;
pub use crate::actors::dispatcher::msg::DispatcherMsg;
pub use crate::actors::notifier::msg::{NoticeRequest, NotifierMsg};
pub use crate::actors::partner::msg::{PartnerMsg, ServiceReply};
pub use crate::actors::pet::msg::PetMsg;
pub use crate::actors::settlement::msg::SettlementMsg;
pub use crate::actors::traffic::msg::TrafficMsg;
pub use crate::actors::vehicle::msg::VehicleMsg;
use crate::booking::{BookingSpec, Leg};
use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{BookingId, VehicleId};
use crate::time::SimTime;
use crate::traffic::{Incident, SpeedTable};

/// A change in incidents that comes with a speed update.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentChange {
    /// The incident.
    pub incident: Incident,
    /// True when it started, false when it cleared.
    pub started: bool,
}

/// Speeds in force and what changed, broadcast by traffic to every vehicle.
#[derive(Clone, Debug)]
pub struct TrafficUpdate {
    /// The new speeds.
    pub table: Arc<SpeedTable>,
    /// Incidents that started or cleared with this update (empty for a periodic update).
    pub changes: Arc<[IncidentChange]>,
}

/// An upfront quote.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteOffer {
    /// Booking.
    pub booking: BookingId,
    /// The fare quoted.
    pub fare_won: i64,
    /// The plain taxi fare for the same ride (the customer's reference).
    pub reference_won: i64,
    /// Estimated pickup.
    pub pickup_eta: SimTime,
    /// Predicted distance of the ride(s), m.
    pub distance_m: f64,
    /// Surge multiplier applied.
    pub surge: f64,
    /// Of the fare, the add-on service fee (not transport: customers compare the rest).
    pub addon_fee_won: i64,
}

/// Why a fare is re-quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequoteReason {
    /// A detour around an incident.
    Reroute,
    /// Waiting at the pickup beyond the free minutes.
    Waiting,
    /// A diversion to a vet.
    Diversion,
}

impl RequoteReason {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            RequoteReason::Reroute => "reroute",
            RequoteReason::Waiting => "waiting",
            RequoteReason::Diversion => "diversion",
        }
    }
}

/// What the vehicle reports when a leg's pets are delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Booking.
    pub booking: BookingId,
    /// Leg.
    pub leg: Leg,
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Picked up.
    pub picked_at: SimTime,
    /// Arrived at the drop-off.
    pub dropped_at: SimTime,
    /// Metres ridden.
    pub distance_m: f64,
    /// Seconds waited at the pickup for the pets.
    pub waited_s: u64,
    /// Tolls passed through.
    pub tolls_won: i64,
    /// The leg's meter: metered distance and slow seconds.
    pub metered_m: f64,
    /// Slow seconds.
    pub slow_s: f64,
    /// The leg's metered fare (with the booking's fees).
    pub metered_won: i64,
}

/// Every internal message: one variant per kind of recipient, each a group of that
/// recipient's messages defined in the recipient's own module (its trace encoding and its
/// `events.csv` detail beside it). A new actor adds one group and one variant here.
#[derive(Clone, Debug)]
pub enum Msg {
    /// Sent to every actor at time 0.
    Start,
    /// To the traffic actor.
    Traffic(TrafficMsg),
    /// To a customer.
    Customer(CustomerMsg),
    /// To the dispatcher.
    Dispatcher(DispatcherMsg),
    /// To a vehicle.
    Vehicle(VehicleMsg),
    /// To a pet.
    Pet(PetMsg),
    /// To a partner.
    Partner(PartnerMsg),
    /// To the notification gateway.
    Notifier(NotifierMsg),
    /// To the settlement service.
    Settlement(SettlementMsg),
    /// To whoever asked a partner for a service (a vehicle or the dispatcher; the
    /// dispatcher forwards the start to the customer).
    Reply(ServiceReply),
}

/// What every group of messages provides to [`Msg`].
pub trait MsgGroup {
    /// A short name for traces and `events.csv`, unique across all groups.
    fn kind(&self) -> &'static str;
    /// Feeds the fields to the trace hash (the kind is fed by [`Msg`]); every field of
    /// every variant, destructured so that a new field does not compile until it is
    /// hashed.
    fn encode_fields(&self, h: &mut TraceHasher);
    /// A one-line description for `events.csv` (empty when the kind says it all).
    fn detail(&self) -> String;
}

macro_rules! groups {
    ($($variant:ident($group:ty)),*) => {
        $(impl From<$group> for Msg {
            fn from(m: $group) -> Msg {
                Msg::$variant(m)
            }
        })*

        impl Msg {
            /// The group of the message (`None` for [`Msg::Start`]).
            fn group(&self) -> Option<&dyn MsgGroup> {
                match self {
                    Msg::Start => None,
                    $(Msg::$variant(m) => Some(m),)*
                }
            }
        }
    };
}

groups!(
    Traffic(TrafficMsg),
    Customer(CustomerMsg),
    Dispatcher(DispatcherMsg),
    Vehicle(VehicleMsg),
    Pet(PetMsg),
    Partner(PartnerMsg),
    Notifier(NotifierMsg),
    Settlement(SettlementMsg),
    Reply(ServiceReply)
);

impl Msg {
    /// A short name for traces.
    pub fn kind(&self) -> &'static str {
        self.group().map_or("start", |g| g.kind())
    }

    /// A one-line description for `events.csv`.
    pub fn detail(&self) -> String {
        self.group().map_or_else(String::new, |g| g.detail())
    }
}

impl TraceEncode for Msg {
    fn encode(&self, h: &mut TraceHasher) {
        // The kind's name tags the message, so adding a kind changes nothing before it.
        h.str(self.kind());
        if let Some(g) = self.group() {
            g.encode_fields(h);
        }
    }
}

/// Messages an actor received that were meant for another kind of actor: a model bug,
/// counted (never silently dropped) and reported by the end-of-run invariants.
#[derive(Clone, Debug, Default)]
pub struct Misrouted {
    count: u32,
    first: Option<&'static str>,
}

impl Misrouted {
    /// Counts `msg`, received by the wrong kind of actor.
    pub fn count(&mut self, msg: &Msg) {
        self.count += 1;
        self.first.get_or_insert(msg.kind());
        tracing::error!(
            kind = msg.kind(),
            "a message reached the wrong kind of actor"
        );
    }

    /// The problem to report, if any, for an actor called `who`.
    pub fn problem(&self, who: &str) -> Option<String> {
        let first = self.first?;
        Some(format!(
            "{who} received {} message(s) meant for another kind of actor (first: {first})",
            self.count
        ))
    }
}

impl TraceEncode for QuoteOffer {
    fn encode(&self, h: &mut TraceHasher) {
        let QuoteOffer {
            booking,
            fare_won,
            reference_won,
            pickup_eta,
            distance_m,
            surge,
            addon_fee_won,
        } = self;
        h.u32(booking.0);
        h.u64(*fare_won as u64);
        h.u64(*reference_won as u64);
        h.u64(pickup_eta.as_ms());
        h.f64(*distance_m);
        h.f64(*surge);
        h.u64(*addon_fee_won as u64);
    }
}

impl TraceEncode for Delivery {
    fn encode(&self, h: &mut TraceHasher) {
        let Delivery {
            booking,
            leg,
            vehicle,
            picked_at,
            dropped_at,
            distance_m,
            waited_s,
            tolls_won,
            metered_m,
            slow_s,
            metered_won,
        } = self;
        h.u32(booking.0);
        h.u8(*leg as u8);
        h.u32(vehicle.0);
        h.u64(picked_at.as_ms());
        h.u64(dropped_at.as_ms());
        h.f64(*distance_m);
        h.u64(*waited_s);
        h.u64(*tolls_won as u64);
        h.f64(*metered_m);
        h.f64(*slow_s);
        h.u64(*metered_won as u64);
    }
}

impl TraceEncode for TrafficUpdate {
    fn encode(&self, h: &mut TraceHasher) {
        let TrafficUpdate { table, changes } = self;
        table.encode(h);
        h.u32(changes.len() as u32);
        for c in changes.iter() {
            let IncidentChange { incident, started } = c;
            incident.encode(h);
            h.u8(u8::from(*started));
        }
    }
}

/// A booking's request in `events.csv` (scripted or sent to the dispatcher).
pub(crate) fn spec_detail(s: &BookingSpec) -> String {
    format!(
        "{} {} pets {} -> {} after {}",
        s.booking,
        s.pets.len(),
        s.pickup,
        s.dropoff,
        s.pickup_after
    )
}
