//! Benchmarks of PetFleet Twin (criterion): `engine` (events/s of the actix host and the
//! reference loop on the same synthetic load, and on the default scenario), `routing`
//! (queries/s on the bundled and the imported network) and `dispatch` (insertions/s of the
//! indexed search against the exhaustive one). Run with `cargo bench -p petfleet-benches`.
//! This library holds what the benchmarks share.

use std::sync::Arc;

use scenarios::data::DataFiles;
use sim_core::world::World;

/// The FleetPy example network (7,617 nodes) as `petfleet` imports it: the world of the
/// catalogue scenario `fleetpy-hail-400-20`, resolved the way a run resolves it.
pub fn imported_world() -> Arc<World> {
    let src = scenarios::catalog::get("fleetpy-hail-400-20").expect("catalogued");
    let files = DataFiles::bundled();
    let data = scenarios::data::load(&files).expect("bundled data");
    let scenario = scenarios::scenario::parse(&src).expect("scenario");
    let resolved =
        scenarios::scenario::resolve(&src, scenario, &data, &files, None, None).expect("resolved");
    resolved.spec.world
}
