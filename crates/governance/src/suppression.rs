//! Small-number suppression for aggregates, primary and secondary, and
//! optional rounding of what is shown.
//!
//! Primary: a count from 1 to the threshold minus one is hidden, since it
//! could single out a family. Secondary: where published figures add up
//! (buckets that sum to a published total), one hidden cell could be
//! worked out by subtraction, so a second cell is hidden with it: the
//! smallest visible non-zero one, else a zero, else the total itself. This
//! repeats until every relation with a hidden cell has at least two, since
//! hiding a cell for one relation can expose another. Two hidden cells are
//! not always enough: where the total shows, their sum shows too, and a
//! sum below the threshold pins them (two hidden areas summing to 2 hold
//! 1 each, as zeros show). So a relation whose hidden cells sum to less
//! than the threshold hides one more, until the sum is safe or the total
//! is hidden.

/// How aggregate counts are disclosed: counts from 1 to `threshold` minus
/// one are hidden, and the rest rounded to the nearest `round_to` (1:
/// exact). The default hides 1 to 4, common in UK official statistics;
/// NHS Digital since 2018 hides 1 to 7 and rounds the rest to the
/// nearest 5 (`threshold: 8, round_to: 5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    pub threshold: u64,
    pub round_to: u64,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure { threshold: DEFAULT_SUPPRESSION_THRESHOLD, round_to: 1 }
    }
}

/// Counts below this (and above zero) are suppressed by default.
pub const DEFAULT_SUPPRESSION_THRESHOLD: u64 = 5;

impl Disclosure {
    /// A count on its own: `None` (JSON `null`) when small enough to
    /// identify someone, else rounded.
    pub fn show(self, count: u64) -> Option<u64> {
        (count == 0 || count >= self.threshold).then(|| self.round(count))
    }

    /// To the nearest `round_to`, halves up; zero stays zero.
    fn round(self, count: u64) -> u64 {
        let r = self.round_to.max(1);
        count.saturating_add(r / 2) / r * r
    }
}

/// Counts that are published together, and how they add up.
#[derive(Debug, Default)]
pub struct Cells {
    values: Vec<u64>,
    /// `parts` sum to `total` (all indices into `values`).
    relations: Vec<(Vec<usize>, usize)>,
}

impl Cells {
    /// Adds a count; returns its index.
    pub fn push(&mut self, value: u64) -> usize {
        self.values.push(value);
        self.values.len() - 1
    }

    /// Records that the cells `parts` add up to the cell `total`.
    pub fn sums_to(&mut self, parts: Vec<usize>, total: usize) {
        debug_assert_eq!(parts.iter().map(|&i| self.values[i]).sum::<u64>(), self.values[total]);
        self.relations.push((parts, total));
    }

    /// Adds a count that is part of the cell `whole`, and the unpublished
    /// rest of that whole, tied to it: so neither can give the other away
    /// by subtraction. Returns the part's index.
    pub fn part_of(&mut self, value: u64, whole: usize) -> usize {
        let rest = self.values[whole] - value;
        let (part, rest) = (self.push(value), self.push(rest));
        self.sums_to(vec![part, rest], whole);
        part
    }

    /// Every cell, `None` where hidden, the rest rounded.
    pub fn suppressed(&self, disclosure: Disclosure) -> Vec<Option<u64>> {
        let mut hidden: Vec<bool> = self.values.iter().map(|&v| disclosure.show(v).is_none()).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (parts, total) in &self.relations {
                let n_hidden = parts.iter().chain(std::iter::once(total)).filter(|&&i| hidden[i]).count();
                // What the visible cells say the hidden ones add up to.
                let hidden_sum: u64 = parts.iter().filter(|&&i| hidden[i]).map(|&i| self.values[i]).sum();
                let pinned = !hidden[*total] && hidden_sum > 0 && hidden_sum < disclosure.threshold;
                if n_hidden != 1 && !pinned {
                    continue;
                }
                let visible = || parts.iter().copied().filter(|&i| !hidden[i]);
                let pick = visible()
                    .filter(|&i| self.values[i] > 0)
                    .min_by_key(|&i| (self.values[i], i))
                    .or_else(|| visible().next())
                    .unwrap_or(*total);
                hidden[pick] = true;
                changed = true;
            }
        }
        self.values.iter().zip(hidden).map(|(&v, h)| (!h).then(|| disclosure.round(v))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE: Disclosure = Disclosure { threshold: 5, round_to: 1 };

    #[test]
    fn small_counts_hidden_the_rest_rounded() {
        assert_eq!([0, 1, 4, 5, 6].map(|n| FIVE.show(n)), [Some(0), None, None, Some(5), Some(6)]);
        let nhs = Disclosure { threshold: 8, round_to: 5 };
        assert_eq!(
            [0, 1, 7, 8, 12, 13, 1001].map(|n| nhs.show(n)),
            [Some(0), None, None, Some(10), Some(10), Some(15), Some(1000)]
        );
        assert_eq!(nhs.show(u64::MAX), Some(u64::MAX / 5 * 5));
    }

    #[test]
    fn secondary_suppression_then_rounding() {
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 12, 21].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(36);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(Disclosure { threshold: 5, round_to: 5 }), [None, None, Some(20), Some(35)]);
    }

    #[test]
    fn primary_alone_would_leak_so_a_second_cell_goes() {
        // Buckets 3, 12, 20 of a published total 35: hiding only the 3
        // leaves it as 35 - 12 - 20.
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 12, 20].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(35);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [None, None, Some(20), Some(35)]);
    }

    #[test]
    fn hiding_for_one_relation_protects_the_next() {
        // a + b = t1, b + c = t2: hiding a forces b, which forces c.
        let mut cells = Cells::default();
        let (a, b, c) = (cells.push(2), cells.push(7), cells.push(9));
        let (t1, t2) = (cells.push(9), cells.push(16));
        cells.sums_to(vec![a, b], t1);
        cells.sums_to(vec![b, c], t2);
        let shown = cells.suppressed(FIVE);
        assert_eq!(shown, [None, None, None, Some(9), Some(16)]);
    }

    #[test]
    fn zeros_stay_and_large_counts_need_nothing() {
        let mut cells = Cells::default();
        let parts: Vec<usize> = [0, 8, 20].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(28);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [Some(0), Some(8), Some(20), Some(28)]);
        // With only a zero left beside a hidden part, the zero goes.
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 0].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(3);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [None, Some(0), None], "the total is hidden too: two hidden");
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 0, 9].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(12);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [None, Some(0), None, Some(12)]);
    }

    #[test]
    fn hidden_cells_whose_sum_shows_and_is_small_take_another_with_them() {
        // Areas of 1, 1 and 10, of a published 12: hiding the two 1s
        // leaves their sum, 2, and so each of them (zeros show).
        let mut cells = Cells::default();
        let parts: Vec<usize> = [1, 1, 10].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(12);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [None, None, None, Some(12)]);
        // A sum at the threshold or more pins nothing: 2 and 3 of 5 could
        // be 1 and 4.
        let mut cells = Cells::default();
        let parts: Vec<usize> = [2, 3, 10].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(15);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(FIVE), [None, None, Some(10), Some(15)]);
    }

    #[test]
    fn no_single_hidden_cell_in_any_relation() {
        // A brute-force check over many small tables.
        let mut seed = 7_u64;
        for _ in 0..500 {
            let mut cells = Cells::default();
            let parts: Vec<usize> = (0..5)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    cells.push((seed >> 59) % 12)
                })
                .collect();
            let total = cells.push(parts.iter().map(|&i| cells.values[i]).sum());
            cells.sums_to(parts.clone(), total);
            let shown = cells.suppressed(FIVE);
            let n_hidden = parts.iter().chain(std::iter::once(&total)).filter(|&&i| shown[i].is_none()).count();
            assert_ne!(n_hidden, 1, "{:?} -> {shown:?}", cells.values);
            // Where the total shows, what the hidden parts add up to is no
            // small number.
            if shown[total].is_some() {
                let hidden_sum: u64 = parts.iter().filter(|&&i| shown[i].is_none()).map(|&i| cells.values[i]).sum();
                assert!(hidden_sum == 0 || hidden_sum >= 5, "{:?} -> {shown:?}", cells.values);
            }
            for (i, value) in shown.iter().enumerate() {
                if let Some(v) = value {
                    assert!(*v == 0 || *v >= 5, "{:?} -> {shown:?}", cells.values);
                    assert_eq!(*v, cells.values[i]);
                }
            }
        }
    }
}
