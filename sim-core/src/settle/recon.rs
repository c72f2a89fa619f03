//! The reconciliation: the ledger, the payment gateway and the bookings compared, every
//! check with its two sides. Per booking as each case closes (the flow records a
//! difference then), and over the whole run at its end ([`Settlement::reconciliation`]).
//! A check that does not hold is an invariant violation (exit 3); `reconciliation.csv`
//! lists every check and every per-booking difference.

use crate::ids::BookingId;
use crate::time::SimTime;

use super::flow::Settlement;
use super::ledger::Account;

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

    fn total(check: &'static str, expected: i64, found: i64, unit: &'static str) -> Check {
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

/// The end-of-run checks over the whole run.
pub fn totals(s: &Settlement) -> Vec<Check> {
    let c = s.counts();
    let l = s.ledger().totals();
    let balance = |a| s.ledger().balance(a);
    let open_with_charge = c.open_with_charge + s.open_with_charge();
    let mut checks = vec![
        Check::total(
            "ledger_pending_balanced",
            l.debits_pending,
            l.credits_pending,
            "won",
        ),
        Check::total(
            "ledger_posted_balanced",
            l.debits_posted,
            l.credits_posted,
            "won",
        ),
        Check::total(
            "ledger_open_pending",
            l.open_pending,
            l.debits_pending,
            "won",
        ),
        Check::total(
            "bookings_captured_dead_lettered_or_open",
            c.to_capture as i64,
            (c.captured + c.dead_with_charge + open_with_charge) as i64,
            "bookings",
        ),
        Check::total("captured_vs_charges", c.charged_won, c.captured_won, "won"),
        Check::total(
            "receivable_posted_vs_charges",
            c.charged_won,
            balance(Account::CustomerReceivable).debits_posted,
            "won",
        ),
        Check::total(
            "refunds_ledger_vs_gateway",
            c.refunded_won,
            balance(Account::Refunds).debits_posted,
            "won",
        ),
    ];
    for (name, a) in [
        ("driver_payable_paid_within_owed", Account::DriverPayable),
        ("partner_payable_paid_within_owed", Account::PartnerPayable),
    ] {
        let b = balance(a);
        let mut check = Check::total(name, b.credits_posted, b.debits_posted, "won");
        check.ok = b.debits_posted <= b.credits_posted;
        checks.push(check);
    }
    checks.push(Check::total(
        "per_booking_differences",
        0,
        c.differences as i64,
        "differences",
    ));
    checks
}
