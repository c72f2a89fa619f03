//! The notification gateway's logic, plain and testable: channels as plug-ins
//! ([`channel`]), providers with latency, failures, rate limits and outages ([`provider`]),
//! and the delivery state machine with failover, fallback, retries, deadlines, dead
//! letters and idempotency ([`gateway`]). The notifier actor
//! ([`crate::actors::notifier`]) drives it.

pub mod channel;
pub mod gateway;
pub mod notice;
pub mod provider;
#[cfg(test)]
mod tests;

pub use channel::{Channel, Channels, Recipient};
pub use gateway::{Counts, Effects, Final, Gateway, GatewayError, Notice, Outcome, Policy, Wake};
pub use notice::{Facts, NoticeKind, Reach};
pub use provider::{Answer, Bucket, ErrorClass, Outage, ProviderSpec};
