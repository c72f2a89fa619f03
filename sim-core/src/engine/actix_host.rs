//! The actix host: a `Clock` actor owns the queue; `Shard` actors, one per Arbiter, own
//! the model actors (partitioned by `id % shards`) and run their handlers a step at a time.
//!
//! A step is every message due at the earliest pending time. The clock hashes them, sends
//! each shard one `Step` holding its share (every `Step` is sent before any reply is
//! awaited), then awaits the replies in dispatch order and merges them by the position of
//! the delivery that caused each send or event: exactly the order in which the reference
//! loop would have produced them. Mailboxes are unbounded (there is one message in flight
//! per shard anyway); the queue itself is bounded by [`RunLimits::max_pending`].

use std::marker::PhantomData;
use std::mem;
use std::sync::mpsc;

use actix::prelude::*;

use super::{
    end_time, Cx, Engine, EngineError, Entry, Fact, Message as SimMessage, Observer, Outbox,
    RunLimits, RunReport, Scheduler, Slot, TraceHasher,
};
use crate::ids::ActorId;
use crate::time::SimTime;

/// One delivery inside a step.
struct Delivery<M> {
    tag: u32,
    to: ActorId,
    msg: M,
}

/// Clock -> shard: run these deliveries, all due at `time`, in order.
struct Step<M, E> {
    time: SimTime,
    deliveries: Vec<Delivery<M>>,
    _events: PhantomData<fn() -> E>,
}

impl<M: SimMessage, E: Fact> actix::Message for Step<M, E> {
    type Result = Outbox<M, E>;
}

/// Clock -> shard: the run is over; call `on_end` on every actor and hand them back.
struct End<M, E> {
    time: SimTime,
    _types: PhantomData<fn() -> (M, E)>,
}

/// A shard's answer to [`End`]: events tagged by actor id, and its actors.
struct Ended<M, E> {
    events: Vec<(ActorId, E)>,
    slots: Vec<(ActorId, Slot<M, E>)>,
}

impl<M: SimMessage, E: Fact> actix::Message for End<M, E> {
    type Result = Ended<M, E>;
}

struct Shard<M: SimMessage, E: Fact> {
    /// Local slot `i` holds actor `i * shards + shard_index`.
    slots: Vec<Slot<M, E>>,
    shard_index: usize,
    shards: usize,
}

impl<M: SimMessage, E: Fact> Actor for Shard<M, E> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(usize::MAX);
    }
}

impl<M: SimMessage, E: Fact> Handler<Step<M, E>> for Shard<M, E> {
    type Result = MessageResult<Step<M, E>>;

    fn handle(&mut self, step: Step<M, E>, _: &mut Self::Context) -> Self::Result {
        let mut out = Outbox::default();
        for d in step.deliveries {
            debug_assert_eq!(d.to.index() % self.shards, self.shard_index);
            let slot = &mut self.slots[d.to.index() / self.shards];
            let mut cx = Cx::new(step.time, d.to, d.tag, &mut slot.rng, &mut out);
            slot.actor.handle(step.time, d.msg, &mut cx);
        }
        MessageResult(out)
    }
}

impl<M: SimMessage, E: Fact> Handler<End<M, E>> for Shard<M, E> {
    type Result = MessageResult<End<M, E>>;

    fn handle(&mut self, end: End<M, E>, _: &mut Self::Context) -> Self::Result {
        let mut out: Outbox<M, E> = Outbox::default();
        let mut events = Vec::new();
        let mut slots = Vec::with_capacity(self.slots.len());
        for (local, mut slot) in mem::take(&mut self.slots).into_iter().enumerate() {
            let me = ActorId((local * self.shards + self.shard_index) as u32);
            let mut cx = Cx::new(end.time, me, 0, &mut slot.rng, &mut out);
            slot.actor.on_end(end.time, &mut cx);
            out.sends.clear();
            events.extend(out.events.drain(..).map(|e| (me, e.event)));
            slots.push((me, slot));
        }
        MessageResult(Ended { events, slots })
    }
}

/// Self-message of the clock: take the next step.
struct Advance;

impl actix::Message for Advance {
    type Result = ();
}

/// What the clock hands back when it stops.
struct Finished<M: SimMessage, E: Fact, O> {
    observer: O,
    result: Result<RunReport<M, E>, EngineError>,
}

struct Clock<M: SimMessage, E: Fact, O> {
    sched: Scheduler<M>,
    shards: Vec<Addr<Shard<M, E>>>,
    actor_count: usize,
    /// `None` only while the clock is finishing.
    observer: Option<O>,
    tracing: bool,
    trace: TraceHasher,
    delivered: u64,
    limits: RunLimits,
    /// Reused per-step buffers.
    batch: Vec<Entry<M>>,
    traced: Vec<(u64, ActorId, M)>,
    done: mpsc::Sender<Finished<M, E, O>>,
}

impl<M: SimMessage, E: Fact, O: Observer<M, E> + Unpin + 'static> Actor for Clock<M, E, O> {
    type Context = Context<Self>;
}

impl<M: SimMessage, E: Fact, O: Observer<M, E> + Unpin + 'static> Clock<M, E, O> {
    fn observer(&mut self) -> &mut O {
        self.observer
            .as_mut()
            .expect("observer present until the clock finishes")
    }

    /// Queues the step's sends and reports its events, in the reference loop's order.
    fn absorb(&mut self, time: SimTime, outs: Vec<Outbox<M, E>>) -> Result<(), EngineError> {
        let several = outs.len() > 1;
        let mut sends = Vec::new();
        let mut events = Vec::new();
        for out in outs {
            sends.extend(out.sends);
            events.extend(out.events);
        }
        if several {
            // Stable sorts: within one tag, the handler's own order is kept.
            sends.sort_by_key(|s| s.tag);
            events.sort_by_key(|e| e.tag);
        }
        for s in sends {
            if s.to.index() >= self.actor_count {
                return Err(EngineError::UnknownActor { to: s.to, at: time });
            }
            self.sched.push(time + s.delay, s.to, s.msg)?;
        }
        let obs_err = |source| EngineError::Observer { at: time, source };
        if self.tracing {
            let traced = mem::take(&mut self.traced);
            let mut events = events.into_iter().peekable();
            for (tag, (seq, to, msg)) in traced.iter().enumerate() {
                self.observer()
                    .on_delivery(time, *seq, *to, msg)
                    .map_err(obs_err)?;
                while let Some(ev) = events.next_if(|e| e.tag as usize == tag) {
                    self.observer()
                        .on_event(time, ev.from, &ev.event)
                        .map_err(obs_err)?;
                }
            }
        } else {
            for ev in events {
                self.observer()
                    .on_event(time, ev.from, &ev.event)
                    .map_err(obs_err)?;
            }
        }
        Ok(())
    }

    /// Dispatches the next step, or finishes the run.
    fn step(&mut self, ctx: &mut Context<Self>) {
        let Some(time) = self.sched.pop_step(self.limits.until, &mut self.batch) else {
            self.finish(Ok(()), ctx);
            return;
        };
        let k = self.shards.len();
        let mut per_shard: Vec<Vec<Delivery<M>>> = (0..k).map(|_| Vec::new()).collect();
        let mut unknown = None;
        let mut batch = mem::take(&mut self.batch);
        for (tag, e) in batch.drain(..).enumerate() {
            self.trace.record(e.time, e.seq, e.to, &e.msg);
            self.delivered += 1;
            if self.tracing {
                self.traced.push((e.seq, e.to, e.msg.clone()));
            }
            if e.to.index() >= self.actor_count {
                unknown = Some(e.to);
                break;
            }
            per_shard[e.to.index() % k].push(Delivery {
                tag: tag as u32,
                to: e.to,
                msg: e.msg,
            });
        }
        self.batch = batch;
        if let Some(to) = unknown {
            self.finish(Err(EngineError::UnknownActor { to, at: time }), ctx);
            return;
        }
        // Every step message is sent before any reply is awaited.
        let requests: Vec<_> = per_shard
            .into_iter()
            .enumerate()
            .filter(|(_, d)| !d.is_empty())
            .map(|(i, deliveries)| {
                self.shards[i].send(Step {
                    time,
                    deliveries,
                    _events: PhantomData,
                })
            })
            .collect();
        let replies = async move {
            let mut outs = Vec::with_capacity(requests.len());
            for r in requests {
                outs.push(r.await);
            }
            outs
        };
        ctx.wait(replies.into_actor(self).map(move |outs, clock, ctx| {
            let outs: Result<Vec<_>, _> = outs.into_iter().collect();
            let res = match outs {
                Ok(outs) => clock.absorb(time, outs),
                Err(e) => Err(EngineError::Runtime(e.to_string())),
            };
            match res {
                Ok(()) => ctx.notify(Advance),
                Err(e) => clock.finish(Err(e), ctx),
            }
        }));
    }

    /// Ends the run: `on_end` on every actor, events in actor-id order, actors collected.
    fn finish(&mut self, res: Result<(), EngineError>, ctx: &mut Context<Self>) {
        let end = end_time(&self.sched, self.limits);
        let requests: Vec<_> = self
            .shards
            .iter()
            .map(|s| {
                s.send(End {
                    time: end,
                    _types: PhantomData,
                })
            })
            .collect();
        let replies = async move {
            let mut outs = Vec::with_capacity(requests.len());
            for r in requests {
                outs.push(r.await);
            }
            outs
        };
        ctx.wait(replies.into_actor(self).map(move |outs, clock, _ctx| {
            let mut observer = clock.observer.take().expect("finish runs once");
            let mut result = res;
            let mut events = Vec::new();
            let mut slots = Vec::new();
            for out in outs {
                match out {
                    Ok(ended) => {
                        events.extend(ended.events);
                        slots.extend(ended.slots);
                    }
                    Err(e) => result = result.and(Err(EngineError::Runtime(e.to_string()))),
                }
            }
            events.sort_by_key(|(id, _)| *id);
            slots.sort_by_key(|(id, _)| *id);
            if result.is_ok() {
                for (from, ev) in &events {
                    if let Err(source) = observer.on_event(end, *from, ev) {
                        result = Err(EngineError::Observer { at: end, source });
                        break;
                    }
                }
            }
            let result = result.map(|()| RunReport {
                trace_hash: clock.trace.finish(),
                delivered: clock.delivered,
                end_time: end,
                pending: clock.sched.pending(),
                slots: slots.into_iter().map(|(_, s)| s).collect(),
            });
            // The receiver lives until `System::run` returns, so this cannot fail.
            let _ = clock.done.send(Finished { observer, result });
            System::current().stop();
        }));
    }
}

impl<M: SimMessage, E: Fact, O: Observer<M, E> + Unpin + 'static> Handler<Advance>
    for Clock<M, E, O>
{
    type Result = ();

    fn handle(&mut self, _: Advance, ctx: &mut Context<Self>) {
        self.step(ctx);
    }
}

/// Runs `engine` on actix with `shards` shards (1: on the clock's Arbiter; more: one new
/// Arbiter each).
pub(super) fn run<M: SimMessage, E: Fact, O: Observer<M, E> + Unpin + 'static>(
    engine: Engine<M, E>,
    shards: usize,
    limits: RunLimits,
    observer: O,
) -> (O, Result<RunReport<M, E>, EngineError>) {
    let (slots, sched) = match engine.into_parts(limits) {
        Ok(parts) => parts,
        Err(e) => return (observer, Err(e)),
    };
    let actor_count = slots.len();
    let mut per_shard: Vec<Vec<Slot<M, E>>> = (0..shards).map(|_| Vec::new()).collect();
    for (i, slot) in slots.into_iter().enumerate() {
        per_shard[i % shards].push(slot);
    }
    let (tx, rx) = mpsc::channel();
    let system = System::new();
    let arbiters = system.block_on(async move {
        let mut arbiters = Vec::new();
        let mut addrs = Vec::new();
        for (shard_index, slots) in per_shard.into_iter().enumerate() {
            let shard = Shard {
                slots,
                shard_index,
                shards,
            };
            if shards == 1 {
                addrs.push(shard.start());
            } else {
                let arbiter = Arbiter::new();
                addrs.push(Shard::start_in_arbiter(&arbiter.handle(), move |_| shard));
                arbiters.push(arbiter);
            }
        }
        let tracing = observer.wants_deliveries();
        let clock = Clock {
            sched,
            shards: addrs,
            actor_count,
            observer: Some(observer),
            tracing,
            trace: TraceHasher::new(),
            delivered: 0,
            limits,
            batch: Vec::new(),
            traced: Vec::new(),
            done: tx,
        };
        clock.start().do_send(Advance);
        arbiters
    });
    let run = system.run();
    for arbiter in arbiters {
        arbiter.stop();
        let _ = arbiter.join();
    }
    match rx.recv() {
        Ok(Finished { observer, result }) => {
            let result = match run {
                Ok(()) => result,
                Err(e) => Err(EngineError::Runtime(e.to_string())),
            };
            (observer, result)
        }
        Err(_) => panic!("actix system stopped without the clock finishing: {run:?}"),
    }
}
