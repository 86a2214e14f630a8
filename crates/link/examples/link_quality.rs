//! Measures linkage quality and speed on synthetic bundles whose truth is
//! known: pairwise precision, recall and F1, then the missed and the wrong
//! pairs grouped by how their fields compared, to show where to tune.
//!
//! `cargo run --release -p famgraph-link --example link_quality -- 600 5000`
//! (the family counts; `--seed N`, `--noise low|medium|high`, `--threshold W`
//! and `--errors` to list the commonest error signatures).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use famgraph_link::{LinkConfig, Linkage, compare, conflict, link, pairwise_quality};
use famgraph_model::{BundleFile, PersonRecord, RawRow, RawTable, validate_bundle};
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
}

fn options() -> Result<Options, String> {
    let mut options =
        Options { families: Vec::new(), seed: 1, noise: Noise::Medium, config: LinkConfig::default(), errors: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--seed" => options.seed = value("--seed")?.parse().map_err(|_| "--seed: not a number")?,
            "--noise" => options.noise = value("--noise")?.parse().map_err(|e| format!("{e}"))?,
            "--threshold" => {
                options.config.match_threshold =
                    value("--threshold")?.parse().map_err(|_| "--threshold: not a number")?;
            }
            "--errors" => options.errors = true,
            families => options.families.push(families.parse().map_err(|_| format!("not a family count: {families}"))?),
        }
    }
    if options.families.is_empty() {
        options.families = vec![600, 5000];
    }
    Ok(options)
}

fn run() -> Result<(), String> {
    let options = options()?;
    for families in &options.families {
        let generated = generate(&SynthConfig {
            families: *families,
            seed: options.seed,
            noise: options.noise,
            ..SynthConfig::default()
        });
        let records = people(&generated)?;
        let truth = generated.truth().map_err(|e| e.to_string())?;
        let mut person_ids: HashMap<&str, u32> = HashMap::new();
        let mut labels = Vec::with_capacity(records.len());
        for record in &records {
            let person = truth
                .person_of_record
                .get(&(record.agency.clone(), record.record_id.clone()))
                .ok_or_else(|| format!("no true person for {} {}", record.agency, record.record_id))?;
            let next = person_ids.len() as u32;
            labels.push(*person_ids.entry(person.as_str()).or_insert(next));
        }

        let started = Instant::now();
        let linkage = link(&records, &options.config);
        let elapsed = started.elapsed();
        let quality = pairwise_quality(&linkage.person_of, &labels);
        println!(
            "{families} families: {} records, {} true people, {} found; {} pairs compared in {:.2?}",
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
        if options.errors {
            signatures(&records, &labels, &linkage, &options.config);
        }
    }
    Ok(())
}

/// The bundle's valid person records, through the same validation a load uses.
fn people(generated: &famgraph_synth::Generated) -> Result<Vec<PersonRecord>, String> {
    let mut tables = Vec::new();
    for file in [BundleFile::Agencies, BundleFile::People] {
        let name = format!("{}.csv", file.stem());
        let text = generated.file(&name).ok_or_else(|| format!("bundle has no {name}"))?;
        tables.push(raw_table(file, &name, text)?);
    }
    let (bundle, _report) = validate_bundle(&tables).map_err(|e| e.to_string())?;
    Ok(bundle.people)
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
    Ok(RawTable { file, file_name: name.to_owned(), columns, rows, unreadable: Vec::new() })
}

/// Counts missed and wrong pairs by the levels their fields fell to.
fn signatures(records: &[PersonRecord], truth: &[u32], linkage: &Linkage, config: &LinkConfig) {
    let signature = |a: usize, b: usize| {
        let (weight, fields) = compare(&records[a], &records[b], config);
        let levels: Vec<&str> = fields.iter().map(|f| f.level).collect();
        let why = match conflict(&records[a], &records[b]) {
            Some(conflict) => format!("conflict {}", conflict.label()),
            None if weight < config.match_threshold => "below threshold".to_owned(),
            None => "above threshold".to_owned(),
        };
        format!("{why:>32}  {weight:6.1}  {}", levels.join(","))
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
                        if std::env::var_os("SHOW")
                            .is_some_and(|v| signature(*a, *b).contains(v.to_str().unwrap_or("")))
                        {
                            let r = |i: usize| {
                                let r = &records[i];
                                format!(
                                    "{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
                                    r.agency,
                                    r.given_name,
                                    r.family_name,
                                    r.date_of_birth.map(|d| d.to_string()),
                                    r.sex,
                                    r.postcode.as_ref().map(|p| p.to_string()),
                                    r.uprn
                                )
                            };
                            eprintln!("{}  <>  {}", r(*a), r(*b));
                        }
                        *counts.entry(signature(*a, *b)).or_default() += 1;
                    }
                }
            }
        }
    }
    for (title, counts) in [("missed pairs", missed), ("wrong pairs", wrong)] {
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        println!("  {title} (given, family, dob, sex, postcode, uprn, nhs):");
        for (signature, count) in counts.iter().take(MAX_SIGNATURES) {
            println!("    {count:6} {signature}");
        }
    }
}

fn group(labels: &[u32]) -> HashMap<u32, Vec<usize>> {
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for (record_idx, label) in labels.iter().enumerate() {
        groups.entry(*label).or_default().push(record_idx);
    }
    groups
}
