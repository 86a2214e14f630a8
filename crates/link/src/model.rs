//! The match model as data: for every compared field, ordered comparison
//! levels, each with an m probability (of seeing that level when the two
//! records are the same person) and a u probability (when they are not).
//!
//! A level's weight is log2(m/u), so the weight of a pair is the log2 Bayes
//! factor of all its evidence, and the explanation of a link is the list of
//! levels it hit. A field missing on either side falls to the null level,
//! which weighs nothing. The levels and their order are fixed by the
//! comparators in `compare`; the probabilities are plain numbers, so a
//! later step can estimate them by expectation maximisation and adjust
//! name levels for how common each name is.

/// A field the comparators look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    GivenName,
    FamilyName,
    DateOfBirth,
    Sex,
    /// The first line of the address: house number and street, compared
    /// through abbreviations and slips (`normalise::AddressLine`). Left
    /// out (null) when the UPRNs agree, which already say it is one
    /// property.
    Address,
    Postcode,
    Uprn,
    NhsNumber,
    /// Whether the two records come from one agency. An agency seldom
    /// holds two records of one person (registered twice, a new record
    /// after a gap), so a pair from one agency needs more evidence: how
    /// much more is learned from the data like every other level, and in
    /// an extract from a single agency the level costs nothing.
    Agency,
    /// Whether the two records share a relative: a related record, in the
    /// same role, that the first pass linked into one person (the mother
    /// an early-help record names and the mother a school record names).
    /// Known only in the second pass (`Linker::link_with_relations`).
    Relatives,
}

/// The number of compared fields.
pub const N_FIELDS: usize = 10;

/// The label of the level a missing value falls to; it weighs nothing.
pub const NULL_LEVEL: &str = "null";

impl Field {
    /// Every field, in the order comparisons are summed and explained.
    pub const ALL: [Field; N_FIELDS] = [
        Field::GivenName,
        Field::FamilyName,
        Field::DateOfBirth,
        Field::Sex,
        Field::Address,
        Field::Postcode,
        Field::Uprn,
        Field::NhsNumber,
        Field::Agency,
        Field::Relatives,
    ];

    /// The field's name as in `people.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::DateOfBirth => "date_of_birth",
            Field::Sex => "sex",
            Field::Address => "address",
            Field::Postcode => "postcode",
            Field::Uprn => "uprn",
            Field::NhsNumber => "nhs_number",
            Field::Agency => "agency",
            Field::Relatives => "relatives",
        }
    }

    /// The field's non-null levels, most similar first. The comparators
    /// return indices into this list (see `level`).
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            Field::GivenName => &[
                "exact",
                "nickname",
                "jaro_winkler>=0.92",
                "nickname_jaro_winkler>=0.92",
                "phonetic",
                "edit_distance<=2",
                "jaro_winkler>=0.85",
                "misspelling",
                "initial",
                "names_swapped",
                "disagree",
            ],
            Field::FamilyName => &[
                "exact",
                "jaro_winkler>=0.92",
                "phonetic",
                "edit_distance<=2",
                "jaro_winkler>=0.85",
                "in_given_name",
                "a_housemates_name",
                "disagree",
            ],
            Field::DateOfBirth => {
                &["exact", "day_month_swapped", "year_off_by_one", "digits_transposed", "one_digit", "disagree"]
            }
            Field::Sex => &["agree", "disagree"],
            Field::Address => &["exact", "number_and_street", "street", "disagree"],
            Field::Postcode => &["exact", "one_character", "sector", "disagree"],
            Field::Uprn | Field::NhsNumber => &["exact", "disagree"],
            Field::Agency => &["different_agencies", "same_agency"],
            Field::Relatives => &["shared", "housemate_shared", "none_shared"],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Level indices into `Field::level_labels`, named for the comparators.
pub(crate) mod level {
    pub const GIVEN_EXACT: u8 = 0;
    pub const GIVEN_NICKNAME: u8 = 1;
    pub const GIVEN_JW_HIGH: u8 = 2;
    /// Close to a variant of the other name: "Cahrlie" for Charlotte.
    pub const GIVEN_NICKNAME_JW: u8 = 3;
    /// Spelt differently, sounding alike (Double Metaphone): "Steven" and
    /// "Stephen".
    pub const GIVEN_PHONETIC: u8 = 4;
    /// A long name a slip or two away, however early the slips:
    /// "Xhristophex". Shorter names that close fall to `GIVEN_JW_LOW`.
    pub const GIVEN_EDIT: u8 = 5;
    pub const GIVEN_JW_LOW: u8 = 6;
    /// A rare spelling a slip or two from a common one: "Zeu" for Zoe
    /// where Zoe is common in the extract and Zeu all but unseen.
    pub const GIVEN_MISSPELLING: u8 = 7;
    pub const GIVEN_INITIAL: u8 = 8;
    /// The given and family names entered the wrong way round: each agrees
    /// with the other record's other name. The family name is then null,
    /// so the names count once.
    pub const GIVEN_SWAPPED: u8 = 9;
    pub const GIVEN_DISAGREE: u8 = 10;

    pub const FAMILY_EXACT: u8 = 0;
    pub const FAMILY_JW_HIGH: u8 = 1;
    pub const FAMILY_PHONETIC: u8 = 2;
    pub const FAMILY_EDIT: u8 = 3;
    pub const FAMILY_JW_LOW: u8 = 4;
    /// One record's family name is (at worst a slip from) the other's given
    /// name, the other names disagreeing: entered the wrong way round, and
    /// one of them changed.
    pub const FAMILY_IN_GIVEN: u8 = 5;
    /// The names disagree, but one record's family name is held by
    /// another person at the other record's home: a woman known by her
    /// partner's name to one agency, a child by a step-parent's.
    pub const FAMILY_HOUSEMATE: u8 = 6;
    pub const FAMILY_DISAGREE: u8 = 7;

    pub const DOB_EXACT: u8 = 0;
    pub const DOB_SWAPPED: u8 = 1;
    pub const DOB_YEAR_OFF: u8 = 2;
    /// Two neighbouring digits of YYYYMMDD swapped: 1985 for 1958.
    pub const DOB_TRANSPOSED: u8 = 3;
    /// One digit of YYYYMMDD mistyped.
    pub const DOB_ONE_DIGIT: u8 = 4;
    pub const DOB_DISAGREE: u8 = 5;

    pub const SEX_AGREE: u8 = 0;
    pub const SEX_DISAGREE: u8 = 1;

    pub const ADDRESS_EXACT: u8 = 0;
    /// The same house number and the street a slip or an abbreviation away.
    pub const ADDRESS_NUMBER_STREET: u8 = 1;
    /// The same street, another or no house number.
    pub const ADDRESS_STREET: u8 = 2;
    pub const ADDRESS_DISAGREE: u8 = 3;

    pub const POSTCODE_EXACT: u8 = 0;
    /// One character added, dropped, changed or two swapped.
    pub const POSTCODE_ONE_CHARACTER: u8 = 1;
    pub const POSTCODE_SECTOR: u8 = 2;
    pub const POSTCODE_DISAGREE: u8 = 3;

    pub const AGENCY_DIFFERENT: u8 = 0;
    pub const AGENCY_SAME: u8 = 1;

    /// Shared by UPRN and NHS number.
    pub const ID_EXACT: u8 = 0;
    pub const ID_DISAGREE: u8 = 1;

    pub const RELATIVE_SHARED: u8 = 0;
    /// No relative shared, but a housemate at two different postcodes:
    /// one person who moved with a housemate (`relatives`).
    pub const HOUSEMATE_SHARED: u8 = 1;
    pub const RELATIVE_NONE_SHARED: u8 = 2;
}

/// The level each field fell to for one pair; `None` is the null level.
pub(crate) type Levels = [Option<u8>; N_FIELDS];

/// One comparison level and its probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonLevel {
    pub label: &'static str,
    /// P(level | same person).
    pub m: f64,
    /// P(level | different people).
    pub u: f64,
}

/// Probabilities are clamped to this floor so a zero never makes an
/// infinite weight.
pub(crate) const MIN_PROBABILITY: f64 = 1e-12;

impl ComparisonLevel {
    /// log2(m/u): positive is evidence for a match, negative against.
    pub fn weight(&self) -> f64 {
        (self.m.max(MIN_PROBABILITY) / self.u.max(MIN_PROBABILITY)).log2()
    }
}

/// The levels of one field, in the order of `Field::level_labels`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    pub field: Field,
    pub levels: Vec<ComparisonLevel>,
}

/// The whole model: one `FieldModel` per field.
///
/// The default probabilities are hand-set starting values, chosen as they
/// would be among candidate pairs (records that share a blocking key), not
/// among all pairs: there, sharing a postcode or a surname is common for
/// different people, because households share both. So address agreement
/// weighs a few bits, and disagreement little, since people move.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchModel {
    pub fields: Vec<FieldModel>,
}

impl Default for MatchModel {
    fn default() -> Self {
        let field = |field: Field, probabilities: &[(f64, f64)]| {
            debug_assert_eq!(probabilities.len(), field.level_labels().len());
            FieldModel {
                field,
                levels: field
                    .level_labels()
                    .iter()
                    .zip(probabilities)
                    .map(|(label, &(m, u))| ComparisonLevel { label, m, u })
                    .collect(),
            }
        };
        MatchModel {
            fields: vec![
                // Given names are misspelt, shortened and abbreviated, but
                // seldom replaced: a wholly different given name is strong
                // evidence of a sibling, a twin or a stranger.
                field(
                    Field::GivenName,
                    &[
                        (0.85, 0.0135),
                        (0.04, 0.0025),
                        (0.04, 0.0025),
                        (0.01, 0.002),
                        (0.005, 0.001),
                        (0.002, 0.0002),
                        (0.02, 0.01),
                        (0.01, 0.0005),
                        (0.035, 0.004),
                        (0.003, 0.000_001),
                        (0.001, 0.966),
                    ],
                ),
                // Family names change on marriage, separation or a
                // step-parent's name, so disagreement weighs less.
                field(
                    Field::FamilyName,
                    &[
                        (0.87, 0.02),
                        (0.03, 0.003),
                        (0.005, 0.002),
                        (0.005, 0.001),
                        (0.01, 0.005),
                        (0.001, 0.000_01),
                        (0.01, 0.001),
                        (0.069, 0.968),
                    ],
                ),
                field(
                    Field::DateOfBirth,
                    &[(0.9, 0.004), (0.02, 0.0002), (0.02, 0.0006), (0.005, 0.0001), (0.01, 0.001), (0.001, 0.9941)],
                ),
                field(Field::Sex, &[(0.98, 0.5), (0.02, 0.5)]),
                field(Field::Address, &[(0.6, 0.01), (0.1, 0.005), (0.05, 0.03), (0.25, 0.955)]),
                // People move: a different postcode or UPRN is weak evidence.
                field(Field::Postcode, &[(0.64, 0.08), (0.01, 0.01), (0.1, 0.07), (0.25, 0.84)]),
                field(Field::Uprn, &[(0.6, 0.1), (0.4, 0.9)]),
                // A validated NHS number is near-conclusive either way.
                field(Field::NhsNumber, &[(0.99, 0.000_01), (0.01, 0.999_99)]),
                // An agency seldom holds one person twice; the share of
                // pairs from one agency is about one in ten with ten
                // agencies. Both are estimated from the data.
                field(Field::Agency, &[(0.97, 0.9), (0.03, 0.1)]),
                // The starting m only: relatives are compared in the
                // second pass, whose u is always estimated.
                field(Field::Relatives, &[(0.6, 0.001), (0.2, 0.001), (0.2, 0.998)]),
            ],
        }
    }
}

/// The model's weights in a flat table, looked up once per field per pair.
#[derive(Debug, Clone)]
pub(crate) struct Weights {
    table: Table,
}

/// The most levels any field has.
pub(crate) const MAX_LEVELS: usize = 12;

/// A number per field and level (probabilities or weights), indexed by
/// `Field as usize` and the level index.
pub(crate) type Table = [[f64; MAX_LEVELS]; N_FIELDS];

impl MatchModel {
    /// The model's m (`m = true`) or u probabilities as a table; a level
    /// the model lacks is 0.
    pub(crate) fn table(&self, m: bool) -> Table {
        let mut table = [[0.0; MAX_LEVELS]; N_FIELDS];
        for field in Field::ALL {
            let Some(field_model) = self.fields.iter().find(|f| f.field == field) else { continue };
            for (level_idx, label) in field.level_labels().iter().enumerate() {
                if let Some(level) = field_model.levels.iter().find(|l| l.label == *label) {
                    table[field.index()][level_idx] = if m { level.m } else { level.u };
                }
            }
        }
        table
    }

    /// A model from m and u tables, every field and level in order.
    pub(crate) fn from_tables(m: &Table, u: &Table) -> MatchModel {
        MatchModel {
            fields: Field::ALL
                .iter()
                .map(|field| FieldModel {
                    field: *field,
                    levels: field
                        .level_labels()
                        .iter()
                        .enumerate()
                        .map(|(level, label)| ComparisonLevel {
                            label,
                            m: m[field.index()][level],
                            u: u[field.index()][level],
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl Weights {
    /// Reads each field's weights by label, so a model whose levels are
    /// listed in another order still works; a level the model lacks weighs
    /// nothing.
    pub(crate) fn new(model: &MatchModel) -> Weights {
        let mut table = [[0.0; MAX_LEVELS]; N_FIELDS];
        for field in Field::ALL {
            debug_assert!(field.level_labels().len() <= MAX_LEVELS);
            let Some(field_model) = model.fields.iter().find(|f| f.field == field) else {
                continue;
            };
            for (level_idx, label) in field.level_labels().iter().enumerate() {
                if let Some(level) = field_model.levels.iter().find(|l| l.label == *label) {
                    table[field.index()][level_idx] = level.weight();
                }
            }
        }
        Weights { table }
    }

    /// Weights straight from a table of log2(m/u).
    pub(crate) fn from_table(table: &Table) -> Weights {
        Weights { table: *table }
    }

    /// The weight of one field's level; the null level weighs nothing.
    pub(crate) fn of(&self, field: Field, level: Option<u8>) -> f64 {
        level.map_or(0.0, |level| self.table[field.index()].get(usize::from(level)).copied().unwrap_or(0.0))
    }

    /// The pair's total weight: the sum over fields, in field order, with
    /// the home counted once where `home_counts_once`.
    pub(crate) fn total(&self, levels: &Levels) -> f64 {
        self.per_field(levels).iter().sum()
    }

    /// Each field's weight for a pair, with the home counted once where
    /// `home_counts_once`.
    pub(crate) fn per_field(&self, levels: &Levels) -> [f64; N_FIELDS] {
        let mut weights = [0.0; N_FIELDS];
        for ((weight, field), level) in weights.iter_mut().zip(Field::ALL).zip(levels) {
            *weight = self.of(field, *level);
        }
        count_home_once(levels, &mut weights);
        weights
    }
}

/// The fields that say where a record's person lives.
pub(crate) const HOME_FIELDS: [Field; 3] = [Field::Address, Field::Postcode, Field::Uprn];

/// Whether a pair's home counts once: their given names or dates of birth
/// clash, or a date of birth is missing, so they may be two people of one
/// household (a father and son of one name, twins), whom the address,
/// postcode and UPRN cannot tell apart however many of them agree. Each is evidence of the same household,
/// not of the same person, and added up they would outvote the clash.
pub(crate) fn home_counts_once(levels: &Levels) -> bool {
    levels[Field::GivenName as usize] == Some(level::GIVEN_DISAGREE)
        || matches!(levels[Field::DateOfBirth as usize], Some(level::DOB_DISAGREE) | None)
}

/// Where `home_counts_once`, keeps only the strongest agreeing home
/// field's weight (disagreement still counts against).
pub(crate) fn count_home_once(levels: &Levels, weights: &mut [f64; N_FIELDS]) {
    // A move makes the address, postcode and UPRN disagree together: one
    // event, weighed once, by its strongest field. Where nothing agrees,
    // that is all the home says.
    let agree = HOME_FIELDS.iter().any(|f| weights[*f as usize] > 0.0);
    if !agree {
        keep_strongest(weights, |w| -w);
        return;
    }
    if home_counts_once(levels) {
        keep_strongest(weights, |w| w);
    }
}

/// Keeps the one home field whose `strength` is greatest (and positive),
/// the others weighing nothing.
fn keep_strongest(weights: &mut [f64; N_FIELDS], strength: impl Fn(f64) -> f64) {
    let strongest = HOME_FIELDS.iter().map(|f| strength(weights[*f as usize])).fold(0.0, f64::max);
    let mut kept = false;
    for field in HOME_FIELDS {
        let weight = &mut weights[field as usize];
        if strength(*weight) > 0.0 {
            if strength(*weight) >= strongest && !kept {
                kept = true;
            } else {
                *weight = 0.0;
            }
        }
    }
}

/// A pair's total weight from a table of per-level weights, with the home
/// counted once where `home_counts_once`: the same sum `Weights::total`
/// makes, for the EM.
pub(crate) fn table_total(table: &Table, levels: &Levels) -> f64 {
    let mut weights = [0.0; N_FIELDS];
    for ((weight, field), level) in weights.iter_mut().zip(Field::ALL).zip(levels) {
        *weight = level.map_or(0.0, |l| table[field as usize][usize::from(l)]);
    }
    count_home_once(levels, &mut weights);
    weights.iter().sum()
}

/// The label of one field's level, `"null"` for a missing value.
pub(crate) fn label(field: Field, level: Option<u8>) -> &'static str {
    level.and_then(|level| field.level_labels().get(usize::from(level)).copied()).unwrap_or(NULL_LEVEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_indices_match_labels() {
        let check = |field: Field, idx: u8, expected: &str| {
            assert_eq!(label(field, Some(idx)), expected, "{field:?}");
        };
        check(Field::GivenName, level::GIVEN_EXACT, "exact");
        check(Field::GivenName, level::GIVEN_NICKNAME, "nickname");
        check(Field::GivenName, level::GIVEN_JW_HIGH, "jaro_winkler>=0.92");
        check(Field::GivenName, level::GIVEN_NICKNAME_JW, "nickname_jaro_winkler>=0.92");
        check(Field::GivenName, level::GIVEN_PHONETIC, "phonetic");
        check(Field::GivenName, level::GIVEN_JW_LOW, "jaro_winkler>=0.85");
        check(Field::GivenName, level::GIVEN_EDIT, "edit_distance<=2");
        check(Field::GivenName, level::GIVEN_MISSPELLING, "misspelling");
        check(Field::GivenName, level::GIVEN_INITIAL, "initial");
        check(Field::GivenName, level::GIVEN_SWAPPED, "names_swapped");
        check(Field::GivenName, level::GIVEN_DISAGREE, "disagree");
        check(Field::FamilyName, level::FAMILY_EXACT, "exact");
        check(Field::FamilyName, level::FAMILY_JW_HIGH, "jaro_winkler>=0.92");
        check(Field::FamilyName, level::FAMILY_PHONETIC, "phonetic");
        check(Field::FamilyName, level::FAMILY_JW_LOW, "jaro_winkler>=0.85");
        check(Field::FamilyName, level::FAMILY_EDIT, "edit_distance<=2");
        check(Field::FamilyName, level::FAMILY_IN_GIVEN, "in_given_name");
        check(Field::FamilyName, level::FAMILY_HOUSEMATE, "a_housemates_name");
        check(Field::FamilyName, level::FAMILY_DISAGREE, "disagree");
        check(Field::DateOfBirth, level::DOB_EXACT, "exact");
        check(Field::DateOfBirth, level::DOB_SWAPPED, "day_month_swapped");
        check(Field::DateOfBirth, level::DOB_YEAR_OFF, "year_off_by_one");
        check(Field::DateOfBirth, level::DOB_TRANSPOSED, "digits_transposed");
        check(Field::DateOfBirth, level::DOB_ONE_DIGIT, "one_digit");
        check(Field::DateOfBirth, level::DOB_DISAGREE, "disagree");
        check(Field::Sex, level::SEX_AGREE, "agree");
        check(Field::Sex, level::SEX_DISAGREE, "disagree");
        check(Field::Address, level::ADDRESS_EXACT, "exact");
        check(Field::Address, level::ADDRESS_NUMBER_STREET, "number_and_street");
        check(Field::Address, level::ADDRESS_STREET, "street");
        check(Field::Address, level::ADDRESS_DISAGREE, "disagree");
        check(Field::Postcode, level::POSTCODE_EXACT, "exact");
        check(Field::Postcode, level::POSTCODE_ONE_CHARACTER, "one_character");
        check(Field::Postcode, level::POSTCODE_SECTOR, "sector");
        check(Field::Postcode, level::POSTCODE_DISAGREE, "disagree");
        check(Field::Agency, level::AGENCY_DIFFERENT, "different_agencies");
        check(Field::Agency, level::AGENCY_SAME, "same_agency");
        check(Field::Uprn, level::ID_EXACT, "exact");
        check(Field::NhsNumber, level::ID_DISAGREE, "disagree");
        check(Field::Relatives, level::RELATIVE_SHARED, "shared");
        check(Field::Relatives, level::RELATIVE_NONE_SHARED, "none_shared");
        check(Field::Relatives, level::HOUSEMATE_SHARED, "housemate_shared");
        assert_eq!(label(Field::Sex, None), NULL_LEVEL);
    }

    #[test]
    fn default_model_is_complete_and_ordered() {
        let model = MatchModel::default();
        assert_eq!(model.fields.len(), N_FIELDS);
        let weights = Weights::new(&model);
        for (field, field_model) in Field::ALL.iter().zip(&model.fields) {
            assert_eq!(field_model.field, *field);
            let labels: Vec<&str> = field_model.levels.iter().map(|l| l.label).collect();
            assert_eq!(labels, field.level_labels());
            // The most similar level is evidence for a match, the last against.
            let n_levels = labels.len() as u8;
            assert!(weights.of(*field, Some(0)) > 0.0, "{field:?}");
            assert!(weights.of(*field, Some(n_levels - 1)) < 0.0, "{field:?}");
            assert!(weights.of(*field, None).abs() < f64::EPSILON);
        }
    }
}
