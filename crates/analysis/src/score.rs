//! The score: a sum of named reasons, each with its points and the
//! figures behind it, so a coordinator can see why a family is listed and
//! disagree with any part.

use crate::FamilyAnalysis;

/// Points per reason; a partnership sets them in its config file
/// (`[weights]`, see `rules::parse_config`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Per parent-child pair who both offended (at most three counted).
    pub intergenerational_pair: f64,
    /// Extra per chain over three generations (at most two counted).
    pub three_generations: f64,
    /// Per current need of the ten.
    pub need: f64,
    /// Per agency involved in the window, beyond the first.
    pub agency: f64,
    /// Per pair of agencies involved with one household at the same time.
    pub concurrent_agencies: f64,
    /// Per need two or more agencies addressed at the same time.
    pub duplicated_need: f64,
    /// Per keyworker open at the same time, beyond the first.
    pub extra_keyworker: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            intergenerational_pair: 8.0,
            three_generations: 4.0,
            need: 2.0,
            agency: 1.0,
            concurrent_agencies: 1.0,
            duplicated_need: 3.0,
            extra_keyworker: 3.0,
        }
    }
}

impl Weights {
    /// Every weight finite and not negative: a reason never lowers a score.
    pub fn check(&self) -> Result<(), String> {
        let all = [
            ("intergenerational_pair", self.intergenerational_pair),
            ("three_generations", self.three_generations),
            ("need", self.need),
            ("agency", self.agency),
            ("concurrent_agencies", self.concurrent_agencies),
            ("duplicated_need", self.duplicated_need),
            ("extra_keyworker", self.extra_keyworker),
        ];
        match all.iter().find(|(_, w)| !w.is_finite() || *w < 0.0) {
            Some((name, _)) => Err(format!("weight `{name}` must be a number of points, 0 or more")),
            None => Ok(()),
        }
    }
}

/// One named part of a family's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    pub points: f64,
    /// A sentence for the coordinator, with counts but no names.
    pub detail: String,
}

const MAX_COUNTED_PAIRS: usize = 3;
const MAX_COUNTED_THREE_GENERATIONS: usize = 2;

/// The window the analyses look back over, in words: "the last two years".
pub fn window_words(days: i32) -> String {
    const WORDS: [&str; 9] = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    match days {
        365 | 366 => "the last year".to_owned(),
        d if d % 365 == 0 => match WORDS.get((d / 365 - 2) as usize) {
            Some(n) => format!("the last {n} years"),
            None => format!("the last {} years", d / 365),
        },
        d => format!("the last {d} days"),
    }
}

/// The score's reasons, each saying what it counts: what happened in the
/// window of `window_days` before the extract date, and what is open now.
pub fn reasons(family: &FamilyAnalysis, weights: &Weights, window_days: i32) -> Vec<Reason> {
    let window = window_words(window_days);
    let mut out = Vec::new();
    let mut push = |code: &'static str, count: usize, weight: f64, detail: String| {
        if count > 0 {
            out.push(Reason { code, points: count as f64 * weight, detail });
        }
    };
    let pairs: std::collections::BTreeSet<(usize, usize)> =
        family.chains.iter().flat_map(|c| c.people.windows(2).map(|w| (w[0], w[1]))).collect();
    push(
        "intergenerational_offending",
        pairs.len().min(MAX_COUNTED_PAIRS),
        weights.intergenerational_pair,
        format!("{} parent-child pair(s) where both have offending recorded", pairs.len()),
    );
    let three = family.chains.iter().filter(|c| c.people.len() >= 3).count();
    push(
        "three_generations",
        three.min(MAX_COUNTED_THREE_GENERATIONS),
        weights.three_generations,
        format!("{three} chain(s) of offending across three or more generations"),
    );
    let needs: Vec<&str> = family.needs.keys().map(|n| n.code()).collect();
    push(
        "needs",
        needs.len(),
        weights.need,
        format!("{} of the ten headline needs seen in {window}: {}", needs.len(), needs.join(", ")),
    );
    push(
        "agencies",
        family.agencies.len().saturating_sub(1),
        weights.agency,
        format!("{} agencies involved in {window}, {} of them now", family.agencies.len(), family.agencies_now.len()),
    );
    let concurrent: std::collections::BTreeSet<&(String, String)> =
        family.overlaps.iter().map(|o| &o.agencies).collect();
    push(
        "concurrent_agencies",
        concurrent.len(),
        weights.concurrent_agencies,
        format!("{} pair(s) of agencies involved with one household at the same time in {window}", concurrent.len()),
    );
    let duplicated: std::collections::BTreeSet<_> = family.overlaps.iter().flat_map(|o| o.same_needs.iter()).collect();
    push(
        "duplicated_need",
        duplicated.len(),
        weights.duplicated_need,
        format!(
            "{} need(s) addressed by two or more agencies at once in {window}: {}",
            duplicated.len(),
            duplicated.iter().map(|n| n.code()).collect::<Vec<_>>().join(", ")
        ),
    );
    push(
        "several_keyworkers",
        family.max_concurrent_keyworkers.saturating_sub(1),
        weights.extra_keyworker,
        format!(
            "{} keyworkers at once in {window}, {} now",
            family.max_concurrent_keyworkers,
            family.keyworkers_now.len()
        ),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::window_words;

    #[test]
    fn the_window_is_said_in_words() {
        assert_eq!(window_words(730), "the last two years");
        assert_eq!(window_words(365), "the last year");
        assert_eq!(window_words(90), "the last 90 days");
        assert_eq!(window_words(365 * 12), "the last 12 years");
    }
}
