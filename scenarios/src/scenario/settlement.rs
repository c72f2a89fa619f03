//! Resolves `[settlement]` against `data/settle/parameters.csv`.

use sim_core::settle::{Mode, PgDegradation};
use sim_core::sim::SettlementSpec;
use sim_core::time::SimDuration;

use super::SettlementSection;
use crate::data::DataFiles;
use crate::error::{did_you_mean, InputError};
use crate::located::{Locator, PathKey::Index as I, PathKey::Key as K};
use crate::settle_data;

/// The settlement service of a run, if its scenario enables one.
pub(super) fn resolve(
    loc: &Locator<'_>,
    files: &DataFiles,
    section: Option<&SettlementSection>,
) -> Result<Option<SettlementSpec>, InputError> {
    let Some(s) = section.filter(|s| s.enabled) else {
        return Ok(None);
    };
    let p = |f| [K("settlement"), K(f)];
    let mode = match s.mode.as_deref() {
        None | Some("realtime") => Mode::Realtime,
        Some("batch") => Mode::Batch(match &s.batch_every {
            Some(v) => loc.positive_duration(&p("batch_every"), v)?,
            None => SimDuration::from_hours(1),
        }),
        Some(other) => {
            let mut e = loc.err(&p("mode"), other, "`realtime` or `batch`");
            e.hint = did_you_mean(other, ["realtime", "batch"]);
            return Err(e);
        }
    };
    let mut config = settle_data::config(files, mode)?;
    config.payout_every = match s.payout_every.as_deref() {
        None => Some(SimDuration::from_hours(24)),
        Some("never") => None,
        Some(v) => Some(loc.positive_duration(&p("payout_every"), v)?),
    };
    for (i, d) in s.degraded.iter().enumerate() {
        let q = |f| [K("settlement"), K("degraded"), I(i), K(f)];
        let from = loc.clock(&q("from"), &d.from)?;
        let until = loc.clock(&q("until"), &d.until)?;
        if until <= from {
            return Err(loc.err(&q("until"), &d.until, "a time after `from`"));
        }
        for (f, v) in [("fail_prob", d.fail_prob), ("timeout_prob", d.timeout_prob)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(loc.err(&q(f), &v.to_string(), "a share from 0 to 1"));
            }
        }
        if d.fail_prob + d.timeout_prob > 1.0 {
            let e = "fail_prob + timeout_prob at most 1";
            return Err(loc.err(&q("timeout_prob"), &d.timeout_prob.to_string(), e));
        }
        config.degraded.push(PgDegradation {
            from,
            until,
            fail_prob: d.fail_prob,
            timeout_prob: d.timeout_prob,
        });
    }
    let mut crashes = Vec::new();
    for (i, c) in s.crashes.iter().enumerate() {
        let q = |f| [K("settlement"), K("crashes"), I(i), K(f)];
        let at = loc.clock(&q("at"), &c.at)?;
        let down = loc.positive_duration(&q("down_for"), &c.down_for)?;
        if crashes.last().is_some_and(|&(t, d)| at < t + d) {
            return Err(loc.err(&q("at"), &c.at, "a time after the previous crash's restart"));
        }
        crashes.push((at, down));
    }
    Ok(Some(SettlementSpec { config, crashes }))
}
