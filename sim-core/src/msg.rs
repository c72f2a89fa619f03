//! Internal messages between actors (commands), kept apart from outward [`crate::event`]s.
//!
//! ```text
//! Customer --BookingRequest--> Dispatcher --Quote--> Customer --QuoteAnswer--> Dispatcher
//! Customer --CancelBooking/BookingEnded--> Dispatcher
//! Dispatcher --Assign(plan)--> Vehicle, --Assigned--> Customer
//! Vehicle --VehicleStatus--> Dispatcher;  Vehicle --PickedUp/TripUpdate/Requote/Delivered--> Customer
//! Vehicle --Boarded/Ride/Alighted--> Pet --WelfareCritical--> Vehicle
//! Vehicle/Dispatcher --ServiceRequest--> Partner --ServiceDone/ServiceRejected--> requester
//! Traffic --Traffic(speeds)--> Vehicle
//! ```

use std::sync::Arc;

use crate::booking::{BookingSpec, Leg, PlanStop, VehicleView};
use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{ActorId, BookingId, IncidentId, PetId, VehicleId};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{Incident, IncidentPlan, SpeedTable};
use crate::welfare::Env;

/// A change in incidents that comes with a speed update.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentChange {
    /// The incident.
    pub incident: Incident,
    /// True when it started, false when it cleared.
    pub started: bool,
}

/// Speeds in force and what changed, broadcast by traffic to every vehicle.
#[derive(Clone, Debug)]
pub struct TrafficUpdate {
    /// The new speeds.
    pub table: Arc<SpeedTable>,
    /// Incidents that started or cleared with this update (empty for a periodic update).
    pub changes: Arc<[IncidentChange]>,
}

/// An upfront quote.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteOffer {
    /// Booking.
    pub booking: BookingId,
    /// The fare quoted.
    pub fare_won: i64,
    /// The plain taxi fare for the same ride (the customer's reference).
    pub reference_won: i64,
    /// Estimated pickup.
    pub pickup_eta: SimTime,
    /// Predicted distance of the ride(s), m.
    pub distance_m: f64,
    /// Surge multiplier applied.
    pub surge: f64,
    /// Of the fare, the add-on service fee (not transport: customers compare the rest).
    pub addon_fee_won: i64,
}

/// Why a fare is re-quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequoteReason {
    /// A detour around an incident.
    Reroute,
    /// Waiting at the pickup beyond the free minutes.
    Waiting,
    /// A diversion to a vet.
    Diversion,
}

impl RequoteReason {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            RequoteReason::Reroute => "reroute",
            RequoteReason::Waiting => "waiting",
            RequoteReason::Diversion => "diversion",
        }
    }
}

/// What the vehicle reports when a leg's pets are delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Booking.
    pub booking: BookingId,
    /// Leg.
    pub leg: Leg,
    /// Vehicle.
    pub vehicle: VehicleId,
    /// Picked up.
    pub picked_at: SimTime,
    /// Arrived at the drop-off.
    pub dropped_at: SimTime,
    /// Metres ridden.
    pub distance_m: f64,
    /// Seconds waited at the pickup for the pets.
    pub waited_s: u64,
    /// Tolls passed through.
    pub tolls_won: i64,
    /// The leg's meter: metered distance and slow seconds.
    pub metered_m: f64,
    /// Slow seconds.
    pub slow_s: f64,
    /// The leg's metered fare (with the booking's fees).
    pub metered_won: i64,
}

/// Every internal message.
#[derive(Clone, Debug)]
pub enum Msg {
    /// Sent to every actor at time 0.
    Start,
    /// Traffic: time to step congestion and broadcast speeds.
    TrafficTick,
    /// Traffic: a random accident happens now.
    AccidentDue,
    /// Traffic: a scripted incident happens now.
    StartIncident(Arc<IncidentPlan>),
    /// Traffic: an incident clears now.
    ClearIncident(IncidentId),
    /// Vehicle: new speeds (and incident changes).
    Traffic(TrafficUpdate),

    /// Customer: a candidate moment of the booking process (thinning).
    DemandTick,
    /// Customer: make this scripted booking now.
    BookScripted(Arc<BookingSpec>),
    /// Customer: the upfront quote.
    Quote(QuoteOffer),
    /// Customer: no vehicle can serve the booking.
    Rejected {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },
    /// Customer: a vehicle is assigned.
    Assigned {
        /// Booking.
        booking: BookingId,
        /// Vehicle.
        vehicle: VehicleId,
        /// Estimated pickup.
        pickup_eta: SimTime,
    },
    /// Customer: time to check whether the pickup is too late.
    PatienceCheck {
        /// Booking.
        booking: BookingId,
    },
    /// Customer: time to check whether the information is stale.
    StaleCheck,
    /// Customer: the vehicle is at the door.
    AtPickup {
        /// Booking.
        booking: BookingId,
    },
    /// Customer: the pets are aboard.
    PickedUp {
        /// Booking.
        booking: BookingId,
        /// Leg.
        leg: Leg,
    },
    /// Customer: live position / ETA update.
    TripUpdate {
        /// Booking.
        booking: BookingId,
    },
    /// Customer: the expected fare changed; approve?
    Requote {
        /// Booking.
        booking: BookingId,
        /// The approved fare so far.
        old_won: i64,
        /// The new expected fare.
        new_won: i64,
        /// Why.
        reason: RequoteReason,
        /// Who asks (the vehicle).
        from: ActorId,
    },
    /// Customer: a leg is delivered.
    Delivered(Arc<Delivery>),
    /// Customer: the partner service could not be done.
    ServiceFailed {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },

    /// Dispatcher: a new booking.
    BookingRequest(Arc<BookingSpec>),
    /// Dispatcher: the customer's answer to the quote.
    QuoteAnswer {
        /// Booking.
        booking: BookingId,
        /// Accepted?
        accepted: bool,
    },
    /// Dispatcher: the customer cancels.
    CancelBooking {
        /// Booking.
        booking: BookingId,
    },
    /// Dispatcher: the booking reached its final state; forget it.
    BookingEnded {
        /// Booking.
        booking: BookingId,
    },
    /// Dispatcher: a vehicle's state.
    VehicleStatus {
        /// Vehicle.
        vehicle: VehicleId,
        /// What dispatch needs to know.
        view: Arc<VehicleView>,
    },
    /// Dispatcher: assign the pending bookings (batch mode) and retry returns.
    BatchTick,
    /// Dispatcher: a vehicle could not take a booking's pets aboard after all (its plan
    /// changed under a plan that was in flight); assign the leg again.
    Bounce {
        /// Booking.
        booking: BookingId,
        /// Leg.
        leg: Leg,
        /// Vehicle.
        vehicle: VehicleId,
    },
    /// Requester (and, forwarded, the customer): a partner started a service.
    ServiceStarted {
        /// Booking.
        booking: BookingId,
        /// Expected end.
        until: SimTime,
    },
    /// Requester: a partner finished a service.
    ServiceDone {
        /// Booking.
        booking: BookingId,
    },
    /// Requester: a partner refused a service.
    ServiceRejected {
        /// Booking.
        booking: BookingId,
        /// Why.
        reason: Arc<str>,
    },

    /// Vehicle: the new plan.
    Assign {
        /// The stops to drive, in order.
        plan: Arc<[PlanStop]>,
    },
    /// Vehicle: drop a booking that was not picked up.
    Unassign {
        /// Booking.
        booking: BookingId,
    },
    /// Vehicle: the customer's answer to a re-quote.
    RequoteAnswer {
        /// Booking.
        booking: BookingId,
        /// Approved?
        approved: bool,
        /// The fare approved (or not).
        new_won: i64,
    },
    /// Vehicle: a pet's welfare is critical.
    WelfareCritical {
        /// Booking.
        booking: BookingId,
        /// Pet.
        pet: PetId,
    },
    /// Vehicle: the climate control fails (false) or is repaired (true).
    Hvac {
        /// Working?
        ok: bool,
    },
    /// Vehicle: report the ride to the pets aboard.
    WelfareTick,
    /// Vehicle: send live updates to the customers.
    CustomerTick,
    /// Vehicle: the hour is over; report its statistics.
    HourTick,
    /// Vehicle: the current edge should be done (ignored unless `gen` is current).
    EdgeDone {
        /// Timer generation.
        gen: u32,
    },
    /// Vehicle: the current stop is over.
    StopDone {
        /// Timer generation.
        gen: u32,
    },
    /// Vehicle: report a GPS position.
    PositionTick,

    /// Pet: boarded a vehicle.
    Boarded {
        /// Booking.
        booking: BookingId,
        /// The vehicle's actor.
        vehicle: ActorId,
        /// The vehicle.
        vehicle_id: VehicleId,
    },
    /// Pet: the ride since the last report.
    Ride {
        /// Conditions.
        env: Env,
        /// Time since the last report.
        dt: SimDuration,
    },
    /// Pet: treated at a vet.
    Treated,
    /// Pet: left the vehicle.
    Alighted,

    /// Partner: serve these pets.
    ServiceRequest {
        /// Booking.
        booking: BookingId,
        /// How long.
        duration: SimDuration,
        /// Who to tell.
        reply_to: ActorId,
        /// An emergency (welfare diversion).
        emergency: bool,
    },
    /// Partner: a service ends.
    ServiceEnd {
        /// Booking.
        booking: BookingId,
    },
}

impl Msg {
    /// A short name for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Start => "start",
            Msg::TrafficTick => "traffic_tick",
            Msg::AccidentDue => "accident_due",
            Msg::StartIncident(_) => "start_incident",
            Msg::ClearIncident(_) => "clear_incident",
            Msg::Traffic(_) => "traffic",
            Msg::DemandTick => "demand_tick",
            Msg::BookScripted(_) => "book_scripted",
            Msg::Quote(_) => "quote",
            Msg::Rejected { .. } => "rejected",
            Msg::Assigned { .. } => "assigned",
            Msg::PatienceCheck { .. } => "patience_check",
            Msg::StaleCheck => "stale_check",
            Msg::AtPickup { .. } => "at_pickup",
            Msg::PickedUp { .. } => "picked_up",
            Msg::TripUpdate { .. } => "trip_update",
            Msg::Requote { .. } => "requote",
            Msg::Delivered(_) => "delivered",
            Msg::ServiceFailed { .. } => "service_failed",
            Msg::BookingRequest(_) => "booking_request",
            Msg::QuoteAnswer { .. } => "quote_answer",
            Msg::CancelBooking { .. } => "cancel_booking",
            Msg::BookingEnded { .. } => "booking_ended",
            Msg::VehicleStatus { .. } => "vehicle_status",
            Msg::BatchTick => "batch_tick",
            Msg::Bounce { .. } => "bounce",
            Msg::ServiceStarted { .. } => "service_started",
            Msg::ServiceDone { .. } => "service_done",
            Msg::ServiceRejected { .. } => "service_rejected",
            Msg::Assign { .. } => "assign",
            Msg::Unassign { .. } => "unassign",
            Msg::RequoteAnswer { .. } => "requote_answer",
            Msg::WelfareCritical { .. } => "welfare_critical",
            Msg::Hvac { .. } => "hvac",
            Msg::WelfareTick => "welfare_tick",
            Msg::CustomerTick => "customer_tick",
            Msg::HourTick => "hour_tick",
            Msg::EdgeDone { .. } => "edge_done",
            Msg::StopDone { .. } => "stop_done",
            Msg::PositionTick => "position_tick",
            Msg::Boarded { .. } => "boarded",
            Msg::Ride { .. } => "ride",
            Msg::Treated => "treated",
            Msg::Alighted => "alighted",
            Msg::ServiceRequest { .. } => "service_request",
            Msg::ServiceEnd { .. } => "service_end",
        }
    }
}

impl TraceEncode for QuoteOffer {
    fn encode(&self, h: &mut TraceHasher) {
        let QuoteOffer {
            booking,
            fare_won,
            reference_won,
            pickup_eta,
            distance_m,
            surge,
            addon_fee_won,
        } = self;
        h.u32(booking.0);
        h.u64(*fare_won as u64);
        h.u64(*reference_won as u64);
        h.u64(pickup_eta.as_ms());
        h.f64(*distance_m);
        h.f64(*surge);
        h.u64(*addon_fee_won as u64);
    }
}

impl TraceEncode for Delivery {
    fn encode(&self, h: &mut TraceHasher) {
        let Delivery {
            booking,
            leg,
            vehicle,
            picked_at,
            dropped_at,
            distance_m,
            waited_s,
            tolls_won,
            metered_m,
            slow_s,
            metered_won,
        } = self;
        h.u32(booking.0);
        h.u8(*leg as u8);
        h.u32(vehicle.0);
        h.u64(picked_at.as_ms());
        h.u64(dropped_at.as_ms());
        h.f64(*distance_m);
        h.u64(*waited_s);
        h.u64(*tolls_won as u64);
        h.f64(*metered_m);
        h.f64(*slow_s);
        h.u64(*metered_won as u64);
    }
}

impl TraceEncode for TrafficUpdate {
    fn encode(&self, h: &mut TraceHasher) {
        let TrafficUpdate { table, changes } = self;
        table.encode(h);
        h.u32(changes.len() as u32);
        for c in changes.iter() {
            let IncidentChange { incident, started } = c;
            incident.encode(h);
            h.u8(u8::from(*started));
        }
    }
}

impl TraceEncode for Msg {
    fn encode(&self, h: &mut TraceHasher) {
        // The tag is the variant's position in `kind()`'s list, by name, so that adding a
        // variant in the middle changes nothing that came before.
        h.str(self.kind());
        match self {
            Msg::Start
            | Msg::TrafficTick
            | Msg::AccidentDue
            | Msg::DemandTick
            | Msg::StaleCheck
            | Msg::BatchTick => {}
            Msg::WelfareTick
            | Msg::CustomerTick
            | Msg::HourTick
            | Msg::PositionTick
            | Msg::Treated
            | Msg::Alighted => {}
            Msg::StartIncident(p) => p.encode(h),
            Msg::ClearIncident(id) => h.u32(id.0),
            Msg::Traffic(u) => u.encode(h),
            Msg::BookScripted(s) | Msg::BookingRequest(s) => s.encode(h),
            Msg::Quote(q) => q.encode(h),
            Msg::Rejected { booking, reason }
            | Msg::ServiceFailed { booking, reason }
            | Msg::ServiceRejected { booking, reason } => {
                h.u32(booking.0);
                h.str(reason);
            }
            Msg::Assigned {
                booking,
                vehicle,
                pickup_eta,
            } => {
                h.u32(booking.0);
                h.u32(vehicle.0);
                h.u64(pickup_eta.as_ms());
            }
            Msg::PatienceCheck { booking }
            | Msg::AtPickup { booking }
            | Msg::TripUpdate { booking }
            | Msg::CancelBooking { booking }
            | Msg::BookingEnded { booking }
            | Msg::ServiceDone { booking }
            | Msg::Unassign { booking }
            | Msg::ServiceEnd { booking } => h.u32(booking.0),
            Msg::PickedUp { booking, leg } => {
                h.u32(booking.0);
                h.u8(*leg as u8);
            }
            Msg::Requote {
                booking,
                old_won,
                new_won,
                reason,
                from,
            } => {
                h.u32(booking.0);
                h.u64(*old_won as u64);
                h.u64(*new_won as u64);
                h.u8(*reason as u8);
                h.u32(from.0);
            }
            Msg::Delivered(d) => d.encode(h),
            Msg::Bounce {
                booking,
                leg,
                vehicle,
            } => {
                h.u32(booking.0);
                h.u8(*leg as u8);
                h.u32(vehicle.0);
            }
            Msg::ServiceStarted { booking, until } => {
                h.u32(booking.0);
                h.u64(until.as_ms());
            }
            Msg::QuoteAnswer { booking, accepted } => {
                h.u32(booking.0);
                h.u8(u8::from(*accepted));
            }
            Msg::VehicleStatus { vehicle, view } => {
                h.u32(vehicle.0);
                view.encode(h);
            }
            Msg::Assign { plan } => {
                h.u32(plan.len() as u32);
                for s in plan.iter() {
                    s.encode(h);
                }
            }
            Msg::RequoteAnswer {
                booking,
                approved,
                new_won,
            } => {
                h.u32(booking.0);
                h.u8(u8::from(*approved));
                h.u64(*new_won as u64);
            }
            Msg::WelfareCritical { booking, pet } => {
                h.u32(booking.0);
                h.u32(pet.0);
            }
            Msg::Hvac { ok } => h.u8(u8::from(*ok)),
            Msg::EdgeDone { gen } | Msg::StopDone { gen } => h.u32(*gen),
            Msg::Boarded {
                booking,
                vehicle,
                vehicle_id,
            } => {
                h.u32(booking.0);
                h.u32(vehicle.0);
                h.u32(vehicle_id.0);
            }
            Msg::Ride { env, dt } => {
                env.encode(h);
                h.u64(dt.as_ms());
            }
            Msg::ServiceRequest {
                booking,
                duration,
                reply_to,
                emergency,
            } => {
                h.u32(booking.0);
                h.u64(duration.as_ms());
                h.u32(reply_to.0);
                h.u8(u8::from(*emergency));
            }
        }
    }
}
