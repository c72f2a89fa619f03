//! The delivery state machine: every rule of how a notice travels lives here.
//!
//! - **Chain**: a notice's kind names channels in order ([`Policy::chain`]); the customer's
//!   preference puts AlimTalk before push; channels with no address for the recipient, or
//!   too short for the encoded text (SMS 90 bytes, LMS 2,000 bytes of EUC-KR), are left
//!   out, so AlimTalk falls back to SMS or LMS by length.
//! - **Failover**: a transient error (timeout, 429, 5xx) moves to the channel's next
//!   provider; after a round over all of them, the channel is retried after an exponential
//!   backoff with seeded jitter, up to [`Policy::rounds`] rounds, then the next channel.
//! - **Fallback**: a permanent error (invalid recipient, unregistered token, template
//!   rejected) moves to the next channel at once.
//! - **Rate**: a provider takes messages at its token-bucket rate; above it they wait in
//!   its queue (bounded; a full queue answers 429).
//! - **Limits**: at most [`Policy::max_attempts`] attempts and [`Policy::deadline`] from
//!   the trigger; then the notice is dead-lettered or expired, with the reason.
//! - **Idempotency**: a key seen in the last [`KEY_TTL`] is never sent again (a duplicated
//!   trigger is counted and dropped).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::channel::{Channel, Channels, Recipient};
use super::provider::{Answer, Bucket, ErrorClass, Outage, ProviderSpec};
use crate::ids::{BookingId, CustomerId};
use crate::time::{SimDuration, SimTime};

/// How long an idempotency key is remembered (Knock keeps keys 24 h).
pub const KEY_TTL: SimDuration = SimDuration::from_hours(24);

/// How a kind of notice is delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Kind name.
    pub kind: String,
    /// Channels in order of preference.
    pub chain: Vec<String>,
    /// Worthless after this long from the trigger (a pickup ETA after the pickup).
    pub deadline: SimDuration,
    /// Attempts at most, over all channels and providers.
    pub max_attempts: u32,
    /// Rounds over a channel's providers before falling back to the next channel.
    pub rounds: u32,
    /// First backoff; doubled each round, capped at `backoff_cap`, times a jitter of
    /// 0.5-1.0.
    pub backoff_base: SimDuration,
    /// Longest backoff.
    pub backoff_cap: SimDuration,
}

/// One logical message to deliver.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// Message id (unique in the run).
    pub id: u64,
    /// Idempotency key: the same logical message always has the same key.
    pub key: Arc<str>,
    /// The key as a number (one-to-one with `key`), which the gateway remembers: 16 bytes a
    /// key for a day of millions of notices.
    pub key_id: u64,
    /// Index of its kind's [`Policy`].
    pub kind: usize,
    /// Booking.
    pub booking: BookingId,
    /// Customer.
    pub customer: CustomerId,
    /// How the customer can be reached.
    pub recipient: Recipient,
    /// The text.
    pub text: Arc<str>,
    /// When it was triggered.
    pub created_at: SimTime,
}

/// How a notice ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Delivered,
    /// Its deadline passed first.
    Expired,
    /// Every channel and attempt failed: in the dead-letter queue.
    DeadLettered,
    /// Still on its way when the run stopped.
    Open,
}

impl Outcome {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Expired => "expired",
            Outcome::DeadLettered => "dead_lettered",
            Outcome::Open => "open",
        }
    }
}

/// A notice's record when it ends (a row of `notifications.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct Final {
    /// The notice.
    pub notice: Notice,
    /// Kind name.
    pub kind: Arc<str>,
    /// The first channel of its chain (empty if none could reach the customer).
    pub channel_first: Arc<str>,
    /// The channel of the last attempt.
    pub channel_used: Arc<str>,
    /// The provider of the last attempt.
    pub provider: Arc<str>,
    /// Attempts made.
    pub attempts: u32,
    /// Delivered at.
    pub delivered_at: Option<SimTime>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why, if not delivered (the last error and where).
    pub reason: String,
    /// What the delivery cost, won.
    pub cost_won: i64,
    /// A dead letter the queue kept for a re-drive (false when the queue was full).
    pub kept: bool,
}

/// Something the gateway wants to happen later: the actor sends it to itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wake {
    /// Try notice `id` again (after a backoff).
    Retry(u64),
    /// A provider answered attempt `attempt` of notice `id`.
    Answer(u64, u32, Answer),
    /// Provider `p` may have a token for its queue.
    Drain(usize),
}

/// What a call to the gateway produced.
#[derive(Debug, Default)]
pub struct Effects {
    /// Wakes, each after a delay from now.
    pub wakes: Vec<(SimDuration, Wake)>,
    /// Notices that ended.
    pub finals: Vec<Final>,
}

/// A notice on its way.
#[derive(Clone, Debug)]
struct Flight {
    notice: Notice,
    /// Channel indices (into `Gateway::channels`), in order.
    chain: Vec<usize>,
    /// Place in `chain`.
    at: usize,
    /// Place among the channel's providers.
    provider: usize,
    /// Rounds over the current channel's providers that failed.
    rounds: u32,
    attempts: u32,
    /// The provider of the last attempt.
    sent_by: Option<usize>,
    deadline: SimTime,
}

/// Counters of the gateway (the invariants read them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Notices submitted (duplicates included).
    pub submitted: u64,
    /// Duplicates dropped by their idempotency key.
    pub duplicates: u64,
    /// Delivered.
    pub delivered: u64,
    /// Expired.
    pub expired: u64,
    /// Dead-lettered.
    pub dead_lettered: u64,
    /// Deliveries of a key already delivered (must stay 0).
    pub delivered_twice: u64,
    /// Dead letters sent again by a re-drive.
    pub redriven: u64,
    /// On their way when the run stopped.
    pub open: u64,
}

impl Counts {
    /// What the invariants require of the counters, as problems: every notice taken
    /// (duplicates aside, re-drives counted again) ended once, as delivered, expired,
    /// dead-lettered or open at the end; no idempotency key was delivered twice.
    pub fn problems(&self, in_flight: usize) -> Vec<String> {
        let mut p = Vec::new();
        let taken = self.submitted - self.duplicates + self.redriven;
        let ended = self.delivered + self.expired + self.dead_lettered + self.open;
        if taken != ended + in_flight as u64 {
            p.push(format!(
                "notifier: {taken} notices taken but {ended} ended and {in_flight} in flight"
            ));
        }
        if self.delivered_twice > 0 {
            p.push(format!(
                "notifier: {} idempotency keys delivered twice",
                self.delivered_twice
            ));
        }
        p
    }
}

/// The notification gateway's state.
#[derive(Debug)]
pub struct Gateway {
    policies: Vec<Policy>,
    channels: Vec<Arc<dyn Channel>>,
    /// Providers by channel index (indices into `providers`).
    by_channel: Vec<Vec<usize>>,
    /// Channel index by provider.
    channel_of: Vec<usize>,
    providers: Vec<ProviderSpec>,
    buckets: Vec<Bucket>,
    queues: Vec<VecDeque<u64>>,
    outages: Vec<Outage>,
    flights: BTreeMap<u64, Flight>,
    /// Keys seen, with whether delivered, by key; and their expiry order.
    keys: BTreeMap<u64, bool>,
    key_order: VecDeque<(SimTime, u64)>,
    dead: VecDeque<Notice>,
    dead_capacity: usize,
    counts: Counts,
    names: Names,
}

/// The names a notice's record gives, made once.
#[derive(Debug)]
struct Names {
    channels: Vec<Arc<str>>,
    providers: Vec<Arc<str>>,
    kinds: Vec<Arc<str>>,
    none: Arc<str>,
}

/// A configuration the gateway cannot run with.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GatewayError {
    /// A provider or a policy names a channel nobody registered.
    #[error("unknown channel `{0}`")]
    UnknownChannel(String),
    /// A policy's chain has a channel without providers.
    #[error("channel `{0}` has no provider")]
    NoProvider(String),
}

impl Gateway {
    /// A gateway over `channels`, `providers` and `policies`, with `outages` and a
    /// dead-letter queue of `dead_capacity` notices kept for a re-drive.
    pub fn new(
        channels: &Channels,
        providers: Vec<ProviderSpec>,
        policies: Vec<Policy>,
        outages: Vec<Outage>,
        dead_capacity: usize,
    ) -> Result<Gateway, GatewayError> {
        let names: Vec<&str> = channels.names().collect();
        let index = |name: &str| {
            (names.iter().position(|n| *n == name))
                .ok_or_else(|| GatewayError::UnknownChannel(name.to_string()))
        };
        let mut by_channel = vec![Vec::new(); names.len()];
        let mut channel_of = Vec::with_capacity(providers.len());
        for (i, p) in providers.iter().enumerate() {
            let c = index(&p.channel)?;
            by_channel[c].push(i);
            channel_of.push(c);
        }
        for name in policies.iter().flat_map(|p| &p.chain) {
            if by_channel[index(name)?].is_empty() {
                return Err(GatewayError::NoProvider(name.clone()));
            }
        }
        let channels = (names.iter())
            .filter_map(|n| channels.get(n).cloned())
            .collect();
        let names = Names {
            channels: names.iter().map(|&n| Arc::from(n)).collect(),
            providers: providers
                .iter()
                .map(|p| Arc::from(p.name.as_str()))
                .collect(),
            kinds: policies
                .iter()
                .map(|p| Arc::from(p.kind.as_str()))
                .collect(),
            none: Arc::from(""),
        };
        Ok(Gateway {
            names,
            buckets: (providers.iter())
                .map(|p| Bucket::new(p.rate_per_s, p.burst))
                .collect(),
            queues: vec![VecDeque::new(); providers.len()],
            policies,
            channels,
            by_channel,
            channel_of,
            providers,
            outages,
            flights: BTreeMap::new(),
            keys: BTreeMap::new(),
            key_order: VecDeque::new(),
            dead: VecDeque::new(),
            dead_capacity,
            counts: Counts::default(),
        })
    }

    /// The policies, by kind index.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Notices still on their way.
    pub fn in_flight(&self) -> usize {
        self.flights.len()
    }

    /// The channels a notice of `kind` to `r` with `text` goes through, in order.
    fn chain(&self, kind: usize, r: &Recipient, text: &str) -> Vec<usize> {
        let mut names: Vec<&str> = self.policies[kind]
            .chain
            .iter()
            .map(String::as_str)
            .collect();
        if r.prefers_alimtalk {
            // The customer's preference: AlimTalk before push when both are in the chain.
            let (p, a) = (
                names.iter().position(|n| *n == "push"),
                names.iter().position(|n| *n == "alimtalk"),
            );
            if let (Some(p), Some(a)) = (p, a) {
                if p < a {
                    let alim = names.remove(a);
                    names.insert(p, alim);
                }
            }
        }
        (names.iter())
            .filter_map(|n| self.channels.iter().position(|c| c.name() == *n))
            .filter(|&c| {
                let ch = &self.channels[c];
                ch.addressable(r) && ch.len(text) <= ch.max_len()
            })
            .collect()
    }

    /// Takes a notice triggered now; false if its key was seen (a duplicate, dropped).
    pub fn submit(
        &mut self,
        now: SimTime,
        notice: Notice,
        rng: &mut ChaCha8Rng,
        fx: &mut Effects,
    ) -> bool {
        self.counts.submitted += 1;
        self.forget_keys(now);
        if self.keys.contains_key(&notice.key_id) {
            self.counts.duplicates += 1;
            return false;
        }
        self.keys.insert(notice.key_id, false);
        self.key_order.push_back((now + KEY_TTL, notice.key_id));
        self.start(now, notice, rng, fx);
        true
    }

    /// Ends every notice still on its way as open (the run stops).
    pub fn close_open(&mut self, now: SimTime, fx: &mut Effects) {
        let ids: Vec<u64> = self.flights.keys().copied().collect();
        for id in ids {
            self.end(now, id, Outcome::Open, "the run ended first".into(), fx);
        }
    }

    fn start(&mut self, now: SimTime, notice: Notice, rng: &mut ChaCha8Rng, fx: &mut Effects) {
        let policy = &self.policies[notice.kind];
        let flight = Flight {
            chain: self.chain(notice.kind, &notice.recipient, &notice.text),
            // From the trigger: a notice that reached the gateway late has less time left.
            deadline: notice.created_at + policy.deadline,
            at: 0,
            provider: 0,
            rounds: 0,
            attempts: 0,
            sent_by: None,
            notice,
        };
        let id = flight.notice.id;
        self.flights.insert(id, flight);
        self.attempt(now, id, rng, fx);
    }

    fn forget_keys(&mut self, now: SimTime) {
        while self.key_order.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, k)) = self.key_order.pop_front() {
                self.keys.remove(&k);
            }
        }
    }

    /// Hands notice `id` to its current provider, or queues it there, or ends it.
    fn attempt(&mut self, now: SimTime, id: u64, rng: &mut ChaCha8Rng, fx: &mut Effects) {
        let Some(f) = self.flights.get(&id) else {
            return;
        };
        if now >= f.deadline {
            return self.end(now, id, Outcome::Expired, "deadline passed".into(), fx);
        }
        let Some(&channel) = f.chain.get(f.at) else {
            let why = "no channel can reach the recipient with this text".to_string();
            return self.end(now, id, Outcome::DeadLettered, why, fx);
        };
        let p = self.by_channel[channel][f.provider];
        if self.buckets[p].take(now) {
            self.send(now, id, p, rng, fx);
        } else if self.queues[p].len() < self.providers[p].queue_bound as usize {
            if self.queues[p].is_empty() {
                fx.wakes.push((self.buckets[p].wait(now), Wake::Drain(p)));
            }
            self.queues[p].push_back(id);
        } else {
            self.failed(now, id, p, ErrorClass::TooMany, rng, fx);
        }
    }

    /// One attempt at provider `p`: its answer comes back as a wake.
    fn send(&mut self, now: SimTime, id: u64, p: usize, rng: &mut ChaCha8Rng, fx: &mut Effects) {
        let Some(f) = self.flights.get_mut(&id) else {
            return;
        };
        f.attempts += 1;
        f.sent_by = Some(p);
        let spec = &self.providers[p];
        let down = self.outages.iter().any(|o| o.hits(spec, now));
        let mut answer = spec.answer(down, rng);
        let channel = &self.channels[self.channel_of[p]];
        if answer.error == Some(ErrorClass::InvalidRecipient) {
            answer.error = Some(channel.permanent_error());
        }
        if answer.error.is_none() && !channel.receives(&f.notice.recipient) {
            answer.error = Some(ErrorClass::InvalidRecipient);
        }
        fx.wakes
            .push((answer.after, Wake::Answer(id, f.attempts, answer)));
    }

    /// A provider may have tokens for its queue.
    pub fn drain(&mut self, now: SimTime, p: usize, rng: &mut ChaCha8Rng, fx: &mut Effects) {
        while !self.queues[p].is_empty() && self.buckets[p].take(now) {
            if let Some(id) = self.queues[p].pop_front() {
                if self.flights.get(&id).is_some_and(|f| now >= f.deadline) {
                    self.end(
                        now,
                        id,
                        Outcome::Expired,
                        "deadline passed in the queue".into(),
                        fx,
                    );
                } else {
                    self.send(now, id, p, rng, fx);
                }
            }
        }
        if !self.queues[p].is_empty() {
            fx.wakes.push((self.buckets[p].wait(now), Wake::Drain(p)));
        }
    }

    /// A retry after a backoff is due.
    pub fn retry(&mut self, now: SimTime, id: u64, rng: &mut ChaCha8Rng, fx: &mut Effects) {
        self.attempt(now, id, rng, fx);
    }

    /// A provider answered. Returns true if the notice was delivered now.
    pub fn answered(
        &mut self,
        now: SimTime,
        id: u64,
        answer: Answer,
        rng: &mut ChaCha8Rng,
        fx: &mut Effects,
    ) -> bool {
        let Some(f) = self.flights.get(&id) else {
            return false;
        };
        let channel = f.chain[f.at];
        let p = self.by_channel[channel][f.provider];
        match answer.error {
            None => {
                self.end(now, id, Outcome::Delivered, String::new(), fx);
                true
            }
            Some(e) => {
                self.failed(now, id, p, e, rng, fx);
                false
            }
        }
    }

    /// Failover, retry, fallback or dead letter after error `e` at provider `p`.
    fn failed(
        &mut self,
        now: SimTime,
        id: u64,
        p: usize,
        e: ErrorClass,
        rng: &mut ChaCha8Rng,
        fx: &mut Effects,
    ) {
        let Some(f) = self.flights.get_mut(&id) else {
            return;
        };
        let policy = &self.policies[f.notice.kind];
        if f.attempts >= policy.max_attempts {
            let why = format!(
                "{} attempts: last {} at {}",
                f.attempts,
                e.name(),
                self.providers[p].name
            );
            return self.end(now, id, Outcome::DeadLettered, why, fx);
        }
        let providers = self.by_channel[f.chain[f.at]].len();
        if e.transient() && f.provider + 1 < providers {
            f.provider += 1;
            return self.attempt(now, id, rng, fx);
        }
        f.provider = 0;
        if e.transient() && f.rounds + 1 < policy.rounds {
            f.rounds += 1;
            let doubled = policy.backoff_base.as_ms() << (f.rounds - 1).min(20);
            let base = doubled.min(policy.backoff_cap.as_ms());
            let delay = base / 2 + rng.random_range(0..=base / 2);
            fx.wakes.push((SimDuration(delay), Wake::Retry(id)));
            return;
        }
        f.rounds = 0;
        f.at += 1;
        if f.at >= f.chain.len() {
            let why = format!(
                "{} at {} and no channel left",
                e.name(),
                self.providers[p].name
            );
            return self.end(now, id, Outcome::DeadLettered, why, fx);
        }
        self.attempt(now, id, rng, fx);
    }

    /// Ends notice `id`.
    fn end(&mut self, now: SimTime, id: u64, outcome: Outcome, reason: String, fx: &mut Effects) {
        let Some(f) = self.flights.remove(&id) else {
            return;
        };
        // Names are shared, not copied: a run ends millions of notices.
        let names = &self.names;
        let first =
            (f.chain.first()).map_or_else(|| names.none.clone(), |&c| names.channels[c].clone());
        let (channel_used, provider) = match f.sent_by {
            Some(p) => (
                names.channels[self.channel_of[p]].clone(),
                names.providers[p].clone(),
            ),
            None => (first.clone(), names.none.clone()),
        };
        let mut cost_won = 0;
        let mut kept = false;
        match outcome {
            Outcome::Delivered => {
                self.counts.delivered += 1;
                cost_won = f.sent_by.map_or(0, |p| self.providers[p].price_won);
                if self.keys.insert(f.notice.key_id, true) == Some(true) {
                    self.counts.delivered_twice += 1;
                }
            }
            Outcome::Expired => self.counts.expired += 1,
            Outcome::Open => self.counts.open += 1,
            Outcome::DeadLettered => {
                self.counts.dead_lettered += 1;
                kept = self.dead.len() < self.dead_capacity;
                if kept {
                    self.dead.push_back(f.notice.clone());
                }
            }
        }
        fx.finals.push(Final {
            kind: self.names.kinds[f.notice.kind].clone(),
            channel_first: first,
            channel_used,
            provider,
            attempts: f.attempts,
            delivered_at: (outcome == Outcome::Delivered).then_some(now),
            outcome,
            reason,
            cost_won,
            kept,
            notice: f.notice,
        });
    }

    /// Sends the kept dead letters again (a scripted re-drive), each with a fresh deadline
    /// and attempt count; returns how many.
    pub fn redrive(&mut self, now: SimTime, rng: &mut ChaCha8Rng, fx: &mut Effects) -> usize {
        let dead: Vec<Notice> = self.dead.drain(..).collect();
        let n = dead.len();
        for mut notice in dead {
            notice.created_at = now;
            self.counts.redriven += 1;
            self.start(now, notice, rng, fx);
        }
        n
    }
}
