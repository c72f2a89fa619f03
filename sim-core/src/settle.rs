//! Settlement, plain and testable: a double-entry [`ledger`] in integer won, the payment
//! gateway model ([`pg`]) and the two-phase flow of each booking with retries, unknown
//! outcomes, dead letters, crash and restart ([`flow`]). The settlement actor
//! ([`crate::actors::settlement`]) drives it.

pub mod flow;
pub mod ledger;
pub mod pg;
pub mod recon;
#[cfg(test)]
mod tests;

pub use flow::{
    Mode, Rates, SettleConfig, SettleCounts, SettleFx, SettleWake, Settled, Settlement,
};
pub use ledger::{Account, Action, Created, Ledger, Transfer};
pub use pg::{Payment, Pg, PgDegradation, PgOp, PgReply, PgSpec};
pub use recon::Check;
