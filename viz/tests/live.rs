//! The visualizer never changes what is simulated: a live run stepped as frames go, with
//! the map's queries read between steps, writes the files `petfleet run` writes, byte for
//! byte; and a replay of its recording shows what the live view showed.

use std::path::Path;

use petfleet_viz::source::{self, Source};
use scenarios::run::{DataSource, RunOptions};
use sim_core::engine::Host;
use sim_core::time::{SimDuration, SimTime};
use sim_core::view::replay::Replay;

fn options(scenario: &str, out: &Path, until: Option<SimTime>) -> RunOptions {
    RunOptions {
        scenario: Some(scenario.into()),
        seed: None,
        until,
        out: out.to_path_buf(),
        host: Host::Reference,
        trace: false,
        record: true,
        data: DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Steps `src` to its end in uneven "frames", reading what the map reads after each.
fn play_like_frames(src: &mut Source) -> usize {
    let end = src.end();
    let (mut t, mut frames) = (SimTime::ZERO, 0usize);
    while t < end {
        // Frame times of a jittery renderer at x600: 3 to 40 simulated seconds.
        t += SimDuration(3_000 + (frames as u64 * 7_919) % 37_000);
        src.go_to(t).unwrap();
        let vans = src.vans();
        let _ = (
            src.tally().active_trips(),
            src.congestion(),
            vans.first().map(|v| v.state),
        );
        frames += 1;
    }
    frames
}

#[test]
fn a_live_run_stepped_by_frames_writes_what_petfleet_run_writes() {
    for (scenario, until) in [
        ("seoul-busan-accident", None),
        ("alimtalk-outage", Some(SimTime(14 * 3_600_000))),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("run"), dir.path().join("viz"));
        scenarios::run::run(&options(scenario, &a, until)).unwrap();
        let (mut src, scene) = source::live(&options(scenario, &b, until), true).unwrap();
        let frames = play_like_frames(&mut src);
        let _ = src.panel(0, &scene);
        let summary = src.finish().unwrap().expect("a run with outputs");
        assert!(frames > 100, "{scenario}: {frames} frames");
        assert!(summary.files.iter().any(|(f, _)| f == "timeline.csv"));
        let (fa, fb) = (files(&a), files(&b));
        assert_eq!(fa.len(), fb.len(), "{scenario}: the same files");
        for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
            assert_eq!(na, nb);
            assert!(
                ba == bb,
                "{scenario}: {na} differs between `petfleet run` and the live view"
            );
        }
    }
}

#[test]
fn a_live_run_left_early_is_completed_before_its_outputs_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("run"), dir.path().join("viz"));
    scenarios::run::run(&options("seoul-busan-accident", &a, None)).unwrap();
    let (mut src, _) = source::live(&options("seoul-busan-accident", &b, None), true).unwrap();
    src.go_to(SimTime(10 * 3_600_000 + 45 * 60_000)).unwrap();
    src.finish().unwrap();
    assert_eq!(files(&a), files(&b));
}

#[test]
fn a_replay_of_the_recording_shows_what_the_live_view_showed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("viz");
    let opts = options("alimtalk-outage", &out, Some(SimTime(14 * 3_600_000)));
    let (mut live, _) = source::live(&opts, true).unwrap();
    let rec_dir = dir.path().join("rec");
    scenarios::run::run(&RunOptions {
        out: rec_dir.clone(),
        ..opts.clone()
    })
    .unwrap();
    let rec = scenarios::timeline::read(&rec_dir.join("timeline.csv")).unwrap();
    let replay = Replay::new(rec.start, rec.happenings, rec.end, source::CHECKPOINT_EVERY);
    let mut seen = 0;
    for minutes in [0u64, 7, 61, 300, 487, 600, 601, 780, 839] {
        let t = SimTime(minutes * 60_000);
        live.go_to(t).unwrap();
        let tally = replay.seek(t);
        assert_eq!(live.tally(), &tally, "at {minutes} min");
        for v in live.vans() {
            let (lat, lon) = replay
                .position(sim_core::ids::VehicleId(v.vehicle), t)
                .unwrap();
            // A live van is interpolated along its edge; the replay between its 30 s fixes.
            let off_km = ((lat - v.lat).powi(2) + ((lon - v.lon) * 0.79).powi(2)).sqrt() * 111.0;
            assert!(
                off_km < 1.5,
                "van {} at {minutes} min: {off_km:.2} km apart",
                v.vehicle
            );
            seen += 1;
        }
    }
    assert!(seen > 100 && live.tally().closed > 0);
}

#[test]
fn a_compared_run_is_drawn_as_ghosts_with_its_own_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let until = Some(SimTime(12 * 3_600_000));
    let mut small = options("seoul-weekday", &a, until);
    small.overrides.sets = vec!["depots.*.vehicles=10".into()];
    let mut large = options("seoul-weekday", &b, until);
    large.overrides.sets = vec!["depots.*.vehicles=40".into()];
    scenarios::run::run(&small).unwrap();
    scenarios::run::run(&large).unwrap();
    let (mut src, scene) = source::replay(&a, Some(&b), &DataSource::Bundled).unwrap();
    assert_eq!(scene.name, "seoul-weekday");
    src.go_to(SimTime(11 * 3_600_000)).unwrap();
    let (vans, ghosts) = (src.vans(), src.ghosts());
    assert_eq!((vans.len(), ghosts.len()), (40, 160));
    let (g, label) = src.ghost_tally().expect("a compared run");
    assert!(label.ends_with('b') && g.available() == 160 && src.tally().available() == 40);
    // Both runs move to the time asked, back as well as forward.
    src.go_to(SimTime(9 * 3_600_000)).unwrap();
    assert_eq!(src.ghost_tally().unwrap().0.now, SimTime(9 * 3_600_000));
    assert_eq!(src.tally().now, SimTime(9 * 3_600_000));
}

#[test]
fn a_replay_of_what_is_not_a_recorded_run_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_petfleet-viz");
    let run =
        |args: &[&std::ffi::OsStr]| std::process::Command::new(bin).args(args).output().unwrap();
    // No run there.
    let out = run(&["replay".as_ref(), dir.path().as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("manifest.json"), "{err}");
    // A run without --record.
    let plain = dir.path().join("plain");
    let mut opts = options("seoul-busan-accident", &plain, Some(SimTime(3_600_000)));
    opts.record = false;
    scenarios::run::run(&opts).unwrap();
    let out = run(&["replay".as_ref(), plain.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("timeline.csv") && err.contains("--record"),
        "{err}"
    );
    // Compared with a run of another scenario.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    scenarios::run::run(&options(
        "seoul-busan-accident",
        &a,
        Some(SimTime(3_600_000)),
    ))
    .unwrap();
    scenarios::run::run(&options("holiday-exodus", &b, Some(SimTime(3_600_000)))).unwrap();
    let out = run(&[
        "replay".as_ref(),
        a.as_os_str(),
        "--compare".as_ref(),
        b.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("holiday-exodus") && err.contains("seoul-busan-accident"),
        "{err}"
    );
    // A bad flag value.
    let out = run(&["run".as_ref(), "--speed".as_ref(), "0".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 to 3600"));
}

#[test]
fn closing_the_road_ahead_of_a_van_reaches_the_run_and_the_manifest_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, acted) = (dir.path().join("plain"), dir.path().join("acted"));
    let until = Some(SimTime(12 * 3_600_000));
    let plain_run = scenarios::run::run(&options("seoul-busan-accident", &plain, until)).unwrap();
    let (mut src, scene) =
        source::live(&options("seoul-busan-accident", &acted, until), true).unwrap();
    src.go_to(SimTime(9 * 3_600_000 + 30 * 60_000)).unwrap();
    let before = src.tally().incidents.len();
    let said = src.close_road_ahead(0, &scene).unwrap();
    assert!(said.contains("closed") && said.contains("30 min"), "{said}");
    src.go_to(SimTime(9 * 3_600_000 + 31 * 60_000)).unwrap();
    assert_eq!(
        src.tally().incidents.len(),
        before + 1,
        "the closure is in force"
    );
    let summary = src.finish().unwrap().unwrap();
    assert_ne!(
        summary.trace_hash, plain_run.trace_hash,
        "the injected message is in the trace"
    );
    assert_eq!(
        summary.manifest["user_actions"][0].as_str(),
        Some(said.as_str())
    );
    assert!(plain_run.manifest.get("user_actions").is_none());
}

/// Shifts that repeat follow each other: at the 06:00 change of `seoul-weekday` no van is
/// shown out of service (the boundary instant used to show so until the van's next message,
/// five minutes later).
#[test]
fn a_shift_change_does_not_take_the_fleet_out_of_service() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    scenarios::run::run(&options(
        "seoul-weekday",
        &out,
        Some(SimTime(7 * 3_600_000)),
    ))
    .unwrap();
    let rec = scenarios::timeline::read(&out.join("timeline.csv")).unwrap();
    let out_of_service = (rec.happenings.iter())
        .filter(|(_, h)| {
            matches!(
                h,
                sim_core::view::Happening::Van {
                    state: sim_core::event::VanState::OutOfService,
                    ..
                }
            )
        })
        .count();
    assert_eq!(out_of_service, 0);
    let replay = Replay::new(rec.start, rec.happenings, rec.end, source::CHECKPOINT_EVERY);
    let at_six = replay.seek(SimTime(6 * 3_600_000 + 60_000));
    assert_eq!(at_six.available(), 80);
}
