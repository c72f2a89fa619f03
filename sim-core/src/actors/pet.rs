//! The pet actor: rides, feels the ride through the welfare model, raises alerts, and asks
//! its vehicle to divert to a vet when an alert is critical.

use std::any::Any;

use crate::booking::PetSpec;
use crate::engine::{Cx, SimActor};
use crate::event::{AlertRecord, Event, PetSample};
use crate::ids::{ActorId, BookingId};
use crate::msg::Msg;
use crate::time::{SimDuration, SimTime};
use crate::welfare::{Level, Physiology, Welfare};

/// A pet.
pub struct Pet {
    spec: PetSpec,
    physiology: Physiology,
    /// Samples go to pets.csv at most this often.
    sample_interval: SimDuration,
    ride: Option<(BookingId, ActorId, Welfare, SimTime, bool)>,
    rides: u32,
}

impl Pet {
    /// A pet at home.
    pub fn new(spec: PetSpec, physiology: Physiology, sample_interval: SimDuration) -> Pet {
        Pet {
            spec,
            physiology,
            sample_interval,
            ride: None,
            rides: 0,
        }
    }

    /// Whether it is aboard a vehicle now.
    pub fn riding(&self) -> bool {
        self.ride.is_some()
    }

    /// Rides taken.
    pub fn rides(&self) -> u32 {
        self.rides
    }
}

impl SimActor<Msg, Event> for Pet {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Boarded { booking, vehicle } => {
                self.rides += 1;
                self.ride = Some((
                    booking,
                    vehicle,
                    Welfare::calm(&self.physiology),
                    SimTime(0),
                    false,
                ));
            }
            Msg::Ride { env, dt } => {
                let pet = self.spec.pet;
                let p = self.physiology;
                let interval = self.sample_interval;
                let Some((booking, vehicle, welfare, last_sample, asked)) = &mut self.ride else {
                    return;
                };
                let alerts = welfare.step(&p, &env, dt);
                let mut critical = false;
                for a in alerts {
                    critical |= a.level == Level::Critical;
                    let action = if a.level == Level::Critical && !*asked {
                        "divert to the nearest open vet"
                    } else {
                        "none"
                    };
                    cx.emit(Event::PetAlert(AlertRecord {
                        pet,
                        booking: *booking,
                        level: a.level,
                        cause: a.cause,
                        value: a.value,
                        threshold: a.threshold,
                        action: action.to_string(),
                    }));
                }
                if critical && !*asked {
                    *asked = true;
                    cx.send(
                        *vehicle,
                        SimDuration::ZERO,
                        Msg::WelfareCritical {
                            booking: *booking,
                            pet,
                        },
                    );
                }
                if now.saturating_since(*last_sample) >= interval || last_sample.as_ms() == 0 {
                    *last_sample = now;
                    cx.emit(Event::PetSample(PetSample {
                        pet,
                        booking: *booking,
                        vehicle: *vehicle,
                        cabin_temp_c: env.cabin_temp_c,
                        humidity_pct: env.humidity_pct,
                        vibration_ms2: env.vibration_ms2,
                        since_rest_min: env.since_rest.as_secs_f64() / 60.0,
                        stress: welfare.stress,
                        heart_rate_bpm: welfare.heart_rate_bpm,
                    }));
                }
            }
            Msg::Treated => {
                let p = self.physiology;
                if let Some((_, _, w, _, _)) = &mut self.ride {
                    w.treated(&p);
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
