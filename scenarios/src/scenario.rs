//! Scenario files (TOML): the fleet, scripted trips, traffic and incidents, outputs.
//!
//! Parsing is strict: unknown fields are rejected with the closest valid name; every value
//! that names a place, a time or a duration is checked against the network and the units,
//! and an error points at its line and column.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use sim_core::actors::VehicleConfig;
use sim_core::ids::{NodeId, TripId, VehicleId};
use sim_core::msg::TripPlan;
use sim_core::sim::{SimSpec, TripSpec, VehicleSpec};
use sim_core::time::{SimTime, MS_PER_DAY};
use sim_core::traffic::{DayType, IncidentKind, IncidentPlan, TrafficConfig};
use sim_core::world::World;

use crate::data::Data;
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
    /// Traffic settings.
    #[serde(default)]
    pub traffic: TrafficSection,
    /// Vehicle settings.
    #[serde(default)]
    pub vehicles: VehiclesSection,
    /// Where the fleet parks.
    #[serde(default)]
    pub depots: Vec<DepotSection>,
    /// Scripted trips.
    #[serde(default)]
    pub trips: Vec<TripSection>,
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
    /// Slack before the estimated drive to a pickup at which the vehicle is assigned.
    pub assignment_lead: String,
}

impl Default for VehiclesSection {
    fn default() -> Self {
        VehiclesSection {
            position_interval: "30s".into(),
            reroute_min_gain: "1min".into(),
            assignment_lead: "15min".into(),
        }
    }
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
}

fn one() -> u32 {
    1
}

/// `[[trips]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripSection {
    /// When the pet is ready at the pickup.
    pub at: String,
    /// Pickup node.
    pub pickup: String,
    /// Drop-off node.
    pub dropoff: String,
    /// The pet, in words.
    #[serde(default = "default_pet")]
    pub pet: String,
    /// The vehicle (0-based); by default the one whose depot is quickest to the pickup.
    pub vehicle: Option<u32>,
    /// Loading time.
    #[serde(default = "five_min")]
    pub load: String,
    /// Unloading time.
    #[serde(default = "five_min")]
    pub unload: String,
}

fn default_pet() -> String {
    "pet".into()
}
fn five_min() -> String {
    "5min".into()
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
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection { positions: true }
    }
}

pub use crate::located::Source;

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
    /// Pet labels by trip index.
    pub pets: Vec<String>,
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
    seed: Option<u64>,
    until: Option<SimTime>,
) -> Result<Resolved, InputError> {
    use PathKey::{Index as I, Key as K};
    let loc = Locator { src };
    let world = &data.world;

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
        profiles: data.profiles.clone(),
        accidents: data.accidents,
        congestion_sigma: t.congestion_sigma,
        congestion_correlation_s: correlation.as_secs_f64(),
        update_interval,
        random_accidents: t.random_accidents,
        accident_rate_scale: t.accident_rate_scale,
        calendar,
    };

    let v = &scenario.vehicles;
    let vehicle = VehicleConfig {
        position_interval: loc.positive_duration(
            &[K("vehicles"), K("position_interval")],
            &v.position_interval,
        )?,
        reroute_min_gain: loc
            .duration(&[K("vehicles"), K("reroute_min_gain")], &v.reroute_min_gain)?,
    };
    let assignment_lead =
        loc.duration(&[K("vehicles"), K("assignment_lead")], &v.assignment_lead)?;

    let mut vehicles = Vec::new();
    for (i, d) in scenario.depots.iter().enumerate() {
        let depot = loc.node(world, &[K("depots"), I(i), K("node")], &d.node)?;
        if d.vehicles > 100_000 {
            return Err(loc.err(
                &[K("depots"), I(i), K("vehicles")],
                &d.vehicles.to_string(),
                "at most 100000 vehicles per depot",
            ));
        }
        vehicles.extend((0..d.vehicles).map(|_| VehicleSpec { depot }));
    }

    let mut trips = Vec::new();
    let mut pets = Vec::new();
    for (i, tr) in scenario.trips.iter().enumerate() {
        let p = |f| [K("trips"), I(i), K(f)];
        let ready_at = loc.clock(&p("at"), &tr.at)?;
        let pickup = loc.node(world, &p("pickup"), &tr.pickup)?;
        let dropoff = loc.node(world, &p("dropoff"), &tr.dropoff)?;
        if pickup == dropoff {
            return Err(loc.err(
                &p("dropoff"),
                &tr.dropoff,
                "a drop-off other than the pickup",
            ));
        }
        if let Some(v) = tr.vehicle {
            if v as usize >= vehicles.len() {
                return Err(loc.err(
                    &p("vehicle"),
                    &v.to_string(),
                    format!(
                        "a vehicle number from 0 to {} (the depots hold {} vehicles)",
                        vehicles.len().saturating_sub(1),
                        vehicles.len()
                    ),
                ));
            }
        } else if vehicles.is_empty() {
            return Err(loc.err(
                &p("pickup"),
                &tr.pickup,
                "a fleet to drive the trip: add a [[depots]] table with vehicles",
            ));
        }
        if world
            .route(&sim_core::world::FreeFlow, pickup, dropoff)
            .is_none()
        {
            return Err(loc.err(
                &p("dropoff"),
                &tr.dropoff,
                format!("a node reachable from {:?} by road", tr.pickup),
            ));
        }
        trips.push(TripSpec {
            plan: TripPlan {
                trip: TripId(i as u32),
                pickup,
                dropoff,
                ready_at,
                load: loc.duration(&p("load"), &tr.load)?,
                unload: loc.duration(&p("unload"), &tr.unload)?,
                pet: tr.pet.clone(),
            },
            vehicle: tr.vehicle.map(VehicleId),
        });
        pets.push(tr.pet.clone());
    }

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
            let twins: Vec<_> = edges
                .iter()
                .rev()
                .map(|&e| world.net.edge(e).twin())
                .collect();
            edges.extend(twins);
        }
        incidents.push(IncidentPlan {
            at,
            edges,
            kind,
            duration,
        });
    }

    let seed = seed.unwrap_or(scenario.seed);
    Ok(Resolved {
        spec: SimSpec {
            seed,
            world: world.clone(),
            traffic: Arc::new(traffic),
            vehicle,
            vehicles,
            trips,
            incidents,
            assignment_lead,
        },
        scenario,
        start_date,
        until,
        pets,
    })
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
