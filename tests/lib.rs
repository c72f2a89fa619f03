//! Helpers shared by the integration tests: running catalogue scenarios into temporary
//! directories and reading their outputs back.

use std::path::Path;

use scenarios::run::{DataSource, RunOptions, RunSummary};
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
        data: DataSource::Bundled,
    };
    scenarios::run::run(&opts).unwrap_or_else(|e| panic!("run of {scenario} failed: {e}"))
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
