//! Small-number suppression for aggregates, primary and secondary.
//!
//! Primary: a count from 1 to the threshold minus one is hidden, since it
//! could single out a family. Secondary: where published figures add up
//! (buckets that sum to a published total), one hidden cell could be
//! worked out by subtraction, so a second cell is hidden with it: the
//! smallest visible non-zero one, else a zero, else the total itself. This
//! repeats until every relation with a hidden cell has at least two, since
//! hiding a cell for one relation can expose another.

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

    /// Every cell, `None` where hidden.
    pub fn suppressed(&self, threshold: u64) -> Vec<Option<u64>> {
        let mut hidden: Vec<bool> = self.values.iter().map(|&v| v > 0 && v < threshold).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (parts, total) in &self.relations {
                let n_hidden = parts.iter().chain(std::iter::once(total)).filter(|&&i| hidden[i]).count();
                if n_hidden != 1 {
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
        self.values.iter().zip(hidden).map(|(&v, h)| (!h).then_some(v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_alone_would_leak_so_a_second_cell_goes() {
        // Buckets 3, 12, 20 of a published total 35: hiding only the 3
        // leaves it as 35 - 12 - 20.
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 12, 20].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(35);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(5), [None, None, Some(20), Some(35)]);
    }

    #[test]
    fn hiding_for_one_relation_protects_the_next() {
        // a + b = t1, b + c = t2: hiding a forces b, which forces c.
        let mut cells = Cells::default();
        let (a, b, c) = (cells.push(2), cells.push(7), cells.push(9));
        let (t1, t2) = (cells.push(9), cells.push(16));
        cells.sums_to(vec![a, b], t1);
        cells.sums_to(vec![b, c], t2);
        let shown = cells.suppressed(5);
        assert_eq!(shown, [None, None, None, Some(9), Some(16)]);
    }

    #[test]
    fn zeros_stay_and_large_counts_need_nothing() {
        let mut cells = Cells::default();
        let parts: Vec<usize> = [0, 8, 20].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(28);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(5), [Some(0), Some(8), Some(20), Some(28)]);
        // With only a zero left beside a hidden part, the zero goes.
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 0].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(3);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(5), [None, Some(0), None], "the total is hidden too: two hidden");
        let mut cells = Cells::default();
        let parts: Vec<usize> = [3, 0, 9].iter().map(|&v| cells.push(v)).collect();
        let total = cells.push(12);
        cells.sums_to(parts, total);
        assert_eq!(cells.suppressed(5), [None, Some(0), None, Some(12)]);
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
            let shown = cells.suppressed(5);
            let n_hidden = parts.iter().chain(std::iter::once(&total)).filter(|&&i| shown[i].is_none()).count();
            assert_ne!(n_hidden, 1, "{:?} -> {shown:?}", cells.values);
            for (i, value) in shown.iter().enumerate() {
                if let Some(v) = value {
                    assert!(*v == 0 || *v >= 5, "{:?} -> {shown:?}", cells.values);
                    assert_eq!(*v, cells.values[i]);
                }
            }
        }
    }
}
