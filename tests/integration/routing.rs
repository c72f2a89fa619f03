//! Routes on the bundled Korean network.

use scenarios::data::{self, DataFiles};
use scenarios::scenario::{segment_edges, Source};
use sim_core::time::SimTime;
use sim_core::traffic::{profile_speeds, DayType, Profiles, TrafficConfig};
use sim_core::world::FreeFlow;

fn cfg(data: &data::Data, day: DayType) -> TrafficConfig {
    TrafficConfig::profile_only(data.profiles.clone(), data.accidents, vec![day])
}

fn cli_src() -> Source {
    Source {
        label: "<test>".into(),
        text: String::new(),
    }
}

#[test]
fn seoul_to_busan_is_390_to_440_km() {
    let data = data::load(&DataFiles::bundled()).unwrap();
    let net = &data.world.net;
    let (seoul, busan) = (
        net.node_by_name("Seoul").unwrap(),
        net.node_by_name("Busan").unwrap(),
    );
    let free = data.world.route(&FreeFlow, seoul, busan).unwrap();
    assert!(
        (390_000.0..=440_000.0).contains(&free.length_m),
        "free-flow route {} m",
        free.length_m
    );
    for (day, hour) in [
        (DayType::Weekday, 10),
        (DayType::Weekday, 18),
        (DayType::Weekend, 10),
    ] {
        let speeds = profile_speeds(
            net,
            &cfg(&data, day),
            SimTime::from_day_hms(0, hour, 0, 0),
            &[],
        );
        let r = data.world.route(speeds.as_ref(), seoul, busan).unwrap();
        assert!(
            (390_000.0..=440_000.0).contains(&r.length_m),
            "{day:?} {hour}:00 route {} m",
            r.length_m
        );
        // A smooth drive takes about 4 h 40 min (DOMAIN.md); ours without random congestion:
        assert!(
            (3.5 * 3_600.0..=6.0 * 3_600.0).contains(&r.time_s),
            "{day:?} {hour}:00 takes {} s",
            r.time_s
        );
    }
}

#[test]
fn closing_daejeon_gimcheon_forces_a_detour_that_avoids_it() {
    let data = data::load(&DataFiles::bundled()).unwrap();
    let net = &data.world.net;
    let closed = segment_edges(
        &cli_src(),
        &data.world,
        "Daejeon-Gimcheon",
        Some("Gyeongbu"),
    )
    .unwrap();
    assert!(!closed.is_empty());
    let (seoul, busan) = (
        net.node_by_name("Seoul").unwrap(),
        net.node_by_name("Busan").unwrap(),
    );
    let at = SimTime::from_day_hms(0, 10, 30, 0);
    let open = profile_speeds(net, &cfg(&data, DayType::Weekday), at, &[]);
    let before = data.world.route(open.as_ref(), seoul, busan).unwrap();
    assert!(
        closed.iter().all(|e| before.edges.contains(e)),
        "the usual route uses Gyeongbu Daejeon-Gimcheon"
    );
    let shut = profile_speeds(net, &cfg(&data, DayType::Weekday), at, &closed);
    let detour = data.world.route(shut.as_ref(), seoul, busan).unwrap();
    assert!(
        closed.iter().all(|e| !detour.edges.contains(e)),
        "the detour avoids the closure"
    );
    assert!(
        (400_000.0..=500_000.0).contains(&detour.length_m),
        "detour {} m",
        detour.length_m
    );
    assert!(detour.time_s > before.time_s);
    let roads: Vec<String> = detour.roads(net).into_iter().map(|(r, _)| r).collect();
    assert!(
        roads
            .iter()
            .any(|r| r == "Cheongju-Sangju" || r == "Jungbu Naeryuk"),
        "detour via {roads:?}"
    );
}

#[test]
fn every_road_matches_its_published_length_within_5_percent() {
    let data = data::load(&DataFiles::bundled()).unwrap();
    let net = &data.world.net;
    assert!(!data.roads.is_empty());
    for road in &data.roads {
        // Each two-way segment appears as two directed edges.
        let km: f64 = net
            .edges()
            .iter()
            .filter(|e| e.road == road.road)
            .map(|e| e.length_m)
            .sum::<f64>()
            / 2_000.0;
        let err = (km - road.published_length_km).abs() / road.published_length_km;
        assert!(
            err <= 0.05,
            "{}: network {km:.1} km vs published {} km ({})",
            road.road,
            road.published_length_km,
            road.source
        );
    }
    let required = [
        "Gyeongbu",
        "Jungbu Naeryuk",
        "Yeongdong",
        "Honam",
        "Honam Branch",
        "Nonsan-Cheonan",
        "Seohaean",
        "Jungbu",
        "Daegu-Busan",
        "Jungang",
        "Namhae",
        "Cheongju-Sangju",
    ];
    for r in required {
        assert!(
            data.roads.iter().any(|x| x.road == r),
            "roads.csv lists {r}"
        );
        assert!(net.edges().iter().any(|e| e.road == r), "edges.csv has {r}");
    }
}

#[test]
fn the_bundled_network_is_connected_and_has_the_25_districts() {
    let data = data::load(&DataFiles::bundled()).unwrap();
    let net = &data.world.net;
    net.check_connected().unwrap();
    let districts: Vec<_> = net
        .nodes()
        .iter()
        .filter(|n| n.kind == sim_core::world::NodeKind::District)
        .collect();
    assert_eq!(districts.len(), 25);
    assert!(districts
        .iter()
        .all(|d| d.population.is_some_and(|p| p > 100_000)));
    let total: u64 = districts
        .iter()
        .map(|d| u64::from(d.population.unwrap()))
        .sum();
    assert!(
        (9_000_000..=11_000_000).contains(&total),
        "Seoul population {total}"
    );
    // DOMAIN.md coordinates, exactly.
    let seoul = net.node(net.node_by_name("Seoul").unwrap());
    assert_eq!((seoul.point.y(), seoul.point.x()), (37.5683, 126.9778));
    let _ = Profiles::flat();
}
