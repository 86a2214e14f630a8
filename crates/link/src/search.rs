//! Finding a person by a name typed into a search box: the same
//! normalising, nicknames and Soundex as linkage, with the two fields
//! either way round, so "bill smyth", "Smith, William" and "william
//! smith" all find William Smith.

use std::collections::HashMap;

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
        self.score_parts(&names)
    }

    fn score_parts(&self, names: &[Part]) -> f64 {
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

/// Many records' names, normalised once, with the records each Soundex
/// code, nickname group and first three letters name: a search scores
/// only the records that share one with a typed part (a misspelling that
/// keeps the sound or the start, a nickname, or the other typed part
/// spelt right), not every record.
#[derive(Debug, Default)]
pub struct NameIndex {
    names: Vec<Vec<Part>>,
    by_sound: HashMap<[u8; 4], Vec<u32>>,
    by_group: HashMap<u16, Vec<u32>>,
    by_start: HashMap<String, Vec<u32>>,
}

/// The first three letters of a name part: "smith" finds "Smithson".
fn start(text: &str) -> String {
    text.chars().take(3).collect()
}

impl NameIndex {
    /// Indexes `(given_name, family_name)` pairs, record by record.
    pub fn new<'a>(records: impl Iterator<Item = (&'a str, &'a str)>) -> NameIndex {
        let mut index = NameIndex::default();
        for (r, (given, family)) in records.enumerate() {
            let parts: Vec<Part> = tokens(given).into_iter().chain(tokens(family)).map(Part::of).collect();
            let r = u32::try_from(r).expect("fewer than 2^32 records");
            for part in &parts {
                if let Some(code) = part.soundex {
                    push_once(index.by_sound.entry(code).or_default(), r);
                }
                for &group in part.groups {
                    push_once(index.by_group.entry(group).or_default(), r);
                }
                push_once(index.by_start.entry(start(&part.text)).or_default(), r);
            }
            index.names.push(parts);
        }
        index
    }

    /// Each record that matches, with its score (above 0), in record order.
    pub fn matches(&self, query: &NameQuery) -> Vec<(usize, f64)> {
        let mut candidates: Vec<u32> = Vec::new();
        for part in &query.parts {
            if let Some(code) = part.soundex
                && let Some(list) = self.by_sound.get(&code)
            {
                candidates.extend(list);
            }
            for group in part.groups {
                candidates.extend(self.by_group.get(group).into_iter().flatten());
            }
            candidates.extend(self.by_start.get(&start(&part.text)).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter_map(|r| {
                let score = query.score_parts(&self.names[r as usize]);
                (score > 0.0).then_some((r as usize, score))
            })
            .collect()
    }
}

fn push_once(list: &mut Vec<u32>, r: u32) {
    if list.last() != Some(&r) {
        list.push(r);
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

    #[test]
    fn the_index_finds_the_strong_matches_scoring_every_record_finds() {
        let records =
            [("William", "Smith"), ("Bill", "Smyth"), ("Wendy", "Jones"), ("Liam", "Smithson"), ("Will", "Smith")];
        let index = super::NameIndex::new(records.iter().copied());
        for q in ["william smith", "smith william", "bill smith", "wiliam smith", "smith", "jones wendy", "smithson"] {
            let query = NameQuery::new(q).unwrap();
            let every: Vec<(usize, f64)> = records
                .iter()
                .enumerate()
                .map(|(r, (g, f))| (r, query.score(g, f)))
                .filter(|(_, s)| *s > 0.0)
                .collect();
            // The index scores as every record would, and misses only
            // weak matches where no part sounds like what was typed.
            let found = index.matches(&query);
            assert!(found.iter().all(|m| every.contains(m)), "{q}");
            let strong: Vec<_> = every.iter().filter(|m| m.1 >= 0.9).copied().collect();
            assert!(strong.iter().all(|m| found.contains(m)), "{q}: {found:?} against {strong:?}");
        }
    }
}
