//! The notification gateway's data: `data/notify/providers.csv` (who sends on each
//! channel, how fast, how reliably, at what rate and price) and `data/notify/policies.csv`
//! (how each kind of notice is delivered). Read only by runs with a `[notifier]`; every
//! bad cell is a located error.

use sim_core::notify::{Channels, NoticeKind, Policy, ProviderSpec};
use sim_core::time::SimDuration;

use crate::data::DataFiles;
use crate::error::InputError;
use crate::table::Table;

/// Path of the providers file under `data/`.
pub const PROVIDERS: &str = "notify/providers.csv";
/// Path of the policies file under `data/`.
pub const POLICIES: &str = "notify/policies.csv";

/// The (label, text) of a notifier data file.
fn read(files: &DataFiles, rel: &str) -> Result<(String, String), InputError> {
    let missing = |why: String| {
        InputError::at(rel, "", None, "file")
            .value(rel)
            .expected(why)
    };
    match files.extra(rel) {
        Some(Ok(lt)) => Ok(lt),
        Some(Err(e)) => Err(missing(format!("a readable UTF-8 CSV file ({e})"))),
        None => Err(missing(
            "the notifier's data file (a run with [notifier] needs it)".into(),
        )),
    }
}

/// The providers, in file order.
pub fn providers(files: &DataFiles, channels: &Channels) -> Result<Vec<ProviderSpec>, InputError> {
    let (file, text) = read(files, PROVIDERS)?;
    let cols = [
        "name",
        "channel",
        "latency_p50_ms",
        "latency_p95_ms",
        "fail_prob",
        "transient_share",
        "timeout_ms",
        "rate_per_s",
        "burst",
        "queue_bound",
        "price_won",
    ];
    let t = Table::read(&file, &text, &cols)?;
    let mut out: Vec<ProviderSpec> = Vec::new();
    for (line, row) in &t.rows {
        let p = provider_row(&t, *line, row, channels)?;
        if out.iter().any(|q| q.name == p.name) {
            return Err(t
                .err(*line, row, "name")
                .expected("a provider name not used above"));
        }
        out.push(p);
    }
    Ok(out)
}

/// One provider row.
fn provider_row(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
    channels: &Channels,
) -> Result<ProviderSpec, InputError> {
    let name = t.raw(row, "name").to_string();
    if name.is_empty() {
        return Err(t.err(line, row, "name").expected("a provider name"));
    }
    let channel = t.raw(row, "channel").to_string();
    if channels.get(&channel).is_none() {
        let known = channels.names().collect::<Vec<_>>().join("`, `");
        return Err(t
            .err(line, row, "channel")
            .expected(format!("one of `{known}`")));
    }
    let ms = |col: &str| t.parse(line, row, col, "whole milliseconds > 0", |v: &u64| *v > 0);
    let share = |col: &str| {
        t.parse(line, row, col, "a share from 0 to 1", |v: &f64| {
            (0.0..=1.0).contains(v)
        })
    };
    let p50 = ms("latency_p50_ms")?;
    let p95_expected = "whole milliseconds >= latency_p50_ms";
    let rate_expected = "messages per second > 0";
    Ok(ProviderSpec {
        name,
        channel,
        latency_p50_ms: p50,
        latency_p95_ms: t.parse(line, row, "latency_p95_ms", p95_expected, |v: &u64| {
            *v >= p50
        })?,
        fail_prob: share("fail_prob")?,
        transient_share: share("transient_share")?,
        timeout_ms: ms("timeout_ms")?,
        rate_per_s: t.parse(line, row, "rate_per_s", rate_expected, |v: &f64| {
            v.is_finite() && *v > 0.0
        })?,
        burst: t.parse(
            line,
            row,
            "burst",
            "a whole number of messages >= 1",
            |v: &u32| *v >= 1,
        )?,
        queue_bound: t.parse(
            line,
            row,
            "queue_bound",
            "a whole number of messages",
            |_: &u32| true,
        )?,
        price_won: t.parse(line, row, "price_won", "whole won >= 0", |v: &i64| *v >= 0)?,
    })
}

/// The policies, one per notice kind in the order of [`NoticeKind::ALL`]; each chain's
/// channels must have a provider.
pub fn policies(files: &DataFiles, providers: &[ProviderSpec]) -> Result<Vec<Policy>, InputError> {
    let (file, text) = read(files, POLICIES)?;
    let cols = [
        "kind",
        "chain",
        "deadline_s",
        "max_attempts",
        "rounds",
        "backoff_base_s",
        "backoff_cap_s",
    ];
    let t = Table::read(&file, &text, &cols)?;
    let mut by_kind: Vec<Option<Policy>> = vec![None; NoticeKind::ALL.len()];
    for (line, row) in &t.rows {
        let raw = t.raw(row, "kind");
        let kinds = NoticeKind::ALL.map(|k| k.name()).join("`, `");
        let Some(kind) = NoticeKind::ALL.into_iter().find(|k| k.name() == raw) else {
            return Err(t
                .err(*line, row, "kind")
                .expected(format!("one of `{kinds}`")));
        };
        if by_kind[kind.index()].is_some() {
            return Err(t.err(*line, row, "kind").expected("one row per kind"));
        }
        let chain: Vec<String> = t
            .raw(row, "chain")
            .split('>')
            .map(|c| c.trim().to_string())
            .collect();
        if let Some(bad) = chain
            .iter()
            .find(|c| !providers.iter().any(|p| &p.channel == *c))
        {
            let e = format!(
                "channels with a provider in {}, joined by `>` (`{bad}` has none)",
                PROVIDERS
            );
            return Err(t.err(*line, row, "chain").expected(e));
        }
        let secs = |col: &str| {
            t.parse(*line, row, col, "whole seconds > 0", |v: &u64| *v > 0)
                .map(SimDuration::from_secs)
        };
        let count = |col: &str| t.parse(*line, row, col, "a whole number >= 1", |v: &u32| *v >= 1);
        by_kind[kind.index()] = Some(Policy {
            kind: kind.name().to_string(),
            chain,
            deadline: secs("deadline_s")?,
            max_attempts: count("max_attempts")?,
            rounds: count("rounds")?,
            backoff_base: secs("backoff_base_s")?,
            backoff_cap: secs("backoff_cap_s")?,
        });
    }
    (NoticeKind::ALL.iter().zip(by_kind))
        .map(|(k, p)| {
            p.ok_or_else(|| {
                InputError::on_line(&t.file, 1, "kind").expected(format!(
                    "a row for every kind of notice; `{}` is missing",
                    k.name()
                ))
            })
        })
        .collect()
}
