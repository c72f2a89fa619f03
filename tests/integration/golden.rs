//! Golden runs: scenario -> booking KPIs and trace hash, compared with `tests/golden/NAME.json`.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test golden` after a deliberate model change,
//! and say why in the commit. (Float maths uses the platform's libm: the golden values
//! hold for the x86_64 Linux machines this project builds on.)

use petfleet_tests::{read_csv, run_into};
use sim_core::engine::Host;

fn kpis(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let s = run_into(name, dir.path(), None, Host::Reference, false, None);
    let keep = [
        "booking_id",
        "origin",
        "destination",
        "quoted_won",
        "at_door_at",
        "pickup_at",
        "dropoff_at",
        "distance_m",
        "requotes",
        "final_fare_won",
        "status",
        "reason",
    ];
    let bookings: Vec<serde_json::Value> = read_csv(&dir.path().join("bookings.csv"))
        .into_iter()
        .map(|row| {
            keep.iter()
                .map(|k| (k.to_string(), serde_json::json!(row[*k])))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    serde_json::json!({
        "scenario": name,
        "seed": s.resolved.spec.seed,
        "trace_hash": format!("{:016x}", s.trace_hash),
        "messages_delivered": s.delivered,
        "files": s.manifest["files"],
        "summary": s.manifest["bookings"],
        "kpis": s.manifest["kpis"],
        "bookings": bookings,
    })
}

fn check(name: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(format!("{name}.json"));
    let got = kpis(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (create it with UPDATE_GOLDEN=1)", path.display()));
    let want: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        got,
        want,
        "{name} drifted from {}; if the change is deliberate, regenerate with UPDATE_GOLDEN=1",
        path.display()
    );
}

#[test]
fn golden_seoul_busan_accident() {
    check("seoul-busan-accident");
}

#[test]
fn golden_seoul_city_day() {
    check("seoul-city-day");
}
