//! The sections that bring users' own files: `[network]`, `[requests]` and
//! `[vehicles] start_nodes`. Paths are relative to the scenario file, or `data:PATH` under
//! the data directory (the bundled copy, or `--data DIR`).

use std::path::PathBuf;
use std::sync::Arc;

use sim_core::ids::NodeId;
use sim_core::rng::ActorKind;
use sim_core::sim::{HouseholdSpec, ScriptedBooking};
use sim_core::time::SimDuration;
use sim_core::traffic::Profiles;
use sim_core::world::{RoadClass, World};

use super::{draw_pets, NetworkSection, RequestsSection};
use crate::data::{Data, DataFiles};
use crate::error::{did_you_mean, InputError};
use crate::import::{self, Crs, NetworkFiles, NodeIndex};
use crate::located::{Locator, PathKey};

/// Where a scenario's file references are read from.
pub(crate) struct RefFiles<'a> {
    /// The data directory (`data:` paths).
    pub data: &'a DataFiles,
    /// The scenario file's directory (other relative paths); the working directory for
    /// catalogue scenarios.
    pub dir: Option<PathBuf>,
}

impl RefFiles<'_> {
    /// Reads the file `raw` names (the scenario field at `path`): (label, text).
    pub fn read(
        &self,
        loc: &Locator<'_>,
        path: &[PathKey<'_>],
        raw: &str,
    ) -> Result<(String, String), InputError> {
        if let Some(rel) = raw.strip_prefix("data:") {
            return match self.data.extra(rel.trim_start_matches('/')) {
                Some(Ok(found)) => Ok(found),
                Some(Err(e)) => Err(loc.err(path, raw, format!("a readable file ({e})"))),
                None => {
                    let mut e = loc.err(path, raw, "a file under the data directory");
                    let names = crate::data::EXTRA.iter().map(|(p, _)| *p);
                    if let Some(h) = did_you_mean(rel, names) {
                        e = e.hint(h);
                    }
                    Err(e)
                }
            };
        }
        let p = match &self.dir {
            Some(d) => d.join(raw),
            None => PathBuf::from(raw),
        };
        std::fs::read_to_string(&p)
            .map(|t| (p.display().to_string(), t))
            .map_err(|e| loc.err(path, raw, format!("a readable file ({}: {e})", p.display())))
    }

    /// Whether a file `raw` names exists.
    fn exists(&self, raw: &str) -> bool {
        match raw.strip_prefix("data:") {
            Some(rel) => self.data.extra(rel.trim_start_matches('/')).is_some(),
            None => self
                .dir
                .as_ref()
                .map_or(PathBuf::from(raw), |d| d.join(raw))
                .exists(),
        }
    }
}

/// An imported network, its node index and its profiles.
pub(crate) struct Imported {
    pub world: Arc<World>,
    pub index: NodeIndex,
    /// Hourly speed factors for every class (flat: the edges' own times all day).
    pub profiles: Profiles,
}

/// Resolves `[network]`.
pub(crate) fn network(
    loc: &Locator<'_>,
    files: &RefFiles<'_>,
    n: &NetworkSection,
) -> Result<Imported, InputError> {
    use PathKey::Key as K;
    let dir = n.dir.trim_end_matches('/');
    let nodes = files.read(loc, &[K("network"), K("dir")], &format!("{dir}/nodes.csv"))?;
    let edges = files.read(loc, &[K("network"), K("dir")], &format!("{dir}/edges.csv"))?;
    let crs = match &n.crs {
        Some(c) => Crs::parse(c).ok_or_else(|| {
            loc.err(
                &[K("network"), K("crs")],
                c,
                "`EPSG:326NN` or `EPSG:327NN` (UTM zone NN north or south) or `EPSG:4326`",
            )
        })?,
        None => {
            let info = format!("{dir}/crs.info");
            if !files.exists(&info) {
                return Err(loc.err(
                    &[K("network"), K("dir")],
                    &n.dir,
                    "a crs.info file beside nodes.csv, or `crs = \"EPSG:...\"` in [network]",
                ));
            }
            let (label, text) = files.read(loc, &[K("network"), K("dir")], &info)?;
            Crs::parse(&text).ok_or_else(|| {
                InputError::on_line(&label, 1, "crs")
                    .value(text.trim())
                    .expected("`EPSG:326NN`, `EPSG:327NN` or `EPSG:4326`")
            })?
        }
    };
    let class = RoadClass::parse(&n.road_class).ok_or_else(|| {
        loc.err(
            &[K("network"), K("road_class")],
            &n.road_class,
            "`expressway`, `urban_expressway`, `arterial` or `connector`",
        )
    })?;
    let order_file = format!("{dir}/{}", import::ORDER_FILE);
    let order = if files.exists(&order_file) {
        Some(files.read(loc, &[K("network"), K("dir")], &order_file)?)
    } else {
        None
    };
    let nf = NetworkFiles {
        nodes,
        edges,
        order,
    };
    let (world, index) = import::network(&nf, crs, class)?;
    let mut profiles = Profiles::flat();
    if let Some(f) = &n.hourly_factors {
        let (label, text) = files.read(loc, &[K("network"), K("hourly_factors")], f)?;
        let factors = import::hourly_factors(&label, &text)?;
        for (day, hours) in factors.iter().enumerate() {
            for class in 0..4 {
                profiles.factors[day][class] = *hours;
            }
        }
    }
    Ok(Imported {
        world,
        index,
        profiles,
    })
}

/// The node index for imported files: the imported network's, or the bundled network's
/// row ids.
pub(crate) fn index_of(world: &World, imported: Option<&Imported>) -> NodeIndex {
    match imported {
        Some(i) => i.index.clone(),
        None => world
            .net
            .nodes()
            .iter()
            .map(|n| (u64::from(n.id.0), n.id))
            .collect(),
    }
}

/// Resolves `[requests]` into one household (at the request's start, with pets drawn from
/// the pet mix) and one scripted booking per request.
#[expect(
    clippy::too_many_arguments,
    reason = "the resolver's context, passed through"
)]
pub(crate) fn requests(
    loc: &Locator<'_>,
    files: &RefFiles<'_>,
    r: &RequestsSection,
    index: &NodeIndex,
    world: &World,
    step: Option<SimDuration>,
    data: &Data,
    seed: u64,
    first_household: usize,
) -> Result<(Vec<HouseholdSpec>, Vec<ScriptedBooking>), InputError> {
    use PathKey::Key as K;
    let (label, text) = files.read(loc, &[K("requests"), K("file")], &r.file)?;
    let rows = import::requests(&label, &text, index, world, step)?;
    let mut rng = sim_core::rng::actor_rng(seed, ActorKind::Population, 1);
    let mut households = Vec::with_capacity(rows.len());
    let mut scripted = Vec::with_capacity(rows.len());
    for (k, q) in rows.iter().enumerate() {
        scripted.push(ScriptedBooking {
            at: q.at,
            pickup_after: q.pickup_after,
            household: first_household + k,
            dropoff: q.end,
            addon: None,
            vehicle: None,
        });
        households.push(HouseholdSpec {
            home: q.start,
            pets: draw_pets(&mut rng, data, q.pets),
            random_demand: false,
        });
    }
    Ok((households, scripted))
}

/// Resolves `[vehicles] start_nodes`: one node per vehicle.
pub(crate) fn start_nodes(
    loc: &Locator<'_>,
    files: &RefFiles<'_>,
    raw: &str,
    index: &NodeIndex,
    world: &World,
) -> Result<Vec<NodeId>, InputError> {
    use PathKey::Key as K;
    let (label, text) = files.read(loc, &[K("vehicles"), K("start_nodes")], raw)?;
    import::start_nodes(&label, &text, index, world)
}
