//! Meters: the fare side of each booking aboard. Every booking has its own meter from its
//! boarding, its share of the tolls, and the fare its customer approved; the expected fare
//! (the meter so far plus the predicted rest of the ride) decides re-quotes.

use crate::actors::fleet::FleetContext;
use crate::booking::{Leg, PlanStop};
use crate::fare::{feed_route, price, Extras, FareBreakdown, Meter, Tariff};
use crate::ids::NodeId;
use crate::time::SimTime;
use crate::traffic::SpeedTable;
use crate::world::{Edge, RoadClass};

/// The fare state of one booking aboard.
#[derive(Clone, Debug)]
pub(super) struct RideFare {
    pub meter: Meter,
    /// Seconds waited at the pickup beyond the dwell (priced after the free minutes).
    pub waited_s: u64,
    /// Tolls so far, won (shared with the bookings aboard at the time).
    pub tolls_won: f64,
    /// The fare the customer approved: the quote, plus approved re-quotes.
    pub approved_won: i64,
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
        approved_won: i64,
    ) -> RideFare {
        RideFare {
            meter: Meter::start(tariff, now, outside),
            waited_s,
            tolls_won: 0.0,
            approved_won,
            requote_pending: false,
        }
    }
}

/// The toll for driving `edge` with pets aboard: the entry fee on the first edge of a
/// stretch of expressway (`prev_expressway` false), then per km. `None` off expressways.
pub(super) fn edge_toll_won(ctx: &FleetContext, edge: &Edge, prev_expressway: bool) -> Option<f64> {
    (edge.class == RoadClass::Expressway).then(|| {
        let mut won = ctx.tolls.per_km_won * edge.length_m / 1_000.0;
        if !prev_expressway {
            won += ctx.tolls.entry_won as f64;
        }
        won
    })
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
        tolls += ctx.tolls.for_route(net, &route.edges) as f64;
    }
    let spec = &stop.spec;
    let extras = Extras {
        pets: spec.pets.iter().map(|p| p.size).collect(),
        waited_s: fare.waited_s,
        addons: match (stop.leg, spec.addon) {
            (Leg::Outbound, Some((a, _))) => vec![a],
            _ => vec![],
        },
        tolls_won: tolls.round() as i64,
        surge: stop.surge,
    };
    let b = price(&ctx.tariff, &meter, &extras);
    (meter, b)
}

/// The re-quote rule: a new fare is put to the customer when the expected fare exceeds
/// the approved one by more than `[pricing] requote_threshold_won`, one question at a time.
pub(super) fn requote_due(ctx: &FleetContext, fare: &RideFare, expected_won: i64) -> bool {
    !fare.requote_pending && expected_won - fare.approved_won > ctx.cfg.requote_threshold_won
}
