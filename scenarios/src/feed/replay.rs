//! `petfleet feed scenario FEED --scenario BASE --out FILE.toml`: a recorded feed as a
//! scenario, so that a real day becomes a test case.
//!
//! The scenario is BASE (its network, tariff, traffic profiles, vehicles and dispatch)
//! with:
//! - every van at a depot of its own: the node nearest its first fix (its home depot if
//!   it never reported one), keeping its home depot's crates and shifts;
//! - every booking of the feed scripted when it was made, from its origin to its
//!   destination with its pets and requested pickup; the model then quotes, dispatches and
//!   drives it (a booking the real fleet rejected may be served, and the other way round);
//! - every incident of the feed scripted when reported, for as long as it lasted (to the
//!   feed's end if it never cleared), and no random accidents;
//! - no random demand and no imported requests, and `until` at the feed's end.

use std::collections::BTreeMap;
use std::io::BufRead;

use sim_core::ids::NodeId;
use sim_core::time::SimTime;
use sim_core::world::RoadNetwork;
use toml::{Table, Value};

use super::{Body, FeedClock};
use crate::twin::fork::{clock, homes, van_depot};

/// What was read of a feed, and what could not be used.
#[derive(Debug, Default)]
pub struct Replayed {
    /// The scenario's TOML.
    pub toml: String,
    /// Bookings scripted.
    pub bookings: usize,
    /// Incidents scripted.
    pub incidents: usize,
    /// Vans placed at their first fix.
    pub vans_placed: usize,
    /// Lines skipped, with why (line number, reason).
    pub skipped: Vec<(u64, String)>,
}

/// An incident as reported, until it cleared.
struct Reported {
    at: SimTime,
    table: Table,
    cleared: Option<SimTime>,
}

/// Turns the feed read from `input` into a scenario from the merged scenario text `base`.
pub fn scenario(
    input: impl BufRead,
    base: &str,
    net: &RoadNetwork,
    fleet: &[sim_core::sim::VehicleSpec],
    partners: &[sim_core::sim::PartnerSpec],
    start_date: chrono::NaiveDate,
) -> Result<Replayed, String> {
    let feed_clock = FeedClock::new(start_date);
    let mut out = Replayed::default();
    let mut first_fix: BTreeMap<usize, NodeId> = BTreeMap::new();
    let mut bookings = Vec::new();
    let mut incidents: BTreeMap<String, Reported> = BTreeMap::new();
    let mut end = SimTime::ZERO;
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| format!("reading line {n}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let msg = match super::parse(&line) {
            Ok(m) => m,
            Err(e) => {
                out.skipped.push((n, e.to_string()));
                continue;
            }
        };
        let Ok(at) = feed_clock.parse(&msg.time) else {
            out.skipped.push((n, format!("time `{}`", msg.time)));
            continue;
        };
        end = end.max(at);
        let places = Places {
            net,
            vans: fleet.len(),
            clock: &feed_clock,
            partners,
        };
        let why = take(
            msg.body,
            at,
            &places,
            &mut first_fix,
            &mut bookings,
            &mut incidents,
        );
        if let Err(why) = why {
            out.skipped.push((n, why));
        }
    }
    let mut s: Table = toml::from_str(base).map_err(|e| e.to_string())?;
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("feed")
        .to_string();
    s.insert("name".into(), format!("{name}-from-feed").into());
    s.insert("until".into(), clock(end).into());
    let base_depots: Vec<Value> = s
        .get("depots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let depots = (homes(base, fleet).into_iter().enumerate())
        .map(|(v, (home_depot, home))| {
            let node = first_fix.get(&v).copied().unwrap_or(home);
            van_depot(&base_depots, home_depot, v, &net.node(node).name)
        })
        .collect();
    s.insert("depots".into(), Value::Array(depots));
    out.vans_placed = first_fix.len();
    out.bookings = bookings.len();
    s.insert("bookings".into(), Value::Array(bookings));
    let scripted: Vec<Value> = (incidents.into_values())
        .map(|mut r| {
            let lasted = r
                .cleared
                .unwrap_or(end)
                .as_ms()
                .saturating_sub(r.at.as_ms())
                / 1000;
            r.table
                .insert("duration".into(), format!("{}s", lasted.max(1)).into());
            Value::Table(r.table)
        })
        .collect();
    out.incidents = scripted.len();
    s.insert("incidents".into(), Value::Array(scripted));
    s.remove("demand");
    s.remove("requests");
    if let Some(Value::Table(t)) = s.get_mut("traffic") {
        t.insert("random_accidents".into(), false.into());
    }
    out.toml = toml::to_string(&s).map_err(|e| e.to_string())?;
    Ok(out)
}

/// What a message is checked against.
struct Places<'a> {
    net: &'a RoadNetwork,
    vans: usize,
    clock: &'a FeedClock,
    partners: &'a [sim_core::sim::PartnerSpec],
}

/// The name of the partner of an add-on's kind at the node named `node` (the booking's
/// destination).
fn partner_at(places: &Places<'_>, addon: &str, node: &str) -> Result<String, String> {
    let kind = match addon {
        "vet_visit" => "vet",
        "grooming" => "groomer",
        "hotel_stay" => "hotel",
        other => {
            return Err(format!(
                "add-on `{other}`: expected vet_visit, grooming or hotel_stay"
            ))
        }
    };
    (places.partners.iter())
        .find(|p| p.kind.name() == kind && places.net.node(p.node).name == node)
        .map(|p| p.name.clone())
        .ok_or_else(|| format!("no {kind} at `{node}`"))
}

/// Takes one message into the scenario being built; `Err` says why it was not used.
fn take(
    body: Body,
    at: SimTime,
    places: &Places<'_>,
    first_fix: &mut BTreeMap<usize, NodeId>,
    bookings: &mut Vec<Value>,
    incidents: &mut BTreeMap<String, Reported>,
) -> Result<(), String> {
    let (net, vans) = (places.net, places.vans);
    match body {
        Body::Gps {
            vehicle, lat, lon, ..
        } => {
            let v = (vehicle
                .strip_prefix('V')
                .and_then(|n| n.parse::<usize>().ok()))
            .filter(|v| *v < vans)
            .ok_or_else(|| format!("no van `{vehicle}` in the fleet"))?;
            if let std::collections::btree_map::Entry::Vacant(e) = first_fix.entry(v) {
                let node = net.nearest_node(lat.value(), lon.value());
                let node = node
                    .filter(|(_, d)| d.is_finite())
                    .ok_or("coordinates not finite")?;
                e.insert(node.0);
            }
        }
        Body::BookingCreated {
            origin,
            destination,
            requested_pickup,
            pets,
            addon,
            ..
        } => {
            for place in [&origin, &destination] {
                if net.node_by_name(place).is_none() {
                    return Err(format!("no place `{place}` on the network"));
                }
            }
            let mut t = Table::new();
            t.insert("at".into(), clock(at).into());
            t.insert("pickup".into(), origin.into());
            match addon {
                Some(addon) => {
                    let partner = partner_at(places, &addon, &destination)?;
                    t.insert("addon".into(), addon.into());
                    t.insert("partner".into(), partner.into());
                }
                None => {
                    t.insert("dropoff".into(), destination.into());
                }
            }
            if let Some(p) = requested_pickup {
                let p = places
                    .clock
                    .parse(&p)
                    .map_err(|e| format!("requested_pickup `{p}`: expected {e}"))?;
                t.insert("pickup_at".into(), clock(p).into());
            }
            t.insert("pets".into(), crate::twin::fork::pet_tables(&pets));
            bookings.push(Value::Table(t));
        }
        Body::IncidentReported {
            incident,
            road,
            from,
            to,
            kind,
            lanes_lost,
        } => {
            if crate::twin::mirror::incident_edges(net, &road, &from, &to).is_none() {
                return Err(format!("no road `{road}` from `{from}` to `{to}`"));
            }
            let mut t = Table::new();
            t.insert("at".into(), clock(at).into());
            t.insert("segment".into(), format!("{from}-{to}").into());
            t.insert("road".into(), road.into());
            t.insert("kind".into(), kind.clone().into());
            if kind == "lane_loss" {
                t.insert(
                    "lanes_lost".into(),
                    i64::from(lanes_lost.unwrap_or(1)).into(),
                );
            }
            let r = Reported {
                at,
                table: t,
                cleared: None,
            };
            incidents.insert(incident, r);
        }
        Body::IncidentCleared { incident } => {
            let r = incidents
                .get_mut(&incident)
                .ok_or_else(|| format!("incident `{incident}` was never reported"))?;
            r.cleared = Some(at);
        }
        _ => {}
    }
    Ok(())
}
