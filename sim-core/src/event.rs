//! Outward events: facts for observers (CSV writers, KPIs, the visualizer, traces).

use crate::booking::Leg;
use crate::ids::{BookingId, CustomerId, EdgeId, IncidentId, NodeId, PartnerId, PetId, VehicleId};
use crate::msg::RequoteReason;
use crate::time::SimTime;
use crate::traffic::Incident;
use crate::welfare::{Cause, Level};

/// A GPS fix.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionFix {
    /// The vehicle.
    pub vehicle: VehicleId,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Current speed, km/h (0 while stopped).
    pub speed_kmh: f64,
    /// The edge it is on, if moving.
    pub edge: Option<EdgeId>,
}

/// How a trip ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TripStatus {
    /// Delivered.
    Completed,
    /// The run stopped first.
    Unfinished,
}

impl TripStatus {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            TripStatus::Completed => "completed",
            TripStatus::Unfinished => "unfinished",
        }
    }
}

/// The record of one ride (a leg of a booking).
#[derive(Clone, Debug, PartialEq)]
pub struct TripRecord {
    /// The booking.
    pub trip: BookingId,
    /// Which leg.
    pub leg: Leg,
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Pickup.
    pub origin: NodeId,
    /// Drop-off.
    pub destination: NodeId,
    /// When it left the pickup with the pet.
    pub depart_at: Option<SimTime>,
    /// When it reached the drop-off.
    pub arrive_at: Option<SimTime>,
    /// Metres driven with the pet.
    pub distance_m: f64,
    /// Reroutes taken with the pets aboard.
    pub reroutes: u32,
    /// The ride limit dispatch planned with (actual rides may exceed it under traffic).
    pub ride_limit: crate::time::SimDuration,
    /// The direct drive dispatch planned with (profile speeds, no detour for others).
    pub direct: crate::time::SimDuration,
    /// How it ended.
    pub status: TripStatus,
}

/// A reroute decision.
#[derive(Clone, Debug, PartialEq)]
pub struct RerouteRecord {
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Bookings aboard, if any.
    pub trip: Option<BookingId>,
    /// The node where the routes part.
    pub at_node: NodeId,
    /// Destination of the leg.
    pub destination: NodeId,
    /// Incidents that prompted it.
    pub incidents: Vec<IncidentId>,
    /// Remaining metres on the old route (from the vehicle's position).
    pub old_remaining_m: f64,
    /// Remaining seconds on the old route, waiting out closures.
    pub old_remaining_s: f64,
    /// Remaining metres on the new route.
    pub new_remaining_m: f64,
    /// Remaining seconds on the new route.
    pub new_remaining_s: f64,
    /// Whether the vehicle took it.
    pub accepted: bool,
    /// Roads of the old remaining route.
    pub old_roads: String,
    /// Roads of the new route.
    pub new_roads: String,
}

/// What a van is doing, as shown to people (the visualizer's colours); the rule that
/// decides it is `Vehicle::shown_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VanState {
    /// Nothing to do (parked, or returning to the depot).
    Idle,
    /// Driving to a pickup, nothing aboard.
    ToPickup,
    /// Pets aboard.
    Loaded,
    /// A rest stop for the pets.
    Resting,
    /// On a route taken around an incident.
    Detouring,
    /// Diverted to a vet with a pet in trouble (driving there or waiting there).
    ToVet,
    /// After its last shift, or its cabin's air conditioning failed, with nothing to do.
    OutOfService,
}

impl VanState {
    /// Every state, in display order.
    pub const ALL: [VanState; 7] = [
        VanState::Idle,
        VanState::ToPickup,
        VanState::Loaded,
        VanState::Resting,
        VanState::Detouring,
        VanState::ToVet,
        VanState::OutOfService,
    ];

    /// Its name in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            VanState::Idle => "idle",
            VanState::ToPickup => "to_pickup",
            VanState::Loaded => "loaded",
            VanState::Resting => "resting",
            VanState::Detouring => "detouring",
            VanState::ToVet => "to_vet",
            VanState::OutOfService => "out_of_service",
        }
    }

    /// The state named `s` (see [`VanState::name`]).
    pub fn parse(s: &str) -> Option<VanState> {
        VanState::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// A van's shown state changed (where it was then).
#[derive(Clone, Debug, PartialEq)]
pub struct VanStateChange {
    /// The vehicle.
    pub vehicle: VehicleId,
    /// Its new state.
    pub state: VanState,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// A booking aboard a van, as a viewer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct RideView {
    /// The booking.
    pub booking: BookingId,
    /// Its pets: id and actor (to ask for their welfare).
    pub pets: Vec<(PetId, crate::ids::ActorId)>,
    /// The meter so far with tolls, won.
    pub fare_won: i64,
}

/// What a viewer sees of a van (the query `Vehicle::snapshot`).
#[derive(Clone, Debug, PartialEq)]
pub struct VanView {
    /// The vehicle.
    pub vehicle: VehicleId,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed, km/h (0 when standing).
    pub speed_kmh: f64,
    /// Its state.
    pub state: VanState,
    /// The current edge, then the edges still to drive.
    pub route: Vec<EdgeId>,
    /// Stops still to make: booking, pickup or drop-off, where.
    pub plan: Vec<(BookingId, crate::booking::StopKind, NodeId)>,
    /// Bookings aboard.
    pub aboard: Vec<RideView>,
    /// When it reaches its current target at the speeds in force.
    pub eta: Option<SimTime>,
}

/// Every outward event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A GPS fix.
    Position(PositionFix),
    /// A van's shown state changed.
    VanState(VanStateChange),
    /// A vehicle left a pickup with a booking's pets.
    TripStarted {
        /// Booking.
        trip: BookingId,
        /// Vehicle.
        vehicle: VehicleId,
    },
    /// A ride ended (completed, or still open at the end of the run). Large records are
    /// boxed so that every event stays small to move.
    TripEnded(Box<TripRecord>),
    /// A booking reached its final state (or the run ended first).
    BookingClosed(Box<BookingRecord>),
    /// A quote, re-quote or final fare.
    Quote(QuoteRecord),
    /// A pet's welfare sample.
    PetSample(PetSample),
    /// A welfare alert.
    PetAlert(AlertRecord),
    /// A customer phoned support.
    SupportCall(SupportCall),
    /// A vehicle's hour.
    VehicleHour(VehicleHour),
    /// A partner queued or refused a service.
    PartnerBusy {
        /// Partner.
        partner: PartnerId,
        /// Booking.
        booking: BookingId,
        /// Queued (true) or refused.
        queued: bool,
    },
    /// An incident started.
    IncidentStarted(Incident),
    /// An incident cleared.
    IncidentCleared(Incident),
    /// A vehicle considered a new route.
    Rerouted(Box<RerouteRecord>),
    /// A notice ended (delivered, expired, dead-lettered, or open at the end).
    Notification(Box<crate::notify::Final>),
    /// A ledger transfer was created (or found to exist already).
    Transfer(Box<(crate::settle::Transfer, crate::settle::Created)>),
    /// A booking's settlement ended.
    Settled(Box<crate::settle::Settled>),
    /// A vehicle found no open route to its destination and waits for a change.
    NoRoute {
        /// Vehicle.
        vehicle: VehicleId,
        /// Where it is.
        from: NodeId,
        /// Where it wants to go.
        to: NodeId,
    },
}

impl Event {
    /// A short name for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Position(_) => "position",
            Event::VanState(_) => "van_state",
            Event::TripStarted { .. } => "trip_started",
            Event::TripEnded(_) => "trip_ended",
            Event::BookingClosed(_) => "booking_closed",
            Event::Quote(_) => "quote",
            Event::PetSample(_) => "pet_sample",
            Event::PetAlert(_) => "pet_alert",
            Event::SupportCall(_) => "support_call",
            Event::VehicleHour(_) => "vehicle_hour",
            Event::PartnerBusy { .. } => "partner_busy",
            Event::IncidentStarted(_) => "incident_started",
            Event::IncidentCleared(_) => "incident_cleared",
            Event::Rerouted(_) => "rerouted",
            Event::NoRoute { .. } => "no_route",
            Event::Notification(_) => "notification",
            Event::Transfer(_) => "transfer",
            Event::Settled(_) => "settled",
        }
    }
}

/// The final state of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingStatus {
    /// Delivered (all legs).
    Completed,
    /// Cancelled by the customer (quote declined, pickup too late) or the service failed.
    Cancelled,
    /// No vehicle could serve it.
    Rejected,
    /// Still open when the run stopped.
    Open,
}

impl BookingStatus {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            BookingStatus::Completed => "completed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Rejected => "rejected",
            BookingStatus::Open => "open",
        }
    }
}

/// One row of bookings.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct BookingRecord {
    /// Booking.
    pub booking: BookingId,
    /// Customer.
    pub customer: CustomerId,
    /// The pets, e.g. "dog/large/24.0kg".
    pub pets: String,
    /// Pickup.
    pub pickup: NodeId,
    /// Destination.
    pub dropoff: NodeId,
    /// Add-on service, if any.
    pub addon: Option<String>,
    /// Requested.
    pub requested_at: SimTime,
    /// The pickup time asked for (the booking time, or later for a scheduled booking).
    pub requested_pickup: SimTime,
    /// Upfront quote.
    pub quoted_won: Option<i64>,
    /// Whether the quote was accepted.
    pub accepted: bool,
    /// Assigned.
    pub assigned_at: Option<SimTime>,
    /// The vehicle reached the door for the pickup (the end of the customer's wait).
    pub at_door_at: Option<SimTime>,
    /// Vehicle (last leg).
    pub vehicle: Option<VehicleId>,
    /// First pickup.
    pub pickup_at: Option<SimTime>,
    /// Last drop-off.
    pub dropoff_at: Option<SimTime>,
    /// Seconds from the requested pickup to the pickup.
    pub wait_s: Option<u64>,
    /// Seconds riding (all legs).
    pub ride_s: u64,
    /// Metres riding (all legs).
    pub distance_m: f64,
    /// Re-quotes received.
    pub requotes: u32,
    /// Fare charged.
    pub final_fare_won: Option<i64>,
    /// Final state.
    pub status: BookingStatus,
    /// Why it ended so.
    pub reason: String,
}

/// What a quote record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteKind {
    /// At booking.
    Upfront,
    /// During the ride.
    Requote(RequoteReason),
    /// The fare charged.
    Final,
}

/// One row of quotes.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteRecord {
    /// Booking.
    pub booking: BookingId,
    /// Kind.
    pub kind: QuoteKind,
    /// Amount.
    pub fare_won: i64,
    /// The fare it replaces (re-quotes), or the reference taxi fare (upfront), or the metered fare (final).
    pub compared_won: i64,
    /// `accepted`, `declined`, `approved`, `auto_approved`, `charged` ...
    pub decision: &'static str,
    /// Upfront quotes with learned delays: the chance of running 15 minutes late, and the
    /// profile's fare for the same ride.
    pub learned: Option<crate::msg::LearnedQuote>,
}

/// One row of pets.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct PetSample {
    /// Pet.
    pub pet: PetId,
    /// Booking.
    pub booking: BookingId,
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Cabin temperature.
    pub cabin_temp_c: f64,
    /// Humidity.
    pub humidity_pct: f64,
    /// Vibration.
    pub vibration_ms2: f64,
    /// Minutes since the last rest.
    pub since_rest_min: f64,
    /// Stress.
    pub stress: f64,
    /// Heart rate.
    pub heart_rate_bpm: f64,
}

/// One row of alerts.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRecord {
    /// Pet.
    pub pet: PetId,
    /// Booking.
    pub booking: BookingId,
    /// Level.
    pub level: Level,
    /// Cause.
    pub cause: Cause,
    /// Value measured.
    pub value: f64,
    /// Threshold crossed.
    pub threshold: f64,
    /// What was done (`diverted to <vet>`, `none`).
    pub action: String,
}

/// One row of support_calls.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct SupportCall {
    /// Customer.
    pub customer: CustomerId,
    /// Booking.
    pub booking: BookingId,
    /// Minutes since the last update the customer saw.
    pub stale_min: f64,
    /// Phase of the booking (`waiting_pickup`, `riding`, `at_partner`).
    pub phase: &'static str,
}

/// One row of vehicles_hourly.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct VehicleHour {
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Start of the hour.
    pub hour_start: SimTime,
    /// Seconds with work in hand (stops planned or pets aboard).
    pub busy_s: f64,
    /// Seconds with pets aboard.
    pub loaded_s: f64,
    /// Metres driven with pets aboard.
    pub loaded_m: f64,
    /// Metres driven empty.
    pub empty_m: f64,
    /// Pet-metres: metres driven times the pets aboard.
    pub pet_m: f64,
    /// Most pets aboard at once.
    pub max_pets: u32,
}
