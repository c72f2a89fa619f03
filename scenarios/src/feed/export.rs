//! `petfleet feed export DIR`: the feed a real fleet would have sent during a recorded run
//! (`petfleet run --record`), for mirroring it with `petfleet twin`.
//!
//! GPS fixes, acceptances, pickups, drop-offs, closings and incidents come from
//! `timeline.csv` at their milliseconds; each fix's heading is the bearing of the road
//! the van was on (`positions.csv`'s `edge`, row for row); bookings are created at their
//! `requested_at` (`bookings.csv`, whole seconds), and close with the status and reason
//! written there; incidents carry `incidents.csv`'s road, ends and kind.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use std::f64::consts::TAU;

use rand::Rng;
use sim_core::ids::{BookingId, EdgeId, VehicleId};
use sim_core::rng::{actor_rng, ActorKind};
use sim_core::time::SimTime;
use sim_core::view::Happening;
use sim_core::world::RoadNetwork;

use super::{Body, FeedClock, Message, Num};
use crate::error::InputError;
use crate::run::{DataSource, RunError};
use crate::table::Table;

/// What a booking's row in `bookings.csv` tells the feed.
struct BookingRow {
    origin: String,
    destination: String,
    requested_at: SimTime,
    requested_pickup: Option<String>,
    pets: Vec<String>,
    addon: Option<String>,
    status: String,
    reason: String,
    fare_won: Option<i64>,
    /// The van last assigned (`vehicle_id`), named when the booking is accepted.
    vehicle: Option<u32>,
}

/// What an incident's row in `incidents.csv` tells the feed.
struct IncidentRow {
    road: String,
    from: String,
    to: String,
    kind: String,
    lanes_lost: Option<u8>,
}

/// How many messages of each type were written.
pub type Counts = BTreeMap<&'static str, u64>;

/// GPS error added to every fix: metres (standard deviation north and east), and the seed
/// of each van's ChaCha8 stream (`ActorKind::Synthetic`, the van's index).
#[derive(Clone, Copy, Debug, Default)]
pub struct Noise {
    /// Standard deviation of the error along each axis, metres (0: exact fixes).
    pub sigma_m: f64,
    /// Seed.
    pub seed: u64,
}

impl Noise {
    /// (lat, lon) moved by a normal error of `sigma_m` per axis, drawn from `rng`.
    fn apply(&self, rng: &mut rand_chacha::ChaCha8Rng, lat: f64, lon: f64) -> (f64, f64) {
        if self.sigma_m <= 0.0 {
            return (lat, lon);
        }
        // Box-Muller: two independent standard normals.
        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
        let r = (-2.0 * u1.ln()).sqrt() * self.sigma_m;
        let (north, east) = (r * (TAU * u2).cos(), r * (TAU * u2).sin());
        let m_per_deg = 6_371_008.8 * std::f64::consts::PI / 180.0;
        (
            lat + north / m_per_deg,
            lon + east / (m_per_deg * lat.to_radians().cos()),
        )
    }
}

/// Writes the feed of the recorded run in `dir` to `out` (`-`: stdout), its fixes moved by
/// `noise`, and counts its messages.
pub fn export(dir: &Path, out: &Path, data: &DataSource, noise: Noise) -> Result<Counts, RunError> {
    let reopened = crate::reopen::reopen(dir, data)?;
    let clock = FeedClock::new(reopened.resolved.start_date);
    let net = &reopened.resolved.spec.world.net;
    let recorded = crate::timeline::read(&dir.join("timeline.csv"))?;
    let bookings = read_bookings(dir, &clock)?;
    let incidents = read_incidents(dir)?;
    let edges = read_fix_edges(dir, &recorded.happenings)?;
    let mut msgs: Vec<(SimTime, Body)> = bookings.iter().map(created).collect();
    let mut on_board: BTreeMap<BookingId, VehicleId> = BTreeMap::new();
    let mut fixes = edges.into_iter();
    let mut rngs = BTreeMap::new();
    for (at, h) in &recorded.happenings {
        let body = match h {
            Happening::Fix { vehicle, .. } => {
                let rng = rngs
                    .entry(*vehicle)
                    .or_insert_with(|| actor_rng(noise.seed, ActorKind::Synthetic, vehicle.0));
                fix(net, h, fixes.next().flatten(), |la, lo| {
                    noise.apply(rng, la, lo)
                })
            }
            Happening::Closed { booking, .. } => {
                bookings.get(booking).and_then(|b| closed(*booking, b))
            }
            _ => other(h, &mut on_board, &incidents, &bookings),
        };
        msgs.extend(body.map(|b| (*at, b)));
    }
    msgs.sort_by_key(|(at, _)| *at);
    msgs.push((recorded.end, Body::End {}));
    write(out, &clock, &msgs)
}

/// The creation message of a booking.
fn created((id, b): (&BookingId, &BookingRow)) -> (SimTime, Body) {
    let body = Body::BookingCreated {
        booking: format!("B{}", id.0),
        origin: b.origin.clone(),
        destination: b.destination.clone(),
        requested_pickup: b.requested_pickup.clone(),
        pets: b.pets.clone(),
        addon: b.addon.clone(),
    };
    (b.requested_at, body)
}

/// A GPS fix, with the heading of the road it lies on.
fn fix(
    net: &RoadNetwork,
    h: &Happening,
    edge: Option<EdgeId>,
    noise: impl FnOnce(f64, f64) -> (f64, f64),
) -> Option<Body> {
    let Happening::Fix {
        vehicle,
        lat,
        lon,
        speed_kmh,
    } = h
    else {
        return None;
    };
    let heading = edge.and_then(|e| bearing_at(net, e, *lat, *lon));
    let (lat, lon) = noise(*lat, *lon);
    Some(Body::Gps {
        vehicle: format!("V{}", vehicle.0),
        lat: Num::Number(lat),
        lon: Num::Number(lon),
        speed_kmh: Some(Num::Number(*speed_kmh)),
        heading_deg: heading.map(Num::Number),
    })
}

/// The closing message of a booking, by its final status (none while still open).
fn closed(id: BookingId, b: &BookingRow) -> Option<Body> {
    let booking = format!("B{}", id.0);
    let reason = Some(b.reason.clone()).filter(|r| !r.is_empty());
    match b.status.as_str() {
        "completed" => Some(Body::BookingCompleted {
            booking,
            fare_won: b.fare_won,
        }),
        "cancelled" => Some(Body::BookingCancelled { booking, reason }),
        "rejected" => Some(Body::BookingRejected { booking, reason }),
        _ => None,
    }
}

/// Acceptances, pickups, drop-offs and incidents; the rest is not in a fleet's feed.
fn other(
    h: &Happening,
    on_board: &mut BTreeMap<BookingId, VehicleId>,
    incidents: &BTreeMap<String, IncidentRow>,
    bookings: &BTreeMap<BookingId, BookingRow>,
) -> Option<Body> {
    Some(match h {
        Happening::Accepted { booking } => Body::BookingAccepted {
            booking: format!("B{}", booking.0),
            vehicle: (bookings.get(booking))
                .and_then(|b| b.vehicle)
                .map(|v| format!("V{v}")),
        },
        Happening::PickedUp { booking, vehicle } => {
            on_board.insert(*booking, *vehicle);
            Body::Pickup {
                booking: format!("B{}", booking.0),
                vehicle: format!("V{}", vehicle.0),
            }
        }
        Happening::Dropped { booking } => Body::Dropoff {
            booking: format!("B{}", booking.0),
            vehicle: format!("V{}", on_board.get(booking)?.0),
        },
        Happening::IncidentOn { incident, .. } => {
            let row = incidents.get(&incident.0.to_string())?;
            Body::IncidentReported {
                incident: format!("I{}", incident.0),
                road: row.road.clone(),
                from: row.from.clone(),
                to: row.to.clone(),
                kind: row.kind.clone(),
                lanes_lost: row.lanes_lost,
            }
        }
        Happening::IncidentOff { incident } => Body::IncidentCleared {
            incident: format!("I{}", incident.0),
        },
        _ => return None,
    })
}

/// The compass bearing of `edge`'s geometry at its segment nearest (lat, lon).
fn bearing_at(net: &RoadNetwork, edge: EdgeId, lat: f64, lon: f64) -> Option<f64> {
    let e = net.edge(edge);
    let cos = lat.to_radians().cos();
    let pts = &e.geometry.0;
    let seg = pts.windows(2).min_by(|a, b| {
        let d = |w: &[geo::Coord<f64>]| seg_dist2(w, lat, lon, cos);
        d(a).total_cmp(&d(b))
    })?;
    let (dx, dy) = ((seg[1].x - seg[0].x) * cos, seg[1].y - seg[0].y);
    (dx != 0.0 || dy != 0.0).then(|| dx.atan2(dy).to_degrees().rem_euclid(360.0))
}

/// Squared distance (in scaled degrees) from (lat, lon) to the segment `w`.
fn seg_dist2(w: &[geo::Coord<f64>], lat: f64, lon: f64, cos: f64) -> f64 {
    let (ax, ay, bx, by) = (w[0].x * cos, w[0].y, w[1].x * cos, w[1].y);
    let (px, py) = (lon * cos, lat);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ax + t * dx - px).powi(2) + (ay + t * dy - py).powi(2)
}

fn read_bookings(
    dir: &Path,
    clock: &FeedClock,
) -> Result<BTreeMap<BookingId, BookingRow>, InputError> {
    let cols = [
        "booking_id",
        "origin",
        "destination",
        "requested_at",
        "requested_pickup",
        "pets",
        "addon",
        "final_fare_won",
        "vehicle_id",
        "status",
        "reason",
    ];
    let t = Table::read_path(&dir.join("bookings.csv"), &cols)?;
    let mut out = BTreeMap::new();
    for (line, row) in &t.rows {
        let id = t.parse(*line, row, "booking_id", "a booking id", |_: &u32| true)?;
        let time = |col: &str| {
            clock
                .parse(t.raw(row, col))
                .map_err(|e| t.err(*line, row, col).expected(e))
        };
        let requested_at = time("requested_at")?;
        let pickup = time("requested_pickup")?;
        out.insert(
            BookingId(id),
            BookingRow {
                origin: t.raw(row, "origin").to_string(),
                destination: t.raw(row, "destination").to_string(),
                requested_at,
                requested_pickup: (pickup > requested_at)
                    .then(|| t.raw(row, "requested_pickup").to_string()),
                pets: t
                    .raw(row, "pets")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                addon: addon_name(t.raw(row, "addon")),
                status: t.raw(row, "status").to_string(),
                reason: t.raw(row, "reason").to_string(),
                fare_won: t.parse_opt(*line, row, "final_fare_won", "won", |_: &i64| true)?,
                vehicle: t.parse_opt(*line, row, "vehicle_id", "a van id", |_: &u32| true)?,
            },
        );
    }
    Ok(out)
}

/// `bookings.csv`'s add-on (`VetVisit`) in the scenario's spelling (`vet_visit`).
fn addon_name(raw: &str) -> Option<String> {
    match raw {
        "VetVisit" => Some("vet_visit".into()),
        "Grooming" => Some("grooming".into()),
        "HotelStay" => Some("hotel_stay".into()),
        _ => None,
    }
}

fn read_incidents(dir: &Path) -> Result<BTreeMap<String, IncidentRow>, InputError> {
    let cols = ["incident_id", "kind", "lanes_lost", "road", "from", "to"];
    let t = Table::read_path(&dir.join("incidents.csv"), &cols)?;
    let mut out = BTreeMap::new();
    for (line, row) in &t.rows {
        out.insert(
            t.raw(row, "incident_id").to_string(),
            IncidentRow {
                road: t.raw(row, "road").to_string(),
                from: t.raw(row, "from").to_string(),
                to: t.raw(row, "to").to_string(),
                kind: t.raw(row, "kind").to_string(),
                lanes_lost: t.parse_opt(*line, row, "lanes_lost", "lanes", |_: &u8| true)?,
            },
        );
    }
    Ok(out)
}

/// The edge of every fix, from `positions.csv` (one row per fix, in the timeline's order:
/// checked by van).
fn read_fix_edges(
    dir: &Path,
    happenings: &[(SimTime, Happening)],
) -> Result<Vec<Option<EdgeId>>, InputError> {
    let path = dir.join("positions.csv");
    let t = Table::read_path(&path, &["vehicle_id", "edge"])?;
    let fixes = happenings.iter().filter_map(|(_, h)| match h {
        Happening::Fix { vehicle, .. } => Some(*vehicle),
        _ => None,
    });
    let mut out = Vec::with_capacity(t.rows.len());
    for (fix, (line, row)) in fixes.zip(&t.rows) {
        let v: u32 = t.parse(*line, row, "vehicle_id", "a van id", |_| true)?;
        if v != fix.0 {
            let expected = format!("van {} (the timeline's fix of this row): positions.csv and timeline.csv are not of one run", fix.0);
            return Err(t.err(*line, row, "vehicle_id").expected(expected));
        }
        out.push(
            t.parse_opt(*line, row, "edge", "an edge id", |_: &u32| true)?
                .map(EdgeId),
        );
    }
    Ok(out)
}

/// Writes the messages as NDJSON, whole: to `out.partial`, renamed when complete.
fn write(out: &Path, clock: &FeedClock, msgs: &[(SimTime, Body)]) -> Result<Counts, RunError> {
    let mut counts = Counts::new();
    let mut text = Vec::with_capacity(msgs.len() * 120);
    for (at, body) in msgs {
        *counts.entry(body.kind()).or_default() += 1;
        let m = Message {
            time: clock.format(*at),
            body: body.clone(),
        };
        text.extend_from_slice(super::to_line(&m).as_bytes());
        text.push(b'\n');
    }
    let io = |source| RunError::Io {
        dir: out.to_path_buf(),
        source,
    };
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(&text).map_err(io)?;
        return Ok(counts);
    }
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, &text).map_err(io)?;
    std::fs::rename(&tmp, out).map_err(io)?;
    Ok(counts)
}
