//! A recorded run, indexed for seeking: a [`Tally`] checkpoint every few minutes of
//! simulated time and each van's track of positions. Seeking to `t` copies the checkpoint
//! before `t` and applies at most one period of happenings, so it costs the same at 06:00
//! as at 23:59, and backwards as forwards; playing applies happenings as time goes. Both
//! give the same tally (the tests check it at every kind of time).

use super::{Happening, Tally};
use crate::ids::VehicleId;
use crate::time::{SimDuration, SimTime};

/// One point of a van's track.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TrackPoint {
    at: SimTime,
    lat: f64,
    lon: f64,
    /// Moving (a fix with speed): the van drives on towards the next point.
    moving: bool,
}

/// A recorded run, ready to seek.
pub struct Replay {
    happenings: Vec<(SimTime, Happening)>,
    /// Tallies standing at `k * every`, with the index of the next happening to apply.
    checkpoints: Vec<(usize, Tally)>,
    every: SimDuration,
    tracks: Vec<Vec<TrackPoint>>,
    start: Tally,
    end: SimTime,
}

/// A tally being played forward through a [`Replay`].
#[derive(Clone, Debug)]
pub struct Player {
    /// The tally so far.
    pub tally: Tally,
    next: usize,
}

impl Replay {
    /// Indexes `happenings` (in time order) of a run that starts as `start` and ends at
    /// `end`, with a checkpoint every `every`.
    pub fn new(
        start: Tally,
        happenings: Vec<(SimTime, Happening)>,
        end: SimTime,
        every: SimDuration,
    ) -> Replay {
        debug_assert!(happenings.windows(2).all(|w| w[0].0 <= w[1].0));
        let every = SimDuration(every.as_ms().max(1));
        let mut tracks: Vec<Vec<TrackPoint>> = vec![Vec::new(); start.vans.len()];
        for (at, h) in &happenings {
            let (vehicle, lat, lon, moving) = match *h {
                Happening::Fix {
                    vehicle,
                    lat,
                    lon,
                    speed_kmh,
                } => (vehicle, lat, lon, speed_kmh > 0.0),
                Happening::Van {
                    vehicle, lat, lon, ..
                } => (vehicle, lat, lon, false),
                _ => continue,
            };
            let i = vehicle.0 as usize;
            if i >= tracks.len() {
                tracks.resize(i + 1, Vec::new());
            }
            tracks[i].push(TrackPoint {
                at: *at,
                lat,
                lon,
                moving,
            });
        }
        let mut replay = Replay {
            happenings,
            checkpoints: Vec::new(),
            every,
            tracks,
            start,
            end,
        };
        replay.checkpoints = replay.build_checkpoints();
        replay
    }

    fn build_checkpoints(&self) -> Vec<(usize, Tally)> {
        let mut player = self.player();
        let mut out = Vec::new();
        let mut t = SimTime::ZERO;
        loop {
            self.play(&mut player, t);
            out.push((player.next, player.tally.clone()));
            if t >= self.end {
                return out;
            }
            t += self.every;
        }
    }

    /// The run's end.
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// Happenings recorded.
    pub fn len(&self) -> usize {
        self.happenings.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.happenings.is_empty()
    }

    /// A player standing at time zero.
    pub fn player(&self) -> Player {
        Player {
            tally: self.start.clone(),
            next: 0,
        }
    }

    /// Plays `player` forward to `t` (every happening before `t`); a `t` behind it is a
    /// seek.
    pub fn play(&self, player: &mut Player, t: SimTime) {
        if t < player.tally.now {
            *player = self.seek_player(t);
            return;
        }
        while let Some((at, h)) = self.happenings.get(player.next).filter(|(at, _)| *at < t) {
            player.tally.apply(*at, h);
            player.next += 1;
        }
        player.tally.advance(t);
    }

    /// The tally at `t`: the checkpoint before it, played forward.
    pub fn seek(&self, t: SimTime) -> Tally {
        self.seek_player(t).tally
    }

    fn seek_player(&self, t: SimTime) -> Player {
        let k = ((t.as_ms() / self.every.as_ms()) as usize)
            .min(self.checkpoints.len().saturating_sub(1));
        let mut player = match self.checkpoints.get(k) {
            Some((next, tally)) => Player {
                tally: tally.clone(),
                next: *next,
            },
            None => self.player(),
        };
        self.play(&mut player, t);
        player
    }

    /// Where van `vehicle` is at `t`: between two points of its track when it was moving,
    /// else where it was last reported (its depot before anything).
    pub fn position(&self, vehicle: VehicleId, t: SimTime) -> Option<(f64, f64)> {
        let track = self.tracks.get(vehicle.0 as usize)?;
        let i = track.partition_point(|p| p.at <= t);
        let Some(p) = i.checked_sub(1).map(|j| track[j]) else {
            let v = self.start.vans.get(vehicle.0 as usize)?;
            return Some((v.lat, v.lon));
        };
        match track.get(i) {
            Some(q) if p.moving && q.at > p.at => {
                let f = (t.as_ms() - p.at.as_ms()) as f64 / (q.at.as_ms() - p.at.as_ms()) as f64;
                Some((p.lat + (q.lat - p.lat) * f, p.lon + (q.lon - p.lon) * f))
            }
            _ => Some((p.lat, p.lon)),
        }
    }

    /// When the next happening after `player`'s time is (a single step's target).
    pub fn next_after(&self, player: &Player) -> Option<SimTime> {
        (self.happenings[player.next..].iter())
            .map(|(at, _)| *at)
            .find(|at| *at >= player.tally.now)
    }

    /// Vans in the recording.
    pub fn vans(&self) -> usize {
        self.tracks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::VanState;
    use crate::ids::{BookingId, IncidentId, NodeId, PetId};

    /// A day of made-up happenings touching every kind, at irregular times.
    fn day() -> (Tally, Vec<(SimTime, Happening)>) {
        let start = Tally::new(&[(37.5, 127.0), (37.6, 127.1), (35.1, 129.0)]);
        let mut hs = Vec::new();
        for i in 0..2_000u64 {
            let at = SimTime(i * 43_217 % 86_400_000);
            let b = BookingId((i / 4) as u32);
            let v = VehicleId((i % 3) as u32);
            let h = match i % 11 {
                0 => Happening::Accepted { booking: b },
                1 => Happening::PickedUp {
                    booking: b,
                    vehicle: v,
                },
                2 => Happening::Dropped { booking: b },
                3 => Happening::Closed {
                    booking: b,
                    pickup: NodeId((i % 5) as u32),
                    wait_s: Some(i % 900),
                },
                4 => Happening::Fix {
                    vehicle: v,
                    lat: 37.0 + (i % 7) as f64 / 10.0,
                    lon: 127.0,
                    speed_kmh: (i % 2) as f64 * 40.0,
                },
                5 => Happening::Van {
                    vehicle: v,
                    state: VanState::ALL[(i % 7) as usize],
                    lat: 37.5,
                    lon: 127.2,
                },
                6 => Happening::IncidentOn {
                    incident: IncidentId((i % 4) as u32),
                    closure: i % 2 == 0,
                    edges: vec![],
                },
                7 => Happening::IncidentOff {
                    incident: IncidentId((i % 4) as u32),
                },
                8 => Happening::Alert {
                    pet: PetId((i % 9) as u32),
                    booking: b,
                    critical: i % 3 == 0,
                },
                9 => Happening::Notice {
                    latency_ms: (i % 2 == 0).then_some(i),
                    fallback: i % 4 == 1,
                },
                _ => Happening::Settled {
                    lag_s: Some(i % 3_600),
                },
            };
            hs.push((at, h));
        }
        hs.sort_by_key(|(at, _)| *at);
        (start, hs)
    }

    #[test]
    fn seeking_equals_playing_up_to_the_same_time() {
        let (start, hs) = day();
        let replay = Replay::new(start, hs, SimTime(86_400_000), SimDuration(600_000));
        let mut player = replay.player();
        // Forward in uneven steps (frame times), compared with a seek at each.
        let mut t = SimTime::ZERO;
        while t <= replay.end() {
            replay.play(&mut player, t);
            assert_eq!(player.tally, replay.seek(t), "at {t}");
            t = t + SimDuration(1 + t.as_ms() % 977_531);
        }
        // Exactly on checkpoints and on happenings, and backwards.
        for ms in [
            0, 600_000, 1_200_000, 43_217, 86_399_999, 86_400_000, 17, 5_000_000,
        ] {
            let t = SimTime(ms);
            let mut fresh = replay.player();
            replay.play(&mut fresh, t);
            assert_eq!(fresh.tally, replay.seek(t), "at {ms} ms");
            replay.play(&mut player, t);
            assert_eq!(player.tally, fresh.tally, "backwards to {ms} ms");
        }
        assert!(player.tally.closed > 0 && player.tally.chart.len() > 10);
    }

    #[test]
    fn a_moving_van_is_between_its_fixes_and_a_standing_one_stays() {
        let start = Tally::new(&[(37.0, 127.0)]);
        let v = VehicleId(0);
        let hs = vec![
            (
                SimTime(1_000),
                Happening::Fix {
                    vehicle: v,
                    lat: 37.0,
                    lon: 127.0,
                    speed_kmh: 50.0,
                },
            ),
            (
                SimTime(31_000),
                Happening::Fix {
                    vehicle: v,
                    lat: 37.3,
                    lon: 127.0,
                    speed_kmh: 0.0,
                },
            ),
            (
                SimTime(600_000),
                Happening::Fix {
                    vehicle: v,
                    lat: 38.0,
                    lon: 127.0,
                    speed_kmh: 30.0,
                },
            ),
        ];
        let r = Replay::new(start, hs, SimTime(700_000), SimDuration(60_000));
        assert_eq!(r.position(v, SimTime(0)), Some((37.0, 127.0)));
        let (lat, _) = r.position(v, SimTime(16_000)).unwrap();
        assert!((lat - 37.15).abs() < 1e-9);
        assert_eq!(r.position(v, SimTime(300_000)), Some((37.3, 127.0)));
        assert_eq!(r.position(v, SimTime(650_000)), Some((38.0, 127.0)));
        assert_eq!(r.position(VehicleId(5), SimTime(0)), None);
    }
}
