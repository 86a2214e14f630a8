//! Blocking: which pairs of records are worth comparing at all.
//!
//! Comparing every pair is O(n²), so each record gets a handful of keys,
//! and only records sharing a key are compared. Each key is built to
//! survive one hazard the others do not: a day/month swap, a year off by
//! one, a surname change, a missing date of birth. A pair that shares
//! several keys is compared once, in the block of its smallest shared key.
//!
//! Most keys include a given-name initial (of the name or its formal form,
//! so "Bill" carries W too): two records whose given names are unrelated
//! can never link (see `compare::Conflict`), so comparing them is wasted,
//! and the initial cuts a birth-date block about fifteen-fold.
//!
//! Blocks larger than the configured limit (a placeholder date of birth,
//! a big hostel) are skipped, and only their count is logged.

use std::collections::HashSet;

use crate::compare::Prepared;
use crate::normalise::soundex;

/// What a blocking key is made of; the tag keeps equal values of different
/// kinds apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum KeyKind {
    /// The same NHS number.
    NhsNumber = 1,
    /// The same birth date with day and month unordered, so a day/month
    /// swap blocks with the true date, and a given-name initial: survives
    /// any change of surname and address.
    BirthDate = 2,
    /// Soundex of a family name (or one part of it), the birth year and a
    /// given-name initial: survives typos in day or month.
    FamilyYear = 3,
    /// Soundex of the given name (or its formal form), the birth day and
    /// month, and the birth year give or take one: survives a surname
    /// change and a year off by one together.
    GivenDayMonth = 4,
    /// The postcode and a given-name initial: finds records without a date
    /// of birth at the same address.
    PostcodeInitial = 5,
    /// The UPRN and a given-name initial, as above when the postcode is
    /// missing or mistyped.
    UprnInitial = 6,
    /// Both names exactly (the given name or its formal form, the family
    /// name or one of its parts), in either order: finds records with
    /// neither a date of birth nor a shared address, which only a rare
    /// name can link, and names entered the wrong way round.
    Names = 7,
    /// The birth date (day and month unordered) and Soundex of a family
    /// name (or of the given name, in case the two were swapped): survives
    /// any slip in the given name, its first letter too.
    BirthDateFamily = 8,
    /// The birth date and the Soundex codes of both names in either order:
    /// names entered the wrong way round.
    BirthDateNames = 9,
    /// Soundex of both names, the birth day and month: survives any slip
    /// in the year, 1985 typed 1958 or 1975.
    NamesDayMonth = 10,
    /// The birth date and the postcode: survives any change or slip of
    /// both names.
    BirthDatePostcode = 11,
    /// The postcode and Soundex of a family name (or one part of it):
    /// survives a wholly different given name and date of birth together.
    /// Only where no home holds relatives (`compare::households`): where
    /// families live together this key blocks every sibling with every
    /// other, and a different given name is another person there anyway.
    PostcodeFamily = 12,
    /// The house number and street and a given-name initial: survives a
    /// mistyped or missing postcode.
    AddressInitial = 13,
    /// The house number and street and Soundex of a family name, only
    /// where no home holds relatives, as `PostcodeFamily`.
    AddressFamily = 14,
}

impl KeyKind {
    pub(crate) const ALL: [KeyKind; 14] = [
        KeyKind::NhsNumber,
        KeyKind::BirthDate,
        KeyKind::FamilyYear,
        KeyKind::GivenDayMonth,
        KeyKind::PostcodeInitial,
        KeyKind::UprnInitial,
        KeyKind::Names,
        KeyKind::BirthDateFamily,
        KeyKind::BirthDateNames,
        KeyKind::NamesDayMonth,
        KeyKind::BirthDatePostcode,
        KeyKind::PostcodeFamily,
        KeyKind::AddressInitial,
        KeyKind::AddressFamily,
    ];

    /// The position in `ALL` of a key's kind.
    pub(crate) fn index_of(key: u64) -> Option<usize> {
        let tag = (key >> KIND_SHIFT) as u8;
        KeyKind::ALL.iter().position(|kind| *kind as u8 == tag)
    }

    /// A name for logs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            KeyKind::NhsNumber => "nhs_number",
            KeyKind::BirthDate => "birth_date",
            KeyKind::FamilyYear => "family_name_year",
            KeyKind::GivenDayMonth => "given_name_day_month",
            KeyKind::PostcodeInitial => "postcode_initial",
            KeyKind::UprnInitial => "uprn_initial",
            KeyKind::Names => "names",
            KeyKind::BirthDateFamily => "birth_date_family_name",
            KeyKind::BirthDateNames => "birth_date_names",
            KeyKind::NamesDayMonth => "names_day_month",
            KeyKind::BirthDatePostcode => "birth_date_postcode",
            KeyKind::PostcodeFamily => "postcode_family_name",
            KeyKind::AddressInitial => "address_initial",
            KeyKind::AddressFamily => "address_family_name",
        }
    }
}

/// The blocks over a set of records, ready to yield candidate pairs.
#[derive(Debug)]
pub(crate) struct Blocking {
    /// (key, record index), sorted; each run of one key is a block.
    entries: Vec<(u64, u32)>,
    /// Each record's usable keys, sorted: `keys[offsets[i]..offsets[i + 1]]`.
    keys: Vec<u64>,
    offsets: Vec<usize>,
    pub n_blocks: usize,
    pub n_oversized_blocks: usize,
}

impl Blocking {
    /// `households`: whether people live with their families in these
    /// records (`compare::households`), which decides `PostcodeFamily`.
    pub(crate) fn new(records: &[Prepared], max_block_size: usize, households: bool) -> Blocking {
        let mut keys = Vec::new();
        let mut offsets = Vec::with_capacity(records.len() + 1);
        offsets.push(0);
        let mut record_keys = Vec::new();
        for record in records {
            record_keys.clear();
            push_keys(record, households, &mut record_keys);
            record_keys.sort_unstable();
            record_keys.dedup();
            keys.extend_from_slice(&record_keys);
            offsets.push(keys.len());
        }
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(keys.len());
        for (record_idx, window) in offsets.windows(2).enumerate() {
            entries.extend(keys[window[0]..window[1]].iter().map(|key| (*key, record_idx as u32)));
        }
        entries.sort_unstable();

        // Drop oversized blocks, and single-record blocks that can hold no pair.
        let mut oversized = HashSet::new();
        let mut n_blocks = 0;
        let mut kept = Vec::with_capacity(entries.len());
        for block in entries.chunk_by(|x, y| x.0 == y.0) {
            if block.len() > max_block_size {
                oversized.insert(block[0].0);
            } else if block.len() > 1 {
                n_blocks += 1;
                kept.extend_from_slice(block);
            }
        }
        let n_oversized_blocks = oversized.len();
        if !oversized.is_empty() {
            // A record's oversized keys are not blocks, so they must not
            // count as the shared key a pair was already compared under.
            let mut filtered = Vec::with_capacity(keys.len());
            let mut filtered_offsets = Vec::with_capacity(offsets.len());
            filtered_offsets.push(0);
            for window in offsets.windows(2) {
                filtered.extend(keys[window[0]..window[1]].iter().filter(|key| !oversized.contains(*key)));
                filtered_offsets.push(filtered.len());
            }
            keys = filtered;
            offsets = filtered_offsets;
        }
        Blocking { entries: kept, keys, offsets, n_blocks, n_oversized_blocks }
    }

    /// The blocks, each a run of (key, record index) sorted by record index.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = &[(u64, u32)]> {
        self.entries.chunk_by(|x, y| x.0 == y.0)
    }

    /// Calls `visit` with each pair of one block that is compared there:
    /// those not sharing a smaller usable key. Records of one agency are
    /// compared too: an agency may hold one person twice.
    pub(crate) fn for_each_pair(&self, block: &[(u64, u32)], mut visit: impl FnMut(u32, u32)) {
        for (position, &(key, a)) in block.iter().enumerate() {
            for &(_, b) in &block[position + 1..] {
                let (a_idx, b_idx) = (a as usize, b as usize);
                if self.first_shared_key(a_idx, b_idx) == Some(key) {
                    visit(a, b);
                }
            }
        }
    }

    fn record_keys(&self, record_idx: usize) -> &[u64] {
        &self.keys[self.offsets[record_idx]..self.offsets[record_idx + 1]]
    }

    /// The smallest key two records share, by a merge of their sorted keys.
    fn first_shared_key(&self, a: usize, b: usize) -> Option<u64> {
        let (keys_a, keys_b) = (self.record_keys(a), self.record_keys(b));
        let (mut i, mut j) = (0, 0);
        while i < keys_a.len() && j < keys_b.len() {
            match keys_a[i].cmp(&keys_b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return Some(keys_a[i]),
            }
        }
        None
    }
}

/// Appends a record's blocking keys; a key needing a missing field is left out.
fn push_keys(record: &Prepared, households: bool, keys: &mut Vec<u64>) {
    if let Some(nhs_number) = record.nhs_number {
        keys.push(Key::new(KeyKind::NhsNumber).u64(nhs_number.value()).finish());
    }
    let initials = record.given.initials();
    if let Some((year, month, day)) = record.dob {
        let year = year as u64;
        let (low, high) = (u64::from(month.min(day)), u64::from(month.max(day)));
        for initial in &initials {
            keys.push(Key::new(KeyKind::BirthDate).u64(year).u64(low).u64(high).bytes(&[*initial]).finish());
        }
        for code in record.family.forms().filter_map(soundex) {
            for initial in &initials {
                keys.push(Key::new(KeyKind::FamilyYear).bytes(&code).u64(year).bytes(&[*initial]).finish());
            }
            keys.push(Key::new(KeyKind::BirthDateFamily).u64(year).u64(low).u64(high).bytes(&code).finish());
        }
        // The given name as a family name too: the two entered the wrong
        // way round, and one of them changed.
        if !record.given.is_initial()
            && let Some(code) = soundex(&record.given.first)
        {
            keys.push(Key::new(KeyKind::BirthDateFamily).u64(year).u64(low).u64(high).bytes(&code).finish());
        }
        if let Some(postcode) = record.postcode {
            keys.push(
                Key::new(KeyKind::BirthDatePostcode)
                    .u64(year)
                    .u64(low)
                    .u64(high)
                    .bytes(postcode.as_str().as_bytes())
                    .finish(),
            );
        }
        if let (Some(given), Some(family)) = (soundex(&record.given.first), soundex(&record.family.full)) {
            let (first, second) = if given <= family { (given, family) } else { (family, given) };
            keys.push(
                Key::new(KeyKind::BirthDateNames).u64(year).u64(low).u64(high).bytes(&first).bytes(&second).finish(),
            );
            keys.push(
                Key::new(KeyKind::NamesDayMonth)
                    .bytes(&given)
                    .bytes(&family)
                    .u64(u64::from(month))
                    .u64(u64::from(day))
                    .finish(),
            );
        }
        // Two overlapping two-year windows, so birth years one apart always
        // share one; years further apart can never link anyway.
        for code in record.given.forms().filter_map(soundex) {
            for window in [year, year + 1] {
                keys.push(
                    Key::new(KeyKind::GivenDayMonth)
                        .bytes(&code)
                        .u64(u64::from(month))
                        .u64(u64::from(day))
                        .u64(window)
                        .finish(),
                );
            }
        }
    }
    if let Some(postcode) = record.postcode {
        for initial in &initials {
            keys.push(
                Key::new(KeyKind::PostcodeInitial).bytes(postcode.as_str().as_bytes()).bytes(&[*initial]).finish(),
            );
        }
        if !households {
            for code in record.family.forms().filter_map(soundex) {
                keys.push(Key::new(KeyKind::PostcodeFamily).bytes(postcode.as_str().as_bytes()).bytes(&code).finish());
            }
        }
    }
    if let Some(line) = &record.address
        && let Some(number) = &line.number
    {
        let address = |kind| Key::new(kind).bytes(number.as_bytes()).bytes(line.street.as_bytes());
        for initial in &initials {
            keys.push(address(KeyKind::AddressInitial).bytes(&[*initial]).finish());
        }
        if !households {
            for code in record.family.forms().filter_map(soundex) {
                keys.push(address(KeyKind::AddressFamily).bytes(&code).finish());
            }
        }
    }
    if let Some(uprn) = record.uprn {
        for initial in &initials {
            keys.push(Key::new(KeyKind::UprnInitial).u64(uprn).bytes(&[*initial]).finish());
        }
    }
    if !record.given.is_initial() {
        for given in record.given.forms().filter(|form| !form.is_empty()) {
            for family in record.family.forms().filter(|form| !form.is_empty()) {
                let (first, second) = if given <= family { (given, family) } else { (family, given) };
                keys.push(Key::new(KeyKind::Names).bytes(first.as_bytes()).bytes(second.as_bytes()).finish());
            }
        }
    }
}

/// A key: its kind in the top byte, then 56 bits of an FNV-1a hash of its
/// parts. Stable across runs and builds, so blocks, and with them the
/// results, never depend on a random seed. A collision only adds candidate
/// pairs, which the comparison then scores. With the kind on top, a pair
/// sharing several keys is compared under its first kind in `KeyKind` order.
struct Key {
    kind: KeyKind,
    hash: u64,
}

/// Where the kind sits in a key.
const KIND_SHIFT: u32 = 56;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Key {
    fn new(kind: KeyKind) -> Key {
        Key { kind, hash: FNV_OFFSET }
    }

    fn bytes(mut self, bytes: &[u8]) -> Key {
        for byte in bytes {
            self.hash = (self.hash ^ u64::from(*byte)).wrapping_mul(FNV_PRIME);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.hash = (self.hash ^ 0xff).wrapping_mul(FNV_PRIME);
        self
    }

    fn u64(self, value: u64) -> Key {
        self.bytes(&value.to_le_bytes())
    }

    fn finish(self) -> u64 {
        (u64::from(self.kind as u8) << KIND_SHIFT) | (self.hash >> (u64::BITS - KIND_SHIFT))
    }
}

#[cfg(test)]
mod tests {
    use famgraph_model::{Date, PersonRecord, Postcode, Sex};

    use super::*;

    fn record(agency: &str, given: &str, family: &str, dob: &str, postcode: &str) -> PersonRecord {
        PersonRecord {
            agency: agency.to_owned(),
            record_id: "R".to_owned(),
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            date_of_birth: Date::parse(dob),
            sex: Sex::U,
            address: None,
            postcode: Postcode::parse(postcode),
            uprn: Some(7),
            nhs_number: None,
        }
    }

    fn pairs(records: &[PersonRecord], max_block_size: usize) -> Vec<(u32, u32)> {
        let prepared: Vec<Prepared> = records.iter().enumerate().map(|(i, r)| Prepared::new(r, i as u32)).collect();
        let blocking = Blocking::new(&prepared, max_block_size, true);
        let mut pairs = Vec::new();
        for block in blocking.blocks() {
            blocking.for_each_pair(block, |a, b| pairs.push((a, b)));
        }
        pairs
    }

    #[test]
    fn a_pair_sharing_many_keys_is_compared_once() {
        let records = [
            record("police", "Ann", "Lee", "1990-03-04", "ME4 4QS"),
            record("school", "Ann", "Lee", "1990-03-04", "ME4 4QS"),
        ];
        assert_eq!(pairs(&records, 10), [(0, 1)]);
    }

    #[test]
    fn keys_survive_each_hazard() {
        let base = record("police", "William", "Smith", "1990-03-04", "");
        for (hazard, other) in [
            ("day/month swap, new surname", record("school", "William", "Jones", "1990-04-03", "")),
            ("year off by one, new surname", record("school", "William", "Jones", "1991-03-04", "")),
            ("nickname, day typo", record("school", "Bill", "Smith", "1990-03-14", "")),
            ("no date of birth, same address", record("school", "W", "Smith", "", "ME4 4QS")),
        ] {
            let base = PersonRecord { postcode: Postcode::parse("ME4 4QS"), ..base.clone() };
            assert_eq!(pairs(&[base, other], 10), [(0, 1)], "{hazard}");
        }
    }

    #[test]
    fn oversized_blocks_are_skipped_but_smaller_shared_keys_still_count() {
        // Three records share a birth date; two also share a postcode.
        let records = [
            record("police", "Ann", "Lee", "1990-03-04", "ME4 4QS"),
            record("school", "Ann", "Lee", "1990-03-04", "ME4 4QS"),
            record("health", "Ann", "Lee", "1990-03-04", "ME1 1AA"),
        ];
        assert_eq!(pairs(&records, 3).len(), 3);
        // With blocks of two at most, only the pair sharing the postcode
        // (and the UPRN) is left, and it is compared once.
        assert_eq!(pairs(&records, 2), [(0, 1)]);
    }
}
