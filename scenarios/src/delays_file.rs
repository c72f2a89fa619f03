//! `delays.csv`: the learned travel-time ratios (`petfleet learn` writes it, `[pricing]
//! quote_model = "learned"` reads it). Its columns: `road_class`, `day_type`, `hour`, `n`,
//! `mean`, `p10`, `p90`, then the 20 quantiles `q025` ... `q975`.

use std::collections::BTreeMap;
use std::path::Path;

use sim_core::delays::{DelayCell, LearnedDelays, LEVELS};
use sim_core::traffic::DayType;
use sim_core::world::RoadClass;

use crate::error::InputError;
use crate::table::Table;

/// The largest ratio kept (a van standing still).
pub const RATIO_CAP: f64 = 20.0;
/// The smallest ratio kept.
pub const RATIO_FLOOR: f64 = 0.1;

/// A cell: road class, day type, hour.
pub type Key = (RoadClass, DayType, usize);

/// Samples by cell.
pub type Cells = BTreeMap<Key, Vec<f64>>;

/// The columns of `delays.csv` before the quantiles.
const HEAD: [&str; 7] = ["road_class", "day_type", "hour", "n", "mean", "p10", "p90"];

/// The quantile columns: `q025` ... `q975`, the levels (i + 0.5) / 20 in per mille.
fn level_names() -> Vec<String> {
    (0..LEVELS)
        .map(|i| format!("q{:03}", 25 + 50 * i))
        .collect()
}

/// The value at level `l` of sorted `v` (the smallest with at least `l` of the samples at
/// or below it).
fn at_level(v: &[f64], l: f64) -> f64 {
    let n = v.len();
    v[((l * n as f64).ceil() as usize).clamp(1, n) - 1]
}

/// Writes `delays.csv` (whole: `.partial`, then renamed) and returns the cells written.
pub fn write(cells: Cells, out: &Path) -> std::io::Result<usize> {
    let tmp = out.with_extension("partial");
    let mut w = csv::Writer::from_path(&tmp)?;
    let mut header: Vec<String> = HEAD.iter().map(|s| s.to_string()).collect();
    header.extend(level_names());
    w.write_record(&header)?;
    let written = cells.len();
    for ((class, day, hour), mut v) in cells {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let mut row = vec![
            class.name().to_string(),
            day.name().to_string(),
            hour.to_string(),
            v.len().to_string(),
            format!("{mean:.4}"),
            format!("{:.4}", at_level(&v, 0.1)),
            format!("{:.4}", at_level(&v, 0.9)),
        ];
        row.extend(
            (0..LEVELS).map(|i| format!("{:.4}", at_level(&v, (i as f64 + 0.5) / LEVELS as f64))),
        );
        w.write_record(&row)?;
    }
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, out)?;
    Ok(written)
}

/// Reads `delays.csv`; a bad cell names its line, column, value and what was expected.
pub fn read(path: &Path) -> Result<LearnedDelays, InputError> {
    let names = level_names();
    let mut cols: Vec<&str> = HEAD.to_vec();
    cols.extend(names.iter().map(String::as_str));
    let t = Table::read_path(path, &cols)?;
    let mut d = LearnedDelays::new();
    for (line, row) in &t.rows {
        let class = t.class(*line, row, "road_class")?;
        let day_raw = t.raw(row, "day_type");
        let day = DayType::parse(day_raw).ok_or_else(|| {
            t.err(*line, row, "day_type")
                .expected("weekday, weekend or holiday")
        })?;
        let hour: usize = t.parse(*line, row, "hour", "an hour from 0 to 23", |h: &usize| {
            *h < 24
        })?;
        let n: u64 = t.parse(*line, row, "n", "a sample count above 0", |n: &u64| *n > 0)?;
        let mut q = [0.0; LEVELS];
        let mut prev = 0.0;
        for (i, name) in names.iter().enumerate() {
            let expected = format!("a ratio from {RATIO_FLOOR} to {RATIO_CAP}, not below {prev}");
            q[i] = t.parse(*line, row, name, &expected, |v: &f64| {
                (RATIO_FLOOR..=RATIO_CAP).contains(v) && *v >= prev
            })?;
            prev = q[i];
        }
        d.set(class, day, hour, DelayCell { n, q });
    }
    Ok(d)
}
