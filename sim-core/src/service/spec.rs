//! What a back-end service is, as data: its instances and workers, how long each kind of
//! request takes, its queue and what happens when the queue is full, how the balancer
//! picks an instance, how the service scales, and the faults it suffers. Scenario files
//! fill these in (`[[services]]`); the pool ([`super::Pool`]) runs them.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use crate::time::{SimDuration, SimTime};

/// A service-time (or call-time) distribution, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Exponential with this mean.
    Exp {
        /// Mean, ms.
        mean_ms: f64,
    },
    /// Always this long.
    Const {
        /// Duration, ms.
        ms: f64,
    },
    /// Log-normal with this median and shape (the usual long right tail of a server).
    LogNormal {
        /// Median, ms.
        median_ms: f64,
        /// Sigma of the underlying normal.
        sigma: f64,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound, ms.
        min_ms: f64,
        /// Upper bound, ms.
        max_ms: f64,
    },
}

impl Dist {
    /// One draw, ms (never negative).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match *self {
            Dist::Exp { mean_ms } => match Exp::new(1.0 / mean_ms) {
                Ok(d) => d.sample(rng),
                Err(_) => 0.0,
            },
            Dist::Const { ms } => ms,
            Dist::LogNormal { median_ms, sigma } => match LogNormal::new(median_ms.ln(), sigma) {
                Ok(d) => d.sample(rng),
                Err(_) => median_ms,
            },
            Dist::Uniform { min_ms, max_ms } if max_ms > min_ms => rng.random_range(min_ms..max_ms),
            Dist::Uniform { min_ms, .. } => min_ms,
        }
    }

    /// The mean, ms.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Exp { mean_ms } => mean_ms,
            Dist::Const { ms } => ms,
            Dist::LogNormal { median_ms, sigma } => median_ms * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
        }
    }
}

/// What a full queue does with one more request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Answer with a retryable error: the client retries after its backoff.
    Reject,
    /// Make room by turning away the lowest-priority request (the newcomer, if none
    /// queued is lower): the one turned away is retried like a rejection.
    Shed,
    /// Hold the caller: the request waits upstream (at most `upstream` of them, then
    /// rejected) and enters as soon as the service has room.
    Backpressure {
        /// How many callers may wait upstream.
        upstream: usize,
    },
}

/// How the balancer picks an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    /// Each in turn.
    RoundRobin,
    /// The one with the fewest requests in service and queued.
    LeastOutstanding,
    /// Two at random, the less loaded of them.
    PowerOfTwo,
}

/// What the autoscaler watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Busy workers over ready workers, over the last period.
    Utilisation,
    /// The most requests queued (seen by an arrival) since the last evaluation, per ready
    /// instance: the "maximum" statistic, so that a burst between two looks is seen.
    QueueDepth,
}

/// Autoscaling on a metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscale {
    /// The metric.
    pub metric: Metric,
    /// Scale out above this value.
    pub target: f64,
    /// Scale in below this value.
    pub scale_in_below: f64,
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Instances added or removed at once.
    pub step: u32,
    /// Least time between two scaling actions.
    pub cooldown: SimDuration,
    /// From launch to taking requests (billed meanwhile).
    pub cold_start: SimDuration,
    /// How often the metric is evaluated.
    pub every: SimDuration,
}

/// How the number of instances changes over the run.
#[derive(Clone, Debug, PartialEq)]
pub enum Scaling {
    /// Never.
    Fixed,
    /// On a metric.
    Autoscale(Autoscale),
    /// To known counts at known times (a known peak), each new instance with this cold
    /// start.
    Scheduled {
        /// (when, how many instances).
        steps: Vec<(SimTime, u32)>,
        /// From launch to taking requests.
        cold_start: SimDuration,
    },
}

/// An injected fault.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The instance dies: what it holds fails back to the callers (connection reset), who
    /// retry; it takes requests again after `restart_after`.
    Crash {
        /// When.
        at: SimTime,
        /// Which instance (0-based).
        instance: u32,
        /// Down for this long.
        restart_after: SimDuration,
    },
    /// The instance serves `factor` times slower between two times.
    Slow {
        /// From.
        at: SimTime,
        /// Until.
        until: SimTime,
        /// Which instance.
        instance: u32,
        /// Slow-down factor (> 1).
        factor: f64,
    },
    /// The service cannot reach its gateway (the downstream call) between two times:
    /// calls made then time out and the request is retried.
    Partition {
        /// From.
        at: SimTime,
        /// Until.
        until: SimTime,
    },
}

/// The callers' retry policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Client {
    /// First backoff; doubled each attempt (half fixed, half jitter).
    pub retry_base: SimDuration,
    /// Longest backoff.
    pub retry_cap: SimDuration,
    /// Attempts before the caller gives up (0: never gives up).
    pub max_attempts: u32,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            retry_base: SimDuration(100),
            retry_cap: SimDuration(30_000),
            max_attempts: 0,
        }
    }
}

/// A kind of request and what it costs the service.
#[derive(Clone, Debug, PartialEq)]
pub struct Kind {
    /// Name (`quote`, `book`, `notify`, `settle`, or a message kind in a fleet run).
    pub name: String,
    /// Service time on a speed-1 worker.
    pub service: Dist,
    /// Priority: higher is kept when shedding.
    pub priority: u8,
}

/// Which back end a service is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Quotes and bookings from customers (in front of the dispatcher).
    BookingApi,
    /// The notification dispatcher (in front of the notifier's gateway logic).
    Notifications,
    /// The settlement processor (in front of the settlement flow).
    Settlement,
}

impl Role {
    /// The name in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Role::BookingApi => "booking_api",
            Role::Notifications => "notifications",
            Role::Settlement => "settlement",
        }
    }
}

/// One service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    /// Name in outputs.
    pub name: String,
    /// Which back end.
    pub role: Role,
    /// Instances at the start.
    pub instances: u32,
    /// Workers per instance (requests served at once).
    pub workers: u32,
    /// Speed of an instance: service times are divided by it.
    pub speed: f64,
    /// Price of one instance-hour, won.
    pub price_won_per_hour: i64,
    /// Kinds of request; others take `default_service`.
    pub kinds: Vec<Kind>,
    /// Service time of a kind not listed.
    pub default_service: Dist,
    /// Queue bound per instance (requests waiting, besides those in service).
    pub queue: usize,
    /// What a full queue does.
    pub overflow: Overflow,
    /// How an instance is picked.
    pub balancer: Balancer,
    /// The downstream call each request makes after its service (the worker waits).
    pub call: Option<Dist>,
    /// How long a downstream call waits before timing out.
    pub call_timeout: SimDuration,
    /// Scaling.
    pub scaling: Scaling,
    /// Faults.
    pub faults: Vec<Fault>,
    /// Callers' retries.
    pub client: Client,
    /// The latency objective: a minute whose p99 is above it violates it.
    pub slo_p99: SimDuration,
}

impl ServiceSpec {
    /// A fixed service of `instances` x `workers`, exponential service of `mean_ms`, no
    /// queue bound to speak of, rejecting, round robin, no call, no faults.
    pub fn simple(role: Role, instances: u32, workers: u32, mean_ms: f64) -> ServiceSpec {
        ServiceSpec {
            name: role.name().into(),
            role,
            instances,
            workers,
            speed: 1.0,
            price_won_per_hour: 0,
            kinds: Vec::new(),
            default_service: Dist::Exp { mean_ms },
            queue: 1 << 20,
            overflow: Overflow::Reject,
            balancer: Balancer::RoundRobin,
            call: None,
            call_timeout: SimDuration(30_000),
            scaling: Scaling::Fixed,
            faults: Vec::new(),
            client: Client::default(),
            slo_p99: SimDuration(2_000),
        }
    }

    /// The index of kind `name` (requests of unlisted kinds use the default).
    pub fn kind_index(&self, name: &str) -> Option<u8> {
        self.kinds
            .iter()
            .position(|k| k.name == name)
            .map(|i| i as u8)
    }

    /// Whether the gateway is unreachable at some time in `[from, to]`.
    pub fn partitioned(&self, from: SimTime, to: SimTime) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(*f, Fault::Partition { at, until } if at <= to && from < until))
    }

    /// The slow-down of `instance` at `t`.
    pub fn slow_factor(&self, instance: usize, t: SimTime) -> f64 {
        self.faults
            .iter()
            .filter_map(|f| match *f {
                Fault::Slow {
                    at,
                    until,
                    instance: i,
                    factor,
                } if i as usize == instance && at <= t && t < until => Some(factor),
                _ => None,
            })
            .fold(1.0, f64::max)
    }
}
