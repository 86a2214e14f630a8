//! `famgraph evaluate`: how well famgraph did on a synthetic bundle, against
//! the generator's truth: pairwise linkage quality, people merged and split,
//! within-agency duplicates kept whole, and the rank of every planted
//! stand-out family.

use std::collections::{BTreeMap, HashMap};

use famgraph_link::Quality;
use famgraph_pipeline::Snapshot;
use famgraph_synth::Truth;
use serde::Serialize;

#[derive(Serialize)]
pub struct Evaluation {
    pub records: usize,
    pub people_found: usize,
    pub people_true: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub false_positive_pairs: u64,
    pub false_negative_pairs: u64,
    /// Famgraph people holding records of two or more true people.
    pub people_merged: usize,
    /// `people_merged` as a share of `people_found`.
    pub people_merged_share: f64,
    /// True people with two or more records (in any agencies).
    pub people_with_several_records: usize,
    /// Of those, the ones whose records famgraph put in two or more people.
    pub people_split: usize,
    /// `people_split` as a share of `people_with_several_records`.
    pub people_split_share: f64,
    /// True people an agency holds two or more records of (its duplicates).
    pub within_agency_duplicates: usize,
    /// Of those, the ones famgraph kept whole: each such agency's records
    /// of them all in one famgraph person.
    pub duplicates_kept_whole: usize,
    /// `duplicates_kept_whole` as a share of `within_agency_duplicates`
    /// (0 when there are none).
    pub duplicates_kept_whole_share: f64,
    /// Planted family id to its best rank on the shortlist (`None`: absent).
    pub standout_ranks: BTreeMap<String, Option<usize>>,
    pub timings: Timings,
    /// How the match model was arrived at.
    pub link_model: LinkModelSummary,
    /// Per kind of pattern the generator planted: how many, how many
    /// famgraph found, and how many it found where none was planted.
    pub patterns: BTreeMap<String, PatternScore>,
    /// Parent and carer links famgraph inferred from co-residence.
    pub inferred_links: InferredLinks,
    /// Pairs of members of one family, each the main holder of a true
    /// person's records and both of one true family: how many, and in how
    /// many famgraph's generations differ as the true ones do.
    pub generations: GenerationScore,
    /// With an earlier load and the truth's `changes.csv`: per kind of
    /// change, how many happened, how many famgraph reported, and how many
    /// it reported that did not happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<BTreeMap<String, PatternScore>>,
}

/// Scores `famgraph changes` between an earlier load and this one against
/// the truth: involvements new and ended by their ids, needs resolved and
/// sustained by the true family whose records famgraph's family holds.
pub fn score_changes(before: &Snapshot, after: &Snapshot, truth: &Truth) -> BTreeMap<String, PatternScore> {
    use std::collections::BTreeSet;
    let changes = famgraph_governance::changes::changes(before, after);
    let mut scores = BTreeMap::new();
    for (kind, listed) in [
        ("new_involvement", changes.families.iter().flat_map(|f| &f.new_involvements).collect::<BTreeSet<_>>()),
        ("ended_involvement", changes.families.iter().flat_map(|f| &f.ended_involvements).collect()),
    ] {
        let planted: BTreeSet<&String> = truth.changes.iter().filter(|c| c.change == kind).map(|c| &c.detail).collect();
        scores.insert(
            kind.to_owned(),
            PatternScore {
                planted: planted.len(),
                found: planted.intersection(&listed).count(),
                falsely_found: Some(listed.difference(&planted).count()),
            },
        );
    }
    let graph = &after.graph;
    let true_of_ours = true_families_of(graph, truth);
    let planted: BTreeSet<(&str, &str)> = truth
        .changes
        .iter()
        .filter(|c| c.change == "need_sustained_resolved")
        .map(|c| (c.family_id.as_str(), c.detail.as_str()))
        .collect();
    let (mut found, mut falsely) = (BTreeSet::new(), 0);
    for family in 0..graph.families.len() {
        let trues = true_of_ours.get(&family);
        for need in famgraph_governance::changes::sustained_resolved(after, family) {
            let hits: Vec<_> = trues.into_iter().flatten().filter(|t| planted.contains(&(**t, need))).collect();
            if hits.is_empty() {
                falsely += 1;
            }
            found.extend(hits.into_iter().map(|t| (*t, need)));
        }
    }
    scores.insert(
        "need_sustained_resolved".to_owned(),
        PatternScore { planted: planted.len(), found: found.len(), falsely_found: Some(falsely) },
    );
    scores
}

/// Per famgraph family, the true families whose records it holds.
fn true_families_of<'t>(
    graph: &famgraph_graph::FamilyGraph,
    truth: &'t Truth,
) -> HashMap<usize, std::collections::BTreeSet<&'t str>> {
    let mut true_of_ours: HashMap<usize, std::collections::BTreeSet<&str>> = HashMap::new();
    for (record, r) in graph.bundle.people.iter().enumerate() {
        if let Some(family) = truth.family_of_record(&r.agency, &r.record_id) {
            let ours = graph.people[graph.linkage.person_of[record] as usize].family;
            true_of_ours.entry(ours).or_default().insert(family);
        }
    }
    true_of_ours
}

/// Inferred links against the truth: one is wrong if its two people
/// belong to two different true families, and wrong in kind if, within
/// one, the parent is not one generation above the child.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct InferredLinks {
    pub total: usize,
    pub within_one_true_family: usize,
    pub across_true_families: usize,
    /// Within one true family, the "parent" a generation above the child.
    pub one_generation_apart: usize,
}

/// What most of a famgraph person's records are in the truth (`of` a
/// record: its true person, or family), ties to the first.
fn main_true<'t>(
    graph: &famgraph_graph::FamilyGraph,
    person: usize,
    mut of: impl FnMut(&famgraph_model::PersonRecord) -> Option<&'t str>,
) -> Option<&'t str> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &r in &graph.people[person].records {
        if let Some(t) = of(&graph.bundle.people[r]) {
            *counts.entry(t).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(t, n)| (*n, std::cmp::Reverse(*t))).map(|(t, _)| t)
}

/// Each famgraph person's true person, worked out once for the scores
/// that need it.
fn true_people<'t>(graph: &famgraph_graph::FamilyGraph, truth: &'t Truth) -> Vec<Option<&'t str>> {
    let mut key = (String::new(), String::new());
    (0..graph.people.len())
        .map(|p| {
            main_true(graph, p, |r| {
                key.0.clone_from(&r.agency);
                key.1.clone_from(&r.record_id);
                truth.person_of_record.get(&key).map(String::as_str)
            })
        })
        .collect()
}

fn score_inferred(graph: &famgraph_graph::FamilyGraph, truth: &Truth, true_people: &[Option<&str>]) -> InferredLinks {
    let true_family = |p: usize| main_true(graph, p, |r| truth.family_of_record(&r.agency, &r.record_id));
    let generation = |p: usize| true_people[p].and_then(|t| truth.generation_of_person.get(t));
    let mut out = InferredLinks::default();
    for rel in graph.relationships.iter().filter(|r| r.inferred.is_some()) {
        out.total += 1;
        if true_family(rel.from).is_some() && true_family(rel.from) == true_family(rel.to) {
            out.within_one_true_family += 1;
            if let (Some(a), Some(b)) = (generation(rel.from), generation(rel.to)) {
                out.one_generation_apart += usize::from(b - a == 1);
            }
        } else {
            out.across_true_families += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct GenerationScore {
    pub pairs: usize,
    pub agree: usize,
}

/// Members' generations against the truth's, pair by pair within each
/// family: a whole family placed one generation lower still agrees; a
/// child put beside their parents does not.
fn score_generations(
    graph: &famgraph_graph::FamilyGraph,
    truth: &Truth,
    true_people: &[Option<&str>],
) -> GenerationScore {
    let mut score = GenerationScore::default();
    for family in &graph.families {
        let placed: Vec<(&str, i64, i64)> = family
            .members
            .iter()
            .zip(&family.generations)
            .filter_map(|(&p, &ours)| {
                let t = true_people[p]?;
                Some((t, i64::from(ours), i64::from(*truth.generation_of_person.get(t)?)))
            })
            .collect();
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                if a.0 == b.0 || truth.family_of_person.get(a.0) != truth.family_of_person.get(b.0) {
                    continue;
                }
                score.pairs += 1;
                score.agree += usize::from(a.1 - b.1 == a.2 - b.2);
            }
        }
    }
    score
}

/// One kind of pattern against the truth.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PatternScore {
    pub planted: usize,
    pub found: usize,
    /// Families famgraph flags with the pattern where the truth has none;
    /// `None` for linkage hazards, which are kept apart or linked, not flagged.
    pub falsely_found: Option<usize>,
}

/// Wall-clock seconds of each stage.
#[derive(Debug, Clone, Copy, Serialize)]
#[expect(clippy::struct_field_names, reason = "the unit belongs in the JSON keys")]
pub struct Timings {
    pub read_s: f64,
    pub link_s: f64,
    pub analyse_s: f64,
    pub total_s: f64,
}

#[derive(Serialize)]
#[expect(clippy::struct_excessive_bools, reason = "mirrors famgraph_link::TrainedModel")]
pub struct LinkModelSummary {
    pub estimated: bool,
    pub prior_log2_odds: f64,
    pub em_iterations: usize,
    pub em_converged: bool,
    pub u_sample_pairs: usize,
    pub term_frequencies: bool,
    pub relatives: bool,
    pub match_probability: f64,
    pub pairs_compared: usize,
}

pub fn evaluate(snapshot: &Snapshot, truth: &Truth, timings: Timings) -> Evaluation {
    let graph = &snapshot.graph;
    let true_people = true_people(graph, truth);
    let mut true_ids: HashMap<&str, u32> = HashMap::new();
    let true_labels: Vec<u32> = graph
        .bundle
        .people
        .iter()
        .map(|r| {
            let person =
                truth.person_of_record.get(&(r.agency.clone(), r.record_id.clone())).map_or("?", String::as_str);
            let next = true_ids.len() as u32;
            *true_ids.entry(person).or_insert(next)
        })
        .collect();
    let Quality { precision, recall, f1, false_positive_pairs, false_negative_pairs, .. } =
        famgraph_link::pairwise_quality(&graph.linkage.person_of, &true_labels);
    let people = score_people(graph, truth);

    let mut standout_ranks: BTreeMap<String, Option<usize>> =
        truth.standout_families.iter().map(|f| (f.clone(), None)).collect();
    for (record, r) in graph.bundle.people.iter().enumerate() {
        let Some(true_family) = truth.family_of_record(&r.agency, &r.record_id) else { continue };
        let Some(slot) = standout_ranks.get_mut(true_family) else { continue };
        let family = graph.people[graph.linkage.person_of[record] as usize].family;
        if let Some(rank) = snapshot.analysis.families[family].rank {
            *slot = Some(slot.map_or(rank, |best| best.min(rank)));
        }
    }
    let patterns = score_patterns(snapshot, truth);
    Evaluation {
        records: graph.bundle.people.len(),
        people_found: graph.people.len(),
        people_true: true_ids.len(),
        precision,
        recall,
        f1,
        false_positive_pairs,
        false_negative_pairs,
        people_merged: people.merged,
        people_merged_share: share(people.merged, graph.people.len()),
        people_with_several_records: people.several_records,
        people_split: people.split,
        people_split_share: share(people.split, people.several_records),
        within_agency_duplicates: people.duplicates,
        duplicates_kept_whole: people.duplicates_kept_whole,
        duplicates_kept_whole_share: share(people.duplicates_kept_whole, people.duplicates),
        standout_ranks,
        patterns,
        inferred_links: score_inferred(graph, truth, &true_people),
        generations: score_generations(graph, truth, &true_people),
        changes: None,
        timings,
        link_model: LinkModelSummary {
            estimated: graph.linkage.model.estimated,
            prior_log2_odds: graph.linkage.model.prior_log2_odds,
            em_iterations: graph.linkage.model.em_iterations,
            em_converged: graph.linkage.model.em_converged,
            u_sample_pairs: graph.linkage.model.u_sample_pairs,
            term_frequencies: graph.linkage.model.term_frequencies,
            relatives: graph.linkage.model.relatives,
            match_probability: graph.linkage.model.match_probability,
            pairs_compared: graph.linkage.n_compared,
        },
    }
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

/// The linkage counted in people rather than pairs.
#[derive(Debug, Default)]
struct PeopleScore {
    merged: usize,
    several_records: usize,
    split: usize,
    duplicates: usize,
    duplicates_kept_whole: usize,
}

/// People famgraph merged (holding two or more true people's records),
/// true people it split (their records in two or more of its people), and
/// true people an agency holds twice and whether each was kept whole
/// (every such agency's records of them in one famgraph person).
fn score_people(graph: &famgraph_graph::FamilyGraph, truth: &Truth) -> PeopleScore {
    use std::collections::BTreeSet;
    let mut true_of_ours: HashMap<u32, BTreeSet<&str>> = HashMap::new();
    // True person to their records' famgraph people and, per agency, the
    // number of records and the famgraph people holding them.
    let mut ours_of_true: HashMap<&str, (usize, BTreeSet<u32>)> = HashMap::new();
    let mut by_agency: HashMap<(&str, &str), (usize, BTreeSet<u32>)> = HashMap::new();
    let mut key = (String::new(), String::new());
    for (record, r) in graph.bundle.people.iter().enumerate() {
        key.0.clone_from(&r.agency);
        key.1.clone_from(&r.record_id);
        let Some(person) = truth.person_of_record.get(&key) else { continue };
        let ours = graph.linkage.person_of[record];
        true_of_ours.entry(ours).or_default().insert(person.as_str());
        let entry = ours_of_true.entry(person.as_str()).or_default();
        entry.0 += 1;
        entry.1.insert(ours);
        let entry = by_agency.entry((person.as_str(), r.agency.as_str())).or_default();
        entry.0 += 1;
        entry.1.insert(ours);
    }
    let mut score = PeopleScore {
        merged: true_of_ours.values().filter(|trues| trues.len() >= 2).count(),
        ..PeopleScore::default()
    };
    for (n, ours) in ours_of_true.values() {
        if *n >= 2 {
            score.several_records += 1;
            score.split += usize::from(ours.len() >= 2);
        }
    }
    // Per true person held twice: whether every agency holding them twice
    // has them in one famgraph person.
    let mut duplicated: HashMap<&str, bool> = HashMap::new();
    for ((person, _), (n, ours)) in &by_agency {
        if *n >= 2 {
            let whole = duplicated.entry(person).or_insert(true);
            *whole &= ours.len() == 1;
        }
    }
    score.duplicates = duplicated.len();
    score.duplicates_kept_whole = duplicated.values().filter(|whole| **whole).count();
    score
}

/// Family patterns famgraph flags, by the generator's name for them.
const FAMILY_PATTERNS: [&str; 8] = [
    "intergenerational_offending",
    "three_generation_offending",
    "step_family",
    "adult_child_own_household",
    "overlapping_interventions",
    "duplicated_keyworkers",
    "no_keyworker",
    "hostel",
];
/// Cohorts the generator plants, by the name of famgraph's cohort query
/// that finds them.
pub const COHORT_PATTERNS: [&str; 5] =
    ["revolving_door", "woman_offender_with_children", "accommodation_gap", "employment_gap", "mappa_marac_iom"];

/// Whether famgraph flags one of its families with a pattern.
fn flags(snapshot: &Snapshot, family: usize, pattern: &str) -> bool {
    let analysis = &snapshot.analysis.families[family];
    let graph = &snapshot.graph;
    match pattern {
        "intergenerational_offending" => !analysis.chains.is_empty(),
        "three_generation_offending" => analysis.chains.iter().any(|c| c.people.len() >= 3),
        // A step-family: a member famgraph names a step-parent (recorded as
        // the carer of a partner's child).
        "step_family" => famgraph_graph::member_roles(graph, family)
            .iter()
            .any(|roles| roles.contains(&famgraph_graph::MemberRole::StepParent)),
        "adult_child_own_household" => famgraph_graph::member_roles(graph, family)
            .iter()
            .any(|roles| roles.contains(&famgraph_graph::MemberRole::AdultChildOwnHousehold)),
        // The generator's definition: three or more agencies at once.
        "overlapping_interventions" => analysis.max_concurrent_agencies >= 3,
        "duplicated_keyworkers" => analysis.max_concurrent_keyworkers >= 2,
        "no_keyworker" => analysis.needs.len() >= 3 && analysis.keyworkers_now.is_empty(),
        "hostel" => graph.families[family]
            .members
            .iter()
            .any(|&p| graph.people[p].household.is_some_and(|h| graph.households[h].shared_accommodation)),
        cohort => snapshot.cohorts.of_family(family).any(|c| c.name == cohort),
    }
}

/// Whether a pattern kind is a linkage hazard (not a family pattern or cohort).
fn is_hazard(kind: &str) -> bool {
    !FAMILY_PATTERNS.contains(&kind) && !COHORT_PATTERNS.contains(&kind)
}

/// What scoring a linkage hazard needs: each true person's famgraph people
/// (with how many of their records each holds) and each record's index.
struct Hazards<'a> {
    graph: &'a famgraph_graph::FamilyGraph,
    people_of_true_person: HashMap<&'a str, BTreeMap<u32, usize>>,
    record_index: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> Hazards<'a> {
    fn new(graph: &'a famgraph_graph::FamilyGraph, truth: &'a Truth) -> Hazards<'a> {
        let mut people_of_true_person: HashMap<&str, BTreeMap<u32, usize>> = HashMap::new();
        let mut record_index = HashMap::with_capacity(graph.bundle.people.len());
        for (record, r) in graph.bundle.people.iter().enumerate() {
            record_index.insert((r.agency.as_str(), r.record_id.as_str()), record);
            let Some(person) = truth.person_of_record.get(&(r.agency.clone(), r.record_id.clone())) else { continue };
            *people_of_true_person
                .entry(person.as_str())
                .or_default()
                .entry(graph.linkage.person_of[record])
                .or_default() += 1;
        }
        Hazards { graph, people_of_true_person, record_index }
    }

    /// Whether famgraph got the hazard right: the people named kept apart
    /// (twins, a father and son of one name); an agency's records of one
    /// person kept in one (`within_agency_duplicate`); a record with a
    /// slip (names swapped, a mistyped or placeholder date of birth) linked
    /// to another of its person's records; otherwise (a name change, a
    /// move) the person linked whole.
    fn right(&self, pattern: &famgraph_synth::Pattern) -> bool {
        let named: Vec<&str> = pattern
            .detail
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() > 1 && w.starts_with('P') && w[1..].bytes().all(|b| b.is_ascii_digit()))
            .collect();
        // The records the detail names as `agency:record_id`.
        let records: Vec<usize> = pattern
            .detail
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches([',', ';', ')']).split_once(':'))
            .filter_map(|key| self.record_index.get(&key).copied())
            .collect();
        let person_of = &self.graph.linkage.person_of;
        let ours = |p: &str| self.people_of_true_person.get(p).cloned().unwrap_or_default();
        // The famgraph person holding most of someone's records, on a tie
        // one holding none of `other`'s.
        let main = |p: &str, other: &str| {
            let others = ours(other);
            ours(p)
                .into_iter()
                .max_by_key(|&(o, n)| (n, !others.contains_key(&o), std::cmp::Reverse(o)))
                .map(|(o, _)| o)
        };
        match pattern.kind.as_str() {
            // Shown as two people: a record with no date of birth may still
            // sit with the other, as no reader could tell whose it is.
            "twins" | "same_name_father_son" => {
                named.len() >= 2 && main(named[0], named[1]) != main(named[1], named[0])
            }
            "within_agency_duplicate" => {
                records.len() >= 2 && records.iter().all(|&r| person_of[r] == person_of[records[0]])
            }
            "names_swapped" | "dob_mistyped" | "placeholder_dob" => named
                .first()
                .zip(records.first())
                .is_some_and(|(p, &r)| ours(p).get(&person_of[r]).is_some_and(|&n| n >= 2)),
            _ => named.first().is_some_and(|p| ours(p).len() == 1),
        }
    }
}

/// Scores every planted pattern: family patterns by whether famgraph flags
/// a family holding the true family's records (and flags none where the
/// truth has none), linkage hazards as `Hazards::right` says.
fn score_patterns(snapshot: &Snapshot, truth: &Truth) -> BTreeMap<String, PatternScore> {
    use std::collections::BTreeSet;
    let graph = &snapshot.graph;
    // Famgraph's family to true ones and back, and each true person's
    // famgraph people.
    let true_of_ours = true_families_of(graph, truth);
    let mut ours_of_true: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (&ours, trues) in &true_of_ours {
        for &t in trues {
            ours_of_true.entry(t).or_default().insert(ours);
        }
    }
    let mut scores: BTreeMap<String, PatternScore> = BTreeMap::new();
    let planted_in = |kind: &str| -> BTreeSet<&str> {
        truth.patterns.iter().filter(|p| p.kind == kind).map(|p| p.family_id.as_str()).collect()
    };
    for kind in FAMILY_PATTERNS.into_iter().chain(COHORT_PATTERNS) {
        let planted = planted_in(kind);
        let found = planted
            .iter()
            .filter(|f| ours_of_true.get(*f).is_some_and(|ours| ours.iter().any(|&o| flags(snapshot, o, kind))))
            .count();
        let falsely_found = (0..graph.families.len())
            .filter(|&o| flags(snapshot, o, kind))
            .filter(|o| true_of_ours.get(o).is_none_or(|trues| trues.iter().all(|t| !planted.contains(t))))
            .count();
        scores.insert(
            kind.to_owned(),
            PatternScore { planted: planted.len(), found, falsely_found: Some(falsely_found) },
        );
    }
    let hazards = Hazards::new(graph, truth);
    for pattern in truth.patterns.iter().filter(|p| is_hazard(&p.kind)) {
        let score = scores.entry(pattern.kind.clone()).or_default();
        score.planted += 1;
        score.found += usize::from(hazards.right(pattern));
    }
    scores
}

/// Why planted families of one kind were not found (or, for a linkage
/// hazard, which ones famgraph got wrong), for a developer: each missed
/// family's truth, and for each person it names, famgraph's person,
/// their family, roles, and the relationships famgraph holds between the
/// people named (recorded, or inferred and on what basis).
pub fn missed(snapshot: &Snapshot, truth: &Truth, kind: &str) -> Vec<String> {
    let graph = &snapshot.graph;
    let true_of_ours = true_families_of(graph, truth);
    let true_people = true_people(graph, truth);
    let hazards = is_hazard(kind).then(|| Hazards::new(graph, truth));
    let mut out = Vec::new();
    for pattern in truth.patterns.iter().filter(|p| p.kind == kind) {
        let ours: Vec<usize> = true_of_ours
            .iter()
            .filter(|(_, trues)| trues.contains(pattern.family_id.as_str()))
            .map(|(&o, _)| o)
            .collect();
        let found = match &hazards {
            Some(hazards) => hazards.right(pattern),
            None => ours.iter().any(|&o| flags(snapshot, o, kind)),
        };
        if found {
            continue;
        }
        out.push(format!("{} {}: {}", pattern.family_id, pattern.kind, pattern.detail));
        let named: Vec<&str> = pattern
            .detail
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() > 1 && w.starts_with('P') && w[1..].bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let mut people = Vec::new();
        for name in &named {
            let of: Vec<usize> = (0..graph.people.len()).filter(|&p| true_people[p] == Some(name)).collect();
            for &p in &of {
                let family = graph.people[p].family;
                let position = graph.families[family].members.iter().position(|&m| m == p);
                let roles =
                    position.map(|i| famgraph_graph::member_roles(graph, family)[i].clone()).unwrap_or_default();
                let person = &graph.people[p];
                out.push(format!(
                    "  {name}: {} ({} records, born {}) in {} of {} members, roles {:?}",
                    person.id,
                    person.records.len(),
                    person.date_of_birth.map_or("?".into(), |d| d.to_string()),
                    graph.families[family].id,
                    graph.families[family].members.len(),
                    roles.iter().map(|r| r.code()).collect::<Vec<_>>()
                ));
                people.push(p);
            }
            if of.is_empty() {
                out.push(format!("  {name}: no records"));
            }
        }
        for r in &graph.relationships {
            if people.contains(&r.from) || people.contains(&r.to) {
                out.push(format!(
                    "  {} {:?} {}{}",
                    graph.people[r.from].id,
                    r.kind,
                    graph.people[r.to].id,
                    r.inferred.as_ref().map_or(String::new(), |b| format!(" (inferred: {b:?})"))
                ));
            }
        }
    }
    out
}
