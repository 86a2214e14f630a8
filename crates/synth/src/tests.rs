//! The generator's promises: deterministic output, bundles the contract
//! accepts in full, bad rows rejected exactly where the truth says, the
//! planted standouts at the top of any reasonable shortlist, and truth that
//! round-trips through its files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use famgraph_model::{Bundle, BundleFile, Date, LoadReport, Need, RawRow, RawTable, Role, validate_bundle};

use super::*;

fn config(families: usize, seed: u64) -> SynthConfig {
    SynthConfig { families, seed, ..SynthConfig::default() }
}

/// Splits the generated CSV with the csv crate, as a loader would.
fn raw_tables(generated: &Generated) -> Vec<RawTable> {
    tables_of(&generated.bundle)
}

fn tables_of(files: &[(String, String)]) -> Vec<RawTable> {
    BundleFile::ALL
        .iter()
        .map(|&file| {
            let file_name = format!("{}.csv", file.stem());
            let text =
                files.iter().find(|(n, _)| *n == file_name).map(|(_, t)| t).expect("every bundle file is generated");
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let columns = reader.headers().unwrap().iter().map(str::to_owned).collect();
            let rows = reader
                .records()
                .map(|record| {
                    let record = record.unwrap();
                    RawRow {
                        line: record.position().unwrap().line(),
                        values: record.iter().map(|v| (!v.is_empty()).then(|| v.to_owned())).collect(),
                    }
                })
                .collect();
            RawTable { file, file_name, columns, rows, unreadable: vec![], repaired: vec![] }
        })
        .collect()
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

#[test]
fn an_earlier_extract_is_the_same_agencies_some_months_before() {
    let plain = generate(&config(300, 11));
    let generated = generate(&SynthConfig { earlier_months: Some(6), ..config(300, 11) });
    // Asking for the earlier extract leaves the later one as it was.
    assert_eq!(plain.bundle, generated.bundle);
    let without_changes: Vec<_> = generated.truth.iter().filter(|(name, _)| name != CHANGES_FILE).cloned().collect();
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
