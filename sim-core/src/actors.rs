//! The actors of the model. Each owns its state and calls the plain logic in
//! [`crate::traffic`], [`crate::world`], [`crate::fare`], [`crate::booking`] and
//! [`crate::welfare`].

pub mod customer;
pub mod dispatcher;
pub mod fleet;
pub mod notifier;
pub mod partner;
pub mod pet;
pub mod settlement;
pub mod traffic;
pub mod vehicle;

pub use crate::welfare::Climate;
pub use customer::{Customer, CustomerModel, Demand};
pub use dispatcher::{DispatchConfig, Dispatcher};
pub use fleet::{FleetContext, Shift, VehicleConfig};
pub use notifier::{Notifier, NotifierConfig};
pub use partner::Partner;
pub use partner::{PartnerInfo, PartnerKind};
pub use pet::Pet;
pub use settlement::SettlementActor;
pub use traffic::TrafficActor;
pub use vehicle::Vehicle;
