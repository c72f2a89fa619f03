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
pub use super::insertion::{InsertMode, NewStops, Placement};
use crate::booking::{Crates, Infeasible, Manifest, StopKind, VehicleView};
use crate::time::SimTime;

/// "No constraint": large, and safe to add a few times.
const INF: i64 = i64::MAX / 4;

fn ms(t: SimTime) -> i64 {
    t.as_ms().min(INF as u64) as i64
}

/// Where and when a vehicle could leave for a pickup inserted at a position of its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The position (the pickup would come before this stop).
    pub position: usize,
    /// The node the vehicle leaves from.
    pub node: crate::ids::NodeId,
    /// No pickup at this position can be reached before this plus the drive.
    pub time: SimTime,
    /// The pets aboard there.
    pub aboard: Manifest,
    /// The vehicle's crates.
    pub crates: Crates,
    /// For a position before a stop (metric networks): the stop's node, the leg to it, and
    /// the delay the stops from there can take now: for latest pickup times, and for the
    /// rides under way (which a later start can relax by at most the slip since `built`).
    pub next: Option<Detour>,
}

/// What a search needs to rule out a position whose detour the plan cannot absorb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detour {
    /// The next stop's node.
    pub node: crate::ids::NodeId,
    /// The leg from the anchor's node to it, ms.
    pub leg_ms: i64,
    /// Delay the latest pickup times allow, ms.
    pub latest_room_ms: i64,
    /// Delay the rides under way allow, ms, as of `built`.
    pub ride_room_ms: i64,
    /// The start the rooms were computed from.
    pub built: SimTime,
    /// The next stop's dwell, ms (a booking riding through it stays aboard that long).
    pub dwell_ms: i64,
}

/// A leg in [`Around`] that cannot be driven: longer than any room, and a sum of a few
/// such stays far from overflow.
pub const NO_ROUTE_MS: i64 = i64::MAX / 16;

/// Travel times of a search's booking to and from a position's stops, ms
/// ([`NO_ROUTE_MS`] for a leg that cannot be driven).
#[derive(Clone, Copy, Debug)]
pub struct Around {
    /// Anchor node to the pickup.
    pub to_pickup: i64,
    /// Pickup to the next stop.
    pub pickup_to_next: i64,
    /// Drop-off to the next stop.
    pub dropoff_to_next: i64,
    /// Next stop to the drop-off.
    pub next_to_dropoff: i64,
    /// Pickup to drop-off.
    pub direct: i64,
}

impl Detour {
    /// Whether a pickup here could fit (metric networks). With the drop-off right after
    /// it, the next stop is delayed by at least both dwells plus the detour through pickup
    /// and drop-off; with the drop-off later, by the pickup's dwell plus the detour through
    /// the pickup, and the booking then rides through the next stop (at least to it, its
    /// dwell, and on to the drop-off) within its limit. Either delay must fit the room (the
    /// ride room grows by at most the start's slip since it was computed).
    pub fn absorbs(&self, dwell: (i64, i64), ride_limit: i64, t: Around, now: SimTime) -> bool {
        let slip = now.as_ms().saturating_sub(self.built.as_ms()) as i64;
        let room = self
            .latest_room_ms
            .min(self.ride_room_ms.saturating_add(slip));
        let through = dwell.0 + t.to_pickup + t.pickup_to_next - self.leg_ms;
        let rides_through = t.pickup_to_next + self.dwell_ms + t.next_to_dropoff;
        let drop_first =
            dwell.0 + t.to_pickup + t.direct + dwell.1 + t.dropoff_to_next - self.leg_ms;
        drop_first <= room || (through <= room && rides_through <= ride_limit)
    }
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
    /// Stops before this cannot take an insertion (in progress, or driven to).
    locked: usize,
    view_locked: usize,
    view_at: i64,
    dwell: (i64, i64),
    /// Crates, species or reachability make the plan infeasible whatever its start.
    struct_err: Option<Infeasible>,
    /// A pickup is late at this start.
    late: bool,
    /// Per stop: travel from the previous stop (the start node for the first; INF:
    /// unreachable), earliest and latest times (pickups), and for drop-offs the ride
    /// limit and, for bookings aboard at the start, when they were picked up.
    leg: Vec<i64>,
    earliest: Vec<i64>,
    latest: Vec<i64>,
    limit: Vec<i64>,
    picked_start: Vec<i64>,
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
    /// Pets aboard after leaving stop `k - 1` (`k` in `0..=n`).
    manifest: Vec<Manifest>,
    /// For each position `k`, the (pickup index or -1, drop-off index) of the bookings
    /// aboard there with a drop-off in the plan: `aboard[aboard_at[k]..aboard_at[k + 1]]`.
    aboard_at: Vec<u32>,
    aboard: Vec<(i32, u32)>,
    /// When the plan ends.
    end: i64,
    /// Whether the plan itself is feasible.
    base: Result<(), Infeasible>,
    /// Reused while building.
    scratch_aboard: Vec<Riding>,
    scratch_count: Vec<i64>,
    scratch_fill: Vec<u32>,
}

/// A booking aboard while the plan is walked: (booking, leg, picked at, ride limit, pets,
/// pickup index or -1 when aboard at the start).
type Riding = (
    crate::ids::BookingId,
    crate::booking::Leg,
    i64,
    i64,
    Manifest,
    i32,
);

impl Default for PlanCache {
    /// A cache of nothing: no insertion is feasible until it is built.
    fn default() -> Self {
        PlanCache {
            n: 0,
            locked: 0,
            view_locked: 0,
            view_at: 0,
            dwell: (0, 0),
            struct_err: None,
            late: false,
            leg: Vec::new(),
            earliest: Vec::new(),
            latest: Vec::new(),
            limit: Vec::new(),
            picked_start: Vec::new(),
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
            manifest: Vec::new(),
            aboard_at: Vec::new(),
            aboard: Vec::new(),
            end: 0,
            base: Err(Infeasible::Unreachable),
            scratch_aboard: Vec::new(),
            scratch_count: Vec::new(),
            scratch_fill: Vec::new(),
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
        let mut c = PlanCache::default();
        c.rebuild(
            view,
            start,
            times,
            (dwell_pickup_ms, dwell_dropoff_ms),
            metric,
        );
        c
    }

    /// [`PlanCache::build`] into this cache, reusing its memory (no allocation once the
    /// vectors have grown to the plan's length).
    pub fn rebuild(
        &mut self,
        view: &VehicleView,
        start: SimTime,
        times: &mut dyn LegTimes,
        dwell: (u64, u64),
        metric: bool,
    ) {
        self.set_plan(view, times, dwell, metric);
        self.retime(start);
    }

    /// What does not depend on the start: the stops, their leg times, who is aboard where
    /// (crates and species checked), the ride limits. Follow with [`PlanCache::retime`].
    pub fn set_plan(
        &mut self,
        view: &VehicleView,
        times: &mut dyn LegTimes,
        dwell: (u64, u64),
        metric: bool,
    ) {
        self.n = view.plan.len();
        self.view_locked = view.locked.min(self.n);
        self.view_at = ms(view.at);
        self.start_node = view.node;
        self.crates = Some(view.crates);
        self.shift_end = INF;
        self.metric = metric;
        self.dwell = (dwell.0 as i64, dwell.1 as i64);
        self.struct_err = None;
        for v in [
            &mut self.leg,
            &mut self.earliest,
            &mut self.latest,
            &mut self.limit,
            &mut self.picked_start,
        ] {
            v.clear();
        }
        self.node.clear();
        self.is_pickup.clear();
        self.pick_of.clear();
        self.manifest.clear();
        self.structure(view, times);
        self.slack_tables();
    }

    /// Stops, legs, manifests, pickup of each drop-off and ride limits.
    fn structure(&mut self, view: &VehicleView, times: &mut dyn LegTimes) {
        let crates = view.crates;
        // Bookings aboard: (booking, leg, picked at, ride limit, pets, pickup index or -1).
        let mut aboard = std::mem::take(&mut self.scratch_aboard);
        aboard.clear();
        aboard.extend(view.aboard.iter().map(|a| {
            let limit = ms(SimTime(a.ride_limit.as_ms()));
            (
                a.booking,
                a.leg,
                ms(a.picked_at),
                limit,
                a.manifest(),
                -1i32,
            )
        }));
        let fold = |ab: &[Riding]| ab.iter().fold(Manifest::default(), |acc, x| acc.plus(x.4));
        self.manifest.push(fold(&aboard));
        let mut node = view.node;
        for (k, s) in view.plan.iter().enumerate() {
            self.node.push(s.node);
            self.is_pickup.push(s.kind == StopKind::Pickup);
            let leg = times.leg_ms(node, s.node).map_or(INF, |d| d as i64);
            if leg >= INF {
                self.struct_err.get_or_insert(Infeasible::Unreachable);
            }
            self.leg.push(leg);
            node = s.node;
            self.earliest.push(ms(s.earliest));
            self.latest.push(ms(s.latest));
            let (mut po, mut limit, mut picked) = (i32::MAX, INF, 0);
            match s.kind {
                StopKind::Pickup => {
                    let limit = ms(SimTime(s.ride_limit.as_ms()));
                    aboard.push((s.booking, s.leg, 0, limit, s.manifest(), k as i32));
                    if let Err(e) = fold(&aboard).check(&crates) {
                        self.struct_err.get_or_insert(e);
                    }
                }
                StopKind::Dropoff => {
                    if let Some(i) = aboard.iter().position(|a| a.0 == s.booking && a.1 == s.leg) {
                        let a = aboard.remove(i);
                        (po, limit, picked) = (a.5, a.3, a.2);
                    }
                }
            }
            self.pick_of.push(po);
            self.limit.push(limit);
            self.picked_start.push(picked);
            self.manifest.push(fold(&aboard));
        }
        self.scratch_aboard = aboard;
    }

    /// The timing from `start` (O(stops), no look-ups): arrivals, departures, waits, the
    /// slack terms, the end; and the first stop is kept when the start has slipped past the
    /// report (the vehicle is on its way to it, see [`super::as_of`]).
    pub fn retime(&mut self, start: SimTime) {
        let n = self.n;
        self.start = ms(start);
        self.locked = if self.start > self.view_at && n > 0 {
            self.view_locked.max(1)
        } else {
            self.view_locked
        };
        for v in [
            &mut self.arr,
            &mut self.dep,
            &mut self.w,
            &mut self.latest_term,
            &mut self.ride_term,
            &mut self.ride_slack,
        ] {
            v.clear();
        }
        self.w.push(0);
        let (dwell_p, dwell_d) = self.dwell;
        let (mut late, mut long) = (false, false);
        let mut t = self.start;
        for k in 0..n {
            t = t.saturating_add(self.leg[k]).min(INF);
            self.arr.push(t);
            let (mut wait, mut lt, mut rt, mut rs) = (0, INF, INF, INF);
            if self.is_pickup[k] {
                lt = self.latest[k] - t + self.w[k];
                late |= t > self.latest[k];
                wait = (self.earliest[k] - t).max(0);
                t += wait + dwell_p;
            } else {
                let p = self.pick_of[k];
                if p != i32::MAX {
                    let picked = if p < 0 {
                        self.picked_start[k]
                    } else {
                        self.dep[p as usize]
                    };
                    rs = self.limit[k] - (t - picked);
                    rt = rs + self.w[k];
                    long |= rs < 0;
                }
                t += dwell_d;
            }
            self.dep.push(t);
            self.w.push(self.w[k] + wait);
            self.latest_term.push(lt);
            self.ride_term.push(rt);
            self.ride_slack.push(rs);
        }
        self.end = t;
        self.late = late;
        self.base = match self.struct_err {
            Some(e) => Err(e),
            None if late => Err(Infeasible::PickupLate),
            None if long => Err(Infeasible::RideTime),
            None => Ok(()),
        };
        self.latest_suffix.clear();
        self.latest_suffix.resize(n + 1, INF);
        for k in (0..n).rev() {
            self.latest_suffix[k] = self.latest_suffix[k + 1].min(self.latest_term[k]);
        }
    }

    /// The aboard lists (O(stops x crates)).
    fn slack_tables(&mut self) {
        let n = self.n;
        // A booking picked up at stop p (-1: aboard at the start) and dropped at stop m is
        // aboard at positions p + 1 ..= m: count, then fill (compressed rows).
        let mut count = std::mem::take(&mut self.scratch_count);
        count.clear();
        count.resize(n + 2, 0);
        for (m, &p) in self.pick_of.iter().enumerate() {
            if p != i32::MAX {
                count[(p + 1) as usize] += 1;
                count[m + 1] -= 1;
            }
        }
        self.aboard_at.clear();
        self.aboard_at.push(0);
        let mut running = 0i64;
        for c in &count[..=n] {
            running += c;
            let prev = *self.aboard_at.last().unwrap_or(&0);
            self.aboard_at.push(prev + running as u32);
        }
        self.aboard.clear();
        self.aboard.resize(self.aboard_at[n + 1] as usize, (0, 0));
        let mut fill = std::mem::take(&mut self.scratch_fill);
        fill.clear();
        fill.extend_from_slice(&self.aboard_at[..=n]);
        for (m, &p) in self.pick_of.iter().enumerate() {
            if p != i32::MAX {
                for slot in &mut fill[(p + 1) as usize..=m] {
                    self.aboard[*slot as usize] = (p, m as u32);
                    *slot += 1;
                }
            }
        }
        self.scratch_count = count;
        self.scratch_fill = fill;
    }

    /// The bookings aboard at position `k` whose drop-off is in the plan: (pickup index or
    /// -1, drop-off index).
    fn aboard_at(&self, k: usize) -> &[(i32, u32)] {
        &self.aboard[self.aboard_at[k] as usize..self.aboard_at[k + 1] as usize]
    }

    /// The least ride term (ride slack plus the waiting before the drop-off) of bookings
    /// aboard at `k` that were picked up before `cut`.
    fn ride_room(&self, k: usize, cut: usize) -> i64 {
        self.aboard_at(k)
            .iter()
            .filter(|(p, _)| *p < cut as i32)
            .map(|&(_, m)| self.ride_term[m as usize])
            .min()
            .unwrap_or(INF)
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
        let ride = self.ride_room(k, cut) - w;
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
    /// inserted, the node the vehicle leaves for it, a time no pickup there can be reached
    /// before, and the pets aboard there. They must stay lower bounds while the vehicle's
    /// start slips later (until its next report), so a position is dropped only for what a
    /// later start never relaxes: no room for one more pet (or, hailing, pets aboard), a
    /// pickup further on that could not absorb the pickup's dwell (metric networks), a stop
    /// that cannot be reached or is already late. Ride limits can relax (a pickup leaves
    /// later, a wait absorbs the delay before the drop-off) but never by more than the
    /// start slips, so a position whose rides cannot absorb the pickup's dwell now gets a
    /// later time instead: the start must first slip by the difference. The shift end is
    /// left to the search (returns may run over it). Appends to `out`.
    pub fn anchors(&self, dwell_pickup_ms: u64, mode: InsertMode, out: &mut Vec<Anchor>) {
        // Crates, species, reachability and late pickups never improve with a later start.
        if self.struct_err.is_some() || self.late {
            return;
        }
        let Some(crates) = self.crates else { return };
        let one_small = Manifest {
            load: crate::booking::Load([1, 0, 0]),
            ..Manifest::default()
        };
        let dwell = dwell_pickup_ms as i64;
        for k in self.locked..=self.n {
            if !crates.fits(self.manifest[k].plus(one_small).load)
                || (mode == InsertMode::Single && !self.manifest[k].is_empty())
            {
                continue;
            }
            let (node, mut t) = self.before(k);
            let mut next = None;
            if self.metric {
                let w = self.w[k];
                let latest_room = self.latest_suffix[k] - w;
                if latest_room < dwell {
                    continue;
                }
                let ride_room = self.ride_room(k, k) - w;
                t = t.max(self.start + dwell - ride_room);
                if k < self.n {
                    next = Some(Detour {
                        node: self.node[k],
                        leg_ms: self.leg[k],
                        latest_room_ms: latest_room,
                        ride_room_ms: ride_room,
                        built: SimTime(self.start.max(0) as u64),
                        dwell_ms: if self.is_pickup[k] {
                            self.dwell.0
                        } else {
                            self.dwell.1
                        },
                    });
                }
            }
            out.push(Anchor {
                position: k,
                node,
                time: SimTime(t.clamp(0, INF) as u64),
                aboard: self.manifest[k],
                crates,
                next,
            });
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
                v.locked = self.locked;
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
        self.why = super::insertion::more_telling(self.why, e);
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
        for &(p, m) in c.aboard_at(j) {
            if p < i as i32 {
                continue;
            }
            let (p, m) = (p as usize, m as usize);
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
