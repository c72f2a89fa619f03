//! Traffic: profile sanity and the accident process against its rates over a long run.

use petfleet_tests::{read_csv, run_into};
use scenarios::data::{self, DataFiles};
use sim_core::engine::Host;
use sim_core::traffic::{DayType, TrafficConfig, TrafficState};
use sim_core::world::RoadClass;

#[test]
fn profiles_are_slow_in_the_peaks_and_on_holidays() {
    let d = data::load(&DataFiles::bundled()).unwrap();
    let p = &d.profiles;
    for class in [RoadClass::Arterial, RoadClass::UrbanExpressway] {
        let night = p.factor(DayType::Weekday, class, 3.0);
        let morning = p.factor(DayType::Weekday, class, 8.5);
        let evening = p.factor(DayType::Weekday, class, 18.5);
        assert!(
            morning < night * 0.8 && evening < night * 0.8,
            "{class:?}: {night} {morning} {evening}"
        );
    }
    let day_mean = |day, class| {
        (8..20)
            .map(|h| p.factor(day, class, f64::from(h)))
            .sum::<f64>()
            / 12.0
    };
    assert!(
        day_mean(DayType::Holiday, RoadClass::Expressway)
            < day_mean(DayType::Weekday, RoadClass::Expressway)
    );
    // Seoul TOPIS: city roads average about 23 km/h in the daytime against a 50 km/h limit.
    let arterial_day = day_mean(DayType::Weekday, RoadClass::Arterial) * 50.0;
    assert!(
        (18.0..=32.0).contains(&arterial_day),
        "weekday daytime arterial speed {arterial_day} km/h"
    );
}

fn quiet_scenario(dir: &std::path::Path, network: &str, days: u32) -> std::path::PathBuf {
    let path = dir.join("accidents-only.toml");
    std::fs::write(
        &path,
        format!(
            r#"
name = "accidents-only"
start_date = "2026-11-23"
until = "{days}d"
seed = 99
network = "{network}"
[traffic]
congestion_sigma = 0.0
update_interval = "1h"
accident_rate_scale = 3.0
[output]
positions = false
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn random_accidents_follow_their_poisson_rates() {
    accidents_follow_their_rates("districts", 60);
}

#[test]
fn random_accidents_on_the_streets_follow_their_rates() {
    accidents_follow_their_rates("streets", 8);
}

fn accidents_follow_their_rates(network: &str, days: u32) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = quiet_scenario(dir.path(), network, days);
    let out = dir.path().join("out");
    run_into(
        scenario.to_str().unwrap(),
        &out,
        None,
        Host::Reference,
        false,
        None,
    );
    let rows = read_csv(&out.join("incidents.csv"));

    let files = DataFiles::bundled();
    let d = data::load(&files).unwrap();
    let world = match network {
        "streets" => d.streets(&files).unwrap().world.clone(),
        _ => d.world.clone(),
    };
    let cfg = TrafficConfig {
        profiles: d.profiles.clone(),
        accidents: d.accidents,
        congestion_sigma: 0.0,
        congestion_correlation_s: 1.0,
        update_interval: sim_core::time::SimDuration::from_hours(1),
        random_accidents: true,
        accident_rate_scale: 3.0,
        calendar: vec![DayType::Weekday],
    };
    let state = TrafficState::new(&world.net, &cfg);
    let expected = state.accident_rate_per_h() * f64::from(days) * 24.0;
    let n = rows.len() as f64;
    assert!(
        (n - expected).abs() < 4.0 * expected.sqrt(),
        "{n} accidents in {days} days on {network}, expected {expected:.0}"
    );

    // Closures: the expected share from each class's closure share and length.
    let net = &world.net;
    let mut w_total = 0.0;
    let mut w_closure = 0.0;
    for e in net.edges() {
        let p = d.accidents[e.class.index()];
        let w = p.rate_per_km_h * e.length_m;
        w_total += w;
        w_closure += w * if e.lanes <= 1 { 1.0 } else { p.closure_share };
    }
    let share = w_closure / w_total;
    let closures = rows.iter().filter(|r| r["kind"] == "closure").count() as f64;
    let sd = (n * share * (1.0 - share)).sqrt();
    assert!(
        (closures - n * share).abs() < 4.0 * sd + 1.0,
        "{closures} closures of {n}, expected share {share:.3}"
    );

    // Durations: the log-normal's mean per class, within 4 standard errors (cv of a
    // log-normal with σ = 0.5 is about 0.53).
    for class in RoadClass::ALL {
        let ds: Vec<f64> = rows
            .iter()
            .filter(|r| {
                let e: u32 = r["edges"].split(' ').next().unwrap().parse().unwrap();
                net.edge(sim_core::ids::EdgeId(e)).class == class
            })
            .map(|r| r["duration_s"].parse::<f64>().unwrap() / 60.0)
            .collect();
        if ds.len() < 30 {
            continue;
        }
        let mean = ds.iter().sum::<f64>() / ds.len() as f64;
        let want = d.accidents[class.index()].mean_duration_min;
        let se = 0.53 * want / (ds.len() as f64).sqrt();
        assert!(
            (mean - want).abs() < 4.0 * se + 0.5,
            "{class:?}: mean {mean:.1} min over {} vs {want}",
            ds.len()
        );
    }
}
