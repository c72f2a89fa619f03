//! The `petfleet` binary as a user runs it: exit codes and messages.

use std::process::Command;

fn petfleet(args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_petfleet"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_with_no_arguments_runs_the_default_scenario_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = petfleet(&["run"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("SEED=20261123 scenario=seoul-busan-accident"),
        "{stdout}"
    );
    for f in [
        "trips.csv",
        "positions.csv",
        "incidents.csv",
        "reroutes.csv",
        "manifest.json",
    ] {
        assert!(
            dir.path().join("out/seoul-busan-accident").join(f).exists(),
            "{f}"
        );
    }
    assert!(!dir
        .path()
        .join("out/seoul-busan-accident/events.csv")
        .exists());
}

#[test]
fn list_shows_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = petfleet(&["list"], dir.path());
    assert_eq!(code, 0);
    assert!(
        stdout.contains("seoul-busan-accident") && stdout.contains("(default)"),
        "{stdout}"
    );
}

#[test]
fn route_prints_distance_time_and_roads() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = petfleet(
        &[
            "route",
            "--from",
            "Seoul",
            "--to",
            "Busan",
            "--at",
            "10:30",
            "--close",
            "Daejeon-Gimcheon",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("distance") && stdout.contains("Cheongju-Sangju"),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nstart_date = \"2026-11-23\"\n[[trips]]\nat = \"09:00\"\npickup = \"Gangnam\"\ndropoff = \"Busan\"\n").unwrap();
    let (code, _, stderr) = petfleet(&["run", bad.to_str().unwrap(), "--out", "o"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.toml:5:10: field `trips[0].pickup` = \"Gangnam\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("Gangnam-gu"),
        "suggests the district: {stderr}"
    );
    assert!(!dir.path().join("o").exists(), "nothing written");

    for args in [
        vec!["run", "--shards", "0"],
        vec!["run", "--until", "25:99"],
        vec!["run", "--seed", "-1"],
        vec!["run", "--engine", "turbo"],
        vec!["run", "no-such-scenario"],
        vec!["route", "--from", "Seuol", "--to", "Busan"],
        vec![
            "route",
            "--from",
            "Seoul",
            "--to",
            "Busan",
            "--close",
            "Daejeon-Nowhere",
        ],
        vec!["frobnicate"],
    ] {
        let (code, _, stderr) = petfleet(&args, dir.path());
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_unwritable_output_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let (code, _, stderr) = petfleet(&["run", "--out", file.to_str().unwrap()], dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("writing outputs"), "{stderr}");
}
