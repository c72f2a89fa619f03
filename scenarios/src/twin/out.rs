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
    streams: Vec<Stream>,
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

const FILES: [(&str, &[&str]); 5] = [
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
];

impl TwinOutputs {
    /// Creates the files in `dir` (made if missing); `fixes` adds `twin_fixes.csv`.
    pub fn create(dir: &Path, fixes: bool) -> std::io::Result<TwinOutputs> {
        std::fs::create_dir_all(dir)?;
        let mut streams = Vec::new();
        for (i, (name, header)) in FILES.iter().enumerate() {
            if i == FIXES && !fixes {
                break;
            }
            let tmp = dir.join(format!("{name}.partial"));
            let mut out = csv::Writer::from_writer(BufWriter::new(File::create(&tmp)?));
            out.write_record(*header)?;
            streams.push(Stream { name, tmp, out });
        }
        Ok(TwinOutputs {
            dir: dir.to_path_buf(),
            streams,
        })
    }

    /// Whether file `i` is written.
    pub fn has(&self, i: usize) -> bool {
        i < self.streams.len()
    }

    /// Writes a row to file `i` (ignored if it is not written).
    pub fn row<I, S>(&mut self, i: usize, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        match self.streams.get_mut(i) {
            Some(s) => s.out.write_record(cells).map_err(std::io::Error::other),
            None => Ok(()),
        }
    }

    /// Flushes and renames every file to its name; returns the names.
    pub fn commit(self) -> std::io::Result<Vec<&'static str>> {
        let mut names = Vec::new();
        for mut s in self.streams {
            s.out.flush()?;
            drop(s.out);
            std::fs::rename(&s.tmp, self.dir.join(s.name))?;
            names.push(s.name);
        }
        Ok(names)
    }
}
