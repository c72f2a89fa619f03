//! What internal messages carry (their payloads) and what every group of them provides
//! ([`MsgGroup`]); the messages themselves are grouped by recipient in each actor's module
//! and gathered in [`crate::actors::Msg`]. Kept apart from outward [`crate::event`]s.

use std::sync::Arc;

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
    /// With learned delays: the chance of running late, and the profile's fare.
    pub learned: Option<LearnedQuote>,
}

/// What a quote with learned delays adds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LearnedQuote {
    /// The chance the ride (its first leg) runs more than 15 minutes past its profile time.
    pub p_late_15min: f64,
    /// The fare a profile quote would have given for the same ride (to compare the two
    /// models on the same rides).
    pub profile_fare_won: i64,
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

/// What every group of messages provides to [`crate::actors::Msg`].
pub trait MsgGroup {
    /// A short name for traces and `events.csv`, unique across all groups.
    fn kind(&self) -> &'static str;
    /// Feeds the fields to the trace hash (the kind is fed by [`crate::actors::Msg`]); every field of
    /// every variant, destructured so that a new field does not compile until it is
    /// hashed.
    fn encode_fields(&self, h: &mut TraceHasher);
    /// A one-line description for `events.csv` (empty when the kind says it all).
    fn detail(&self) -> String;
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
            learned,
        } = self;
        h.u32(booking.0);
        h.u64(*fare_won as u64);
        h.u64(*reference_won as u64);
        h.u64(pickup_eta.as_ms());
        h.f64(*distance_m);
        h.f64(*surge);
        h.u64(*addon_fee_won as u64);
        // Only learned quotes have it: profile quotes hash as they always did.
        if let Some(LearnedQuote {
            p_late_15min,
            profile_fare_won,
        }) = learned
        {
            h.f64(*p_late_15min);
            h.u64(*profile_fare_won as u64);
        }
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
