//! The reference: every insertion of a booking into a plan, each checked by walking the
//! whole new plan. Slow (it builds and walks a plan per pair of positions) and obviously
//! right; the cached search in [`super::plan`] must choose exactly as it does, which a
//! property test checks on random instances, and it falls back to it where travel times
//! break the triangle inequality.

use super::estimates::LegTimes;
use super::insertion::{more_telling, InsertMode, NewStops, Placement};
use crate::booking::{Infeasible, Manifest, PlanStop, StopKind, VehicleView};
use crate::time::{SimDuration, SimTime};

/// Timing of a feasible plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanTiming {
    /// Arrival (before waiting and dwell) at each stop.
    pub arrive: Vec<SimTime>,
    /// When the last stop is done.
    pub end: SimTime,
}

/// Walks `plan` from `view`'s node at `start`: crates and species at every pickup, latest
/// pickup times, ride limits, the shift end. With `alone`, the pickup at that index must
/// find nothing aboard (one booking at a time).
pub fn evaluate(
    view: &VehicleView,
    start: SimTime,
    plan: &[PlanStop],
    times: &mut dyn LegTimes,
    dwell: (u64, u64),
    alone: Option<usize>,
) -> Result<PlanTiming, Infeasible> {
    let mut t = start;
    let mut node = view.node;
    // (booking, leg, picked at, ride limit, pets)
    let mut aboard: Vec<_> = view
        .aboard
        .iter()
        .map(|a| (a.booking, a.leg, a.picked_at, a.ride_limit, a.manifest()))
        .collect();
    let mut arrive = Vec::with_capacity(plan.len());
    for (k, s) in plan.iter().enumerate() {
        let travel = times.leg_ms(node, s.node).ok_or(Infeasible::Unreachable)?;
        t += SimDuration(travel);
        arrive.push(t);
        node = s.node;
        match s.kind {
            StopKind::Pickup => {
                if t > s.latest {
                    return Err(Infeasible::PickupLate);
                }
                if alone == Some(k) && !aboard.is_empty() {
                    return Err(Infeasible::CrateSlots);
                }
                t = t.max(s.earliest) + SimDuration(dwell.0);
                aboard.push((s.booking, s.leg, t, s.ride_limit, s.manifest()));
                aboard
                    .iter()
                    .fold(Manifest::default(), |acc, a| acc.plus(a.4))
                    .check(&view.crates)?;
            }
            StopKind::Dropoff => {
                if let Some(i) = aboard.iter().position(|a| a.0 == s.booking && a.1 == s.leg) {
                    let a = aboard.remove(i);
                    if t.saturating_since(a.2) > a.3 {
                        return Err(Infeasible::RideTime);
                    }
                }
                t += SimDuration(dwell.1);
            }
        }
    }
    if t > view.shift_end && !plan.is_empty() {
        return Err(Infeasible::ShiftEnd);
    }
    Ok(PlanTiming { arrive, end: t })
}

/// The cheapest feasible insertion (least added duration, then the earliest positions) by
/// trying every pair of positions after the locked stops, or the most telling reason none
/// is feasible.
pub fn best_insertion(
    view: &VehicleView,
    start: SimTime,
    new: NewStops<'_>,
    times: &mut dyn LegTimes,
    mode: InsertMode,
) -> Result<Placement, Infeasible> {
    let dwell = (new.dwell_pickup_ms, new.dwell_dropoff_ms);
    let base_end = evaluate(view, start, &view.plan, times, dwell, None)?.end;
    let mut best: Option<Placement> = None;
    let mut why = Infeasible::ShiftEnd;
    let n = view.plan.len();
    for i in view.locked.min(n)..=n {
        let last = if mode == InsertMode::Single { i } else { n };
        for j in i..=last {
            let mut plan = Vec::with_capacity(n + 2);
            plan.extend_from_slice(&view.plan[..i]);
            plan.push(new.pickup.clone());
            plan.extend_from_slice(&view.plan[i..j]);
            plan.push(new.dropoff.clone());
            plan.extend_from_slice(&view.plan[j..]);
            let alone = (mode == InsertMode::Single).then_some(i);
            match evaluate(view, start, &plan, times, dwell, alone) {
                Ok(timing) => {
                    let added = timing.end.saturating_since(base_end).as_ms();
                    if best.is_none_or(|b| added < b.added_ms) {
                        best = Some(Placement {
                            pickup_at: i,
                            dropoff_at: j + 1,
                            added_ms: added,
                            pickup_eta: timing.arrive[i],
                        });
                    }
                }
                Err(e) => why = more_telling(why, e),
            }
        }
    }
    best.ok_or(why)
}
