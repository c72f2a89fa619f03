//! The mirrored fleet: what the twin believes about each van, booking and incident, and
//! the rules that move it when a feed message is applied.

use std::collections::BTreeSet;

use sim_core::ids::{EdgeId, NodeId};
use sim_core::time::SimTime;
use sim_core::world::Matched;

/// A van as the feed shows it.
#[derive(Clone, Debug, Default)]
pub struct VanMirror {
    /// Its last fix, if any.
    pub last: Option<LastFix>,
    /// Bookings whose pets it carries.
    pub aboard: BTreeSet<String>,
    /// Bookings accepted for it, not yet picked up.
    pub assigned: BTreeSet<String>,
}

/// A van's last fix and where it was matched.
#[derive(Clone, Copy, Debug)]
pub struct LastFix {
    /// When.
    pub at: SimTime,
    /// As reported.
    pub lat: f64,
    /// As reported.
    pub lon: f64,
    /// km/h (0 if not reported).
    pub speed_kmh: f64,
    /// On the network, if matched.
    pub matched: Option<Matched>,
}

impl VanMirror {
    /// `loaded` (pets aboard), `to_pickup` (a booking assigned), `moving` or `standing`;
    /// `unseen` before its first fix.
    pub fn state(&self) -> &'static str {
        if !self.aboard.is_empty() {
            "loaded"
        } else if !self.assigned.is_empty() {
            "to_pickup"
        } else {
            match self.last {
                None => "unseen",
                Some(f) if f.speed_kmh > 0.0 => "moving",
                Some(_) => "standing",
            }
        }
    }
}

/// A booking's status in the mirror.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Made, not yet accepted.
    Requested,
    /// Accepted, waiting for its pickup.
    Accepted,
    /// Its pets are aboard.
    PickedUp,
    /// A leg was delivered (a return leg may follow).
    Dropped,
    /// Delivered and charged (final).
    Completed,
    /// Cancelled (final).
    Cancelled,
    /// No van could serve it (final).
    Rejected,
}

impl Status {
    /// As written in `twin_bookings.csv` (the final ones as in `bookings.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Accepted => "accepted",
            Status::PickedUp => "picked_up",
            Status::Dropped => "dropped",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Rejected => "rejected",
        }
    }

    /// Whether the booking has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Cancelled | Status::Rejected
        )
    }
}

/// A booking as the feed shows it (dropped from the mirror when it closes).
#[derive(Clone, Debug)]
pub struct BookingMirror {
    /// Its status.
    pub status: Status,
    /// Pickup place, as named.
    pub origin: String,
    /// Drop-off place.
    pub destination: String,
    /// The earliest pickup asked for.
    pub requested_pickup: Option<SimTime>,
    /// The pets (`dog/large/24.0kg`), if the feed named them.
    pub pets: Vec<String>,
    /// The van carrying or assigned to it.
    pub vehicle: Option<String>,
    /// When it was made.
    pub created_at: SimTime,
    /// When it was accepted.
    pub accepted_at: Option<SimTime>,
    /// First pickup.
    pub pickup_at: Option<SimTime>,
    /// Last drop-off.
    pub dropoff_at: Option<SimTime>,
}

/// An incident as reported.
#[derive(Clone, Debug)]
pub struct IncidentMirror {
    /// `closure` or `lane_loss`.
    pub kind: String,
    /// The road.
    pub road: String,
    /// Its ends, as named.
    pub from: String,
    /// Its ends, as named.
    pub to: String,
    /// The directed edges it covers, when the road joins its ends.
    pub edges: Vec<EdgeId>,
    /// When it was reported.
    pub reported_at: SimTime,
}

/// The edges of `road` from `from` to `to` (node names), if the road joins them.
pub fn incident_edges(
    net: &sim_core::world::RoadNetwork,
    road: &str,
    from: &str,
    to: &str,
) -> Option<Vec<EdgeId>> {
    let node = |n: &str| -> Option<NodeId> { net.node_by_name(n) };
    net.segment_chain(node(from)?, node(to)?, Some(road))
}
