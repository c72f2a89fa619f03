//! Learned delays: the distribution of the travel-time ratio (actual / profile) per road
//! class, day type and hour, as `petfleet learn` fits it from recorded runs, and the two
//! questions a quote asks of it: the median time of a route, and the chance that the
//! route runs more than 15 minutes late.
//!
//! Each cell keeps [`LEVELS`] quantiles at the levels (i + 0.5) / [`LEVELS`]. A route's
//! ratio is taken as the profile-time-weighted mix of its classes' ratios at the same
//! level (the classes are assumed to be late together, as congestion and incidents make
//! them): a conservative chance of being late.

use std::sync::Arc;

use crate::ids::EdgeId;
use crate::time::SimTime;
use crate::traffic::{DayType, TrafficConfig};
use crate::world::{RoadClass, RoadNetwork, TravelTimes};

/// Quantile levels kept per cell.
pub const LEVELS: usize = 20;

/// The ratio's quantiles in one cell, and the samples they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct DelayCell {
    /// Samples.
    pub n: u64,
    /// Quantiles at the levels (i + 0.5) / [`LEVELS`].
    pub q: [f64; LEVELS],
}

impl DelayCell {
    /// The median (between the two middle levels).
    pub fn median(&self) -> f64 {
        (self.q[LEVELS / 2 - 1] + self.q[LEVELS / 2]) / 2.0
    }
}

/// The learned delays: cells by road class, day type and hour.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LearnedDelays {
    cells: Vec<Option<DelayCell>>,
}

fn index(class: RoadClass, day: DayType, hour: usize) -> usize {
    (class.index() * 3 + day as usize) * 24 + hour.min(23)
}

impl LearnedDelays {
    /// No cells yet.
    pub fn new() -> LearnedDelays {
        LearnedDelays {
            cells: vec![None; RoadClass::ALL.len() * 3 * 24],
        }
    }

    /// Sets a cell.
    pub fn set(&mut self, class: RoadClass, day: DayType, hour: usize, cell: DelayCell) {
        let i = index(class, day, hour);
        self.cells[i] = Some(cell);
    }

    /// A cell, if learned.
    pub fn cell(&self, class: RoadClass, day: DayType, hour: usize) -> Option<&DelayCell> {
        self.cells
            .get(index(class, day, hour))
            .and_then(Option::as_ref)
    }

    /// The cell for a class, day and hour, else the nearest learned hour of that class and
    /// day, else of that class on any day; `None` when the class has no samples.
    fn nearest(&self, class: RoadClass, day: DayType, hour: usize) -> Option<&DelayCell> {
        let days = std::iter::once(day).chain(DayType::ALL.into_iter().filter(move |d| *d != day));
        for d in days {
            for k in 0..24 {
                let hours = [(hour + 24 - k) % 24, (hour + k) % 24];
                if let Some(c) = hours.iter().find_map(|h| self.cell(class, d, *h)) {
                    return Some(c);
                }
            }
        }
        None
    }

    /// The ratio at quantile level `i` (1 where nothing was learned).
    fn ratio(&self, class: RoadClass, day: DayType, hour: usize, i: usize) -> f64 {
        self.nearest(class, day, hour).map_or(1.0, |c| c.q[i])
    }

    /// The median ratio.
    pub fn median(&self, class: RoadClass, day: DayType, hour: usize) -> f64 {
        self.nearest(class, day, hour)
            .map_or(1.0, DelayCell::median)
    }

    /// The chance that a route whose profile seconds per class are `parts` takes more than
    /// `late_s` longer than its profile time.
    pub fn p_late(
        &self,
        parts: &[(RoadClass, f64)],
        day: DayType,
        hour: usize,
        late_s: f64,
    ) -> f64 {
        let late = (0..LEVELS)
            .filter(|&i| {
                let extra: f64 = (parts.iter())
                    .map(|(c, s)| s * (self.ratio(*c, day, hour, i) - 1.0))
                    .sum();
                extra > late_s
            })
            .count();
        late as f64 / LEVELS as f64
    }
}

/// Travel times of the profile stretched by the learned median ratio of each edge's class
/// at one day type and hour: the times a learned quote meters.
pub struct LearnedTimes<'a> {
    /// The profile's times.
    pub profile: &'a dyn TravelTimes,
    /// The delays.
    pub delays: &'a LearnedDelays,
    /// Day type.
    pub day: DayType,
    /// Hour of the day.
    pub hour: usize,
}

impl TravelTimes for LearnedTimes<'_> {
    fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64> {
        let class = net.edge(edge).class;
        let s = self.profile.edge_time_s(net, edge)?;
        Some(s * self.delays.median(class, self.day, self.hour))
    }
}

/// The quote of a route under learned delays: the chance it runs more than `late_s` late,
/// given the profile times of its edges at `start`.
pub fn p_late_route(
    delays: &Arc<LearnedDelays>,
    traffic: &TrafficConfig,
    net: &RoadNetwork,
    profile: &dyn TravelTimes,
    edges: &[EdgeId],
    start: SimTime,
    late_s: f64,
) -> f64 {
    let mut parts: Vec<(RoadClass, f64)> = RoadClass::ALL.iter().map(|c| (*c, 0.0)).collect();
    for &e in edges {
        let class = net.edge(e).class;
        parts[class.index()].1 += profile.edge_time_s(net, e).unwrap_or(0.0);
    }
    let hour = (start.ms_of_day() / crate::time::MS_PER_H) as usize;
    delays.p_late(&parts, traffic.day_type(start), hour, late_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(lo: f64, hi: f64) -> DelayCell {
        let mut q = [0.0; LEVELS];
        for (i, v) in q.iter_mut().enumerate() {
            *v = lo + (hi - lo) * (i as f64 + 0.5) / LEVELS as f64;
        }
        DelayCell { n: 100, q }
    }

    #[test]
    fn medians_fall_back_to_the_nearest_hour_and_a_route_is_late_at_the_levels_that_make_it() {
        let mut d = LearnedDelays::new();
        d.set(RoadClass::Arterial, DayType::Weekday, 8, cell(1.0, 2.0));
        assert!((d.median(RoadClass::Arterial, DayType::Weekday, 8) - 1.5).abs() < 1e-9);
        assert_eq!(
            d.median(RoadClass::Arterial, DayType::Weekday, 10),
            1.5,
            "nearest hour"
        );
        assert_eq!(
            d.median(RoadClass::Arterial, DayType::Holiday, 3),
            1.5,
            "any day"
        );
        assert_eq!(
            d.median(RoadClass::Expressway, DayType::Weekday, 8),
            1.0,
            "nothing learned"
        );
        // 1,800 profile seconds on arterials: late by more than 900 s when the ratio
        // exceeds 1.5, at levels 10..19 of 20 (ratios 1.525 ... 1.975).
        let parts = [(RoadClass::Arterial, 1800.0)];
        assert_eq!(d.p_late(&parts, DayType::Weekday, 8, 900.0), 0.5);
        assert_eq!(d.p_late(&parts, DayType::Weekday, 8, 1800.0), 0.0);
        assert_eq!(
            d.p_late(
                &[(RoadClass::Expressway, 9000.0)],
                DayType::Weekday,
                8,
                900.0
            ),
            0.0
        );
    }
}
