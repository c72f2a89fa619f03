//! The actors of the model. Each owns its state and calls the plain logic in
//! [`crate::traffic`] and [`crate::world`].

pub mod traffic;
pub mod vehicle;

pub use traffic::TrafficActor;
pub use vehicle::{Vehicle, VehicleConfig};
