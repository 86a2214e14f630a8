//! Linkage tests: one handcrafted case per hazard of the domain, the
//! explanation of a pair, and independence from input order.

use famgraph_model::{Date, NhsNumber, PersonRecord, Postcode, Sex};

use super::*;

/// A record; empty strings and a zero UPRN mean missing.
#[expect(clippy::too_many_arguments, reason = "a row of people.csv reads best as one call")]
fn rec(
    agency: &str,
    id: &str,
    given: &str,
    family: &str,
    dob: &str,
    sex: &str,
    postcode: &str,
    uprn: u64,
) -> PersonRecord {
    PersonRecord {
        agency: agency.to_owned(),
        record_id: id.to_owned(),
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: Date::parse(dob),
        sex: Sex::parse(sex).unwrap_or(Sex::U),
        address: None,
        postcode: Postcode::parse(postcode),
        uprn: (uprn != 0).then_some(uprn),
        nhs_number: None,
    }
}

fn with_nhs(record: PersonRecord, nine_digits: u64) -> PersonRecord {
    PersonRecord { nhs_number: NhsNumber::from_nine_digits(nine_digits), ..record }
}

fn linked(records: &[PersonRecord]) -> Linkage {
    let linkage = link(records, &LinkConfig::default());
    check_invariants(records, &linkage);
    linkage
}

fn check_invariants(records: &[PersonRecord], linkage: &Linkage) {
    assert_eq!(linkage.person_of.len(), records.len());
    assert_eq!(linkage.confidence.len(), linkage.n_people);
    assert_eq!(records.len() - linkage.n_people, linkage.links.len());
    // People are numbered by their first record.
    let mut next = 0;
    for person in &linkage.person_of {
        assert!(*person <= next);
        if *person == next {
            next += 1;
        }
    }
    for link in &linkage.links {
        assert!(link.a < link.b);
        assert!(link.decision.is_some() || link.probability >= linkage.model.match_probability);
        assert_eq!(linkage.person_of[link.a as usize], linkage.person_of[link.b as usize]);
        let sum: f64 = link.fields.iter().map(|f| f.weight).sum();
        assert!((sum - link.weight).abs() < 1e-9);
    }
    let linker = Linker::new(records, &LinkConfig::default());
    for person in linkage.records_of_people() {
        for (i, x) in person.iter().enumerate() {
            for y in &person[i + 1..] {
                assert_eq!(linker.conflict(*x, *y), None);
            }
        }
    }
    for confidence in &linkage.confidence {
        assert!((0.0..=1.0).contains(confidence));
    }
}

fn same(linkage: &Linkage, a: usize, b: usize) -> bool {
    linkage.person_of[a] == linkage.person_of[b]
}

#[test]
fn nickname_and_misspelling_link() {
    let records = [
        rec("police", "P1", "Bill", "Thompson", "1980-05-12", "M", "ME4 4QS", 0),
        rec("school", "S1", "William", "Thomson", "1980-05-12", "M", "ME7 1AA", 0),
        rec("housing", "H1", "Liz", "Thompson", "1982-11-02", "F", "ME4 4QS", 100_001),
        rec("health", "N1", "Elizabeth", "Thompson", "", "F", "ME4 4QS", 100_001),
    ];
    let linkage = linked(&records);
    assert!(same(&linkage, 0, 1));
    assert!(same(&linkage, 2, 3));
    assert!(!same(&linkage, 0, 2));
    assert_eq!(linkage.n_people, 2);
    let link = &linkage.links[0];
    let levels: Vec<&str> = link.fields.iter().map(|f| f.level).collect();
    assert_eq!(
        levels,
        [
            "nickname",
            "jaro_winkler>=0.92",
            "exact",
            "agree",
            "null",
            "disagree",
            "null",
            "null",
            "different_agencies",
            "null"
        ]
    );
}

#[test]
fn initial_links_to_full_name() {
    let records = [
        rec("police", "P1", "J", "Okafor", "1990-01-20", "M", "ME4 4QS", 7),
        rec("probation", "R1", "James", "Okafor", "1990-01-20", "M", "ME4 4QS", 7),
    ];
    assert!(same(&linked(&records), 0, 1));
}

#[test]
fn twins_stay_apart() {
    let records = [
        rec("school", "S1", "Oliver", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("school", "S2", "Harry", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("police", "P1", "Oliver", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("health", "N1", "Harry", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        // An initial that fits neither twin better: it may join one, never both.
        rec("social_care", "C1", "H", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("early_help", "E1", "O", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
    ];
    let linkage = linked(&records);
    assert!(same(&linkage, 0, 2));
    assert!(same(&linkage, 1, 3));
    assert!(!same(&linkage, 0, 1));
    assert!(same(&linkage, 1, 4));
    assert!(same(&linkage, 0, 5));
    assert_eq!(conflict(&records[2], &records[3]), Some(Conflict::GivenNamesDiffer));
}

#[test]
fn twins_with_initials_do_not_chain() {
    // "J Smith" fits both twins equally: it joins neither, and cannot
    // pull the two together.
    let records = [
        rec("police", "P1", "Jack", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("health", "N1", "Joel", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("school", "S1", "J", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
        rec("social_care", "C1", "Jack", "Smith", "2012-04-01", "M", "ME4 4QS", 55),
    ];
    let linkage = linked(&records);
    assert!(!same(&linkage, 0, 1));
    assert!(same(&linkage, 0, 3));
    assert_eq!(linkage.n_people, 3);
}

#[test]
fn father_and_son_of_one_name_stay_apart() {
    let records = [
        rec("police", "P1", "John", "Smith", "1970-02-03", "M", "ME4 4QS", 55),
        rec("probation", "R1", "John", "Smith", "1970-02-03", "M", "ME4 4QS", 55),
        rec("youth_justice", "Y1", "John", "Smith", "2006-08-09", "M", "ME4 4QS", 55),
        rec("school", "S1", "John", "Smith", "2006-08-09", "M", "ME4 4QS", 55),
        // No date of birth: it fits both equally well, so it joins neither.
        rec("housing", "H1", "John", "Smith", "", "M", "ME4 4QS", 55),
    ];
    let linkage = linked(&records);
    assert!(same(&linkage, 0, 1));
    assert!(same(&linkage, 2, 3));
    assert!(!same(&linkage, 0, 2));
    assert_eq!(linkage.n_people, 3);
    assert_eq!(linkage.records_of_people()[linkage.person_of[4] as usize], [4]);
    assert_eq!(conflict(&records[0], &records[2]), Some(Conflict::BirthYearsApart));
    // The direct pair shares names and a home, but the home counts once
    // against the clash of their dates of birth: the weight alone would
    // keep them apart too.
    let config = LinkConfig::default();
    let (weight, fields) = compare(&records[0], &records[3], &config);
    assert!(match_probability(weight, config.prior_log2_odds) < config.match_probability);
    let home: Vec<f64> = fields.iter().filter(|f| ["postcode", "uprn"].contains(&f.field)).map(|f| f.weight).collect();
    assert_eq!(home.iter().filter(|w| **w > 0.0).count(), 1, "{fields:?}");
}

#[test]
fn a_record_without_birth_date_joins_the_clearly_better_fit() {
    let records = [
        rec("police", "P1", "John", "Smith", "1970-02-03", "M", "ME4 4QS", 55),
        with_nhs(rec("health", "N1", "John", "Smith", "2006-08-09", "M", "ME4 4QS", 55), 943_476_591),
        // The son's NHS number settles it, though both Johns fit otherwise.
        with_nhs(rec("school", "S1", "John", "Smith", "", "M", "ME4 4QS", 55), 943_476_591),
    ];
    let linkage = linked(&records);
    assert!(same(&linkage, 1, 2));
    assert!(!same(&linkage, 0, 2));
}

#[test]
fn hostel_strangers_stay_apart() {
    let names = [
        ("Adam", "Nowak", "1975-01-01"),
        ("Brian", "Kelly", "1980-02-02"),
        ("Chidi", "Eze", "1991-03-03"),
        ("Darren", "Smith", "1988-04-04"),
        ("Eamon", "Smith", "1966-05-05"),
        ("Frank", "Hughes", ""),
    ];
    let agencies = ["police", "housing", "health", "probation"];
    let records: Vec<PersonRecord> = names
        .iter()
        .enumerate()
        .map(|(i, (given, family, dob))| {
            rec(agencies[i % agencies.len()], &format!("R{i}"), given, family, dob, "M", "ME1 1AA", 900)
        })
        .collect();
    assert_eq!(linked(&records).n_people, names.len());
}

#[test]
fn day_month_swap_and_year_off_by_one_link() {
    let records = [
        rec("police", "P1", "Kerry", "Walsh", "1985-03-07", "F", "ME4 4QS", 0),
        rec("school", "S1", "Kerry", "Walsh", "1985-07-03", "F", "", 0),
        rec("health", "N1", "Kerry", "Walsh", "1986-03-07", "F", "", 0),
    ];
    let linkage = linked(&records);
    assert_eq!(linkage.n_people, 1);
    let levels: Vec<&str> = linkage.links.iter().map(|l| l.fields[2].level).collect();
    assert!(levels.contains(&"day_month_swapped"), "{levels:?}");
}

#[test]
fn one_agency_holding_a_person_twice_is_linked_on_strong_evidence() {
    let records = [
        rec("police", "P1", "Ann", "Lee", "1999-09-09", "F", "ME4 4QS", 3),
        rec("police", "P2", "Ann", "Lee", "1999-09-09", "F", "ME4 4QS", 3),
        rec("school", "S1", "Ann", "Lee", "1999-09-09", "F", "ME4 4QS", 3),
        rec("health", "N1", "Ann", "Lee", "1999-09-09", "F", "ME4 4QS", 3),
    ];
    let linkage = linked(&records);
    assert_eq!(conflict(&records[0], &records[1]), None);
    assert_eq!(linkage.n_people, 1);
    let (_, fields) = compare(&records[0], &records[1], &LinkConfig::default());
    let agency = fields.iter().find(|f| f.field == "agency").expect("the agency is compared");
    assert_eq!(agency.level, "same_agency");
    assert!(agency.weight < 0.0, "one agency's two records need more evidence: {agency:?}");
    // Names alone, in one agency, are two people.
    let records =
        [rec("police", "P1", "John", "Smith", "", "M", "", 0), rec("police", "P2", "John", "Smith", "", "M", "", 0)];
    assert_eq!(linked(&records).n_people, 2);
}

#[test]
fn names_entered_the_wrong_way_round_link() {
    let records = [
        rec("police", "P1", "Kerry", "Walsh", "1985-03-07", "F", "ME4 4QS", 0),
        rec("health", "N1", "Walsh", "Kerry", "1985-03-07", "F", "", 0),
    ];
    let linkage = linked(&records);
    assert_eq!(linkage.n_people, 1);
    assert_eq!(linkage.links[0].fields[0].level, "names_swapped");
    assert_eq!(linkage.links[0].fields[1].level, NULL_LEVEL, "the names count once");
}

#[test]
fn a_mistyped_or_transposed_digit_of_a_birth_date_links() {
    let police = rec("police", "P1", "Kerry", "Walsh", "1985-03-07", "F", "ME4 4QS", 0);
    let records = [police.clone(), rec("school", "S1", "Kerry", "Walsh", "1958-03-07", "F", "ME4 4QS", 0)];
    assert_eq!(Linker::new(&records, &LinkConfig::default()).explain(0, 1).fields[2].level, "digits_transposed");
    for (dob, level) in [("1985-03-70", ""), ("1985-08-07", "one_digit")] {
        if level.is_empty() {
            assert!(Date::parse(dob).is_none(), "not a date");
            continue;
        }
        let records = [police.clone(), rec("school", "S1", "Kerry", "Walsh", dob, "F", "ME4 4QS", 0)];
        let linkage = linked(&records);
        assert_eq!(linkage.n_people, 1, "{dob}");
        assert_eq!(linkage.links[0].fields[2].level, level);
    }
    // A generation apart is no slip, even one digit away: 1965 and 1985.
    let mother = rec("housing", "H1", "Kerry", "Walsh", "1965-03-07", "F", "ME4 4QS", 0);
    assert_eq!(conflict(&police, &mother), Some(Conflict::BirthYearsApart));
}

#[test]
fn a_record_without_birth_date_does_not_chain_two_people_of_one_name() {
    // Two John Smiths born the same year, and a record of one of them
    // without a date of birth at an address both have used.
    let records = [
        rec("police", "P1", "John", "Smith", "1980-03-04", "M", "ME4 4QS", 0),
        rec("housing", "H1", "John", "Smith", "", "M", "ME4 4QS", 0),
        rec("health", "N1", "John", "Smith", "1980-07-19", "M", "ME4 4QS", 0),
    ];
    let linkage = linked(&records);
    assert!(!same(&linkage, 0, 2));
    assert_eq!(conflict(&records[0], &records[2]), Some(Conflict::DatesOfBirthDiffer));
}

#[test]
fn placeholder_dates_of_birth_are_read_as_missing() {
    // A case system that writes 1900-01-01 for an unknown date: forty
    // different people share it, which no birthday is.
    let given = ["Ann", "Bob", "Cal", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon"];
    let family = ["Lee", "Moss", "Nash", "Owen"];
    let mut records: Vec<PersonRecord> = Vec::new();
    for (i, g) in given.iter().enumerate() {
        for (j, f) in family.iter().enumerate() {
            let dob = format!("19{:02}-0{}-1{}", 60 + i, 1 + j, i % 10);
            records.push(rec("police", &format!("P{i}{j}"), g, f, &dob, "U", "", 0));
            records.push(rec("voluntary", &format!("V{i}{j}"), g, f, "1900-01-01", "U", "", 0));
        }
    }
    let linkage = linked(&records);
    assert_eq!(linkage.model.placeholder_dates, [(Date::parse("1900-01-01").unwrap(), 40)]);
    // Read as missing, the placeholder neither links nor keeps apart.
    let conflicts = (0..records.len())
        .step_by(2)
        .filter(|&i| compare::conflict(&Prepared::new(&records[i], 0), &Prepared::new(&records[i + 1], 1)).is_some())
        .count();
    assert_eq!(conflicts, 40, "compared raw, every pair's dates clash");
    let linker = Linker::new(&records, &LinkConfig::default());
    let link = linker.explain(0, 1);
    assert_eq!(link.fields[2].level, NULL_LEVEL);
}

#[test]
fn nhs_number_links_despite_a_name_change_and_a_move() {
    let records = [
        with_nhs(rec("health", "N1", "Sarah", "Jones", "1979-12-01", "F", "ME4 4QS", 1), 943_476_591),
        with_nhs(rec("social_care", "C1", "Sarah", "Patel", "1979-12-01", "F", "CT1 2AB", 2), 943_476_591),
        // A different NHS number keeps an otherwise identical record apart.
        with_nhs(rec("police", "P1", "Sarah", "Jones", "1979-12-01", "F", "ME4 4QS", 1), 401_023_213),
    ];
    let linkage = linked(&records);
    assert!(same(&linkage, 0, 1));
    assert!(!same(&linkage, 0, 2));
    let (_, fields) = compare(&records[0], &records[1], &LinkConfig::default());
    assert_eq!(fields[1].level, "disagree");
    assert_eq!((fields[7].field, fields[7].level), ("nhs_number", "exact"));
}

#[test]
fn hyphenated_surname_and_accents_link() {
    let records = [
        rec("school", "S1", "Zoë", "Smith-Jones", "2010-10-10", "F", "ME4 4QS", 0),
        rec("health", "N1", "Zoe", "Jones", "2010-10-10", "F", "", 0),
    ];
    assert!(same(&linked(&records), 0, 1));
}

#[test]
fn names_alone_do_not_link() {
    let records =
        [rec("police", "P1", "John", "Smith", "", "M", "", 0), rec("school", "S1", "John", "Smith", "", "M", "", 0)];
    assert_eq!(linked(&records).n_people, 2);
}

#[test]
fn compare_explains_every_field() {
    let a = rec("police", "P1", "Bob", "Green", "1960-06-30", "M", "ME4 4QS", 10);
    let b = rec("housing", "H1", "Robert", "Green", "", "U", "ME4 4QT", 11);
    let (weight, fields) = compare(&a, &b, &LinkConfig::default());
    let explained: Vec<(&str, &str)> = fields.iter().map(|f| (f.field, f.level)).collect();
    assert_eq!(
        explained,
        [
            ("given_name", "nickname"),
            ("family_name", "exact"),
            ("date_of_birth", "null"),
            ("sex", "null"),
            ("address", "null"),
            ("postcode", "one_character"),
            ("uprn", "disagree"),
            ("nhs_number", "null"),
            ("agency", "different_agencies"),
            ("relatives", "null"),
        ]
    );
    let sum: f64 = fields.iter().map(|f| f.weight).sum();
    assert!((sum - weight).abs() < 1e-9);
    assert!(fields.iter().filter(|f| f.level == NULL_LEVEL).all(|f| f.weight.abs() < f64::EPSILON));
    // Symmetric.
    let (reverse, _) = compare(&b, &a, &LinkConfig::default());
    assert!((reverse - weight).abs() < 1e-12);
}

#[test]
fn confidence_is_the_weakest_link() {
    let records = [
        rec("police", "P1", "Dave", "Marsh", "1970-01-15", "M", "ME4 4QS", 0),
        rec("school", "S1", "David", "Marsh", "1970-01-15", "M", "ME4 4QS", 0),
        rec("health", "N1", "Sam", "Bell", "1990-01-15", "F", "ME4 4QS", 0),
    ];
    let linkage = linked(&records);
    let person = linkage.person_of[0] as usize;
    assert!((linkage.confidence[person] - linkage.links[0].probability).abs() < 1e-12);
    assert!(linkage.confidence[person] < 1.0);
    assert!((linkage.confidence[linkage.person_of[2] as usize] - 1.0).abs() < f64::EPSILON);
}

#[test]
fn oversized_blocks_are_skipped() {
    let records: Vec<PersonRecord> =
        (0..20).map(|i| rec(&format!("agency{i}"), "R", "Pat", "Doe", "1900-01-01", "U", "", 0)).collect();
    let config = LinkConfig { max_block_size: 5, ..LinkConfig::default() };
    let linkage = link(&records, &config);
    assert_eq!(linkage.n_compared, 0);
    assert_eq!(linkage.n_people, 20);
    assert_eq!(link(&records, &LinkConfig::default()).n_people, 1);
}

#[test]
fn empty_input() {
    let linkage = linked(&[]);
    assert_eq!((linkage.n_people, linkage.n_compared), (0, 0));
}

/// The crate's own `SplitMix64`, so tests need no random-number crate.
struct Rng(crate::estimate::SplitMix);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(crate::estimate::SplitMix(seed))
    }

    fn below(&mut self, n: usize) -> usize {
        (self.0.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Noisy records of small families, several agencies each, with the true
/// person of each record.
fn noisy_families(n_families: usize, seed: u64) -> (Vec<PersonRecord>, Vec<u32>) {
    const GIVEN: &[&str] =
        &["William", "Elizabeth", "John", "Katherine", "Robert", "Samantha", "Thomas", "Jessica", "Daniel", "Amy"];
    const FAMILY: &[&str] =
        &["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Walker", "Wright", "Khan"];
    const AGENCIES: &[&str] = &["police", "probation", "school", "housing", "health", "social_care"];
    let mut rng = Rng::new(seed);
    let (mut records, mut truth) = (Vec::new(), Vec::new());
    let mut person = 0;
    for family_idx in 0..n_families {
        let family_name = rng.pick(FAMILY);
        let postcode = format!("ME{} {}A{}", 1 + rng.below(9), rng.below(10), (b'A' + rng.below(26) as u8) as char);
        let uprn = 1000 + family_idx as u64;
        for _ in 0..=rng.below(4) {
            let given = rng.pick(GIVEN);
            let dob = format!("{}-{:02}-{:02}", 1950 + rng.below(70), 1 + rng.below(12), 1 + rng.below(28));
            let sex = if rng.below(2) == 0 { "F" } else { "M" };
            for agency in AGENCIES {
                if rng.below(3) != 0 {
                    continue;
                }
                let given = match rng.below(8) {
                    0 => given.chars().take(1).collect(),
                    1 => given.to_uppercase(),
                    _ => given.to_owned(),
                };
                let dob = if rng.below(6) == 0 { String::new() } else { dob.clone() };
                let id = format!("{agency}-{}", records.len());
                records.push(rec(
                    agency,
                    &id,
                    &given,
                    family_name,
                    &dob,
                    sex,
                    &postcode,
                    if rng.below(2) == 0 { uprn } else { 0 },
                ));
                truth.push(person);
            }
            person += 1;
        }
    }
    (records, truth)
}

/// The people as sets of record keys, independent of record order.
fn partition(records: &[PersonRecord], linkage: &Linkage) -> Vec<Vec<(String, String)>> {
    let mut people: Vec<Vec<(String, String)>> = linkage
        .records_of_people()
        .iter()
        .map(|members| {
            let mut keys: Vec<(String, String)> = members
                .iter()
                .map(|i| (records[*i as usize].agency.clone(), records[*i as usize].record_id.clone()))
                .collect();
            keys.sort();
            keys
        })
        .collect();
    people.sort();
    people
}

#[test]
fn results_do_not_depend_on_row_order() {
    let (records, truth) = noisy_families(150, 7);
    let linkage = linked(&records);
    let quality = pairwise_quality(&linkage.person_of, &truth);
    assert!(quality.f1 > 0.8, "{quality:?}");
    let expected = partition(&records, &linkage);
    let mut rng = Rng::new(99);
    for _ in 0..5 {
        let mut shuffled = records.clone();
        rng.shuffle(&mut shuffled);
        let relinked = linked(&shuffled);
        assert_eq!(partition(&shuffled, &relinked), expected);
        assert_eq!(relinked.n_compared, linkage.n_compared);
        let mut confidences = relinked.confidence.clone();
        let mut expected_confidences = linkage.confidence.clone();
        confidences.sort_by(f64::total_cmp);
        expected_confidences.sort_by(f64::total_cmp);
        assert_eq!(confidences, expected_confidences);
    }
}

#[test]
fn same_input_same_numbering() {
    let (records, _) = noisy_families(60, 3);
    assert_eq!(link(&records, &LinkConfig::default()), link(&records, &LinkConfig::default()));
}

#[test]
fn the_model_is_estimated_from_enough_records() {
    let (records, truth) = noisy_families(400, 11);
    assert!(records.len() >= MIN_RECORDS_TO_ESTIMATE, "{}", records.len());
    let linkage = linked(&records);
    let model = &linkage.model;
    assert!(model.estimated && model.em_converged && model.term_frequencies, "{model:?}");
    assert!(model.u_sample_pairs > 0);
    let weights = Weights::new(&model.model);
    // Agreement is evidence for, disagreement against, in every field the
    // records hold (these have no NHS numbers or address lines, and
    // relatives are weighed only with relationships).
    for field in Field::ALL.into_iter().filter(|f| !matches!(f, Field::NhsNumber | Field::Relatives | Field::Address)) {
        let n_levels = field.level_labels().len() as u8;
        assert!(weights.of(field, Some(0)) > 0.0, "{field:?}");
        assert!(weights.of(field, Some(n_levels - 1)) < 0.0, "{field:?}");
    }
    // About one pair in records.len() is a match.
    let prior = model.prior_log2_odds.exp2();
    let n = records.len() as f64;
    assert!((0.1 / n..10.0 / n).contains(&prior), "prior {prior} for {n} records");
    let quality = pairwise_quality(&linkage.person_of, &truth);
    assert!(quality.f1 > 0.95 && quality.precision > 0.98, "{quality:?}");
    // Small inputs fall back to the fixed model.
    assert!(!linked(&records[..10]).model.estimated);
    assert!(!link(&records, &LinkConfig::fixed()).model.estimated);
}

#[test]
fn an_exact_match_on_a_common_name_weighs_less_than_on_a_rare_one() {
    let (mut records, _) = noisy_families(400, 5);
    let n = records.len() as u32;
    records.push(rec("police", "X1", "Ann", "Smith", "1971-02-03", "F", "", 0));
    records.push(rec("school", "X2", "Ann", "Smith", "1971-02-03", "F", "", 0));
    records.push(rec("police", "X3", "Ann", "Quennell", "1971-02-03", "F", "", 0));
    records.push(rec("school", "X4", "Ann", "Quennell", "1971-02-03", "F", "", 0));
    let linker = Linker::new(&records, &LinkConfig::default());
    let family = |link: &Link| link.fields.iter().find(|f| f.field == "family_name").cloned().unwrap();
    let (common, rare) = (family(&linker.explain(n, n + 1)), family(&linker.explain(n + 2, n + 3)));
    assert_eq!((common.level, rare.level), ("exact", "exact"));
    assert!(common.term_frequency_adjustment < 0.0, "{common:?}");
    assert!(rare.term_frequency_adjustment > 0.0, "{rare:?}");
    assert!(rare.weight > common.weight + 3.0, "{rare:?} {common:?}");
    // The explanation adds up, adjustments included.
    let link = linker.explain(n + 2, n + 3);
    let sum: f64 = link.fields.iter().map(|f| f.weight).sum();
    assert!((sum - link.weight).abs() < 1e-9);
    assert!((link.probability - match_probability(link.weight, linker.model().prior_log2_odds)).abs() < 1e-12);
}

#[test]
fn overrides_join_and_separate_whatever_the_model_says() {
    let records = [
        // Clearly one person...
        rec("police", "P1", "Dave", "Marsh", "1970-01-15", "M", "ME4 4QS", 0),
        rec("school", "S1", "David", "Marsh", "1970-01-15", "M", "ME4 4QS", 0),
        // ...and two records nothing links: a new name and address.
        rec("health", "N1", "Sam", "Bell", "1990-01-15", "F", "ME4 4QS", 0),
        rec("housing", "H1", "Samira", "Okoro", "1990-01-15", "F", "CT1 1AA", 0),
    ];
    assert_eq!(linked(&records).n_people, 3);
    let overrides = [
        Override { a: 1, b: 0, decision: Decision::CannotLink },
        Override { a: 3, b: 2, decision: Decision::MustLink },
    ];
    let linkage = link_with(&records, &LinkConfig::default(), &overrides, &[]);
    check_invariants_with_overrides(&records, &linkage, &overrides);
    assert!(!same(&linkage, 0, 1));
    assert!(same(&linkage, 2, 3));
    let made = linkage.links.iter().find(|l| (l.a, l.b) == (2, 3)).unwrap();
    assert_eq!(made.decision, Some(Decision::MustLink));
    assert!((made.probability - 1.0).abs() < f64::EPSILON);
    let model = &linkage.model;
    assert!(match_probability(made.weight, model.prior_log2_odds) < model.match_probability, "{made:?}");

    // A must-link the cannot-link forbids, even through a third record, is
    // refused and reported, not applied.
    let overrides = [
        Override { a: 0, b: 1, decision: Decision::CannotLink },
        Override { a: 2, b: 1, decision: Decision::MustLink },
        Override { a: 2, b: 0, decision: Decision::MustLink },
    ];
    let linkage = link_with(&records, &LinkConfig::default(), &overrides, &[]);
    assert!(!same(&linkage, 0, 1));
    assert_eq!(linkage.overrides_refused.len(), 1, "{:?}", linkage.overrides_refused);
    assert_eq!(linkage.overrides_refused[0].0.decision, Decision::MustLink);
}

/// The invariants of `check_invariants`, except that must-links may join
/// records the rules would keep apart.
fn check_invariants_with_overrides(records: &[PersonRecord], linkage: &Linkage, overrides: &[Override]) {
    assert_eq!(records.len() - linkage.n_people, linkage.links.len());
    for o in overrides {
        let together = same(linkage, o.a as usize, o.b as usize);
        match o.decision {
            Decision::CannotLink => assert!(!together, "{o:?}"),
            Decision::MustLink => assert!(together || linkage.overrides_refused.iter().any(|r| r.0 == *o)),
        }
    }
}

/// The hazards of the hand-made cases, among enough records that the model
/// is estimated: twins, hostel residents and a same-name father and son
/// stay apart, and the same person across agencies still links.
#[test]
fn hazards_hold_under_the_estimated_model() {
    let (mut records, _) = noisy_families(400, 23);
    let n = records.len();
    let hazards = [
        // Twins: everything agrees but the given name.
        rec("school", "T1", "Oliver", "Quennell", "2012-04-01", "M", "ME9 9ZZ", 77),
        rec("health", "T2", "Harry", "Quennell", "2012-04-01", "M", "ME9 9ZZ", 77),
        rec("police", "T3", "Oliver", "Quennell", "2012-04-01", "M", "ME9 9ZZ", 77),
        // Hostel residents: one address, nothing else in common.
        rec("housing", "H1", "Adam", "Nowak", "1975-01-01", "M", "ME1 1AA", 900),
        rec("probation", "H2", "Brian", "Kelly", "1980-02-02", "M", "ME1 1AA", 900),
        rec("police", "H3", "Darren", "Smith", "1988-04-04", "M", "ME1 1AA", 900),
        rec("health", "H4", "Eamon", "Smith", "1966-05-05", "M", "ME1 1AA", 900),
        // Father and son of one name at one address.
        rec("police", "F1", "Daniel", "Norgate", "1970-06-01", "M", "ME3 3CC", 55),
        rec("school", "F2", "Daniel", "Norgate", "2008-09-09", "M", "ME3 3CC", 55),
        rec("health", "F3", "Daniel", "Norgate", "1970-06-01", "M", "ME3 3CC", 55),
    ];
    records.extend(hazards);
    let linkage = linked(&records);
    assert!(linkage.model.estimated);
    let at = |i: usize| n + i;
    assert!(same(&linkage, at(0), at(2)), "a twin's own records link");
    assert!(!same(&linkage, at(0), at(1)) && !same(&linkage, at(1), at(2)), "twins stay apart");
    for (i, x) in (3..7).enumerate() {
        for y in (3..7).skip(i + 1) {
            assert!(!same(&linkage, at(x), at(y)), "hostel residents {x} and {y} stay apart");
        }
    }
    assert!(same(&linkage, at(7), at(9)), "the father's records link");
    assert!(!same(&linkage, at(7), at(8)) && !same(&linkage, at(8), at(9)), "father and son stay apart");
}
#[test]
fn two_records_an_agency_recorded_as_relatives_are_two_people() {
    // Twins a school knows as "Jo" (Joanne and Joseph), one date of birth
    // entered with day and month swapped: without the relationship the
    // school recorded, the two records look like one pupil held twice.
    let records = [
        rec("school", "S1", "Jo", "Cartley", "2010-03-04", "U", "ME7 6RZ", 44),
        rec("school", "S2", "Jo", "Cartley", "2010-04-03", "U", "ME7 6RZ", 44),
    ];
    let relations = [Relation { from: 1, to: 0, kind: famgraph_model::RelationshipKind::SiblingOf }];
    assert_eq!(link_with(&records, &LinkConfig::default(), &[], &[]).n_people, 1);
    assert_eq!(link_with(&records, &LinkConfig::default(), &[], &relations).n_people, 2);
}

#[test]
fn a_record_without_birth_date_of_a_name_two_people_share_at_home_joins_neither() {
    let records = [
        rec("police", "P1", "John", "Smith", "1970-02-03", "M", "ME4 4QS", 0),
        rec("school", "S1", "John", "Smith", "2006-08-09", "M", "ME4 4QS", 0),
        // Another agency's record: the son's, or the father's?
        rec("housing", "H1", "John", "Smith", "", "M", "ME4 4QS", 0),
    ];
    let linker = Linker::new(&records, &LinkConfig::default());
    assert_eq!(linker.conflict(2, 0), Some(Conflict::NamesakesAtHome));
    assert_eq!(linker.conflict(2, 1), Some(Conflict::NamesakesAtHome));
    assert_eq!(linker.link(&[]).n_people, 3);
}

/// 260 people, each with two records at a home of their own, one in
/// twenty with the given name of its second record keyed as another; with
/// `siblings`, each home also holds a brother or sister.
fn individuals(siblings: bool) -> Vec<PersonRecord> {
    let given = ["Ann", "Bob", "Cal", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kai", "Lou", "Max"];
    let family = ["Lee", "Moss", "Nash", "Owen", "Pike", "Quinn", "Rowe", "Shaw", "Tate", "Vale"];
    let mut records = Vec::new();
    for i in 0..260 {
        let (g, f) = (given[i % 13], family[i / 26]);
        let dob = format!("{}-{:02}-{:02}", 1930 + i % 80, 1 + i % 12, 1 + i % 28);
        let postcode = format!("ME{} {}AA", 1 + i / 10, i % 10);
        let address = format!("{i} Mill Road");
        let mut push = |agency: &str, id: String, given: &str, dob: &str| {
            let mut record = rec(agency, &id, given, f, dob, "", &postcode, 0);
            record.address = Some(address.clone());
            records.push(record);
        };
        push("police", format!("P{i}"), g, &dob);
        push("health", format!("H{i}"), if i % 20 == 0 { "Zak" } else { g }, &dob);
        if siblings {
            let dob = format!("{}-{:02}-{:02}", 1931 + i % 80, 1 + (i + 5) % 12, 1 + (i + 9) % 28);
            push("school", format!("S{i}"), "Kim", &dob);
            push("health", format!("K{i}"), "Kim", &dob);
        }
    }
    records
}

#[test]
fn a_given_name_keyed_wrong_is_weighed_where_no_one_lives_with_family() {
    // Where people live with their families, a wholly different given name
    // at one home with one date of birth is a twin; in an extract of
    // individuals it can only be a slip, and the weights decide.
    let alone = individuals(false);
    let linker = Linker::new(&alone, &LinkConfig::default());
    assert_eq!(linker.conflict(0, 1), None);
    let linkage = linker.link(&[]);
    assert_eq!(linkage.person_of[0], linkage.person_of[1]);
    assert_eq!(linkage.n_people, 260);
    let with_family = individuals(true);
    let linker = Linker::new(&with_family, &LinkConfig::default());
    assert_eq!(linker.conflict(0, 1), Some(Conflict::GivenNamesDiffer));
    assert_ne!(linker.link(&[]).person_of[0], linker.link(&[]).person_of[1]);
}

#[test]
fn where_no_one_lives_with_family_a_wholly_different_name_and_date_are_compared_at_one_home() {
    // The second record of person 0 with its given name and date of birth
    // both replaced: only its family name, postcode and address are left
    // to find it by. Where people live with their families, such a record
    // is another person of the family, and comparing it is wasted.
    for (siblings, compared) in [(false, true), (true, false)] {
        let mut records = individuals(siblings);
        records[1].given_name = "Zak".to_owned();
        records[1].date_of_birth = Date::parse("2001-12-30");
        let linker = Linker::new(&records, &LinkConfig::default());
        assert_eq!(linker.candidate_pairs().contains(&(0, 1)), compared, "siblings: {siblings}");
    }
}

#[test]
fn where_no_one_lives_with_family_an_undated_record_with_a_given_name_keyed_wrong_is_weighed() {
    for (siblings, conflict) in [(false, None), (true, Some(Conflict::GivenNamesDiffer))] {
        let mut records = individuals(siblings);
        records[1].given_name = "Zak".to_owned();
        records[1].date_of_birth = None;
        let linker = Linker::new(&records, &LinkConfig::default());
        assert_eq!(linker.conflict(0, 1), conflict, "siblings: {siblings}");
    }
}

/// Record `parent` recorded by its agency as the parent of record `child`.
fn parent_of(parent: u32, child: u32) -> Relation {
    Relation { from: parent, to: child, kind: famgraph_model::RelationshipKind::ParentOf }
}

#[test]
fn a_parent_an_agency_recorded_is_not_the_son_of_the_same_name() {
    // The father and the son of one name at one home, and the school's
    // record of a "John Smith" without a date of birth: alone it fits both
    // and joins neither; recorded as the father of a pupil born in 2014 it
    // cannot be the son born in 2006, so it is the father.
    let records = [
        rec("police", "P1", "John", "Smith", "1970-02-03", "M", "ME4 4QS", 0),
        rec("youth_justice", "Y1", "John", "Smith", "2006-08-09", "M", "ME4 4QS", 0),
        rec("school", "S1", "John", "Smith", "", "M", "ME4 4QS", 0),
        rec("school", "S2", "Amy", "Smith", "2014-05-06", "F", "ME4 4QS", 0),
    ];
    let father_of_pupil = [parent_of(2, 3)];
    let linker = Linker::new(&records, &LinkConfig::default());
    assert_eq!(linker.conflict(2, 1), Some(Conflict::NamesakesAtHome));
    assert_eq!(linker.link(&[]).n_people, 4);

    let linker = Linker::with_relations(&records, &LinkConfig::default(), &father_of_pupil);
    assert_eq!(linker.conflict(2, 1), Some(Conflict::BornOutsideYears));
    assert_eq!(linker.conflict(2, 0), None);
    let linkage = linker.link_with_relations(&[], &father_of_pupil);
    assert!(same(&linkage, 0, 2));
    assert!(!same(&linkage, 1, 2));
    assert_eq!(linkage.n_people, 3);

    // A child recorded with a parent born in 1970 was born after 1982.
    let child_of = [parent_of(0, 2)];
    let linker = Linker::with_relations(&records, &LinkConfig::default(), &child_of);
    assert_eq!(linker.conflict(2, 0), Some(Conflict::BornOutsideYears));
    assert_eq!(linker.conflict(2, 1), None);
}

#[test]
fn one_agency_holding_a_woman_twice_without_a_date_is_weighed_a_man_is_not() {
    // A son is often named after his father; a daughter seldom after her
    // mother. One agency's two records of one name, one of them undated,
    // may be father and son, but a woman's are weighed on the evidence.
    let woman = [
        rec("housing", "H1", "Grace", "Brombury", "1979-11-08", "F", "ME5 3EX", 7),
        rec("housing", "H2", "Grace", "Brombury", "", "F", "ME5 3EX", 7),
    ];
    let linker = Linker::new(&woman, &LinkConfig::default());
    assert_eq!(linker.conflict(0, 1), None);
    let man = [
        rec("housing", "H1", "Grant", "Brombury", "1979-11-08", "M", "ME5 3EX", 7),
        rec("housing", "H2", "Grant", "Brombury", "", "M", "ME5 3EX", 7),
    ];
    let linker = Linker::new(&man, &LinkConfig::default());
    assert_eq!(linker.conflict(0, 1), Some(Conflict::SameAgencyUndated));
}

#[test]
fn one_agency_holding_a_recorded_parent_twice_without_a_date_is_weighed() {
    // The school's two records of Grant Brombury, one without a date of
    // birth but recorded as the father of a pupil born in 2012: not the
    // son of the dated one (he would be born after 2000), so only the
    // evidence decides.
    let records = [
        rec("school", "S1", "Grant", "Brombury", "1979-11-08", "M", "ME5 3EX", 7),
        rec("school", "S2", "Grant", "Brombury", "", "M", "ME5 3EX", 7),
        rec("school", "S3", "Lily", "Brombury", "2012-02-01", "F", "ME5 3EX", 7),
    ];
    let father = [parent_of(1, 2)];
    assert_eq!(Linker::new(&records, &LinkConfig::default()).conflict(0, 1), Some(Conflict::SameAgencyUndated));
    let linker = Linker::with_relations(&records, &LinkConfig::default(), &father);
    assert_eq!(linker.conflict(0, 1), None);
    let linkage = linker.link_with_relations(&[], &father);
    assert!(same(&linkage, 0, 1));
}

#[test]
fn a_given_name_shared_within_a_year_of_birth_weighs_as_common_as_it_is_that_year() {
    // 400 people born in 1950 and 400 in 2010, each with a surname of
    // their own. "Olivia" is one in four of those born in 2010 and one of
    // those born in 1950: one in eight of everyone.
    // Names spelt from a number in letters: the linkage reads no digits.
    let word = |prefix: &str, i: usize| {
        let letter = |k: usize| char::from(b'a' + (k % 26) as u8);
        format!("{prefix}{}{}", letter(i / 26), letter(i))
    };
    let mut records = Vec::new();
    for i in 0..400 {
        let old = if i == 0 { "Olivia".to_owned() } else { word("Givenq", i) };
        let young = if i % 4 == 0 { "Olivia".to_owned() } else { word("Namez", i) };
        records.push(rec("police", &format!("p{i}"), &old, &word("Oldham", i), "1950-03-04", "F", "", 0));
        records.push(rec("police", &format!("q{i}"), &young, &word("Youngs", i), "2010-03-04", "F", "", 0));
    }
    let (prepared, _) = prepare(&records, &[]);
    let tf = TermFrequencies::new(&prepared);
    let mut log2_u_exact = [0.0; N_FIELDS];
    log2_u_exact[Field::GivenName as usize] = (0.01_f64).log2();
    let adjustment = |a: usize, b: usize| {
        let levels = compare::levels(&prepared[a], &prepared[b]);
        assert_eq!(levels[Field::GivenName as usize], Some(model::level::GIVEN_EXACT));
        tf.adjustments((a as u32, b as u32), (&prepared[a], &prepared[b]), &levels, &log2_u_exact)
            [Field::GivenName as usize]
    };
    // Two Olivias born in 2010: the name is one in four of their year.
    let (young_a, young_b) = (1, 9);
    assert_eq!((records[young_a].given_name.as_str(), records[young_b].given_name.as_str()), ("Olivia", "Olivia"));
    let within_year = adjustment(young_a, young_b);
    let expected = (0.01_f64).log2() - (100.0 / 400.0_f64).log2();
    assert!((within_year - expected).abs() < 0.1, "{within_year} against {expected}");
    // The 1950 Olivia against one of 2010: the name as common as overall,
    // one in eight, so it weighs a bit more than within 2010.
    let across = adjustment(0, young_a);
    let overall = (0.01_f64).log2() - (101.0 / 800.0_f64).log2();
    assert!((across - overall).abs() < 0.05, "{across} against {overall}");
    assert!(across > within_year + 0.9, "{across} {within_year}");
}

#[test]
fn a_record_that_moved_with_its_household_links_through_a_housemate() {
    // The Smiths of ME9 9ZZ moved to CT5 2BB: housing has the mother and
    // son at the new home, the police the father without a date of birth.
    // "John Smith" is common here, and a name alone at a new postcode
    // does not link; the mother, at both homes, says which John Smith moved.
    let mut records = families_some_moved();
    let first = records.len();
    records.extend([
        rec("health", "old-mother", "Harriet", "Smith", "1980-02-03", "F", "ME9 9ZZ", 9001),
        rec("health", "old-son", "Ezra", "Smith", "2010-05-06", "M", "ME9 9ZZ", 9001),
        rec("health", "old-father", "John", "Smith", "1978-07-08", "M", "ME9 9ZZ", 9001),
        rec("housing", "new-mother", "Harriet", "Smith", "1980-02-03", "F", "CT5 2BB", 9002),
        rec("housing", "new-son", "Ezra", "Smith", "2010-05-06", "M", "CT5 2BB", 9002),
        rec("police", "new-father", "John", "Smith", "", "M", "CT5 2BB", 9002),
    ]);
    let (old_father, new_father) = (first + 2, first + 5);
    assert!(
        records[..first].iter().filter(|r| r.given_name == "John" && r.family_name == "Smith").count() > 3,
        "John Smith is a common name here"
    );
    let linkage = link_with(&records, &LinkConfig::default(), &[], &[]);
    check_invariants(&records, &linkage);
    assert!(same(&linkage, first, first + 3) && same(&linkage, first + 1, first + 4), "mother and son, dated");
    assert!(same(&linkage, old_father, new_father), "the father moved with them");
    let link = linkage.links.iter().find(|l| (l.a, l.b) == (old_father as u32, new_father as u32)).unwrap();
    let relatives = link.fields.iter().find(|f| f.field == "relatives").unwrap();
    assert_eq!(relatives.level, "housemate_shared");
    assert!(relatives.weight > 5.0, "{relatives:?}");

    // Misspelt as well, no blocking key finds it; the mother's two homes do.
    let mut misspelt = records.clone();
    misspelt[new_father].family_name = "Smtih".to_owned();
    let pair = (old_father as u32, new_father as u32);
    assert!(!Linker::new(&misspelt, &LinkConfig::default()).candidate_pairs().contains(&pair));
    let linkage = link_with(&misspelt, &LinkConfig::default(), &[], &[]);
    assert!(same(&linkage, old_father, new_father));

    // Without the mother and son at the new home, the same record is a
    // name alone.
    let alone: Vec<PersonRecord> =
        records.iter().filter(|r| !matches!(r.record_id.as_str(), "new-mother" | "new-son")).cloned().collect();
    assert_eq!(alone[new_father - 2].record_id, "new-father");
    let linkage = link_with(&alone, &LinkConfig::default(), &[], &[]);
    assert!(!same(&linkage, old_father, new_father - 2));
}

#[test]
fn a_moved_record_that_fits_a_father_and_son_of_one_name_through_a_housemate_joins_neither() {
    // The father and his son of one name lived with the mother; she moved,
    // and the police's undated John Smith at her new home fits both.
    let mut records = families_some_moved();
    let first = records.len();
    records.extend([
        rec("health", "old-mother", "Harriet", "Smith", "1980-02-03", "F", "ME9 9ZZ", 9001),
        rec("health", "old-father", "John", "Smith", "1978-07-08", "M", "ME9 9ZZ", 9001),
        rec("health", "old-son", "John", "Smith", "2002-05-06", "M", "ME9 9ZZ", 9001),
        rec("housing", "new-mother", "Harriet", "Smith", "1980-02-03", "F", "CT5 2BB", 9002),
        rec("police", "new-john", "John", "Smith", "", "M", "CT5 2BB", 9002),
    ]);
    let linkage = link_with(&records, &LinkConfig::default(), &[], &[]);
    check_invariants(&records, &linkage);
    assert!(same(&linkage, first, first + 3));
    assert!(!same(&linkage, first + 4, first + 1) && !same(&linkage, first + 4, first + 2));
}

/// `noisy_families`, one family in three having moved since the police and
/// housing last saw it: their records give the new home.
fn families_some_moved() -> Vec<PersonRecord> {
    let (mut records, _) = noisy_families(400, 11);
    for (family, record) in records.iter_mut().enumerate().map(|(i, r)| (r.uprn.unwrap_or(i as u64), r)) {
        let postcode = record.postcode.as_ref().map(ToString::to_string).unwrap_or_default();
        let moved = postcode.bytes().map(u64::from).sum::<u64>() % 3 == 0;
        if moved && matches!(record.agency.as_str(), "police" | "housing") {
            record.postcode = Postcode::parse(&format!("CT{} 1{}", postcode.len(), &postcode[postcode.len() - 2..]));
            record.uprn = record.uprn.map(|_| family + 50_000);
        }
    }
    records
}

#[test]
fn two_slips_of_one_common_given_name_are_a_misspelling_of_each_other() {
    // "Paaul" and "Pul" are each one slip from Paul, on 60 records here,
    // and two slips from each other: not two names.
    let mut records: Vec<PersonRecord> = (0..60)
        .map(|i| {
            rec("police", &format!("p{i}"), "Paul", &format!("Ashby{}", char::from(b'a' + i % 26)), "", "M", "", 0)
        })
        .collect();
    records.push(rec("school", "s1", "Paaul", "Penridge", "", "M", "", 0));
    records.push(rec("housing", "h1", "Pul", "Penridge", "1982-06-30", "M", "", 0));
    records.push(rec("health", "n1", "Pearl", "Penridge", "1982-06-30", "F", "", 0));
    let given = |records: &[PersonRecord], a: usize, b: usize| {
        let (prepared, _) = prepare(records, &[]);
        compare::levels(&prepared[a], &prepared[b])[Field::GivenName as usize]
    };
    assert_eq!(given(&records, 60, 61), Some(model::level::GIVEN_MISSPELLING));
    // Pearl is not one slip from Paul.
    assert_eq!(given(&records, 61, 62), Some(model::level::GIVEN_DISAGREE));
    // With Paul on a handful of records, nothing says which name is the slip.
    let few: Vec<PersonRecord> = records[55..].to_vec();
    assert_eq!(given(&few, 5, 6), Some(model::level::GIVEN_DISAGREE));

    // "Jenyn", a slip of Jenny, and "Jnenifer", a slip of Jennifer: one
    // name, misspelt on both sides of a nickname.
    let surname = |i: u8| format!("Bexley{}", char::from(b'a' + i % 26));
    let mut records: Vec<PersonRecord> = (0..60)
        .flat_map(|i| {
            [
                rec("police", &format!("j{i}"), "Jenny", &surname(i), "", "F", "", 0),
                rec("police", &format!("k{i}"), "Jennifer", &surname(i + 1), "", "F", "", 0),
            ]
        })
        .collect();
    records.push(rec("school", "s1", "Jenyn", "Penridge", "", "F", "", 0));
    records.push(rec("housing", "h1", "Jnenifer", "Penridge", "1982-06-30", "F", "", 0));
    assert_eq!(given(&records, 120, 121), Some(model::level::GIVEN_MISSPELLING));
}

#[test]
fn the_second_pass_does_not_depend_on_row_order() {
    // Housemates and the pairs compared through them are worked out from
    // the first pass's people, numbered by record order: the linkage and
    // its model must come out the same whatever the order of the rows.
    let records = families_some_moved();
    let linkage = link_with(&records, &LinkConfig::default(), &[], &[]);
    assert!(linkage.model.relatives, "the second pass ran");
    let expected = partition(&records, &linkage);
    let mut rng = Rng::new(5);
    for _ in 0..3 {
        let mut shuffled = records.clone();
        rng.shuffle(&mut shuffled);
        let relinked = link_with(&shuffled, &LinkConfig::default(), &[], &[]);
        assert_eq!(partition(&shuffled, &relinked), expected);
        assert_eq!(relinked.model.prior_log2_odds.to_bits(), linkage.model.prior_log2_odds.to_bits());
        assert_eq!(relinked.n_compared, linkage.n_compared);
    }
}

#[test]
fn a_parent_misspelt_by_one_agency_links_through_the_child_both_recorded() {
    // The school holds the father as "Jon Smtih", without a date of birth
    // or an address, as the parent of its pupil Ezra; health holds John
    // Smith as Ezra's father. No blocking key meets the two; the child
    // they name does.
    let mut records = families_some_moved();
    let first = records.len() as u32;
    records.extend([
        rec("health", "dad-health", "John", "Smith", "1978-07-08", "M", "ME9 9ZZ", 9001),
        rec("health", "kid-health", "Ezra", "Smith", "2010-05-06", "M", "ME9 9ZZ", 9001),
        rec("school", "kid-school", "Ezra", "Smith", "2010-05-06", "M", "ME9 9ZZ", 9001),
        rec("school", "dad-school", "Jon", "Smtih", "", "M", "", 0),
    ]);
    let (dad_health, dad_school) = (first, first + 3);
    let relations = [parent_of(first, first + 1), parent_of(first + 3, first + 2)];
    let linker = Linker::with_relations(&records, &LinkConfig::default(), &relations);
    assert!(!linker.candidate_pairs().contains(&(dad_health, dad_school)));
    let linkage = linker.link_with_relations(&[], &relations);
    check_invariants(&records, &linkage);
    assert!(same(&linkage, first as usize + 1, first as usize + 2), "the child");
    assert!(same(&linkage, dad_health as usize, dad_school as usize), "the father");
    let link = linkage.links.iter().find(|l| (l.a, l.b) == (dad_health, dad_school)).unwrap();
    assert_eq!(link.fields.iter().find(|f| f.field == "relatives").unwrap().level, "shared");
}

#[test]
fn names_the_wrong_way_round_at_one_home_are_compared_though_no_key_meets_them() {
    // Early help keyed "Farnridge, Joe" at the home where housing has
    // Joseph Farnridge: every key at a home goes by the given name's
    // initial, which the swap changed.
    let mut records = families_some_moved();
    let first = records.len() as u32;
    records.extend([
        rec("early_help", "eh-1", "Farnridge", "Joe", "", "M", "ME7 0NY", 9101),
        rec("housing", "h-1", "Joseph", "Farnridge", "", "M", "ME7 0NY", 9101),
        rec("housing", "h-2", "Kayleigh", "Farnridge", "1990-04-04", "F", "ME7 0NY", 9101),
    ]);
    let pair = (first, first + 1);
    assert!(!Linker::new(&records, &LinkConfig::default()).candidate_pairs().contains(&pair));
    let linkage = link_with(&records, &LinkConfig::default(), &[], &[]);
    check_invariants(&records, &linkage);
    assert!(same(&linkage, first as usize, first as usize + 1));
    assert!(!same(&linkage, first as usize, first as usize + 2));
}

#[test]
fn a_woman_known_by_her_partners_name_to_one_agency_links_at_their_home() {
    // Health knows Charlotte Elmstead and her partner Mark Bradland at
    // ME9 9ZZ; the school knows her by his name, without a date of birth.
    let mut records = families_some_moved();
    let first = records.len();
    records.extend([
        rec("health", "h-charlotte", "Charlotte", "Elmstead", "1989-11-27", "F", "ME9 9ZZ", 9001),
        rec("health", "h-mark", "Mark", "Bradland", "1987-01-02", "M", "ME9 9ZZ", 9001),
        rec("housing", "hsg-mark", "Mark", "Bradland", "1987-01-02", "M", "ME9 9ZZ", 9001),
        rec("school", "s-charlotte", "Charlotte", "Bradland", "", "F", "ME9 9ZZ", 9001),
    ]);
    let (elmstead, bradland) = (first, first + 3);
    let family = |records: &[PersonRecord], a: usize, b: usize| {
        let (prepared, _) = prepare(records, &[]);
        compare::levels(&prepared[a], &prepared[b])[Field::FamilyName as usize]
    };
    assert_eq!(family(&records, elmstead, bradland), Some(model::level::FAMILY_HOUSEMATE));
    let linkage = link_with(&records, &LinkConfig::default(), &[], &[]);
    check_invariants(&records, &linkage);
    assert!(same(&linkage, elmstead, bradland), "one woman, known by her partner's name at school");
    assert!(!same(&linkage, elmstead, first + 1));
    let link = linkage.links.iter().find(|l| (l.a, l.b) == (elmstead as u32, bradland as u32)).unwrap();
    let level = link.fields.iter().find(|f| f.field == "family_name").unwrap();
    assert_eq!(level.level, "a_housemates_name");
    assert!(level.weight > 0.0, "{level:?}");

    // Without him at the home, nothing explains the other name: her own
    // record of that name does not.
    let alone: Vec<PersonRecord> = records.iter().filter(|r| !r.record_id.ends_with("-mark")).cloned().collect();
    let (elmstead, bradland) = (first, first + 1);
    assert_eq!(alone[bradland].record_id, "s-charlotte");
    assert_eq!(family(&alone, elmstead, bradland), Some(model::level::FAMILY_DISAGREE));
    let linkage = link_with(&alone, &LinkConfig::default(), &[], &[]);
    assert!(!same(&linkage, elmstead, bradland));

    // A house of many families (a hostel) says nothing of whom she lives with.
    let mut hostel = records.clone();
    hostel.extend((0..4).map(|i| {
        rec(
            "housing",
            &format!("hostel-{i}"),
            "Tom",
            &format!("Lodger{}", char::from(b'a' + i)),
            "",
            "M",
            "ME9 9ZZ",
            9001,
        )
    }));
    assert_eq!(family(&hostel, first, first + 3), Some(model::level::FAMILY_DISAGREE));
}
