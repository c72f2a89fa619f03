//! # petfleet-viz: the PetFleet Twin visualizer
//!
//! Watches a scenario live (`run`), or replays a run recorded with `petfleet run --record`
//! (`replay`), seeking to any time in either direction, with a second run of the same
//! scenario overlaid as ghosts (`--compare`).
//!
//! ```text
//!  source (no rendering; tested without a GPU)          app (Bevy)
//!  ┌──────────────────────────────────────────┐   ┌─────────────────────────────────────┐
//!  │ Live: scenarios::run::Live, stepped       │   │ clock: one system moves the source  │
//!  │   (the same run `petfleet run` makes)     │◀──│   to time + speed x frame time      │
//!  │ Replay: sim_core::view::replay, seeking   │   │ map: roads mesh, labels, partners   │
//!  │ vans(), tally(), panel(), congestion()    │──▶│ draw: vans (sprites), incidents,    │
//!  └──────────────────────────────────────────┘   │   alerts, heatmap, congestion       │
//!                                                 │ hud: clock, KPIs, chart, timeline   │
//!                                                 │ controls: keys, mouse, screenshot   │
//!                                                 └─────────────────────────────────────┘
//! ```
//!
//! Rendering only reads what the source answers; the user's input reaches the run as calls
//! on the source (a step, a seek), so what is drawn never changes what is simulated.

pub mod app;
mod controls;
mod draw;
mod hud;
pub mod map;
pub mod source;
mod state;
