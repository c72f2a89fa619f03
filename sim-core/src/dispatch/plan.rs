//! A vehicle's plan with its timing, slack and load cached, so that inserting a booking at a
//! pair of positions is checked in constant time (Savelsbergh's forward time slack, with
//! the ride-time limits of a dial-a-ride plan), without allocating.
//!
//! The plan's times: the vehicle leaves its start node at `start`; each stop is reached
//! after the leg's travel time; a pickup waits for its earliest time, then takes the pickup
//! dwell; a drop-off takes the drop-off dwell. Constraints: a pickup is reached by its
//! latest time; a booking rides (pickup departure to drop-off arrival) within its limit;
//! the plan ends by the shift end; and at every point the pets aboard pass the crate and
//! species rule ([`Manifest::check`]).
//!
//! A delay of `S` at the arrival at stop `k` reaches stop `m >= k` as `max(0, S - W(k, m))`,
//! `W(k, m)` the waiting at the pickups in between (prefix sums). So a delay is allowed at
//! `k` when it stays within, for every later stop, its own slack plus the waiting before it:
//! the latest time of pickups, the ride limit of bookings picked up before the delay began
//! (those picked up after it are delayed at both ends and never ride longer), and the shift
//! end. Bookings picked up between the new pickup and the new drop-off are the exception:
//! their pickup is delayed less than their drop-off, and they are checked one by one
//! (there are at most as many as the vehicle has crates).
//!
//! All of this assumes travel times obey the triangle inequality, true of fastest paths
//! unless the network has stop-only nodes (a detour through a stop may then be shorter than
//! the direct route, which may not pass through it). On such networks a negative delay falls
//! back to walking the whole plan ([`super::exhaustive::evaluate`]), so the answer is always
//! exactly the exhaustive one.

use super::estimates::LegTimes;
use super::exhaustive;
use crate::booking::{Crates, Infeasible, Manifest, PlanStop, StopKind, VehicleView};
use crate::time::SimTime;

/// "No constraint": large, and safe to add a few times.
const INF: i64 = i64::MAX / 4;

fn ms(t: SimTime) -> i64 {
    t.as_ms().min(INF as u64) as i64
}

/// How a booking may be inserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertMode {
    /// Anywhere after the locked stops; bookings may ride together (pooling).
    Pooled,
    /// Pickup and drop-off next to each other, where nothing is aboard: one booking aboard
    /// at a time (ride hailing).
    Single,
}

/// The booking to insert, as its two stops.
#[derive(Clone, Copy, Debug)]
pub struct NewStops<'a> {
    /// Its pickup.
    pub pickup: &'a PlanStop,
    /// Its drop-off.
    pub dropoff: &'a PlanStop,
    /// Loading time at the pickup, ms.
    pub dwell_pickup_ms: u64,
    /// Unloading time at the drop-off, ms.
    pub dwell_dropoff_ms: u64,
}

/// A feasible insertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Index of the pickup in the new plan.
    pub pickup_at: usize,
    /// Index of the drop-off in the new plan.
    pub dropoff_at: usize,
    /// How much later the plan ends, ms (0 if it does not).
    pub added_ms: u64,
    /// Arrival at the pickup (before any wait for its earliest time).
    pub pickup_eta: SimTime,
}

/// Which constraint a slack value comes from (for the reason of a refusal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bind {
    Latest,
    Ride,
    Shift,
}

impl Bind {
    fn reason(self) -> Infeasible {
        match self {
            Bind::Latest => Infeasible::PickupLate,
            Bind::Ride => Infeasible::RideTime,
            Bind::Shift => Infeasible::ShiftEnd,
        }
    }
}

/// A plan's cached timing and slack (see the module docs).
#[derive(Clone, Debug)]
pub struct PlanCache {
    n: usize,
    locked: usize,
    start: i64,
    start_node: crate::ids::NodeId,
    crates: Option<Crates>,
    /// Shift end of the query under way (INF: none); not part of the cache.
    shift_end: i64,
    /// Travel times obey the triangle inequality (no stop-only nodes).
    metric: bool,
    /// Per stop.
    node: Vec<crate::ids::NodeId>,
    is_pickup: Vec<bool>,
    arr: Vec<i64>,
    dep: Vec<i64>,
    /// Waiting at stops before `k`: `w[k]`, for `k` in `0..=n`.
    w: Vec<i64>,
    /// Pickups: latest - arrival + w; others INF.
    latest_term: Vec<i64>,
    /// Drop-offs with a ride limit: limit - ride + w; others INF.
    ride_term: Vec<i64>,
    /// Drop-offs: the ride slack itself (limit - ride).
    ride_slack: Vec<i64>,
    /// Drop-offs: index of the booking's pickup in the plan, -1 if aboard at the start,
    /// `i32::MAX` if neither (no ride limit applies).
    pick_of: Vec<i32>,
    /// Suffix minimum of `latest_term`, `k` in `0..=n`.
    latest_suffix: Vec<i64>,
    /// `rt[j * (n + 1) + i]`: the least `ride_term` over drop-offs at `j` or later whose
    /// pickup is before `i`.
    rt: Vec<i64>,
    /// Pets aboard after leaving stop `k - 1` (`k` in `0..=n`).
    manifest: Vec<Manifest>,
    /// For each position `k`, the (pickup, drop-off) indices of bookings aboard there that
    /// were picked up within the plan: `aboard[aboard_at[k]..aboard_at[k + 1]]`.
    aboard_at: Vec<u32>,
    aboard: Vec<(u32, u32)>,
    /// When the plan ends.
    end: i64,
    /// Whether the plan itself is feasible.
    base: Result<(), Infeasible>,
}

impl Default for PlanCache {
    /// A cache of nothing: no insertion is feasible until it is built.
    fn default() -> Self {
        PlanCache {
            n: 0,
            locked: 0,
            start: 0,
            start_node: crate::ids::NodeId(0),
            crates: None,
            shift_end: INF,
            metric: true,
            node: Vec::new(),
            is_pickup: Vec::new(),
            arr: Vec::new(),
            dep: Vec::new(),
            w: Vec::new(),
            latest_term: Vec::new(),
            ride_term: Vec::new(),
            ride_slack: Vec::new(),
            pick_of: Vec::new(),
            latest_suffix: Vec::new(),
            rt: Vec::new(),
            manifest: Vec::new(),
            aboard_at: Vec::new(),
            aboard: Vec::new(),
            end: 0,
            base: Err(Infeasible::Unreachable),
        }
    }
}

impl PlanCache {
    /// Caches `view`'s plan as started at `start` (`max(view.at, now)`), with leg times
    /// from `times`; `metric` when the times obey the triangle inequality.
    pub fn build(
        view: &VehicleView,
        start: SimTime,
        times: &mut dyn LegTimes,
        dwell_pickup_ms: u64,
        dwell_dropoff_ms: u64,
        metric: bool,
    ) -> PlanCache {
        let mut c = PlanCache {
            n: view.plan.len(),
            locked: view.locked.min(view.plan.len()),
            start: ms(start),
            start_node: view.node,
            crates: Some(view.crates),
            shift_end: INF,
            metric,
            base: Ok(()),
            ..PlanCache::default()
        };
        c.walk(view, times, dwell_pickup_ms, dwell_dropoff_ms);
        c.slack_tables();
        c
    }

    /// The plan's timing, manifests and per-stop terms; records the first violation.
    fn walk(&mut self, view: &VehicleView, times: &mut dyn LegTimes, dwell_p: u64, dwell_d: u64) {
        let crates = view.crates;
        // Bookings aboard: (booking, leg, picked_at, limit, manifest, pickup index or -1).
        let mut aboard: Vec<_> = view
            .aboard
            .iter()
            .map(|a| {
                (
                    a.booking,
                    a.leg,
                    ms(a.picked_at),
                    ms(SimTime(a.ride_limit.as_ms())),
                    a.manifest(),
                    -1i32,
                )
            })
            .collect();
        let fold = |ab: &[(_, _, i64, i64, Manifest, i32)]| {
            ab.iter().fold(Manifest::default(), |acc, x| acc.plus(x.4))
        };
        self.manifest.push(fold(&aboard));
        self.w.push(0);
        let (mut t, mut node) = (self.start, view.node);
        let mut first_err: Option<Infeasible> = None;
        for (k, s) in view.plan.iter().enumerate() {
            self.node.push(s.node);
            self.is_pickup.push(s.kind == StopKind::Pickup);
            match times.leg_ms(node, s.node) {
                Some(d) => t += d as i64,
                None => {
                    first_err.get_or_insert(Infeasible::Unreachable);
                    t = INF;
                }
            }
            self.arr.push(t);
            node = s.node;
            let (mut wait, mut lt, mut rt, mut rs, mut po) = (0, INF, INF, INF, i32::MAX);
            match s.kind {
                StopKind::Pickup => {
                    lt = ms(s.latest) - t + self.w[k];
                    if t > ms(s.latest) {
                        first_err.get_or_insert(Infeasible::PickupLate);
                    }
                    wait = (ms(s.earliest) - t).max(0);
                    t += wait + dwell_p as i64;
                    aboard.push((
                        s.booking,
                        s.leg,
                        t,
                        ms(SimTime(s.ride_limit.as_ms())),
                        s.manifest(),
                        k as i32,
                    ));
                    if let Err(e) = fold(&aboard).check(&crates) {
                        first_err.get_or_insert(e);
                    }
                }
                StopKind::Dropoff => {
                    if let Some(i) = aboard.iter().position(|a| a.0 == s.booking && a.1 == s.leg) {
                        let a = aboard.remove(i);
                        rs = a.3 - (t - a.2);
                        rt = rs + self.w[k];
                        po = a.5;
                        if rs < 0 {
                            first_err.get_or_insert(Infeasible::RideTime);
                        }
                    }
                    t += dwell_d as i64;
                }
            }
            self.dep.push(t);
            self.w.push(self.w[k] + wait);
            self.latest_term.push(lt);
            self.ride_term.push(rt);
            self.ride_slack.push(rs);
            self.pick_of.push(po);
            self.manifest.push(fold(&aboard));
        }
        self.end = t;
        if let Some(e) = first_err {
            self.base = Err(e);
        }
    }

    /// Suffix minima, the ride-term table and the aboard lists.
    fn slack_tables(&mut self) {
        let n = self.n;
        self.latest_suffix = vec![INF; n + 1];
        for k in (0..n).rev() {
            self.latest_suffix[k] = self.latest_suffix[k + 1].min(self.latest_term[k]);
        }
        let w = n + 1;
        self.rt = vec![INF; w * w];
        for j in (0..n).rev() {
            for i in 0..=n {
                let here = if self.pick_of[j] < i as i32 {
                    self.ride_term[j]
                } else {
                    INF
                };
                self.rt[j * w + i] = self.rt[(j + 1) * w + i].min(here);
            }
        }
        // Drop-off index of each pickup.
        let mut drop_of = vec![u32::MAX; n];
        for (m, &p) in self.pick_of.iter().enumerate() {
            if p >= 0 && p != i32::MAX {
                drop_of[p as usize] = m as u32;
            }
        }
        self.aboard_at.push(0);
        for k in 0..=n {
            for (p, &m) in drop_of.iter().enumerate().take(k) {
                if m != u32::MAX && m as usize >= k {
                    self.aboard.push((p as u32, m));
                }
            }
            self.aboard_at.push(self.aboard.len() as u32);
        }
    }

    /// Whether the plan as it stands is feasible, but for the shift end.
    pub fn base(&self) -> Result<(), Infeasible> {
        self.base
    }

    /// When the plan ends.
    pub fn end(&self) -> SimTime {
        ms_time(self.end)
    }

    /// Stops in the plan.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the plan is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The largest delay allowed at the arrival at stop `k` (or at the end, `k == n`),
    /// counting ride limits of bookings picked up before `cut`; with the binding constraint.
    fn slack(&self, k: usize, cut: usize) -> (i64, Bind) {
        let w = self.w[k];
        let shift = if self.shift_end >= INF {
            INF
        } else {
            self.shift_end - self.end + self.w[self.n] - w
        };
        let latest = self.latest_suffix[k] - w;
        let ride = self.rt[k * (self.n + 1) + cut] - w;
        let mut best = (shift, Bind::Shift);
        if latest < best.0 {
            best = (latest, Bind::Latest);
        }
        if ride < best.0 {
            best = (ride, Bind::Ride);
        }
        best
    }

    /// Departure node and time of position `k` (before stop `k`).
    fn before(&self, k: usize) -> (crate::ids::NodeId, i64) {
        if k == 0 {
            (self.start_node, self.start)
        } else {
            (self.node[k - 1], self.dep[k - 1])
        }
    }

    /// Anchors for the fleet index: for each position where a pickup could still be
    /// inserted, the node and time the vehicle leaves for it. They must stay lower bounds
    /// and stay valid while the vehicle's start slips later (until its next report), so
    /// only conditions that a later start can never relax remove a position: no room for
    /// one more pet (or, hailing, pets aboard), pickups further on that could not absorb
    /// the pickup's dwell before their latest time (metric networks), a stop that cannot be
    /// reached or is already late. Ride limits and the shift end are left to the search: a
    /// later start can shorten a ride (a pickup leaves later, a wait absorbs the delay
    /// before the drop-off), and returns may run over the shift. Appends to `out`.
    pub fn anchors(
        &self,
        dwell_pickup_ms: u64,
        mode: InsertMode,
        out: &mut Vec<(usize, crate::ids::NodeId, SimTime)>,
    ) {
        if matches!(self.base, Err(e) if !matches!(e, Infeasible::RideTime)) {
            return;
        }
        let Some(crates) = self.crates else { return };
        let one_small = Manifest {
            load: crate::booking::Load([1, 0, 0]),
            ..Manifest::default()
        };
        for k in self.locked..=self.n {
            if !crates.fits(self.manifest[k].plus(one_small).load)
                || (mode == InsertMode::Single && !self.manifest[k].is_empty())
            {
                continue;
            }
            if self.metric && self.latest_suffix[k] - self.w[k] < dwell_pickup_ms as i64 {
                continue;
            }
            let (node, t) = self.before(k);
            out.push((k, node, SimTime(t.max(0) as u64)));
        }
    }

    /// The cheapest insertion of `new` into the plan: least added time, then the earliest
    /// positions; or the most telling reason there is none. `view` and `times` are those
    /// the cache was built from (the fallback walks them); the plan must end by
    /// `shift_end` (`SimTime::MAX` for a return leg, which may run into overtime).
    pub fn best_insertion(
        &mut self,
        view: &VehicleView,
        new: NewStops<'_>,
        times: &mut dyn LegTimes,
        mode: InsertMode,
        shift_end: SimTime,
        scratch: &mut Scratch,
    ) -> Result<Placement, Infeasible> {
        self.base?;
        self.shift_end = ms(shift_end);
        if self.n > 0 && self.end > self.shift_end {
            return Err(Infeasible::ShiftEnd);
        }
        let mut search = Search {
            cache: self,
            new,
            crates: self.crates.expect("a built cache has crates"),
            best: None,
            why: Infeasible::ShiftEnd,
            fallback: false,
        };
        scratch.reset(self.n);
        for i in self.locked..=self.n {
            search.pickup_before(i, times, mode, scratch);
            if search.fallback {
                let mut v = view.clone();
                v.shift_end = shift_end;
                return exhaustive::best_insertion(&v, ms_time(self.start), new, times, mode);
            }
        }
        search.best.ok_or(search.why)
    }
}

fn ms_time(t: i64) -> SimTime {
    SimTime(t.max(0) as u64)
}

/// Leg times to and from the new drop-off, filled as the search needs them.
#[derive(Debug, Default)]
pub struct Scratch {
    /// From the node before position `k` to the drop-off.
    to_drop: Vec<Option<Option<u64>>>,
    /// From the drop-off to stop `k`.
    from_drop: Vec<Option<Option<u64>>>,
}

impl Scratch {
    fn reset(&mut self, n: usize) {
        self.to_drop.clear();
        self.to_drop.resize(n + 1, None);
        self.from_drop.clear();
        self.from_drop.resize(n + 1, None);
    }
}

/// One vehicle's search over positions.
struct Search<'c, 'n> {
    cache: &'c PlanCache,
    new: NewStops<'n>,
    crates: Crates,
    best: Option<Placement>,
    why: Infeasible,
    /// A negative delay was met (non-metric times): the caller walks the plan instead.
    fallback: bool,
}

impl Search<'_, '_> {
    fn fail(&mut self, e: Infeasible) {
        self.why = exhaustive::more_telling(self.why, e);
    }

    fn offer(&mut self, p: Placement) {
        if self.best.is_none_or(|b| p.added_ms < b.added_ms) {
            self.best = Some(p);
        }
    }

    /// Every insertion with the pickup before stop `i`.
    fn pickup_before(
        &mut self,
        i: usize,
        times: &mut dyn LegTimes,
        mode: InsertMode,
        sc: &mut Scratch,
    ) {
        let c = self.cache;
        let (dwell_p, dwell_d) = (
            self.new.dwell_pickup_ms as i64,
            self.new.dwell_dropoff_ms as i64,
        );
        if c.metric {
            // Inserting a pickup delays what follows by at least its dwell.
            let (room, bind) = c.slack(i, i);
            if room < dwell_p {
                return self.fail(bind.reason());
            }
        }
        if let Err(e) = c.manifest[i]
            .plus(self.new.pickup.manifest())
            .check(&self.crates)
        {
            return self.fail(e);
        }
        if mode == InsertMode::Single && !c.manifest[i].is_empty() {
            return self.fail(Infeasible::CrateSlots);
        }
        let (prev, prev_dep) = c.before(i);
        let p = self.new.pickup;
        let Some(to_p) = times.leg_ms(prev, p.node) else {
            return self.fail(Infeasible::Unreachable);
        };
        let a_p = prev_dep + to_p as i64;
        if a_p > ms(p.latest) {
            return self.fail(Infeasible::PickupLate);
        }
        let d_p = a_p.max(ms(p.earliest)) + dwell_p;
        let limit = ms(SimTime(p.ride_limit.as_ms()));
        // The drop-off right after the pickup.
        let Some(p_to_d) = times.leg_ms(p.node, self.new.dropoff.node) else {
            return self.fail(Infeasible::Unreachable);
        };
        let a_d = d_p + p_to_d as i64;
        if a_d - d_p > limit {
            self.fail(Infeasible::RideTime);
            if c.metric {
                return; // later drop-offs only ride longer
            }
        } else if let Some(end) = self.tail(i, i, a_d + dwell_d, 0, times, sc) {
            self.offer(Placement {
                pickup_at: i,
                dropoff_at: i + 1,
                added_ms: (end - c.end).max(0) as u64,
                pickup_eta: ms_time(a_p),
            });
        }
        if mode == InsertMode::Single || i == c.n || self.fallback {
            return;
        }
        let Some(from_p) = times.leg_ms(p.node, c.node[i]) else {
            return self.fail(Infeasible::Unreachable);
        };
        let s_i = d_p + from_p as i64 - c.arr[i];
        if s_i < 0 {
            self.fallback = true;
            return;
        }
        self.later_dropoffs(i, a_p, d_p, s_i, limit, times, sc);
    }

    /// Drop-offs before stops `j > i`, the pickup's delay `s_i` reaching stop `i`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the search state of one pickup position"
    )]
    fn later_dropoffs(
        &mut self,
        i: usize,
        a_p: i64,
        d_p: i64,
        s_i: i64,
        limit: i64,
        times: &mut dyn LegTimes,
        sc: &mut Scratch,
    ) {
        let c = self.cache;
        let dwell_d = self.new.dwell_dropoff_ms as i64;
        let drop = self.new.dropoff.node;
        let mut run = (INF, Bind::Latest);
        for j in i + 1..=c.n {
            let m = j - 1;
            // Stop m is now delayed by the pickup: its own constraint.
            let term = if c.is_pickup[m] {
                (c.latest_term[m], Bind::Latest)
            } else if c.pick_of[m] < i as i32 {
                (c.ride_term[m], Bind::Ride)
            } else {
                (INF, Bind::Ride)
            };
            if term.0 < run.0 {
                run = term;
            }
            if s_i > run.0 - c.w[i] {
                return self.fail(run.1.reason());
            }
            if let Err(e) = c.manifest[j]
                .plus(self.new.pickup.manifest())
                .check(&self.crates)
            {
                return self.fail(e);
            }
            let dep_m = c.dep[m] + (s_i - (c.w[j] - c.w[i])).max(0);
            let to_d = *sc.to_drop[j].get_or_insert_with(|| times.leg_ms(c.node[m], drop));
            let Some(to_d) = to_d else {
                self.fail(Infeasible::Unreachable);
                continue;
            };
            let a_d = dep_m + to_d as i64;
            if a_d - d_p > limit {
                self.fail(Infeasible::RideTime);
                if c.metric {
                    return;
                }
                continue;
            }
            if let Some(end) = self.tail(i, j, a_d + dwell_d, s_i, times, sc) {
                self.offer(Placement {
                    pickup_at: i,
                    dropoff_at: j + 1,
                    added_ms: (end - c.end).max(0) as u64,
                    pickup_eta: ms_time(a_p),
                });
            }
            if self.fallback {
                return;
            }
        }
    }

    /// After the new drop-off (inserted before stop `j`, leaving at `d_d`): checks stops
    /// `j..n` and the shift end; returns the new end of the plan.
    fn tail(
        &mut self,
        i: usize,
        j: usize,
        d_d: i64,
        s_i: i64,
        times: &mut dyn LegTimes,
        sc: &mut Scratch,
    ) -> Option<i64> {
        let c = self.cache;
        if j == c.n {
            if d_d > c.shift_end {
                self.fail(Infeasible::ShiftEnd);
                return None;
            }
            return Some(d_d);
        }
        let drop = self.new.dropoff.node;
        let from_d = *sc.from_drop[j].get_or_insert_with(|| times.leg_ms(drop, c.node[j]));
        let Some(from_d) = from_d else {
            self.fail(Infeasible::Unreachable);
            return None;
        };
        let s_j = d_d + from_d as i64 - c.arr[j];
        if s_j < 0 {
            self.fallback = true;
            return None;
        }
        let (room, bind) = c.slack(j, i);
        if s_j > room {
            self.fail(bind.reason());
            return None;
        }
        // Bookings picked up between the new pickup and drop-off: their pickup was delayed
        // by less than their drop-off.
        let list = &c.aboard[c.aboard_at[j] as usize..c.aboard_at[j + 1] as usize];
        for &(p, m) in list {
            let (p, m) = (p as usize, m as usize);
            if p < i {
                continue;
            }
            let later = (s_j - (c.w[m] - c.w[j])).max(0);
            let earlier = (s_i - (c.w[p + 1] - c.w[i])).max(0);
            if later - earlier > c.ride_slack[m] {
                self.fail(Infeasible::RideTime);
                return None;
            }
        }
        Some(c.end + (s_j - (c.w[c.n] - c.w[j])).max(0))
    }
}
