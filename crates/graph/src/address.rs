//! Grouping records' addresses into households. Agencies write the same
//! address differently and not all have the UPRN, so addresses are joined
//! when any record ties a UPRN to a postcode and first line.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use famgraph_link::STREET_TYPES;
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
    /// Per record, whether it was placed in its household by postcode and
    /// family name (`place_by_name`) rather than by its address.
    pub placed_by_name: Vec<bool>,
}

/// The first line reduced for comparison: "Flat 3, 40 Canterbury St.",
/// "3/40 Canterbury Street" and "flat 3 40 canterbury street" agree. Only
/// the last word is read as a street type: "St" before a name is a saint
/// ("St Mary's Road").
pub fn normalise_line(line: &str) -> String {
    let words: Vec<&str> = line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // "Flat 4, 82 Chatham Hill" is also written "4/82 Chatham Hill".
    let skip = usize::from(words.len() > 2 && matches!(words[0].to_lowercase().as_str(), "flat" | "apartment" | "apt"));
    let mut out = String::with_capacity(line.len() + 8);
    let mut last_start = 0;
    for word in &words[skip..] {
        if !out.is_empty() {
            out.push(' ');
        }
        last_start = out.len();
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    if let Some((_, full)) = STREET_TYPES.iter().find(|(short, _)| *short == &out[last_start..]) {
        out.truncate(last_start);
        out.push_str(full);
    }
    out
}

/// The postcode and first line a person's records agree on, where they
/// give exactly one of each: one address, so a record with the line but
/// not the postcode, or the postcode but not the line, is read with the
/// other. A person whose records give two postcodes or two lines (a move)
/// lends neither.
#[derive(Default, Clone)]
struct Sole {
    postcode: Seen,
    line: Seen,
}

/// The values a person's records give for one field.
#[derive(Default, Clone)]
enum Seen {
    #[default]
    Nothing,
    One(String),
    Several,
}

impl Seen {
    fn see(&mut self, value: &str) {
        match self {
            Seen::Nothing => *self = Seen::One(value.to_owned()),
            Seen::One(seen) if seen != value => *self = Seen::Several,
            _ => {}
        }
    }

    fn one(&self) -> Option<&str> {
        match self {
            Seen::One(value) => Some(value),
            _ => None,
        }
    }
}

/// A record's first line as `normalise_line` reads it, if it has one.
fn line_of(record: &PersonRecord) -> Option<String> {
    record.address.as_deref().map(normalise_line).filter(|l| !l.is_empty())
}

fn keys(record: &PersonRecord, postcode: Option<&Postcode>, line: Option<String>, sole: &Sole) -> Vec<AddressKey> {
    let mut keys = Vec::with_capacity(2);
    if let Some(uprn) = record.uprn {
        keys.push(AddressKey::Uprn(uprn));
    }
    let postcode = postcode.map(|p| p.as_str().to_owned());
    let lent = sole.postcode.one().zip(sole.line.one());
    let (postcode, line) = match (postcode, line) {
        (None, Some(line)) => (lent.map(|(postcode, _)| postcode.to_owned()), Some(line)),
        (Some(postcode), None) => (Some(postcode), lent.map(|(_, line)| line.to_owned())),
        given => given,
    };
    if let (Some(postcode), Some(line)) = (postcode, line) {
        keys.push(AddressKey::Line(postcode, line));
    }
    keys
}

/// Households from the records' addresses. `person_of` (each record's
/// person) lets a record missing its postcode or first line borrow the one
/// all that person's records agree on.
#[tracing::instrument(skip_all)]
pub fn group(records: &[PersonRecord], person_of: &[u32]) -> Addresses {
    let n_people = person_of.iter().map(|&p| p as usize + 1).max().unwrap_or(0);
    let lines: Vec<Option<String>> = records.iter().map(line_of).collect();
    let postcodes = postcodes_read(records, person_of, &lines);
    let mut sole = vec![Sole::default(); n_people];
    for ((&postcode, &person), line) in postcodes.iter().zip(person_of).zip(&lines) {
        let sole = &mut sole[person as usize];
        if let Some(postcode) = postcode {
            sole.postcode.see(postcode.as_str());
        }
        if let Some(line) = line {
            sole.line.see(line);
        }
    }
    let mut key_index: HashMap<AddressKey, usize> = HashMap::default();
    let mut parent: Vec<usize> = Vec::new();
    let mut record_keys = Vec::with_capacity(records.len());
    for (((record, &person), line), &postcode) in records.iter().zip(person_of).zip(lines).zip(&postcodes) {
        let ids: Vec<usize> = keys(record, postcode, line, &sole[person as usize])
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
    let mut household_of_root: HashMap<usize, usize> = HashMap::default();
    let mut households: Vec<AddressInfo> = Vec::new();
    let mut household_of_record = Vec::with_capacity(records.len());
    for ((record, key), &postcode) in records.iter().zip(record_keys).zip(&postcodes) {
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
                info.postcode = postcode.cloned();
            }
            if info.uprn.is_none() {
                info.uprn = record.uprn;
            }
            h
        });
        household_of_record.push(household);
    }
    let placed_by_name = place_by_name(records, person_of, &sole, &households, &mut household_of_record);
    Addresses { households, household_of_record, placed_by_name }
}

/// Each record's postcode as read: one character off another postcode of
/// its person's records, on the same first line (or where either gives
/// none), it is a slip of whichever of the two more records in the extract
/// give (a family's home is on every member's records, a slip on one).
/// Otherwise as recorded: two lines, or postcodes further apart, are a move.
fn postcodes_read<'r>(
    records: &'r [PersonRecord],
    person_of: &[u32],
    lines: &[Option<String>],
) -> Vec<Option<&'r Postcode>> {
    let mut read: Vec<Option<&Postcode>> = records.iter().map(|r| r.postcode.as_ref()).collect();
    let mut held: HashMap<&Postcode, usize> = HashMap::default();
    let mut records_of: HashMap<u32, Vec<usize>> = HashMap::default();
    for (r, record) in records.iter().enumerate() {
        if let Some(postcode) = &record.postcode {
            *held.entry(postcode).or_default() += 1;
            records_of.entry(person_of[r]).or_default().push(r);
        }
    }
    let agree = |x: &Option<String>, y: &Option<String>| x.is_none() || y.is_none() || x == y;
    for members in records_of.values().filter(|m| m.len() > 1) {
        for &r in members {
            let Some(own) = records[r].postcode.as_ref() else { continue };
            let mut best = own;
            for &other in members {
                let Some(candidate) = records[other].postcode.as_ref() else { continue };
                let more_held = (held[candidate], std::cmp::Reverse(candidate)) > (held[best], std::cmp::Reverse(best));
                if more_held
                    && agree(&lines[r], &lines[other])
                    && famgraph_link::postcodes_one_character_apart(own, candidate)
                {
                    best = candidate;
                }
            }
            read[r] = Some(best);
        }
    }
    read
}

/// People whose records give a postcode but no address line anywhere (a
/// youth offending team or the police often record no more), placed at the
/// one household in that postcode where someone of their family name
/// lives. Several such households, or none: they stay without a home.
/// Returns, per record, whether it was placed so.
fn place_by_name(
    records: &[PersonRecord],
    person_of: &[u32],
    sole: &[Sole],
    households: &[AddressInfo],
    household_of_record: &mut [Option<usize>],
) -> Vec<bool> {
    let mut placed = vec![false; records.len()];
    let n_people = sole.len();
    let mut housed = vec![false; n_people];
    for (&person, household) in person_of.iter().zip(household_of_record.iter()) {
        housed[person as usize] |= household.is_some();
    }
    // The few people to place, by the one postcode their records give.
    let wanted: HashMap<usize, &str> = (0..n_people)
        .filter(|&p| !housed[p])
        .filter_map(|p| sole[p].postcode.one().map(|postcode| (p, postcode)))
        .collect();
    if wanted.is_empty() {
        return placed;
    }
    let postcodes: HashSet<&str> = wanted.values().copied().collect();
    let mut names: HashMap<usize, BTreeSet<String>> = HashMap::default();
    // Per wanted postcode, each household there and the family names of
    // the people any record places in it.
    let mut by_postcode: HashMap<&str, BTreeMap<usize, BTreeSet<String>>> = HashMap::default();
    for ((record, &person), household) in records.iter().zip(person_of).zip(household_of_record.iter()) {
        let there = household.and_then(|h| {
            let postcode = households[h].postcode.as_ref().map(Postcode::as_str)?;
            postcodes.contains(postcode).then_some((postcode, h))
        });
        let placing = wanted.contains_key(&(person as usize));
        if there.is_none() && !placing {
            continue;
        }
        let name = record.family_name.trim().to_lowercase();
        if let Some((postcode, h)) = there {
            by_postcode.entry(postcode).or_default().entry(h).or_default().insert(name.clone());
        }
        if placing {
            names.entry(person as usize).or_default().insert(name);
        }
    }
    let mut home_of: HashMap<usize, usize> = HashMap::default();
    for (&person, &postcode) in &wanted {
        let mine = &names[&person];
        let mut homes = by_postcode
            .get(postcode)
            .into_iter()
            .flatten()
            .filter(|(_, theirs)| mine.iter().any(|n| theirs.contains(n)))
            .map(|(&h, _)| h);
        if let (Some(home), None) = (homes.next(), homes.next()) {
            home_of.insert(person, home);
        }
    }
    for (r, record) in records.iter().enumerate() {
        if let (Some(&home), Some(_)) = (home_of.get(&(person_of[r] as usize)), &record.postcode) {
            household_of_record[r] = Some(home);
            placed[r] = true;
        }
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::{group, normalise_line};
    use famgraph_model::{PersonRecord, Postcode, Sex};

    fn record(address: Option<&str>, postcode: Option<&str>, uprn: Option<u64>) -> PersonRecord {
        PersonRecord {
            agency: "a".into(),
            record_id: "r".into(),
            given_name: "x".into(),
            family_name: "y".into(),
            date_of_birth: None,
            sex: Sex::U,
            address: address.map(str::to_owned),
            postcode: postcode.and_then(Postcode::parse),
            uprn,
            nhs_number: None,
        }
    }

    #[test]
    fn a_record_borrows_the_postcode_or_line_its_person_agrees_on() {
        let records = [
            // Person 0: the police have the line and the UPRN, probation
            // the postcode only.
            record(Some("100 HILL LANE"), None, Some(44)),
            record(None, Some("ME1 3AU"), None),
            // Person 1 at the same address, line and postcode.
            record(Some("100 Hill Lane"), Some("ME1 3AU"), None),
            // Person 2 has lived at two postcodes: nothing to borrow.
            record(Some("100 Hill Lane"), None, None),
            record(None, Some("ME1 3AU"), None),
            record(None, Some("CT1 1AA"), None),
        ];
        let got = group(&records, &[0, 0, 1, 2, 2, 2]).household_of_record;
        assert!(got[0].is_some() && got[0] == got[1] && got[1] == got[2], "{got:?}");
        assert_eq!(&got[3..], &[None, None, None]);
    }

    fn named(family_name: &str, address: Option<&str>, postcode: Option<&str>) -> PersonRecord {
        PersonRecord { family_name: family_name.into(), ..record(address, postcode, None) }
    }

    #[test]
    fn a_person_with_a_postcode_only_joins_the_one_home_of_their_name_there() {
        let records = [
            // Person 0 at 4 Hill Lane, person 1 at 6 Hill Lane, one postcode.
            named("Cromgate", Some("4 Hill Lane"), Some("ME1 3AU")),
            named("Dunn", Some("6 Hill Lane"), Some("ME1 3AU")),
            // Person 2, a Cromgate the police know by postcode only.
            named("CROMGATE", None, Some("ME1 3AU")),
            // Person 3, a Dunn there too, and person 4, a Dunn at 8 Hill
            // Lane: two Dunn homes, so person 3 is placed nowhere.
            named("Dunn", None, Some("ME1 3AU")),
            named("Dunn", Some("8 Hill Lane"), Some("ME1 3AU")),
            // Person 5, of a name nobody there has.
            named("Ashby", None, Some("ME1 3AU")),
            // Person 6, a Cromgate whose other record gives a home: stays there.
            named("Cromgate", None, Some("ME1 3AU")),
            named("Cromgate", Some("1 Low Road"), Some("CT1 1AA")),
        ];
        let got = group(&records, &[0, 1, 2, 3, 4, 5, 6, 6]);
        let home = got.household_of_record;
        assert_eq!(home[2], home[0]);
        assert!(got.placed_by_name[2] && !got.placed_by_name[0]);
        assert_eq!((home[3], home[5]), (None, None));
        assert_ne!(home[7], home[0]);
        assert!(!got.placed_by_name[6] && !got.placed_by_name[7]);
    }

    #[test]
    fn a_postcode_one_character_off_at_the_same_line_is_a_slip_of_the_home_more_records_give() {
        let records = [
            // A family of two at 5 Mill Road, ME7 5EH; the job centre typed
            // one member's postcode ME8 5EH.
            record(Some("5 Mill Road"), Some("ME7 5EH"), None),
            record(Some("5 Mill Road"), Some("ME7 5EH"), None),
            record(Some("5 Mill Road"), Some("ME8 5EH"), None),
            // A move next door: another line, so another home.
            record(Some("7 Mill Road"), Some("ME7 5EJ"), None),
        ];
        let got = group(&records, &[0, 1, 1, 1]);
        let home = got.household_of_record;
        assert_eq!(home[2], home[0]);
        assert_eq!(home[1], home[0]);
        assert_ne!(home[3], home[0]);
        let postcode = got.households[home[2].unwrap()].postcode.as_ref().map(Postcode::as_str);
        assert_eq!(postcode, Some("ME7 5EH"));
        // Nobody else's record says which is right: a tie goes to the
        // first in sort order, so the two records still share one home.
        let got = group(&records[2..3].iter().chain(&records[..1]).cloned().collect::<Vec<_>>(), &[0, 0]);
        assert_eq!(got.household_of_record[0], got.household_of_record[1]);
    }

    #[test]
    fn abbreviated_street_types_read_in_full() {
        assert_eq!(normalise_line("87 Dock Ln"), normalise_line("87 DOCK LANE"));
        assert_eq!(normalise_line("Flat 3, 40 Canterbury St."), "3 40 canterbury street");
        assert_eq!(normalise_line("3/40 Canterbury Street"), normalise_line("FLAT 3, 40 CANTERBURY ST"));
        assert_eq!(normalise_line("11 Dock Ter"), "11 dock terrace");
        // A saint before the name stays a saint.
        assert_eq!(normalise_line("2 St Mary's Road"), "2 st mary s road");
        assert_eq!(normalise_line("Room 13, 180 Walderslade Dr"), normalise_line("Room 13, 180 Walderslade Drive"));
    }
}
