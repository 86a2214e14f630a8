//! Record linkage: finds which agency records, sharing no identifier, are
//! the same person.
//!
//! Three stages, all pure:
//! 1. **Blocking** (`blocking`) picks candidate pairs that share a cheap key
//!    (NHS number, birth date, a phonetic name code with part of the birth
//!    date, an address with an initial), so the work is near linear, not
//!    quadratic.
//! 2. **Comparison** (`compare`) puts each field of a pair at one level of
//!    the match model (`model`); the pair's weight is the sum of the
//!    levels' log2(m/u), a Fellegi-Sunter score, and the same levels
//!    explain the link.
//! 3. **Clustering** (`cluster`) accepts links above the threshold,
//!    strongest first, unless they would put conflicting records in one
//!    person (two of one agency, birth years apart, different NHS numbers,
//!    unrelated given names; see `Conflict`). A record that fits two
//!    conflicting records about equally well, such as a record without a
//!    date of birth at the address of a father and son of one name, joins
//!    neither.
//!
//! Results depend only on the records, not their order: ties break on
//! agency and record id, and people are numbered by their first record.

mod blocking;
mod cluster;
mod compare;
mod model;
mod nicknames;
mod normalise;
mod quality;

use std::collections::HashMap;

use famgraph_model::PersonRecord;

pub use compare::Conflict;
pub use model::{ComparisonLevel, Field, FieldModel, MatchModel, N_FIELDS, NULL_LEVEL};
pub use quality::{Quality, pairwise_quality};

use crate::cluster::Candidate;
use crate::compare::Prepared;
use crate::model::{Levels, Weights};

/// Record indices are `u32`, so a linkage holds at most this many records.
pub const MAX_RECORDS: usize = u32::MAX as usize;

/// Settings for `link`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// The minimum match weight (log2 Bayes factor, the sum of the field
    /// weights) for a pair to be accepted as a link.
    pub match_threshold: f64,
    /// Blocks with more records than this are skipped: such a key (a
    /// placeholder birth date, a large hostel) says little, and comparing
    /// within it is quadratic.
    pub max_block_size: usize,
    /// log2 of the prior odds that a candidate pair is one person; turns a
    /// match weight into a probability.
    pub prior_log2_odds: f64,
    /// The comparison levels and their m and u probabilities.
    pub model: MatchModel,
}

/// The default threshold: names, date of birth and sex agreeing clear it
/// comfortably (20 bits), as do names and an address without a date of
/// birth (15 to 18); a nickname, a misspelt surname and the date of birth
/// clear it even after a move (13). Names and sex alone (12.4) would
/// just pass, but no blocking key pairs records on names alone; names
/// after a move without a date of birth (10.7) do not. On synthetic
/// bundles F1 peaks nearer 10, but that leans on their varied surnames;
/// until name weights reflect how common a name is, the margin stays.
pub const DEFAULT_MATCH_THRESHOLD: f64 = 12.0;

/// The default block limit; at a million records the usual blocks hold
/// tens of records, so this only trims degenerate keys.
pub const DEFAULT_MAX_BLOCK_SIZE: usize = 1_000;

/// The default prior, 2^-7: set so that the probabilities of accepted links
/// match how often they were right on synthetic bundles of 5,000 families
/// (about 0.985 just above the threshold, 0.996 at 14 to 16 bits). The
/// hand-set u probabilities are not yet estimated from the data, so this
/// is a calibration, not a measured match rate.
pub const DEFAULT_PRIOR_LOG2_ODDS: f64 = -7.0;

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            match_threshold: DEFAULT_MATCH_THRESHOLD,
            max_block_size: DEFAULT_MAX_BLOCK_SIZE,
            prior_log2_odds: DEFAULT_PRIOR_LOG2_ODDS,
            model: MatchModel::default(),
        }
    }
}

/// How one field of a pair compared, and what that weighed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldComparison {
    /// The field's name as in `people.csv`, e.g. `"date_of_birth"`.
    pub field: &'static str,
    /// The level it fell to, e.g. `"exact"`, `"nickname"`, `"null"`.
    pub level: &'static str,
    /// log2(m/u) of that level; 0 for `"null"`.
    pub weight: f64,
}

/// An accepted link between two records.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Record indices into the input slice, `a < b`.
    pub a: u32,
    pub b: u32,
    /// The match weight: the sum of `fields[..].weight`.
    pub weight: f64,
    /// The posterior probability of a match under the configured prior.
    pub probability: f64,
    pub fields: Vec<FieldComparison>,
}

/// The people found.
#[derive(Debug, Clone, PartialEq)]
pub struct Linkage {
    /// The person index of each input record; people are numbered in the
    /// order of their smallest record index.
    pub person_of: Vec<u32>,
    pub n_people: usize,
    /// Per person, in [0, 1]: the lowest probability among the links that
    /// hold the person together; 1.0 for a person with one record.
    pub confidence: Vec<f64>,
    /// The accepted links that formed the people, sorted by `(a, b)`.
    pub links: Vec<Link>,
    /// The number of candidate pairs compared.
    pub n_compared: usize,
}

impl Linkage {
    /// The record indices of each person, in record order.
    pub fn records_of_people(&self) -> Vec<Vec<u32>> {
        let mut people = vec![Vec::new(); self.n_people];
        for (record_idx, person) in self.person_of.iter().enumerate() {
            people[*person as usize].push(record_idx as u32);
        }
        people
    }
}

/// Links records into people.
///
/// # Panics
/// With more than `MAX_RECORDS` records.
#[tracing::instrument(skip_all, fields(n_records = records.len()))]
pub fn link(records: &[PersonRecord], config: &LinkConfig) -> Linkage {
    assert!(records.len() <= MAX_RECORDS, "at most {MAX_RECORDS} records can be linked at once");
    let weights = Weights::new(&config.model);
    let prepared = prepare(records);
    let rank = intrinsic_rank(records);

    let blocking = {
        let _span = tracing::info_span!("blocking").entered();
        let blocking = blocking::Blocking::new(&prepared, config.max_block_size);
        if blocking.n_oversized_blocks > 0 {
            tracing::warn!(
                n_oversized_blocks = blocking.n_oversized_blocks,
                max_block_size = config.max_block_size,
                "skipped blocks larger than the limit"
            );
        }
        tracing::debug!(n_blocks = blocking.n_blocks, "blocks built");
        blocking
    };

    let (candidates, n_compared) = {
        let _span = tracing::info_span!("comparing").entered();
        compare_blocks(&blocking, &prepared, &weights, config.match_threshold)
    };

    let clusters = {
        let _span = tracing::info_span!("clustering", n_candidates = candidates.len()).entered();
        cluster::cluster(&prepared, candidates, &rank)
    };

    // People are numbered by their smallest record index.
    let mut person_of_root: HashMap<u32, u32> = HashMap::new();
    let person_of: Vec<u32> = clusters
        .root_of
        .iter()
        .map(|root| {
            let next = person_of_root.len() as u32;
            *person_of_root.entry(*root).or_insert(next)
        })
        .collect();
    let n_people = person_of_root.len();

    let mut confidence = vec![1.0_f64; n_people];
    let mut links: Vec<Link> = clusters
        .accepted
        .iter()
        .map(|candidate| {
            let levels = compare::levels(&prepared[candidate.a as usize], &prepared[candidate.b as usize]);
            let link = explained_link(candidate.a, candidate.b, &levels, &weights, config.prior_log2_odds);
            debug_assert!((link.weight - candidate.weight).abs() < 1e-9);
            let person = &mut confidence[person_of[candidate.a as usize] as usize];
            *person = person.min(link.probability);
            link
        })
        .collect();
    links.sort_unstable_by_key(|link| (link.a, link.b));
    debug_assert_eq!(records.len() - n_people, links.len(), "every accepted link joins two people");
    tracing::info!(
        n_people,
        n_links = links.len(),
        n_compared,
        n_vetoed = clusters.n_vetoed,
        n_ambiguous = clusters.n_ambiguous,
        "linked"
    );
    Linkage { person_of, n_people, confidence, links, n_compared }
}

/// Compares any two records and explains the result: the match weight and
/// every field's level and weight, in the order of `Field::ALL`.
pub fn compare(a: &PersonRecord, b: &PersonRecord, config: &LinkConfig) -> (f64, Vec<FieldComparison>) {
    let (x, y) = (Prepared::new(a, 0), Prepared::new(b, u32::from(a.agency != b.agency)));
    let link = explained_link(0, 1, &compare::levels(&x, &y), &Weights::new(&config.model), config.prior_log2_odds);
    (link.weight, link.fields)
}

/// Why two records can never be one person in `link`, whatever their
/// weight, or `None` if nothing forbids it.
pub fn conflict(a: &PersonRecord, b: &PersonRecord) -> Option<Conflict> {
    let (x, y) = (Prepared::new(a, 0), Prepared::new(b, u32::from(a.agency != b.agency)));
    compare::conflict(&x, &y)
}

/// The probability of a match for a weight, given the prior log2 odds.
pub fn match_probability(weight: f64, prior_log2_odds: f64) -> f64 {
    1.0 / (1.0 + (-(weight + prior_log2_odds)).exp2())
}

fn explained_link(a: u32, b: u32, levels: &Levels, weights: &Weights, prior_log2_odds: f64) -> Link {
    let fields: Vec<FieldComparison> = Field::ALL
        .iter()
        .zip(levels)
        .map(|(field, level)| FieldComparison {
            field: field.name(),
            level: model::label(*field, *level),
            weight: weights.of(*field, *level),
        })
        .collect();
    let weight = weights.total(levels);
    Link { a, b, weight, probability: match_probability(weight, prior_log2_odds), fields }
}

/// Compares every candidate pair; returns those at or above the threshold
/// and the number compared.
fn compare_blocks(
    blocking: &blocking::Blocking,
    prepared: &[Prepared],
    weights: &Weights,
    match_threshold: f64,
) -> (Vec<Candidate>, usize) {
    use blocking::KeyKind;
    let mut candidates = Vec::new();
    let mut n_compared_by_kind = [0_usize; KeyKind::ALL.len()];
    for block in blocking.blocks() {
        let mut n_compared = 0;
        blocking.for_each_pair(block, prepared, |a, b| {
            n_compared += 1;
            let levels = compare::levels(&prepared[a as usize], &prepared[b as usize]);
            let weight = weights.total(&levels);
            if weight >= match_threshold {
                candidates.push(Candidate { a, b, weight });
            }
        });
        if let Some(kind_idx) = KeyKind::index_of(block[0].0) {
            n_compared_by_kind[kind_idx] += n_compared;
        }
    }
    for (kind, n_compared) in KeyKind::ALL.iter().zip(n_compared_by_kind) {
        tracing::debug!(key = kind.name(), n_compared, "pairs compared, by blocking key");
    }
    let n_compared = n_compared_by_kind.iter().sum();
    tracing::debug!(n_compared, n_above_threshold = candidates.len(), "pairs compared");
    (candidates, n_compared)
}

/// Normalises every record once, with agencies interned to numbers.
fn prepare(records: &[PersonRecord]) -> Vec<Prepared<'_>> {
    let mut agency_ids: HashMap<&str, u32> = HashMap::new();
    records
        .iter()
        .map(|record| {
            let next = agency_ids.len() as u32;
            let agency = *agency_ids.entry(record.agency.as_str()).or_insert(next);
            Prepared::new(record, agency)
        })
        .collect()
}

/// Each record's position when sorted by agency and record id: an order
/// that does not depend on the order of the input rows. Rows with the same
/// agency and id (which validation rejects) fall back to input order.
fn intrinsic_rank(records: &[PersonRecord]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..records.len() as u32).collect();
    order.sort_by(|x, y| {
        let (a, b) = (&records[*x as usize], &records[*y as usize]);
        (a.agency.as_str(), a.record_id.as_str()).cmp(&(b.agency.as_str(), b.record_id.as_str()))
    });
    let mut rank = vec![0; records.len()];
    for (position, record_idx) in order.iter().enumerate() {
        rank[*record_idx as usize] = position as u32;
    }
    rank
}

#[cfg(test)]
mod tests;
