//! A log-linear histogram of non-negative integers (latencies in ms, queue depths):
//! exact below 64, then 32 buckets per power of two (each at most 3.2 % wide), so
//! percentiles of a minute or an hour need a fixed 15 KiB whatever the load.

/// Values below this are counted exactly.
const EXACT: u64 = 64;
/// Buckets per power of two above [`EXACT`].
const SUB: u64 = 32;
/// Number of buckets: exact ones, then 58 octaves (2^6 .. 2^64) of `SUB`.
const BUCKETS: usize = (EXACT + 58 * SUB) as usize;

/// Counts of values by bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct LogHist {
    counts: Vec<u64>,
    n: u64,
    max: u64,
}

impl Default for LogHist {
    fn default() -> Self {
        LogHist {
            counts: vec![0; BUCKETS],
            n: 0,
            max: 0,
        }
    }
}

fn index(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let e = 63 - u64::from(v.leading_zeros());
    let mant = v >> (e - 5);
    (EXACT + (e - 6) * SUB + (mant - SUB)) as usize
}

/// The lowest value and the width of bucket `i`.
fn bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < EXACT {
        return (i, 1);
    }
    let e = (i - EXACT) / SUB + 6;
    let mant = (i - EXACT) % SUB + SUB;
    (mant << (e - 5), 1 << (e - 5))
}

impl LogHist {
    /// Counts one value.
    pub fn record(&mut self, v: u64) {
        self.counts[index(v)] += 1;
        self.n += 1;
        self.max = self.max.max(v);
    }

    /// How many values were counted.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The largest value counted (0 when empty).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The `q` quantile (0..=1): the middle of the bucket holding the value of rank
    /// ceil(q n), never above the largest value; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = bounds(i);
                return (lo + width / 2).min(self.max);
            }
        }
        self.max
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &LogHist) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n += other.n;
        self.max = self.max.max(other.max);
    }

    /// Forgets every value (keeps the allocation).
    pub fn clear(&mut self) {
        if self.n > 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
        }
        self.n = 0;
        self.max = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_values_in_order_and_stay_narrow() {
        let mut last = 0;
        for v in (0..200_000u64).chain([u64::MAX / 3, u64::MAX]) {
            let i = index(v);
            assert!(i >= last, "bucket order at {v}");
            last = i;
            let (lo, w) = bounds(i);
            assert!(lo <= v && v - lo < w, "{v} outside bucket {i} ({lo}+{w})");
            assert!(w == 1 || (w as f64) / (lo as f64) <= 1.0 / 32.0 + 1e-12);
        }
    }

    #[test]
    fn quantiles_are_within_two_percent() {
        let mut h = LogHist::default();
        (1..=10_000u64).for_each(|v| h.record(v));
        for q in [0.5, 0.95, 0.99] {
            let exact = q * 10_000.0;
            let got = h.quantile(q) as f64;
            assert!((got - exact).abs() / exact < 0.02, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.quantile(1.0), 10_000);
        let mut g = LogHist::default();
        g.merge(&h);
        assert_eq!(g.len(), 10_000);
        g.clear();
        assert_eq!((g.len(), g.quantile(0.5)), (0, 0));
    }
}
