//! The app's state, shared by its systems: the run being shown, the playback, the user's
//! view, the canvas, the finale, the cameras' markers and the system sets that order the
//! frame (the clock moves the run, then everything draws, then the finale). Every other
//! module of the app depends on this one and none of them on `app`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::app::AppExit;
use bevy::prelude::*;
use sim_core::time::SimTime;

use crate::source::{Scene, Source};

/// The speeds the `+` and `-` keys step through.
pub const SPEEDS: [f64; 8] = [1.0, 10.0, 60.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0];

/// The run being shown (shared with `main`, which finishes it after the app exits).
#[derive(Resource, Clone)]
pub struct Shared(pub Arc<Mutex<Source>>);

impl Shared {
    /// The source, locked (the lock is only ever taken by one system at a time).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Source> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The static scene.
#[derive(Resource)]
pub struct SceneRes(pub Scene);

/// Playback state: speed, pause, requests from the controls.
#[derive(Resource, Debug)]
pub struct Playback {
    /// Simulated seconds per second.
    pub speed: f64,
    /// Paused.
    pub paused: bool,
    /// Go to the next thing that happens.
    pub step: bool,
    /// Go to this time (a seek, or the first target).
    pub seek: Option<SimTime>,
    /// A fixed frame time (windowless runs), else the measured one.
    pub fixed_dt: Option<f64>,
    /// Why the run stopped, if it failed.
    pub failed: Option<String>,
}

/// The user's view: selection, following, layers, help.
#[derive(Resource, Debug, Default)]
pub struct ViewState {
    /// The van whose panel is shown.
    pub selected: Option<u32>,
    /// Keep the selected van centred.
    pub follow: bool,
    /// Heatmap of pickup waits by district.
    pub heatmap: bool,
    /// Congestion by road.
    pub congestion: bool,
    /// City and district labels.
    pub hide_labels: bool,
    /// The help overlay.
    pub help: bool,
    /// The answer to the user's last action (shown in the status).
    pub said: Option<String>,
}

/// The drawing surface in logical pixels.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Canvas {
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// What the app does at the end (screenshot, benchmark, exit).
#[derive(Resource, Debug)]
pub struct Finale {
    pub screenshot: Option<PathBuf>,
    pub at: Option<SimTime>,
    pub exit: bool,
    pub bench: Option<Bench>,
    /// Frames rendered since the clock reached `at`.
    pub settled: u32,
    pub shot: Shot,
    /// Looks taken at the picture, and a hash of the last.
    pub probes: u32,
    /// The last look's hash.
    pub last_look: Option<u64>,
    /// The image the cameras render into (windowless).
    pub target: Option<Handle<Image>>,
}

/// Where the screenshot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shot {
    /// Frames are being drawn before the next look.
    Waiting,
    /// A look at the picture is on its way.
    Looking,
    /// The picture is whole: save it.
    Whole,
    /// Being saved.
    Saving,
}

/// A frame-rate measurement.
#[derive(Debug)]
pub struct Bench {
    pub frames: u32,
    pub counted: u32,
    pub started: Option<Instant>,
}

/// Layer of the HUD camera (the map is on layer 0).
pub const HUD_LAYER: usize = 1;

/// Where the app writes why it stopped early (read by `app::run` after the app is gone).
#[derive(Resource, Clone)]
pub struct Reporter(pub Arc<Mutex<Option<String>>>);

/// Marks the map's camera.
#[derive(Component)]
pub struct MapCamera;

/// Marks the HUD's camera.
#[derive(Component)]
pub struct HudCamera;

/// Records why the run stopped and asks the app to exit with an error.
pub fn fail(reporter: &Reporter, exit: &mut MessageWriter<AppExit>, why: String) {
    *reporter.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
    exit.write(AppExit::error());
}

/// The vans at the time shown, read from the source once per frame (after the clock) for
/// every system that draws or picks them.
#[derive(Resource, Default)]
pub struct Frame {
    /// The run's vans.
    pub vans: Vec<crate::source::VanDot>,
    /// The compared run's vans (empty unless comparing).
    pub ghosts: Vec<crate::source::VanDot>,
}

/// The clock's system set: the one system that moves the run, and the input before it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClockSet;

/// The systems that draw, after the clock (the finale runs after them).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct DrawSet;
