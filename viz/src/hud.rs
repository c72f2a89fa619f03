//! The HUD, drawn by its own camera over the map: the clock and speed, the KPIs so far
//! (active trips, waiting bookings, p95 wait, notifications per minute and fallback share,
//! settlement lag, open alerts), a chart of waiting bookings against available vans (both
//! runs' when comparing), the timeline (click or drag to seek a replay), the selected van's
//! panel, and the help overlay.

use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::FontSize;
use sim_core::event::VanState;
use sim_core::time::SimTime;
use sim_core::view::Tally;

use crate::draw::van_colour;
use crate::source::{clock, Source};
use crate::state::{Canvas, DrawSet, Playback, SceneRes, Shared, ViewState, HUD_LAYER};

/// Gizmos drawn by the HUD camera (the chart, the timeline).
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct HudGizmos;

/// Which HUD text an entity shows.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
pub enum HudText {
    /// The clock and KPIs, top left.
    Status,
    /// The selected van, bottom right.
    Panel,
    /// Keyboard shortcuts and the legend, centre.
    Help,
    /// Under the timeline.
    Timeline,
    /// Above the chart: what its lines are.
    ChartLegend,
}

/// A HUD panel's backdrop, sized to its text.
#[derive(Component)]
pub struct Backdrop(pub HudText);

pub(crate) fn plugin(app: &mut App) {
    app.init_gizmo_group::<HudGizmos>().add_systems(
        Update,
        (layout, update_texts, draw_chart_and_timeline)
            .chain()
            .after(DrawSet),
    );
}

pub(crate) fn setup(mut commands: Commands) {
    let layer = RenderLayers::layer(HUD_LAYER);
    for (which, size) in [
        (HudText::Status, 15.0),
        (HudText::Panel, 14.0),
        (HudText::Help, 15.0),
        (HudText::Timeline, 13.0),
        (HudText::ChartLegend, 12.0),
    ] {
        commands.spawn((
            Sprite {
                color: Color::srgba(0.0, 0.0, 0.0, 0.72),
                custom_size: Some(Vec2::ONE),
                ..default()
            },
            Transform::from_xyz(0.0, 0.0, 10.0),
            Backdrop(which),
            layer.clone(),
        ));
        commands.spawn((
            Text2d::new(""),
            TextFont {
                font_size: FontSize::Px(size),
                ..default()
            },
            TextColor(Color::srgb(0.93, 0.95, 0.97)),
            Anchor::TOP_LEFT,
            Transform::from_xyz(0.0, 0.0, 11.0),
            which,
            layer.clone(),
        ));
    }
}

/// Keeps the canvas size in step with the window.
fn layout(windows: Query<&Window>, mut canvas: ResMut<Canvas>) {
    if let Ok(w) = windows.single() {
        let (width, height) = (w.width(), w.height());
        if width > 0.0 && (canvas.w, canvas.h) != (width, height) {
            *canvas = Canvas {
                w: width,
                h: height,
            };
        }
    }
}

/// Where each text goes: its top-left corner in HUD pixels (origin at the centre).
fn anchor(which: HudText, c: Canvas) -> Vec2 {
    match which {
        HudText::Status => Vec2::new(-c.w / 2.0 + 12.0, c.h / 2.0 - 12.0),
        HudText::Panel => Vec2::new(c.w / 2.0 - 430.0, c.h / 2.0 - 12.0),
        HudText::Help => Vec2::new(-230.0, c.h / 2.0 - 80.0),
        HudText::Timeline => Vec2::new(-c.w / 2.0 + 12.0, -c.h / 2.0 + 24.0),
        HudText::ChartLegend => {
            let (origin, size) = chart_rect(c);
            origin + Vec2::new(0.0, size.y + 18.0)
        }
    }
}

fn update_texts(
    shared: Res<Shared>,
    scene: Res<SceneRes>,
    playback: Res<Playback>,
    view: Res<ViewState>,
    canvas: Res<Canvas>,
    mut texts: Query<(
        &HudText,
        &mut Text2d,
        &mut Transform,
        &mut Visibility,
        &bevy::text::TextLayoutInfo,
    )>,
    mut backdrops: Query<(&Backdrop, &mut Transform, &mut Visibility), Without<HudText>>,
) {
    let source = shared.lock();
    let mut sizes = Vec::new();
    for (which, mut text, mut t, mut v, info) in &mut texts {
        let content = match which {
            HudText::Status => status(&source, &playback, &scene.0.name, view.said.as_deref()),
            HudText::Panel => view
                .selected
                .map(|s| source.panel(s, &scene.0).join("\n"))
                .unwrap_or_default(),
            HudText::Help if view.help => help(),
            HudText::Help => String::new(),
            HudText::Timeline => timeline_text(&source),
            HudText::ChartLegend => legend(&source),
        };
        let shown = !content.is_empty();
        if text.0 != content {
            text.0 = content;
        }
        let mut at = anchor(*which, *canvas);
        if *which == HudText::Panel {
            // Bottom right, above the timeline, as big as its text (laid out last frame).
            at = Vec2::new(
                canvas.w / 2.0 - 20.0 - info.size.x,
                -canvas.h / 2.0 + 64.0 + info.size.y,
            );
        }
        t.translation = at.extend(11.0);
        *v = if shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        sizes.push((*which, at, info.size, shown));
    }
    for (Backdrop(which), mut t, mut v) in &mut backdrops {
        let Some(&(_, at, size, shown)) = sizes.iter().find(|(w, ..)| w == which) else {
            continue;
        };
        let pad = Vec2::splat(8.0);
        let size = size + 2.0 * pad;
        t.translation = (at + Vec2::new(size.x / 2.0 - pad.x, -size.y / 2.0 + pad.y)).extend(10.0);
        t.scale = size.extend(1.0);
        let framed = !matches!(which, HudText::Timeline | HudText::ChartLegend);
        *v = if shown && framed {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

/// The status text: clock, speed, KPIs so far.
fn status(source: &Source, playback: &Playback, name: &str, said: Option<&str>) -> String {
    let t = source.tally();
    let mode = match (source.seekable(), playback.paused) {
        (_, true) => "paused".to_string(),
        (true, false) => format!("replay x{}", playback.speed),
        (false, false) => format!("live x{}", playback.speed),
    };
    let mut s = format!("{name}\n{}   {mode}\n", clock(source.time()));
    s += &kpis(t);
    if let Some((g, label)) = source.ghost_tally() {
        s += &format!("\n-- compared: {label} --\n{}", kpis(g));
    }
    if let Some(said) = said {
        s += &format!("\n> {said}");
    }
    if let Some(why) = &playback.failed {
        s += &format!("\nSTOPPED: {why}");
    }
    s
}

fn kpis(t: &Tally) -> String {
    let n = t.by_state();
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1} %", v * 100.0));
    let mins =
        |v: Option<u64>| v.map_or("-".to_string(), |s| format!("{:.1} min", s as f64 / 60.0));
    let lag = |v: Option<u64>| v.map_or("-".to_string(), |s| format!("{s} s"));
    format!(
        "active trips {}   waiting bookings {}\nvans {} in service: {} loaded, {} to pickup, {} idle, {} detouring, {} to vet\n\
         p95 wait so far {}   bookings closed {}\nnotifications {} /min   fallback {}\nsettlement lag p50 {} p95 {}   open alerts {}",
        t.active_trips(),
        t.waiting_count(),
        t.available(),
        n[VanState::Loaded as usize],
        n[VanState::ToPickup as usize],
        n[VanState::Idle as usize],
        n[VanState::Detouring as usize],
        n[VanState::ToVet as usize],
        mins(t.waits.quantile(0.95)),
        t.closed,
        t.notices_last_minute(),
        pct(t.fallback_share()),
        lag(t.lags.quantile(0.5)),
        lag(t.lags.quantile(0.95)),
        t.alerts.len(),
    )
}

fn timeline_text(source: &Source) -> String {
    let how = if source.seekable() {
        "click or drag the bar to seek; <- -> step 10 min"
    } else {
        "live: the run only goes forward"
    };
    format!(
        "{} / {}   {how}   ? help",
        clock(source.time()),
        clock(source.end())
    )
}

/// What the chart's lines are, with the top of its scale.
fn legend(source: &Source) -> String {
    let top = chart_top(source.tally(), source.ghost_tally().map(|(g, _)| g));
    let ghost = if source.ghost_tally().is_some() {
        " (faint: compared run)"
    } else {
        ""
    };
    format!("waiting bookings (orange), vans in service (green){ghost}; top {top}")
}

/// The top of the chart's scale: the largest value either run's chart reached.
fn chart_top(tally: &Tally, ghost: Option<&Tally>) -> u32 {
    (tally
        .chart
        .iter()
        .chain(ghost.iter().flat_map(|g| g.chart.iter())))
    .map(|p| p.waiting.max(p.available))
    .max()
    .unwrap_or(1)
    .max(1)
}

/// The help overlay: shortcuts and the colour legend.
pub fn help() -> String {
    let mut s = String::from(
        "Keys\n\
         space      pause / play\n\
         + / -      speed up / down (x1 .. x3600)\n\
         .          single step (to the next thing that happens)\n\
         <- / ->    back / forward 10 min (replay; shift: 1 h)\n\
         click      select a van (its panel, bottom right)\n\
         f          follow the selected van\n\
         x          close the road ahead of the selected van, 30 min (live)\n\
         esc        deselect, close this help\n\
         h          heatmap of pickup waits by district\n\
         c          congestion by road (live)\n\
         l          labels on / off\n\
         0 / home   fit the network\n\
         wheel      zoom;  drag: pan\n\
         q          quit\n\
         ?          this help\n\nVans\n",
    );
    for st in VanState::ALL {
        let c = van_colour(st).to_srgba();
        s += &format!(
            "  {:<15} rgb({:.0}, {:.0}, {:.0})\n",
            st.name(),
            c.red * 255.0,
            c.green * 255.0,
            c.blue * 255.0
        );
    }
    s += "Roads: amber expressway, blue urban expressway, grey arterial\nIncidents: red closed, orange lanes lost\nRings: yellow welfare warning, red critical";
    s
}

/// The chart's rectangle (HUD pixels: bottom-left corner, size).
pub fn chart_rect(c: Canvas) -> (Vec2, Vec2) {
    (
        Vec2::new(-c.w / 2.0 + 12.0, -c.h / 2.0 + 64.0),
        Vec2::new(300.0, 110.0),
    )
}

/// The timeline bar (HUD pixels: left end, right end, y).
pub fn timeline_bar(c: Canvas) -> (f32, f32, f32) {
    (-c.w / 2.0 + 12.0, c.w / 2.0 - 12.0, -c.h / 2.0 + 40.0)
}

fn draw_chart_and_timeline(
    mut gizmos: Gizmos<HudGizmos>,
    shared: Res<Shared>,
    canvas: Res<Canvas>,
) {
    let source = shared.lock();
    let (x0, x1, y) = timeline_bar(*canvas);
    gizmos.line_2d(
        Vec2::new(x0, y),
        Vec2::new(x1, y),
        Color::srgb(0.5, 0.5, 0.55),
    );
    let end = source.end().as_ms().max(1) as f32;
    let f = |t: SimTime| x0 + (x1 - x0) * (t.as_ms() as f32 / end).clamp(0.0, 1.0);
    let now = f(source.time());
    gizmos.line_2d(
        Vec2::new(x0, y),
        Vec2::new(now, y),
        Color::srgb(0.3, 0.75, 1.0),
    );
    gizmos.line_2d(
        Vec2::new(now, y - 7.0),
        Vec2::new(now, y + 7.0),
        Color::WHITE,
    );
    let (origin, size) = chart_rect(*canvas);
    gizmos.rect_2d(
        Isometry2d::from_translation(origin + size / 2.0),
        size,
        Color::srgba(1.0, 1.0, 1.0, 0.3),
    );
    let tally = source.tally();
    let ghost = source.ghost_tally().map(|(g, _)| g);
    let top = chart_top(tally, ghost) as f32;
    let span = source.end().as_ms().max(1) as f32;
    let pt = |at: SimTime, v: u32| {
        origin + Vec2::new(size.x * at.as_ms() as f32 / span, size.y * v as f32 / top)
    };
    let series = [(
        tally,
        true,
        Color::srgb(1.0, 0.6, 0.2),
        Color::srgb(0.3, 0.9, 0.4),
    )];
    for (t, _, waiting, vans) in series.into_iter().chain(ghost.map(|g| {
        (
            g,
            false,
            Color::srgba(1.0, 0.6, 0.2, 0.45),
            Color::srgba(0.3, 0.9, 0.4, 0.45),
        )
    })) {
        gizmos.linestrip_2d(t.chart.iter().map(|p| pt(p.at, p.waiting)), waiting);
        gizmos.linestrip_2d(t.chart.iter().map(|p| pt(p.at, p.available)), vans);
    }
}
