//! Travel-time estimates for planning: the profile speeds (no random congestion, no
//! incidents) at the middle of each hour of each day type, as contraction hierarchies.
//!
//! Memory is O(nodes + edges) per distinct hour profile; hours whose speeds are the same
//! (every hour of a network with static travel times) share one hierarchy, found by the
//! speed table's digest. Hierarchies are prepared when first asked for, so a one-day run
//! prepares at most 24 (the bundled network: about 2 ms in all; the peer's 7,617-node city:
//! one, about 0.1 s). A bounded direct-mapped memo keeps recent answers (a pair repeats
//! often: the stops of a plan, the pickup of a booking checked against many vans).

use std::sync::Arc;

use crate::ids::NodeId;
use crate::time::{SimTime, MS_PER_H};
use crate::traffic::{profile_speeds, DayType, TrafficConfig};
use crate::world::{Ch, World};

/// A (day type, hour) profile: an index into the estimates' hierarchies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(u16);

const MEMO_BITS: u32 = 16;
const EMPTY: u64 = u64::MAX;
/// Stored for an unreachable pair.
const UNREACHABLE: u32 = u32::MAX;

/// Planning travel times by hour profile.
pub struct Estimates {
    world: Arc<World>,
    traffic: Arc<TrafficConfig>,
    /// `[day type][hour]` -> index into `graphs`, once prepared.
    slots: [[Option<u16>; 24]; 3],
    graphs: Vec<Arc<Ch>>,
    /// The network's saved node order, or that of the first preparation: reused by the
    /// later ones.
    order: Option<Vec<usize>>,
    /// Direct-mapped memo: (key, milliseconds).
    memo: Vec<(u64, u32)>,
}

impl Estimates {
    /// Estimates over `world` under `traffic`'s profiles. `seed` is a hierarchy already
    /// prepared for some profile (the static network's), used for every hour with the
    /// same speeds.
    pub fn new(world: Arc<World>, traffic: Arc<TrafficConfig>, seed: Option<Arc<Ch>>) -> Self {
        let order = world.ch_order().map(<[usize]>::to_vec);
        Estimates {
            world,
            traffic,
            slots: [[None; 24]; 3],
            graphs: seed.into_iter().collect(),
            order,
            memo: vec![(EMPTY, 0); 1 << MEMO_BITS],
        }
    }

    /// The profile in force at `t` (the middle of its hour), prepared if need be.
    pub fn slot(&mut self, t: SimTime) -> Slot {
        let day = self.traffic.day_type(t);
        let hour = (t.ms_of_day() / MS_PER_H) as usize;
        if let Some(i) = self.slots[day as usize][hour] {
            return Slot(i);
        }
        let i = self.prepare(day, hour);
        self.slots[day as usize][hour] = Some(i);
        Slot(i)
    }

    fn prepare(&mut self, day: DayType, hour: usize) -> u16 {
        let mut cfg = (*self.traffic).clone();
        cfg.calendar = vec![day];
        let at = SimTime(hour as u64 * MS_PER_H + MS_PER_H / 2);
        let table = profile_speeds(&self.world.net, &cfg, at, &[]);
        if let Some(i) = self.graphs.iter().position(|g| g.digest == table.digest) {
            return i as u16;
        }
        let (ch, order) = Ch::prepare(
            &self.world.net,
            table.as_ref(),
            table.digest,
            self.order.as_deref(),
        );
        self.order.get_or_insert(order);
        self.graphs.push(Arc::new(ch));
        (self.graphs.len() - 1) as u16
    }

    /// Milliseconds from `a` to `b` under the profile `slot`; `None` if unreachable.
    pub fn time_ms(&mut self, slot: Slot, a: NodeId, b: NodeId) -> Option<u64> {
        if a == b {
            return Some(0);
        }
        if (a.0 | b.0) >= 1 << 24 {
            // Beyond the memo's key space: ask the hierarchy.
            return self.graphs[slot.0 as usize].time_ms(&self.world.net, a, b);
        }
        let key = (u64::from(slot.0) << 48) | (u64::from(a.0) << 24) | u64::from(b.0);
        let at = memo_index(key);
        let (k, v) = self.memo[at];
        if k == key {
            return (v != UNREACHABLE).then_some(u64::from(v));
        }
        let t = self.graphs[slot.0 as usize].time_ms(&self.world.net, a, b);
        let stored = t.map_or(UNREACHABLE, |ms| ms.min(u64::from(UNREACHABLE - 1)) as u32);
        self.memo[at] = (key, stored);
        t
    }

    /// Milliseconds from `a` to `b` leaving at `t`.
    pub fn time_at(&mut self, t: SimTime, a: NodeId, b: NodeId) -> Option<u64> {
        let slot = self.slot(t);
        self.time_ms(slot, a, b)
    }
}

/// Fibonacci hashing of the key into the memo.
fn memo_index(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MEMO_BITS)) as usize
}

/// Planning times under one profile, as plan evaluation asks for them.
pub trait LegTimes {
    /// Milliseconds from `a` to `b`; `None` if unreachable.
    fn leg_ms(&mut self, a: NodeId, b: NodeId) -> Option<u64>;
}

/// The estimates at one profile.
pub struct AtSlot<'a> {
    /// The estimates.
    pub estimates: &'a mut Estimates,
    /// The profile.
    pub slot: Slot,
}

impl LegTimes for AtSlot<'_> {
    fn leg_ms(&mut self, a: NodeId, b: NodeId) -> Option<u64> {
        self.estimates.time_ms(self.slot, a, b)
    }
}
