//! Golden runs: scenario -> booking KPIs and trace hash, compared with `tests/golden/NAME.json`.
//! Regenerate with `UPDATE_GOLDEN=1 cargo test golden` after a deliberate model change,
//! and say why in the commit. (Float maths uses the platform's libm: the golden values
//! hold for the x86_64 Linux machines this project builds on.)

use petfleet_tests::run_into;
use sim_core::engine::Host;

fn kpis(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let s = run_into(name, dir.path(), None, Host::Reference, false, None);
    let net = &s.resolved.spec.world.net;
    let mut bookings: Vec<serde_json::Value> = s
        .bookings
        .iter()
        .map(|b| {
            serde_json::json!({
                "booking": b.booking.0,
                "from": net.node(b.pickup).name,
                "to": net.node(b.dropoff).name,
                "quoted_won": b.quoted_won,
                "pickup_ms": b.pickup_at.map(|x| x.as_ms()),
                "dropoff_ms": b.dropoff_at.map(|x| x.as_ms()),
                "distance_m": b.distance_m.round(),
                "requotes": b.requotes,
                "final_fare_won": b.final_fare_won,
                "status": b.status.name(),
                "reason": b.reason,
            })
        })
        .collect();
    bookings.sort_by_key(|b| b["booking"].as_u64());
    serde_json::json!({
        "scenario": name,
        "seed": s.resolved.spec.seed,
        "trace_hash": format!("{:016x}", s.trace_hash),
        "messages_delivered": s.delivered,
        "files": s.manifest["files"],
        "summary": s.manifest["bookings"],
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
