//! The twin as a user runs it: a feed written from a recorded `seoul-peak-day`, mirrored
//! from a file and over MQTT through a real mosquitto broker; malformed messages.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

mod common;
use common::{ok, petfleet, rows};

/// A recorded `seoul-peak-day`, its feed (10 m GPS noise) and the twin of that feed read
/// from the file: made once for every test of this file.
struct Peak {
    _dir: tempfile::TempDir,
    run: PathBuf,
    feed: PathBuf,
    twin: PathBuf,
}

fn peak() -> &'static Peak {
    static PEAK: OnceLock<Peak> = OnceLock::new();
    PEAK.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        let feed = dir.path().join("feed.ndjson");
        let twin = dir.path().join("twin");
        let s = |p: &Path| p.to_str().unwrap().to_string();
        ok(&["run", "seoul-peak-day", "--record", "--out", &s(&run)]);
        ok(&[
            "feed",
            "export",
            &s(&run),
            "--out",
            &s(&feed),
            "--gps-noise",
            "10",
        ]);
        ok(&[
            "twin",
            "seoul-peak-day",
            "--feed",
            &s(&feed),
            "--out",
            &s(&twin),
            "--fixes",
        ]);
        Peak {
            _dir: dir,
            run,
            feed,
            twin,
        }
    })
}

fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    scenarios::twin::haversine_m(a, b)
}

fn num(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k} = {:?}", r[k]))
}

#[test]
fn a_peak_day_feed_is_mirrored_within_100_m_of_every_fix_with_every_booking_status() {
    let p = peak();
    let truth = rows(&p.run.join("positions.csv"));
    let fixes = rows(&p.twin.join("twin_fixes.csv"));
    assert_eq!(fixes.len(), truth.len(), "every fix was applied");
    let (mut worst, mut same, mut on_edge) = (0.0f64, 0, 0);
    for (f, t) in fixes.iter().zip(&truth) {
        assert_eq!(f["vehicle_id"], format!("V{}", t["vehicle_id"]));
        let (lat, lon) = if f["matched_lat"].is_empty() {
            ("lat", "lon")
        } else {
            ("matched_lat", "matched_lon")
        };
        let d = haversine_m((num(f, lat), num(f, lon)), (num(t, "lat"), num(t, "lon")));
        assert!(
            d <= 100.0,
            "{} at {}: mirrored {d:.1} m from the van",
            f["vehicle_id"],
            f["time"]
        );
        worst = worst.max(d);
        if !t["edge"].is_empty() {
            on_edge += 1;
            same += usize::from(f["edge"] == t["edge"]);
        }
    }
    let share = same as f64 / on_edge as f64;
    eprintln!(
        "{} fixes, worst {worst:.1} m from the van, {:.1} % on the van's edge",
        fixes.len(),
        share * 100.0
    );
    assert!(share > 0.9, "matched onto the van's own edge: {share}");

    let expected: BTreeMap<String, String> = rows(&p.run.join("bookings.csv"))
        .into_iter()
        .map(|r| (format!("B{}", r["booking_id"]), r["status"].clone()))
        .collect();
    let mirrored = rows(&p.twin.join("twin_bookings.csv"));
    assert_eq!(mirrored.len(), expected.len());
    for b in &mirrored {
        let want = &expected[&b["booking_id"]];
        if b["final"] == "true" {
            assert_eq!(&b["status"], want, "{}", b["booking_id"]);
        } else {
            assert_eq!(
                want, "open",
                "{} is {} in the mirror",
                b["booking_id"], b["status"]
            );
        }
    }

    let incidents: BTreeMap<String, String> = rows(&p.run.join("incidents.csv"))
        .into_iter()
        .map(|r| (format!("I{}", r["incident_id"]), r["edges"].clone()))
        .collect();
    let mirrored = rows(&p.twin.join("twin_incidents.csv"));
    assert_eq!(mirrored.len(), incidents.len());
    for i in &mirrored {
        assert_eq!(
            i["edges"], incidents[&i["incident_id"]],
            "{}",
            i["incident_id"]
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.twin.join("twin.json")).unwrap()).unwrap();
    assert_eq!(summary["problems"], serde_json::json!({}), "{summary}");
    assert_eq!(summary["fixes_matched"].as_u64(), Some(truth.len() as u64));
}

/// A mosquitto broker on a free loopback port, stopped when dropped.
struct Mosquitto {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts mosquitto, or says why not: `None` skips the test unless
/// `PETFLEET_REQUIRE_MQTT=1` (set by `.ci/run`, which installs it).
fn mosquitto() -> Option<Mosquitto> {
    let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(bin) = bin else {
        let required = std::env::var("PETFLEET_REQUIRE_MQTT").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "mosquitto is not installed (apt-get install mosquitto)"
        );
        eprintln!("skipped: mosquitto is not installed (apt-get install mosquitto; .ci/run does)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("mosquitto.conf");
    // No queue limit: the default (1,000 messages) drops messages for a subscriber that
    // falls behind a publisher this fast.
    let text = format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n");
    std::fs::write(&conf, text).unwrap();
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto starts");
    // Held from here on, so that the broker is stopped (and waited for) whatever happens.
    let broker = Mosquitto {
        child,
        port,
        _dir: dir,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(broker);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("mosquitto did not listen on port {port}");
}

/// Starts `petfleet twin --mqtt` and waits until it has subscribed.
fn twin_over_mqtt(port: u16, fleet: &str, out: &Path) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_petfleet"))
        .args([
            "twin",
            "seoul-peak-day",
            "--mqtt",
            &format!("127.0.0.1:{port}"),
            "--fleet",
            fleet,
            "--fixes",
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the twin starts");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("subscribed"), "{line}");
    // Keep reading what it says, so that it never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    child
}

#[test]
fn over_mqtt_through_mosquitto_the_twin_mirrors_the_same_fleet_and_names_bad_topics() {
    let p = peak();
    let Some(broker) = mosquitto() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("twin");
    let mut twin = twin_over_mqtt(broker.port, "peak", &out);
    let addr = format!("127.0.0.1:{}", broker.port);
    ok(&[
        "feed",
        "publish",
        p.feed.to_str().unwrap(),
        "--mqtt",
        &addr,
        "--fleet",
        "peak",
    ]);
    assert!(twin.wait().unwrap().success());
    for f in [
        "twin_fixes.csv",
        "twin_bookings.csv",
        "twin_vans.csv",
        "twin_incidents.csv",
        "twin_problems.csv",
    ] {
        let (a, b) = (
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(p.twin.join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between the MQTT and the file feed");
    }

    // Bad messages over MQTT are named by their topic.
    let bad = dir.path().join("bad.ndjson");
    let lines = [
        r#"{"type":"gps","time":"2026-11-24T08:00:00","vehicle":"V7","lat":37.5,"lon":127.0"#,
        r#"{"type":"gps","time":"2026-11-24T08:00:01","vehicle":"V999","lat":37.5,"lon":127.0}"#,
        r#"{"type":"end","time":"2026-11-24T08:01:00"}"#,
    ];
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = dir.path().join("bad");
    let mut twin = twin_over_mqtt(broker.port, "bad", &out);
    ok(&[
        "feed",
        "publish",
        bad.to_str().unwrap(),
        "--mqtt",
        &addr,
        "--fleet",
        "bad",
    ]);
    assert!(twin.wait().unwrap().success());
    let problems = rows(&out.join("twin_problems.csv"));
    let got: Vec<(&str, &str)> = problems
        .iter()
        .map(|r| (r["source"].as_str(), r["kind"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("petfleet/bad/unparsed #1", "bad_json"),
            ("petfleet/bad/vehicles/V999/gps #2", "unknown_vehicle")
        ]
    );
}

#[test]
fn malformed_messages_are_counted_and_written_with_their_line_and_the_twin_goes_on() {
    let p = peak();
    // The feed's first 2,000 lines with bad ones between them.
    let text = std::fs::read_to_string(&p.feed).unwrap();
    let mut lines: Vec<String> = text.lines().take(2_000).map(str::to_string).collect();
    let last_time = {
        let v: serde_json::Value = serde_json::from_str(&lines[1_999]).unwrap();
        v["time"].as_str().unwrap().to_string()
    };
    let bad = [
        ("bad_json", r#"{"type":"gps","time":"2026-11-24T08:00:00","vehicle":"V7","#.to_string()),
        ("bad_json", r#"{"type":"gps","time":"2026-11-24T00:30:00","vehicle":"V7","lat":NaN,"lon":127.0}"#.into()),
        ("bad_coordinates", r#"{"type":"gps","time":"2026-11-24T00:30:00","vehicle":"V7","lat":"NaN","lon":127.0}"#.into()),
        ("bad_coordinates", r#"{"type":"gps","time":"2026-11-24T00:30:00","vehicle":"V7","lat":91.0,"lon":127.0}"#.into()),
        ("unknown_vehicle", r#"{"type":"gps","time":"2026-11-24T00:30:00","vehicle":"V250","lat":37.5,"lon":127.0}"#.into()),
        ("time_backwards", r#"{"type":"gps","time":"2026-11-24T00:00:01","vehicle":"V7","lat":37.5,"lon":127.0}"#.into()),
        ("bad_time", r#"{"type":"gps","time":"yesterday","vehicle":"V7","lat":37.5,"lon":127.0}"#.into()),
        ("bad_message", r#"{"type":"teleport","time":"2026-11-24T00:30:00"}"#.into()),
        ("bad_message", r#"{"type":"gps","time":"2026-11-24T00:30:00","lat":37.5,"lon":127.0}"#.into()),
        ("unknown_booking", format!(r#"{{"type":"pickup","time":"{last_time}","booking":"B999999","vehicle":"V7"}}"#)),
    ];
    let mut expected = Vec::new();
    for (i, (kind, line)) in bad.iter().enumerate() {
        let at = 1_000 + i * 50;
        lines.insert(at, line.clone());
        expected.push((format!("line {}", at + 1), *kind));
    }
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("bad.ndjson");
    std::fs::write(&feed, lines.join("\n")).unwrap();
    let out = dir.path().join("twin");
    ok(&[
        "twin",
        "seoul-peak-day",
        "--feed",
        feed.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let problems = rows(&out.join("twin_problems.csv"));
    let got: Vec<(String, &str)> = problems
        .iter()
        .map(|r| (r["source"].clone(), r["kind"].as_str()))
        .collect();
    let want: Vec<(String, &str)> = expected.iter().map(|(s, k)| (s.clone(), *k)).collect();
    assert_eq!(got, want);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("twin.json")).unwrap()).unwrap();
    let applied: u64 = summary["applied"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(applied, 2_000, "every good message applied: {summary}");
    assert_eq!(summary["problems"]["bad_json"], 2);
    assert_eq!(summary["problems"]["bad_coordinates"], 2);
    assert_eq!(summary["problems"]["time_backwards"], 1);
}

#[test]
fn messages_out_of_order_within_the_window_are_put_back_in_order() {
    let p = peak();
    let text = std::fs::read_to_string(&p.feed).unwrap();
    let mut lines: Vec<&str> = text.lines().take(3_000).collect();
    // Swap neighbours whose times differ by less than the 30 s window.
    let time = |l: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["time"].as_str().unwrap().to_string()
    };
    let mut swapped = 0;
    let mut i = 100;
    while i < 2_900 {
        // The next neighbours with different times (the vans' fixes share theirs).
        while time(lines[i]) == time(lines[i + 1]) {
            i += 1;
        }
        lines.swap(i, i + 1);
        swapped += 1;
        i += 97;
    }
    let dir = tempfile::tempdir().unwrap();
    let (straight, shuffled) = (dir.path().join("a.ndjson"), dir.path().join("b.ndjson"));
    std::fs::write(
        &straight,
        text.lines().take(3_000).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    std::fs::write(&shuffled, lines.join("\n")).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (a, b) = (dir.path().join("ta"), dir.path().join("tb"));
    ok(&[
        "twin",
        "seoul-peak-day",
        "--feed",
        &s(&straight),
        "--out",
        &s(&a),
        "--fixes",
    ]);
    ok(&[
        "twin",
        "seoul-peak-day",
        "--feed",
        &s(&shuffled),
        "--out",
        &s(&b),
        "--fixes",
    ]);
    for f in [
        "twin_fixes.csv",
        "twin_vans.csv",
        "twin_bookings.csv",
        "twin_problems.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.join("twin.json")).unwrap()).unwrap();
    assert_eq!(summary["reordered"], swapped, "{summary}");
    assert!(swapped > 10);
}

#[test]
fn bad_flags_and_a_missing_feed_exit_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let (code, _, err) = petfleet(&[
        "twin",
        "seoul-peak-day",
        "--feed",
        "/no/such.ndjson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("/no/such.ndjson") || err.contains("No such file"),
        "{err}"
    );
    let (code, _, err) = petfleet(&["twin", "seoul-peak-day", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--feed") && err.contains("--mqtt"), "{err}");
    let (code, _, err) = petfleet(&["twin", "--feed", "-", "--match-radius=-3"]);
    assert_eq!(code, 2);
    assert!(err.contains("metres above 0"), "{err}");
    let (code, _, err) = petfleet(&[
        "feed",
        "export",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("manifest.json"), "{err}");
}

#[test]
fn every_exported_message_has_the_fields_the_documented_schema_requires() {
    let p = peak();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/feed.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut required: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in schema["oneOf"].as_array().unwrap() {
        let names = t["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string());
        required.insert(t["title"].as_str().unwrap().to_string(), names.collect());
    }
    let text = std::fs::read_to_string(&p.feed).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines() {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        let kind = m["type"].as_str().unwrap();
        let need = required
            .get(kind)
            .unwrap_or_else(|| panic!("type {kind} is not in the schema"));
        for field in need {
            assert!(m.get(field).is_some(), "{kind} without {field}: {line}");
        }
        let props = schema["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == kind)
            .unwrap();
        for field in m.as_object().unwrap().keys() {
            assert!(
                props["properties"].get(field).is_some(),
                "{kind}.{field} is not documented"
            );
        }
        seen.insert(kind.to_string());
    }
    assert_eq!(
        seen.len(),
        required.len(),
        "every type of the schema is exported: {seen:?}"
    );
}

#[test]
fn a_forecast_at_10_gives_the_dogs_arrival_and_the_gyeongbu_closure_moves_it_by_the_detour() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (run, feed, twin) = (
        dir.path().join("run"),
        dir.path().join("feed.ndjson"),
        dir.path().join("twin"),
    );
    ok(&["run", "--record", "--out", &s(&run)]);
    ok(&["feed", "export", &s(&run), "--out", &s(&feed)]);
    let overlay = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/what-if/gyeongbu-closure.toml"
    );
    ok(&[
        "twin",
        "--feed",
        &s(&feed),
        "--out",
        &s(&twin),
        "--forecast-at",
        "10:00",
        "--horizon",
        "6h",
        "--seeds",
        "5",
        "--what-if",
        overlay,
    ]);
    let forecasts = rows(&twin.join("forecasts.csv"));
    let dog = |variant: &str| {
        forecasts
            .iter()
            .find(|r| r["variant"] == variant && r["kind"] == "booking" && r["id"] == "B0")
            .unwrap_or_else(|| panic!("no {variant} forecast of B0: {forecasts:?}"))
            .clone()
    };
    let (base, what_if) = (dog("base"), dog("what_if"));
    for r in [&base, &what_if] {
        assert_eq!(r["time"], "2026-11-23T10:00:00");
        assert_eq!(
            (r["arrived_runs"].as_str(), r["runs"].as_str()),
            ("5", "5"),
            "{r:?}"
        );
        assert!(r["eta_p50"] <= r["eta_p90"], "{r:?}");
        assert!(
            r["eta_p50"].as_str() > "2026-11-23T12:00:00",
            "Seoul to Busan takes hours: {r:?}"
        );
    }
    let diffs = rows(&twin.join("forecast_diffs.csv"));
    let d = diffs
        .iter()
        .find(|r| r["kind"] == "booking" && r["id"] == "B0")
        .unwrap();
    let delta: i64 = d["delta_p50_s"].parse().unwrap();
    assert!(
        delta > 120,
        "the closure delays the dog's median arrival: {d:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(twin.join("twin.json")).unwrap()).unwrap();
    assert_eq!(summary["forecasts"], 1);
    assert!(
        !twin.join(".forecast-runs").exists(),
        "the forks' runs are cleaned up"
    );
}

/// Upfront quotes (accepted) of a run's completed bookings: (quote, profile quote, metered).
fn quotes(dir: &Path) -> Vec<(f64, f64, f64)> {
    let completed: std::collections::BTreeSet<String> = rows(&dir.join("bookings.csv"))
        .into_iter()
        .filter(|r| r["status"] == "completed")
        .map(|r| r["booking_id"].clone())
        .collect();
    let q = rows(&dir.join("quotes.csv"));
    let metered: BTreeMap<&str, f64> = (q.iter())
        .filter(|r| r["kind"] == "final")
        .map(|r| (r["booking_id"].as_str(), num(r, "compared_won")))
        .collect();
    (q.iter())
        .filter(|r| {
            r["kind"] == "upfront"
                && r["decision"] == "accepted"
                && completed.contains(&r["booking_id"])
        })
        .filter_map(|r| {
            Some((
                num(r, "fare_won"),
                num(r, "profile_fare_won"),
                *metered.get(r["booking_id"].as_str())?,
            ))
        })
        .collect()
}

#[test]
fn learned_delays_quote_closer_to_the_metered_fare_than_the_profile_on_a_held_out_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let d = |n: &str| dir.path().join(n);
    for seed in ["1", "2"] {
        ok(&[
            "run",
            "seoul-peak-day",
            "--seed",
            seed,
            "--out",
            &s(&d(seed)),
        ]);
    }
    let out = ok(&[
        "learn",
        &s(&d("1")),
        &s(&d("2")),
        "--out",
        &s(&d("delays.csv")),
    ]);
    assert!(out.contains("into 96 cells"), "{out}");
    let cells = rows(&d("delays.csv"));
    assert!(cells
        .iter()
        .all(|c| num(c, "n") > 0.0 && num(c, "q025") <= num(c, "q975")));

    // The same run's fixes as an imported GPS trace (no edges: map-matched) learn the same.
    let positions = std::fs::read_to_string(d("1").join("positions.csv")).unwrap();
    let trace: Vec<String> = positions
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    std::fs::write(d("trace.csv"), trace.join("\n")).unwrap();
    let (code, _, err) = petfleet(&["learn", &s(&d("trace.csv")), "--out", &s(&d("t.csv"))]);
    assert_eq!(code, 2, "a trace needs --scenario: {err}");
    ok(&["learn", &s(&d("1")), "--out", &s(&d("run1.csv"))]);
    ok(&[
        "learn",
        &s(&d("trace.csv")),
        "--scenario",
        "seoul-peak-day",
        "--out",
        &s(&d("t.csv")),
    ]);
    let median = |r: &BTreeMap<String, String>| (num(r, "q475") + num(r, "q525")) / 2.0;
    let from_run: BTreeMap<(String, String), f64> = (rows(&d("run1.csv")).iter())
        .filter(|r| num(r, "n") > 500.0)
        .map(|r| ((r["road_class"].clone(), r["hour"].clone()), median(r)))
        .collect();
    let mut compared = 0;
    for r in rows(&d("t.csv")) {
        if let Some(m) = from_run.get(&(r["road_class"].clone(), r["hour"].clone())) {
            assert!((median(&r) - m).abs() < 0.01, "{r:?}: the run's median {m}");
            compared += 1;
        }
    }
    assert!(compared > 40, "{compared} cells compared");
    let set = format!("pricing.delays={}", s(&d("delays.csv")));
    let held = d("held-out");
    ok(&[
        "run",
        "seoul-peak-day",
        "--seed",
        "3",
        "--out",
        &s(&held),
        "--set",
        "pricing.quote_model=learned",
        "--set",
        &set,
    ]);
    let q = quotes(&held);
    assert!(q.len() > 2_000, "{}", q.len());
    let mae = |f: fn(&(f64, f64, f64)) -> f64| q.iter().map(f).sum::<f64>() / q.len() as f64;
    let learned = mae(|(l, _, m)| (l - m).abs());
    let profile = mae(|(_, p, m)| (p - m).abs());
    eprintln!(
        "held-out seed 3, {} rides: MAE learned {learned:.0} won, profile {profile:.0} won",
        q.len()
    );
    assert!(
        learned < profile,
        "learned {learned} against profile {profile}"
    );
    let late: Vec<f64> = rows(&held.join("quotes.csv"))
        .iter()
        .filter(|r| r["kind"] == "upfront")
        .map(|r| num(r, "p_late_15min"))
        .collect();
    assert!(late.iter().all(|p| (0.0..=1.0).contains(p)) && late.iter().any(|p| *p > 0.0));

    // Without a delays file, or with a bad one: located errors, exit 2.
    let (code, _, err) = petfleet(&[
        "run",
        "seoul-peak-day",
        "--out",
        &s(&d("x")),
        "--set",
        "pricing.quote_model=learned",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("quote_model") && err.contains("delays"),
        "{err}"
    );
    let bad = d("bad.csv");
    let text =
        std::fs::read_to_string(d("delays.csv"))
            .unwrap()
            .replacen(",weekday,", ",someday,", 1);
    std::fs::write(&bad, text).unwrap();
    let set = format!("pricing.delays={}", s(&bad));
    let (code, _, err) = petfleet(&[
        "run",
        "seoul-peak-day",
        "--out",
        &s(&d("x")),
        "--set",
        "pricing.quote_model=learned",
        "--set",
        &set,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.csv:2:") && err.contains("day_type") && err.contains("someday"),
        "{err}"
    );
}

#[test]
fn a_recorded_feed_replayed_as_a_scenario_runs_the_same_day_again() {
    let p = peak();
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let toml = dir.path().join("day.toml");
    let (code, _, err) = petfleet(&[
        "feed",
        "scenario",
        &s(&p.feed),
        "--scenario",
        "seoul-peak-day",
        "--out",
        &s(&toml),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("5297 bookings, 42 incidents, 250 of 250 vans placed"),
        "{err}"
    );
    let out = dir.path().join("run");
    ok(&["run", &s(&toml), "--out", &s(&out)]);
    let count = |dir: &Path, status: &str| {
        rows(&dir.join("bookings.csv"))
            .iter()
            .filter(|r| r["status"] == status)
            .count()
    };
    assert_eq!(rows(&out.join("bookings.csv")).len(), 5297);
    assert_eq!(
        rows(&out.join("incidents.csv")).len(),
        rows(&p.run.join("incidents.csv")).len()
    );
    let (real, again) = (
        count(&p.run, "completed") as f64,
        count(&out, "completed") as f64,
    );
    assert!(
        (again / real - 1.0).abs() < 0.05,
        "completed: {real} on the day, {again} replayed"
    );
    // The incidents are the day's: same roads, same starts.
    let key = |r: &BTreeMap<String, String>| {
        (r["road"].clone(), r["start_at"].clone(), r["edges"].clone())
    };
    let day: Vec<_> = rows(&p.run.join("incidents.csv")).iter().map(key).collect();
    let replayed: Vec<_> = rows(&out.join("incidents.csv")).iter().map(key).collect();
    assert_eq!(day, replayed);
}

#[test]
fn reproduce_shows_a_booking_no_van_holds_as_its_household_knows_it() {
    let p = peak();
    let run = p.run.to_str().unwrap();
    // B16807 (a vet visit, grooming or hotel stay) waits at its partner between its legs.
    let out = ok(&["reproduce", run, "--at", "10:00", "--booking", "16807"]);
    assert!(
        out.contains("prefix verified: the trace hash at d1 10:00:00"),
        "{out}"
    );
    assert!(
        out.contains("booking B16807: at the partner; no van has it aboard or planned"),
        "{out}"
    );
    assert!(
        out.contains("made d1 08:46:57") && out.contains("quoted 37200 won"),
        "{out}"
    );
    let out = ok(&["reproduce", run, "--at", "00:30", "--booking", "16807"]);
    assert!(out.contains("booking B16807: not under way"), "{out}");
}
