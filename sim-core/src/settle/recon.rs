//! The reconciliation: the ledger, the payment gateway and the bookings compared, every
//! check with its two sides. Per booking as each case closes (the flow records a
//! difference then), and over the whole run at its end
//! ([`super::Settlement::reconciliation`]).
//! A check that does not hold is an invariant violation (exit 3); `reconciliation.csv`
//! lists every check and every per-booking difference.

use crate::ids::BookingId;
use crate::time::SimTime;

/// Per-booking differences kept for the report; the count beyond it stays exact.
pub const KEPT_DIFFERENCES: usize = 10_000;

/// One check of the reconciliation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// What is compared (`captured_vs_charges`, `gateway_vs_ledger`, ...).
    pub check: &'static str,
    /// The booking, for a per-booking difference.
    pub booking: Option<BookingId>,
    /// When it was found (`None` for the end-of-run totals).
    pub at: Option<SimTime>,
    /// The side the other must match (the bookings', or the ledger's for the gateway).
    pub expected: i64,
    /// The other side.
    pub found: i64,
    /// `won`, `bookings` or `differences`.
    pub unit: &'static str,
    /// The check holds.
    pub ok: bool,
    /// Why it differs, when it does.
    pub detail: String,
}

impl Check {
    /// A per-booking difference in won.
    pub fn booking(
        check: &'static str,
        (booking, at): (BookingId, SimTime),
        expected: i64,
        found: i64,
        detail: String,
    ) -> Check {
        Check {
            check,
            booking: Some(booking),
            at: Some(at),
            expected,
            found,
            unit: "won",
            ok: false,
            detail,
        }
    }

    /// An end-of-run check comparing two totals.
    pub fn total(check: &'static str, expected: i64, found: i64, unit: &'static str) -> Check {
        Check {
            check,
            booking: None,
            at: None,
            expected,
            found,
            unit,
            ok: expected == found,
            detail: String::new(),
        }
    }

    /// One line for the invariant report.
    pub fn describe(&self) -> String {
        let booking = self.booking.map_or(String::new(), |b| format!(" {b}"));
        let detail = if self.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.detail)
        };
        format!(
            "settlement: {}{booking}: expected {} {u}, found {} {u}{detail}",
            self.check,
            self.expected,
            self.found,
            u = self.unit
        )
    }
}
