//! Cross-crate integration tests, one binary with a module per topic.

mod bad_input;
mod determinism;
mod dispatch;
mod golden;
mod import;
mod notifier;
mod queueing;
mod report;
mod reproduce;
mod routing;
mod scenario;
mod streets;
mod traffic;
mod welfare;
