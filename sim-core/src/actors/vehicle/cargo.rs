//! Cargo and plan: the stops the vehicle is to drive, the bookings whose pets are aboard,
//! and what it has done, so that a plan sent before a stop was done does not repeat it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::meters::RideFare;
use crate::booking::{Aboard, Crates, Leg, Manifest, PlanStop, StopKind};
use crate::ids::BookingId;
use crate::time::SimTime;

/// A booking's pets aboard.
#[derive(Clone, Debug)]
pub(super) struct Ride {
    /// The pickup stop it boarded at: booking, leg, ride limit, the booking itself.
    pub stop: PlanStop,
    pub picked_at: SimTime,
    pub distance_m: f64,
    /// Reroutes taken with these pets aboard.
    pub reroutes: u32,
    pub fare: RideFare,
}

/// The plan and the pets aboard.
pub(super) struct Cargo {
    pub crates: Crates,
    pub plan: VecDeque<PlanStop>,
    pub rides: Vec<Ride>,
    /// Stops done, with when: a plan sent before a stop was done may still list it. Plans
    /// and reports cross within the same instant (they are sent with no delay), so an
    /// entry older than the plan being applied is never needed again and is dropped.
    done: BTreeMap<(BookingId, Leg, StopKind), SimTime>,
    /// Bookings diverted to a vet (at most once each).
    diverted: BTreeSet<BookingId>,
    /// Plans applied; reported so that dispatch ignores older reports.
    pub plans_applied: u64,
    /// Pickups handed back to dispatch.
    pub bounces: u32,
    /// Boardings that broke the crate or species rule (0 if dispatch is right).
    pub violations: u32,
}

impl Cargo {
    pub fn new(crates: Crates) -> Cargo {
        Cargo {
            crates,
            plan: VecDeque::new(),
            rides: Vec::new(),
            done: BTreeMap::new(),
            diverted: BTreeSet::new(),
            plans_applied: 0,
            bounces: 0,
            violations: 0,
        }
    }

    /// The pets aboard now, for the crate and species rule.
    pub fn manifest(&self) -> Manifest {
        self.rides
            .iter()
            .fold(Manifest::default(), |acc, r| acc.plus(r.stop.manifest()))
    }

    /// Whether `stop`'s pets can board now (crates and species separation).
    pub fn fits(&self, stop: &PlanStop) -> bool {
        self.manifest()
            .plus(stop.manifest())
            .check(&self.crates)
            .is_ok()
    }

    /// Pets aboard.
    pub fn pets(&self) -> u32 {
        self.rides.iter().map(|r| r.stop.load.total()).sum()
    }

    /// Whether there is work in hand (stops planned or pets aboard).
    pub fn busy(&self) -> bool {
        !self.plan.is_empty() || !self.rides.is_empty()
    }

    /// The ride of `booking`, if its pets are aboard.
    pub fn ride_mut(&mut self, booking: BookingId) -> Option<&mut Ride> {
        self.rides.iter_mut().find(|r| r.stop.booking == booking)
    }

    /// The booking spec of `booking`, if it is aboard or in the plan.
    pub fn spec_of(
        &self,
        booking: BookingId,
    ) -> Option<&std::sync::Arc<crate::booking::BookingSpec>> {
        (self.rides.iter().map(|r| &r.stop))
            .chain(self.plan.iter())
            .find(|s| s.booking == booking)
            .map(|s| &s.spec)
    }

    /// Whether `booking`'s pets are aboard.
    pub fn has_aboard(&self, booking: BookingId) -> bool {
        self.rides.iter().any(|r| r.stop.booking == booking)
    }

    /// Records a stop as done at `now`.
    pub fn mark_done(&mut self, stop: &PlanStop, now: SimTime) {
        self.done.insert(stop.key(), now);
    }

    /// Takes the ride of `stop`'s booking and leg off the vehicle.
    pub fn take_ride(&mut self, stop: &PlanStop) -> Option<Ride> {
        let i = self
            .rides
            .iter()
            .position(|r| r.stop.booking == stop.booking && r.stop.leg == stop.leg)?;
        self.diverted.remove(&stop.booking);
        Some(self.rides.remove(i))
    }

    /// Removes every stop of `stop`'s booking and leg (its pickup was refused).
    pub fn drop_leg(&mut self, stop: &PlanStop) {
        self.plan
            .retain(|s| !(s.booking == stop.booking && s.leg == stop.leg));
    }

    /// Replaces the plan with `plan` (sent at `now`), less the stops already done; a stop
    /// in progress (`busy_front`) stays first.
    pub fn apply(&mut self, plan: &[PlanStop], busy_front: Option<PlanStop>, now: SimTime) {
        self.done.retain(|_, at| *at >= now);
        let mut new: VecDeque<PlanStop> = plan
            .iter()
            .filter(|s| !self.done.contains_key(&s.key()))
            .cloned()
            .collect();
        if let Some(cur) = busy_front {
            new.retain(|s| s.key() != cur.key());
            new.push_front(cur);
        }
        self.plan = new;
    }

    /// Marks `booking` as diverted; false if it already was.
    pub fn divert(&mut self, booking: BookingId) -> bool {
        self.diverted.insert(booking)
    }

    /// What dispatch sees of the pets aboard.
    pub fn aboard_view(&self) -> Vec<Aboard> {
        self.rides
            .iter()
            .map(|r| Aboard {
                booking: r.stop.booking,
                leg: r.stop.leg,
                load: r.stop.load,
                household: r.stop.household,
                dogs: r.stop.dogs,
                cats: r.stop.cats,
                picked_at: r.picked_at,
                ride_limit: r.stop.ride_limit,
            })
            .collect()
    }
}
