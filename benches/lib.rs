//! Benchmarks of PetFleet Twin (criterion): `engine` (events/s of the actix host and the
//! reference loop on the same synthetic load, and on the default scenario) and `routing`
//! (queries/s on the bundled network). Run with `cargo bench -p petfleet-benches`.
