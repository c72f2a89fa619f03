//! Bookings and the plain rules of dispatch: what a booking is, the stops of a vehicle's
//! plan, crate slots by size class and species separation ([`Manifest`]), and why a plan
//! can be infeasible. The search for the vehicle and the insertion is in
//! [`crate::dispatch`].

use std::sync::Arc;

use crate::engine::{TraceEncode, TraceHasher};
use crate::fare::{Addon, SizeClass};
use crate::ids::{ActorId, BookingId, CustomerId, NodeId, PartnerId, PetId};
use crate::time::{SimDuration, SimTime};

pub mod manifest;

pub use manifest::{Households, Manifest};

/// Species.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Species {
    /// Dog.
    Dog,
    /// Cat.
    Cat,
}

impl Species {
    /// Name in data files.
    pub fn name(self) -> &'static str {
        match self {
            Species::Dog => "dog",
            Species::Cat => "cat",
        }
    }

    /// Parses a data-file name.
    pub fn parse(s: &str) -> Option<Species> {
        match s {
            "dog" => Some(Species::Dog),
            "cat" => Some(Species::Cat),
            _ => None,
        }
    }
}

/// A pet as the booking knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PetSpec {
    /// Id.
    pub pet: PetId,
    /// Its actor.
    pub actor: ActorId,
    /// Species.
    pub species: Species,
    /// Size class.
    pub size: SizeClass,
    /// Weight, kg.
    pub weight_kg: f64,
    /// Rest stop interval on long rides (dogs); `None` for none.
    pub rest_interval: Option<SimDuration>,
}

/// A booking as requested.
#[derive(Clone, Debug, PartialEq)]
pub struct BookingSpec {
    /// Id.
    pub booking: BookingId,
    /// The household.
    pub customer: CustomerId,
    /// Its actor.
    pub customer_actor: ActorId,
    /// The pets travelling.
    pub pets: Vec<PetSpec>,
    /// Pickup.
    pub pickup: NodeId,
    /// Drop-off (the partner's node for an add-on).
    pub dropoff: NodeId,
    /// When it was requested.
    pub requested_at: SimTime,
    /// Earliest pickup (the requested time for a scheduled booking).
    pub pickup_after: SimTime,
    /// Add-on service and its partner.
    pub addon: Option<(Addon, PartnerId)>,
    /// Whether the pets come home after the service.
    pub returns: bool,
    /// How long the partner's service takes.
    pub service_time: SimDuration,
    /// Scripted bookings may pin a vehicle.
    pub vehicle: Option<u32>,
}

impl BookingSpec {
    /// Pets by size class.
    pub fn load(&self) -> Load {
        let mut l = [0u32; 3];
        for p in &self.pets {
            l[p.size as usize] += 1;
        }
        Load(l)
    }

    /// Where a leg starts: home for the outbound leg, the drop-off (partner) for the return.
    pub fn pickup_for(&self, leg: Leg) -> NodeId {
        match leg {
            Leg::Outbound => self.pickup,
            Leg::Return => self.dropoff,
        }
    }

    /// Where a leg ends.
    pub fn dropoff_for(&self, leg: Leg) -> NodeId {
        match leg {
            Leg::Outbound => self.dropoff,
            Leg::Return => self.pickup,
        }
    }

    /// Whether any pet is a dog / a cat.
    pub fn species(&self) -> (bool, bool) {
        (
            self.pets.iter().any(|p| p.species == Species::Dog),
            self.pets.iter().any(|p| p.species == Species::Cat),
        )
    }
}

/// Pets by size class (small, medium, large).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load(pub [u32; 3]);

impl Load {
    /// Adds another load.
    pub fn plus(self, o: Load) -> Load {
        Load([self.0[0] + o.0[0], self.0[1] + o.0[1], self.0[2] + o.0[2]])
    }

    /// Removes another load (saturating).
    pub fn minus(self, o: Load) -> Load {
        Load([
            self.0[0].saturating_sub(o.0[0]),
            self.0[1].saturating_sub(o.0[1]),
            self.0[2].saturating_sub(o.0[2]),
        ])
    }

    /// Total pets.
    pub fn total(self) -> u32 {
        self.0.iter().sum()
    }
}

/// Crate slots of a vehicle by size class. A pet fits a slot of its size or larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crates(pub [u32; 3]);

impl Crates {
    /// Whether `load` fits: large pets in large slots, medium in medium or large, small anywhere.
    pub fn fits(&self, load: Load) -> bool {
        let [ls, lm, ll] = load.0;
        let [cs, cm, cl] = self.0;
        ll <= cl && lm + ll <= cm + cl && ls + lm + ll <= cs + cm + cl
    }
}

/// What a stop does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StopKind {
    /// Load a booking's pets.
    Pickup,
    /// Unload them.
    Dropoff,
}

/// Which leg of a booking a stop serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leg {
    /// Home to destination (or to the partner).
    Outbound,
    /// Partner back home.
    Return,
}

/// A stop of a vehicle's plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStop {
    /// The booking.
    pub booking: BookingId,
    /// Outbound or return leg.
    pub leg: Leg,
    /// Pickup or drop-off.
    pub kind: StopKind,
    /// Where.
    pub node: NodeId,
    /// Not before (pickups).
    pub earliest: SimTime,
    /// Not after (pickups): the promised time plus slack; later insertions must keep it.
    pub latest: SimTime,
    /// The pets' load.
    pub load: Load,
    /// Household (for species separation).
    pub household: CustomerId,
    /// Dogs / cats in the booking.
    pub dogs: bool,
    /// Dogs / cats in the booking.
    pub cats: bool,
    /// Longest allowed time from pickup to drop-off.
    pub ride_limit: SimDuration,
    /// The direct drive from pickup to drop-off as planned (for the detour statistics).
    pub direct: SimDuration,
    /// The leg's quoted fare.
    pub quote_won: i64,
    /// The surge multiplier of the quote.
    pub surge: f64,
    /// The booking itself (carried to the vehicle).
    pub spec: Arc<BookingSpec>,
}

impl PlanStop {
    /// (booking, leg, kind): a stop's identity.
    pub fn key(&self) -> (BookingId, Leg, StopKind) {
        (self.booking, self.leg, self.kind)
    }

    /// The booking's pets, for the crate and species rule.
    pub fn manifest(&self) -> Manifest {
        Manifest::of(self.load, self.household, self.dogs, self.cats)
    }
}

/// A booking's pets aboard a vehicle.
#[derive(Clone, Debug, PartialEq)]
pub struct Aboard {
    /// The booking.
    pub booking: BookingId,
    /// Leg.
    pub leg: Leg,
    /// Load.
    pub load: Load,
    /// Household.
    pub household: CustomerId,
    /// Dogs in it.
    pub dogs: bool,
    /// Cats in it.
    pub cats: bool,
    /// When it was picked up.
    pub picked_at: SimTime,
    /// Its ride limit.
    pub ride_limit: SimDuration,
}

impl Aboard {
    /// The booking's pets, for the crate and species rule.
    pub fn manifest(&self) -> Manifest {
        Manifest::of(self.load, self.household, self.dogs, self.cats)
    }
}

/// What dispatch knows of a vehicle.
#[derive(Clone, Debug)]
pub struct VehicleView {
    /// Where the vehicle will next be free to turn (the end of its current edge or stop).
    pub node: NodeId,
    /// When it gets there.
    pub at: SimTime,
    /// Pets aboard.
    pub aboard: Vec<Aboard>,
    /// Its remaining plan.
    pub plan: Vec<PlanStop>,
    /// Crate slots.
    pub crates: Crates,
    /// Driver shift end: the plan must be done by then.
    pub shift_end: SimTime,
    /// Whether it takes new work (shift not over, vehicle working).
    pub available: bool,
    /// Leading plan stops already under way (nothing may be inserted before them).
    pub locked: usize,
    /// Plans (assignments) the vehicle has applied; dispatch ignores older reports.
    pub version: u64,
}

/// Dwell times at stops.
#[derive(Clone, Copy, Debug)]
pub struct Dwell {
    /// Loading pets at a pickup.
    pub pickup: SimDuration,
    /// Unloading at a drop-off.
    pub dropoff: SimDuration,
}

/// Why a plan is not feasible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Infeasible {
    /// The crates cannot hold the pets aboard at some point.
    CrateSlots,
    /// Dogs and cats of different households would ride together.
    SpeciesMix,
    /// A booking would ride longer than its limit.
    RideTime,
    /// The plan would end after the driver's shift.
    ShiftEnd,
    /// A stop cannot be reached.
    Unreachable,
    /// A pickup would be later than promised.
    PickupLate,
}

impl Infeasible {
    /// A reason for outputs.
    pub fn reason(self) -> &'static str {
        match self {
            Infeasible::CrateSlots => "no vehicle with free crate slots for these pets",
            Infeasible::SpeciesMix => {
                "no vehicle without pets of another household's other species"
            }
            Infeasible::RideTime => "no vehicle within the maximum ride time",
            Infeasible::ShiftEnd => "no driver shift long enough",
            Infeasible::Unreachable => "destination unreachable",
            Infeasible::PickupLate => "no vehicle can be at the pickup in time",
        }
    }
}

// ---- trace encodings: every field, destructured so that a new field does not compile
// until it is hashed -------------------------------------------------------------------

impl TraceEncode for PetSpec {
    fn encode(&self, h: &mut TraceHasher) {
        let PetSpec {
            pet,
            actor,
            species,
            size,
            weight_kg,
            rest_interval,
        } = self;
        h.u32(pet.0);
        h.u32(actor.0);
        h.u8(*species as u8);
        h.u8(*size as u8);
        h.f64(*weight_kg);
        h.u64(rest_interval.map_or(u64::MAX, |d| d.as_ms()));
    }
}

impl TraceEncode for BookingSpec {
    fn encode(&self, h: &mut TraceHasher) {
        let BookingSpec {
            booking,
            customer,
            customer_actor,
            pets,
            pickup,
            dropoff,
            requested_at,
            pickup_after,
            addon,
            returns,
            service_time,
            vehicle,
        } = self;
        h.u32(booking.0);
        h.u32(customer.0);
        h.u32(customer_actor.0);
        h.u32(pets.len() as u32);
        for p in pets {
            p.encode(h);
        }
        h.u32(pickup.0);
        h.u32(dropoff.0);
        h.u64(requested_at.as_ms());
        h.u64(pickup_after.as_ms());
        match addon {
            Some((a, p)) => {
                h.u8(1 + *a as u8);
                h.u32(p.0);
            }
            None => h.u8(0),
        }
        h.u8(u8::from(*returns));
        h.u64(service_time.as_ms());
        h.u32(vehicle.map_or(u32::MAX, |v| v));
    }
}

impl TraceEncode for Load {
    fn encode(&self, h: &mut TraceHasher) {
        let Load(counts) = self;
        for c in counts {
            h.u32(*c);
        }
    }
}

impl TraceEncode for PlanStop {
    fn encode(&self, h: &mut TraceHasher) {
        let PlanStop {
            booking,
            leg,
            kind,
            node,
            earliest,
            latest,
            load,
            household,
            dogs,
            cats,
            ride_limit,
            direct,
            quote_won,
            surge,
            spec,
        } = self;
        h.u32(booking.0);
        h.u8(*leg as u8);
        h.u8(*kind as u8);
        h.u32(node.0);
        h.u64(earliest.as_ms());
        h.u64(latest.as_ms());
        load.encode(h);
        h.u32(household.0);
        h.u8(u8::from(*dogs));
        h.u8(u8::from(*cats));
        h.u64(ride_limit.as_ms());
        h.u64(direct.as_ms());
        h.u64(*quote_won as u64);
        h.f64(*surge);
        spec.encode(h);
    }
}

impl TraceEncode for Aboard {
    fn encode(&self, h: &mut TraceHasher) {
        let Aboard {
            booking,
            leg,
            load,
            household,
            dogs,
            cats,
            picked_at,
            ride_limit,
        } = self;
        h.u32(booking.0);
        h.u8(*leg as u8);
        load.encode(h);
        h.u32(household.0);
        h.u8(u8::from(*dogs));
        h.u8(u8::from(*cats));
        h.u64(picked_at.as_ms());
        h.u64(ride_limit.as_ms());
    }
}

impl TraceEncode for VehicleView {
    fn encode(&self, h: &mut TraceHasher) {
        let VehicleView {
            node,
            at,
            aboard,
            plan,
            crates,
            shift_end,
            available,
            locked,
            version,
        } = self;
        h.u32(node.0);
        h.u64(at.as_ms());
        h.u32(aboard.len() as u32);
        for a in aboard {
            a.encode(h);
        }
        h.u32(plan.len() as u32);
        for s in plan {
            s.encode(h);
        }
        let Crates(slots) = crates;
        for c in slots {
            h.u32(*c);
        }
        h.u64(shift_end.as_ms());
        h.u8(u8::from(*available));
        h.u32(*locked as u32);
        h.u64(*version);
    }
}

#[cfg(test)]
pub(crate) mod tests;
