//! The discrete-event engine: a (time, sequence) event queue, actors that own their state
//! and talk only through messages, and two hosts that run the same actors to the same trace:
//!
//! ```text
//!             reference loop (one thread)              actix host
//!   ┌──────────────────────────────────┐   ┌──────────────────────────────────────────┐
//!   │ pop (t, seq) → actor.handle(..)   │   │ Clock actor: pops every event due at t,   │
//!   │ → queue its sends, observe events │   │  hashes it, sends one Step per Shard      │
//!   └──────────────────────────────────┘   │  (all sent before any is awaited), merges │
//!                                          │  replies by dispatch order → queue, events│
//!                                          │ Shard actors (one per Arbiter): run the    │
//!                                          │  handlers of the actors they own (id % K)  │
//!                                          └──────────────────────────────────────────┘
//! ```
//!
//! Equivalence: an actor only sees its own messages, in (time, seq) order, in both hosts;
//! the messages a handler sends get their sequence numbers in the order of the message that
//! caused them, so the queue, and the trace hash over every delivered message, come out the
//! same whatever the number of shards.

mod actix_host;
mod stepper;
mod trace;

pub use stepper::Simulation;
pub use trace::{TraceEncode, TraceHasher};

use std::any::Any;
use std::cmp::Ordering;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_chacha::ChaCha8Rng;

use crate::ids::ActorId;
use crate::rng::{actor_rng, ActorKind};
use crate::time::{SimDuration, SimTime};

/// What a message type must provide: a canonical trace encoding, cheap cloning (traces
/// keep a copy), and `Send` so that shards on other threads can run it.
pub trait Message: TraceEncode + Clone + Send + Unpin + 'static {}
impl<T: TraceEncode + Clone + Send + Unpin + 'static> Message for T {}

/// An outward event (a fact for observers): only needs to cross threads.
pub trait Fact: Send + Unpin + 'static {}
impl<T: Send + Unpin + 'static> Fact for T {}

/// An actor of the model. It owns its state, changes it only here, and acts on the world
/// only through `cx` (sending messages, emitting events, drawing from its own stream).
pub trait SimActor<M, E>: Send + Any {
    /// Handles one message delivered at `now`.
    fn handle(&mut self, now: SimTime, msg: M, cx: &mut Cx<'_, M, E>);

    /// Called once for every actor when the run stops (at the `until` time or when no event
    /// is left), in actor-id order: the place to report what is still open. Messages sent
    /// here are dropped.
    fn on_end(&mut self, _now: SimTime, _cx: &mut Cx<'_, M, E>) {}

    /// What this actor found wrong with the run (for the end-of-run invariants): for
    /// example messages it received that were meant for another kind of actor.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// For end-of-run inspection by tests and invariant checks.
    fn as_any(&self) -> &dyn Any;
}

/// A message sent by a handler, tagged with the position of the delivery that caused it.
#[derive(Debug)]
pub struct Outgoing<M> {
    /// Position, within its step, of the delivery whose handler sent this.
    pub tag: u32,
    /// Delay from the handler's `now`.
    pub delay: SimDuration,
    /// Recipient.
    pub to: ActorId,
    /// The message.
    pub msg: M,
}

/// An event emitted by a handler, tagged like [`Outgoing`].
#[derive(Debug)]
pub struct Emitted<E> {
    /// Position, within its step, of the delivery whose handler emitted this.
    pub tag: u32,
    /// The emitting actor.
    pub from: ActorId,
    /// The event.
    pub event: E,
}

/// Everything the handlers of one step produced.
#[derive(Debug)]
pub struct Outbox<M, E> {
    /// Messages to queue.
    pub sends: Vec<Outgoing<M>>,
    /// Events for observers.
    pub events: Vec<Emitted<E>>,
}

impl<M, E> Default for Outbox<M, E> {
    fn default() -> Self {
        Outbox {
            sends: Vec::new(),
            events: Vec::new(),
        }
    }
}

/// The handler's view of the engine.
pub struct Cx<'a, M, E> {
    now: SimTime,
    me: ActorId,
    tag: u32,
    rng: &'a mut ChaCha8Rng,
    out: &'a mut Outbox<M, E>,
}

impl<'a, M, E> Cx<'a, M, E> {
    /// A context for one handler call. Public so that actors can be unit-tested without an engine.
    pub fn new(
        now: SimTime,
        me: ActorId,
        tag: u32,
        rng: &'a mut ChaCha8Rng,
        out: &'a mut Outbox<M, E>,
    ) -> Self {
        Cx {
            now,
            me,
            tag,
            rng,
            out,
        }
    }

    /// The time of the message being handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The handling actor's id.
    pub fn me(&self) -> ActorId {
        self.me
    }

    /// Sends `msg` to `to`, delivered `delay` from now.
    pub fn send(&mut self, to: ActorId, delay: SimDuration, msg: impl Into<M>) {
        self.out.sends.push(Outgoing {
            tag: self.tag,
            delay,
            to,
            msg: msg.into(),
        });
    }

    /// Sends `msg` to the handling actor itself (a timer).
    pub fn send_self(&mut self, delay: SimDuration, msg: impl Into<M>) {
        let me = self.me;
        self.send(me, delay, msg);
    }

    /// Emits an outward event.
    pub fn emit(&mut self, event: E) {
        self.out.events.push(Emitted {
            tag: self.tag,
            from: self.me,
            event,
        });
    }

    /// The handling actor's own random stream.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }
}

/// Error type observers return: a failed write stops the run.
pub type ObserveError = Box<dyn std::error::Error + Send + Sync>;

/// Receives the outward events (CSV writers, KPI aggregators, the visualizer) and,
/// when it asks for them, every delivered message (the `--trace` file).
pub trait Observer<M, E>: Send {
    /// One event, in the run's total order.
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError>;

    /// Whether [`Observer::on_delivery`] should be called (it costs a clone per message).
    fn wants_deliveries(&self) -> bool {
        false
    }

    /// One delivered message, before the events its handler emitted.
    fn on_delivery(
        &mut self,
        _at: SimTime,
        _seq: u64,
        _to: ActorId,
        _msg: &M,
    ) -> Result<(), ObserveError> {
        Ok(())
    }
}

/// An observer that may be absent (a run without outputs).
impl<M, E, T: Observer<M, E>> Observer<M, E> for Option<T> {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError> {
        self.as_mut()
            .map_or(Ok(()), |o| o.on_event(at, from, event))
    }

    fn wants_deliveries(&self) -> bool {
        self.as_ref().is_some_and(|o| o.wants_deliveries())
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &M,
    ) -> Result<(), ObserveError> {
        self.as_mut()
            .map_or(Ok(()), |o| o.on_delivery(at, seq, to, msg))
    }
}

/// Two observers of the same run, in order: `(csv, (kpis, checks))` composes any number.
impl<M, E, A: Observer<M, E>, B: Observer<M, E>> Observer<M, E> for (A, B) {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError> {
        self.0.on_event(at, from, event)?;
        self.1.on_event(at, from, event)
    }

    fn wants_deliveries(&self) -> bool {
        self.0.wants_deliveries() || self.1.wants_deliveries()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &M,
    ) -> Result<(), ObserveError> {
        if self.0.wants_deliveries() {
            self.0.on_delivery(at, seq, to, msg)?;
        }
        if self.1.wants_deliveries() {
            self.1.on_delivery(at, seq, to, msg)?;
        }
        Ok(())
    }
}

/// Forwards every call, in order, to each observer of the list.
fn each<M, E, T: Observer<M, E>>(
    list: &mut [T],
    f: impl FnMut(&mut T) -> Result<(), ObserveError>,
) -> Result<(), ObserveError> {
    list.iter_mut().try_for_each(f)
}

/// A list of observers of the same run (say a CSV writer, a KPI aggregator and the
/// visualizer's feed, boxed), each called in list order.
impl<M, E, T: Observer<M, E>> Observer<M, E> for Vec<T> {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError> {
        each(self, |o| o.on_event(at, from, event))
    }

    fn wants_deliveries(&self) -> bool {
        self.iter().any(|o| o.wants_deliveries())
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &M,
    ) -> Result<(), ObserveError> {
        each(self, |o| match o.wants_deliveries() {
            true => o.on_delivery(at, seq, to, msg),
            false => Ok(()),
        })
    }
}

/// A boxed observer (for lists of observers of different types).
impl<M, E, T: Observer<M, E> + ?Sized> Observer<M, E> for Box<T> {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError> {
        (**self).on_event(at, from, event)
    }

    fn wants_deliveries(&self) -> bool {
        (**self).wants_deliveries()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &M,
    ) -> Result<(), ObserveError> {
        (**self).on_delivery(at, seq, to, msg)
    }
}

/// A borrowed observer (the caller keeps it).
impl<M, E, T: Observer<M, E> + ?Sized> Observer<M, E> for &mut T {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &E) -> Result<(), ObserveError> {
        (**self).on_event(at, from, event)
    }

    fn wants_deliveries(&self) -> bool {
        (**self).wants_deliveries()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &M,
    ) -> Result<(), ObserveError> {
        (**self).on_delivery(at, seq, to, msg)
    }
}

/// An observer that discards everything.
pub struct NullObserver;

impl<M, E> Observer<M, E> for NullObserver {
    fn on_event(&mut self, _: SimTime, _: ActorId, _: &E) -> Result<(), ObserveError> {
        Ok(())
    }
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Fatal: more messages pending than the configured bound (a runaway model).
    #[error("event queue bound exceeded: {pending} messages pending (bound {bound}) at {at}")]
    QueueFull {
        /// Messages pending.
        pending: usize,
        /// The configured bound.
        bound: usize,
        /// Simulated time.
        at: SimTime,
    },
    /// Fatal: an observer (an output writer) failed.
    #[error("observer failed at {at}: {source}")]
    Observer {
        /// Simulated time.
        at: SimTime,
        /// The observer's error.
        source: ObserveError,
    },
    /// Fatal: a message was addressed to an actor that does not exist (a model bug).
    #[error("message to unknown actor {to} at {at}")]
    UnknownActor {
        /// The recipient.
        to: ActorId,
        /// Simulated time.
        at: SimTime,
    },
    /// Fatal: the actix runtime failed.
    #[error("actix runtime: {0}")]
    Runtime(String),
}

/// One queued message.
pub(crate) struct Entry<M> {
    pub(crate) time: SimTime,
    pub(crate) seq: u64,
    pub(crate) to: ActorId,
    pub(crate) msg: M,
}

/// A monotone priority queue (a radix heap) of messages by (time, seq). A message waits in
/// the bucket of the highest bit in which its time differs from the last time taken out
/// and only ever moves to lower buckets, so each is moved a few times in all, always by
/// linear scans: no sift through a tree, no lookup in a side table, that misses the cache
/// once the queue holds the timers of hundreds of thousands of actors. Times before the
/// last one taken (possible only after a look with no take, at the end of a run) wait in a
/// small heap that comes first.
struct RadixQueue<M> {
    last: u64,
    /// Messages due at `last`, in seq order.
    due: VecDeque<Entry<M>>,
    /// `buckets[b]`: messages whose time differs from `last` first in bit `b`.
    buckets: Vec<Vec<Entry<M>>>,
    /// Bit `b` set when `buckets[b]` holds a message.
    occupied: u64,
    early: BinaryHeap<Reverse<Early<M>>>,
    len: usize,
}

/// A message ordered by (time, seq) alone.
struct Early<M>(Entry<M>);

impl<M> PartialEq for Early<M> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<M> Eq for Early<M> {}

impl<M> PartialOrd for Early<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> Ord for Early<M> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.time, self.0.seq).cmp(&(other.0.time, other.0.seq))
    }
}

impl<M> RadixQueue<M> {
    fn new() -> Self {
        RadixQueue {
            last: 0,
            due: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            occupied: 0,
            early: BinaryHeap::new(),
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn bucket(&self, time: u64) -> usize {
        63 - (time ^ self.last).leading_zeros() as usize
    }

    fn push(&mut self, e: Entry<M>) {
        self.len += 1;
        let t = e.time.as_ms();
        if t < self.last {
            self.early.push(Reverse(Early(e)));
        } else if t == self.last {
            // The newest sequence number: after every message due now.
            self.due.push_back(e);
        } else {
            let b = self.bucket(t);
            self.buckets[b].push(e);
            self.occupied |= 1 << b;
        }
    }

    /// Moves the earliest messages to `due` (the lowest bucket's earliest time becomes
    /// `last`; its other messages go to lower buckets).
    fn settle(&mut self) {
        if !self.due.is_empty() {
            return;
        }
        if self.occupied == 0 {
            return;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        let mut moving = std::mem::take(&mut self.buckets[b]);
        let min = (moving.iter().map(|e| e.time.as_ms()).min()).unwrap_or(self.last);
        self.last = min;
        for e in moving.drain(..) {
            if e.time.as_ms() == min {
                self.due.push_back(e);
            } else {
                let to = self.bucket(e.time.as_ms());
                self.buckets[to].push(e);
                self.occupied |= 1 << to;
            }
        }
        // Messages of one time always share a bucket, in the order they came (a bucket is
        // only ever appended to, and moves keep the order): `due` is in seq order.
        debug_assert!(self
            .due
            .iter()
            .zip(self.due.iter().skip(1))
            .all(|(a, b)| a.seq < b.seq));
        // Hand the emptied vector back: it keeps its capacity.
        if self.buckets[b].is_empty() {
            self.buckets[b] = moving;
        }
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        if let Some(Reverse(e)) = self.early.peek() {
            return Some(e.0.time);
        }
        self.settle();
        self.due.front().map(|e| e.time)
    }

    fn pop(&mut self) -> Option<Entry<M>> {
        let e = match self.early.pop() {
            Some(Reverse(Early(e))) => Some(e),
            None => {
                self.settle();
                self.due.pop_front()
            }
        };
        if e.is_some() {
            self.len -= 1;
        }
        e
    }
}

/// The event queue: a total order on (time, seq), FIFO among equal times, which refuses
/// to schedule into the past and holds at most `bound` messages. Replies sent with no
/// delay are due at the last time taken out, so they join the radix heap's list of
/// messages due now, behind everything queued for now (their sequence numbers are newer).
pub(crate) struct Scheduler<M> {
    queue: RadixQueue<M>,
    next_seq: u64,
    now: SimTime,
    bound: usize,
}

impl<M> Scheduler<M> {
    pub(crate) fn new(bound: usize) -> Self {
        Scheduler {
            queue: RadixQueue::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            bound,
        }
    }

    pub(crate) fn push(&mut self, time: SimTime, to: ActorId, msg: M) -> Result<(), EngineError> {
        assert!(
            time >= self.now,
            "scheduled into the past: {time} < {}",
            self.now
        );
        if self.pending() >= self.bound {
            return Err(EngineError::QueueFull {
                pending: self.pending(),
                bound: self.bound,
                at: self.now,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Entry { time, seq, to, msg });
        Ok(())
    }

    /// Pops the next message due before `until`.
    pub(crate) fn pop_before(&mut self, until: SimTime) -> Option<Entry<M>> {
        if self.queue.peek_time()? >= until {
            return None;
        }
        let entry = self.queue.pop()?;
        self.now = entry.time;
        Some(entry)
    }

    /// Pops every message due at the earliest pending time (if before `until`), in seq order.
    pub(crate) fn pop_step(
        &mut self,
        until: SimTime,
        batch: &mut Vec<Entry<M>>,
    ) -> Option<SimTime> {
        let time = self.queue.peek_time()?;
        if time >= until {
            return None;
        }
        self.now = time;
        while self.queue.peek_time() == Some(time) {
            if let Some(entry) = self.queue.pop() {
                batch.push(entry);
            }
        }
        Some(time)
    }

    pub(crate) fn now(&self) -> SimTime {
        self.now
    }

    pub(crate) fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// An actor with its identity and its random stream.
pub struct Slot<M, E> {
    /// Its kind.
    pub kind: ActorKind,
    /// Index among actors of its kind (the stream number's low bits).
    pub index: u32,
    /// The actor.
    pub actor: Box<dyn SimActor<M, E>>,
    /// Boxed: a slot stays 32 bytes, so the table every delivery reads stays in cache
    /// (the stream itself is only touched by actors that draw).
    rng: Box<ChaCha8Rng>,
}

/// Limits and the stop time of a run.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    /// Messages due at or after this time are not delivered.
    pub until: SimTime,
    /// Bound on pending messages.
    pub max_pending: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            until: SimTime::MAX,
            max_pending: 10_000_000,
        }
    }
}

/// Which host runs the actors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// The plain single-threaded loop.
    Reference,
    /// The actix clock and `shards` shard actors (1 shard: on the clock's own Arbiter;
    /// more: one new Arbiter, i.e. thread, each).
    Actix {
        /// Number of shards, at least 1.
        shards: usize,
    },
}

/// What a run returns.
pub struct RunReport<M, E> {
    /// FNV-1a 64 over every delivered message (see [`TraceHasher`]).
    pub trace_hash: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Time of the run's end (`until`, or the last event if the queue ran dry).
    pub end_time: SimTime,
    /// Messages still queued at the end.
    pub pending: usize,
    /// The actors, in id order, for end-of-run checks.
    pub slots: Vec<Slot<M, E>>,
}

/// A set of actors and their initial messages, ready to run on either host.
pub struct Engine<M, E> {
    seed: u64,
    slots: Vec<Slot<M, E>>,
    initial: Vec<(SimTime, ActorId, M)>,
}

impl<M: Message, E: Fact> Engine<M, E> {
    /// An empty engine whose actor streams derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Engine {
            seed,
            slots: Vec::new(),
            initial: Vec::new(),
        }
    }

    /// Registers an actor; its stream is (seed, kind, index).
    pub fn add(&mut self, kind: ActorKind, index: u32, actor: Box<dyn SimActor<M, E>>) -> ActorId {
        let id = ActorId(u32::try_from(self.slots.len()).expect("fewer than 2^32 actors"));
        self.slots.push(Slot {
            kind,
            index,
            actor,
            rng: Box::new(actor_rng(self.seed, kind, index)),
        });
        id
    }

    /// The id the next added actor will get.
    pub fn next_id(&self) -> ActorId {
        ActorId(self.slots.len() as u32)
    }

    /// Number of actors.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no actor was added.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Queues a message before the run starts.
    pub fn schedule(&mut self, at: SimTime, to: ActorId, msg: impl Into<M>) {
        self.initial.push((at, to, msg.into()));
    }

    /// Runs on `host` until `limits.until`, reporting to `observer`, which is handed
    /// back (with whatever it wrote) whether the run succeeded or not.
    pub fn run<O: Observer<M, E> + Unpin + 'static>(
        self,
        host: Host,
        limits: RunLimits,
        mut observer: O,
    ) -> (O, Result<RunReport<M, E>, EngineError>) {
        match host {
            Host::Reference => {
                let res = self.run_reference(limits, &mut observer);
                (observer, res)
            }
            Host::Actix { shards } => actix_host::run(self, shards.max(1), limits, observer),
        }
    }

    #[expect(
        clippy::type_complexity,
        reason = "a private pair, named at its two call sites"
    )]
    fn into_parts(self, limits: RunLimits) -> Result<(Vec<Slot<M, E>>, Scheduler<M>), EngineError> {
        let mut sched = Scheduler::new(limits.max_pending);
        for (at, to, msg) in self.initial {
            if to.index() >= self.slots.len() {
                return Err(EngineError::UnknownActor { to, at });
            }
            sched.push(at, to, msg)?;
        }
        Ok((self.slots, sched))
    }

    /// The plain single-threaded loop: the reference the actix host is tested against. It
    /// is a [`Simulation`] stepped once to the end.
    fn run_reference(
        self,
        limits: RunLimits,
        observer: &mut dyn Observer<M, E>,
    ) -> Result<RunReport<M, E>, EngineError> {
        let mut sim = Simulation::new(self, limits, observer)?;
        sim.step_until(limits.until)?;
        sim.finish()
    }
}

/// The run ends at `until` when it is finite, else at the last delivered event.
fn end_time<M>(sched: &Scheduler<M>, limits: RunLimits) -> SimTime {
    if limits.until == SimTime::MAX {
        sched.now()
    } else {
        limits.until.max(sched.now())
    }
}

#[cfg(test)]
mod tests;
