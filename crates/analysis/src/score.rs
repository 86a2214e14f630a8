//! The score: a sum of named reasons, each with its points and the
//! figures behind it, so a coordinator can see why a family is listed and
//! disagree with any part.

use std::collections::BTreeSet;

use famgraph_model::Need;

use crate::FamilyAnalysis;

/// Points per reason; a partnership sets them in its config file
/// (`[weights]`, see `rules::parse_config`). What is open on the extract
/// date ("now") weighs more than what happened earlier in the window, and
/// every count is bounded: none grows with the square of anything.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Per parent-child pair who both offended (at most three counted).
    pub intergenerational_pair: f64,
    /// Extra per chain over three generations (at most two counted).
    pub three_generations: f64,
    /// Per headline need open now.
    pub need_now: f64,
    /// Per headline need seen in the window but not open now.
    pub need_in_window: f64,
    /// Per agency working with the family now, beyond the first.
    pub agency_now: f64,
    /// Per agency involved in the window whose work has ended.
    pub agency_in_window: f64,
    /// Per need two or more agencies address now.
    pub duplicated_need_now: f64,
    /// Per need two or more agencies addressed at once earlier in the window.
    pub duplicated_need_in_window: f64,
    /// Per keyworker working with the family now, beyond the first.
    pub extra_keyworker_now: f64,
    /// Per keyworker at once earlier in the window beyond those now (and
    /// beyond the first).
    pub extra_keyworker_in_window: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            intergenerational_pair: 8.0,
            three_generations: 4.0,
            need_now: 3.0,
            need_in_window: 1.0,
            agency_now: 1.0,
            agency_in_window: 0.5,
            duplicated_need_now: 3.0,
            duplicated_need_in_window: 1.0,
            extra_keyworker_now: 3.0,
            extra_keyworker_in_window: 1.0,
        }
    }
}

impl Weights {
    /// Each weight by its name in the config file, in the order reasons
    /// are listed.
    pub fn named(&self) -> [(&'static str, f64); 10] {
        [
            ("intergenerational_pair", self.intergenerational_pair),
            ("three_generations", self.three_generations),
            ("need_now", self.need_now),
            ("need_in_window", self.need_in_window),
            ("agency_now", self.agency_now),
            ("agency_in_window", self.agency_in_window),
            ("duplicated_need_now", self.duplicated_need_now),
            ("duplicated_need_in_window", self.duplicated_need_in_window),
            ("extra_keyworker_now", self.extra_keyworker_now),
            ("extra_keyworker_in_window", self.extra_keyworker_in_window),
        ]
    }

    /// The weight of that name, to change it (the sensitivity table).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "intergenerational_pair" => &mut self.intergenerational_pair,
            "three_generations" => &mut self.three_generations,
            "need_now" => &mut self.need_now,
            "need_in_window" => &mut self.need_in_window,
            "agency_now" => &mut self.agency_now,
            "agency_in_window" => &mut self.agency_in_window,
            "duplicated_need_now" => &mut self.duplicated_need_now,
            "duplicated_need_in_window" => &mut self.duplicated_need_in_window,
            "extra_keyworker_now" => &mut self.extra_keyworker_now,
            "extra_keyworker_in_window" => &mut self.extra_keyworker_in_window,
            _ => return None,
        })
    }

    /// Every weight finite and not negative: a reason never lowers a score.
    pub fn check(&self) -> Result<(), String> {
        match self.named().iter().find(|(_, w)| !w.is_finite() || *w < 0.0) {
            Some((name, _)) => Err(format!("weight `{name}` must be a number of points, 0 or more")),
            None => Ok(()),
        }
    }
}

/// What a reason counts: what is open on the extract date, what happened
/// in the window before it, or the family's whole recorded history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    Now,
    Window,
    Ever,
}

/// One named part of a family's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    /// The reason in plain words, for the page.
    pub label: &'static str,
    pub counts: Counts,
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

/// The score's reasons, each saying what it counts: what is open now,
/// or what happened in the window of `window_days` before the extract
/// date and is not open now (never both: nothing is counted twice).
pub fn reasons(family: &FamilyAnalysis, weights: &Weights, window_days: i32) -> Vec<Reason> {
    let window = window_words(window_days);
    let mut out = Vec::new();
    let mut push = |code: &'static str, label: &'static str, counts: Counts, n: usize, weight: f64, detail: String| {
        if n > 0 {
            out.push(Reason { code, label, counts, points: n as f64 * weight, detail });
        }
    };
    let list = |needs: &mut dyn Iterator<Item = &Need>| needs.map(|n| n.label()).collect::<Vec<_>>().join("; ");
    let pairs: BTreeSet<(usize, usize)> =
        family.chains.iter().flat_map(|c| c.people.windows(2).map(|w| (w[0], w[1]))).collect();
    push(
        "intergenerational_offending",
        "Offending passed from parent to child",
        Counts::Ever,
        pairs.len().min(MAX_COUNTED_PAIRS),
        weights.intergenerational_pair,
        format!("{} parent-child pair(s) where both have offending recorded", pairs.len()),
    );
    let three = family.chains.iter().filter(|c| c.people.len() >= 3).count();
    push(
        "three_generations",
        "Offending across three generations",
        Counts::Ever,
        three.min(MAX_COUNTED_THREE_GENERATIONS),
        weights.three_generations,
        format!("{three} chain(s) of offending across three or more generations"),
    );
    push(
        "needs_now",
        "Needs open now",
        Counts::Now,
        family.needs_now.len(),
        weights.need_now,
        format!(
            "{} of the ten headline needs open now: {}",
            family.needs_now.len(),
            list(&mut family.needs_now.keys())
        ),
    );
    let earlier: Vec<&Need> = family.needs.keys().filter(|n| !family.needs_now.contains_key(n)).collect();
    push(
        "needs_in_window",
        "Needs seen earlier, closed now",
        Counts::Window,
        earlier.len(),
        weights.need_in_window,
        format!(
            "{} more headline need(s) seen in {window}, none open now: {}",
            earlier.len(),
            list(&mut earlier.iter().copied())
        ),
    );
    push(
        "agencies_now",
        "Agencies working with the family now",
        Counts::Now,
        family.agencies_now.len().saturating_sub(1),
        weights.agency_now,
        format!("{} agencies working with the family now", family.agencies_now.len()),
    );
    let ended = family.agencies.len().saturating_sub(family.agencies_now.len());
    push(
        "agencies_in_window",
        "Agencies involved earlier, closed now",
        Counts::Window,
        ended,
        weights.agency_in_window,
        format!("{} agencies involved in {window}, {ended} of them no longer", family.agencies.len()),
    );
    let duplicated_now: Vec<&Need> =
        family.needs_now.iter().filter(|(_, e)| e.agencies.len() >= 2).map(|(n, _)| n).collect();
    push(
        "duplicated_need_now",
        "The same need worked on by several agencies now",
        Counts::Now,
        duplicated_now.len(),
        weights.duplicated_need_now,
        format!(
            "{} need(s) two or more agencies work on now: {}",
            duplicated_now.len(),
            list(&mut duplicated_now.iter().copied())
        ),
    );
    let duplicated_earlier: BTreeSet<&Need> =
        family.overlaps.iter().flat_map(|o| o.same_needs.iter()).filter(|n| !duplicated_now.contains(n)).collect();
    push(
        "duplicated_need_in_window",
        "The same need worked on by several agencies at once earlier",
        Counts::Window,
        duplicated_earlier.len(),
        weights.duplicated_need_in_window,
        format!(
            "{} more need(s) two or more agencies worked on at once in {window}: {}",
            duplicated_earlier.len(),
            list(&mut duplicated_earlier.iter().copied())
        ),
    );
    let keyworkers_now = family.keyworkers_now.len();
    push(
        "several_keyworkers_now",
        "Several keyworkers now",
        Counts::Now,
        keyworkers_now.saturating_sub(1),
        weights.extra_keyworker_now,
        format!("{keyworkers_now} agencies with a keyworker for the family now"),
    );
    push(
        "several_keyworkers_in_window",
        "Several keyworkers at once earlier",
        Counts::Window,
        family.max_concurrent_keyworkers.saturating_sub(keyworkers_now.max(1)),
        weights.extra_keyworker_in_window,
        format!("{} keyworkers at once at most in {window}, {keyworkers_now} now", family.max_concurrent_keyworkers),
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
