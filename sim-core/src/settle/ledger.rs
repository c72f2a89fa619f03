//! A double-entry ledger in integer won, after TigerBeetle's transfer rules
//! (`docs/reference/transfer.md`): every transfer moves one amount from a debit account to
//! a credit account, so the sums of debits and credits are equal, for pending and for
//! posted amounts alike; transfers are immutable (a correction is a new, compensating
//! transfer); at most one transfer per id (creating it again returns `Exists`, which the
//! caller treats as success); a pending transfer is resolved at most once, by posting all
//! or part of it (the rest is released) or voiding it.

use std::collections::BTreeMap;

use crate::ids::BookingId;
use crate::time::SimTime;

/// The ledger's accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Account {
    /// What customers owe (debited by charges, credited by refunds).
    CustomerReceivable,
    /// Money held at the payment gateway for the platform.
    GatewayClearing,
    /// Owed to drivers.
    DriverPayable,
    /// Owed to partners (vets, groomers, hotels).
    PartnerPayable,
    /// The platform's fee.
    PlatformRevenue,
    /// VAT owed to the tax office.
    VatPayable,
    /// The gateway's fees (an expense).
    GatewayFees,
    /// Refunds granted (a contra-revenue account).
    Refunds,
}

impl Account {
    /// Every account, in order.
    pub const ALL: [Account; 8] = [
        Account::CustomerReceivable,
        Account::GatewayClearing,
        Account::DriverPayable,
        Account::PartnerPayable,
        Account::PlatformRevenue,
        Account::VatPayable,
        Account::GatewayFees,
        Account::Refunds,
    ];

    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Account::CustomerReceivable => "customer_receivable",
            Account::GatewayClearing => "gateway_clearing",
            Account::DriverPayable => "driver_payable",
            Account::PartnerPayable => "partner_payable",
            Account::PlatformRevenue => "platform_revenue",
            Account::VatPayable => "vat_payable",
            Account::GatewayFees => "gateway_fees",
            Account::Refunds => "refunds",
        }
    }
}

/// What a transfer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Posts at once.
    Post,
    /// Holds the amount as pending.
    Pending,
    /// Posts `amount` of pending transfer `pending` (at most its amount; the rest is
    /// released).
    PostPending(u64),
    /// Releases pending transfer `pending`.
    VoidPending(u64),
}

/// One transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Unique id.
    pub id: u64,
    /// Debited account.
    pub debit: Account,
    /// Credited account.
    pub credit: Account,
    /// Amount, won (> 0; for a void, ignored).
    pub amount: i64,
    /// What it does.
    pub action: Action,
    /// The booking it belongs to.
    pub booking: BookingId,
    /// When.
    pub at: SimTime,
    /// Why (a posting's name in the flow).
    pub reason: &'static str,
}

/// Why a transfer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A different transfer already has this id.
    #[error("another transfer has this id")]
    ExistsWithDifferentFields,
    /// Amounts must be positive.
    #[error("amount must be > 0")]
    NonPositive,
    /// The pending transfer does not exist (or was already resolved).
    #[error("no open pending transfer with this id")]
    PendingNotOpen,
    /// A post of more than the pending amount.
    #[error("more than the pending amount")]
    ExceedsPending,
    /// A post or void naming other accounts than its pending transfer.
    #[error("accounts differ from the pending transfer's")]
    AccountsDiffer,
}

/// An account's sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Pending debits.
    pub debits_pending: i64,
    /// Pending credits.
    pub credits_pending: i64,
    /// Posted debits.
    pub debits_posted: i64,
    /// Posted credits.
    pub credits_posted: i64,
}

/// The outcome of creating a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// Applied now; the amount posted or held (a void: the amount released).
    New(i64),
    /// Already applied before (a retry): nothing changed.
    Exists,
}

/// The ledger's durable state: balances, open pending transfers, and the transfers of
/// bookings still open (for idempotent retries; dropped when a booking is settled).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    balances: [Balance; 8],
    pending: BTreeMap<u64, (Account, Account, i64)>,
    seen: BTreeMap<u64, Transfer>,
    by_booking: BTreeMap<BookingId, Vec<u64>>,
    created: u64,
}

impl Ledger {
    /// Applies `t`, or reports why not.
    pub fn create(&mut self, t: &Transfer) -> Result<Created, LedgerError> {
        if let Some(old) = self.seen.get(&t.id) {
            return if old == t {
                Ok(Created::Exists)
            } else {
                Err(LedgerError::ExistsWithDifferentFields)
            };
        }
        let moved = match t.action {
            Action::Post | Action::Pending if t.amount <= 0 => {
                return Err(LedgerError::NonPositive)
            }
            Action::Post => {
                self.post(t.debit, t.credit, t.amount);
                t.amount
            }
            Action::Pending => {
                self.hold(t.debit, t.credit, t.amount);
                self.pending.insert(t.id, (t.debit, t.credit, t.amount));
                t.amount
            }
            Action::PostPending(p) | Action::VoidPending(p) => self.resolve(t, p)?,
        };
        self.seen.insert(t.id, t.clone());
        self.by_booking.entry(t.booking).or_default().push(t.id);
        self.created += 1;
        Ok(Created::New(moved))
    }

    fn resolve(&mut self, t: &Transfer, p: u64) -> Result<i64, LedgerError> {
        let &(debit, credit, held) = self.pending.get(&p).ok_or(LedgerError::PendingNotOpen)?;
        if (debit, credit) != (t.debit, t.credit) {
            return Err(LedgerError::AccountsDiffer);
        }
        if let Action::PostPending(_) = t.action {
            if t.amount <= 0 {
                return Err(LedgerError::NonPositive);
            }
            if t.amount > held {
                return Err(LedgerError::ExceedsPending);
            }
        }
        self.pending.remove(&p);
        self.hold(debit, credit, -held);
        match t.action {
            Action::PostPending(_) => {
                self.post(debit, credit, t.amount);
                Ok(t.amount)
            }
            _ => Ok(held),
        }
    }

    fn hold(&mut self, debit: Account, credit: Account, amount: i64) {
        self.balances[debit as usize].debits_pending += amount;
        self.balances[credit as usize].credits_pending += amount;
    }

    fn post(&mut self, debit: Account, credit: Account, amount: i64) {
        self.balances[debit as usize].debits_posted += amount;
        self.balances[credit as usize].credits_posted += amount;
    }

    /// An account's sums.
    pub fn balance(&self, a: Account) -> Balance {
        self.balances[a as usize]
    }

    /// Open pending transfers.
    pub fn open_pending(&self) -> usize {
        self.pending.len()
    }

    /// Transfers created.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// Drops what is kept of a settled booking's transfers (their balances stay).
    pub fn forget(&mut self, booking: BookingId) {
        for id in self.by_booking.remove(&booking).unwrap_or_default() {
            self.seen.remove(&id);
        }
    }

    /// Sums over every account, and the won held by open pending transfers.
    pub fn totals(&self) -> Totals {
        let sum = |f: fn(&Balance) -> i64| self.balances.iter().map(f).sum::<i64>();
        Totals {
            debits_pending: sum(|b| b.debits_pending),
            credits_pending: sum(|b| b.credits_pending),
            debits_posted: sum(|b| b.debits_posted),
            credits_posted: sum(|b| b.credits_posted),
            open_pending: self.pending.values().map(|v| v.2).sum(),
        }
    }

    /// The ledger's invariants, as problems: debits equal credits, pending and posted; the
    /// pending sums equal the open pending transfers.
    pub fn problems(&self) -> Vec<String> {
        let t = self.totals();
        let mut p = Vec::new();
        if t.debits_pending != t.credits_pending {
            p.push("ledger: pending debits and credits differ".to_string());
        }
        if t.debits_posted != t.credits_posted {
            p.push("ledger: posted debits and credits differ".to_string());
        }
        if t.open_pending != t.debits_pending {
            p.push(format!(
                "ledger: {} won in open pending transfers but {} pending",
                t.open_pending, t.debits_pending
            ));
        }
        p
    }
}

/// The ledger's sums over every account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Pending debits.
    pub debits_pending: i64,
    /// Pending credits.
    pub credits_pending: i64,
    /// Posted debits.
    pub debits_posted: i64,
    /// Posted credits.
    pub credits_posted: i64,
    /// Held by open pending transfers.
    pub open_pending: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(id: u64, action: Action, amount: i64) -> Transfer {
        Transfer {
            id,
            debit: Account::CustomerReceivable,
            credit: Account::GatewayClearing,
            amount,
            action,
            booking: BookingId(1),
            at: SimTime::ZERO,
            reason: "test",
        }
    }

    #[test]
    fn a_hold_is_posted_in_part_and_the_rest_released() {
        let mut l = Ledger::default();
        assert_eq!(
            l.create(&t(1, Action::Pending, 30_000)),
            Ok(Created::New(30_000))
        );
        assert_eq!(
            l.balance(Account::CustomerReceivable).debits_pending,
            30_000
        );
        assert_eq!(
            l.create(&t(2, Action::PostPending(1), 40_000)),
            Err(LedgerError::ExceedsPending)
        );
        assert_eq!(
            l.create(&t(2, Action::PostPending(1), 27_500)),
            Ok(Created::New(27_500))
        );
        let b = l.balance(Account::CustomerReceivable);
        assert_eq!((b.debits_pending, b.debits_posted), (0, 27_500));
        // Resolved at most once; a retry of the same post is `Exists`.
        assert_eq!(
            l.create(&t(3, Action::VoidPending(1), 0)),
            Err(LedgerError::PendingNotOpen)
        );
        assert_eq!(
            l.create(&t(2, Action::PostPending(1), 27_500)),
            Ok(Created::Exists)
        );
        assert_eq!(
            l.create(&t(2, Action::Post, 1)),
            Err(LedgerError::ExistsWithDifferentFields)
        );
        assert!(l.problems().is_empty());
    }

    #[test]
    fn a_void_releases_the_whole_hold() {
        let mut l = Ledger::default();
        l.create(&t(1, Action::Pending, 10_000)).unwrap();
        assert_eq!(
            l.create(&t(2, Action::VoidPending(1), 0)),
            Ok(Created::New(10_000))
        );
        assert_eq!(l.balance(Account::GatewayClearing), Balance::default());
        assert_eq!(l.open_pending(), 0);
    }

    proptest! {
        /// Whatever is attempted, in any order and repeated, debits equal credits.
        #[test]
        fn debits_always_equal_credits(ops in proptest::collection::vec((0u64..20, 0u8..4, 1i64..50_000, 0usize..8, 0usize..8), 0..200)) {
            let mut l = Ledger::default();
            for (id, action, amount, d, c) in ops {
                let action = match action {
                    0 => Action::Post,
                    1 => Action::Pending,
                    2 => Action::PostPending(id.saturating_sub(1)),
                    _ => Action::VoidPending(id.saturating_sub(1)),
                };
                let tr = Transfer { debit: Account::ALL[d], credit: Account::ALL[c], ..t(id, action, amount) };
                let _ = l.create(&tr);
            }
            prop_assert!(l.problems().is_empty(), "{:?}", l.problems());
        }
    }
}
