//! The notification gateway in whole runs: an AlimTalk outage, duplicated triggers and a
//! flaky SMS provider; nothing is lost or delivered twice, and bad notifier configuration
//! is a located error.

use std::collections::BTreeMap;

use petfleet_tests::{read_csv, run_into, run_text};
use scenarios::run::{DataSource, RunError};
use sim_core::engine::Host;

const SMALL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/alimtalk-small.toml");
const SMALL_TEXT: &str = include_str!("../scenarios/alimtalk-small.toml");

#[test]
fn an_alimtalk_outage_falls_back_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_into(SMALL, dir.path(), None, Host::Reference, false, None);
    let rows = read_csv(&dir.path().join("notifications.csv"));
    assert!(rows.len() > 10_000, "{} notices", rows.len());
    let in_outage = |t: &str| ("2026-11-24T18:00:00".."2026-11-24T18:30:00").contains(&t);
    // Nothing is delivered by AlimTalk while it is down; its notices go elsewhere.
    let during: Vec<_> = (rows.iter())
        .filter(|r| in_outage(&r["delivered_at"]))
        .collect();
    assert!(!during.is_empty());
    assert!(during.iter().all(|r| r["channel_used"] != "alimtalk"));
    let fell_back = (during.iter())
        .filter(|r| r["channel_first"] == "alimtalk" && r["channel_used"] != "alimtalk")
        .count();
    assert!(
        fell_back > during.len() / 3,
        "{fell_back} of {}",
        during.len()
    );
    // Fallback to SMS or LMS by the text's length: re-quotes and welfare notices never fit.
    for r in rows.iter().filter(|r| r["channel_used"] == "sms") {
        assert!(
            !["requote", "welfare"].contains(&r["kind"].as_str()),
            "{r:?}"
        );
    }
    // The flaky SMS provider fails over to the other one.
    assert!(rows.iter().any(|r| r["provider"] == "sms-nhn"));
    // Every notice ends once; a key is delivered at most once (duplicated triggers are
    // dropped); dead letters are listed with a reason and re-driven at 19:00.
    let mut delivered: BTreeMap<&str, u32> = BTreeMap::new();
    for r in rows.iter().filter(|r| r["outcome"] == "delivered") {
        *delivered.entry(&r["idempotency_key"]).or_default() += 1;
    }
    assert!(delivered.values().all(|n| *n == 1));
    let dead = read_csv(&dir.path().join("dead_letters.csv"));
    assert!(!dead.is_empty() && dead.iter().all(|r| !r["reason"].is_empty()));
    let kpi = |name: &str| s.kpis.iter().find(|k| k.0 == name).and_then(|k| k.1);
    assert_eq!(kpi("notify_dead_letters"), Some(dead.len() as f64));
    assert_eq!(kpi("notifications"), Some(rows.len() as f64));
    let redriven = (rows.iter())
        .filter(|r| r["enqueued_at"].as_str() >= "2026-11-24T19:00:00" && r["attempts"] != "0")
        .count();
    assert!(redriven > 0);
    assert!(kpi("notify_fallback_share").unwrap() > 0.0);
}

#[test]
fn the_notifier_is_byte_identical_on_every_host() {
    use petfleet_tests::dir_bytes;
    let until = Some(sim_core::time::SimTime::from_day_hms(0, 18, 40, 0));
    let base = tempfile::tempdir().unwrap();
    let reference = run_into(SMALL, base.path(), None, Host::Reference, true, until);
    for shards in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let s = run_into(SMALL, dir.path(), None, Host::Actix { shards }, true, until);
        assert_eq!(s.trace_hash, reference.trace_hash, "{shards} shards");
        assert_eq!(
            dir_bytes(dir.path()),
            dir_bytes(base.path()),
            "{shards} shards"
        );
    }
}

/// Runs the small scenario with `from` replaced by `to`; the input error.
fn refused(from: &str, to: &str) -> scenarios::error::InputError {
    assert!(
        SMALL_TEXT.contains(from),
        "{from:?} not in the test scenario"
    );
    let (dir, result) = run_text(&SMALL_TEXT.replacen(from, to, 1), DataSource::Bundled);
    assert!(!dir.path().join("out").exists(), "nothing written");
    match result {
        Err(RunError::Input(e)) => e,
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected {to:?} to be refused"),
    }
}

#[test]
fn bad_notifier_configuration_is_located() {
    let e = refused("target = \"alimtalk\"", "target = \"alimtlak\"");
    assert_eq!(e.field, "notifier.outages[0].target");
    assert_eq!(e.value.as_deref(), Some("alimtlak"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `alimtalk`?"), "{e}");
    assert!(e.line.is_some() && e.column.is_some(), "{e}");
    let e = refused("until = \"18:30\"", "until = \"17:30\"");
    assert_eq!(e.field, "notifier.outages[0].until");
    let e = refused(
        "action = \"redrive_notifications\"",
        "action = \"redrive_notificatoins\"",
    );
    assert_eq!(e.field, "operations[0].action");
    assert_eq!(
        e.hint.as_deref(),
        Some("did you mean `redrive_notifications`?"),
        "{e}"
    );
    let e = refused("name = \"sms-solapi\"", "name = \"sms-acme\"");
    assert_eq!(e.field, "notifier.providers[0].name");
    assert!(e.expected.contains("sms-nhn"), "{e}");
    let e = refused("fail_prob = 0.3", "fail_prob = 1.3");
    assert_eq!(e.field, "notifier.providers[0].fail_prob");
    let e = refused("duplicate_share = 0.05", "duplicate_share = -1");
    assert_eq!(e.field, "notifier.duplicate_share");
    let e = refused("[notifier]\n", "[notifier]\nenabled = false\n");
    assert_eq!(
        e.field, "operations[0].action",
        "a re-drive needs a notifier: {e}"
    );
}

#[test]
fn a_bad_policy_file_is_located() {
    let data = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let streets = ["nodes.csv", "edges.csv", "profiles.csv", "ch_order.txt"]
        .map(|f| format!("{}/{f}", scenarios::streets::DIR));
    let files = (scenarios::data::FILES.iter().map(|f| f.to_string()))
        .chain(streets)
        .chain(
            [
                "notify/providers.csv",
                "notify/policies.csv",
                "settle/parameters.csv",
            ]
            .map(String::from),
        );
    for rel in files {
        let to = data.path().join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&rel), &to).unwrap();
    }
    let policies = data.path().join("notify/policies.csv");
    let text = std::fs::read_to_string(&policies).unwrap();
    std::fs::write(
        &policies,
        text.replace("eta,push>alimtalk>sms,", "eta,push>pager,"),
    )
    .unwrap();
    let (dir, result) = run_text(SMALL_TEXT, DataSource::Dir(data.path().to_path_buf()));
    match result {
        Err(RunError::Input(e)) => {
            assert!(e.file.ends_with("policies.csv"), "{e}");
            assert_eq!((e.line, e.field.as_str()), (Some(4), "chain"), "{e}");
            assert_eq!(e.value.as_deref(), Some("push>pager"), "{e}");
            assert!(e.expected.contains("`pager` has none"), "{e}");
        }
        Err(other) => panic!("expected an input error, got {other}"),
        Ok(_) => panic!("expected the unknown channel to fail"),
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn settlement_loses_nothing_and_charges_nothing_twice_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_into(SMALL, dir.path(), None, Host::Reference, false, None);
    let settled = read_csv(&dir.path().join("settlements.csv"));
    let ledger = read_csv(&dir.path().join("ledger.csv"));
    let bookings = read_csv(&dir.path().join("bookings.csv"));
    // Every booking with a charge is captured once, for its charge, or dead-lettered with
    // a reason, or still open when the run stopped.
    let mut by_booking: BTreeMap<&str, &BTreeMap<String, String>> = BTreeMap::new();
    for r in &settled {
        assert!(
            by_booking.insert(&r["booking_id"], r).is_none(),
            "settled twice: {r:?}"
        );
        assert!(
            r["status"] != "dead_lettered" || !r["reason"].is_empty(),
            "{r:?}"
        );
    }
    let mut charged = 0;
    for b in bookings.iter().filter(|b| !b["final_fare_won"].is_empty()) {
        let r = by_booking
            .get(b["booking_id"].as_str())
            .expect("every charge is settled");
        match r["status"].as_str() {
            "captured" => assert_eq!(r["charged_won"], b["final_fare_won"], "{r:?}"),
            "dead_lettered" | "open" => {}
            other => panic!("a charged booking {other}: {r:?}"),
        }
        charged += 1;
    }
    assert!(charged > 300, "{charged} charged bookings");
    // The ledger posts each captured booking's charge once, and balances.
    let mut capture: BTreeMap<&str, i64> = BTreeMap::new();
    let (mut debits, mut credits) = (0i64, 0i64);
    for t in ledger.iter().filter(|t| t["phase"] == "posted") {
        let amount: i64 = t["amount_won"].parse().unwrap();
        debits += amount;
        credits += amount;
        if t["reason"] == "capture" {
            *capture.entry(&t["booking_id"]).or_default() += amount;
        }
    }
    assert_eq!(debits, credits);
    for r in settled.iter().filter(|r| r["status"] == "captured") {
        assert_eq!(
            capture[r["booking_id"].as_str()].to_string(),
            r["charged_won"],
            "{r:?}"
        );
    }
    // The crash shows: settlements of bookings that ended while it was down wait for the
    // restart at 18:20.
    let waited = (settled.iter())
        .filter(|r| {
            ("2026-11-24T18:11:00".."2026-11-24T18:19:00").contains(&r["completed_at"].as_str())
        })
        .filter(|r| r["settled_at"].as_str() >= "2026-11-24T18:20:00")
        .count();
    assert!(waited > 0);
    let kpi = |name: &str| s.kpis.iter().find(|k| k.0 == name).and_then(|k| k.1);
    assert_eq!(kpi("settle_crashes"), Some(1.0));
    assert!(kpi("settle_unknown_resolved").unwrap() > 0.0);
    assert!(kpi("settle_retries").unwrap() > 0.0);
}

#[test]
fn bad_settlement_configuration_is_located() {
    let e = refused("mode = \"realtime\"", "mode = \"realtme\"");
    assert_eq!(e.field, "settlement.mode");
    assert_eq!(e.hint.as_deref(), Some("did you mean `realtime`?"), "{e}");
    let e = refused("timeout_prob = 0.05", "timeout_prob = 0.9");
    assert_eq!(e.field, "settlement.degraded[0].timeout_prob", "{e}");
    let e = refused("down_for = \"10min\"", "down_for = \"0min\"");
    assert_eq!(e.field, "settlement.crashes[0].down_for", "{e}");
}

/// The small scenario with a fault mix drawn from `seed`: which provider or channel goes
/// down and when, duplicated and delayed triggers, a degraded gateway, a crash; the run's
/// own seed too. Stops at 14:00 to keep each run short.
fn fault_mix(seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let targets = [
        "alimtalk",
        "push",
        "sms",
        "sms-solapi",
        "fcm",
        "kakao-bizm",
        "lms",
    ];
    let target = targets[r.random_range(0..targets.len())];
    let (down, crash, degraded) = (
        r.random_range(7..12u32),
        r.random_range(7..12u32),
        r.random_range(7..12u32),
    );
    let swaps = [
        (
            "seed = 2026".to_string(),
            format!("seed = {}", r.random::<u32>()),
        ),
        ("until = \"19:30\"".into(), "until = \"14:00\"".into()),
        (
            "target = \"alimtalk\"".into(),
            format!("target = \"{target}\""),
        ),
        (
            "from = \"18:00\"\nuntil = \"18:30\"".into(),
            format!("from = \"{down:02}:00\"\nuntil = \"{down:02}:45\""),
        ),
        (
            "duplicate_share = 0.05".into(),
            format!("duplicate_share = {:.3}", r.random_range(0.0..0.2)),
        ),
        (
            "delayed_share = 0.05".into(),
            format!("delayed_share = {:.3}", r.random_range(0.0..0.2)),
        ),
        (
            "from = \"17:00\"\nuntil = \"19:00\"".into(),
            format!("from = \"{degraded:02}:00\"\nuntil = \"{degraded:02}:50\""),
        ),
        (
            "fail_prob = 0.2".into(),
            format!("fail_prob = {:.3}", r.random_range(0.0..0.4)),
        ),
        (
            "timeout_prob = 0.05".into(),
            format!("timeout_prob = {:.3}", r.random_range(0.0..0.2)),
        ),
        ("at = \"18:10\"".into(), format!("at = \"{crash:02}:10\"")),
        ("at = \"19:00\"".into(), "at = \"13:00\"".into()),
    ];
    let mut text = SMALL_TEXT.to_string();
    for (from, to) in swaps {
        assert!(text.contains(&from), "{from:?} not in the test scenario");
        text = text.replacen(&from, &to, 1);
    }
    if r.random::<bool>() {
        text = text.replacen(
            "mode = \"realtime\"",
            "mode = \"batch\"\nbatch_every = \"30min\"",
            1,
        );
    }
    text
}

/// In the manner of TigerBeetle's VOPR: whole runs over seeds and fault mixes, every
/// end-of-run invariant checked (a violation fails the run). `FAULT_SEEDS=200` runs 200.
#[test]
fn invariants_hold_over_seeds_and_fault_mixes() {
    let n: u64 = std::env::var("FAULT_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    for seed in 0..n {
        let text = fault_mix(seed);
        let (_dir, result) = run_text(&text, DataSource::Bundled);
        if let Err(e) = result {
            panic!("fault seed {seed} failed: {e}\n{text}");
        }
    }
}
