//! Traffic: the speed of every edge at every moment, and the accidents that close roads or
//! take lanes.
//!
//! speed(edge, t) = free-flow(edge) × profile(day type, class, hour) × congestion(edge, t)
//!                  × incident factor(edge, t), clamped to (0, free-flow].
//!
//! - the profile is hourly, linearly interpolated between the top of each hour;
//! - congestion is a log-normal AR(1) process per directed edge, stepped on the update
//!   interval: x' = ρ·x + √(1-ρ²)·σ·ε with ρ = exp(-Δt/τ), factor = exp(x - σ²/2) (mean 1);
//! - accidents form a Poisson process per class with a rate per km of one direction per
//!   hour, superposed over all edges (exponential gaps, edge drawn by rate × length);
//!   each one is a full closure (with `closure_share`) or a loss of lanes, each lane lost
//!   multiplying speed by `capacity_factor_per_lane_lost`, and lasts a log-normal time
//!   with the class's mean (σ of the log 0.5). Its end is known when it starts (the
//!   traffic centre's clearance estimate, taken as exact).

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, StandardNormal};

use crate::engine::{TraceEncode, TraceHasher};
use crate::ids::{EdgeId, IncidentId};
use crate::time::{SimDuration, SimTime, MS_PER_H};
use crate::world::{RoadClass, RoadNetwork, TravelTimes};

/// Kind of day, selecting the speed profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DayType {
    /// Monday to Friday, not a holiday.
    Weekday = 0,
    /// Saturday or Sunday.
    Weekend = 1,
    /// Public holiday.
    Holiday = 2,
}

impl DayType {
    /// All day types, in index order.
    pub const ALL: [DayType; 3] = [DayType::Weekday, DayType::Weekend, DayType::Holiday];

    /// Name used in data files.
    pub fn name(self) -> &'static str {
        match self {
            DayType::Weekday => "weekday",
            DayType::Weekend => "weekend",
            DayType::Holiday => "holiday",
        }
    }

    /// Parses a data-file name.
    pub fn parse(s: &str) -> Option<DayType> {
        DayType::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// Hourly speed factors by day type and road class.
#[derive(Clone, Debug)]
pub struct Profiles {
    /// `factors[day type][class][hour]`, each in (0, 1].
    pub factors: [[[f64; 24]; 4]; 3],
}

impl Profiles {
    /// Flat profiles (every factor 1): free-flow all day.
    pub fn flat() -> Profiles {
        Profiles {
            factors: [[[1.0; 24]; 4]; 3],
        }
    }

    /// The factor at a fractional hour of day, interpolated between hourly points.
    pub fn factor(&self, day: DayType, class: RoadClass, hour: f64) -> f64 {
        let row = &self.factors[day as usize][class.index()];
        let h0 = (hour.floor() as usize) % 24;
        let h1 = (h0 + 1) % 24;
        let w = hour - hour.floor();
        row[h0] * (1.0 - w) + row[h1] * w
    }
}

/// Accident parameters of one road class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AccidentParams {
    /// Accidents per km of one direction per hour.
    pub rate_per_km_h: f64,
    /// Fraction of accidents that close the road fully.
    pub closure_share: f64,
    /// Most lanes a lane-loss accident takes.
    pub lanes_lost_max: u8,
    /// Mean duration, minutes.
    pub mean_duration_min: f64,
    /// Speed factor per lane lost.
    pub capacity_factor_per_lane_lost: f64,
}

/// Everything the traffic actor needs besides the network.
#[derive(Clone, Debug)]
pub struct TrafficConfig {
    /// Hourly profiles.
    pub profiles: Profiles,
    /// Per class, by [`RoadClass::index`].
    pub accidents: [AccidentParams; 4],
    /// σ of the log congestion factor (0 disables random congestion).
    pub congestion_sigma: f64,
    /// Correlation time τ of the congestion process, seconds.
    pub congestion_correlation_s: f64,
    /// How often speeds are recomputed and broadcast.
    pub update_interval: SimDuration,
    /// Whether random accidents happen.
    pub random_accidents: bool,
    /// Multiplies every accident rate (1 = the data's rates).
    pub accident_rate_scale: f64,
    /// Day type of each day of the run (index = day); later days repeat the weekly cycle.
    pub calendar: Vec<DayType>,
}

impl TrafficConfig {
    /// The time-of-day profiles alone: no random congestion, no random accidents. What
    /// planning estimates and the `route` command use.
    pub fn profile_only(
        profiles: Profiles,
        accidents: [AccidentParams; 4],
        calendar: Vec<DayType>,
    ) -> TrafficConfig {
        TrafficConfig {
            profiles,
            accidents,
            congestion_sigma: 0.0,
            congestion_correlation_s: 1.0,
            update_interval: SimDuration::from_mins(5),
            random_accidents: false,
            accident_rate_scale: 0.0,
            calendar,
        }
    }

    /// Whether speeds never change but for incidents: no random congestion, and each road
    /// class has one profile factor for every hour of every day type.
    pub fn is_static(&self) -> bool {
        self.congestion_sigma <= 0.0
            && (0..4).all(|c| {
                let first = self.profiles.factors[0][c][0];
                self.profiles
                    .factors
                    .iter()
                    .all(|day| day[c].iter().all(|&f| f == first))
            })
    }

    /// The day type of `t`.
    pub fn day_type(&self, t: SimTime) -> DayType {
        let day = t.day() as usize;
        match self.calendar.get(day) {
            Some(&d) => d,
            None if self.calendar.len() >= 7 => self.calendar[day % 7],
            None => DayType::Weekday,
        }
    }
}

/// What an incident does to its edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentKind {
    /// No vehicle can pass.
    Closure,
    /// Lanes are blocked.
    LaneLoss {
        /// How many.
        lanes_lost: u8,
    },
}

/// Where an incident came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentCause {
    /// Written in the scenario.
    Scripted,
    /// Drawn from the accident process.
    Random,
}

/// An incident on one or more consecutive directed edges.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// Id, in order of occurrence.
    pub id: IncidentId,
    /// The edges it affects.
    pub edges: Vec<EdgeId>,
    /// Closure or lane loss.
    pub kind: IncidentKind,
    /// Scripted or random.
    pub cause: IncidentCause,
    /// When it happened.
    pub start: SimTime,
    /// When it clears.
    pub end: SimTime,
    /// Speed factor on its edges (0 for a closure).
    pub speed_factor: f64,
}

/// A scripted incident, resolved against the network.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentPlan {
    /// When it happens.
    pub at: SimTime,
    /// The edges it affects.
    pub edges: Vec<EdgeId>,
    /// Closure or lane loss.
    pub kind: IncidentKind,
    /// How long it lasts.
    pub duration: SimDuration,
}

/// Speeds in force, immutable once built and shared (behind an `Arc`) with every vehicle.
#[derive(Debug)]
pub struct SpeedTable {
    /// Increases with every rebuild.
    pub version: u64,
    /// When it was computed.
    pub at: SimTime,
    /// Metres per second per directed edge; 0 when closed.
    pub speed_mps: Vec<f64>,
    /// For closed edges, when they are expected to reopen.
    pub closed_until: BTreeMap<EdgeId, SimTime>,
    /// Incident speed factor per edge (1 when no incident).
    pub incident_factor: Vec<f64>,
    /// FNV-1a over the contents, fed to the trace hash in place of the table.
    pub digest: u64,
}

impl SpeedTable {
    /// Whether `edge` is closed.
    pub fn is_closed(&self, edge: EdgeId) -> bool {
        self.speed_mps[edge.index()] <= 0.0
    }

    /// Time to follow `edges` starting at `start`, waiting at a closed edge until it
    /// reopens; `None` if a closure has no known end. Returns (metres, seconds).
    pub fn time_with_waits(
        &self,
        net: &RoadNetwork,
        start: SimTime,
        edges: &[EdgeId],
    ) -> Option<(f64, f64)> {
        let mut t_s = 0.0;
        let mut length_m = 0.0;
        for &e in edges {
            let edge = net.edge(e);
            let speed = if self.is_closed(e) {
                let reopen = *self.closed_until.get(&e)?;
                let now_s = start.as_secs_f64() + t_s;
                t_s += (reopen.as_secs_f64() - now_s).max(0.0);
                // After reopening, the base speed without the incident.
                let base = edge.speed_kmh / 3.6;
                base.max(0.1)
            } else {
                self.speed_mps[e.index()]
            };
            t_s += edge.length_m / speed;
            length_m += edge.length_m;
        }
        Some((length_m, t_s))
    }
}

impl TravelTimes for SpeedTable {
    fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64> {
        let v = self.speed_mps[edge.index()];
        (v > 0.0).then(|| net.edge(edge).length_m / v)
    }
}

/// The state of traffic: congestion per edge and the incidents in force.
#[derive(Clone, Debug)]
pub struct TrafficState {
    /// Log congestion per directed edge.
    congestion_log: Vec<f64>,
    /// Incidents in force, by id.
    incidents: BTreeMap<IncidentId, Incident>,
    next_incident: u32,
    version: u64,
    /// Cumulative accident weight (rate × km) per edge, for drawing the edge.
    cumulative_rate: Vec<f64>,
}

/// Lowest speed factor from profile × congestion × lane loss (closures aside).
const MIN_FACTOR: f64 = 0.05;

impl TrafficState {
    /// A calm start: no congestion, no incidents.
    pub fn new(net: &RoadNetwork, cfg: &TrafficConfig) -> TrafficState {
        let mut acc = 0.0;
        let cumulative_rate = net
            .edges()
            .iter()
            .map(|e| {
                acc += cfg.accidents[e.class.index()].rate_per_km_h
                    * cfg.accident_rate_scale
                    * e.length_m
                    / 1_000.0;
                acc
            })
            .collect();
        TrafficState {
            congestion_log: vec![0.0; net.edges().len()],
            incidents: BTreeMap::new(),
            next_incident: 0,
            version: 0,
            cumulative_rate,
        }
    }

    /// Total accident rate over the network, per hour.
    pub fn accident_rate_per_h(&self) -> f64 {
        self.cumulative_rate.last().copied().unwrap_or(0.0)
    }

    /// Steps every edge's congestion by `dt`.
    pub fn step_congestion(&mut self, cfg: &TrafficConfig, dt: SimDuration, rng: &mut impl Rng) {
        if cfg.congestion_sigma <= 0.0 {
            return;
        }
        let rho = (-dt.as_secs_f64() / cfg.congestion_correlation_s.max(1.0)).exp();
        let scale = (1.0 - rho * rho).sqrt() * cfg.congestion_sigma;
        for x in &mut self.congestion_log {
            let eps: f64 = StandardNormal.sample(rng);
            *x = rho * *x + scale * eps;
        }
    }

    /// The congestion factor of one edge (mean 1).
    pub fn congestion_factor(&self, cfg: &TrafficConfig, edge: EdgeId) -> f64 {
        let s = cfg.congestion_sigma;
        (self.congestion_log[edge.index()] - s * s / 2.0).exp()
    }

    /// Incidents in force.
    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.values()
    }

    /// Starts an incident; returns it.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one fact of the incident"
    )]
    pub fn start_incident(
        &mut self,
        net: &RoadNetwork,
        cfg: &TrafficConfig,
        now: SimTime,
        edges: Vec<EdgeId>,
        kind: IncidentKind,
        cause: IncidentCause,
        duration: SimDuration,
    ) -> Incident {
        let speed_factor = match kind {
            IncidentKind::Closure => 0.0,
            IncidentKind::LaneLoss { lanes_lost } => {
                let class = net.edge(edges[0]).class;
                cfg.accidents[class.index()]
                    .capacity_factor_per_lane_lost
                    .powi(i32::from(lanes_lost))
            }
        };
        let incident = Incident {
            id: IncidentId(self.next_incident),
            edges,
            kind,
            cause,
            start: now,
            end: now + duration,
            speed_factor,
        };
        self.next_incident += 1;
        self.incidents.insert(incident.id, incident.clone());
        incident
    }

    /// Clears an incident; returns it if it was in force.
    pub fn clear_incident(&mut self, id: IncidentId) -> Option<Incident> {
        self.incidents.remove(&id)
    }

    /// Draws the time to the next random accident (`None` when the rate is zero).
    pub fn next_accident_gap(&self, rng: &mut impl Rng) -> Option<SimDuration> {
        let rate = self.accident_rate_per_h();
        if rate <= 0.0 {
            return None;
        }
        let gap_h: f64 = Exp::new(rate).ok()?.sample(rng);
        Some(SimDuration::from_secs_f64(gap_h * 3_600.0).max(SimDuration(1)))
    }

    /// Draws the edge, kind and duration of a random accident.
    pub fn draw_accident(
        &self,
        net: &RoadNetwork,
        cfg: &TrafficConfig,
        rng: &mut impl Rng,
    ) -> (EdgeId, IncidentKind, SimDuration) {
        let total = self.accident_rate_per_h();
        let u = rng.random::<f64>() * total;
        let idx = self
            .cumulative_rate
            .partition_point(|&c| c <= u)
            .min(self.cumulative_rate.len() - 1);
        let edge = net.edge(EdgeId(idx as u32));
        let p = cfg.accidents[edge.class.index()];
        let closure = edge.lanes <= 1 || rng.random::<f64>() < p.closure_share;
        let kind = if closure {
            IncidentKind::Closure
        } else {
            let max = p.lanes_lost_max.clamp(1, edge.lanes - 1);
            IncidentKind::LaneLoss {
                lanes_lost: rng.random_range(1..=max),
            }
        };
        let sigma = 0.5;
        let mu = p.mean_duration_min.max(1.0).ln() - sigma * sigma / 2.0;
        let minutes: f64 = LogNormal::new(mu, sigma)
            .map(|d| d.sample(rng))
            .unwrap_or(p.mean_duration_min);
        (
            edge.id,
            kind,
            SimDuration::from_secs_f64(minutes * 60.0).max(SimDuration::from_mins(1)),
        )
    }

    /// The speeds in force at `now`.
    pub fn speeds(&mut self, net: &RoadNetwork, cfg: &TrafficConfig, now: SimTime) -> SpeedTable {
        self.version += 1;
        build_table(
            net,
            cfg,
            now,
            self.version,
            |e| self.congestion_factor(cfg, e),
            self.incidents.values(),
        )
    }
}

/// Builds a speed table from the profile, a congestion factor per edge and incidents.
pub fn build_table<'a>(
    net: &RoadNetwork,
    cfg: &TrafficConfig,
    now: SimTime,
    version: u64,
    congestion: impl Fn(EdgeId) -> f64,
    incidents: impl Iterator<Item = &'a Incident>,
) -> SpeedTable {
    let day = cfg.day_type(now);
    let hour = now.ms_of_day() as f64 / MS_PER_H as f64;
    let mut incident_factor = vec![1.0; net.edges().len()];
    let mut closed_until = BTreeMap::new();
    for inc in incidents {
        for &e in &inc.edges {
            incident_factor[e.index()] *= inc.speed_factor;
            if inc.speed_factor <= 0.0 {
                let until = closed_until.entry(e).or_insert(inc.end);
                *until = (*until).max(inc.end);
            }
        }
    }
    let speed_mps: Vec<f64> = net
        .edges()
        .iter()
        .map(|e| {
            let f = incident_factor[e.id.index()];
            if f <= 0.0 {
                0.0
            } else {
                edge_speed_mps(
                    e,
                    cfg.profiles.factor(day, e.class, hour) * congestion(e.id) * f,
                )
            }
        })
        .collect();
    let digest = table_digest(&speed_mps, &closed_until, &incident_factor);
    SpeedTable {
        version,
        at: now,
        speed_mps,
        closed_until,
        incident_factor,
        digest,
    }
}

/// A digest of a table's contents (speeds, closures with their ends, incident factors): the
/// table's stand-in in the trace hash, and its identity for routing caches. FNV-1a over
/// 64-bit words (the bits of each number) rather than bytes: tables are large and built
/// often, and a digest needs no byte-level canonical form beyond fixed word order.
fn table_digest(
    speed_mps: &[f64],
    closed_until: &BTreeMap<EdgeId, SimTime>,
    incident_factor: &[f64],
) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut word = |w: u64| h = (h ^ w).wrapping_mul(PRIME);
    for v in speed_mps {
        word(v.to_bits());
    }
    word(closed_until.len() as u64);
    for (e, t) in closed_until {
        word(u64::from(e.0));
        word(t.as_ms());
    }
    for f in incident_factor {
        word(f.to_bits());
    }
    h
}

/// The profile's travel times at one moment, edge by edge, without building a table: the
/// same numbers as [`profile_speeds`] with no closures.
pub struct ProfileAt<'a> {
    cfg: &'a TrafficConfig,
    day: DayType,
    hour: f64,
}

impl<'a> ProfileAt<'a> {
    /// The profile of `cfg` at `at`.
    pub fn new(cfg: &'a TrafficConfig, at: SimTime) -> Self {
        ProfileAt {
            cfg,
            day: cfg.day_type(at),
            hour: at.ms_of_day() as f64 / MS_PER_H as f64,
        }
    }
}

impl TravelTimes for ProfileAt<'_> {
    fn edge_time_s(&self, net: &RoadNetwork, edge: EdgeId) -> Option<f64> {
        let e = net.edge(edge);
        let factor = self.cfg.profiles.factor(self.day, e.class, self.hour);
        Some(e.length_m / edge_speed_mps(e, factor))
    }
}

/// The speed rule: free flow times the product of the factors in force (profile,
/// congestion, incident), held between `MIN_FACTOR` and 1; metres per second.
fn edge_speed_mps(e: &crate::world::Edge, factor: f64) -> f64 {
    e.speed_kmh / 3.6 * factor.clamp(MIN_FACTOR, 1.0)
}

/// Speeds from the profile alone (no congestion) with the given closures: for the
/// `route` command and for planning estimates.
pub fn profile_speeds(
    net: &RoadNetwork,
    cfg: &TrafficConfig,
    at: SimTime,
    closed: &[EdgeId],
) -> Arc<SpeedTable> {
    let closure = Incident {
        id: IncidentId(0),
        edges: closed.to_vec(),
        kind: IncidentKind::Closure,
        cause: IncidentCause::Scripted,
        start: at,
        end: SimTime::MAX,
        speed_factor: 0.0,
    };
    let incidents = if closed.is_empty() {
        vec![]
    } else {
        vec![closure]
    };
    Arc::new(build_table(net, cfg, at, 0, |_| 1.0, incidents.iter()))
}

// ---- trace encodings: every field, destructured so that a new field does not compile
// until it is hashed -------------------------------------------------------------------

impl TraceEncode for IncidentKind {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            IncidentKind::Closure => h.u8(0),
            IncidentKind::LaneLoss { lanes_lost } => {
                h.u8(1);
                h.u8(*lanes_lost);
            }
        }
    }
}

impl TraceEncode for Incident {
    fn encode(&self, h: &mut TraceHasher) {
        let Incident {
            id,
            edges,
            kind,
            cause,
            start,
            end,
            speed_factor,
        } = self;
        h.u32(id.0);
        h.u32(edges.len() as u32);
        for e in edges {
            h.u32(e.0);
        }
        kind.encode(h);
        h.u8(*cause as u8);
        h.u64(start.as_ms());
        h.u64(end.as_ms());
        h.f64(*speed_factor);
    }
}

impl TraceEncode for IncidentPlan {
    fn encode(&self, h: &mut TraceHasher) {
        let IncidentPlan {
            at,
            edges,
            kind,
            duration,
        } = self;
        h.u64(at.as_ms());
        h.u32(edges.len() as u32);
        for e in edges {
            h.u32(e.0);
        }
        kind.encode(h);
        h.u64(duration.as_ms());
    }
}

impl TraceEncode for SpeedTable {
    /// The contents enter through the digest, computed once when the table is built.
    fn encode(&self, h: &mut TraceHasher) {
        let SpeedTable {
            version,
            at,
            speed_mps: _,
            closed_until: _,
            incident_factor: _,
            digest,
        } = self;
        h.u64(*version);
        h.u64(at.as_ms());
        h.u64(*digest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{actor_rng, ActorKind};
    use crate::world::network::tests::square;

    fn cfg() -> TrafficConfig {
        let p = AccidentParams {
            rate_per_km_h: 1e-3,
            closure_share: 0.25,
            lanes_lost_max: 1,
            mean_duration_min: 60.0,
            capacity_factor_per_lane_lost: 0.6,
        };
        TrafficConfig {
            profiles: Profiles::flat(),
            accidents: [p; 4],
            congestion_sigma: 0.1,
            congestion_correlation_s: 1_800.0,
            update_interval: SimDuration::from_mins(5),
            random_accidents: true,
            accident_rate_scale: 1.0,
            calendar: vec![DayType::Weekday],
        }
    }

    #[test]
    fn profile_interpolates_between_hours() {
        let mut p = Profiles::flat();
        p.factors[0][0][8] = 0.5;
        p.factors[0][0][9] = 0.7;
        assert!((p.factor(DayType::Weekday, RoadClass::Expressway, 8.5) - 0.6).abs() < 1e-12);
        assert_eq!(p.factor(DayType::Weekday, RoadClass::Expressway, 23.0), 1.0);
    }

    #[test]
    fn congestion_has_mean_one_and_the_set_spread() {
        let net = square();
        let cfg = cfg();
        let mut st = TrafficState::new(&net, &cfg);
        let mut rng = actor_rng(3, ActorKind::Traffic, 0);
        let (mut sum, mut sum_log, mut sum_log2, mut n) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..20_000 {
            st.step_congestion(&cfg, SimDuration::from_mins(5), &mut rng);
            for e in 0..net.edges().len() {
                let f = st.congestion_factor(&cfg, EdgeId(e as u32));
                sum += f;
                sum_log += f.ln();
                sum_log2 += f.ln() * f.ln();
                n += 1.0;
            }
        }
        let mean = sum / n;
        let var_log = sum_log2 / n - (sum_log / n).powi(2);
        assert!((mean - 1.0).abs() < 0.01, "mean congestion factor {mean}");
        assert!(
            (var_log.sqrt() - 0.1).abs() < 0.01,
            "σ of log factor {}",
            var_log.sqrt()
        );
    }

    #[test]
    fn closures_stop_traffic_and_lane_losses_slow_it() {
        let net = square();
        let cfg = cfg();
        let mut st = TrafficState::new(&net, &cfg);
        let now = SimTime::from_day_hms(0, 10, 0, 0);
        let closure = st.start_incident(
            &net,
            &cfg,
            now,
            vec![EdgeId(0)],
            IncidentKind::Closure,
            IncidentCause::Scripted,
            SimDuration::from_hours(2),
        );
        st.start_incident(
            &net,
            &cfg,
            now,
            vec![EdgeId(2)],
            IncidentKind::LaneLoss { lanes_lost: 1 },
            IncidentCause::Random,
            SimDuration::from_hours(1),
        );
        let t = st.speeds(&net, &cfg, now);
        assert!(t.is_closed(EdgeId(0)));
        assert_eq!(t.closed_until.get(&EdgeId(0)), Some(&closure.end));
        assert!(!t.is_closed(EdgeId(1)), "the other direction stays open");
        assert_eq!(t.incident_factor[2], 0.6);
        st.clear_incident(closure.id);
        assert!(!st.speeds(&net, &cfg, now).is_closed(EdgeId(0)));
    }

    #[test]
    fn waiting_for_a_closure_is_costed() {
        let net = square();
        let cfg = cfg();
        let t = profile_speeds(&net, &cfg, SimTime(0), &[]);
        let (m, s) = t.time_with_waits(&net, SimTime(0), &[EdgeId(0)]).unwrap();
        assert_eq!(m, 9_000.0);
        assert!((s - 324.0).abs() < 1e-9);
        let mut st = TrafficState::new(&net, &cfg);
        st.start_incident(
            &net,
            &cfg,
            SimTime(0),
            vec![EdgeId(0)],
            IncidentKind::Closure,
            IncidentCause::Scripted,
            SimDuration::from_secs(600),
        );
        let t = st.speeds(&net, &cfg, SimTime(0));
        let (_, s) = t.time_with_waits(&net, SimTime(0), &[EdgeId(0)]).unwrap();
        assert!(
            (s - 924.0).abs() < 1e-9,
            "600 s wait + 324 s drive, got {s}"
        );
    }

    #[test]
    fn accident_edges_follow_rate_times_length() {
        let net = square();
        let cfg = cfg();
        let st = TrafficState::new(&net, &cfg);
        let mut rng = actor_rng(9, ActorKind::Traffic, 0);
        let mut diagonal = 0;
        let n = 20_000;
        for _ in 0..n {
            let (e, _, d) = st.draw_accident(&net, &cfg, &mut rng);
            assert!(d >= SimDuration::from_mins(1));
            if net.edge(e).road == "Diagonal" {
                diagonal += 1;
            }
        }
        // Diagonal: 2 × 15 km of 2 × 56.2 km in all.
        let expected = 30.0 / 112.4;
        let share = f64::from(diagonal) / f64::from(n);
        assert!(
            (share - expected).abs() < 0.015,
            "share {share} vs {expected}"
        );
    }
}
