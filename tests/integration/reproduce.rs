//! `petfleet reproduce`: a recorded run re-run to a time shows the van's reroute decision,
//! and the whole re-run matches the recorded trace hash; a run of another program version
//! is refused.

use std::path::PathBuf;

use petfleet_tests::run_into;
use scenarios::reproduce::{reproduce, Request, Subject};
use scenarios::run::{DataSource, RunError};
use sim_core::engine::Host;
use sim_core::time::SimTime;

fn request(dir: PathBuf, subject: Subject) -> Request {
    Request {
        dir,
        at: SimTime(10 * 3_600_000 + 31 * 60_000),
        subject: Some(subject),
        verify: true,
        data: DataSource::Bundled,
        events: None,
    }
}

#[test]
fn the_default_run_stopped_after_10_30_shows_the_reroute_decision_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Reference,
        false,
        None,
    );
    let lines = reproduce(&request(dir.path().to_path_buf(), Subject::Vehicle(0))).unwrap();
    let text = lines.join("\n");
    assert!(text.contains("re-run to d1 10:31:00"), "{text}");
    assert!(text.contains("Van 0: detouring"), "{text}");
    assert!(
        text.contains("rerouted V0") && text.contains("accepted true"),
        "{text}"
    );
    assert!(text.contains("requote_answer B0 approved true"), "{text}");
    assert!(lines.last().unwrap().starts_with("verified:"), "{text}");
    // By booking: the same van; and the window of messages and events around 10:31.
    let window = dir.path().join("window.csv");
    let mut r = request(dir.path().to_path_buf(), Subject::Booking(0));
    r.events = Some((window.clone(), sim_core::time::SimDuration::from_mins(5)));
    let lines = reproduce(&r).unwrap();
    assert!(lines.iter().any(|l| l == "Van 0: detouring"), "{lines:?}");
    assert!(
        lines.last().unwrap().starts_with("verified:"),
        "the window changes nothing: {lines:?}"
    );
    let text = std::fs::read_to_string(&window).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "time,time_ms,seq,stream,kind,actor,detail");
    let times: Vec<u64> = rows[1..]
        .iter()
        .map(|r| r.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order");
    let (from, to) = (10 * 3_600_000 + 26 * 60_000, 10 * 3_600_000 + 36 * 60_000);
    assert!(times.iter().all(|t| (from..=to).contains(t)), "{times:?}");
    assert!(
        text.contains(",event,rerouted,") && text.contains("accepted true"),
        "{text}"
    );
    assert!(text.contains(",msg,requote,"), "{text}");
}

#[test]
fn a_run_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        "seoul-busan-accident",
        dir.path(),
        None,
        Host::Reference,
        false,
        Some(SimTime(3_600_000)),
    );
    let path = dir.path().join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(&path, text.replace(&version, "\"version\": \"0.0.9\"")).unwrap();
    match reproduce(&request(dir.path().to_path_buf(), Subject::Vehicle(0))) {
        Err(RunError::Input(e)) => {
            assert_eq!(
                (e.field.as_str(), e.value.as_deref()),
                ("version", Some("0.0.9"))
            );
        }
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("a run of another version was reproduced"),
    }
}

#[test]
fn a_recorded_run_checks_the_prefix_at_its_last_hourly_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let opts = scenarios::run::RunOptions {
        scenario: Some("seoul-busan-accident".into()),
        seed: None,
        until: None,
        out: dir.path().to_path_buf(),
        host: Host::Actix { shards: 2 },
        trace: false,
        record: true,
        data: DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    };
    scenarios::run::run(&opts).unwrap();
    let lines = reproduce(&request(dir.path().to_path_buf(), Subject::Vehicle(0))).unwrap();
    assert_eq!(
        lines[1],
        "prefix verified: the trace hash at d1 10:00:00 is the recorded 80142b42afc555f3"
    );
    // A recording whose 10:00 checkpoint does not match is found out.
    let path = dir.path().join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("80142b42afc555f3", "0000000000000000")).unwrap();
    let lines = reproduce(&request(dir.path().to_path_buf(), Subject::Vehicle(0))).unwrap();
    assert!(
        lines[1].starts_with("prefix DIFFERS: the trace hash at d1 10:00:00 is 80142b42afc555f3"),
        "{lines:?}"
    );
}
