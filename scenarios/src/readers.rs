//! Readers shared by the bundled data files and the street network's: a nodes file, the
//! cells of an edges row, a profiles file. Every bad cell is located.

use sim_core::ids::NodeId;
use sim_core::traffic::DayType;
use sim_core::world::{DirectedEdgeSpec, NodeKind, NodeSpec, RoadClass};

use crate::error::InputError;
use crate::table::Table;

/// The columns every nodes file has (more are allowed).
pub(crate) const NODE_COLUMNS: [&str; 6] = ["id", "name", "lat", "lon", "kind", "population"];

/// The columns every edges file has (more are allowed), read by [`edge_cells`].
pub(crate) const EDGE_COLUMNS: [&str; 7] = [
    "from",
    "to",
    "road",
    "class",
    "length_m",
    "speed_kmh",
    "lanes",
];

/// A nodes file of the bundled layout ([`NODE_COLUMNS`]): the nodes and the line of each.
pub(crate) fn read_node_table(
    nodes_file: &str,
    nodes_text: &str,
) -> Result<(Vec<NodeSpec>, Vec<usize>), InputError> {
    node_rows(&Table::read(nodes_file, nodes_text, &NODE_COLUMNS)?)
}

/// The nodes of a nodes table read with at least [`NODE_COLUMNS`], and the line of each.
pub(crate) fn node_rows(t: &Table<'_>) -> Result<(Vec<NodeSpec>, Vec<usize>), InputError> {
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
            return Err(InputError::on_line(&t.file, line, "name")
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
            InputError::on_line(&t.file, line, "kind")
                .value(kind_raw)
                .expected("one of `city`, `junction`, `district`, `street`")
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
            stop_only: false,
        });
        node_lines.push(line);
    }
    Ok((nodes, node_lines))
}

/// The cells every edges file has (`from,to,road,class,length_m,speed_kmh,lanes`), checked.
pub(crate) fn edge_cells(
    t: &Table<'_>,
    line: usize,
    row: &csv::StringRecord,
    nodes: usize,
) -> Result<DirectedEdgeSpec, InputError> {
    let n = nodes as u32;
    let node_expected = format!("a node id from nodes.csv (0 to {})", n.saturating_sub(1));
    let from: u32 = t.parse(line, row, "from", &node_expected, |v| *v < n)?;
    let to: u32 = t.parse(line, row, "to", &node_expected, |v| *v < n)?;
    let road = t.raw(row, "road");
    if road.is_empty() {
        return Err(InputError::on_line(&t.file, line, "road")
            .value("")
            .expected("a road name"));
    }
    let class = t.class(line, row, "class")?;
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
    Ok(DirectedEdgeSpec {
        from: NodeId(from),
        to: NodeId(to),
        road: road.to_string(),
        class,
        length_m,
        speed_kmh,
        lanes,
    })
}

/// Speed factors by [day type][road class][hour].
pub(crate) type Factors = [[[f64; 24]; 4]; 3];

/// A profiles file (`day_type,class,hour,factor`): every (day type, class, hour) once, or,
/// over a `base`, the rows that replace the base's.
pub(crate) fn read_profile_table(
    prof_file: &str,
    prof_text: &str,
    base: Option<&Factors>,
) -> Result<Factors, InputError> {
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
            InputError::on_line(&t.file, line, "day_type")
                .value(d_raw)
                .expected("one of `weekday`, `weekend`, `holiday`")
        })?;
        let class = t.class(line, row, "class")?;
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
            return Err(InputError::on_line(&t.file, line, "hour")
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
            for h in 0..24 {
                let slot = &mut factors[d as usize][c.index()][h];
                match base {
                    Some(b) if slot.is_nan() => *slot = b[d as usize][c.index()][h],
                    None if slot.is_nan() => {
                        return Err(InputError::on_line(
                            prof_file,
                            t.rows.last().map_or(1, |r| r.0),
                            "hour",
                        )
                        .expected(format!(
                            "a row for every (day_type, class, hour 0-23); missing {} {} {h}",
                            d.name(),
                            c.name()
                        )))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(factors)
}
