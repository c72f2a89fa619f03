//! A steppable run on the reference loop: advance simulated time in any steps, look at the
//! actors between steps, inject messages (a user's action), then finish. Stepping a run to
//! its end in one step or in many gives the same trace: each step delivers exactly the
//! messages due before its target time, in the queue's (time, seq) order.

use rand_chacha::ChaCha8Rng;

use super::trace::TraceHasher;
use super::{end_time, Cx, Engine, EngineError, Fact, Message, Observer, Outbox, RunLimits};
use super::{RunReport, Scheduler, Slot};
use crate::ids::ActorId;
use crate::time::{SimDuration, SimTime};

/// A run in progress on the reference loop, stepped by its caller (the visualizer, the
/// digital twin); [`Engine::run`] on `Host::Reference` is one of these stepped to the end.
pub struct Simulation<M, E, O> {
    slots: Vec<Slot<M, E>>,
    sched: Scheduler<M>,
    trace: TraceHasher,
    observer: O,
    out: Outbox<M, E>,
    delivered: u64,
    limits: RunLimits,
    /// The time stepped to: every message due before it has been delivered.
    time: SimTime,
}

impl<M: Message, E: Fact, O: Observer<M, E>> Simulation<M, E, O> {
    /// Starts `engine` at time zero (nothing delivered yet), reporting to `observer`.
    pub fn new(engine: Engine<M, E>, limits: RunLimits, observer: O) -> Result<Self, EngineError> {
        let (slots, sched) = engine.into_parts(limits)?;
        Ok(Simulation {
            slots,
            sched,
            trace: TraceHasher::new(),
            observer,
            out: Outbox::default(),
            delivered: 0,
            limits,
            time: SimTime::ZERO,
        })
    }

    /// The time stepped to: every message due before it has been delivered, none after.
    pub fn time(&self) -> SimTime {
        self.time
    }

    /// The run's stop time.
    pub fn until(&self) -> SimTime {
        self.limits.until
    }

    /// Whether the run has reached its stop time (or, without one, ran out of messages).
    pub fn is_done(&mut self) -> bool {
        self.time >= self.limits.until || self.sched.queue.peek_time().is_none()
    }

    /// When the next message is due, if any is pending (a single step goes there).
    pub fn next_due(&mut self) -> Option<SimTime> {
        self.sched.queue.peek_time()
    }

    /// Delivers every message due before `t` (capped at the stop time), then stands at `t`.
    /// A `t` before [`Simulation::time`] does nothing: a run never goes back.
    pub fn step_until(&mut self, t: SimTime) -> Result<(), EngineError> {
        let target = t.min(self.limits.until);
        if target < self.time {
            return Ok(());
        }
        while let Some(entry) = self.sched.pop_before(target) {
            self.deliver(entry.time, entry.seq, entry.to, entry.msg)?;
        }
        self.time = self.time.max(target);
        Ok(())
    }

    fn deliver(&mut self, now: SimTime, seq: u64, to: ActorId, msg: M) -> Result<(), EngineError> {
        self.trace.record(now, seq, to, &msg);
        self.delivered += 1;
        let observed = |source| EngineError::Observer { at: now, source };
        if self.observer.wants_deliveries() {
            (self.observer.on_delivery(now, seq, to, &msg)).map_err(observed)?;
        }
        let slot =
            (self.slots.get_mut(to.index())).ok_or(EngineError::UnknownActor { to, at: now })?;
        let mut cx = Cx::new(now, to, 0, &mut slot.rng, &mut self.out);
        slot.actor.handle(now, msg, &mut cx);
        for sent in self.out.sends.drain(..) {
            if sent.to.index() >= self.slots.len() {
                return Err(EngineError::UnknownActor {
                    to: sent.to,
                    at: now,
                });
            }
            self.sched.push(now + sent.delay, sent.to, sent.msg)?;
        }
        for ev in self.out.events.drain(..) {
            (self.observer.on_event(now, ev.from, &ev.event)).map_err(observed)?;
        }
        Ok(())
    }

    /// Queues `msg` for actor `to`, due `delay` after [`Simulation::time`] (behind what is
    /// already due then). It is delivered, and hashed into the trace, like any other.
    pub fn inject(
        &mut self,
        delay: SimDuration,
        to: ActorId,
        msg: impl Into<M>,
    ) -> Result<(), EngineError> {
        let at = self.time + delay;
        if to.index() >= self.slots.len() {
            return Err(EngineError::UnknownActor { to, at });
        }
        self.sched.push(at, to, msg.into())
    }

    /// Every actor, in id order (read-only: queries look, they never change the run).
    pub fn slots(&self) -> &[Slot<M, E>] {
        &self.slots
    }

    /// Actor `id` as its concrete type, if it is one.
    pub fn actor<A: 'static>(&self, id: ActorId) -> Option<&A> {
        self.slots
            .get(id.index())?
            .actor
            .as_any()
            .downcast_ref::<A>()
    }

    /// The observer (KPIs so far, say).
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// The observer, to take what it collected (the visualizer drains its events).
    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    /// Messages delivered so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The trace hash of the messages delivered so far.
    pub fn trace_hash(&self) -> u64 {
        self.trace.finish()
    }

    /// Messages queued.
    pub fn pending(&self) -> usize {
        self.sched.pending()
    }

    /// Ends the run where it stands: every actor's `on_end`, then the report. The observer
    /// is handed back too.
    pub fn finish_with_observer(mut self) -> (O, Result<RunReport<M, E>, EngineError>) {
        let res = self.end();
        (
            self.observer,
            res.map(|(trace_hash, end_time)| RunReport {
                trace_hash,
                delivered: self.delivered,
                end_time,
                pending: self.sched.pending(),
                slots: self.slots,
            }),
        )
    }

    /// Ends the run where it stands (see [`Simulation::finish_with_observer`]).
    pub fn finish(self) -> Result<RunReport<M, E>, EngineError> {
        self.finish_with_observer().1
    }

    fn end(&mut self) -> Result<(u64, SimTime), EngineError> {
        // Stepped to the stop time: the run's end as `Engine::run` defines it; stopped
        // earlier (the user quit): where it stood.
        let end_time = if self.time >= self.limits.until {
            end_time(&self.sched, self.limits)
        } else {
            self.time
        };
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let rng: &mut ChaCha8Rng = &mut slot.rng;
            let mut cx = Cx::new(end_time, ActorId(i as u32), 0, rng, &mut self.out);
            slot.actor.on_end(end_time, &mut cx);
            self.out.sends.clear();
            for ev in self.out.events.drain(..) {
                (self.observer.on_event(end_time, ev.from, &ev.event)).map_err(|source| {
                    EngineError::Observer {
                        at: end_time,
                        source,
                    }
                })?;
            }
        }
        Ok((self.trace.finish(), end_time))
    }
}
