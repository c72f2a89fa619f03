//! Travel-time estimates for planning: the profile speeds (no random congestion, no
//! incidents) at the middle of each hour of each day type, as contraction hierarchies.
//!
//! Memory is O(nodes + edges) per distinct hour profile; hours whose speeds are the same
//! (every hour of a network with static travel times) share one hierarchy, found by the
//! speed table's digest. Hierarchies are prepared when first asked for, so a one-day run
//! prepares at most 24 (the bundled network: about 2 ms in all; the peer's 7,617-node city:
//! one, about 0.1 s; Seoul's streets: about 50 ms each), and at most [`RESIDENT`] are kept:
//! a long run drops the least recently used and prepares it again when its hour comes back
//! (weekdays after a weekend), so its memory stays flat. A bounded direct-mapped memo keeps recent answers (a pair repeats
//! often: the stops of a plan). A search's booking ends get one-to-all sweeps
//! ([`Estimates::space`]): the last four answer [`Estimates::time_ms`] by lookup, and the
//! last `STORED` are stored for later searches of the same ends (a booking's assignment
//! after its quote, a partner's node as many bookings' drop-off).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use crate::ids::NodeId;
use crate::time::{SimTime, MS_PER_H};
use crate::traffic::{profile_speeds, DayType, SpeedTable, TrafficConfig};
use crate::world::ch::arcs;
use crate::world::{
    Ch, FreeFlow, Landmarks, Route, Side, Space, TravelTimes, World, LARGE_NETWORK_NODES,
};

/// A (day type, hour) profile: an index into the estimates' hierarchies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(u16);

const MEMO_BITS: u32 = 16;
const EMPTY: u64 = u64::MAX;
/// Stored for an unreachable pair.
const UNREACHABLE: u32 = u32::MAX;

/// The hour-profile hierarchies, shared by dispatch (its estimates) and, on large networks,
/// the vehicles (their route choice). Every preparation reuses one node order: the
/// network's saved order, or that of its free-flow speeds, so a hierarchy depends only on
/// its hour, never on which actor (or thread) asked for it first, nor on whether it was
/// prepared before and dropped.
///
/// At most [`RESIDENT`] hierarchies are kept: when another is needed, the one used least
/// recently is dropped (with its landmarks) and prepared again if asked for later. A run
/// over weekdays and weekends thus holds one day type's hours, not all of them, and its
/// memory stays flat however long it runs.
#[derive(Debug)]
pub struct ProfileHierarchies {
    world: Arc<World>,
    traffic: Arc<TrafficConfig>,
    inner: Mutex<Prepared>,
}

/// How many hour-profile hierarchies are kept at once: one day type's hours. A weekday
/// run prepares each hour once; the first weekend day prepares its hours again in place
/// of the weekday's (about 50 ms each on the street network).
pub const RESIDENT: usize = 24;

#[derive(Debug)]
struct Prepared {
    /// `[day type][hour]` -> index into `kept`, once known.
    slots: [[Option<u16>; 24]; 3],
    /// Per slot (one per distinct speed table), newest last.
    kept: Vec<Kept>,
    order: Option<Arc<[usize]>>,
    /// Counts the fetches, to find the least recently used hierarchy.
    clock: u64,
}

/// One profile's hierarchy and landmarks, while kept.
#[derive(Debug)]
struct Kept {
    /// The (day type, hour) it is prepared again from; `None` for the seed (never dropped).
    origin: Option<(DayType, usize)>,
    digest: u64,
    /// The hierarchy and (on a large network) its landmarks; `None` once dropped.
    graphs: Option<Graphs>,
    /// `clock` at its last fetch.
    used: u64,
}

/// A profile's hierarchy and (on a large network) its landmark bounds.
type Graphs = (Arc<Ch>, Option<Arc<Landmarks>>);

impl ProfileHierarchies {
    /// Hierarchies over `world` under `traffic`'s profiles. `seed` is a hierarchy already
    /// prepared for some profile (the static network's), used for every hour with the
    /// same speeds.
    pub fn new(world: Arc<World>, traffic: Arc<TrafficConfig>, seed: Option<Arc<Ch>>) -> Self {
        let order = world.ch_order().map(Into::into);
        let kept = seed.into_iter().map(|ch| Kept {
            origin: None,
            digest: ch.digest,
            graphs: Some((ch, None)),
            used: 0,
        });
        ProfileHierarchies {
            world,
            traffic,
            inner: Mutex::new(Prepared {
                slots: [[None; 24]; 3],
                kept: kept.collect(),
                order,
                clock: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Prepared> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The profile in force at `t` (the middle of its hour), its hierarchy and (on a large
    /// network) its landmarks, prepared if need be.
    pub fn at(&self, t: SimTime) -> (Slot, Arc<Ch>, Option<Arc<Landmarks>>) {
        let mut p = self.lock();
        let slot = self.slot_in(&mut p, t);
        let (ch, marks) = self.fetch(&mut p, slot);
        (slot, ch, marks)
    }

    /// The profile in force at `t`, without its hierarchy.
    pub fn slot(&self, t: SimTime) -> Slot {
        self.slot_in(&mut self.lock(), t)
    }

    /// The hierarchy and landmarks of `slot`, prepared again if they were dropped.
    pub fn get(&self, slot: Slot) -> (Arc<Ch>, Option<Arc<Landmarks>>) {
        self.fetch(&mut self.lock(), slot)
    }

    /// How many hierarchies are kept now.
    pub fn resident(&self) -> usize {
        self.lock()
            .kept
            .iter()
            .filter(|k| k.graphs.is_some())
            .count()
    }

    fn slot_in(&self, p: &mut Prepared, t: SimTime) -> Slot {
        let day = self.traffic.day_type(t);
        let hour = (t.ms_of_day() / MS_PER_H) as usize;
        if let Some(i) = p.slots[day as usize][hour] {
            return Slot(i);
        }
        let digest = self.table(day, hour).digest;
        let i = match p.kept.iter().position(|k| k.digest == digest) {
            Some(i) => i,
            None => {
                p.kept.push(Kept {
                    origin: Some((day, hour)),
                    digest,
                    graphs: None,
                    used: 0,
                });
                p.kept.len() - 1
            }
        };
        p.slots[day as usize][hour] = Some(i as u16);
        Slot(i as u16)
    }

    /// The profile speeds of `hour` on a `day`.
    fn table(&self, day: DayType, hour: usize) -> Arc<SpeedTable> {
        let mut cfg = (*self.traffic).clone();
        cfg.calendar = vec![day];
        let at = SimTime(hour as u64 * MS_PER_H + MS_PER_H / 2);
        profile_speeds(&self.world.net, &cfg, at, &[])
    }

    /// `slot`'s graphs, prepared if need be; marks it used and drops the least recently
    /// used beyond [`RESIDENT`].
    fn fetch(&self, p: &mut Prepared, slot: Slot) -> Graphs {
        let i = slot.0 as usize;
        p.clock += 1;
        p.kept[i].used = p.clock;
        if p.kept[i].graphs.is_none() {
            // The least recently used goes first, so at most RESIDENT are ever kept.
            let live = || {
                p.kept
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.graphs.is_some())
            };
            if live().count() >= RESIDENT {
                let oldest = live()
                    .filter(|(_, k)| k.origin.is_some())
                    .min_by_key(|(_, k)| k.used)
                    .map(|(j, _)| j);
                if let Some(j) = oldest {
                    p.kept[j].graphs = None;
                }
            }
            let origin = p.kept[i].origin.expect("the seed is never dropped");
            let graphs = self.prepare(p, origin);
            p.kept[i].graphs = Some(graphs);
        }
        let (ch, marks) = p.kept[i].graphs.as_ref().expect("prepared above");
        (ch.clone(), marks.clone())
    }

    fn prepare(&self, p: &mut Prepared, (day, hour): (DayType, usize)) -> Graphs {
        let table = self.table(day, hour);
        let net = &self.world.net;
        let order = p
            .order
            .get_or_insert_with(|| Ch::prepare(net, &FreeFlow, 0, None).1.into())
            .clone();
        let (ch, _) = Ch::prepare(net, table.as_ref(), table.digest, Some(&order));
        let marks = (net.routing_nodes() >= LARGE_NETWORK_NODES)
            .then(|| Landmarks::build(net, &arcs(net, table.as_ref())))
            .flatten();
        (Arc::new(ch), marks.map(Arc::new))
    }
}

/// Planning travel times by hour profile: the shared hierarchies, with this planner's memo.
pub struct Estimates {
    world: Arc<World>,
    shared: Arc<ProfileHierarchies>,
    /// `[day type][hour]` -> slot, as looked up.
    slots: [[Option<Slot>; 24]; 3],
    traffic: Arc<TrafficConfig>,
    /// The hierarchies and landmarks held, by slot: the [`HELD`] most recently looked up
    /// (others are fetched from `shared` when asked for).
    held: Vec<Option<Graphs>>,
    /// The slots held, least recently looked up first.
    recent: VecDeque<Slot>,
    /// Direct-mapped memo: (key, milliseconds).
    memo: Vec<(u64, u32)>,
    /// The upward search spaces of the ends that queries share (a pickup, a drop-off),
    /// newest last.
    spaces: Vec<(Slot, NodeId, Arc<Space>)>,
    /// Spaces grown lately, for the next search of the same ends (a booking's assignment
    /// follows its quote within the batch interval), at most [`STORED`]; `grown` holds
    /// their keys oldest first.
    stored: BTreeMap<SpaceKey, Arc<Space>>,
    grown: VecDeque<SpaceKey>,
    /// The memory of a space dropped from the store, for the next one.
    spare: Option<Vec<u32>>,
}

/// A stored space's key: its profile, root and side (`Side::From` as 0).
type SpaceKey = (Slot, NodeId, u8);

/// How many recent spaces are stored (29 KB each on the street network: 30 MB at most).
const STORED: usize = 1024;

/// How many profiles' graphs an estimator holds (a search asks at its start's hour and at
/// the hours its stops fall in).
const HELD: usize = 8;

/// How many shared ends' search spaces are kept (a search asks from and to its pickup and
/// its drop-off).
const SPACES: usize = 4;

impl Estimates {
    /// Estimates from `shared`.
    pub fn new(shared: Arc<ProfileHierarchies>) -> Self {
        Estimates {
            world: shared.world.clone(),
            traffic: shared.traffic.clone(),
            shared,
            slots: [[None; 24]; 3],
            held: Vec::new(),
            recent: VecDeque::new(),
            memo: vec![(EMPTY, 0); 1 << MEMO_BITS],
            spaces: Vec::new(),
            stored: BTreeMap::new(),
            grown: VecDeque::new(),
            spare: None,
        }
    }

    /// The profile in force at `t` (the middle of its hour), its hierarchy prepared and
    /// held if need be.
    pub fn slot(&mut self, t: SimTime) -> Slot {
        let day = self.traffic.day_type(t);
        let hour = (t.ms_of_day() / MS_PER_H) as usize;
        let slot = match self.slots[day as usize][hour] {
            Some(s) => s,
            None => {
                let s = self.shared.slot(t);
                self.slots[day as usize][hour] = Some(s);
                s
            }
        };
        self.hold(slot);
        slot
    }

    /// Holds `slot`'s graphs (the most recent of the [`HELD`]), fetched if need be.
    fn hold(&mut self, slot: Slot) {
        if self.recent.back() == Some(&slot) {
            return;
        }
        let i = slot.0 as usize;
        if self.held.len() <= i {
            self.held.resize(i + 1, None);
        }
        if self.held[i].is_some() {
            self.recent.retain(|&s| s != slot);
        } else {
            self.held[i] = Some(self.shared.get(slot));
            if self.recent.len() == HELD {
                let oldest = self.recent.pop_front().expect("HELD is above zero");
                self.held[oldest.0 as usize] = None;
            }
        }
        self.recent.push_back(slot);
    }

    /// `slot`'s graphs: held, or fetched from the shared hierarchies.
    fn graphs(&self, slot: Slot) -> Graphs {
        match self.held.get(slot.0 as usize) {
            Some(Some(g)) => g.clone(),
            _ => self.shared.get(slot),
        }
    }

    /// The landmarks of `slot`, with the slot's number as their identity.
    pub fn landmarks(&self, slot: Slot) -> Option<(u64, Arc<Landmarks>)> {
        let marks = self.graphs(slot).1?;
        Some((u64::from(slot.0), marks))
    }

    /// A lower bound on the milliseconds from `a` to `b` under `slot` from its landmarks;
    /// `None` without landmarks.
    pub fn lower_bound_ms(&self, slot: Slot, a: NodeId, b: NodeId) -> Option<u64> {
        if let Some(Some((_, marks))) = self.held.get(slot.0 as usize) {
            return marks.as_ref().map(|m| m.lower_bound_ms(a, b));
        }
        Some(self.graphs(slot).1?.lower_bound_ms(a, b))
    }

    fn graph(&self, slot: Slot) -> Arc<Ch> {
        self.graphs(slot).0
    }

    /// The times between `root` and every node on `side` under `slot` (a one-to-all
    /// sweep, grown if need be, and kept for [`Estimates::time_ms`]); `None` when the
    /// hierarchy has no upward graph or the node no edge.
    pub fn space(&mut self, slot: Slot, root: NodeId, side: Side) -> Option<Arc<Space>> {
        self.space_of(slot, root, side)
            .map(|i| self.spaces[i].2.clone())
    }

    /// Milliseconds between `other` and the root of `space` (grown from `root`), as
    /// [`Estimates::time_ms`] gives them: a lookup.
    pub fn meet(&self, root: NodeId, space: &Space, other: NodeId) -> Option<u64> {
        space.between(&self.world.net, root, other)
    }

    /// The index in `spaces` of `root`'s space under `slot`, grown (or taken from the
    /// stored ones) if need be; `None` when the hierarchy has no upward graph or the node
    /// no edge.
    fn space_of(&mut self, slot: Slot, root: NodeId, side: Side) -> Option<usize> {
        if let Some(i) =
            (self.spaces.iter()).position(|(s, n, sp)| *s == slot && *n == root && sp.side == side)
        {
            return Some(i);
        }
        let key = (slot, root, side as u8);
        let space = match self.stored.get(&key) {
            Some(space) => space.clone(),
            None => {
                if self.grown.len() == STORED {
                    let old = self.grown.pop_front().and_then(|k| self.stored.remove(&k));
                    self.spare = old
                        .and_then(|s| Arc::try_unwrap(s).ok())
                        .map(Space::into_buffer);
                }
                let buffer = self.spare.take().unwrap_or_default();
                let grown = self
                    .graph(slot)
                    .space_in(&self.world.net, root, side, buffer);
                let space = Arc::new(grown?);
                self.grown.push_back(key);
                self.stored.insert(key, space.clone());
                space
            }
        };
        if self.spaces.len() == SPACES {
            self.spaces.remove(0);
        }
        self.spaces.push((slot, root, space));
        Some(self.spaces.len() - 1)
    }

    /// The memo's answer for (`slot`, `a`, `b`), or the hierarchy's, remembered.
    fn memoized(&mut self, slot: Slot, a: NodeId, b: NodeId) -> Option<u64> {
        if (a.0 | b.0) >= 1 << 24 {
            return self.graph(slot).time_ms(&self.world.net, a, b);
        }
        let key = (u64::from(slot.0) << 48) | (u64::from(a.0) << 24) | u64::from(b.0);
        let at = memo_index(key);
        let (k, v) = self.memo[at];
        if k == key {
            return (v != UNREACHABLE).then_some(u64::from(v));
        }
        let t = self.graph(slot).time_ms(&self.world.net, a, b);
        let stored = t.map_or(UNREACHABLE, |ms| ms.min(u64::from(UNREACHABLE - 1)) as u32);
        self.memo[at] = (key, stored);
        t
    }

    /// Milliseconds from `a` to `b` under the profile `slot`; `None` if unreachable.
    pub fn time_ms(&mut self, slot: Slot, a: NodeId, b: NodeId) -> Option<u64> {
        if a == b {
            return Some(0);
        }
        // A kept space of either end answers at once (a search's pickup and drop-off): a
        // lookup, cheaper than the memo's.
        let kept = self.spaces.iter().find(|(s, n, sp)| {
            *s == slot && ((*n == b && sp.side == Side::To) || (*n == a && sp.side == Side::From))
        });
        if let Some((_, root, space)) = kept {
            let other = if *root == b { a } else { b };
            return space.meet(&self.world.net, other);
        }
        self.memoized(slot, a, b)
    }

    /// The route planning would take from `a` to `b` leaving at `t` (the fastest under that
    /// hour's profile), timed by `times`.
    pub fn route(
        &mut self,
        t: SimTime,
        a: NodeId,
        b: NodeId,
        times: &dyn TravelTimes,
    ) -> Option<Route> {
        let slot = self.slot(t);
        self.graph(slot).route(&self.world.net, times, a, b)
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
