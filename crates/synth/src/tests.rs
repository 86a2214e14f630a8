//! The generator's promises: deterministic output, bundles the contract
//! accepts in full, bad rows rejected exactly where the truth says, the
//! planted standouts at the top of any reasonable shortlist, and truth that
//! round-trips through its files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use famgraph_model::{Bundle, Date, LoadReport, Need, RawTable, Role, validate_bundle};

use super::*;

fn config(families: usize, seed: u64) -> SynthConfig {
    SynthConfig { families, seed, ..SynthConfig::default() }
}

fn raw_tables(generated: &Generated) -> Vec<RawTable> {
    tables_of(&generated.bundle)
}

fn load(generated: &Generated) -> (Bundle, LoadReport, Vec<RawTable>) {
    let tables = raw_tables(generated);
    let (bundle, report) = validate_bundle(&tables).unwrap();
    (bundle, report, tables)
}

#[test]
fn same_seed_same_bytes() {
    let a = generate(&config(120, 7));
    let b = generate(&config(120, 7));
    assert_eq!(a.bundle, b.bundle);
    assert_eq!(a.truth, b.truth);
    assert_eq!(a.summary, b.summary);
    let c = generate(&config(120, 8));
    assert_ne!(a.bundle, c.bundle);
}

/// With a year between the extracts, families are taken on at the earlier
/// one and some of their needs planted to close: the truth has outcomes
/// achieved, each closed on or after its baseline and six months before
/// the later extract, and needs still open; the decisions file names each
/// family taken on.
#[test]
fn a_year_on_the_families_taken_on_have_planted_outcomes() {
    let generated = generate(&SynthConfig { earlier_months: Some(12), ..config(600, 5) });
    let file = |name: &str| &generated.truth.iter().find(|(n, _)| n == name).unwrap().1;
    let mut reader = csv::Reader::from_reader(file(OUTCOMES_FILE).as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let achieved: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[3] == "achieved").collect();
    assert!(achieved.len() >= 10, "{} achieved of {}", achieved.len(), rows.len());
    assert!(rows.iter().any(|r| &r[3] == "open"));
    for r in &achieved {
        let (baseline, closed) = (Date::parse(&r[2]).unwrap(), Date::parse(&r[4]).unwrap());
        assert!(closed >= baseline, "{r:?}");
    }
    let families: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    let decisions: Vec<serde_json::Value> =
        file(DECISIONS_FILE).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(decisions.len(), families.len());
    assert!(decisions.iter().all(|d| d["decision"] == "taken_on" && !d["records"].as_array().unwrap().is_empty()));
}

#[test]
fn an_earlier_extract_is_the_same_agencies_some_months_before() {
    let plain = generate(&config(300, 11));
    let generated = generate(&SynthConfig { earlier_months: Some(6), ..config(300, 11) });
    // Asking for the earlier extract leaves the later one as it was (six
    // months leave no room for a planted outcome: nothing is planted).
    assert_eq!(plain.bundle, generated.bundle);
    let without_changes: Vec<_> = generated
        .truth
        .iter()
        .filter(|(name, _)| ![CHANGES_FILE, OUTCOMES_FILE, DECISIONS_FILE].contains(&name.as_str()))
        .cloned()
        .collect();
    assert_eq!(plain.truth, without_changes);

    let earlier = generated.earlier.as_ref().expect("asked for");
    let (before, report) = validate_bundle(&tables_of(earlier)).unwrap();
    assert!(report.rejects.is_empty(), "{:?}", &report.rejects[..report.rejects.len().min(5)]);
    let (after, _, _) = load(&generated);
    let later_on = after.agencies.iter().map(|a| a.extracted_on).max().unwrap();
    let earlier_on = before.agencies.iter().map(|a| a.extracted_on).max().unwrap();
    assert_eq!(earlier_on, Date::from_ymd(2023, 9, 30).unwrap());
    assert!(earlier_on < later_on);

    // The same records under the same ids, fewer of them.
    let later_records: BTreeSet<(&str, &str)> =
        after.people.iter().map(|p| (p.agency.as_str(), p.record_id.as_str())).collect();
    assert!(before.people.len() < after.people.len());
    assert!(before.people.iter().all(|p| later_records.contains(&(p.agency.as_str(), p.record_id.as_str()))));

    // The truth names exactly the involvements new since, and those that
    // were open then and have ended since.
    let truth = generated.truth().unwrap();
    let key = |agency: &str, id: &str| format!("{agency}:{id}");
    let then: HashMap<String, Option<Date>> =
        before.involvements.iter().map(|i| (key(&i.agency, &i.involvement_id), i.end_date)).collect();
    let listed = |change: &str| -> BTreeSet<String> {
        truth.changes.iter().filter(|c| c.change == change).map(|c| c.detail.clone()).collect()
    };
    let new: BTreeSet<String> = after
        .involvements
        .iter()
        .map(|i| key(&i.agency, &i.involvement_id))
        .filter(|k| !then.contains_key(k))
        .collect();
    let ended: BTreeSet<String> = after
        .involvements
        .iter()
        .filter(|i| i.end_date.is_some())
        .map(|i| key(&i.agency, &i.involvement_id))
        .filter(|k| then.get(k).is_some_and(Option::is_none))
        .collect();
    assert!(new.len() > 20 && ended.len() > 20, "{} new, {} ended", new.len(), ended.len());
    assert_eq!(listed("new_involvement"), new);
    assert_eq!(listed("ended_involvement"), ended);
    assert!(!listed("need_sustained_resolved").is_empty());
    // Nothing the earlier extract holds starts after its date.
    assert!(before.involvements.iter().all(|i| i.start_date <= earlier_on));
}

#[test]
fn clean_bundle_is_accepted_in_full() {
    for noise in [Noise::Low, Noise::Medium, Noise::High] {
        let generated = generate(&SynthConfig { noise, ..config(600, 3) });
        let (bundle, report, tables) = load(&generated);
        assert!(report.rejects.is_empty(), "{noise:?}: {:?}", &report.rejects[..report.rejects.len().min(5)]);
        for (file, table) in report.files.iter().zip(&tables) {
            assert_eq!(file.accepted, table.rows.len() as u64, "{}", file.file);
            assert_eq!(file.read, file.accepted + file.rejected);
        }
        assert_eq!(bundle.people.len(), generated.summary.records);
        assert_eq!(bundle.involvements.len(), generated.summary.involvements);
        assert_eq!(bundle.agencies.len(), 10);
        // Odd postcodes and mistyped NHS numbers are warnings, never rejects.
        let warned: BTreeSet<&str> = report.warnings.iter().filter_map(|w| w.column.as_deref()).collect();
        assert!(warned.contains("postcode"), "{noise:?}: {warned:?}");
        assert!(warned.contains("nhs_number"), "{noise:?}: {warned:?}");
        // Every need is covered by the catalogue.
        let needs: BTreeSet<Need> = bundle.services.iter().map(|s| s.need).collect();
        assert_eq!(needs.len(), 10);
    }
}

#[test]
fn bad_rows_are_rejected_where_the_truth_says() {
    for (n, seed) in [(1, 1), (37, 2), (120, 3)] {
        let generated = generate(&SynthConfig { bad_rows: n, ..config(300, seed) });
        let truth = generated.truth().unwrap();
        assert_eq!(truth.expected_rejects.len(), n);
        let (_, report, _) = load(&generated);
        let mut got: Vec<(String, u64, String)> =
            report.rejects.iter().map(|r| (r.file.clone(), r.line, r.column.clone().unwrap_or_default())).collect();
        let mut want = truth.expected_rejects.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{n} bad rows");
        // The clean rows are untouched by the injection.
        let clean = generate(&config(300, seed));
        assert_eq!(generated.summary, clean.summary);
        let files: BTreeSet<&str> = want.iter().map(|r| r.0.as_str()).collect();
        if n >= 37 {
            assert_eq!(files.len(), 5, "{files:?}");
        }
    }
}

#[test]
fn standouts_are_dealt_by_count() {
    let generated = generate(&config(600, 1));
    let truth = generated.truth().unwrap();
    assert_eq!(generated.summary.standout_families, 10);
    assert_eq!(truth.standout_families.len(), 10);
    assert_eq!(generate(&config(60, 1)).summary.standout_families, 1);
    assert_eq!(generate(&config(6000, 1)).summary.standout_families, 100);
}

#[test]
fn truth_round_trips_through_files() {
    let generated = generate(&SynthConfig { bad_rows: 12, ..config(150, 4) });
    let dir = std::env::temp_dir().join(format!("famgraph-synth-test-{}", std::process::id()));
    let (out, truth_dir) = (dir.join("bundle"), dir.join("truth"));
    write(&generated, &out, &truth_dir).unwrap();
    let read = Truth::read(&truth_dir).unwrap();
    assert_eq!(read, generated.truth().unwrap());
    for (name, text) in &generated.bundle {
        assert_eq!(&std::fs::read_to_string(out.join(name)).unwrap(), text);
    }
    assert_eq!(read.expected_rejects.len(), 12);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(Truth::read(&truth_dir), Err(SynthError::Io { .. })));
}

#[test]
fn every_record_is_someone_and_everyone_has_a_record() {
    let generated = generate(&config(600, 5));
    let truth = generated.truth().unwrap();
    let (bundle, _, _) = load(&generated);
    assert_eq!(truth.person_of_record.len(), bundle.people.len());
    let with_records: BTreeSet<&String> = truth.person_of_record.values().collect();
    assert_eq!(with_records.len(), truth.family_of_person.len());
    assert_eq!(with_records.len(), generated.summary.people);
    for record in &bundle.people {
        assert!(truth.family_of_record(&record.agency, &record.record_id).is_some());
    }
    // People appear in several agencies, but not all in one.
    let per_person = generated.summary.records as f64 / generated.summary.people as f64;
    assert!((1.2..3.0).contains(&per_person), "{per_person}");
}

#[test]
fn agencies_keep_to_their_schemes_and_ages() {
    let generated = generate(&config(600, 6));
    let (bundle, _, _) = load(&generated);
    let truth = generated.truth().unwrap();
    let persons = persons_by_id(&generated);
    let extract_dates: HashMap<&str, Date> =
        bundle.agencies.iter().map(|a| (a.code.as_str(), a.extracted_on)).collect();
    let configured = SynthConfig::default().extracted_on;
    for date in extract_dates.values() {
        assert!(*date <= configured && *date >= configured.add_days(-6));
    }
    for record in &bundle.people {
        let id = &record.record_id;
        let ok = match record.agency.as_str() {
            "police" => id.len() == 9 && id.starts_with("PN"),
            "probation" => id.len() == 7 && id.as_bytes()[0].is_ascii_uppercase(),
            "csc" => id.len() == 6 && id.bytes().all(|b| b.is_ascii_digit()),
            "school" => id.len() == 13 || id.starts_with("CT"),
            "housing" => id.starts_with("HSG/"),
            "jobcentre" => id.starts_with("JC-"),
            _ => true,
        };
        assert!(ok, "{} {id}", record.agency);
        match record.agency.as_str() {
            "health" => {
                assert!(record.nhs_number.is_some() && record.date_of_birth.is_some(), "{id}");
            }
            "housing" => assert!(record.uprn.is_some(), "{id}"),
            _ => {}
        }
    }
    let service_spec: HashMap<(&str, &str), &famgraph_model::Service> =
        bundle.services.iter().map(|s| ((s.agency.as_str(), s.code.as_str()), s)).collect();
    for inv in &bundle.involvements {
        let person = &truth.person_of_record[&(inv.agency.clone(), inv.record_id.clone())];
        let dob = persons[person].dob;
        let age = dob.age_on(inv.start_date);
        let ok = match inv.agency.as_str() {
            "youth_justice" => (10..=17).contains(&age),
            "probation" | "jobcentre" => age >= 18,
            "school" => age <= 18,
            _ => age >= 0,
        };
        assert!(ok, "{} {} at age {age}", inv.agency, inv.service);
        assert!(service_spec.contains_key(&(inv.agency.as_str(), inv.service.as_str())));
    }
}

#[test]
fn hazards_are_planted() {
    let generated = generate(&config(600, 1));
    let truth = generated.truth().unwrap();
    let kinds: BTreeMap<&str, usize> = truth.patterns.iter().fold(BTreeMap::new(), |mut m, p| {
        *m.entry(p.kind.as_str()).or_default() += 1;
        m
    });
    for kind in [
        "intergenerational_offending",
        "overlapping_interventions",
        "duplicated_keyworkers",
        "no_keyworker",
        "hostel",
        "twins",
        "same_name_father_son",
        "name_change",
        "moved_house",
    ] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind}: {kinds:?}");
    }
    // Hostels put many unrelated people at one address.
    let hostel_families = truth.patterns.iter().filter(|p| p.kind == "hostel").count();
    assert!((12..=60).contains(&hostel_families), "{hostel_families}");
    // Many Smiths: the commonest surname is shared by several families.
    let (bundle, _, _) = load(&generated);
    let smiths = bundle.people.iter().filter(|p| p.family_name.eq_ignore_ascii_case("smith")).count();
    assert!(smiths >= 20, "{smiths}");
}

struct TruePerson {
    dob: Date,
    generation: u32,
}

fn persons_by_id(generated: &Generated) -> HashMap<String, TruePerson> {
    let text = &generated.truth.iter().find(|(n, _)| n == "persons.csv").unwrap().1;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let person = TruePerson { dob: Date::parse(&r[5]).unwrap(), generation: r[2].parse().unwrap() };
            (r[0].to_owned(), person)
        })
        .collect()
}

/// What a coordinator would count for one true family.
#[derive(Debug, Default)]
struct Picture {
    peak_agencies: usize,
    peak_keyworkers: usize,
    needs: usize,
    shared_need: bool,
    intergenerational: bool,
}

impl Picture {
    fn score(&self) -> usize {
        self.peak_agencies + self.peak_keyworkers + self.needs + 4 * usize::from(self.intergenerational)
    }
}

/// Scores each true family from the bundle as perfectly linked by the truth.
fn pictures(generated: &Generated) -> BTreeMap<String, Picture> {
    let (bundle, _, _) = load(generated);
    let truth = generated.truth().unwrap();
    let persons = persons_by_id(generated);
    let as_of = bundle.as_of().unwrap();
    let services: HashMap<(&str, &str), &famgraph_model::Service> =
        bundle.services.iter().map(|s| ((s.agency.as_str(), s.code.as_str()), s)).collect();
    let mut by_family: BTreeMap<String, Vec<(&famgraph_model::Involvement, &str)>> = BTreeMap::new();
    for inv in &bundle.involvements {
        let person = truth.person_of_record[&(inv.agency.clone(), inv.record_id.clone())].as_str();
        by_family.entry(truth.family_of_person[person].clone()).or_default().push((inv, person));
    }
    let mut out = BTreeMap::new();
    for (family, invs) in by_family {
        let mut picture = Picture::default();
        let covers =
            |inv: &famgraph_model::Involvement, d: Date| inv.start_date <= d && inv.end_date.unwrap_or(as_of) >= d;
        for (candidate, _) in &invs {
            let day = candidate.start_date;
            let active: Vec<_> = invs.iter().filter(|(i, _)| covers(i, day)).collect();
            let agencies: BTreeSet<&str> = active.iter().map(|(i, _)| i.agency.as_str()).collect();
            let keyworkers: BTreeSet<&str> = active
                .iter()
                .filter(|(i, _)| services[&(i.agency.as_str(), i.service.as_str())].keyworker)
                .map(|(i, _)| i.agency.as_str())
                .collect();
            let mut need_agencies: BTreeMap<Need, BTreeSet<&str>> = BTreeMap::new();
            for (i, _) in &active {
                need_agencies
                    .entry(services[&(i.agency.as_str(), i.service.as_str())].need)
                    .or_default()
                    .insert(&i.agency);
            }
            picture.peak_agencies = picture.peak_agencies.max(agencies.len());
            picture.peak_keyworkers = picture.peak_keyworkers.max(keyworkers.len());
            picture.shared_need |= need_agencies.values().any(|a| a.len() >= 2);
        }
        let recent = as_of.add_days(-730);
        let needs: BTreeSet<Need> = invs
            .iter()
            .filter(|(i, _)| i.end_date.unwrap_or(as_of) >= recent)
            .map(|(i, _)| services[&(i.agency.as_str(), i.service.as_str())].need)
            .collect();
        picture.needs = needs.len();
        let mut first_offence: BTreeMap<u32, Date> = BTreeMap::new();
        let mut offences: Vec<(u32, Date)> = Vec::new();
        for (i, person) in &invs {
            if services[&(i.agency.as_str(), i.service.as_str())].offending || i.role == Role::Perpetrator {
                offences.push((persons[*person].generation, i.start_date));
            }
        }
        for (generation, date) in offences {
            let first = first_offence.entry(generation).or_insert(date);
            *first = (*first).min(date);
        }
        picture.intergenerational =
            first_offence.iter().any(|(g, d)| first_offence.iter().any(|(g2, d2)| g2 > g && d2 > d));
        out.insert(family, picture);
    }
    out
}

#[test]
fn standouts_are_the_clear_answer() {
    for seed in [1, 2] {
        let generated = generate(&config(600, seed));
        let truth = generated.truth().unwrap();
        let pictures = pictures(&generated);
        for family in &truth.standout_families {
            let p = &pictures[family];
            assert!(p.peak_agencies >= 5, "{family}: {p:?}");
            assert!(p.peak_keyworkers >= 2, "{family}: {p:?}");
            assert!(p.needs >= 5, "{family}: {p:?}");
            assert!(p.shared_need && p.intergenerational, "{family}: {p:?}");
            assert!(truth.patterns.iter().any(|x| &x.family_id == family && x.kind == "intergenerational_offending"));
        }
        let lowest_standout = truth.standout_families.iter().map(|f| pictures[f].score()).min().unwrap();
        let highest_other =
            pictures.iter().filter(|(f, _)| !truth.is_standout(f)).map(|(_, p)| p.score()).max().unwrap();
        assert!(lowest_standout > highest_other, "seed {seed}: {lowest_standout} vs {highest_other}");
        // Decoys show parts of the picture.
        let decoys = pictures.iter().filter(|(f, p)| !truth.is_standout(f) && p.intergenerational).count();
        assert!(decoys >= 20, "{decoys}");
        let busy = pictures.iter().filter(|(f, p)| !truth.is_standout(f) && p.peak_agencies >= 3).count();
        assert!(busy >= 20, "{busy}");
    }
}

#[test]
fn noise_levels_parse_and_differ() {
    assert_eq!("low".parse::<Noise>().unwrap(), Noise::Low);
    assert_eq!("High".parse::<Noise>().unwrap(), Noise::High);
    assert!(matches!("loud".parse::<Noise>(), Err(SynthError::UnknownNoise(_))));
    let missing_dob = |noise| {
        let generated = generate(&SynthConfig { noise, ..config(300, 9) });
        let (bundle, _, _) = load(&generated);
        bundle.people.iter().filter(|p| p.date_of_birth.is_none()).count()
    };
    assert!(missing_dob(Noise::High) > missing_dob(Noise::Low));
}

/// The bundle's person rows, parsed by the contract's rules, by (agency, record id).
fn people_by_record(bundle: &Bundle) -> HashMap<(&str, &str), &famgraph_model::PersonRecord> {
    bundle.people.iter().map(|p| ((p.agency.as_str(), p.record_id.as_str()), p)).collect()
}

/// True people's given and family names, by person id.
fn true_names(generated: &Generated) -> HashMap<String, (String, String)> {
    let text = &generated.truth.iter().find(|(n, _)| n == "persons.csv").unwrap().1;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), (r[3].to_owned(), r[4].to_owned()))
        })
        .collect()
}

/// The `agency:record_id` words of a pattern's detail.
fn named_records(detail: &str) -> Vec<(String, String)> {
    detail
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';', ')']))
        .filter_map(|w| w.split_once(':'))
        .filter(|(agency, id)| {
            !agency.is_empty() && !id.is_empty() && agency.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .map(|(agency, id)| (agency.to_owned(), id.to_owned()))
        .collect()
}

#[test]
fn within_agency_duplicates_are_planted_and_the_truth_lists_them() {
    let mut shares = Vec::new();
    for noise in [Noise::Low, Noise::Medium, Noise::High] {
        let generated = generate(&SynthConfig { noise, ..config(3000, 12) });
        let truth = generated.truth().unwrap();
        let (bundle, _, _) = load(&generated);
        // Every record, duplicates too, is in records.csv with its person.
        assert_eq!(truth.person_of_record.len(), bundle.people.len());
        let mut records_of: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for ((agency, id), person) in &truth.person_of_record {
            records_of.entry((agency.as_str(), person.as_str())).or_default().push(id.as_str());
        }
        let held_twice: BTreeMap<(&str, &str), &Vec<&str>> =
            records_of.iter().filter(|(_, ids)| ids.len() >= 2).map(|(k, v)| (*k, v)).collect();
        let share = held_twice.len() as f64 / records_of.len() as f64;
        shares.push(share);
        let thrice = held_twice.values().filter(|ids| ids.len() >= 3).count();
        if noise == Noise::Medium {
            assert!((0.012..0.03).contains(&share), "{share}");
            // Rarely a third record.
            assert!(thrice > 0 && thrice * 5 < held_twice.len(), "{thrice} of {}", held_twice.len());
            // Agencies differ: systems checked against a national index duplicate least.
            let of_agency = |agency: &str| {
                let all = records_of.keys().filter(|(a, _)| *a == agency).count();
                held_twice.keys().filter(|(a, _)| *a == agency).count() as f64 / all as f64
            };
            assert!(
                of_agency("police") > 2.0 * of_agency("jobcentre"),
                "{} {}",
                of_agency("police"),
                of_agency("jobcentre")
            );
        }

        // The truth lists each, naming the person and every record of theirs in that agency.
        let mut listed: BTreeSet<(String, String)> = BTreeSet::new();
        for pattern in truth.patterns.iter().filter(|p| p.kind == "within_agency_duplicate") {
            let named = named_records(&pattern.detail);
            assert!(named.len() >= 2, "{}", pattern.detail);
            let person = &truth.person_of_record[&named[0]];
            assert!(pattern.detail.starts_with(person.as_str()), "{}", pattern.detail);
            assert_eq!(truth.family_of_person[person], pattern.family_id);
            for record in &named {
                assert_eq!(&truth.person_of_record[record], person, "{}", pattern.detail);
            }
            let agency = named[0].0.as_str();
            assert_eq!(named.len(), held_twice[&(agency, person.as_str())].len(), "{}", pattern.detail);
            listed.insert((agency.to_owned(), person.clone()));
        }
        let expected: BTreeSet<(String, String)> =
            held_twice.keys().map(|(a, p)| ((*a).to_owned(), (*p).to_owned())).collect();
        assert_eq!(listed, expected);

        // Each record its own: its own noise, episodes split between the
        // records (after a gap, the old record's all before the new one's),
        // relationships recorded against either.
        let rows = people_by_record(&bundle);
        let mut episodes: HashMap<(&str, &str), Vec<Date>> = HashMap::new();
        for inv in &bundle.involvements {
            episodes.entry((inv.agency.as_str(), inv.record_id.as_str())).or_default().push(inv.start_date);
        }
        let related: BTreeSet<(&str, &str)> = bundle
            .relationships
            .iter()
            .flat_map(|r| [(r.agency.as_str(), r.from_record.as_str()), (r.agency.as_str(), r.to_record.as_str())])
            .collect();
        let (mut differ, mut split, mut gaps, mut on_second) = (0, 0, 0, 0);
        for pattern in truth.patterns.iter().filter(|p| p.kind == "within_agency_duplicate") {
            let named = named_records(&pattern.detail);
            let row = |r: &(String, String)| rows[&(r.0.as_str(), r.1.as_str())];
            let (first, second) = (row(&named[0]), row(&named[1]));
            differ += usize::from(
                first.given_name != second.given_name
                    || first.family_name != second.family_name
                    || first.date_of_birth != second.date_of_birth
                    || first.address != second.address,
            );
            let dates = |r: &(String, String)| episodes.get(&(r.0.as_str(), r.1.as_str())).cloned().unwrap_or_default();
            split += usize::from(named.iter().filter(|r| !dates(r).is_empty()).count() >= 2);
            // Each record's part of the detail: `agency:id`, then how it came about.
            let parts: Vec<&str> = pattern.detail.split_once(": ").unwrap().1.split("; ").collect();
            assert_eq!(parts.len(), named.len(), "{}", pattern.detail);
            if let Some(at) = parts.iter().position(|p| p.contains("before a gap")) {
                gaps += 1;
                let old = dates(&named[at]);
                let new: Vec<Date> = (0..named.len()).filter(|&i| i != at).flat_map(|i| dates(&named[i])).collect();
                assert!(!old.is_empty() && !new.is_empty(), "{}", pattern.detail);
                let (last_old, first_new) = (old.iter().max().unwrap(), new.iter().min().unwrap());
                assert!(first_new.days() - last_old.days() >= 365, "{}", pattern.detail);
            }
            on_second += usize::from(named[1..].iter().any(|r| related.contains(&(r.0.as_str(), r.1.as_str()))));
        }
        let n = listed.len();
        println!("{noise:?}: {n} held twice, {differ} differ, {split} split, {gaps} after a gap, {on_second} related");
        if noise == Noise::Medium {
            assert!(differ * 10 >= n, "{differ} of {n} duplicates differ from the first record");
            assert!(
                split * 8 >= n && gaps * 12 >= n && on_second > 0,
                "{split} split, {gaps} gaps, {on_second} related, of {n}"
            );
        }
    }
    assert!(shares[0] < shares[1] && shares[1] < shares[2], "{shares:?}");
}

#[test]
fn names_swapped_at_about_their_rate_and_listed() {
    let mut counts = Vec::new();
    for noise in [Noise::Low, Noise::Medium, Noise::High] {
        let generated = generate(&SynthConfig { noise, ..config(3000, 13) });
        let (bundle, _, _) = load(&generated);
        let truth = generated.truth().unwrap();
        let names = true_names(&generated);
        let rows = people_by_record(&bundle);
        let swapped: Vec<&records::Slipped> =
            generated.slips.iter().filter(|s| matches!(s.slip, records::Slip::NamesSwapped { .. })).collect();
        counts.push(swapped.len());
        let share = swapped.len() as f64 / bundle.people.len() as f64;
        if noise == Noise::Medium {
            assert!((0.007..0.013).contains(&share), "{share}");
        }
        let (mut as_family_names, mut as_given_names) = (0, 0);
        for s in &swapped {
            let records::Slip::NamesSwapped { given, family } = &s.slip else { unreachable!() };
            let row = rows[&(s.agency.code(), s.record_id.as_str())];
            assert_eq!((&row.given_name, &row.family_name), (given, family));
            // The given name box holds the family name, the family name box the given name.
            let (true_given, true_family) = &names[&patterns::person_id(s.person)];
            as_family_names += usize::from(row.given_name.eq_ignore_ascii_case(true_family));
            as_given_names += usize::from(row.family_name.eq_ignore_ascii_case(true_given));
            assert!(!row.family_name.eq_ignore_ascii_case(true_family), "{row:?} of {true_given} {true_family}");
        }
        // Misspellings, nicknames and former names aside.
        assert!(as_family_names * 10 >= swapped.len() * 7, "{as_family_names} of {}", swapped.len());
        assert!(as_given_names * 10 >= swapped.len() * 6, "{as_given_names} of {}", swapped.len());
        // Listed in the truth for each with another record to link it to.
        let listed: BTreeSet<(String, String)> = truth
            .patterns
            .iter()
            .filter(|p| p.kind == "names_swapped")
            .flat_map(|p| named_records(&p.detail))
            .collect();
        let mut n_records: HashMap<&str, usize> = HashMap::new();
        for person in truth.person_of_record.values() {
            *n_records.entry(person.as_str()).or_default() += 1;
        }
        let hazards: BTreeSet<(String, String)> = swapped
            .iter()
            .filter(|s| n_records[patterns::person_id(s.person).as_str()] >= 2)
            .map(|s| (s.agency.code().to_owned(), s.record_id.clone()))
            .collect();
        assert_eq!(listed, hazards);
        assert!(!listed.is_empty());
    }
    assert!(counts[0] < counts[1] && counts[1] < counts[2], "{counts:?}");
}

#[test]
fn dates_of_birth_are_mistyped_transposed_or_placeholders() {
    let digits = |d: Date| {
        let (y, m, day) = d.ymd();
        format!("{y:04}{m:02}{day:02}").into_bytes()
    };
    let mut counts = Vec::new();
    for noise in [Noise::Low, Noise::Medium, Noise::High] {
        let generated = generate(&SynthConfig { noise, ..config(3000, 14) });
        let (bundle, _, _) = load(&generated);
        let truth = generated.truth().unwrap();
        let persons = persons_by_id(&generated);
        let extract_dates: HashMap<&str, Date> =
            bundle.agencies.iter().map(|a| (a.code.as_str(), a.extracted_on)).collect();
        let rows = people_by_record(&bundle);
        let (mut mistyped, mut transposed) = (0, 0);
        for s in &generated.slips {
            let row = rows[&(s.agency.code(), s.record_id.as_str())];
            let born = persons[&patterns::person_id(s.person)].dob;
            match s.slip {
                records::Slip::DobDigit(date) | records::Slip::DobTransposed(date) => {
                    assert_eq!(row.date_of_birth, Some(date));
                    assert!(date <= extract_dates[row.agency.as_str()] && date.year() >= 1900 && date != born);
                    let (a, b) = (digits(born), digits(date));
                    let differ: Vec<usize> = (0..8).filter(|&i| a[i] != b[i]).collect();
                    if matches!(s.slip, records::Slip::DobDigit(_)) {
                        mistyped += 1;
                        assert_eq!(differ.len(), 1, "{born} {date}");
                    } else {
                        transposed += 1;
                        assert!(differ.len() == 2 && differ[1] == differ[0] + 1, "{born} {date}");
                        assert_eq!((a[differ[0]], a[differ[1]]), (b[differ[1]], b[differ[0]]));
                    }
                }
                records::Slip::PlaceholderDob(date) => {
                    assert_eq!(row.date_of_birth, Some(date));
                    assert_eq!(date.ymd().1, 1);
                }
                _ => {}
            }
        }
        // Among records of agencies whose dates can be wrong and that hold one.
        let fallible = bundle
            .people
            .iter()
            .filter(|p| !matches!(p.agency.as_str(), "health" | "jobcentre"))
            .filter(|p| p.date_of_birth.is_some_and(|d| d.year() > 1901))
            .count() as f64;
        if noise == Noise::Medium {
            for (what, n) in [("mistyped", mistyped), ("transposed", transposed)] {
                let share = f64::from(n) / fallible;
                assert!((0.01..0.02).contains(&share), "{what}: {share}");
            }
        }
        // Placeholders: the voluntary sector writes 1900-01-01 for every
        // unknown date at medium noise, housing 1901-01-01 for some; no
        // one else writes either.
        let placeholder =
            |p: &famgraph_model::PersonRecord, ymd: (i32, u32, u32)| p.date_of_birth.is_some_and(|d| d.ymd() == ymd);
        let of = |agency: &'static str| bundle.people.iter().filter(move |p| p.agency == agency);
        let voluntary = (
            of("voluntary").filter(|p| placeholder(p, (1900, 1, 1))).count(),
            of("voluntary").filter(|p| p.date_of_birth.is_none()).count(),
        );
        let housing = (
            of("housing").filter(|p| placeholder(p, (1901, 1, 1))).count(),
            of("housing").filter(|p| p.date_of_birth.is_none()).count(),
        );
        assert!(voluntary.0 > 20 && housing.0 > 20, "{voluntary:?} {housing:?}");
        match noise {
            Noise::Low => assert!(voluntary.1 > 0 && housing.1 > 0),
            Noise::Medium => assert!(voluntary.1 == 0 && housing.1 > 0, "{voluntary:?} {housing:?}"),
            Noise::High => assert!(voluntary.1 == 0 && housing.1 == 0, "{voluntary:?} {housing:?}"),
        }
        let elsewhere = bundle
            .people
            .iter()
            .filter(|p| p.agency != "voluntary" && p.agency != "housing")
            .filter(|p| placeholder(p, (1900, 1, 1)) || placeholder(p, (1901, 1, 1)))
            .count();
        assert_eq!(elsewhere, 0);
        // The truth lists the hazards, each naming its record.
        for pattern in truth.patterns.iter().filter(|p| p.kind == "dob_mistyped" || p.kind == "placeholder_dob") {
            let named = named_records(&pattern.detail);
            assert_eq!(named.len(), 1, "{}", pattern.detail);
            let person = &truth.person_of_record[&named[0]];
            assert!(pattern.detail.starts_with(person.as_str()), "{}", pattern.detail);
        }
        assert!(truth.patterns.iter().any(|p| p.kind == "placeholder_dob"));
        assert!(truth.patterns.iter().any(|p| p.kind == "dob_mistyped"));
        counts.push(mistyped + transposed);
    }
    assert!(counts[0] < counts[1] && counts[1] < counts[2], "{counts:?}");
}

#[test]
fn streets_are_abbreviated_and_misspelt_and_postcodes_mistyped() {
    let mut counts = Vec::new();
    for noise in [Noise::Low, Noise::Medium, Noise::High] {
        let generated = generate(&SynthConfig { noise, ..config(3000, 15) });
        let (bundle, _, _) = load(&generated);
        let rows = people_by_record(&bundle);
        // Street types abbreviated as agencies do.
        let last_words: BTreeSet<&str> =
            bundle.people.iter().filter_map(|p| p.address.as_deref()?.split_whitespace().last()).collect();
        for short in ["Rd", "St", "Ave", "Cl", "Cres", "Gdns"] {
            assert!(last_words.contains(short) || last_words.contains(short.to_ascii_uppercase().as_str()), "{short}");
        }
        let (mut streets, mut postcodes) = (0, 0);
        for s in &generated.slips {
            let row = rows[&(s.agency.code(), s.record_id.as_str())];
            match &s.slip {
                records::Slip::Street { street, written } => {
                    streets += 1;
                    assert_ne!(street, written);
                    let address = row.address.as_deref().unwrap().to_ascii_uppercase();
                    assert!(address.contains(&written.to_ascii_uppercase()), "{address} {written}");
                }
                records::Slip::Postcode { true_postcode, written } => {
                    postcodes += 1;
                    let differ = true_postcode.bytes().zip(written.bytes()).filter(|(a, b)| a != b).count();
                    assert!(differ == 1 && true_postcode.len() == written.len(), "{true_postcode} {written}");
                    // Still a postcode, and the one the row holds.
                    assert_eq!(row.postcode.as_ref().map(famgraph_model::Postcode::as_str), Some(written.as_str()));
                }
                _ => {}
            }
        }
        let with_address = bundle.people.iter().filter(|p| p.address.is_some()).count() as f64;
        let with_postcode = bundle.people.iter().filter(|p| p.postcode.is_some()).count() as f64;
        if noise == Noise::Medium {
            let (street_share, postcode_share) =
                (f64::from(streets) / with_address, f64::from(postcodes) / with_postcode);
            assert!((0.022..0.038).contains(&street_share), "{street_share}");
            assert!((0.006..0.014).contains(&postcode_share), "{postcode_share}");
        }
        counts.push((streets, postcodes));
    }
    assert!(counts[0].0 < counts[1].0 && counts[1].0 < counts[2].0, "{counts:?}");
    assert!(counts[0].1 < counts[1].1 && counts[1].1 < counts[2].1, "{counts:?}");
}

#[test]
fn the_new_shapes_are_deterministic_and_kept_in_the_earlier_extract() {
    let config = SynthConfig { earlier_months: Some(6), ..config(400, 16) };
    let (a, b) = (generate(&config), generate(&config));
    assert_eq!(a.bundle, b.bundle);
    assert_eq!(a.truth, b.truth);
    assert_eq!(a.earlier, b.earlier);
    assert_eq!(format!("{:?}", a.slips), format!("{:?}", b.slips));
    // A record the earlier extract holds has the same slips there (a
    // duplicate too), bar a mistyped date the earlier extract date rules out.
    let earlier = a.earlier.as_ref().unwrap();
    let (before, _) = validate_bundle(&tables_of(earlier)).unwrap();
    let then = people_by_record(&before);
    let mut compared = 0;
    for s in &a.slips {
        let Some(row) = then.get(&(s.agency.code(), s.record_id.as_str())) else { continue };
        match &s.slip {
            records::Slip::NamesSwapped { given, family } => {
                assert_eq!((&row.given_name, &row.family_name), (given, family));
                compared += 1;
            }
            records::Slip::Postcode { written, .. } => {
                assert_eq!(row.postcode.as_ref().map(famgraph_model::Postcode::as_str), Some(written.as_str()));
                compared += 1;
            }
            _ => {}
        }
    }
    assert!(compared > 0);
}
