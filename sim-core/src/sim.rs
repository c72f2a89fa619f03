//! Assembles a scenario into an engine: the traffic actor (`A0`), then one actor per vehicle;
//! and checks the invariants at the end of a run.

use std::sync::Arc;

use crate::actors::{TrafficActor, Vehicle, VehicleConfig};
use crate::engine::{Engine, RunReport};
use crate::event::Event;
use crate::ids::{ActorId, NodeId, TripId, VehicleId};
use crate::msg::{Msg, TripPlan};
use crate::rng::ActorKind;
use crate::time::{SimDuration, SimTime};
use crate::traffic::{profile_speeds, IncidentPlan, TrafficConfig};
use crate::world::World;

/// A vehicle of the fleet.
#[derive(Clone, Debug)]
pub struct VehicleSpec {
    /// Where it parks.
    pub depot: NodeId,
}

/// A scripted trip.
#[derive(Clone, Debug)]
pub struct TripSpec {
    /// The plan the vehicle follows.
    pub plan: TripPlan,
    /// The vehicle, if the scenario names one; otherwise the one whose depot is quickest to
    /// reach the pickup at free-flow (lowest id on ties).
    pub vehicle: Option<VehicleId>,
}

/// A whole model run, resolved against the network.
#[derive(Clone, Debug)]
pub struct SimSpec {
    /// Master seed.
    pub seed: u64,
    /// Network and routing.
    pub world: Arc<World>,
    /// Traffic settings.
    pub traffic: Arc<TrafficConfig>,
    /// Vehicle settings.
    pub vehicle: VehicleConfig,
    /// The fleet.
    pub vehicles: Vec<VehicleSpec>,
    /// Scripted trips.
    pub trips: Vec<TripSpec>,
    /// Scripted incidents.
    pub incidents: Vec<IncidentPlan>,
    /// Assignments reach the vehicle this long before its estimated drive to the pickup.
    pub assignment_lead: SimDuration,
}

/// Where each actor is, for observers and checks.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The traffic actor.
    pub traffic: ActorId,
    /// Vehicle actors, by vehicle id.
    pub vehicles: Vec<ActorId>,
    /// The vehicle each trip went to, by trip index.
    pub trip_vehicle: Vec<VehicleId>,
}

/// Why a spec cannot be assembled.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// Trips but no vehicle.
    #[error("trip {0} has no vehicle to drive it: the fleet is empty")]
    NoVehicles(TripId),
    /// A trip names a vehicle that does not exist.
    #[error("trip {trip} names vehicle {vehicle}, but the fleet has {count} vehicle(s)")]
    UnknownVehicle {
        /// Trip.
        trip: TripId,
        /// Vehicle.
        vehicle: VehicleId,
        /// Fleet size.
        count: usize,
    },
    /// A trip's drop-off cannot be reached from its pickup.
    #[error("trip {trip}: {to} cannot be reached from {from}")]
    Unreachable {
        /// Trip.
        trip: TripId,
        /// Pickup name.
        from: String,
        /// Drop-off name.
        to: String,
    },
}

/// Builds the engine for `spec`.
pub fn build(spec: &SimSpec) -> Result<(Engine<Msg, Event>, Layout), SpecError> {
    let world = &spec.world;
    let free = crate::world::FreeFlow;
    let mut trip_vehicle = Vec::with_capacity(spec.trips.len());
    let mut assignments = Vec::with_capacity(spec.trips.len());
    for t in &spec.trips {
        let p = &t.plan;
        if world.route(&free, p.pickup, p.dropoff).is_none() {
            return Err(SpecError::Unreachable {
                trip: p.trip,
                from: world.net.node(p.pickup).name.clone(),
                to: world.net.node(p.dropoff).name.clone(),
            });
        }
        let drive_s = |v: &VehicleSpec| world.route(&free, v.depot, p.pickup).map(|r| r.time_s);
        let vehicle = match t.vehicle {
            Some(v) if v.index() < spec.vehicles.len() => v,
            Some(v) => {
                return Err(SpecError::UnknownVehicle {
                    trip: p.trip,
                    vehicle: v,
                    count: spec.vehicles.len(),
                })
            }
            None => spec
                .vehicles
                .iter()
                .enumerate()
                .filter_map(|(i, v)| drive_s(v).map(|s| (s, i)))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, i)| VehicleId(i as u32))
                .ok_or(SpecError::NoVehicles(p.trip))?,
        };
        let empty_drive = drive_s(&spec.vehicles[vehicle.index()]).unwrap_or(0.0);
        let lead = SimDuration::from_secs_f64(empty_drive) + spec.assignment_lead;
        let at = SimTime(p.ready_at.as_ms().saturating_sub(lead.as_ms()));
        trip_vehicle.push(vehicle);
        assignments.push((at, vehicle, Arc::new(p.clone())));
    }

    let mut engine = Engine::new(spec.seed);
    let traffic_id = engine.next_id();
    let vehicle_ids: Vec<ActorId> = (0..spec.vehicles.len()).map(|i| ActorId(traffic_id.0 + 1 + i as u32)).collect();
    let added = engine.add(
        ActorKind::Traffic,
        0,
        Box::new(TrafficActor::new(world.clone(), spec.traffic.clone(), vehicle_ids.clone())),
    );
    debug_assert_eq!(added, traffic_id);
    let initial = profile_speeds(&world.net, &spec.traffic, SimTime::ZERO, &[]);
    for (i, v) in spec.vehicles.iter().enumerate() {
        let id = VehicleId(i as u32);
        let actor = Vehicle::new(id, world.clone(), spec.vehicle, v.depot, initial.clone());
        let added = engine.add(ActorKind::Vehicle, i as u32, Box::new(actor));
        debug_assert_eq!(added, vehicle_ids[i]);
    }
    engine.schedule(SimTime::ZERO, traffic_id, Msg::Start);
    for plan in &spec.incidents {
        engine.schedule(plan.at, traffic_id, Msg::StartIncident(Arc::new(plan.clone())));
    }
    for (at, vehicle, plan) in assignments {
        engine.schedule(at, vehicle_ids[vehicle.index()], Msg::AssignTrip(plan));
    }
    Ok((
        engine,
        Layout {
            traffic: traffic_id,
            vehicles: vehicle_ids,
            trip_vehicle,
        },
    ))
}

/// Invariants that hold at the end of every run; returns the violations.
///
/// - every scripted trip ended exactly once (completed, or unfinished at the end);
/// - a completed trip has departure <= arrival and a positive distance;
/// - vehicles' completed counts add up to the completed trips.
pub fn check_end(spec: &SimSpec, report: &RunReport<Msg, Event>, ended: &[crate::event::TripRecord]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = vec![0u32; spec.trips.len()];
    let index_of = |t: TripId| spec.trips.iter().position(|s| s.plan.trip == t);
    for r in ended {
        match index_of(r.trip) {
            Some(i) => seen[i] += 1,
            None => problems.push(format!("trip {} ended but was never scripted", r.trip)),
        }
        if r.status == crate::event::TripStatus::Completed {
            match (r.depart_at, r.arrive_at) {
                (Some(d), Some(a)) if d <= a => {}
                other => problems.push(format!("trip {} completed with times {other:?}", r.trip)),
            }
            if r.distance_m <= 0.0 && r.origin != r.destination {
                problems.push(format!("trip {} completed with distance {}", r.trip, r.distance_m));
            }
        }
    }
    for (i, n) in seen.iter().enumerate() {
        if *n != 1 {
            problems.push(format!("trip {} ended {n} times (expected once)", spec.trips[i].plan.trip));
        }
    }
    let completed = ended.iter().filter(|r| r.status == crate::event::TripStatus::Completed).count() as u32;
    let by_vehicles: u32 = report
        .slots
        .iter()
        .filter_map(|s| s.actor.as_any().downcast_ref::<Vehicle>())
        .map(Vehicle::completed)
        .sum();
    if completed != by_vehicles {
        problems.push(format!("{completed} trips completed but vehicles count {by_vehicles}"));
    }
    problems
}
