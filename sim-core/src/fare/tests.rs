use proptest::prelude::*;

use super::*;
use crate::time::SimDuration;

/// The Seoul mid-size taxi tariff since 2023-02-01 (mirrors data/tariffs/seoul-taxi-2023.toml).
pub(crate) fn seoul() -> Tariff {
    Tariff {
        name: "seoul-taxi-2023".into(),
        description: String::new(),
        source: String::new(),
        base_fare_won: 4_800,
        base_distance_m: 1_600,
        unit_distance_m: 131,
        unit_fare_won: 100,
        slow_unit_s: 30,
        night: vec![
            NightBand {
                from_min: 22 * 60,
                to_min: 23 * 60,
                surcharge_pct: 20,
            },
            NightBand {
                from_min: 23 * 60,
                to_min: 2 * 60,
                surcharge_pct: 40,
            },
            NightBand {
                from_min: 2 * 60,
                to_min: 4 * 60,
                surcharge_pct: 20,
            },
        ],
        rounding_step_won: 100,
        out_of_city_pct: 20,
        minimum_fare_won: 0,
        pets: PetFees::default(),
        waiting: WaitingFees::default(),
        addons: AddonFees::default(),
        surge: Surge {
            enabled: false,
            min_multiplier: 1.0,
            max_multiplier: 1.0,
            sensitivity: 0.0,
        },
    }
}

fn at(h: u64, m: u64, s: u64) -> SimTime {
    SimTime::from_day_hms(0, h, m, s)
}

fn simple(fast_m: f64, slow_s: f64, start: SimTime) -> i64 {
    let t = seoul();
    price(
        &t,
        &meter_simple(&t, fast_m, slow_s, start),
        &Extras {
            surge: 1.0,
            ..Extras::default()
        },
    )
    .total_won
}

#[test]
fn base_fare_covers_the_first_1600_m() {
    assert_eq!(simple(0.0, 0.0, at(12, 0, 0)), 4_800);
    assert_eq!(simple(1_600.0, 0.0, at(12, 0, 0)), 4_800);
    assert_eq!(
        simple(1_730.0, 0.0, at(12, 0, 0)),
        4_800,
        "130 m is not a completed unit"
    );
    assert_eq!(simple(1_731.0, 0.0, at(12, 0, 0)), 4_900);
    assert_eq!(simple(1_600.0 + 131.0 * 10.0, 0.0, at(12, 0, 0)), 5_800);
}

#[test]
fn slow_time_counts_131_m_per_30_s() {
    assert_eq!(simple(1_600.0, 30.0, at(12, 0, 0)), 4_900);
    assert_eq!(simple(1_600.0, 29.0, at(12, 0, 0)), 4_800);
    assert_eq!(
        simple(0.0, 30.0 * 13.0, at(12, 0, 0)),
        4_800,
        "13 x 131 = 1703 m: under 1600 + 131"
    );
    assert_eq!(simple(0.0, 30.0 * 14.0, at(12, 0, 0)), 4_900);
    let m = meter_simple(&seoul(), 1_600.0 + 131.0 * 3.0, 60.0, at(12, 0, 0));
    assert_eq!((m.distance_units, m.time_units), (3, 2));
}

#[test]
fn night_totals_round_half_up() {
    let d = 1_600.0 + 131.0 * 10.0;
    // 22:00-23:00, +20 %: 5,760 + 1,200 = 6,960 -> 7,000.
    assert_eq!(simple(d, 0.0, at(22, 30, 0)), 7_000);
    // 23:00-02:00, +40 %: 6,720 + 1,400 = 8,120 -> 8,100.
    assert_eq!(simple(d, 0.0, at(23, 0, 0)), 8_100);
    assert_eq!(simple(d, 0.0, at(1, 59, 0)), 8_100);
    // 02:00-04:00, +20 %; 04:00 is day again.
    assert_eq!(simple(d, 0.0, at(2, 0, 0)), 7_000);
    assert_eq!(simple(d, 0.0, at(4, 0, 0)), 5_800);
    // 4,850 rounds up, 4,849 down.
    let t = seoul();
    assert_eq!(t.round(4_850), 4_900);
    assert_eq!(t.round(4_849), 4_800);
}

#[test]
fn unit_completion_times_are_interpolated_within_an_interval() {
    let t = seoul();
    // One fast interval 21:55 -> 22:05 over 1,600 + 20 x 131 m: units complete evenly after
    // the base; the base part (1,600 m of 4,220 m) ends at 21:58:47.5, each unit takes 18.6 s,
    // so units 1..=10 fall before 22:02 ... count those before 22:00 exactly.
    let total = 1_600.0 + 131.0 * 20.0;
    let mut m = Meter::start(&t, at(21, 55, 0), false);
    m.feed(&t, at(21, 55, 0), at(22, 5, 0), total, false);
    let span_ms = 600_000.0;
    let before_22: u64 = (1..=20)
        .filter(|k| {
            let frac = (1_600.0 + 131.0 * *k as f64) / total;
            (frac * span_ms).floor() < 300_000.0
        })
        .count() as u64;
    assert_eq!(m.units_by_pct.get(&0).copied().unwrap_or(0), before_22);
    assert_eq!(
        m.units_by_pct.get(&20).copied().unwrap_or(0),
        20 - before_22
    );
    assert!(before_22 > 0 && before_22 < 20);
    // The base takes the band at boarding (21:55: none).
    assert_eq!(m.parts_won(&t).1, 0);
}

#[test]
fn speed_exactly_at_the_threshold_is_metered_distance() {
    let t = seoul();
    let mut m = Meter::start(&t, at(12, 0, 0), false);
    m.feed(&t, at(12, 0, 0), at(12, 0, 30), 131.0, false);
    assert_eq!((m.metered_m, m.slow_s), (131.0, 0.0));
    m.feed(&t, at(12, 0, 30), at(12, 1, 0), 130.9, false);
    assert_eq!((m.metered_m, m.slow_s), (131.0, 30.0));
}

#[test]
fn trace_meter_matches_the_simple_form_for_a_straight_daytime_ride() {
    let t = seoul();
    // 60 samples 10 s apart, 100 m each (36 km/h, fast): 5,900 m.
    let mut samples = Vec::new();
    let (lat0, lon0) = (37.5, 127.0);
    let dlat = 100.0 / (EARTH_MEAN_RADIUS_M.to_radians());
    for i in 0..60 {
        samples.push(Sample {
            t: at(12, 0, 0) + SimDuration::from_secs(10 * i),
            lat: lat0 + dlat * i as f64,
            lon: lon0,
        });
    }
    let m = meter_trace(&t, &samples);
    assert!((m.metered_m - 5_900.0).abs() < 1e-6, "{}", m.metered_m);
    let fare = price(
        &t,
        &m,
        &Extras {
            surge: 1.0,
            ..Extras::default()
        },
    );
    // (5,900 - 1,600) / 131 = 32.8 -> 32 units: 4,800 + 3,200 = 8,000.
    assert_eq!(fare.total_won, 8_000);
    assert_eq!(fare.distance_units, 32);
}

#[test]
fn published_examples_are_reproduced_roughly() {
    // DOMAIN.md: a 7 km daytime trip about 11,000 including typical slow-traffic time.
    let day = simple(7_000.0, 600.0, at(14, 0, 0));
    assert!((10_500..=11_500).contains(&day), "{day}");
    // A 10 km night trip about 17,700 (at 23:00-02:00 with some slow time).
    let night = simple(10_000.0, 420.0, at(23, 30, 0));
    assert!((16_500..=18_500).contains(&night), "{night}");
}

#[test]
fn extras_and_minimum() {
    let mut t = seoul();
    t.pets = PetFees {
        included_pets: 1,
        extra_pet_won: 2_000,
        size_fee_won: [0, 3_000, 6_000],
    };
    t.waiting = WaitingFees {
        free_min: 5,
        per_min_won: 500,
    };
    t.addons = AddonFees {
        vet_escort_won: 10_000,
        grooming_booking_won: 0,
        hotel_checkin_won: 5_000,
    };
    t.minimum_fare_won = 15_000;
    let m = meter_simple(&t, 0.0, 0.0, at(12, 0, 0));
    let e = Extras {
        pets: vec![SizeClass::Large, SizeClass::Small],
        waited_s: 7 * 60 + 1,
        addons: vec![Addon::VetVisit],
        tolls_won: 1_250,
        surge: 1.0,
    };
    let f = price(&t, &m, &e);
    assert_eq!(f.pet_fees_won, 6_000 + 2_000);
    assert_eq!(
        f.waiting_fee_won,
        3 * 500,
        "2 min 1 s over: 3 started minutes"
    );
    assert_eq!(f.addon_fees_won, 10_000);
    assert_eq!(f.subtotal_won, 4_800 + 8_000 + 1_500 + 10_000 + 1_250);
    assert_eq!(f.total_won, 25_600);
    let bare = price(
        &t,
        &m,
        &Extras {
            surge: 1.0,
            ..Extras::default()
        },
    );
    assert_eq!(bare.minimum_adjust_won, 15_000 - 4_800);
    assert_eq!(bare.total_won, 15_000);
}

#[test]
fn surge_multiplier_is_capped() {
    let s = Surge {
        enabled: true,
        min_multiplier: 1.0,
        max_multiplier: 2.0,
        sensitivity: 0.5,
    };
    assert_eq!(s.multiplier(1.0), 1.0);
    assert_eq!(s.multiplier(3.0), 2.0);
    assert_eq!(s.multiplier(0.2), 1.0);
    assert_eq!(s.multiplier(f64::INFINITY), 2.0);
    let off = Surge {
        enabled: false,
        ..s
    };
    assert_eq!(off.multiplier(10.0), 1.0);
}

proptest! {
    #[test]
    fn fare_never_falls_as_distance_or_slow_time_grows(
        fast in 0.0f64..500_000.0, slow in 0.0f64..20_000.0,
        more_fast in 0.0f64..50_000.0, more_slow in 0.0f64..5_000.0,
        minute in 0u64..1_440,
    ) {
        let start = SimTime(minute * 60_000);
        let a = simple(fast, slow, start);
        prop_assert!(simple(fast + more_fast, slow, start) >= a);
        prop_assert!(simple(fast, slow + more_slow, start) >= a);
    }

    #[test]
    fn totals_are_always_whole_hundreds(fast in 0.0f64..500_000.0, slow in 0.0f64..20_000.0, minute in 0u64..1_440, tolls in 0i64..50_000, surge in 0.8f64..4.0) {
        let t = seoul();
        let f = price(&t, &meter_simple(&t, fast, slow, SimTime(minute * 60_000)), &Extras { tolls_won: tolls, surge, ..Extras::default() });
        prop_assert_eq!(f.total_won % 100, 0);
        prop_assert!((f.total_won - f.subtotal_won).abs() <= 50);
    }

    #[test]
    fn surge_never_multiplies_tolls_or_fees(fast in 0.0f64..100_000.0, slow in 0.0f64..5_000.0, tolls in 0i64..50_000, surge in 0.8f64..4.0, waited in 0u64..3_600) {
        let mut t = seoul();
        t.pets = PetFees { included_pets: 1, extra_pet_won: 2_000, size_fee_won: [0, 3_000, 6_000] };
        t.waiting = WaitingFees { free_min: 5, per_min_won: 500 };
        t.addons = AddonFees { vet_escort_won: 10_000, grooming_booking_won: 7_000, hotel_checkin_won: 5_000 };
        let m = meter_simple(&t, fast, slow, SimTime(12 * 3_600_000));
        let extras = Extras { pets: vec![SizeClass::Large, SizeClass::Medium], waited_s: waited, addons: vec![Addon::Grooming], tolls_won: tolls, surge };
        let with = price(&t, &m, &extras);
        let without = price(&t, &m, &Extras { surge: 1.0, ..extras.clone() });
        // Only the meter part changes.
        prop_assert_eq!(with.pet_fees_won, without.pet_fees_won);
        prop_assert_eq!(with.waiting_fee_won, without.waiting_fee_won);
        prop_assert_eq!(with.addon_fees_won, without.addon_fees_won);
        prop_assert_eq!(with.tolls_won, tolls);
        let meter_part = without.base_won + without.units_won + without.unit_surcharge_won;
        prop_assert_eq!(with.surge_won, (meter_part as f64 * surge).round() as i64 - meter_part);
        prop_assert_eq!(with.subtotal_won - without.subtotal_won, with.surge_won);
    }
}
