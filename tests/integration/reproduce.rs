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
    // By booking: the same van.
    let lines = reproduce(&request(dir.path().to_path_buf(), Subject::Booking(0))).unwrap();
    assert!(lines.iter().any(|l| l == "Van 0: detouring"), "{lines:?}");
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
