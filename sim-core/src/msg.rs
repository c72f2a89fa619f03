//! Internal messages between actors (commands), kept apart from outward [`crate::event`]s.

use std::sync::Arc;

use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{IncidentId, NodeId, TripId};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{Incident, IncidentKind, IncidentPlan, SpeedTable};

/// A trip a vehicle must drive: go to the pickup, load the pet when it is ready, drive to
/// the drop-off, unload.
#[derive(Clone, Debug, PartialEq)]
pub struct TripPlan {
    /// Id.
    pub trip: TripId,
    /// Where the pet is collected.
    pub pickup: NodeId,
    /// Where it is delivered.
    pub dropoff: NodeId,
    /// When the pet is ready at the pickup.
    pub ready_at: SimTime,
    /// Time to load at the pickup.
    pub load: SimDuration,
    /// Time to unload at the drop-off.
    pub unload: SimDuration,
    /// A label for the pet (e.g. "large dog").
    pub pet: String,
}

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

/// Every internal message.
#[derive(Clone, Debug)]
pub enum Msg {
    /// Sent to every actor at time 0.
    Start,
    /// Traffic: time to step congestion and broadcast speeds.
    TrafficTick,
    /// Traffic: a random accident happens now.
    AccidentDue,
    /// Traffic: a scripted incident happens now.
    StartIncident(Arc<IncidentPlan>),
    /// Traffic: an incident clears now.
    ClearIncident(IncidentId),
    /// Vehicle: new speeds (and incident changes).
    Traffic(TrafficUpdate),
    /// Vehicle: a trip to drive.
    AssignTrip(Arc<TripPlan>),
    /// Vehicle: the current edge should be done (ignored unless `gen` is current).
    EdgeDone {
        /// Timer generation.
        gen: u32,
    },
    /// Vehicle: the current stop (waiting, loading, unloading) is over.
    StopDone {
        /// Timer generation.
        gen: u32,
    },
    /// Vehicle: report a GPS position.
    PositionTick,
}

impl Msg {
    /// A short name for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Start => "start",
            Msg::TrafficTick => "traffic_tick",
            Msg::AccidentDue => "accident_due",
            Msg::StartIncident(_) => "start_incident",
            Msg::ClearIncident(_) => "clear_incident",
            Msg::Traffic(_) => "traffic",
            Msg::AssignTrip(_) => "assign_trip",
            Msg::EdgeDone { .. } => "edge_done",
            Msg::StopDone { .. } => "stop_done",
            Msg::PositionTick => "position_tick",
        }
    }
}

fn encode_kind(kind: IncidentKind, h: &mut TraceHasher) {
    match kind {
        IncidentKind::Closure => h.u8(0),
        IncidentKind::LaneLoss { lanes_lost } => {
            h.u8(1);
            h.u8(lanes_lost);
        }
    }
}

impl TraceEncode for Msg {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            Msg::Start => h.u8(0),
            Msg::TrafficTick => h.u8(1),
            Msg::AccidentDue => h.u8(2),
            Msg::StartIncident(p) => {
                h.u8(3);
                h.u64(p.at.as_ms());
                h.u32(p.edges.len() as u32);
                for e in &p.edges {
                    h.u32(e.0);
                }
                encode_kind(p.kind, h);
                h.u64(p.duration.as_ms());
            }
            Msg::ClearIncident(id) => {
                h.u8(4);
                h.u32(id.0);
            }
            Msg::Traffic(u) => {
                h.u8(5);
                h.u64(u.table.version);
                h.u64(u.table.digest);
                h.u32(u.changes.len() as u32);
                for c in u.changes.iter() {
                    h.u32(c.incident.id.0);
                    h.u8(u8::from(c.started));
                }
            }
            Msg::AssignTrip(p) => {
                h.u8(6);
                h.u32(p.trip.0);
                h.u32(p.pickup.0);
                h.u32(p.dropoff.0);
                h.u64(p.ready_at.as_ms());
                h.u64(p.load.as_ms());
                h.u64(p.unload.as_ms());
                h.str(&p.pet);
            }
            Msg::EdgeDone { gen } => {
                h.u8(7);
                h.u32(*gen);
            }
            Msg::StopDone { gen } => {
                h.u8(8);
                h.u32(*gen);
            }
            Msg::PositionTick => h.u8(9),
        }
    }
}
