//! The planted stand-out families rank at the top of the shortlist.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::util::{TempDir, export, famgraph_ok, person_of_record, read_csv, sample_bundle, sample_truth, synth};

/// How far below the number of planted families the last one may rank.
const RANK_SLACK: usize = 2;

/// Each planted stand-out family's best rank on famgraph's shortlist.
fn standout_ranks(dir: &TempDir, bundle: &Path, truth: &Path) -> BTreeMap<String, Option<usize>> {
    let out = export(dir, bundle);
    let person_of_record = person_of_record(&out.join("people.csv"));
    let family_of_person: HashMap<String, String> = read_csv(&out.join("families.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    let rank_of_family: HashMap<String, usize> = read_csv(&out.join("shortlist.csv"))
        .into_iter()
        .map(|r| (r["family_id"].clone(), r["rank"].parse().unwrap()))
        .collect();
    let true_family_of_person: HashMap<String, String> = read_csv(&truth.join("persons.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    let standouts: Vec<String> = read_csv(&truth.join("families.csv"))
        .into_iter()
        .filter(|r| r["standout"] == "true")
        .map(|r| r["family_id"].clone())
        .collect();
    let mut best: BTreeMap<String, Option<usize>> = standouts.iter().map(|f| (f.clone(), None)).collect();
    for r in read_csv(&truth.join("records.csv")) {
        let true_family = &true_family_of_person[&r["person_id"]];
        let Some(slot) = best.get_mut(true_family) else { continue };
        let person = &person_of_record[&(r["agency"].clone(), r["record_id"].clone())];
        if let Some(&rank) = rank_of_family.get(&family_of_person[person]) {
            *slot = Some(slot.map_or(rank, |b: usize| b.min(rank)));
        }
    }
    best
}

fn assert_standouts_on_top(name: &str, ranks: &BTreeMap<String, Option<usize>>) {
    println!("{name}: planted stand-out families and their ranks: {ranks:?}");
    assert!(ranks.len() >= 5, "too few planted families: {ranks:?}");
    let limit = ranks.len() + RANK_SLACK;
    for (family, rank) in ranks {
        assert!(
            rank.is_some_and(|r| r <= limit),
            "{name}: planted family {family} ranks {rank:?}, not in the top {limit}"
        );
    }
}

#[test]
fn planted_families_top_the_sample_shortlist() {
    let dir = TempDir::new("shortlist-sample");
    let ranks = standout_ranks(&dir, &sample_bundle(), &sample_truth());
    assert_standouts_on_top("sample-data", &ranks);
}

#[test]
fn planted_families_top_another_bundle() {
    let dir = TempDir::new("shortlist-seed");
    let (bundle, truth) = synth(&dir, 600, 4242, 0);
    assert_standouts_on_top("seed 4242", &standout_ranks(&dir, &bundle, &truth));
}

#[test]
fn the_cli_shortlist_is_ranked_and_explained() {
    let out =
        famgraph_ok(&["shortlist", "--data", sample_bundle().to_str().unwrap(), "--limit", "10", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let families = doc["families"].as_array().unwrap();
    assert_eq!(families.len(), 10);
    for (i, f) in families.iter().enumerate() {
        assert_eq!(f["rank"].as_u64().unwrap(), i as u64 + 1);
        let reasons: f64 = f["reasons"].as_array().unwrap().iter().map(|r| r["points"].as_f64().unwrap()).sum();
        assert!((reasons - f["score"].as_f64().unwrap()).abs() < 1e-9, "score is the sum of its reasons: {f}");
    }
    let table = famgraph_ok(&["shortlist", "--data", sample_bundle().to_str().unwrap(), "--limit", "3"]);
    assert_eq!(table.lines().count(), 4, "{table}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(crate::util::BIN)
        .args(["shortlist", "--data", sample_bundle().to_str().unwrap(), "--limit", "1000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("rank"), "{first}");
    // The reader is dropped here, as `famgraph shortlist | head -1` would.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Every kind of planted pattern, scored against the generator's truth on
/// the sample data. Floors sit at what was measured when they were set.
/// Intergenerational offending leans on parent links inferred from
/// co-residence where no agency recorded one; an undetected hostel can
/// lend one a false link, so a few false finds are allowed there.
#[test]
fn planted_patterns_are_found_and_not_invented() {
    let out = crate::util::famgraph_ok(&[
        "evaluate",
        "--data",
        crate::util::sample_bundle().to_str().unwrap(),
        "--truth",
        crate::util::sample_truth().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    let patterns = &result["patterns"];
    println!("patterns on sample-data: {patterns}");
    let score = |kind: &str| {
        let p = &patterns[kind];
        (p["planted"].as_u64().unwrap(), p["found"].as_u64().unwrap(), p["falsely_found"].as_u64())
    };
    // Linkage hazards: every twin pair and same-name father and son apart.
    for kind in ["twins", "same_name_father_son"] {
        let (planted, found, _) = score(kind);
        assert!(planted > 5 && found == planted, "{kind}: {found} of {planted}");
    }
    // Moves are found less often since the generator plants duplicates and
    // undated records an agency holds twice: 76 of 84 when set.
    for (kind, floor) in [("moved_house", 0.88), ("name_change", 0.9)] {
        let (planted, found, _) = score(kind);
        assert!(found as f64 >= floor * planted as f64, "{kind}: {found} of {planted}");
    }
    // Family patterns: found, and never where none was planted (three or
    // more agencies at once, over the last two years, for overlapping
    // interventions, as the generator counts them).
    for (kind, floor) in
        [("duplicated_keyworkers", 0.9), ("no_keyworker", 0.9), ("hostel", 0.7), ("overlapping_interventions", 0.9)]
    {
        let (planted, found, _) = score(kind);
        assert!(found as f64 >= floor * planted as f64, "{kind}: {found} of {planted}");
        assert_eq!(score(kind).2, Some(0), "{kind} found where none was planted");
    }
    let (planted, found, falsely) = score("intergenerational_offending");
    assert!(found * 10 >= planted * 8, "intergenerational offending: {found} of {planted}");
    assert!(falsely.unwrap() * 20 <= planted, "intergenerational offending found {falsely:?} times where not planted");
    // Inferred parent links stay within true families, a generation apart.
    let inferred = &result["inferred_links"];
    let (total, across) = (inferred["total"].as_u64().unwrap(), inferred["across_true_families"].as_u64().unwrap());
    assert!(total > 50 && across * 50 <= total, "inferred links: {inferred}");
    let apart = inferred["one_generation_apart"].as_u64().unwrap();
    assert!(apart * 50 >= inferred["within_one_true_family"].as_u64().unwrap() * 48, "inferred links: {inferred}");
    // Members as many generations apart as in the truth (1,930 of 1,960
    // pairs when set, on the generator that plants duplicates and undated
    // records an agency holds twice, which stay people of their own; 99.7%
    // at 5,000 families).
    let generations = &result["generations"];
    let (pairs, agree) = (generations["pairs"].as_u64().unwrap(), generations["agree"].as_u64().unwrap());
    assert!(pairs > 1000 && agree * 1000 >= pairs * 980, "generations: {generations}");
}
