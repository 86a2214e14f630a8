//! How much the shortlist rests on each weight: move one weight at a time
//! and see how many of the top families stay at the top. A partnership
//! setting its own weights reads this before it defends them.

use std::fmt::Write as _;

use famgraph_graph::FamilyGraph;

use crate::{Analysis, Weights, score};

/// The factors each weight is multiplied by: off, halved, doubled.
pub const FACTORS: [f64; 3] = [0.0, 0.5, 2.0];

/// One weight, moved.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Moved {
    pub factor: f64,
    /// Of the top `top` families with the weights as set, how many are in
    /// the top `top` with this one moved.
    pub kept: usize,
    /// The median change of rank of the top `top` families.
    pub median_move: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeightSensitivity {
    pub weight: &'static str,
    pub points: f64,
    /// The share of the top families' points this weight gives, in %.
    pub share_of_top_points: f64,
    pub moved: Vec<Moved>,
}

/// Each weight in turn multiplied by each of [`FACTORS`], against the top
/// `top` families as `analysis` ranked them.
pub fn sensitivity(analysis: &Analysis, graph: &FamilyGraph, weights: &Weights, top: usize) -> Vec<WeightSensitivity> {
    let ranked = |weights: &Weights| -> Vec<usize> {
        let scores: Vec<f64> = analysis
            .families
            .iter()
            .map(|f| score::reasons(f, weights, analysis.window_days).iter().map(|r| r.points).sum())
            .collect();
        let mut order: Vec<usize> = (0..scores.len()).filter(|&f| scores[f] > 0.0).collect();
        order.sort_by(|&a, &b| {
            scores[b].total_cmp(&scores[a]).then_with(|| graph.families[a].id.cmp(&graph.families[b].id))
        });
        order
    };
    let base = ranked(weights);
    let head = &base[..top.min(base.len())];
    let points_of = |name: &str| -> f64 {
        head.iter()
            .flat_map(|&f| score::reasons(&analysis.families[f], weights, analysis.window_days))
            .filter(|r| reason_weight(r.code) == Some(name))
            .map(|r| r.points)
            .sum()
    };
    let total: f64 = head.iter().map(|&f| analysis.families[f].score).sum();
    weights
        .named()
        .into_iter()
        .map(|(name, points)| {
            let moved = FACTORS
                .iter()
                .map(|&factor| {
                    let mut w = weights.clone();
                    *w.get_mut(name).expect("named weights have names") = points * factor;
                    let order = ranked(&w);
                    let mut rank_of = vec![usize::MAX; analysis.families.len()];
                    for (position, &f) in order.iter().enumerate() {
                        rank_of[f] = position;
                    }
                    let kept = head.iter().filter(|&&f| rank_of[f] < head.len()).count();
                    let mut moves: Vec<usize> = head
                        .iter()
                        .enumerate()
                        .map(|(was, &f)| if rank_of[f] == usize::MAX { order.len() } else { rank_of[f].abs_diff(was) })
                        .collect();
                    moves.sort_unstable();
                    Moved { factor, kept, median_move: moves.get(moves.len() / 2).copied().unwrap_or(0) }
                })
                .collect();
            let share = if total > 0.0 { 100.0 * points_of(name) / total } else { 0.0 };
            WeightSensitivity { weight: name, points, share_of_top_points: (share * 10.0).round() / 10.0, moved }
        })
        .collect()
}

/// The weight a reason's points come from.
fn reason_weight(code: &str) -> Option<&'static str> {
    Some(match code {
        "intergenerational_offending" => "intergenerational_pair",
        "three_generations" => "three_generations",
        "needs_now" => "need_now",
        "needs_in_window" => "need_in_window",
        "agencies_now" => "agency_now",
        "agencies_in_window" => "agency_in_window",
        "duplicated_need_now" => "duplicated_need_now",
        "duplicated_need_in_window" => "duplicated_need_in_window",
        "several_keyworkers_now" => "extra_keyworker_now",
        "several_keyworkers_in_window" => "extra_keyworker_in_window",
        _ => return None,
    })
}

/// The table as Markdown, for the README or a meeting's papers.
pub fn markdown(rows: &[WeightSensitivity], top: usize) -> String {
    let mut out = format!(
        "| weight | points | share of the top {top}'s points | top {top} kept with it off | halved | doubled | \
         median move of the top {top} (off / halved / doubled) |\n|---|---:|---:|---:|---:|---:|---|\n"
    );
    for row in rows {
        let kept: Vec<String> = row.moved.iter().map(|m| m.kept.to_string()).collect();
        let moves: Vec<String> = row.moved.iter().map(|m| m.median_move.to_string()).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {}% | {} | {} | {} | {} |",
            row.weight,
            row.points,
            row.share_of_top_points,
            kept[0],
            kept[1],
            kept[2],
            moves.join(" / ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::reason_weight;
    use crate::Weights;

    #[test]
    fn every_weight_has_its_reasons() {
        let codes = [
            "intergenerational_offending",
            "three_generations",
            "needs_now",
            "needs_in_window",
            "agencies_now",
            "agencies_in_window",
            "duplicated_need_now",
            "duplicated_need_in_window",
            "several_keyworkers_now",
            "several_keyworkers_in_window",
        ];
        let named: Vec<&str> = Weights::default().named().iter().map(|w| w.0).collect();
        let mapped: Vec<&str> = codes.iter().map(|c| reason_weight(c).unwrap()).collect();
        assert_eq!(named, mapped);
    }
}
