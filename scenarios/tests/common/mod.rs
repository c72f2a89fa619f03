//! What the binary-driven tests share: running `petfleet`, and reading a CSV it wrote.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Runs `petfleet ARGS`: its exit code, stdout and stderr.
pub fn petfleet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_petfleet"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `petfleet ARGS`, which must succeed: its stdout.
pub fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = petfleet(args);
    assert_eq!(code, 0, "petfleet {args:?}: {stderr}");
    stdout
}

/// A CSV file's rows as maps from column to value.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rd.headers().unwrap().clone();
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}
