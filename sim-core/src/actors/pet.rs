//! The pet actor: rides, feels the ride through the welfare model, raises alerts, and asks
//! its vehicle to divert to a vet when an alert is critical.

pub mod msg;

use std::any::Any;

use crate::actors::{Misrouted, Msg, PetMsg, VehicleMsg};
use crate::booking::PetSpec;
use crate::engine::{Cx, SimActor};
use crate::event::{AlertRecord, Event, PetSample};
use crate::ids::{ActorId, BookingId, VehicleId};
use crate::time::{SimDuration, SimTime};
use crate::welfare::{Env, Level, Physiology, Welfare};

/// The action of a critical alert on which the pet asks its van to divert to a vet.
pub const DIVERT_TO_VET: &str = "divert to the nearest open vet";

/// A pet.
pub struct Pet {
    spec: PetSpec,
    physiology: Physiology,
    /// Samples go to pets.csv at most this often.
    sample_interval: SimDuration,
    ride: Option<Riding>,
    misrouted: Misrouted,
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
    /// The pet's species and, while it rides, its welfare now: (stress 0..1, heart rate
    /// bpm, the highest alert level raised).
    pub fn reading(
        &self,
    ) -> (
        crate::booking::Species,
        Option<(f64, f64, crate::welfare::Level)>,
    ) {
        let welfare = self.ride.as_ref().map(|r| {
            let w = &r.welfare;
            let top = w.raised.iter().copied().max().unwrap_or_default();
            (w.stress, w.heart_rate_bpm, top)
        });
        (self.spec.species, welfare)
    }

    /// A pet at home.
    pub fn new(spec: PetSpec, physiology: Physiology, sample_interval: SimDuration) -> Pet {
        Pet {
            spec,
            physiology,
            sample_interval,
            ride: None,
            misrouted: Misrouted::default(),
        }
    }

    /// The ride since the last report: welfare steps, alerts, a divert request once per
    /// ride when an alert is critical, and a sample at most every `sample_interval`.
    fn on_ride(&mut self, now: SimTime, env: Env, dt: SimDuration, cx: &mut Cx<'_, Msg, Event>) {
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
                DIVERT_TO_VET
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
                VehicleMsg::WelfareCritical {
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

    fn on_msg(&mut self, now: SimTime, msg: PetMsg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            PetMsg::Boarded {
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
            PetMsg::Ride { env, dt } => self.on_ride(now, env, dt, cx),
            PetMsg::Treated => {
                let p = self.physiology;
                if let Some(r) = &mut self.ride {
                    r.welfare.treated(&p);
                }
            }
            PetMsg::Alighted => self.ride = None,
        }
    }
}

impl SimActor<Msg, Event> for Pet {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Pet(m) => self.on_msg(now, m, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn problems(&self) -> Vec<String> {
        (self
            .misrouted
            .problem(&format!("pet {}", self.spec.pet))
            .into_iter())
        .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
