//! The API-level load mode: requests per second through the three services at 10,000
//! orders per second (the rate of the hour, for a minute here), in requests
//! handled per second of wall time. The whole hour is a command:
//! `petfleet run benches/api-10k.toml` (see the README's figure).

#![expect(
    missing_docs,
    reason = "criterion's macros generate the undocumented entry points"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_core::service::{LoadRun, LoadSpec, Role, ServiceSpec};
use sim_core::time::SimTime;

fn services() -> Vec<ServiceSpec> {
    [
        (Role::BookingApi, 32, 45.0),
        (Role::Notifications, 256, 160.0),
        (Role::Settlement, 256, 375.0),
    ]
    .map(|(role, workers, mean)| ServiceSpec::simple(role, 20, workers, mean))
    .to_vec()
}

fn minute(rate: f64) -> LoadSpec {
    LoadSpec {
        profile: vec![(SimTime(0), rate)],
        bursts: Vec::new(),
        book_share: 0.4,
        notices_per_booking: 3,
        postings_per_booking: 1,
        until: SimTime(60_000),
    }
}

fn requests(rate: f64) -> u64 {
    let t = LoadRun::new(minute(rate), &services(), 7).run(&mut |_, _| {});
    t.iter().map(|(_, _, t)| t.requests).sum()
}

fn api_level(c: &mut Criterion) {
    let mut g = c.benchmark_group("services");
    g.sample_size(10);
    let n = requests(10_000.0);
    g.throughput(Throughput::Elements(n));
    g.bench_function("10k_orders_per_s_for_a_minute", |b| {
        b.iter(|| assert_eq!(requests(10_000.0), n));
    });
    g.finish();
}

criterion_group!(benches, api_level);
criterion_main!(benches);
