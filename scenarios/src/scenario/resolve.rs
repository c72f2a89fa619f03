//! Resolving a parsed scenario against the data: one function per section, each checking
//! its values and naming the place of the first bad one.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use sim_core::actors::{Climate, DispatchConfig, PartnerKind, Shift, VehicleConfig};
use sim_core::booking::{Crates, Dwell, Species};
use sim_core::dispatch::plan::InsertMode;
use sim_core::fare::{Addon, SizeClass, Tariff};
use sim_core::ids::{NodeId, PartnerId, VehicleId};
use sim_core::rng::ActorKind;
use sim_core::sim::{
    DemandSpec, Fault, HouseholdSpec, PartnerSpec, PetTemplate, ScriptedBooking, SimSpec,
    VehicleSpec,
};
use sim_core::time::{SimDuration, SimTime, MS_PER_DAY};
use sim_core::traffic::{DayType, IncidentKind, IncidentPlan, TrafficConfig};
use sim_core::weighted::Weighted;
use sim_core::world::{NodeKind, World};

use super::imported::{self, Imported, RefFiles};
use super::{
    draw_household, scenario_dir, segment_at, BookingSection, CustomersSection, DemandSection,
    DepotSection, DispatchSection, FaultSection, IncidentSection, NetworkChoice, PetSection,
    Resolved, Scenario, TrafficSection, VehiclesSection, WeatherSection,
};
use crate::data::{Data, DataFiles};
use crate::error::{did_you_mean, InputError};
use crate::import::NodeIndex;
use crate::located::{Locator, PathKey};
use crate::units::parse_until;
use rand::Rng;

use PathKey::{Index as I, Key as K};

mod bookings;
mod demand;

/// Resolves a parsed scenario against the data. `seed` and `until` override the file's.
pub fn resolve(
    src: &super::Source,
    scenario: Scenario,
    data: &Data,
    files: &DataFiles,
    seed: Option<u64>,
    until: Option<SimTime>,
) -> Result<Resolved, InputError> {
    let loc = Locator { src };
    let refs = RefFiles {
        data: files,
        dir: scenario_dir(src),
    };
    let network = choose_network(&loc, &refs, data, scenario.network.as_ref())?;
    let cx = Cx::new(loc, refs, data, &network);
    let world = network.world(data);
    let (start_date, until) = cx.dates(&scenario, until)?;
    let seed = seed.unwrap_or(scenario.seed);
    let (vehicle, dwell) = cx.vehicle_config(&scenario)?;
    let fleet = cx.fleet(&scenario.vehicles, &scenario.depots)?;
    let mut households = Vec::new();
    let services = super::services::resolve(&cx.loc, files, &scenario, until)?;
    let demand_section = services.fleet_demand(&scenario);
    let demand = cx.demand(demand_section.as_ref(), until, seed, &mut households)?;
    let mut scripted = cx.bookings(&scenario, fleet.len(), seed, &mut households)?;
    scripted.extend(cx.bursts(scenario.demand.as_ref(), seed, &mut households)?);
    let incidents = (scenario.incidents.iter().enumerate())
        .map(|(i, inc)| cx.incident(i, inc))
        .collect::<Result<Vec<_>, _>>()?;
    let mut spec = SimSpec {
        seed,
        world: world.clone(),
        traffic: Arc::new(cx.traffic(&scenario.traffic, start_date, until)?),
        incidents,
        vehicle,
        dispatch: cx.dispatch_config(&scenario.dispatch, dwell)?,
        faults: cx.faults(&scenario.faults, fleet.len())?,
        fleet,
        tariff: Arc::new(cx.tariff(K("tariff"), &scenario.pricing.tariff)?),
        reference: Arc::new(cx.tariff(K("reference"), &scenario.pricing.reference)?),
        quote_delays: cx.quote_delays(&scenario.pricing)?,
        tolls: data.tolls,
        in_city: cx.in_city(),
        partners: cx.partners.to_vec(),
        climate: Arc::new(cx.climate(&scenario.weather, start_date, until)?),
        households,
        customer: cx.customer_config(&scenario.customers)?,
        demand,
        scripted,
        pet_sample_interval: cx.loc.positive_duration(
            &[K("welfare"), K("sample_interval")],
            &scenario.welfare.sample_interval,
        )?,
        settlement: super::settlement::resolve(&cx.loc, files, scenario.settlement.as_ref())?,
        notifier: super::notifier::resolve(
            &cx.loc,
            files,
            scenario.notifier.as_ref(),
            &scenario.operations,
        )?,
        services: Vec::new(),
    };
    spec.services = super::services::for_fleet(&cx.loc, &scenario, &spec, &services)?;
    Ok(Resolved {
        spec,
        scenario,
        start_date,
        until,
        services,
    })
}

/// The network a scenario runs on.
enum Network {
    /// A user's network (`[network]`).
    Imported(Box<Imported>),
    /// Seoul's streets joined to the expressways (the default).
    Streets(Arc<crate::streets::Streets>),
    /// Seoul as district centroids (`network = "districts"`).
    Districts,
}

impl Network {
    /// The network's world.
    fn world<'a>(&'a self, data: &'a Data) -> &'a Arc<World> {
        match self {
            Network::Imported(i) => &i.world,
            Network::Streets(s) => &s.world,
            Network::Districts => &data.world,
        }
    }
}

/// Resolves `network`: absent means the street network.
fn choose_network(
    loc: &Locator<'_>,
    refs: &RefFiles<'_>,
    data: &Data,
    choice: Option<&NetworkChoice>,
) -> Result<Network, InputError> {
    let name = match choice {
        Some(NetworkChoice::Imported(n)) => {
            return Ok(Network::Imported(Box::new(imported::network(
                loc, refs, n,
            )?)))
        }
        Some(NetworkChoice::Bundled(name)) => name.as_str(),
        None => "streets",
    };
    let streets = one_of(
        loc,
        &[K("network")],
        name,
        &[("streets", true), ("districts", false)],
        "`\"streets\"` (Seoul's streets), `\"districts\"` (Seoul's district centroids) or a [network] table",
    )?;
    Ok(match streets {
        true => Network::Streets(data.streets(refs.data)?),
        false => Network::Districts,
    })
}

/// What every section resolves against.
struct Cx<'a> {
    loc: Locator<'a>,
    refs: RefFiles<'a>,
    data: &'a Data,
    world: &'a World,
    imported: Option<&'a Imported>,
    /// Node ids as imported files write them.
    index: NodeIndex,
    partners: &'a [PartnerSpec],
    /// Hourly speed factors of the network's classes.
    profiles: &'a sim_core::traffic::Profiles,
    /// Intercity destinations and weights.
    intercity: &'a [(NodeId, f64)],
}

/// Crate slots a vehicle may have.
fn crates_ok(c: [u32; 3]) -> bool {
    c.iter().sum::<u32>() >= 1 && c.iter().all(|x| *x <= 20)
}

const CRATES_EXPECTED: &str =
    "crate slots [small, medium, large], 0 to 20 each and at least one in all";

/// One of `choices` (the value as written), or an error naming them, with a suggestion.
fn one_of<T: Copy>(
    loc: &Locator<'_>,
    path: &[PathKey<'_>],
    value: &str,
    choices: &[(&str, T)],
    expected: &str,
) -> Result<T, InputError> {
    if let Some((_, t)) = choices.iter().find(|(name, _)| *name == value) {
        return Ok(*t);
    }
    let mut e = loc.err(path, value, expected);
    if let Some(h) = did_you_mean(value, choices.iter().map(|(name, _)| *name)) {
        e = e.hint(h);
    }
    Err(e)
}

impl<'a> Cx<'a> {
    /// The context of a scenario on `network`.
    fn new(loc: Locator<'a>, refs: RefFiles<'a>, data: &'a Data, network: &'a Network) -> Self {
        let (partners, profiles, intercity) = match network {
            // Imported cities have no partners (the bundled ones are in Seoul).
            Network::Imported(i) => (&[][..], &i.profiles, &data.intercity[..]),
            Network::Streets(s) => (&s.partners[..], &s.profiles, &s.intercity[..]),
            Network::Districts => (&data.partners[..], &data.profiles, &data.intercity[..]),
        };
        let world = network.world(data);
        let imported = match network {
            Network::Imported(i) => Some(i.as_ref()),
            _ => None,
        };
        Cx {
            loc,
            refs,
            data,
            world,
            imported,
            index: imported::index_of(world, imported),
            partners,
            profiles,
            intercity,
        }
    }

    /// The first day and the stop time.
    fn dates(
        &self,
        scenario: &Scenario,
        until: Option<SimTime>,
    ) -> Result<(NaiveDate, SimTime), InputError> {
        let loc = &self.loc;
        let start_date =
            NaiveDate::parse_from_str(&scenario.start_date, "%Y-%m-%d").map_err(|_| {
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
        Ok((start_date, until))
    }

    /// `[traffic]`, with the calendar of day types from `start_date` to `until`.
    fn traffic(
        &self,
        t: &TrafficSection,
        start_date: NaiveDate,
        until: SimTime,
    ) -> Result<TrafficConfig, InputError> {
        let loc = &self.loc;
        let p = |f| [K("traffic"), K(f)];
        let update_interval = loc.positive_duration(&p("update_interval"), &t.update_interval)?;
        let correlation =
            loc.positive_duration(&p("congestion_correlation"), &t.congestion_correlation)?;
        if !(0.0..=1.0).contains(&t.congestion_sigma) {
            return Err(loc.err(
                &p("congestion_sigma"),
                &t.congestion_sigma.to_string(),
                "a number from 0 (no random congestion) to 1",
            ));
        }
        if !(t.accident_rate_scale.is_finite() && (0.0..=1_000.0).contains(&t.accident_rate_scale))
        {
            return Err(loc.err(
                &p("accident_rate_scale"),
                &t.accident_rate_scale.to_string(),
                "a factor from 0 to 1000",
            ));
        }
        let days = (until.as_ms().div_ceil(MS_PER_DAY)).max(1);
        let calendar = (0..days.max(7))
            .map(|d| {
                let date = start_date + chrono::Days::new(d);
                if self.data.holidays.contains_key(&date) {
                    DayType::Holiday
                } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    DayType::Weekend
                } else {
                    DayType::Weekday
                }
            })
            .collect();
        Ok(TrafficConfig {
            profiles: self.profiles.clone(),
            accidents: self.data.accidents,
            congestion_sigma: t.congestion_sigma,
            congestion_correlation_s: correlation.as_secs_f64(),
            update_interval,
            random_accidents: t.random_accidents,
            accident_rate_scale: t.accident_rate_scale,
            calendar,
        })
    }

    /// What every vehicle shares (`[vehicles]`, the dwells, welfare and pricing timings).
    fn vehicle_config(&self, s: &Scenario) -> Result<(VehicleConfig, Dwell), InputError> {
        let loc = &self.loc;
        let (v, welfare) = (&s.vehicles, &s.welfare);
        let live = one_of(
            loc,
            &[K("customers"), K("updates")],
            &s.customers.updates,
            &[("live", true), ("milestones", false)],
            "`live` or `milestones`",
        )?;
        let customer_update_interval = match live {
            true => Some(loc.positive_duration(
                &[K("customers"), K("update_interval")],
                &s.customers.update_interval,
            )?),
            false => None,
        };
        let dwell = Dwell {
            pickup: loc.duration(
                &[K("dispatch"), K("dwell_pickup")],
                &s.dispatch.dwell_pickup,
            )?,
            dropoff: loc.duration(
                &[K("dispatch"), K("dwell_dropoff")],
                &s.dispatch.dwell_dropoff,
            )?,
        };
        let requote_threshold_won = s.pricing.requote_threshold_won;
        if !(0..=10_000_000).contains(&requote_threshold_won) {
            return Err(loc.err(
                &[K("pricing"), K("requote_threshold_won")],
                &requote_threshold_won.to_string(),
                "an amount of won from 0 to 10,000,000",
            ));
        }
        let w = |f| [K("welfare"), K(f)];
        let vehicle = VehicleConfig {
            position_interval: loc.positive_duration(
                &[K("vehicles"), K("position_interval")],
                &v.position_interval,
            )?,
            reroute_min_gain: loc
                .duration(&[K("vehicles"), K("reroute_min_gain")], &v.reroute_min_gain)?,
            customer_update_interval,
            welfare_interval: loc.positive_duration(&w("interval"), &welfare.interval)?,
            dwell,
            rest_stop: loc.duration(&w("rest_stop"), &welfare.rest_stop)?,
            requote_threshold_won,
            vet_treatment: loc.positive_duration(&w("vet_treatment"), &welfare.vet_treatment)?,
            readiness_mean: loc
                .duration(&[K("vehicles"), K("readiness_mean")], &v.readiness_mean)?,
            return_to_depot: one_of(
                loc,
                &[K("vehicles"), K("idle")],
                &v.idle,
                &[("depot", true), ("stay", false)],
                "`depot` (drive back) or `stay` (wait where the last stop was)",
            )?,
        };
        Ok((vehicle, dwell))
    }

    /// `[dispatch]`.
    fn dispatch_config(
        &self,
        d: &DispatchSection,
        dwell: Dwell,
    ) -> Result<DispatchConfig, InputError> {
        let loc = &self.loc;
        let p = |f| [K("dispatch"), K(f)];
        let mode = one_of(
            loc,
            &p("mode"),
            &d.mode,
            &[
                ("immediate", InsertMode::Pooled),
                ("batch", InsertMode::Pooled),
                ("hail", InsertMode::Single),
            ],
            "`immediate`, `batch` or `hail`",
        )?;
        let batch = match d.mode.as_str() {
            "batch" => Some(loc.positive_duration(&p("batch_interval"), &d.batch_interval)?),
            _ => None,
        };
        if !(d.max_ride_factor.is_finite() && (1.0..=10.0).contains(&d.max_ride_factor)) {
            return Err(loc.err(
                &p("max_ride_factor"),
                &d.max_ride_factor.to_string(),
                "a factor from 1 to 10 over the direct drive",
            ));
        }
        Ok(DispatchConfig {
            batch,
            mode,
            dwell,
            max_ride_factor: d.max_ride_factor,
            max_ride_min: loc.positive_duration(&p("max_ride_min"), &d.max_ride_min)?,
            pickup_window: loc.positive_duration(&p("pickup_window"), &d.pickup_window)?,
            surge_window: loc.positive_duration(&p("surge_window"), &d.surge_window)?,
            promise_slack: loc.duration(&p("promise_slack"), &d.promise_slack)?,
        })
    }

    /// The vehicles: the depots' in file order, then one per row of `start_nodes`.
    fn fleet(
        &self,
        v: &VehiclesSection,
        depots: &[DepotSection],
    ) -> Result<Vec<VehicleSpec>, InputError> {
        let loc = &self.loc;
        if !crates_ok(v.crates) {
            let crates = format!("{:?}", v.crates);
            return Err(loc.err(&[K("vehicles"), K("crates")], &crates, CRATES_EXPECTED));
        }
        let default_shift = loc.clock(&[K("vehicles"), K("shift_end")], &v.shift_end)?;
        let every = match &v.shift_every {
            Some(raw) => Some(loc.positive_duration(&[K("vehicles"), K("shift_every")], raw)?),
            None => None,
        };
        let mut fleet = Vec::new();
        for (i, d) in depots.iter().enumerate() {
            let p = |f| [K("depots"), I(i), K(f)];
            let depot = loc.node(self.world, &p("node"), &d.node)?;
            if d.vehicles > 100_000 {
                let n = d.vehicles.to_string();
                return Err(loc.err(&p("vehicles"), &n, "at most 100000 vehicles per depot"));
            }
            let crates = d.crates.unwrap_or(v.crates);
            if !crates_ok(crates) {
                return Err(loc.err(&p("crates"), &format!("{crates:?}"), CRATES_EXPECTED));
            }
            let end = match &d.shift_end {
                Some(s) => loc.clock(&p("shift_end"), s)?,
                None => default_shift,
            };
            fleet.extend((0..d.vehicles).map(|_| VehicleSpec {
                depot,
                crates: Crates(crates),
                shift: Shift { end, every },
            }));
        }
        if let Some(raw) = &v.start_nodes {
            for node in imported::start_nodes(loc, &self.refs, raw, &self.index, self.world)? {
                fleet.push(VehicleSpec {
                    depot: node,
                    crates: Crates(v.crates),
                    shift: Shift {
                        end: default_shift,
                        every,
                    },
                });
            }
        }
        Ok(fleet)
    }

    /// The learned delays of `[pricing] quote_model = "learned"`, read from `delays`.
    fn quote_delays(
        &self,
        p: &crate::scenario::PricingSection,
    ) -> Result<Option<Arc<sim_core::delays::LearnedDelays>>, InputError> {
        let at = |k| [K("pricing"), K(k)];
        match (p.quote_model.as_str(), &p.delays) {
            ("profile", _) => Ok(None),
            ("learned", Some(path)) => {
                crate::delays_file::read(std::path::Path::new(path)).map(|d| Some(Arc::new(d)))
            }
            ("learned", None) => Err(self.loc.err(
                &at("quote_model"),
                "learned",
                "`delays = \"FILE\"` beside it: the file `petfleet learn` writes",
            )),
            (other, _) => Err(self
                .loc
                .err(&at("quote_model"), other, "`profile` or `learned`")),
        }
    }

    /// A tariff named at `[pricing] key`: a bundled name or a file.
    fn tariff(&self, key: PathKey<'_>, arg: &str) -> Result<Tariff, InputError> {
        crate::tariff::find(arg)
            .and_then(|s| crate::tariff::parse(&s))
            .map_err(|e| {
                if e.file == "<command line>" {
                    self.loc.err(&[K("pricing"), key], arg, e.expected.clone())
                } else {
                    e
                }
            })
    }

    /// Which nodes are in the city: an imported network is all city; the bundled one:
    /// the districts and central Seoul.
    fn in_city(&self) -> Arc<[bool]> {
        let net = &self.world.net;
        let seoul = net.node_by_name("Seoul");
        net.nodes()
            .iter()
            .map(|n| {
                self.imported.is_some()
                    || matches!(n.kind, NodeKind::District | NodeKind::Street)
                    || seoul.is_some_and(|s| net.crow_m(s, n.id) <= 12_000.0)
            })
            .collect()
    }

    /// The climate normals of the run's months, with `[weather]`'s offset.
    fn climate(
        &self,
        weather: &WeatherSection,
        start_date: NaiveDate,
        until: SimTime,
    ) -> Result<Climate, InputError> {
        let offset = weather.temperature_offset_c;
        if !(offset.is_finite() && (-20.0..=20.0).contains(&offset)) {
            let path = [K("weather"), K("temperature_offset_c")];
            let e = "degrees C from -20 to 20 added to the normals";
            return Err(self.loc.err(&path, &offset.to_string(), e));
        }
        let days = (until.as_ms().div_ceil(MS_PER_DAY)).max(1);
        Ok(Climate {
            normals: self.data.climate,
            month_of_day: (0..days)
                .map(|d| (start_date + chrono::Days::new(d)).month0() as u8)
                .collect(),
            offset_c: offset,
        })
    }

    /// `[[faults]]`.
    fn faults(&self, faults: &[FaultSection], fleet: usize) -> Result<Vec<Fault>, InputError> {
        let loc = &self.loc;
        let mut out = Vec::new();
        for (i, f) in faults.iter().enumerate() {
            let p = |x| [K("faults"), I(i), K(x)];
            if f.kind != "hvac_failure" {
                return Err(loc.err(&p("kind"), &f.kind, "`hvac_failure`"));
            }
            if f.vehicle as usize >= fleet {
                let e = format!("a vehicle number from 0 to {}", fleet.saturating_sub(1));
                return Err(loc.err(&p("vehicle"), &f.vehicle.to_string(), e));
            }
            out.push(Fault {
                at: loc.clock(&p("at"), &f.at)?,
                vehicle: VehicleId(f.vehicle),
                duration: loc.positive_duration(&p("duration"), &f.duration)?,
            });
        }
        Ok(out)
    }

    /// `[customers]` over `data/customers.toml`.
    fn customer_config(
        &self,
        c: &CustomersSection,
    ) -> Result<sim_core::actors::CustomerModel, InputError> {
        let loc = &self.loc;
        let p = |f| [K("customers"), K(f)];
        let mut customer = self.data.customers;
        if let Some(s) = &c.stale_after {
            customer.stale_after = loc.positive_duration(&p("stale_after"), s)?;
        }
        if let Some(pr) = c.call_prob {
            if !(0.0..=1.0).contains(&pr) {
                let e = "a probability from 0 to 1";
                return Err(loc.err(&p("call_prob"), &pr.to_string(), e));
            }
            customer.call_prob = pr;
        }
        customer.always_accept = one_of(
            loc,
            &p("quotes"),
            &c.quotes,
            &[("price", false), ("always", true)],
            "`price` (the acceptance model) or `always`",
        )?;
        customer.patient = one_of(
            loc,
            &p("patience"),
            &c.patience,
            &[("model", false), ("unlimited", true)],
            "`model` (cancel when the pickup is too late) or `unlimited`",
        )?;
        Ok(customer)
    }

    /// `[[incidents]]` entry `i`.
    fn incident(&self, i: usize, inc: &IncidentSection) -> Result<IncidentPlan, InputError> {
        let loc = &self.loc;
        let p = |f| [K("incidents"), I(i), K(f)];
        let at = loc.clock(&p("at"), &inc.at)?;
        let duration = loc.positive_duration(&p("duration"), &inc.duration)?;
        let kind = self.incident_kind(i, inc)?;
        let road = [K("incidents"), I(i), K("road")];
        let world = self.world;
        let mut edges = segment_at(
            loc,
            world,
            &p("segment"),
            &inc.segment,
            inc.road.as_deref(),
            &road,
        )?;
        if let IncidentKind::LaneLoss { lanes_lost } = kind {
            let lanes = (edges.iter().map(|&e| world.net.edge(e).lanes))
                .min()
                .unwrap_or(1);
            if lanes_lost >= lanes {
                return Err(loc.err(&p("lanes_lost"), &lanes_lost.to_string(), format!("fewer lanes than the road has ({lanes} per direction); use kind = \"closure\" to shut it")));
            }
        }
        if inc.both_directions {
            let twins: Option<Vec<_>> = (edges.iter().rev())
                .map(|&e| world.net.edge(e).twin)
                .collect();
            let twins = twins.ok_or_else(|| {
                let e = "a two-way road (this segment is one-way: set both_directions = false)";
                loc.err(&p("both_directions"), "true", e)
            })?;
            edges.extend(twins);
        }
        Ok(IncidentPlan {
            at,
            edges,
            kind,
            duration,
        })
    }

    fn incident_kind(&self, i: usize, inc: &IncidentSection) -> Result<IncidentKind, InputError> {
        let loc = &self.loc;
        let p = |f| [K("incidents"), I(i), K(f)];
        let kind = one_of(
            loc,
            &p("kind"),
            &inc.kind,
            &[("closure", true), ("lane_loss", false)],
            "`closure` or `lane_loss`",
        )?;
        match (kind, inc.lanes_lost) {
            (true, None) => Ok(IncidentKind::Closure),
            (true, Some(n)) => Err(loc.err(
                &p("lanes_lost"),
                &n.to_string(),
                "no `lanes_lost` for a closure (use kind = \"lane_loss\")",
            )),
            (false, Some(n)) if n >= 1 => Ok(IncidentKind::LaneLoss { lanes_lost: n }),
            (false, other) => Err(loc.err(
                &p("lanes_lost"),
                &other.map_or("(missing)".into(), |n| n.to_string()),
                "the number of lanes lost, at least 1, for kind = \"lane_loss\"",
            )),
        }
    }
}
