//! A synthetic load for the engine: `n` actors that tick on a common period and send
//! greetings to random peers, delivered a whole number of periods later. It mirrors the
//! shape of the fleet model (vehicles report on a fixed GPS period, traffic updates on a
//! fixed interval), so steps hold many events. Used by the engine benchmarks and by the
//! host-equivalence tests.

use std::any::Any;

use rand::Rng;

use crate::engine::{Cx, Engine, SimActor, TraceEncode, TraceHasher};
use crate::ids::ActorId;
use crate::rng::ActorKind;
use crate::time::{SimDuration, SimTime};

/// Messages of the synthetic load.
#[derive(Clone, Debug)]
pub enum Ping {
    /// The actor's periodic timer.
    Tick,
    /// A greeting from another actor.
    Hello {
        /// The sender.
        from: ActorId,
        /// Its running count.
        n: u64,
    },
}

impl TraceEncode for Ping {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            Ping::Tick => h.u8(0),
            Ping::Hello { from, n } => {
                h.u8(1);
                h.u32(from.0);
                h.u64(*n);
            }
        }
    }
}

/// What a synthetic actor reports: every tenth greeting it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pong {
    /// Greetings received so far.
    pub received: u64,
    /// A checksum over what it received.
    pub checksum: u64,
}

/// One synthetic actor.
pub struct Pinger {
    peers: u32,
    period: SimDuration,
    sent: u64,
    received: u64,
    checksum: u64,
}

impl SimActor<Ping, Pong> for Pinger {
    fn handle(&mut self, _now: SimTime, msg: Ping, cx: &mut Cx<'_, Ping, Pong>) {
        match msg {
            Ping::Tick => {
                let to = ActorId(cx.rng().random_range(0..self.peers));
                let periods = cx.rng().random_range(1..=4u64);
                self.sent += 1;
                let hello = Ping::Hello {
                    from: cx.me(),
                    n: self.sent,
                };
                cx.send(to, SimDuration(self.period.0 * periods), hello);
                cx.send_self(self.period, Ping::Tick);
            }
            Ping::Hello { from, n } => {
                self.received += 1;
                self.checksum = self
                    .checksum
                    .rotate_left(5)
                    .wrapping_add(u64::from(from.0) ^ n);
                if self.received % 10 == 0 {
                    cx.emit(Pong {
                        received: self.received,
                        checksum: self.checksum,
                    });
                }
            }
        }
    }

    fn on_end(&mut self, _now: SimTime, cx: &mut Cx<'_, Ping, Pong>) {
        cx.emit(Pong {
            received: self.received,
            checksum: self.checksum,
        });
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An engine holding `actors` pingers with a `period_ms` tick, all starting at time 0.
pub fn load(seed: u64, actors: u32, period_ms: u64) -> Engine<Ping, Pong> {
    let mut engine = Engine::new(seed);
    for i in 0..actors {
        let id = engine.add(
            ActorKind::Synthetic,
            i,
            Box::new(Pinger {
                peers: actors,
                period: SimDuration(period_ms),
                sent: 0,
                received: 0,
                checksum: 0,
            }),
        );
        engine.schedule(SimTime::ZERO, id, Ping::Tick);
    }
    engine
}
