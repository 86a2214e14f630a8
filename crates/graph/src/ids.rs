//! Person and family ids a partnership can put its name to: the same
//! bundle in any row order gives every record the same ids, and a later
//! extract keeps a person's or family's id while most of its records are
//! the same, so minutes, case notes and other systems can refer to one.
//!
//! A group (a person's records, or a family's) takes the id of the earlier
//! group that held most of its records (of those the earlier load had), if
//! it also holds most of that group's: at most one group can, so an id is
//! never given twice. Any other
//! group is named by its least record (agency, then record id): a prefix
//! and ten characters of that record's SHA-256, more on a clash.

use rustc_hash::{FxHashMap, FxHashSet};

use famgraph_model::Bundle;
use sha2::{Digest as _, Sha256};

/// The ids of an earlier load, by record: what a new load follows.
#[derive(Debug, Clone, Default)]
pub struct KnownIds {
    /// (agency, record id) to the person id it had.
    pub person_of_record: FxHashMap<(String, String), String>,
    /// (agency, record id) to the family id it had.
    pub family_of_record: FxHashMap<(String, String), String>,
}

impl KnownIds {
    pub fn is_empty(&self) -> bool {
        self.person_of_record.is_empty() && self.family_of_record.is_empty()
    }
}

/// Crockford's base 32: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of the hash in a new id: 50 bits, so two of a county's
/// 200,000 families clash about once in 50,000 loads (and then the later
/// one is named with more).
const ID_CHARS: usize = 10;

fn code(record: (&str, &str), chars: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(record.0.as_bytes());
    hash.update([0x1f]);
    hash.update(record.1.as_bytes());
    let digest = hash.finalize();
    // Five bits a character, from the digest's bits in order.
    (0..chars)
        .map(|i| {
            let bit = i * 5;
            let (byte, shift) = (bit / 8, bit % 8);
            let window = u16::from(digest[byte]) << 8 | u16::from(*digest.get(byte + 1).unwrap_or(&0));
            let value = (window >> (11 - shift)) & 0x1f;
            char::from(ALPHABET[usize::from(value)])
        })
        .collect()
}

/// An id for each group of records (indices into `bundle.people`), with
/// `prefix`, following `known` (record to the id its group had before).
#[tracing::instrument(skip_all, fields(prefix = %prefix))]
pub(crate) fn assign(
    groups: &[Vec<usize>],
    bundle: &Bundle,
    known: &FxHashMap<(String, String), String>,
    prefix: char,
) -> Vec<String> {
    let key = |r: usize| (bundle.people[r].agency.as_str(), bundle.people[r].record_id.as_str());
    let least: Vec<Option<(&str, &str)>> = groups.iter().map(|g| g.iter().map(|&r| key(r)).min()).collect();
    // Groups in the order of their least record: the same in any row order.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| least[g]);
    // Per group, how many of its records each earlier id held (each record
    // looked up once; none at all without an earlier load), and how many
    // records each earlier id holds here in all.
    // A group holds a record or two, so its votes are a short list.
    let votes: Vec<Vec<(&str, usize)>> = if known.is_empty() {
        vec![Vec::new(); groups.len()]
    } else {
        // The earlier ids by borrowed keys: a lookup copies no string.
        let known: FxHashMap<(&str, &str), &String> =
            known.iter().map(|((agency, record), id)| ((agency.as_str(), record.as_str()), id)).collect();
        groups
            .iter()
            .map(|group| {
                let mut votes: Vec<(&str, usize)> = Vec::new();
                for &r in group {
                    if let Some(id) = known.get(&key(r)) {
                        match votes.iter_mut().find(|(held, _)| held == id) {
                            Some((_, n)) => *n += 1,
                            None => votes.push((id.as_str(), 1)),
                        }
                    }
                }
                votes
            })
            .collect()
    };
    let mut held: FxHashMap<&str, usize> = FxHashMap::default();
    for &(id, n) in votes.iter().flatten() {
        *held.entry(id).or_default() += n;
    }
    let mut ids: Vec<Option<String>> = vec![None; groups.len()];
    let mut taken: FxHashSet<String> = FxHashSet::default();
    if !known.is_empty() {
        for &g in &order {
            // Records new since the earlier load have no say.
            let known_here: usize = votes[g].iter().map(|(_, n)| n).sum();
            let best = votes[g].iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)));
            if let Some(&(id, n)) = best
                && 2 * n > known_here
                && 2 * n > held[id]
                && taken.insert(id.to_owned())
            {
                ids[g] = Some(id.to_owned());
            }
        }
    }
    for &g in &order {
        if ids[g].is_some() {
            continue;
        }
        let Some(record) = least[g] else {
            continue;
        };
        let mut chars = ID_CHARS;
        let id = loop {
            let id = format!("{prefix}{}", code(record, chars));
            if taken.insert(id.clone()) {
                break id;
            }
            chars += 1;
        };
        ids[g] = Some(id);
    }
    ids.into_iter().map(Option::unwrap_or_default).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_ten_characters_of_crockfords_alphabet_and_depends_on_both_parts() {
        let a = code(("police", "P1"), ID_CHARS);
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)), "{a}");
        assert_ne!(a, code(("police", "P2"), ID_CHARS));
        assert_ne!(a, code(("polic", "eP1"), ID_CHARS));
        assert!(code(("police", "P1"), 12).starts_with(&a));
    }
}
