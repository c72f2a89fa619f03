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

/// What a message is checked against.
struct Places<'a> {
    net: &'a RoadNetwork,
    vans: usize,
    clock: FeedClock,
    partners: &'a [sim_core::sim::PartnerSpec],
}

/// The day read so far.
#[derive(Default)]
struct Day {
    first_fix: BTreeMap<usize, NodeId>,
    bookings: Vec<Value>,
    incidents: BTreeMap<String, Reported>,
    end: SimTime,
    skipped: Vec<(u64, String)>,
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
    let places = Places {
        net,
        vans: fleet.len(),
        clock: FeedClock::new(start_date),
        partners,
    };
    let day = read_day(input, &places)?;
    let mut s: Table = toml::from_str(base).map_err(|e| e.to_string())?;
    let name = s
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("feed")
        .to_string();
    s.insert("name".into(), format!("{name}-from-feed").into());
    s.insert("until".into(), clock(day.end).into());
    let base_depots: Vec<Value> = s
        .get("depots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let depots = (homes(base, fleet).into_iter().enumerate())
        .map(|(v, (home_depot, home))| {
            let node = day.first_fix.get(&v).copied().unwrap_or(home);
            van_depot(&base_depots, home_depot, v, &net.node(node).name)
        })
        .collect();
    s.insert("depots".into(), Value::Array(depots));
    let mut out = Replayed {
        vans_placed: day.first_fix.len(),
        bookings: day.bookings.len(),
        incidents: day.incidents.len(),
        skipped: day.skipped,
        ..Replayed::default()
    };
    s.insert("bookings".into(), Value::Array(day.bookings));
    let scripted: Vec<Value> = (day.incidents.into_values())
        .map(|mut r| {
            let lasted = r
                .cleared
                .unwrap_or(day.end)
                .as_ms()
                .saturating_sub(r.at.as_ms())
                / 1000;
            r.table
                .insert("duration".into(), format!("{}s", lasted.max(1)).into());
            Value::Table(r.table)
        })
        .collect();
    s.insert("incidents".into(), Value::Array(scripted));
    s.remove("demand");
    s.remove("requests");
    if let Some(Value::Table(t)) = s.get_mut("traffic") {
        t.insert("random_accidents".into(), false.into());
    }
    out.toml = toml::to_string(&s).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads every line of the feed into a [`Day`]; a line that cannot be used is listed.
fn read_day(input: impl BufRead, places: &Places<'_>) -> Result<Day, String> {
    let mut day = Day::default();
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| format!("reading line {n}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let taken = super::parse(&line)
            .map_err(|e| e.to_string())
            .and_then(|msg| {
                let at = (places.clock.parse(&msg.time))
                    .map_err(|e| format!("time `{}`: expected {e}", msg.time))?;
                day.end = day.end.max(at);
                day.take(msg.body, at, places)
            });
        if let Err(why) = taken {
            day.skipped.push((n, why));
        }
    }
    Ok(day)
}

impl Day {
    /// Takes one message; `Err` says why it was not used.
    fn take(&mut self, body: Body, at: SimTime, places: &Places<'_>) -> Result<(), String> {
        match body {
            Body::Gps {
                vehicle, lat, lon, ..
            } => self.fix(&vehicle, (lat.value(), lon.value()), places),
            Body::BookingCreated {
                origin,
                destination,
                requested_pickup,
                pets,
                addon,
                ..
            } => {
                let t = booking(
                    at,
                    (origin, destination),
                    requested_pickup,
                    &pets,
                    addon,
                    places,
                )?;
                self.bookings.push(Value::Table(t));
                Ok(())
            }
            Body::IncidentReported {
                incident,
                road,
                from,
                to,
                kind,
                lanes_lost,
            } => {
                if crate::twin::mirror::incident_edges(places.net, &road, &from, &to).is_none() {
                    return Err(format!("no road `{road}` from `{from}` to `{to}`"));
                }
                let table = incident_table(at, (road, from, to), &kind, lanes_lost);
                self.incidents.insert(
                    incident,
                    Reported {
                        at,
                        table,
                        cleared: None,
                    },
                );
                Ok(())
            }
            Body::IncidentCleared { incident } => {
                let r = (self.incidents.get_mut(&incident))
                    .ok_or_else(|| format!("incident `{incident}` was never reported"))?;
                r.cleared = Some(at);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A van's first fix places it.
    fn fix(
        &mut self,
        vehicle: &str,
        (lat, lon): (f64, f64),
        places: &Places<'_>,
    ) -> Result<(), String> {
        let v = (vehicle
            .strip_prefix('V')
            .and_then(|n| n.parse::<usize>().ok()))
        .filter(|v| *v < places.vans)
        .ok_or_else(|| format!("no van `{vehicle}` in the fleet"))?;
        if let std::collections::btree_map::Entry::Vacant(e) = self.first_fix.entry(v) {
            let node = places.net.nearest_node(lat, lon);
            let node = node
                .filter(|(_, d)| d.is_finite())
                .ok_or("coordinates not finite")?;
            e.insert(node.0);
        }
        Ok(())
    }
}

/// A booking as `[[bookings]]`.
fn booking(
    at: SimTime,
    (origin, destination): (String, String),
    requested_pickup: Option<String>,
    pets: &[String],
    addon: Option<String>,
    places: &Places<'_>,
) -> Result<Table, String> {
    for place in [&origin, &destination] {
        if places.net.node_by_name(place).is_none() {
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
        let p = (places.clock.parse(&p))
            .map_err(|e| format!("requested_pickup `{p}`: expected {e}"))?;
        t.insert("pickup_at".into(), clock(p).into());
    }
    t.insert("pets".into(), crate::twin::fork::pet_tables(pets));
    Ok(t)
}

/// An incident as `[[incidents]]` (its duration is added when the day is read).
fn incident_table(
    at: SimTime,
    (road, from, to): (String, String, String),
    kind: &str,
    lanes_lost: Option<u8>,
) -> Table {
    let mut t = Table::new();
    t.insert("at".into(), clock(at).into());
    t.insert("segment".into(), format!("{from}-{to}").into());
    t.insert("road".into(), road.into());
    t.insert("kind".into(), kind.into());
    if kind == "lane_loss" {
        t.insert(
            "lanes_lost".into(),
            i64::from(lanes_lost.unwrap_or(1)).into(),
        );
    }
    t
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
