//! The service model against queueing theory, and its policies one by one.

use super::*;
use crate::mmc::erlang_c;
use crate::time::{SimDuration, SimTime};

const H: u64 = 3_600_000;

fn steady(rate: f64, until_ms: u64) -> LoadSpec {
    LoadSpec {
        profile: vec![(SimTime(0), rate)],
        bursts: Vec::new(),
        book_share: 0.0,
        notices_per_booking: 0,
        postings_per_booking: 0,
        until: SimTime(until_ms),
    }
}

/// Rate for `busy_ms`, then nothing until `until_ms` (everything drains).
fn pulse(rate: f64, busy_ms: u64, until_ms: u64) -> LoadSpec {
    let mut l = steady(rate, until_ms);
    l.profile.push((SimTime(busy_ms), 0.0));
    l
}

fn run(load: LoadSpec, spec: ServiceSpec, seed: u64) -> (Totals, Vec<MinuteRow>) {
    let mut rows = Vec::new();
    let mut r = LoadRun::new(load, &[spec], seed);
    r.measure_from(SimTime(600_000));
    let t = r.run(&mut |_, row| rows.push(row.clone()));
    (t[0].2.clone(), rows)
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    let rel = (got - want).abs() / want;
    assert!(
        rel <= tol,
        "{what}: simulated {got:.5}, theory {want:.5} ({:.1} % off)",
        rel * 100.0
    );
}

#[test]
fn one_service_matches_erlang_c() {
    for (c, a) in [(10u32, 8.0), (2, 1.0)] {
        // Service mean 1 s: a = lambda.
        let spec = ServiceSpec::simple(Role::BookingApi, 1, c, 1000.0);
        let (t, _) = run(steady(a, 60 * H), spec, 7);
        let p_wait = t.waited as f64 / t.started as f64;
        let wq = t.wait_ms as f64 / t.started as f64 / 1000.0;
        let theory = erlang_c(c, a);
        close(p_wait, theory, 0.05, &format!("P(wait), c={c}, a={a}"));
        close(
            wq,
            theory / (f64::from(c) - a),
            0.05,
            &format!("Wq, c={c}, a={a}"),
        );
    }
}

/// M/M/c/K blocking: the probability that an arrival finds all K places taken.
fn mmck_blocking(c: u32, k: u32, a: f64) -> f64 {
    let mut p = vec![1.0f64];
    for n in 1..=k {
        let servers = f64::from(n.min(c));
        p.push(p[n as usize - 1] * a / servers);
    }
    p[k as usize] / p.iter().sum::<f64>()
}

#[test]
fn a_bounded_queue_matches_mmck_blocking() {
    for (c, k, a) in [(3u32, 6u32, 2.5), (5, 7, 6.0)] {
        let mut spec = ServiceSpec::simple(Role::BookingApi, 1, c, 1000.0);
        spec.queue = (k - c) as usize;
        spec.client.max_attempts = 1;
        let (t, _) = run(steady(a, 40 * H), spec, 11);
        let blocked = t.gave_up as f64 / t.requests as f64;
        close(
            blocked,
            mmck_blocking(c, k, a),
            0.05,
            &format!("blocking, c={c}, K={k}, a={a}"),
        );
        assert_eq!(t.rejected, t.gave_up);
    }
}

fn conserved(t: &Totals) {
    assert!(t.requests > 1_000, "a real load: {}", t.requests);
    assert_eq!(t.gave_up, 0);
    assert_eq!(t.in_flight, 0, "all drained");
    assert_eq!(t.completed, t.requests, "nothing lost, nothing doubled");
}

#[test]
fn a_crash_loses_nothing_and_the_instance_comes_back() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 3, 4, 200.0);
    spec.faults.push(Fault::Crash {
        at: SimTime(300_000),
        instance: 1,
        restart_after: SimDuration(120_000),
    });
    let (t, rows) = run(pulse(40.0, 900_000, 1_200_000), spec, 3);
    conserved(&t);
    assert!(t.resets > 0, "the crash caught requests in flight");
    assert!(rows[5].instances == 3 && rows[6].utilisation > 0.0);
}

#[test]
fn a_partition_times_calls_out_and_they_are_retried() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 2, 8, 20.0);
    spec.call = Some(Dist::Const { ms: 80.0 });
    spec.call_timeout = SimDuration(5_000);
    spec.faults.push(Fault::Partition {
        at: SimTime(120_000),
        until: SimTime(720_000),
    });
    let (t, rows) = run(pulse(20.0, 1_200_000, 2_400_000), spec, 5);
    conserved(&t);
    assert!(
        t.timeouts > 100,
        "calls during the partition time out: {}",
        t.timeouts
    );
    assert!(rows[5].completed == 0 && rows[5].errors > 0 && rows[5].depth_max > 1_000);
    assert!(
        rows[12].lat_p99 > 300_000,
        "the backlog drains after: {}",
        rows[12].lat_p99
    );
    assert!(rows[15].lat_p99 < 1_000);
}

#[test]
fn shedding_keeps_the_higher_priority() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 1, 1, 500.0);
    spec.queue = 2;
    spec.overflow = Overflow::Shed;
    let mut fx = Fx::default();
    let mut p: Pool<u32> = Pool::new(
        spec,
        crate::rng::actor_rng(1, crate::rng::ActorKind::Service, 1),
        &mut fx,
    );
    let req = |id, priority| Req {
        id,
        kind: 0,
        priority,
        attempt: 0,
        first_at: SimTime(0),
        arrived: SimTime(0),
        payload: id as u32,
    };
    for (id, pr) in [(1, 1), (2, 1), (3, 1), (4, 2)] {
        p.arrive(SimTime(0), req(id, pr), &mut fx);
    }
    let retried: Vec<u64> = fx
        .wakes
        .iter()
        .filter_map(|(_, w)| match w {
            Wake::Retry(r) => Some(r.id),
            _ => None,
        })
        .collect();
    assert_eq!(
        retried,
        vec![3],
        "the newest low-priority request makes room"
    );
    p.arrive(SimTime(0), req(5, 1), &mut fx);
    assert_eq!(
        p.stats().totals().rejected,
        2,
        "a low newcomer is turned away itself"
    );
}

#[test]
fn backpressure_holds_callers_instead_of_rejecting() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 1, 2, 100.0);
    spec.queue = 4;
    spec.overflow = Overflow::Backpressure { upstream: 100_000 };
    let (t, rows) = run(pulse(30.0, 300_000, 900_000), spec, 9);
    conserved(&t);
    assert_eq!(t.rejected, 0);
    assert!(
        rows[3].lat_p99 > 10_000,
        "callers wait upstream: {}",
        rows[3].lat_p99
    );
}

#[test]
fn autoscaling_follows_the_load_and_bills_what_it_starts() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 2, 4, 100.0);
    spec.price_won_per_hour = 1_000;
    spec.scaling = Scaling::Autoscale(Autoscale {
        metric: Metric::Utilisation,
        target: 0.7,
        scale_in_below: 0.3,
        min: 2,
        max: 10,
        step: 2,
        cooldown: SimDuration(120_000),
        cold_start: SimDuration(60_000),
        every: SimDuration(60_000),
    });
    let mut load = steady(20.0, 2 * H);
    load.profile = vec![
        (SimTime(0), 20.0),
        (SimTime(1_800_000), 200.0),
        (SimTime(H), 20.0),
    ];
    let (t, rows) = run(load, spec, 13);
    let most = rows.iter().map(|r| r.instances).max().unwrap();
    assert!((6..=10).contains(&most), "scaled out to {most}");
    assert_eq!(rows.last().unwrap().instances, 2, "and back in");
    assert_eq!(t.cost_won, rows.iter().map(|r| r.cost_won).sum::<i64>());
    assert!((t.instance_hours * 1000.0 - t.cost_won as f64).abs() < 1.0);
}

#[test]
fn scheduled_scaling_and_balancers_are_deterministic() {
    for b in [
        Balancer::RoundRobin,
        Balancer::LeastOutstanding,
        Balancer::PowerOfTwo,
    ] {
        let mut spec = ServiceSpec::simple(Role::BookingApi, 2, 2, 150.0);
        spec.balancer = b;
        spec.scaling = Scaling::Scheduled {
            steps: vec![(SimTime(600_000), 6), (SimTime(1_500_000), 2)],
            cold_start: SimDuration(30_000),
        };
        let (t1, r1) = run(pulse(30.0, 1_800_000, 2_000_000), spec.clone(), 21);
        let (t2, r2) = run(pulse(30.0, 1_800_000, 2_000_000), spec, 21);
        assert_eq!((t1.clone(), r1.clone()), (t2, r2), "{b:?}");
        assert_eq!(r1[12].instances, 6);
        assert_eq!(r1[28].instances, 2);
        assert_eq!(t1.completed, t1.requests);
    }
}

#[test]
fn a_burst_arrives_within_its_window() {
    let mut load = steady(0.0, 600_000);
    load.bursts.push(Burst {
        at: SimTime(0),
        count: 1_000,
        over: SimDuration(60_000),
    });
    let spec = ServiceSpec::simple(Role::BookingApi, 4, 8, 50.0);
    let (t, rows) = run(load, spec, 2);
    assert_eq!(rows[0].arrivals, 1_000);
    assert_eq!(t.requests, 1_000);
    assert_eq!(rows[1].arrivals, 0);
}

#[test]
fn queue_depth_autoscaling_sees_a_burst_between_two_looks() {
    let mut spec = ServiceSpec::simple(Role::BookingApi, 1, 2, 500.0);
    spec.scaling = Scaling::Autoscale(Autoscale {
        metric: Metric::QueueDepth,
        target: 20.0,
        scale_in_below: 1.0,
        min: 1,
        max: 6,
        step: 2,
        cooldown: SimDuration(120_000),
        cold_start: SimDuration(30_000),
        every: SimDuration(15_000),
    });
    let mut load = steady(0.0, 1_200_000);
    for k in 0..4 {
        load.bursts.push(Burst {
            at: SimTime(k * 300_000 + 1_000),
            count: 60,
            over: SimDuration(2_000),
        });
    }
    let (_, rows) = run(load, spec, 4);
    let most = rows.iter().map(|r| r.instances).max().unwrap();
    assert!(most >= 3, "scaled out on the burst: {most}");
}

#[test]
fn bookings_fan_out_to_notices_and_postings() {
    let specs = [Role::BookingApi, Role::Notifications, Role::Settlement]
        .map(|r| ServiceSpec::simple(r, 2, 64, 10.0));
    let mut load = steady(100.0, 600_000);
    load.book_share = 0.4;
    load.notices_per_booking = 3;
    load.postings_per_booking = 1;
    let t = LoadRun::new(load, &specs, 3).run(&mut |_, _| {});
    let (orders, notices, postings) = (t[0].2.requests, t[1].2.requests, t[2].2.requests);
    let booked = postings as f64 / orders as f64;
    assert!((booked - 0.4).abs() < 0.01, "bookings {booked}");
    assert_eq!(notices, 3 * postings);
}
