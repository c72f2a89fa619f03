//! The settlement flow of each booking, plain and testable. Every rule lives here:
//!
//! - **Authorise** at acceptance: the gateway holds the quote; the ledger records a
//!   pending transfer (customer receivable -> gateway clearing). An approved re-quote that
//!   raises the fare authorises and holds the difference.
//! - **Capture** at completion (`realtime`), or at the next batch (`batch`): the gateway
//!   captures the final charge; the ledger posts it against the holds (a partial post
//!   releases the rest) and splits it: VAT (10 % of a VAT-inclusive charge), the gateway's
//!   fee, the partner's add-on share, the driver's share, the platform's revenue.
//! - **Void** on a booking that ends without a charge: the gateway cancels, the ledger voids
//!   the holds.
//! - **Refund** after the capture when the booking is owed one (an add-on the partner could
//!   not do): the gateway refunds it and the ledger posts a compensating transfer (refunds
//!   -> gateway clearing); nothing already posted is changed.
//! - **Unknown outcomes**: a request that times out is followed by a status query; if the
//!   gateway applied it, the flow goes on; if not, it is sent again under the same
//!   idempotency key, which the gateway honours, so nothing is charged twice.
//! - **Retries**: failures (5xx) are retried with exponential backoff up to
//!   `max_attempts`; then, as after a decline, the booking is dead-lettered with the reason.
//! - **Payouts**: every `payout_every` what the ledger owes drivers and partners is paid
//!   out (payable -> gateway clearing), one transfer per account; a payout missed while the
//!   service is down is caught up by the next.
//! - **Crash and restart**: what a case records ([`Case`]) and the ledger are the journal;
//!   a crash loses only what is in flight (answers addressed to the crashed incarnation are
//!   dropped). On restart every case with a request in flight asks the gateway for the
//!   status and resumes from the answer.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ledger::{Account, Action, Created, Ledger, Transfer};
use super::pg::{Payment, Pg, PgDegradation, PgOp, PgReply, PgSpec};
use super::recon::{Check, KEPT_DIFFERENCES};
use crate::ids::BookingId;
use crate::time::{SimDuration, SimTime};

/// The booking id payouts are filed under (no booking has it).
pub const PAYOUTS: BookingId = BookingId(u32::MAX);

/// When charges are captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// At completion.
    Realtime,
    /// At every batch (hourly or daily capture).
    Batch(SimDuration),
}

/// Shares and rates of a charge (`data/settle/rates.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    /// VAT in basis points of the net (1,000 = 10 %): a charge includes it.
    pub vat_bps: i64,
    /// The gateway's fee, basis points of the charge.
    pub gateway_fee_bps: i64,
    /// The driver's share, basis points of the net transport fare.
    pub driver_bps: i64,
    /// The partner's share, basis points of the net add-on fee.
    pub partner_bps: i64,
}

/// The settlement service's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SettleConfig {
    /// Realtime or batch capture.
    pub mode: Mode,
    /// The gateway.
    pub pg: PgSpec,
    /// Windows of a degraded gateway.
    pub degraded: Vec<PgDegradation>,
    /// Rates.
    pub rates: Rates,
    /// Attempts per request before dead-lettering.
    pub max_attempts: u32,
    /// First backoff (doubled per attempt, with seeded jitter of 0.5-1.0).
    pub backoff_base: SimDuration,
    /// Longest backoff.
    pub backoff_cap: SimDuration,
    /// How long after an unknown outcome the status is asked.
    pub status_delay: SimDuration,
    /// How often drivers and partners are paid out (`None`: never in the run).
    pub payout_every: Option<SimDuration>,
}

/// Where a booking's settlement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Authorising the quote.
    Authorising,
    /// Held; waiting for the end of the booking (or the batch).
    Held,
    /// Capturing the charge.
    Capturing,
    /// Refunding part of the capture.
    Refunding,
    /// Cancelling the authorisation.
    Voiding,
}

/// A booking's record in the journal: what the service durably knows of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Booking.
    pub booking: BookingId,
    /// Stage.
    pub stage: Stage,
    /// Ledger holds: (pending transfer id, amount).
    holds: Vec<(u64, i64)>,
    /// An approved increase not yet authorised.
    increase: i64,
    /// The request in the works: (op, idempotency key, attempts so far); recorded before
    /// it is sent.
    op: Option<(PgOp, u32, u32)>,
    /// Next sequence number (transfer ids and idempotency keys).
    next: u32,
    /// Once the booking ended: when, the charge (0: nothing to charge), a partner's add-on
    /// fee in it, and the refund owed.
    end: Option<(SimTime, i64, i64, i64)>,
    /// Refunded so far.
    refunded: i64,
    /// Captured.
    charged: i64,
    /// Requests sent, all kinds.
    attempts: u32,
    /// The request's answer was unknown and its status asked.
    resolving: bool,
}

/// How a booking's settlement ended (a row of `settlements.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// Booking.
    pub booking: BookingId,
    /// When the booking ended (completed or cancelled).
    pub completed_at: Option<SimTime>,
    /// When its settlement ended.
    pub settled_at: SimTime,
    /// Captured, won.
    pub charged_won: i64,
    /// Refunded after the capture, won.
    pub refunded_won: i64,
    /// `captured`, `voided`, `dead_lettered`, `open`.
    pub status: &'static str,
    /// Requests sent to the gateway.
    pub attempts: u32,
    /// Why, if dead-lettered.
    pub reason: String,
}

/// Something the flow wants later; the actor sends it to itself, tagged with the
/// incarnation (a crash drops the old ones).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SettleWake {
    /// The gateway answered request `key` of `booking`.
    Answer(BookingId, u32, PgOp, PgReply),
    /// Send `booking`'s request again.
    Retry(BookingId),
    /// Capture the due charges (batch mode).
    Batch,
    /// Pay drivers and partners what they are owed.
    Payout,
}

/// What a call produced.
#[derive(Debug, Default)]
pub struct SettleFx {
    /// Wakes after a delay.
    pub wakes: Vec<(SimDuration, SettleWake)>,
    /// Transfers applied to the ledger now (for `ledger.csv`).
    pub transfers: Vec<(Transfer, Created)>,
    /// Settlements that ended.
    pub settled: Vec<Settled>,
}

/// Counters for the invariants and KPIs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettleCounts {
    /// Bookings that ended with a charge.
    pub to_capture: u64,
    /// Captured.
    pub captured: u64,
    /// Captured, won.
    pub captured_won: i64,
    /// Charges of the captured bookings, won.
    pub charged_won: i64,
    /// Refunded, won.
    pub refunded_won: i64,
    /// Voided.
    pub voided: u64,
    /// Dead-lettered.
    pub dead: u64,
    /// Dead-lettered bookings that ended with a charge.
    pub dead_with_charge: u64,
    /// Unknown outcomes resolved by a status query.
    pub unknown_resolved: u64,
    /// Requests retried (failures and unapplied unknowns).
    pub retries: u64,
    /// Reconciliation differences (gateway vs ledger vs charge), with the first ones.
    pub differences: u64,
    /// Crashes.
    pub crashes: u64,
    /// Bookings with a charge still open when the run stopped.
    pub open_with_charge: u64,
    /// Paid out to drivers and partners, won.
    pub paid_out_won: i64,
    /// Payouts made.
    pub payouts: u32,
}

/// The settlement service's state.
#[derive(Debug)]
pub struct Settlement {
    cfg: SettleConfig,
    /// The journal: open cases and the ledger.
    cases: BTreeMap<BookingId, Case>,
    ledger: Ledger,
    /// The gateway (another company's system: it survives our crashes).
    pg: Pg,
    counts: SettleCounts,
    /// Per-booking differences (the first [`KEPT_DIFFERENCES`]).
    differences: Vec<Check>,
    /// Down (crashed) until restarted.
    down: bool,
}

impl Settlement {
    /// A service with `cfg`.
    pub fn new(cfg: SettleConfig) -> Settlement {
        Settlement {
            cfg,
            cases: BTreeMap::new(),
            ledger: Ledger::default(),
            pg: Pg::default(),
            counts: SettleCounts::default(),
            differences: Vec::new(),
            down: false,
        }
    }

    /// Counters.
    pub fn counts(&self) -> SettleCounts {
        self.counts
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Cases still open.
    pub fn open(&self) -> usize {
        self.cases.len()
    }

    /// Whether the service is down.
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// The capture mode.
    pub fn mode(&self) -> Mode {
        self.cfg.mode
    }

    /// How often drivers and partners are paid out.
    pub fn payout_every(&self) -> Option<SimDuration> {
        self.cfg.payout_every
    }

    fn transfer_id(booking: BookingId, seq: u32) -> u64 {
        (u64::from(booking.0) << 24) | u64::from(seq)
    }

    /// A quote was accepted: authorise it.
    pub fn accepted(
        &mut self,
        now: SimTime,
        booking: BookingId,
        quote: i64,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let case = Case {
            booking,
            stage: Stage::Authorising,
            holds: Vec::new(),
            increase: 0,
            op: None,
            next: 0,
            end: None,
            refunded: 0,
            charged: 0,
            attempts: 0,
            resolving: false,
        };
        self.cases.insert(booking, case);
        self.start(now, booking, PgOp::Authorise(quote), rng, fx);
    }

    /// An approved re-quote raised the fare by `delta`: hold it too.
    pub fn raised(
        &mut self,
        now: SimTime,
        booking: BookingId,
        delta: i64,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        if delta <= 0 || c.end.is_some() {
            return;
        }
        c.increase += delta;
        if c.stage == Stage::Held && c.op.is_none() {
            let d = std::mem::take(&mut c.increase);
            self.start(now, booking, PgOp::Authorise(d), rng, fx);
        }
    }

    /// The booking ended at `at` (heard of at `now`), with `charge` won to capture (0:
    /// none) of which `partner_won` is a partner's add-on fee, and `refund` won owed back.
    pub fn ended(
        &mut self,
        now: SimTime,
        (booking, at): (BookingId, SimTime),
        (charge, partner_won, refund): (i64, i64, i64),
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        c.end = Some((at, charge, partner_won, refund.clamp(0, charge)));
        if charge > 0 {
            self.counts.to_capture += 1;
        }
        if c.stage == Stage::Held && c.op.is_none() {
            self.after_hold(now, booking, rng, fx);
        }
    }

    /// The holds are in place: capture or void if the booking ended (capture waits for
    /// the batch in batch mode).
    fn after_hold(
        &mut self,
        now: SimTime,
        booking: BookingId,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        if c.increase > 0 {
            let d = std::mem::take(&mut c.increase);
            return self.start(now, booking, PgOp::Authorise(d), rng, fx);
        }
        match c.end {
            None => {}
            Some((_, 0, _, _)) => {
                c.stage = Stage::Voiding;
                self.start(now, booking, PgOp::Cancel, rng, fx);
            }
            Some((_, charge, _, _)) if self.cfg.mode == Mode::Realtime => {
                c.stage = Stage::Capturing;
                self.start(now, booking, PgOp::Capture(charge), rng, fx);
            }
            Some(_) => {}
        }
    }

    /// The batch: capture every ended, held booking.
    pub fn batch(&mut self, now: SimTime, rng: &mut ChaCha8Rng, fx: &mut SettleFx) {
        if let Mode::Batch(every) = self.cfg.mode {
            fx.wakes.push((every, SettleWake::Batch));
        }
        if self.down {
            return;
        }
        let due: Vec<(BookingId, i64)> = (self.cases.values())
            .filter(|c| c.stage == Stage::Held && c.op.is_none())
            .filter_map(|c| c.end.filter(|e| e.1 > 0).map(|e| (c.booking, e.1)))
            .collect();
        for (booking, charge) in due {
            if let Some(c) = self.cases.get_mut(&booking) {
                c.stage = Stage::Capturing;
            }
            self.start(now, booking, PgOp::Capture(charge), rng, fx);
        }
    }

    /// Pays out what drivers and partners are owed (the payables' posted credits less
    /// debits), one transfer per account.
    pub fn payout(&mut self, now: SimTime, fx: &mut SettleFx) {
        if let Some(every) = self.cfg.payout_every {
            fx.wakes.push((every, SettleWake::Payout));
        }
        if self.down {
            return;
        }
        self.counts.payouts += 1;
        for account in [Account::DriverPayable, Account::PartnerPayable] {
            let b = self.ledger.balance(account);
            let owed = b.credits_posted - b.debits_posted;
            if owed <= 0 {
                continue;
            }
            // Payout transfers have the top bit set: they are nobody's booking.
            let seq =
                u64::from(self.counts.payouts) * 2 + u64::from(account == Account::PartnerPayable);
            let t = Transfer {
                id: (1 << 63) | seq,
                debit: account,
                credit: Account::GatewayClearing,
                amount: owed,
                action: Action::Post,
                booking: PAYOUTS,
                at: now,
                reason: "payout",
            };
            self.apply(t, fx);
            self.ledger.forget(PAYOUTS);
            self.counts.paid_out_won += owed;
        }
    }

    /// Records `op` under a new key, then sends it.
    fn start(
        &mut self,
        now: SimTime,
        booking: BookingId,
        op: PgOp,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        let key = c.next;
        c.next += 1;
        c.op = Some((op, key, 0));
        self.send(now, booking, rng, fx);
    }

    /// Sends the recorded request (again, under its key).
    fn send(&mut self, now: SimTime, booking: BookingId, rng: &mut ChaCha8Rng, fx: &mut SettleFx) {
        if self.down {
            return;
        }
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        let Some((op, key, tries)) = c.op.as_mut() else {
            return;
        };
        *tries += 1;
        c.attempts += 1;
        let (op, key) = (*op, *key);
        self.request(now, (booking, key), op, rng, fx);
    }

    /// Asks the gateway (degraded if `now` is in such a window); its answer is a wake.
    fn request(
        &mut self,
        now: SimTime,
        (booking, key): (BookingId, u32),
        op: PgOp,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let degraded = (self.cfg.degraded.iter()).find(|d| (d.from..d.until).contains(&now));
        let (after, reply) = self
            .pg
            .request(&self.cfg.pg, degraded, (booking, key), op, rng);
        fx.wakes
            .push((after, SettleWake::Answer(booking, key, op, reply)));
    }

    /// The gateway answered request `key` of `booking`.
    pub fn answered(
        &mut self,
        now: SimTime,
        (booking, key, op, reply): (BookingId, u32, PgOp, PgReply),
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        let Some((current, k, tries)) = c.op else {
            return;
        };
        if op == PgOp::Status {
            return self.status(now, booking, current, reply, rng, fx);
        }
        if k != key {
            return;
        }
        match reply {
            PgReply::Ok(p) => self.applied(now, booking, current, p, rng, fx),
            PgReply::Declined => {
                let why = format!("{} declined by the gateway", current.name());
                self.dead(now, booking, why, fx);
            }
            PgReply::Unknown => {
                if let Some(c) = self.cases.get_mut(&booking) {
                    c.resolving = true;
                }
                let (d, w) = (self.cfg.status_delay, SettleWake::Retry(booking));
                fx.wakes.push((d, w));
            }
            PgReply::Failed if tries >= self.cfg.max_attempts => {
                let why = format!("{} failed {tries} times (5xx)", current.name());
                self.dead(now, booking, why, fx);
            }
            PgReply::Failed => {
                self.counts.retries += 1;
                let delay = self.backoff(tries, rng);
                fx.wakes.push((delay, SettleWake::Retry(booking)));
            }
        }
    }

    fn backoff(&self, tries: u32, rng: &mut ChaCha8Rng) -> SimDuration {
        let base = (self.cfg.backoff_base.as_ms() << tries.saturating_sub(1).min(20))
            .min(self.cfg.backoff_cap.as_ms());
        SimDuration(base / 2 + rng.random_range(0..=base / 2))
    }

    /// A retry is due: ask the status if the last answer was unknown, else send again.
    pub fn retry(
        &mut self,
        now: SimTime,
        booking: BookingId,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get(&booking) else {
            return;
        };
        if self.down {
            return;
        }
        if c.resolving {
            let key = c.next;
            self.request(now, (booking, key), PgOp::Status, rng, fx);
        } else {
            self.send(now, booking, rng, fx);
        }
    }

    /// The status after an unknown outcome: go on if the request was applied, else send it
    /// again under its key.
    fn status(
        &mut self,
        now: SimTime,
        booking: BookingId,
        op: PgOp,
        reply: PgReply,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let PgReply::Ok(p) = reply else {
            // The status query failed or timed out too: ask again later.
            fx.wakes
                .push((self.cfg.status_delay, SettleWake::Retry(booking)));
            return;
        };
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        if !c.resolving {
            return;
        }
        c.resolving = false;
        self.counts.unknown_resolved += 1;
        let held: i64 = c.holds.iter().map(|h| h.1).sum();
        let applied = match op {
            PgOp::Authorise(a) => p.authorised + p.captured >= held + a && !p.cancelled,
            PgOp::Capture(x) => p.captured >= x,
            PgOp::Cancel => p.cancelled,
            PgOp::Refund(r) => p.refunded >= c.refunded + r,
            PgOp::Status => true,
        };
        if applied {
            self.applied(now, booking, op, p, rng, fx);
        } else {
            self.counts.retries += 1;
            self.send(now, booking, rng, fx);
        }
    }

    /// `op` was applied by the gateway: record it in the ledger and go on.
    fn applied(
        &mut self,
        now: SimTime,
        booking: BookingId,
        op: PgOp,
        p: Payment,
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        c.op = None;
        match op {
            PgOp::Authorise(a) => {
                let id = Self::transfer_id(booking, c.next);
                c.next += 1;
                c.holds.push((id, a));
                c.stage = Stage::Held;
                let t = Transfer {
                    id,
                    debit: Account::CustomerReceivable,
                    credit: Account::GatewayClearing,
                    amount: a,
                    action: Action::Pending,
                    booking,
                    at: now,
                    reason: "authorise",
                };
                self.apply(t, fx);
                self.after_hold(now, booking, rng, fx);
            }
            PgOp::Capture(x) => self.captured(now, (booking, x, p), rng, fx),
            PgOp::Cancel => {
                self.release_holds(now, booking, 0, fx);
                self.close(now, booking, "voided", 0, String::new(), fx);
            }
            PgOp::Refund(r) => self.refunded(now, booking, r, fx),
            PgOp::Status => {}
        }
    }

    fn apply(&mut self, t: Transfer, fx: &mut SettleFx) {
        match self.ledger.create(&t) {
            Ok(created) => fx.transfers.push((t, created)),
            Err(e) => self.differ(Check::booking(
                "ledger_accepts_transfer",
                (t.booking, t.at),
                t.amount,
                0,
                format!("transfer {} refused: {e}", t.id),
            )),
        }
    }

    /// Records a per-booking reconciliation difference.
    fn differ(&mut self, check: Check) {
        self.counts.differences += 1;
        if self.differences.len() < KEPT_DIFFERENCES {
            self.differences.push(check);
        }
    }

    /// Posts `charge` against the holds in order (a partial post releases the rest of a
    /// hold; holds past the charge are voided).
    fn release_holds(&mut self, now: SimTime, booking: BookingId, charge: i64, fx: &mut SettleFx) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        let holds = std::mem::take(&mut c.holds);
        let mut left = charge;
        let mut ids = Vec::new();
        for (pending, amount) in holds {
            let id = Self::transfer_id(booking, c.next);
            c.next += 1;
            let post = left.min(amount);
            left -= post;
            let action = if post > 0 {
                Action::PostPending(pending)
            } else {
                Action::VoidPending(pending)
            };
            ids.push((id, action, post));
        }
        for (id, action, amount) in ids {
            let reason = if amount > 0 { "capture" } else { "void" };
            let t = Transfer {
                id,
                debit: Account::CustomerReceivable,
                credit: Account::GatewayClearing,
                amount,
                action,
                booking,
                at: now,
                reason,
            };
            self.apply(t, fx);
        }
    }

    fn captured(
        &mut self,
        now: SimTime,
        (booking, x, p): (BookingId, i64, Payment),
        rng: &mut ChaCha8Rng,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.get(&booking) else {
            return;
        };
        let partner = c.end.map_or(0, |e| e.2).min(x);
        let held: i64 = c.holds.iter().map(|h| h.1).sum();
        if held < x {
            let d = format!("captured {x} with only {held} held");
            self.differ(Check::booking(
                "capture_within_holds",
                (booking, now),
                x,
                held,
                d,
            ));
        }
        if p.captured != x {
            let d = "the gateway's capture against the charge".to_string();
            self.differ(Check::booking(
                "gateway_capture_vs_charge",
                (booking, now),
                x,
                p.captured,
                d,
            ));
        }
        self.release_holds(now, booking, x, fx);
        for (debit, credit, amount, reason) in split(&self.cfg.rates, x, partner) {
            let Some(c) = self.cases.get_mut(&booking) else {
                return;
            };
            let id = Self::transfer_id(booking, c.next);
            c.next += 1;
            let t = Transfer {
                id,
                debit,
                credit,
                amount,
                action: Action::Post,
                booking,
                at: now,
                reason,
            };
            self.apply(t, fx);
        }
        self.counts.captured += 1;
        self.counts.captured_won += p.captured.min(x);
        self.counts.charged_won += x;
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        c.charged = x;
        match c.end.map_or(0, |e| e.3) {
            0 => self.close(now, booking, "captured", x, String::new(), fx),
            owed => {
                c.stage = Stage::Refunding;
                self.start(now, booking, PgOp::Refund(owed), rng, fx);
            }
        }
    }

    /// The gateway refunded `r`: a compensating transfer, then the case closes.
    fn refunded(&mut self, now: SimTime, booking: BookingId, r: i64, fx: &mut SettleFx) {
        let Some(c) = self.cases.get_mut(&booking) else {
            return;
        };
        let id = Self::transfer_id(booking, c.next);
        c.next += 1;
        c.refunded += r;
        let charged = c.charged;
        self.counts.refunded_won += r;
        let t = Transfer {
            id,
            debit: Account::Refunds,
            credit: Account::GatewayClearing,
            amount: r,
            action: Action::Post,
            booking,
            at: now,
            reason: "refund",
        };
        self.apply(t, fx);
        self.close(now, booking, "captured", charged, String::new(), fx);
    }

    fn dead(&mut self, now: SimTime, booking: BookingId, why: String, fx: &mut SettleFx) {
        // Holds the gateway never confirmed stay open in no system: release ours.
        self.release_holds(now, booking, 0, fx);
        self.counts.dead += 1;
        if self
            .cases
            .get(&booking)
            .and_then(|c| c.end)
            .is_some_and(|e| e.1 > 0)
        {
            self.counts.dead_with_charge += 1;
        }
        self.close(now, booking, "dead_lettered", 0, why, fx);
    }

    fn close(
        &mut self,
        now: SimTime,
        booking: BookingId,
        status: &'static str,
        charged: i64,
        reason: String,
        fx: &mut SettleFx,
    ) {
        let Some(c) = self.cases.remove(&booking) else {
            return;
        };
        if status == "voided" {
            self.counts.voided += 1;
        }
        // The reconciliation, as each booking closes: the gateway captured what the ledger
        // posted, nothing more (an `open` case may still have a request in flight).
        let gateway = self.pg.state(booking);
        let net = (gateway.captured - gateway.refunded, charged - c.refunded);
        if net.0 != net.1 && status != "open" {
            let d = format!("{status}: the gateway's net of refunds against the ledger's");
            self.differ(Check::booking(
                "gateway_vs_ledger",
                (booking, now),
                net.1,
                net.0,
                d,
            ));
        }
        if status == "open" && c.end.is_some_and(|e| e.1 > 0) {
            self.counts.open_with_charge += 1;
        }
        self.ledger.forget(booking);
        self.pg.close(booking);
        fx.settled.push(Settled {
            booking,
            completed_at: c.end.map(|e| e.0),
            settled_at: now,
            charged_won: charged,
            refunded_won: c.refunded,
            status,
            attempts: c.attempts,
            reason,
        });
    }

    /// The service crashes: what is in flight is lost (answers to this incarnation are
    /// dropped by the actor); the journal (cases, ledger) stays.
    pub fn crash(&mut self) {
        self.down = true;
        self.counts.crashes += 1;
    }

    /// The service restarts from its journal: every case with a request in flight asks
    /// the gateway for its status (applied or not, nobody knows), the others go on.
    pub fn restart(&mut self, now: SimTime, rng: &mut ChaCha8Rng, fx: &mut SettleFx) {
        self.down = false;
        let open: Vec<(BookingId, bool)> = (self.cases.values())
            .map(|c| (c.booking, c.op.is_some()))
            .collect();
        for (booking, in_flight) in open {
            if in_flight {
                if let Some(c) = self.cases.get_mut(&booking) {
                    c.resolving = true;
                }
                self.retry(now, booking, rng, fx);
            } else if self
                .cases
                .get(&booking)
                .is_some_and(|c| c.stage == Stage::Held)
            {
                self.after_hold(now, booking, rng, fx);
            }
        }
    }

    /// Ends every open case as `open` (the run stops).
    pub fn close_open(&mut self, now: SimTime, fx: &mut SettleFx) {
        let open: Vec<BookingId> = self.cases.keys().copied().collect();
        for b in open {
            self.close(now, b, "open", 0, "the run ended first".into(), fx);
        }
    }

    /// The invariants and the reconciliation, as problems: every check of
    /// [`Settlement::reconciliation`] that does not hold (the ledger balances; every booking
    /// that ended with a charge was captured once, dead-lettered with a reason or is still
    /// open; captured money equals the charges; no difference between the gateway, the
    /// ledger and the bookings), the per-booking ones up to 20.
    pub fn problems(&self) -> Vec<String> {
        let failed: Vec<Check> = self
            .reconciliation()
            .into_iter()
            .filter(|c| !c.ok)
            .collect();
        let per_booking = failed.iter().filter(|c| c.booking.is_some()).count();
        let mut p: Vec<String> = (failed.iter())
            .filter(|c| c.booking.is_none())
            .chain(failed.iter().filter(|c| c.booking.is_some()).take(20))
            .map(Check::describe)
            .collect();
        if per_booking > 20 {
            p.push(format!(
                "settlement: and {} more differences (reconciliation.csv lists them)",
                per_booking - 20
            ));
        }
        p
    }

    /// The reconciliation report: the end-of-run checks, then every per-booking difference
    /// kept.
    pub fn reconciliation(&self) -> Vec<Check> {
        let mut checks = totals(self);
        checks.extend(self.differences.iter().cloned());
        checks
    }

    /// The gateway, for tests that make it disagree with the ledger.
    #[cfg(test)]
    pub(super) fn pg_mut(&mut self) -> &mut Pg {
        &mut self.pg
    }

    /// Open cases that ended with a charge (for [`Settlement::problems`] at a stop).
    pub fn open_with_charge(&self) -> u64 {
        self.cases
            .values()
            .filter(|c| c.end.is_some_and(|e| e.1 > 0))
            .count() as u64
    }
}

/// The split of a VAT-inclusive charge `x` with `partner_won` of add-on fees: VAT (to the
/// tax office), the gateway's fee (an expense the gateway keeps), the partner's and the
/// driver's shares, and the platform's revenue (the rest). Each is a posted transfer out
/// of gateway clearing; they add up to `x` plus the fee.
pub fn split(r: &Rates, x: i64, partner_won: i64) -> Vec<(Account, Account, i64, &'static str)> {
    let vat = x * r.vat_bps / (10_000 + r.vat_bps);
    let net = x - vat;
    let partner_net = (partner_won - partner_won * r.vat_bps / (10_000 + r.vat_bps)).min(net);
    let partner = partner_net * r.partner_bps / 10_000;
    let driver = (net - partner_net) * r.driver_bps / 10_000;
    let fee = x * r.gateway_fee_bps / 10_000;
    let platform = net - partner - driver;
    let mut out = vec![
        (Account::GatewayClearing, Account::VatPayable, vat, "vat"),
        (
            Account::GatewayFees,
            Account::GatewayClearing,
            fee,
            "gateway_fee",
        ),
        (
            Account::GatewayClearing,
            Account::PartnerPayable,
            partner,
            "partner_share",
        ),
        (
            Account::GatewayClearing,
            Account::DriverPayable,
            driver,
            "driver_share",
        ),
        (
            Account::GatewayClearing,
            Account::PlatformRevenue,
            platform,
            "platform_fee",
        ),
    ];
    out.retain(|t| t.2 > 0);
    out
}

/// The end-of-run checks over the whole run.
fn totals(s: &Settlement) -> Vec<Check> {
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
