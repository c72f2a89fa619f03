//! The abstract mode for validating the engine against queueing theory: Poisson bookings,
//! `c` vans with exponential service and zero deadhead, one first-come-first-served
//! queue: M/M/c. It runs on the same [`Engine`] (actors, messages, per-actor ChaCha8
//! streams, integer milliseconds) as the fleet model.
//!
//! - [`erlang_c`]: the probability of waiting, C(c, a), for offered load `a = lambda/mu`;
//!   the mean wait in queue is `C(c, a) / (c mu - lambda)`.
//! - [`simulate`]: one replication; waits of bookings arriving after the warm-up are
//!   measured. The dispatcher also integrates the queue length over time, so Little's law
//!   (L = lambda W, over the whole run) is checked against two independent records: the
//!   queue the dispatcher held, and the waits the bookings report.

use rand_distr::{Distribution, Exp};
use std::collections::VecDeque;

use crate::engine::{
    Cx, Engine, Host, ObserveError, Observer, RunLimits, SimActor, TraceEncode, TraceHasher,
};
use crate::ids::ActorId;
use crate::rng::ActorKind;
use crate::time::{SimDuration, SimTime};

/// Milliseconds in one mean service time (1/mu): times are measured in these units.
pub const SERVICE_MS: f64 = 3_600_000.0;

/// Erlang C: the probability that a booking waits, for `c` servers and offered load `a`
/// (1 when `a >= c`: the queue grows without bound).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a >= f64::from(c) {
        return 1.0;
    }
    // a^k / k! summed iteratively (no factorials overflow).
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let last = term * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

/// Messages of the abstract mode.
#[derive(Clone, Debug)]
pub enum MmcMsg {
    /// The next booking arrives (to the source itself).
    Arrive,
    /// A booking made at `at` (to the dispatcher).
    Booking {
        /// When it was made.
        at: SimTime,
    },
    /// Serve a booking made at `at` (to a van).
    Serve {
        /// When it was made.
        at: SimTime,
    },
    /// Van `van` is free again (to the dispatcher).
    Free {
        /// The van's index.
        van: u32,
    },
}

impl TraceEncode for MmcMsg {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            MmcMsg::Arrive => h.u8(0),
            MmcMsg::Booking { at } => {
                h.u8(1);
                h.u64(at.as_ms());
            }
            MmcMsg::Serve { at } => {
                h.u8(2);
                h.u64(at.as_ms());
            }
            MmcMsg::Free { van } => {
                h.u8(3);
                h.u32(*van);
            }
        }
    }
}

/// What the abstract mode reports.
#[derive(Clone, Copy, Debug)]
pub enum MmcEvent {
    /// A booking made at `at` started its service at `start`.
    Started {
        /// Made.
        at: SimTime,
        /// Service began.
        start: SimTime,
    },
    /// The dispatcher's queue-length integral at the end (booking-milliseconds).
    QueueArea(u128),
}

/// Poisson bookings at `per_ms` until `stop`.
struct Source {
    per_ms: f64,
    stop: SimTime,
    dispatcher: ActorId,
}

impl SimActor<MmcMsg, MmcEvent> for Source {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn handle(&mut self, now: SimTime, _msg: MmcMsg, cx: &mut Cx<'_, MmcMsg, MmcEvent>) {
        cx.send(
            self.dispatcher,
            SimDuration::ZERO,
            MmcMsg::Booking { at: now },
        );
        let gap = Exp::new(self.per_ms).map_or(f64::INFINITY, |e| e.sample(cx.rng()));
        let next = now + SimDuration(gap.round().max(1.0) as u64);
        if next < self.stop {
            cx.send_self(next.saturating_since(now), MmcMsg::Arrive);
        }
    }
}

/// One first-come-first-served queue in front of the vans.
struct Dispatcher {
    vans: Vec<ActorId>,
    idle: Vec<u32>,
    queue: VecDeque<SimTime>,
    /// Integral of the queue length over time, booking-ms.
    area: u128,
    last: SimTime,
}

impl Dispatcher {
    fn advance(&mut self, now: SimTime) {
        self.area += self.queue.len() as u128 * u128::from(now.saturating_since(self.last).as_ms());
        self.last = now;
    }

    fn serve(&mut self, van: u32, at: SimTime, cx: &mut Cx<'_, MmcMsg, MmcEvent>) {
        cx.emit(MmcEvent::Started {
            at,
            start: cx.now(),
        });
        cx.send(
            self.vans[van as usize],
            SimDuration::ZERO,
            MmcMsg::Serve { at },
        );
    }
}

impl SimActor<MmcMsg, MmcEvent> for Dispatcher {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn handle(&mut self, now: SimTime, msg: MmcMsg, cx: &mut Cx<'_, MmcMsg, MmcEvent>) {
        self.advance(now);
        match msg {
            MmcMsg::Booking { at } => match self.idle.pop() {
                Some(v) => self.serve(v, at, cx),
                None => self.queue.push_back(at),
            },
            MmcMsg::Free { van } => match self.queue.pop_front() {
                Some(at) => self.serve(van, at, cx),
                None => self.idle.push(van),
            },
            MmcMsg::Arrive | MmcMsg::Serve { .. } => {}
        }
    }

    fn on_end(&mut self, now: SimTime, cx: &mut Cx<'_, MmcMsg, MmcEvent>) {
        self.advance(now);
        cx.emit(MmcEvent::QueueArea(self.area));
    }
}

/// A van: exponential service, no travel.
struct Van {
    index: u32,
    mean_ms: f64,
    dispatcher: ActorId,
}

impl SimActor<MmcMsg, MmcEvent> for Van {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn handle(&mut self, _now: SimTime, _msg: MmcMsg, cx: &mut Cx<'_, MmcMsg, MmcEvent>) {
        let s = Exp::new(1.0 / self.mean_ms).map_or(self.mean_ms, |e| e.sample(cx.rng()));
        let free = MmcMsg::Free { van: self.index };
        cx.send(self.dispatcher, SimDuration(s.round() as u64), free);
    }
}

/// What one replication measured (times in units of 1/mu).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MmcRun {
    /// Bookings measured (arrived after the warm-up).
    pub measured: u64,
    /// Share of them that waited.
    pub p_wait: f64,
    /// Their mean wait.
    pub mean_wait: f64,
    /// Little's law over the whole run: the time-average queue length the dispatcher held.
    pub queue_length: f64,
    /// ... and the observed arrival rate times the mean wait of every booking.
    pub lambda_w: f64,
}

/// Collects the waits.
#[derive(Default)]
struct Waits {
    warm: SimTime,
    measured: u64,
    waited: u64,
    wait_ms: u128,
    all: u64,
    all_wait_ms: u128,
    area: u128,
}

impl Observer<MmcMsg, MmcEvent> for Waits {
    fn on_event(&mut self, _at: SimTime, _from: ActorId, e: &MmcEvent) -> Result<(), ObserveError> {
        match *e {
            MmcEvent::Started { at, start } => {
                let w = start.saturating_since(at).as_ms();
                self.all += 1;
                self.all_wait_ms += u128::from(w);
                if at >= self.warm {
                    self.measured += 1;
                    self.waited += u64::from(w > 0);
                    self.wait_ms += u128::from(w);
                }
            }
            MmcEvent::QueueArea(a) => self.area = a,
        }
        Ok(())
    }
}

/// One replication: `c` vans, offered load `a`, arrivals for `horizon` mean service times
/// (measured after `warmup` of them), then the queue drains.
pub fn simulate(c: u32, a: f64, (horizon, warmup): (f64, f64), seed: u64) -> MmcRun {
    let mut engine: Engine<MmcMsg, MmcEvent> = Engine::new(seed);
    let dispatcher = ActorId(1);
    let stop = SimTime((horizon * SERVICE_MS) as u64);
    let source = Source {
        per_ms: a / SERVICE_MS,
        stop,
        dispatcher,
    };
    let src = engine.add(ActorKind::Customer, 0, Box::new(source));
    let vans: Vec<ActorId> = (0..c).map(|i| ActorId(2 + i)).collect();
    let d = Dispatcher {
        vans,
        idle: (0..c).rev().collect(),
        queue: VecDeque::new(),
        area: 0,
        last: SimTime::ZERO,
    };
    let d_id = engine.add(ActorKind::Dispatcher, 0, Box::new(d));
    debug_assert_eq!(d_id, dispatcher);
    for i in 0..c {
        engine.add(
            ActorKind::Vehicle,
            i,
            Box::new(Van {
                index: i,
                mean_ms: SERVICE_MS,
                dispatcher,
            }),
        );
    }
    engine.schedule(SimTime::ZERO, src, MmcMsg::Arrive);
    let waits = Waits {
        warm: SimTime((warmup * SERVICE_MS) as u64),
        ..Waits::default()
    };
    let (w, report) = engine.run(Host::Reference, RunLimits::default(), waits);
    let end = report.map_or(stop, |r| r.end_time).as_ms().max(1) as f64;
    let n = w.measured.max(1) as f64;
    let all = w.all.max(1) as f64;
    MmcRun {
        measured: w.measured,
        p_wait: w.waited as f64 / n,
        mean_wait: w.wait_ms as f64 / n / SERVICE_MS,
        queue_length: w.area as f64 / end,
        lambda_w: (all / end) * (w.all_wait_ms as f64 / all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_published_points() {
        // DOMAIN.md: c=2, a=1: 0.3333; c=10, a=8: 0.4092; c=14, a=10: 0.1741.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-4);
        assert!((erlang_c(10, 8.0) - 0.4092).abs() < 1e-4);
        assert!((erlang_c(14, 10.0) - 0.1741).abs() < 1e-4);
        assert_eq!(erlang_c(3, 3.0), 1.0);
    }

    #[test]
    fn a_replication_is_reproducible_and_littles_law_holds() {
        let a = simulate(2, 1.0, (500.0, 50.0), 7);
        assert_eq!(a, simulate(2, 1.0, (500.0, 50.0), 7));
        assert!(a.measured > 300);
        assert!(
            (a.queue_length - a.lambda_w).abs() <= 1e-9 * a.queue_length.max(1.0),
            "{a:?}"
        );
    }
}
