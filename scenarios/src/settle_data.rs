//! The settlement service's parameters: `data/settle/parameters.csv` (`name,value,source`),
//! read only by runs with a `[settlement]`; a missing, unknown or bad row is a located error.

use sim_core::settle::{Mode, PgSpec, Rates, SettleConfig};
use sim_core::time::SimDuration;

use crate::data::DataFiles;
use crate::error::InputError;
use crate::table::Table;

/// Path of the file under `data/`.
pub const PARAMETERS: &str = "settle/parameters.csv";

/// Every parameter, with what its value must be.
const NAMES: [(&str, &str); 15] = [
    ("vat_bps", "basis points 0-10000"),
    ("gateway_fee_bps", "basis points 0-10000"),
    ("driver_bps", "basis points 0-10000"),
    ("partner_bps", "basis points 0-10000"),
    ("pg_latency_p50_ms", "whole milliseconds > 0"),
    (
        "pg_latency_p95_ms",
        "whole milliseconds >= pg_latency_p50_ms",
    ),
    ("pg_fail_prob", "a share from 0 to 1"),
    ("pg_timeout_prob", "a share from 0 to 1"),
    ("pg_read_timeout_ms", "whole milliseconds > 0"),
    ("pg_applied_on_timeout", "a share from 0 to 1"),
    ("pg_decline_prob", "a share from 0 to 1"),
    ("max_attempts", "a whole number >= 1"),
    ("backoff_base_s", "whole seconds > 0"),
    ("backoff_cap_s", "whole seconds > 0"),
    ("status_delay_s", "whole seconds > 0"),
];

fn valid(name: &str, v: f64, values: &[Option<f64>; 15]) -> bool {
    let whole = v.fract() == 0.0;
    match name {
        n if n.ends_with("_bps") => whole && (0.0..=10_000.0).contains(&v),
        n if n.ends_with("_prob") || n == "pg_applied_on_timeout" => (0.0..=1.0).contains(&v),
        "pg_latency_p95_ms" => whole && v >= values[4].unwrap_or(0.0),
        _ => whole && v >= 1.0,
    }
}

/// The settlement settings from the file, in `mode`.
pub fn config(files: &DataFiles, mode: Mode) -> Result<SettleConfig, InputError> {
    let missing = |why: String| {
        InputError::at(PARAMETERS, "", None, "file")
            .value(PARAMETERS)
            .expected(why)
    };
    let (file, text) = match files.extra(PARAMETERS) {
        Some(Ok(lt)) => lt,
        Some(Err(e)) => return Err(missing(format!("a readable UTF-8 CSV file ({e})"))),
        None => {
            return Err(missing(
                "the settlement's data file (a run with [settlement] needs it)".into(),
            ))
        }
    };
    let t = Table::read(&file, &text, &["name", "value"])?;
    let mut values: [Option<f64>; 15] = [None; 15];
    for (line, row) in &t.rows {
        let name = t.raw(row, "name");
        let Some(i) = NAMES.iter().position(|(n, _)| *n == name) else {
            let known = NAMES.map(|n| n.0).join("`, `");
            return Err(t
                .err(*line, row, "name")
                .expected(format!("one of `{known}`")));
        };
        let snapshot = values;
        let v = t.parse(*line, row, "value", NAMES[i].1, |v: &f64| {
            valid(name, *v, &snapshot)
        })?;
        values[i] = Some(v);
    }
    let get = |i: usize| {
        values[i].ok_or_else(|| {
            InputError::on_line(&t.file, 1, "name").expected(format!(
                "a row for every parameter; `{}` is missing",
                NAMES[i].0
            ))
        })
    };
    let ms = |i: usize| get(i).map(|v| v as u64);
    let secs = |i: usize| get(i).map(|v| SimDuration::from_secs(v as u64));
    Ok(SettleConfig {
        mode,
        rates: Rates {
            vat_bps: get(0)? as i64,
            gateway_fee_bps: get(1)? as i64,
            driver_bps: get(2)? as i64,
            partner_bps: get(3)? as i64,
        },
        pg: PgSpec {
            latency_p50_ms: ms(4)?,
            latency_p95_ms: ms(5)?,
            fail_prob: get(6)?,
            timeout_prob: get(7)?,
            read_timeout_ms: ms(8)?,
            applied_on_timeout: get(9)?,
            decline_prob: get(10)?,
        },
        degraded: Vec::new(),
        max_attempts: get(11)? as u32,
        backoff_base: secs(12)?,
        backoff_cap: secs(13)?,
        status_delay: secs(14)?,
        payout_every: None,
    })
}
