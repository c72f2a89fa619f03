//! The actors of the model. Each owns its state and calls the plain logic in
//! [`crate::traffic`], [`crate::world`], [`crate::fare`], [`crate::booking`] and
//! [`crate::welfare`].

pub mod customer;
pub mod dispatcher;
pub mod fleet;
pub mod msg;
pub mod notifier;
pub mod partner;
pub mod pet;
pub mod service;
pub mod settlement;
pub mod traffic;
pub mod vehicle;

pub use crate::welfare::Climate;
pub use customer::msg::CustomerMsg;
pub use customer::{Customer, CustomerModel, Demand};
pub use dispatcher::msg::DispatcherMsg;
pub use dispatcher::{DispatchConfig, Dispatcher};
pub use fleet::{FleetContext, Shift, VehicleConfig};
pub use msg::{Misrouted, Msg};
pub use notifier::msg::{NoticeRequest, NotifierMsg};
pub use notifier::{Notifier, NotifierConfig};
pub use partner::msg::{PartnerMsg, ServiceReply};
pub use partner::Partner;
pub use partner::{PartnerInfo, PartnerKind};
pub use pet::msg::PetMsg;
pub use pet::Pet;
pub use service::{ServiceActor, ServiceMsg};
pub use settlement::msg::SettlementMsg;
pub use settlement::SettlementActor;
pub use traffic::msg::TrafficMsg;
pub use traffic::TrafficActor;
pub use vehicle::msg::VehicleMsg;
pub use vehicle::Vehicle;
