//! Resolves `[notifier]` and `[[operations]]` against `data/notify/`.

use sim_core::notify::{Channels, Outage, ProviderSpec, Reach};
use sim_core::sim::NotifierSpec;
use sim_core::time::{SimDuration, SimTime};

use super::{NotifierSection, OperationSection, ProviderOverride};
use crate::data::DataFiles;
use crate::error::{did_you_mean, InputError};
use crate::located::{Locator, PathKey::Index as I, PathKey::Key as K};
use crate::notify_data;

/// The operations a scenario can script.
const ACTIONS: [&str; 1] = ["redrive_notifications"];

/// The notifier of a run, if its scenario enables one.
pub(super) fn resolve(
    loc: &Locator<'_>,
    files: &DataFiles,
    section: Option<&NotifierSection>,
    operations: &[OperationSection],
) -> Result<Option<NotifierSpec>, InputError> {
    let redrives = redrives(loc, operations)?;
    let Some(n) = section.filter(|n| n.enabled) else {
        if let Some(first) = operations.first() {
            let e = "a `[notifier]` to re-drive (this scenario has none)";
            return Err(loc.err(&[K("operations"), I(0), K("action")], &first.action, e));
        }
        return Ok(None);
    };
    let channels = Channels::bundled();
    let mut providers = notify_data::providers(files, &channels)?;
    for (i, o) in n.providers.iter().enumerate() {
        apply_override(loc, i, o, &mut providers)?;
    }
    let policies = notify_data::policies(files, &providers)?;
    let share = |name: &'static str, v: Option<f64>, default: f64| -> Result<f64, InputError> {
        match v {
            None => Ok(default),
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
            Some(x) => Err(loc.err(
                &[K("notifier"), K(name)],
                &x.to_string(),
                "a share from 0 to 1",
            )),
        }
    };
    Ok(Some(NotifierSpec {
        reach: Reach {
            app: share("app_share", n.app_share, 0.8)?,
            kakao: share("kakao_share", n.kakao_share, 0.93)?,
            email: share("email_share", n.email_share, 0.5)?,
            prefers_alimtalk: share("prefers_alimtalk_share", n.prefers_alimtalk_share, 0.5)?,
        },
        duplicate_share: share("duplicate_share", n.duplicate_share, 0.0)?,
        delay: (
            share("delayed_share", n.delayed_share, 0.0)?,
            match &n.delay_max {
                Some(v) => loc.positive_duration(&[K("notifier"), K("delay_max")], v)?,
                None => SimDuration::from_mins(2),
            },
        ),
        dead_capacity: n.dead_letter_capacity.unwrap_or(100_000),
        eta_every: match &n.eta_every {
            Some(v) => loc.positive_duration(&[K("notifier"), K("eta_every")], v)?,
            None => SimDuration::from_mins(5),
        },
        outages: outages(loc, n, &channels, &providers)?,
        channels,
        providers,
        policies,
        redrives,
    }))
}

fn redrives(
    loc: &Locator<'_>,
    operations: &[OperationSection],
) -> Result<Vec<SimTime>, InputError> {
    let mut out = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        let p = |f| [K("operations"), I(i), K(f)];
        if !ACTIONS.contains(&op.action.as_str()) {
            let mut e = loc.err(&p("action"), &op.action, "`redrive_notifications`");
            e.hint = did_you_mean(&op.action, ACTIONS.iter().copied());
            return Err(e);
        }
        out.push(loc.clock(&p("at"), &op.at)?);
    }
    Ok(out)
}

fn outages(
    loc: &Locator<'_>,
    n: &NotifierSection,
    channels: &Channels,
    providers: &[ProviderSpec],
) -> Result<Vec<Outage>, InputError> {
    let mut out = Vec::new();
    for (i, o) in n.outages.iter().enumerate() {
        let p = |f| [K("notifier"), K("outages"), I(i), K(f)];
        let names: Vec<&str> = (providers.iter().map(|p| p.name.as_str()))
            .chain(channels.names())
            .collect();
        if !names.contains(&o.target.as_str()) {
            let known = names.join("`, `");
            let mut e = loc.err(
                &p("target"),
                &o.target,
                format!("a provider or a channel: `{known}`"),
            );
            e.hint = did_you_mean(&o.target, names.iter().copied());
            return Err(e);
        }
        let from = loc.clock(&p("from"), &o.from)?;
        let until = loc.clock(&p("until"), &o.until)?;
        if until <= from {
            return Err(loc.err(&p("until"), &o.until, "a time after `from`"));
        }
        out.push(Outage {
            target: o.target.clone(),
            from,
            until,
        });
    }
    Ok(out)
}

fn apply_override(
    loc: &Locator<'_>,
    i: usize,
    o: &ProviderOverride,
    providers: &mut [ProviderSpec],
) -> Result<(), InputError> {
    let p = |f| [K("notifier"), K("providers"), I(i), K(f)];
    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    let Some(at) = names.iter().position(|n| *n == o.name) else {
        let mut e = loc.err(
            &p("name"),
            &o.name,
            format!(
                "a provider of {}: `{}`",
                notify_data::PROVIDERS,
                names.join("`, `")
            ),
        );
        e.hint = did_you_mean(&o.name, names.iter().copied());
        return Err(e);
    };
    let spec = &mut providers[at];
    let checked = |f: &'static str, v: f64, ok: bool, expected: &str| {
        ok.then_some(v)
            .ok_or_else(|| loc.err(&p(f), &v.to_string(), expected.to_string()))
    };
    let share = |f, v: f64| checked(f, v, (0.0..=1.0).contains(&v), "a share from 0 to 1");
    let ms = |f, v: u64| checked(f, v as f64, v > 0, "whole milliseconds > 0").map(|_| v);
    if let Some(v) = o.latency_p50_ms {
        spec.latency_p50_ms = ms("latency_p50_ms", v)?;
    }
    if let Some(v) = o.latency_p95_ms {
        spec.latency_p95_ms = ms("latency_p95_ms", v)?;
    }
    if spec.latency_p95_ms < spec.latency_p50_ms {
        let v = spec.latency_p95_ms as f64;
        checked("latency_p95_ms", v, false, "at least the median latency")?;
    }
    if let Some(v) = o.fail_prob {
        spec.fail_prob = share("fail_prob", v)?;
    }
    if let Some(v) = o.transient_share {
        spec.transient_share = share("transient_share", v)?;
    }
    if let Some(v) = o.timeout_ms {
        spec.timeout_ms = ms("timeout_ms", v)?;
    }
    if let Some(v) = o.rate_per_s {
        let ok = v.is_finite() && v > 0.0;
        spec.rate_per_s = checked("rate_per_s", v, ok, "messages per second > 0")?;
    }
    if let Some(v) = o.burst {
        checked(
            "burst",
            f64::from(v),
            v > 0,
            "a whole number of messages >= 1",
        )?;
        spec.burst = v;
    }
    if let Some(v) = o.queue_bound {
        spec.queue_bound = v;
    }
    if let Some(v) = o.price_won {
        checked("price_won", v as f64, v >= 0, "whole won >= 0")?;
        spec.price_won = v;
    }
    Ok(())
}
