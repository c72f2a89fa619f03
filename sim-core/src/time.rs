//! Simulated time: integer milliseconds since the scenario's start (midnight of its first day).
//!
//! No floating-point time anywhere in the model: a float cannot be a total order key and
//! its rounding depends on the magnitude, so two runs could disagree on which event is first.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Milliseconds in one second.
pub const MS_PER_S: u64 = 1_000;
/// Milliseconds in one minute.
pub const MS_PER_MIN: u64 = 60 * MS_PER_S;
/// Milliseconds in one hour.
pub const MS_PER_H: u64 = 60 * MS_PER_MIN;
/// Milliseconds in one day.
pub const MS_PER_DAY: u64 = 24 * MS_PER_H;

/// An instant of simulated time, in milliseconds since 00:00 of the scenario's first day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time in milliseconds. Never negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of the scenario.
    pub const ZERO: SimTime = SimTime(0);
    /// A time after every event the engine will ever schedule.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Builds a time from a day index (0 = first day) and a time of day.
    pub const fn from_day_hms(day: u64, hour: u64, minute: u64, second: u64) -> SimTime {
        SimTime(day * MS_PER_DAY + hour * MS_PER_H + minute * MS_PER_MIN + second * MS_PER_S)
    }

    /// Milliseconds since the start.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for speeds and rates, never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }

    /// Day index: 0 for the first day.
    pub fn day(self) -> u64 {
        self.0 / MS_PER_DAY
    }

    /// Milliseconds since midnight of the current day.
    pub fn ms_of_day(self) -> u64 {
        self.0 % MS_PER_DAY
    }

    /// Hour of day as a float in [0, 24), for interpolating hourly profiles.
    pub fn hour_of_day_f64(self) -> f64 {
        self.ms_of_day() as f64 / MS_PER_H as f64
    }

    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of whole seconds.
    pub const fn from_secs(seconds: u64) -> SimDuration {
        SimDuration(seconds * MS_PER_S)
    }

    /// A duration of whole minutes.
    pub const fn from_mins(minutes: u64) -> SimDuration {
        SimDuration(minutes * MS_PER_MIN)
    }

    /// A duration of whole hours.
    pub const fn from_hours(hours: u64) -> SimDuration {
        SimDuration(hours * MS_PER_H)
    }

    /// A duration from float seconds, rounded to the nearest millisecond (negative and NaN
    /// give zero, infinity saturates).
    pub fn from_secs_f64(seconds: f64) -> SimDuration {
        if seconds.is_nan() || seconds <= 0.0 {
            return SimDuration::ZERO;
        }
        let ms = (seconds * MS_PER_S as f64).round();
        if ms >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(ms as u64)
        }
    }

    /// Milliseconds.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Panics (in debug) when `rhs` is later: use [`SimTime::saturating_since`] when unsure.
    fn sub(self, rhs: SimTime) -> SimDuration {
        debug_assert!(self >= rhs, "time went backwards: {self} - {rhs}");
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl fmt::Display for SimTime {
    /// `d1 09:30:00.000` style: day (1-based) and time of day.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.ms_of_day();
        write!(
            f,
            "d{} {:02}:{:02}:{:02}.{:03}",
            self.day() + 1,
            ms / MS_PER_H,
            (ms / MS_PER_MIN) % 60,
            (ms / MS_PER_S) % 60,
            ms % MS_PER_S
        )
    }
}

impl fmt::Display for SimDuration {
    /// `1h02m03.004s` style.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        let h = ms / MS_PER_H;
        let m = (ms / MS_PER_MIN) % 60;
        let s = (ms / MS_PER_S) % 60;
        let milli = ms % MS_PER_S;
        if h > 0 {
            write!(f, "{h}h{m:02}m{s:02}s")
        } else if m > 0 {
            write!(f, "{m}m{s:02}s")
        } else {
            write!(f, "{s}.{milli:03}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_and_time_of_day_split() {
        let t = SimTime::from_day_hms(1, 10, 30, 5);
        assert_eq!(t.day(), 1);
        assert_eq!(
            t.ms_of_day(),
            10 * MS_PER_H + 30 * MS_PER_MIN + 5 * MS_PER_S
        );
        assert_eq!(t.to_string(), "d2 10:30:05.000");
    }

    #[test]
    fn float_seconds_round_and_clamp() {
        assert_eq!(SimDuration::from_secs_f64(1.2345), SimDuration(1_235));
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(
            SimDuration::from_secs_f64(f64::INFINITY),
            SimDuration(u64::MAX)
        );
    }
}
