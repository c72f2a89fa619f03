//! Output files: CSV streams written as the run goes (memory stays flat) and a manifest.
//!
//! Every file is written as `NAME.partial` and renamed only when the run has finished and
//! its invariants hold; `manifest.json` is written last. A directory whose manifest is
//! missing holds no complete run: an interrupted run never leaves a file that looks complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use sim_core::engine::{ObserveError, Observer};
use sim_core::event::{Event, TripRecord};
use sim_core::ids::ActorId;
use sim_core::msg::Msg;
use sim_core::time::SimTime;
use sim_core::traffic::{IncidentCause, IncidentKind};
use sim_core::world::World;

/// The files a run can write, with their header rows (the documented, versioned columns).
pub const OUTPUTS: &[(&str, &str)] = &[
    ("trips.csv", "trip_id,vehicle_id,pet,origin,destination,depart_at,arrive_at,distance_m,duration_s,reroutes,status"),
    ("positions.csv", "time,vehicle_id,lat,lon,speed_kmh,edge"),
    ("incidents.csv", "incident_id,cause,kind,lanes_lost,road,from,to,edges,start_at,end_at,duration_s,speed_factor"),
    ("reroutes.csv", "time,vehicle_id,trip_id,at_node,destination,incidents,old_remaining_m,old_remaining_s,new_remaining_m,new_remaining_s,saved_s,accepted,old_roads,new_roads"),
    ("events.csv", "time,time_ms,seq,stream,kind,actor,detail"),
];

/// The output schema version, written to the manifest; bump it when a column changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Formats simulated times as local ISO date-times from the run's first day.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: NaiveDateTime,
}

impl Clock {
    /// Times count from 00:00 of `start_date`.
    pub fn new(start_date: NaiveDate) -> Clock {
        Clock {
            start: start_date.and_hms_opt(0, 0, 0).expect("midnight exists"),
        }
    }

    /// `2026-11-23T09:00:00` (whole seconds, truncated).
    pub fn format(&self, t: SimTime) -> String {
        let dt = self.start + chrono::Duration::milliseconds(t.as_ms() as i64);
        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

struct Stream {
    name: &'static str,
    tmp: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Stream {
    fn row<I, T>(&mut self, fields: I) -> Result<(), ObserveError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.out.write_record(fields)?;
        self.rows += 1;
        Ok(())
    }
}

/// The CSV observer: one stream per output file.
pub struct CsvOutputs {
    dir: PathBuf,
    world: std::sync::Arc<World>,
    clock: Clock,
    pets: Vec<String>,
    trips: Stream,
    positions: Option<Stream>,
    incidents: Stream,
    reroutes: Stream,
    events: Option<Stream>,
    /// Every trip's end record, for the invariant checks and the summary.
    pub ended: Vec<TripRecord>,
}

impl CsvOutputs {
    /// Opens the streams in `dir` (created if needed), removing any old manifest first.
    pub fn create(
        dir: &Path,
        world: std::sync::Arc<World>,
        clock: Clock,
        pets: Vec<String>,
        positions: bool,
        trace: bool,
    ) -> std::io::Result<CsvOutputs> {
        fs::create_dir_all(dir)?;
        match fs::remove_file(dir.join("manifest.json")) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let open = |name: &'static str| -> std::io::Result<Stream> {
            let header = OUTPUTS
                .iter()
                .find(|(n, _)| *n == name)
                .expect("known output")
                .1;
            let tmp = dir.join(format!("{name}.partial"));
            let mut out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(BufWriter::with_capacity(1 << 16, File::create(&tmp)?));
            out.write_record(header.split(','))?;
            Ok(Stream {
                name,
                tmp,
                out,
                rows: 0,
            })
        };
        Ok(CsvOutputs {
            dir: dir.to_path_buf(),
            trips: open("trips.csv")?,
            positions: if positions {
                Some(open("positions.csv")?)
            } else {
                None
            },
            incidents: open("incidents.csv")?,
            reroutes: open("reroutes.csv")?,
            events: if trace {
                Some(open("events.csv")?)
            } else {
                None
            },
            world,
            clock,
            pets,
            ended: Vec::new(),
        })
    }

    fn node(&self, id: sim_core::ids::NodeId) -> &str {
        &self.world.net.node(id).name
    }

    fn streams(&mut self) -> Vec<&mut Stream> {
        let mut v = vec![&mut self.trips];
        if let Some(p) = &mut self.positions {
            v.push(p);
        }
        v.push(&mut self.incidents);
        v.push(&mut self.reroutes);
        if let Some(e) = &mut self.events {
            v.push(e);
        }
        v
    }

    /// Flushes and renames every file into place; returns (file, data rows) in [`OUTPUTS`]
    /// order. Files of [`OUTPUTS`] this run did not write are removed, so the directory
    /// holds one run only.
    pub fn commit(mut self) -> std::io::Result<Vec<(String, u64)>> {
        let mut written = Vec::new();
        let dir = self.dir.clone();
        for s in self.streams() {
            s.out.flush()?;
            s.out.get_ref().get_ref().sync_all()?;
            fs::rename(&s.tmp, dir.join(s.name))?;
            written.push((s.name.to_string(), s.rows));
        }
        for (name, _) in OUTPUTS {
            if !written.iter().any(|(w, _)| w == name) {
                match fs::remove_file(dir.join(name)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(written)
    }

    /// Removes the partial files of a failed run.
    pub fn abandon(mut self) {
        for s in self.streams() {
            let _ = fs::remove_file(&s.tmp);
        }
    }
}

fn fmt_m(v: f64) -> String {
    format!("{:.0}", v)
}

fn fmt_s(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}", v)
    } else {
        String::new()
    }
}

impl Observer<Msg, Event> for CsvOutputs {
    fn on_event(&mut self, at: SimTime, from: ActorId, event: &Event) -> Result<(), ObserveError> {
        let time = self.clock.format(at);
        if let Some(ev) = &mut self.events {
            let detail = event_detail(event);
            ev.row([
                time.as_str(),
                &at.as_ms().to_string(),
                "",
                "event",
                event.kind(),
                &from.to_string(),
                &detail,
            ])?;
        }
        match event {
            Event::Position(p) => {
                if let Some(s) = &mut self.positions {
                    s.row([
                        time,
                        p.vehicle.0.to_string(),
                        format!("{:.6}", p.lat),
                        format!("{:.6}", p.lon),
                        format!("{:.1}", p.speed_kmh),
                        p.edge.map_or(String::new(), |e| e.0.to_string()),
                    ])?;
                }
            }
            Event::TripEnded(r) => {
                let duration = match (r.depart_at, r.arrive_at) {
                    (Some(d), Some(a)) => (a.saturating_since(d).as_ms() / 1_000).to_string(),
                    _ => String::new(),
                };
                let row = [
                    r.trip.0.to_string(),
                    r.vehicle.0.to_string(),
                    self.pets.get(r.trip.index()).cloned().unwrap_or_default(),
                    self.node(r.origin).to_string(),
                    self.node(r.destination).to_string(),
                    r.depart_at.map_or(String::new(), |t| self.clock.format(t)),
                    r.arrive_at.map_or(String::new(), |t| self.clock.format(t)),
                    fmt_m(r.distance_m),
                    duration,
                    r.reroutes.to_string(),
                    r.status.name().to_string(),
                ];
                self.trips.row(row)?;
                self.ended.push(r.clone());
            }
            Event::IncidentStarted(inc) => {
                let first = self.world.net.edge(inc.edges[0]);
                let last = self
                    .world
                    .net
                    .edge(*inc.edges.last().expect("an incident has edges"));
                let (kind, lanes) = match inc.kind {
                    IncidentKind::Closure => ("closure", String::new()),
                    IncidentKind::LaneLoss { lanes_lost } => ("lane_loss", lanes_lost.to_string()),
                };
                let row = [
                    inc.id.0.to_string(),
                    match inc.cause {
                        IncidentCause::Scripted => "scripted".to_string(),
                        IncidentCause::Random => "random".to_string(),
                    },
                    kind.to_string(),
                    lanes,
                    first.road.clone(),
                    self.node(first.from).to_string(),
                    self.node(last.to).to_string(),
                    inc.edges
                        .iter()
                        .map(|e| e.0.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    time.clone(),
                    self.clock.format(inc.end),
                    (inc.end.saturating_since(inc.start).as_ms() / 1_000).to_string(),
                    format!("{:.3}", inc.speed_factor),
                ];
                self.incidents.row(row)?;
            }
            Event::Rerouted(r) => {
                let row = [
                    time,
                    r.vehicle.0.to_string(),
                    r.trip.map_or(String::new(), |t| t.0.to_string()),
                    self.node(r.at_node).to_string(),
                    self.node(r.destination).to_string(),
                    r.incidents
                        .iter()
                        .map(|i| i.0.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    fmt_m(r.old_remaining_m),
                    fmt_s(r.old_remaining_s),
                    fmt_m(r.new_remaining_m),
                    fmt_s(r.new_remaining_s),
                    fmt_s(r.old_remaining_s - r.new_remaining_s),
                    r.accepted.to_string(),
                    r.old_roads.clone(),
                    r.new_roads.clone(),
                ];
                self.reroutes.row(row)?;
            }
            Event::TripStarted { .. } | Event::IncidentCleared(_) | Event::NoRoute { .. } => {}
        }
        Ok(())
    }

    fn wants_deliveries(&self) -> bool {
        self.events.is_some()
    }

    fn on_delivery(
        &mut self,
        at: SimTime,
        seq: u64,
        to: ActorId,
        msg: &Msg,
    ) -> Result<(), ObserveError> {
        let time = self.clock.format(at);
        if let Some(ev) = &mut self.events {
            ev.row([
                time.as_str(),
                &at.as_ms().to_string(),
                &seq.to_string(),
                "msg",
                msg.kind(),
                &to.to_string(),
                &msg_detail(msg),
            ])?;
        }
        Ok(())
    }
}

/// A one-line description of a message for events.csv.
pub fn msg_detail(msg: &Msg) -> String {
    match msg {
        Msg::StartIncident(p) => format!(
            "edges {:?} {:?} for {}",
            p.edges.iter().map(|e| e.0).collect::<Vec<_>>(),
            p.kind,
            p.duration
        ),
        Msg::ClearIncident(id) => id.to_string(),
        Msg::Traffic(u) => format!(
            "speeds v{} digest {:016x}{}",
            u.table.version,
            u.table.digest,
            u.changes
                .iter()
                .map(|c| format!(" {}{}", c.incident.id, if c.started { "+" } else { "-" }))
                .collect::<String>()
        ),
        Msg::AssignTrip(p) => format!(
            "{} {} -> {} ready {}",
            p.trip, p.pickup, p.dropoff, p.ready_at
        ),
        Msg::EdgeDone { gen } | Msg::StopDone { gen } => format!("gen {gen}"),
        Msg::Start | Msg::TrafficTick | Msg::AccidentDue | Msg::PositionTick => String::new(),
    }
}

/// A one-line description of an event for events.csv.
pub fn event_detail(ev: &Event) -> String {
    match ev {
        Event::Position(p) => format!(
            "{} {:.6},{:.6} {:.1} km/h",
            p.vehicle, p.lat, p.lon, p.speed_kmh
        ),
        Event::TripStarted { trip, vehicle } => format!("{trip} {vehicle}"),
        Event::TripEnded(r) => format!(
            "{} {} {} {:.0} m {} reroutes",
            r.trip,
            r.vehicle,
            r.status.name(),
            r.distance_m,
            r.reroutes
        ),
        Event::IncidentStarted(i) | Event::IncidentCleared(i) => format!(
            "{} {:?} {:?} edges {:?}",
            i.id,
            i.cause,
            i.kind,
            i.edges.iter().map(|e| e.0).collect::<Vec<_>>()
        ),
        Event::Rerouted(r) => format!(
            "{} at {} accepted {} saves {:.0} s",
            r.vehicle,
            r.at_node,
            r.accepted,
            r.old_remaining_s - r.new_remaining_s
        ),
        Event::NoRoute { vehicle, from, to } => format!("{vehicle} {from} -> {to}"),
    }
}

/// Writes `manifest.json` atomically (temporary file, then rename).
pub fn write_manifest(dir: &Path, manifest: &serde_json::Value) -> std::io::Result<()> {
    let tmp = dir.join("manifest.json.partial");
    {
        let mut f = BufWriter::new(File::create(&tmp)?);
        serde_json::to_writer_pretty(&mut f, manifest)?;
        f.write_all(b"\n")?;
        f.flush()?;
        f.get_ref().sync_all()?;
    }
    fs::rename(tmp, dir.join("manifest.json"))
}
