//! Comparing two records field by field: each field falls to one level of
//! the match model, and the levels, not the raw values, are what the
//! weights, the explanations and the clustering rules use.

use famgraph_model::{NhsNumber, PersonRecord, Postcode, Sex};

use crate::model::{Levels, N_FIELDS, level};
use crate::normalise::{FamilyName, GivenName};

/// Jaro-Winkler similarity for the higher fuzzy name level.
pub(crate) const JW_HIGH: f64 = 0.92;
/// Jaro-Winkler similarity for the lower fuzzy name level.
pub(crate) const JW_LOW: f64 = 0.85;
/// Birth years further apart than this can never be one person (unless an
/// NHS number says so): a father and son of the same name stay apart.
pub(crate) const MAX_BIRTH_YEAR_GAP: i32 = 1;

/// A record with every field normalised once, for fast comparison.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    /// Interned agency code: records of one agency are never one person.
    pub agency: u32,
    pub given: GivenName,
    pub family: FamilyName,
    /// Year, month, day.
    pub dob: Option<(i32, u32, u32)>,
    /// `None` for unknown (`U`).
    pub sex: Option<Sex>,
    pub postcode: Option<&'a Postcode>,
    pub uprn: Option<u64>,
    pub nhs_number: Option<NhsNumber>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(record: &'a PersonRecord, agency: u32) -> Prepared<'a> {
        Prepared {
            agency,
            given: GivenName::new(&record.given_name),
            family: FamilyName::new(&record.family_name),
            dob: record.date_of_birth.map(famgraph_model::Date::ymd),
            sex: (record.sex != Sex::U).then_some(record.sex),
            postcode: record.postcode.as_ref(),
            uprn: record.uprn,
            nhs_number: record.nhs_number,
        }
    }
}

/// The level of every field for a pair. Symmetric: `levels(a, b) == levels(b, a)`.
pub(crate) fn levels(a: &Prepared, b: &Prepared) -> Levels {
    let levels: Levels = [
        given_level(&a.given, &b.given),
        family_level(&a.family, &b.family),
        dob_level(a.dob, b.dob),
        both(a.sex, b.sex).map(|(x, y)| if x == y { level::SEX_AGREE } else { level::SEX_DISAGREE }),
        both(a.postcode, b.postcode).map(|(x, y)| {
            if x == y {
                level::POSTCODE_EXACT
            } else if x.sector() == y.sector() {
                level::POSTCODE_SECTOR
            } else {
                level::POSTCODE_DISAGREE
            }
        }),
        both(a.uprn, b.uprn).map(id_level),
        both(a.nhs_number, b.nhs_number).map(id_level),
        // Relatives are compared in the second pass, not here.
        None,
    ];
    debug_assert_eq!(levels.len(), N_FIELDS);
    levels
}

/// Why two records can never be one person, whatever else agrees: the
/// rules that stop a chain of links joining two different people through a
/// weak middle record. Checked for every pair across two clusters before
/// they merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Each agency holds one record per person.
    SameAgency,
    /// Two different valid NHS numbers.
    NhsNumberDiffers,
    /// Birth years more than a year apart: a father and son of one name at
    /// one address.
    BirthYearsApart,
    /// Given names that no rule relates: twins agree on everything else,
    /// and so would two siblings joined through a record holding only an
    /// initial.
    GivenNamesDiffer,
}

impl Conflict {
    /// A stable label for explanations.
    pub fn label(self) -> &'static str {
        match self {
            Conflict::SameAgency => "same_agency",
            Conflict::NhsNumberDiffers => "nhs_number_differs",
            Conflict::BirthYearsApart => "birth_years_apart",
            Conflict::GivenNamesDiffer => "given_names_differ",
        }
    }
}

/// The conflict that keeps two records apart, if any. A shared NHS number
/// overrides the date and name rules: it outweighs a mistyped year or a
/// changed given name.
pub(crate) fn conflict(a: &Prepared, b: &Prepared) -> Option<Conflict> {
    if a.agency == b.agency {
        return Some(Conflict::SameAgency);
    }
    match both(a.nhs_number, b.nhs_number) {
        Some((x, y)) if x == y => return None,
        Some(_) => return Some(Conflict::NhsNumberDiffers),
        None => {}
    }
    if let Some(((year_a, _, _), (year_b, _, _))) = both(a.dob, b.dob)
        && (year_a - year_b).abs() > MAX_BIRTH_YEAR_GAP
    {
        return Some(Conflict::BirthYearsApart);
    }
    (given_level(&a.given, &b.given) == Some(level::GIVEN_DISAGREE)).then_some(Conflict::GivenNamesDiffer)
}

fn both<T>(a: Option<T>, b: Option<T>) -> Option<(T, T)> {
    a.zip(b)
}

fn id_level<T: PartialEq>((a, b): (T, T)) -> u8 {
    if a == b { level::ID_EXACT } else { level::ID_DISAGREE }
}

/// Jaro-Winkler with the arguments in a fixed order, so the score cannot
/// depend on which record came first.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    strsim::jaro_winkler(first, second)
}

fn given_level(a: &GivenName, b: &GivenName) -> Option<u8> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a.first == b.first {
        // Two identical initials say little more than one.
        return Some(if a.is_initial() { level::GIVEN_INITIAL } else { level::GIVEN_EXACT });
    }
    if a.is_initial() || b.is_initial() {
        let (initial, name) = if a.is_initial() { (a, b) } else { (b, a) };
        let agrees = initial.first.bytes().next().is_some_and(|letter| name.initials().contains(&letter));
        return Some(if agrees { level::GIVEN_INITIAL } else { level::GIVEN_DISAGREE });
    }
    if crate::nicknames::are_variants(a.groups, b.groups) {
        return Some(level::GIVEN_NICKNAME);
    }
    let similarity = jaro_winkler(&a.first, &b.first);
    Some(if similarity >= JW_HIGH {
        level::GIVEN_JW_HIGH
    } else if near_variant(a, b) || near_variant(b, a) {
        level::GIVEN_NICKNAME_JW
    } else if similarity >= JW_LOW {
        level::GIVEN_JW_LOW
    } else if misspelling(a, b) {
        level::GIVEN_MISSPELLING
    } else {
        level::GIVEN_DISAGREE
    })
}

/// A spelling on at most this many records of the extract can be a slip.
const RARE_SPELLING: u32 = 2;
/// ... of a spelling on at least this many times as many records: a name
/// on one person's three or four records is a name, not a slip.
const COMMON_SPELLING_RATIO: u32 = 3;
/// The most edits (a letter added, dropped, changed, or two swapped) one
/// spelling is from the other.
const MAX_SLIP_EDITS: usize = 2;
/// Names shorter than this are not checked: two edits remake them.
const MIN_SLIP_LEN: usize = 3;

/// True when the rarer name is a slip from the commoner one or one of its
/// variants: "Zeu" on one record against Zoe on many, "Tyr" against
/// Tyler, "Jems" against Jimmy (James). Two names both in common use
/// ("Ella" and "Emma", twins) are never slips of each other, however close.
fn misspelling(a: &GivenName, b: &GivenName) -> bool {
    let (rare, common) = if a.seen <= b.seen { (a, b) } else { (b, a) };
    if !(1..=RARE_SPELLING).contains(&rare.seen)
        || common.seen < COMMON_SPELLING_RATIO * rare.seen
        || rare.first.len() < MIN_SLIP_LEN
    {
        return false;
    }
    let first_letter = rare.first.as_bytes()[0];
    let variants = common.groups.iter().flat_map(|group| crate::nicknames::names_in(*group));
    std::iter::once(common.first.as_str()).chain(variants.copied()).any(|name| {
        name.as_bytes().first() == Some(&first_letter) && strsim::osa_distance(&rare.first, name) <= MAX_SLIP_EDITS
    })
}

/// Names further apart in length than this are not checked against each
/// other's variants: no single slip bridges them.
const MAX_VARIANT_LEN_GAP: usize = 2;

/// True when `name` is a slip away from a variant of `other`: "Cahrlie"
/// against Charlotte (Charlie), "Jackiie" against Jacqueline (Jackie).
/// Misspellings keep the first letter, so only variants sharing it are
/// scored.
fn near_variant(name: &GivenName, other: &GivenName) -> bool {
    let Some(first_letter) = name.first.bytes().next() else { return false };
    other.groups.iter().flat_map(|group| crate::nicknames::names_in(*group)).any(|variant| {
        variant.as_bytes().first() == Some(&first_letter)
            && variant.len().abs_diff(name.first.len()) <= MAX_VARIANT_LEN_GAP
            && *variant != other.first
            && jaro_winkler(&name.first, variant) >= JW_HIGH
    })
}

fn family_level(a: &FamilyName, b: &FamilyName) -> Option<u8> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a.forms().any(|x| b.forms().any(|y| x == y)) {
        return Some(level::FAMILY_EXACT);
    }
    let similarity = a.forms().flat_map(|x| b.forms().map(move |y| jaro_winkler(x, y))).fold(0.0, f64::max);
    Some(if similarity >= JW_HIGH {
        level::FAMILY_JW_HIGH
    } else if similarity >= JW_LOW {
        level::FAMILY_JW_LOW
    } else {
        level::FAMILY_DISAGREE
    })
}

fn dob_level(a: Option<(i32, u32, u32)>, b: Option<(i32, u32, u32)>) -> Option<u8> {
    let ((year_a, month_a, day_a), (year_b, month_b, day_b)) = both(a, b)?;
    Some(if (year_a, month_a, day_a) == (year_b, month_b, day_b) {
        level::DOB_EXACT
    } else if year_a == year_b && month_a == day_b && day_a == month_b {
        level::DOB_SWAPPED
    } else if (month_a, day_a) == (month_b, day_b) && (year_a - year_b).abs() == 1 {
        level::DOB_YEAR_OFF
    } else {
        level::DOB_DISAGREE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(a: &str, b: &str) -> Option<u8> {
        let level = given_level(&GivenName::new(a), &GivenName::new(b));
        assert_eq!(level, given_level(&GivenName::new(b), &GivenName::new(a)), "{a} {b}");
        level
    }

    /// The level of two spellings seen on `seen_a` and `seen_b` records.
    fn given_seen((a, seen_a): (&str, u32), (b, seen_b): (&str, u32)) -> Option<u8> {
        let a = GivenName { seen: seen_a, ..GivenName::new(a) };
        let b = GivenName { seen: seen_b, ..GivenName::new(b) };
        let level = given_level(&a, &b);
        assert_eq!(level, given_level(&b, &a));
        level
    }

    #[test]
    fn a_rare_spelling_close_to_a_common_one_is_a_misspelling() {
        for (rare, common) in
            [("Zeu", "Zoe"), ("Tyr", "Tyler"), ("Dait", "David"), ("Aav", "Ava"), ("Riaan", "Ryan"), ("Jems", "Jimmy")]
        {
            assert_eq!(given(rare, common), Some(level::GIVEN_DISAGREE), "uncounted: {rare} {common}");
            assert_eq!(given_seen((rare, 1), (common, 40)), Some(level::GIVEN_MISSPELLING), "{rare} {common}");
            assert_eq!(given_seen((rare, 2), (common, 6)), Some(level::GIVEN_MISSPELLING), "{rare} {common}");
        }
        // Two names in use, however close: twins Ella and Emma.
        assert_eq!(given_seen(("Ella", 4), ("Emma", 40)), Some(level::GIVEN_DISAGREE));
        assert_eq!(given_seen(("Ella", 2), ("Emma", 5)), Some(level::GIVEN_DISAGREE));
        // Two slips of one name are not slips of each other.
        assert_eq!(given_seen(("Mak", 1), ("Mar", 1)), Some(level::GIVEN_DISAGREE));
        // Too far, or another first letter, or too short to tell.
        assert_eq!(given_seen(("Jakkkk", 1), ("Jack", 40)), Some(level::GIVEN_DISAGREE));
        assert_eq!(given_seen(("Kack", 1), ("Jack", 40)), Some(level::GIVEN_DISAGREE));
        assert_eq!(given_seen(("Jo", 1), ("Jay", 40)), Some(level::GIVEN_DISAGREE));
    }

    #[test]
    fn a_misspelling_does_not_keep_two_records_apart() {
        let record = |given: &str, seen: u32| {
            let mut prepared = Prepared {
                agency: 0,
                given: GivenName::new(given),
                family: FamilyName::new("Webster"),
                dob: Some((1975, 8, 18)),
                sex: Some(Sex::F),
                postcode: None,
                uprn: None,
                nhs_number: None,
            };
            prepared.given.seen = seen;
            prepared
        };
        let (zoe, zeu) = (record("Zoe", 30), Prepared { agency: 1, ..record("Zeu", 1) });
        assert_eq!(conflict(&zoe, &zeu), None);
        let (zoe, zak) = (record("Zoe", 30), Prepared { agency: 1, ..record("Zak", 30) });
        assert_eq!(conflict(&zoe, &zak), Some(Conflict::GivenNamesDiffer));
    }

    fn family(a: &str, b: &str) -> Option<u8> {
        let level = family_level(&FamilyName::new(a), &FamilyName::new(b));
        assert_eq!(level, family_level(&FamilyName::new(b), &FamilyName::new(a)), "{a} {b}");
        level
    }

    #[test]
    fn given_name_levels() {
        assert_eq!(given("John", "john"), Some(level::GIVEN_EXACT));
        assert_eq!(given("Bill", "William"), Some(level::GIVEN_NICKNAME));
        assert_eq!(given("Beth", "Elizabeth"), Some(level::GIVEN_NICKNAME));
        assert_eq!(given("Jonathon", "Jonathan"), Some(level::GIVEN_JW_HIGH));
        assert_eq!(given("Cahrlie", "Charlotte"), Some(level::GIVEN_NICKNAME_JW));
        assert_eq!(given("Jackiie", "Jacqueline"), Some(level::GIVEN_NICKNAME_JW));
        assert_eq!(given("J", "John"), Some(level::GIVEN_INITIAL));
        assert_eq!(given("W.", "Bill"), Some(level::GIVEN_INITIAL));
        assert_eq!(given("J", "J"), Some(level::GIVEN_INITIAL));
        assert_eq!(given("K", "John"), Some(level::GIVEN_DISAGREE));
        assert_eq!(given("Jack", "Jane"), Some(level::GIVEN_DISAGREE));
        assert_eq!(given("", "Jane"), None);
    }

    #[test]
    fn family_name_levels() {
        assert_eq!(family("Smith-Jones", "Jones"), Some(level::FAMILY_EXACT));
        assert_eq!(family("O'Brien", "OBrien"), Some(level::FAMILY_EXACT));
        assert_eq!(family("Thompson", "Thomson"), Some(level::FAMILY_JW_HIGH));
        assert_eq!(family("Smith", "Patel"), Some(level::FAMILY_DISAGREE));
    }

    #[test]
    fn dob_levels() {
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1980, 3, 4))), Some(level::DOB_EXACT));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1980, 4, 3))), Some(level::DOB_SWAPPED));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1981, 3, 4))), Some(level::DOB_YEAR_OFF));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1982, 3, 4))), Some(level::DOB_DISAGREE));
        assert_eq!(dob_level(None, Some((1982, 3, 4))), None);
    }
}
