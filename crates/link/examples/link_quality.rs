//! Measures linkage quality and speed on synthetic bundles whose truth is
//! known: pairwise precision, recall and F1, then the missed and the wrong
//! pairs grouped by how their fields compared, to show where to tune.
//!
//! `cargo run --release -p famgraph-link --example link_quality -- 600 5000`
//! (the family counts; `--seed N`, `--noise low|medium|high`, `--threshold P` (a match probability), `--fixed` (the hand-set model, not estimated), `--model` (print the estimated model),
//! `--errors` to list the commonest error signatures, and `--show TEXT` to
//! print the synthetic records of the error pairs whose signature holds TEXT).
//!
//! `--bundle DIR --truth RECORDS_CSV` measures a bundle made elsewhere
//! instead (such as a public benchmark converted to the extract contract):
//! its `agencies.csv`, `people.csv` and `relationships.csv`, against a
//! truth file of `agency,record_id,person_id` rows.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::Instant;

use famgraph_link::{LinkConfig, Linkage, Linker, pairwise_quality, relations_of};
use famgraph_model::{BundleFile, PersonRecord, RawRow, RawTable, Relationship, validate_bundle};
use famgraph_synth::{Noise, SynthConfig, generate};

/// How many error signatures `--errors` lists per kind.
const MAX_SIGNATURES: usize = 12;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    families: Vec<usize>,
    seed: u64,
    noise: Noise,
    config: LinkConfig,
    errors: bool,
    model: bool,
    relatives: bool,
    /// Print the records of error pairs whose signature contains this.
    show: Option<String>,
    /// A bundle folder and its truth, instead of generated bundles.
    bundle: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        families: Vec::new(),
        seed: 1,
        noise: Noise::Medium,
        config: LinkConfig::default(),
        errors: false,
        model: false,
        relatives: true,
        show: None,
        bundle: None,
    };
    let mut bundle_dir = None;
    let mut truth_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--seed" => options.seed = value("--seed")?.parse().map_err(|_| "--seed: not a number")?,
            "--noise" => options.noise = value("--noise")?.parse().map_err(|e| format!("{e}"))?,
            "--threshold" => {
                options.config.match_probability =
                    value("--threshold")?.parse().map_err(|_| "--threshold: not a number")?;
            }
            "--fixed" => options.config.estimate = false,
            "--no-tf" => options.config.term_frequencies = false,
            "--no-relatives" => options.relatives = false,
            "--u-pairs" => {
                options.config.u_sample_pairs = value("--u-pairs")?.parse().map_err(|_| "--u-pairs: not a number")?;
            }
            "--model" => options.model = true,
            "--bundle" => bundle_dir = Some(std::path::PathBuf::from(value("--bundle")?)),
            "--truth" => truth_file = Some(std::path::PathBuf::from(value("--truth")?)),
            "--errors" => options.errors = true,
            "--show" => {
                options.errors = true;
                options.show = Some(value("--show")?);
            }
            families => options.families.push(families.parse().map_err(|_| format!("not a family count: {families}"))?),
        }
    }
    match (bundle_dir, truth_file) {
        (Some(dir), Some(truth)) => options.bundle = Some((dir, truth)),
        (None, None) => {}
        _ => return Err("--bundle and --truth go together".to_owned()),
    }
    if options.families.is_empty() && options.bundle.is_none() {
        options.families = vec![600, 5000];
    }
    Ok(options)
}

/// One set of records to measure: its name, the records, the relationships
/// between them and each record's true person.
struct Case {
    name: String,
    records: Vec<PersonRecord>,
    relationships: Vec<Relationship>,
    person_of: Vec<String>,
    /// Pairs of true people that must stay apart, by the hazard they plant
    /// (twins, a father and son of one name).
    apart: Vec<(String, String, String)>,
}

fn cases(options: &Options) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    if let Some((dir, truth)) = &options.bundle {
        let mut tables = Vec::new();
        for file in [BundleFile::Agencies, BundleFile::People, BundleFile::Relationships] {
            let name = format!("{}.csv", file.stem());
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            tables.push(raw_table(file, &name, &text)?);
        }
        let (bundle, _report) = validate_bundle(&tables).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(truth).map_err(|e| format!("{}: {e}", truth.display()))?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut true_person: HashMap<(String, String), String> = HashMap::new();
        for row in reader.records() {
            let row = row.map_err(|e| format!("{}: {e}", truth.display()))?;
            true_person.insert((row[0].to_owned(), row[1].to_owned()), row[2].to_owned());
        }
        let person_of = bundle
            .people
            .iter()
            .map(|r| {
                true_person
                    .get(&(r.agency.clone(), r.record_id.clone()))
                    .cloned()
                    .ok_or_else(|| format!("no true person for {} {}", r.agency, r.record_id))
            })
            .collect::<Result<_, _>>()?;
        cases.push(Case {
            name: dir.display().to_string(),
            records: bundle.people,
            relationships: bundle.relationships,
            person_of,
            apart: Vec::new(),
        });
    }
    for families in &options.families {
        let generated = generate(&SynthConfig {
            families: *families,
            seed: options.seed,
            noise: options.noise,
            ..SynthConfig::default()
        });
        let (records, relationships) = people(&generated)?;
        let truth = generated.truth().map_err(|e| e.to_string())?;
        let person_of = records
            .iter()
            .map(|r| {
                truth
                    .person_of_record
                    .get(&(r.agency.clone(), r.record_id.clone()))
                    .cloned()
                    .ok_or_else(|| format!("no true person for {} {}", r.agency, r.record_id))
            })
            .collect::<Result<_, _>>()?;
        let apart = truth
            .patterns
            .iter()
            .filter(|p| matches!(p.kind.as_str(), "twins" | "same_name_father_son"))
            .filter_map(|p| {
                let mut ids = p.detail.split_whitespace().filter(|w| w.starts_with('P') && w.len() > 1);
                Some((p.kind.clone(), ids.next()?.to_owned(), ids.next()?.to_owned()))
            })
            .collect();
        cases.push(Case { name: format!("{families} families"), records, relationships, person_of, apart });
    }
    Ok(cases)
}

fn run() -> Result<(), String> {
    let options = options()?;
    for Case { name, records, relationships, person_of, apart } in cases(&options)? {
        let relations = if options.relatives { relations_of(&records, &relationships) } else { Vec::new() };
        let mut person_ids: HashMap<&str, u32> = HashMap::new();
        let labels: Vec<u32> = person_of
            .iter()
            .map(|person| {
                let next = person_ids.len() as u32;
                *person_ids.entry(person.as_str()).or_insert(next)
            })
            .collect();

        let started = Instant::now();
        let linker = Linker::with_relations(&records, &options.config, &relations);
        let linkage = linker.link_with_relations(&[], &relations);
        let elapsed = started.elapsed();
        let quality = pairwise_quality(&linkage.person_of, &labels);
        println!(
            "{name}: {} records, {} true people, {} found; {} pairs compared in {:.2?}",
            records.len(),
            person_ids.len(),
            linkage.n_people,
            linkage.n_compared,
            elapsed
        );
        println!(
            "  precision {:.4}  recall {:.4}  F1 {:.4}  (pairs: {} right, {} wrong, {} missed)",
            quality.precision,
            quality.recall,
            quality.f1,
            quality.true_positive_pairs,
            quality.false_positive_pairs,
            quality.false_negative_pairs
        );
        people_level(&records, &linkage.person_of, &labels);
        let mut found_of: HashMap<&str, HashSet<u32>> = HashMap::new();
        for (true_person, found) in person_of.iter().zip(&linkage.person_of) {
            found_of.entry(true_person.as_str()).or_default().insert(*found);
        }
        for kind in ["twins", "same_name_father_son"] {
            let pairs: Vec<&(String, String, String)> = apart.iter().filter(|(k, _, _)| k == kind).collect();
            let merged = pairs
                .iter()
                .filter(|(_, x, y)| match (found_of.get(x.as_str()), found_of.get(y.as_str())) {
                    (Some(x), Some(y)) => !x.is_disjoint(y),
                    _ => false,
                })
                .count();
            if !pairs.is_empty() {
                println!("  {kind}: {merged} of {} pairs merged", pairs.len());
            }
            if options.errors {
                for (_, x, y) in &pairs {
                    let (Some(fx), Some(fy)) = (found_of.get(x.as_str()), found_of.get(y.as_str())) else { continue };
                    for found in fx.intersection(fy).take(1) {
                        println!("    {kind} merged: {x} and {y}");
                        for (i, _) in linkage.person_of.iter().enumerate().filter(|(_, f)| *f == found) {
                            println!("      {} {}", person_of[i], describe(&records[i]));
                        }
                    }
                }
            }
        }
        let model = &linkage.model;
        println!(
            "  model: estimated {}, prior log2 odds {:.2}, EM {} iterations (converged {}), u from {} pairs",
            model.estimated, model.prior_log2_odds, model.em_iterations, model.em_converged, model.u_sample_pairs
        );
        if options.model {
            for field in &model.model.fields {
                for level in &field.levels {
                    println!(
                        "    {:>14} {:>28}  m {:.5}  u {:.7}  weight {:6.2}",
                        field.field.name(),
                        level.label,
                        level.m,
                        level.u,
                        level.weight()
                    );
                }
            }
        }
        calibration(&linkage, &labels);
        if options.errors {
            signatures(&records, &labels, &linker, &linkage, &options);
        }
    }
    Ok(())
}

/// The bundle's valid person records and relationships, through the same
/// validation a load uses.
fn people(generated: &famgraph_synth::Generated) -> Result<(Vec<PersonRecord>, Vec<Relationship>), String> {
    let mut tables = Vec::new();
    for file in [BundleFile::Agencies, BundleFile::People, BundleFile::Relationships] {
        let name = format!("{}.csv", file.stem());
        let text = generated.file(&name).ok_or_else(|| format!("bundle has no {name}"))?;
        tables.push(raw_table(file, &name, text)?);
    }
    let (bundle, _report) = validate_bundle(&tables).map_err(|e| e.to_string())?;
    Ok((bundle.people, bundle.relationships))
}

fn raw_table(file: BundleFile, name: &str, text: &str) -> Result<RawTable, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let columns = reader.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{name}: {e}"))?;
        let line = record.position().map_or(0, csv::Position::line);
        let values = record.iter().map(|v| (!v.is_empty()).then(|| v.to_owned())).collect();
        rows.push(RawRow { line, values });
    }
    Ok(RawTable { file, file_name: name.to_owned(), columns, rows, unreadable: Vec::new(), repaired: Vec::new() })
}

/// People-level quality: the share of found people that merge two or more
/// true people, the share of true people with two or more records that
/// are split, and how many true people holding two or more records in one
/// agency have those records in one found person.
fn people_level(records: &[PersonRecord], found: &[u32], truth: &[u32]) {
    let found_people = group(found);
    let merged = found_people.values().filter(|members| members.iter().any(|&r| truth[r] != truth[members[0]])).count();
    let true_people = group(truth);
    let several: Vec<&Vec<usize>> = true_people.values().filter(|members| members.len() > 1).collect();
    let split = several.iter().filter(|members| members.iter().any(|&r| found[r] != found[members[0]])).count();
    let (mut duplicated, mut whole) = (0, 0);
    for members in true_people.values() {
        let mut by_agency: HashMap<&str, Vec<usize>> = HashMap::new();
        for &r in members {
            by_agency.entry(records[r].agency.as_str()).or_default().push(r);
        }
        let held_twice: Vec<&Vec<usize>> = by_agency.values().filter(|rs| rs.len() > 1).collect();
        if !held_twice.is_empty() {
            duplicated += 1;
            whole += usize::from(held_twice.iter().all(|rs| rs.iter().all(|&r| found[r] == found[rs[0]])));
        }
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
    println!(
        "  people: {merged} of {} merge true people ({:.2}%); {split} of {} true people with 2+ records split ({:.2}%); \
         within-agency duplicates kept whole {whole} of {duplicated} ({:.1}%)",
        found_people.len(),
        share(merged, found_people.len()),
        several.len(),
        share(split, several.len()),
        share(whole, duplicated),
    );
}

/// Probability bands for the calibration table.
const BANDS: [f64; 7] = [0.0, 0.9, 0.99, 0.999, 0.9999, 0.99999, 1.01];

/// How often accepted links are right, by probability band, against the
/// mean probability the model gave them: the check on the estimated prior.
fn calibration(linkage: &Linkage, truth: &[u32]) {
    println!("  accepted links by probability: band, links, share right, mean probability");
    for band in BANDS.windows(2) {
        let links: Vec<_> =
            linkage.links.iter().filter(|l| l.probability >= band[0] && l.probability < band[1]).collect();
        if links.is_empty() {
            continue;
        }
        let right = links.iter().filter(|l| truth[l.a as usize] == truth[l.b as usize]).count();
        let mean_probability = links.iter().map(|l| l.probability).sum::<f64>() / links.len() as f64;
        println!(
            "    [{:.5}, {:.5}) {:6} {:.4} {mean_probability:.6}",
            band[0],
            band[1].min(1.0),
            links.len(),
            right as f64 / links.len() as f64
        );
    }
}

/// Counts missed and wrong pairs by the levels their fields fell to.
fn signatures(records: &[PersonRecord], truth: &[u32], linker: &Linker, linkage: &Linkage, options: &Options) {
    let candidates: HashSet<(u32, u32)> = linker.candidate_pairs().iter().copied().collect();
    let threshold = linker.model().match_probability;
    let signature = |a: usize, b: usize| {
        let link = linker.explain(a as u32, b as u32);
        let levels: Vec<&str> = link.fields.iter().map(|f| f.level).collect();
        let why = match linker.conflict(a as u32, b as u32) {
            Some(conflict) => format!("conflict {}", conflict.label()),
            None if !candidates.contains(&(link.a, link.b)) => "not blocked together".to_owned(),
            None if link.probability < threshold => "below threshold".to_owned(),
            None => "above threshold".to_owned(),
        };
        format!("{why:>28}  {}", levels.join(","))
    };
    let mut missed: HashMap<String, usize> = HashMap::new();
    let mut wrong: HashMap<String, usize> = HashMap::new();
    // Pairs together in one labelling and apart in the other.
    for (together, other, counts) in
        [(truth, linkage.person_of.as_slice(), &mut missed), (linkage.person_of.as_slice(), truth, &mut wrong)]
    {
        for people in group(together).values() {
            for (i, a) in people.iter().enumerate() {
                for b in &people[i + 1..] {
                    if other[*a] != other[*b] {
                        let signature = signature(*a, *b);
                        if options.show.as_ref().is_some_and(|text| signature.contains(text.as_str())) {
                            println!(
                                "    {signature}\n      {}\n      {}",
                                describe(&records[*a]),
                                describe(&records[*b])
                            );
                            // Where each record was put: the others of its person.
                            for (side, record) in [("a", *a), ("b", *b)] {
                                for (other, _) in linkage
                                    .person_of
                                    .iter()
                                    .enumerate()
                                    .filter(|(o, p)| *o != record && **p == linkage.person_of[record])
                                {
                                    let same = if truth[other] == truth[record] { "same" } else { "OTHER" };
                                    println!("        {side} with ({same}) {}", describe(&records[other]));
                                }
                            }
                        }
                        *counts.entry(signature).or_default() += 1;
                    }
                }
            }
        }
    }
    // Split people by what would have joined them: the most hopeful reason
    // among the pairs across their pieces.
    let rank = |why: &str| match why {
        "above threshold" => 0,
        w if w.starts_with("conflict") => 1,
        "below threshold" => 2,
        _ => 3,
    };
    let mut split_by: HashMap<String, usize> = HashMap::new();
    for people in group(truth).values() {
        let mut best: Option<String> = None;
        for (i, a) in people.iter().enumerate() {
            for b in &people[i + 1..] {
                if linkage.person_of[*a] != linkage.person_of[*b] {
                    let why = signature(*a, *b).trim_start().split("  ").next().unwrap_or_default().trim().to_owned();
                    if best.as_ref().is_none_or(|w| rank(&why) < rank(w)) {
                        best = Some(why);
                    }
                }
            }
        }
        if let Some(mut why) = best {
            if why == "above threshold" {
                // What kept the pieces apart: a conflict between their records.
                let mut conflicts: Vec<&str> = Vec::new();
                for (i, a) in people.iter().enumerate() {
                    for b in &people[i + 1..] {
                        if linkage.person_of[*a] != linkage.person_of[*b]
                            && let Some(c) = linker.conflict(*a as u32, *b as u32)
                        {
                            conflicts.push(c.label());
                        }
                    }
                }
                conflicts.sort_unstable();
                conflicts.dedup();
                why = format!(
                    "above threshold, apart by {}",
                    if conflicts.is_empty() { "none".to_owned() } else { conflicts.join("+") }
                );
            }
            *split_by.entry(why).or_default() += 1;
        }
    }
    let mut split_by: Vec<(String, usize)> = split_by.into_iter().collect();
    split_by.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    println!("  split people by the most hopeful pair between their pieces:");
    for (why, count) in split_by {
        println!("    {count:6} {why}");
    }
    for (title, counts) in [("missed pairs", missed), ("wrong pairs", wrong)] {
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        let fields: Vec<&str> = famgraph_link::Field::ALL.iter().map(|field| field.name()).collect();
        println!("  {title} (why, then the level of {}):", fields.join(", "));
        for (signature, count) in counts.iter().take(MAX_SIGNATURES) {
            println!("    {count:6} {signature}");
        }
    }
}

/// A synthetic record on one line, for `--show`.
fn describe(record: &PersonRecord) -> String {
    let text = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    format!(
        "{} {} | {} | {} | {} | {} | {} | {} | {}",
        record.agency,
        record.record_id,
        record.given_name,
        record.family_name,
        text(record.date_of_birth.map(|d| d.to_string())),
        record.sex,
        text(record.postcode.as_ref().map(ToString::to_string)),
        text(record.uprn.map(|u| u.to_string())),
        text(record.nhs_number.map(|n| n.to_string())),
    )
}

fn group(labels: &[u32]) -> HashMap<u32, Vec<usize>> {
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for (record_idx, label) in labels.iter().enumerate() {
        groups.entry(*label).or_default().push(record_idx);
    }
    groups
}
