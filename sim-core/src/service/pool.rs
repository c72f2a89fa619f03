//! One service running: instances with workers and bounded queues behind a balancer,
//! overflow, retries, faults and scaling. Plain code: a host (the API-level load loop, or
//! the service actor of a fleet run) feeds it arrivals and the wakes it asked for, and
//! takes back the requests it completed and the rows of its minutes.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::spec::{Balancer, Fault, Overflow, Scaling, ServiceSpec};
use super::stats::{Stats, Totals};
use crate::time::{SimDuration, SimTime};

/// A request on its way through a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Req<P> {
    /// Unique per service (the idempotency key).
    pub id: u64,
    /// Kind index into the service's kinds (past the end: the default).
    pub kind: u8,
    /// Priority (higher is kept when shedding).
    pub priority: u8,
    /// Attempts so far that failed.
    pub attempt: u32,
    /// When the caller first sent it.
    pub first_at: SimTime,
    /// When this attempt arrived.
    pub arrived: SimTime,
    /// What the request carries downstream.
    pub payload: P,
}

impl<P> Req<P> {
    /// A first attempt, sent at `now`.
    pub fn new(id: u64, (kind, priority): (u8, u8), now: SimTime, payload: P) -> Req<P> {
        Req {
            id,
            kind,
            priority,
            attempt: 0,
            first_at: now,
            arrived: now,
            payload,
        }
    }
}

/// Something the pool asked to be woken for.
#[derive(Clone, Debug, PartialEq)]
pub enum Wake<P> {
    /// A worker finishes its request (`ok`: its downstream call answered).
    Done {
        /// Instance.
        inst: u16,
        /// Worker.
        slot: u16,
        /// The instance's incarnation when it started.
        epoch: u32,
        /// Whether the call answered (false: it timed out).
        ok: bool,
    },
    /// A caller sends a request again.
    Retry(Req<P>),
    /// A launched or restarted instance is ready.
    Ready {
        /// Instance.
        inst: u16,
        /// Its incarnation.
        epoch: u32,
    },
    /// The autoscaler looks at its metric.
    Evaluate,
    /// A scheduled scaling step is due.
    Step(usize),
    /// A fault begins.
    Fault(usize),
}

/// What the pool hands back to its host.
#[derive(Debug)]
pub struct Fx<P> {
    /// Wakes to schedule, after a delay.
    pub wakes: Vec<(SimDuration, Wake<P>)>,
    /// Requests completed: deliver their payloads downstream.
    pub done: Vec<Req<P>>,
    /// Requests whose caller gave up (only with a limit on attempts).
    pub gave_up: Vec<Req<P>>,
}

impl<P> Default for Fx<P> {
    fn default() -> Self {
        Fx {
            wakes: Vec::new(),
            done: Vec::new(),
            gave_up: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Starting,
    Up,
    Draining,
    Down,
    Removed,
}

#[derive(Debug)]
struct Instance<P> {
    state: State,
    epoch: u32,
    slots: Vec<Option<Req<P>>>,
    busy: u32,
    queue: VecDeque<Req<P>>,
}

impl<P> Instance<P> {
    fn new(workers: u32, state: State) -> Instance<P> {
        Instance {
            state,
            epoch: 0,
            slots: (0..workers).map(|_| None).collect(),
            busy: 0,
            queue: VecDeque::new(),
        }
    }

    fn outstanding(&self) -> usize {
        self.busy as usize + self.queue.len()
    }

    fn routable(&self) -> bool {
        self.state == State::Up
    }
}

/// One service and its statistics.
#[derive(Debug)]
pub struct Pool<P> {
    spec: ServiceSpec,
    rng: ChaCha8Rng,
    inst: Vec<Instance<P>>,
    held: VecDeque<Req<P>>,
    rr: usize,
    last_scale: Option<SimTime>,
    stats: Stats,
}

impl<P> Pool<P> {
    /// A pool running `spec` with its random stream; asks for its first wakes (faults,
    /// scaling) in `fx`.
    pub fn new(spec: ServiceSpec, rng: ChaCha8Rng, fx: &mut Fx<P>) -> Pool<P> {
        let inst = (0..spec.instances)
            .map(|_| Instance::new(spec.workers, State::Up))
            .collect();
        for (i, f) in spec.faults.iter().enumerate() {
            let at = match *f {
                Fault::Crash { at, .. } | Fault::Slow { at, .. } | Fault::Partition { at, .. } => {
                    at
                }
            };
            fx.wakes.push((SimDuration(at.as_ms()), Wake::Fault(i)));
        }
        match &spec.scaling {
            Scaling::Fixed => {}
            Scaling::Autoscale(a) => fx.wakes.push((a.every, Wake::Evaluate)),
            Scaling::Scheduled { steps, .. } => {
                for (i, (at, _)) in steps.iter().enumerate() {
                    fx.wakes.push((SimDuration(at.as_ms()), Wake::Step(i)));
                }
            }
        }
        let stats = Stats::new(&spec);
        let mut p = Pool {
            spec,
            rng,
            inst,
            held: VecDeque::new(),
            rr: 0,
            last_scale: None,
            stats,
        };
        p.recount();
        p
    }

    /// The service.
    pub fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    /// Statistics so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Waits are counted only for requests arriving from `t` (a warm-up).
    pub fn measure_from(&mut self, t: SimTime) {
        self.stats.measure_from = t;
    }

    /// A request arrives (first attempt or retry).
    pub fn arrive(&mut self, now: SimTime, mut req: Req<P>, fx: &mut Fx<P>) {
        self.stats.advance(now);
        req.arrived = now;
        let queued = self.inst.iter().map(|i| i.queue.len()).sum::<usize>() + self.held.len();
        self.stats.arrival(queued as u64, req.attempt == 0);
        let Some(i) = self.pick() else {
            self.stats.rejected();
            return self.bounce(req, fx);
        };
        self.admit(now, i, req, fx);
    }

    fn admit(&mut self, now: SimTime, i: usize, req: Req<P>, fx: &mut Fx<P>) {
        if let Some(slot) = self.inst[i].slots.iter().position(Option::is_none) {
            return self.start(now, i, slot, req, fx);
        }
        if self.inst[i].queue.len() < self.spec.queue {
            return self.inst[i].queue.push_back(req);
        }
        match self.spec.overflow {
            Overflow::Reject => {
                self.stats.rejected();
                self.bounce(req, fx);
            }
            Overflow::Shed => self.shed(i, req, fx),
            Overflow::Backpressure { upstream } if self.held.len() < upstream => {
                self.held.push_back(req);
            }
            Overflow::Backpressure { .. } => {
                self.stats.rejected();
                self.bounce(req, fx);
            }
        }
    }

    /// Turns away the lowest-priority request of a full queue and the newcomer.
    fn shed(&mut self, i: usize, req: Req<P>, fx: &mut Fx<P>) {
        let q = &mut self.inst[i].queue;
        let lowest = q
            .iter()
            .enumerate()
            .rev()
            .min_by_key(|(_, r)| r.priority)
            .map(|(k, r)| (k, r.priority));
        self.stats.rejected();
        match lowest {
            Some((k, p)) if p < req.priority => {
                let out = q.remove(k).expect("index from the queue");
                q.push_back(req);
                self.bounce(out, fx);
            }
            _ => self.bounce(req, fx),
        }
    }

    fn pick(&mut self) -> Option<usize> {
        let n = self.inst.len();
        let ready = self.inst.iter().filter(|i| i.routable()).count();
        if ready == 0 {
            return None;
        }
        match self.spec.balancer {
            Balancer::RoundRobin => {
                for k in 0..n {
                    let i = (self.rr + k) % n;
                    if self.inst[i].routable() {
                        self.rr = i + 1;
                        return Some(i);
                    }
                }
                None
            }
            Balancer::LeastOutstanding => (0..n)
                .filter(|&i| self.inst[i].routable())
                .min_by_key(|&i| self.inst[i].outstanding()),
            Balancer::PowerOfTwo => {
                let first = self.rng.random_range(0..ready);
                let a = self.nth_ready(first);
                if ready == 1 {
                    return Some(a);
                }
                let mut k = self.rng.random_range(0..ready - 1);
                let b0 = self.nth_ready(k);
                if b0 == a {
                    k += 1;
                }
                let b = self.nth_ready(k);
                Some(if self.inst[b].outstanding() < self.inst[a].outstanding() {
                    b
                } else {
                    a
                })
            }
        }
    }

    fn nth_ready(&self, k: usize) -> usize {
        self.inst
            .iter()
            .enumerate()
            .filter(|(_, i)| i.routable())
            .nth(k)
            .map_or(0, |(i, _)| i)
    }

    fn start(&mut self, now: SimTime, i: usize, slot: usize, req: Req<P>, fx: &mut Fx<P>) {
        let wait = now.saturating_since(req.arrived);
        self.stats.started(req.arrived, wait);
        let dist = self
            .spec
            .kinds
            .get(usize::from(req.kind))
            .map_or(&self.spec.default_service, |k| &k.service);
        let slow = self.spec.slow_factor(i, now);
        let service = dist.sample(&mut self.rng) * slow / self.spec.speed;
        let service = SimDuration(service.round().max(0.0) as u64);
        let (took, ok) = match &self.spec.call {
            None => (service, true),
            Some(call) => {
                let c = SimDuration(call.sample(&mut self.rng).round().max(0.0) as u64);
                let (from, timeout) = (now + service, self.spec.call_timeout);
                // A call times out when the gateway is cut off while it runs, or when it
                // takes longer than the timeout.
                if c > timeout || self.spec.partitioned(from, from + c) {
                    (service + timeout, false)
                } else {
                    (service + c, true)
                }
            }
        };
        let inst = &mut self.inst[i];
        inst.slots[slot] = Some(req);
        inst.busy += 1;
        let w = Wake::Done {
            inst: i as u16,
            slot: slot as u16,
            epoch: inst.epoch,
            ok,
        };
        self.stats.set_busy(1, true);
        fx.wakes.push((took, w));
    }

    /// A wake the pool asked for is due.
    pub fn wake(&mut self, now: SimTime, w: Wake<P>, fx: &mut Fx<P>) {
        self.stats.advance(now);
        match w {
            Wake::Done {
                inst,
                slot,
                epoch,
                ok,
            } => self.done(now, usize::from(inst), usize::from(slot), epoch, ok, fx),
            Wake::Retry(req) => self.arrive(now, req, fx),
            Wake::Ready { inst, epoch } => self.ready(now, usize::from(inst), epoch, fx),
            Wake::Evaluate => self.evaluate(now, fx),
            Wake::Step(k) => self.step(now, k, fx),
            Wake::Fault(k) => self.fault(k, fx),
        }
    }

    fn done(&mut self, now: SimTime, i: usize, slot: usize, epoch: u32, ok: bool, fx: &mut Fx<P>) {
        let inst = &mut self.inst[i];
        if inst.epoch != epoch {
            return; // Crashed meanwhile: its requests went back to their callers.
        }
        let Some(req) = inst.slots[slot].take() else {
            return;
        };
        inst.busy -= 1;
        self.stats.set_busy(1, false);
        if ok {
            self.stats.completed(now.saturating_since(req.first_at));
            fx.done.push(req);
        } else {
            self.stats.timed_out();
            self.bounce(req, fx);
        }
        if let Some(next) = self.inst[i].queue.pop_front() {
            self.start(now, i, slot, next, fx);
        } else if self.inst[i].state == State::Draining && self.inst[i].busy == 0 {
            self.inst[i].state = State::Removed;
            self.recount();
        }
        self.release_held(now, fx);
    }

    /// Lets callers held upstream in while there is room.
    fn release_held(&mut self, now: SimTime, fx: &mut Fx<P>) {
        while !self.held.is_empty() {
            let room = (0..self.inst.len()).find(|&i| {
                let x = &self.inst[i];
                x.routable() && (x.busy < self.spec.workers || x.queue.len() < self.spec.queue)
            });
            let Some(i) = room else { return };
            let req = self.held.pop_front().expect("not empty");
            self.admit(now, i, req, fx);
        }
    }

    /// The caller retries after its backoff, or gives up.
    fn bounce(&mut self, mut req: Req<P>, fx: &mut Fx<P>) {
        req.attempt += 1;
        let c = self.spec.client;
        if c.max_attempts > 0 && req.attempt >= c.max_attempts {
            self.stats.gave_up();
            return fx.gave_up.push(req);
        }
        let shift = (req.attempt - 1).min(20);
        let full = (c.retry_base.as_ms() << shift)
            .min(c.retry_cap.as_ms())
            .max(2);
        let half = full / 2;
        let delay = half + self.rng.random_range(0..=half);
        fx.wakes.push((SimDuration(delay), Wake::Retry(req)));
    }

    fn ready(&mut self, now: SimTime, i: usize, epoch: u32, fx: &mut Fx<P>) {
        let inst = &mut self.inst[i];
        if inst.epoch != epoch || !matches!(inst.state, State::Starting | State::Down) {
            return;
        }
        inst.state = State::Up;
        self.recount();
        self.release_held(now, fx);
    }

    fn fault(&mut self, k: usize, fx: &mut Fx<P>) {
        let Fault::Crash {
            instance,
            restart_after,
            ..
        } = self.spec.faults[k]
        else {
            return; // Slow instances and partitions are windows, read when they matter.
        };
        let i = instance as usize;
        if i >= self.inst.len() || !matches!(self.inst[i].state, State::Up | State::Draining) {
            return;
        }
        let inst = &mut self.inst[i];
        inst.state = State::Down;
        inst.epoch += 1;
        let lost: Vec<Req<P>> = inst
            .slots
            .iter_mut()
            .filter_map(Option::take)
            .chain(inst.queue.drain(..))
            .collect();
        let busy = std::mem::take(&mut inst.busy);
        self.stats.set_busy(busy, false);
        let epoch = self.inst[i].epoch;
        fx.wakes.push((
            restart_after,
            Wake::Ready {
                inst: i as u16,
                epoch,
            },
        ));
        self.recount();
        for req in lost {
            self.stats.reset();
            self.bounce(req, fx);
        }
    }

    fn evaluate(&mut self, now: SimTime, fx: &mut Fx<P>) {
        let Scaling::Autoscale(a) = self.spec.scaling.clone() else {
            return;
        };
        fx.wakes.push((a.every, Wake::Evaluate));
        let util = self.stats.take_period_utilisation();
        let ready = self.count(&[State::Up]).max(1);
        let queued = self.stats.take_period_max_queued();
        let metric = match a.metric {
            super::spec::Metric::Utilisation => util,
            super::spec::Metric::QueueDepth => queued as f64 / f64::from(ready),
        };
        let cooled = self.last_scale.is_none_or(|t| now >= t + a.cooldown);
        let active = self.count(&[State::Up, State::Starting]);
        if !cooled {
            return;
        }
        if metric > a.target && active < a.max {
            self.launch(a.step.min(a.max - active), a.cold_start, fx);
            self.last_scale = Some(now);
        } else if metric < a.scale_in_below && active > a.min {
            self.retire(a.step.min(active - a.min));
            self.last_scale = Some(now);
        }
    }

    fn step(&mut self, now: SimTime, k: usize, fx: &mut Fx<P>) {
        let Scaling::Scheduled { steps, cold_start } = &self.spec.scaling else {
            return;
        };
        let (target, cold) = (steps[k].1, *cold_start);
        let active = self.count(&[State::Up, State::Starting]);
        if target > active {
            self.launch(target - active, cold, fx);
        } else {
            self.retire(active - target);
        }
        self.last_scale = Some(now);
    }

    fn count(&self, states: &[State]) -> u32 {
        self.inst
            .iter()
            .filter(|i| states.contains(&i.state))
            .count() as u32
    }

    /// Launches `n` instances (reusing removed places), ready after `cold`.
    fn launch(&mut self, n: u32, cold: SimDuration, fx: &mut Fx<P>) {
        for _ in 0..n {
            let i = match self.inst.iter().position(|x| x.state == State::Removed) {
                Some(i) => i,
                None => {
                    self.inst
                        .push(Instance::new(self.spec.workers, State::Removed));
                    self.inst.len() - 1
                }
            };
            let x = &mut self.inst[i];
            x.state = State::Starting;
            x.epoch += 1;
            let epoch = x.epoch;
            fx.wakes.push((
                cold,
                Wake::Ready {
                    inst: i as u16,
                    epoch,
                },
            ));
        }
        self.recount();
    }

    /// Retires `n` instances, the last ones first: a starting one at once, an up one
    /// after it has served what it holds.
    fn retire(&mut self, n: u32) {
        let mut left = n;
        for i in (0..self.inst.len()).rev() {
            if left == 0 {
                break;
            }
            let x = &mut self.inst[i];
            match x.state {
                State::Starting => x.state = State::Removed,
                State::Up if x.outstanding() == 0 => x.state = State::Removed,
                State::Up => x.state = State::Draining,
                _ => continue,
            }
            x.epoch += u32::from(x.state == State::Removed);
            left -= 1;
        }
        self.recount();
    }

    /// Tells the statistics how many instances are billed and how many workers serve.
    fn recount(&mut self) {
        let billed = self
            .inst
            .iter()
            .filter(|i| i.state != State::Removed)
            .count() as u32;
        let serving = self
            .inst
            .iter()
            .filter(|i| matches!(i.state, State::Up | State::Draining))
            .count() as u32;
        self.stats.set_capacity(billed, serving * self.spec.workers);
    }

    /// Closes the statistics at the end of the run: requests still inside are counted as
    /// in flight (not lost).
    pub fn finish(&mut self, now: SimTime) -> Totals {
        self.stats.advance(now);
        let inside = self.inst.iter().map(|i| i.outstanding()).sum::<usize>() + self.held.len();
        self.stats.finish(now, inside as u64)
    }

    /// Rows of minutes that have ended, oldest first (the host writes them out).
    pub fn take_rows(&mut self) -> Vec<super::stats::MinuteRow> {
        self.stats.take_rows()
    }
}
