use super::*;
use crate::synthetic::{self, Ping, Pong};

/// Records every event and delivery, for comparing hosts.
#[derive(Default)]
struct Recorder {
    lines: Vec<String>,
    deliveries: bool,
}

impl Observer<Ping, Pong> for Recorder {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &Pong) -> Result<(), ObserveError> {
        self.lines.push(format!("{} {from} {event:?}", at.as_ms()));
        Ok(())
    }
    fn wants_deliveries(&self) -> bool {
        self.deliveries
    }
    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &Ping,
    ) -> Result<(), ObserveError> {
        self.lines
            .push(format!("{} #{seq} -> {to} {msg:?}", at.as_ms()));
        Ok(())
    }
}

fn run(host: Host, seed: u64, deliveries: bool) -> (u64, u64, Vec<String>) {
    let engine = synthetic::load(seed, 37, 1_000);
    let limits = RunLimits {
        until: SimTime(60_000),
        ..RunLimits::default()
    };
    let rec = Recorder {
        deliveries,
        ..Recorder::default()
    };
    let (rec, report) = engine.run(host, limits, rec);
    let report = report.expect("run succeeds");
    assert_eq!(report.slots.len(), 37);
    (report.trace_hash, report.delivered, rec.lines)
}

#[test]
fn actix_hosts_reproduce_the_reference_loop() {
    let reference = run(Host::Reference, 7, true);
    assert!(
        reference.1 > 37 * 60,
        "the load delivered {} messages",
        reference.1
    );
    for shards in [1, 2, 3] {
        let actix = run(Host::Actix { shards }, 7, true);
        assert_eq!(actix.0, reference.0, "trace hash with {shards} shards");
        assert_eq!(actix.1, reference.1, "deliveries with {shards} shards");
        assert_eq!(actix.2, reference.2, "event stream with {shards} shards");
    }
}

#[test]
fn another_seed_gives_another_trace() {
    assert_ne!(
        run(Host::Reference, 7, false).0,
        run(Host::Reference, 8, false).0
    );
}

#[test]
fn scheduler_is_fifo_among_equal_times() {
    let mut s = Scheduler::new(10);
    s.push(SimTime(5), ActorId(0), 'a').unwrap();
    s.push(SimTime(3), ActorId(0), 'b').unwrap();
    s.push(SimTime(5), ActorId(0), 'c').unwrap();
    s.push(SimTime(3), ActorId(0), 'd').unwrap();
    let order: Vec<char> =
        std::iter::from_fn(|| s.pop_before(SimTime::MAX).map(|e| e.msg)).collect();
    assert_eq!(order, vec!['b', 'd', 'a', 'c']);
}

#[test]
#[should_panic(expected = "scheduled into the past")]
fn scheduler_refuses_the_past() {
    let mut s = Scheduler::new(10);
    s.push(SimTime(5), ActorId(0), ()).unwrap();
    s.pop_before(SimTime::MAX);
    let _ = s.push(SimTime(4), ActorId(0), ());
}

#[test]
fn queue_bound_stops_the_run() {
    let engine = synthetic::load(1, 50, 1_000);
    let limits = RunLimits {
        until: SimTime(100_000),
        max_pending: 60,
    };
    for host in [Host::Reference, Host::Actix { shards: 2 }] {
        let (_, res) = synthetic::load(1, 50, 1_000).run(host, limits, NullObserver);
        assert!(
            matches!(res, Err(EngineError::QueueFull { bound: 60, .. })),
            "{host:?}"
        );
    }
    drop(engine);
}

#[test]
fn message_to_unknown_actor_is_an_error() {
    let mut engine = synthetic::load(1, 2, 1_000);
    engine.schedule(SimTime(10), ActorId(99), Ping::Tick);
    let (_, res) = engine.run(Host::Reference, RunLimits::default(), NullObserver);
    assert!(matches!(res, Err(EngineError::UnknownActor { .. })));
}

#[test]
fn run_stops_at_until_and_reports_pending() {
    let limits = RunLimits {
        until: SimTime(10_000),
        ..RunLimits::default()
    };
    let (_, res) = synthetic::load(3, 5, 1_000).run(Host::Reference, limits, NullObserver);
    let report = res.unwrap();
    assert_eq!(report.end_time, SimTime(10_000));
    assert!(
        report.pending >= 5,
        "every ticker still has its next tick queued"
    );
}

proptest::proptest! {
    /// The radix queue gives messages back exactly in (time, seq) order, whatever the
    /// times, while messages keep arriving between takes (never before the last taken),
    /// and after a look at a later time with no take (the end of a run).
    #[test]
    fn radix_queue_takes_in_time_and_sequence_order(
        rounds in proptest::collection::vec(
            (proptest::collection::vec(0u64..5_000_000, 0..20), 0usize..6),
            1..40,
        ),
        late in proptest::collection::vec(0u64..5_000_000, 0..5),
    ) {
        let mut q: RadixQueue<()> = RadixQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let (mut seq, mut now) = (0u64, 0u64);
        let mut push = |q: &mut RadixQueue<()>, reference: &mut std::collections::BTreeSet<(u64, u64)>, t: u64| {
            q.push(Entry { time: SimTime(t), seq, to: ActorId(0), msg: () });
            reference.insert((t, seq));
            seq += 1;
        };
        for (delays, takes) in rounds {
            for d in delays {
                push(&mut q, &mut reference, now + d % 3 * (d / 3));
            }
            for _ in 0..takes {
                let want = reference.pop_first();
                let got = q.pop().map(|e| (e.time.as_ms(), e.seq));
                proptest::prop_assert_eq!(got, want);
                if let Some((t, _)) = want {
                    now = t;
                }
            }
        }
        // A look with no take, then messages before the time looked at.
        let _ = q.peek_time();
        for d in late {
            push(&mut q, &mut reference, now + d % 1_000);
        }
        proptest::prop_assert_eq!(q.len(), reference.len());
        while let Some(want) = reference.pop_first() {
            let got = q.pop().map(|e| (e.time.as_ms(), e.seq));
            proptest::prop_assert_eq!(got, Some(want));
        }
        proptest::prop_assert!(q.pop().is_none());
    }
}

/// A run stepped in uneven steps, looked at between them, gives the reference loop's
/// trace, deliveries and events; a time behind it is ignored.
#[test]
fn a_simulation_stepped_in_pieces_is_the_run_in_one_piece() {
    let reference = run(Host::Reference, 11, true);
    let limits = RunLimits {
        until: SimTime(60_000),
        ..RunLimits::default()
    };
    let rec = Recorder {
        deliveries: true,
        ..Recorder::default()
    };
    let mut sim = Simulation::new(synthetic::load(11, 37, 1_000), limits, rec).unwrap();
    let mut t = SimTime::ZERO;
    let mut steps = 0;
    while t < SimTime(70_000) {
        t += SimDuration(1 + (steps * 997) % 4_001);
        sim.step_until(t).unwrap();
        sim.step_until(SimTime(t.as_ms() / 2)).unwrap();
        assert_eq!(sim.time(), t.min(limits.until));
        assert!(sim.actor::<synthetic::Pinger>(ActorId(3)).is_some());
        steps += 1;
    }
    assert!(sim.is_done());
    let (rec, report) = sim.finish_with_observer();
    let report = report.unwrap();
    assert_eq!((report.trace_hash, report.delivered, rec.lines), reference);
}

/// An injected message is delivered at the time asked, after what was already due then,
/// and changes the trace (it is hashed like any other).
#[test]
fn an_injected_message_is_delivered_and_hashed() {
    let limits = RunLimits {
        until: SimTime(10_000),
        ..RunLimits::default()
    };
    let plain = {
        let mut sim = Simulation::new(synthetic::load(3, 5, 1_000), limits, NullObserver).unwrap();
        sim.step_until(SimTime(10_000)).unwrap();
        sim.finish().unwrap()
    };
    let mut sim = Simulation::new(synthetic::load(3, 5, 1_000), limits, NullObserver).unwrap();
    sim.step_until(SimTime(4_000)).unwrap();
    let hello = synthetic::Ping::Hello {
        from: ActorId(1),
        n: 99,
    };
    sim.inject(SimDuration(500), ActorId(2), hello).unwrap();
    assert!(sim
        .inject(SimDuration::ZERO, ActorId(99), synthetic::Ping::Tick)
        .is_err());
    sim.step_until(SimTime(10_000)).unwrap();
    let injected = sim.finish().unwrap();
    assert_eq!(injected.delivered, plain.delivered + 1);
    assert_ne!(injected.trace_hash, plain.trace_hash);
}
