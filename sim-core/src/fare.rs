//! The fare engine: plain, data-driven functions (tariffs come from `data/tariffs/*.toml`).
//!
//! ## The meter (exactly the Seoul taxi semantics)
//! A ride is a sequence of intervals (GPS samples, or the vehicle's own motion). Over each
//! interval, if the average speed is at or above the slow threshold (`unit_distance_m`
//! per `slow_unit_s`, 131 m / 30 s in Seoul) the distance travelled accrues as *metered
//! distance*; otherwise the elapsed time accrues as *equivalent distance* at
//! `unit_distance_m` per `slow_unit_s`. The base fare covers the first `base_distance_m`
//! of metered plus equivalent distance; after that one unit fare is added for each
//! completed `unit_distance_m`. A unit's completion time is interpolated linearly within
//! its interval, and the unit takes the surcharge of the night band in force then (the
//! base takes the band at boarding). A unit completed outside the home city also takes
//! `out_of_city_pct` (added to the night band's percentage).
//!
//! ## The whole fare
//! The meter part (base + units, with their surcharges) times the surge multiplier, plus pet
//! fees, the waiting fee, add-on fees and tolls (passed through, never surged); raised to
//! the minimum fare, then rounded to `rounding_step_won` (half up).

use std::collections::BTreeMap;

use crate::time::{SimTime, MS_PER_MIN};

/// A night surcharge band over the day, in minutes since midnight; `from > to` wraps midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NightBand {
    /// Start, minutes after midnight (inclusive).
    pub from_min: u32,
    /// End, minutes after midnight (exclusive).
    pub to_min: u32,
    /// Surcharge, percent.
    pub surcharge_pct: u32,
}

impl NightBand {
    /// Whether `minute` (of the day) is in the band.
    pub fn contains(&self, minute: u32) -> bool {
        if self.from_min <= self.to_min {
            (self.from_min..self.to_min).contains(&minute)
        } else {
            minute >= self.from_min || minute < self.to_min
        }
    }
}

/// Pet size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SizeClass {
    /// Carried in a bag or small crate.
    Small = 0,
    /// Under 20 kg.
    Medium = 1,
    /// 20 kg and over.
    Large = 2,
}

impl SizeClass {
    /// All classes.
    pub const ALL: [SizeClass; 3] = [SizeClass::Small, SizeClass::Medium, SizeClass::Large];

    /// Name in data files.
    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }

    /// Parses a data-file name.
    pub fn parse(s: &str) -> Option<SizeClass> {
        SizeClass::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// An add-on service booked with a trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addon {
    /// Escort to a vet visit.
    VetVisit,
    /// Grooming appointment.
    Grooming,
    /// Pet hotel check-in.
    HotelStay,
}

impl Addon {
    /// Whether the pets come home after the service (a return leg): after a vet visit or
    /// grooming, not after checking in at a hotel.
    pub fn comes_home(self) -> bool {
        matches!(self, Addon::VetVisit | Addon::Grooming)
    }
}

/// Pet fees of a tariff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PetFees {
    /// Pets included in the fare.
    pub included_pets: u32,
    /// Each pet beyond those.
    pub extra_pet_won: i64,
    /// Per pet, by [`SizeClass`] index.
    pub size_fee_won: [i64; 3],
}

/// Waiting fees at the pickup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WaitingFees {
    /// Free minutes.
    pub free_min: u32,
    /// Per started minute after them.
    pub per_min_won: i64,
}

/// Fixed add-on fees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AddonFees {
    /// Vet escort.
    pub vet_escort_won: i64,
    /// Grooming booking.
    pub grooming_booking_won: i64,
    /// Hotel check-in.
    pub hotel_checkin_won: i64,
}

impl AddonFees {
    /// The fee of one add-on.
    pub fn fee(&self, a: Addon) -> i64 {
        match a {
            Addon::VetVisit => self.vet_escort_won,
            Addon::Grooming => self.grooming_booking_won,
            Addon::HotelStay => self.hotel_checkin_won,
        }
    }
}

/// Surge pricing from the demand/supply ratio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surge {
    /// Off: the multiplier is always 1.
    pub enabled: bool,
    /// Floor.
    pub min_multiplier: f64,
    /// Cap.
    pub max_multiplier: f64,
    /// Slope against (demand/supply - 1).
    pub sensitivity: f64,
}

impl Surge {
    /// The multiplier for a demand/supply ratio.
    pub fn multiplier(&self, demand_supply_ratio: f64) -> f64 {
        if !self.enabled || !demand_supply_ratio.is_finite() {
            return if self.enabled {
                self.max_multiplier
            } else {
                1.0
            };
        }
        (1.0 + self.sensitivity * (demand_supply_ratio - 1.0))
            .clamp(self.min_multiplier, self.max_multiplier)
    }
}

/// A tariff.
#[derive(Clone, Debug, PartialEq)]
pub struct Tariff {
    /// Name (file stem).
    pub name: String,
    /// Description.
    pub description: String,
    /// Where the numbers come from.
    pub source: String,
    /// Base fare.
    pub base_fare_won: i64,
    /// Distance covered by the base fare.
    pub base_distance_m: u32,
    /// Distance of one unit.
    pub unit_distance_m: u32,
    /// Fare of one unit.
    pub unit_fare_won: i64,
    /// Seconds of slow time that count as one unit distance.
    pub slow_unit_s: u32,
    /// Night bands.
    pub night: Vec<NightBand>,
    /// Rounding step (half up).
    pub rounding_step_won: i64,
    /// Out-of-city surcharge on units completed outside the home city, percent.
    pub out_of_city_pct: u32,
    /// Minimum fare (0: none).
    pub minimum_fare_won: i64,
    /// Pet fees.
    pub pets: PetFees,
    /// Waiting fees.
    pub waiting: WaitingFees,
    /// Add-on fees.
    pub addons: AddonFees,
    /// Surge.
    pub surge: Surge,
}

impl Tariff {
    /// The night surcharge in force at `t` (percent; the first matching band wins).
    pub fn night_pct(&self, t: SimTime) -> u32 {
        let minute = (t.ms_of_day() / MS_PER_MIN) as u32;
        self.night
            .iter()
            .find(|b| b.contains(minute))
            .map_or(0, |b| b.surcharge_pct)
    }

    /// Whether `distance_m` over `dt_s` is at or above the slow threshold.
    pub fn is_fast(&self, distance_m: f64, dt_s: f64) -> bool {
        distance_m * f64::from(self.slow_unit_s) >= f64::from(self.unit_distance_m) * dt_s
    }

    /// Rounds to the step, half up.
    pub fn round(&self, won: i64) -> i64 {
        let step = self.rounding_step_won.max(1);
        (won + step / 2).div_euclid(step) * step
    }
}

/// The meter: accumulates a ride interval by interval.
#[derive(Clone, Debug)]
pub struct Meter {
    base_pct: u32,
    /// Metered distance so far (fast intervals).
    pub metered_m: f64,
    /// Slow seconds so far.
    pub slow_s: f64,
    /// Metered plus equivalent distance.
    pub total_m: f64,
    /// Units completed in fast intervals.
    pub distance_units: u64,
    /// Units completed in slow intervals.
    pub time_units: u64,
    /// Units by surcharge percentage.
    pub units_by_pct: BTreeMap<u32, u64>,
}

impl Meter {
    /// A meter started at `boarding` (the base takes the band in force then; `outside`
    /// when boarding outside the home city).
    pub fn start(tariff: &Tariff, boarding: SimTime, outside: bool) -> Meter {
        Meter {
            base_pct: tariff.night_pct(boarding) + if outside { tariff.out_of_city_pct } else { 0 },
            metered_m: 0.0,
            slow_s: 0.0,
            total_m: 0.0,
            distance_units: 0,
            time_units: 0,
            units_by_pct: BTreeMap::new(),
        }
    }

    /// Feeds one interval from `t0` to `t1` over `distance_m` metres.
    pub fn feed(
        &mut self,
        tariff: &Tariff,
        t0: SimTime,
        t1: SimTime,
        distance_m: f64,
        outside: bool,
    ) {
        let dt_s = t1.saturating_since(t0).as_secs_f64();
        let distance_m = distance_m.max(0.0);
        if dt_s <= 0.0 && distance_m <= 0.0 {
            return;
        }
        let fast = tariff.is_fast(distance_m, dt_s);
        let contrib = if fast {
            self.metered_m += distance_m;
            distance_m
        } else {
            self.slow_s += dt_s;
            dt_s * f64::from(tariff.unit_distance_m) / f64::from(tariff.slow_unit_s)
        };
        let d0 = self.total_m;
        let d1 = d0 + contrib;
        self.total_m = d1;
        let base = f64::from(tariff.base_distance_m);
        let unit = f64::from(tariff.unit_distance_m);
        // Units k >= 1 complete at base + k * unit; those in (d0, d1] complete now.
        let done_before = if d0 < base {
            0
        } else {
            ((d0 - base) / unit).floor() as u64
        };
        let done_after = if d1 < base {
            0
        } else {
            ((d1 - base) / unit).floor() as u64
        };
        for k in done_before + 1..=done_after {
            let at_m = base + unit * k as f64;
            let frac = if contrib > 0.0 {
                (at_m - d0) / contrib
            } else {
                1.0
            };
            let span_ms = t1.saturating_since(t0).as_ms() as f64;
            let at = SimTime(t0.as_ms() + (frac.clamp(0.0, 1.0) * span_ms).floor() as u64);
            let pct = tariff.night_pct(at) + if outside { tariff.out_of_city_pct } else { 0 };
            *self.units_by_pct.entry(pct).or_insert(0) += 1;
            if fast {
                self.distance_units += 1;
            } else {
                self.time_units += 1;
            }
        }
    }

    /// Feeds driving `moved_m` metres from `t0` to `t1` along one edge, by the stop-and-go
    /// rule ([`moving_s`]): the metres while moving, then the rest of the time standing.
    pub fn feed_driving(
        &mut self,
        tariff: &Tariff,
        t0: SimTime,
        t1: SimTime,
        moved_m: f64,
        edge: &crate::world::Edge,
        outside: bool,
    ) {
        let dt_s = t1.saturating_since(t0).as_secs_f64();
        let moving = moving_s(edge, dt_s, moved_m);
        let t_mid = (t0 + crate::time::SimDuration::from_secs_f64(moving)).min(t1);
        self.feed(tariff, t0, t_mid, moved_m, outside);
        self.feed(tariff, t_mid, t1, 0.0, outside);
    }

    /// Units completed so far.
    pub fn units(&self) -> u64 {
        self.distance_units + self.time_units
    }

    /// (base with its surcharge, base surcharge, units at the plain unit fare, their surcharge).
    pub fn parts_won(&self, tariff: &Tariff) -> (i64, i64, i64, i64) {
        let base_sur = tariff.base_fare_won * i64::from(self.base_pct) / 100;
        let mut units_won = 0;
        let mut unit_sur = 0;
        for (&pct, &n) in &self.units_by_pct {
            let n = n as i64;
            units_won += n * tariff.unit_fare_won;
            unit_sur += n * tariff.unit_fare_won * i64::from(pct) / 100;
        }
        (
            tariff.base_fare_won + base_sur,
            base_sur,
            units_won,
            unit_sur,
        )
    }
}

/// Everything besides the meter that goes into a fare.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras {
    /// Size class of each pet.
    pub pets: Vec<SizeClass>,
    /// Seconds waited at the pickup.
    pub waited_s: u64,
    /// Add-ons booked.
    pub addons: Vec<Addon>,
    /// Tolls passed through.
    pub tolls_won: i64,
    /// Surge multiplier (1 for none).
    pub surge: f64,
}

/// A fare and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct FareBreakdown {
    /// Tariff name.
    pub tariff: String,
    /// Base fare including its night/out-of-city surcharge.
    pub base_won: i64,
    /// Of which surcharge.
    pub base_surcharge_won: i64,
    /// Units completed in fast intervals.
    pub distance_units: u64,
    /// Units completed in slow intervals.
    pub time_units: u64,
    /// Units at the plain unit fare.
    pub units_won: i64,
    /// Night and out-of-city surcharges on units.
    pub unit_surcharge_won: i64,
    /// Surge multiplier applied to the meter part.
    pub surge_multiplier: f64,
    /// What surge added (or removed).
    pub surge_won: i64,
    /// Pet size and extra-pet fees.
    pub pet_fees_won: i64,
    /// Waiting fee.
    pub waiting_fee_won: i64,
    /// Add-on fees.
    pub addon_fees_won: i64,
    /// Tolls.
    pub tolls_won: i64,
    /// Raise to the minimum fare.
    pub minimum_adjust_won: i64,
    /// Before rounding.
    pub subtotal_won: i64,
    /// Rounding adjustment.
    pub rounding_won: i64,
    /// The fare.
    pub total_won: i64,
    /// Metered distance, m.
    pub metered_m: f64,
    /// Slow time, s.
    pub slow_s: f64,
}

/// The waiting rule: waiting at the pickup beyond the tariff's free minutes costs its price
/// per started minute.
pub fn waiting_fee_won(tariff: &Tariff, waited_s: u64) -> i64 {
    let free_s = u64::from(tariff.waiting.free_min) * 60;
    if waited_s > free_s {
        (waited_s - free_s).div_ceil(60) as i64 * tariff.waiting.per_min_won
    } else {
        0
    }
}

/// Prices a metered ride with its extras.
pub fn price(tariff: &Tariff, meter: &Meter, extras: &Extras) -> FareBreakdown {
    let (base_won, base_sur, units_won, unit_sur) = meter.parts_won(tariff);
    let meter_won = base_won + units_won + unit_sur;
    let surge = if extras.surge.is_finite() && extras.surge > 0.0 {
        extras.surge
    } else {
        1.0
    };
    let surged = (meter_won as f64 * surge).round() as i64;
    let surge_won = surged - meter_won;
    let mut pet_fees = 0;
    for p in &extras.pets {
        pet_fees += tariff.pets.size_fee_won[*p as usize];
    }
    let extra_pets = (extras.pets.len() as i64 - i64::from(tariff.pets.included_pets)).max(0);
    pet_fees += extra_pets * tariff.pets.extra_pet_won;
    let waiting_fee = waiting_fee_won(tariff, extras.waited_s);
    let addon_fees: i64 = extras.addons.iter().map(|a| tariff.addons.fee(*a)).sum();
    let before_min = surged + pet_fees + waiting_fee + addon_fees + extras.tolls_won;
    let minimum_adjust = (tariff.minimum_fare_won - before_min).max(0);
    let subtotal = before_min + minimum_adjust;
    let total = tariff.round(subtotal);
    FareBreakdown {
        tariff: tariff.name.clone(),
        base_won,
        base_surcharge_won: base_sur,
        distance_units: meter.distance_units,
        time_units: meter.time_units,
        units_won,
        unit_surcharge_won: unit_sur,
        surge_multiplier: surge,
        surge_won,
        pet_fees_won: pet_fees,
        waiting_fee_won: waiting_fee,
        addon_fees_won: addon_fees,
        tolls_won: extras.tolls_won,
        minimum_adjust_won: minimum_adjust,
        subtotal_won: subtotal,
        rounding_won: total - subtotal,
        total_won: total,
        metered_m: meter.metered_m,
        slow_s: meter.slow_s,
    }
}

/// A GPS sample of a trace: time and position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Time (ms since midnight of the trace's first day).
    pub t: SimTime,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// Mean Earth radius used for trace distances, m (IUGG R1).
pub const EARTH_MEAN_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance by the haversine formula on the mean Earth radius.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_MEAN_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// The meter over a GPS trace (samples in time order; all inside the home city).
pub fn meter_trace(tariff: &Tariff, samples: &[Sample]) -> Meter {
    let Some(first) = samples.first() else {
        return Meter::start(tariff, SimTime::ZERO, false);
    };
    let mut m = Meter::start(tariff, first.t, false);
    for w in samples.windows(2) {
        let d = haversine_m(w[0].lat, w[0].lon, w[1].lat, w[1].lon);
        m.feed(tariff, w[0].t, w[1].t, d, false);
    }
    m
}

/// The meter for `fast_m` metres at or above the slow threshold and `slow_s` seconds below
/// it, every unit taking the night band in force at `start` (distance counted first).
pub fn meter_simple(tariff: &Tariff, fast_m: f64, slow_s: f64, start: SimTime) -> Meter {
    let pct = tariff.night_pct(start);
    let mut m = Meter::start(tariff, start, false);
    m.metered_m = fast_m.max(0.0);
    m.slow_s = slow_s.max(0.0);
    let equivalent = m.slow_s * f64::from(tariff.unit_distance_m) / f64::from(tariff.slow_unit_s);
    m.total_m = m.metered_m + equivalent;
    let base = f64::from(tariff.base_distance_m);
    let unit = f64::from(tariff.unit_distance_m);
    let units_upto = |d: f64| {
        if d < base {
            0
        } else {
            ((d - base) / unit).floor() as u64
        }
    };
    let total = units_upto(m.total_m);
    m.distance_units = units_upto(m.metered_m);
    m.time_units = total - m.distance_units;
    if total > 0 {
        m.units_by_pct.insert(pct, total);
    }
    m
}

/// The stop-and-go rule: how many of `dt_s` seconds a vehicle that drove `moved_m` metres
/// along `edge` spent moving. On city streets with signals (class arterial) a vehicle slower
/// than the street's free-flow speed drives at that speed and stands at signals and in
/// queues for the rest (so the meter's slow-time rule sees the stops an average speed
/// hides); on expressways, urban expressways and connectors it moves evenly.
pub fn moving_s(edge: &crate::world::Edge, dt_s: f64, moved_m: f64) -> f64 {
    if edge.class != crate::world::RoadClass::Arterial || moved_m <= 0.0 {
        return dt_s;
    }
    (moved_m / (edge.speed_kmh / 3.6)).min(dt_s)
}

/// Feeds driving `edges` from `start` at the travel times of `times` into `meter`;
/// `in_city[node]` tells which nodes are in the home city. Returns the arrival time.
pub fn feed_route(
    meter: &mut Meter,
    tariff: &Tariff,
    net: &crate::world::RoadNetwork,
    times: &dyn crate::world::TravelTimes,
    start: SimTime,
    edges: &[crate::ids::EdgeId],
    in_city: &[bool],
) -> SimTime {
    let mut t = start;
    for &e in edges {
        let edge = net.edge(e);
        let secs = times
            .edge_time_s(net, e)
            .unwrap_or_else(|| edge.free_flow_s());
        let next = t + crate::time::SimDuration::from_secs_f64(secs);
        let outside = !(in_city[edge.from.index()] && in_city[edge.to.index()]);
        meter.feed_driving(tariff, t, next, edge.length_m, edge, outside);
        t = next;
    }
    t
}

#[cfg(test)]
mod tests;
