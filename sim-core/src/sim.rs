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
    /// The vehicle, if the scenario names one; otherwise see [`build`]'s pre-assignment.
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

/// Pre-assigns scripted trips, in order of ready time, to the vehicle that can be at the
/// pickup first (its projected free time and place, plus the drive at the profile speeds of
/// the trip's hour; lowest id on ties), unless the trip names one. The assignment reaches
/// the vehicle `assignment_lead` before its estimated departure for the pickup. (A stand-in
/// for the dispatcher actor: it plans with expected speeds and never revisits a choice.)
fn assign(spec: &SimSpec) -> Result<Vec<(SimTime, VehicleId, Arc<TripPlan>)>, SpecError> {
    let world = &spec.world;
    let mut order: Vec<usize> = (0..spec.trips.len()).collect();
    order.sort_by_key(|&i| (spec.trips[i].plan.ready_at, i));
    // Projected (free at, free where) of every vehicle.
    let mut free: Vec<(SimTime, NodeId)> = spec
        .vehicles
        .iter()
        .map(|v| (SimTime::ZERO, v.depot))
        .collect();
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let t = &spec.trips[i];
        let p = &t.plan;
        let speeds = profile_speeds(&world.net, &spec.traffic, p.ready_at, &[]);
        let drive = |from: NodeId, to: NodeId| {
            world
                .route(speeds.as_ref(), from, to)
                .map(|r| SimDuration::from_secs_f64(r.time_s))
        };
        let Some(loaded) = drive(p.pickup, p.dropoff) else {
            return Err(SpecError::Unreachable {
                trip: p.trip,
                from: world.net.node(p.pickup).name.clone(),
                to: world.net.node(p.dropoff).name.clone(),
            });
        };
        let candidates: Vec<usize> = match t.vehicle {
            Some(v) if v.index() < spec.vehicles.len() => vec![v.index()],
            Some(v) => {
                return Err(SpecError::UnknownVehicle {
                    trip: p.trip,
                    vehicle: v,
                    count: spec.vehicles.len(),
                })
            }
            None => (0..spec.vehicles.len()).collect(),
        };
        let best = candidates
            .into_iter()
            .filter_map(|v| {
                let (at, node) = free[v];
                let empty = drive(node, p.pickup)?;
                let depart_for_pickup =
                    at.max(SimTime(p.ready_at.as_ms().saturating_sub(empty.as_ms())));
                let start = (depart_for_pickup + empty).max(p.ready_at);
                Some((start, v, depart_for_pickup))
            })
            .min_by_key(|&(start, v, _)| (start, v))
            .ok_or(SpecError::NoVehicles(p.trip))?;
        let (start, v, depart_for_pickup) = best;
        free[v] = (start + p.load + loaded + p.unload, p.dropoff);
        let at = SimTime(
            depart_for_pickup
                .as_ms()
                .saturating_sub(spec.assignment_lead.as_ms()),
        );
        out.push((at, VehicleId(v as u32), Arc::new(p.clone())));
    }
    Ok(out)
}

/// Builds the engine for `spec`.
pub fn build(spec: &SimSpec) -> Result<(Engine<Msg, Event>, Layout), SpecError> {
    let world = &spec.world;
    let assignments = assign(spec)?;
    let mut trip_vehicle = vec![VehicleId(0); spec.trips.len()];
    for (_, v, plan) in &assignments {
        if let Some(i) = spec.trips.iter().position(|t| t.plan.trip == plan.trip) {
            trip_vehicle[i] = *v;
        }
    }

    let mut engine = Engine::new(spec.seed);
    let traffic_id = engine.next_id();
    let vehicle_ids: Vec<ActorId> = (0..spec.vehicles.len())
        .map(|i| ActorId(traffic_id.0 + 1 + i as u32))
        .collect();
    let added = engine.add(
        ActorKind::Traffic,
        0,
        Box::new(TrafficActor::new(
            world.clone(),
            spec.traffic.clone(),
            vehicle_ids.clone(),
        )),
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
        engine.schedule(
            plan.at,
            traffic_id,
            Msg::StartIncident(Arc::new(plan.clone())),
        );
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
pub fn check_end(
    spec: &SimSpec,
    report: &RunReport<Msg, Event>,
    ended: &[crate::event::TripRecord],
) -> Vec<String> {
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
                problems.push(format!(
                    "trip {} completed with distance {}",
                    r.trip, r.distance_m
                ));
            }
        }
    }
    for (i, n) in seen.iter().enumerate() {
        if *n != 1 {
            problems.push(format!(
                "trip {} ended {n} times (expected once)",
                spec.trips[i].plan.trip
            ));
        }
    }
    let completed = ended
        .iter()
        .filter(|r| r.status == crate::event::TripStatus::Completed)
        .count() as u32;
    let by_vehicles: u32 = report
        .slots
        .iter()
        .filter_map(|s| s.actor.as_any().downcast_ref::<Vehicle>())
        .map(Vehicle::completed)
        .sum();
    if completed != by_vehicles {
        problems.push(format!(
            "{completed} trips completed but vehicles count {by_vehicles}"
        ));
    }
    problems
}
