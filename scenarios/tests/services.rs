//! Architects' load tests as a user runs them: the three scenarios, the knee, the
//! recommendation, faults of every kind against the notifier's and settlement's
//! invariants, determinism across hosts, and bad configuration.

use std::path::Path;

mod common;
use common::{ok, petfleet, rows};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn kpi(dir: &Path, name: &str) -> f64 {
    let all = rows(&dir.join("kpis.csv"));
    let row = all
        .iter()
        .find(|r| r["kpi"] == name)
        .unwrap_or_else(|| panic!("{name} in kpis.csv"));
    row["value"].parse().unwrap()
}

#[test]
fn midnight_burst_compares_the_designs_and_names_the_cheapest() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&["run", "midnight-burst", "--out", &s(dir.path())]);
    for d in ["fixed", "vertical", "horizontal", "autoscale", "scheduled"] {
        assert!(out.contains(d), "{out}");
        assert_eq!(kpi(&dir.path().join(d), "services_lost"), 0.0, "{d}");
    }
    let designs = rows(&dir.path().join("designs.csv"));
    let by = |n: &str| designs.iter().find(|r| r["design"] == n).unwrap().clone();
    assert_eq!(by("fixed")["meets_slo"], "false");
    assert!(by("fixed")["rejected_share"].parse::<f64>().unwrap() > 0.01);
    assert_eq!(by("horizontal")["meets_slo"], "true");
    let cost = |n: &str| by(n)["cost_won"].parse::<i64>().unwrap();
    assert!(cost("scheduled") < cost("horizontal") && cost("fixed") < cost("scheduled"));
    // The burst: 1,000 orders in the first minute, and the booking API saw them all.
    let minutes = rows(&dir.path().join("fixed/services.csv"));
    let first = minutes
        .iter()
        .find(|r| r["service"] == "booking_api" && r["minute"] == "0")
        .unwrap();
    assert!(
        first["arrivals"].parse::<u64>().unwrap() >= 1_000,
        "{first:?}"
    );
    // The report draws latency and instances by minute.
    ok(&["report", &s(&dir.path().join("autoscale"))]);
    let html = std::fs::read_to_string(dir.path().join("autoscale/report.html")).unwrap();
    for id in ["plot-service-latency", "plot-service-instances"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }

    let sweep = dir.path().join("sweep");
    let out = ok(&[
        "sweep",
        "midnight-burst",
        "--grid",
        "design=fixed,horizontal",
        "--grid",
        "load_multiplier=0.5..3:0.5",
        "--replications",
        "3",
        "--knee",
        "services_peak_p99_ms<=2000",
        "--out",
        &s(&sweep),
    ]);
    assert!(out.contains("knee"), "{out}");
    let knees = rows(&sweep.join("knee.csv"));
    let mean = |cell: &str| -> f64 {
        knees.iter().find(|r| r["cell"] == cell).unwrap()["knee_mean"]
            .parse()
            .unwrap()
    };
    assert!(
        mean("design=fixed") < mean("design=horizontal"),
        "{knees:?}"
    );

    let rec = dir.path().join("rec");
    let out = ok(&[
        "recommend",
        "midnight-burst",
        "--designs",
        "--sla",
        "services_peak_p99_ms<=2000",
        "--min-replications",
        "3",
        "--max-replications",
        "5",
        "--out",
        &s(&rec),
    ]);
    assert!(
        out.contains("answer: design scheduled is the cheapest"),
        "{out}"
    );
    assert_eq!(rows(&rec.join("recommend.csv")).len(), 5);
}

#[test]
fn a_gateway_partition_queues_times_out_and_loses_nothing_on_any_host() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("loop");
    let b = dir.path().join("actix");
    ok(&[
        "run",
        "settlement-partition",
        "--engine",
        "loop",
        "--out",
        &s(&a),
    ]);
    ok(&[
        "run",
        "settlement-partition",
        "--engine",
        "actix",
        "--shards",
        "2",
        "--out",
        &s(&b),
    ]);
    for f in [
        "services.csv",
        "bookings.csv",
        "kpis.csv",
        "notifications.csv",
        "ledger.csv",
    ] {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(x.is_ok(), "{f} written");
        assert!(x.unwrap() == y.unwrap(), "{f} differs between the hosts");
    }
    let minutes = rows(&a.join("services.csv"));
    let settle: Vec<_> = minutes
        .iter()
        .filter(|r| r["service"] == "settlement")
        .collect();
    let at = |t: &str| settle.iter().find(|r| r["time"].ends_with(t)).unwrap();
    for t in ["T18:02:00", "T18:05:00", "T18:08:00"] {
        assert_eq!(
            at(t)["completed"],
            "0",
            "nothing reaches the gateway at {t}"
        );
        assert!(
            at(t)["errors"].parse::<u64>().unwrap() > 0,
            "calls time out at {t}"
        );
    }
    assert!(at("T18:12:00")["completed"].parse::<u64>().unwrap() > 0);
    assert_eq!(kpi(&a, "services_lost"), 0.0);
    assert!(kpi(&a, "service_settlement_slo_violation_minutes") >= 10.0);
    assert!(kpi(&a, "settle_captured") > 1_000.0);
    assert_eq!(
        kpi(&a, "settle_open_at_end"),
        0.0,
        "every booking settled by the stop"
    );
}

/// A small fleet with all three services and every kind of service fault, overflow
/// policy and balancer: the run's end-of-run invariants (every booking final, every
/// notice delivered, expired or dead-lettered, the ledger balanced, every request
/// delivered once) must hold, or it exits 3.
const FAULTY: &str = r#"
name = "faulty-backends"
seed = 5
start_date = "2026-11-24"
until = "d2 02:00"
network = "districts"

[demand]
bookings_per_day = 1500
customers = 5000
stop_at = "22:00"

[[depots]]
name = "Mapo depot"
node = "Mapo-gu"
vehicles = 40

[notifier]
duplicate_share = 0.05

[settlement]
mode = "realtime"

[[services]]
role = "booking_api"
instances = 3
workers = 1
queue = 1
speed = 0.01                # a very slow API: 2.5 s a request
overflow = "shed"
balancer = "power_of_two"
[[services.faults]]
kind = "crash"
at = "09:00"
instance = 1
restart_after = "20min"
[[services.faults]]
kind = "slow"
at = "12:00"
until = "13:00"
instance = 0
factor = 20

[[services]]
role = "notifications"
instances = 2
workers = 2
queue = 5
overflow = "reject"
balancer = "round_robin"
scaling = { strategy = "autoscale", metric = "utilisation", target = 0.5, min = 2, max = 4, cold_start = "30s" }
[[services.faults]]
kind = "partition"
at = "10:00"
until = "10:20"
[[services.faults]]
kind = "crash"
at = "17:00"
instance = 0
restart_after = "10min"

[[services]]
role = "settlement"
instances = 2
workers = 2
queue = 2
overflow = "backpressure"
upstream = 50
scaling = { strategy = "scheduled", steps = [{ at = "08:00", instances = 3 }, { at = "20:00", instances = 1 }] }
[[services.faults]]
kind = "partition"
at = "18:00"
until = "18:30"
"#;

#[test]
fn notifier_and_settlement_invariants_hold_under_every_service_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faulty.toml");
    std::fs::write(&file, FAULTY).unwrap();
    let out = dir.path().join("out");
    ok(&["run", &s(&file), "--out", &s(&out)]);
    assert_eq!(kpi(&out, "services_lost"), 0.0);
    assert!(
        kpi(&out, "service_booking_api_rejected_share") > 0.0,
        "the small API sheds"
    );
    let minutes = rows(&out.join("services.csv"));
    let errors: u64 = minutes
        .iter()
        .map(|r| r["errors"].parse::<u64>().unwrap())
        .sum();
    assert!(
        errors > 0,
        "crashes and partitions failed requests back to be retried"
    );
    let peak = minutes
        .iter()
        .filter(|r| r["service"] == "settlement")
        .map(|r| r["instances"].parse::<u32>().unwrap())
        .max();
    assert_eq!(peak, Some(3), "the schedule scaled the processor");
}

#[test]
fn bad_service_configuration_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "overflow = \"shed\"",
            "overflow = \"drop\"",
            "services[0].overflow",
            "`reject`, `shed`, `backpressure`",
        ),
        (
            "instances = 3",
            "instances = 0",
            "services[0].instances",
            "from 1 to 1000",
        ),
        (
            "factor = 20",
            "factor = 0.5",
            "services[0].faults[1].factor",
            "at least 1",
        ),
        (
            "instance = 1",
            "instance = 7",
            "services[0].faults[0].instance",
            "an instance from 0 to 2",
        ),
        (
            "min = 2, max = 4",
            "min = 3, max = 4",
            "services[1].instances",
            "min 3 and max 4",
        ),
        (
            "metric = \"utilisation\"",
            "metric = \"cpu\"",
            "services[1].scaling.metric",
            "utilisation",
        ),
        (
            "until = \"18:30\"",
            "until = \"17:30\"",
            "services[2].faults[0].until",
            "a time after `at`",
        ),
        (
            "role = \"settlement\"",
            "role = \"payments\"",
            "services[2].role",
            "booking_api",
        ),
    ];
    for (from, to, field, expected) in cases {
        assert!(FAULTY.contains(from), "{from}");
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, FAULTY.replacen(from, to, 1)).unwrap();
        let (code, _, err) = petfleet(&["run", &s(&file), "--out", &s(&dir.path().join("o"))]);
        assert_eq!(code, 2, "{to}: {err}");
        assert!(err.contains(field) && err.contains(expected), "{to}: {err}");
        assert!(err.contains("bad.toml:"), "{to}: {err}");
        assert!(
            !dir.path().join("o/services.csv").exists(),
            "nothing half-written"
        );
    }
    let (code, _, err) = petfleet(&[
        "run",
        "midnight-burst",
        "--set",
        "design=biggest",
        "--out",
        &s(&dir.path().join("o")),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("design") && err.contains("horizontal"),
        "{err}"
    );
    let (code, _, err) = petfleet(&[
        "run",
        "midnight-burst",
        "--set",
        "load_multiplier=-1",
        "--out",
        &s(&dir.path().join("o")),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("load_multiplier"), "{err}");
}

#[test]
fn chuseok_backend_finds_designs_that_hold_the_peak() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&["run", "chuseok-backend", "--out", &s(dir.path())]);
    assert!(out.contains("peak-h p99"), "{out}");
    let designs = rows(&dir.path().join("designs.csv"));
    assert_eq!(designs.len(), 5);
    let by = |n: &str| designs.iter().find(|r| r["design"] == n).unwrap().clone();
    let p99 = |n: &str| by(n)["peak_hour_p99_ms"].parse::<u64>().unwrap();
    assert!(p99("fixed") > 2_000 && p99("horizontal") <= 2_000 && p99("vertical") <= 2_000);
    for d in &designs {
        assert_eq!(d["lost"], "0");
    }
}
