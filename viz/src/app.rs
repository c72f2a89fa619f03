//! The Bevy application: windowed, or windowless for CI screenshots and benchmarks (the
//! cameras render into an image; no window, no X server).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy::app::ScheduleRunnerPlugin;
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

pub use crate::state::SPEEDS;
use crate::state::{
    Bench, Canvas, Finale, HudCamera, MapCamera, Playback, Reporter, SceneRes, Shared, Shot,
    ViewState, HUD_LAYER,
};

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
    /// The van selected at the start.
    pub select: Option<u32>,
}

/// What the app came to: the source (to finish) and whether it failed.
pub struct Outcome {
    /// Why the run stopped early, if it did.
    pub failed: Option<String>,
}

/// Runs the visualizer until the user quits (or the screenshot or benchmark is done).
pub fn run(source: Arc<Mutex<Source>>, scene: Scene, opts: Options) -> Outcome {
    let mut app = App::new();
    let (w, h) = opts.size;
    add_platform(&mut app, &opts, &scene.name);
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
        .insert_resource(ViewState {
            selected: opts.select,
            ..default()
        })
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
            shot: Shot::Waiting,
            probes: 0,
            last_look: None,
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
        .add_systems(Update, crate::controls::finale.after(crate::state::DrawSet));
    app.run();
    let failed = outcome.lock().unwrap_or_else(|p| p.into_inner()).take();
    Outcome { failed }
}

/// Bevy's plugins: with a window (winit, continuous updates), or without one (an image
/// target, a loop of its own, no display needed).
fn add_platform(app: &mut App, opts: &Options, name: &str) {
    let plugins = DefaultPlugins.set(ImagePlugin::default_nearest());
    if opts.windowless {
        let no_window = WindowPlugin {
            primary_window: None,
            exit_condition: ExitCondition::DontExit,
            ..default()
        };
        app.add_plugins(plugins.set(no_window).disable::<WinitPlugin>())
            .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::ZERO));
    } else {
        let window = Window {
            title: format!("PetFleet Twin: {name}"),
            resolution: WindowResolution::new(opts.size.0, opts.size.1),
            ..default()
        };
        let primary_window = Some(window);
        app.add_plugins(plugins.set(WindowPlugin {
            primary_window,
            ..default()
        }));
        app.insert_resource(bevy::winit::WinitSettings::continuous());
    }
}

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
