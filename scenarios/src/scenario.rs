//! Scenario files (TOML): the fleet, scripted trips, traffic and incidents, outputs.
//!
//! Parsing is strict: unknown fields are rejected with the closest valid name; every value
//! that names a place, a time or a duration is checked against the network and the units,
//! and an error points at its line and column.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use sim_core::ids::NodeId;
use sim_core::sim::{HouseholdSpec, PetTemplate, SimSpec};
use sim_core::time::SimTime;
use sim_core::world::World;

use crate::data::Data;
use crate::error::{did_you_mean, InputError};
use crate::located::{Locator, PathKey};

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
    /// The road network: `"streets"` (the default: Seoul's streets joined to the
    /// expressways), `"districts"` (Seoul as 25 district centroids: quick runs), or a
    /// `[network]` table importing a user's network.
    pub network: Option<NetworkChoice>,
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
    /// The notification gateway (none when absent: customers hear directly and at once).
    pub notifier: Option<NotifierSection>,
    /// The settlement service (none when absent).
    pub settlement: Option<SettlementSection>,
    /// Scripted operations (`redrive_notifications`).
    #[serde(default)]
    pub operations: Vec<OperationSection>,
    /// Back ends with finite capacity (booking API, notification dispatcher, settlement
    /// processor); none: they are infinitely fast.
    #[serde(default)]
    pub services: Vec<ServiceSection>,
    /// Named designs of the services, compared side by side.
    #[serde(default)]
    pub designs: Vec<DesignSection>,
    /// The design this run uses (`--set design=NAME`); none: the services as written.
    pub design: Option<String>,
    /// The API-level load mode: orders straight into the services, no vans.
    pub load: Option<LoadSection>,
    /// Multiplies the load: the API-level profile and bursts, or the fleet's random
    /// demand (bookings per day); default 1.
    pub load_multiplier: Option<f64>,
    /// Where each design breaks, found by `petfleet run`: the lowest of `loads` (load
    /// multipliers) at which the `slo` term is violated.
    pub knee: Option<KneeSection>,
    /// The weather against the climate normals (a heatwave).
    #[serde(default)]
    pub weather: WeatherSection,
}

/// `[weather]`: departures from the monthly climate normals of `data/climate/`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeatherSection {
    /// Degrees C added to the normal temperature of every hour (a heatwave: +4 to +6).
    pub temperature_offset_c: f64,
}

fn default_seed() -> u64 {
    1
}
fn default_until() -> String {
    "24:00".into()
}

/// `network = "streets" | "districts"`, or a `[network]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum NetworkChoice {
    /// A bundled network by name.
    Bundled(String),
    /// A user's network.
    Imported(NetworkSection),
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
    /// `profile` (quotes meter the route at the traffic profile's times) or `learned`
    /// (at the learned median of `delays`, with the chance of running 15 min late).
    pub quote_model: String,
    /// The learned delays (`petfleet learn ... --out FILE`): a path, from the current
    /// directory.
    pub delays: Option<String>,
}

impl Default for PricingSection {
    fn default() -> Self {
        PricingSection {
            tariff: "petfleet-standard".into(),
            reference: "seoul-taxi-2023".into(),
            requote_threshold_won: 2_000,
            quote_model: "profile".into(),
            delays: None,
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
    /// Bookings released all at once (a midnight release).
    #[serde(default)]
    pub bursts: Vec<BurstSection>,
}

/// `[[demand.bursts]]`: `bookings` bookings made between `at` and `at + spread`, each from
/// its own household (homes by district population), to a district (by population) or,
/// for `intercity_share` of them, to another city.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSection {
    /// When the release starts (clock time).
    pub at: String,
    /// Bookings released.
    pub bookings: u32,
    /// Spread uniformly over this long (default `1min`).
    #[serde(default = "default_spread")]
    pub spread: String,
    /// Share going to another city (default 0).
    #[serde(default)]
    pub intercity_share: f64,
}

fn default_spread() -> String {
    "1min".into()
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

/// `[notifier]`: a notification gateway over `data/notify/`, with faults.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifierSection {
    /// `false` turns it off (the section may stay for reference).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Share of customers with the app and a push token (default 0.8).
    pub app_share: Option<f64>,
    /// Share of customers on KakaoTalk (default 0.93).
    pub kakao_share: Option<f64>,
    /// Share of customers who gave an e-mail address (default 0.5).
    pub email_share: Option<f64>,
    /// Share of customers who prefer AlimTalk to push (default 0.5).
    pub prefers_alimtalk_share: Option<f64>,
    /// A fault: the share of triggers that arrive twice (default 0).
    pub duplicate_share: Option<f64>,
    /// A fault: the share of triggers that arrive late (default 0).
    pub delayed_share: Option<f64>,
    /// With `delayed_share`: the longest delay, uniform from 0 (default `2min`).
    pub delay_max: Option<String>,
    /// Dead letters kept for a re-drive (default 100,000).
    pub dead_letter_capacity: Option<usize>,
    /// ETA notices to each customer at most this often (default `5min`).
    pub eta_every: Option<String>,
    /// Outages of a provider or of a whole channel.
    #[serde(default)]
    pub outages: Vec<OutageSection>,
    /// Changes to the bundled providers, by name.
    #[serde(default)]
    pub providers: Vec<ProviderOverride>,
}

fn yes() -> bool {
    true
}

/// `[[notifier.outages]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSection {
    /// A provider's name or a channel's (every provider of it).
    pub target: String,
    /// From (a clock time).
    pub from: String,
    /// Until (a clock time, after `from`).
    pub until: String,
}

/// `[[notifier.providers]]`: fields of a bundled provider to change.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderOverride {
    /// The provider (`data/notify/providers.csv`).
    pub name: String,
    /// Median latency, ms.
    pub latency_p50_ms: Option<u64>,
    /// 95th percentile latency, ms.
    pub latency_p95_ms: Option<u64>,
    /// Failure probability.
    pub fail_prob: Option<f64>,
    /// Of the failures, the transient share.
    pub transient_share: Option<f64>,
    /// Timeout, ms.
    pub timeout_ms: Option<u64>,
    /// Rate limit, messages per second.
    pub rate_per_s: Option<f64>,
    /// Bucket size.
    pub burst: Option<u32>,
    /// Queue bound.
    pub queue_bound: Option<u32>,
    /// Price per delivered message, won.
    pub price_won: Option<i64>,
}

/// `[settlement]`: a settlement service over `data/settle/parameters.csv`, with faults.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementSection {
    /// `false` turns it off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `realtime` (capture at completion, the default) or `batch`.
    pub mode: Option<String>,
    /// With `mode = "batch"`: how often captures run (default `1h`).
    pub batch_every: Option<String>,
    /// How often drivers and partners are paid out (default `24h`; `"never"`: not in the
    /// run).
    pub payout_every: Option<String>,
    /// Windows of a degraded payment gateway.
    #[serde(default)]
    pub degraded: Vec<DegradedSection>,
    /// Crashes of the settlement service.
    #[serde(default)]
    pub crashes: Vec<CrashSection>,
}

/// `[[settlement.degraded]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DegradedSection {
    /// From (a clock time).
    pub from: String,
    /// Until (a clock time, after `from`).
    pub until: String,
    /// Share of gateway requests failing (5xx) in the window.
    pub fail_prob: f64,
    /// Share timing out (unknown outcome) in the window.
    pub timeout_prob: f64,
}

/// `[[settlement.crashes]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashSection {
    /// When (a clock time).
    pub at: String,
    /// Down this long, then restarted from its journal.
    pub down_for: String,
}

/// `[[operations]]`: something an operator does at a time.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSection {
    /// When.
    pub at: String,
    /// `redrive_notifications`: send the dead letters again.
    pub action: String,
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
mod notifier;
mod resolve;
pub mod services;
mod settlement;

pub use services::{DesignSection, KneeSection, LoadSection, ServiceSection, ServicesPlan};

pub use resolve::resolve;

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
    /// The back-end services, the design and the API-level load.
    pub services: ServicesPlan,
}

/// Scales a scenario by `k`: vehicles per depot and the random demand's households and
/// bookings per day (rounded to whole numbers, at least 1 vehicle per depot that has any); scripted and
/// imported bookings and vehicles are left as written. For load studies (`petfleet scale`).
pub fn scale(s: &mut Scenario, k: f64) -> Result<(), InputError> {
    if !(k.is_finite() && k > 0.0 && k <= 100.0) {
        return Err(InputError::at("<command line>", "", None, "--scale")
            .value(k.to_string())
            .expected("a factor above 0 and at most 100"));
    }
    for d in &mut s.depots {
        // A depot written with no vehicles keeps none; any other keeps at least one.
        if d.vehicles > 0 {
            d.vehicles = ((f64::from(d.vehicles) * k).round() as u32).max(1);
        }
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

/// Draws a household: home by district population, 1-4 pets from the pet mix.
fn draw_household(
    rng: &mut impl rand::Rng,
    data: &Data,
    homes: &sim_core::weighted::Weighted<NodeId>,
) -> HouseholdSpec {
    // Never empty: the demand resolver checks that some node has residents.
    let home = homes.draw(rng).unwrap_or(NodeId(0));
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
