//! Grouping records' addresses into households. Agencies write the same
//! address differently and not all have the UPRN, so addresses are joined
//! when any record ties a UPRN to a postcode and first line.

use std::collections::HashMap;

use famgraph_model::{PersonRecord, Postcode};

/// How an address is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressKey {
    Uprn(u64),
    /// Postcode and the first line reduced to lower-case letters and digits.
    Line(String, String),
}

/// The display details of one household's address.
#[derive(Debug, Clone, Default)]
pub struct AddressInfo {
    pub address: Option<String>,
    pub postcode: Option<Postcode>,
    pub uprn: Option<u64>,
}

pub struct Addresses {
    pub households: Vec<AddressInfo>,
    /// Per record, its household, if the record has an address.
    pub household_of_record: Vec<Option<usize>>,
}

/// Street types as agencies abbreviate them (Royal Mail's usual forms),
/// and in full.
const STREET_TYPES: [(&str, &str); 22] = [
    ("ave", "avenue"),
    ("cl", "close"),
    ("cres", "crescent"),
    ("cresc", "crescent"),
    ("ct", "court"),
    ("dr", "drive"),
    ("gdns", "gardens"),
    ("gr", "grove"),
    ("gro", "grove"),
    ("hts", "heights"),
    ("ln", "lane"),
    ("pde", "parade"),
    ("pk", "park"),
    ("pl", "place"),
    ("rd", "road"),
    ("sq", "square"),
    ("st", "street"),
    ("ter", "terrace"),
    ("terr", "terrace"),
    ("wk", "walk"),
    ("wy", "way"),
    ("yd", "yard"),
];

/// The first line reduced for comparison: "Flat 3, 40 Canterbury St." and
/// "flat 3 40 canterbury street" agree. Only the last word is read as a
/// street type: "St" before a name is a saint ("St Mary's Road").
pub fn normalise_line(line: &str) -> String {
    let mut words: Vec<String> =
        line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if let Some(last) = words.last_mut()
        && let Some((_, full)) = STREET_TYPES.iter().find(|(short, _)| short == last)
    {
        *last = (*full).to_owned();
    }
    words.join(" ")
}

fn keys(record: &PersonRecord) -> Vec<AddressKey> {
    let mut keys = Vec::with_capacity(2);
    if let Some(uprn) = record.uprn {
        keys.push(AddressKey::Uprn(uprn));
    }
    if let (Some(postcode), Some(line)) = (&record.postcode, &record.address) {
        let line = normalise_line(line);
        if !line.is_empty() {
            keys.push(AddressKey::Line(postcode.as_str().to_owned(), line));
        }
    }
    keys
}

pub fn group(records: &[PersonRecord]) -> Addresses {
    let mut key_index: HashMap<AddressKey, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut record_keys = Vec::with_capacity(records.len());
    for record in records {
        let ids: Vec<usize> = keys(record)
            .into_iter()
            .map(|k| {
                *key_index.entry(k).or_insert_with(|| {
                    parent.push(parent.len());
                    parent.len() - 1
                })
            })
            .collect();
        for pair in ids.windows(2) {
            crate::union(&mut parent, pair[0], pair[1]);
        }
        record_keys.push(ids.first().copied());
    }
    let mut household_of_root: HashMap<usize, usize> = HashMap::new();
    let mut households: Vec<AddressInfo> = Vec::new();
    let mut household_of_record = Vec::with_capacity(records.len());
    for (record, key) in records.iter().zip(record_keys) {
        let household = key.map(|k| {
            let root = crate::find(&mut parent, k);
            let h = *household_of_root.entry(root).or_insert_with(|| {
                households.push(AddressInfo::default());
                households.len() - 1
            });
            let info = &mut households[h];
            if info.address.is_none() {
                info.address.clone_from(&record.address);
            }
            if info.postcode.is_none() {
                info.postcode.clone_from(&record.postcode);
            }
            if info.uprn.is_none() {
                info.uprn = record.uprn;
            }
            h
        });
        household_of_record.push(household);
    }
    Addresses { households, household_of_record }
}

#[cfg(test)]
mod tests {
    use super::normalise_line;

    #[test]
    fn abbreviated_street_types_read_in_full() {
        assert_eq!(normalise_line("87 Dock Ln"), normalise_line("87 DOCK LANE"));
        assert_eq!(normalise_line("Flat 3, 40 Canterbury St."), "flat 3 40 canterbury street");
        assert_eq!(normalise_line("11 Dock Ter"), "11 dock terrace");
        // A saint before the name stays a saint.
        assert_eq!(normalise_line("2 St Mary's Road"), "2 st mary s road");
        assert_eq!(normalise_line("Room 13, 180 Walderslade Dr"), normalise_line("Room 13, 180 Walderslade Drive"));
    }
}
