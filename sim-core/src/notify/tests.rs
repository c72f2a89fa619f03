//! The gateway's rules, each on a small world driven by a plain event loop.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::ids::{BookingId, CustomerId};
use crate::time::{SimDuration, SimTime};

fn provider(name: &str, channel: &str, rate_per_s: f64) -> ProviderSpec {
    ProviderSpec {
        name: name.into(),
        channel: channel.into(),
        latency_p50_ms: 800,
        latency_p95_ms: 2_000,
        fail_prob: 0.0,
        transient_share: 1.0,
        timeout_ms: 30_000,
        rate_per_s,
        burst: 5,
        queue_bound: 100_000,
        price_won: 10,
    }
}

fn policy(kind: &str, chain: &[&str]) -> Policy {
    Policy {
        kind: kind.into(),
        chain: chain.iter().map(|c| c.to_string()).collect(),
        deadline: SimDuration::from_mins(30),
        max_attempts: 8,
        rounds: 2,
        backoff_base: SimDuration::from_secs(5),
        backoff_cap: SimDuration::from_mins(2),
    }
}

fn bundled_providers() -> Vec<ProviderSpec> {
    vec![
        provider("fcm", "push", 1_000.0),
        provider("apns", "push", 1_000.0),
        provider("kakao-a", "alimtalk", 100.0),
        provider("sms-a", "sms", 100.0),
        provider("sms-b", "sms", 100.0),
        provider("lms-a", "lms", 100.0),
        provider("mail", "email", 100.0),
    ]
}

fn everyone() -> Recipient {
    Recipient {
        app: true,
        kakao: true,
        email: true,
        prefers_alimtalk: false,
    }
}

fn notice(id: u64, kind: usize, r: Recipient, text: &str) -> Notice {
    Notice {
        id,
        key: format!("k{id}").into(),
        key_id: id,
        kind,
        booking: BookingId(id as u32),
        customer: CustomerId(0),
        recipient: r,
        text: text.into(),
        created_at: SimTime::ZERO,
    }
}

/// A gateway and its pending wakes, run like the notifier actor runs it.
struct World {
    g: Gateway,
    rng: ChaCha8Rng,
    wakes: BTreeMap<(SimTime, u64), Wake>,
    seq: u64,
    finals: Vec<Final>,
    /// When each attempt was handed to a provider, by provider name.
    sent: Vec<(SimTime, String)>,
}

impl World {
    fn new(
        channels: &Channels,
        providers: Vec<ProviderSpec>,
        policies: Vec<Policy>,
        outages: Vec<Outage>,
    ) -> World {
        World {
            g: Gateway::new(channels, providers, policies, outages, 1_000).unwrap(),
            rng: ChaCha8Rng::seed_from_u64(7),
            wakes: BTreeMap::new(),
            seq: 0,
            finals: Vec::new(),
            sent: Vec::new(),
        }
    }

    fn absorb(&mut self, now: SimTime, fx: Effects) {
        for (d, w) in fx.wakes {
            if let Wake::Answer(..) = w {
                self.sent.push((now, String::new()));
            }
            self.seq += 1;
            self.wakes.insert((now + d, self.seq), w);
        }
        self.finals.extend(fx.finals);
    }

    fn submit(&mut self, now: SimTime, n: Notice) {
        let mut fx = Effects::default();
        self.g.submit(now, n, &mut self.rng, &mut fx);
        self.absorb(now, fx);
    }

    fn run(&mut self) {
        while let Some(((now, _), w)) = self.wakes.pop_first() {
            let mut fx = Effects::default();
            match w {
                Wake::Retry(id) => self.g.retry(now, id, &mut self.rng, &mut fx),
                Wake::Answer(id, _, a) => {
                    self.g.answered(now, id, a, &mut self.rng, &mut fx);
                }
                Wake::Drain(p) => self.g.drain(now, p, &mut self.rng, &mut fx),
            }
            self.absorb(now, fx);
        }
    }
}

#[test]
fn euc_kr_counts_a_hangul_syllable_as_two_bytes() {
    assert_eq!(channel::euc_kr_len("펫플릿 B12"), 3 * 2 + 4);
}

#[test]
fn alimtalk_falls_back_to_sms_or_lms_by_the_encoded_length() {
    let chain = policy("requote", &["alimtalk", "sms", "lms"]);
    let mut w = World::new(
        &Channels::bundled(),
        bundled_providers(),
        vec![chain],
        vec![],
    );
    let no_kakao = Recipient {
        kakao: false,
        ..everyone()
    };
    // 44 syllables = 88 bytes: SMS; 46 = 92 bytes: LMS.
    w.submit(SimTime::ZERO, notice(1, 0, no_kakao, &"가".repeat(44)));
    w.submit(SimTime::ZERO, notice(2, 0, no_kakao, &"가".repeat(46)));
    w.submit(SimTime::ZERO, notice(3, 0, everyone(), &"가".repeat(46)));
    w.run();
    let used: Vec<(u32, &str, &str, u32)> = (w.finals.iter())
        .map(|f| {
            (
                f.notice.booking.0,
                &*f.channel_first,
                &*f.channel_used,
                f.attempts,
            )
        })
        .collect();
    assert!(used.contains(&(1, "alimtalk", "sms", 2)), "{used:?}");
    assert!(used.contains(&(2, "alimtalk", "lms", 2)), "{used:?}");
    assert!(used.contains(&(3, "alimtalk", "alimtalk", 1)), "{used:?}");
    assert!(w.finals.iter().all(|f| f.outcome == Outcome::Delivered));
}

/// One SMS notice sent while `target` (a provider or a channel) is down for an hour.
fn sms_notice_during_outage_of(target: &str) -> World {
    let outage = Outage {
        target: target.into(),
        from: SimTime::ZERO,
        until: SimTime::from_day_hms(0, 1, 0, 0),
    };
    let mut w = World::new(
        &Channels::bundled(),
        bundled_providers(),
        vec![policy("eta", &["sms"])],
        vec![outage],
    );
    w.submit(SimTime::ZERO, notice(1, 0, everyone(), "ETA 10:42"));
    w.run();
    w
}

#[test]
fn transient_errors_fail_over_to_the_next_provider_of_the_channel() {
    let w = sms_notice_during_outage_of("sms-a");
    let f = &w.finals[0];
    assert_eq!(
        (f.outcome, &*f.provider, f.attempts),
        (Outcome::Delivered, "sms-b", 2)
    );
    assert_eq!(f.cost_won, 10, "one delivered message is paid");
}

#[test]
fn a_channel_down_everywhere_is_retried_then_dead_lettered_and_redriven() {
    let mut w = sms_notice_during_outage_of("sms");
    let f = &w.finals[0];
    // Two rounds over both providers, then no channel left.
    assert_eq!((f.outcome, f.attempts), (Outcome::DeadLettered, 4), "{f:?}");
    assert!(f.reason.contains("5xx"), "{}", f.reason);
    let mut fx = Effects::default();
    let later = SimTime::from_day_hms(0, 2, 0, 0);
    assert_eq!(w.g.redrive(later, &mut w.rng, &mut fx), 1);
    w.absorb(later, fx);
    w.run();
    assert_eq!(w.finals[1].outcome, Outcome::Delivered);
    let c = w.g.counts();
    assert_eq!(
        (c.dead_lettered, c.redriven, c.delivered, c.delivered_twice),
        (1, 1, 1, 0)
    );
}

#[test]
fn a_duplicated_trigger_is_delivered_once() {
    let mut w = World::new(
        &Channels::bundled(),
        bundled_providers(),
        vec![policy("eta", &["push"])],
        vec![],
    );
    w.submit(SimTime::ZERO, notice(1, 0, everyone(), "ETA"));
    w.submit(SimTime(10), notice(1, 0, everyone(), "ETA"));
    w.run();
    w.submit(
        SimTime::from_day_hms(0, 1, 0, 0),
        notice(1, 0, everyone(), "ETA"),
    );
    w.run();
    assert_eq!(w.finals.len(), 1);
    assert_eq!(w.g.counts().duplicates, 2);
}

#[test]
fn a_notice_past_its_deadline_expires() {
    let mut slow = bundled_providers();
    slow[3].rate_per_s = 0.001;
    slow[3].burst = 1;
    let mut p = policy("eta", &["sms"]);
    p.deadline = SimDuration::from_mins(1);
    let mut w = World::new(&Channels::bundled(), slow, vec![p], vec![]);
    w.submit(SimTime::ZERO, notice(1, 0, everyone(), "first"));
    w.submit(
        SimTime::ZERO,
        notice(2, 0, everyone(), "second waits for a token"),
    );
    w.run();
    let outcome = |b: u32| {
        w.finals
            .iter()
            .find(|f| f.notice.booking.0 == b)
            .unwrap()
            .outcome
    };
    assert_eq!(outcome(1), Outcome::Delivered);
    assert_eq!(outcome(2), Outcome::Expired);
}

#[test]
fn a_provider_sends_at_its_rate_and_queues_the_rest() {
    let mut p = bundled_providers();
    p[3].rate_per_s = 10.0;
    p[3].burst = 5;
    let mut w = World::new(
        &Channels::bundled(),
        p,
        vec![policy("eta", &["sms"])],
        vec![],
    );
    for id in 0..200 {
        w.submit(SimTime::ZERO, notice(id, 0, everyone(), "ETA"));
    }
    w.run();
    assert_eq!(w.g.counts().delivered, 200);
    // In every window from 0, at most burst + rate x window attempts started.
    let mut times: Vec<u64> = w.sent.iter().map(|(t, _)| t.as_ms()).collect();
    times.sort_unstable();
    for (i, t) in times.iter().enumerate() {
        let allowed = 5 + (t * 10) / 1_000;
        assert!(
            (i as u64) < allowed,
            "attempt {i} at {t} ms exceeds the rate"
        );
    }
    assert!(
        *times.last().unwrap() >= 19_000,
        "200 at 10/s take about 20 s"
    );
}

/// A channel the gateway has never heard of: a partner's own app.
#[derive(Debug)]
struct PartnerApp;

impl Channel for PartnerApp {
    fn name(&self) -> &str {
        "partner-app"
    }
    fn len(&self, text: &str) -> usize {
        text.len()
    }
    fn max_len(&self) -> usize {
        500
    }
    fn addressable(&self, r: &Recipient) -> bool {
        r.app
    }
}

#[test]
fn a_new_channel_is_one_type_and_its_configuration() {
    let mut channels = Channels::bundled();
    channels.add(Arc::new(PartnerApp));
    let mut providers = bundled_providers();
    providers.push(provider("partner-gw", "partner-app", 50.0));
    let chain = policy("payout", &["partner-app", "sms"]);
    let mut w = World::new(&channels, providers, vec![chain], vec![]);
    w.submit(SimTime::ZERO, notice(1, 0, everyone(), "정산 완료"));
    let no_app = Recipient {
        app: false,
        ..everyone()
    };
    w.submit(SimTime::ZERO, notice(2, 0, no_app, "정산 완료"));
    w.run();
    let used: Vec<&str> = w.finals.iter().map(|f| &*f.channel_used).collect();
    assert!(
        used.contains(&"partner-app") && used.contains(&"sms"),
        "{used:?}"
    );
}

#[test]
fn a_chain_naming_an_unknown_channel_is_refused() {
    let e = Gateway::new(
        &Channels::bundled(),
        bundled_providers(),
        vec![policy("eta", &["pager"])],
        vec![],
        10,
    );
    assert_eq!(e.unwrap_err(), GatewayError::UnknownChannel("pager".into()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Whatever the faults, every notice ends exactly once and no key is delivered twice.
    #[test]
    fn every_notice_ends_once_under_any_fault_mix(
        seed in any::<u64>(),
        fail in 0.0f64..0.6,
        transient in 0.0f64..1.0,
        down in proptest::collection::vec(0usize..7, 0..3),
        dupes in 0u64..20,
    ) {
        let mut providers = bundled_providers();
        for p in &mut providers {
            p.fail_prob = fail;
            p.transient_share = transient;
            p.queue_bound = 20;
        }
        let outages = down.iter().map(|&i| Outage {
            target: providers[i].name.clone(),
            from: SimTime::ZERO,
            until: SimTime::from_day_hms(0, 0, 10, 0),
        }).collect();
        let policies = vec![policy("eta", &["push", "sms"]), policy("requote", &["alimtalk", "sms", "lms"])];
        let mut w = World::new(&Channels::bundled(), providers, policies, outages);
        w.rng = ChaCha8Rng::seed_from_u64(seed);
        for id in 0..100u64 {
            let r = Recipient { app: id % 3 != 0, kakao: id % 5 != 0, email: false, prefers_alimtalk: id % 2 == 0 };
            let t = SimTime(id * 1_000);
            w.submit(t, notice(id, (id % 2) as usize, r, &"가".repeat((id % 60) as usize)));
            if id < dupes {
                w.submit(t, notice(id, (id % 2) as usize, r, "dup"));
            }
        }
        w.run();
        let c = w.g.counts();
        prop_assert_eq!(w.g.in_flight(), 0);
        prop_assert_eq!(c.submitted - c.duplicates, c.delivered + c.expired + c.dead_lettered);
        prop_assert_eq!(w.finals.len() as u64, 100);
        prop_assert_eq!(c.delivered_twice, 0);
        prop_assert!(c.problems(w.g.in_flight()).is_empty());
        let mut ids: Vec<u64> = w.finals.iter().map(|f| f.notice.id).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(ids.len(), 100);
    }
}
