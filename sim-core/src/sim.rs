//! Assembles a scenario into an engine, and checks the invariants at the end of a run.
//!
//! Actor layout: `A0` traffic, `A1` dispatcher, then the vehicles, the partners, the
//! customers (households) and their pets, in that order.

use std::collections::BTreeSet;
use std::sync::Arc;

pub use crate::actors::customer::DemandSpec;
use crate::actors::ServiceActor;
use crate::actors::{
    Climate, Customer, CustomerModel, Demand, DispatchConfig, Dispatcher, FleetContext, Notifier,
    NotifierConfig, Partner, PartnerInfo, PartnerKind, Pet, SettlementActor, TrafficActor, Vehicle,
    VehicleConfig,
};
use crate::actors::{CustomerMsg, Msg, NotifierMsg, SettlementMsg, TrafficMsg, VehicleMsg};
use crate::booking::{BookingSpec, Crates, PetSpec, Species};
use crate::dispatch::estimates::{Estimates, ProfileHierarchies};
use crate::dispatch::Fleet;
use crate::engine::{Engine, RunReport};
use crate::event::Event;
use crate::fare::{Addon, SizeClass, Tariff};
use crate::ids::{ActorId, BookingId, CustomerId, NodeId, PartnerId, PetId, VehicleId};
use crate::money::Tolls;
use crate::observe::ClosingBooks;
use crate::rng::ActorKind;
use crate::service::Role;
use crate::time::{SimDuration, SimTime};
use crate::traffic::{profile_speeds, IncidentPlan, TrafficConfig};
use crate::welfare::Physiology;
use crate::world::{Ch, World};

/// A vehicle of the fleet.
#[derive(Clone, Debug)]
pub struct VehicleSpec {
    /// Where it parks.
    pub depot: NodeId,
    /// Crate slots.
    pub crates: Crates,
    /// Driver shifts.
    pub shift: crate::actors::fleet::Shift,
}

/// A pet of a household, before ids are given.
#[derive(Clone, Debug)]
pub struct PetTemplate {
    /// Species.
    pub species: Species,
    /// Size class.
    pub size: SizeClass,
    /// Weight.
    pub weight_kg: f64,
    /// Its physiology.
    pub physiology: Physiology,
}

/// A household.
#[derive(Clone, Debug)]
pub struct HouseholdSpec {
    /// Home node.
    pub home: NodeId,
    /// Pets.
    pub pets: Vec<PetTemplate>,
    /// Books by the random demand (false for the households of scripted bookings).
    pub random_demand: bool,
}

/// A scripted booking.
#[derive(Clone, Debug)]
pub struct ScriptedBooking {
    /// When it is requested.
    pub at: SimTime,
    /// Earliest pickup.
    pub pickup_after: SimTime,
    /// The household (index into `households`).
    pub household: usize,
    /// Destination.
    pub dropoff: NodeId,
    /// Add-on with its partner and service time.
    pub addon: Option<(Addon, PartnerId, SimDuration)>,
    /// Pin a vehicle.
    pub vehicle: Option<u32>,
}

/// A partner.
#[derive(Clone, Debug)]
pub struct PartnerSpec {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Where.
    pub node: NodeId,
    /// Pets at once.
    pub capacity: u32,
    /// Opens, minutes after midnight.
    pub opens_min: u32,
    /// Closes, minutes after midnight.
    pub closes_min: u32,
}

/// A vehicle fault.
#[derive(Clone, Debug)]
pub struct Fault {
    /// When.
    pub at: SimTime,
    /// Which vehicle.
    pub vehicle: VehicleId,
    /// How long until repaired.
    pub duration: SimDuration,
}

/// A whole model run, resolved against the data.
#[derive(Clone, Debug)]
pub struct SimSpec {
    /// Master seed.
    pub seed: u64,
    /// Network and routing.
    pub world: Arc<World>,
    /// Traffic.
    pub traffic: Arc<TrafficConfig>,
    /// Scripted incidents.
    pub incidents: Vec<IncidentPlan>,
    /// Vehicle settings.
    pub vehicle: VehicleConfig,
    /// The fleet.
    pub fleet: Vec<VehicleSpec>,
    /// Dispatch settings.
    pub dispatch: DispatchConfig,
    /// The tariff charged.
    pub tariff: Arc<Tariff>,
    /// The plain taxi tariff customers compare with.
    pub reference: Arc<Tariff>,
    /// Learned delays: quotes meter the route at their medians and give the chance of
    /// running 15 minutes late (`[pricing] quote_model = "learned"`); `None`: profile quotes.
    pub quote_delays: Option<Arc<crate::delays::LearnedDelays>>,
    /// Tolls.
    pub tolls: Tolls,
    /// Nodes inside the home city.
    pub in_city: Arc<[bool]>,
    /// Partners.
    pub partners: Vec<PartnerSpec>,
    /// Climate.
    pub climate: Arc<Climate>,
    /// Households.
    pub households: Vec<HouseholdSpec>,
    /// Customer behaviour.
    pub customer: CustomerModel,
    /// Random demand.
    pub demand: Option<DemandSpec>,
    /// Scripted bookings.
    pub scripted: Vec<ScriptedBooking>,
    /// HVAC faults.
    pub faults: Vec<Fault>,
    /// pets.csv sampling.
    pub pet_sample_interval: SimDuration,
    /// The notification gateway, if the run models one (else vans and the dispatcher tell
    /// customers directly and instantly).
    pub notifier: Option<NotifierSpec>,
    /// The settlement service, if the run models one.
    pub settlement: Option<SettlementSpec>,
    /// Back ends with finite capacity in front of the dispatcher (the booking API), the
    /// notifier and the settlement service; none: they are infinitely fast.
    pub services: Vec<crate::service::ServiceSpec>,
}

/// A settlement service: its flow's settings and its crashes.
#[derive(Clone, Debug)]
pub struct SettlementSpec {
    /// The flow's settings (mode, gateway, rates, retries).
    pub config: crate::settle::SettleConfig,
    /// Crashes: (at, restarted after).
    pub crashes: Vec<(SimTime, SimDuration)>,
}

/// A notification gateway: its channels, providers, policies (one per
/// [`crate::notify::NoticeKind`], in that order), faults and operations.
#[derive(Clone, Debug)]
pub struct NotifierSpec {
    /// Channels.
    pub channels: crate::notify::Channels,
    /// Providers.
    pub providers: Vec<crate::notify::ProviderSpec>,
    /// Delivery policies, by notice kind.
    pub policies: Vec<crate::notify::Policy>,
    /// Provider and channel outages.
    pub outages: Vec<crate::notify::Outage>,
    /// How customers can be reached.
    pub reach: crate::notify::Reach,
    /// Dead letters kept for a re-drive.
    pub dead_capacity: usize,
    /// A fault: the share of triggers that arrive twice.
    pub duplicate_share: f64,
    /// A fault: the share of triggers that arrive late, and the longest delay.
    pub delay: (f64, SimDuration),
    /// When dead letters are re-driven (`[[operations]] action = "redrive_notifications"`).
    pub redrives: Vec<SimTime>,
    /// A van sends each customer an ETA notice at most this often.
    pub eta_every: SimDuration,
}

/// Where each actor is.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Traffic.
    pub traffic: ActorId,
    /// Dispatcher.
    pub dispatcher: ActorId,
    /// Vehicles, by vehicle id.
    pub vehicles: Vec<ActorId>,
    /// Partners, by partner id.
    pub partners: Vec<ActorId>,
    /// Customers, by household.
    pub customers: Vec<ActorId>,
    /// Pets, by pet id.
    pub pets: Vec<ActorId>,
    /// The notifier, after the pets (so the other actors' ids do not depend on it).
    pub notifier: Option<ActorId>,
    /// The settlement service, after the notifier.
    pub settlement: Option<ActorId>,
    /// The back-end services, after the settlement service, in the spec's order.
    pub services: Vec<ActorId>,
}

/// Why a spec cannot be assembled.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// A scripted booking names a household that does not exist.
    #[error("scripted booking {0} names household {1}, which does not exist")]
    UnknownHousehold(usize, usize),
    /// The notifier's channels, providers and policies do not fit together.
    #[error("notifier: {0}")]
    Notifier(#[from] crate::notify::GatewayError),
}

/// Builds the engine for `spec`.
pub fn build(spec: &SimSpec) -> Result<(Engine<Msg, crate::event::Event>, Layout), SpecError> {
    let (layout, household_pets) = layout(spec);
    let infos = partner_infos(spec, &layout);
    let static_routes = static_routes(spec);
    let hierarchies = Arc::new(ProfileHierarchies::new(
        spec.world.clone(),
        spec.traffic.clone(),
        static_routes.clone(),
    ));
    let ctx = Arc::new(FleetContext {
        world: spec.world.clone(),
        tariff: spec.tariff.clone(),
        quote_delays: spec.quote_delays.clone(),
        tolls: spec.tolls,
        in_city: spec.in_city.clone(),
        partners: infos.clone(),
        climate: spec.climate.clone(),
        dispatcher: layout.dispatcher,
        notifier: layout.front(spec, Role::Notifications),
        eta_every: spec
            .notifier
            .as_ref()
            .map_or(SimDuration::ZERO, |n| n.eta_every),
        cfg: spec.vehicle,
        static_routes: static_routes.clone(),
        profile_routes: (spec.world.net.routing_nodes() >= crate::world::LARGE_NETWORK_NODES)
            .then(|| hierarchies.clone()),
    });
    let mut engine = Engine::new(spec.seed);
    let added = engine.add(
        ActorKind::Traffic,
        0,
        Box::new(TrafficActor::new(
            spec.world.clone(),
            spec.traffic.clone(),
            layout.vehicles.clone(),
        )),
    );
    debug_assert_eq!(added, layout.traffic);
    let estimates = Estimates::new(hierarchies);
    let fleet = Fleet::new(
        spec.world.clone(),
        estimates,
        layout.vehicles.clone(),
        spec.dispatch.dwell,
        spec.dispatch.mode,
    );
    let dispatcher = Dispatcher::new(
        ctx.clone(),
        spec.reference.clone(),
        spec.traffic.clone(),
        fleet,
        spec.dispatch,
    );
    let added = engine.add(ActorKind::Dispatcher, 0, Box::new(dispatcher));
    debug_assert_eq!(added, layout.dispatcher);
    add_vehicles_and_partners(&mut engine, spec, &layout, &ctx, &infos);
    add_households(&mut engine, spec, &layout, &household_pets, &infos);
    add_notifier(&mut engine, spec, &layout)?;
    add_settlement(&mut engine, spec, &layout);
    add_services(&mut engine, spec, &layout);
    schedule_inputs(&mut engine, spec, &layout, &household_pets)?;
    Ok((engine, layout))
}

/// Actor ids: traffic, dispatcher, vehicles, partners, customers, then every household's
/// pets in order; with each household's pets.
fn layout(spec: &SimSpec) -> (Layout, Vec<Vec<PetSpec>>) {
    let n_v = spec.fleet.len() as u32;
    let n_p = spec.partners.len() as u32;
    let n_h = spec.households.len() as u32;
    let mut pets = Vec::new();
    let mut next = 2 + n_v + n_p + n_h;
    let mut household_pets: Vec<Vec<PetSpec>> = Vec::new();
    for h in &spec.households {
        let mut list = Vec::new();
        for t in &h.pets {
            let id = PetId(pets.len() as u32);
            pets.push(ActorId(next));
            list.push(PetSpec {
                pet: id,
                actor: ActorId(next),
                species: t.species,
                size: t.size,
                weight_kg: t.weight_kg,
                rest_interval: t.physiology.rest_interval,
            });
            next += 1;
        }
        household_pets.push(list);
    }
    let layout = Layout {
        traffic: ActorId(0),
        dispatcher: ActorId(1),
        vehicles: (0..n_v).map(|i| ActorId(2 + i)).collect(),
        partners: (0..n_p).map(|i| ActorId(2 + n_v + i)).collect(),
        customers: (0..n_h).map(|i| ActorId(2 + n_v + n_p + i)).collect(),
        pets,
        notifier: spec.notifier.as_ref().map(|_| ActorId(next)),
        settlement: (spec.settlement.as_ref())
            .map(|_| ActorId(next + u32::from(spec.notifier.is_some()))),
        services: {
            let first =
                next + u32::from(spec.notifier.is_some()) + u32::from(spec.settlement.is_some());
            (0..spec.services.len() as u32)
                .map(|i| ActorId(first + i))
                .collect()
        },
    };
    (layout, household_pets)
}

fn partner_infos(spec: &SimSpec, layout: &Layout) -> Arc<[PartnerInfo]> {
    (spec.partners.iter().enumerate())
        .map(|(i, p)| PartnerInfo {
            id: PartnerId(i as u32),
            actor: layout.partners[i],
            name: p.name.clone(),
            kind: p.kind,
            node: p.node,
            capacity: p.capacity,
            opens_min: p.opens_min,
            closes_min: p.closes_min,
        })
        .collect()
}

fn add_vehicles_and_partners(
    engine: &mut Engine<Msg, crate::event::Event>,
    spec: &SimSpec,
    layout: &Layout,
    ctx: &Arc<FleetContext>,
    infos: &Arc<[PartnerInfo]>,
) {
    let initial = profile_speeds(&spec.world.net, &spec.traffic, SimTime::ZERO, &[]);
    for (i, v) in spec.fleet.iter().enumerate() {
        let actor = Vehicle::new(
            VehicleId(i as u32),
            ctx.clone(),
            v.crates,
            v.depot,
            v.shift,
            initial.clone(),
        );
        let added = engine.add(ActorKind::Vehicle, i as u32, Box::new(actor));
        debug_assert_eq!(added, layout.vehicles[i]);
    }
    for (i, info) in infos.iter().enumerate() {
        let partner = Box::new(Partner::new(info.clone()));
        let added = engine.add(ActorKind::Partner, i as u32, partner);
        debug_assert_eq!(added, layout.partners[i]);
    }
}

/// Customers (households with random demand share its process), then their pets.
fn add_households(
    engine: &mut Engine<Msg, crate::event::Event>,
    spec: &SimSpec,
    layout: &Layout,
    household_pets: &[Vec<PetSpec>],
    infos: &Arc<[PartnerInfo]>,
) {
    let n_h = spec.households.len() as u32;
    let demand = spec.demand.as_ref().map(|d| {
        Arc::new(Demand {
            spec: d.clone(),
            customers: spec.households.iter().filter(|h| h.random_demand).count() as u32,
            partners: infos.clone(),
            world: spec.world.clone(),
            traffic: spec.traffic.clone(),
            peak_per_h: d.peak_per_h(),
        })
    });
    for (i, h) in spec.households.iter().enumerate() {
        let d = demand.clone().filter(|_| h.random_demand);
        let c = Customer::new(
            CustomerId(i as u32),
            h.home,
            household_pets[i].clone(),
            spec.customer,
            layout
                .front(spec, Role::BookingApi)
                .unwrap_or(layout.dispatcher),
            d,
            n_h,
        )
        .with_notifier(layout.front(spec, Role::Notifications))
        .with_settlement(layout.front(spec, Role::Settlement));
        let added = engine.add(ActorKind::Customer, i as u32, Box::new(c));
        debug_assert_eq!(added, layout.customers[i]);
    }
    let mut pet_index = 0u32;
    for (h, list) in spec.households.iter().zip(household_pets) {
        for (t, p) in h.pets.iter().zip(list) {
            let pet = Pet::new(p.clone(), t.physiology, spec.pet_sample_interval);
            let added = engine.add(ActorKind::Pet, pet_index, Box::new(pet));
            debug_assert_eq!(added, p.actor);
            pet_index += 1;
        }
    }
}

/// The notifier, if the run has one, and its scripted re-drives.
fn add_notifier(
    engine: &mut Engine<Msg, crate::event::Event>,
    spec: &SimSpec,
    layout: &Layout,
) -> Result<(), SpecError> {
    let (Some(n), Some(id)) = (&spec.notifier, layout.notifier) else {
        return Ok(());
    };
    let gateway = crate::notify::Gateway::new(
        &n.channels,
        n.providers.clone(),
        n.policies.clone(),
        n.outages.clone(),
        n.dead_capacity,
    )?;
    let cfg = NotifierConfig {
        seed: spec.seed,
        reach: n.reach,
        duplicate_share: n.duplicate_share,
        delay: n.delay,
    };
    let added = engine.add(
        ActorKind::Notifier,
        0,
        Box::new(Notifier::new(gateway, cfg)),
    );
    debug_assert_eq!(added, id);
    engine.schedule(SimTime::ZERO, id, Msg::Start);
    for &at in &n.redrives {
        engine.schedule(at, id, NotifierMsg::Redrive);
    }
    Ok(())
}

impl Layout {
    /// Where the business sends what `role`'s actor takes: the service in front of it
    /// when the run models one, else the actor itself (`None`: the run has neither).
    pub fn front(&self, spec: &SimSpec, role: Role) -> Option<ActorId> {
        let behind = self.behind(role);
        (spec.services.iter().zip(&self.services))
            .find(|(s, _)| s.role == role)
            .map(|(_, &id)| id)
            .filter(|_| behind.is_some())
            .or(behind)
    }

    /// The business actor behind a service of `role`.
    fn behind(&self, role: Role) -> Option<ActorId> {
        match role {
            Role::BookingApi => Some(self.dispatcher),
            Role::Notifications => self.notifier,
            Role::Settlement => self.settlement,
        }
    }
}

/// The back-end services in front of the dispatcher, the notifier and the settlement
/// service (a service whose actor the run lacks is left out: the scenario checks).
fn add_services(engine: &mut Engine<Msg, crate::event::Event>, spec: &SimSpec, layout: &Layout) {
    for (i, (s, &id)) in spec.services.iter().zip(&layout.services).enumerate() {
        let Some(target) = layout.behind(s.role) else {
            continue;
        };
        let actor = ServiceActor::new(s.clone(), target, spec.seed, i as u32);
        let added = engine.add(ActorKind::Service, i as u32, Box::new(actor));
        debug_assert_eq!(added, id);
        engine.schedule(SimTime::ZERO, id, Msg::Start);
    }
}

/// The back-end services' minutes and totals at the end of a run.
pub fn service_results(
    report: &RunReport<Msg, Event>,
) -> Vec<(
    &crate::service::ServiceSpec,
    &[crate::service::MinuteRow],
    crate::service::Totals,
)> {
    (report.slots.iter())
        .filter_map(|s| s.actor.as_any().downcast_ref::<ServiceActor>())
        .map(|a| (a.spec(), a.rows(), a.totals().cloned().unwrap_or_default()))
        .collect()
}

/// The settlement service, if the run has one, and its scripted crashes.
fn add_settlement(engine: &mut Engine<Msg, crate::event::Event>, spec: &SimSpec, layout: &Layout) {
    let (Some(s), Some(id)) = (&spec.settlement, layout.settlement) else {
        return;
    };
    let flow = crate::settle::Settlement::new(s.config.clone());
    let added = engine.add(
        ActorKind::Settlement,
        0,
        Box::new(SettlementActor::new(flow)),
    );
    debug_assert_eq!(added, id);
    engine.schedule(SimTime::ZERO, id, Msg::Start);
    for &(at, down) in &s.crashes {
        engine.schedule(at, id, SettlementMsg::Crash);
        engine.schedule(at + down, id, SettlementMsg::Restart);
    }
}

/// What comes from outside the model: the start, incidents, faults, scripted bookings.
fn schedule_inputs(
    engine: &mut Engine<Msg, crate::event::Event>,
    spec: &SimSpec,
    layout: &Layout,
    household_pets: &[Vec<PetSpec>],
) -> Result<(), SpecError> {
    for id in [layout.traffic, layout.dispatcher]
        .iter()
        .chain(&layout.vehicles)
        .chain(&layout.partners)
        .chain(&layout.customers)
    {
        engine.schedule(SimTime::ZERO, *id, Msg::Start);
    }
    for plan in &spec.incidents {
        let msg = TrafficMsg::StartIncident(Arc::new(plan.clone()));
        engine.schedule(plan.at, layout.traffic, msg);
    }
    for f in &spec.faults {
        if let Some(&v) = layout.vehicles.get(f.vehicle.index()) {
            engine.schedule(f.at, v, VehicleMsg::Hvac { ok: false });
            engine.schedule(f.at + f.duration, v, VehicleMsg::Hvac { ok: true });
        }
    }
    for (k, s) in spec.scripted.iter().enumerate() {
        let h = (spec.households.get(s.household))
            .ok_or(SpecError::UnknownHousehold(k, s.household))?;
        let customer = layout.customers[s.household];
        let booking = BookingSpec {
            booking: BookingId(0),
            customer: CustomerId(s.household as u32),
            customer_actor: customer,
            pets: household_pets[s.household].clone(),
            pickup: h.home,
            dropoff: s.dropoff,
            requested_at: s.at,
            pickup_after: s.pickup_after.max(s.at),
            addon: s.addon.map(|(a, p, _)| (a, p)),
            returns: s.addon.is_some_and(|(a, _, _)| a.comes_home()),
            service_time: s.addon.map_or(SimDuration::ZERO, |a| a.2),
            vehicle: s.vehicle,
        };
        engine.schedule(s.at, customer, CustomerMsg::BookScripted(Arc::new(booking)));
    }
    Ok(())
}

/// A hierarchy for the network's speeds when traffic never changes them (no congestion,
/// one profile factor per road class all day): vehicles and dispatch then route in
/// microseconds on any network size. Prepared before the run, so whether it is used never
/// depends on the host.
fn static_routes(spec: &SimSpec) -> Option<Arc<Ch>> {
    if !spec.traffic.is_static() {
        return None;
    }
    let table = profile_speeds(&spec.world.net, &spec.traffic, SimTime::ZERO, &[]);
    let order = spec.world.ch_order();
    let (ch, _) = Ch::prepare(&spec.world.net, table.as_ref(), table.digest, order);
    Some(Arc::new(ch))
}

/// Invariants that hold at the end of every run; returns the violations.
///
/// - every booking a customer made is closed exactly once, as completed, cancelled or
///   rejected with a reason, or as open when the run stopped while it was under way
///   (`books` checked each as it closed);
/// - no crate-slot or species-separation violation happened at any boarding;
/// - no pet is left aboard a vehicle unless its booking is still open;
/// - completed bookings have a pickup, a drop-off and a fare; fares are never negative;
/// - no actor received a message meant for another kind of actor (each reports its own
///   [`crate::engine::SimActor::problems`]).
pub fn check_end(report: &RunReport<Msg, Event>, books: &ClosingBooks) -> Vec<String> {
    let mut problems = books.problems();
    let open: BTreeSet<BookingId> = books.open.iter().copied().collect();
    let mut made = 0u64;
    let mut violations = 0u32;
    for slot in &report.slots {
        problems.extend(slot.actor.problems());
        if let Some(c) = slot.actor.as_any().downcast_ref::<Customer>() {
            let (m, closed) = c.counts();
            made += u64::from(m);
            if m != closed {
                problems.push(format!("a customer made {m} bookings but closed {closed}"));
            }
        }
        if let Some(v) = slot.actor.as_any().downcast_ref::<Vehicle>() {
            violations += v.violations();
            for b in v.aboard() {
                if !open.contains(&b) {
                    problems.push(format!(
                        "pets of booking {b} left aboard a vehicle after the booking ended"
                    ));
                }
            }
        }
    }
    if made != books.closed {
        problems.push(format!("{made} bookings made but {} closed", books.closed));
    }
    if violations > 0 {
        problems.push(format!(
            "{violations} crate-slot or species-separation violations at boarding"
        ));
    }
    problems
}

/// The settlement service's counters at the end of a run, if it had one.
pub fn settlement_counts(report: &RunReport<Msg, Event>) -> Option<crate::settle::SettleCounts> {
    (report.slots.iter())
        .find_map(|s| s.actor.as_any().downcast_ref::<SettlementActor>())
        .map(|a| a.flow().counts())
}

/// The settlement's reconciliation report, when the run has a settlement service.
pub fn reconciliation(report: &RunReport<Msg, Event>) -> Option<Vec<crate::settle::Check>> {
    (report.slots.iter())
        .find_map(|s| s.actor.as_any().downcast_ref::<SettlementActor>())
        .map(|a| a.flow().reconciliation())
}

/// Counters gathered from the actors at the end of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FleetStats {
    /// Ride legs the dispatcher assigned.
    pub assigned_legs: u32,
    /// Bookings the dispatcher rejected.
    pub rejected: u32,
    /// Pickups a vehicle handed back (its plan changed under a plan in flight) and the
    /// dispatcher assigned again.
    pub bounced: u32,
    /// Booking moments skipped because the household already had a booking under way.
    pub busy_skips: u32,
    /// Services partners finished.
    pub partner_services: u32,
    /// Kilometres driven by the fleet.
    pub fleet_km: f64,
    /// Searches for a vehicle (quotes and assignments).
    pub searches: u64,
    /// Vehicles those searches evaluated (the index skips the others).
    pub vehicles_evaluated: u64,
    /// Bookings the dispatcher still held at the end (only those under way).
    pub held_bookings: usize,
}

/// Gathers [`FleetStats`] from the actors of a finished run.
pub fn fleet_stats(report: &RunReport<Msg, Event>) -> FleetStats {
    let mut s = FleetStats::default();
    for slot in &report.slots {
        let any = slot.actor.as_any();
        if let Some(d) = any.downcast_ref::<Dispatcher>() {
            (s.assigned_legs, s.rejected, s.bounced) = d.counts();
            (s.searches, s.vehicles_evaluated) = d.search_counts();
            s.held_bookings = d.held();
        } else if let Some(c) = any.downcast_ref::<Customer>() {
            s.busy_skips += c.busy_skips();
        } else if let Some(p) = any.downcast_ref::<Partner>() {
            s.partner_services += p.served();
        } else if let Some(v) = any.downcast_ref::<Vehicle>() {
            s.fleet_km += v.odometer_m() / 1_000.0;
        }
    }
    s
}
