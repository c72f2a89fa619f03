//! Providers: who sends on a channel, how fast, how reliably, at what rate and price.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::time::{SimDuration, SimTime};

/// Why an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorClass {
    /// No answer in time (transient).
    Timeout,
    /// Rate limited by the provider, HTTP 429 (transient).
    TooMany,
    /// Server error, HTTP 5xx (transient; also every answer during an outage).
    ServerError,
    /// The recipient cannot be reached on this channel (permanent): an invalid number,
    /// not a KakaoTalk user, no e-mail address.
    InvalidRecipient,
    /// The push token is no longer registered (permanent).
    Unregistered,
    /// The provider refused the template (permanent; AlimTalk).
    TemplateRejected,
}

impl ErrorClass {
    /// Transient errors fail over and retry; permanent ones fall back to the next channel.
    pub fn transient(self) -> bool {
        matches!(
            self,
            ErrorClass::Timeout | ErrorClass::TooMany | ErrorClass::ServerError
        )
    }

    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::TooMany => "429",
            ErrorClass::ServerError => "5xx",
            ErrorClass::InvalidRecipient => "invalid_recipient",
            ErrorClass::Unregistered => "unregistered",
            ErrorClass::TemplateRejected => "template_rejected",
        }
    }
}

/// A provider as configured (`data/notify/providers.csv`, scenario overrides).
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderSpec {
    /// Name.
    pub name: String,
    /// The channel it sends on.
    pub channel: String,
    /// Median time to a delivery report, ms.
    pub latency_p50_ms: u64,
    /// 95th percentile of it, ms (at least the median).
    pub latency_p95_ms: u64,
    /// Share of attempts that fail, 0-1.
    pub fail_prob: f64,
    /// Of the failures, the share that is transient (the rest permanent), 0-1.
    pub transient_share: f64,
    /// No answer after this long is a timeout, ms.
    pub timeout_ms: u64,
    /// Messages per second it accepts (token bucket rate).
    pub rate_per_s: f64,
    /// Bucket size (burst).
    pub burst: u32,
    /// Messages that may wait for a token; beyond, an attempt is refused as 429.
    pub queue_bound: u32,
    /// Price per delivered message, won (before VAT).
    pub price_won: i64,
}

/// The answer to one attempt, known `after` it was handed to the provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Answer {
    /// Time to the answer.
    pub after: SimDuration,
    /// `None` if delivered.
    pub error: Option<ErrorClass>,
}

/// A provider's rate limit: a token bucket refilled continuously, in integer
/// milli-tokens so the model stays exact.
#[derive(Clone, Debug)]
pub struct Bucket {
    /// Milli-tokens in the bucket at `at`.
    milli: u64,
    at: SimTime,
    /// Milli-tokens per ms, scaled by 1,000 (rate in tokens per s).
    rate_milli_per_s: u64,
    cap_milli: u64,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate_per_s: f64, burst: u32) -> Bucket {
        let cap_milli = u64::from(burst.max(1)) * 1_000;
        Bucket {
            milli: cap_milli,
            at: SimTime::ZERO,
            rate_milli_per_s: (rate_per_s * 1_000.0).round().max(1.0) as u64,
            cap_milli,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.at).as_ms();
        self.milli = (self.milli + dt * self.rate_milli_per_s / 1_000).min(self.cap_milli);
        self.at = now;
    }

    /// Takes a token at `now` if there is one.
    pub fn take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.milli >= 1_000 {
            self.milli -= 1_000;
            true
        } else {
            false
        }
    }

    /// How long from `now` until a token is there.
    pub fn wait(&mut self, now: SimTime) -> SimDuration {
        self.refill(now);
        let missing = 1_000u64.saturating_sub(self.milli);
        SimDuration((missing * 1_000).div_ceil(self.rate_milli_per_s))
    }
}

impl ProviderSpec {
    /// Draws the answer to one attempt; `down` (an outage) answers 5xx at once.
    pub fn answer(&self, down: bool, rng: &mut ChaCha8Rng) -> Answer {
        if down {
            return Answer {
                after: SimDuration(self.latency_p50_ms.min(self.timeout_ms) / 10),
                error: Some(ErrorClass::ServerError),
            };
        }
        let p50 = self.latency_p50_ms.max(1) as f64;
        let sigma = ((self.latency_p95_ms.max(1) as f64 / p50).ln() / 1.645).max(0.0);
        let latency = LogNormal::new(p50.ln(), sigma).map_or(p50, |d| d.sample(rng));
        let latency = latency.round() as u64;
        let u: f64 = rng.random();
        if latency > self.timeout_ms {
            return Answer {
                after: SimDuration(self.timeout_ms),
                error: Some(ErrorClass::Timeout),
            };
        }
        let error = (u < self.fail_prob).then(|| {
            let transient = u < self.fail_prob * self.transient_share;
            // A permanent error is reported as the channel's own class by the gateway
            // ([`super::Channel::permanent_error`]).
            match transient {
                true if rng.random::<bool>() => ErrorClass::TooMany,
                true => ErrorClass::ServerError,
                false => ErrorClass::InvalidRecipient,
            }
        });
        Answer {
            after: SimDuration(latency),
            error,
        }
    }
}

/// An outage of a provider (or of every provider of a channel): `[[faults.notifier]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    /// A provider's or a channel's name.
    pub target: String,
    /// From.
    pub from: SimTime,
    /// Until (exclusive).
    pub until: SimTime,
}

impl Outage {
    /// Whether it takes down `provider` (of `channel`) at `t`.
    pub fn hits(&self, provider: &ProviderSpec, t: SimTime) -> bool {
        (self.target == provider.name || self.target == provider.channel)
            && (self.from..self.until).contains(&t)
    }
}
