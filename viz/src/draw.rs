//! What moves on the map, redrawn every frame from the source: vans (sprites coloured by
//! state, a ring for a pet in trouble), the compared run's vans as ghosts, incidents and the
//! roads they close or slow, the selected van and its route, and the layers the user turns
//! on (the wait heatmap by district, congestion by road).

use bevy::prelude::*;
use sim_core::event::VanState;

use crate::map::{Districts, HeatSquare, Label, PartnerMark, Proj};
use crate::source::VanDot;
use crate::state::{ClockSet, DrawSet, Frame, MapCamera, SceneRes, Shared, ViewState};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (scale_markers, draw_vans, draw_overlays, draw_heatmap)
            .in_set(DrawSet)
            .after(ClockSet),
    );
}

/// A van's colour by state (the legend in the help overlay lists them).
pub fn van_colour(state: VanState) -> Color {
    match state {
        VanState::Idle => Color::srgb(0.55, 0.60, 0.66),
        VanState::ToPickup => Color::srgb(0.30, 0.65, 1.0),
        VanState::Loaded => Color::srgb(0.20, 0.85, 0.35),
        VanState::Resting => Color::srgb(0.98, 0.85, 0.25),
        VanState::Detouring => Color::srgb(1.0, 0.0, 1.0),
        VanState::ToVet => Color::srgb(1.0, 0.25, 0.25),
        VanState::OutOfService => Color::srgb(0.25, 0.25, 0.28),
    }
}

/// A van's sprite (index into the source's vans).
#[derive(Component)]
pub struct VanSprite(pub usize);

/// A compared run's van.
#[derive(Component)]
pub struct GhostSprite(pub usize);

/// Pixels across a van on screen.
const VAN_PX: f32 = 9.0;

/// The map camera's kilometres per pixel.
fn km_per_px(p: &Projection) -> f32 {
    match p {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    }
}

fn scale_markers(
    camera: Query<&Projection, With<MapCamera>>,
    view: Res<ViewState>,
    mut labels: Query<(&Label, &mut Transform, &mut Visibility), Without<PartnerMark>>,
    mut partners: Query<&mut Transform, (With<PartnerMark>, Without<Label>)>,
) {
    let Ok(p) = camera.single() else { return };
    let k = km_per_px(p);
    for (label, mut t, mut v) in &mut labels {
        t.scale = Vec3::splat(k);
        let shown = !view.hide_labels && k <= label.max_km_per_px;
        *v = if shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
    for mut t in &mut partners {
        t.scale = Vec3::splat(k * 7.0);
    }
}

fn draw_vans(
    mut commands: Commands,
    frame: Res<Frame>,
    proj: Option<Res<Proj>>,
    camera: Query<&Projection, With<MapCamera>>,
    mut vans: Query<(&VanSprite, &mut Transform, &mut Sprite), Without<GhostSprite>>,
    mut ghosts: Query<(&GhostSprite, &mut Transform, &mut Sprite), Without<VanSprite>>,
    mut spawned: Local<(usize, usize)>,
) {
    let (Some(proj), Ok(p)) = (proj, camera.single()) else {
        return;
    };
    let size = km_per_px(p) * VAN_PX;
    let (dots, ghost_dots) = (&frame.vans, &frame.ghosts);
    spawn_missing(&mut commands, &mut spawned.0, dots.len(), |i| {
        VanSprite(i).into_bundle(5.0)
    });
    spawn_missing(&mut commands, &mut spawned.1, ghost_dots.len(), |i| {
        GhostSprite(i).into_bundle(4.0)
    });
    for (VanSprite(i), mut t, mut s) in &mut vans {
        if let Some(d) = dots.get(*i) {
            place(
                d,
                &proj,
                size,
                5.0 + (*i as f32) * 1e-6,
                (&mut t, &mut s),
                1.0,
            );
        }
    }
    for (GhostSprite(i), mut t, mut s) in &mut ghosts {
        if let Some(d) = ghost_dots.get(*i) {
            place(d, &proj, size, 4.0, (&mut t, &mut s), 0.35);
        }
    }
}

trait IntoSpriteBundle: Component + Sized {
    fn into_bundle(self, z: f32) -> (Self, Sprite, Transform) {
        let sprite = Sprite {
            custom_size: Some(Vec2::ONE),
            ..default()
        };
        (self, sprite, Transform::from_xyz(0.0, 0.0, z))
    }
}
impl IntoSpriteBundle for VanSprite {}
impl IntoSpriteBundle for GhostSprite {}

fn spawn_missing<B: Bundle>(
    commands: &mut Commands,
    have: &mut usize,
    need: usize,
    make: impl Fn(usize) -> B,
) {
    while *have < need {
        commands.spawn(make(*have));
        *have += 1;
    }
}

fn place(
    d: &VanDot,
    proj: &Proj,
    size: f32,
    z: f32,
    (t, s): (&mut Transform, &mut Sprite),
    alpha: f32,
) {
    t.translation = proj.xy(d.lat, d.lon).extend(z);
    t.scale = Vec3::splat(size);
    s.color = van_colour(d.state).with_alpha(alpha);
}

/// Incidents (red: closed; orange: lanes lost), alert rings, the selected van and its route,
/// congestion.
fn draw_overlays(
    mut gizmos: Gizmos,
    shared: Res<Shared>,
    scene: Res<SceneRes>,
    proj: Option<Res<Proj>>,
    camera: Query<&Projection, With<MapCamera>>,
    view: Res<ViewState>,
    frame: Res<Frame>,
) {
    let (Some(proj), Ok(p)) = (proj, camera.single()) else {
        return;
    };
    let k = km_per_px(p);
    let source = shared.lock();
    let net = &scene.0.world.net;
    let edge_line = |gizmos: &mut Gizmos, e: sim_core::ids::EdgeId, colour: Color| {
        let pts: Vec<Vec2> = net
            .edge(e)
            .geometry
            .points()
            .map(|q| proj.xy(q.y(), q.x()))
            .collect();
        gizmos.linestrip_2d(pts, colour);
    };
    if view.congestion {
        if let Some(ratios) = source.congestion() {
            for (i, r) in ratios.iter().enumerate().filter(|(_, r)| **r < 0.8) {
                let c = Color::srgb(1.0, (*r * 1.1).clamp(0.0, 0.9), 0.1);
                edge_line(&mut gizmos, sim_core::ids::EdgeId(i as u32), c);
            }
        }
    }
    for (closure, edges) in source.tally().incidents.values() {
        let colour = if *closure {
            Color::srgb(1.0, 0.1, 0.1)
        } else {
            Color::srgb(1.0, 0.55, 0.0)
        };
        for &e in edges {
            edge_line(&mut gizmos, e, colour);
        }
        if let Some(&e) = edges.get(edges.len() / 2) {
            let mid = net
                .edge(e)
                .geometry
                .points()
                .next()
                .map(|q| proj.xy(q.y(), q.x()));
            if let Some(mid) = mid {
                let r = k * 9.0;
                gizmos.line_2d(mid + Vec2::new(-r, -r), mid + Vec2::new(r, r), colour);
                gizmos.line_2d(mid + Vec2::new(-r, r), mid + Vec2::new(r, -r), colour);
            }
        }
    }
    let vans = &frame.vans;
    for d in vans.iter().filter(|d| d.alert.is_some()) {
        let colour = if d.alert == Some(true) {
            Color::srgb(1.0, 0.1, 0.1)
        } else {
            Color::srgb(1.0, 0.8, 0.1)
        };
        gizmos.circle_2d(proj.xy(d.lat, d.lon), k * 10.0, colour);
    }
    if let Some(d) = view.selected.and_then(|v| vans.get(v as usize)) {
        gizmos.circle_2d(proj.xy(d.lat, d.lon), k * 13.0, Color::WHITE);
    }
}

fn draw_heatmap(
    shared: Res<Shared>,
    view: Res<ViewState>,
    districts: Option<Res<Districts>>,
    scene: Res<SceneRes>,
    mut squares: Query<(&HeatSquare, &mut Sprite, &mut Visibility)>,
    mut district_of: Local<std::collections::BTreeMap<sim_core::ids::NodeId, Option<usize>>>,
) {
    let Some(districts) = districts else { return };
    if !view.heatmap {
        for (_, _, mut v) in &mut squares {
            *v = Visibility::Hidden;
        }
        return;
    }
    let source = shared.lock();
    let net = &scene.0.world.net;
    // Each pickup node's waits go to its nearest label node (found once per node).
    let mut sums = vec![(0u64, 0u32); districts.nodes.len()];
    for (node, (sum, n)) in &source.tally().waits_by_node {
        let nearest = *district_of
            .entry(*node)
            .or_insert_with(|| nearest_label(&districts, net, *node));
        if let Some(i) = nearest {
            sums[i] = (sums[i].0 + sum, sums[i].1 + n);
        }
    }
    for (HeatSquare(i), mut s, mut v) in &mut squares {
        let (sum, n) = sums[*i];
        if n == 0 {
            *v = Visibility::Hidden;
            continue;
        }
        *v = Visibility::Inherited;
        s.color = heat_colour(sum as f32 / n as f32);
    }
}

/// The label node (city or district) nearest to `node`, by index into `districts`.
fn nearest_label(
    districts: &Districts,
    net: &sim_core::world::RoadNetwork,
    node: sim_core::ids::NodeId,
) -> Option<usize> {
    let pt = net.node(node).point;
    let d2 = |id: sim_core::ids::NodeId| {
        let q = net.node(id).point;
        (q.x() - pt.x()).powi(2) + (q.y() - pt.y()).powi(2)
    };
    (districts.nodes.iter().enumerate())
        .min_by(|a, b| d2(a.1 .0).total_cmp(&d2(b.1 .0)))
        .map(|(i, _)| i)
}

/// Green at no wait, through yellow at 15 minutes, to red at 30 minutes and more.
pub fn heat_colour(mean_wait_s: f32) -> Color {
    let x = (mean_wait_s / 1800.0).clamp(0.0, 1.0);
    Color::srgba(
        (2.0 * x).min(1.0),
        (2.0 - 2.0 * x).min(1.0) * 0.8,
        0.1,
        0.45,
    )
}
