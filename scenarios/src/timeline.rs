//! `timeline.csv`: what a run recorded with `--record` for replaying it (the visualizer's
//! `replay`): every [`Happening`] (van fixes and state changes, bookings accepted, picked
//! up, dropped and closed, incidents, alerts, notifications, settlements) with its time in
//! milliseconds, after a `start` row per van (where it parks) and before an `end` row.
//! Coordinates are written in Rust's shortest exact form, so a replay reads back exactly
//! what the live run saw.

use std::io::Read;
use std::path::Path;

use sim_core::event::VanState;
use sim_core::ids::{BookingId, EdgeId, IncidentId, NodeId, PetId, VehicleId};
use sim_core::time::SimTime;
use sim_core::view::{Happening, Tally};

use crate::error::InputError;

/// The header of `timeline.csv`.
pub const HEADER: &str = "time_ms,kind,id,ref,state,lat,lon,value";

/// A row's cells after `time_ms`, by name (empty unless set).
#[derive(Default)]
struct Row {
    kind: &'static str,
    id: String,
    reference: String,
    state: String,
    at: Option<(f64, f64)>,
    value: String,
}

impl Row {
    fn of(kind: &'static str, id: impl ToString) -> Row {
        Row {
            kind,
            id: id.to_string(),
            ..Row::default()
        }
    }

    fn cells(self, at: SimTime) -> [String; 8] {
        let (lat, lon) = self.at.map_or((String::new(), String::new()), |(a, o)| {
            (a.to_string(), o.to_string())
        });
        let Row {
            kind,
            id,
            reference,
            state,
            value,
            ..
        } = self;
        [
            at.as_ms().to_string(),
            kind.to_string(),
            id,
            reference,
            state,
            lat,
            lon,
            value,
        ]
    }
}

/// The row of happening `h` at `at`.
pub fn row(at: SimTime, h: &Happening) -> [String; 8] {
    let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let row = match h {
        Happening::Fix {
            vehicle,
            lat,
            lon,
            speed_kmh,
        } => Row {
            at: Some((*lat, *lon)),
            value: speed_kmh.to_string(),
            ..Row::of("fix", vehicle.0)
        },
        Happening::Van {
            vehicle,
            state,
            lat,
            lon,
        } => Row {
            at: Some((*lat, *lon)),
            state: state.name().into(),
            ..Row::of("van", vehicle.0)
        },
        Happening::Accepted { booking } => Row::of("accepted", booking.0),
        Happening::PickedUp { booking, vehicle } => Row {
            reference: vehicle.0.to_string(),
            ..Row::of("picked_up", booking.0)
        },
        Happening::Dropped { booking } => Row::of("dropped", booking.0),
        Happening::Closed {
            booking,
            pickup,
            wait_s,
        } => Row {
            reference: pickup.0.to_string(),
            value: opt(*wait_s),
            ..Row::of("closed", booking.0)
        },
        Happening::IncidentOn {
            incident,
            closure,
            edges,
        } => {
            let edges: Vec<String> = edges.iter().map(|e| e.0.to_string()).collect();
            let state = if *closure { "closure" } else { "lanes" };
            Row {
                reference: edges.join(";"),
                state: state.into(),
                ..Row::of("incident_on", incident.0)
            }
        }
        Happening::IncidentOff { incident } => Row::of("incident_off", incident.0),
        Happening::Alert {
            pet,
            booking,
            critical,
        } => {
            let state = if *critical { "critical" } else { "warning" };
            Row {
                reference: booking.0.to_string(),
                state: state.into(),
                ..Row::of("alert", pet.0)
            }
        }
        Happening::Notice {
            latency_ms,
            fallback,
        } => {
            let state = match (latency_ms, fallback) {
                (None, _) => "undelivered",
                (Some(_), true) => "fallback",
                (Some(_), false) => "direct",
            };
            Row {
                state: state.into(),
                value: opt(*latency_ms),
                ..Row::of("notice", "")
            }
        }
        Happening::Settled { lag_s } => Row {
            value: opt(*lag_s),
            ..Row::of("settled", "")
        },
    };
    row.cells(at)
}

/// The `start` row of van `vehicle`, parked at (`lat`, `lon`).
pub fn start_row(vehicle: u32, (lat, lon): (f64, f64)) -> [String; 8] {
    let e = String::new;
    [
        0.to_string(),
        "start".into(),
        vehicle.to_string(),
        e(),
        e(),
        lat.to_string(),
        lon.to_string(),
        e(),
    ]
}

/// The `end` row: the run's end.
pub fn end_row(end: SimTime) -> [String; 8] {
    let e = String::new;
    [
        end.as_ms().to_string(),
        "end".into(),
        e(),
        e(),
        e(),
        e(),
        e(),
        e(),
    ]
}

/// A recorded run: how it started, what happened, when it ended.
#[derive(Debug)]
pub struct Recorded {
    /// Every van at its depot at time zero.
    pub start: Tally,
    /// The happenings, in time order.
    pub happenings: Vec<(SimTime, Happening)>,
    /// The run's end.
    pub end: SimTime,
}

/// Reads `timeline.csv` at `path`; a bad row is an error naming its line, column, field,
/// value and what was expected.
pub fn read(path: &Path) -> Result<Recorded, InputError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| {
        InputError::at(&file, "", None, "(file)").expected(format!(
            "a readable timeline.csv ({e}); record one with `petfleet run --record`"
        ))
    })?;
    read_from(&file, std::io::BufReader::with_capacity(1 << 20, f))
}

/// Reads a timeline from `input`, naming it `file` in errors.
pub fn read_from(file: &str, input: impl Read) -> Result<Recorded, InputError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header = rd.headers().map(|h| h.iter().collect::<Vec<_>>().join(","));
    if header.as_deref().ok() != Some(HEADER) {
        let value = header.unwrap_or_default();
        return Err(InputError::on_line(file, 1, "header")
            .value(value)
            .expected(format!("the header `{HEADER}`")));
    }
    let mut depots = Vec::new();
    let mut happenings = Vec::new();
    let mut end = None;
    let mut rec = csv::StringRecord::new();
    loop {
        let line = rd.position().line() as usize;
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(
                    InputError::on_line(file, line, "(row)").expected(format!("a CSV row ({e})"))
                )
            }
        }
        let cells = Cells {
            file,
            line,
            rec: &rec,
        };
        let at = SimTime(cells.num("time_ms")?);
        if happenings.last().is_some_and(|(last, _)| at < *last) {
            return Err(cells
                .err("time_ms")
                .expected("times in order (not before the row above)"));
        }
        match cells.get("kind") {
            "start" => depots.push((cells.num("lat")?, cells.num("lon")?)),
            "end" => end = Some(at),
            _ => happenings.push((at, cells.happening()?)),
        }
    }
    let end = end.ok_or_else(|| {
        InputError::on_line(file, 1, "kind")
            .expected("an `end` row (the run did not finish writing?)")
    })?;
    Ok(Recorded {
        start: Tally::new(&depots),
        happenings,
        end,
    })
}

const COLS: [&str; 8] = [
    "time_ms", "kind", "id", "ref", "state", "lat", "lon", "value",
];

/// One row's cells, with what locates them.
struct Cells<'a> {
    file: &'a str,
    line: usize,
    rec: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, col: &str) -> &str {
        let i = COLS
            .iter()
            .position(|c| *c == col)
            .expect("a timeline column");
        self.rec.get(i).unwrap_or("")
    }

    fn err(&self, col: &str) -> InputError {
        let i = COLS
            .iter()
            .position(|c| *c == col)
            .expect("a timeline column");
        let column = 1 + self
            .rec
            .iter()
            .take(i)
            .map(|f| f.chars().count() + 1)
            .sum::<usize>();
        let mut e = InputError::on_line(self.file, self.line, col).value(self.get(col));
        e.column = Some(column);
        e
    }

    fn num<T: std::str::FromStr>(&self, col: &str) -> Result<T, InputError> {
        (self.get(col).parse()).map_err(|_| self.err(col).expected("a number"))
    }

    fn opt(&self, col: &str) -> Result<Option<u64>, InputError> {
        match self.get(col) {
            "" => Ok(None),
            _ => self.num(col).map(Some),
        }
    }

    fn happening(&self) -> Result<Happening, InputError> {
        use Happening as H;
        Ok(match self.get("kind") {
            "fix" => H::Fix {
                vehicle: VehicleId(self.num("id")?),
                lat: self.num("lat")?,
                lon: self.num("lon")?,
                speed_kmh: self.num("value")?,
            },
            "van" => H::Van {
                vehicle: VehicleId(self.num("id")?),
                state: VanState::parse(self.get("state")).ok_or_else(|| {
                    let names: Vec<&str> = VanState::ALL.iter().map(|s| s.name()).collect();
                    self.err("state")
                        .expected(format!("one of {}", names.join(", ")))
                })?,
                lat: self.num("lat")?,
                lon: self.num("lon")?,
            },
            "accepted" => H::Accepted {
                booking: BookingId(self.num("id")?),
            },
            "picked_up" => H::PickedUp {
                booking: BookingId(self.num("id")?),
                vehicle: VehicleId(self.num("ref")?),
            },
            "dropped" => H::Dropped {
                booking: BookingId(self.num("id")?),
            },
            "closed" => H::Closed {
                booking: BookingId(self.num("id")?),
                pickup: NodeId(self.num("ref")?),
                wait_s: self.opt("value")?,
            },
            "incident_on" => H::IncidentOn {
                incident: IncidentId(self.num("id")?),
                closure: self.one_of("state", &["closure", "lanes"])? == 0,
                edges: self.edges()?,
            },
            "incident_off" => H::IncidentOff {
                incident: IncidentId(self.num("id")?),
            },
            "alert" => H::Alert {
                pet: PetId(self.num("id")?),
                booking: BookingId(self.num("ref")?),
                critical: self.one_of("state", &["warning", "critical"])? == 1,
            },
            "notice" => H::Notice {
                fallback: self.one_of("state", &["undelivered", "fallback", "direct"])? == 1,
                latency_ms: self.opt("value")?,
            },
            "settled" => H::Settled {
                lag_s: self.opt("value")?,
            },
            _ => {
                let kinds = "start, fix, van, accepted, picked_up, dropped, closed, incident_on, incident_off, alert, notice, settled, end";
                return Err(self.err("kind").expected(format!("one of {kinds}")));
            }
        })
    }

    fn one_of(&self, col: &str, names: &[&str]) -> Result<usize, InputError> {
        (names.iter().position(|n| *n == self.get(col))).ok_or_else(|| {
            self.err(col)
                .expected(format!("one of {}", names.join(", ")))
        })
    }

    fn edges(&self) -> Result<Vec<EdgeId>, InputError> {
        let raw = self.get("ref");
        (raw.split(';').filter(|s| !s.is_empty()))
            .map(|s| {
                s.parse()
                    .map(EdgeId)
                    .map_err(|_| self.err("ref").expected("edge ids separated by `;`"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_row_reads_back_as_written() {
        use Happening as H;
        let hs = vec![
            (
                SimTime(5),
                H::Fix {
                    vehicle: VehicleId(1),
                    lat: 37.497_912_345_6,
                    lon: 127.027_6,
                    speed_kmh: 43.2,
                },
            ),
            (
                SimTime(6),
                H::Van {
                    vehicle: VehicleId(0),
                    state: VanState::Detouring,
                    lat: 36.1,
                    lon: 128.0,
                },
            ),
            (
                SimTime(7),
                H::Accepted {
                    booking: BookingId(3),
                },
            ),
            (
                SimTime(8),
                H::PickedUp {
                    booking: BookingId(3),
                    vehicle: VehicleId(1),
                },
            ),
            (
                SimTime(9),
                H::Dropped {
                    booking: BookingId(3),
                },
            ),
            (
                SimTime(10),
                H::Closed {
                    booking: BookingId(3),
                    pickup: NodeId(12),
                    wait_s: Some(95),
                },
            ),
            (
                SimTime(10),
                H::Closed {
                    booking: BookingId(4),
                    pickup: NodeId(12),
                    wait_s: None,
                },
            ),
            (
                SimTime(11),
                H::IncidentOn {
                    incident: IncidentId(2),
                    closure: true,
                    edges: vec![EdgeId(4), EdgeId(9)],
                },
            ),
            (
                SimTime(12),
                H::IncidentOff {
                    incident: IncidentId(2),
                },
            ),
            (
                SimTime(13),
                H::Alert {
                    pet: PetId(7),
                    booking: BookingId(3),
                    critical: true,
                },
            ),
            (
                SimTime(14),
                H::Notice {
                    latency_ms: Some(1_234),
                    fallback: true,
                },
            ),
            (
                SimTime(14),
                H::Notice {
                    latency_ms: None,
                    fallback: false,
                },
            ),
            (SimTime(15), H::Settled { lag_s: Some(3_600) }),
        ];
        let mut text = format!("{HEADER}\n");
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(start_row(0, (37.5, 127.0))).unwrap();
        w.write_record(start_row(1, (35.1, 129.04))).unwrap();
        for (at, h) in &hs {
            w.write_record(row(*at, h)).unwrap();
        }
        w.write_record(end_row(SimTime(99))).unwrap();
        text.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
        let rec = read_from("t.csv", text.as_bytes()).unwrap();
        assert_eq!(rec.happenings, hs);
        assert_eq!(rec.end, SimTime(99));
        assert_eq!(rec.start, Tally::new(&[(37.5, 127.0), (35.1, 129.04)]));
    }

    #[test]
    fn a_bad_cell_is_named_with_its_line_column_and_value() {
        let text =
            format!("{HEADER}\n0,start,0,,,37.5,127,\n5,van,0,,flying,37.5,127,\n9,end,,,,,,\n");
        let e = read_from("t.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.field.as_str()),
            (Some(3), Some(10), "state")
        );
        assert_eq!(e.value.as_deref(), Some("flying"));
        assert!(e.expected.contains("detouring"), "{}", e.expected);
        let text = format!("{HEADER}\n9,fix,0,,,37.5,127,40\n5,fix,0,,,37.5,127,40\n");
        let e = read_from("t.csv", text.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "time_ms"));
        let text = format!("{HEADER}\n9,fix,0,,,37.5,127,40\n");
        let e = read_from("t.csv", text.as_bytes()).unwrap_err();
        assert!(e.expected.contains("end"), "{}", e.expected);
    }
}
