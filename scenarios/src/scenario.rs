//! Scenario files (TOML): the fleet, scripted trips, traffic and incidents, outputs.
//!
//! Parsing is strict: unknown fields are rejected with the closest valid name; every value
//! that names a place, a time or a duration is checked against the network and the units,
//! and an error points at its line and column.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use sim_core::actors::{Climate, DispatchConfig, PartnerKind, VehicleConfig};
use sim_core::booking::{Crates, Dwell, Species};
use sim_core::dispatch::plan::InsertMode;
use sim_core::fare::{Addon, SizeClass};
use sim_core::ids::{NodeId, PartnerId, VehicleId};
use sim_core::rng::ActorKind;
use sim_core::sim::{
    DemandSpec, Fault, HouseholdSpec, PetTemplate, ScriptedBooking, SimSpec, VehicleSpec,
};
use sim_core::time::SimDuration;
use sim_core::time::{SimTime, MS_PER_DAY};
use sim_core::traffic::{DayType, IncidentKind, IncidentPlan, TrafficConfig};
use sim_core::world::NodeKind;
use sim_core::world::World;

use crate::data::{Data, DataFiles};
use crate::error::{did_you_mean, InputError};
use crate::located::{Locator, PathKey};
use crate::units::parse_until;

/// A scenario file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (kebab-case).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Master seed (the CLI's `--seed` overrides it).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// First day of the run, `YYYY-MM-DD`: sets weekdays, weekends and holidays.
    pub start_date: String,
    /// When the run stops: a clock time (`24:00`, `d2 12:00`) or a duration (`2d`).
    #[serde(default = "default_until")]
    pub until: String,
    /// An imported road network instead of the bundled Korean one.
    pub network: Option<NetworkSection>,
    /// Bookings read from a CSV file.
    pub requests: Option<RequestsSection>,
    /// Traffic settings.
    #[serde(default)]
    pub traffic: TrafficSection,
    /// Vehicle settings.
    #[serde(default)]
    pub vehicles: VehiclesSection,
    /// Where the fleet parks.
    #[serde(default)]
    pub depots: Vec<DepotSection>,
    /// Dispatch settings.
    #[serde(default)]
    pub dispatch: DispatchSection,
    /// Tariffs and re-quotes.
    #[serde(default)]
    pub pricing: PricingSection,
    /// Random demand (none when absent).
    pub demand: Option<DemandSection>,
    /// Customer behaviour and information.
    #[serde(default)]
    pub customers: CustomersSection,
    /// The pets' welfare model.
    #[serde(default)]
    pub welfare: WelfareSection,
    /// Scripted bookings.
    #[serde(default)]
    pub bookings: Vec<BookingSection>,
    /// Injected vehicle faults.
    #[serde(default)]
    pub faults: Vec<FaultSection>,
    /// Scripted incidents.
    #[serde(default)]
    pub incidents: Vec<IncidentSection>,
    /// Output options.
    #[serde(default)]
    pub output: OutputSection,
}

fn default_seed() -> u64 {
    1
}
fn default_until() -> String {
    "24:00".into()
}

/// `[network]`: a user's network in the FleetPy layout (see [`crate::import`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Directory holding `nodes.csv`, `edges.csv` and (optionally) `crs.info`: relative to
    /// the scenario file, or `data:PATH` under the data directory.
    pub dir: String,
    /// The coordinate system of the nodes (overrides `crs.info`): `EPSG:326NN`,
    /// `EPSG:327NN` (UTM) or `EPSG:4326` (WGS84 lon/lat).
    pub crs: Option<String>,
    /// Road class of every imported edge (profiles, accident rates, vibration).
    #[serde(default = "arterial")]
    pub road_class: String,
    /// Hourly travel-time factors (`hour,travel_time_factor[,day_type]`); without them the
    /// edges' travel times hold all day.
    pub hourly_factors: Option<String>,
}

fn arterial() -> String {
    "arterial".into()
}

/// `[requests]`: bookings from a CSV file (`rq_time,start,end,request_id[,
/// earliest_pickup_time][,pets]`), each by its own household at `start`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsSection {
    /// The file: relative to the scenario file, or `data:PATH` under the data directory.
    pub file: String,
}

/// `[traffic]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficSection {
    /// How often speeds are recomputed and broadcast.
    pub update_interval: String,
    /// σ of the log congestion factor; 0 turns random congestion off.
    pub congestion_sigma: f64,
    /// Correlation time of congestion.
    pub congestion_correlation: String,
    /// Whether random accidents happen.
    pub random_accidents: bool,
    /// Multiplies the accident rates of `data/traffic/accidents.csv`.
    pub accident_rate_scale: f64,
}

impl Default for TrafficSection {
    fn default() -> Self {
        TrafficSection {
            update_interval: "5min".into(),
            congestion_sigma: 0.1,
            congestion_correlation: "30min".into(),
            random_accidents: true,
            accident_rate_scale: 1.0,
        }
    }
}

/// `[vehicles]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VehiclesSection {
    /// GPS reporting period.
    pub position_interval: String,
    /// Smallest time saving for which a vehicle takes a new route.
    pub reroute_min_gain: String,
    /// Crate slots (small, medium, large) of every vehicle, unless its depot says otherwise.
    pub crates: [u32; 3],
    /// Driver shift end (clock time), unless the depot says otherwise.
    pub shift_end: String,
    /// Shifts repeat with this period (`1d`: a shift change every day at `shift_end`).
    pub shift_every: Option<String>,
    /// Mean time until the pets are handed over at a pickup.
    pub readiness_mean: String,
    /// What an idle vehicle does: `depot` (drives back to its depot) or `stay`.
    pub idle: String,
    /// Vehicles from a CSV file with a `start_node` column (one per row, after the depots'):
    /// relative to the scenario file, or `data:PATH`.
    pub start_nodes: Option<String>,
}

impl Default for VehiclesSection {
    fn default() -> Self {
        VehiclesSection {
            position_interval: "30s".into(),
            reroute_min_gain: "1min".into(),
            crates: [2, 2, 1],
            shift_end: "d2 06:00".into(),
            shift_every: None,
            readiness_mean: "2min".into(),
            idle: "depot".into(),
            start_nodes: None,
        }
    }
}

/// `[dispatch]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchSection {
    /// `immediate`, `batch` or `hail` (one booking aboard at a time, pickups keep their
    /// window).
    pub mode: String,
    /// Batch period.
    pub batch_interval: String,
    /// Ride limit = max(max_ride_min, max_ride_factor x direct drive).
    pub max_ride_factor: f64,
    /// Floor of the ride limit.
    pub max_ride_min: String,
    /// Reject when no vehicle reaches the pickup within this of the requested time.
    pub pickup_window: String,
    /// Window of the surge demand count.
    pub surge_window: String,
    /// Loading time.
    pub dwell_pickup: String,
    /// Unloading time.
    pub dwell_dropoff: String,
    /// Once assigned, a pickup may slip at most this past its promised time.
    pub promise_slack: String,
    /// Imported requests are rounded down to this step (the peer's decision step).
    pub decision_step: Option<String>,
}

impl Default for DispatchSection {
    fn default() -> Self {
        DispatchSection {
            mode: "immediate".into(),
            batch_interval: "2min".into(),
            max_ride_factor: 1.8,
            max_ride_min: "45min".into(),
            pickup_window: "90min".into(),
            surge_window: "30min".into(),
            dwell_pickup: "5min".into(),
            dwell_dropoff: "5min".into(),
            promise_slack: "10min".into(),
            decision_step: None,
        }
    }
}

/// `[pricing]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingSection {
    /// The tariff charged (bundled name or path).
    pub tariff: String,
    /// The plain taxi tariff customers compare quotes with.
    pub reference: String,
    /// Re-quote when the expected fare exceeds the approved one by more than this.
    pub requote_threshold_won: i64,
}

impl Default for PricingSection {
    fn default() -> Self {
        PricingSection {
            tariff: "petfleet-standard".into(),
            reference: "seoul-taxi-2023".into(),
            requote_threshold_won: 2_000,
        }
    }
}

/// `[demand]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSection {
    /// Bookings per day (hourly shares from data/demand/hourly.csv).
    pub bookings_per_day: f64,
    /// Households booking (homes weighted by district population).
    pub customers: u32,
    /// Share of intercity trips.
    #[serde(default = "default_intercity")]
    pub intercity_share: f64,
    /// Share of bookings made ahead of time.
    #[serde(default = "default_scheduled")]
    pub scheduled_share: f64,
    /// Median lead time of scheduled bookings.
    #[serde(default = "default_lead")]
    pub lead_median: String,
    /// No new bookings from this time on (default: bookings until the run stops).
    pub stop_at: Option<String>,
    /// Demand multipliers over time windows.
    #[serde(default)]
    pub peaks: Vec<PeakSection>,
}

fn default_intercity() -> f64 {
    0.05
}
fn default_scheduled() -> f64 {
    0.3
}
fn default_lead() -> String {
    "3h".into()
}

/// `[[demand.peaks]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeakSection {
    /// From (clock time).
    pub from: String,
    /// To (clock time).
    pub to: String,
    /// Demand multiplier.
    pub multiplier: f64,
}

/// `[customers]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomersSection {
    /// `live` (updates every `update_interval`) or `milestones` (assigned, picked up, delivered).
    pub updates: String,
    /// Period of live updates.
    pub update_interval: String,
    /// Overrides data/customers.toml's stale-after minutes.
    pub stale_after: Option<String>,
    /// Overrides the support call probability.
    pub call_prob: Option<f64>,
    /// `price` (accept quotes by the price model) or `always`.
    pub quotes: String,
    /// `model` (cancel when the pickup is too late) or `unlimited` (never cancel).
    pub patience: String,
}

impl Default for CustomersSection {
    fn default() -> Self {
        CustomersSection {
            updates: "live".into(),
            update_interval: "1min".into(),
            stale_after: None,
            call_prob: None,
            quotes: "price".into(),
            patience: "model".into(),
        }
    }
}

/// `[welfare]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WelfareSection {
    /// How often the ride is reported to the pets.
    pub interval: String,
    /// pets.csv sampling period.
    pub sample_interval: String,
    /// Length of a rest stop.
    pub rest_stop: String,
    /// Emergency treatment time at a vet.
    pub vet_treatment: String,
}

impl Default for WelfareSection {
    fn default() -> Self {
        WelfareSection {
            interval: "1min".into(),
            sample_interval: "5min".into(),
            rest_stop: "15min".into(),
            vet_treatment: "30min".into(),
        }
    }
}

/// A pet of a scripted booking.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetSection {
    /// `dog` or `cat`.
    pub species: String,
    /// `small`, `medium` or `large`.
    pub size: String,
    /// Weight.
    pub weight_kg: f64,
}

/// `[[bookings]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingSection {
    /// When the booking is made.
    pub at: String,
    /// Pickup node (the household's home).
    pub pickup: String,
    /// Destination node (omit with an add-on: the partner's node).
    pub dropoff: Option<String>,
    /// The pets.
    pub pets: Vec<PetSection>,
    /// `vet_visit`, `grooming`, `hotel_stay` (omit for plain transport).
    pub addon: Option<String>,
    /// The partner by name (default: the nearest of the kind).
    pub partner: Option<String>,
    /// Earliest pickup (default: at once).
    pub pickup_at: Option<String>,
    /// Pin a vehicle (0-based).
    pub vehicle: Option<u32>,
}

/// `[[faults]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSection {
    /// When.
    pub at: String,
    /// Vehicle (0-based).
    pub vehicle: u32,
    /// `hvac_failure`.
    pub kind: String,
    /// Until repaired.
    pub duration: String,
}

/// `[[depots]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepotSection {
    /// Depot name.
    pub name: String,
    /// Network node it sits at.
    pub node: String,
    /// Vehicles parked here.
    #[serde(default = "one")]
    pub vehicles: u32,
    /// Crate slots (small, medium, large) of these vehicles.
    pub crates: Option<[u32; 3]>,
    /// Shift end of these vehicles' drivers.
    pub shift_end: Option<String>,
}

fn one() -> u32 {
    1
}

/// `[[incidents]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSection {
    /// When it happens.
    pub at: String,
    /// `"From-To"`: the stretch of road between two nodes, in the direction of travel.
    pub segment: String,
    /// The road, when several join the two nodes.
    pub road: Option<String>,
    /// `closure` or `lane_loss`.
    #[serde(default = "closure")]
    pub kind: String,
    /// Lanes lost (for `lane_loss`).
    pub lanes_lost: Option<u8>,
    /// How long until it clears.
    pub duration: String,
    /// Also the opposite direction.
    #[serde(default)]
    pub both_directions: bool,
}

fn closure() -> String {
    "closure".into()
}

/// `[output]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSection {
    /// Write positions.csv.
    pub positions: bool,
    /// Write pets.csv.
    pub pets: bool,
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            positions: true,
            pets: true,
        }
    }
}

pub use crate::located::Source;

mod imported;

/// A scenario resolved against the data: ready to build and run.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// As written.
    pub scenario: Scenario,
    /// The model spec.
    pub spec: SimSpec,
    /// First day.
    pub start_date: NaiveDate,
    /// When the run stops.
    pub until: SimTime,
}

/// Scales a scenario by `k`: vehicles per depot and the random demand's households and
/// bookings per day (rounded to whole numbers, at least 1 vehicle per depot); scripted and
/// imported bookings and vehicles are left as written. For load studies (`petfleet scale`).
pub fn scale(s: &mut Scenario, k: f64) -> Result<(), InputError> {
    if !(k.is_finite() && k > 0.0 && k <= 100.0) {
        return Err(InputError::at("<command line>", "", None, "--scale")
            .value(k.to_string())
            .expected("a factor above 0 and at most 100"));
    }
    for d in &mut s.depots {
        d.vehicles = ((f64::from(d.vehicles) * k).round() as u32).max(1);
    }
    if let Some(d) = &mut s.demand {
        d.customers = ((f64::from(d.customers) * k).round() as u32).max(1);
        d.bookings_per_day *= k;
    }
    Ok(())
}

/// Parses a scenario's TOML, reporting syntax, type and unknown-field errors with their place.
pub fn parse(src: &Source) -> Result<Scenario, InputError> {
    crate::located::parse_toml(src)
}

/// Resolves a parsed scenario against the data. `seed` and `until` override the file's.
pub fn resolve(
    src: &Source,
    scenario: Scenario,
    data: &Data,
    files: &DataFiles,
    seed: Option<u64>,
    until: Option<SimTime>,
) -> Result<Resolved, InputError> {
    use PathKey::{Index as I, Key as K};
    let loc = Locator { src };
    let refs = imported::RefFiles {
        data: files,
        dir: scenario_dir(src),
    };
    let imported = match &scenario.network {
        Some(n) => Some(imported::network(&loc, &refs, n)?),
        None => None,
    };
    let world = imported.as_ref().map_or(&data.world, |i| &i.world);
    let partner_specs: &[sim_core::sim::PartnerSpec] = if imported.is_some() {
        &[]
    } else {
        &data.partners
    };

    let start_date = NaiveDate::parse_from_str(&scenario.start_date, "%Y-%m-%d").map_err(|_| {
        loc.err(
            &[K("start_date")],
            &scenario.start_date,
            "an ISO date YYYY-MM-DD",
        )
    })?;
    let until = match until {
        Some(u) => u,
        None => parse_until(&scenario.until)
            .filter(|u| *u > SimTime::ZERO)
            .ok_or_else(|| loc.err(&[K("until")], &scenario.until, "a clock time such as `24:00` or `d2 12:00`, or a positive duration such as `2d`"))?,
    };

    let t = &scenario.traffic;
    let update_interval =
        loc.positive_duration(&[K("traffic"), K("update_interval")], &t.update_interval)?;
    let correlation = loc.positive_duration(
        &[K("traffic"), K("congestion_correlation")],
        &t.congestion_correlation,
    )?;
    if !(0.0..=1.0).contains(&t.congestion_sigma) {
        return Err(loc.err(
            &[K("traffic"), K("congestion_sigma")],
            &t.congestion_sigma.to_string(),
            "a number from 0 (no random congestion) to 1",
        ));
    }
    if !(t.accident_rate_scale.is_finite()
        && t.accident_rate_scale >= 0.0
        && t.accident_rate_scale <= 1_000.0)
    {
        return Err(loc.err(
            &[K("traffic"), K("accident_rate_scale")],
            &t.accident_rate_scale.to_string(),
            "a factor from 0 to 1000",
        ));
    }
    let days = (until.as_ms().div_ceil(MS_PER_DAY)).max(1);
    let calendar = (0..days.max(7))
        .map(|d| {
            let date = start_date + chrono::Days::new(d);
            if data.holidays.contains_key(&date) {
                DayType::Holiday
            } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                DayType::Weekend
            } else {
                DayType::Weekday
            }
        })
        .collect();
    let traffic = TrafficConfig {
        profiles: imported
            .as_ref()
            .map_or_else(|| data.profiles.clone(), |i| i.profiles.clone()),
        accidents: data.accidents,
        congestion_sigma: t.congestion_sigma,
        congestion_correlation_s: correlation.as_secs_f64(),
        update_interval,
        random_accidents: t.random_accidents,
        accident_rate_scale: t.accident_rate_scale,
        calendar,
    };

    let v = &scenario.vehicles;
    let dwell_p = &scenario.dispatch;
    let welfare = &scenario.welfare;
    let customer_updates = match scenario.customers.updates.as_str() {
        "live" => Some(loc.positive_duration(
            &[K("customers"), K("update_interval")],
            &scenario.customers.update_interval,
        )?),
        "milestones" => None,
        other => {
            let mut e = loc.err(
                &[K("customers"), K("updates")],
                other,
                "`live` or `milestones`",
            );
            if let Some(h) = did_you_mean(other, ["live", "milestones"]) {
                e = e.hint(h);
            }
            return Err(e);
        }
    };
    let dwell = Dwell {
        pickup: loc.duration(&[K("dispatch"), K("dwell_pickup")], &dwell_p.dwell_pickup)?,
        dropoff: loc.duration(&[K("dispatch"), K("dwell_dropoff")], &dwell_p.dwell_dropoff)?,
    };
    let vehicle = VehicleConfig {
        position_interval: loc.positive_duration(
            &[K("vehicles"), K("position_interval")],
            &v.position_interval,
        )?,
        reroute_min_gain: loc
            .duration(&[K("vehicles"), K("reroute_min_gain")], &v.reroute_min_gain)?,
        customer_update_interval: customer_updates,
        welfare_interval: loc
            .positive_duration(&[K("welfare"), K("interval")], &welfare.interval)?,
        dwell,
        rest_stop: loc.duration(&[K("welfare"), K("rest_stop")], &welfare.rest_stop)?,
        requote_threshold_won: match scenario.pricing.requote_threshold_won {
            x if (0..=10_000_000).contains(&x) => x,
            x => {
                return Err(loc.err(
                    &[K("pricing"), K("requote_threshold_won")],
                    &x.to_string(),
                    "an amount of won from 0 to 10,000,000",
                ))
            }
        },
        vet_treatment: loc
            .positive_duration(&[K("welfare"), K("vet_treatment")], &welfare.vet_treatment)?,
        readiness_mean: loc.duration(&[K("vehicles"), K("readiness_mean")], &v.readiness_mean)?,
        return_to_depot: match v.idle.as_str() {
            "depot" => true,
            "stay" => false,
            other => {
                return Err(loc.err(
                    &[K("vehicles"), K("idle")],
                    other,
                    "`depot` (drive back) or `stay` (wait where the last stop was)",
                ))
            }
        },
    };
    let pet_sample_interval = loc.positive_duration(
        &[K("welfare"), K("sample_interval")],
        &welfare.sample_interval,
    )?;
    let (batch, mode) = match dwell_p.mode.as_str() {
        "immediate" => (None, InsertMode::Pooled),
        "batch" => (
            Some(loc.positive_duration(
                &[K("dispatch"), K("batch_interval")],
                &dwell_p.batch_interval,
            )?),
            InsertMode::Pooled,
        ),
        "hail" => (None, InsertMode::Single),
        other => {
            let mut e = loc.err(
                &[K("dispatch"), K("mode")],
                other,
                "`immediate`, `batch` or `hail`",
            );
            if let Some(h) = did_you_mean(other, ["immediate", "batch", "hail"]) {
                e = e.hint(h);
            }
            return Err(e);
        }
    };
    let dispatch = DispatchConfig {
        batch,
        mode,
        dwell,
        max_ride_factor: match dwell_p.max_ride_factor {
            x if x.is_finite() && (1.0..=10.0).contains(&x) => x,
            x => {
                return Err(loc.err(
                    &[K("dispatch"), K("max_ride_factor")],
                    &x.to_string(),
                    "a factor from 1 to 10 over the direct drive",
                ))
            }
        },
        max_ride_min: loc
            .positive_duration(&[K("dispatch"), K("max_ride_min")], &dwell_p.max_ride_min)?,
        pickup_window: loc
            .positive_duration(&[K("dispatch"), K("pickup_window")], &dwell_p.pickup_window)?,
        surge_window: loc
            .positive_duration(&[K("dispatch"), K("surge_window")], &dwell_p.surge_window)?,
        promise_slack: loc
            .duration(&[K("dispatch"), K("promise_slack")], &dwell_p.promise_slack)?,
    };
    let crates_ok = |c: [u32; 3]| c.iter().sum::<u32>() >= 1 && c.iter().all(|x| *x <= 20);
    if !crates_ok(v.crates) {
        return Err(loc.err(
            &[K("vehicles"), K("crates")],
            &format!("{:?}", v.crates),
            "crate slots [small, medium, large], 0 to 20 each and at least one in all",
        ));
    }
    let default_shift = loc.clock(&[K("vehicles"), K("shift_end")], &v.shift_end)?;
    let shift_every = match &v.shift_every {
        Some(raw) => Some(loc.positive_duration(&[K("vehicles"), K("shift_every")], raw)?),
        None => None,
    };
    let shift = |end| sim_core::actors::Shift {
        end,
        every: shift_every,
    };

    let mut fleet = Vec::new();
    for (i, d) in scenario.depots.iter().enumerate() {
        let depot = loc.node(world, &[K("depots"), I(i), K("node")], &d.node)?;
        if d.vehicles > 100_000 {
            return Err(loc.err(
                &[K("depots"), I(i), K("vehicles")],
                &d.vehicles.to_string(),
                "at most 100000 vehicles per depot",
            ));
        }
        let crates = d.crates.unwrap_or(v.crates);
        if !crates_ok(crates) {
            return Err(loc.err(
                &[K("depots"), I(i), K("crates")],
                &format!("{crates:?}"),
                "crate slots [small, medium, large], 0 to 20 each and at least one in all",
            ));
        }
        let shift_end = match &d.shift_end {
            Some(s) => loc.clock(&[K("depots"), I(i), K("shift_end")], s)?,
            None => default_shift,
        };
        fleet.extend((0..d.vehicles).map(|_| VehicleSpec {
            depot,
            crates: Crates(crates),
            shift: shift(shift_end),
        }));
    }
    let index = imported::index_of(world, imported.as_ref());
    if let Some(raw) = &v.start_nodes {
        for node in imported::start_nodes(&loc, &refs, raw, &index, world)? {
            fleet.push(VehicleSpec {
                depot: node,
                crates: Crates(v.crates),
                shift: shift(default_shift),
            });
        }
    }

    let tariff_arg = &scenario.pricing.tariff;
    let tariff = crate::tariff::find(tariff_arg)
        .and_then(|s| crate::tariff::parse(&s))
        .map_err(|e| {
            if e.file == "<command line>" {
                loc.err(&[K("pricing"), K("tariff")], tariff_arg, e.expected.clone())
            } else {
                e
            }
        })?;
    let reference_arg = &scenario.pricing.reference;
    let reference = crate::tariff::find(reference_arg)
        .and_then(|s| crate::tariff::parse(&s))
        .map_err(|e| {
            if e.file == "<command line>" {
                loc.err(
                    &[K("pricing"), K("reference")],
                    reference_arg,
                    e.expected.clone(),
                )
            } else {
                e
            }
        })?;

    // An imported network is all city; the bundled one: districts and central Seoul.
    let seoul = world.net.node_by_name("Seoul");
    let in_city: Arc<[bool]> = world
        .net
        .nodes()
        .iter()
        .map(|n| {
            imported.is_some()
                || n.kind == NodeKind::District
                || seoul.is_some_and(|s| world.net.crow_m(s, n.id) <= 12_000.0)
        })
        .collect();
    let days = (until.as_ms().div_ceil(MS_PER_DAY)).max(1);
    let climate = Climate {
        normals: data.climate,
        month_of_day: (0..days)
            .map(|d| (start_date + chrono::Days::new(d)).month0() as u8)
            .collect(),
    };

    // Households: the random-demand population first, then one per scripted booking.
    let seed = seed.unwrap_or(scenario.seed);
    let mut households = Vec::new();
    let districts: Vec<(NodeId, f64)> = world
        .net
        .nodes()
        .iter()
        .filter_map(|n| n.population.map(|p| (n.id, f64::from(p))))
        .collect();
    let demand = match &scenario.demand {
        None => None,
        Some(_) if imported.is_some() => {
            return Err(loc.err(
                &[K("demand"), K("bookings_per_day")],
                "",
                "no [demand] with an imported network (random demand draws homes from the bundled districts): give the bookings with [requests]",
            ))
        }
        Some(d) => {
            let p = |f| [K("demand"), K(f)];
            if !(d.bookings_per_day.is_finite()
                && (0.0..=10_000_000.0).contains(&d.bookings_per_day))
            {
                return Err(loc.err(
                    &p("bookings_per_day"),
                    &d.bookings_per_day.to_string(),
                    "bookings per day from 0 to 10,000,000",
                ));
            }
            if !(1..=1_000_000).contains(&d.customers) {
                return Err(loc.err(
                    &p("customers"),
                    &d.customers.to_string(),
                    "a number of households from 1 to 1,000,000",
                ));
            }
            for (f, x) in [
                ("intercity_share", d.intercity_share),
                ("scheduled_share", d.scheduled_share),
            ] {
                if !(0.0..=1.0).contains(&x) {
                    return Err(loc.err(&p(f), &x.to_string(), "a share from 0 to 1"));
                }
            }
            let lead = loc.positive_duration(&p("lead_median"), &d.lead_median)?;
            let stop_at = match &d.stop_at {
                Some(raw) => loc.clock(&p("stop_at"), raw)?,
                None => until,
            };
            let mut peaks = Vec::new();
            for (i, pk) in d.peaks.iter().enumerate() {
                let q = |f| [K("demand"), K("peaks"), I(i), K(f)];
                let from = loc.clock(&q("from"), &pk.from)?;
                let to = loc.clock(&q("to"), &pk.to)?;
                if to <= from {
                    return Err(loc.err(&q("to"), &pk.to, "a time after `from`"));
                }
                if !(pk.multiplier.is_finite() && (0.0..=100.0).contains(&pk.multiplier)) {
                    return Err(loc.err(
                        &q("multiplier"),
                        &pk.multiplier.to_string(),
                        "a multiplier from 0 to 100",
                    ));
                }
                peaks.push((from, to, pk.multiplier));
            }
            let mut rng = sim_core::rng::actor_rng(seed, ActorKind::Population, 0);
            for _ in 0..d.customers {
                households.push(draw_household(&mut rng, data, &districts));
            }
            Some(DemandSpec {
                bookings_per_day: d.bookings_per_day,
                hourly: data.hourly,
                peaks,
                stop_at,
                intercity_share: d.intercity_share,
                intercity: data.intercity.clone(),
                districts: districts.clone(),
                addons: data.addons.clone(),
                scheduled_share: d.scheduled_share,
                lead_median_min: lead.as_secs_f64() / 60.0,
            })
        }
    };

    let mut scripted = Vec::new();
    for (i, b) in scenario.bookings.iter().enumerate() {
        let p = |f| [K("bookings"), I(i), K(f)];
        let at = loc.clock(&p("at"), &b.at)?;
        let home = loc.node(world, &p("pickup"), &b.pickup)?;
        let pickup_after = match &b.pickup_at {
            Some(t) => {
                let t = loc.clock(&p("pickup_at"), t)?;
                if t < at {
                    return Err(loc.err(
                        &p("pickup_at"),
                        b.pickup_at.as_deref().unwrap_or(""),
                        "a pickup time not before the booking time `at`",
                    ));
                }
                t
            }
            None => at,
        };
        if b.pets.is_empty() || b.pets.len() > 4 {
            return Err(loc.err(
                &p("pets"),
                &b.pets.len().to_string(),
                "1 to 4 pets per booking",
            ));
        }
        let mut pets = Vec::new();
        for (j, pet) in b.pets.iter().enumerate() {
            let q = |f| [K("bookings"), I(i), K("pets"), I(j), K(f)];
            let species = Species::parse(&pet.species)
                .ok_or_else(|| loc.err(&q("species"), &pet.species, "`dog` or `cat`"))?;
            let size = SizeClass::parse(&pet.size).ok_or_else(|| {
                loc.err(
                    &q("size"),
                    &pet.size,
                    "`small`, `medium` (under 20 kg) or `large` (20 kg and over)",
                )
            })?;
            if !(pet.weight_kg.is_finite() && (0.1..=120.0).contains(&pet.weight_kg)) {
                return Err(loc.err(
                    &q("weight_kg"),
                    &pet.weight_kg.to_string(),
                    "a weight in kg from 0.1 to 120",
                ));
            }
            let physiology = *data.physiology.get(&(species, size)).ok_or_else(|| {
                loc.err(
                    &q("size"),
                    &pet.size,
                    format!(
                        "a size class data/pets/physiology.csv has for {}s",
                        species.name()
                    ),
                )
            })?;
            pets.push(PetTemplate {
                species,
                size,
                weight_kg: pet.weight_kg,
                physiology,
            });
        }
        let addon = match b.addon.as_deref() {
            None | Some("none") => None,
            Some(raw) => {
                let (a, kind) = match raw {
                    "vet_visit" => (Addon::VetVisit, PartnerKind::Vet),
                    "grooming" => (Addon::Grooming, PartnerKind::Groomer),
                    "hotel_stay" => (Addon::HotelStay, PartnerKind::Hotel),
                    other => {
                        let mut e = loc.err(
                            &p("addon"),
                            other,
                            "`vet_visit`, `grooming`, `hotel_stay` or `none`",
                        );
                        if let Some(h) =
                            did_you_mean(other, ["vet_visit", "grooming", "hotel_stay", "none"])
                        {
                            e = e.hint(h);
                        }
                        return Err(e);
                    }
                };
                let partner = match &b.partner {
                    Some(name) => partner_specs
                        .iter()
                        .position(|x| &x.name == name && x.kind == kind)
                        .ok_or_else(|| {
                            let names: Vec<&str> = partner_specs
                                .iter()
                                .filter(|x| x.kind == kind)
                                .map(|x| x.name.as_str())
                                .collect();
                            let mut e = loc.err(
                                &p("partner"),
                                name,
                                format!("the name of a {} in data/partners.csv", kind.name()),
                            );
                            if let Some(h) = did_you_mean(name, names) {
                                e = e.hint(h);
                            }
                            e
                        })?,
                    None => partner_specs
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| x.kind == kind && x.node != home)
                        .min_by(|x, y| {
                            world
                                .net
                                .crow_m(home, x.1.node)
                                .total_cmp(&world.net.crow_m(home, y.1.node))
                                .then(x.0.cmp(&y.0))
                        })
                        .map(|(k, _)| k)
                        .ok_or_else(|| {
                            loc.err(
                                &p("addon"),
                                raw,
                                format!("a {} partner in data/partners.csv", kind.name()),
                            )
                        })?,
                };
                let service = data
                    .addons
                    .iter()
                    .find(|o| o.addon == Some(a))
                    .map_or(SimDuration::from_mins(30), |o| o.service);
                Some((a, PartnerId(partner as u32), service))
            }
        };
        let dropoff = match (&b.dropoff, addon) {
            (Some(d), None) => loc.node(world, &p("dropoff"), d)?,
            (None, Some((_, partner, _))) => partner_specs[partner.index()].node,
            (Some(d), Some(_)) => {
                return Err(loc.err(
                    &p("dropoff"),
                    d,
                    "no `dropoff` with an add-on: the pets go to the partner",
                ))
            }
            (None, None) => {
                return Err(loc.err(
                    &p("pickup"),
                    &b.pickup,
                    "a `dropoff` (or an `addon` that names where the pets go)",
                ))
            }
        };
        if dropoff == home {
            return Err(loc.err(
                &p("dropoff"),
                b.dropoff.as_deref().unwrap_or(""),
                "a destination other than the pickup",
            ));
        }
        if world
            .route(&sim_core::world::FreeFlow, home, dropoff)
            .is_none()
        {
            return Err(loc.err(
                &p("dropoff"),
                b.dropoff.as_deref().unwrap_or(""),
                format!("a node reachable from {:?} by road", b.pickup),
            ));
        }
        if let Some(veh) = b.vehicle {
            if veh as usize >= fleet.len() {
                return Err(loc.err(
                    &p("vehicle"),
                    &veh.to_string(),
                    format!(
                        "a vehicle number from 0 to {} (the depots hold {} vehicles)",
                        fleet.len().saturating_sub(1),
                        fleet.len()
                    ),
                ));
            }
        } else if fleet.is_empty() {
            return Err(loc.err(
                &p("pickup"),
                &b.pickup,
                "a fleet to serve the booking: add a [[depots]] table with vehicles",
            ));
        }
        scripted.push(ScriptedBooking {
            at,
            pickup_after,
            household: households.len(),
            dropoff,
            addon,
            vehicle: b.vehicle,
        });
        households.push(HouseholdSpec {
            home,
            pets,
            random_demand: false,
        });
    }

    if let Some(r) = &scenario.requests {
        if fleet.is_empty() {
            return Err(loc.err(
                &[K("requests"), K("file")],
                &r.file,
                "a fleet to serve the requests: [[depots]] or [vehicles] start_nodes",
            ));
        }
        let step = match &scenario.dispatch.decision_step {
            Some(raw) => Some(loc.positive_duration(&[K("dispatch"), K("decision_step")], raw)?),
            None => None,
        };
        let (homes, bookings) = imported::requests(
            &loc,
            &refs,
            r,
            &index,
            world,
            step,
            data,
            seed,
            households.len(),
        )?;
        households.extend(homes);
        scripted.extend(bookings);
    }

    let mut faults = Vec::new();
    for (i, f) in scenario.faults.iter().enumerate() {
        let p = |x| [K("faults"), I(i), K(x)];
        if f.kind != "hvac_failure" {
            return Err(loc.err(&p("kind"), &f.kind, "`hvac_failure`"));
        }
        if f.vehicle as usize >= fleet.len() {
            return Err(loc.err(
                &p("vehicle"),
                &f.vehicle.to_string(),
                format!(
                    "a vehicle number from 0 to {}",
                    fleet.len().saturating_sub(1)
                ),
            ));
        }
        faults.push(Fault {
            at: loc.clock(&p("at"), &f.at)?,
            vehicle: VehicleId(f.vehicle),
            duration: loc.positive_duration(&p("duration"), &f.duration)?,
        });
    }

    let mut customer = data.customers;
    if let Some(s) = &scenario.customers.stale_after {
        customer.stale_after = loc.positive_duration(&[K("customers"), K("stale_after")], s)?;
    }
    if let Some(pr) = scenario.customers.call_prob {
        if !(0.0..=1.0).contains(&pr) {
            return Err(loc.err(
                &[K("customers"), K("call_prob")],
                &pr.to_string(),
                "a probability from 0 to 1",
            ));
        }
        customer.call_prob = pr;
    }
    customer.always_accept = match scenario.customers.quotes.as_str() {
        "price" => false,
        "always" => true,
        other => {
            return Err(loc.err(
                &[K("customers"), K("quotes")],
                other,
                "`price` (the acceptance model) or `always`",
            ))
        }
    };
    customer.patient = match scenario.customers.patience.as_str() {
        "model" => false,
        "unlimited" => true,
        other => {
            return Err(loc.err(
                &[K("customers"), K("patience")],
                other,
                "`model` (cancel when the pickup is too late) or `unlimited`",
            ))
        }
    };

    let mut incidents = Vec::new();
    for (i, inc) in scenario.incidents.iter().enumerate() {
        let p = |f| [K("incidents"), I(i), K(f)];
        let at = loc.clock(&p("at"), &inc.at)?;
        let duration = loc.positive_duration(&p("duration"), &inc.duration)?;
        let kind = match inc.kind.as_str() {
            "closure" => {
                if inc.lanes_lost.is_some() {
                    return Err(loc.err(
                        &p("lanes_lost"),
                        &inc.lanes_lost.unwrap_or(0).to_string(),
                        "no `lanes_lost` for a closure (use kind = \"lane_loss\")",
                    ));
                }
                IncidentKind::Closure
            }
            "lane_loss" => IncidentKind::LaneLoss {
                lanes_lost: match inc.lanes_lost {
                    Some(n) if n >= 1 => n,
                    other => {
                        return Err(loc.err(
                            &p("lanes_lost"),
                            &other.map_or("(missing)".into(), |n| n.to_string()),
                            "the number of lanes lost, at least 1, for kind = \"lane_loss\"",
                        ))
                    }
                },
            },
            other => {
                let mut e = loc.err(&p("kind"), other, "`closure` or `lane_loss`");
                if let Some(h) = did_you_mean(other, ["closure", "lane_loss"]) {
                    e = e.hint(h);
                }
                return Err(e);
            }
        };
        let path = p("segment");
        let mut edges = segment_at(
            &loc,
            world,
            &path,
            &inc.segment,
            inc.road.as_deref(),
            &[K("incidents"), I(i), K("road")],
        )?;
        if let IncidentKind::LaneLoss { lanes_lost } = kind {
            let lanes = edges
                .iter()
                .map(|&e| world.net.edge(e).lanes)
                .min()
                .unwrap_or(1);
            if lanes_lost >= lanes {
                return Err(loc.err(&p("lanes_lost"), &lanes_lost.to_string(), format!("fewer lanes than the road has ({lanes} per direction); use kind = \"closure\" to shut it")));
            }
        }
        if inc.both_directions {
            let twins: Option<Vec<_>> = edges
                .iter()
                .rev()
                .map(|&e| world.net.edge(e).twin)
                .collect();
            let twins = twins.ok_or_else(|| {
                loc.err(
                    &p("both_directions"),
                    "true",
                    "a two-way road (this segment is one-way: set both_directions = false)",
                )
            })?;
            edges.extend(twins);
        }
        incidents.push(IncidentPlan {
            at,
            edges,
            kind,
            duration,
        });
    }

    let traffic = Arc::new(traffic);
    Ok(Resolved {
        spec: SimSpec {
            seed,
            world: world.clone(),
            traffic,
            incidents,
            vehicle,
            fleet,
            dispatch,
            tariff: Arc::new(tariff),
            reference: Arc::new(reference),
            tolls: data.tolls,
            in_city,
            partners: partner_specs.to_vec(),
            climate: Arc::new(climate),
            households,
            customer,
            demand,
            scripted,
            faults,
            pet_sample_interval,
        },
        scenario,
        start_date,
        until,
    })
}

/// Draws a household: home by district population, 1-4 pets from the pet mix.
fn draw_household(
    rng: &mut impl rand::Rng,
    data: &Data,
    districts: &[(NodeId, f64)],
) -> HouseholdSpec {
    let home = districts[pick(rng, &mut districts.iter().map(|d| d.1))].0;
    let count = data.pet_counts[pick(rng, &mut data.pet_counts.iter().map(|c| c.1))].0;
    HouseholdSpec {
        home,
        pets: draw_pets(rng, data, count),
        random_demand: true,
    }
}

/// Index drawn with probability proportional to its weight.
fn pick(rng: &mut dyn rand::RngCore, weights: &mut dyn Iterator<Item = f64>) -> usize {
    let w: Vec<f64> = weights.collect();
    let total: f64 = w.iter().sum();
    let mut u = rand::Rng::random::<f64>(rng) * total;
    for (i, x) in w.iter().enumerate() {
        if u < *x {
            return i;
        }
        u -= x;
    }
    w.len() - 1
}

/// `count` pets drawn from the pet mix (species, size, weight uniform in the class range).
pub(crate) fn draw_pets(rng: &mut impl rand::Rng, data: &Data, count: u32) -> Vec<PetTemplate> {
    (0..count)
        .map(|_| {
            let (species, size, _, lo, hi) =
                data.pet_mix[pick(rng, &mut data.pet_mix.iter().map(|m| m.2))];
            let weight_kg = lo + (hi - lo) * rand::Rng::random::<f64>(rng);
            let physiology = data.physiology[&(species, size)];
            PetTemplate {
                species,
                size,
                weight_kg: (weight_kg * 10.0).round() / 10.0,
                physiology,
            }
        })
        .collect()
}

/// The scenario file's directory (`None` for catalogue scenarios).
fn scenario_dir(src: &Source) -> Option<std::path::PathBuf> {
    if src.label.starts_with("<catalogue>") {
        return None;
    }
    std::path::Path::new(&src.label)
        .parent()
        .map(std::path::Path::to_path_buf)
}

/// Resolves `"From-To"` (optionally on `road`) to its chain of directed edges, with errors
/// located in `src` (for the command line, `src` has no text and errors carry no line).
pub fn segment_edges(
    src: &Source,
    world: &World,
    segment: &str,
    road: Option<&str>,
) -> Result<Vec<sim_core::ids::EdgeId>, InputError> {
    let loc = Locator { src };
    segment_at(
        &loc,
        world,
        &[PathKey::Key("segment")],
        segment,
        road,
        &[PathKey::Key("road")],
    )
}

fn segment_at(
    loc: &Locator<'_>,
    world: &World,
    path: &[PathKey<'_>],
    segment: &str,
    road: Option<&str>,
    road_path: &[PathKey<'_>],
) -> Result<Vec<sim_core::ids::EdgeId>, InputError> {
    let (a, b) = split_segment(world, segment).ok_or_else(|| {
        let mut e = loc.err(
            path,
            segment,
            "`From-To`, two node names joined by `-`, e.g. \"Daejeon-Gimcheon\"",
        );
        let first = segment.split('-').next().unwrap_or("");
        let close = world.net.similar_names(first, 3);
        if !close.is_empty() {
            e = e.hint(format!("closest names to {first:?}: {}", close.join(", ")));
        }
        e
    })?;
    if let Some(road) = road {
        if !world.net.edges().iter().any(|e| e.road == road) {
            let roads: std::collections::BTreeSet<&str> =
                world.net.edges().iter().map(|e| e.road.as_str()).collect();
            let mut e = loc.err(
                road_path,
                road,
                "the name of a road in data/network/edges.csv, e.g. \"Gyeongbu\"",
            );
            if let Some(h) = did_you_mean(road, roads) {
                e = e.hint(h);
            }
            return Err(e);
        }
    }
    world.net.segment_chain(a, b, road).ok_or_else(|| {
        loc.err(
            path,
            segment,
            match road {
                Some(r) => format!("two nodes joined by road {r:?}, in this direction"),
                None => "two nodes joined by a single road, in this direction".to_string(),
            },
        )
    })
}

/// Splits `"A-B"` into two node names; names may themselves contain `-`.
fn split_segment(world: &World, s: &str) -> Option<(NodeId, NodeId)> {
    let candidates: BTreeMap<usize, (NodeId, NodeId)> = s
        .match_indices('-')
        .filter_map(|(i, _)| {
            let a = world.net.node_by_name(s[..i].trim())?;
            let b = world.net.node_by_name(s[i + 1..].trim())?;
            Some((i, (a, b)))
        })
        .collect();
    candidates.into_values().next()
}
