//! The street-level Seoul network: its data, the joins to the expressways, places written
//! `lat,lon`, the meter on real streets, and the choice of network in a scenario.

use petfleet_tests::read_csv;
use scenarios::data::{self, DataFiles};
use std::collections::BTreeMap;

use scenarios::run::{DataSource, RunError};
use sim_core::time::SimTime;
use sim_core::traffic::{profile_speeds, DayType, TrafficConfig};
use sim_core::world::{NodeKind, RoadClass};

const DEFAULT: &str = include_str!("../../scenarios/catalog/seoul-busan-accident.toml");

fn streets() -> (data::Data, std::sync::Arc<scenarios::streets::Streets>) {
    let files = DataFiles::bundled();
    let d = data::load(&files).unwrap();
    let s = d.streets(&files).unwrap();
    (d, s)
}

/// The street network's saved node order (`ch_order.txt`, read by every run so its first
/// hierarchy skips ordering) is the one its free-flow hierarchy gives; `UPDATE_ORDER=1`
/// writes it anew after the network changes.
#[test]
fn the_street_networks_saved_order_is_its_free_flow_order() {
    let (_, streets) = streets();
    let net = &streets.world.net;
    let (_, order) = sim_core::world::Ch::prepare(net, &sim_core::world::FreeFlow, 0, None);
    if std::env::var_os("UPDATE_ORDER").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data/networks/seoul-streets/ch_order.txt"
        );
        let text: String = order.iter().map(|n| format!("{n}\n")).collect();
        std::fs::write(path, text).expect("write ch_order.txt");
        return;
    }
    let saved = streets
        .world
        .ch_order()
        .expect("the bundled street network has ch_order.txt");
    assert!(
        saved == order.as_slice(),
        "ch_order.txt is stale: UPDATE_ORDER=1 cargo test -p petfleet-tests saved_order"
    );
}

#[test]
fn the_street_network_is_connected_and_every_district_has_homes() {
    let (d, s) = streets();
    let net = &s.world.net;
    net.check_connected().unwrap();
    assert!(net.nodes().len() > 7_000, "{} nodes", net.nodes().len());
    // Every place the district network names exists on the streets too.
    for n in d.world.net.nodes() {
        assert!(net.node_by_name(&n.name).is_some(), "{} is missing", n.name);
    }
    // All of Seoul's residents live at its nodes; every street node is in a district.
    let residents: u64 = net
        .nodes()
        .iter()
        .filter_map(|n| n.population)
        .map(u64::from)
        .sum();
    let seoul: u64 = (d.world.net.nodes().iter())
        .filter_map(|n| n.population)
        .map(u64::from)
        .sum();
    assert_eq!(residents, seoul);
    for n in net.nodes().iter().filter(|n| n.kind == NodeKind::Street) {
        assert!(
            s.district[n.id.index()].is_some(),
            "{} has no district",
            n.name
        );
        assert!(
            n.population.is_some_and(|p| p > 0),
            "{} has no residents",
            n.name
        );
    }
    // Partners stand at street nodes of their own district.
    for (p, coarse) in s.partners.iter().zip(&d.partners) {
        let district = &d.world.net.node(coarse.node).name;
        assert_eq!(
            s.district[p.node.index()].as_deref(),
            Some(district.as_str()),
            "{}",
            p.name
        );
    }
}

#[test]
fn gangnam_station_to_busan_takes_the_streets_then_the_gyeongbu() {
    let (d, s) = streets();
    let net = &s.world.net;
    let (from, snap) = net.nearest_node(37.4979, 127.0276).unwrap();
    assert!(snap < 100.0, "Gangnam station snaps {snap} m away");
    let busan = net.node_by_name("Busan").unwrap();
    let cfg = TrafficConfig::profile_only(s.profiles.clone(), d.accidents, vec![DayType::Weekday]);
    let speeds = profile_speeds(net, &cfg, SimTime::from_day_hms(0, 10, 0, 0), &[]);
    let route = s.world.route(speeds.as_ref(), from, busan).unwrap();
    let km = route.length_m / 1_000.0;
    assert!(
        (390.0..=440.0).contains(&km),
        "Gangnam station to Busan {km:.1} km"
    );
    let first = net.edge(route.edges[0]);
    assert_eq!(
        first.class,
        RoadClass::Arterial,
        "starts on a street: {}",
        first.road
    );
    let roads: Vec<String> = route.roads(net).into_iter().map(|r| r.0).collect();
    assert!(roads.iter().any(|r| r == "Gyeongbu"), "{roads:?}");
    // The city part runs on real streets: the expressway starts within 15 km.
    let city_m: f64 = (route.edges.iter())
        .map(|&e| net.edge(e))
        .take_while(|e| e.class != RoadClass::Expressway)
        .map(|e| e.length_m)
        .sum();
    assert!(
        (2_000.0..15_000.0).contains(&city_m),
        "{city_m} m of city streets"
    );
}

#[test]
fn street_speeds_follow_the_city_traffic_data() {
    let (_, s) = streets();
    let p = &s.profiles;
    // Seoul TOPIS 2018-10-23: arterials' evening peak at about 0.63 of the night speed.
    let night = p.factor(DayType::Weekday, RoadClass::Arterial, 3.5);
    let peak = p.factor(DayType::Weekday, RoadClass::Arterial, 18.5);
    assert!(
        night > 0.95 && (0.55..0.72).contains(&peak),
        "{night} {peak}"
    );
    let free: Vec<f64> = (s.world.net.edges().iter())
        .filter(|e| e.class == RoadClass::Arterial)
        .map(|e| e.speed_kmh)
        .collect();
    let mean = free.iter().sum::<f64>() / free.len() as f64;
    assert!(
        (25.0..40.0).contains(&mean),
        "mean free-flow street speed {mean} km/h"
    );
}

/// Runs `text` as a scenario file on the bundled data: the bookings it wrote, or why it
/// failed.
fn bookings_of(text: &str) -> Result<Vec<BTreeMap<String, String>>, Box<RunError>> {
    let (dir, result) = petfleet_tests::run_text(text, DataSource::Bundled);
    result.map_err(Box::new)?;
    Ok(read_csv(&dir.path().join("out/bookings.csv")))
}

/// The input error running `text` gives.
fn input_error(text: &str) -> scenarios::error::InputError {
    match bookings_of(text).map_err(|e| *e) {
        Err(RunError::Input(e)) => e,
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected an input error"),
    }
}

/// The default scenario on the network named `network`.
fn default_on(network: &str) -> String {
    DEFAULT.replacen(
        "until = \"24:00\"",
        &format!("until = \"24:00\"\nnetwork = \"{network}\""),
        1,
    )
}

/// DOMAIN.md: with the Seoul taxi tariff, a 7 km daytime trip costs about 11,000 won and a
/// 10 km night trip about 17,700 (slow-traffic time charges included). Trips of those
/// lengths on the streets (6.7 km Gangnam - Jamsil at 14:00, 9.8 km Gangnam - Seoul Station
/// at 23:30) come within a fifth of them.
#[test]
fn taxi_fares_on_the_streets_match_the_published_examples() {
    let text = r#"
name = "fare-check"
start_date = "2026-11-24"
until = "d2 02:00"
[pricing]
tariff = "seoul-taxi-2023"
[[depots]]
name = "Gangnam"
node = "37.4979,127.0276"
vehicles = 2
[[bookings]]
at = "13:50"
pickup_at = "14:00"
pickup = "37.4979,127.0276"
dropoff = "37.5133,127.1001"
pets = [{ species = "cat", size = "small", weight_kg = 4.0 }]
[[bookings]]
at = "23:20"
pickup_at = "23:30"
pickup = "37.4979,127.0276"
dropoff = "37.5547,126.9707"
pets = [{ species = "cat", size = "small", weight_kg = 4.0 }]
"#;
    let rows = bookings_of(text).unwrap();
    for (row, km_pub, won_pub) in [(&rows[0], 7.0, 11_000.0), (&rows[1], 10.0, 17_700.0)] {
        let km: f64 = row["distance_m"].parse::<f64>().unwrap() / 1_000.0;
        let won: f64 = row["final_fare_won"].parse().unwrap();
        assert!((km - km_pub).abs() < 0.5, "{km} km");
        let per_km = won / km;
        let pub_per_km = won_pub / km_pub;
        assert!(
            (per_km / pub_per_km - 1.0).abs() < 0.2,
            "{won} won for {km:.1} km against {won_pub} for {km_pub}"
        );
    }
}

#[test]
fn the_district_network_stays_available_and_a_bad_name_is_located() {
    let rows = bookings_of(&default_on("districts")).unwrap();
    assert_eq!(rows[0]["status"], "completed");
    // Gangnam station snaps to the nearest node of the coarse network.
    assert_eq!(rows[0]["origin"], "Hannam IC");
    let e = input_error(&default_on("street"));
    assert_eq!(e.field, "network");
    assert_eq!(e.hint.as_deref(), Some("did you mean `streets`?"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn a_place_far_from_any_road_is_refused() {
    let e = input_error(&DEFAULT.replacen(
        "pickup = \"37.4979,127.0276\"",
        "pickup = \"33.5,126.5\"",
        1,
    ));
    assert_eq!(e.field, "bookings[0].pickup");
    assert!(e.expected.contains("within 5 km"), "{e}");
}

/// The hierarchy's own queries (bidirectional, one-to-all sweeps, routes unpacked from its
/// upward graph, landmark bounds) agree with `fast_paths`' query on the street network.
#[test]
fn sweeps_routes_and_landmarks_agree_with_fast_paths() {
    use rand::{Rng, SeedableRng};
    use sim_core::world::{ch::arcs, Ch, Landmarks, Side};
    let (d, s) = streets();
    let net = &s.world.net;
    let cfg = TrafficConfig::profile_only(s.profiles.clone(), d.accidents, vec![DayType::Weekday]);
    let table = profile_speeds(net, &cfg, SimTime::from_day_hms(0, 8, 30, 0), &[]);
    let (ch, _) = Ch::prepare(net, table.as_ref(), table.digest, None);
    assert!(
        ch.has_upward(),
        "the upward graph of fast_paths' FastGraph could be read"
    );
    // The reference: fast_paths' own hierarchy and query over the same arcs.
    let mut input = fast_paths::InputGraph::new();
    for (from, to, w) in arcs(net, table.as_ref()) {
        input.add_edge(from, to, w);
    }
    input.freeze();
    let fast = fast_paths::prepare(&input);
    let mut calc = fast_paths::create_calculator(&fast);
    let mut reference = |a: sim_core::ids::NodeId, b: sim_core::ids::NodeId| {
        if a == b {
            return Some(0);
        }
        (calc.calc_path(&fast, net.departure_id(a), b.index())).map(|p| p.get_weight() as u64)
    };
    let marks = Landmarks::build(net, &arcs(net, table.as_ref())).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let n = net.nodes().len() as u32;
    let times = table.as_ref();
    for _ in 0..20 {
        let root = sim_core::ids::NodeId(rng.random_range(0..n));
        let to = ch.space(net, root, Side::To).unwrap();
        let from = ch.space(net, root, Side::From).unwrap();
        for _ in 0..100 {
            let other = sim_core::ids::NodeId(rng.random_range(0..n));
            let into = ch.time_ms(net, other, root);
            let out = ch.time_ms(net, root, other);
            assert_eq!(into, reference(other, root), "{other:?} -> {root:?}");
            assert_eq!(out, reference(root, other), "{root:?} -> {other:?}");
            // Routes unpack to roads whose weights add up to the time.
            assert_eq!(ch.path_weight_ms(net, times, other, root), into);
            assert_eq!(ch.path_weight_ms(net, times, root, other), out);
            assert_eq!(ch.meet(net, &to, other), into, "{other:?} -> {root:?}");
            assert_eq!(ch.meet(net, &from, other), out, "{root:?} -> {other:?}");
            if let Some(t) = into {
                assert!(marks.lower_bound_ms(other, root) <= t);
            }
        }
    }
}
