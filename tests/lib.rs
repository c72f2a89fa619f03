//! Helpers shared by the integration tests: running catalogue scenarios into temporary
//! directories and reading their outputs back.

use std::path::Path;

use scenarios::run::{DataSource, RunError, RunOptions, RunSummary};
use sim_core::engine::Host;
use sim_core::time::SimTime;

/// Runs a scenario (catalogue name or path) into `out`.
pub fn run_into(
    scenario: &str,
    out: &Path,
    seed: Option<u64>,
    host: Host,
    trace: bool,
    until: Option<SimTime>,
) -> RunSummary {
    let opts = RunOptions {
        scenario: Some(scenario.to_string()),
        seed,
        until,
        out: out.to_path_buf(),
        host,
        trace,
        record: false,
        data: DataSource::Bundled,
        scale: None,
        overrides: Default::default(),
    };
    scenarios::run::run(&opts).unwrap_or_else(|e| panic!("run of {scenario} failed: {e}"))
}

/// Writes `text` as `scenario.toml` in a new temporary directory and runs it on the
/// reference loop into `out` there, reading data from `data`: the directory (outputs under
/// `out/`) and the run's result.
pub fn run_text(text: &str, data: DataSource) -> (tempfile::TempDir, Result<RunSummary, RunError>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, text).expect("write the scenario");
    let opts = RunOptions {
        scenario: Some(path.to_string_lossy().into_owned()),
        seed: None,
        until: None,
        out: dir.path().join("out"),
        host: Host::Reference,
        trace: false,
        record: false,
        data,
        scale: None,
        overrides: Default::default(),
    };
    let result = scenarios::run::run(&opts);
    (dir, result)
}

/// The bytes of every file in `dir`, sorted by name.
pub fn dir_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| {
            let e = e.expect("dir entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read output"),
            )
        })
        .collect();
    files.sort();
    files
}

/// Reads a CSV output as rows of (header -> value) pairs.
pub fn read_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A random small scenario for seed sweeps: fleet size, crates, depots, demand, dispatch mode
/// and pooling pressure all drawn from `seed`.
pub fn random_scenario(seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let districts = [
        "Gangnam-gu",
        "Songpa-gu",
        "Mapo-gu",
        "Nowon-gu",
        "Guro-gu",
        "Jongno-gu",
        "Seocho-gu",
        "Eunpyeong-gu",
    ];
    let mut depots = String::new();
    for _ in 0..rng.random_range(1..=3) {
        let d = districts[rng.random_range(0..districts.len())];
        let crates = [
            rng.random_range(0..=3),
            rng.random_range(0..=2),
            rng.random_range(1..=2),
        ];
        depots.push_str(&format!(
            "[[depots]]\nname = \"{d} depot\"\nnode = \"{d}\"\nvehicles = {}\ncrates = [{}, {}, {}]\n\n",
            rng.random_range(2..=8),
            crates[0],
            crates[1],
            crates[2]
        ));
    }
    let mode = if rng.random_bool(0.5) {
        "immediate"
    } else {
        "batch"
    };
    format!(
        r#"name = "random-{seed}"
start_date = "2026-11-24"
seed = {seed}
until = "d2 18:00"

[traffic]
congestion_sigma = {sigma:.2}

[dispatch]
mode = "{mode}"
batch_interval = "{batch}min"
max_ride_factor = {factor:.1}

[demand]
bookings_per_day = {bookings}
customers = {customers}
intercity_share = {intercity:.2}
scheduled_share = {scheduled:.2}
stop_at = "22:00"

[output]
positions = false

{depots}"#,
        sigma = rng.random_range(0.0..0.2),
        batch = rng.random_range(1..=5),
        factor = rng.random_range(1.3..3.0),
        bookings = rng.random_range(100..=400),
        customers = rng.random_range(200..=2000),
        intercity = rng.random_range(0.0..0.1),
        scheduled = rng.random_range(0.0..0.6),
    )
}
