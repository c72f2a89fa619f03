//! The traffic actor: owns [`TrafficState`], steps congestion on a fixed interval, runs the
//! accident process and scripted incidents, and broadcasts speeds to every vehicle. When
//! speeds are static (no congestion, one profile factor all day) it broadcasts only when
//! an incident starts or clears.

pub mod msg;

use std::any::Any;
use std::sync::Arc;

use crate::actors::{Misrouted, Msg, TrafficMsg, VehicleMsg};
use crate::engine::{Cx, SimActor};
use crate::event::Event;
use crate::ids::ActorId;
use crate::msg::{IncidentChange, TrafficUpdate};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{IncidentCause, IncidentKind, TrafficConfig, TrafficState};
use crate::world::World;

/// The traffic actor.
pub struct TrafficActor {
    world: Arc<World>,
    cfg: Arc<TrafficConfig>,
    state: TrafficState,
    subscribers: Vec<ActorId>,
    last_tick: SimTime,
    misrouted: Misrouted,
}

impl TrafficActor {
    /// Traffic over `world`, broadcasting to `subscribers`.
    pub fn new(world: Arc<World>, cfg: Arc<TrafficConfig>, subscribers: Vec<ActorId>) -> Self {
        let state = TrafficState::new(&world.net, &cfg);
        TrafficActor {
            world,
            cfg,
            state,
            subscribers,
            last_tick: SimTime::ZERO,
            misrouted: Misrouted::default(),
        }
    }

    /// The traffic state (for end-of-run checks).
    pub fn state(&self) -> &TrafficState {
        &self.state
    }

    fn broadcast(
        &mut self,
        now: SimTime,
        changes: Vec<IncidentChange>,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let update = TrafficUpdate {
            table: Arc::new(self.state.speeds(&self.world.net, &self.cfg, now)),
            changes: changes.into(),
        };
        for &to in &self.subscribers {
            cx.send(to, SimDuration::ZERO, VehicleMsg::Traffic(update.clone()));
        }
    }

    fn start(
        &mut self,
        now: SimTime,
        edges: Vec<crate::ids::EdgeId>,
        kind: IncidentKind,
        cause: IncidentCause,
        duration: SimDuration,
        cx: &mut Cx<'_, Msg, Event>,
    ) {
        let incident = self.state.start_incident(
            &self.world.net,
            &self.cfg,
            now,
            edges,
            kind,
            cause,
            duration,
        );
        tracing::debug!(at = %now, id = %incident.id, ?kind, ?cause, "incident starts");
        cx.send_self(duration, TrafficMsg::ClearIncident(incident.id));
        cx.emit(Event::IncidentStarted(incident.clone()));
        self.broadcast(
            now,
            vec![IncidentChange {
                incident,
                started: true,
            }],
            cx,
        );
    }
}

impl TrafficActor {
    fn on_start(&mut self, now: SimTime, cx: &mut Cx<'_, Msg, Event>) {
        self.last_tick = now;
        self.broadcast(now, Vec::new(), cx);
        // Static speeds change only with incidents: no periodic update.
        if !self.cfg.is_static() {
            cx.send_self(self.cfg.update_interval, TrafficMsg::TrafficTick);
        }
        if self.cfg.random_accidents {
            if let Some(gap) = self.state.next_accident_gap(cx.rng()) {
                cx.send_self(gap, TrafficMsg::AccidentDue);
            }
        }
    }

    fn on_msg(&mut self, now: SimTime, msg: TrafficMsg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            TrafficMsg::TrafficTick => {
                let dt = now.saturating_since(self.last_tick);
                self.last_tick = now;
                self.state.step_congestion(&self.cfg, dt, cx.rng());
                self.broadcast(now, Vec::new(), cx);
                cx.send_self(self.cfg.update_interval, TrafficMsg::TrafficTick);
            }
            TrafficMsg::AccidentDue => {
                let (edge, kind, duration) =
                    self.state
                        .draw_accident(&self.world.net, &self.cfg, cx.rng());
                self.start(now, vec![edge], kind, IncidentCause::Random, duration, cx);
                if let Some(gap) = self.state.next_accident_gap(cx.rng()) {
                    cx.send_self(gap, TrafficMsg::AccidentDue);
                }
            }
            TrafficMsg::StartIncident(plan) => {
                self.start(
                    now,
                    plan.edges.clone(),
                    plan.kind,
                    IncidentCause::Scripted,
                    plan.duration,
                    cx,
                );
            }
            TrafficMsg::ClearIncident(id) => {
                if let Some(incident) = self.state.clear_incident(id) {
                    cx.emit(Event::IncidentCleared(incident.clone()));
                    self.broadcast(
                        now,
                        vec![IncidentChange {
                            incident,
                            started: false,
                        }],
                        cx,
                    );
                }
            }
        }
    }
}

impl SimActor<Msg, Event> for TrafficActor {
    fn handle(&mut self, now: SimTime, msg: Msg, cx: &mut Cx<'_, Msg, Event>) {
        match msg {
            Msg::Start => self.on_start(now, cx),
            Msg::Traffic(m) => self.on_msg(now, m, cx),
            other => self.misrouted.count(&other),
        }
    }

    fn problems(&self) -> Vec<String> {
        self.misrouted
            .problem("the traffic actor")
            .into_iter()
            .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
