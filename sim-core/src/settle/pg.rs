//! The payment gateway as the platform sees it: requests that take time, fail, or time
//! out with an *unknown* outcome (the gateway may or may not have applied them), and
//! idempotency keys it honours (Toss Payments keeps an `Idempotency-Key` 15 days), so a
//! retried request is never applied twice. Its state outlives a crash of the settlement
//! service: it is another company's system.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::ids::BookingId;
use crate::time::{SimDuration, SimTime};

/// A request to the gateway about one booking's payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgOp {
    /// Authorise (hold) this much more.
    Authorise(i64),
    /// Capture this much of what is authorised (the rest is released).
    Capture(i64),
    /// Cancel the authorisation (a void, or the net-cancel after a timeout).
    Cancel,
    /// Refund this much of what was captured.
    Refund(i64),
    /// Ask what the gateway holds for the payment.
    Status,
}

impl PgOp {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            PgOp::Authorise(_) => "authorise",
            PgOp::Capture(_) => "capture",
            PgOp::Cancel => "cancel",
            PgOp::Refund(_) => "refund",
            PgOp::Status => "status",
        }
    }
}

/// What the gateway holds for a payment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    /// Authorised and not captured or cancelled.
    pub authorised: i64,
    /// Captured.
    pub captured: i64,
    /// Cancelled.
    pub cancelled: bool,
    /// Refunded.
    pub refunded: i64,
}

/// The answer the platform gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgReply {
    /// Applied (or already applied under this key); with the payment's state after it.
    Ok(Payment),
    /// Refused for good (declined card, more than authorised).
    Declined,
    /// Failed for now (5xx): not applied.
    Failed,
    /// No answer before the read timeout: applied or not, nobody knows yet.
    Unknown,
}

/// The gateway's behaviour (`[settlement.gateway]`, and the faults of a scenario).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PgSpec {
    /// Median latency of an answer, ms.
    pub latency_p50_ms: u64,
    /// 95th percentile, ms.
    pub latency_p95_ms: u64,
    /// Share of requests that fail (5xx).
    pub fail_prob: f64,
    /// Share of requests that time out.
    pub timeout_prob: f64,
    /// The platform's read timeout, ms (KICC: about 30 s).
    pub read_timeout_ms: u64,
    /// Of the timed-out requests, the share the gateway did apply.
    pub applied_on_timeout: f64,
    /// Share of authorisations declined (a card refused).
    pub decline_prob: f64,
}

/// A window in which the gateway misbehaves more (`pg-degraded`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PgDegradation {
    /// From.
    pub from: SimTime,
    /// Until (exclusive).
    pub until: SimTime,
    /// Failure share in the window.
    pub fail_prob: f64,
    /// Timeout share in the window.
    pub timeout_prob: f64,
}

/// The gateway's state: payments and the answers it gave under each idempotency key.
#[derive(Clone, Debug, Default)]
pub struct Pg {
    payments: BTreeMap<BookingId, Payment>,
    answers: BTreeMap<(BookingId, u32), PgReply>,
}

impl Pg {
    /// A request under idempotency key (`booking`, `key`) at `now`: the time to the answer
    /// and the answer. A key seen before returns its first answer, applying nothing.
    pub fn request(
        &mut self,
        spec: &PgSpec,
        degraded: Option<&PgDegradation>,
        (booking, key): (BookingId, u32),
        op: PgOp,
        rng: &mut ChaCha8Rng,
    ) -> (SimDuration, PgReply) {
        let p50 = spec.latency_p50_ms.max(1) as f64;
        let sigma = ((spec.latency_p95_ms.max(1) as f64 / p50).ln() / 1.645).max(0.0);
        let latency = LogNormal::new(p50.ln(), sigma).map_or(p50, |d| d.sample(rng)) as u64;
        let (fail, timeout) = degraded.map_or((spec.fail_prob, spec.timeout_prob), |d| {
            (d.fail_prob, d.timeout_prob)
        });
        let u: f64 = rng.random();
        let applied_anyway: f64 = rng.random();
        let declined: f64 = rng.random();
        if op != PgOp::Status {
            if let Some(first) = self.answers.get(&(booking, key)) {
                let reply = match first {
                    PgReply::Ok(_) => PgReply::Ok(self.state(booking)),
                    other => *other,
                };
                return (SimDuration(latency.min(spec.read_timeout_ms)), reply);
            }
        }
        if u < timeout || latency >= spec.read_timeout_ms {
            if op != PgOp::Status && applied_anyway < spec.applied_on_timeout {
                let reply = self.apply(booking, op, declined < spec.decline_prob);
                self.answers.insert((booking, key), reply);
            }
            return (SimDuration(spec.read_timeout_ms), PgReply::Unknown);
        }
        if u < timeout + fail {
            return (SimDuration(latency), PgReply::Failed);
        }
        if op == PgOp::Status {
            return (SimDuration(latency), PgReply::Ok(self.state(booking)));
        }
        let reply = self.apply(booking, op, declined < spec.decline_prob);
        self.answers.insert((booking, key), reply);
        (SimDuration(latency), reply)
    }

    fn apply(&mut self, booking: BookingId, op: PgOp, decline: bool) -> PgReply {
        let p = self.payments.entry(booking).or_default();
        match op {
            PgOp::Authorise(a) if decline || p.cancelled || a <= 0 => return PgReply::Declined,
            PgOp::Authorise(a) => p.authorised += a,
            PgOp::Capture(c) if c <= 0 || c > p.authorised || p.cancelled => {
                return PgReply::Declined
            }
            PgOp::Capture(c) => {
                p.captured += c;
                p.authorised = 0;
            }
            PgOp::Cancel => {
                p.authorised = 0;
                p.cancelled = true;
            }
            PgOp::Refund(r) if r <= 0 || r > p.captured - p.refunded => return PgReply::Declined,
            PgOp::Refund(r) => p.refunded += r,
            PgOp::Status => {}
        }
        PgReply::Ok(*p)
    }

    /// What the gateway holds for `booking`.
    pub fn state(&self, booking: BookingId) -> Payment {
        self.payments.get(&booking).copied().unwrap_or_default()
    }

    /// Forgets a settled booking's payment and idempotency keys (the settlement has
    /// reconciled them), so memory stays flat.
    pub fn close(&mut self, booking: BookingId) {
        self.payments.remove(&booking);
        let keys: Vec<(BookingId, u32)> = (self.answers.range((booking, 0)..=(booking, u32::MAX)))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            self.answers.remove(&k);
        }
    }
}
