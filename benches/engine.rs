//! Engine throughput: the actix clock+shard host against the reference loop on the same
//! synthetic load (`sim_core::synthetic`: N actors ticking on a common period and greeting
//! random peers), in delivered messages per second. Pin to one core to compare the hosts
//! on one core: `taskset -c 0 cargo bench -p petfleet-benches --bench engine`.

#![expect(
    missing_docs,
    reason = "criterion's macros generate the undocumented entry points"
)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim_core::engine::{Host, NullObserver, RunLimits};
use sim_core::synthetic;
use sim_core::time::SimTime;

/// Actors, period (ms), simulated span (ms).
const LOADS: [(u32, u64, u64); 2] = [(1_000, 1_000, 200_000), (10_000, 1_000, 20_000)];

fn delivered(actors: u32, period: u64, span: u64, host: Host) -> u64 {
    let limits = RunLimits {
        until: SimTime(span),
        ..RunLimits::default()
    };
    let (_, r) = synthetic::load(42, actors, period).run(host, limits, NullObserver);
    r.expect("synthetic run").delivered
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for (actors, period, span) in LOADS {
        let n = delivered(actors, period, span, Host::Reference);
        g.throughput(Throughput::Elements(n));
        for (name, host) in [
            ("reference_loop", Host::Reference),
            ("actix_1_shard", Host::Actix { shards: 1 }),
            ("actix_2_shards", Host::Actix { shards: 2 }),
        ] {
            g.bench_with_input(
                BenchmarkId::new(name, format!("{actors}_actors")),
                &host,
                |b, &host| {
                    b.iter(|| assert_eq!(delivered(actors, period, span, host), n));
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
