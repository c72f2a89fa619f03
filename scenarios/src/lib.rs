//! # scenarios: scenario files, data loaders, output writers and the `petfleet` CLI
//!
//! ```text
//!  data/ (CSV) ──▶ data::load ──▶ World, profiles, accident rates, holidays
//!  scenario.toml ─▶ scenario::parse ─▶ scenario::resolve ─▶ sim_core::sim::SimSpec
//!                                                  │
//!                              sim_core::sim::build ▼ engine.run(host) ──▶ output::CsvOutputs
//!                                                                          (trips, positions,
//!                                                                           incidents, reroutes,
//!                                                                           events, manifest)
//! ```
//!
//! Errors in scenarios and data are [`error::InputError`]s: file, line, column, field,
//! value, and what was expected.

#![expect(
    clippy::result_large_err,
    reason = "input errors carry their full location; they are rare and end the program"
)]

pub mod catalog;
pub mod data;
pub mod delays_file;
pub mod error;
pub mod feed;
pub mod import;
pub mod inspect;
pub mod knee;
pub mod learn;
pub mod loadtest;
pub mod located;
pub mod notify_data;
pub mod output;
pub mod overrides;
pub(crate) mod readers;
pub mod recommend;
pub mod reopen;
pub mod report;
pub mod reproduce;
pub mod run;
pub mod scenario;
pub mod services_out;
pub mod settle_data;
pub mod slo;
pub mod streets;
pub mod sweep;
pub(crate) mod table;
pub mod tariff;
pub mod timeline;
pub mod twin;
pub mod units;
pub mod validate;
