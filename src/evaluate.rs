//! `famgraph evaluate`: how well famgraph did on a synthetic bundle, against
//! the generator's truth: pairwise linkage quality and the rank of every
//! planted stand-out family.

use std::collections::{BTreeMap, HashMap};

use famgraph_api::Snapshot;
use famgraph_link::Quality;
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
    /// Planted family id to its best rank on the shortlist (`None`: absent).
    pub standout_ranks: BTreeMap<String, Option<usize>>,
    pub timings: Timings,
    /// How the match model was arrived at.
    pub link_model: LinkModelSummary,
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
    Evaluation {
        records: graph.bundle.people.len(),
        people_found: graph.people.len(),
        people_true: true_ids.len(),
        precision,
        recall,
        f1,
        false_positive_pairs,
        false_negative_pairs,
        standout_ranks,
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
