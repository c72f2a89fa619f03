//! The pet welfare model: what a ride does to a pet, and when it raises alerts.
//!
//! - **Cabin**: with working climate control the cabin sits near the set point, leaking a
//!   little of the outside (`cabin = set + 0.15 (outside - set)`, humidity 50 %). With the
//!   HVAC failed it relaxes towards the outside temperature plus solar gain (+6 C from 09:00
//!   to 17:00) with a 15-minute time constant, and takes the outside humidity.
//! - **Vibration** (m/s^2 RMS): a base per road class at the speed limit, scaled by the
//!   square root of speed over limit; 0 when stopped.
//! - **Stress** (0-1) relaxes with a 10-minute time constant towards a target: 0.15 while
//!   moving (0.05 stopped) plus heat above the comfort band (reaching 1 at the critical cabin
//!   temperature), cold below it, humidity above 70 %, vibration, and time past the rest
//!   interval (dogs). **Heart rate** = resting + (max - resting) x stress.
//! - **Alerts**, per cause, raised when its level rises during a ride: heat (notice above
//!   the comfort band, warning at `heat_warning_c`, critical at `heat_critical_c`), stress
//!   (0.5 / 0.7 / 0.9), rest overdue (notice past the interval, warning at 1.5 x).
//!
//! Thresholds and heart rates come from `data/pets/physiology.csv`.

use crate::engine::{TraceEncode, TraceHasher};
use crate::time::{SimDuration, SimTime};
use crate::world::RoadClass;

/// A pet's physiology (per species and size class).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Physiology {
    /// Resting heart rate.
    pub resting_hr_bpm: f64,
    /// Heart rate at full stress.
    pub max_hr_bpm: f64,
    /// Comfortable cabin temperature, low end.
    pub comfort_min_c: f64,
    /// Comfortable cabin temperature, high end.
    pub comfort_max_c: f64,
    /// Cabin temperature of a heat warning.
    pub heat_warning_c: f64,
    /// Cabin temperature of a critical heat alert.
    pub heat_critical_c: f64,
    /// Rest stop interval (dogs on long trips); `None` for no rest stops.
    pub rest_interval: Option<SimDuration>,
}

/// What the pet experiences, reported by the vehicle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Env {
    /// Cabin temperature, C.
    pub cabin_temp_c: f64,
    /// Cabin relative humidity, %.
    pub humidity_pct: f64,
    /// Vibration, m/s^2 RMS.
    pub vibration_ms2: f64,
    /// Time since the last rest stop (or boarding).
    pub since_rest: SimDuration,
    /// Whether the vehicle is moving.
    pub moving: bool,
}

/// Alert level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// Nothing.
    #[default]
    None = 0,
    /// Worth a look.
    Notice = 1,
    /// Act soon.
    Warning = 2,
    /// Act now: the vehicle diverts to a vet.
    Critical = 3,
}

impl Level {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

/// The cause of an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// Cabin too hot.
    Heat = 0,
    /// Stress level.
    Stress = 1,
    /// Rest stop overdue.
    RestOverdue = 2,
}

impl Cause {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Heat => "heat",
            Cause::Stress => "stress",
            Cause::RestOverdue => "rest_overdue",
        }
    }
}

/// An alert.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alert {
    /// Level.
    pub level: Level,
    /// Cause.
    pub cause: Cause,
    /// The measured value (C, stress 0-1, minutes).
    pub value: f64,
    /// The threshold crossed.
    pub threshold: f64,
}

/// A pet's welfare during one ride.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Welfare {
    /// Stress, 0-1.
    pub stress: f64,
    /// Heart rate.
    pub heart_rate_bpm: f64,
    /// Highest level raised per cause this ride.
    pub raised: [Level; 3],
}

impl Welfare {
    /// A calm pet at boarding.
    pub fn calm(p: &Physiology) -> Welfare {
        Welfare {
            stress: 0.05,
            heart_rate_bpm: p.resting_hr_bpm + (p.max_hr_bpm - p.resting_hr_bpm) * 0.05,
            raised: [Level::None; 3],
        }
    }

    /// Advances by `dt` under `env`; returns alerts whose level rose.
    pub fn step(&mut self, p: &Physiology, env: &Env, dt: SimDuration) -> Vec<Alert> {
        let heat_span = (p.heat_critical_c - p.comfort_max_c).max(0.5);
        let heat = ((env.cabin_temp_c - p.comfort_max_c) / heat_span).clamp(0.0, 1.2);
        let cold = ((p.comfort_min_c - env.cabin_temp_c) / 10.0).clamp(0.0, 0.8);
        let humid = ((env.humidity_pct - 70.0) / 30.0).clamp(0.0, 1.0) * 0.15;
        let vib = (env.vibration_ms2 / 3.0).clamp(0.0, 1.0) * 0.25;
        let overdue_min = match p.rest_interval {
            Some(i) if env.since_rest > i => {
                (env.since_rest.as_secs_f64() - i.as_secs_f64()) / 60.0
            }
            _ => 0.0,
        };
        let rest = p.rest_interval.map_or(0.0, |i| {
            (overdue_min * 60.0 / i.as_secs_f64().max(60.0)).clamp(0.0, 1.0) * 0.25
        });
        let base = if env.moving { 0.15 } else { 0.05 };
        let target = (base + heat + cold + humid + vib + rest).clamp(0.0, 1.0);
        let k = 1.0 - (-dt.as_secs_f64() / 600.0).exp();
        self.stress += (target - self.stress) * k;
        self.heart_rate_bpm = p.resting_hr_bpm + (p.max_hr_bpm - p.resting_hr_bpm) * self.stress;

        let mut alerts = Vec::new();
        let t = env.cabin_temp_c;
        let heat_level = if t >= p.heat_critical_c {
            (Level::Critical, p.heat_critical_c)
        } else if t >= p.heat_warning_c {
            (Level::Warning, p.heat_warning_c)
        } else if t > p.comfort_max_c + 1.0 {
            (Level::Notice, p.comfort_max_c + 1.0)
        } else {
            (Level::None, 0.0)
        };
        self.raise(Cause::Heat, heat_level, t, &mut alerts);
        let s = self.stress;
        let stress_level = if s >= 0.9 {
            (Level::Critical, 0.9)
        } else if s >= 0.7 {
            (Level::Warning, 0.7)
        } else if s >= 0.5 {
            (Level::Notice, 0.5)
        } else {
            (Level::None, 0.0)
        };
        self.raise(Cause::Stress, stress_level, s, &mut alerts);
        if let Some(i) = p.rest_interval {
            let since_min = env.since_rest.as_secs_f64() / 60.0;
            let i_min = i.as_secs_f64() / 60.0;
            let rest_level = if since_min >= 1.5 * i_min {
                (Level::Warning, 1.5 * i_min)
            } else if since_min > i_min {
                (Level::Notice, i_min)
            } else {
                (Level::None, 0.0)
            };
            self.raise(Cause::RestOverdue, rest_level, since_min, &mut alerts);
        }
        alerts
    }

    fn raise(
        &mut self,
        cause: Cause,
        (level, threshold): (Level, f64),
        value: f64,
        out: &mut Vec<Alert>,
    ) {
        if level > self.raised[cause as usize] {
            self.raised[cause as usize] = level;
            out.push(Alert {
                level,
                cause,
                value,
                threshold,
            });
        }
    }

    /// After treatment at a vet: calm again, alerts may be raised anew.
    pub fn treated(&mut self, p: &Physiology) {
        *self = Welfare::calm(p);
    }
}

/// Seoul climate normals by month and hour, and the month of each day of the run.
#[derive(Clone, Debug)]
pub struct Climate {
    /// `[month 0-11][hour]` -> (temperature C, relative humidity %).
    pub normals: [[(f64, f64); 24]; 12],
    /// Month (0-11) of each day of the run; later days keep the last.
    pub month_of_day: Vec<u8>,
    /// Degrees C added to every hour's normal temperature (a heatwave).
    pub offset_c: f64,
}

impl Climate {
    /// Outside (temperature, humidity) at `t`, interpolated between hours.
    pub fn outside(&self, t: SimTime) -> (f64, f64) {
        let day = t.day() as usize;
        let month = self
            .month_of_day
            .get(day)
            .or(self.month_of_day.last())
            .copied()
            .unwrap_or(0) as usize;
        let h = t.hour_of_day_f64();
        let (h0, w) = (h.floor() as usize % 24, h - h.floor());
        let (a, b) = (self.normals[month][h0], self.normals[month][(h0 + 1) % 24]);
        (a.0 + (b.0 - a.0) * w + self.offset_c, a.1 + (b.1 - a.1) * w)
    }
}

/// The rest rule: on a ride the vehicle stops for a rest once the time since the last rest
/// (or since the first pet boarded) reaches the shortest rest interval of the pets aboard
/// (`data/pets/physiology.csv`, `rest_interval_min`: dogs every 2 h; cats none). The stop
/// itself lasts `[welfare] rest_stop`.
pub fn rest_due(intervals: impl IntoIterator<Item = SimDuration>, since_rest: SimDuration) -> bool {
    intervals.into_iter().min().is_some_and(|i| since_rest >= i)
}

/// Cabin climate of a vehicle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cabin {
    /// Current cabin temperature.
    pub temp_c: f64,
    /// Current humidity.
    pub humidity_pct: f64,
    /// Whether the climate control works.
    pub hvac_ok: bool,
}

/// Climate-control set point, C.
pub const SET_POINT_C: f64 = 22.0;

impl Cabin {
    /// A cabin at the set point.
    pub fn new(outside_c: f64) -> Cabin {
        Cabin {
            temp_c: SET_POINT_C + 0.15 * (outside_c - SET_POINT_C),
            humidity_pct: 50.0,
            hvac_ok: true,
        }
    }

    /// Advances by `dt` with the outside at `outside_c` / `outside_rh` at hour `hour`.
    pub fn step(&mut self, outside_c: f64, outside_rh: f64, hour: f64, dt: SimDuration) {
        let (target_t, target_rh) = if self.hvac_ok {
            (SET_POINT_C + 0.15 * (outside_c - SET_POINT_C), 50.0)
        } else {
            let solar = if (9.0..17.0).contains(&hour) {
                6.0
            } else {
                0.0
            };
            (outside_c + solar, outside_rh)
        };
        let k = 1.0 - (-dt.as_secs_f64() / 900.0).exp();
        self.temp_c += (target_t - self.temp_c) * k;
        self.humidity_pct += (target_rh - self.humidity_pct) * k;
    }
}

/// Vibration at `speed_kmh` on a road of `class` with limit `limit_kmh`.
pub fn vibration_ms2(class: RoadClass, speed_kmh: f64, limit_kmh: f64) -> f64 {
    if speed_kmh <= 0.0 {
        return 0.0;
    }
    let base = match class {
        RoadClass::Expressway => 0.6,
        RoadClass::UrbanExpressway => 0.8,
        RoadClass::Arterial => 1.2,
        RoadClass::Connector => 1.0,
    };
    base * (speed_kmh / limit_kmh.max(1.0)).sqrt()
}

impl TraceEncode for Env {
    fn encode(&self, h: &mut TraceHasher) {
        let Env {
            cabin_temp_c,
            humidity_pct,
            vibration_ms2,
            since_rest,
            moving,
        } = self;
        h.f64(*cabin_temp_c);
        h.f64(*humidity_pct);
        h.f64(*vibration_ms2);
        h.u64(since_rest.as_ms());
        h.u8(u8::from(*moving));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn large_dog() -> Physiology {
        Physiology {
            resting_hr_bpm: 80.0,
            max_hr_bpm: 180.0,
            comfort_min_c: 15.0,
            comfort_max_c: 23.0,
            heat_warning_c: 26.0,
            heat_critical_c: 31.0,
            rest_interval: Some(SimDuration::from_mins(120)),
        }
    }

    fn ride(cabin: &mut Cabin, outside: f64, minutes: u64) -> (Welfare, Vec<Alert>) {
        let p = large_dog();
        let mut w = Welfare::calm(&p);
        let mut all = Vec::new();
        for m in 0..minutes {
            cabin.step(outside, 60.0, 15.0, SimDuration::from_mins(1));
            let env = Env {
                cabin_temp_c: cabin.temp_c,
                humidity_pct: cabin.humidity_pct,
                vibration_ms2: vibration_ms2(RoadClass::Expressway, 100.0, 110.0),
                since_rest: SimDuration::from_mins(m),
                moving: true,
            };
            all.extend(w.step(&p, &env, SimDuration::from_mins(1)));
        }
        (w, all)
    }

    #[test]
    fn a_working_cabin_keeps_the_pet_calm_on_a_hot_day() {
        let mut c = Cabin::new(31.0);
        let (w, alerts) = ride(&mut c, 31.0, 60);
        assert!(c.temp_c < 24.0, "{}", c.temp_c);
        assert!(w.stress < 0.5, "{}", w.stress);
        assert!(
            alerts.iter().all(|a| a.level < Level::Warning),
            "{alerts:?}"
        );
    }

    #[test]
    fn hvac_failure_on_a_hot_afternoon_goes_critical() {
        let mut c = Cabin::new(31.0);
        c.hvac_ok = false;
        let (w, alerts) = ride(&mut c, 31.0, 45);
        assert!(c.temp_c > 31.0, "{}", c.temp_c);
        assert!(
            alerts
                .iter()
                .any(|a| a.level == Level::Critical && a.cause == Cause::Heat),
            "{alerts:?}"
        );
        assert!(w.heart_rate_bpm > 130.0, "{}", w.heart_rate_bpm);
        // Levels rise in order and each is raised once.
        let heat: Vec<Level> = alerts
            .iter()
            .filter(|a| a.cause == Cause::Heat)
            .map(|a| a.level)
            .collect();
        assert_eq!(heat, vec![Level::Notice, Level::Warning, Level::Critical]);
    }

    #[test]
    fn overdue_rest_raises_notices_then_warnings() {
        let mut c = Cabin::new(20.0);
        let (_, alerts) = ride(&mut c, 20.0, 200);
        let rest: Vec<Level> = alerts
            .iter()
            .filter(|a| a.cause == Cause::RestOverdue)
            .map(|a| a.level)
            .collect();
        assert_eq!(rest, vec![Level::Notice, Level::Warning]);
    }
}
