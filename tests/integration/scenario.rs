//! The default scenario: the operators' own case, end to end.

use petfleet_tests::{read_csv, run_into};
use sim_core::engine::Host;

#[test]
fn the_dog_is_rerouted_around_the_closure_and_arrives_in_busan() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Actix { shards: 1 },
        false,
        None,
    );
    // The booking: quoted, accepted, re-quoted after the detour, approved, charged.
    let bookings = read_csv(&dir.path().join("bookings.csv"));
    assert_eq!(bookings.len(), 1);
    let b = &bookings[0];
    assert_eq!(
        (
            b["status"].as_str(),
            b["accepted"].as_str(),
            b["requotes"].as_str()
        ),
        ("completed", "true", "1")
    );
    check_quotes(dir.path(), b);
    let t = check_trip(dir.path());
    check_reroute(dir.path());
    check_incident(dir.path());
    check_positions(dir.path(), &s, &t);
}

/// Quoted, accepted, re-quoted after the detour, approved, charged the capped fare.
fn check_quotes(dir: &std::path::Path, b: &std::collections::BTreeMap<String, String>) {
    let quotes = read_csv(&dir.join("quotes.csv"));
    let kinds: Vec<(&str, &str, &str)> = quotes
        .iter()
        .map(|q| {
            (
                q["kind"].as_str(),
                q["reason"].as_str(),
                q["decision"].as_str(),
            )
        })
        .collect();
    let won =
        |q: &std::collections::BTreeMap<String, String>, k: &str| q[k].parse::<i64>().unwrap();
    let (upfront, requote, fin) = (&quotes[0], &quotes[1], &quotes[2]);
    // The owner approves the re-quote; a rise of at most 3,000 won is approved without
    // asking (data/customers.toml, [requote] auto_approve_won).
    let rise = won(requote, "fare_won") - won(upfront, "fare_won");
    let approval = if rise <= 3_000 {
        "auto_approved"
    } else {
        "approved"
    };
    assert_eq!(
        kinds,
        vec![
            ("upfront", "", "accepted"),
            ("requote", "reroute", approval),
            ("final", "", "charged")
        ]
    );
    assert_eq!(
        requote["time"], "2026-11-23T10:30:00",
        "re-quoted the moment the van detours"
    );
    assert_eq!(won(requote, "compared_won"), won(upfront, "fare_won"));
    assert!(
        won(requote, "fare_won") > won(upfront, "fare_won") + 2_000,
        "the detour raises the expected fare beyond the threshold"
    );
    // Final fare policy: the metered fare, capped at the approved quote.
    assert_eq!(
        won(fin, "fare_won"),
        won(fin, "compared_won").min(won(requote, "fare_won"))
    );
    assert_eq!(b["final_fare_won"], fin["fare_won"]);
    assert_eq!(won(fin, "fare_won") % 100, 0);
}

/// One outbound leg from Gangnam station to Busan, rerouted, about 400 km.
fn check_trip(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let trips = read_csv(&dir.join("trips.csv"));
    assert_eq!(trips.len(), 1);
    let t = &trips[0];
    assert_eq!(
        (t["origin"].as_str(), t["leg"].as_str()),
        ("1210034100", "outbound") // the street node at Gangnam station
    );
    assert_eq!(t["destination"], "Busan");
    assert_eq!(t["status"], "completed");
    assert!(
        t["depart_at"].starts_with("2026-11-23T09:0"),
        "departs just after 09:00: {}",
        t["depart_at"]
    );
    assert!(!t["arrive_at"].is_empty());
    let km: f64 = t["distance_m"].parse::<f64>().unwrap() / 1_000.0;
    assert!((400.0..=500.0).contains(&km), "distance {km} km");
    let reroutes: u32 = t["reroutes"].parse().unwrap();
    assert!(reroutes >= 1);

    t.clone()
}

/// The reroute at 10:30 off the Gyeongbu, saving time.
fn check_reroute(dir: &std::path::Path) {
    let rr = read_csv(&dir.join("reroutes.csv"));
    let taken: Vec<_> = rr.iter().filter(|r| r["accepted"] == "true").collect();
    assert!(!taken.is_empty());
    let first = taken[0];
    assert_eq!(
        first["time"], "2026-11-23T10:30:00",
        "rerouted the moment the closure is announced"
    );
    assert!(first["old_roads"].contains("Gyeongbu"));
    let saved: f64 = first["saved_s"].parse().unwrap();
    assert!(saved >= 60.0, "the detour saves {saved} s");
    let new_m: f64 = first["new_remaining_m"].parse().unwrap();
    let old_m: f64 = first["old_remaining_m"].parse().unwrap();
    assert!(new_m > 0.0 && old_m > 0.0);
}

/// The scripted closure, as written.
fn check_incident(dir: &std::path::Path) {
    let incidents = read_csv(&dir.join("incidents.csv"));
    let scripted: Vec<_> = incidents
        .iter()
        .filter(|i| i["cause"] == "scripted")
        .collect();
    assert_eq!(scripted.len(), 1);
    assert_eq!(
        (
            scripted[0]["road"].as_str(),
            scripted[0]["from"].as_str(),
            scripted[0]["to"].as_str()
        ),
        ("Gyeongbu", "Daejeon", "Gimcheon")
    );
    assert_eq!(scripted[0]["duration_s"], "7200");
}

/// GPS every 30 s along the route south and home again; the manifest's counters.
fn check_positions(
    dir: &std::path::Path,
    s: &scenarios::run::RunSummary,
    t: &std::collections::BTreeMap<String, String>,
) {
    // GPS every 30 s while the vehicle is out, and the fixes follow the route south.
    let pos = read_csv(&dir.join("positions.csv"));
    assert!(pos.len() > 500, "{} fixes", pos.len());
    assert!(pos
        .iter()
        .all(|p| p["time"].ends_with(":00") || p["time"].ends_with(":30")));
    let arrive = &t["arrive_at"];
    let last = pos
        .iter()
        .rev()
        .find(|p| p["speed_kmh"] != "0.0" && &p["time"] < arrive)
        .unwrap();
    let lat: f64 = last["lat"].parse().unwrap();
    assert!(
        lat < 35.5,
        "the last moving fix before arrival is near Busan: {lat}"
    );
    // Then the van drives home: its last fix of the day is back in Seoul.
    let home: f64 = pos.last().unwrap()["lat"].parse().unwrap();
    assert!(home > 37.3, "back at the Gangnam depot: {home}");
    assert_eq!(s.manifest["files"]["positions.csv"], pos.len());
    assert_eq!(s.manifest["invariants"], "ok");
    // Fleet counters: one leg assigned; the van drove there and home again.
    let fleet = &s.manifest["fleet"];
    assert_eq!(fleet["assigned_legs"], 1);
    assert_eq!(fleet["rejected"], 0);
    let km = fleet["fleet_km"].as_f64().unwrap();
    assert!((800.0..=1_000.0).contains(&km), "fleet km {km}");
}

#[test]
fn the_trip_arrives_under_many_seeds() {
    for seed in 1..=6 {
        let dir = tempfile::tempdir().unwrap();
        let s = run_into(
            "seoul-busan-accident",
            dir.path(),
            Some(seed),
            Host::Reference,
            false,
            None,
        );
        assert_eq!(s.counts.completed, 1, "seed {seed}");
        let trips = read_csv(&dir.path().join("trips.csv"));
        let t = &trips[0];
        assert_eq!(t["status"], "completed", "seed {seed}");
        assert!(t["reroutes"].parse::<u32>().unwrap() >= 1, "seed {seed}");
        let m: f64 = t["distance_m"].parse().unwrap();
        assert!((400_000.0..=500_000.0).contains(&m), "seed {seed}: {m} m");
    }
}

#[test]
fn the_city_day_and_the_holiday_complete_every_trip() {
    for name in ["seoul-city-day", "holiday-exodus"] {
        let dir = tempfile::tempdir().unwrap();
        let s = run_into(
            name,
            dir.path(),
            None,
            Host::Actix { shards: 2 },
            false,
            None,
        );
        let trips = read_csv(&dir.path().join("trips.csv"));
        assert!(!trips.is_empty() && s.counts.completed > 0);
        for t in &trips {
            assert_eq!(t["status"], "completed", "{name}: {t:?}");
        }
    }
}

#[test]
fn a_short_until_leaves_trips_unfinished_but_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let until = scenarios::units::parse_until("11:00");
    let s = run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Actix { shards: 1 },
        false,
        until,
    );
    assert_eq!((s.counts.total, s.counts.open), (1, 1));
    let rows = read_csv(&dir.path().join("trips.csv"));
    assert_eq!(rows[0]["status"], "unfinished");
    assert_eq!(rows[0]["arrive_at"], "");
    let b = read_csv(&dir.path().join("bookings.csv"));
    assert_eq!(
        (b[0]["status"].as_str(), b[0]["reason"].as_str()),
        ("open", "the run ended first")
    );
}

fn resolve_catalogue(
    name: &str,
    sets: &[&str],
) -> Result<scenarios::scenario::Resolved, Box<scenarios::run::RunError>> {
    let loaded = scenarios::run::Loaded::new(Some(name), &scenarios::run::DataSource::Bundled)
        .map_err(Box::new)?;
    let mut opts = scenarios::run::RunOptions {
        scenario: Some(name.into()),
        seed: None,
        until: None,
        out: std::path::PathBuf::new(),
        host: Host::Reference,
        trace: false,
        record: false,
        data: scenarios::run::DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    };
    opts.overrides.sets = sets.iter().map(|s| s.to_string()).collect();
    loaded.resolve(&opts).map(|r| r.1).map_err(Box::new)
}

#[test]
fn a_burst_releases_its_bookings_from_new_households_within_its_spread() {
    let r = resolve_catalogue("midnight-express", &["demand.bursts.0.spread=10min"]).unwrap();
    let spec = &r.spec;
    assert_eq!(spec.scripted.len(), 1000);
    let ten_min = sim_core::time::SimTime::ZERO + sim_core::time::SimDuration::from_mins(10);
    assert!(spec
        .scripted
        .iter()
        .all(|b| b.at <= ten_min && b.pickup_after == b.at));
    assert!(spec
        .scripted
        .iter()
        .any(|b| b.at > sim_core::time::SimTime::ZERO + sim_core::time::SimDuration::from_mins(8)));
    // One new household each, none of them booking again by the random demand.
    let mut seen = std::collections::BTreeSet::new();
    for b in &spec.scripted {
        assert!(seen.insert(b.household));
        let h = &spec.households[b.household];
        assert!(!h.random_demand && h.home != b.dropoff);
    }
    for (set, says) in [
        ("demand.bursts.0.bookings=0", "from 1 to 1,000,000 bookings"),
        ("demand.bursts.0.spread=soon", "duration"),
        ("demand.bursts.0.intercity_share=2", "a share from 0 to 1"),
    ] {
        match resolve_catalogue("midnight-express", &[set]).map_err(|e| *e) {
            Err(scenarios::run::RunError::Input(e)) => {
                assert_eq!(e.file, format!("--set {set}"), "{e}");
                assert!(e.expected.contains(says), "{e}");
            }
            other => panic!("{set}: {other:?}"),
        }
    }
}

#[test]
fn the_weather_offset_warms_every_hour_and_is_checked() {
    let plain = resolve_catalogue("heatwave-hvac", &["weather.temperature_offset_c=0"]).unwrap();
    let hot = resolve_catalogue("heatwave-hvac", &[]).unwrap();
    for h in [3, 15, 21] {
        let t = sim_core::time::SimTime::ZERO + sim_core::time::SimDuration::from_hours(h);
        let (a, b) = (plain.spec.climate.outside(t), hot.spec.climate.outside(t));
        assert!(
            (b.0 - a.0 - 6.0).abs() < 1e-9 && a.1 == b.1,
            "{h}: {a:?} {b:?}"
        );
    }
    match resolve_catalogue("heatwave-hvac", &["weather.temperature_offset_c=40"]).map_err(|e| *e) {
        Err(scenarios::run::RunError::Input(e)) => {
            assert_eq!(e.field, "weather.temperature_offset_c", "{e}");
            assert!(e.expected.contains("-20 to 20"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}
