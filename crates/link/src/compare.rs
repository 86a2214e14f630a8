//! Comparing two records field by field: each field falls to one level of
//! the match model, and the levels, not the raw values, are what the
//! weights, the explanations and the clustering rules use.

use famgraph_model::{NhsNumber, PersonRecord, Postcode, Sex};

use crate::model::{Field, Levels, N_FIELDS, level};
use crate::normalise::{AddressLine, FamilyName, GivenName, same};

/// Jaro-Winkler similarity for the higher fuzzy name level.
pub(crate) const JW_HIGH: f64 = 0.92;
/// Jaro-Winkler similarity for the lower fuzzy name level.
pub(crate) const JW_LOW: f64 = 0.85;
/// Birth years further apart than this can never be one person (unless an
/// NHS number says so, or the two dates are one slip of a key apart): a
/// father and son of the same name stay apart.
pub(crate) const MAX_BIRTH_YEAR_GAP: i32 = 1;
/// Dates one mistyped or transposed digit apart are one person's only when
/// their years are closer than this: a father and a son born on the same
/// day of the year, 1965 and 1985, are a generation apart, not a slip.
pub(crate) const MAX_SLIP_YEAR_GAP: i32 = 12;
/// Long names, from this many letters, are compared by edit distance too:
/// a slip early in a long name defeats Jaro-Winkler, which weighs the
/// first letters most.
const MIN_EDIT_LEN: usize = 7;
/// The most edits (a letter added, dropped, changed, or two swapped)
/// between two long names at the edit-distance level.
const MAX_NAME_EDITS: usize = 2;

/// A record with every field normalised once, for fast comparison.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    /// Interned agency code.
    pub agency: u32,
    pub given: GivenName,
    pub family: FamilyName,
    /// Year, month, day; `None` when missing or a placeholder (see
    /// `placeholders`).
    pub dob: Option<(i32, u32, u32)>,
    /// `None` for unknown (`U`).
    pub sex: Option<Sex>,
    pub address: Option<AddressLine>,
    pub postcode: Option<&'a Postcode>,
    /// The postcode's letters and digits (`compact`), held in the record
    /// so most pairs compare it without reading the text from the heap.
    pub postcode_compact: Option<Compact>,
    pub uprn: Option<u64>,
    pub nhs_number: Option<NhsNumber>,
    /// Whether a wholly different given name or date of birth marks
    /// another person (see `conflict`): true where people share homes
    /// with their families, as in every partnership's extracts (see
    /// `households`), and taken as true without the rest of the extract.
    /// A fact about the whole extract, the same on every record of it:
    /// each record carries it so `conflict` needs only the pair.
    pub vouched: bool,
    /// Whether records of this record's whole name at its home (postcode
    /// or UPRN) carry dates of birth that clash: a father and son of one
    /// name live there, so a record of that name without a date of birth
    /// could be either.
    pub namesakes_at_home: bool,
    /// For a record without a date of birth, the birth years its agency's
    /// own relationships allow, earliest and latest (see `BirthYears`).
    pub born: BirthYears,
    /// The interned family names other than its own that records of other
    /// given names hold at this record's homes (0 for none; none at all
    /// where there are more than fit, a home of several families): the
    /// names of the people it lives with (see `families_at_home`).
    pub families_at_home: [u32; MAX_FAMILIES_AT_HOME],
}

/// The most family names besides a record's own that its homes may hold
/// for `Prepared::families_at_home`: a household of a couple with
/// children from before holds two or three; more is a house of several
/// households, whose names say nothing of whom a record lives with.
pub(crate) const MAX_FAMILIES_AT_HOME: usize = 3;

/// The years a record without a date of birth can have been born in, as
/// its agency's relationships bound them: a parent is at least
/// `MIN_PARENT_AGE` years older than a child of theirs with a date of
/// birth, a child that much younger than a dated parent. It tells a father
/// from his son of one name where neither a date nor an NHS number can:
/// the school's undated "Mark Williams", father of a pupil born in 2012,
/// is not the Mark Williams born in 2002.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BirthYears {
    pub earliest: i32,
    pub latest: i32,
}

/// The youngest a parent is taken to be at a child's birth: low enough
/// for any parent an agency records, high enough to keep two generations
/// apart.
pub(crate) const MIN_PARENT_AGE: i32 = 12;

impl BirthYears {
    pub(crate) const ANY: BirthYears = BirthYears { earliest: i32::MIN, latest: i32::MAX };

    /// Whether a year falls within the bounds, give or take the year a
    /// slip can move a date of birth by.
    pub(crate) fn allows(self, year: i32) -> bool {
        year >= self.earliest.saturating_sub(MAX_BIRTH_YEAR_GAP)
            && year <= self.latest.saturating_add(MAX_BIRTH_YEAR_GAP)
    }

    /// Whether two sets of bounds share a year, give or take a slip.
    fn overlaps(self, other: BirthYears) -> bool {
        self.earliest.max(other.earliest) <= self.latest.min(other.latest).saturating_add(MAX_BIRTH_YEAR_GAP)
    }
}

/// A home as a record gives it, as numbers: its UPRN `(HOME_UPRN, uprn,
/// 0)`, or its postcode with its house number and street `(HOME_LINE,
/// postcode, hash of the number and the interned street)`.
pub(crate) type Home = (u8, u64, u64);
pub(crate) const HOME_UPRN: u8 = 0;
pub(crate) const HOME_LINE: u8 = 1;

impl<'a> Prepared<'a> {
    /// The record's home by its UPRN and by its address line, as far as
    /// it gives them (a record may give both): the UPRN first. The
    /// street must be interned (`prepare`).
    pub(crate) fn homes(&self) -> [Option<Home>; 2] {
        use std::hash::{Hash, Hasher};
        let line = self.postcode_compact.zip(self.address.as_ref()).map(|((postcode, _), line)| {
            let mut hasher = rustc_hash::FxHasher::default();
            (&line.number, line.street_id).hash(&mut hasher);
            (HOME_LINE, u64::from_le_bytes(postcode), hasher.finish())
        });
        [self.uprn.map(|uprn| (HOME_UPRN, uprn, 0)), line]
    }

    pub(crate) fn new(record: &'a PersonRecord, agency: u32) -> Prepared<'a> {
        Prepared {
            agency,
            given: GivenName::new(&record.given_name),
            family: FamilyName::new(&record.family_name),
            dob: record.date_of_birth.map(famgraph_model::Date::ymd),
            sex: (record.sex != Sex::U).then_some(record.sex),
            address: record.address.as_deref().and_then(AddressLine::new),
            postcode: record.postcode.as_ref(),
            postcode_compact: record.postcode.as_ref().map(compact),
            uprn: record.uprn,
            nhs_number: record.nhs_number,
            vouched: true,
            namesakes_at_home: false,
            born: BirthYears::ANY,
            families_at_home: [0; MAX_FAMILIES_AT_HOME],
        }
    }
}

/// The level of every field for a pair. Symmetric: `levels(a, b) == levels(b, a)`.
pub(crate) fn levels(a: &Prepared, b: &Prepared) -> Levels {
    let uprn = both(a.uprn, b.uprn).map(id_level);
    let (given, mut family) = name_levels(a, b);
    if family == Some(level::FAMILY_DISAGREE) && housemates_name(a, b) {
        family = Some(level::FAMILY_HOUSEMATE);
    }
    let levels: Levels = [
        given,
        family,
        dob_level(a.dob, b.dob),
        both(a.sex, b.sex).map(|(x, y)| if x == y { level::SEX_AGREE } else { level::SEX_DISAGREE }),
        // The same UPRN already says it is one property.
        if uprn == Some(level::ID_EXACT) { None } else { address_level(a.address.as_ref(), b.address.as_ref()) },
        both(a.postcode_compact, b.postcode_compact).map(|(x, y)| postcode_level(&x, &y)),
        uprn,
        both(a.nhs_number, b.nhs_number).map(id_level),
        Some(if a.agency == b.agency { level::AGENCY_SAME } else { level::AGENCY_DIFFERENT }),
        // Relatives are compared in the second pass, not here.
        None,
    ];
    debug_assert_eq!(levels.len(), N_FIELDS);
    levels
}

/// The given and family name levels, straight or, when the straight
/// comparison fails and the crossed one agrees, as names swapped (the
/// family name then null, so the two names count once).
fn name_levels(a: &Prepared, b: &Prepared) -> (Option<u8>, Option<u8>) {
    let given = given_level(&a.given, &b.given);
    let family = family_level(&a.family, &b.family);
    let unlike = |level: Option<u8>, disagree: u8| level.is_none_or(|l| l == disagree);
    if given == Some(level::GIVEN_DISAGREE) && unlike(family, level::FAMILY_DISAGREE) {
        let mut crossed_ab = crossed(&a.given, &b.family);
        let mut crossed_ba = crossed(&b.given, &a.family);
        // One crossing found, the other may be a nickname: "Kingswood Andy"
        // for Andrew Kingswood.
        if crossed_ab != crossed_ba {
            let variant = |given: &GivenName, family: &FamilyName| {
                crate::nicknames::are_variants(given.groups, crate::nicknames::groups_of(&family.full))
            };
            crossed_ab = crossed_ab || variant(&a.given, &b.family);
            crossed_ba = crossed_ba || variant(&b.given, &a.family);
        }
        if crossed_ab && crossed_ba {
            return (Some(level::GIVEN_SWAPPED), None);
        }
        // One record holds only an initial, and it is the first letter of
        // the other's family name ("Z Hughes" for "Hughes, Zachary"): an
        // initial agreeing, with the names the wrong way round.
        let initial_of = |given: &GivenName, family: &FamilyName| {
            given.is_initial() && family.forms().any(|form| form.len() > 1 && form.starts_with(given.first.as_str()))
        };
        // Or the record the wrong way round holds the initial, now in its
        // family field ("Kingsmore, A" for Andrew Kingsmore).
        let initial_in_family = |family: &FamilyName, given: &GivenName| {
            family.full.len() == 1 && given.first.len() > 1 && given.first.starts_with(family.full.as_str())
        };
        if (crossed_ab && (initial_of(&b.given, &a.family) || initial_in_family(&a.family, &b.given)))
            || (crossed_ba && (initial_of(&a.given, &b.family) || initial_in_family(&b.family, &a.given)))
        {
            return (Some(level::GIVEN_INITIAL), None);
        }
        // One crossing holds and the other is a worse slip than `close`
        // allows ("Thornham, Maak" for Mark Thornham): a given name alike,
        // not the same, with the names the wrong way round.
        let alike = |given: &GivenName, family: &FamilyName| {
            family.forms().any(|form| {
                given.first.len() > 2
                    && given.first.as_bytes().first() == form.as_bytes().first()
                    && jaro_winkler(&given.first, form) >= JW_LOW
            })
        };
        if (crossed_ab && alike(&b.given, &a.family)) || (crossed_ba && alike(&a.given, &b.family)) {
            return (Some(level::GIVEN_JW_LOW), None);
        }
        if family.is_some() && (crossed_ab || crossed_ba) {
            return (given, Some(level::FAMILY_IN_GIVEN));
        }
    }
    (given, family)
}

/// Whether either record's family name is held by someone the other lives
/// with (`Prepared::families_at_home`): the name of a partner or a
/// step-parent, which one agency knows the person by and another not.
fn housemates_name(a: &Prepared, b: &Prepared) -> bool {
    let held = |name: u32, at: &[u32; MAX_FAMILIES_AT_HOME]| name != 0 && at.contains(&name);
    held(a.family.id, &b.families_at_home) || held(b.family.id, &a.families_at_home)
}

/// Whether one record's given name is the other's family name or one part
/// of it ("Millwick" given against Millwick-Evans), at worst a slip away.
fn crossed(given: &GivenName, family: &FamilyName) -> bool {
    family.forms().any(|form| close(&given.first, form))
}

/// Whether a name in one field is the name in the other record's other
/// field, at worst a slip away: "Smith" given and "Smith" family.
fn close(x: &str, y: &str) -> bool {
    // A slip that keeps Jaro-Winkler this high keeps the first letter and
    // about the length: test those first, as most pairs differ there.
    x.len() > 1
        && x.as_bytes().first() == y.as_bytes().first()
        && x.len().abs_diff(y.len()) <= MAX_NAME_EDITS
        && (x == y || jaro_winkler(x, y) >= JW_HIGH)
}

/// The level of two records' postcodes, null when either has none.
pub(crate) fn postcode_level_of(a: &Prepared, b: &Prepared) -> Option<u8> {
    both(a.postcode_compact.as_ref(), b.postcode_compact.as_ref()).map(|(x, y)| postcode_level(x, y))
}

fn postcode_level(x: &Compact, y: &Compact) -> u8 {
    if x == y {
        level::POSTCODE_EXACT
    } else if one_edit_apart(x, y) {
        level::POSTCODE_ONE_CHARACTER
    } else if x.1 == y.1 && x.0[..usize::from(x.1.saturating_sub(2))] == y.0[..usize::from(y.1.saturating_sub(2))] {
        // The sector: all but the last two characters ("ME4 4QS", "ME44").
        level::POSTCODE_SECTOR
    } else {
        level::POSTCODE_DISAGREE
    }
}

/// Whether two postcodes are one character apart: one mistyped, dropped,
/// added, or two neighbours transposed.
pub fn postcodes_one_character_apart(x: &Postcode, y: &Postcode) -> bool {
    x != y && one_edit_apart(&compact(x), &compact(y))
}

/// A postcode's letters and digits without the space, on the stack, and
/// how many there are (a byte: the length fits, and a record holding it
/// stays smaller).
type Compact = ([u8; 8], u8);

fn compact(postcode: &Postcode) -> Compact {
    let mut out = [0; 8];
    let mut len = 0;
    for byte in postcode.as_str().bytes().filter(|b| *b != b' ').take(8) {
        out[len] = byte;
        len += 1;
    }
    (out, len as u8)
}

/// Whether two different strings are one edit apart: a character added,
/// dropped or changed, or two neighbours swapped.
fn one_edit_apart((a, len_a): &Compact, (b, len_b): &Compact) -> bool {
    let (a, b) = (&a[..usize::from(*len_a)], &b[..usize::from(*len_b)]);
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (rest_a, rest_b) = (&a[prefix..], &b[prefix..]);
    match rest_a.len().cmp(&rest_b.len()) {
        std::cmp::Ordering::Equal => {
            rest_a.is_empty()
                || rest_a[1..] == rest_b[1..]
                || (rest_a.len() >= 2 && rest_a[0] == rest_b[1] && rest_a[1] == rest_b[0] && rest_a[2..] == rest_b[2..])
        }
        std::cmp::Ordering::Less => rest_a.len() + 1 == rest_b.len() && rest_a == &rest_b[1..],
        std::cmp::Ordering::Greater => rest_b.len() + 1 == rest_a.len() && rest_b == &rest_a[1..],
    }
}

/// How close two streets' words must be to count as one street.
const STREET_JW: f64 = 0.9;

fn address_level(a: Option<&AddressLine>, b: Option<&AddressLine>) -> Option<u8> {
    let (a, b) = both(a, b)?;
    // Most pairs compared are of different streets: the cheap tests first.
    let street_equal = same((a.street_id, b.street_id), &a.street, &b.street);
    let same_street = street_equal
        || (a.street.as_bytes().first() == b.street.as_bytes().first()
            && a.street.len().abs_diff(b.street.len()) <= MAX_NAME_EDITS
            && jaro_winkler(&a.street, &b.street) >= STREET_JW);
    Some(match (same_street, a.number == b.number) {
        (true, true) if street_equal => level::ADDRESS_EXACT,
        (true, true) => level::ADDRESS_NUMBER_STREET,
        (true, false) => level::ADDRESS_STREET,
        (false, _) => level::ADDRESS_DISAGREE,
    })
}

/// Why two records can never be one person, whatever else agrees: the
/// rules that stop a chain of links joining two different people through a
/// weak middle record. Checked for every pair across two clusters before
/// they merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Two different valid NHS numbers.
    NhsNumberDiffers,
    /// Two records of one agency, one without a date of birth and neither
    /// recorded as female, where people live with their families: an
    /// agency holding a father and son of one name (a son named after his
    /// father is common, a daughter after her mother far rarer) holds two
    /// people about as often as one person twice, and without both dates
    /// nothing tells which. Unless the agency recorded the undated record's
    /// parent or child with a date: that places it in a generation
    /// (`BirthYears`), and a namesake of the generation next to it is
    /// `BornOutsideYears`; only a third generation of one name is left.
    SameAgencyUndated,
    /// A record without a date of birth, of a name that two people at its
    /// home are recorded under with different dates (a father and son): it
    /// could be either, so it joins neither unless an NHS number or a
    /// person settles it.
    NamesakesAtHome,
    /// Birth years more than a year apart, and not a slip of one digit: a
    /// father and son of one name at one address.
    BirthYearsApart,
    /// A record without a date of birth whose agency recorded it as the
    /// parent of a child, or the child of a parent, whose date rules out
    /// the other record's (see `BirthYears`).
    BornOutsideYears,
    /// Dates of birth that no slip relates (not swapped, not a year off,
    /// not one digit mistyped or two transposed): two people of one name,
    /// which a record without a date of birth must not chain together.
    DatesOfBirthDiffer,
    /// Given names that no rule relates (or close spellings of a boy's and
    /// a girl's name) where people live with their families, or where a
    /// full given name is missing: twins agree on everything else, and so
    /// would two siblings joined through a record holding only an initial.
    /// In an extract of individuals, two records may be one person whose
    /// given name was keyed wrong; their weights decide.
    GivenNamesDiffer,
}

impl Conflict {
    /// A stable label for explanations.
    pub fn label(self) -> &'static str {
        match self {
            Conflict::NhsNumberDiffers => "nhs_number_differs",
            Conflict::NamesakesAtHome => "namesakes_at_home",
            Conflict::SameAgencyUndated => "same_agency_undated",
            Conflict::BirthYearsApart => "birth_years_apart",
            Conflict::BornOutsideYears => "born_outside_years",
            Conflict::DatesOfBirthDiffer => "dates_of_birth_differ",
            Conflict::GivenNamesDiffer => "given_names_differ",
        }
    }
}

/// The conflict that keeps two records apart, if any. A shared NHS number
/// overrides the date and name rules: it outweighs a mistyped year or a
/// changed given name. Two records of one agency are not a conflict: an
/// agency may hold one person twice, and the agency level weighs that.
///
/// Where people live with their families (`vouched`), a wholly different
/// date of birth or given name is another person: a father and son of one
/// name, twins. In an extract of people who share no homes with relatives
/// it can only be a value keyed wrong, and the pair's weight decides, the
/// disagreement weighing what the data says it should; two records whose
/// dates clash can still never be joined through a third record (the
/// clustering's veto, `cluster::cluster`).
pub(crate) fn conflict(a: &Prepared, b: &Prepared) -> Option<Conflict> {
    // The family name matters only to tell a swap of names from a
    // different given name: compared only then.
    let given = || match given_level(&a.given, &b.given) {
        Some(level::GIVEN_DISAGREE) => name_levels(a, b).0,
        other => other,
    };
    conflict_with(a, b, || (given(), dob_level(a.dob, b.dob)))
}

/// `conflict` for a pair whose levels are already known (`levels(a, b)`):
/// the given name's and the date of birth's are not worked out again.
pub(crate) fn conflict_given_levels(a: &Prepared, b: &Prepared, levels: &Levels) -> Option<Conflict> {
    conflict_with(a, b, || (levels[Field::GivenName as usize], levels[Field::DateOfBirth as usize]))
}

/// `conflict`, with the pair's given-name and date-of-birth levels from
/// `given_and_dob` (asked for only when the cheaper rules have passed).
fn conflict_with(
    a: &Prepared,
    b: &Prepared,
    given_and_dob: impl FnOnce() -> (Option<u8>, Option<u8>),
) -> Option<Conflict> {
    match both(a.nhs_number, b.nhs_number) {
        Some((x, y)) if x == y => return None,
        Some(_) => return Some(Conflict::NhsNumberDiffers),
        None => {}
    }
    let born_outside = match (a.dob, b.dob) {
        (None, Some((year, _, _))) => !a.born.allows(year),
        (Some((year, _, _)), None) => !b.born.allows(year),
        (None, None) => !a.born.overlaps(b.born),
        (Some(_), Some(_)) => false,
    };
    if born_outside {
        return Some(Conflict::BornOutsideYears);
    }
    let vouched = a.vouched || b.vouched;
    if vouched && (a.dob.is_none() && a.namesakes_at_home || b.dob.is_none() && b.namesakes_at_home) {
        return Some(Conflict::NamesakesAtHome);
    }
    let female = a.sex == Some(Sex::F) || b.sex == Some(Sex::F);
    let bounded = a.born != BirthYears::ANY || b.born != BirthYears::ANY;
    if vouched && !female && !bounded && a.agency == b.agency && (a.dob.is_none() || b.dob.is_none()) {
        return Some(Conflict::SameAgencyUndated);
    }
    let (given, dob) = given_and_dob();
    if let Some(clash) = dob.and_then(|level| dob_clash_at(a, b, level))
        && (vouched || clash == Conflict::BirthYearsApart && slip_of_a_generation(a, b))
    {
        return Some(clash);
    }
    // `given` is the level with names swapped found (`name_levels`).
    let sexes_differ = both(a.sex, b.sex).is_some_and(|(x, y)| x != y);
    let keyed_wrong_possible = !vouched && !sexes_differ && !a.given.is_initial() && !b.given.is_initial();
    // Close spellings of a boy's and a girl's name (Daniel and Daniela,
    // Aaron and Erin) are twins more often than one person's slips.
    let differ = (given == Some(level::GIVEN_DISAGREE) && !keyed_wrong_possible)
        || (sexes_differ
            && matches!(
                given,
                Some(level::GIVEN_JW_HIGH | level::GIVEN_PHONETIC | level::GIVEN_JW_LOW | level::GIVEN_EDIT)
            ));
    differ.then_some(Conflict::GivenNamesDiffer)
}

/// How two dates of birth clash, if they do: not exact, not swapped, not a
/// year off, not two digits transposed, not one digit mistyped (within
/// `MAX_SLIP_YEAR_GAP` years), and not each a slip of one true date (one
/// swapped, the other a year off; `two_slips_apart`).
pub(crate) fn dob_clash(a: &Prepared, b: &Prepared) -> Option<Conflict> {
    dob_clash_at(a, b, dob_level(a.dob, b.dob)?)
}

/// `dob_clash` for dates already compared to the level `compared`.
fn dob_clash_at(a: &Prepared, b: &Prepared, compared: u8) -> Option<Conflict> {
    let (x, y) = both(a.dob, b.dob)?;
    let years_apart = (x.0 - y.0).abs();
    let same_day_of_year = (x.1, x.2) == (y.1, y.2) || (x.1, x.2) == (y.2, y.1);
    match compared {
        level::DOB_DISAGREE if years_apart < MAX_SLIP_YEAR_GAP && two_slips_apart(x, y) => None,
        level::DOB_DISAGREE if years_apart > MAX_BIRTH_YEAR_GAP => Some(Conflict::BirthYearsApart),
        level::DOB_DISAGREE if !same_day_of_year => Some(Conflict::DatesOfBirthDiffer),
        level::DOB_ONE_DIGIT if years_apart >= MAX_SLIP_YEAR_GAP => Some(Conflict::BirthYearsApart),
        _ => None,
    }
}

/// Whether the records hold people living with their families: of the
/// homes (a family name at a UPRN, or at a postcode and address line) that
/// two or more dated records give, more than `MIN_HOUSEHOLD_SHARE` hold
/// two records differing in both given name and date of birth (siblings,
/// a parent and child), among at least `MIN_HOUSEHOLDS` such homes. Too
/// few homes to tell, and households are assumed: the safe side. The
/// records' names must be interned (`prepare`).
pub(crate) fn households(records: &[Prepared]) -> bool {
    let mut homes: rustc_hash::FxHashMap<(u32, Home), Vec<usize>> = rustc_hash::FxHashMap::default();
    for (i, record) in records.iter().enumerate() {
        let Some(home) = record.homes().into_iter().flatten().next() else { continue };
        if record.dob.is_some() && !record.family.is_empty() {
            homes.entry((record.family.id, home)).or_default().push(i);
        }
    }
    let (mut homes_seen, mut with_relatives) = (0_usize, 0_usize);
    for members in homes.values().filter(|m| m.len() > 1) {
        let pairs = members.iter().enumerate().flat_map(|(k, &i)| members[k + 1..].iter().map(move |&j| (i, j)));
        homes_seen += 1;
        with_relatives += usize::from(pairs.into_iter().any(|(i, j)| {
            let (a, b) = (&records[i], &records[j]);
            given_level(&a.given, &b.given) == Some(level::GIVEN_DISAGREE)
                && dob_level(a.dob, b.dob) == Some(level::DOB_DISAGREE)
        }));
    }
    homes_seen < MIN_HOUSEHOLDS || with_relatives as f64 > MIN_HOUSEHOLD_SHARE * homes_seen as f64
}

/// The fewest homes with two or more records to judge by.
const MIN_HOUSEHOLDS: usize = 20;
/// The share of those homes that must hold relatives for the records to
/// be of families. A partnership's extracts are of families: most homes
/// hold parents and children. An extract of individuals holds relatives
/// at a home only where a record was keyed wrong twice over.
const MIN_HOUSEHOLD_SHARE: f64 = 0.2;

/// One digit of the year apart and a generation or more between (1965 and
/// 1985): a father and son born on the same day of the year rather than
/// one person's slip. Two digits transposed (1958 and 1985) are left to
/// the weights.
fn slip_of_a_generation(a: &Prepared, b: &Prepared) -> bool {
    both(a.dob, b.dob).is_some_and(|(x, y)| {
        (x.0 - y.0).abs() >= MAX_SLIP_YEAR_GAP && dob_level(Some(x), Some(y)) == Some(level::DOB_ONE_DIGIT)
    })
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
    // Lengths first: most pairs differ in length, and ordering them so
    // spares a call to compare their bytes.
    let (first, second) = if (a.len(), a) <= (b.len(), b) { (a, b) } else { (b, a) };
    // Names and streets are normalised to ASCII (`normalise::tokens`), so
    // bytes are characters: no decoding, no counting of characters.
    debug_assert!(first.is_ascii() && second.is_ascii(), "{first:?} {second:?}");
    strsim::generic_jaro_winkler(&Bytes(first.as_bytes()), &Bytes(second.as_bytes()))
}

/// A normalised name's bytes, for strsim's generic measures.
struct Bytes<'a>(&'a [u8]);

impl<'a> IntoIterator for &Bytes<'a> {
    type Item = u8;
    type IntoIter = std::iter::Copied<std::slice::Iter<'a, u8>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().copied()
    }
}

fn given_level(a: &GivenName, b: &GivenName) -> Option<u8> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if same((a.id, b.id), &a.first, &b.first) {
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
    } else if a.sounds.agree(b.sounds) {
        level::GIVEN_PHONETIC
    } else if long_and_close(&a.first, &b.first) {
        level::GIVEN_EDIT
    } else if similarity >= JW_LOW {
        level::GIVEN_JW_LOW
    } else if misspelling(a, b) {
        level::GIVEN_MISSPELLING
    } else {
        level::GIVEN_DISAGREE
    })
}

/// Two long names at most `MAX_NAME_EDITS` apart.
fn long_and_close(a: &str, b: &str) -> bool {
    a.len().min(b.len()) >= MIN_EDIT_LEN
        && a.len().abs_diff(b.len()) <= MAX_NAME_EDITS
        && letters_within(a, b, MAX_NAME_EDITS)
        && strsim::osa_distance(a, b) <= MAX_NAME_EDITS
}

/// A cheap bound first: each edit changes the count of at most two
/// letters by one, so names whose letter counts differ by more than twice
/// the edits allowed are further apart than that.
fn letters_within(a: &str, b: &str, edits: usize) -> bool {
    let mut counts = [0_i32; 27];
    let slot = |byte: u8| if byte.is_ascii_lowercase() { usize::from(byte - b'a') } else { 26 };
    for byte in a.bytes() {
        counts[slot(byte)] += 1;
    }
    for byte in b.bytes() {
        counts[slot(byte)] -= 1;
    }
    counts.iter().map(|c| c.unsigned_abs() as usize).sum::<usize>() <= 2 * edits
}

/// A spelling on at most this many records of the extract can be a slip.
const RARE_SPELLING: u32 = 2;
/// Or on at most this fraction of the records of the commoner spelling:
/// in a county's extracts one slip of a common name recurs (a Zoe keyed
/// "Zoa" on a dozen records of thousands), while two names both in use
/// ("Ella" and "Emma", "Lily" and "Lila") are within a few times of each
/// other's counts.
const RARE_SPELLING_RATIO: u32 = 50;
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
    if a.slip.is_some() || b.slip.is_some() {
        if let (Some(x), Some(y)) = (&a.slip, &b.slip)
            && x.of.iter().any(|&name| name != 0 && y.of.contains(&name))
        {
            return true;
        }
        // A slip of a variant of the other, or of the other's slip's variant.
        if nickname_groups(a).any(|x| nickname_groups(b).any(|y| crate::nicknames::are_variants(x, y))) {
            return true;
        }
    }
    let (rare, common) = if a.seen <= b.seen { (a, b) } else { (b, a) };
    let rare_here =
        rare.seen >= 1 && (rare.seen <= RARE_SPELLING || rare.seen.saturating_mul(RARE_SPELLING_RATIO) <= common.seen);
    if !rare_here || common.seen < COMMON_SPELLING_RATIO * rare.seen || rare.first.len() < MIN_SLIP_LEN {
        return false;
    }
    let first_letter = rare.first.as_bytes()[0];
    let variants = common.groups.iter().flat_map(|group| crate::nicknames::names_in(*group));
    std::iter::once(common.first.as_str()).chain(variants.copied()).any(|name| {
        name.as_bytes().first() == Some(&first_letter) && strsim::osa_distance(&rare.first, name) <= MAX_SLIP_EDITS
    })
}

/// A given name's nickname groups, then those of the common spellings it
/// is a slip of.
fn nickname_groups(name: &GivenName) -> impl Iterator<Item = &'static [u16]> + '_ {
    std::iter::once(name.groups).chain(name.slip.iter().flat_map(|slip| slip.groups))
}

/// Marks each rare given name with the common spellings of the extract it
/// is one slip from (`GivenName::slip`), so two slips of one name
/// ("Paaul" and "Pul", "Liily" and "Lly"), each rare, are a misspelling
/// of each other rather than two names. A spelling is marked only towards
/// names on at least `RARE_SPELLING_RATIO` times as many records, and only
/// where at most two such names are one slip away: in a small extract no
/// name is that common, and nothing is marked. The names must be interned
/// and counted.
pub(crate) fn slips_of_one_name(records: &mut [Prepared]) {
    let mut spellings: rustc_hash::FxHashMap<u32, (&str, u32)> = rustc_hash::FxHashMap::default();
    for record in records.iter() {
        spellings.entry(record.given.id).or_insert((record.given.first.as_str(), record.given.seen));
    }
    let mut common: Vec<(u8, &str, u32, u32)> = spellings
        .iter()
        .filter(|(_, (name, seen))| name.len() > 1 && *seen >= RARE_SPELLING_RATIO)
        .map(|(&id, &(name, seen))| (name.as_bytes()[0], name, seen, id))
        .collect();
    common.sort_unstable();
    let mut slip_of: rustc_hash::FxHashMap<u32, std::sync::Arc<crate::normalise::Slip>> =
        rustc_hash::FxHashMap::default();
    for (&id, &(name, seen)) in spellings.iter().filter(|(_, (name, _))| name.len() >= MIN_SLIP_LEN) {
        let letter = name.as_bytes()[0];
        let from = common.partition_point(|c| c.0 < letter);
        let mut found = [0_u32; 2];
        let mut groups: [&'static [u16]; 2] = [&[]; 2];
        let mut n_found = 0;
        let max_edits = if name.len() >= MIN_TWO_SLIP_LEN { 2 } else { 1 };
        for &(_, other, other_seen, other_id) in common[from..].iter().take_while(|c| c.0 == letter) {
            if other_seen >= RARE_SPELLING_RATIO.saturating_mul(seen)
                && other.len().abs_diff(name.len()) <= max_edits
                && strsim::osa_distance(name, other) <= max_edits
            {
                if n_found < found.len() {
                    found[n_found] = other_id;
                    groups[n_found] = crate::nicknames::groups_of(other);
                }
                n_found += 1;
            }
        }
        if (1..=found.len()).contains(&n_found) {
            slip_of.insert(id, std::sync::Arc::new(crate::normalise::Slip { of: found, groups }));
        }
    }
    for record in records {
        if let Some(slip) = slip_of.get(&record.given.id) {
            record.given.slip = Some(std::sync::Arc::clone(slip));
        }
    }
}

/// A rare spelling this long may be two slips from the common one
/// ("Chleoo" for Chloe); a shorter one only one: two remake a short name.
const MIN_TWO_SLIP_LEN: usize = 6;

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
    let parts = !a.parts.is_empty() || !b.parts.is_empty();
    if same((a.id, b.id), &a.full, &b.full) || parts && a.forms().any(|x| b.forms().any(|y| x == y)) {
        return Some(level::FAMILY_EXACT);
    }
    let similarity = a.forms().flat_map(|x| b.forms().map(move |y| jaro_winkler(x, y))).fold(0.0, f64::max);
    Some(if similarity >= JW_HIGH {
        level::FAMILY_JW_HIGH
    } else if a.sounds.agree(b.sounds) {
        level::FAMILY_PHONETIC
    } else if long_and_close(&a.full, &b.full) {
        level::FAMILY_EDIT
    } else if similarity >= JW_LOW {
        level::FAMILY_JW_LOW
    } else {
        level::FAMILY_DISAGREE
    })
}

/// A date's eight digits, YYYYMMDD.
fn digits((year, month, day): (i32, u32, u32)) -> [u8; 8] {
    let mut out = [0; 8];
    let mut value = u64::from(year.clamp(0, 9999).unsigned_abs()) * 10_000 + u64::from(month) * 100 + u64::from(day);
    for slot in out.iter_mut().rev() {
        *slot = (value % 10) as u8;
        value /= 10;
    }
    out
}

/// Whether two dates of birth disagree beyond a slip of the keyboard: not
/// the day and month swapped, the year one off, two digits transposed or
/// one digit wrong.
pub fn dates_of_birth_clash(a: famgraph_model::Date, b: famgraph_model::Date) -> bool {
    dob_level(Some(a.ymd()), Some(b.ymd())) == Some(level::DOB_DISAGREE)
}

pub(crate) fn dob_level(a: Option<(i32, u32, u32)>, b: Option<(i32, u32, u32)>) -> Option<u8> {
    let ((year_a, month_a, day_a), (year_b, month_b, day_b)) = both(a, b)?;
    if (year_a, month_a, day_a) == (year_b, month_b, day_b) {
        return Some(level::DOB_EXACT);
    }
    if year_a == year_b && month_a == day_b && day_a == month_b {
        return Some(level::DOB_SWAPPED);
    }
    if (month_a, day_a) == (month_b, day_b) && (year_a - year_b).abs() == 1 {
        return Some(level::DOB_YEAR_OFF);
    }
    let (first, second) = (digits((year_a, month_a, day_a)), digits((year_b, month_b, day_b)));
    let mut differ = [0_usize; 3];
    let mut count = 0;
    for position in (0..8).filter(|&k| first[k] != second[k]) {
        if count == differ.len() {
            return Some(level::DOB_DISAGREE);
        }
        differ[count] = position;
        count += 1;
    }
    Some(match &differ[..count] {
        [_] => level::DOB_ONE_DIGIT,
        [k, l] if *l == k + 1 && first[*k] == second[*l] && first[*l] == second[*k] => level::DOB_TRANSPOSED,
        _ => level::DOB_DISAGREE,
    })
}

/// Two dates each a slip of one true date: "1977-07-03" (day's digits
/// transposed) and "1976-07-30" (year one off) are both slips of
/// 1977-07-30, as two of one person's records can be. A slip is the day
/// and month swapped, the year one off, a digit typed wrong or two next
/// to each other transposed.
fn two_slips_apart(a: (i32, u32, u32), b: (i32, u32, u32)) -> bool {
    // A swap undone on either side: 1985-03-22 (a digit of 1985-03-12's
    // day) against 1985-12-03 (its day and month swapped).
    slips_undone_on_first(a, b) || slips_undone_on_first(b, a)
}

fn slips_undone_on_first(a: (i32, u32, u32), b: (i32, u32, u32)) -> bool {
    let (year, month, day) = a;
    let swap = (day <= 12 && day != month).then_some((year, day, month));
    let b = digits(b);
    // Undo up to two swaps or years off on `a`; the digit slips left must
    // make up the rest.
    let undone = [(a, 0), ((year - 1, month, day), 1), ((year + 1, month, day), 1)];
    let swapped = swap.into_iter().flat_map(|(y, m, d)| [((y, m, d), 1), ((y - 1, m, d), 2), ((y + 1, m, d), 2)]);
    undone.into_iter().chain(swapped).any(|(date, slips)| slips + digit_slips(digits(date), b) <= 2)
}

/// The fewest digits typed wrong or pairs of neighbours transposed that
/// turn one string of digits into the other (counted to 3 at most).
fn digit_slips(x: [u8; 8], y: [u8; 8]) -> usize {
    let (mut k, mut slips) = (0, 0);
    while k < 8 && slips < 3 {
        if x[k] == y[k] {
            k += 1;
            continue;
        }
        slips += 1;
        // A transposition mends two positions with one slip: taking it
        // when it fits is never worse.
        k += if k + 1 < 8 && x[k] == y[k + 1] && x[k + 1] == y[k] { 2 } else { 1 };
    }
    slips
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of one agency with names and nothing else.
    fn bare(given: &str, family: &str) -> Prepared<'static> {
        Prepared {
            agency: 0,
            given: GivenName::new(given),
            family: FamilyName::new(family),
            dob: None,
            sex: None,
            address: None,
            postcode: None,
            postcode_compact: None,
            uprn: None,
            nhs_number: None,
            vouched: true,
            namesakes_at_home: false,
            born: BirthYears::ANY,
            families_at_home: [0; MAX_FAMILIES_AT_HOME],
        }
    }

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
            let mut prepared = Prepared { dob: Some((1975, 8, 18)), sex: Some(Sex::F), ..bare(given, "Webster") };
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
    fn names_entered_the_wrong_way_round() {
        let levels = |(given_a, family_a): (&str, &str), (given_b, family_b): (&str, &str)| {
            name_levels(&bare(given_a, family_a), &bare(given_b, family_b))
        };
        let swapped = (Some(level::GIVEN_SWAPPED), None);
        assert_eq!(levels(("Kerry", "Walsh"), ("Walsh", "Kerry")), swapped);
        assert_eq!(levels(("Andrew", "Kingswood"), ("Kingswood", "Andy")), swapped, "with a nickname");
        assert_eq!(levels(("Isla", "Millwick-Evans"), ("Millwick-Evans", "Isla")), swapped, "hyphenated");
        assert_eq!(levels(("Kerry", "Walsh"), ("Walsh", "Jones")).1, Some(level::FAMILY_IN_GIVEN));
        // An initial against names the wrong way round: an initial agreeing.
        let initial = (Some(level::GIVEN_INITIAL), None);
        assert_eq!(levels(("Z", "Hughes"), ("Hughes", "Zachary")), initial);
        assert_eq!(levels(("Hughes", "Zachary"), ("Z.", "Hughes")), initial);
        assert_eq!(levels(("Y", "Hughes"), ("Hughes", "Zachary")).0, Some(level::GIVEN_DISAGREE));
        // The record the wrong way round holding the initial, in its family field.
        assert_eq!(levels(("Kingsmore", "A"), ("Andrew", "Kingsmore")), initial);
        assert_eq!(levels(("Andrew", "Kingsmore"), ("Kingsmore", "A.")), initial);
        assert_eq!(levels(("Kingsmore", "B"), ("Andrew", "Kingsmore")).0, Some(level::GIVEN_DISAGREE));
        // A slip in the crossed given name: a given name alike.
        assert_eq!(levels(("Maak", "Thornham"), ("Thornham", "Mark")), (Some(level::GIVEN_JW_LOW), None));
        assert_eq!(levels(("Paul", "Thornham"), ("Thornham", "Mark")).0, Some(level::GIVEN_DISAGREE));
    }

    #[test]
    fn address_levels() {
        let level = |a: &str, b: &str| {
            let (x, y) = (AddressLine::new(a), AddressLine::new(b));
            let level = address_level(x.as_ref(), y.as_ref());
            assert_eq!(level, address_level(y.as_ref(), x.as_ref()), "{a} {b}");
            level
        };
        assert_eq!(level("12 High St", "12, HIGH STREET"), Some(level::ADDRESS_EXACT));
        assert_eq!(level("Flat 2, 12 High St", "12 High Street"), Some(level::ADDRESS_EXACT));
        assert_eq!(level("12 Hihg Street", "12 High Street"), Some(level::ADDRESS_NUMBER_STREET));
        assert_eq!(level("14 High Street", "12 High Street"), Some(level::ADDRESS_STREET));
        assert_eq!(level("12 Mill Lane", "12 High Street"), Some(level::ADDRESS_DISAGREE));
        assert_eq!(level("", "12 High Street"), None);
    }

    #[test]
    fn postcode_levels() {
        let code = |text: &str| compact(&Postcode::parse(text).unwrap());
        let level = |a: &str, b: &str| postcode_level(&code(a), &code(b));
        assert_eq!(level("ME4 4QS", "ME4 4QS"), level::POSTCODE_EXACT);
        assert_eq!(level("ME4 4QS", "ME4 4QT"), level::POSTCODE_ONE_CHARACTER);
        assert_eq!(level("ME4 4QS", "ME4 4SQ"), level::POSTCODE_ONE_CHARACTER);
        assert_eq!(level("ME4 4QS", "ME14 4QS"), level::POSTCODE_ONE_CHARACTER);
        assert_eq!(level("ME14 4QS", "ME4 4QS"), level::POSTCODE_ONE_CHARACTER);
        assert_eq!(level("ME4 4QS", "ME4 4QB"), level::POSTCODE_ONE_CHARACTER);
        assert_eq!(level("ME4 4QS", "ME4 4AB"), level::POSTCODE_SECTOR);
        assert_eq!(level("ME4 4QS", "CT1 2AB"), level::POSTCODE_DISAGREE);
    }

    #[test]
    fn long_names_a_slip_or_two_apart_and_names_that_sound_alike() {
        assert_eq!(given("Xhristophex", "Christopher"), Some(level::GIVEN_EDIT));
        assert_eq!(given("Filipa", "Philippa"), Some(level::GIVEN_PHONETIC));
        assert_eq!(family("Smith", "Schmidt"), Some(level::FAMILY_PHONETIC));
        // Short names are not compared by edit distance: Ella and Emma.
        assert_eq!(given("Ella", "Emma"), Some(level::GIVEN_DISAGREE));
    }

    #[test]
    fn dates_each_a_slip_of_one_date_do_not_clash() {
        // Day's digits transposed, and the year one off, from 1977-07-30.
        assert!(two_slips_apart((1977, 7, 3), (1976, 7, 30)));
        assert!(two_slips_apart((1976, 7, 30), (1977, 7, 3)));
        // Day and month swapped, and one digit of the day, from 1985-03-14.
        assert!(two_slips_apart((1985, 12, 3), (1985, 3, 22)));
        assert!(two_slips_apart((1985, 3, 22), (1985, 12, 3)));
        // Three digits apart is two dates.
        assert!(!two_slips_apart((1977, 7, 30), (1978, 9, 12)));
        let record = |dob| Prepared { dob: Some(dob), ..bare("Richard", "Shelden") };
        assert_eq!(dob_clash(&record((1977, 7, 3)), &record((1976, 7, 30))), None);
        assert_eq!(dob_clash(&record((1977, 7, 30)), &record((1978, 9, 12))), Some(Conflict::DatesOfBirthDiffer));
        // A generation apart is never a slip, however few digits differ.
        assert_eq!(dob_clash(&record((1977, 7, 30)), &record((1997, 3, 7))), Some(Conflict::BirthYearsApart));
    }

    #[test]
    fn a_slip_that_recurs_across_a_county_is_still_a_slip() {
        // Keyed a dozen times among thousands of records of the name.
        assert_eq!(given_seen(("Zoa", 12), ("Zoe", 2_000)), Some(level::GIVEN_MISSPELLING));
        // Two names in use, a few times apart in their counts, are two names.
        assert_eq!(given_seen(("Zoa", 300), ("Zoe", 2_000)), Some(level::GIVEN_DISAGREE));
    }

    #[test]
    fn dob_levels() {
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1980, 3, 4))), Some(level::DOB_EXACT));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1980, 4, 3))), Some(level::DOB_SWAPPED));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1981, 3, 4))), Some(level::DOB_YEAR_OFF));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1982, 3, 4))), Some(level::DOB_ONE_DIGIT));
        assert_eq!(dob_level(Some((1985, 3, 4)), Some((1958, 3, 4))), Some(level::DOB_TRANSPOSED));
        assert_eq!(dob_level(Some((1985, 3, 14)), Some((1985, 3, 24))), Some(level::DOB_ONE_DIGIT));
        assert_eq!(dob_level(Some((1980, 3, 4)), Some((1982, 5, 4))), Some(level::DOB_DISAGREE));
        assert_eq!(dob_level(None, Some((1982, 3, 4))), None);
    }
}
