//! What may ride together: the one place the crate and species rule is written.
//!
//! A vehicle's pets at any moment must fit its crate slots (a pet takes a slot of its size
//! class or larger) and must not mix dogs and cats of different households. Dispatch checks
//! the rule for every position of a plan, the vehicle again at every boarding; both call
//! [`Manifest::check`].

use super::{Crates, Infeasible, Load};
use crate::ids::CustomerId;

/// The households with pets of one species aboard: none, exactly one, or several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Households {
    /// No pet of the species.
    #[default]
    None,
    /// Pets of this household only.
    One(CustomerId),
    /// Pets of at least two households.
    Several,
}

impl Households {
    /// Adds a household.
    pub fn with(self, h: CustomerId) -> Households {
        match self {
            Households::None => Households::One(h),
            Households::One(x) if x == h => self,
            _ => Households::Several,
        }
    }

    /// Both sets together.
    pub fn union(self, other: Households) -> Households {
        match other {
            Households::None => self,
            Households::One(h) => self.with(h),
            Households::Several => Households::Several,
        }
    }

    /// Whether some household of `self` differs from some household of `other`.
    fn differs_from(self, other: Households) -> bool {
        match (self, other) {
            (Households::None, _) | (_, Households::None) => false,
            (Households::One(a), Households::One(b)) => a != b,
            _ => true,
        }
    }
}

/// The pets aboard (or a booking's pets): load by size class and the households of dogs
/// and of cats. Small and `Copy`, so plans can keep one per position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Pets by size class.
    pub load: Load,
    /// Households with dogs aboard.
    pub dogs: Households,
    /// Households with cats aboard.
    pub cats: Households,
}

impl Manifest {
    /// One booking's pets.
    pub fn of(load: Load, household: CustomerId, dogs: bool, cats: bool) -> Manifest {
        let one = |yes: bool| {
            if yes {
                Households::One(household)
            } else {
                Households::None
            }
        };
        Manifest {
            load,
            dogs: one(dogs),
            cats: one(cats),
        }
    }

    /// Both groups of pets together.
    pub fn plus(self, other: Manifest) -> Manifest {
        Manifest {
            load: self.load.plus(other.load),
            dogs: self.dogs.union(other.dogs),
            cats: self.cats.union(other.cats),
        }
    }

    /// The rule: the pets fit `crates`, and no dog rides with a cat of another household.
    /// Crates are checked first, so a full vehicle reports crate slots.
    pub fn check(&self, crates: &Crates) -> Result<(), Infeasible> {
        if !crates.fits(self.load) {
            Err(Infeasible::CrateSlots)
        } else if self.dogs.differs_from(self.cats) {
            Err(Infeasible::SpeciesMix)
        } else {
            Ok(())
        }
    }

    /// Whether nothing is aboard.
    pub fn is_empty(&self) -> bool {
        self.load.total() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Crates = Crates([2, 2, 1]);

    fn m(h: u32, dogs: bool, cats: bool, load: [u32; 3]) -> Manifest {
        Manifest::of(Load(load), CustomerId(h), dogs, cats)
    }

    #[test]
    fn one_household_may_bring_dogs_and_cats() {
        assert_eq!(m(1, true, true, [1, 1, 0]).check(&C), Ok(()));
        let both = m(1, true, false, [0, 1, 0]).plus(m(1, false, true, [1, 0, 0]));
        assert_eq!(both.check(&C), Ok(()));
    }

    #[test]
    fn dogs_and_cats_of_different_households_never_mix() {
        let mixed = m(1, true, false, [0, 1, 0]).plus(m(2, false, true, [1, 0, 0]));
        assert_eq!(mixed.check(&C), Err(Infeasible::SpeciesMix));
        // Several dog households and one cat household: some dog is another household's.
        let dogs = m(1, true, false, [1, 0, 0]).plus(m(2, true, false, [1, 0, 0]));
        assert_eq!(
            dogs.plus(m(1, false, true, [1, 0, 0]))
                .check(&Crates([5, 0, 0])),
            Err(Infeasible::SpeciesMix)
        );
        // Dogs of two households together are fine.
        assert_eq!(dogs.check(&C), Ok(()));
    }

    #[test]
    fn crates_are_checked_first() {
        let big = m(1, true, false, [0, 0, 2]).plus(m(2, false, true, [1, 0, 0]));
        assert_eq!(big.check(&C), Err(Infeasible::CrateSlots));
    }
}
