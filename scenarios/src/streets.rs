//! The street-level Seoul network, `data/networks/seoul-streets/` (built by
//! `data/tools/build_seoul_streets.py`; sources and rules in data/README.md): Seoul's MOLIT
//! standard node-link roads joined to the intercity expressways at their interchanges, with
//! hourly speed factors for its classes from the city's traffic data.
//!
//! Node names: a street node is named by its MOLIT id; the node nearest each district's
//! centroid carries the district's name, the one nearest City Hall is `Seoul`, and the
//! Gyeongbu's north end is `Hannam IC`, so every place the coarse network names exists here.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_core::ids::NodeId;
use sim_core::sim::PartnerSpec;
use sim_core::traffic::Profiles;
use sim_core::world::{NetworkError, RoadNetwork, World};

use crate::error::InputError;
use crate::readers::{self, Factors};
use crate::table::Table;

/// The directory under `data/`.
pub const DIR: &str = "networks/seoul-streets";

/// The street network and what the data says about places on it.
#[derive(Debug)]
pub struct Streets {
    /// The network.
    pub world: Arc<World>,
    /// The bundled profiles with the street classes' hourly factors in place.
    pub profiles: Profiles,
    /// Each node's district (`None` outside Seoul).
    pub district: Vec<Option<Arc<str>>>,
    /// The partners, each at a street node of its district.
    pub partners: Vec<PartnerSpec>,
    /// Intercity destinations and weights, on this network's nodes.
    pub intercity: Vec<(NodeId, f64)>,
}

/// What the street network is placed against: the bundled data's profiles, district network,
/// partners and intercity destinations.
pub struct Base<'a> {
    /// Hourly speed factors of every class.
    pub factors: &'a Factors,
    /// The district network (where partners and destinations are named).
    pub coarse: &'a RoadNetwork,
    /// Partners on the district network.
    pub partners: &'a [PartnerSpec],
    /// Intercity destinations on the district network.
    pub intercity: &'a [(NodeId, f64)],
}

/// A data file by its path under `data/` (as `DataFiles::extra` gives it).
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Option<Result<(String, String), String>>;

/// Reads `data/networks/seoul-streets/` and places the data's partners and destinations on it.
pub fn load(files: ReadFile<'_>, base: &Base<'_>) -> Result<Streets, InputError> {
    // A file of the directory: `None` if absent, an error if present but unreadable.
    let read_if_there = |name: &str| -> Result<Option<(String, String)>, InputError> {
        let rel = format!("{DIR}/{name}");
        files(&rel).transpose().map_err(|e| {
            InputError::at(&rel, "", None, "file")
                .value(rel.clone())
                .expected(format!("a readable UTF-8 text file ({e})"))
        })
    };
    let read = |name: &str| -> Result<(String, String), InputError> {
        read_if_there(name)?.ok_or_else(|| {
            let rel = format!("{DIR}/{name}");
            InputError::at(&rel, "", None, "file")
                .value(rel.clone())
                .expected("the street network's file (data/networks/seoul-streets)")
                .hint("copy data/networks/seoul-streets into the data directory, or run the scenario with network = \"districts\"")
        })
    };
    let (nodes_file, nodes_text) = read("nodes.csv")?;
    let (edges_file, edges_text) = read("edges.csv")?;
    let (prof_file, prof_text) = read("profiles.csv")?;
    let mut columns = readers::NODE_COLUMNS.to_vec();
    columns.push("district");
    let node_table = Table::read(&nodes_file, &nodes_text, &columns)?;
    let (nodes, _) = readers::node_rows(&node_table)?;
    let district = districts(&node_table);
    let t = Table::read(&edges_file, &edges_text, &readers::EDGE_COLUMNS)?;
    let mut edges = Vec::with_capacity(t.rows.len());
    let mut lines = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        edges.push(readers::edge_cells(&t, *line, row, nodes.len())?);
        lines.push(*line);
    }
    let net = RoadNetwork::build_directed(nodes, edges)
        .map_err(|e| network_error(e, &edges_file, &lines))?;
    let factors = readers::read_profile_table(&prof_file, &prof_text, Some(base.factors))?;
    let partners = place_partners(base.coarse, &net, &district, base.partners)?;
    let intercity = (base.intercity.iter())
        .filter_map(|&(n, w)| net.node_by_name(&base.coarse.node(n).name).map(|m| (m, w)))
        .collect();
    // The hierarchies' node order, saved beside the network (optional: without it the
    // first hierarchy of a run computes it, about 0.2 s).
    let order = match read_if_there(crate::import::ORDER_FILE)? {
        Some((label, text)) => Some(crate::import::read_order(
            &label,
            &text,
            net.routing_nodes(),
        )?),
        None => None,
    };
    let world = match order {
        Some(order) => World::new(net).with_ch_order(order),
        None => World::new(net),
    };
    Ok(Streets {
        world: Arc::new(world),
        profiles: Profiles { factors },
        district,
        partners,
        intercity,
    })
}

fn network_error(e: NetworkError, file: &str, lines: &[usize]) -> InputError {
    match e {
        NetworkError::DuplicateName { name, .. } => InputError::on_line(file, 1, "name")
            .value(name)
            .expected("unique node names"),
        NetworkError::SelfLoop { row, node } => {
            InputError::on_line(file, lines.get(row).copied().unwrap_or(1), "to")
                .value(node.to_string())
                .expected("a node other than `from`")
        }
        other => InputError::on_line(file, 1, "network").expected(other.to_string()),
    }
}

/// The `district` column: a district name, or empty outside Seoul.
fn districts(t: &Table<'_>) -> Vec<Option<Arc<str>>> {
    let mut names: BTreeMap<&str, Arc<str>> = BTreeMap::new();
    (t.rows.iter())
        .map(|(_, row)| {
            let raw = t.raw(row, "district");
            (!raw.is_empty()).then(|| names.entry(raw).or_insert_with(|| raw.into()).clone())
        })
        .collect()
}

/// FNV-1a, 64 bits: a stable hash of a name (the same on every machine and build).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The partners' rule: the data gives each partner's district, not its address, so a partner
/// sits at the street node of its district that the FNV-1a hash of its name picks (stable
/// when other partners are added or reordered). Partners named at another place (a city)
/// keep the node of that name.
fn place_partners(
    coarse: &RoadNetwork,
    net: &RoadNetwork,
    district: &[Option<Arc<str>>],
    partners: &[PartnerSpec],
) -> Result<Vec<PartnerSpec>, InputError> {
    let mut members: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
    for n in net.nodes() {
        if let Some(d) = &district[n.id.index()] {
            if n.kind != sim_core::world::NodeKind::City {
                members.entry(d).or_default().push(n.id);
            }
        }
    }
    partners
        .iter()
        .map(|p| {
            let place = coarse.node(p.node).name.as_str();
            let node = match members.get(place) {
                Some(m) if m.len() > 1 => m[(fnv1a(&p.name) % m.len() as u64) as usize],
                _ => net.node_by_name(place).ok_or_else(|| {
                    InputError::at("partners.csv", "", None, "node")
                        .value(place)
                        .expected(format!("a place the street network ({DIR}) also has"))
                })?,
            };
            Ok(PartnerSpec { node, ..p.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors of the FNV specification (draft-eastlake-fnv).
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }
}
