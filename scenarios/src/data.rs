//! Loads the road network, traffic profiles, accident rates and holidays from `data/`:
//! the bundled copy compiled into the binary, or a directory with the same layout.
//! Every bad cell is reported with its file, line, column name, value and what was expected.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use geo::{Coord, LineString};
use sim_core::ids::NodeId;
use sim_core::traffic::{AccidentParams, DayType, Profiles};
use sim_core::world::{EdgeSpec, NetworkError, NodeKind, NodeSpec, RoadClass, RoadNetwork, World};

use crate::error::{did_you_mean, InputError};

/// The data files' relative paths under `data/`.
pub const FILES: [&str; 6] = [
    "network/nodes.csv",
    "network/edges.csv",
    "network/roads.csv",
    "traffic/profiles.csv",
    "traffic/accidents.csv",
    "calendar/holidays.csv",
];

/// The texts of the data files, with the labels errors use.
#[derive(Clone, Debug)]
pub struct DataFiles {
    /// (label, text) in the order of [`FILES`].
    pub files: Vec<(String, String)>,
}

impl DataFiles {
    /// The copy of `data/` compiled into the binary.
    pub fn bundled() -> DataFiles {
        let texts = [
            include_str!("../../data/network/nodes.csv"),
            include_str!("../../data/network/edges.csv"),
            include_str!("../../data/network/roads.csv"),
            include_str!("../../data/traffic/profiles.csv"),
            include_str!("../../data/traffic/accidents.csv"),
            include_str!("../../data/calendar/holidays.csv"),
        ];
        DataFiles {
            files: FILES
                .iter()
                .zip(texts)
                .map(|(p, t)| (format!("<bundled>/data/{p}"), t.to_string()))
                .collect(),
        }
    }

    /// The files under `dir` (same layout as `data/`).
    pub fn from_dir(dir: &Path) -> Result<DataFiles, InputError> {
        let mut files = Vec::new();
        for p in FILES {
            let path = dir.join(p);
            let label = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                InputError::at(&label, "", None, "file")
                    .value(label.clone())
                    .expected(format!("a readable UTF-8 CSV file ({e})"))
            })?;
            files.push((label, text));
        }
        Ok(DataFiles { files })
    }

    fn get(&self, i: usize) -> (&str, &str) {
        let (l, t) = &self.files[i];
        (l, t)
    }
}

/// A published road length, for checking the network against its sources.
#[derive(Clone, Debug)]
pub struct RoadInfo {
    /// Road name as in edges.csv.
    pub road: String,
    /// Route number.
    pub number: String,
    /// Published length, km.
    pub published_length_km: f64,
    /// Where the length comes from.
    pub source: String,
}

/// Everything loaded from `data/`.
#[derive(Debug)]
pub struct Data {
    /// The network and its routing view.
    pub world: Arc<World>,
    /// Published road lengths.
    pub roads: Vec<RoadInfo>,
    /// Hourly speed profiles.
    pub profiles: Profiles,
    /// Accident parameters per class.
    pub accidents: [AccidentParams; 4],
    /// Public holidays.
    pub holidays: BTreeMap<NaiveDate, String>,
}

/// A parsed CSV file: header and records with their line numbers.
struct Table<'a> {
    file: &'a str,
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    fn read(file: &'a str, text: &str, required: &[&str]) -> Result<Table<'a>, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                InputError::on_line(file, 1, "header").expected(format!("a CSV header row ({e})"))
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for col in required {
            if !headers.iter().any(|h| h == col) {
                let mut err = InputError::on_line(file, 1, "header")
                    .value(headers.join(","))
                    .expected(format!(
                        "a column named `{col}` (columns: {})",
                        required.join(", ")
                    ));
                if let Some(h) = did_you_mean(col, headers.iter().map(String::as_str)) {
                    err = err.hint(h);
                }
                return Err(err);
            }
        }
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    rows.push((line, r));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    return Err(InputError::on_line(file, line, "row")
                        .expected(format!("a well-formed CSV row ({e})")));
                }
            }
        }
        Ok(Table {
            file,
            headers,
            rows,
        })
    }

    fn raw<'r>(&self, row: &'r csv::StringRecord, col: &str) -> &'r str {
        let i = self
            .headers
            .iter()
            .position(|h| h == col)
            .expect("required column checked");
        row.get(i).unwrap_or("").trim()
    }

    fn parse<T: FromStr>(
        &self,
        line: usize,
        row: &csv::StringRecord,
        col: &str,
        expected: &str,
        ok: impl Fn(&T) -> bool,
    ) -> Result<T, InputError> {
        let raw = self.raw(row, col);
        match raw.parse::<T>() {
            Ok(v) if ok(&v) => Ok(v),
            _ => Err(InputError::on_line(self.file, line, col)
                .value(raw)
                .expected(expected.to_string())),
        }
    }
}

/// Loads and validates every data file.
pub fn load(files: &DataFiles) -> Result<Data, InputError> {
    let (nodes_file, nodes_text) = files.get(0);
    let t = Table::read(
        nodes_file,
        nodes_text,
        &["id", "name", "lat", "lon", "kind", "population"],
    )?;
    let mut nodes = Vec::new();
    let mut node_lines = Vec::new();
    for (i, (line, row)) in t.rows.iter().enumerate() {
        let line = *line;
        let id: usize = t.parse(
            line,
            row,
            "id",
            &format!("the row index {i} (ids are 0, 1, 2, ... in file order)"),
            |v| *v == i,
        )?;
        debug_assert_eq!(id, i);
        let name = t.raw(row, "name");
        if name.is_empty() {
            return Err(InputError::on_line(t.file, line, "name")
                .value("")
                .expected("a non-empty node name"));
        }
        let lat: f64 = t.parse(
            line,
            row,
            "lat",
            "a latitude in degrees within Korea (33 to 39)",
            |v: &f64| (33.0..=39.0).contains(v),
        )?;
        let lon: f64 = t.parse(
            line,
            row,
            "lon",
            "a longitude in degrees within Korea (124 to 132)",
            |v: &f64| (124.0..=132.0).contains(v),
        )?;
        let kind_raw = t.raw(row, "kind");
        let kind = NodeKind::parse(kind_raw).ok_or_else(|| {
            InputError::on_line(t.file, line, "kind")
                .value(kind_raw)
                .expected("one of `city`, `junction`, `district`")
        })?;
        let pop_raw = t.raw(row, "population");
        let population = if pop_raw.is_empty() {
            None
        } else {
            Some(t.parse::<u32>(
                line,
                row,
                "population",
                "a whole number of residents, or empty",
                |_| true,
            )?)
        };
        nodes.push(NodeSpec {
            name: name.to_string(),
            lat,
            lon,
            kind,
            population,
        });
        node_lines.push(line);
    }

    let (edges_file, edges_text) = files.get(1);
    let t = Table::read(
        edges_file,
        edges_text,
        &[
            "from",
            "to",
            "road",
            "class",
            "length_m",
            "speed_kmh",
            "lanes",
            "geometry",
        ],
    )?;
    let mut segments = Vec::new();
    let mut edge_lines = Vec::new();
    let n = nodes.len() as u32;
    for (line, row) in &t.rows {
        let line = *line;
        let node_expected = format!("a node id from nodes.csv (0 to {})", n.saturating_sub(1));
        let from: u32 = t.parse(line, row, "from", &node_expected, |v| *v < n)?;
        let to: u32 = t.parse(line, row, "to", &node_expected, |v| *v < n)?;
        let road = t.raw(row, "road");
        if road.is_empty() {
            return Err(InputError::on_line(t.file, line, "road")
                .value("")
                .expected("a road name"));
        }
        let class_raw = t.raw(row, "class");
        let class = RoadClass::parse(class_raw).ok_or_else(|| {
            InputError::on_line(t.file, line, "class")
                .value(class_raw)
                .expected("one of `expressway`, `urban_expressway`, `arterial`, `connector`")
        })?;
        let length_m: f64 = t.parse(
            line,
            row,
            "length_m",
            "a positive length in metres",
            |v: &f64| v.is_finite() && *v > 0.0,
        )?;
        let speed_kmh: f64 = t.parse(
            line,
            row,
            "speed_kmh",
            "a speed in km/h, above 0 and at most 200",
            |v: &f64| *v > 0.0 && *v <= 200.0,
        )?;
        let lanes: u8 = t.parse(
            line,
            row,
            "lanes",
            "a whole number of lanes per direction, 1 to 12",
            |v| (1..=12).contains(v),
        )?;
        let geom_raw = t.raw(row, "geometry");
        let geometry = if geom_raw.is_empty() {
            None
        } else {
            let ls = parse_linestring(geom_raw).ok_or_else(|| {
                InputError::on_line(t.file, line, "geometry")
                    .value(geom_raw)
                    .expected("empty, or WKT `LINESTRING(lon lat, lon lat, ...)` with at least two points")
            })?;
            for (end, node) in [(ls.0[0], from), (*ls.0.last().expect("two points"), to)] {
                let nd = &nodes[node as usize];
                if (end.x - nd.lon).abs() > 0.02 || (end.y - nd.lat).abs() > 0.02 {
                    return Err(InputError::on_line(t.file, line, "geometry")
                        .value(geom_raw)
                        .expected(format!("a line that starts at `from` and ends at `to` (node {:?} is at {}, {})", nd.name, nd.lon, nd.lat)));
                }
            }
            Some(ls)
        };
        segments.push(EdgeSpec {
            from: NodeId(from),
            to: NodeId(to),
            road: road.to_string(),
            class,
            length_m,
            speed_kmh,
            lanes,
            geometry,
        });
        edge_lines.push(line);
    }
    let net = RoadNetwork::build(nodes, segments).map_err(|e| match e {
        NetworkError::DuplicateName { row, name, first } => InputError::on_line(nodes_file, node_lines[row], "name")
            .value(name)
            .expected(format!("a unique name (line {} has it already)", node_lines[first])),
        NetworkError::SelfLoop { row, node } => InputError::on_line(edges_file, edge_lines[row], "to")
            .value(node.to_string())
            .expected("a node other than `from`"),
        NetworkError::Disconnected { from, unreachable, example } => InputError::on_line(edges_file, 1, "network")
            .expected(format!("a connected network, but {unreachable} node(s) cannot be reached from {from:?}, e.g. {example:?}")),
        other => InputError::on_line(edges_file, 1, "network").expected(other.to_string()),
    })?;

    let (roads_file, roads_text) = files.get(2);
    let t = Table::read(
        roads_file,
        roads_text,
        &["road", "number", "published_length_km", "source"],
    )?;
    let mut roads = Vec::new();
    for (line, row) in &t.rows {
        roads.push(RoadInfo {
            road: t.raw(row, "road").to_string(),
            number: t.raw(row, "number").to_string(),
            published_length_km: t.parse(
                *line,
                row,
                "published_length_km",
                "a positive length in km",
                |v: &f64| *v > 0.0,
            )?,
            source: t.raw(row, "source").to_string(),
        });
    }

    let (prof_file, prof_text) = files.get(3);
    let t = Table::read(
        prof_file,
        prof_text,
        &["day_type", "class", "hour", "factor"],
    )?;
    let mut factors = [[[f64::NAN; 24]; 4]; 3];
    for (line, row) in &t.rows {
        let line = *line;
        let d_raw = t.raw(row, "day_type");
        let day = DayType::parse(d_raw).ok_or_else(|| {
            InputError::on_line(t.file, line, "day_type")
                .value(d_raw)
                .expected("one of `weekday`, `weekend`, `holiday`")
        })?;
        let c_raw = t.raw(row, "class");
        let class = RoadClass::parse(c_raw).ok_or_else(|| {
            InputError::on_line(t.file, line, "class")
                .value(c_raw)
                .expected("one of `expressway`, `urban_expressway`, `arterial`, `connector`")
        })?;
        let hour: usize = t.parse(line, row, "hour", "an hour 0 to 23", |v| *v < 24)?;
        let factor: f64 = t.parse(
            line,
            row,
            "factor",
            "a speed factor above 0 and at most 1",
            |v: &f64| *v > 0.0 && *v <= 1.0,
        )?;
        let slot = &mut factors[day as usize][class.index()][hour];
        if !slot.is_nan() {
            return Err(InputError::on_line(t.file, line, "hour")
                .value(hour.to_string())
                .expected(format!(
                    "one row per (day_type, class, hour); {} {} {hour} is repeated",
                    day.name(),
                    class.name()
                )));
        }
        *slot = factor;
    }
    for d in DayType::ALL {
        for c in RoadClass::ALL {
            if let Some(h) = (0..24).find(|&h| factors[d as usize][c.index()][h].is_nan()) {
                return Err(InputError::on_line(
                    prof_file,
                    t.rows.last().map_or(1, |r| r.0),
                    "hour",
                )
                .expected(format!(
                    "a row for every (day_type, class, hour 0-23); missing {} {} {h}",
                    d.name(),
                    c.name()
                )));
            }
        }
    }

    let (acc_file, acc_text) = files.get(4);
    let t = Table::read(
        acc_file,
        acc_text,
        &[
            "class",
            "rate_per_km_h",
            "closure_share",
            "lanes_lost_max",
            "mean_duration_min",
            "capacity_factor_per_lane_lost",
        ],
    )?;
    let mut accidents: [Option<AccidentParams>; 4] = [None; 4];
    for (line, row) in &t.rows {
        let line = *line;
        let c_raw = t.raw(row, "class");
        let class = RoadClass::parse(c_raw).ok_or_else(|| {
            InputError::on_line(t.file, line, "class")
                .value(c_raw)
                .expected("one of `expressway`, `urban_expressway`, `arterial`, `connector`")
        })?;
        let p = AccidentParams {
            rate_per_km_h: t.parse(
                line,
                row,
                "rate_per_km_h",
                "a rate >= 0 (accidents per km per hour)",
                |v: &f64| v.is_finite() && *v >= 0.0,
            )?,
            closure_share: t.parse(
                line,
                row,
                "closure_share",
                "a share between 0 and 1",
                |v: &f64| (0.0..=1.0).contains(v),
            )?,
            lanes_lost_max: t.parse(
                line,
                row,
                "lanes_lost_max",
                "a whole number of lanes, 1 to 12",
                |v| (1..=12).contains(v),
            )?,
            mean_duration_min: t.parse(
                line,
                row,
                "mean_duration_min",
                "a positive number of minutes",
                |v: &f64| v.is_finite() && *v > 0.0,
            )?,
            capacity_factor_per_lane_lost: t.parse(
                line,
                row,
                "capacity_factor_per_lane_lost",
                "a factor above 0 and at most 1",
                |v: &f64| *v > 0.0 && *v <= 1.0,
            )?,
        };
        if accidents[class.index()].replace(p).is_some() {
            return Err(InputError::on_line(t.file, line, "class")
                .value(c_raw)
                .expected("one row per road class"));
        }
    }
    let mut acc = [accidents[0].unwrap_or(ZERO_ACCIDENTS); 4];
    for c in RoadClass::ALL {
        acc[c.index()] = accidents[c.index()].ok_or_else(|| {
            InputError::on_line(acc_file, 1, "class").expected(format!(
                "a row for every road class; `{}` is missing",
                c.name()
            ))
        })?;
    }

    let (hol_file, hol_text) = files.get(5);
    let t = Table::read(hol_file, hol_text, &["date", "name"])?;
    let mut holidays = BTreeMap::new();
    for (line, row) in &t.rows {
        let raw = t.raw(row, "date");
        let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            InputError::on_line(t.file, *line, "date")
                .value(raw)
                .expected("an ISO date YYYY-MM-DD")
        })?;
        holidays.insert(date, t.raw(row, "name").to_string());
    }

    Ok(Data {
        world: Arc::new(World::new(net)),
        roads,
        profiles: Profiles { factors },
        accidents: acc,
        holidays,
    })
}

const ZERO_ACCIDENTS: AccidentParams = AccidentParams {
    rate_per_km_h: 0.0,
    closure_share: 0.0,
    lanes_lost_max: 1,
    mean_duration_min: 1.0,
    capacity_factor_per_lane_lost: 1.0,
};

/// Parses `LINESTRING(x y, x y, ...)` (lon lat pairs).
fn parse_linestring(s: &str) -> Option<LineString<f64>> {
    let body = s
        .trim()
        .strip_prefix("LINESTRING")?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let coords: Option<Vec<Coord<f64>>> = body
        .split(',')
        .map(|pair| {
            let mut it = pair.split_whitespace();
            let x: f64 = it.next()?.parse().ok()?;
            let y: f64 = it.next()?.parse().ok()?;
            (it.next().is_none() && x.is_finite() && y.is_finite()).then_some(Coord { x, y })
        })
        .collect();
    let coords = coords?;
    (coords.len() >= 2).then(|| LineString::from(coords))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_loads() {
        let d = load(&DataFiles::bundled()).unwrap();
        assert!(d.world.net.node_by_name("Seoul").is_some());
        assert!(d.world.net.node_by_name("Busan").is_some());
        assert!(d.holidays.len() > 30);
    }

    #[test]
    fn linestrings() {
        assert_eq!(
            parse_linestring("LINESTRING(127 37, 127.5 36.5)").map(|l| l.0.len()),
            Some(2)
        );
        assert_eq!(parse_linestring("LINESTRING(127 37)"), None);
        assert_eq!(parse_linestring("POINT(1 2)"), None);
    }

    fn with_edit(file: usize, from: &str, to: &str) -> Result<Data, InputError> {
        let mut f = DataFiles::bundled();
        f.files[file].1 = f.files[file].1.replacen(from, to, 1);
        load(&f)
    }

    #[test]
    fn bad_cells_are_located() {
        let e = with_edit(1, "26722,110", "26722,-110").unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str(), e.value.as_deref()),
            (Some(2), "speed_kmh", Some("-110"))
        );
        let e = with_edit(0, "Suwon,37.2911", "Suwon,97.2911").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "lat"));
        let e = with_edit(3, "weekday,expressway,0,", "weekday,expresway,0,").unwrap_err();
        assert_eq!(e.field, "class");
        let e = with_edit(0, "id,name", "id,nmae").unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `nmae`?").or(e.hint.as_deref())
        );
        assert_eq!(e.field, "header");
    }
}
