//! The customer actor: a household with its pets. It books trips as its share of a
//! non-homogeneous Poisson process (thinning: candidate moments at the peak rate, each kept
//! with probability rate(t) / peak); accepts or walks away from the upfront quote (a
//! logistic price-sensitivity model on quote / plain-taxi fare); approves re-quotes (auto
//! below a threshold, else logistic on new / old); cancels when the pickup is too late
//! (log-normal patience past the promised pickup); phones support when its information has
//! been stale for a while. Every booking ends here with a status and a reason.

pub mod msg;

use std::any::Any;
use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use crate::actors::partner::{PartnerInfo, PartnerKind};
use crate::actors::{
    CustomerMsg, DispatcherMsg, Misrouted, Msg, NoticeRequest, NotifierMsg, ServiceReply,
    SettlementMsg, VehicleMsg,
};
use crate::booking::{BookingSpec, Leg, PetSpec};
use crate::engine::{Cx, SimActor};
use crate::event::{BookingRecord, BookingStatus, Event, QuoteKind, QuoteRecord, SupportCall};
use crate::fare::Addon;
use crate::ids::{ActorId, BookingId, CustomerId, NodeId, VehicleId};
use crate::money::Account;
use crate::msg::{Delivery, QuoteOffer, RequoteReason};
use crate::notify::{Facts, NoticeKind};
use crate::time::{SimDuration, SimTime, MS_PER_H};
use crate::traffic::TrafficConfig;
use crate::weighted::Weighted;
use crate::world::World;

/// Behaviour parameters (`data/customers.toml`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CustomerModel {
    /// Quote / taxi fare ratio at which half the customers accept.
    pub accept_midpoint: f64,
    /// Spread of the acceptance curve.
    pub accept_scale: f64,
    /// Re-quotes raising the fare by at most this are approved without asking.
    pub auto_approve_won: i64,
    /// New / old ratio at which half approve.
    pub approve_midpoint: f64,
    /// Spread of the approval curve.
    pub approve_scale: f64,
    /// Median patience past the promised pickup, minutes.
    pub patience_median_min: f64,
    /// σ of log patience.
    pub patience_sigma: f64,
    /// Information older than this is stale.
    pub stale_after: SimDuration,
    /// Chance a stale moment becomes a support call.
    pub call_prob: f64,
    /// Accept every quote (ride-hailing users take the offer), not by the price model.
    pub always_accept: bool,
    /// Never cancel for a late pickup.
    pub patient: bool,
}

/// An add-on option of the demand mix.
#[derive(Clone, Debug, PartialEq)]
pub struct AddonOption {
    /// The add-on (`None`: plain transport).
    pub addon: Option<Addon>,
    /// Share of bookings.
    pub share: f64,
    /// Partner kind serving it.
    pub partner_kind: Option<PartnerKind>,
    /// Service time at the partner.
    pub service: SimDuration,
}

/// The demand process and its choices, shared by every customer.
#[derive(Debug)]
pub struct Demand {
    /// The demand process and mix.
    pub spec: DemandSpec,
    /// Number of customers sharing the demand.
    pub customers: u32,
    /// Partners, for add-ons.
    pub partners: Arc<[PartnerInfo]>,
    /// Network (for choosing the nearest partner).
    pub world: Arc<World>,
    /// Day types.
    pub traffic: Arc<TrafficConfig>,
    /// The thinning envelope, [`DemandSpec::peak_per_h`] (computed once).
    pub peak_per_h: f64,
}

/// The random demand, as a scenario gives it.
#[derive(Clone, Debug)]
pub struct DemandSpec {
    /// Bookings per day at hourly shares summing to 1, before multipliers.
    pub bookings_per_day: f64,
    /// `[day type][hour]` share of the day's bookings.
    pub hourly: [[f64; 24]; 3],
    /// Multipliers over time windows (peaks): (from, to, multiplier).
    pub peaks: Vec<(SimTime, SimTime, f64)>,
    /// No new bookings from this time on (lets a run drain).
    pub stop_at: SimTime,
    /// Share of intercity trips.
    pub intercity_share: f64,
    /// Intercity destinations with weights.
    pub intercity: Weighted<NodeId>,
    /// City destinations (districts) with weights (population).
    pub districts: Weighted<NodeId>,
    /// Add-on mix.
    pub addons: Vec<AddonOption>,
    /// Share of bookings made ahead of time.
    pub scheduled_share: f64,
    /// Median lead time of scheduled bookings, minutes (log-normal, σ 0.8, at most 12 h).
    pub lead_median_min: f64,
}

impl DemandSpec {
    fn multiplier(&self, t: SimTime) -> f64 {
        self.peaks
            .iter()
            .filter(|(a, b, _)| (*a..*b).contains(&t))
            .map(|p| p.2)
            .product()
    }

    /// Bookings per hour at `t`, all customers together.
    pub fn rate_per_h(&self, traffic: &TrafficConfig, t: SimTime) -> f64 {
        let day = traffic.day_type(t) as usize;
        let hour = (t.ms_of_day() / MS_PER_H) as usize;
        self.bookings_per_day * self.hourly[day][hour] * self.multiplier(t)
    }

    /// An upper bound of [`DemandSpec::rate_per_h`] (the thinning envelope): the largest
    /// hourly share times every multiplier above 1 (overlapping peaks multiply).
    pub fn peak_per_h(&self) -> f64 {
        let share = self.hourly.iter().flatten().copied().fold(0.0, f64::max);
        let mult: f64 = self.peaks.iter().map(|p| p.2.max(1.0)).product();
        self.bookings_per_day * share * mult
    }
}

fn pick<T: Copy>(rng: &mut impl Rng, items: &[(T, f64)]) -> Option<T> {
    let total: f64 = items.iter().map(|x| x.1).sum();
    if total <= 0.0 {
        return None;
    }
    let mut u = rng.random::<f64>() * total;
    for (x, w) in items {
        if u < *w {
            return Some(*x);
        }
        u -= w;
    }
    items.last().map(|x| x.0)
}

/// A booking under way as its household knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct BookingView {
    /// The booking.
    pub booking: BookingId,
    /// Where it stands, in words.
    pub phase: &'static str,
    /// When it was made.
    pub requested_at: SimTime,
    /// The earliest pickup asked for.
    pub pickup_after: SimTime,
    /// The quote, once made.
    pub quoted_won: Option<i64>,
    /// The van assigned, if any.
    pub vehicle: Option<VehicleId>,
    /// Re-quotes answered.
    pub requotes: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Quoting,
    Accepted,
    WaitingPickup,
    /// The vehicle is at the door: no more cancelling.
    AtDoor,
    Riding,
    AtPartner,
}

#[derive(Clone, Debug)]
struct Active {
    spec: Arc<BookingSpec>,
    quote: Option<QuoteOffer>,
    accepted: bool,
    assigned_at: Option<SimTime>,
    at_door_at: Option<SimTime>,
    vehicle: Option<VehicleId>,
    pickup_at: Option<SimTime>,
    dropoff_at: Option<SimTime>,
    ride_s: u64,
    distance_m: f64,
    /// The quote, approved re-quotes and metered legs.
    account: Account,
    requotes: u32,
    phase: Phase,
    last_update: SimTime,
    service_failed: Option<Arc<str>>,
    service_done: bool,
}

impl Active {
    /// The customer hears of the booking at `now` directly from the app, or, when the
    /// run has a notifier (`notices`), only through the notices it delivers: then an
    /// outage leaves the customer's information stale.
    fn heard(&mut self, now: SimTime, notices: bool) {
        if !notices {
            self.last_update = now;
        }
    }
}

/// A customer (household).
pub struct Customer {
    id: CustomerId,
    home: NodeId,
    pets: Vec<PetSpec>,
    model: CustomerModel,
    dispatcher: ActorId,
    demand: Option<Arc<Demand>>,
    active: Option<Active>,
    made: u32,
    closed: u32,
    busy_skips: u32,
    id_stride: u32,
    /// The notifier, if the run has one: receipts go through it and the customer hears of
    /// the booking through its notices.
    notifier: Option<ActorId>,
    /// The settlement service, if the run has one: quotes accepted, fares raised and
    /// bookings ended go to it.
    settlement: Option<ActorId>,
    misrouted: Misrouted,
}

impl Customer {
    /// A household at `home` with `pets`, booking by `demand` (if any).
    /// Booking ids are `made x id_stride + customer id`, unique across customers.
    pub fn new(
        id: CustomerId,
        home: NodeId,
        pets: Vec<PetSpec>,
        model: CustomerModel,
        dispatcher: ActorId,
        demand: Option<Arc<Demand>>,
        id_stride: u32,
    ) -> Customer {
        Customer {
            id,
            home,
            pets,
            model,
            dispatcher,
            demand,
            active: None,
            made: 0,
            closed: 0,
            busy_skips: 0,
            id_stride,
            notifier: None,
            settlement: None,
            misrouted: Misrouted::default(),
        }
    }

    /// Reports its bookings' money to `settlement`.
    pub fn with_settlement(mut self, settlement: Option<ActorId>) -> Customer {
        self.settlement = settlement;
        self
    }

    /// Sends receipts through `notifier` and hears of bookings through its notices.
    pub fn with_notifier(mut self, notifier: Option<ActorId>) -> Customer {
        self.notifier = notifier;
        self
    }

    /// Bookings made and closed.
    pub fn counts(&self) -> (u32, u32) {
        (self.made, self.closed)
    }

    /// Booking moments skipped because the household already had a booking under way.
    pub fn busy_skips(&self) -> u32 {
        self.busy_skips
    }

    /// The booking under way, as the household knows it (a query: `petfleet reproduce`).
    pub fn booking_view(&self) -> Option<BookingView> {
        let a = self.active.as_ref()?;
        let phase = match a.phase {
            Phase::Quoting => "waiting for its quote",
            Phase::Accepted => "accepted, waiting for dispatch",
            Phase::WaitingPickup => "assigned, waiting for its pickup",
            Phase::AtDoor => "van at the door",
            Phase::Riding => "riding",
            Phase::AtPartner => "at the partner",
        };
        Some(BookingView {
            booking: a.spec.booking,
            phase,
            requested_at: a.spec.requested_at,
            pickup_after: a.spec.pickup_after,
            quoted_won: a.quote.as_ref().map(|q| q.fare_won),
            vehicle: a.vehicle,
            requotes: a.requotes,
        })
    }

    fn next_candidate(&self, cx: &mut Cx<'_, Msg, Event>) {
        let Some(d) = &self.demand else { return };
        let per_customer = d.peak_per_h / f64::from(d.customers.max(1));
        if per_customer <= 0.0 {
            return;
        }
        let gap_h: f64 = Exp::new(per_customer)
            .map(|e| e.sample(cx.rng()))
            .unwrap_or(f64::INFINITY);
        if gap_h.is_finite() {
            cx.send_self(
                SimDuration::from_secs_f64(gap_h * 3_600.0).max(SimDuration(1)),
                CustomerMsg::DemandTick,
            );
        }
    }

    /// Draws a booking from the demand mix.
    fn draw_booking(
        &mut self,
        now: SimTime,
        d: &Demand,
        cx: &mut Cx<'_, Msg, Event>,
    ) -> Option<BookingSpec> {
        let rng = cx.rng();
        let options: Vec<(usize, f64)> = d
            .spec
            .addons
            .iter()
            .enumerate()
            .map(|(i, a)| (i, a.share))
            .collect();
        let opt = &d.spec.addons[pick(rng, &options)?];
        // Booked ahead: a log-normal lead (σ 0.8), at most 12 hours.
        let lead_min = if rng.random::<f64>() < d.spec.scheduled_share {
            LogNormal::new(d.spec.lead_median_min.max(1.0).ln(), 0.8)
                .map(|l| l.sample(rng))
                .unwrap_or(d.spec.lead_median_min)
                .min(720.0)
        } else {
            0.0
        };
        let pickup_after = now + SimDuration::from_secs_f64(lead_min * 60.0);
        // The nearest partner of the kind outside the home district that is open throughout
        // the 90 minutes after the pickup (lowest id on ties); with none, plain transport.
        let partner = match (opt.addon, opt.partner_kind) {
            (Some(a), Some(kind)) => d
                .partners
                .iter()
                .filter(|p| {
                    p.kind == kind
                        && p.node != self.home
                        && (0..=6).all(|k| p.is_open(pickup_after + SimDuration::from_mins(15 * k)))
                })
                .min_by(|x, y| {
                    d.world
                        .net
                        .crow_m(self.home, x.node)
                        .total_cmp(&d.world.net.crow_m(self.home, y.node))
                        .then(x.id.cmp(&y.id))
                })
                .map(|p| (a, p.id, p.node)),
            _ => None,
        };
        let (dropoff, addon) = match partner {
            Some((a, id, node)) => (node, Some((a, id))),
            None => {
                let list = if rng.random::<f64>() < d.spec.intercity_share {
                    &d.spec.intercity
                } else {
                    &d.spec.districts
                };
                (list.draw_except(rng, self.home)?, None)
            }
        };
        let booking = BookingId(self.made * self.id_stride + self.id.0);
        Some(BookingSpec {
            booking,
            customer: self.id,
            customer_actor: cx.me(),
            pets: self.pets.clone(),
            pickup: self.home,
            dropoff,
            requested_at: now,
            pickup_after,
            addon,
            returns: addon.is_some_and(|(a, _)| a.comes_home()),
            service_time: if addon.is_some() {
                opt.service
            } else {
                SimDuration::ZERO
            },
            vehicle: None,
        })
    }

    fn open(&mut self, now: SimTime, spec: BookingSpec, cx: &mut Cx<'_, Msg, Event>) {
        self.made += 1;
        let spec = Arc::new(spec);
        self.active = Some(Active {
            spec: spec.clone(),
            quote: None,
            accepted: false,
            assigned_at: None,
            at_door_at: None,
            vehicle: None,
            pickup_at: None,
            dropoff_at: None,
            ride_s: 0,
            distance_m: 0.0,
            account: Account::default(),
            requotes: 0,
            phase: Phase::Quoting,
            last_update: now,
            service_failed: None,
            service_done: false,
        });
        cx.send(
            self.dispatcher,
            SimDuration::ZERO,
            DispatcherMsg::BookingRequest(spec),
        );
        cx.send_self(self.model.stale_after, CustomerMsg::StaleCheck);
    }

    fn close(&mut self, status: BookingStatus, reason: &str, cx: &mut Cx<'_, Msg, Event>) {
        let Some(a) = self.active.take() else { return };
        self.closed += 1;
        let booking = a.spec.booking;
        cx.send(
            self.dispatcher,
            SimDuration::ZERO,
            DispatcherMsg::BookingEnded { booking },
        );
        let final_fare = a.account.charge(status);
        self.report_money(&a, final_fare, cx);
        if let Some(f) = final_fare {
            cx.emit(Event::Quote(QuoteRecord {
                booking,
                kind: QuoteKind::Final,
                fare_won: f,
                compared_won: a.account.metered_won,
                decision: "charged",
                learned: None,
            }));
        }
        cx.emit(Event::BookingClosed(Box::new(Self::record(
            self.id,
            &a,
            (final_fare, status),
            reason,
        ))));
    }

    /// The booking's money to the settlement service (an accepted booking's charge, its
    /// partner's share, a refund owed) and its receipt through the notifier.
    fn report_money(&self, a: &Active, final_fare: Option<i64>, cx: &mut Cx<'_, Msg, Event>) {
        let booking = a.spec.booking;
        if let Some(settlement) = self.settlement.filter(|_| a.accepted) {
            // A partner's add-on fee is part of the charge only when the fare was charged.
            let charge_won = final_fare.unwrap_or(0);
            let addon = (a.quote.as_ref().map_or(0, |q| q.addon_fee_won)).min(charge_won);
            // The refund rule: an add-on the partner could not do is refunded its fee.
            let refund_won = if a.service_failed.is_some() { addon } else { 0 };
            let ended = SettlementMsg::Ended {
                booking,
                at: cx.now(),
                charge_won,
                partner_won: addon - refund_won,
                refund_won,
            };
            cx.send(settlement, SimDuration::ZERO, ended);
        }
        let (Some(f), Some(notifier)) = (final_fare, self.notifier) else {
            return;
        };
        let receipt = NoticeRequest {
            kind: NoticeKind::Receipt,
            booking,
            customer: self.id,
            customer_actor: cx.me(),
            seq: 0,
            facts: Facts {
                won: [f, 0],
                ..Facts::default()
            },
            payload: None,
            on_fail: None,
        };
        let notify = NotifierMsg::Notify(Arc::new(receipt));
        cx.send(notifier, SimDuration::ZERO, notify);
    }

    /// The row of `bookings.csv` for a booking that ends.
    fn record(
        customer: CustomerId,
        a: &Active,
        (final_fare, status): (Option<i64>, BookingStatus),
        reason: &str,
    ) -> BookingRecord {
        let s = &a.spec;
        let pets = (s.pets.iter())
            .map(|p| {
                format!(
                    "{}/{}/{:.1}kg",
                    p.species.name(),
                    p.size.name(),
                    p.weight_kg
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        BookingRecord {
            booking: s.booking,
            customer,
            pets,
            pickup: s.pickup,
            dropoff: s.dropoff,
            addon: s.addon.map(|(a, _)| format!("{a:?}")),
            requested_at: s.requested_at,
            requested_pickup: s.pickup_after,
            quoted_won: a.quote.as_ref().map(|q| q.fare_won),
            accepted: a.accepted,
            assigned_at: a.assigned_at,
            at_door_at: a.at_door_at,
            vehicle: a.vehicle,
            pickup_at: a.pickup_at,
            dropoff_at: a.dropoff_at,
            wait_s: (a.pickup_at).map(|p| p.saturating_since(s.pickup_after).as_ms() / 1_000),
            ride_s: a.ride_s,
            distance_m: a.distance_m,
            requotes: a.requotes,
            final_fare_won: final_fare,
            status,
            reason: reason.to_string(),
        }
    }

    fn logistic(x: f64, mid: f64, scale: f64) -> f64 {
        1.0 / (1.0 + ((x - mid) / scale.max(1e-9)).exp())
    }

    fn finish_if_done(&mut self, cx: &mut Cx<'_, Msg, Event>) {
        let Some(a) = &self.active else { return };
        let reason = match &a.service_failed {
            Some(r) => format!("{r}; pets brought home"),
            None => "delivered".to_string(),
        };
        let status = if a.service_failed.is_some() {
            BookingStatus::Cancelled
        } else {
            BookingStatus::Completed
        };
        self.close(status, &reason, cx);
    }
}

/// What a customer does with each message (the rules: [`Customer::accepts`],
/// [`Customer::approves`], [`Customer::patience`], and the support call when stale).
impl Customer {
    /// A candidate moment of the demand process: kept by thinning, booked if free.
    fn on_demand_tick(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let Some(d) = self.demand.clone() else { return };
        if now >= d.spec.stop_at {
            return;
        }
        let keep = d.spec.rate_per_h(&d.traffic, now) / d.peak_per_h.max(1e-12);
        if cx.rng().random::<f64>() < keep {
            if self.active.is_some() {
                self.busy_skips += 1;
            } else if let Some(spec) = self.draw_booking(now, &d, cx) {
                self.open(now, spec, cx);
            }
        }
        self.next_candidate(cx);
    }

    fn on_scripted(&mut self, now: SimTime, spec: &Arc<BookingSpec>, cx: &mut Cx<'_, Msg, Event>) {
        if self.active.is_some() {
            self.busy_skips += 1;
        } else {
            let mut spec = BookingSpec::clone(spec);
            spec.booking = BookingId(self.made * self.id_stride + self.id.0);
            self.open(now, spec, cx);
        }
    }

    fn on_quote(&mut self, now: SimTime, q: QuoteOffer, cx: &mut Cx<'_, Msg, Event>) {
        let model = self.model;
        let Some(a) = &mut self.active else { return };
        let accepted = Self::accepts(&model, &q, cx);
        cx.emit(Event::Quote(QuoteRecord {
            booking: q.booking,
            kind: QuoteKind::Upfront,
            fare_won: q.fare_won,
            compared_won: q.reference_won,
            decision: if accepted { "accepted" } else { "declined" },
            learned: q.learned,
        }));
        cx.send(
            self.dispatcher,
            SimDuration::ZERO,
            DispatcherMsg::QuoteAnswer {
                booking: q.booking,
                accepted,
            },
        );
        a.account = Account::quoted(q.fare_won);
        a.quote = Some(q);
        a.accepted = accepted;
        a.last_update = now;
        if let Some(s) = self.settlement.filter(|_| accepted) {
            let booking = a.spec.booking;
            let quote_won = a.account.quoted_won;
            cx.send(
                s,
                SimDuration::ZERO,
                SettlementMsg::Accepted { booking, quote_won },
            );
        }
        if accepted {
            a.phase = Phase::Accepted;
        } else {
            self.close(
                BookingStatus::Cancelled,
                "customer declined the quote (price)",
                cx,
            );
        }
    }

    /// The quote acceptance rule: logistic in transport fare / plain taxi fare (the
    /// add-on's service fee is not part of the comparison).
    fn accepts(model: &CustomerModel, q: &QuoteOffer, cx: &mut Cx<'_, Msg, Event>) -> bool {
        let ratio = (q.fare_won - q.addon_fee_won) as f64 / (q.reference_won.max(1) as f64);
        let p = Self::logistic(ratio, model.accept_midpoint, model.accept_scale);
        model.always_accept || cx.rng().random::<f64>() < p
    }

    fn on_assigned(
        &mut self,
        now: SimTime,
        booking: BookingId,
        vehicle: VehicleId,
        pickup_eta: SimTime,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let (model, notices) = (self.model, self.notifier.is_some());
        let Some(a) = &mut self.active else { return };
        a.vehicle = Some(vehicle);
        a.heard(now, notices);
        if a.phase == Phase::Accepted {
            a.assigned_at = Some(now);
            a.phase = Phase::WaitingPickup;
            if model.patient {
                return;
            }
            let promised = pickup_eta.max(a.spec.pickup_after);
            let deadline = promised + Self::patience(&model, cx);
            cx.send_self(
                deadline.saturating_since(now),
                CustomerMsg::PatienceCheck { booking },
            );
        }
    }

    /// The patience rule: how long past the promised pickup a customer waits (log-normal).
    fn patience(model: &CustomerModel, cx: &mut Cx<'_, Msg, Event>) -> SimDuration {
        let minutes = LogNormal::new(
            model.patience_median_min.max(0.1).ln(),
            model.patience_sigma,
        )
        .map(|l| l.sample(cx.rng()))
        .unwrap_or(model.patience_median_min);
        SimDuration::from_secs_f64(minutes * 60.0)
    }

    fn on_patience_check(&mut self, booking: BookingId, cx: &mut Cx<'_, Msg, Event>) {
        if self
            .active
            .as_ref()
            .is_some_and(|a| a.spec.booking == booking && a.phase == Phase::WaitingPickup)
        {
            cx.send(
                self.dispatcher,
                SimDuration::ZERO,
                DispatcherMsg::CancelBooking { booking },
            );
            self.close(
                BookingStatus::Cancelled,
                "pickup too late: customer cancelled",
                cx,
            );
        }
    }

    fn on_requote(
        &mut self,
        now: SimTime,
        booking: BookingId,
        (old_won, new_won): (i64, i64),
        reason: RequoteReason,
        from: ActorId,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let model = self.model;
        let Some(a) = &mut self.active else {
            cx.send(
                from,
                SimDuration::ZERO,
                VehicleMsg::RequoteAnswer {
                    booking,
                    approved: false,
                    new_won,
                },
            );
            return;
        };
        a.last_update = now;
        a.requotes += 1;
        let (approved, decision) = Self::approves(&model, old_won, new_won, cx);
        if approved {
            a.account.approve(old_won, new_won);
            if let Some(s) = self.settlement {
                let delta_won = new_won - old_won;
                cx.send(
                    s,
                    SimDuration::ZERO,
                    SettlementMsg::Raised { booking, delta_won },
                );
            }
        }
        cx.emit(Event::Quote(QuoteRecord {
            booking,
            kind: QuoteKind::Requote(reason),
            fare_won: new_won,
            compared_won: old_won,
            decision,
            learned: None,
        }));
        cx.send(
            from,
            SimDuration::ZERO,
            VehicleMsg::RequoteAnswer {
                booking,
                approved,
                new_won,
            },
        );
    }

    /// The re-quote approval rule: automatic up to `auto_approve_won` more, else logistic
    /// in new / old. Returns (approved, the decision as recorded).
    fn approves(
        model: &CustomerModel,
        old_won: i64,
        new_won: i64,
        cx: &mut Cx<'_, Msg, Event>,
    ) -> (bool, &'static str) {
        if new_won - old_won <= model.auto_approve_won {
            return (true, "auto_approved");
        }
        let ratio = new_won as f64 / old_won.max(1) as f64;
        let p = Self::logistic(ratio, model.approve_midpoint, model.approve_scale);
        if cx.rng().random::<f64>() < p {
            (true, "approved")
        } else {
            (false, "declined")
        }
    }

    fn on_delivered(&mut self, now: SimTime, d: &Delivery, cx: &mut Cx<'_, Msg, Event>) {
        let notices = self.notifier.is_some();
        let Some(a) = &mut self.active else { return };
        a.heard(now, notices);
        a.distance_m += d.distance_m;
        a.ride_s += d.dropped_at.saturating_since(d.picked_at).as_ms() / 1_000;
        a.account.metered(d.metered_won);
        a.dropoff_at = Some(d.dropped_at);
        let done = match (d.leg, a.spec.addon) {
            (Leg::Return, _) | (Leg::Outbound, None) => true,
            (Leg::Outbound, Some(_)) => {
                a.phase = Phase::AtPartner;
                !a.spec.returns && a.service_done
            }
        };
        if done {
            self.finish_if_done(cx);
        }
    }

    /// The support rule: a customer whose information is `stale_after` old calls with
    /// probability `call_prob`; checked every `stale_after`.
    fn on_stale_check(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        let model = self.model;
        let Some(a) = &mut self.active else { return };
        let stale = now.saturating_since(a.last_update);
        if a.phase != Phase::Quoting
            && stale >= model.stale_after
            && cx.rng().random::<f64>() < model.call_prob
        {
            let phase = match a.phase {
                Phase::Riding => "riding",
                Phase::AtPartner => "at_partner",
                _ => "waiting_pickup",
            };
            cx.emit(Event::SupportCall(SupportCall {
                customer: self.id,
                booking: a.spec.booking,
                stale_min: stale.as_secs_f64() / 60.0,
                phase,
            }));
            // The call brings them up to date.
            a.last_update = now;
        }
        cx.send_self(model.stale_after, CustomerMsg::StaleCheck);
    }
}

/// The booking a message from the fleet is about: one the household may no longer hold
/// (a van's late word on a booking the household cancelled).
fn about(msg: &CustomerMsg) -> Option<crate::ids::BookingId> {
    match msg {
        CustomerMsg::Rejected { booking, .. }
        | CustomerMsg::Assigned { booking, .. }
        | CustomerMsg::AtPickup { booking }
        | CustomerMsg::PickedUp { booking, .. }
        | CustomerMsg::TripUpdate { booking }
        | CustomerMsg::ServiceFailed { booking, .. } => Some(*booking),
        CustomerMsg::Delivered(d) => Some(d.booking),
        _ => None,
    }
}

impl Customer {
    fn on_msg(&mut self, now: SimTime, msg: CustomerMsg, cx: &mut Cx<'_, Msg, Event>) {
        // Word about another booking than the one the household holds changes nothing:
        // the household's current booking is not the one the van is talking about.
        if let Some(b) = about(&msg) {
            if self.active.as_ref().is_none_or(|a| a.spec.booking != b) {
                tracing::debug!(customer = %self.id, booking = %b, kind = crate::msg::MsgGroup::kind(&msg), "word about a booking the household no longer holds");
                return;
            }
        }
        let notices = self.notifier.is_some();
        match msg {
            CustomerMsg::DemandTick => self.on_demand_tick(now, cx),
            CustomerMsg::BookScripted(spec) => self.on_scripted(now, &spec, cx),
            CustomerMsg::Quote(q) => self.on_quote(now, q, cx),
            CustomerMsg::Rejected { reason, .. } => {
                self.close(BookingStatus::Rejected, &reason, cx)
            }
            CustomerMsg::Assigned {
                booking,
                vehicle,
                pickup_eta,
            } => self.on_assigned(now, booking, vehicle, pickup_eta, cx),
            CustomerMsg::PatienceCheck { booking } => self.on_patience_check(booking, cx),
            CustomerMsg::AtPickup { .. } => {
                if let Some(a) = &mut self.active {
                    a.heard(now, notices);
                    if a.phase == Phase::WaitingPickup {
                        a.phase = Phase::AtDoor;
                        a.at_door_at.get_or_insert(now);
                    }
                }
            }
            CustomerMsg::PickedUp { leg, .. } => {
                let Some(a) = &mut self.active else { return };
                a.heard(now, notices);
                a.phase = Phase::Riding;
                if leg == Leg::Outbound {
                    a.pickup_at = Some(now);
                }
            }
            CustomerMsg::TripUpdate { .. } => {
                if let Some(a) = &mut self.active {
                    a.heard(now, notices);
                }
            }
            CustomerMsg::Requote {
                booking,
                old_won,
                new_won,
                reason,
                from,
            } => self.on_requote(now, booking, (old_won, new_won), reason, from, cx),
            CustomerMsg::Delivered(d) => self.on_delivered(now, &d, cx),
            CustomerMsg::ServiceFailed { reason, .. } => {
                if let Some(a) = &mut self.active {
                    a.service_failed = Some(reason);
                    a.last_update = now;
                }
            }
            CustomerMsg::StaleCheck => self.on_stale_check(now, cx),
            CustomerMsg::Notice { booking, .. } => {
                if let Some(a) = (self.active.as_mut()).filter(|a| a.spec.booking == booking) {
                    a.last_update = now;
                }
            }
        }
    }

    /// What the dispatcher passes on from a partner: the service started or is done.
    fn on_reply(&mut self, now: SimTime, reply: ServiceReply, cx: &mut Cx<'_, Msg, Event>) {
        match reply {
            ServiceReply::ServiceStarted { until, .. } => {
                // The partner said when it will be done: the information is fresh till then.
                if let Some(a) = &mut self.active {
                    a.last_update = a.last_update.max(until);
                }
            }
            ServiceReply::ServiceDone { .. } => {
                let Some(a) = &mut self.active else { return };
                a.service_done = true;
                a.last_update = now;
                if !a.spec.returns && a.phase == Phase::AtPartner {
                    self.finish_if_done(cx);
                }
            }
            // The dispatcher tells a customer of a refusal as `ServiceFailed`.
            r @ ServiceReply::ServiceRejected { .. } => self.misrouted.count(&r.into()),
        }
    }
}

impl SimActor<Msg, Event> for Customer {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => self.next_candidate(cx),
            Msg::Customer(m) => self.on_msg(now, m, cx),
            Msg::Reply(r) => self.on_reply(now, r, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn problems(&self) -> Vec<String> {
        (self
            .misrouted
            .problem(&format!("customer {}", self.id))
            .into_iter())
        .collect()
    }

    fn on_end(&mut self, _now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        if self.active.is_some() {
            self.close(BookingStatus::Open, "the run ended first", cx);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Outbox;
    use crate::ids::{BookingId, VehicleId};
    use crate::msg::Delivery;
    use crate::rng::{actor_rng, ActorKind};

    const ME: ActorId = ActorId(9);

    fn household() -> Customer {
        let model = CustomerModel {
            accept_midpoint: 1.5,
            accept_scale: 0.2,
            auto_approve_won: 5_000,
            approve_midpoint: 1.2,
            approve_scale: 0.1,
            patience_median_min: 30.0,
            patience_sigma: 0.5,
            stale_after: SimDuration::from_mins(30),
            call_prob: 0.0,
            always_accept: true,
            patient: true,
        };
        Customer::new(
            CustomerId(0),
            NodeId(0),
            Vec::new(),
            model,
            ActorId(1),
            None,
            1,
        )
    }

    fn deliver(c: &mut Customer, now: SimTime, msg: impl Into<Msg>) -> Outbox<Msg, Event> {
        let mut out = Outbox::default();
        let mut rng = actor_rng(1, ActorKind::Customer, 0);
        let mut cx = Cx::new(now, ME, 0, &mut rng, &mut out);
        c.handle(now, msg.into(), &mut cx);
        out
    }

    fn delivered(booking: BookingId, at: SimTime) -> CustomerMsg {
        CustomerMsg::Delivered(Arc::new(Delivery {
            booking,
            leg: Leg::Outbound,
            vehicle: VehicleId(3),
            picked_at: at,
            dropped_at: at,
            distance_m: 6_317.0,
            waited_s: 0,
            tolls_won: 0,
            metered_m: 6_317.0,
            slow_s: 0.0,
            metered_won: 36_200,
        }))
    }

    #[test]
    fn a_vans_word_about_a_cancelled_booking_does_not_touch_the_current_one() {
        let mut c = household();
        let t0 = SimTime::from_day_hms(0, 14, 4, 1);
        let spec = BookingSpec {
            booking: BookingId(0),
            customer: CustomerId(0),
            customer_actor: ME,
            pets: Vec::new(),
            pickup: NodeId(52),
            dropoff: NodeId(53),
            requested_at: t0,
            pickup_after: t0,
            addon: None,
            returns: false,
            service_time: SimDuration::ZERO,
            vehicle: None,
        };
        let out = deliver(&mut c, t0, CustomerMsg::BookScripted(Arc::new(spec)));
        let current = match &out.sends[0].msg {
            Msg::Dispatcher(DispatcherMsg::BookingRequest(s)) => s.booking,
            other => panic!("a booking request first, not {}", other.kind()),
        };
        let old = BookingId(current.0 + 1_000);
        let later = t0 + SimDuration::from_mins(1);
        let stray = deliver(&mut c, later, delivered(old, later));
        assert!(
            stray.sends.is_empty() && stray.events.is_empty(),
            "nothing for B{}",
            old.0
        );
        let kind =
            |o: &Outbox<Msg, Event>| o.events.iter().map(|e| e.event.kind()).collect::<Vec<_>>();
        assert!(kind(&deliver(
            &mut c,
            later,
            CustomerMsg::PickedUp {
                booking: old,
                leg: Leg::Outbound
            }
        ))
        .is_empty());
        let own = deliver(&mut c, later, delivered(current, later));
        assert!(
            kind(&own).contains(&"booking_closed"),
            "its own delivery closes it: {:?}",
            kind(&own)
        );
    }
}
