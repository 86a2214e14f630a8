//! Random draws the generator needs over and over: chances, weighted picks,
//! dates in a range, and scattered ids.
//!
//! Every stage of the generator gets its own `ChaCha` stream from the seed, so
//! a change in one stage (more bad rows, another noise level) leaves what
//! the earlier stages drew untouched.

use famgraph_model::Date;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type Random = ChaCha8Rng;

/// The generator's stages, each with its own random stream.
#[derive(Clone, Copy)]
pub(crate) enum Stage {
    Agencies = 1,
    World = 2,
    Plans = 3,
    Records = 4,
    BadRows = 5,
    Cohorts = 6,
    /// Which records an agency holds twice, how the person's involvements
    /// and relationships split between them, and the second record's noise.
    Duplicates = 7,
    /// The slips drawn on top of each record's noise: names entered the
    /// wrong way round, placeholder and mistyped dates of birth, misspelt
    /// streets, mistyped postcodes.
    Typos = 8,
    /// The families the meeting takes on at the earlier extract, and the
    /// needs planted to close after.
    Outcomes = 9,
}

pub(crate) fn stage_rng(seed: u64, stage: Stage) -> Random {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage as u64);
    rng
}

pub(crate) fn chance(rng: &mut Random, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// A whole number from `low` to `high`, both included; `low` when the range is empty.
pub(crate) fn between(rng: &mut Random, low: i32, high: i32) -> i32 {
    if high <= low { low } else { rng.random_range(low..=high) }
}

/// An index below `n`; `n` must not be zero.
pub(crate) fn index(rng: &mut Random, n: usize) -> usize {
    rng.random_range(0..n)
}

pub(crate) fn pick<'a, T>(rng: &mut Random, items: &'a [T]) -> &'a T {
    &items[index(rng, items.len())]
}

/// A day from `first` to `last`, both included; `first` when `last` is earlier.
pub(crate) fn date_between(rng: &mut Random, first: Date, last: Date) -> Date {
    Date::from_days(between(rng, first.days(), last.days()))
}

/// A list to draw from with a Zipf-like spread: the item of rank `r`
/// (1-based) weighs `1 / r^exponent`, so a few names are very common and
/// most are rare, as with real surnames.
pub(crate) struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub(crate) fn new(n: usize, exponent: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    pub(crate) fn draw(&self, rng: &mut Random) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.random::<f64>() * total;
        self.cumulative.partition_point(|&c| c <= target).min(self.cumulative.len().saturating_sub(1))
    }
}

/// A bijection of `0..modulus` onto itself, `i -> (mul * i + add) mod modulus`
/// with `mul` coprime to `modulus`: ids drawn from it never collide, and
/// neighbouring records (one family's) get ids far apart, as in a real
/// case system where family members were registered years apart.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scatter {
    modulus: u64,
    mul: u64,
    add: u64,
}

impl Scatter {
    pub(crate) fn new(rng: &mut Random, modulus: u64) -> Scatter {
        debug_assert!(modulus > 1);
        let mut mul = rng.random_range(modulus / 3..modulus).max(1);
        while gcd(mul, modulus) != 1 {
            mul += 1;
            if mul >= modulus {
                mul = 1;
            }
        }
        Scatter { modulus, mul, add: rng.random_range(0..modulus) }
    }

    pub(crate) fn at(&self, index: u64) -> u64 {
        debug_assert!(index < self.modulus, "a scatter of {} has no slot {index}", self.modulus);
        ((u128::from(self.mul) * u128::from(index) + u128::from(self.add)) % u128::from(self.modulus)) as u64
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The smallest number of decimal digits that leaves at least four slots
/// per id: ids stay sparse, and a scheme widens rather than runs out.
pub(crate) fn digits_for(count: usize, at_least: u32) -> u32 {
    let mut digits = at_least;
    while 10_u64.pow(digits) < (count as u64).saturating_mul(4) {
        digits += 1;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_is_a_bijection() {
        let mut rng = stage_rng(7, Stage::Records);
        let scatter = Scatter::new(&mut rng, 1000);
        let mut seen: Vec<u64> = (0..1000).map(|i| scatter.at(i)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn zipf_favours_the_first_ranks() {
        let mut rng = stage_rng(1, Stage::World);
        let zipf = Zipf::new(100, 1.0);
        let firsts = (0..10_000).filter(|_| zipf.draw(&mut rng) == 0).count();
        let fiftieths = (0..10_000).filter(|_| zipf.draw(&mut rng) == 49).count();
        assert!(firsts > 10 * fiftieths, "{firsts} vs {fiftieths}");
    }
}
