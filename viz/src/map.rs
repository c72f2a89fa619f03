//! The map: the network's roads as one mesh (coloured by class), city and district labels,
//! partners; the projection from latitude and longitude to the map's kilometres; the
//! districts the wait heatmap is drawn by.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Mesh, PrimitiveTopology};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use sim_core::actors::PartnerKind;
use sim_core::ids::NodeId;
use sim_core::world::{NodeKind, RoadClass};

use crate::state::{Canvas, MapCamera, SceneRes};

/// Latitude and longitude to kilometres east and north of the network's centre
/// (equirectangular at the centre's latitude: good to a fraction of a per cent over a
/// country).
#[derive(Resource, Clone, Copy, Debug)]
pub struct Proj {
    lat0: f64,
    lon0: f64,
    kx: f64,
    /// The network's extent, km (width, height).
    pub extent: Vec2,
}

const KM_PER_DEG_LAT: f64 = 110.574;

impl Proj {
    fn fit(points: impl Iterator<Item = (f64, f64)>) -> Proj {
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for (lat, lon) in points {
            lo = (lo.0.min(lat), lo.1.min(lon));
            hi = (hi.0.max(lat), hi.1.max(lon));
        }
        if lo.0 > hi.0 {
            (lo, hi) = ((0.0, 0.0), (0.0, 0.0));
        }
        let (lat0, lon0) = ((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0);
        let kx = 111.320 * lat0.to_radians().cos();
        let extent = Vec2::new(
            ((hi.1 - lo.1) * kx) as f32,
            ((hi.0 - lo.0) * KM_PER_DEG_LAT) as f32,
        );
        Proj {
            lat0,
            lon0,
            kx,
            extent,
        }
    }

    /// The map point of (`lat`, `lon`).
    pub fn xy(&self, lat: f64, lon: f64) -> Vec2 {
        Vec2::new(
            ((lon - self.lon0) * self.kx) as f32,
            ((lat - self.lat0) * KM_PER_DEG_LAT) as f32,
        )
    }
}

/// Places labels and partners are drawn at; districts also carry the heatmap.
#[derive(Resource, Default)]
pub struct Districts {
    /// Label nodes (cities and districts): node, map point.
    pub nodes: Vec<(NodeId, Vec2)>,
}

/// Marks a label (kept the same size on screen whatever the zoom); district labels show
/// only when zoomed in far enough for them not to overlap.
#[derive(Component)]
pub struct Label {
    /// Shown at or below this many km per pixel (cities: always).
    pub max_km_per_px: f32,
}

/// Marks a partner's marker.
#[derive(Component)]
pub struct PartnerMark;

/// Marks a heatmap square.
#[derive(Component)]
pub struct HeatSquare(pub usize);

/// Road colours by class: expressways amber, urban expressways light blue, arterials grey,
/// connectors dim.
pub fn road_colour(class: RoadClass) -> [f32; 4] {
    match class {
        RoadClass::Expressway => [0.95, 0.66, 0.20, 1.0],
        RoadClass::UrbanExpressway => [0.45, 0.70, 0.95, 1.0],
        RoadClass::Arterial => [0.42, 0.45, 0.50, 1.0],
        RoadClass::Connector => [0.30, 0.32, 0.36, 1.0],
    }
}

/// The colour of a partner's marker.
pub fn partner_colour(kind: PartnerKind) -> Color {
    match kind {
        PartnerKind::Vet => Color::srgb(0.95, 0.35, 0.75),
        PartnerKind::Groomer => Color::srgb(0.35, 0.85, 0.85),
        PartnerKind::Hotel => Color::srgb(0.75, 0.65, 1.0),
    }
}

pub(crate) fn setup(
    mut commands: Commands,
    scene: Res<SceneRes>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
    canvas: Res<Canvas>,
    mut camera: Query<(&mut Transform, &mut Projection), With<MapCamera>>,
) {
    let net = &scene.0.world.net;
    let proj = Proj::fit(net.nodes().iter().map(|n| (n.point.y(), n.point.x())));
    commands.spawn((
        Mesh2d(meshes.add(roads_mesh(&scene.0, &proj))),
        MeshMaterial2d(materials.add(ColorMaterial::default())),
        Transform::from_xyz(0.0, 0.0, 0.0),
    ));
    let nodes = spawn_labels(&mut commands, &scene.0, &proj);
    for (lat, lon, kind, _) in &scene.0.partners {
        let p = proj.xy(*lat, *lon);
        let sprite = Sprite {
            color: partner_colour(*kind),
            custom_size: Some(Vec2::ONE),
            ..default()
        };
        let diamond = Quat::from_rotation_z(std::f32::consts::FRAC_PI_4);
        commands.spawn((
            sprite,
            Transform::from_translation(p.extend(3.0)).with_rotation(diamond),
            PartnerMark,
        ));
    }
    let side = heat_side(&nodes, proj.extent);
    for (i, (_, at)) in nodes.iter().enumerate() {
        let sprite = Sprite {
            color: Color::NONE,
            custom_size: Some(Vec2::splat(side)),
            ..default()
        };
        let at = Transform::from_translation(at.extend(1.0));
        commands.spawn((sprite, at, Visibility::Hidden, HeatSquare(i)));
    }
    commands.insert_resource(Districts { nodes });
    if let Ok((mut t, mut p)) = camera.single_mut() {
        fit(&proj, *canvas, &mut t, &mut p);
    }
    commands.insert_resource(proj);
}

/// A label for every city and district; returns them with their map points.
fn spawn_labels(
    commands: &mut Commands,
    scene: &crate::source::Scene,
    proj: &Proj,
) -> Vec<(NodeId, Vec2)> {
    let net = &scene.world.net;
    let labelled: Vec<&sim_core::world::Node> = (net.nodes().iter())
        .filter(|n| matches!(n.kind, NodeKind::City | NodeKind::District))
        .collect();
    let nodes: Vec<(NodeId, Vec2)> = (labelled.iter())
        .map(|n| (n.id, proj.xy(n.point.y(), n.point.x())))
        .collect();
    let spacing = label_spacing(&nodes);
    for (n, (_, p)) in labelled.iter().zip(&nodes) {
        let city = n.kind == NodeKind::City;
        let size = if city { 15.0 } else { 11.0 };
        // A label about 8 characters wide needs its neighbours that far apart on screen.
        let max_km_per_px = match city {
            true => f32::MAX,
            false => spacing.get(&n.id).copied().unwrap_or(f32::MAX) / (8.0 * size * 0.6),
        };
        commands.spawn((
            Text2d::new(n.name.clone()),
            TextFont {
                font_size: bevy::text::FontSize::Px(size),
                ..default()
            },
            TextColor(Color::srgba(0.85, 0.88, 0.92, 0.85)),
            Anchor::BOTTOM_CENTER,
            Transform::from_translation(p.extend(6.0)),
            Label { max_km_per_px },
        ));
    }
    nodes
}

/// Frames the whole network.
pub(crate) fn fit(proj: &Proj, canvas: Canvas, t: &mut Transform, p: &mut Projection) {
    t.translation = Vec3::new(0.0, 0.0, t.translation.z);
    if let Projection::Orthographic(o) = p {
        o.scale = fit_scale(proj, canvas);
    }
}

/// Kilometres per pixel that frame the whole network.
fn fit_scale(proj: &Proj, canvas: Canvas) -> f32 {
    let sx = proj.extent.x / (canvas.w * 0.9);
    let sy = proj.extent.y / (canvas.h * 0.8);
    sx.max(sy).max(1e-4)
}

/// Where (`lat`, `lon`) is drawn on a `w` x `h` canvas framing `world` as the map starts
/// (pixels from the top left): what a test of a screenshot looks at.
pub fn pixel_of(world: &sim_core::world::World, (w, h): (f32, f32), lat: f64, lon: f64) -> Vec2 {
    let proj = Proj::fit(world.net.nodes().iter().map(|n| (n.point.y(), n.point.x())));
    let k = fit_scale(&proj, Canvas { w, h });
    let p = proj.xy(lat, lon) / k;
    Vec2::new(w / 2.0 + p.x, h / 2.0 - p.y)
}

/// Each label node's distance to its nearest neighbour, km.
fn label_spacing(nodes: &[(NodeId, Vec2)]) -> std::collections::BTreeMap<NodeId, f32> {
    (nodes.iter())
        .map(|(id, a)| {
            let d = (nodes.iter())
                .filter(|(other, _)| other != id)
                .map(|(_, b)| a.distance(*b))
                .fold(f32::MAX, f32::min);
            (*id, d)
        })
        .collect()
}

/// A heatmap square's side: the typical distance between neighbouring districts.
fn heat_side(nodes: &[(NodeId, Vec2)], extent: Vec2) -> f32 {
    let mut gaps: Vec<f32> = (nodes.iter())
        .map(|(_, a)| {
            (nodes.iter())
                .map(|(_, b)| a.distance(*b))
                .filter(|d| *d > 0.0)
                .fold(f32::MAX, f32::min)
        })
        .filter(|d| d.is_finite() && *d < f32::MAX)
        .collect();
    gaps.sort_by(f32::total_cmp);
    gaps.get(gaps.len() / 2)
        .copied()
        .unwrap_or(extent.max_element() / 20.0)
        .max(0.2)
}

/// Every road as line segments, coloured by class; a two-way road is drawn once. Arterials
/// and connectors are drawn first, so expressways lie on top.
fn roads_mesh(scene: &crate::source::Scene, proj: &Proj) -> Mesh {
    let net = &scene.world.net;
    let mut positions: Vec<[f32; 3]> = Vec::new();
    let mut colours: Vec<[f32; 4]> = Vec::new();
    for class in [
        RoadClass::Connector,
        RoadClass::Arterial,
        RoadClass::UrbanExpressway,
        RoadClass::Expressway,
    ] {
        let z = 0.1 * class as u8 as f32;
        let z = 0.3 - z;
        for e in net
            .edges()
            .iter()
            .filter(|e| e.class == class && e.twin.is_none_or(|t| t > e.id))
        {
            let pts: Vec<Vec2> = e.geometry.points().map(|p| proj.xy(p.y(), p.x())).collect();
            for w in pts.windows(2) {
                positions.push([w[0].x, w[0].y, z]);
                positions.push([w[1].x, w[1].y, z]);
                colours.push(road_colour(class));
                colours.push(road_colour(class));
            }
        }
    }
    Mesh::new(PrimitiveTopology::LineList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colours)
}
