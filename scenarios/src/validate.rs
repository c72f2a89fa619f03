//! `petfleet validate mmc`: the engine's abstract M/M/c mode ([`sim_core::mmc`]) over
//! replications, beside Erlang C.

use crate::sweep::{stats, Stats};
use sim_core::mmc;

/// The comparison for one (c, a).
#[derive(Clone, Debug)]
pub struct MmcValidation {
    /// Vans.
    pub servers: u32,
    /// Offered load lambda/mu.
    pub offered_load: f64,
    /// Replications.
    pub replications: u32,
    /// Simulated probability of waiting over replications.
    pub p_wait: Stats,
    /// Erlang C.
    pub p_wait_theory: f64,
    /// Simulated mean wait, in units of 1/mu.
    pub mean_wait: Stats,
    /// Erlang C's mean wait, C / (c - a), in units of 1/mu.
    pub mean_wait_theory: f64,
    /// Largest relative difference between L and lambda W over the replications.
    pub little_max_rel_diff: f64,
    /// Bookings measured in all.
    pub measured: u64,
}

/// Runs `replications` of `horizon` service times (warm-up a tenth) on `workers` threads,
/// replication r with seed `seed + r`.
pub fn mmc(
    c: u32,
    a: f64,
    replications: u32,
    horizon: f64,
    seed: u64,
    workers: usize,
) -> MmcValidation {
    use rayon::prelude::*;
    let one = |r: u32| {
        mmc::simulate(
            c,
            a,
            (horizon, horizon / 10.0),
            seed.wrapping_add(u64::from(r)),
        )
    };
    // Without a pool (threads refused), the replications run here, one after another.
    let runs: Vec<mmc::MmcRun> = match rayon::ThreadPoolBuilder::new().num_threads(workers).build()
    {
        Ok(pool) => pool.install(|| (0..replications).into_par_iter().map(one).collect()),
        Err(_) => (0..replications).map(one).collect(),
    };
    let p: Vec<f64> = runs.iter().map(|r| r.p_wait).collect();
    let w: Vec<f64> = runs.iter().map(|r| r.mean_wait).collect();
    let little = (runs.iter())
        .map(|r| (r.queue_length - r.lambda_w).abs() / r.lambda_w.max(1e-12))
        .fold(0.0, f64::max);
    let pc = mmc::erlang_c(c, a);
    MmcValidation {
        servers: c,
        offered_load: a,
        replications,
        p_wait: stats(&p),
        p_wait_theory: pc,
        mean_wait: stats(&w),
        mean_wait_theory: pc / (f64::from(c) - a),
        little_max_rel_diff: little,
        measured: runs.iter().map(|r| r.measured).sum(),
    }
}
