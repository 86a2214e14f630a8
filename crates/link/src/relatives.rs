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

use famgraph_model::RelationshipKind;

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

/// Each record's relatives as (person of the relative, role), sorted.
#[derive(Debug, Clone)]
pub(crate) struct Relatives {
    of: Vec<Vec<(u32, u8)>>,
}

impl Relatives {
    /// `person_of` is the first pass's person of each record.
    pub(crate) fn new(relations: &[Relation], person_of: &[u32]) -> Relatives {
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
        Relatives { of }
    }

    pub(crate) fn has_any(&self, record: u32) -> bool {
        !self.of[record as usize].is_empty()
    }

    /// Null when either record has no recorded relatives; otherwise
    /// whether they share one in the same role.
    pub(crate) fn level(&self, a: u32, b: u32) -> Option<u8> {
        let (of_a, of_b) = (&self.of[a as usize], &self.of[b as usize]);
        if of_a.is_empty() || of_b.is_empty() {
            return None;
        }
        // A merge of two sorted lists.
        let (mut next_a, mut next_b) = (0, 0);
        while next_a < of_a.len() && next_b < of_b.len() {
            match of_a[next_a].cmp(&of_b[next_b]) {
                std::cmp::Ordering::Less => next_a += 1,
                std::cmp::Ordering::Greater => next_b += 1,
                std::cmp::Ordering::Equal => return Some(level::RELATIVE_SHARED),
            }
        }
        Some(level::RELATIVE_NONE_SHARED)
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
        let relatives = Relatives::new(&relations, &person_of);
        assert_eq!(relatives.level(0, 1), Some(level::RELATIVE_SHARED));
        assert_eq!(relatives.level(0, 4), Some(level::RELATIVE_NONE_SHARED), "son and father");
        assert_eq!(relatives.level(2, 3), Some(level::RELATIVE_SHARED), "two records of the mother share her son");
        assert_eq!(relatives.level(2, 4), Some(level::RELATIVE_NONE_SHARED), "mother and father");
        assert!(relatives.has_any(5));
        let lonely = Relatives::new(&[], &person_of);
        assert_eq!(lonely.level(0, 1), None);
    }
}
