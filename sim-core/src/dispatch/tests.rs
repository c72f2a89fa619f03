use std::sync::Arc;

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::estimates::LegTimes;
use super::exhaustive;
use super::plan::{InsertMode, NewStops, Placement, PlanCache, Scratch};
use crate::booking::tests::spec;
use crate::booking::{
    Aboard, BookingSpec, Crates, Infeasible, Leg, PlanStop, Species, StopKind, VehicleView,
};
use crate::fare::SizeClass;
use crate::ids::{ActorId, NodeId};
use crate::time::{SimDuration, SimTime};

/// Nodes on a grid, travel time = Manhattan distance x one minute (a metric).
struct Grid(Vec<(i64, i64)>);

impl LegTimes for Grid {
    fn leg_ms(&mut self, a: NodeId, b: NodeId) -> Option<u64> {
        let (p, q) = (self.0[a.index()], self.0[b.index()]);
        Some((((p.0 - q.0).abs() + (p.1 - q.1).abs()) * 60_000) as u64)
    }
}

/// The square of the routing tests as a leg-time table: A-B 9 km, B-C 11.2 km, C-D 9 km,
/// D-A 12 km at 100 km/h, A-C 15 km at 50 km/h (fastest A-C via B: 727.2 s).
struct Square;

impl LegTimes for Square {
    fn leg_ms(&mut self, a: NodeId, b: NodeId) -> Option<u64> {
        const T: [[u64; 4]; 4] = [
            [0, 324_000, 727_200, 432_000],
            [324_000, 0, 403_200, 727_200],
            [727_200, 403_200, 0, 324_000],
            [432_000, 727_200, 324_000, 0],
        ];
        Some(T[a.index()][b.index()])
    }
}

const DWELL_MS: u64 = 300_000;

fn stops(
    s: &Arc<BookingSpec>,
    earliest: SimTime,
    latest: SimTime,
    limit: SimDuration,
) -> (PlanStop, PlanStop) {
    let (dogs, cats) = s.species();
    let mk = |kind, node| PlanStop {
        booking: s.booking,
        leg: Leg::Outbound,
        kind,
        node,
        earliest,
        latest,
        load: s.load(),
        household: s.customer,
        dogs,
        cats,
        ride_limit: limit,
        direct: SimDuration::ZERO,
        quote_won: 10_000,
        surge: 1.0,
        spec: s.clone(),
    };
    (
        mk(StopKind::Pickup, s.pickup),
        mk(StopKind::Dropoff, s.dropoff),
    )
}

fn view(crates: [u32; 3]) -> VehicleView {
    VehicleView {
        node: NodeId(0),
        at: SimTime::ZERO,
        aboard: vec![],
        plan: vec![],
        crates: Crates(crates),
        shift_end: SimTime::from_day_hms(0, 23, 0, 0),
        available: true,
        locked: 0,
        version: 0,
    }
}

fn new_stops<'a>(p: &'a PlanStop, d: &'a PlanStop) -> NewStops<'a> {
    NewStops {
        pickup: p,
        dropoff: d,
        dwell_pickup_ms: DWELL_MS,
        dwell_dropoff_ms: DWELL_MS,
    }
}

/// The cached search, as dispatch runs it.
fn fast(
    v: &VehicleView,
    p: &PlanStop,
    d: &PlanStop,
    times: &mut dyn LegTimes,
    mode: InsertMode,
) -> Result<Placement, Infeasible> {
    let mut cache = PlanCache::build(v, v.at, times, DWELL_MS, DWELL_MS, true);
    cache.best_insertion(
        v,
        new_stops(p, d),
        times,
        mode,
        v.shift_end,
        &mut Scratch::default(),
    )
}

fn slow(
    v: &VehicleView,
    p: &PlanStop,
    d: &PlanStop,
    times: &mut dyn LegTimes,
    mode: InsertMode,
) -> Result<Placement, Infeasible> {
    exhaustive::best_insertion(v, v.at, new_stops(p, d), times, mode)
}

fn insert(v: &mut VehicleView, p: &PlanStop, d: &PlanStop, at: Placement) {
    v.plan.insert(at.pickup_at, p.clone());
    v.plan.insert(at.dropoff_at, d.clone());
}

const ANY: SimTime = SimTime::MAX;
const LONG: SimDuration = SimDuration::from_hours(2);

#[test]
fn too_many_large_dogs_are_rejected_for_crates() {
    let b = spec(
        1,
        1,
        &[
            (Species::Dog, SizeClass::Large),
            (Species::Dog, SizeClass::Large),
        ],
        1,
        2,
    );
    let (p, d) = stops(&b, SimTime::ZERO, ANY, LONG);
    for search in [fast, slow] {
        assert_eq!(
            search(&view([2, 2, 1]), &p, &d, &mut Square, InsertMode::Pooled).unwrap_err(),
            Infeasible::CrateSlots
        );
        assert!(search(&view([2, 2, 2]), &p, &d, &mut Square, InsertMode::Pooled).is_ok());
    }
}

#[test]
fn dogs_and_cats_of_different_households_never_share() {
    let dog = spec(1, 1, &[(Species::Dog, SizeClass::Small)], 1, 2);
    let cat = spec(2, 2, &[(Species::Cat, SizeClass::Small)], 1, 2);
    let same_house_cat = spec(3, 1, &[(Species::Cat, SizeClass::Small)], 1, 2);
    for search in [fast, slow] {
        let (dp, dd) = stops(&dog, SimTime::ZERO, ANY, LONG);
        let mut v = view([4, 2, 1]);
        let at = search(&v, &dp, &dd, &mut Square, InsertMode::Pooled).unwrap();
        insert(&mut v, &dp, &dd, at);
        // The cat of another household rides before or after the dog, never with it.
        let (cp, cd) = stops(&cat, SimTime::ZERO, ANY, LONG);
        let at = search(&v, &cp, &cd, &mut Square, InsertMode::Pooled).unwrap();
        assert!(
            at.pickup_at >= 2 || at.dropoff_at <= at.pickup_at + 1,
            "{at:?}"
        );
        // The household's own cat may ride with its dog.
        let (hp, hd) = stops(&same_house_cat, SimTime::ZERO, ANY, LONG);
        let at = search(&v, &hp, &hd, &mut Square, InsertMode::Pooled).unwrap();
        let mut pooled = v.clone();
        insert(&mut pooled, &hp, &hd, at);
        let pos = |b: u32, k| {
            pooled
                .plan
                .iter()
                .position(|s| s.booking.0 == b && s.kind == k)
                .unwrap()
        };
        assert!(
            pos(3, StopKind::Pickup) < pos(1, StopKind::Dropoff)
                && pos(1, StopKind::Pickup) < pos(3, StopKind::Dropoff),
            "they ride together"
        );
    }
}

#[test]
fn ride_time_limits_and_shift_ends_are_enforced() {
    // A -> B is 324 s of driving after the 5 min load: a 5 min limit is too short.
    let b = spec(1, 1, &[(Species::Dog, SizeClass::Small)], 0, 1);
    for search in [fast, slow] {
        let (p, d) = stops(&b, SimTime::ZERO, ANY, SimDuration::from_mins(5));
        assert_eq!(
            search(&view([2, 2, 1]), &p, &d, &mut Square, InsertMode::Pooled).unwrap_err(),
            Infeasible::RideTime
        );
        let (p, d) = stops(&b, SimTime::ZERO, ANY, SimDuration::from_mins(30));
        let mut v = view([2, 2, 1]);
        v.shift_end = SimTime::from_day_hms(0, 0, 10, 0);
        assert_eq!(
            search(&v, &p, &d, &mut Square, InsertMode::Pooled).unwrap_err(),
            Infeasible::ShiftEnd
        );
        v.shift_end = SimTime::from_day_hms(0, 1, 0, 0);
        let at = search(&v, &p, &d, &mut Square, InsertMode::Pooled).unwrap();
        assert_eq!(at.pickup_eta, SimTime::ZERO, "the vehicle is at the pickup");
    }
}

#[test]
fn hailing_puts_one_booking_aboard_at_a_time() {
    let first = spec(1, 1, &[(Species::Dog, SizeClass::Small)], 0, 2);
    let second = spec(2, 1, &[(Species::Dog, SizeClass::Small)], 1, 2);
    for search in [fast, slow] {
        let mut v = view([2, 2, 1]);
        let (p, d) = stops(&first, SimTime::ZERO, ANY, LONG);
        let at = search(&v, &p, &d, &mut Square, InsertMode::Single).unwrap();
        insert(&mut v, &p, &d, at);
        let (p2, d2) = stops(&second, SimTime::ZERO, ANY, LONG);
        // Pooled, it rides along from B; hailing queues it after the first.
        let pooled = search(&v, &p2, &d2, &mut Square, InsertMode::Pooled).unwrap();
        assert_eq!((pooled.pickup_at, pooled.dropoff_at), (1, 2));
        let single = search(&v, &p2, &d2, &mut Square, InsertMode::Single).unwrap();
        assert_eq!((single.pickup_at, single.dropoff_at), (2, 3));
    }
}

/// A random plan with bookings aboard and stops, built from valid insertions, and a new
/// booking: the situations dispatch meets, over a 6 x 6 grid of nodes.
fn instance(seed: u64) -> (Grid, VehicleView, PlanStop, PlanStop, InsertMode) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nodes = rng.random_range(2..9);
    let mut grid = Grid(
        (0..nodes)
            .map(|_| (rng.random_range(0..6), rng.random_range(0..6)))
            .collect(),
    );
    let crates = [
        rng.random_range(0..3),
        rng.random_range(0..3),
        rng.random_range(1..3),
    ];
    let mut v = view(crates);
    v.node = NodeId(rng.random_range(0..nodes as u32));
    v.at = SimTime(rng.random_range(0..30) * 60_000);
    v.shift_end = SimTime(rng.random_range(60..600) * 60_000);
    let mode = if rng.random_bool(0.2) {
        InsertMode::Single
    } else {
        InsertMode::Pooled
    };
    let random_booking = |rng: &mut ChaCha8Rng, b: u32| {
        let species = if rng.random_bool(0.5) {
            Species::Dog
        } else {
            Species::Cat
        };
        let size = [SizeClass::Small, SizeClass::Medium, SizeClass::Large][rng.random_range(0..3)];
        let from = rng.random_range(0..nodes as u32);
        let to = rng.random_range(0..nodes as u32);
        let s = spec(b, rng.random_range(0..3), &[(species, size)], from, to);
        let earliest = SimTime(rng.random_range(0..90) * 60_000);
        let latest = if rng.random_bool(0.2) {
            ANY
        } else {
            earliest + SimDuration::from_mins(rng.random_range(5..60))
        };
        let limit = SimDuration::from_mins(rng.random_range(5..60));
        stops(&s, earliest, latest, limit)
    };
    // Pets already aboard (their drop-offs go into the plan).
    for b in 0..rng.random_range(0..3) {
        let (p, d) = random_booking(&mut rng, 100 + b);
        v.aboard.push(Aboard {
            booking: p.booking,
            leg: p.leg,
            load: p.load,
            household: p.household,
            dogs: p.dogs,
            cats: p.cats,
            picked_at: SimTime(
                v.at.as_ms()
                    .saturating_sub(rng.random_range(0..20) * 60_000),
            ),
            ride_limit: p.ride_limit,
        });
        let at = rng.random_range(0..=v.plan.len());
        v.plan.insert(at, d);
    }
    for b in 0..rng.random_range(0..5) {
        let (p, d) = random_booking(&mut rng, b);
        if let Ok(at) = exhaustive::best_insertion(&v, v.at, new_stops(&p, &d), &mut grid, mode) {
            insert(&mut v, &p, &d, at);
        }
    }
    v.locked = usize::from(!v.plan.is_empty() && rng.random_bool(0.3));
    let (p, d) = random_booking(&mut rng, 999);
    (grid, v, p, d, mode)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// The cached O(1) checks choose exactly what trying every insertion chooses: the same
    /// positions, the same added time and arrival, or no insertion at all.
    #[test]
    fn cached_search_equals_exhaustive(seed in any::<u64>()) {
        let (mut grid, v, p, d, mode) = instance(seed);
        let slow_choice = slow(&v, &p, &d, &mut grid, mode);
        let fast_choice = fast(&v, &p, &d, &mut grid, mode);
        prop_assert_eq!(fast_choice.is_ok(), slow_choice.is_ok(), "{:?} vs {:?}", fast_choice, slow_choice);
        if let (Ok(f), Ok(s)) = (fast_choice, slow_choice) {
            prop_assert_eq!(f, s);
        }
    }
}

/// A small city: a grid of `side` x `side` nodes about 1.1 km apart, two-way streets with
/// random speeds, some one-way.
fn grid_world(rng: &mut ChaCha8Rng, side: u32) -> Arc<crate::world::World> {
    use crate::world::{DirectedEdgeSpec, NodeKind, NodeSpec, RoadClass, RoadNetwork, World};
    let nodes = (0..side * side)
        .map(|i| NodeSpec {
            name: format!("n{i}"),
            lat: 37.5 + f64::from(i / side) * 0.01,
            lon: 127.0 + f64::from(i % side) * 0.0125,
            kind: NodeKind::Intersection,
            population: None,
            stop_only: false,
        })
        .collect();
    let mut edges = Vec::new();
    let mut street = |a: u32, b: u32, rng: &mut ChaCha8Rng| {
        let speed_kmh = [20.0, 30.0, 50.0, 80.0][rng.random_range(0..4)];
        let one_way = rng.random_bool(0.15);
        for (from, to) in [(a, b), (b, a)]
            .into_iter()
            .take(if one_way { 1 } else { 2 })
        {
            edges.push(DirectedEdgeSpec {
                from: NodeId(from),
                to: NodeId(to),
                road: String::new(),
                class: RoadClass::Arterial,
                length_m: 1_150.0,
                speed_kmh,
                lanes: 1,
            });
        }
    };
    for i in 0..side * side {
        if i % side + 1 < side {
            street(i, i + 1, rng);
        }
        if i / side + 1 < side {
            street(i, i + side, rng);
        }
    }
    Arc::new(World::new(
        RoadNetwork::build_directed(nodes, edges).unwrap(),
    ))
}

/// A fleet over a random grid city, vehicles with plans built from valid insertions and
/// reports of various ages, and a request.
fn fleet_instance(seed: u64) -> (super::Fleet, SimTime, PlanStop, PlanStop, bool) {
    fleet_instance_sized(seed, None)
}

/// An empty fleet of 1-11 vans on `world` under flat profiles, and its insertion mode.
fn random_fleet(
    rng: &mut ChaCha8Rng,
    world: Arc<crate::world::World>,
) -> (super::Fleet, InsertMode) {
    use crate::traffic::{AccidentParams, DayType, Profiles, TrafficConfig};
    let p = AccidentParams {
        rate_per_km_h: 0.0,
        closure_share: 0.0,
        lanes_lost_max: 1,
        mean_duration_min: 1.0,
        capacity_factor_per_lane_lost: 1.0,
    };
    let traffic = Arc::new(TrafficConfig::profile_only(
        Profiles::flat(),
        [p; 4],
        vec![DayType::Weekday],
    ));
    let estimates = super::estimates::Estimates::new(std::sync::Arc::new(
        super::estimates::ProfileHierarchies::new(world.clone(), traffic, None),
    ));
    let mode = if rng.random_bool(0.2) {
        InsertMode::Single
    } else {
        InsertMode::Pooled
    };
    let vans = rng.random_range(1..12);
    let dwell = crate::booking::Dwell {
        pickup: SimDuration(DWELL_MS),
        dropoff: SimDuration(DWELL_MS),
    };
    let actors = (0..vans).map(ActorId).collect();
    (
        super::Fleet::new(world, estimates, actors, dwell, mode),
        mode,
    )
}

/// A random one-pet booking `b` between nodes below `nodes`.
fn random_booking(rng: &mut ChaCha8Rng, b: u32, nodes: u32) -> (PlanStop, PlanStop) {
    let species = if rng.random_bool(0.5) {
        Species::Dog
    } else {
        Species::Cat
    };
    let size = [SizeClass::Small, SizeClass::Medium, SizeClass::Large][rng.random_range(0..3)];
    let s = spec(
        b,
        rng.random_range(0..3),
        &[(species, size)],
        rng.random_range(0..nodes),
        rng.random_range(0..nodes),
    );
    let earliest = SimTime(rng.random_range(0..90) * 60_000);
    let latest = earliest + SimDuration::from_mins(rng.random_range(5..60));
    stops(
        &s,
        earliest,
        latest,
        SimDuration::from_mins(rng.random_range(5..60)),
    )
}

/// A random fleet on a grid of `side` x `side` nodes (random 2-5 when `None`).
fn fleet_instance_sized(
    seed: u64,
    side: Option<u32>,
) -> (super::Fleet, SimTime, PlanStop, PlanStop, bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let side = side.unwrap_or_else(|| rng.random_range(2..6));
    let world = grid_world(&mut rng, side);
    let nodes = side * side;
    let (mut fleet, mode) = random_fleet(&mut rng, world);
    let vans = fleet.vehicles.len();
    let now = SimTime(rng.random_range(30..60) * 60_000);
    let booking = |rng: &mut ChaCha8Rng, b: u32| random_booking(rng, b, nodes);
    for v in 0..vans {
        let mut view = view([
            rng.random_range(0..3),
            rng.random_range(0..3),
            rng.random_range(1..3),
        ]);
        view.node = NodeId(rng.random_range(0..nodes));
        // Reported a while ago (its plan start slips to now) or about to reach its node.
        view.at = SimTime(rng.random_range(0..80) * 60_000);
        view.shift_end = SimTime(rng.random_range(60..600) * 60_000);
        view.available = rng.random_bool(0.9);
        let slot = fleet.estimates.slot(now);
        for b in 0..rng.random_range(0..4) {
            let (p, d) = booking(&mut rng, (v * 10 + b) as u32);
            let mut times = super::estimates::AtSlot {
                estimates: &mut fleet.estimates,
                slot,
            };
            let start = super::start_of(&view, now);
            if let Ok(at) =
                exhaustive::best_insertion(&view, start, new_stops(&p, &d), &mut times, mode)
            {
                insert(&mut view, &p, &d, at);
            }
        }
        fleet.set_view(v, Arc::new(view), SimTime(rng.random_range(0..30) * 60_000));
    }
    let (p, d) = booking(&mut rng, 9_999);
    (fleet, now, p, d, rng.random_bool(0.1))
}

/// The indexed search's choice for the booking (`p`, `d`) against the exhaustive one.
fn indexed_equals_exhaustive(
    fleet: &mut super::Fleet,
    now: SimTime,
    (p, d): (&PlanStop, &PlanStop),
    overtime: bool,
) -> Result<(), TestCaseError> {
    let req = super::Request {
        pickup: p,
        dropoff: d,
        pinned: None,
        overtime,
        window_end: p.latest,
    };
    let slow_choice = fleet.best_vehicle_exhaustive(now, req);
    let fast_choice = fleet.best_vehicle(now, req);
    prop_assert_eq!(
        fast_choice.is_ok(),
        slow_choice.is_ok(),
        "{:?} vs {:?}",
        fast_choice,
        slow_choice
    );
    if let (Ok(f), Ok(s)) = (fast_choice, slow_choice) {
        prop_assert_eq!(f, s);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// The indexed search over the fleet picks exactly what the exhaustive search over
    /// every vehicle picks: the same vehicle, positions, added time and arrival (with
    /// travel times as lookups in sweeps, and with bounds first).
    #[test]
    fn indexed_fleet_search_equals_exhaustive(seed in any::<u64>()) {
        let (mut fleet, now, p, d, overtime) = fleet_instance(seed);
        fleet.lookups = seed % 2 == 0;
        indexed_equals_exhaustive(&mut fleet, now, (&p, &d), overtime)?;
    }
}

proptest! {
    /// A detour that fits with the booking's real legs fits with any lower bounds on them:
    /// what lets the index rule positions out with landmark bounds before routing.
    #[test]
    fn a_detour_fits_with_lower_bounds_when_it_fits(
        leg in 0i64..3_600_000,
        rooms in (0i64..7_200_000, 0i64..7_200_000),
        slip in 0u64..600_000,
        dwell in (0i64..300_000, 0i64..300_000, 0i64..300_000),
        limit in 0i64..7_200_000,
        legs in proptest::array::uniform5(0i64..3_600_000),
        cuts in proptest::array::uniform4(0.0f64..=1.0),
    ) {
        let detour = super::plan::Detour {
            node: NodeId(0),
            leg_ms: leg,
            latest_room_ms: rooms.0,
            ride_room_ms: rooms.1,
            built: SimTime(1_000_000),
            dwell_ms: dwell.2,
        };
        let now = SimTime(1_000_000 + slip);
        let exact = super::plan::Around {
            to_pickup: legs[0],
            pickup_to_next: legs[1],
            dropoff_to_next: legs[2],
            next_to_dropoff: legs[3],
            direct: legs[4],
        };
        let cut = |t: i64, f: f64| (t as f64 * f) as i64;
        let bounds = super::plan::Around {
            pickup_to_next: cut(exact.pickup_to_next, cuts[0]),
            dropoff_to_next: cut(exact.dropoff_to_next, cuts[1]),
            next_to_dropoff: cut(exact.next_to_dropoff, cuts[2]),
            to_pickup: cut(exact.to_pickup, cuts[3]),
            ..exact
        };
        let fits = |t| detour.absorbs((dwell.0, dwell.1), limit, t, now);
        prop_assert!(!fits(exact) || fits(bounds));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// The same on a grid large enough for landmarks (1,024 nodes): positions are first
    /// ruled out with landmark bounds, and that never rules out the choice.
    #[test]
    fn indexed_search_with_landmarks_equals_exhaustive(seed in any::<u64>()) {
        let (mut fleet, now, p, d, overtime) = fleet_instance_sized(seed, Some(32));
        let slot = fleet.estimates.slot(now);
        prop_assert!(fleet.estimates.landmarks(slot).is_some());
        fleet.lookups = seed % 2 == 0;
        indexed_equals_exhaustive(&mut fleet, now, (&p, &d), overtime)?;
    }
}

/// A saved node order is the one a hierarchy is prepared with (not silently replaced).
#[test]
fn a_given_node_order_is_used() {
    use crate::world::{Ch, FreeFlow};
    let world = grid_world(&mut ChaCha8Rng::seed_from_u64(3), 4);
    let (_, fresh) = Ch::prepare(&world.net, &FreeFlow, 0, None);
    let reversed: Vec<usize> = fresh.iter().rev().copied().collect();
    let (_, used) = Ch::prepare(&world.net, &FreeFlow, 0, Some(&reversed));
    assert_eq!(used, reversed);
}

/// Over three day types (72 hour profiles), at most `RESIDENT` hierarchies are kept at
/// once, and a hierarchy dropped and prepared again answers exactly as before.
#[test]
fn hierarchies_are_bounded_and_prepared_again_alike() {
    use super::estimates::{ProfileHierarchies, RESIDENT};
    use crate::traffic::{AccidentParams, DayType, Profiles, TrafficConfig};
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let world = grid_world(&mut rng, 6);
    let mut profiles = Profiles::flat();
    for (d, day) in profiles.factors.iter_mut().enumerate() {
        for class in day.iter_mut() {
            for (h, f) in class.iter_mut().enumerate() {
                *f = 0.4 + 0.02 * h as f64 + 0.05 * d as f64;
            }
        }
    }
    let p = AccidentParams {
        rate_per_km_h: 0.0,
        closure_share: 0.0,
        lanes_lost_max: 1,
        mean_duration_min: 1.0,
        capacity_factor_per_lane_lost: 1.0,
    };
    let calendar = vec![DayType::Weekday, DayType::Weekend, DayType::Holiday];
    let traffic = Arc::new(TrafficConfig::profile_only(profiles, [p; 4], calendar));
    let shared = ProfileHierarchies::new(world.clone(), traffic, None);
    let net = &world.net;
    let (a, b) = (NodeId(0), NodeId(35));
    let hour = |i: u64| SimTime(i * 3_600_000 + 1_800_000);
    let first: Vec<_> = (0..72)
        .map(|i| {
            let (_, ch, _) = shared.at(hour(i));
            assert!(shared.resident() <= RESIDENT);
            ch.time_ms(net, a, b)
        })
        .collect();
    assert_eq!(shared.resident(), RESIDENT);
    // Day one's hours were dropped for days two and three; prepared again, they agree.
    for i in (0..72).rev() {
        let (_, ch, _) = shared.at(hour(i));
        assert_eq!(ch.time_ms(net, a, b), first[i as usize], "hour {i}");
        assert!(shared.resident() <= RESIDENT);
    }
    assert!(first.windows(2).any(|w| w[0] != w[1]), "profiles differ");
}
