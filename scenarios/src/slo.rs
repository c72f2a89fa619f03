//! An SLO or SLA term, `KPI<=VALUE` or `KPI>=VALUE`: read from the command line
//! (`petfleet recommend --sla`, `petfleet sweep --knee`) and decided on a KPI's interval.

use crate::error::InputError;
use crate::sweep::Stats;

/// `<=` or `>=` a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// At most.
    AtMost,
    /// At least.
    AtLeast,
}

/// One SLA term: `kpi <= x` or `kpi >= x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// KPI name (as in kpis.csv).
    pub kpi: String,
    /// Direction.
    pub bound: Bound,
    /// The bound.
    pub value: f64,
}

impl Term {
    /// The term as written.
    pub fn text(&self) -> String {
        let op = match self.bound {
            Bound::AtMost => "<=",
            Bound::AtLeast => ">=",
        };
        format!("{}{op}{}", self.kpi, self.value)
    }

    /// Whether one value breaks the term.
    pub fn violated(&self, v: f64) -> bool {
        match self.bound {
            Bound::AtMost => v > self.value,
            Bound::AtLeast => v < self.value,
        }
    }

    /// Met (`Some(true)`), missed (`Some(false)`) or not yet decided by the interval.
    pub(crate) fn decide(&self, s: &Stats) -> Option<bool> {
        let (lo, hi) = s.ci?;
        match self.bound {
            Bound::AtMost if hi <= self.value => Some(true),
            Bound::AtMost if lo > self.value => Some(false),
            Bound::AtLeast if lo >= self.value => Some(true),
            Bound::AtLeast if hi < self.value => Some(false),
            _ => None,
        }
    }
}

/// Reads `--sla "wait_p95_s<=1800,served_share>=0.95"`, checking every KPI name against
/// `known`.
pub fn parse_sla(raw: &str, known: &[&str]) -> Result<Vec<Term>, InputError> {
    let err = |field: &str, value: &str, expected: String| {
        InputError::at(&format!("--sla {raw}"), "", None, field)
            .value(value)
            .expected(expected)
    };
    let mut terms = Vec::new();
    for part in raw.split(',').map(str::trim) {
        let (kpi, bound, value) = if let Some((k, v)) = part.split_once("<=") {
            (k, Bound::AtMost, v)
        } else if let Some((k, v)) = part.split_once(">=") {
            (k, Bound::AtLeast, v)
        } else {
            let e = "terms KPI<=VALUE or KPI>=VALUE separated by commas, such as wait_p95_s<=1800,served_share>=0.95";
            return Err(err("--sla", part, e.into()));
        };
        let kpi = kpi.trim();
        if !known.contains(&kpi) {
            let mut e = err(kpi, kpi, format!("a KPI of kpis.csv: {}", known.join(", ")));
            if let Some(h) = crate::error::did_you_mean(kpi, known.iter().copied()) {
                e = e.hint(h);
            }
            return Err(e);
        }
        let value = value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        let Some(value) = value else {
            return Err(err(kpi, part, "a number after the comparison".into()));
        };
        terms.push(Term {
            kpi: kpi.to_string(),
            bound,
            value,
        });
    }
    Ok(terms)
}
