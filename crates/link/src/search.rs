//! Finding a person by a name typed into a search box: the same
//! normalising, nicknames and Soundex as linkage, with the two fields
//! either way round, so "bill smyth", "Smith, William" and "william
//! smith" all find William Smith.

use crate::nicknames::{are_variants, groups_of};
use crate::normalise::{soundex, tokens};

/// A typed name, normalised once for many records.
#[derive(Debug, Clone)]
pub struct NameQuery {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    text: String,
    soundex: Option<[u8; 4]>,
    groups: &'static [u16],
}

impl Part {
    fn of(text: String) -> Part {
        Part { soundex: soundex(&text), groups: groups_of(&text), text }
    }
}

/// Below this a part of the name does not match.
const LEAST: f64 = 0.80;

impl NameQuery {
    /// `None` for text with no letters.
    pub fn new(text: &str) -> Option<NameQuery> {
        let parts: Vec<Part> = tokens(text).into_iter().map(Part::of).collect();
        (!parts.is_empty()).then_some(NameQuery { parts })
    }

    /// How well a record's given and family names match, from 0 to 1:
    /// each typed part against its best name part (exact 1, a nickname of
    /// it 0.95, Jaro-Winkler otherwise, at least 0.9 when they sound the
    /// same), averaged; 0 when any typed part matches nothing.
    pub fn score(&self, given_name: &str, family_name: &str) -> f64 {
        let names: Vec<Part> = tokens(given_name).into_iter().chain(tokens(family_name)).map(Part::of).collect();
        if names.is_empty() {
            return 0.0;
        }
        let mut total = 0.0;
        for part in &self.parts {
            let best = names.iter().map(|name| similarity(part, name)).fold(0.0, f64::max);
            if best < LEAST {
                return 0.0;
            }
            total += best;
        }
        total / self.parts.len() as f64
    }
}

fn similarity(a: &Part, b: &Part) -> f64 {
    if a.text == b.text {
        return 1.0;
    }
    if are_variants(a.groups, b.groups) {
        return 0.95;
    }
    let jw = strsim::jaro_winkler(&a.text, &b.text);
    // A typed initial matches a name beginning with it.
    if a.text.len() == 1 && b.text.starts_with(&a.text) {
        return 0.85;
    }
    if a.soundex.is_some() && a.soundex == b.soundex {
        return jw.max(0.9);
    }
    jw
}

#[cfg(test)]
mod tests {
    use super::NameQuery;

    #[test]
    fn names_are_found_either_way_round_misspelt_or_by_nickname() {
        let score = |q: &str| NameQuery::new(q).unwrap().score("William", "Smith");
        assert!((score("william smith") - 1.0).abs() < 1e-9);
        assert!((score("Smith, William") - 1.0).abs() < 1e-9, "swapped");
        assert!(score("bill smith") >= 0.95, "nickname");
        assert!(score("william smyth") >= 0.9, "sounds the same");
        assert!(score("wiliam smith") > 0.9, "misspelt");
        assert!(score("smith") > 0.99, "one part");
        assert!(score("w smith") > 0.9, "an initial");
        assert!(score("william jones") < f64::EPSILON, "another family");
        assert!(NameQuery::new("1980").is_none());
    }
}
