//! Outward events: facts for observers (CSV writers, KPIs, the visualizer, traces).

use crate::ids::{EdgeId, IncidentId, NodeId, TripId, VehicleId};
use crate::time::SimTime;
use crate::traffic::Incident;

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

/// The record of one trip.
#[derive(Clone, Debug, PartialEq)]
pub struct TripRecord {
    /// Trip.
    pub trip: TripId,
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
    /// Reroutes taken with the pet aboard or on the way to it.
    pub reroutes: u32,
    /// How it ended.
    pub status: TripStatus,
}

/// A reroute decision.
#[derive(Clone, Debug, PartialEq)]
pub struct RerouteRecord {
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Trip being driven, if any.
    pub trip: Option<TripId>,
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

/// Every outward event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A GPS fix.
    Position(PositionFix),
    /// A vehicle left a pickup with its pet.
    TripStarted {
        /// Trip.
        trip: TripId,
        /// Vehicle.
        vehicle: VehicleId,
    },
    /// A trip ended (completed, or still open at the end of the run).
    TripEnded(TripRecord),
    /// An incident started.
    IncidentStarted(Incident),
    /// An incident cleared.
    IncidentCleared(Incident),
    /// A vehicle considered a new route.
    Rerouted(RerouteRecord),
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
            Event::TripStarted { .. } => "trip_started",
            Event::TripEnded(_) => "trip_ended",
            Event::IncidentStarted(_) => "incident_started",
            Event::IncidentCleared(_) => "incident_cleared",
            Event::Rerouted(_) => "rerouted",
            Event::NoRoute { .. } => "no_route",
        }
    }
}
