//! Relatives as evidence, in a second pass: agencies record relationships
//! between their own records (a school's pupil and the pupil's mother),
//! and once the first pass has linked the relatives, two records that name
//! the same relative in the same role are far more likely one person. A
//! school record without a date of birth, whose mother the first pass
//! linked to the mother an early-help record names, is that early-help
//! record's child.
//!
//! Roles keep generations apart: a father is his son's mother's partner,
//! the son is her child, so a father and son of one name never share a
//! relative in the same role. Siblings do share their parents, but the
//! rules (`compare::Conflict`) keep records with unrelated given names
//! apart whatever the evidence.
//!
//! Housemates are evidence of the same kind where the agencies recorded no
//! relationship: families move together. A record at one home and a
//! record of the same name at another, whose homes hold one and the same
//! person (the first pass's), are one person who moved with that housemate
//! far more often than two namesakes who each live with them. Only homes
//! that differ count, since two records at one home share every housemate
//! and the address already says so; a father and son of one name who both
//! lived with the boy's mother fit a moved record equally, and the
//! clustering's ambiguity rule keeps it from either.

use famgraph_model::RelationshipKind;
use rustc_hash::FxHashMap;

use crate::compare::{Home, Prepared};
use crate::model::level;

/// A relationship an agency recorded between two of its own records, by
/// index into the records linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub from: u32,
    pub to: u32,
    pub kind: RelationshipKind,
}

/// The role a record holds towards a relative.
const ELDER: u8 = 0;
const YOUNGER: u8 = 1;
const PARTNER: u8 = 2;
const SIBLING: u8 = 3;

/// A home holding more people than this is not one household (a hostel,
/// a block of flats under one UPRN): its residents are not housemates.
const MAX_HOUSEHOLD_PEOPLE: usize = 10;

/// Each record's relatives as (person of the relative, role), and its
/// housemates as people, each sorted.
#[derive(Debug, Clone)]
pub(crate) struct Relatives {
    of: Vec<Vec<(u32, u8)>>,
    housemates: Vec<Vec<u32>>,
    /// The homes that give housemates (`households`).
    households: Vec<(Vec<u32>, Vec<u32>)>,
}

impl Relatives {
    /// `person_of` is the first pass's person of each record; `homes` the
    /// records whose homes give housemates, or `None` where people do not
    /// live with their families (`compare::households`).
    pub(crate) fn new(relations: &[Relation], person_of: &[u32], homes: Option<&[Prepared]>) -> Relatives {
        let mut of = vec![Vec::new(); person_of.len()];
        for relation in relations {
            let (from_role, to_role) = match relation.kind {
                RelationshipKind::ParentOf | RelationshipKind::CarerOf => (ELDER, YOUNGER),
                RelationshipKind::PartnerOf => (PARTNER, PARTNER),
                RelationshipKind::SiblingOf => (SIBLING, SIBLING),
            };
            let (from, to) = (relation.from as usize, relation.to as usize);
            of[from].push((person_of[to], from_role));
            of[to].push((person_of[from], to_role));
        }
        for relatives in &mut of {
            relatives.sort_unstable();
            relatives.dedup();
        }
        let households = homes.map(|p| households(p, person_of)).unwrap_or_default();
        let housemates = housemates(&households, person_of);
        Relatives { of, housemates, households }
    }

    pub(crate) fn has_any(&self, record: u32) -> bool {
        !self.of[record as usize].is_empty() || !self.housemates[record as usize].is_empty()
    }

    /// Whether two records share a relative in the same role; failing
    /// that, whether records at two different postcodes (`postcode` is the
    /// pair's level) share a housemate; otherwise none shared, or null
    /// when there was nothing to compare.
    pub(crate) fn level(&self, a: u32, b: u32, postcode: Option<u8>) -> Option<u8> {
        let (of_a, of_b) = (&self.of[a as usize], &self.of[b as usize]);
        let relatives = (!of_a.is_empty() && !of_b.is_empty()).then(|| share_any(of_a, of_b));
        if relatives == Some(true) {
            return Some(level::RELATIVE_SHARED);
        }
        let (with_a, with_b) = (&self.housemates[a as usize], &self.housemates[b as usize]);
        let moved = postcode == Some(level::POSTCODE_DISAGREE) && !with_a.is_empty() && !with_b.is_empty();
        match (relatives, moved.then(|| share_any(with_a, with_b))) {
            (_, Some(true)) => Some(level::HOUSEMATE_SHARED),
            (None, None) => None,
            _ => Some(level::RELATIVE_NONE_SHARED),
        }
    }

    /// Pairs of records at two homes, at two postcodes, that hold one person
    /// (a housemate the records may have moved with), of given names that may
    /// be one (the same first letter, or an initial), and not of that person:
    /// candidates no blocking key found, such as a misspelt surname without a
    /// date of birth after a move. Each pair once, `a < b`, sorted.
    pub(crate) fn housemate_pairs(&self, prepared: &[Prepared], person_of: &[u32]) -> Vec<(u32, u32)> {
        let homes = &self.households;
        let mut homes_of: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
        for (home, (_, people)) in homes.iter().enumerate() {
            for &person in people {
                homes_of.entry(person).or_default().push(home);
            }
        }
        let may_be_one = |a: &Prepared, b: &Prepared| {
            a.given.is_initial()
                || b.given.is_initial()
                || a.given.first.as_bytes().first() == b.given.first.as_bytes().first()
        };
        let mut pairs = Vec::new();
        for (person, of) in homes_of.iter().filter(|(_, of)| of.len() > 1) {
            for (k, &h1) in of.iter().enumerate() {
                for &h2 in &of[k + 1..] {
                    for &a in &homes[h1].0 {
                        let (x, own_a) = (&prepared[a as usize], person_of[a as usize]);
                        if own_a == *person {
                            continue;
                        }
                        for &b in &homes[h2].0 {
                            let (y, own_b) = (&prepared[b as usize], person_of[b as usize]);
                            if own_b != *person
                                && own_a != own_b
                                && crate::compare::postcode_level_of(x, y) == Some(level::POSTCODE_DISAGREE)
                                && may_be_one(x, y)
                            {
                                pairs.push((a.min(b), a.max(b)));
                            }
                        }
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

/// Whether two sorted lists share an item: a merge.
fn share_any<T: Ord>(a: &[T], b: &[T]) -> bool {
    let (mut next_a, mut next_b) = (0, 0);
    while next_a < a.len() && next_b < b.len() {
        match a[next_a].cmp(&b[next_b]) {
            std::cmp::Ordering::Less => next_a += 1,
            std::cmp::Ordering::Greater => next_b += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// The records at each home (by UPRN, by address line, and by family name
/// at a postcode) that holds two
/// to `MAX_HOUSEHOLD_PEOPLE` people, in record order, with those people
/// sorted: the homes that give housemates.
fn households(prepared: &[Prepared], person_of: &[u32]) -> Vec<(Vec<u32>, Vec<u32>)> {
    let mut at: FxHashMap<Home, Vec<u32>> = FxHashMap::default();
    for (i, record) in prepared.iter().enumerate() {
        // A family name at a postcode is a household too: it gives homes
        // to the records without an address line or a UPRN.
        let family = record.postcode.filter(|_| !record.family.is_empty()).map(|p| Home::Family(p, record.family.id));
        for home in record.homes().into_iter().chain([family]).flatten() {
            at.entry(home).or_default().push(i as u32);
        }
    }
    let mut homes: Vec<(Vec<u32>, Vec<u32>)> = at
        .into_values()
        .filter(|members| members.len() > 1)
        .filter_map(|members| {
            let mut people: Vec<u32> = members.iter().map(|&r| person_of[r as usize]).collect();
            people.sort_unstable();
            people.dedup();
            (2..=MAX_HOUSEHOLD_PEOPLE).contains(&people.len()).then_some((members, people))
        })
        .collect();
    // An order of the records', not the hash map's.
    homes.sort_unstable();
    homes
}

/// Each record's housemates: the people of the other records at its homes
/// (`households`); sorted.
fn housemates(households: &[(Vec<u32>, Vec<u32>)], person_of: &[u32]) -> Vec<Vec<u32>> {
    let mut housemates = vec![Vec::new(); person_of.len()];
    for (members, people) in households {
        for &record in members {
            let own = person_of[record as usize];
            housemates[record as usize].extend(people.iter().copied().filter(|&p| p != own));
        }
    }
    for of in &mut housemates {
        of.sort_unstable();
        of.dedup();
    }
    housemates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_relative_counts_only_in_the_same_role() {
        // Records 0 and 1: a son in two agencies, each naming his mother
        // (records 2 and 3, one person after the first pass). Record 4: the
        // father, the mother's partner in a third agency (record 5, also her).
        let person_of = [0, 0, 1, 1, 2, 1];
        let relations = [
            Relation { from: 2, to: 0, kind: RelationshipKind::ParentOf },
            Relation { from: 3, to: 1, kind: RelationshipKind::CarerOf },
            Relation { from: 4, to: 5, kind: RelationshipKind::PartnerOf },
        ];
        let relatives = Relatives::new(&relations, &person_of, None);
        let level = |a, b| relatives.level(a, b, None);
        assert_eq!(level(0, 1), Some(level::RELATIVE_SHARED));
        assert_eq!(level(0, 4), Some(level::RELATIVE_NONE_SHARED), "son and father");
        assert_eq!(level(2, 3), Some(level::RELATIVE_SHARED), "two records of the mother share her son");
        assert_eq!(level(2, 4), Some(level::RELATIVE_NONE_SHARED), "mother and father");
        assert!(relatives.has_any(5));
        let lonely = Relatives::new(&[], &person_of, None);
        assert_eq!(lonely.level(0, 1, None), None);
    }
}
