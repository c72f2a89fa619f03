//! What an insertion is: how a booking may be inserted, its two new stops, a feasible
//! placement, and which refusal reason tells the customer most. Shared by the cached
//! search ([`super::plan`]) and the reference ([`super::exhaustive`]).

use crate::booking::{Infeasible, PlanStop};
use crate::time::SimTime;

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

/// Prefer reasons about the pets over reasons about time.
pub fn more_telling(a: Infeasible, b: Infeasible) -> Infeasible {
    let rank = |x: Infeasible| match x {
        Infeasible::Unreachable => 0,
        Infeasible::CrateSlots => 1,
        Infeasible::SpeciesMix => 2,
        Infeasible::RideTime => 3,
        Infeasible::PickupLate => 4,
        Infeasible::ShiftEnd => 5,
    };
    if rank(b) < rank(a) {
        b
    } else {
        a
    }
}
