use super::*;
use crate::traffic::{AccidentParams, Profiles};
use crate::world::network::tests::square;

fn cfg() -> TrafficConfig {
    let p = AccidentParams {
        rate_per_km_h: 0.0,
        closure_share: 0.0,
        lanes_lost_max: 1,
        mean_duration_min: 1.0,
        capacity_factor_per_lane_lost: 1.0,
    };
    TrafficConfig::profile_only(Profiles::flat(), [p; 4], vec![DayType::Weekday])
}

const DWELL: Dwell = Dwell {
    pickup: SimDuration::from_mins(5),
    dropoff: SimDuration::from_mins(5),
};

fn spec(
    b: u32,
    household: u32,
    pets: &[(Species, SizeClass)],
    from: u32,
    to: u32,
) -> Arc<BookingSpec> {
    Arc::new(BookingSpec {
        booking: BookingId(b),
        customer: CustomerId(household),
        customer_actor: ActorId(0),
        pets: pets
            .iter()
            .enumerate()
            .map(|(i, &(species, size))| PetSpec {
                pet: PetId(b * 10 + i as u32),
                actor: ActorId(0),
                species,
                size,
                weight_kg: 5.0,
                rest_interval: None,
            })
            .collect(),
        pickup: NodeId(from),
        dropoff: NodeId(to),
        requested_at: SimTime::ZERO,
        pickup_after: SimTime::ZERO,
        addon: None,
        returns: false,
        service_time: SimDuration::ZERO,
        vehicle: None,
    })
}

fn stops(s: &Arc<BookingSpec>, ride_limit_min: u64) -> (PlanStop, PlanStop) {
    let (dogs, cats) = s.species();
    let mk = |kind, node| PlanStop {
        booking: s.booking,
        leg: Leg::Outbound,
        kind,
        node,
        earliest: s.pickup_after,
        latest: SimTime::MAX,
        load: s.load(),
        household: s.customer,
        dogs,
        cats,
        ride_limit: SimDuration::from_mins(ride_limit_min),
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

#[test]
fn crates_take_pets_of_their_size_or_smaller() {
    let c = Crates([1, 1, 1]);
    assert!(c.fits(Load([1, 1, 1])));
    assert!(c.fits(Load([3, 0, 0])), "small pets fit any slot");
    assert!(
        !c.fits(Load([0, 0, 2])),
        "two large pets need two large slots"
    );
    assert!(!c.fits(Load([0, 2, 1])));
    assert!(c.fits(Load([0, 2, 0])), "a medium pet fits a large slot");
}

#[test]
fn too_many_large_dogs_are_rejected_for_crates() {
    let world = World::new(square());
    let m = TravelMatrix::build(&world, &cfg());
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
    let (p, d) = stops(&b, 120);
    assert_eq!(
        best_insertion(&view([2, 2, 1]), &p, &d, &m, &cfg(), DWELL).unwrap_err(),
        Infeasible::CrateSlots
    );
    assert!(best_insertion(&view([2, 2, 2]), &p, &d, &m, &cfg(), DWELL).is_ok());
}

#[test]
fn dogs_and_cats_of_different_households_never_share() {
    let world = World::new(square());
    let m = TravelMatrix::build(&world, &cfg());
    let dog = spec(1, 1, &[(Species::Dog, SizeClass::Small)], 1, 2);
    let cat = spec(2, 2, &[(Species::Cat, SizeClass::Small)], 1, 2);
    let same_house_cat = spec(3, 1, &[(Species::Cat, SizeClass::Small)], 1, 2);
    let (dp, dd) = stops(&dog, 120);
    let mut v = view([4, 2, 1]);
    v.plan = best_insertion(&v, &dp, &dd, &m, &cfg(), DWELL)
        .unwrap()
        .plan;
    // The cat of another household can only ride before or after the dog, never with it.
    let (cp, cd) = stops(&cat, 120);
    let ins = best_insertion(&v, &cp, &cd, &m, &cfg(), DWELL).unwrap();
    let order: Vec<_> = ins.plan.iter().map(|s| (s.booking.0, s.kind)).collect();
    let dog_span = (
        order
            .iter()
            .position(|x| *x == (1, StopKind::Pickup))
            .unwrap(),
        order
            .iter()
            .position(|x| *x == (1, StopKind::Dropoff))
            .unwrap(),
    );
    let cat_span = (
        order
            .iter()
            .position(|x| *x == (2, StopKind::Pickup))
            .unwrap(),
        order
            .iter()
            .position(|x| *x == (2, StopKind::Dropoff))
            .unwrap(),
    );
    assert!(
        cat_span.0 > dog_span.1 || cat_span.1 < dog_span.0,
        "{order:?}"
    );
    // The household's own cat may ride with its dog: pooled into the same ride.
    let (hp, hd) = stops(&same_house_cat, 120);
    let pooled = best_insertion(&v, &hp, &hd, &m, &cfg(), DWELL).unwrap();
    let o: Vec<_> = pooled.plan.iter().map(|s| (s.booking.0, s.kind)).collect();
    let pos = |x| o.iter().position(|y| *y == x).unwrap();
    assert!(
        pos((3, StopKind::Pickup)) < pos((1, StopKind::Dropoff))
            && pos((1, StopKind::Pickup)) < pos((3, StopKind::Dropoff)),
        "they ride together: {o:?}"
    );
}

#[test]
fn ride_time_limits_and_shift_ends_are_enforced() {
    let world = World::new(square());
    let m = TravelMatrix::build(&world, &cfg());
    // A -> B is 9 km at 100 km/h: 324 s + 5 min load; a 5 min limit is too short.
    let b = spec(1, 1, &[(Species::Dog, SizeClass::Small)], 0, 1);
    let (p, d) = stops(&b, 5);
    assert_eq!(
        best_insertion(&view([2, 2, 1]), &p, &d, &m, &cfg(), DWELL).unwrap_err(),
        Infeasible::RideTime
    );
    let (p, d) = stops(&b, 30);
    let mut v = view([2, 2, 1]);
    v.shift_end = SimTime::from_day_hms(0, 0, 10, 0);
    assert_eq!(
        best_insertion(&v, &p, &d, &m, &cfg(), DWELL).unwrap_err(),
        Infeasible::ShiftEnd
    );
    v.shift_end = SimTime::from_day_hms(0, 1, 0, 0);
    let ins = best_insertion(&v, &p, &d, &m, &cfg(), DWELL).unwrap();
    assert_eq!(
        ins.pickup_eta,
        SimTime::ZERO,
        "the vehicle is at the pickup"
    );
}

#[test]
fn matrix_agrees_with_routing() {
    let world = World::new(square());
    let m = TravelMatrix::build(&world, &cfg());
    let r = world
        .route(&crate::world::FreeFlow, NodeId(0), NodeId(2))
        .unwrap();
    let t = m.time_s(&cfg(), SimTime(3_600_000), NodeId(0), NodeId(2));
    assert!((t - r.time_s).abs() < 1e-2, "{t} vs {}", r.time_s);
}

#[test]
fn every_plan_stop_field_enters_the_trace_hash() {
    let s = spec(1, 1, &[(Species::Dog, SizeClass::Medium)], 0, 2);
    let (p, _) = stops(&s, 60);
    let hash = |x: &PlanStop| {
        let mut h = TraceHasher::new();
        x.encode(&mut h);
        h.finish()
    };
    let base = hash(&p);
    let mut other_spec = (*s).clone();
    other_spec.service_time = SimDuration::from_mins(1);
    type Change = Box<dyn Fn(&mut PlanStop)>;
    let changes: Vec<Change> = vec![
        Box::new(|x| x.booking = BookingId(9)),
        Box::new(|x| x.leg = Leg::Return),
        Box::new(|x| x.kind = StopKind::Dropoff),
        Box::new(|x| x.node = NodeId(3)),
        Box::new(|x| x.earliest = SimTime(1)),
        Box::new(|x| x.latest = SimTime(1)),
        Box::new(|x| x.load = Load([1, 0, 0])),
        Box::new(|x| x.household = CustomerId(7)),
        Box::new(|x| x.dogs = false),
        Box::new(|x| x.cats = true),
        Box::new(|x| x.ride_limit = SimDuration(1)),
        Box::new(|x| x.quote_won = 1),
        Box::new(|x| x.surge = 1.5),
        Box::new(move |x| x.spec = Arc::new(other_spec.clone())),
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut q = p.clone();
        change(&mut q);
        assert_ne!(hash(&q), base, "change {i} left the hash unchanged");
    }
}
