//! The pet actor: rides, feels the ride through the welfare model, raises alerts, and asks
//! its vehicle to divert to a vet when an alert is critical.

use std::any::Any;

use crate::booking::PetSpec;
use crate::engine::{Cx, SimActor};
use crate::event::{AlertRecord, Event, PetSample};
use crate::ids::{ActorId, BookingId, VehicleId};
use crate::msg::Msg;
use crate::time::{SimDuration, SimTime};
use crate::welfare::{Level, Physiology, Welfare};

/// A pet.
pub struct Pet {
    spec: PetSpec,
    physiology: Physiology,
    /// Samples go to pets.csv at most this often.
    sample_interval: SimDuration,
    ride: Option<Riding>,
}

/// The ride under way.
struct Riding {
    booking: BookingId,
    vehicle: ActorId,
    vehicle_id: VehicleId,
    welfare: Welfare,
    last_sample: Option<SimTime>,
    /// Whether the vehicle has been asked to divert (once per ride).
    asked: bool,
}

impl Pet {
    /// A pet at home.
    pub fn new(spec: PetSpec, physiology: Physiology, sample_interval: SimDuration) -> Pet {
        Pet {
            spec,
            physiology,
            sample_interval,
            ride: None,
        }
    }
}

impl SimActor<Msg, Event> for Pet {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Boarded {
                booking,
                vehicle,
                vehicle_id,
            } => {
                self.ride = Some(Riding {
                    booking,
                    vehicle,
                    vehicle_id,
                    welfare: Welfare::calm(&self.physiology),
                    last_sample: None,
                    asked: false,
                });
            }
            Msg::Ride { env, dt } => {
                let pet = self.spec.pet;
                let p = self.physiology;
                let Some(r) = &mut self.ride else {
                    return;
                };
                let alerts = r.welfare.step(&p, &env, dt);
                let mut critical = false;
                for a in alerts {
                    critical |= a.level == Level::Critical;
                    let action = if a.level == Level::Critical && !r.asked {
                        "divert to the nearest open vet"
                    } else {
                        "none"
                    };
                    cx.emit(Event::PetAlert(AlertRecord {
                        pet,
                        booking: r.booking,
                        level: a.level,
                        cause: a.cause,
                        value: a.value,
                        threshold: a.threshold,
                        action: action.to_string(),
                    }));
                }
                if critical && !r.asked {
                    r.asked = true;
                    cx.send(
                        r.vehicle,
                        SimDuration::ZERO,
                        Msg::WelfareCritical {
                            booking: r.booking,
                            pet,
                        },
                    );
                }
                if r.last_sample
                    .is_none_or(|t| now.saturating_since(t) >= self.sample_interval)
                {
                    r.last_sample = Some(now);
                    cx.emit(Event::PetSample(PetSample {
                        pet,
                        booking: r.booking,
                        vehicle: r.vehicle_id,
                        cabin_temp_c: env.cabin_temp_c,
                        humidity_pct: env.humidity_pct,
                        vibration_ms2: env.vibration_ms2,
                        since_rest_min: env.since_rest.as_secs_f64() / 60.0,
                        stress: r.welfare.stress,
                        heart_rate_bpm: r.welfare.heart_rate_bpm,
                    }));
                }
            }
            Msg::Treated => {
                let p = self.physiology;
                if let Some(r) = &mut self.ride {
                    r.welfare.treated(&p);
                }
            }
            Msg::Alighted => self.ride = None,
            other => debug_assert!(false, "pet got {}", other.kind()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
