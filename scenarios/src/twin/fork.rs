//! The mirror at a time, as a scenario the model can run on: the fork a forecast starts
//! from.
//!
//! The fork is the fleet's scenario (its network, tariff, traffic and demand model) with:
//! - every van at a depot of its own: the node its matched edge leads to (or its last
//!   fix's nearest node, or its home depot before its first fix), keeping its home
//!   depot's crates and shifts;
//! - every open booking scripted at the fork time: pets aboard as a pickup at the van's
//!   node, pinned to the van, made when the van would reach that node at its last speed;
//!   bookings accepted for a van pinned to it; waiting ones left to dispatch; a booking
//!   between the legs of an add-on (dropped, not closed) is left out;
//! - every active incident scripted at the fork time for `incident_rest` more;
//! - the scenario's own scripted bookings and incidents after the fork time dropped (the
//!   twin does not know the future), its random demand silenced before the fork time and
//!   left to run after it, and `until` at the fork time plus the horizon.

use std::collections::BTreeMap;

use sim_core::ids::NodeId;
use sim_core::time::{SimDuration, SimTime};
use sim_core::world::RoadNetwork;
use toml::{Table, Value};

use super::mirror::{BookingMirror, Status, VanMirror};
use super::Twin;

/// What a forked booking is in the mirror.
#[derive(Clone, Debug, PartialEq)]
pub struct Forked {
    /// The mirror's booking id.
    pub booking: String,
    /// Its pets are aboard: the fork's pickup stands for the van passing a node.
    pub aboard: bool,
    /// The van it is pinned to.
    pub vehicle: Option<usize>,
}

/// A fork: the scenario's TOML and, in the order of its `[[bookings]]`, the mirror's
/// bookings they stand for.
#[derive(Clone, Debug)]
pub struct Fork {
    /// The scenario.
    pub toml: String,
    /// Its scripted bookings.
    pub bookings: Vec<Forked>,
    /// Bookings aboard a van whose next node is their destination: they arrive then,
    /// whatever the seed.
    pub arriving: Vec<(Forked, SimTime)>,
}

/// How long an active incident is assumed to last after the fork.
pub const INCIDENT_REST: SimDuration = SimDuration::from_mins(60);

/// `dN HH:MM:SS`.
pub fn clock(t: SimTime) -> String {
    let s = t.as_ms() / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    format!("d{} {h:02}:{m:02}:{sec:02}", d + 1)
}

/// A van's place at the fork: a node, and when it reaches it.
fn van_place(net: &RoadNetwork, van: &VanMirror, home: NodeId, at: SimTime) -> (NodeId, SimTime) {
    let Some(fix) = van.last else {
        return (home, at);
    };
    match fix.matched {
        Some(m) => {
            let e = net.edge(m.edge);
            let speed = if fix.speed_kmh > 5.0 {
                fix.speed_kmh
            } else {
                e.speed_kmh
            };
            let rest_s = (e.length_m - m.offset_m).max(0.0) / (speed / 3.6);
            let reach = fix.at + SimDuration::from_secs_f64(rest_s);
            (e.to, reach.max(at))
        }
        None => (net.nearest_node(fix.lat, fix.lon).map_or(home, |n| n.0), at),
    }
}

/// Pets (`dog/large/24.0kg`) as scenario tables (a small dog when none is named).
pub fn pet_tables(pets: &[String]) -> Value {
    let parse = |p: &str| -> Option<Table> {
        let mut it = p.split('/');
        let (species, size, kg) = (it.next()?, it.next()?, it.next()?);
        let kg: f64 = kg.trim_end_matches("kg").parse().ok()?;
        let mut t = Table::new();
        t.insert("species".into(), species.into());
        t.insert("size".into(), size.into());
        t.insert("weight_kg".into(), kg.into());
        Some(t)
    };
    let mut list: Vec<Value> = pets
        .iter()
        .filter_map(|p| parse(p))
        .map(Value::Table)
        .collect();
    if list.is_empty() {
        list.push(Value::Table(parse("dog/small/5.0kg").expect("a pet")));
    }
    Value::Array(list)
}

/// Van `v`'s own depot at `node`: its home depot's table (crates, shifts) with one van.
pub fn van_depot(base_depots: &[Value], home_depot: Option<usize>, v: usize, node: &str) -> Value {
    let mut d = home_depot
        .and_then(|k| base_depots.get(k))
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    d.insert("name".into(), format!("V{v}").into());
    d.insert("node".into(), node.into());
    d.insert("vehicles".into(), 1.into());
    Value::Table(d)
}

/// The fork of `twin` at `at` (its feed applied up to `at`) over `horizon`, from the
/// fleet's merged scenario `base`; `homes` is each van's home depot (index into
/// `base`'s `[[depots]]`) and node.
pub fn fork(
    twin: &Twin<'_>,
    base: &str,
    homes: &[(Option<usize>, NodeId)],
    at: SimTime,
    horizon: SimDuration,
) -> Result<Fork, toml::de::Error> {
    let net = twin.net;
    let mut s: Table = toml::from_str(base)?;
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("twin")
        .to_string();
    s.insert(
        "name".into(),
        format!("{name}-fork-{}", clock(at).replace([' ', ':'], "")).into(),
    );
    s.insert("until".into(), clock(at + horizon).into());
    let base_depots: Vec<Value> = s
        .get("depots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut depots = Vec::new();
    let mut places = Vec::new();
    for (v, van) in twin.vans().iter().enumerate() {
        let (home_depot, home) = homes.get(v).copied().unwrap_or((None, NodeId(0)));
        let (node, reach) = van_place(net, van, home, at);
        places.push((node, reach));
        depots.push(van_depot(&base_depots, home_depot, v, &net.node(node).name));
    }
    s.insert("depots".into(), Value::Array(depots));
    let (bookings, forked, arriving) = scripted(twin, &places, at);
    s.insert("bookings".into(), Value::Array(bookings));
    s.insert("incidents".into(), Value::Array(incidents(twin, at)));
    silence_demand_before(&mut s, at);
    s.remove("requests");
    let mut output = Table::new();
    output.insert("positions".into(), false.into());
    output.insert("pets".into(), false.into());
    s.insert("output".into(), Value::Table(output));
    let toml = toml::to_string(&s).expect("a TOML table serialises");
    Ok(Fork {
        toml,
        bookings: forked,
        arriving,
    })
}

type Scripted = (Vec<Value>, Vec<Forked>, Vec<(Forked, SimTime)>);

/// The open bookings as `[[bookings]]`, with what each stands for, and those arriving at
/// the van's next node.
fn scripted(twin: &Twin<'_>, places: &[(NodeId, SimTime)], at: SimTime) -> Scripted {
    let net = twin.net;
    let van_of = |b: &BookingMirror| b.vehicle.as_deref().and_then(|v| twin.van_index(v));
    let mut out = Vec::new();
    let mut forked = Vec::new();
    let mut arriving = Vec::new();
    for (id, b) in twin.open_bookings() {
        let van = van_of(b);
        let mut t = Table::new();
        let aboard = b.status == Status::PickedUp;
        let this = Forked {
            booking: id.clone(),
            aboard,
            vehicle: van,
        };
        match (b.status, van) {
            (Status::PickedUp, Some(v)) => {
                let (node, reach) = places[v];
                if net.node(node).name == b.destination {
                    arriving.push((this, reach));
                    continue;
                }
                t.insert("at".into(), clock(reach).into());
                t.insert("pickup".into(), net.node(node).name.clone().into());
            }
            (Status::Requested | Status::Accepted, _) => {
                t.insert("at".into(), clock(at).into());
                t.insert("pickup".into(), b.origin.clone().into());
                if let Some(p) = b.requested_pickup.filter(|p| *p > at) {
                    t.insert("pickup_at".into(), clock(p).into());
                }
            }
            _ => continue,
        }
        t.insert("dropoff".into(), b.destination.clone().into());
        t.insert("pets".into(), pet_tables(&b.pets));
        if let Some(v) = van {
            t.insert("vehicle".into(), (v as i64).into());
        }
        out.push(Value::Table(t));
        forked.push(this);
    }
    (out, forked, arriving)
}

/// The active incidents as `[[incidents]]` from `at`, for [`INCIDENT_REST`].
fn incidents(twin: &Twin<'_>, at: SimTime) -> Vec<Value> {
    let mut out = Vec::new();
    for m in twin.incidents().values().filter(|m| !m.edges.is_empty()) {
        let mut t = Table::new();
        t.insert("at".into(), clock(at).into());
        t.insert("segment".into(), format!("{}-{}", m.from, m.to).into());
        t.insert("road".into(), m.road.clone().into());
        t.insert("kind".into(), m.kind.clone().into());
        if m.kind == "lane_loss" {
            t.insert("lanes_lost".into(), 1.into());
        }
        t.insert(
            "duration".into(),
            format!("{}s", INCIDENT_REST.as_ms() / 1000).into(),
        );
        out.push(Value::Table(t));
    }
    out
}

/// Adds a peak of multiplier 0 from the start to `at`: the random demand books nothing
/// before the fork (what was booked is in the mirror).
fn silence_demand_before(s: &mut Table, at: SimTime) {
    let Some(Value::Table(demand)) = s.get_mut("demand") else {
        return;
    };
    let mut quiet = Table::new();
    quiet.insert("from".into(), "00:00".into());
    quiet.insert("to".into(), clock(at).into());
    quiet.insert("multiplier".into(), 0.0.into());
    let peaks = demand
        .entry("peaks")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = peaks {
        list.push(Value::Table(quiet));
    }
}

/// Each van's home depot (index into the scenario's `[[depots]]`, when they cover the
/// fleet in order) and node.
pub fn homes(base: &str, fleet: &[sim_core::sim::VehicleSpec]) -> Vec<(Option<usize>, NodeId)> {
    let counts: Vec<usize> = toml::from_str::<Table>(base)
        .ok()
        .and_then(|t| t.get("depots").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .map(|d| {
            d.get("vehicles")
                .and_then(Value::as_integer)
                .unwrap_or(0)
                .max(0) as usize
        })
        .collect();
    let by_depot = counts.iter().sum::<usize>() == fleet.len();
    let mut owner = Vec::with_capacity(fleet.len());
    for (k, n) in counts.iter().enumerate() {
        owner.extend(std::iter::repeat_n(k, *n));
    }
    let owners: BTreeMap<usize, usize> = owner.into_iter().enumerate().collect();
    fleet
        .iter()
        .enumerate()
        .map(|(i, v)| (by_depot.then(|| owners[&i]), v.depot))
        .collect()
}
