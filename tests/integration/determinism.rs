//! Same scenario + seed = byte-identical outputs, on any host and shard count.

use petfleet_tests::{dir_bytes, run_into};
use sim_core::engine::Host;

#[test]
fn same_seed_twice_gives_identical_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_into(
        "seoul-busan-accident",
        a.path(),
        None,
        Host::Actix { shards: 1 },
        true,
        None,
    );
    run_into(
        "seoul-busan-accident",
        b.path(),
        None,
        Host::Actix { shards: 1 },
        true,
        None,
    );
    let (fa, fb) = (dir_bytes(a.path()), dir_bytes(b.path()));
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "alerts.csv",
            "bookings.csv",
            "events.csv",
            "incidents.csv",
            "kpis.csv",
            "manifest.json",
            "pets.csv",
            "positions.csv",
            "quotes.csv",
            "reroutes.csv",
            "support_calls.csv",
            "trips.csv",
            "vehicles_hourly.csv"
        ]
    );
    assert_eq!(fa, fb);
}

/// Runs `scenario` (to `until`) on the reference loop and on each of `shards`: the trace
/// hashes and every output byte must agree.
fn hosts_agree(scenario: &str, until: Option<sim_core::time::SimTime>, shards: &[usize]) {
    let base = tempfile::tempdir().unwrap();
    let reference = run_into(scenario, base.path(), None, Host::Reference, true, until);
    let expected = dir_bytes(base.path());
    for &shards in shards {
        let dir = tempfile::tempdir().unwrap();
        let s = run_into(
            scenario,
            dir.path(),
            None,
            Host::Actix { shards },
            true,
            until,
        );
        assert_eq!(
            s.trace_hash, reference.trace_hash,
            "{scenario}: trace hash with {shards} shards"
        );
        assert_eq!(
            dir_bytes(dir.path()),
            expected,
            "{scenario}: output bytes with {shards} shards"
        );
    }
}

#[test]
fn shard_counts_and_the_reference_loop_agree() {
    for scenario in ["seoul-busan-accident", "seoul-city-day"] {
        hosts_agree(scenario, None, &[1, 2, 3]);
    }
}

#[test]
fn another_seed_gives_another_trace() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let x = run_into(
        "seoul-busan-accident",
        a.path(),
        Some(1),
        Host::Actix { shards: 1 },
        false,
        None,
    );
    let y = run_into(
        "seoul-busan-accident",
        b.path(),
        Some(2),
        Host::Actix { shards: 1 },
        false,
        None,
    );
    assert_ne!(x.trace_hash, y.trace_hash);
    assert_eq!(x.manifest["seed"], 1);
    assert_eq!(y.manifest["seed"], 2);
}

#[test]
fn a_rerun_replaces_every_file_of_the_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Reference,
        true,
        None,
    );
    assert!(dir.path().join("events.csv").exists());
    run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Reference,
        false,
        None,
    );
    assert!(
        !dir.path().join("events.csv").exists(),
        "no stale trace from the earlier run"
    );
    assert!(!dir.path().read_dir().unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

/// The city-scale scenarios (daily shifts that repeat, imported demand, thousands of vans)
/// over a stretch each: the reference loop and 1 and 2 shards write the same bytes.
#[test]
fn city_scale_scenarios_agree_on_every_host() {
    use sim_core::time::SimTime;
    hosts_agree(
        "seoul-weekday",
        Some(SimTime::from_day_hms(1, 2, 0, 0)),
        &[1, 2],
    );
    hosts_agree(
        "seoul-day-large",
        Some(SimTime::from_day_hms(0, 0, 30, 0)),
        &[1, 2],
    );
}
