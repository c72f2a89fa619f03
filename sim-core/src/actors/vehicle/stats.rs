//! Statistics: the vehicle's odometer, legs delivered, and the hour being accumulated for
//! `vehicles_hourly.csv`.

use crate::event::VehicleHour;
use crate::ids::VehicleId;
use crate::time::{SimDuration, SimTime};

/// Counters of one vehicle.
pub(super) struct Stats {
    pub hour: VehicleHour,
    pub odometer_m: f64,
    /// Legs delivered.
    pub completed: u32,
}

impl Stats {
    pub fn new(vehicle: VehicleId) -> Stats {
        Stats {
            hour: empty_hour(vehicle, SimTime::ZERO, 0),
            odometer_m: 0.0,
            completed: 0,
        }
    }

    /// Adds `dt` of time and `moved_m` of driving with `pets` aboard: busy when there is
    /// work in hand, loaded when pets are aboard.
    pub fn accumulate(&mut self, dt: SimDuration, moved_m: f64, busy: bool, pets: u32) {
        let secs = dt.as_secs_f64();
        self.odometer_m += moved_m;
        if busy {
            self.hour.busy_s += secs;
        }
        if pets > 0 {
            self.hour.loaded_m += moved_m;
            self.hour.loaded_s += secs;
            self.hour.pet_m += moved_m * f64::from(pets);
        } else {
            self.hour.empty_m += moved_m;
        }
    }

    /// Notes the pets aboard now (for the hour's maximum).
    pub fn note_pets(&mut self, pets: u32) {
        self.hour.max_pets = self.hour.max_pets.max(pets);
    }

    /// Ends the hour at `now` with `pets` aboard: returns it and starts the next.
    pub fn close_hour(&mut self, now: SimTime, pets: u32) -> VehicleHour {
        self.note_pets(pets);
        let next = empty_hour(self.hour.vehicle, now, pets);
        std::mem::replace(&mut self.hour, next)
    }
}

fn empty_hour(vehicle: VehicleId, hour_start: SimTime, pets: u32) -> VehicleHour {
    VehicleHour {
        vehicle,
        hour_start,
        busy_s: 0.0,
        loaded_s: 0.0,
        loaded_m: 0.0,
        empty_m: 0.0,
        pet_m: 0.0,
        max_pets: pets,
    }
}
