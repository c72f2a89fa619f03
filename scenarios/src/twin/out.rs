//! The twin's files, each written as `NAME.partial` and renamed when the twin stops:
//! `twin_vans.csv` (every van at every snapshot), `twin_bookings.csv` (each booking when it
//! closes, and those still open at the stop), `twin_incidents.csv`, `twin_problems.csv`
//! (every malformed, late or drifting message, with where it came from) and, with
//! `--fixes`, `twin_fixes.csv` (every fix with its matched place).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// One output file being written.
struct Stream {
    name: &'static str,
    tmp: PathBuf,
    out: csv::Writer<BufWriter<File>>,
}

/// The twin's output files.
pub struct TwinOutputs {
    dir: PathBuf,
    streams: Vec<Option<Stream>>,
}

/// The files, in the order of [`TwinOutputs`]' streams.
pub const VANS: usize = 0;
/// `twin_bookings.csv`.
pub const BOOKINGS: usize = 1;
/// `twin_incidents.csv`.
pub const INCIDENTS: usize = 2;
/// `twin_problems.csv`.
pub const PROBLEMS: usize = 3;
/// `twin_fixes.csv` (with `--fixes`).
pub const FIXES: usize = 4;
/// `forecasts.csv` (with forecasts).
pub const FORECASTS: usize = 5;
/// `forecast_diffs.csv` (with `--what-if`).
pub const DIFFS: usize = 6;

const FILES: [(&str, &[&str]); 7] = [
    (
        "twin_vans.csv",
        &[
            "time",
            "vehicle_id",
            "last_fix_at",
            "since_fix_s",
            "lat",
            "lon",
            "edge",
            "road",
            "offset_m",
            "speed_kmh",
            "state",
            "aboard",
            "assigned",
        ],
    ),
    (
        "twin_bookings.csv",
        &[
            "booking_id",
            "status",
            "final",
            "vehicle_id",
            "origin",
            "destination",
            "created_at",
            "accepted_at",
            "pickup_at",
            "dropoff_at",
            "closed_at",
            "reason",
        ],
    ),
    (
        "twin_incidents.csv",
        &[
            "incident_id",
            "kind",
            "road",
            "from",
            "to",
            "edges",
            "reported_at",
            "cleared_at",
        ],
    ),
    (
        "twin_problems.csv",
        &["source", "time", "category", "kind", "subject", "detail"],
    ),
    (
        "twin_fixes.csv",
        &[
            "time",
            "vehicle_id",
            "lat",
            "lon",
            "matched_lat",
            "matched_lon",
            "edge",
            "offset_m",
            "match_m",
            "predicted_m",
        ],
    ),
    (
        "forecasts.csv",
        &[
            "time",
            "variant",
            "kind",
            "id",
            "eta_p50",
            "eta_p90",
            "arrived_runs",
            "runs",
            "fare_won_mean",
            "backlog_p50",
            "backlog_p90",
            "utilisation_p50",
            "utilisation_p90",
        ],
    ),
    (
        "forecast_diffs.csv",
        &[
            "time",
            "kind",
            "id",
            "eta_p50_base",
            "eta_p50_what_if",
            "delta_p50_s",
            "eta_p90_base",
            "eta_p90_what_if",
            "delta_p90_s",
            "fare_delta_won",
            "backlog_p50_delta",
            "utilisation_p50_delta",
        ],
    ),
];

impl TwinOutputs {
    /// Creates the files in `dir` (made if missing): the first four always, then
    /// `twin_fixes.csv`, `forecasts.csv` and `forecast_diffs.csv` as `extra` says. An
    /// earlier twin's file that this one does not write is removed.
    pub fn create(dir: &Path, extra: [bool; 3]) -> std::io::Result<TwinOutputs> {
        std::fs::create_dir_all(dir)?;
        let mut streams = Vec::new();
        for (i, (name, header)) in FILES.iter().enumerate() {
            if i >= FIXES && !extra[i - FIXES] {
                match std::fs::remove_file(dir.join(name)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
                streams.push(None);
                continue;
            }
            let tmp = dir.join(format!("{name}.partial"));
            let mut out = csv::Writer::from_writer(BufWriter::new(File::create(&tmp)?));
            out.write_record(*header)?;
            streams.push(Some(Stream { name, tmp, out }));
        }
        Ok(TwinOutputs {
            dir: dir.to_path_buf(),
            streams,
        })
    }

    /// Whether file `i` is written.
    pub fn has(&self, i: usize) -> bool {
        self.streams.get(i).is_some_and(Option::is_some)
    }

    /// Writes a row to file `i` (ignored if it is not written).
    pub fn row<I, S>(&mut self, i: usize, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        match self.streams.get_mut(i) {
            Some(Some(s)) => s.out.write_record(cells).map_err(std::io::Error::other),
            _ => Ok(()),
        }
    }

    /// Flushes and renames every file to its name; returns the names.
    pub fn commit(self) -> std::io::Result<Vec<&'static str>> {
        let mut names = Vec::new();
        for mut s in self.streams.into_iter().flatten() {
            s.out.flush()?;
            drop(s.out);
            std::fs::rename(&s.tmp, self.dir.join(s.name))?;
            names.push(s.name);
        }
        Ok(names)
    }
}
