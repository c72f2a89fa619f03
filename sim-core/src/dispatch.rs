//! Dispatch's search: which vehicle takes a booking, and where in its plan.
//!
//! The rules are in [`crate::booking`] (crates and species, ride limits, promised pickups,
//! shift ends); this module finds, among all vehicles, the insertion with the earliest
//! pickup arrival (then the least added time, then the lowest vehicle number), at a cost
//! that follows the vehicles near enough to matter rather than the fleet:
//!
//! ```text
//!   FleetIndex (index)         anchors: where and when each vehicle could leave for a pickup
//!        │  vehicles in order of a lower bound on their arrival; stop past the best
//!        ▼
//!   PlanCache (plan)           each vehicle's plan timing and slack: every pair of
//!        │                     positions checked in O(1), no allocation
//!        ▼
//!   Estimates (estimates)      planning travel times: one contraction hierarchy per hour
//!                              profile, O(nodes + edges) each; one-to-all sweeps to and
//!                              from the booking's pickup and drop-off, so that a search's
//!                              travel times are lookups
//! ```
//!
//! Plans are timed with the profile travel times of the hour in which dispatch decides
//! (a plan's legs all at one hour: what makes slack exact). [`exhaustive`] is the
//! reference every choice must equal.

pub mod estimates;
pub mod exhaustive;
pub mod index;
pub mod insertion;
pub mod plan;

use std::sync::Arc;

use self::estimates::{AtSlot, Estimates, Slot};
use self::index::{FleetIndex, Visitor};
use self::plan::{Around, InsertMode, NewStops, Placement, PlanCache, Scratch};
use crate::booking::{Dwell, Infeasible, PlanStop, VehicleView};
use crate::ids::{ActorId, NodeId};
use crate::time::SimTime;
use crate::world::{Side, Space, World};

/// What dispatch holds of one vehicle.
#[derive(Debug)]
pub struct VehicleEntry {
    /// Its actor.
    pub actor: ActorId,
    /// Its last report (with the plans sent since).
    pub view: Option<Arc<VehicleView>>,
    cache: PlanCache,
    /// The start and profile the cache was built for.
    cached_for: Option<(SimTime, Slot)>,
}

/// A booking leg to place.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Its pickup stop.
    pub pickup: &'a PlanStop,
    /// Its drop-off stop.
    pub dropoff: &'a PlanStop,
    /// Only this vehicle (scripted bookings may pin one).
    pub pinned: Option<usize>,
    /// A return leg: vehicles past their shift end may take it (overtime).
    pub overtime: bool,
    /// No pickup arrival after this.
    pub window_end: SimTime,
}

/// The fleet as dispatch sees it, with the index and the planning estimates.
pub struct Fleet {
    /// By vehicle id.
    pub vehicles: Vec<VehicleEntry>,
    /// Taken out while a search runs (the searcher changes the caches it reads).
    index: Option<FleetIndex>,
    index_slot: Option<Slot>,
    /// Planning travel times.
    pub estimates: Estimates,
    world: Arc<World>,
    dwell: Dwell,
    mode: InsertMode,
    metric: bool,
    scratch: Scratch,
    anchors: Vec<plan::Anchor>,
    /// Vehicles evaluated by searches (for statistics).
    pub evaluated: u64,
    /// Searches run.
    pub searches: u64,
    /// Whether searches put nodes in line by their travel time when it is a lookup (the
    /// default), or always by bounds first (the tests check both give the same choice).
    pub lookups: bool,
}

impl Fleet {
    /// A fleet of `actors` (by vehicle id), nothing reported yet.
    pub fn new(
        world: Arc<World>,
        estimates: Estimates,
        actors: Vec<ActorId>,
        dwell: Dwell,
        mode: InsertMode,
    ) -> Fleet {
        let metric = world.net.nodes().iter().all(|n| !n.stop_only);
        Fleet {
            index: Some(FleetIndex::new(&world.net, actors.len())),
            vehicles: actors
                .into_iter()
                .map(|actor| VehicleEntry {
                    actor,
                    view: None,
                    cache: PlanCache::default(),
                    cached_for: None,
                })
                .collect(),
            index_slot: None,
            estimates,
            world,
            dwell,
            mode,
            metric,
            scratch: Scratch::default(),
            anchors: Vec::new(),
            evaluated: 0,
            searches: 0,
            lookups: true,
        }
    }

    /// Takes a vehicle's view (a report, or a plan just sent) and re-indexes it.
    pub fn set_view(&mut self, vehicle: usize, view: Arc<VehicleView>, now: SimTime) {
        self.vehicles[vehicle].view = Some(view);
        self.vehicles[vehicle].cached_for = None;
        let slot = self.estimates.slot(now);
        self.refresh(vehicle, now, slot);
    }

    /// Rebuilds one vehicle's cache for `now` and `slot` if stale, and its anchors.
    fn refresh(&mut self, vehicle: usize, now: SimTime, slot: Slot) {
        if self.vehicles[vehicle].view.is_none() {
            return;
        }
        self.ensure_cache(vehicle, now, slot);
        self.anchors.clear();
        self.vehicles[vehicle].cache.anchors(
            self.dwell.pickup.as_ms(),
            self.mode,
            &mut self.anchors,
        );
        if let Some(index) = &mut self.index {
            index.set(vehicle, &self.anchors);
        }
    }

    fn ensure_cache(&mut self, vehicle: usize, now: SimTime, slot: Slot) {
        let entry = &mut self.vehicles[vehicle];
        let Some(view) = &entry.view else { return };
        let start = start_of(view, now);
        if entry.cached_for == Some((start, slot)) {
            return;
        }
        // The plan (stops, legs, who rides where) is set once per report and profile; a
        // later start only retimes it.
        if entry.cached_for.is_none_or(|(_, s)| s != slot) {
            let mut times = AtSlot {
                estimates: &mut self.estimates,
                slot,
            };
            let dwell = (self.dwell.pickup.as_ms(), self.dwell.dropoff.as_ms());
            entry.cache.set_plan(view, &mut times, dwell, self.metric);
        }
        entry.cache.retime(start);
        entry.cached_for = Some((start, slot));
    }

    /// Re-indexes every vehicle when the hour profile changes (anchors are lower bounds
    /// only under the profile they were computed with).
    fn sync_profile(&mut self, now: SimTime) -> Slot {
        let slot = self.estimates.slot(now);
        if self.index_slot != Some(slot) {
            for v in 0..self.vehicles.len() {
                self.refresh(v, now, slot);
            }
            self.index_slot = Some(slot);
        }
        slot
    }

    /// The best vehicle and insertion for `req` at `now`, or the reason most vehicles gave
    /// (no vehicle near enough: the pickup cannot be reached in time).
    pub fn best_vehicle(
        &mut self,
        now: SimTime,
        req: Request<'_>,
    ) -> Result<(usize, Placement), Infeasible> {
        let slot = self.sync_profile(now);
        self.searches += 1;
        let (p, d) = (req.pickup.node, req.dropoff.node);
        let direct = self.estimates.time_ms(slot, p, d).map(|ms| ms as i64);
        let mut search = Searcher {
            direct,
            fleet: self,
            now,
            slot,
            req,
            best: None,
            whys: [0; 6],
            twins: Vec::new(),
            late: Vec::new(),
            ends: [None, None, None, None],
        };
        match req.pinned {
            Some(v) => {
                search.visit(v, now);
            }
            None => {
                let mut index = search.fleet.index.take().expect("no search under way");
                let pets = req.pickup.manifest();
                let world = search.fleet.world.clone();
                let pickup = req.pickup.node;
                index.search(&world.net, pickup, pets, now, req.window_end, &mut search);
                search.fleet.index = Some(index);
            }
        }
        let Searcher {
            best, whys, late, ..
        } = search;
        // Vehicles that turned out late everywhere had anchors from an earlier start: bring
        // them up to date, so later searches skip them.
        for v in late {
            self.refresh(v, now, slot);
        }
        best.map(|(_, v, p)| (v, p))
            .ok_or_else(|| most_given(&whys))
    }

    /// The same choice by trying every vehicle and every pair of positions (the reference
    /// for tests; never used in a run).
    pub fn best_vehicle_exhaustive(
        &mut self,
        now: SimTime,
        req: Request<'_>,
    ) -> Result<(usize, Placement), Infeasible> {
        let slot = self.estimates.slot(now);
        let new = self.new_stops(req);
        let mut best: Option<(SimTime, u64, usize, Placement)> = None;
        let mut whys = [0u32; 6];
        for (v, entry) in self.vehicles.iter().enumerate() {
            let Some(view) = &entry.view else { continue };
            if req.pinned.is_some_and(|p| p != v) || !(view.available || req.overtime) {
                continue;
            }
            let mut view = as_of(view, now).into_owned();
            if req.overtime {
                view.shift_end = SimTime::MAX;
            }
            let mut times = AtSlot {
                estimates: &mut self.estimates,
                slot,
            };
            let start = start_of(&view, now);
            match exhaustive::best_insertion(&view, start, new, &mut times, self.mode) {
                Ok(p) if p.pickup_eta <= req.window_end => {
                    let key = (p.pickup_eta, p.added_ms, v, p);
                    if best.is_none_or(|b| (key.0, key.1, key.2) < (b.0, b.1, b.2)) {
                        best = Some(key);
                    }
                }
                Ok(_) => whys[Infeasible::PickupLate as usize] += 1,
                Err(e) => whys[e as usize] += 1,
            }
        }
        best.map(|(_, _, v, p)| (v, p))
            .ok_or_else(|| most_given(&whys))
    }

    fn new_stops<'a>(&self, req: Request<'a>) -> NewStops<'a> {
        NewStops {
            pickup: req.pickup,
            dropoff: req.dropoff,
            dwell_pickup_ms: self.dwell.pickup.as_ms(),
            dwell_dropoff_ms: self.dwell.dropoff.as_ms(),
        }
    }
}

/// Plans of vehicles whose report is out of date start on this grid (ms).
pub const START_STEP_MS: u64 = 60_000;

/// When dispatch plans a vehicle's plan to start at `now`. A report says where the vehicle
/// is next free to turn (`node`, at `at`): the plan starts there and then. After that time,
/// until its next report (it reports at every stop), the vehicle is somewhere on its way to
/// its first stop: dispatch then plans from that node at the next full minute after `now`
/// (later than the vehicle really is, so promises stay safe; on a grid, so that the many
/// searches of a busy minute share one timing of each plan), and no longer inserts a stop
/// before the first one (the vehicle is committed to it).
pub fn start_of(view: &VehicleView, now: SimTime) -> SimTime {
    if now <= view.at {
        view.at
    } else {
        SimTime(now.as_ms().div_ceil(START_STEP_MS) * START_STEP_MS)
    }
}

/// A vehicle's view as dispatch plans with it at `now` (see [`start_of`]): with its first
/// stop kept when the report is out of date.
pub fn as_of(view: &VehicleView, now: SimTime) -> std::borrow::Cow<'_, VehicleView> {
    if now > view.at && !view.plan.is_empty() && view.locked == 0 {
        let mut v = view.clone();
        v.locked = 1;
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(view)
    }
}

/// The reason most vehicles gave (ties: the first in declaration order); with none, the
/// pickup could not be reached in time.
fn most_given(whys: &[u32; 6]) -> Infeasible {
    const ALL: [Infeasible; 6] = [
        Infeasible::CrateSlots,
        Infeasible::SpeciesMix,
        Infeasible::RideTime,
        Infeasible::ShiftEnd,
        Infeasible::Unreachable,
        Infeasible::PickupLate,
    ];
    ALL.into_iter()
        .filter(|e| whys[*e as usize] > 0)
        .max_by_key(|e| (whys[*e as usize], std::cmp::Reverse(*e as u8)))
        .unwrap_or(Infeasible::PickupLate)
}

/// One search's state: the best so far and the reasons given.
struct Searcher<'f, 'r> {
    fleet: &'f mut Fleet,
    now: SimTime,
    slot: Slot,
    req: Request<'r>,
    /// (pickup arrival, added ms, vehicle) and the placement.
    best: Option<((SimTime, u64, usize), usize, Placement)>,
    /// Pickup to drop-off, ms (`None`: no road joins them).
    direct: Option<i64>,
    whys: [u32; 6],
    /// Idle vehicles evaluated in this search, by what makes them alike.
    twins: Vec<(Twin, Result<Placement, Infeasible>)>,
    /// Vehicles whose every position was late.
    late: Vec<usize>,
    /// The sweeps of the booking's ends, as first asked for: to and from the pickup, to
    /// and from the drop-off (`Some(None)`: the hierarchy cannot grow one).
    ends: [Option<Option<Arc<Space>>>; 4],
}

/// Which sweep of a booking's ends (see [`Searcher::ends`]).
#[derive(Clone, Copy)]
enum End {
    ToPickup = 0,
    FromPickup = 1,
    ToDropoff = 2,
    FromDropoff = 3,
}

impl Visitor for Searcher<'_, '_> {
    fn travel_ms(&mut self, node: NodeId) -> Option<u64> {
        self.time_via(End::ToPickup, node)
    }

    fn travel_sweep(&mut self) -> Option<Arc<Space>> {
        self.fleet
            .lookups
            .then(|| self.end(End::ToPickup))
            .flatten()
    }

    fn landmarks(&self) -> Option<(u64, Arc<crate::world::Landmarks>)> {
        self.fleet.estimates.landmarks(self.slot)
    }

    fn bound_ms(&self, node: NodeId) -> Option<u64> {
        let p = self.req.pickup.node;
        self.fleet.estimates.lower_bound_ms(self.slot, node, p)
    }

    fn around(&mut self, to_pickup: u64, next: NodeId, exact: bool) -> Option<Around> {
        let direct = self.direct?;
        // A leg that cannot be driven only rules out the order of stops that needs it.
        let mut t = |end| {
            let time = if exact {
                self.time_via(end, next)
            } else {
                Some(self.bound_via(end, next))
            };
            time.map_or(plan::NO_ROUTE_MS, |x| x as i64)
        };
        Some(Around {
            to_pickup: to_pickup as i64,
            pickup_to_next: t(End::FromPickup),
            dropoff_to_next: t(End::FromDropoff),
            next_to_dropoff: t(End::ToDropoff),
            direct,
        })
    }

    fn booking(&self) -> ((i64, i64), i64) {
        let dwell = (
            self.fleet.dwell.pickup.as_ms() as i64,
            self.fleet.dwell.dropoff.as_ms() as i64,
        );
        (dwell, self.req.pickup.ride_limit.as_ms() as i64)
    }

    fn visit(&mut self, v: usize, _bound: SimTime) -> SimTime {
        let cutoff = |s: &Self| {
            s.best
                .map_or(s.req.window_end, |b| b.0 .0.min(s.req.window_end))
        };
        let Some(view) = self.fleet.vehicles.get(v).and_then(|e| e.view.clone()) else {
            return cutoff(self);
        };
        if !(view.available || self.req.overtime) {
            return cutoff(self);
        }
        let shift_end = if self.req.overtime {
            SimTime::MAX
        } else {
            view.shift_end
        };
        // Idle vehicles alike (same node, start, crates, shift) place a booking alike: the
        // first one evaluated answers for the others, which differ only by number.
        let idle = (view.plan.is_empty() && view.aboard.is_empty()).then(|| Twin {
            node: view.node,
            start: start_of(&view, self.now),
            crates: view.crates,
            shift_end,
        });
        let known = idle.and_then(|t| self.twins.iter().find(|(k, _)| *k == t).map(|x| x.1));
        let found = match known {
            Some(found) => found,
            None => self.evaluate(v, &view, shift_end),
        };
        if let Some(t) = idle.filter(|_| known.is_none()) {
            self.twins.push((t, found));
        }
        match found {
            Ok(p) if p.pickup_eta <= self.req.window_end => {
                let key = (p.pickup_eta, p.added_ms, v);
                if self.best.is_none_or(|b| key < b.0) {
                    self.best = Some((key, v, p));
                }
            }
            Ok(_) => self.whys[Infeasible::PickupLate as usize] += 1,
            Err(e) => {
                if e == Infeasible::PickupLate && known.is_none() {
                    self.late.push(v);
                }
                self.whys[e as usize] += 1
            }
        }
        cutoff(self)
    }
}

/// What makes two idle vehicles place a booking the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Twin {
    node: NodeId,
    start: SimTime,
    crates: crate::booking::Crates,
    shift_end: SimTime,
}

impl Searcher<'_, '_> {
    /// The sweep of one of the booking's ends, grown when first asked for.
    fn end(&mut self, end: End) -> Option<Arc<Space>> {
        if let Some(known) = &self.ends[end as usize] {
            return known.clone();
        }
        let (root, side) = self.end_of(end);
        let space = self.fleet.estimates.space(self.slot, root, side);
        self.ends[end as usize] = Some(space.clone());
        space
    }

    fn end_of(&self, end: End) -> (NodeId, Side) {
        let (p, d) = (self.req.pickup.node, self.req.dropoff.node);
        match end {
            End::ToPickup => (p, Side::To),
            End::FromPickup => (p, Side::From),
            End::ToDropoff => (d, Side::To),
            End::FromDropoff => (d, Side::From),
        }
    }

    /// A lower bound on [`Searcher::time_via`]: the time itself when that end's sweep is
    /// grown already (a lookup), else from the landmarks (0 without them).
    fn bound_via(&self, end: End, other: NodeId) -> u64 {
        let (root, side) = self.end_of(end);
        if let Some(Some(space)) = &self.ends[end as usize] {
            let time = self.fleet.estimates.meet(root, space, other);
            return time.unwrap_or(plan::NO_ROUTE_MS as u64);
        }
        let (a, b) = match side {
            Side::To => (other, root),
            Side::From => (root, other),
        };
        (self.fleet.estimates)
            .lower_bound_ms(self.slot, a, b)
            .unwrap_or(0)
    }

    /// Milliseconds between `other` and one of the booking's ends (from `other` to a
    /// `To` end, from a `From` end to `other`): a lookup in that end's sweep, or a query
    /// when there is none.
    fn time_via(&mut self, end: End, other: NodeId) -> Option<u64> {
        let (root, side) = self.end_of(end);
        if self.ends[end as usize].is_none() {
            self.end(end);
        }
        match &self.ends[end as usize] {
            Some(Some(space)) => self.fleet.estimates.meet(root, space, other),
            _ => match side {
                Side::To => self.fleet.estimates.time_ms(self.slot, other, root),
                Side::From => self.fleet.estimates.time_ms(self.slot, root, other),
            },
        }
    }

    /// The cached search of vehicle `v`'s plan.
    fn evaluate(
        &mut self,
        v: usize,
        view: &VehicleView,
        shift_end: SimTime,
    ) -> Result<Placement, Infeasible> {
        self.fleet.ensure_cache(v, self.now, self.slot);
        self.fleet.evaluated += 1;
        // The plan's legs to and from the booking's ends are lookups in their sweeps.
        for end in [
            End::ToPickup,
            End::FromPickup,
            End::ToDropoff,
            End::FromDropoff,
        ] {
            self.end(end);
        }
        let new = self.fleet.new_stops(self.req);
        let fleet = &mut *self.fleet;
        let mut times = AtSlot {
            estimates: &mut fleet.estimates,
            slot: self.slot,
        };
        fleet.vehicles[v].cache.best_insertion(
            view,
            new,
            &mut times,
            fleet.mode,
            shift_end,
            &mut fleet.scratch,
        )
    }
}

#[cfg(test)]
mod tests;
