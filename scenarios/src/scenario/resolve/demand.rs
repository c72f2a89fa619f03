//! `[demand]`: the random demand's households, peaks and bursts.

use super::*;

impl Cx<'_> {
    /// Homes and city destinations: the network's nodes with residents, by population.
    pub(super) fn homes(&self, customers: u32) -> Result<Weighted<NodeId>, InputError> {
        let districts: Vec<(NodeId, f64)> = (self.world.net.nodes().iter())
            .filter_map(|n| n.population.map(|p| (n.id, f64::from(p))))
            .collect();
        let districts = Weighted::new(&districts);
        if districts.is_empty() {
            let v = customers.to_string();
            let e = "households need homes: a network whose nodes have residents (nodes.csv `population`)";
            return Err(self.loc.err(&[K("demand"), K("customers")], &v, e));
        }
        Ok(districts)
    }

    /// `[[demand.bursts]]`: each burst's bookings, one new household each (appended to
    /// `households`), drawn from the seed's own stream for bursts.
    pub(super) fn bursts(
        &self,
        demand: Option<&DemandSection>,
        seed: u64,
        households: &mut Vec<HouseholdSpec>,
    ) -> Result<Vec<ScriptedBooking>, InputError> {
        let Some(d) = demand.filter(|d| !d.bursts.is_empty()) else {
            return Ok(Vec::new());
        };
        let homes = self.homes(d.customers)?;
        let cities = Weighted::new(self.intercity);
        let mut out = Vec::new();
        for (i, b) in d.bursts.iter().enumerate() {
            let q = |f| [K("demand"), K("bursts"), I(i), K(f)];
            let at = self.loc.clock(&q("at"), &b.at)?;
            let spread = self.loc.duration(&q("spread"), &b.spread)?;
            if !(1..=1_000_000).contains(&b.bookings) {
                let e = "from 1 to 1,000,000 bookings";
                return Err(self.loc.err(&q("bookings"), &b.bookings.to_string(), e));
            }
            if !(0.0..=1.0).contains(&b.intercity_share) {
                let v = b.intercity_share.to_string();
                return Err(self
                    .loc
                    .err(&q("intercity_share"), &v, "a share from 0 to 1"));
            }
            let mut rng = sim_core::rng::actor_rng(seed, ActorKind::Population, 1_000 + i as u32);
            for _ in 0..b.bookings {
                let household = draw_household(&mut rng, self.data, &homes);
                let to = if rng.random::<f64>() < b.intercity_share {
                    &cities
                } else {
                    &homes
                };
                let offset = rng.random_range(0..=spread.as_ms());
                let booked = at + SimDuration(offset);
                out.push(ScriptedBooking {
                    at: booked,
                    pickup_after: booked,
                    household: households.len(),
                    dropoff: to
                        .draw_except(&mut rng, household.home)
                        .unwrap_or(household.home),
                    addon: None,
                    vehicle: None,
                });
                households.push(HouseholdSpec {
                    random_demand: false,
                    ..household
                });
            }
        }
        Ok(out)
    }

    /// `[demand]`: the random demand, its households appended to `households`.
    pub(super) fn demand(
        &self,
        demand: Option<&DemandSection>,
        until: SimTime,
        seed: u64,
        households: &mut Vec<HouseholdSpec>,
    ) -> Result<Option<DemandSpec>, InputError> {
        let loc = &self.loc;
        let Some(d) = demand else { return Ok(None) };
        let p = |f| [K("demand"), K(f)];
        if self.imported.is_some() {
            return Err(loc.err(
                &p("bookings_per_day"),
                "",
                "no [demand] with an imported network (random demand draws homes from the bundled districts): give the bookings with [requests]",
            ));
        }
        if !(d.bookings_per_day.is_finite() && (0.0..=10_000_000.0).contains(&d.bookings_per_day)) {
            let v = d.bookings_per_day.to_string();
            return Err(loc.err(
                &p("bookings_per_day"),
                &v,
                "bookings per day from 0 to 10,000,000",
            ));
        }
        if !(1..=1_000_000).contains(&d.customers) {
            let v = d.customers.to_string();
            return Err(loc.err(
                &p("customers"),
                &v,
                "a number of households from 1 to 1,000,000",
            ));
        }
        for (f, x) in [
            ("intercity_share", d.intercity_share),
            ("scheduled_share", d.scheduled_share),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(loc.err(&p(f), &x.to_string(), "a share from 0 to 1"));
            }
        }
        let lead = loc.positive_duration(&p("lead_median"), &d.lead_median)?;
        let stop_at = match &d.stop_at {
            Some(raw) => loc.clock(&p("stop_at"), raw)?,
            None => until,
        };
        let districts = self.homes(d.customers)?;
        let mut rng = sim_core::rng::actor_rng(seed, ActorKind::Population, 0);
        for _ in 0..d.customers {
            households.push(draw_household(&mut rng, self.data, &districts));
        }
        Ok(Some(DemandSpec {
            bookings_per_day: d.bookings_per_day,
            hourly: self.data.hourly,
            peaks: self.peaks(d)?,
            stop_at,
            intercity_share: d.intercity_share,
            intercity: Weighted::new(self.intercity),
            districts,
            addons: self.data.addons.clone(),
            scheduled_share: d.scheduled_share,
            lead_median_min: lead.as_secs_f64() / 60.0,
        }))
    }

    /// `[[demand.peaks]]`: (from, to, multiplier).
    pub(super) fn peaks(
        &self,
        d: &DemandSection,
    ) -> Result<Vec<(SimTime, SimTime, f64)>, InputError> {
        let loc = &self.loc;
        let mut peaks = Vec::new();
        for (i, pk) in d.peaks.iter().enumerate() {
            let q = |f| [K("demand"), K("peaks"), I(i), K(f)];
            let from = loc.clock(&q("from"), &pk.from)?;
            let to = loc.clock(&q("to"), &pk.to)?;
            if to <= from {
                return Err(loc.err(&q("to"), &pk.to, "a time after `from`"));
            }
            if !(pk.multiplier.is_finite() && (0.0..=100.0).contains(&pk.multiplier)) {
                let m = pk.multiplier.to_string();
                return Err(loc.err(&q("multiplier"), &m, "a multiplier from 0 to 100"));
            }
            peaks.push((from, to, pk.multiplier));
        }
        Ok(peaks)
    }
}
