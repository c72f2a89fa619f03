//! Back ends with finite capacity: the booking API, the notification dispatcher and the
//! settlement processor as services of instances and workers behind a balancer, with
//! bounded queues, overflow policies, faults and scaling strategies, for architects'
//! load tests.
//!
//! - [`spec`]: a service as data ([`ServiceSpec`]).
//! - [`pool`]: one service running ([`Pool`]): the rules of admission, overflow,
//!   balancing, retries, faults and scaling live there.
//! - [`stats`]: per-minute rows and run totals; [`hist`]: the latency histogram.
//! - [`load`]: the API-level load mode ([`LoadRun`]): orders far above what the vans
//!   could serve, straight into the services.
//!
//! In a fleet run the service actor ([`crate::actors::service`]) puts a pool in front of
//! the dispatcher, the notifier or the settlement service: their messages queue for a
//! worker before the business logic sees them.

pub mod hist;
pub mod load;
pub mod pool;
pub mod spec;
pub mod stats;
#[cfg(test)]
mod tests;

pub use load::{Burst, LoadRun, LoadSpec};
pub use pool::{Fx, Pool, Req, Wake};
pub use spec::{
    Autoscale, Balancer, Client, Dist, Fault, Kind, Metric, Overflow, Role, Scaling, ServiceSpec,
};
pub use stats::{MinuteRow, Totals};
