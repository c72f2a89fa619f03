//! Loads the road network, traffic profiles, accident rates and holidays from `data/`:
//! the bundled copy compiled into the binary, or a directory with the same layout.
//! Every bad cell is reported with its file, line, column name, value and what was expected.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use geo::{Coord, LineString};
use sim_core::actors::customer::AddonOption;
use sim_core::actors::{CustomerModel, PartnerKind};
use sim_core::booking::Species;
use sim_core::fare::{Addon, SizeClass};
use sim_core::ids::NodeId;
use sim_core::sim::PartnerSpec;
use sim_core::time::SimDuration;
use sim_core::traffic::{AccidentParams, DayType, Profiles};
use sim_core::welfare::Physiology;
use sim_core::world::{EdgeSpec, NetworkError, NodeSpec, RoadClass, RoadNetwork, World};

use crate::error::InputError;
use crate::readers::{edge_cells, read_node_table, read_profile_table, Factors, EDGE_COLUMNS};
use crate::table::Table;

/// A data file every run reads, by what it holds (its path under `data/`: [`DataFile::path`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataFile {
    /// The coarse network's nodes.
    Nodes,
    /// The coarse network's edges.
    Edges,
    /// Published road lengths.
    Roads,
    /// Hourly speed profiles.
    Profiles,
    /// Accident rates per road class.
    Accidents,
    /// Public holidays.
    Holidays,
    /// Expressway tolls.
    Tolls,
    /// Booking shares by day type and hour.
    Hourly,
    /// Intercity destinations.
    Intercity,
    /// The pet mix.
    Pets,
    /// Pets per booking.
    PetCounts,
    /// The add-on mix.
    Addons,
    /// Partners.
    Partners,
    /// Climate normals.
    Climate,
    /// Physiology by species and size.
    Physiology,
    /// Customer behaviour.
    Customers,
}

impl DataFile {
    /// Every data file, in reading order.
    pub const ALL: [DataFile; 16] = [
        DataFile::Nodes,
        DataFile::Edges,
        DataFile::Roads,
        DataFile::Profiles,
        DataFile::Accidents,
        DataFile::Holidays,
        DataFile::Tolls,
        DataFile::Hourly,
        DataFile::Intercity,
        DataFile::Pets,
        DataFile::PetCounts,
        DataFile::Addons,
        DataFile::Partners,
        DataFile::Climate,
        DataFile::Physiology,
        DataFile::Customers,
    ];

    /// Its path under `data/`.
    pub const fn path(self) -> &'static str {
        match self {
            DataFile::Nodes => "network/nodes.csv",
            DataFile::Edges => "network/edges.csv",
            DataFile::Roads => "network/roads.csv",
            DataFile::Profiles => "traffic/profiles.csv",
            DataFile::Accidents => "traffic/accidents.csv",
            DataFile::Holidays => "calendar/holidays.csv",
            DataFile::Tolls => "network/tolls.csv",
            DataFile::Hourly => "demand/hourly.csv",
            DataFile::Intercity => "demand/intercity.csv",
            DataFile::Pets => "demand/pets.csv",
            DataFile::PetCounts => "demand/pet_counts.csv",
            DataFile::Addons => "demand/addons.csv",
            DataFile::Partners => "partners.csv",
            DataFile::Climate => "weather/seoul_climate.csv",
            DataFile::Physiology => "pets/physiology.csv",
            DataFile::Customers => "customers.toml",
        }
    }
}

/// The data files' relative paths under `data/`, in [`DataFile::ALL`] order.
pub const FILES: [&str; 16] = {
    let mut out = [""; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = DataFile::ALL[i].path();
        i += 1;
    }
    out
};

/// Further files under `data/` that scenarios name with a `data:` path (imported networks,
/// requests, vehicle positions), compiled into the binary for the bundled copy.
pub const EXTRA: &[(&str, &str)] = &[
    (
        "notify/providers.csv",
        include_str!("../../data/notify/providers.csv"),
    ),
    (
        "notify/policies.csv",
        include_str!("../../data/notify/policies.csv"),
    ),
    (
        "services/defaults.toml",
        include_str!("../../data/services/defaults.toml"),
    ),
    (
        "settle/parameters.csv",
        include_str!("../../data/settle/parameters.csv"),
    ),
    (
        "networks/seoul-streets/nodes.csv",
        include_str!("../../data/networks/seoul-streets/nodes.csv"),
    ),
    (
        "networks/seoul-streets/edges.csv",
        include_str!("../../data/networks/seoul-streets/edges.csv"),
    ),
    (
        "networks/seoul-streets/profiles.csv",
        include_str!("../../data/networks/seoul-streets/profiles.csv"),
    ),
    (
        "networks/seoul-streets/ch_order.txt",
        include_str!("../../data/networks/seoul-streets/ch_order.txt"),
    ),
    (
        "networks/fleetpy-example/nodes.csv",
        include_str!("../../data/networks/fleetpy-example/nodes.csv"),
    ),
    (
        "networks/fleetpy-example/edges.csv",
        include_str!("../../data/networks/fleetpy-example/edges.csv"),
    ),
    (
        "networks/fleetpy-example/crs.info",
        include_str!("../../data/networks/fleetpy-example/crs.info"),
    ),
    (
        "networks/fleetpy-example/ch_order.txt",
        include_str!("../../data/networks/fleetpy-example/ch_order.txt"),
    ),
    (
        "requests/fleetpy-example/example_100.csv",
        include_str!("../../data/requests/fleetpy-example/example_100.csv"),
    ),
    (
        "requests/fleetpy-example/example_200.csv",
        include_str!("../../data/requests/fleetpy-example/example_200.csv"),
    ),
    (
        "requests/fleetpy-example/example_400.csv",
        include_str!("../../data/requests/fleetpy-example/example_400.csv"),
    ),
    (
        "vehicles/fleetpy-example/hail_100_5.csv",
        include_str!("../../data/vehicles/fleetpy-example/hail_100_5.csv"),
    ),
    (
        "vehicles/fleetpy-example/hail_200_10.csv",
        include_str!("../../data/vehicles/fleetpy-example/hail_200_10.csv"),
    ),
    (
        "vehicles/fleetpy-example/hail_400_20.csv",
        include_str!("../../data/vehicles/fleetpy-example/hail_400_20.csv"),
    ),
    (
        "vehicles/fleetpy-example/hail_400_50.csv",
        include_str!("../../data/vehicles/fleetpy-example/hail_400_50.csv"),
    ),
];

/// The texts of the data files, with the labels errors use.
#[derive(Clone, Debug)]
pub struct DataFiles {
    /// (label, text) in the order of [`FILES`].
    pub files: Vec<(String, String)>,
    /// Where `data:` paths are read: the bundled [`EXTRA`] files, or a directory.
    root: Option<std::path::PathBuf>,
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
            include_str!("../../data/network/tolls.csv"),
            include_str!("../../data/demand/hourly.csv"),
            include_str!("../../data/demand/intercity.csv"),
            include_str!("../../data/demand/pets.csv"),
            include_str!("../../data/demand/pet_counts.csv"),
            include_str!("../../data/demand/addons.csv"),
            include_str!("../../data/partners.csv"),
            include_str!("../../data/weather/seoul_climate.csv"),
            include_str!("../../data/pets/physiology.csv"),
            include_str!("../../data/customers.toml"),
        ];
        DataFiles {
            files: FILES
                .iter()
                .zip(texts)
                .map(|(p, t)| (format!("<bundled>/data/{p}"), t.to_string()))
                .collect(),
            root: None,
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
        Ok(DataFiles {
            files,
            root: Some(dir.to_path_buf()),
        })
    }

    /// A file under the data directory, by its relative path (`networks/NAME/nodes.csv`):
    /// `None` when there is none; `Some(Err)` when it exists but cannot be read.
    pub fn extra(&self, rel: &str) -> Option<Result<(String, String), String>> {
        match &self.root {
            None => EXTRA
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(p, t)| Ok((format!("<bundled>/data/{p}"), t.to_string()))),
            Some(dir) => {
                let path = dir.join(rel);
                let label = path.display().to_string();
                path.exists().then(|| {
                    std::fs::read_to_string(&path)
                        .map(|t| (label, t))
                        .map_err(|e| e.to_string())
                })
            }
        }
    }

    /// The (label, text) of data file `f`.
    fn get(&self, f: DataFile) -> (&str, &str) {
        let (l, t) = &self.files[f as usize];
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
    /// Expressway tolls.
    pub tolls: sim_core::money::Tolls,
    /// Booking shares by day type and hour.
    pub hourly: [[f64; 24]; 3],
    /// Intercity destinations and weights.
    pub intercity: Vec<(NodeId, f64)>,
    /// Pet mix: (species, size, share, min kg, max kg).
    pub pet_mix: Vec<(Species, SizeClass, f64, f64, f64)>,
    /// Pets per booking: (count, share).
    pub pet_counts: Vec<(u32, f64)>,
    /// Add-on mix.
    pub addons: Vec<AddonOption>,
    /// Partners.
    pub partners: Vec<PartnerSpec>,
    /// Climate normals `[month][hour]` -> (C, %).
    pub climate: [[(f64, f64); 24]; 12],
    /// Physiology by (species, size).
    pub physiology: BTreeMap<(Species, SizeClass), Physiology>,
    /// Customer behaviour defaults.
    pub customers: CustomerModel,
    /// The street-level Seoul network, loaded when a scenario first needs it.
    streets: std::sync::OnceLock<Arc<crate::streets::Streets>>,
}

impl Data {
    /// The street-level Seoul network (`data/networks/seoul-streets`), read once.
    pub fn streets(&self, files: &DataFiles) -> Result<Arc<crate::streets::Streets>, InputError> {
        if let Some(s) = self.streets.get() {
            return Ok(s.clone());
        }
        let base = crate::streets::Base {
            factors: &self.profiles.factors,
            coarse: &self.world.net,
            partners: &self.partners,
            intercity: &self.intercity,
        };
        let s = Arc::new(crate::streets::load(&|rel| files.extra(rel), &base)?);
        Ok(self.streets.get_or_init(|| s).clone())
    }
}

/// Loads and validates every data file.
pub fn load(files: &DataFiles) -> Result<Data, InputError> {
    let net = read_network(files)?;
    let rest = load_demand_side(files, &net)?;
    Ok(Data {
        roads: read_roads(files)?,
        profiles: Profiles {
            factors: read_profiles(files)?,
        },
        accidents: read_accidents(files)?,
        holidays: read_holidays(files)?,
        world: Arc::new(World::new(net)),
        tolls: rest.tolls,
        hourly: rest.hourly,
        intercity: rest.intercity,
        pet_mix: rest.pet_mix,
        pet_counts: rest.pet_counts,
        addons: rest.addons,
        partners: rest.partners,
        climate: rest.climate,
        physiology: rest.physiology,
        customers: rest.customers,
        streets: std::sync::OnceLock::new(),
    })
}

/// `network/nodes.csv` and `network/edges.csv`, built into the road network.
fn read_network(files: &DataFiles) -> Result<RoadNetwork, InputError> {
    let (nodes, node_lines) = read_nodes(files)?;
    let (segments, edge_lines) = read_segments(files, &nodes)?;
    let (nodes_file, edges_file) = (files.get(DataFile::Nodes).0, files.get(DataFile::Edges).0);
    RoadNetwork::build(nodes, segments).map_err(|e| match e {
        NetworkError::DuplicateName { row, name, first } => InputError::on_line(nodes_file, node_lines[row], "name")
            .value(name)
            .expected(format!("a unique name (line {} has it already)", node_lines[first])),
        NetworkError::SelfLoop { row, node } => InputError::on_line(edges_file, edge_lines[row], "to")
            .value(node.to_string())
            .expected("a node other than `from`"),
        NetworkError::Disconnected { from, unreachable, example } => InputError::on_line(edges_file, 1, "network")
            .expected(format!("a connected network, but {unreachable} node(s) cannot be reached from {from:?}, e.g. {example:?}")),
        other => InputError::on_line(edges_file, 1, "network").expected(other.to_string()),
    })
}

/// `network/nodes.csv`: the nodes and the line of each.
fn read_nodes(files: &DataFiles) -> Result<(Vec<NodeSpec>, Vec<usize>), InputError> {
    let (nodes_file, nodes_text) = files.get(DataFile::Nodes);
    read_node_table(nodes_file, nodes_text)
}

/// `network/edges.csv`: the two-way segments and the line of each.
fn read_segments(
    files: &DataFiles,
    nodes: &[NodeSpec],
) -> Result<(Vec<EdgeSpec>, Vec<usize>), InputError> {
    let (edges_file, edges_text) = files.get(DataFile::Edges);
    let mut columns = EDGE_COLUMNS.to_vec();
    columns.push("geometry");
    let t = Table::read(edges_file, edges_text, &columns)?;
    let mut segments = Vec::new();
    let mut edge_lines = Vec::new();
    for (line, row) in &t.rows {
        let line = *line;
        let c = edge_cells(&t, line, row, nodes.len())?;
        let (from, to) = (c.from.0, c.to.0);
        let geometry = edge_geometry(&t, line, row, (from, to), nodes)?;
        segments.push(EdgeSpec {
            from: c.from,
            to: c.to,
            road: c.road,
            class: c.class,
            length_m: c.length_m,
            speed_kmh: c.speed_kmh,
            lanes: c.lanes,
            geometry,
        });
        edge_lines.push(line);
    }
    Ok((segments, edge_lines))
}

/// A segment's `geometry` cell: empty, or a WKT line from its `from` node to its `to` node.
fn edge_geometry(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
    (from, to): (u32, u32),
    nodes: &[NodeSpec],
) -> Result<Option<LineString<f64>>, InputError> {
    let geom_raw = t.raw(row, "geometry");
    if geom_raw.is_empty() {
        return Ok(None);
    }
    let ls = parse_linestring(geom_raw).ok_or_else(|| {
        InputError::on_line(&t.file, line, "geometry")
            .value(geom_raw)
            .expected("empty, or WKT `LINESTRING(lon lat, lon lat, ...)` with at least two points")
    })?;
    for (end, node) in [(ls.0[0], from), (*ls.0.last().expect("two points"), to)] {
        let nd = &nodes[node as usize];
        if (end.x - nd.lon).abs() > 0.02 || (end.y - nd.lat).abs() > 0.02 {
            return Err(InputError::on_line(&t.file, line, "geometry")
                .value(geom_raw)
                .expected(format!(
                    "a line that starts at `from` and ends at `to` (node {:?} is at {}, {})",
                    nd.name, nd.lon, nd.lat
                )));
        }
    }
    Ok(Some(ls))
}

/// `network/roads.csv`.
fn read_roads(files: &DataFiles) -> Result<Vec<RoadInfo>, InputError> {
    let (roads_file, roads_text) = files.get(DataFile::Roads);
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
    Ok(roads)
}

/// `traffic/profiles.csv`: speed factors by [day type][road class][hour].
fn read_profiles(files: &DataFiles) -> Result<Factors, InputError> {
    let (prof_file, prof_text) = files.get(DataFile::Profiles);
    read_profile_table(prof_file, prof_text, None)
}

/// `traffic/accidents.csv`: one row per road class.
fn read_accidents(files: &DataFiles) -> Result<[AccidentParams; 4], InputError> {
    let (acc_file, acc_text) = files.get(DataFile::Accidents);
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
        let class = t.class(line, row, "class")?;
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
            return Err(InputError::on_line(&t.file, line, "class")
                .value(class.name())
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
    Ok(acc)
}

/// `calendar/holidays.csv`.
fn read_holidays(files: &DataFiles) -> Result<BTreeMap<NaiveDate, String>, InputError> {
    let (hol_file, hol_text) = files.get(DataFile::Holidays);
    let t = Table::read(hol_file, hol_text, &["date", "name"])?;
    let mut holidays = BTreeMap::new();
    for (line, row) in &t.rows {
        let raw = t.raw(row, "date");
        let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            InputError::on_line(&t.file, *line, "date")
                .value(raw)
                .expected("an ISO date YYYY-MM-DD")
        })?;
        holidays.insert(date, t.raw(row, "name").to_string());
    }
    Ok(holidays)
}

struct DemandSide {
    tolls: sim_core::money::Tolls,
    hourly: [[f64; 24]; 3],
    intercity: Vec<(NodeId, f64)>,
    pet_mix: Vec<(Species, SizeClass, f64, f64, f64)>,
    pet_counts: Vec<(u32, f64)>,
    addons: Vec<AddonOption>,
    partners: Vec<PartnerSpec>,
    climate: [[(f64, f64); 24]; 12],
    physiology: BTreeMap<(Species, SizeClass), Physiology>,
    customers: CustomerModel,
}

fn node_cell(
    t: &Table<'_>,
    net: &RoadNetwork,
    line: usize,
    row: &csv::StringRecord,
    col: &str,
) -> Result<NodeId, InputError> {
    let raw = t.raw(row, col);
    net.node_by_name(raw).ok_or_else(|| {
        InputError::on_line(&t.file, line, col)
            .value(raw)
            .expected("a node name from network/nodes.csv")
            .hint(format!("closest: {}", net.similar_names(raw, 3).join(", ")))
    })
}

fn clock_min(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
    col: &str,
) -> Result<u32, InputError> {
    let raw = t.raw(row, col);
    crate::units::parse_clock(raw)
        .filter(|x| x.as_ms() <= 86_400_000)
        .map(|x| (x.as_ms() / 60_000) as u32)
        .ok_or_else(|| {
            InputError::on_line(&t.file, line, col)
                .value(raw)
                .expected("a time of day HH:MM from 00:00 to 24:00")
        })
}

fn species_cell(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
) -> Result<(Species, SizeClass), InputError> {
    let sp = t.raw(row, "species");
    let species = Species::parse(sp).ok_or_else(|| {
        InputError::on_line(&t.file, line, "species")
            .value(sp)
            .expected("`dog` or `cat`")
    })?;
    let sz = t.raw(row, "size");
    let size = SizeClass::parse(sz).ok_or_else(|| {
        InputError::on_line(&t.file, line, "size")
            .value(sz)
            .expected("`small`, `medium` or `large`")
    })?;
    Ok((species, size))
}

fn check_shares(file: &str, last_line: usize, total: f64) -> Result<(), InputError> {
    if (total - 1.0).abs() > 1e-6 {
        return Err(InputError::on_line(file, last_line, "share")
            .value(format!("{total}"))
            .expected("shares that sum to 1"));
    }
    Ok(())
}

fn load_demand_side(files: &DataFiles, net: &RoadNetwork) -> Result<DemandSide, InputError> {
    let pet_mix = read_pet_mix(files)?;
    Ok(DemandSide {
        tolls: read_tolls(files)?,
        hourly: read_hourly(files)?,
        intercity: read_intercity(files, net)?,
        physiology: read_physiology(files, &pet_mix)?,
        pet_mix,
        pet_counts: read_pet_counts(files)?,
        addons: read_addons(files)?,
        partners: read_partners(files, net)?,
        climate: read_climate(files)?,
        customers: read_customers(files)?,
    })
}

/// `network/tolls.csv`: the expressway toll.
fn read_tolls(files: &DataFiles) -> Result<sim_core::money::Tolls, InputError> {
    let (f, text) = files.get(DataFile::Tolls);
    let t = Table::read(f, text, &["class", "entry_won", "per_km_won"])?;
    let mut tolls = sim_core::money::Tolls::default();
    for (line, row) in &t.rows {
        if t.raw(row, "class") == "expressway" {
            tolls.entry_won = t.parse(
                *line,
                row,
                "entry_won",
                "a whole number of won >= 0",
                |v: &i64| *v >= 0,
            )?;
            // Kept in whole won per 1,000 km: money is integer won.
            let expected = "won per km >= 0 with at most 3 decimals";
            let per_km: f64 = t.parse(*line, row, "per_km_won", expected, |v: &f64| {
                (0.0..1e9).contains(v) && ((v * 1_000.0).round() - v * 1_000.0).abs() < 1e-6
            })?;
            tolls.per_1000km_won = (per_km * 1_000.0).round() as i64;
        }
    }
    Ok(tolls)
}

/// `demand/hourly.csv`: shares of a day's bookings by [day type][hour].
fn read_hourly(files: &DataFiles) -> Result<[[f64; 24]; 3], InputError> {
    let (f, text) = files.get(DataFile::Hourly);
    let t = Table::read(f, text, &["day_type", "hour", "share"])?;
    let mut hourly = [[f64::NAN; 24]; 3];
    for (line, row) in &t.rows {
        let d_raw = t.raw(row, "day_type");
        let day = DayType::parse(d_raw).ok_or_else(|| {
            InputError::on_line(&t.file, *line, "day_type")
                .value(d_raw)
                .expected("one of `weekday`, `weekend`, `holiday`")
        })?;
        let hour: usize = t.parse(*line, row, "hour", "an hour 0 to 23", |v| *v < 24)?;
        hourly[day as usize][hour] = t.share(*line, row)?;
    }
    for d in DayType::ALL {
        if let Some(h) = (0..24).find(|&h| hourly[d as usize][h].is_nan()) {
            return Err(InputError::on_line(f, 1, "hour").expected(format!(
                "a row for every day type and hour; missing {} {h}",
                d.name()
            )));
        }
        check_shares(
            f,
            t.rows.last().map_or(1, |r| r.0),
            hourly[d as usize].iter().sum(),
        )?;
    }
    Ok(hourly)
}

/// `demand/intercity.csv`: destinations of intercity trips and their shares.
fn read_intercity(files: &DataFiles, net: &RoadNetwork) -> Result<Vec<(NodeId, f64)>, InputError> {
    let (f, text) = files.get(DataFile::Intercity);
    let t = Table::read(f, text, &["destination", "share"])?;
    let mut intercity = Vec::new();
    for (line, row) in &t.rows {
        let n = node_cell(&t, net, *line, row, "destination")?;
        intercity.push((n, t.share(*line, row)?));
    }
    check_shares(
        f,
        t.rows.last().map_or(1, |r| r.0),
        intercity.iter().map(|x| x.1).sum(),
    )?;
    Ok(intercity)
}

/// A row of `demand/pets.csv`: (species, size, share, lightest kg, heaviest kg).
type PetMixRow = (Species, SizeClass, f64, f64, f64);

/// `demand/pets.csv`.
fn read_pet_mix(files: &DataFiles) -> Result<Vec<PetMixRow>, InputError> {
    let (f, text) = files.get(DataFile::Pets);
    let t = Table::read(
        f,
        text,
        &["species", "size", "share", "weight_min_kg", "weight_max_kg"],
    )?;
    let mut pet_mix = Vec::new();
    for (line, row) in &t.rows {
        let (species, size) = species_cell(&t, *line, row)?;
        let share = t.share(*line, row)?;
        let lo: f64 = t.parse(
            *line,
            row,
            "weight_min_kg",
            "a weight in kg above 0",
            |v: &f64| *v > 0.0,
        )?;
        let hi: f64 = t.parse(
            *line,
            row,
            "weight_max_kg",
            "a weight in kg not below weight_min_kg",
            |v: &f64| *v >= lo,
        )?;
        pet_mix.push((species, size, share, lo, hi));
    }
    check_shares(
        f,
        t.rows.last().map_or(1, |r| r.0),
        pet_mix.iter().map(|x| x.2).sum(),
    )?;
    Ok(pet_mix)
}

/// `demand/pet_counts.csv`: pets per booking and their shares.
fn read_pet_counts(files: &DataFiles) -> Result<Vec<(u32, f64)>, InputError> {
    let (f, text) = files.get(DataFile::PetCounts);
    let t = Table::read(f, text, &["count", "share"])?;
    let mut pet_counts = Vec::new();
    for (line, row) in &t.rows {
        pet_counts.push((
            t.parse(
                *line,
                row,
                "count",
                "a number of pets from 1 to 4",
                |v: &u32| (1..=4).contains(v),
            )?,
            t.share(*line, row)?,
        ));
    }
    check_shares(
        f,
        t.rows.last().map_or(1, |r| r.0),
        pet_counts.iter().map(|x| x.1).sum(),
    )?;
    Ok(pet_counts)
}

/// `demand/addons.csv`: the services booked with a ride.
fn read_addons(files: &DataFiles) -> Result<Vec<AddonOption>, InputError> {
    let (f, text) = files.get(DataFile::Addons);
    let t = Table::read(
        f,
        text,
        &["service", "share", "partner_kind", "service_min"],
    )?;
    let mut addons = Vec::new();
    for (line, row) in &t.rows {
        let raw = t.raw(row, "service");
        let addon = match raw {
            "none" => None,
            "vet_visit" => Some(Addon::VetVisit),
            "grooming" => Some(Addon::Grooming),
            "hotel_stay" => Some(Addon::HotelStay),
            _ => {
                return Err(InputError::on_line(&t.file, *line, "service")
                    .value(raw)
                    .expected("one of `none`, `vet_visit`, `grooming`, `hotel_stay`"))
            }
        };
        let kind_raw = t.raw(row, "partner_kind");
        let partner_kind = match kind_raw {
            "" => None,
            k => Some(parse_partner_kind(k).ok_or_else(|| {
                InputError::on_line(&t.file, *line, "partner_kind")
                    .value(k)
                    .expected("`vet`, `groomer`, `hotel` or empty")
            })?),
        };
        if addon.is_some() != partner_kind.is_some() {
            return Err(InputError::on_line(&t.file, *line, "partner_kind")
                .value(kind_raw)
                .expected("a partner kind for every service but `none`, and none for `none`"));
        }
        addons.push(AddonOption {
            addon,
            share: t.share(*line, row)?,
            partner_kind,
            service: SimDuration::from_mins(t.parse(
                *line,
                row,
                "service_min",
                "whole minutes from 0 to 1440",
                |v: &u64| *v <= 1_440,
            )?),
        });
    }
    check_shares(
        f,
        t.rows.last().map_or(1, |r| r.0),
        addons.iter().map(|x| x.share).sum(),
    )?;
    Ok(addons)
}

/// `partners.csv`.
fn read_partners(files: &DataFiles, net: &RoadNetwork) -> Result<Vec<PartnerSpec>, InputError> {
    let (f, text) = files.get(DataFile::Partners);
    let t = Table::read(
        f,
        text,
        &["name", "kind", "node", "capacity", "opens", "closes"],
    )?;
    let mut partners = Vec::new();
    for (line, row) in &t.rows {
        let k = t.raw(row, "kind");
        partners.push(PartnerSpec {
            name: t.raw(row, "name").to_string(),
            kind: parse_partner_kind(k).ok_or_else(|| {
                InputError::on_line(&t.file, *line, "kind")
                    .value(k)
                    .expected("`vet`, `groomer` or `hotel`")
            })?,
            node: node_cell(&t, net, *line, row, "node")?,
            capacity: t.parse(
                *line,
                row,
                "capacity",
                "a whole number of pets from 1 to 1000",
                |v: &u32| (1..=1_000).contains(v),
            )?,
            opens_min: clock_min(&t, *line, row, "opens")?,
            closes_min: clock_min(&t, *line, row, "closes")?,
        });
    }
    Ok(partners)
}

/// `weather/seoul_climate.csv`: (temperature, humidity) by [month][hour].
fn read_climate(files: &DataFiles) -> Result<[[(f64, f64); 24]; 12], InputError> {
    let (f, text) = files.get(DataFile::Climate);
    let t = Table::read(f, text, &["month", "hour", "temp_c", "rel_humidity_pct"])?;
    let mut climate = [[(f64::NAN, f64::NAN); 24]; 12];
    for (line, row) in &t.rows {
        let m: usize = t.parse(*line, row, "month", "a month 1 to 12", |v| {
            (1..=12).contains(v)
        })?;
        let h: usize = t.parse(*line, row, "hour", "an hour 0 to 23", |v| *v < 24)?;
        climate[m - 1][h] = (
            t.parse(
                *line,
                row,
                "temp_c",
                "a temperature from -40 to 50 C",
                |v: &f64| (-40.0..=50.0).contains(v),
            )?,
            t.parse(
                *line,
                row,
                "rel_humidity_pct",
                "a humidity from 0 to 100 %",
                |v: &f64| (0.0..=100.0).contains(v),
            )?,
        );
    }
    if climate.iter().flatten().any(|c| c.0.is_nan()) {
        return Err(InputError::on_line(f, 1, "hour")
            .expected("a row for every month (1-12) and hour (0-23)"));
    }
    Ok(climate)
}

/// `pets/physiology.csv`: a row for every species and size of the pet mix.
fn read_physiology(
    files: &DataFiles,
    pet_mix: &[PetMixRow],
) -> Result<BTreeMap<(Species, SizeClass), Physiology>, InputError> {
    let (f, text) = files.get(DataFile::Physiology);
    let t = Table::read(
        f,
        text,
        &[
            "species",
            "size",
            "resting_hr_bpm",
            "max_hr_bpm",
            "comfort_temp_min_c",
            "comfort_temp_max_c",
            "heat_warning_c",
            "heat_critical_c",
            "rest_interval_min",
        ],
    )?;
    let mut physiology = BTreeMap::new();
    for (line, row) in &t.rows {
        let key = species_cell(&t, *line, row)?;
        let bpm = |c: &str| {
            t.parse(
                *line,
                row,
                c,
                "a heart rate from 20 to 400 bpm",
                |v: &f64| (20.0..=400.0).contains(v),
            )
        };
        let temp = |c: &str| {
            t.parse(
                *line,
                row,
                c,
                "a temperature from -20 to 50 C",
                |v: &f64| (-20.0..=50.0).contains(v),
            )
        };
        let rest: u64 = t.parse(
            *line,
            row,
            "rest_interval_min",
            "whole minutes (0 = no rest stops)",
            |v: &u64| *v <= 1_440,
        )?;
        physiology.insert(
            key,
            Physiology {
                resting_hr_bpm: bpm("resting_hr_bpm")?,
                max_hr_bpm: bpm("max_hr_bpm")?,
                comfort_min_c: temp("comfort_temp_min_c")?,
                comfort_max_c: temp("comfort_temp_max_c")?,
                heat_warning_c: temp("heat_warning_c")?,
                heat_critical_c: temp("heat_critical_c")?,
                rest_interval: (rest > 0).then(|| SimDuration::from_mins(rest)),
            },
        );
    }
    for m in pet_mix {
        if !physiology.contains_key(&(m.0, m.1)) {
            return Err(InputError::on_line(f, 1, "species").expected(format!(
                "a row for every species and size of demand/pets.csv; missing {} {}",
                m.0.name(),
                m.1.name()
            )));
        }
    }
    Ok(physiology)
}

/// `customers.toml`: the behaviour model.
fn read_customers(files: &DataFiles) -> Result<CustomerModel, InputError> {
    let (f, text) = files.get(DataFile::Customers);
    let src = crate::located::Source {
        label: f.to_string(),
        text: text.to_string(),
    };
    let c: CustomersFile = crate::located::parse_toml(&src)?;
    let customers = CustomerModel {
        accept_midpoint: c.acceptance.midpoint,
        accept_scale: c.acceptance.scale,
        auto_approve_won: c.requote.auto_approve_won,
        approve_midpoint: c.requote.approve_midpoint,
        approve_scale: c.requote.approve_scale,
        patience_median_min: c.patience.median_min,
        patience_sigma: c.patience.sigma,
        stale_after: SimDuration::from_secs_f64(c.support.stale_after_min * 60.0),
        call_prob: c.support.call_prob,
        always_accept: false,
        patient: false,
    };
    Ok(customers)
}

fn parse_partner_kind(s: &str) -> Option<PartnerKind> {
    match s {
        "vet" => Some(PartnerKind::Vet),
        "groomer" => Some(PartnerKind::Groomer),
        "hotel" => Some(PartnerKind::Hotel),
        _ => None,
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomersFile {
    acceptance: Acceptance,
    requote: RequoteParams,
    patience: Patience,
    support: Support,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Acceptance {
    midpoint: f64,
    scale: f64,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequoteParams {
    auto_approve_won: i64,
    approve_midpoint: f64,
    approve_scale: f64,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Patience {
    median_min: f64,
    sigma: f64,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Support {
    stale_after_min: f64,
    call_prob: f64,
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
