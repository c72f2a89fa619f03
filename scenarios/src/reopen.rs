//! Reopening a finished run from its manifest: the scenario it ran (name or file, `--set`
//! flags, a sweep's or a search's values, overlays), its seed and scale, on the data it ran
//! on (refused, as located input errors, when the data or the scenario changed since).

use std::path::{Path, PathBuf};

use sim_core::engine::Host;

use crate::error::InputError;
use crate::run::{DataSource, Loaded, RunError, RunOptions};
use crate::scenario::Resolved;

/// A finished run, reopened: what it was loaded and resolved from, and its manifest.
pub struct Reopened {
    /// The scenario and data, loaded.
    pub loaded: Loaded,
    /// The options it ran with (no outputs written: `out` is its directory).
    pub opts: RunOptions,
    /// The scenario, resolved.
    pub resolved: Resolved,
    /// Its manifest.
    pub manifest: serde_json::Value,
}

/// Resolves the scenario a run in `dir` was made of, as its manifest records it (name or
/// file, `--set` flags, overlays, seed, scale), checks that the data and scenario are those
/// it ran on.
pub fn reopen(dir: &Path, data: &DataSource) -> Result<Reopened, RunError> {
    let manifest_path = dir.join("manifest.json");
    let m = crate::output::read_json(&manifest_path).map_err(|e| {
        let why = format!("{} (a finished run of `petfleet run --record`)", e.expected);
        RunError::Input(e.expected(why))
    })?;
    let field = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let file = manifest_path.display().to_string();
    let bad = |key: &str, value: Option<String>, expected: String| -> RunError {
        let e = InputError::at(&file, "", None, key).expected(expected);
        RunError::Input(match value {
            Some(v) => e.value(v),
            None => e,
        })
    };
    let (Some(name), Some(source)) = (field("scenario"), field("scenario_source")) else {
        let expected = "`scenario` and `scenario_source` (the manifest of a `petfleet run`)";
        return Err(bad("scenario", None, expected.into()));
    };
    let scenario = if source.starts_with('<') {
        name
    } else {
        source
    };
    let opts = options_of(&m, scenario, dir, data)?;
    let loaded = Loaded::new(opts.scenario.as_deref(), &opts.data)?;
    let texts: Vec<&str> = loaded.files.files.iter().map(|(_, t)| t.as_str()).collect();
    let data_hash = crate::run::fnv_hex(&texts);
    if field("data_hash").as_deref() != Some(data_hash.as_str()) {
        let expected = format!("{data_hash}, the hash of the data given (the run was made on other data: pass its --data DIR)");
        return Err(bad("data_hash", field("data_hash"), expected));
    }
    let (merged, resolved) = loaded.resolve(&opts)?;
    if field("merged_scenario_hash").as_deref() != Some(merged.hash().as_str()) {
        let name = &resolved.scenario.name;
        let expected = format!(
            "{}, the hash of `{name}` as it is now (it changed since the run)",
            merged.hash()
        );
        return Err(bad(
            "merged_scenario_hash",
            field("merged_scenario_hash"),
            expected,
        ));
    }
    Ok(Reopened {
        loaded,
        opts,
        resolved,
        manifest: m,
    })
}

/// The options a recorded run ran with, from its manifest: `--set` flags (and a sweep's
/// or a search's values), overlays, seed, scale.
fn options_of(
    m: &serde_json::Value,
    scenario: String,
    dir: &Path,
    data: &DataSource,
) -> Result<RunOptions, RunError> {
    let ov = &m["overrides"];
    let list = |k: &str| -> Vec<String> {
        (ov[k].as_array().into_iter().flatten())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut sets = list("set");
    sets.extend(
        list("derived")
            .iter()
            .filter_map(|d| d.split_once(' ').map(|(_, v)| v.to_string())),
    );
    let overlays: Vec<PathBuf> = (ov["overlays"].as_array().into_iter().flatten())
        .filter_map(|o| o["file"].as_str().map(PathBuf::from))
        .collect();
    Ok(RunOptions {
        scenario: Some(scenario),
        seed: m["seed"].as_u64(),
        until: None,
        out: dir.to_path_buf(),
        host: Host::Reference,
        trace: false,
        record: false,
        data: data.clone(),
        scale: m["scale"].as_f64().filter(|&k| k != 1.0),
        overrides: crate::overrides::Overrides::new(sets, &overlays).map_err(RunError::Input)?,
    })
}
