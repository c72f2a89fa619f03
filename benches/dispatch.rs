//! Dispatch throughput: insertions searched per second over a fleet whose vans already hold
//! plans, by the indexed search (what the dispatcher runs) and by the exhaustive search
//! over every van (the reference it must equal), on the bundled network (Seoul's nodes) and
//! on the imported FleetPy example network (7,617 nodes), at 1x and 4x the fleet and its
//! bookings (the cost of the indexed search should follow the vans near enough to matter).

#![expect(
    missing_docs,
    reason = "criterion's macros generate the undocumented entry points"
)]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenarios::data::{self, DataFiles};
use sim_core::booking::{
    BookingSpec, Crates, Dwell, Leg, PetSpec, PlanStop, Species, StopKind, VehicleView,
};
use sim_core::dispatch::estimates::Estimates;
use sim_core::dispatch::plan::InsertMode;
use sim_core::dispatch::{Fleet, Request};
use sim_core::fare::SizeClass;
use sim_core::ids::{ActorId, BookingId, CustomerId, NodeId, PetId};
use sim_core::time::{SimDuration, SimTime};
use sim_core::traffic::{DayType, Profiles, TrafficConfig};
use sim_core::world::World;

/// A network to dispatch on: its world, traffic and the nodes bookings start and end at.
struct City {
    world: Arc<World>,
    traffic: Arc<TrafficConfig>,
    nodes: Vec<NodeId>,
}

const NOW: SimTime = SimTime::from_day_hms(0, 10, 0, 0);

/// A one-pet booking between two of the city's nodes, its pickup wanted at once.
fn booking(city: &City, rng: &mut ChaCha8Rng, b: u32) -> (PlanStop, PlanStop) {
    let species = [Species::Dog, Species::Cat][rng.random_range(0..2)];
    let size = [SizeClass::Small, SizeClass::Medium, SizeClass::Large][rng.random_range(0..3)];
    let pick = |rng: &mut ChaCha8Rng| city.nodes[rng.random_range(0..city.nodes.len())];
    let (from, to) = (pick(rng), pick(rng));
    let spec = Arc::new(BookingSpec {
        booking: BookingId(b),
        customer: CustomerId(b),
        customer_actor: ActorId(0),
        pets: vec![PetSpec {
            pet: PetId(b),
            actor: ActorId(0),
            species,
            size,
            weight_kg: 6.0,
            rest_interval: None,
        }],
        pickup: from,
        dropoff: to,
        requested_at: NOW,
        pickup_after: NOW,
        addon: None,
        returns: false,
        service_time: SimDuration::ZERO,
        vehicle: None,
    });
    let (dogs, cats) = spec.species();
    let stop = |kind, node| PlanStop {
        booking: spec.booking,
        leg: Leg::Outbound,
        kind,
        node,
        earliest: NOW,
        latest: NOW + SimDuration::from_mins(30),
        load: spec.load(),
        household: spec.customer,
        dogs,
        cats,
        ride_limit: SimDuration::from_mins(90),
        direct: SimDuration::ZERO,
        quote_won: 20_000,
        surge: 1.0,
        spec: spec.clone(),
    };
    (stop(StopKind::Pickup, from), stop(StopKind::Dropoff, to))
}

fn request<'a>(p: &'a PlanStop, d: &'a PlanStop) -> Request<'a> {
    Request {
        pickup: p,
        dropoff: d,
        pinned: None,
        overtime: false,
        window_end: p.latest,
    }
}

/// `vans` vans at random nodes, then `2 x vans` bookings placed one by one as the
/// dispatcher places them (best insertion, plan updated), so plans hold a few stops each.
fn loaded_fleet(city: &City, vans: u32, seed: u64) -> Fleet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let estimates = Estimates::new(std::sync::Arc::new(
        sim_core::dispatch::estimates::ProfileHierarchies::new(
            city.world.clone(),
            city.traffic.clone(),
            None,
        ),
    ));
    let dwell = Dwell {
        pickup: SimDuration::from_mins(3),
        dropoff: SimDuration::from_mins(3),
    };
    let actors = (0..vans).map(ActorId).collect();
    let mut fleet = Fleet::new(
        city.world.clone(),
        estimates,
        actors,
        dwell,
        InsertMode::Pooled,
    );
    for v in 0..vans as usize {
        let view = VehicleView {
            node: city.nodes[rng.random_range(0..city.nodes.len())],
            at: NOW,
            aboard: vec![],
            plan: vec![],
            crates: Crates([2, 1, 1]),
            shift_end: NOW + SimDuration::from_hours(8),
            available: true,
            locked: 0,
            version: 0,
        };
        fleet.set_view(v, Arc::new(view), NOW);
    }
    for b in 0..2 * vans {
        let (p, d) = booking(city, &mut rng, b);
        if let Ok((v, at)) = fleet.best_vehicle(NOW, request(&p, &d)) {
            let mut view = VehicleView::clone(fleet.vehicles[v].view.as_ref().expect("view"));
            view.plan.insert(at.pickup_at, p);
            view.plan.insert(at.dropoff_at, d);
            fleet.set_view(v, Arc::new(view), NOW);
        }
    }
    fleet
}

fn bundled() -> City {
    let data = data::load(&DataFiles::bundled()).expect("bundled data");
    let traffic = TrafficConfig::profile_only(
        data.profiles.clone(),
        data.accidents,
        vec![DayType::Weekday],
    );
    // Seoul's nodes: where the city's bookings start and end.
    let nodes = data
        .world
        .net
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            (37.42..37.72).contains(&n.point.y()) && (126.76..127.19).contains(&n.point.x())
        })
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    City {
        world: data.world.clone(),
        traffic: Arc::new(traffic),
        nodes,
    }
}

fn imported() -> City {
    let world = petfleet_benches::imported_world();
    let nodes = world
        .net
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.stop_only)
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    let accidents = sim_core::traffic::AccidentParams {
        rate_per_km_h: 0.0,
        closure_share: 0.0,
        lanes_lost_max: 1,
        mean_duration_min: 1.0,
        capacity_factor_per_lane_lost: 1.0,
    };
    let traffic =
        TrafficConfig::profile_only(Profiles::flat(), [accidents; 4], vec![DayType::Weekday]);
    City {
        world,
        traffic: Arc::new(traffic),
        nodes,
    }
}

fn insertion(c: &mut Criterion) {
    const QUERIES: u32 = 200;
    for (name, city, vans) in [("bundled", bundled(), 250), ("imported", imported(), 150)] {
        let mut g = c.benchmark_group(format!("insertion_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(u64::from(QUERIES)));
        for scale in [1, 4] {
            let mut fleet = loaded_fleet(&city, vans * scale, 5);
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let queries: Vec<_> = (0..QUERIES)
                .map(|b| booking(&city, &mut rng, 1_000_000 + b))
                .collect();
            g.bench_function(BenchmarkId::new("indexed", vans * scale), |b| {
                b.iter(|| {
                    let placed = queries
                        .iter()
                        .filter(|(p, d)| fleet.best_vehicle(NOW, request(p, d)).is_ok())
                        .count();
                    assert!(placed > 0);
                });
            });
            g.bench_function(BenchmarkId::new("exhaustive", vans * scale), |b| {
                b.iter(|| {
                    queries
                        .iter()
                        .filter(|(p, d)| fleet.best_vehicle_exhaustive(NOW, request(p, d)).is_ok())
                        .count()
                });
            });
        }
        g.finish();
    }
}

criterion_group!(benches, insertion);
criterion_main!(benches);
