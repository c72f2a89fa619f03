//! Routing throughput: fastest-path queries per second on the bundled Korean network,
//! between seeded random node pairs, at the profile speeds of a weekday 10:30 with and
//! without the Daejeon-Gimcheon closure; on the imported FleetPy example network (7,617
//! nodes): contraction-hierarchy preparation (from scratch and with a reused node order),
//! queries for a time and for a whole route, and A* for comparison; whole default-scenario
//! runs.

#![expect(
    missing_docs,
    reason = "criterion's macros generate the undocumented entry points"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenarios::data::{self, DataFiles};
use scenarios::scenario::{segment_edges, Source};
use sim_core::ids::NodeId;
use sim_core::time::SimTime;
use sim_core::traffic::{profile_speeds, DayType, TrafficConfig};

/// 1,000 seeded random (from, to) node pairs of a network of `n` nodes.
fn random_pairs(n: u32, seed: u64) -> Vec<(NodeId, NodeId)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..1_000)
        .map(|_| {
            (
                NodeId(rng.random_range(0..n)),
                NodeId(rng.random_range(0..n)),
            )
        })
        .collect()
}

fn routing(c: &mut Criterion) {
    let data = data::load(&DataFiles::bundled()).expect("bundled data");
    let net = &data.world.net;
    let cfg = TrafficConfig::profile_only(
        data.profiles.clone(),
        data.accidents,
        vec![DayType::Weekday],
    );
    let src = Source {
        label: "<bench>".into(),
        text: String::new(),
    };
    let closed =
        segment_edges(&src, &data.world, "Daejeon-Gimcheon", Some("Gyeongbu")).expect("segment");
    let at = SimTime::from_day_hms(0, 10, 30, 0);
    let open = profile_speeds(net, &cfg, at, &[]);
    let shut = profile_speeds(net, &cfg, at, &closed);
    let pairs = random_pairs(net.nodes().len() as u32, 7);

    let mut g = c.benchmark_group("routing");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    for (name, speeds) in [
        ("random_pairs_open", &open),
        ("random_pairs_closure", &shut),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut found = 0;
                for &(a, z) in &pairs {
                    found += usize::from(data.world.route(speeds.as_ref(), a, z).is_some());
                }
                assert!(found > 900);
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("scenario");
    g.sample_size(10);
    g.bench_function("seoul_busan_accident_loop", |b| {
        b.iter(|| {
            let dir = std::env::temp_dir().join(format!("petfleet-bench-{}", std::process::id()));
            let opts = scenarios::run::RunOptions {
                scenario: None,
                seed: None,
                until: None,
                out: dir,
                host: sim_core::engine::Host::Reference,
                trace: false,
                record: false,
                data: scenarios::run::DataSource::Bundled,
                scale: None,
                overrides: Default::default(),
            };
            let summary = scenarios::run::run(&opts).expect("default scenario");
            let _ = std::fs::remove_dir_all(&opts.out);
            summary
        });
    });
    g.finish();
}

fn imported(c: &mut Criterion) {
    use sim_core::world::{Ch, FreeFlow};
    let world = petfleet_benches::imported_world();
    let net = &world.net;
    let digest = 0;
    let (ch, order) = Ch::prepare(net, &FreeFlow, digest, None);
    let pairs = random_pairs(net.nodes().len() as u32, 11);
    let mut g = c.benchmark_group("imported");
    g.sample_size(10);
    g.bench_function("ch_prepare", |b| {
        b.iter(|| Ch::prepare(net, &FreeFlow, digest, None).0)
    });
    g.bench_function("ch_prepare_with_order", |b| {
        b.iter(|| Ch::prepare(net, &FreeFlow, digest, Some(&order)).0)
    });
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("ch_time_random_pairs", |b| {
        b.iter(|| {
            let found = pairs
                .iter()
                .filter(|&&(a, z)| ch.time_ms(net, a, z).is_some())
                .count();
            assert!(found > 900, "{found} of 1000 pairs connected");
        });
    });
    g.bench_function("ch_route_random_pairs", |b| {
        b.iter(|| {
            let found = pairs
                .iter()
                .filter(|&&(a, z)| ch.route(net, &FreeFlow, a, z).is_some())
                .count();
            assert!(found > 900);
        });
    });
    g.bench_function("astar_route_random_pairs", |b| {
        b.iter(|| {
            let found = pairs
                .iter()
                .filter(|&&(a, z)| world.route(&FreeFlow, a, z).is_some())
                .count();
            assert!(found > 900);
        });
    });
    g.finish();
}

/// The street-level Seoul network (about 7,400 nodes, 19,500 directed links) at the
/// profile speeds of a weekday 10:30: preparation, time and route queries, A*.
fn streets(c: &mut Criterion) {
    use sim_core::world::Ch;
    let files = DataFiles::bundled();
    let data = data::load(&files).expect("bundled data");
    let streets = data.streets(&files).expect("street network");
    let world = &streets.world;
    let net = &world.net;
    let cfg = TrafficConfig::profile_only(
        streets.profiles.clone(),
        data.accidents,
        vec![DayType::Weekday],
    );
    let speeds = profile_speeds(net, &cfg, SimTime::from_day_hms(0, 10, 30, 0), &[]);
    let table = speeds.as_ref();
    let (ch, order) = Ch::prepare(net, table, 0, None);
    let pairs = random_pairs(net.nodes().len() as u32, 13);
    let mut g = c.benchmark_group("streets");
    g.sample_size(10);
    g.bench_function("ch_prepare", |b| {
        b.iter(|| Ch::prepare(net, table, 0, None).0)
    });
    g.bench_function("ch_prepare_with_order", |b| {
        b.iter(|| Ch::prepare(net, table, 0, Some(&order)).0)
    });
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("ch_time_random_pairs", |b| {
        b.iter(|| {
            let found = (pairs.iter())
                .filter(|&&(a, z)| ch.time_ms(net, a, z).is_some())
                .count();
            assert!(found > 900, "{found} of 1000 pairs connected");
        });
    });
    // One-to-all sweeps (dispatch grows one per search end): 100 targets.
    g.throughput(Throughput::Elements(100));
    g.bench_function("ch_sweep_to_100", |b| {
        b.iter(|| {
            let reached = (pairs.iter().take(100))
                .filter_map(|&(_, z)| ch.space(net, z, sim_core::world::Side::To))
                .filter(|s| ch.meet(net, s, pairs[0].0).is_some())
                .count();
            assert!(reached > 90, "{reached} of 100 sweeps reach a node");
        });
    });
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("ch_route_random_pairs", |b| {
        b.iter(|| {
            let found = (pairs.iter())
                .filter(|&&(a, z)| ch.route(net, table, a, z).is_some())
                .count();
            assert!(found > 900);
        });
    });
    g.bench_function("astar_route_random_pairs", |b| {
        b.iter(|| {
            let found = (pairs.iter())
                .filter(|&&(a, z)| world.route(table, a, z).is_some())
                .count();
            assert!(found > 900);
        });
    });
    g.finish();
}

criterion_group!(benches, routing, imported, streets);
criterion_main!(benches);
