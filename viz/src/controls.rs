//! Time and input: the one system that moves the run (simulated time advances by speed x
//! frame time; a step or a seek goes where asked), the keyboard and mouse, the camera
//! (pan, zoom, fit, follow), and the finale (a screenshot, a benchmark, the exit).

use bevy::app::AppExit;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy::render::view::screenshot::{save_to_disk, Screenshot, ScreenshotCaptured};
use sim_core::time::{SimDuration, SimTime};

use crate::map::{fit, Proj};
use crate::state::{
    fail, Canvas, ClockSet, DrawSet, Finale, Frame, MapCamera, Playback, Reporter, SceneRes,
    Shared, Shot, ViewState, SPEEDS,
};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Frame>()
        .add_systems(
            Update,
            (keys, mouse, advance, read_frame).chain().in_set(ClockSet),
        )
        .add_systems(Update, follow.after(ClockSet).before(DrawSet));
}

/// Moves the run: to a requested seek, one step, or by speed x frame time.
fn advance(
    time: Res<Time>,
    shared: Res<Shared>,
    mut playback: ResMut<Playback>,
    reporter: Res<Reporter>,
    mut exit: MessageWriter<AppExit>,
) {
    if playback.failed.is_some() {
        return;
    }
    let mut source = shared.lock();
    let now = source.time();
    let target = if let Some(t) = playback.seek.take() {
        Some(t)
    } else if playback.step {
        playback.step = false;
        source.next_due()
    } else if playback.paused {
        None
    } else {
        let dt = playback.fixed_dt.unwrap_or(time.delta_secs_f64());
        let ms = (dt * playback.speed * 1000.0).round().max(0.0) as u64;
        Some(now + SimDuration(ms))
    };
    let Some(target) = target else { return };
    if let Err(e) = source.go_to(target) {
        let why = format!("{e:#}");
        playback.failed = Some(why.clone());
        fail(&reporter, &mut exit, why);
    }
}

/// Reads the vans where the run now stands, once for the whole frame.
fn read_frame(shared: Res<Shared>, mut frame: ResMut<Frame>) {
    let source = shared.lock();
    frame.vans = source.vans();
    frame.ghosts = source.ghosts();
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system: its parameters are its queries"
)]
fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut playback: ResMut<Playback>,
    mut view: ResMut<ViewState>,
    shared: Res<Shared>,
    proj: Option<Res<Proj>>,
    canvas: Res<Canvas>,
    scene: Res<SceneRes>,
    mut camera: Query<(&mut Transform, &mut Projection), With<MapCamera>>,
    mut exit: MessageWriter<AppExit>,
) {
    // Shift held, or pressed or released within this frame (a quick `?` sends all three).
    let shifts = [KeyCode::ShiftLeft, KeyCode::ShiftRight];
    let shift =
        keys.any_pressed(shifts) || keys.any_just_pressed(shifts) || keys.any_just_released(shifts);
    playback_keys(&keys, shift, &mut playback, shared.lock().time());
    if keys.just_pressed(KeyCode::Slash) && shift {
        view.help = !view.help;
    }
    if keys.just_pressed(KeyCode::Escape) {
        (view.selected, view.follow, view.help) = (None, false, false);
    }
    if keys.just_pressed(KeyCode::KeyF) {
        view.follow = view.selected.is_some() && !view.follow;
    }
    if keys.just_pressed(KeyCode::KeyH) {
        view.heatmap = !view.heatmap;
    }
    if keys.just_pressed(KeyCode::KeyC) {
        view.congestion = !view.congestion;
    }
    if keys.just_pressed(KeyCode::KeyL) {
        view.hide_labels = !view.hide_labels;
    }
    if keys.any_just_pressed([KeyCode::Digit0, KeyCode::Home]) {
        if let (Some(proj), Ok((mut t, mut p))) = (proj, camera.single_mut()) {
            fit(&proj, *canvas, &mut t, &mut p);
            view.follow = false;
        }
    }
    if keys.just_pressed(KeyCode::KeyX) {
        if let Some(v) = view.selected {
            let told = shared.lock().close_road_ahead(v, &scene.0);
            match told {
                Ok(what) => {
                    info!("{what}");
                    view.said = Some(what);
                }
                Err(e) => view.said = Some(format!("{e:#}")),
            }
        }
    }
    if keys.just_pressed(KeyCode::KeyQ) {
        exit.write(AppExit::Success);
    }
}

/// Keys that move the run: pause, speed, a single step, ten minutes (an hour with shift)
/// back or forward.
fn playback_keys(keys: &ButtonInput<KeyCode>, shift: bool, playback: &mut Playback, now: SimTime) {
    if keys.just_pressed(KeyCode::Space) {
        playback.paused = !playback.paused;
    }
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        playback.speed = SPEEDS
            .iter()
            .copied()
            .find(|s| *s > playback.speed)
            .unwrap_or(SPEEDS[SPEEDS.len() - 1]);
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        playback.speed = SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < playback.speed)
            .unwrap_or(SPEEDS[0]);
    }
    if keys.just_pressed(KeyCode::Period) {
        playback.paused = true;
        playback.step = true;
    }
    let jump = SimDuration(if shift { 3_600_000 } else { 600_000 });
    if keys.just_pressed(KeyCode::ArrowRight) {
        playback.seek = Some(now + jump);
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        playback.seek = Some(SimTime(now.as_ms().saturating_sub(jump.as_ms())));
    }
}

/// Wheel zooms about the cursor; dragging pans; a click selects the nearest van (within 12
/// pixels) or, on the timeline, seeks.
#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system: its parameters are its queries"
)]
fn mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    windows: Query<&Window>,
    mut camera: Query<
        (&Camera, &GlobalTransform, &mut Transform, &mut Projection),
        With<MapCamera>,
    >,
    shared: Res<Shared>,
    proj: Option<Res<Proj>>,
    canvas: Res<Canvas>,
    mut view: ResMut<ViewState>,
    mut playback: ResMut<Playback>,
    frame: Res<Frame>,
    mut dragged: Local<f32>,
) {
    let (Ok(window), Ok((cam, gt, mut t, mut p)), Some(proj)) =
        (windows.single(), camera.single_mut(), proj)
    else {
        return;
    };
    let Projection::Orthographic(o) = &mut *p else {
        return;
    };
    let cursor = window.cursor_position();
    if scroll.delta.y != 0.0 {
        // The point under the cursor stays where it is.
        let from_centre = cursor.map_or(Vec2::ZERO, |c| {
            Vec2::new(c.x - canvas.w / 2.0, canvas.h / 2.0 - c.y)
        });
        let under = t.translation.truncate() + from_centre * o.scale;
        o.scale = (o.scale * 0.9f32.powf(scroll.delta.y)).clamp(1e-4, 1e3);
        let centre = under - from_centre * o.scale;
        (t.translation.x, t.translation.y) = (centre.x, centre.y);
    }
    if buttons.pressed(MouseButton::Left) || buttons.pressed(MouseButton::Right) {
        let d = motion.delta;
        *dragged += d.length();
        if let Some(c) =
            cursor.filter(|c| on_timeline(*c, *canvas) && buttons.pressed(MouseButton::Left))
        {
            seek_to(c, *canvas, &shared, &mut playback);
        } else {
            t.translation.x -= d.x * o.scale;
            t.translation.y += d.y * o.scale;
            if d != Vec2::ZERO {
                view.follow = false;
            }
        }
    }
    if buttons.just_released(MouseButton::Left) {
        if *dragged < 4.0 {
            if let Some(c) = cursor.filter(|c| !on_timeline(*c, *canvas)) {
                if let Ok(world) = cam.viewport_to_world_2d(gt, c) {
                    view.selected = nearest_van(&frame, &proj, world, o.scale * 12.0);
                }
            }
        }
        *dragged = 0.0;
    }
    if buttons.just_released(MouseButton::Right) {
        *dragged = 0.0;
    }
}

/// Whether window point `c` (origin top left) is on the timeline bar.
fn on_timeline(c: Vec2, canvas: Canvas) -> bool {
    let (_, _, y) = crate::hud::timeline_bar(canvas);
    let y_window = canvas.h / 2.0 - y;
    (c.y - y_window).abs() < 12.0
}

fn seek_to(c: Vec2, canvas: Canvas, shared: &Shared, playback: &mut Playback) {
    let source = shared.lock();
    if !source.seekable() {
        return;
    }
    let (x0, x1, _) = crate::hud::timeline_bar(canvas);
    let x = c.x - canvas.w / 2.0;
    let f = ((x - x0) / (x1 - x0)).clamp(0.0, 1.0) as f64;
    playback.seek = Some(SimTime((source.end().as_ms() as f64 * f) as u64));
}

fn nearest_van(frame: &Frame, proj: &Proj, at: Vec2, within: f32) -> Option<u32> {
    (frame.vans.iter())
        .map(|d| (d.vehicle, proj.xy(d.lat, d.lon).distance(at)))
        .filter(|(_, dist)| *dist <= within)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(v, _)| v)
}

fn follow(
    view: Res<ViewState>,
    frame: Res<Frame>,
    proj: Option<Res<Proj>>,
    mut camera: Query<&mut Transform, With<MapCamera>>,
) {
    let (true, Some(v), Some(proj), Ok(mut t)) =
        (view.follow, view.selected, proj, camera.single_mut())
    else {
        return;
    };
    if let Some(d) = frame.vans.get(v as usize) {
        let p = proj.xy(d.lat, d.lon);
        t.translation.x = p.x;
        t.translation.y = p.y;
    }
}

/// Frames rendered at the target time before the first look at the picture.
const SETTLE_FRAMES: u32 = 3;
/// Looks at the picture before saving it anyway (shaders compile in the background, so
/// the first frames can miss what they draw; under load that takes longer).
const MAX_PROBES: u32 = 200;

/// The screenshot, the benchmark's count, and the exit (after the screenshot is saved, or
/// at the run's end).
pub(crate) fn finale(
    mut commands: Commands,
    mut finale: ResMut<Finale>,
    shared: Res<Shared>,
    playback: Res<Playback>,
    mut exit: MessageWriter<AppExit>,
) {
    let (now, end) = {
        let s = shared.lock();
        (s.time(), s.end())
    };
    let at_target = finale.at.is_none_or(|at| now >= at.min(end)) && playback.seek.is_none();
    if at_target {
        finale.settled += 1;
    }
    if finale.bench.is_some() {
        bench_frame(&mut finale, now, &mut exit);
    } else if finale.screenshot.is_some() {
        shoot(&mut commands, &mut finale);
    } else if finale.exit && now >= end {
        exit.write(AppExit::Success);
    }
}

fn bench_frame(finale: &mut Finale, now: SimTime, exit: &mut MessageWriter<AppExit>) {
    let settled = finale.settled;
    let Some(b) = &mut finale.bench else { return };
    if settled < SETTLE_FRAMES {
        return;
    }
    let started = *b.started.get_or_insert_with(std::time::Instant::now);
    b.counted += 1;
    if b.counted > b.frames {
        let s = started.elapsed().as_secs_f64();
        let fps = b.frames as f64 / s;
        let clock = crate::source::clock(now);
        println!(
            "bench: {} frames in {s:.2} s = {fps:.1} frames/s (sim clock {clock})",
            b.frames
        );
        exit.write(AppExit::Success);
    }
}

/// Takes the screenshot once the picture is whole: the clock stands still at `--at`, so
/// the picture is whole when two looks in a row see the same, non-blank image. Then it is
/// saved with Bevy's `save_to_disk`, and the app exits if asked.
fn shoot(commands: &mut Commands, finale: &mut Finale) {
    let Some(path) = finale.screenshot.clone() else {
        return;
    };
    let shot = || match &finale.target {
        Some(image) => Screenshot::image(image.clone()),
        None => Screenshot::primary_window(),
    };
    match finale.shot {
        Shot::Waiting if finale.settled >= SETTLE_FRAMES => {
            finale.shot = Shot::Looking;
            commands.spawn(shot()).observe(look);
        }
        Shot::Whole => {
            finale.shot = Shot::Saving;
            let exit_after = finale.exit;
            let exit_when_saved =
                move |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                    if exit_after {
                        exit.write(AppExit::Success);
                    }
                };
            commands
                .spawn(shot())
                .observe(save_to_disk(path))
                .observe(exit_when_saved);
        }
        _ => {}
    }
}

/// Looks at a captured picture: whole if it is not blank and the same as the last look.
fn look(captured: On<ScreenshotCaptured>, mut finale: ResMut<Finale>) {
    let data = captured.image.data.as_deref().unwrap_or_default();
    // Ink: any channel well above the background's (about 15, 18, 23 of 255).
    let ink = data
        .chunks_exact(4)
        .filter(|p| p[..3].iter().any(|c| *c >= 60))
        .count();
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let not_blank = ink * 100 >= data.len() / 4;
    finale.probes += 1;
    let same = finale.last_look == Some(hash);
    finale.last_look = Some(hash);
    finale.shot = if (not_blank && same) || finale.probes >= MAX_PROBES {
        if finale.probes >= MAX_PROBES {
            warn!("the picture did not settle after {MAX_PROBES} looks; saving it as it is");
        }
        Shot::Whole
    } else {
        finale.settled = SETTLE_FRAMES - 1;
        Shot::Waiting
    };
}
