//! # sim-core: the PetFleet Twin model
//!
//! A deterministic discrete-event model of a pet-transport fleet. Actors own their state and
//! talk only through messages that the [`engine`] delivers in a total (time, sequence) order,
//! either on a plain single-threaded loop (the reference) or hosted on actix (a clock actor
//! and shard actors on one or more Arbiters); both produce the same trace.
//!
//! ```text
//!  Customer ×N ──BookingRequest / QuoteAnswer──▶ Dispatcher ──Assign(plan)──▶ Vehicle ×N
//!  (demand, quotes,        ◀──Quote / BookingEnded──  │ dispatch: FleetIndex ▶ PlanCache
//!   patience, support)                                │  ▶ Estimates (hierarchies)
//!        ▲  TripUpdate, PickedUp, Delivered, Requote   ▼                     │ drives,
//!        └──────────────────────────────────────────────────────────────────┘ meters,
//!  Traffic ──TrafficUpdate(speeds, incidents)──▶ Vehicle     Pet ×N ◀──Ride (welfare)
//!  Partner ×N (vets, groomers, hotels) ◀──▶ Vehicle
//!                        Events ──▶ observers (CSV, KPIs, invariants, trace hash)
//! ```
//!
//! Business rules live in plain modules the actors call: [`booking`] (crates and species:
//! [`booking::Manifest`]; ride limits, promised pickups), [`dispatch`] (which van, where in
//! its plan), [`fare`] (the meter, quotes, re-quotes), [`welfare`] (the pets), [`observe`]
//! (KPIs and end-of-run invariants).
//!
//! The crate never reads a file, the wall clock or an environment variable: the
//! `scenarios` crate loads data and scenarios and writes outputs.
//!
//! ```
//! //! Demonstrates the engine on its synthetic load: the actix host reproduces the loop.
//! use sim_core::engine::{Host, NullObserver, RunLimits};
//! use sim_core::time::SimTime;
//! let limits = RunLimits { until: SimTime(10_000), ..RunLimits::default() };
//! let (_, a) = sim_core::synthetic::load(1, 8, 1_000).run(Host::Reference, limits, NullObserver);
//! let (_, b) = sim_core::synthetic::load(1, 8, 1_000).run(Host::Actix { shards: 2 }, limits, NullObserver);
//! assert_eq!(a.unwrap().trace_hash, b.unwrap().trace_hash);
//! ```
//!
//! Glossary: `cx` handler context; `rng` random number generator; `msg` message;
//! `_m` metres, `_s` seconds, `_ms` milliseconds, `_kmh` km/h, `_mps` m/s, `_won` Korean won.

pub mod actors;
pub mod booking;
pub mod delays;
pub mod dispatch;
pub mod engine;
pub mod event;
pub mod fare;
pub mod ids;
pub mod mmc;
pub mod money;
pub mod msg;
pub mod notify;
pub mod observe;
pub mod rng;
pub mod service;
pub mod settle;
pub mod sim;
pub mod synthetic;
pub mod time;
pub mod traffic;
pub mod view;
pub mod weighted;
pub mod welfare;
pub mod world;
