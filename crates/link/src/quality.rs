//! Pairwise linkage quality against a ground truth: of all pairs of
//! records put in one person, how many truly are one person (precision),
//! and of all true pairs, how many were found (recall).
//!
//! Pairs are counted from cluster sizes, never enumerated: a cluster of k
//! records holds k(k-1)/2 pairs, and the pairs both labellings agree on
//! come from the sizes of the cells of their contingency table.

use std::collections::HashMap;

/// Pairwise precision, recall and F1, with the pair counts behind them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub true_positive_pairs: u64,
    pub false_positive_pairs: u64,
    pub false_negative_pairs: u64,
}

/// Compares predicted cluster labels with true ones, one label per record.
///
/// With no predicted pairs precision is 1, with no true pairs recall is 1:
/// nothing claimed is wrong, nothing there was missed. If the slices
/// differ in length only the common prefix is compared.
pub fn pairwise_quality(predicted: &[u32], truth: &[u32]) -> Quality {
    debug_assert_eq!(predicted.len(), truth.len(), "one label per record in both");
    let mut predicted_sizes: HashMap<u32, u64> = HashMap::new();
    let mut truth_sizes: HashMap<u32, u64> = HashMap::new();
    let mut cell_sizes: HashMap<(u32, u32), u64> = HashMap::new();
    for (p, t) in predicted.iter().zip(truth) {
        *predicted_sizes.entry(*p).or_default() += 1;
        *truth_sizes.entry(*t).or_default() += 1;
        *cell_sizes.entry((*p, *t)).or_default() += 1;
    }
    let pairs = |sizes: &mut dyn Iterator<Item = &u64>| -> u64 { sizes.map(|k| k * k.saturating_sub(1) / 2).sum() };
    let true_positive_pairs = pairs(&mut cell_sizes.values());
    let predicted_pairs = pairs(&mut predicted_sizes.values());
    let truth_pairs = pairs(&mut truth_sizes.values());
    debug_assert!(true_positive_pairs <= predicted_pairs.min(truth_pairs));

    let ratio = |part: u64, whole: u64| {
        if whole == 0 { 1.0 } else { part as f64 / whole as f64 }
    };
    let precision = ratio(true_positive_pairs, predicted_pairs);
    let recall = ratio(true_positive_pairs, truth_pairs);
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Quality {
        precision,
        recall,
        f1,
        true_positive_pairs,
        false_positive_pairs: predicted_pairs - true_positive_pairs,
        false_negative_pairs: truth_pairs - true_positive_pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_prediction() {
        let quality = pairwise_quality(&[0, 0, 1, 2, 2, 2], &[5, 5, 7, 9, 9, 9]);
        assert_eq!(
            (quality.true_positive_pairs, quality.false_positive_pairs, quality.false_negative_pairs),
            (4, 0, 0)
        );
        assert!(close(quality.f1, 1.0));
    }

    #[test]
    fn over_and_under_merging() {
        // Truth: {0,1,2} {3,4}; predicted: {0,1} {2,3,4}.
        let quality = pairwise_quality(&[0, 0, 1, 1, 1], &[0, 0, 0, 1, 1]);
        // Predicted pairs: 01, 23, 24, 34 = 4; true pairs: 01, 02, 12, 34 = 4; shared: 01, 34.
        assert_eq!(
            (quality.true_positive_pairs, quality.false_positive_pairs, quality.false_negative_pairs),
            (2, 2, 2)
        );
        assert!(close(quality.precision, 0.5) && close(quality.recall, 0.5) && close(quality.f1, 0.5));
    }

    #[test]
    fn all_singletons() {
        let quality = pairwise_quality(&[0, 1, 2, 3], &[0, 0, 1, 1]);
        assert_eq!(
            (quality.true_positive_pairs, quality.false_positive_pairs, quality.false_negative_pairs),
            (0, 0, 2)
        );
        assert!(close(quality.precision, 1.0) && close(quality.recall, 0.0) && close(quality.f1, 0.0));
        let empty = pairwise_quality(&[], &[]);
        assert!(close(empty.f1, 1.0));
    }

    #[test]
    fn agrees_with_brute_force() {
        let predicted = [0, 0, 1, 1, 1, 2, 3, 3, 0, 2];
        let truth = [4, 4, 4, 5, 5, 6, 6, 7, 4, 6];
        let (mut tp, mut fp, mut fneg) = (0, 0, 0);
        for i in 0..predicted.len() {
            for j in i + 1..predicted.len() {
                match (predicted[i] == predicted[j], truth[i] == truth[j]) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fneg += 1,
                    (false, false) => {}
                }
            }
        }
        let quality = pairwise_quality(&predicted, &truth);
        assert_eq!(
            (quality.true_positive_pairs, quality.false_positive_pairs, quality.false_negative_pairs),
            (tp, fp, fneg)
        );
    }
}
