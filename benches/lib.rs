//! Benchmarks of PetFleet Twin (criterion): `engine` (events/s of the actix host and the
//! reference loop on the same synthetic load, and on the default scenario), `routing`
//! (queries/s on the bundled and the imported network) and `dispatch` (insertions/s of the
//! indexed search against the exhaustive one). Run with `cargo bench -p petfleet-benches`.
//! This library holds what the benchmarks share.

use std::sync::Arc;

use scenarios::data::DataFiles;
use sim_core::world::World;

/// The FleetPy example network (7,617 nodes) as `petfleet` imports it.
pub fn imported_world() -> Arc<World> {
    use scenarios::import::{network, Crs, NetworkFiles};
    let files = DataFiles::bundled();
    let get = |f: &str| {
        files
            .extra(&format!("networks/fleetpy-example/{f}"))
            .expect("bundled")
            .expect("readable")
    };
    let nf = NetworkFiles {
        nodes: get("nodes.csv"),
        edges: get("edges.csv"),
        order: None,
    };
    let crs = Crs::parse(&get("crs.info").1).expect("crs");
    network(&nf, crs, sim_core::world::RoadClass::Arterial)
        .expect("imported network")
        .0
}
