//! `petfleet fare --trace` against an independent, deliberately plain reading of the Seoul
//! meter specification, over random traces (random speeds, pauses, and times around the
//! night-band edges).

use proptest::prelude::*;
use scenarios::tariff;
use sim_core::fare::{haversine_m, meter_trace, price, Extras, Sample};
use sim_core::time::SimTime;

/// The specification, step by step, in integer sixtieths of a metre where it can be.
fn oracle(samples: &[Sample]) -> i64 {
    let pct_at = |ms: u64| -> i64 {
        let minute = (ms % 86_400_000) / 60_000;
        match minute {
            m if (22 * 60..23 * 60).contains(&m) => 20,
            m if !(2 * 60..23 * 60).contains(&m) => 40,
            m if (2 * 60..4 * 60).contains(&m) => 20,
            _ => 0,
        }
    };
    let mut total_m = 0.0f64;
    let mut fare_x100 = 4_800 * (100 + pct_at(samples[0].t.as_ms())); // base by boarding time, in won x 100
    let mut next_unit = 1u64;
    for w in samples.windows(2) {
        let d = haversine_m(w[0].lat, w[0].lon, w[1].lat, w[1].lon);
        let dt = (w[1].t.as_ms() - w[0].t.as_ms()) as f64 / 1_000.0;
        let add = if d * 30.0 >= 131.0 * dt {
            d
        } else {
            dt * 131.0 / 30.0
        };
        let (start, end) = (total_m, total_m + add);
        loop {
            let threshold = 1_600.0 + 131.0 * next_unit as f64;
            if threshold > end {
                break;
            }
            let frac = if add > 0.0 {
                (threshold - start) / add
            } else {
                1.0
            };
            let at =
                w[0].t.as_ms() + (frac * (w[1].t.as_ms() - w[0].t.as_ms()) as f64).floor() as u64;
            fare_x100 += 100 * (100 + pct_at(at));
            next_unit += 1;
        }
        total_m = end;
    }
    let fare = fare_x100 / 100;
    (fare + 50) / 100 * 100
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn trace_fares_match_the_specification(
        start_min in 0u64..1_440,
        steps in proptest::collection::vec((1u64..240, 0.0f64..2_500.0, 0.0f64..1.0), 1..60),
    ) {
        let t = tariff::parse(&tariff::find("seoul-taxi-2023").unwrap()).unwrap();
        let mut samples = vec![Sample { t: SimTime(start_min * 60_000), lat: 37.5, lon: 127.0 }];
        for (dt_s, metres, bearing) in steps {
            let last = *samples.last().unwrap();
            let angle = bearing * std::f64::consts::TAU;
            let dlat = metres * angle.cos() / 111_195.0;
            let dlon = metres * angle.sin() / (111_195.0 * last.lat.to_radians().cos());
            samples.push(Sample { t: SimTime(last.t.as_ms() + dt_s * 1_000), lat: last.lat + dlat, lon: last.lon + dlon });
        }
        let got = price(&t, &meter_trace(&t, &samples), &Extras { surge: 1.0, ..Extras::default() }).total_won;
        prop_assert_eq!(got, oracle(&samples));
    }
}
