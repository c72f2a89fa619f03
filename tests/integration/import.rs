//! Users' own networks, requests and vehicles (the FleetPy layout): a small city imported
//! and run, and every malformed file answered with a located error and nothing written.

use petfleet_tests::read_csv;
use scenarios::error::InputError;
use scenarios::run::{DataSource, RunError, RunOptions};
use sim_core::engine::Host;

/// A 2 x 3 grid of streets in UTM zone 32N (Munich), about 500 m apart, two-way; node 6 is a
/// boarding stop (stop-only) off node 1.
const NODES: &str = "node_index,is_stop_only,pos_x,pos_y
0,False,691000.0,5334000.0
1,False,691500.0,5334000.0
2,False,692000.0,5334000.0
3,False,691000.0,5334500.0
4,False,691500.0,5334500.0
5,False,692000.0,5334500.0
6,True,691500.0,5333900.0
";

const EDGES: &str = "from_node,to_node,distance,travel_time,source_edge_id
0,1,500,50,a
1,0,500,50,a
1,2,500,50,b
2,1,500,50,b
3,4,500,60,c
4,3,500,60,c
4,5,500,60,d
5,4,500,60,d
0,3,500,45,e
3,0,500,45,e
1,4,500,45,f
4,1,500,45,f
2,5,500,45,g
5,2,500,45,g
1,6,100,15,
6,1,100,15,
";

const REQUESTS: &str = "rq_time,start,end,request_id
10,0,5,0
70,6,2,1
130,3,6,2
";

const VEHICLES: &str = "operator_id,vehicle_id,vehicle_type,start_node,start_soc
0,0,hailing_vehtype,4,1.0
0,1,hailing_vehtype,6,1.0
";

const SCENARIO: &str = r#"name = "tiny-import"
start_date = "2026-11-24"
until = "1h"

[network]
dir = "net"

[requests]
file = "requests.csv"

[traffic]
congestion_sigma = 0.0
random_accidents = false

[vehicles]
start_nodes = "vehicles.csv"
readiness_mean = "0s"
idle = "stay"

[dispatch]
mode = "hail"
pickup_window = "300s"
dwell_pickup = "30s"
dwell_dropoff = "30s"
decision_step = "60s"

[customers]
quotes = "always"
patience = "unlimited"
"#;

/// Writes the tiny city with `edit` applied to one file ((file, from, to)); runs it.
fn run_tiny(edit: Option<(&str, &str, &str)>) -> (Result<(), RunError>, tempfile::TempDir) {
    run_tiny_with(edit, &[])
}

/// [`run_tiny`] with `extra` files (name, text) written beside.
fn run_tiny_with(
    edit: Option<(&str, &str, &str)>,
    extra: &[(&str, &str)],
) -> (Result<(), RunError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("net")).unwrap();
    for (name, text) in extra {
        std::fs::write(root.join(name), text).unwrap();
    }
    let files = [
        ("net/nodes.csv", NODES),
        ("net/edges.csv", EDGES),
        ("net/crs.info", "EPSG:32632\n"),
        ("requests.csv", REQUESTS),
        ("vehicles.csv", VEHICLES),
        ("tiny.toml", SCENARIO),
    ];
    for (name, text) in files {
        let text = match edit {
            Some((file, from, to)) if file == name => {
                assert!(text.contains(from), "test edit {from:?} not in {file}");
                text.replacen(from, to, 1)
            }
            _ => text.to_string(),
        };
        std::fs::write(root.join(name), text).unwrap();
    }
    let opts = RunOptions {
        scenario: Some(root.join("tiny.toml").to_string_lossy().into_owned()),
        seed: None,
        until: None,
        out: root.join("out"),
        host: Host::Reference,
        trace: false,
        record: false,
        data: DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    };
    let res = scenarios::run::run(&opts).map(|_| ());
    (res, dir)
}

/// The input error of a run with `edit`; checks that nothing was written.
fn error_of(file: &str, from: &str, to: &str) -> InputError {
    let (res, dir) = run_tiny(Some((file, from, to)));
    match res {
        Err(RunError::Input(e)) => {
            assert!(!dir.path().join("out").exists(), "nothing written: {e}");
            e
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(()) => panic!("expected {file}: {from:?} -> {to:?} to fail"),
    }
}

#[test]
fn a_small_imported_city_runs_every_request() {
    let (res, dir) = run_tiny(None);
    res.expect("the tiny city runs");
    let bookings = read_csv(&dir.path().join("out").join("bookings.csv"));
    assert_eq!(bookings.len(), 3);
    for b in &bookings {
        assert_eq!(b["status"], "completed", "{b:?}");
    }
    // Request 1 starts at the boarding stop and is rounded down to the 60 s step.
    let one = bookings.iter().find(|b| b["origin"] == "6").unwrap();
    assert!(one["requested_at"].ends_with("00:01:00"), "{one:?}");
}

#[test]
fn a_dangling_edge_is_located() {
    let e = error_of("net/edges.csv", "2,5,500,45,g", "2,9,500,45,g");
    assert!(e.file.ends_with("edges.csv"), "{e}");
    assert_eq!((e.line, e.column), (Some(14), Some(3)), "{e}");
    assert_eq!(
        (e.field.as_str(), e.value.as_deref()),
        ("to_node", Some("9")),
        "{e}"
    );
    assert!(e.expected.contains("dangling"), "{e}");
}

#[test]
fn a_duplicate_node_id_is_located() {
    let e = error_of("net/nodes.csv", "5,False,692000.0", "4,False,692000.0");
    assert_eq!(
        (e.line, e.column, e.value.as_deref()),
        (Some(7), Some(1), Some("4")),
        "{e}"
    );
    assert!(e.expected.contains("duplicate"), "{e}");
}

#[test]
fn non_finite_and_negative_numbers_are_located() {
    let e = error_of("net/edges.csv", "3,4,500,60,c", "3,4,NaN,60,c");
    assert_eq!((e.line, e.field.as_str()), (Some(6), "distance"), "{e}");
    let e = error_of("net/edges.csv", "3,4,500,60,c", "3,4,500,-60,c");
    assert_eq!(
        (e.line, e.field.as_str(), e.value.as_deref()),
        (Some(6), "travel_time", Some("-60")),
        "{e}"
    );
    let e = error_of("net/nodes.csv", "691000.0,5334500.0", "inf,5334500.0");
    assert_eq!((e.line, e.field.as_str()), (Some(5), "pos_x"), "{e}");
}

#[test]
fn an_unreachable_stop_is_located() {
    // The stop can be reached but never left.
    let e = error_of("net/edges.csv", "6,1,100,15,\n", "");
    assert!(e.file.ends_with("nodes.csv"), "{e}");
    assert_eq!((e.line, e.value.as_deref()), (Some(8), Some("6")), "{e}");
    assert!(e.expected.contains("back to the rest"), "{e}");
}

#[test]
fn bad_requests_and_vehicles_are_located() {
    let e = error_of("requests.csv", "130,3,6,2", "130,3,7,2");
    assert_eq!(
        (e.line, e.field.as_str(), e.value.as_deref()),
        (Some(4), "end", Some("7")),
        "{e}"
    );
    let e = error_of("requests.csv", "130,3,6,2", "130,3,6,1");
    assert!(e.expected.contains("duplicate"), "{e}");
    let e = error_of("requests.csv", "10,0,5,0", "-10,0,5,0");
    assert_eq!((e.line, e.field.as_str()), (Some(2), "rq_time"), "{e}");
    let e = error_of(
        "vehicles.csv",
        "hailing_vehtype,4,1.0",
        "hailing_vehtype,40,1.0",
    );
    assert_eq!(
        (e.line, e.field.as_str(), e.value.as_deref()),
        (Some(2), "start_node", Some("40")),
        "{e}"
    );
    assert!(e.file.ends_with("vehicles.csv"), "{e}");
    assert_eq!(e.column, Some(21), "{e}");
}

#[test]
fn a_saved_node_order_is_checked_and_changes_nothing() {
    let (plain, plain_dir) = run_tiny(None);
    plain.unwrap();
    // 7 nodes and the stop's departure copy: 8 routing nodes, any order.
    let (ordered, ordered_dir) =
        run_tiny_with(None, &[("net/ch_order.txt", "7\n6\n5\n4\n3\n2\n1\n0\n")]);
    ordered.unwrap();
    for f in ["bookings.csv", "trips.csv", "kpis.csv"] {
        assert_eq!(
            std::fs::read(plain_dir.path().join("out").join(f)).unwrap(),
            std::fs::read(ordered_dir.path().join("out").join(f)).unwrap(),
            "{f}"
        );
    }
    for (text, line, expected) in [
        ("0\n1\n1\n", 3, "each of 0 to 7 once"),
        ("0\nfirst\n", 2, "a routing node number below 8"),
        ("0\n9\n", 2, "a routing node number below 8"),
        (
            "7\n6\n5\n4\n3\n2\n1\n",
            7,
            "one line for each of the network's 8 routing nodes",
        ),
    ] {
        let (res, dir) = run_tiny_with(None, &[("net/ch_order.txt", text)]);
        let Err(RunError::Input(e)) = res else {
            panic!("{text:?}: expected an input error");
        };
        assert!(e.file.ends_with("ch_order.txt"), "{e}");
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.to_string().contains(expected), "{e}");
        assert!(!dir.path().join("out").exists(), "nothing written: {e}");
    }
}

#[test]
fn a_bad_coordinate_system_is_located() {
    let e = error_of("net/crs.info", "EPSG:32632", "EPSG:3857");
    assert_eq!(
        (e.line, e.value.as_deref()),
        (Some(1), Some("EPSG:3857")),
        "{e}"
    );
}

/// The peer's example run side by side: the hailing rules hold in the outputs, and the
/// KPIs sit near FleetPy's own (398 of 400 served, mean wait 105 s, p90 242 s).
#[test]
fn the_fleetpy_hailing_example_keeps_the_peers_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = petfleet_tests::run_into(
        "fleetpy-hail-400-20",
        dir.path(),
        None,
        Host::Reference,
        false,
        None,
    );
    let kpi = |k: &str| {
        s.kpis
            .iter()
            .find(|r| r.0 == k)
            .and_then(|r| r.1)
            .unwrap_or_else(|| panic!("kpi {k}"))
    };
    assert_eq!(kpi("bookings"), 400.0);
    assert!(kpi("rejected_share") <= 0.03, "{}", kpi("rejected_share"));
    assert!(
        (60.0..=150.0).contains(&kpi("wait_mean_s")),
        "{}",
        kpi("wait_mean_s")
    );
    assert!(kpi("detour_mean") < 0.01, "one booking aboard: no detours");
    let clock = |t: &str| -> i64 {
        let hms: Vec<i64> = t[11..].split(':').map(|x| x.parse().unwrap()).collect();
        hms[0] * 3_600 + hms[1] * 60 + hms[2]
    };
    for b in read_csv(&dir.path().join("bookings.csv")) {
        // Requests are rounded down to the 60 s step; the van reaches the door within 300 s.
        assert_eq!(clock(&b["requested_at"]) % 60, 0, "{b:?}");
        if !b["at_door_at"].is_empty() {
            let wait = clock(&b["at_door_at"]) - clock(&b["requested_pickup"]);
            assert!((0..=300).contains(&wait), "{b:?}");
        }
    }
    // One booking aboard at a time: a vehicle's rides never overlap.
    let mut rides: Vec<(String, i64, i64)> = read_csv(&dir.path().join("trips.csv"))
        .into_iter()
        .filter(|t| t["status"] == "completed")
        .map(|t| {
            (
                t["vehicle_id"].clone(),
                clock(&t["depart_at"]),
                clock(&t["arrive_at"]),
            )
        })
        .collect();
    rides.sort();
    for w in rides.windows(2) {
        if w[0].0 == w[1].0 {
            assert!(w[1].1 >= w[0].2, "overlapping rides {w:?}");
        }
    }
}

#[test]
fn the_fleetpy_example_is_identical_on_every_host() {
    let base = tempfile::tempdir().unwrap();
    let reference = petfleet_tests::run_into(
        "fleetpy-hail-400-20",
        base.path(),
        None,
        Host::Reference,
        false,
        None,
    );
    let expected = petfleet_tests::dir_bytes(base.path());
    for shards in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let s = petfleet_tests::run_into(
            "fleetpy-hail-400-20",
            dir.path(),
            None,
            Host::Actix { shards },
            false,
            None,
        );
        assert_eq!(s.trace_hash, reference.trace_hash, "{shards} shards");
        assert_eq!(
            petfleet_tests::dir_bytes(dir.path()),
            expected,
            "{shards} shards"
        );
    }
}
