//! Money in one place, in integer won: a booking's account (the upfront quote, approved
//! re-quotes, the metered fare), the charge policy, the re-quote rule, the fees a fare is
//! priced with ([`extras`]), and expressway tolls shared between the bookings aboard.
//!
//! Actors keep accounts and call these functions; none of them prices, charges or splits
//! money on its own. The tariff itself (base, distance and time units, night and
//! out-of-city surcharges, rounding) is [`crate::fare`].

use crate::booking::{BookingSpec, Leg};
use crate::event::BookingStatus;
use crate::fare::Extras;
use crate::ids::EdgeId;
use crate::world::{Edge, RoadClass, RoadNetwork};

/// What a customer agreed to pay and what the meter said, for a booking (kept by the
/// customer) or for one leg of it (kept by the vehicle carrying that leg).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// The upfront quote.
    pub quoted_won: i64,
    /// The quote plus the approved re-quotes: what the customer agreed to at most.
    pub approved_won: i64,
    /// The metered fares of the legs delivered so far.
    pub metered_won: i64,
}

impl Account {
    /// An account opened by an accepted quote.
    pub fn quoted(won: i64) -> Account {
        Account {
            quoted_won: won,
            approved_won: won,
            metered_won: 0,
        }
    }

    /// The customer approved a re-quote from `old_won` to `new_won` (of this account or,
    /// for a booking's account, of one of its legs): the difference is added.
    pub fn approve(&mut self, old_won: i64, new_won: i64) {
        self.approved_won += new_won - old_won;
    }

    /// A leg was delivered with this metered fare.
    pub fn metered(&mut self, won: i64) {
        self.metered_won += won;
    }

    /// The charge policy: a completed booking, or one cancelled after a leg was metered,
    /// pays the metered fare capped at what the customer approved; any other ending pays
    /// nothing.
    pub fn charge(&self, status: BookingStatus) -> Option<i64> {
        let metered = status == BookingStatus::Completed
            || (status == BookingStatus::Cancelled && self.metered_won > 0);
        metered.then(|| self.metered_won.min(self.approved_won))
    }
}

/// The re-quote rule: a new fare is put to the customer when the expected fare exceeds
/// the approved one by more than `threshold_won` (`[pricing] requote_threshold_won`), one
/// question at a time (`pending`: one is out and not answered).
pub fn requote_due(
    account: &Account,
    expected_won: i64,
    threshold_won: i64,
    pending: bool,
) -> bool {
    !pending && expected_won - account.approved_won > threshold_won
}

/// The fees a leg of a booking is priced with: its pets' size classes, the seconds waited
/// at the pickup, its add-on (on the outbound leg only), its tolls and the surge.
pub fn extras(spec: &BookingSpec, leg: Leg, waited_s: u64, tolls_won: i64, surge: f64) -> Extras {
    Extras {
        pets: spec.pets.iter().map(|p| p.size).collect(),
        waited_s,
        addons: match (leg, spec.addon) {
            (Leg::Outbound, Some((a, _))) => vec![a],
            _ => vec![],
        },
        tolls_won,
        surge,
    }
}

/// The plain taxi's fees for the same ride (the customer's reference): tolls only.
pub fn plain_extras(tolls_won: i64) -> Extras {
    Extras {
        tolls_won,
        surge: 1.0,
        ..Extras::default()
    }
}

/// Expressway tolls (closed system): an entry charge per stretch of expressway entered
/// plus a rate per km on it (`data/network/tolls.csv`), all in integer won.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tolls {
    /// Per stretch entered.
    pub entry_won: i64,
    /// Per 1,000 km driven on expressways (44.3 won per km is 44,300).
    pub per_1000km_won: i64,
}

impl Tolls {
    /// The toll for driving `edge`, entering the expressway on it when `entering` (the
    /// edge before was not an expressway): the entry charge, plus the rate times the
    /// edge's length in whole metres, rounded to the won (half up). `None` off
    /// expressways.
    pub fn edge_won(&self, edge: &Edge, entering: bool) -> Option<i64> {
        (edge.class == RoadClass::Expressway).then(|| {
            let metres = edge.length_m.round() as i64;
            let distance = (self.per_1000km_won * metres + 500_000) / 1_000_000;
            distance + if entering { self.entry_won } else { 0 }
        })
    }

    /// The tolls for driving `edges` (entering from a non-expressway before the first):
    /// the sum of [`Tolls::edge_won`], so a route's quote and its meter agree to the won.
    pub fn for_route(&self, net: &RoadNetwork, edges: &[EdgeId]) -> i64 {
        let mut won = 0;
        let mut on = false;
        for &e in edges {
            let edge = net.edge(e);
            let toll = self.edge_won(edge, !on);
            on = toll.is_some();
            won += toll.unwrap_or(0);
        }
        won
    }
}

/// Splits `total_won` between `n` bookings in whole won: each gets `total / n`, and the
/// first also gets the remainder, so the shares add up to the total exactly.
pub fn split_won(total_won: i64, n: usize) -> impl Iterator<Item = i64> {
    let n = n.max(1) as i64;
    let (share, rest) = (total_won.div_euclid(n), total_won.rem_euclid(n));
    (0..n).map(move |i| share + if i == 0 { rest } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::NodeId;
    use geo::LineString;
    use proptest::prelude::*;

    fn expressway(length_m: f64) -> Edge {
        Edge {
            id: EdgeId(0),
            twin: None,
            from: NodeId(0),
            to: NodeId(1),
            road: "Gyeongbu".into(),
            class: RoadClass::Expressway,
            length_m,
            speed_kmh: 100.0,
            lanes: 2,
            geometry: LineString::new(vec![]),
        }
    }

    #[test]
    fn the_charge_is_the_meter_capped_at_what_was_approved() {
        let mut a = Account::quoted(30_000);
        a.approve(30_000, 34_000);
        a.metered(36_500);
        assert_eq!(a.approved_won, 34_000);
        assert_eq!(a.charge(BookingStatus::Completed), Some(34_000));
        assert_eq!(a.charge(BookingStatus::Cancelled), Some(34_000));
        assert_eq!(a.charge(BookingStatus::Rejected), None);
        assert_eq!(a.charge(BookingStatus::Open), None);
        let b = Account::quoted(30_000);
        assert_eq!(b.charge(BookingStatus::Cancelled), None, "nothing metered");
    }

    #[test]
    fn a_requote_is_due_above_the_threshold_and_one_at_a_time() {
        let a = Account::quoted(20_000);
        assert!(!requote_due(&a, 21_000, 1_000, false));
        assert!(requote_due(&a, 21_001, 1_000, false));
        assert!(!requote_due(&a, 30_000, 1_000, true));
    }

    #[test]
    fn tolls_are_whole_won_from_the_entry_and_the_rate_per_km() {
        let t = Tolls {
            entry_won: 900,
            per_1000km_won: 44_300,
        };
        // 10 km at 44.3 won/km is 443 won; 0.5 won rounds up.
        assert_eq!(t.edge_won(&expressway(10_000.0), true), Some(1_343));
        assert_eq!(t.edge_won(&expressway(10_000.0), false), Some(443));
        assert_eq!(t.edge_won(&expressway(11_287.4), false), Some(500));
        let mut street = expressway(1_000.0);
        street.class = RoadClass::Arterial;
        assert_eq!(t.edge_won(&street, true), None);
    }

    proptest! {
        #[test]
        fn split_shares_add_up_and_differ_only_by_the_remainder(total in 0i64..10_000_000, n in 1usize..8) {
            let shares: Vec<i64> = split_won(total, n).collect();
            prop_assert_eq!(shares.len(), n);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            prop_assert!(shares[1..].iter().all(|s| *s == total / n as i64));
            prop_assert!(shares[0] - shares[n - 1] < n as i64);
        }
    }
}
