//! Messages to the traffic actor.

use std::sync::Arc;

use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::IncidentId;
use crate::msg::MsgGroup;
use crate::traffic::IncidentPlan;

/// What the traffic actor receives.
#[derive(Clone, Debug)]
pub enum TrafficMsg {
    /// Time to step congestion and broadcast speeds.
    TrafficTick,
    /// A random accident happens now.
    AccidentDue,
    /// A scripted incident happens now.
    StartIncident(Arc<IncidentPlan>),
    /// An incident clears now.
    ClearIncident(IncidentId),
}

impl MsgGroup for TrafficMsg {
    fn kind(&self) -> &'static str {
        match self {
            TrafficMsg::TrafficTick => "traffic_tick",
            TrafficMsg::AccidentDue => "accident_due",
            TrafficMsg::StartIncident(_) => "start_incident",
            TrafficMsg::ClearIncident(_) => "clear_incident",
        }
    }

    fn encode_fields(&self, h: &mut TraceHasher) {
        match self {
            TrafficMsg::TrafficTick | TrafficMsg::AccidentDue => {}
            TrafficMsg::StartIncident(p) => p.encode(h),
            TrafficMsg::ClearIncident(id) => h.u32(id.0),
        }
    }

    fn detail(&self) -> String {
        match self {
            TrafficMsg::TrafficTick | TrafficMsg::AccidentDue => String::new(),
            TrafficMsg::StartIncident(p) => format!(
                "edges {:?} {:?} for {}",
                p.edges.iter().map(|e| e.0).collect::<Vec<_>>(),
                p.kind,
                p.duration
            ),
            TrafficMsg::ClearIncident(id) => id.to_string(),
        }
    }
}
