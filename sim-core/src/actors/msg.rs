//! Every internal message, by kind of recipient: [`Msg`] gathers the groups each actor
//! defines in its own module (`actors/<actor>/msg.rs`), and [`Misrouted`] counts what
//! reaches the wrong kind of actor.
//!
//! ```text
//! Customer --BookingRequest--> Dispatcher --Quote--> Customer --QuoteAnswer--> Dispatcher
//! Customer --CancelBooking/BookingEnded--> Dispatcher
//! Dispatcher --Assign(plan)--> Vehicle, --Assigned--> Customer
//! Vehicle --VehicleStatus--> Dispatcher;  Vehicle --PickedUp/TripUpdate/Requote/Delivered--> Customer
//! Vehicle --Boarded/Ride/Alighted--> Pet --WelfareCritical--> Vehicle
//! Vehicle/Dispatcher --ServiceRequest--> Partner --ServiceDone/ServiceRejected--> requester
//! Traffic --Traffic(speeds)--> Vehicle
//! Vehicle/Dispatcher/Customer --Notify--> Notifier --Notice (+ re-quote)--> Customer
//! Customer --Accepted/Raised/Ended--> Settlement
//! ```

use super::customer::msg::CustomerMsg;
use super::dispatcher::msg::DispatcherMsg;
use super::notifier::msg::NotifierMsg;
use super::partner::msg::{PartnerMsg, ServiceReply};
use super::pet::msg::PetMsg;
use super::service::msg::ServiceMsg;
use super::settlement::msg::SettlementMsg;
use super::traffic::msg::TrafficMsg;
use super::vehicle::msg::VehicleMsg;
use crate::engine::{TraceEncode, TraceHasher};
use crate::msg::MsgGroup;

macro_rules! groups {
    ($($(#[$doc:meta])* $variant:ident($group:ty)),* $(,)?) => {
        /// Every internal message: one variant per kind of recipient, each a group of that
        /// recipient's messages defined in the recipient's own module (its trace encoding and
        /// its `events.csv` detail beside it). A new actor adds one line to `groups!` below.
        #[derive(Clone, Debug)]
        pub enum Msg {
            /// Sent to every actor at time 0.
            Start,
            $($(#[$doc])* $variant($group),)*
        }

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
    /// A back-end service's own wakes (what else reaches it is a request).
    Service(ServiceMsg),
    /// To whoever asked a partner for a service (a vehicle or the dispatcher; the
    /// dispatcher forwards the start to the customer).
    Reply(ServiceReply),
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
