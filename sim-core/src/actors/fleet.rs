//! What the vehicles and the dispatcher share, read-only: the world, the tariff and tolls,
//! the city boundary, partners, the climate and the vehicle settings.

use std::sync::Arc;

use crate::actors::partner::PartnerInfo;
use crate::booking::Dwell;
use crate::dispatch::estimates::ProfileHierarchies;
use crate::fare::Tariff;
use crate::ids::{ActorId, NodeId};
use crate::money::Tolls;
use crate::time::{SimDuration, SimTime};
use crate::traffic::SpeedTable;
use crate::welfare::Climate;
use crate::world::{Ch, Route, World};

/// Settings shared by every vehicle.
#[derive(Clone, Copy, Debug)]
pub struct VehicleConfig {
    /// GPS reporting period.
    pub position_interval: SimDuration,
    /// A new route is taken only if it saves at least this much (avoids flapping).
    pub reroute_min_gain: SimDuration,
    /// Live updates to customers; `None` sends only milestones (assigned, picked up, delivered).
    pub customer_update_interval: Option<SimDuration>,
    /// How often the pets aboard are told about the ride.
    pub welfare_interval: SimDuration,
    /// Loading and unloading times.
    pub dwell: Dwell,
    /// Length of a rest stop.
    pub rest_stop: SimDuration,
    /// A re-quote is sent when the expected fare exceeds the approved one by more than this.
    pub requote_threshold_won: i64,
    /// Emergency treatment time at a vet.
    pub vet_treatment: SimDuration,
    /// Mean extra time until the pets are handed over at a pickup (exponential; 0: none).
    pub readiness_mean: SimDuration,
    /// An idle vehicle drives back to its depot (else it waits where it is).
    pub return_to_depot: bool,
}

/// A driver's shift: no work may run past `end`; with `every`, the shift repeats (the next
/// one ends `every` later, and so on), so a fleet can run for weeks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// End of the first shift.
    pub end: SimTime,
    /// Period of the shifts, if they repeat.
    pub every: Option<SimDuration>,
}

impl Shift {
    /// The end of the shift in force at `now`: the first end at or after `now`, or the
    /// last end when the shifts do not repeat.
    pub fn end_at(&self, now: SimTime) -> SimTime {
        match self.every {
            Some(p) if p.as_ms() > 0 && now > self.end => {
                let behind = now.as_ms() - self.end.as_ms();
                SimTime(self.end.as_ms() + behind.div_ceil(p.as_ms()) * p.as_ms())
            }
            _ => self.end,
        }
    }
}

/// What every vehicle shares, read-only.
#[derive(Debug)]
pub struct FleetContext {
    /// Network and routing.
    pub world: Arc<World>,
    /// The fare tariff.
    pub tariff: Arc<Tariff>,
    /// Expressway tolls.
    pub tolls: Tolls,
    /// Which nodes are in the home city (Seoul).
    pub in_city: Arc<[bool]>,
    /// Partners.
    pub partners: Arc<[PartnerInfo]>,
    /// Outside climate.
    pub climate: Arc<Climate>,
    /// The dispatcher.
    pub dispatcher: ActorId,
    /// The notifier, if the run has one: customers hear of their bookings through it.
    pub notifier: Option<ActorId>,
    /// With a notifier: a van sends each customer an ETA notice at most this often (its
    /// live updates tick more often; the app shows those without a notice).
    pub eta_every: SimDuration,
    /// Settings.
    pub cfg: VehicleConfig,
    /// A contraction hierarchy for the network's speeds when they never change (no
    /// congestion, the same profile factor all day): routes at those speeds use it.
    pub static_routes: Option<Arc<Ch>>,
    /// The hour-profile hierarchies, on networks large enough to route through them.
    pub profile_routes: Option<Arc<ProfileHierarchies>>,
    /// Learned delays for quotes, if the scenario quotes with them.
    pub quote_delays: Option<Arc<crate::delays::LearnedDelays>>,
}

impl FleetContext {
    /// The route a vehicle takes under `table`. The route choice rule: through the static
    /// hierarchy when the table holds exactly its speeds; on a large network, the fastest
    /// route at the typical speeds of the table's hour (as a navigation app's historical
    /// model), unless it crosses an incident in force, when the fastest route at the live
    /// speeds (A*) is taken; on a small network, always the fastest at the live speeds. The
    /// route is timed at the live speeds.
    pub fn route(&self, table: &SpeedTable, from: NodeId, to: NodeId) -> Option<Route> {
        let net = &self.world.net;
        if let Some(ch) = (self.static_routes.as_ref()).filter(|ch| ch.digest == table.digest) {
            return ch.route(net, table, from, to);
        }
        if let Some(h) = &self.profile_routes {
            let typical = h.at(table.at).1.route(net, table, from, to);
            if let Some(r) = typical
                .filter(|r| (r.edges.iter()).all(|e| table.incident_factor[e.index()] == 1.0))
            {
                return Some(r);
            }
        }
        self.world.route(table, from, to)
    }
}
