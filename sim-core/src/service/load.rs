//! The API-level load mode: a stream of orders far beyond what the fleet could serve
//! drives the services directly, without vans. Orders arrive as a Poisson process whose
//! rate follows a profile (piecewise constant, requests per second), plus bursts (so many
//! orders spread at random over a window, such as 1,000 in the first minute after
//! midnight). Each order is a request to the booking API (a quote, or a booking); each
//! booking the API completes sends notices to the notification dispatcher and a posting
//! to the settlement processor. One event queue, one thread, deterministic per seed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use super::pool::{Fx, Pool, Req, Wake};
use super::spec::{Role, ServiceSpec};
use super::stats::{MinuteRow, Totals};
use crate::rng::{actor_rng, ActorKind};
use crate::time::{SimDuration, SimTime};

/// A burst of orders.
#[derive(Clone, Debug, PartialEq)]
pub struct Burst {
    /// When it starts.
    pub at: SimTime,
    /// How many orders.
    pub count: u64,
    /// Spread at random over this long.
    pub over: SimDuration,
}

/// The load of an API-level run.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSpec {
    /// (from, orders per second), in time order; the first starts at 0.
    pub profile: Vec<(SimTime, f64)>,
    /// Bursts on top of the profile.
    pub bursts: Vec<Burst>,
    /// The share of orders that are bookings (the rest are quotes).
    pub book_share: f64,
    /// Notices sent per booking.
    pub notices_per_booking: u32,
    /// Settlement postings per booking.
    pub postings_per_booking: u32,
    /// The run stops here.
    pub until: SimTime,
}

impl LoadSpec {
    /// The same load multiplied by `m` (rates and burst sizes).
    pub fn scaled(&self, m: f64) -> LoadSpec {
        let mut s = self.clone();
        s.profile.iter_mut().for_each(|p| p.1 *= m);
        s.bursts
            .iter_mut()
            .for_each(|b| b.count = (b.count as f64 * m).round() as u64);
        s
    }
}

/// What happens next.
#[derive(Debug)]
enum Ev {
    /// The next order of the profile, at this exact time (ms, fractional).
    Order(f64),
    /// The next order of burst `k`, `left` to come after it, at this exact time.
    Burst(usize, u64, f64),
    /// A wake of service `s`.
    Wake(usize, Wake<bool>),
}

struct Entry(u64, u64, Ev);

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.0, self.1) == (o.0, o.1)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.0, self.1).cmp(&(o.0, o.1))
    }
}

/// One API-level run.
pub struct LoadRun {
    load: LoadSpec,
    pools: Vec<Pool<bool>>,
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    rng: ChaCha8Rng,
    next_id: u64,
    fx: Fx<bool>,
    by_role: [Option<usize>; 3],
    kinds: [Option<u8>; 4],
}

/// The services' totals at the end.
pub type RunTotals = Vec<(String, Role, Totals)>;

impl LoadRun {
    /// A run of `load` against `services`, with `seed` (each service and the order
    /// stream draw from their own ChaCha8 streams).
    pub fn new(load: LoadSpec, services: &[ServiceSpec], seed: u64) -> LoadRun {
        let mut run = LoadRun {
            load,
            pools: Vec::new(),
            heap: BinaryHeap::new(),
            seq: 0,
            rng: actor_rng(seed, ActorKind::Service, 0),
            next_id: 0,
            fx: Fx::default(),
            by_role: [None; 3],
            kinds: [None; 4],
        };
        for (s, spec) in services.iter().enumerate() {
            let mut fx = Fx::default();
            let rng = actor_rng(seed, ActorKind::Service, 1 + s as u32);
            run.pools.push(Pool::new(spec.clone(), rng, &mut fx));
            run.by_role[spec.role as usize].get_or_insert(s);
            run.schedule(SimTime(0), s, &mut fx);
        }
        run.kinds = ["quote", "book", "notify", "settle"].map(|k| {
            let role = if k == "notify" {
                Role::Notifications
            } else if k == "settle" {
                Role::Settlement
            } else {
                Role::BookingApi
            };
            run.by_role[role as usize].and_then(|s| services[s].kind_index(k))
        });
        run.next_order(0.0);
        for k in 0..run.load.bursts.len() {
            let (at, count) = (run.load.bursts[k].at, run.load.bursts[k].count);
            if count > 0 {
                run.next_burst(at.as_ms() as f64, k, count);
            }
        }
        run
    }

    fn push(&mut self, t: SimTime, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse(Entry(t.as_ms(), self.seq, ev)));
    }

    fn schedule(&mut self, now: SimTime, s: usize, fx: &mut Fx<bool>) {
        for (d, w) in fx.wakes.drain(..) {
            self.push(now + d, Ev::Wake(s, w));
        }
    }

    /// The rate at `t` and when it next changes.
    fn rate_at(&self, t: SimTime) -> (f64, Option<SimTime>) {
        let p = &self.load.profile;
        let k = p.partition_point(|(from, _)| *from <= t);
        let rate = if k == 0 { 0.0 } else { p[k - 1].1 };
        (rate, p.get(k).map(|x| x.0))
    }

    /// Draws the next profile order after `t` (ms, kept fractional so that rates of
    /// thousands per second are not rounded away; memoryless across rate changes).
    fn next_order(&mut self, mut t: f64) {
        loop {
            let (rate, change) = self.rate_at(SimTime(t as u64));
            let gap = (rate > 0.0)
                .then(|| Exp::new(rate / 1000.0).ok())
                .flatten()
                .map(|e| e.sample(&mut self.rng));
            let change = change.map(|c| c.as_ms() as f64);
            match (gap, change) {
                (Some(g), Some(c)) if t + g >= c => t = c,
                (None, Some(c)) => t = c,
                (Some(g), _) => return self.push(SimTime((t + g) as u64), Ev::Order(t + g)),
                (None, None) => return,
            }
            if t >= self.load.until.as_ms() as f64 {
                return;
            }
        }
    }

    /// The next order of burst `k`, given `left` orders left after `t` (uniform order
    /// statistics drawn one at a time).
    fn next_burst(&mut self, t: f64, k: usize, left: u64) {
        let b = &self.load.bursts[k];
        let end = (b.at + b.over).as_ms() as f64;
        let u: f64 = self.rng.random();
        let next = end - (end - t) * u.powf(1.0 / left as f64);
        self.push(SimTime(next as u64), Ev::Burst(k, left, next));
    }

    /// An order: a booking (`book_share` of them) or a quote, to the booking API; without
    /// a booking API, a booking goes straight on to the other services.
    fn order(&mut self, now: SimTime) {
        let book = self.rng.random::<f64>() < self.load.book_share;
        let Some(s) = self.by_role[Role::BookingApi as usize] else {
            if book {
                self.fan_out(now);
            }
            return;
        };
        let kind = self.kinds[usize::from(book)].unwrap_or(u8::MAX);
        self.send(now, s, (kind, u8::from(book) + 1), book);
    }

    /// A request of `kind` and priority to service `s`; the payload says whether it is a
    /// booking (whose completion by the booking API sends notices and a posting).
    fn send(&mut self, now: SimTime, s: usize, (kind, priority): (u8, u8), booking: bool) {
        self.next_id += 1;
        let req = Req::new(self.next_id, (kind, priority), now, booking);
        let mut fx = std::mem::take(&mut self.fx);
        self.pools[s].arrive(now, req, &mut fx);
        self.after(now, s, fx);
    }

    /// Schedules a service's wakes and passes completed bookings on.
    fn after(&mut self, now: SimTime, s: usize, mut fx: Fx<bool>) {
        self.schedule(now, s, &mut fx);
        fx.gave_up.clear();
        let booked = if self.pools[s].spec().role == Role::BookingApi {
            fx.done.iter().filter(|r| r.payload).count()
        } else {
            0
        };
        fx.done.clear();
        self.fx = fx;
        for _ in 0..booked {
            self.fan_out(now);
        }
    }

    fn fan_out(&mut self, now: SimTime) {
        if let Some(n) = self.by_role[Role::Notifications as usize] {
            let kind = self.kinds[2].unwrap_or(u8::MAX);
            for _ in 0..self.load.notices_per_booking {
                self.send(now, n, (kind, 1), false);
            }
        }
        if let Some(p) = self.by_role[Role::Settlement as usize] {
            let kind = self.kinds[3].unwrap_or(u8::MAX);
            for _ in 0..self.load.postings_per_booking {
                self.send(now, p, (kind, 2), false);
            }
        }
    }

    /// Sets a warm-up: waits are measured only for requests arriving after `t`.
    pub fn measure_from(&mut self, t: SimTime) {
        self.pools.iter_mut().for_each(|p| p.measure_from(t));
    }

    /// Runs to the end, handing each finished service-minute to `rows` (service index,
    /// row) as it closes; returns the totals.
    pub fn run(mut self, rows: &mut dyn FnMut(usize, &MinuteRow)) -> RunTotals {
        let until = self.load.until;
        while let Some(Reverse(Entry(t, _, ev))) = self.heap.pop() {
            let now = SimTime(t);
            if now >= until {
                break;
            }
            match ev {
                Ev::Order(exact) => {
                    self.order(now);
                    self.next_order(exact);
                }
                Ev::Burst(k, left, exact) => {
                    self.order(now);
                    if left > 1 {
                        self.next_burst(exact, k, left - 1);
                    }
                }
                Ev::Wake(s, w) => {
                    let mut fx = std::mem::take(&mut self.fx);
                    self.pools[s].wake(now, w, &mut fx);
                    self.after(now, s, fx);
                }
            }
            if self.seq % 4096 == 0 {
                self.flush(rows);
            }
        }
        self.flush(rows);
        let mut out = Vec::new();
        for (s, p) in self.pools.iter_mut().enumerate() {
            let t = p.finish(until);
            for r in p.take_rows() {
                rows(s, &r);
            }
            out.push((p.spec().name.clone(), p.spec().role, t));
        }
        out
    }

    fn flush(&mut self, rows: &mut dyn FnMut(usize, &MinuteRow)) {
        for (s, p) in self.pools.iter_mut().enumerate() {
            for r in p.take_rows() {
                rows(s, &r);
            }
        }
    }
}
