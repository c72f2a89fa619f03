//! Reports as a reader sees them: every plot opened alone in headless Chromium (Debian's
//! `chromium`, which `.ci/run` installs), screenshotted, and checked to hold a drawn chart.

use std::path::{Path, PathBuf};
use std::process::Command;

use petfleet_tests::run_into;
use sim_core::engine::Host;

/// The browser: `$CHROMIUM`, or `chromium` / `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return p.into();
    }
    for name in ["chromium", "chromium-browser"] {
        let found = (std::env::var_os("PATH").iter())
            .flat_map(std::env::split_paths)
            .map(|d| d.join(name))
            .find(|p| p.exists());
        if let Some(p) = found {
            return p;
        }
    }
    panic!("the report tests need Chromium: `apt-get install chromium` (.ci/run installs it) or set CHROMIUM");
}

/// Screenshots `report#id` alone and returns (share of non-white pixels, share of pixels in
/// a chart colour).
fn shot(report: &Path, id: &str, out: &Path) -> (f64, f64) {
    let png = out.join(format!("{id}.png"));
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,560",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}#{id}", report.display()))
        .output()
        .expect("chromium starts");
    assert!(
        png.exists(),
        "no screenshot of {id}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(step).collect();
    let ink = px
        .iter()
        .filter(|p| p[..3].iter().any(|c| *c < 200))
        .count();
    let colour = (px.iter())
        .filter(|p| p[..3].iter().max().unwrap() - p[..3].iter().min().unwrap() > 60)
        .count();
    (
        ink as f64 / px.len() as f64,
        colour as f64 / px.len() as f64,
    )
}

fn plot_ids(html: &str) -> Vec<String> {
    html.match_indices("<section id=\"plot-")
        .map(|(i, _)| {
            let rest = &html[i + 13..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn check_every_plot(report: &Path, expected: &[&str]) {
    let html = std::fs::read_to_string(report).unwrap();
    let ids = plot_ids(&html);
    assert_eq!(ids, expected, "plots in {}", report.display());
    let shots = tempfile::tempdir().unwrap();
    for id in &ids {
        let (ink, colour) = shot(report, id, shots.path());
        // A drawn chart: axes, labels and grid, and its series in colour.
        assert!(
            ink > 0.01,
            "{id}: {ink:.4} of the pixels drawn (a heading alone: 0.004)"
        );
        assert!(
            colour > 0.002,
            "{id}: {colour:.4} of the pixels in a series colour"
        );
    }
    // The page itself (every plot at once) renders too.
    let (ink, _) = shot(report, "none", shots.path());
    assert!(ink > 0.01);
}

#[test]
fn a_run_report_renders_every_plot_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/alimtalk-small.toml");
    run_into(scenario, dir.path(), None, Host::Reference, false, None);
    let report = scenarios::report::report(dir.path()).unwrap();
    let expected = [
        "plot-load",
        "plot-wait",
        "plot-utilisation",
        "plot-notify",
        "plot-settle",
    ];
    check_every_plot(&report, &expected);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<td>served_share</td>") && html.contains("<td>trace_hash</td>"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "self-contained"
    );
}

#[test]
fn a_sweep_report_draws_each_kpi_with_its_band() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/alimtalk-small.toml");
    let o = scenarios::sweep::SweepOptions {
        run: scenarios::run::RunOptions {
            scenario: Some(scenario.into()),
            seed: None,
            until: None,
            out: dir.path().to_path_buf(),
            host: Host::Reference,
            trace: false,
            record: false,
            data: scenarios::run::DataSource::Bundled,
            scale: None,
            overrides: Default::default(),
        },
        axes: vec![scenarios::sweep::parse_axis("depots.*.vehicles=2,4,6").unwrap()],
        replications: 3,
        workers: 2,
        keep_runs: false,
        shard: None,
        until_text: None,
    };
    scenarios::sweep::sweep(&o, &scenarios::sweep::hidden_progress()).unwrap();
    let report = scenarios::report::report(dir.path()).unwrap();
    let expected = [
        "plot-sla-0",
        "plot-sla-1",
        "plot-sla-2",
        "plot-sla-3",
        "plot-sla-4",
        "plot-sla-5",
    ];
    check_every_plot(&report, &expected);
    // The band: one filled polygon per line.
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.matches("<polygon").count() >= 6, "bands drawn");
}

#[test]
fn a_directory_without_a_run_or_a_sweep_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    match scenarios::report::report(dir.path()) {
        Err(scenarios::run::RunError::Input(e)) => assert!(e.expected.contains("manifest.json")),
        other => panic!("{other:?}"),
    }
}
