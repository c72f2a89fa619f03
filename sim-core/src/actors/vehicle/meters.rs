//! Meters: the fare side of each booking aboard. Every booking has its own meter from its
//! boarding, its share of the tolls, and its leg's [`Account`] (what its customer
//! approved); the expected fare (the meter so far plus the predicted rest of the ride)
//! decides re-quotes by [`crate::money::requote_due`].

use crate::actors::fleet::FleetContext;
use crate::booking::PlanStop;
use crate::fare::{feed_route, price, FareBreakdown, Meter, Tariff};
use crate::ids::NodeId;
use crate::money::{self, Account};
use crate::time::SimTime;
use crate::traffic::SpeedTable;

/// The fare state of one booking aboard.
#[derive(Clone, Debug)]
pub(super) struct RideFare {
    pub meter: Meter,
    /// Seconds waited at the pickup beyond the dwell (priced after the free minutes).
    pub waited_s: u64,
    /// Tolls so far, won (shared with the bookings aboard at the time).
    pub tolls_won: i64,
    /// The leg's quote and what the customer approved: the quote, plus approved re-quotes.
    pub account: Account,
    /// A re-quote was sent and not answered yet.
    pub requote_pending: bool,
}

impl RideFare {
    /// A meter started at boarding `now`, at `node` (outside the city or not).
    pub fn start(
        tariff: &Tariff,
        now: SimTime,
        outside: bool,
        waited_s: u64,
        quote_won: i64,
    ) -> RideFare {
        RideFare {
            meter: Meter::start(tariff, now, outside),
            waited_s,
            tolls_won: 0,
            account: Account::quoted(quote_won),
            requote_pending: false,
        }
    }
}

/// The meter with the predicted rest of the ride from `from` (at the speeds in force), and
/// the fare it comes to with the booking's fees, waiting, tolls and surge.
pub(super) fn expected_fare(
    ctx: &FleetContext,
    speeds: &SpeedTable,
    from: NodeId,
    now: SimTime,
    stop: &PlanStop,
    fare: &RideFare,
) -> (Meter, FareBreakdown) {
    let mut meter = fare.meter.clone();
    let net = &ctx.world.net;
    let mut tolls = fare.tolls_won;
    if let Some(route) = ctx.route(speeds, from, stop.spec.dropoff_for(stop.leg)) {
        feed_route(
            &mut meter,
            &ctx.tariff,
            net,
            speeds,
            now,
            &route.edges,
            &ctx.in_city,
        );
        tolls += ctx.tolls.for_route(net, &route.edges);
    }
    let extras = money::extras(&stop.spec, stop.leg, fare.waited_s, tolls, stop.surge);
    let b = price(&ctx.tariff, &meter, &extras);
    (meter, b)
}

/// Whether to put a new fare to the customer ([`money::requote_due`]).
pub(super) fn requote_due(ctx: &FleetContext, fare: &RideFare, expected_won: i64) -> bool {
    let threshold = ctx.cfg.requote_threshold_won;
    money::requote_due(&fare.account, expected_won, threshold, fare.requote_pending)
}
