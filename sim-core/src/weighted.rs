//! Draws in proportion to weights: cumulative sums and a binary search, O(log n) a draw
//! (homes and destinations among the street network's thousands of nodes).

use rand::Rng;

/// Items with positive weights, ready to draw from.
#[derive(Clone, Debug, Default)]
pub struct Weighted<T> {
    items: Vec<T>,
    /// Running sums of the weights, in item order.
    cum: Vec<f64>,
}

impl<T: Copy + PartialEq> Weighted<T> {
    /// The items of `list` whose weight is positive and finite, in list order.
    pub fn new(list: &[(T, f64)]) -> Self {
        let mut total = 0.0;
        let (mut items, mut cum) = (Vec::new(), Vec::new());
        for &(x, w) in list {
            if w.is_finite() && w > 0.0 {
                total += w;
                items.push(x);
                cum.push(total);
            }
        }
        Weighted { items, cum }
    }

    /// Sum of the weights.
    pub fn total(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One item, with probability proportional to its weight (one uniform draw).
    pub fn draw(&self, rng: &mut impl Rng) -> Option<T> {
        let u = rng.random::<f64>() * self.total();
        let i = self.cum.partition_point(|&c| c <= u);
        self.items
            .get(i.min(self.items.len().checked_sub(1)?))
            .copied()
    }

    /// One item other than `not`, with probability proportional to its weight among the
    /// others: draws again while it gets `not` (at most 64 times), then picks among the
    /// others directly.
    pub fn draw_except(&self, rng: &mut impl Rng, not: T) -> Option<T> {
        for _ in 0..64 {
            match self.draw(rng) {
                Some(x) if x == not => continue,
                other => return other,
            }
        }
        let others: Vec<(T, f64)> = (self.items.iter().zip(&self.cum))
            .scan(0.0, |prev, (&x, &c)| {
                let w = c - *prev;
                *prev = c;
                Some((x, w))
            })
            .filter(|(x, _)| *x != not)
            .collect();
        Weighted::new(&others).draw(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn draws_follow_the_weights_and_skip_the_excluded() {
        let w = Weighted::new(&[(0u8, 1.0), (1, 0.0), (2, 3.0), (3, f64::NAN), (4, 6.0)]);
        assert_eq!(w.len(), 3);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [0u32; 5];
        for _ in 0..100_000 {
            counts[w.draw(&mut rng).unwrap() as usize] += 1;
        }
        assert_eq!((counts[1], counts[3]), (0, 0));
        for (i, share) in [(0, 0.1), (2, 0.3), (4, 0.6)] {
            let got = f64::from(counts[i]) / 100_000.0;
            assert!((got - share).abs() < 0.01, "{i}: {got}");
        }
        let mut no_four = [0u32; 5];
        for _ in 0..100_000 {
            no_four[w.draw_except(&mut rng, 4).unwrap() as usize] += 1;
        }
        assert_eq!(no_four[4], 0);
        let got = f64::from(no_four[2]) / 100_000.0;
        assert!((got - 0.75).abs() < 0.01, "{got}");
        // Only the excluded item has weight: nothing to draw.
        assert_eq!(Weighted::new(&[(7u8, 1.0)]).draw_except(&mut rng, 7), None);
        assert_eq!(Weighted::<u8>::new(&[]).draw(&mut rng), None);
    }
}
