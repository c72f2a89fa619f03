use super::*;

/// A booking of `pets` for `household` from node `from` to `to` (tests of dispatch too).
pub(crate) fn spec(
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
        Box::new(|x| x.direct = SimDuration(1)),
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
