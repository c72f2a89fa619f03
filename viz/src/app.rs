//! The Bevy application: windowed, or windowless for CI screenshots and benchmarks (the
//! cameras render into an image; no window, no X server).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::app::{AppExit, ScheduleRunnerPlugin};
use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::{TextureFormat, TextureUsages};
use bevy::render::view::Msaa;
use bevy::window::{ExitCondition, WindowResolution};
use bevy::winit::WinitPlugin;
use sim_core::time::SimTime;

use crate::source::{Scene, Source};

/// How the application runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    /// Render into an image, without a window.
    pub windowless: bool,
    /// Size of the window or image, pixels.
    pub size: (u32, u32),
    /// Save a screenshot here once the clock reaches `at`.
    pub screenshot: Option<PathBuf>,
    /// The time to go to first (a screenshot's, a benchmark's).
    pub at: Option<SimTime>,
    /// Exit after the screenshot, or at the run's end.
    pub exit: bool,
    /// Render this many frames, then print frames per second and exit.
    pub bench_frames: Option<u32>,
    /// Start paused.
    pub paused: bool,
}

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
    pub(crate) screenshot: Option<PathBuf>,
    pub(crate) at: Option<SimTime>,
    pub(crate) exit: bool,
    pub(crate) bench: Option<Bench>,
    /// Frames rendered since the clock reached `at`.
    pub(crate) settled: u32,
    pub(crate) shot_taken: bool,
    /// The image the cameras render into (windowless).
    pub(crate) target: Option<Handle<Image>>,
}

/// A frame-rate measurement.
#[derive(Debug)]
pub struct Bench {
    pub(crate) frames: u32,
    pub(crate) counted: u32,
    pub(crate) started: Option<Instant>,
}

/// Layer of the HUD camera (the map is on layer 0).
pub const HUD_LAYER: usize = 1;

/// What the app came to: the source (to finish) and whether it failed.
pub struct Outcome {
    /// Why the run stopped early, if it did.
    pub failed: Option<String>,
}

/// Runs the visualizer until the user quits (or the screenshot or benchmark is done).
pub fn run(source: Arc<Mutex<Source>>, scene: Scene, opts: Options) -> Outcome {
    let mut app = App::new();
    let (w, h) = opts.size;
    let plugins = DefaultPlugins.set(ImagePlugin::default_nearest());
    if opts.windowless {
        app.add_plugins(
            plugins
                .set(WindowPlugin {
                    primary_window: None,
                    exit_condition: ExitCondition::DontExit,
                    ..default()
                })
                .disable::<WinitPlugin>(),
        )
        .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::ZERO));
    } else {
        let window = Window {
            title: format!("PetFleet Twin: {}", scene.name),
            resolution: WindowResolution::new(w, h),
            ..default()
        };
        app.add_plugins(plugins.set(WindowPlugin {
            primary_window: Some(window),
            ..default()
        }));
        app.insert_resource(bevy::winit::WinitSettings::continuous());
    }
    let at = opts.at;
    let outcome = Arc::new(Mutex::new(None::<String>));
    app.insert_resource(ClearColor(Color::srgb(0.06, 0.07, 0.09)))
        .insert_resource(Shared(source))
        .insert_resource(SceneRes(scene))
        .insert_resource(Playback {
            speed: opts.speed,
            paused: opts.paused,
            step: false,
            seek: at,
            fixed_dt: opts.windowless.then_some(1.0 / 30.0),
            failed: None,
        })
        .insert_resource(ViewState::default())
        .insert_resource(Canvas {
            w: w as f32,
            h: h as f32,
        })
        .insert_resource(Finale {
            screenshot: opts.screenshot.clone(),
            at,
            exit: opts.exit,
            bench: opts.bench_frames.map(|frames| Bench {
                frames,
                counted: 0,
                started: None,
            }),
            settled: 0,
            shot_taken: false,
            target: None,
        })
        .insert_resource(Reporter(outcome.clone()))
        .add_systems(
            Startup,
            (setup_cameras, crate::map::setup, crate::hud::setup).chain(),
        )
        .add_plugins((
            crate::controls::plugin,
            crate::draw::plugin,
            crate::hud::plugin,
        ))
        .add_systems(Update, crate::controls::finale.after(crate::draw::DrawSet));
    app.run();
    let failed = outcome.lock().unwrap_or_else(|p| p.into_inner()).take();
    Outcome { failed }
}

/// Where the app writes why it stopped early (read by [`run`] after the app is gone).
#[derive(Resource, Clone)]
pub struct Reporter(pub Arc<Mutex<Option<String>>>);

/// Marks the map's camera.
#[derive(Component)]
pub struct MapCamera;

/// Marks the HUD's camera.
#[derive(Component)]
pub struct HudCamera;

fn setup_cameras(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    canvas: Res<Canvas>,
    windows: Query<&Window>,
    mut finale: ResMut<Finale>,
    mut gizmo_store: ResMut<GizmoConfigStore>,
) {
    let target = if windows.is_empty() {
        let (w, h) = (canvas.w as u32, canvas.h as u32);
        let mut image = Image::new_target_texture(w, h, TextureFormat::Rgba8UnormSrgb, None);
        image.texture_descriptor.usage |= TextureUsages::COPY_SRC;
        image.asset_usage = RenderAssetUsages::default();
        let handle = images.add(image);
        finale.target = Some(handle.clone());
        Some(RenderTarget::from(handle))
    } else {
        None
    };
    let mut map = commands.spawn((Camera2d, MapCamera, Msaa::Off));
    if let Some(t) = &target {
        map.insert(t.clone());
    }
    let hud = Camera {
        order: 1,
        clear_color: ClearColorConfig::None,
        ..default()
    };
    let mut hud = commands.spawn((
        Camera2d,
        hud,
        HudCamera,
        Msaa::Off,
        RenderLayers::layer(HUD_LAYER),
    ));
    if let Some(t) = target {
        hud.insert(t);
    }
    let (config, _) = gizmo_store.config_mut::<DefaultGizmoConfigGroup>();
    config.line.width = 3.0;
    let (hud_config, _) = gizmo_store.config_mut::<crate::hud::HudGizmos>();
    hud_config.render_layers = RenderLayers::layer(HUD_LAYER);
    hud_config.line.width = 2.0;
}

/// Records why the run stopped and asks the app to exit with an error.
pub(crate) fn fail(reporter: &Reporter, exit: &mut MessageWriter<AppExit>, why: String) {
    *reporter.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
    exit.write(AppExit::error());
}
