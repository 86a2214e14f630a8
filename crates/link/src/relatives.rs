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

/// A relative named in one role by more records than this (a placeholder
/// relative, a data error) gives no pairs to compare: they would be
/// quadratic in number.
const MAX_NAMING_RECORDS: usize = 64;

/// A home by family name at a postcode (`compare::Home`'s other kinds are
/// the UPRN and the address line).
const HOME_FAMILY: u8 = 2;

/// Flags of `Relatives::has`.
const HAS_RELATIVES: u8 = 1;
const HAS_HOUSEMATES: u8 = 2;

/// A home holding more people than this is not one household (a hostel,
/// a block of flats under one UPRN): its residents are not housemates.
const MAX_HOUSEHOLD_PEOPLE: usize = 10;

/// Each record's relatives as (person of the relative, role), and its
/// housemates as people, each sorted.
#[derive(Debug, Clone)]
pub(crate) struct Relatives {
    of: Lists<(u32, u8)>,
    /// Per record, `HAS_RELATIVES` and `HAS_HOUSEMATES`: most pairs are
    /// settled by these bytes alone, which stay in cache.
    has: Vec<u8>,
    housemates: Lists<u32>,
    /// The homes that give housemates (`Households`).
    households: Households,
}

impl Relatives {
    /// `person_of` is the first pass's person of each record; `homes` the
    /// records whose homes give housemates, or `None` where people do not
    /// live with their families (`compare::households`).
    pub(crate) fn new(relations: &[Relation], person_of: &[u32], homes: Option<&[Prepared]>) -> Relatives {
        let mut named: Vec<(u32, (u32, u8))> = Vec::with_capacity(relations.len() * 2);
        for relation in relations {
            let (from_role, to_role) = match relation.kind {
                RelationshipKind::ParentOf | RelationshipKind::CarerOf => (ELDER, YOUNGER),
                RelationshipKind::PartnerOf => (PARTNER, PARTNER),
                RelationshipKind::SiblingOf => (SIBLING, SIBLING),
            };
            let (from, to) = (relation.from, relation.to);
            named.push((from, (person_of[to as usize], from_role)));
            named.push((to, (person_of[from as usize], to_role)));
        }
        let of = Lists::new(named, person_of.len());
        let households = homes.map(|p| Households::new(p, person_of)).unwrap_or_default();
        let mut living_with: Vec<(u32, u32)> = Vec::new();
        for home in 0..households.len() {
            let people = households.people(home);
            for &record in households.members(home) {
                let own = person_of[record as usize];
                living_with.extend(people.iter().filter(|&&p| p != own).map(|&p| (record, p)));
            }
        }
        let housemates = Lists::new(living_with, person_of.len());
        let has = (0..person_of.len() as u32)
            .map(|r| {
                let relatives = if of.get(r).is_empty() { 0 } else { HAS_RELATIVES };
                relatives | if housemates.get(r).is_empty() { 0 } else { HAS_HOUSEMATES }
            })
            .collect();
        Relatives { of, has, housemates, households }
    }

    pub(crate) fn has_any(&self, record: u32) -> bool {
        self.has[record as usize] != 0
    }

    /// Whether two records share a relative in the same role; failing
    /// that, whether records at two different postcodes (`postcode` is the
    /// pair's level) share a housemate; otherwise none shared, or null
    /// when there was nothing to compare.
    pub(crate) fn level(&self, a: u32, b: u32, postcode: Option<u8>) -> Option<u8> {
        let both = self.has[a as usize] & self.has[b as usize];
        let relatives = (both & HAS_RELATIVES != 0).then(|| share_any(self.of.get(a), self.of.get(b)));
        if relatives == Some(true) {
            return Some(level::RELATIVE_SHARED);
        }
        let housemates = (both & HAS_HOUSEMATES != 0 && postcode == Some(level::POSTCODE_DISAGREE))
            .then(|| share_any(self.housemates.get(a), self.housemates.get(b)));
        match (relatives, housemates) {
            (_, Some(true)) => Some(level::HOUSEMATE_SHARED),
            (None, None) => None,
            _ => Some(level::RELATIVE_NONE_SHARED),
        }
    }

    /// Pairs of records, of given names that may be one (the same first
    /// letter, or an initial), that share a housemate or a relative: at two
    /// homes, at two postcodes, that hold one person (a housemate the
    /// records may have moved with, and not that person's records), or
    /// naming one relative in one role; and pairs at one home whose names
    /// may be the wrong way round. Candidates no blocking key found, such
    /// as a misspelt surname without a date of birth after a move, a
    /// parent misspelt at the school and recorded by the health visitor
    /// with the same child, or "Farnridge, Joe" beside Joseph Farnridge.
    /// Each pair once, `a < b`, sorted.
    pub(crate) fn pairs_to_compare(&self, prepared: &[Prepared], person_of: &[u32]) -> Vec<(u32, u32)> {
        let homes = &self.households;
        // (person, home) for every person of every home, sorted: each
        // person's run is the homes holding them.
        let mut homes_of: Vec<(u32, u32)> =
            (0..homes.len()).flat_map(|home| homes.people(home).iter().map(move |&p| (p, home as u32))).collect();
        homes_of.sort_unstable();
        let may_be_one = |a: &Prepared, b: &Prepared| {
            a.given.is_initial()
                || b.given.is_initial()
                || a.given.first.as_bytes().first() == b.given.first.as_bytes().first()
        };
        let mut pairs = Vec::new();
        for run in homes_of.chunk_by(|x, y| x.0 == y.0).filter(|run| run.len() > 1) {
            let person = run[0].0;
            for (k, &(_, h1)) in run.iter().enumerate() {
                for &(_, h2) in &run[k + 1..] {
                    for &a in homes.members(h1 as usize) {
                        let (x, own_a) = (&prepared[a as usize], person_of[a as usize]);
                        if own_a == person {
                            continue;
                        }
                        for &b in homes.members(h2 as usize) {
                            let (y, own_b) = (&prepared[b as usize], person_of[b as usize]);
                            if own_b != person
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
        // Records at one home whose names may be the wrong way round
        // ("Farnridge, Joe" and Joseph Farnridge): the blocking keys at a
        // home go by the given name's initial, which a swap changes.
        // Each record's given and family names' first letters (0 for none)
        // and whether its given name is more than an initial, read once.
        let first_letter = |text: &str| text.as_bytes().first().copied().unwrap_or(0);
        let letters: Vec<(u8, bool, u8)> = prepared
            .iter()
            .map(|r| (first_letter(&r.given.first), r.given.first.len() > 1, first_letter(&r.family.full)))
            .collect();
        // `x`'s given name is `y`'s family name's initial and the other way
        // round; `y`'s given name may be an initial.
        let crossed = |(given_x, long_x, family_x): (u8, bool, u8), (given_y, _, family_y): (u8, bool, u8)| {
            long_x && given_x != family_x && given_x == family_y && family_x == given_y
        };
        for home in 0..homes.len() {
            let members = homes.members(home);
            for (k, &a) in members.iter().enumerate() {
                let x = letters[a as usize];
                for &b in &members[k + 1..] {
                    let y = letters[b as usize];
                    if (crossed(x, y) || crossed(y, x)) && person_of[a as usize] != person_of[b as usize] {
                        pairs.push((a.min(b), a.max(b)));
                    }
                }
            }
        }
        // Records naming one relative in one role: (relative, role,
        // record), sorted, each run one relative's.
        let mut naming: Vec<(u32, u8, u32)> = (0..person_of.len() as u32)
            .flat_map(|r| self.of.get(r).iter().map(move |&(p, role)| (p, role, r)))
            .collect();
        naming.sort_unstable();
        let runs = naming.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1));
        for run in runs.filter(|run| (2..=MAX_NAMING_RECORDS).contains(&run.len())) {
            for (k, &(_, _, a)) in run.iter().enumerate() {
                for &(_, _, b) in &run[k + 1..] {
                    let (x, y) = (&prepared[a as usize], &prepared[b as usize]);
                    if person_of[a as usize] != person_of[b as usize] && may_be_one(x, y) {
                        pairs.push((a.min(b), a.max(b)));
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

/// A list per record, held flat: `items[starts[r]..starts[r + 1]]`, each
/// sorted and without repeats.
#[derive(Debug, Clone)]
struct Lists<T> {
    items: Vec<T>,
    starts: Vec<u32>,
}

impl<T: Ord + Copy> Lists<T> {
    /// From (record, item) pairs in any order, for `n` records.
    fn new(mut pairs: Vec<(u32, T)>, n: usize) -> Lists<T> {
        pairs.sort_unstable();
        pairs.dedup();
        let mut starts = vec![0_u32; n + 1];
        for (record, _) in &pairs {
            starts[*record as usize + 1] += 1;
        }
        for record in 0..n {
            starts[record + 1] += starts[record];
        }
        Lists { items: pairs.into_iter().map(|(_, item)| item).collect(), starts }
    }

    fn get(&self, record: u32) -> &[T] {
        let record = record as usize;
        &self.items[self.starts[record] as usize..self.starts[record + 1] as usize]
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

/// The homes that hold two to `MAX_HOUSEHOLD_PEOPLE` people: by UPRN, by
/// address line, and by family name at a postcode (which gives homes to
/// records without an address line or a UPRN). Each home's records, in
/// record order, and its people, sorted.
#[derive(Debug, Clone, Default)]
struct Households {
    members: Vec<u32>,
    people: Vec<u32>,
    /// Each home's start in `members` and in `people`, and one past the last.
    starts: Vec<(u32, u32)>,
}

impl Households {
    fn new(prepared: &[Prepared], person_of: &[u32]) -> Households {
        // (home, record), sorted: each home's run is its records. Homes
        // are keyed by numbers, not text, so this is a sort, not hashing.
        let mut at: Vec<(Home, u32)> = Vec::with_capacity(prepared.len() * 3);
        for (i, record) in prepared.iter().enumerate() {
            // A family name at a postcode is a household too: it gives
            // homes to the records without an address line or a UPRN.
            let family = record
                .postcode_compact
                .filter(|_| !record.family.is_empty())
                .map(|(postcode, _)| (HOME_FAMILY, u64::from_le_bytes(postcode), u64::from(record.family.id)));
            at.extend(record.homes().into_iter().chain([family]).flatten().map(|home| (home, i as u32)));
        }
        at.sort_unstable();
        let mut households = Households { starts: vec![(0, 0)], ..Households::default() };
        let mut people = Vec::new();
        for run in at.chunk_by(|x, y| x.0 == y.0).filter(|run| run.len() > 1) {
            people.clear();
            people.extend(run.iter().map(|&(_, r)| person_of[r as usize]));
            people.sort_unstable();
            people.dedup();
            if (2..=MAX_HOUSEHOLD_PEOPLE).contains(&people.len()) {
                households.members.extend(run.iter().map(|&(_, r)| r));
                households.people.extend_from_slice(&people);
                households.starts.push((households.members.len() as u32, households.people.len() as u32));
            }
        }
        households
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn members(&self, home: usize) -> &[u32] {
        &self.members[self.starts[home].0 as usize..self.starts[home + 1].0 as usize]
    }

    fn people(&self, home: usize) -> &[u32] {
        &self.people[self.starts[home].1 as usize..self.starts[home + 1].1 as usize]
    }
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
