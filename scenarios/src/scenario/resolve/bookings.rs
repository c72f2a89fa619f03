//! `[[bookings]]` and `[requests]`: scripted bookings, their pets, add-ons and drop-offs.

use super::*;

impl Cx<'_> {
    /// The scripted bookings, then the imported requests; their households are appended
    /// to `households`.
    pub(super) fn bookings(
        &self,
        scenario: &Scenario,
        fleet: usize,
        seed: u64,
        households: &mut Vec<HouseholdSpec>,
    ) -> Result<Vec<ScriptedBooking>, InputError> {
        let mut scripted = Vec::new();
        for (i, b) in scenario.bookings.iter().enumerate() {
            let (booking, household) = self.scripted(i, b, fleet, households.len())?;
            scripted.push(booking);
            households.push(household);
        }
        if let Some(r) = &scenario.requests {
            let (homes, bookings) = self.requests(scenario, r, fleet, seed, households.len())?;
            households.extend(homes);
            scripted.extend(bookings);
        }
        Ok(scripted)
    }

    /// `[[bookings]]` entry `i`: the booking and its household (number `household`).
    pub(super) fn scripted(
        &self,
        i: usize,
        b: &BookingSection,
        fleet: usize,
        household: usize,
    ) -> Result<(ScriptedBooking, HouseholdSpec), InputError> {
        let loc = &self.loc;
        let p = |f| [K("bookings"), I(i), K(f)];
        let at = loc.clock(&p("at"), &b.at)?;
        let home = loc.node(self.world, &p("pickup"), &b.pickup)?;
        let pickup_after = match &b.pickup_at {
            Some(raw) => {
                let t = loc.clock(&p("pickup_at"), raw)?;
                if t < at {
                    let e = "a pickup time not before the booking time `at`";
                    return Err(loc.err(&p("pickup_at"), raw, e));
                }
                t
            }
            None => at,
        };
        let pets = self.pets(i, &b.pets)?;
        let addon = self.addon(i, b, home)?;
        let dropoff = self.dropoff(i, b, home, addon.map(|a| a.1))?;
        if let Some(veh) = b.vehicle {
            if veh as usize >= fleet {
                let e = format!(
                    "a vehicle number from 0 to {} (the depots hold {fleet} vehicles)",
                    fleet.saturating_sub(1)
                );
                return Err(loc.err(&p("vehicle"), &veh.to_string(), e));
            }
        } else if fleet == 0 {
            let e = "a fleet to serve the booking: add a [[depots]] table with vehicles";
            return Err(loc.err(&p("pickup"), &b.pickup, e));
        }
        let booking = ScriptedBooking {
            at,
            pickup_after,
            household,
            dropoff,
            addon,
            vehicle: b.vehicle,
        };
        let household = HouseholdSpec {
            home,
            pets,
            random_demand: false,
        };
        Ok((booking, household))
    }

    /// The pets of booking `i`.
    pub(super) fn pets(
        &self,
        i: usize,
        pets: &[PetSection],
    ) -> Result<Vec<PetTemplate>, InputError> {
        let loc = &self.loc;
        if pets.is_empty() || pets.len() > 4 {
            let path = [K("bookings"), I(i), K("pets")];
            return Err(loc.err(&path, &pets.len().to_string(), "1 to 4 pets per booking"));
        }
        let mut out = Vec::new();
        for (j, pet) in pets.iter().enumerate() {
            let q = |f| [K("bookings"), I(i), K("pets"), I(j), K(f)];
            let species = Species::parse(&pet.species)
                .ok_or_else(|| loc.err(&q("species"), &pet.species, "`dog` or `cat`"))?;
            let size = SizeClass::parse(&pet.size).ok_or_else(|| {
                let e = "`small`, `medium` (under 20 kg) or `large` (20 kg and over)";
                loc.err(&q("size"), &pet.size, e)
            })?;
            if !(pet.weight_kg.is_finite() && (0.1..=120.0).contains(&pet.weight_kg)) {
                let w = pet.weight_kg.to_string();
                return Err(loc.err(&q("weight_kg"), &w, "a weight in kg from 0.1 to 120"));
            }
            let physiology = *self.data.physiology.get(&(species, size)).ok_or_else(|| {
                let e = format!(
                    "a size class data/pets/physiology.csv has for {}s",
                    species.name()
                );
                loc.err(&q("size"), &pet.size, e)
            })?;
            out.push(PetTemplate {
                species,
                size,
                weight_kg: pet.weight_kg,
                physiology,
            });
        }
        Ok(out)
    }

    /// The add-on of booking `i`: the named partner, or the nearest of its kind.
    pub(super) fn addon(
        &self,
        i: usize,
        b: &BookingSection,
        home: NodeId,
    ) -> Result<Option<(Addon, PartnerId, SimDuration)>, InputError> {
        let p = |f| [K("bookings"), I(i), K(f)];
        let Some(raw) = b.addon.as_deref() else {
            return Ok(None);
        };
        let choice = one_of(
            &self.loc,
            &p("addon"),
            raw,
            &[
                ("vet_visit", Some((Addon::VetVisit, PartnerKind::Vet))),
                ("grooming", Some((Addon::Grooming, PartnerKind::Groomer))),
                ("hotel_stay", Some((Addon::HotelStay, PartnerKind::Hotel))),
                ("none", None),
            ],
            "`vet_visit`, `grooming`, `hotel_stay` or `none`",
        )?;
        let Some((a, kind)) = choice else {
            return Ok(None);
        };
        let partner = match &b.partner {
            Some(name) => self.partner_named(i, name, kind)?,
            None => self.nearest_partner(home, kind).ok_or_else(|| {
                let e = format!("a {} partner in data/partners.csv", kind.name());
                self.loc.err(&p("addon"), raw, e)
            })?,
        };
        let service = (self.data.addons.iter())
            .find(|o| o.addon == Some(a))
            .map_or(SimDuration::from_mins(30), |o| o.service);
        Ok(Some((a, PartnerId(partner as u32), service)))
    }

    pub(super) fn partner_named(
        &self,
        i: usize,
        name: &str,
        kind: PartnerKind,
    ) -> Result<usize, InputError> {
        (self.partners.iter())
            .position(|x| x.name == name && x.kind == kind)
            .ok_or_else(|| {
                let names = (self.partners.iter())
                    .filter(|x| x.kind == kind)
                    .map(|x| x.name.as_str());
                let expected = format!("the name of a {} in data/partners.csv", kind.name());
                let path = [K("bookings"), I(i), K("partner")];
                let mut e = self.loc.err(&path, name, expected);
                if let Some(h) = did_you_mean(name, names) {
                    e = e.hint(h);
                }
                e
            })
    }

    /// The partner of `kind` nearest to `home` as the crow flies (ties: the first listed).
    pub(super) fn nearest_partner(&self, home: NodeId, kind: PartnerKind) -> Option<usize> {
        let net = &self.world.net;
        (self.partners.iter().enumerate())
            .filter(|(_, x)| x.kind == kind && x.node != home)
            .min_by(|x, y| {
                (net.crow_m(home, x.1.node))
                    .total_cmp(&net.crow_m(home, y.1.node))
                    .then(x.0.cmp(&y.0))
            })
            .map(|(k, _)| k)
    }

    /// Where booking `i` goes: its `dropoff`, or its add-on's partner; reachable by road.
    pub(super) fn dropoff(
        &self,
        i: usize,
        b: &BookingSection,
        home: NodeId,
        partner: Option<PartnerId>,
    ) -> Result<NodeId, InputError> {
        let loc = &self.loc;
        let p = |f| [K("bookings"), I(i), K(f)];
        let dropoff = match (&b.dropoff, partner) {
            (Some(d), None) => loc.node(self.world, &p("dropoff"), d)?,
            (None, Some(partner)) => self.partners[partner.index()].node,
            (Some(d), Some(_)) => {
                let e = "no `dropoff` with an add-on: the pets go to the partner";
                return Err(loc.err(&p("dropoff"), d, e));
            }
            (None, None) => {
                let e = "a `dropoff` (or an `addon` that names where the pets go)";
                return Err(loc.err(&p("pickup"), &b.pickup, e));
            }
        };
        let written = b.dropoff.as_deref().unwrap_or("");
        if dropoff == home {
            return Err(loc.err(
                &p("dropoff"),
                written,
                "a destination other than the pickup",
            ));
        }
        let free = sim_core::world::FreeFlow;
        if self.world.route(&free, home, dropoff).is_none() {
            let e = format!("a node reachable from {:?} by road", b.pickup);
            return Err(loc.err(&p("dropoff"), written, e));
        }
        Ok(dropoff)
    }

    /// `[requests]`: one household per request (numbered from `first_household`).
    pub(super) fn requests(
        &self,
        s: &Scenario,
        r: &crate::scenario::RequestsSection,
        fleet: usize,
        seed: u64,
        first_household: usize,
    ) -> Result<(Vec<HouseholdSpec>, Vec<ScriptedBooking>), InputError> {
        let loc = &self.loc;
        if fleet == 0 {
            let e = "a fleet to serve the requests: [[depots]] or [vehicles] start_nodes";
            return Err(loc.err(&[K("requests"), K("file")], &r.file, e));
        }
        let step = match &s.dispatch.decision_step {
            Some(raw) => Some(loc.positive_duration(&[K("dispatch"), K("decision_step")], raw)?),
            None => None,
        };
        imported::requests(
            loc,
            &self.refs,
            r,
            &self.index,
            self.world,
            step,
            self.data,
            seed,
            first_household,
        )
    }
}
