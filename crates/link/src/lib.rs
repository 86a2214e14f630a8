//! Record linkage: finds which agency records, sharing no identifier, are
//! the same person.
//!
//! Four stages, all pure:
//! 1. **Blocking** (`blocking`) picks candidate pairs that share a cheap key
//!    (NHS number, birth date, a phonetic name code with part of the birth
//!    date, both names, an address with an initial), so the work is near
//!    linear, not quadratic.
//! 2. **Comparison** (`compare`) puts each field of a pair at one level of
//!    the match model (`model`); the pair's weight is the sum of the
//!    levels' log2(m/u), a Fellegi-Sunter score, with exact matches on a
//!    value adjusted for how common the value is. The same levels explain
//!    the link.
//! 3. **Estimation** (`estimate`): u from random pairs, term frequencies
//!    from the records, m and the prior by expectation maximisation over
//!    the compared pairs. No ground truth is needed.
//! 4. **Clustering** (`cluster`) applies the partnership's overrides, then
//!    accepts links at or above the match probability threshold, strongest
//!    first, unless they would put conflicting records in one person (two
//!    of one agency, birth years apart, different NHS numbers, unrelated
//!    given names, a cannot-link override; see `Conflict`). A record that
//!    fits two conflicting records about equally well, such as a record
//!    without a date of birth at the address of a father and son of one
//!    name, joins neither.
//!
//! Results depend only on the records, not their order: ties break on
//! agency and record id, and people are numbered by their first record.

mod blocking;
mod cluster;
mod compare;
mod estimate;
mod model;
mod nicknames;
mod normalise;
mod quality;
mod relatives;
mod search;
pub mod stored;

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

use famgraph_model::PersonRecord;

pub use compare::{Conflict, dates_of_birth_clash, postcodes_one_character_apart};
pub use model::{ComparisonLevel, Field, FieldModel, MatchModel, N_FIELDS, NULL_LEVEL};
pub use normalise::STREET_TYPES;
pub use quality::{Quality, pairwise_quality};
pub use relatives::Relation;
pub use search::{NameIndex, NameQuery};

use crate::cluster::Candidate;
use crate::compare::Prepared;
use crate::estimate::{ComparedPair, TermFrequencies};
use crate::model::{Levels, Table, Weights};
use crate::relatives::Relatives;

/// The linkage's own version, raised whenever a change links the same
/// records differently, so that a linkage stored by an earlier build is
/// not taken for the one this build would make (2: given names weighed
/// by their share of the people born in the same year; 3: housemates
/// shared across two homes weighed in the second pass, and two rare slips
/// of one common given name read as a misspelling; 4: a family name held
/// by a housemate of the other record, its own level).
pub const LINKAGE_VERSION: u32 = 4;

/// Record indices are `u32`, so a linkage holds at most this many records.
pub const MAX_RECORDS: usize = u32::MAX as usize;

/// Settings for `link`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// The lowest posterior probability of a match for a pair to be
    /// accepted as a link.
    pub match_probability: f64,
    /// Blocks with more records than this are skipped: such a key (a
    /// placeholder birth date, a large hostel) says little, and comparing
    /// within it is quadratic.
    pub max_block_size: usize,
    /// Whether to estimate the model from the records (u, m, the prior and
    /// term frequencies). Fewer records than `MIN_RECORDS_TO_ESTIMATE`
    /// always use `model` and `prior_log2_odds` as given.
    pub estimate: bool,
    /// The comparison levels and their m and u probabilities: the model
    /// when not estimating, and the starting m when estimating.
    pub model: MatchModel,
    /// log2 of the prior odds that a compared pair is one person, when not
    /// estimating.
    pub prior_log2_odds: f64,
    /// How many random cross-agency pairs estimate u.
    pub u_sample_pairs: usize,
    /// Whether an exact match on a value is weighed by how common the
    /// value is (when estimating).
    pub term_frequencies: bool,
    /// The most EM iterations.
    pub em_max_iterations: usize,
}

/// The default threshold: a pair is linked when it is clearly more likely
/// one person than two, since a false link (one family's history shown
/// as another's) does more harm than a missed one. With the estimated
/// prior (about 2^-15 at ten thousand families) that takes about 16 bits
/// of evidence: names and a date of birth, or names and an address. On
/// generated bundles it gives the same F1 as 0.5 with a third of the false
/// links.
pub const DEFAULT_MATCH_PROBABILITY: f64 = 0.7;

/// The default block limit; at a million records the usual blocks hold
/// tens of records, so this only trims degenerate keys.
pub const DEFAULT_MAX_BLOCK_SIZE: usize = 1_000;

/// The prior of the fixed model, 2^-11.5: with the default threshold a
/// pair needs 12.7 bits of the hand-set weights, enough for names, date of
/// birth and sex (20 bits), names and an address (15 to 18), a nickname, a
/// misspelt surname and the date of birth after a move (13), but not names
/// and sex alone (12.4).
pub const DEFAULT_PRIOR_LOG2_ODDS: f64 = -11.5;

/// Below this many records there is too little to estimate from, and the
/// fixed model is used: a partnership's extracts hold thousands.
pub const MIN_RECORDS_TO_ESTIMATE: usize = 500;

/// The default number of random pairs for u: enough to see a day/month
/// swap of birth dates (about 2 in 100,000 pairs) twenty times. Four times
/// as many changed no link on generated bundles.
pub const DEFAULT_U_SAMPLE_PAIRS: usize = 1_000_000;

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            match_probability: DEFAULT_MATCH_PROBABILITY,
            max_block_size: DEFAULT_MAX_BLOCK_SIZE,
            estimate: true,
            model: MatchModel::default(),
            prior_log2_odds: DEFAULT_PRIOR_LOG2_ODDS,
            u_sample_pairs: DEFAULT_U_SAMPLE_PAIRS,
            term_frequencies: true,
            em_max_iterations: 100,
        }
    }
}

impl LinkConfig {
    /// The hand-set model, never estimated: for small or hand-made inputs.
    pub fn fixed() -> LinkConfig {
        LinkConfig { estimate: false, ..LinkConfig::default() }
    }
}

/// A partnership's decision about two records, applied on every load.
pub use famgraph_model::LinkDecision as Decision;

/// An override between two records, by index into the records linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Override {
    pub a: u32,
    pub b: u32,
    pub decision: Decision,
}

/// Record indices by agency and record id.
fn record_index(records: &[PersonRecord]) -> HashMap<(&str, &str), u32> {
    records.iter().enumerate().map(|(i, r)| ((r.agency.as_str(), r.record_id.as_str()), i as u32)).collect()
}

/// A bundle's overrides by record index; overrides naming a record not in
/// `records` are left out (validation rejects them first).
pub fn overrides_of(records: &[PersonRecord], overrides: &[famgraph_model::LinkOverride]) -> Vec<Override> {
    let index = record_index(records);
    let find = |key: &famgraph_model::RecordKey| index.get(&(key.agency.as_str(), key.record_id.as_str())).copied();
    overrides.iter().filter_map(|o| Some(Override { a: find(&o.a)?, b: find(&o.b)?, decision: o.decision })).collect()
}

/// A bundle's relationships by record index (each agency relates its own
/// records); relationships naming a record not in `records` are left out.
pub fn relations_of(records: &[PersonRecord], relationships: &[famgraph_model::Relationship]) -> Vec<Relation> {
    let index = record_index(records);
    relationships
        .iter()
        .filter_map(|r| {
            let from = *index.get(&(r.agency.as_str(), r.from_record.as_str()))?;
            let to = *index.get(&(r.agency.as_str(), r.to_record.as_str()))?;
            Some(Relation { from, to, kind: r.kind })
        })
        .collect()
}

/// How one field of a pair compared, and what that weighed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldComparison {
    /// The field's name as in `people.csv`, e.g. `"date_of_birth"`.
    pub field: &'static str,
    /// The level it fell to, e.g. `"exact"`, `"nickname"`, `"null"`.
    pub level: &'static str,
    /// The bits of evidence: log2(m/u) of that level plus the term
    /// frequency adjustment; 0 for `"null"`, and 0 for all but the
    /// strongest of the address, postcode and UPRN when the given names or
    /// dates of birth clash (the home then counts once: it cannot tell
    /// two people of one household apart).
    pub weight: f64,
    /// The part of `weight` due to how common the value is: negative for
    /// a common name, positive for a rare one; 0 unless the level is exact.
    pub term_frequency_adjustment: f64,
}

/// An accepted link between two records.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Record indices into the input slice, `a < b`.
    pub a: u32,
    pub b: u32,
    /// The match weight: the sum of `fields[..].weight`.
    pub weight: f64,
    /// The posterior probability of a match under the prior; 1 for a
    /// must-link override.
    pub probability: f64,
    pub fields: Vec<FieldComparison>,
    /// Set when a partnership's override made this link, not the model.
    pub decision: Option<Decision>,
}

/// The model a linkage used, and how it was arrived at.
#[derive(Debug, Clone, PartialEq)]
#[expect(clippy::struct_excessive_bools, reason = "independent facts about one estimate, reported as they are")]
pub struct TrainedModel {
    pub model: MatchModel,
    /// log2 of the prior odds that two records are one person.
    pub prior_log2_odds: f64,
    /// False when the fixed model was used.
    pub estimated: bool,
    /// The random pairs u was counted over (0 when not estimated).
    pub u_sample_pairs: usize,
    pub em_iterations: usize,
    pub em_converged: bool,
    /// Whether exact matches were adjusted for how common the value is.
    pub term_frequencies: bool,
    /// Whether a second pass weighed the relatives (and, where people
    /// live with their families, the housemates) records share.
    pub relatives: bool,
    pub match_probability: f64,
    /// Dates of birth held by far more people than any birthday is (a
    /// date a case system fills in when the real one is unknown, such as
    /// 1900-01-01), each with the records holding it: read as missing.
    pub placeholder_dates: Vec<(famgraph_model::Date, usize)>,
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
    pub model: TrainedModel,
    /// Overrides that could not be applied (a must-link between records a
    /// cannot-link keeps apart), with why.
    pub overrides_refused: Vec<(Override, &'static str)>,
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

/// Scores pairs: the level weights plus term-frequency adjustments, and
/// in the second pass the relatives the two records share.
#[derive(Clone)]
struct Scorer {
    weights: Weights,
    tf: Option<Arc<(TermFrequencies, [f64; N_FIELDS])>>,
    relatives: Option<Arc<Relatives>>,
}

/// A scored pair.
struct Scored {
    levels: Levels,
    adjustments: [f64; N_FIELDS],
    weight: f64,
}

impl Scorer {
    fn score(&self, records: &[Prepared], a: u32, b: u32) -> Scored {
        let (x, y) = (&records[a as usize], &records[b as usize]);
        let mut levels = compare::levels(x, y);
        if let Some(relatives) = &self.relatives {
            levels[Field::Relatives as usize] = relatives.level(a, b, levels[Field::Postcode as usize]);
        }
        let adjustments = match self.tf.as_deref() {
            Some((tf, log2_u_exact)) => tf.adjustments((a, b), (x, y), &levels, log2_u_exact),
            None => [0.0; N_FIELDS],
        };
        let weight = self.weights.total(&levels) + adjustments.iter().sum::<f64>();
        Scored { levels, adjustments, weight }
    }

    /// The weight of a pair compared once before (its levels, relatives
    /// too when this pass has them, and the term-frequency adjustment):
    /// the same as `score` gives.
    fn weight(&self, compared: &ComparedPair) -> f64 {
        self.weights.total(&compared.levels) + compared.tf_adjustment
    }

    fn explain(
        &self,
        records: &[Prepared],
        (a, b): (u32, u32),
        prior_log2_odds: f64,
        decision: Option<Decision>,
    ) -> Link {
        let scored = self.score(records, a, b);
        let weights = self.weights.per_field(&scored.levels);
        let fields = Field::ALL
            .iter()
            .zip(scored.levels)
            .zip(scored.adjustments)
            .zip(weights)
            .map(|(((field, level), adjustment), weight)| FieldComparison {
                field: field.name(),
                level: model::label(*field, level),
                weight: weight + adjustment,
                term_frequency_adjustment: adjustment,
            })
            .collect();
        let probability =
            if decision == Some(Decision::MustLink) { 1.0 } else { match_probability(scored.weight, prior_log2_odds) };
        Link { a: a.min(b), b: a.max(b), weight: scored.weight, probability, fields, decision }
    }
}

/// Links records into people with no overrides.
pub fn link(records: &[PersonRecord], config: &LinkConfig) -> Linkage {
    Linker::new(records, config).link(&[])
}

/// Links records into people, applying a partnership's overrides and
/// weighing the relatives the agencies recorded (see
/// `Linker::link_with_relations`).
pub fn link_with(
    records: &[PersonRecord],
    config: &LinkConfig,
    overrides: &[Override],
    relations: &[Relation],
) -> Linkage {
    Linker::with_relations(records, config, relations).link_with_relations(overrides, relations)
}

/// A set of records ready to link: blocked, compared, and the model
/// estimated. It can explain any pair, linked or not, under that model.
pub struct Linker<'a> {
    prepared: Vec<Prepared<'a>>,
    order: Vec<u32>,
    rank: Vec<u32>,
    /// The candidate pairs, each once, `a < b`.
    pairs: Vec<(u32, u32)>,
    /// Each pair compared once, parallel to `pairs`: every pass reuses it.
    compared: Vec<ComparedPair>,
    /// Whether the rules allow each pair to be one person (`Conflict`).
    allowed: Vec<bool>,
    /// Whether people live with their families in these records
    /// (`compare::households`): then housemates are evidence too.
    households: bool,
    scorer: Scorer,
    model: TrainedModel,
    /// The estimated m and u, when the model was estimated.
    estimated: Option<(Table, Table)>,
    config: LinkConfig,
}

impl<'a> Linker<'a> {
    /// Blocks, compares and estimates.
    ///
    /// # Panics
    /// With more than `MAX_RECORDS` records.
    pub fn new(records: &'a [PersonRecord], config: &LinkConfig) -> Linker<'a> {
        Linker::with_relations(records, config, &[])
    }

    /// Blocks, compares and estimates, with the relationships the agencies
    /// recorded bounding the birth years of records without a date of
    /// birth (a parent of a pupil born in 2012 was not born in 2002). Pass
    /// the same relations to `link_with_relations`.
    ///
    /// # Panics
    /// With more than `MAX_RECORDS` records, or a relation naming a record
    /// index out of range.
    #[tracing::instrument(skip_all, fields(n_records = records.len()))]
    pub fn with_relations(records: &'a [PersonRecord], config: &LinkConfig, relations: &[Relation]) -> Linker<'a> {
        assert!(records.len() <= MAX_RECORDS, "at most {MAX_RECORDS} records can be linked at once");
        let (prepared, placeholder_dates) = {
            let _span = tracing::info_span!("preparing").entered();
            prepare(records, relations)
        };
        if !placeholder_dates.is_empty() {
            tracing::info!(
                n_dates = placeholder_dates.len(),
                n_records = placeholder_dates.iter().map(|(_, n)| n).sum::<usize>(),
                "placeholder dates of birth read as missing"
            );
        }
        let (order, rank) = intrinsic_order(records);
        let mut prepared = prepared;
        let households = compare::households(&prepared);
        if !households {
            tracing::info!("no households among the records: a different given name or date of birth is weighed");
        }
        for record in &mut prepared {
            record.vouched = households;
        }
        let blocking = {
            let _span = tracing::info_span!("blocking").entered();
            let blocking = blocking::Blocking::new(&prepared, config.max_block_size, households);
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
        let pairs = {
            let _span = tracing::info_span!("comparing").entered();
            let mut pairs = candidate_pairs(&blocking, &prepared, households);
            // In an order of the records' own, so that sums over the pairs
            // (the EM's) do not depend on the order of the input rows.
            pairs.sort_unstable_by_key(|&pair| pair_key(&rank, pair));
            pairs
        };
        let Trained { scorer, model, estimated, compared, allowed } = {
            let _span = tracing::info_span!("estimating").entered();
            train(&prepared, &order, &pairs, config, placeholder_dates)
        };
        Linker {
            prepared,
            order,
            rank,
            pairs,
            compared,
            allowed,
            households,
            scorer,
            model,
            estimated,
            config: config.clone(),
        }
    }

    /// The model the links are scored with.
    pub fn model(&self) -> &TrainedModel {
        &self.model
    }

    /// Why two records can never be one person, judged as the linkage
    /// judges it (with placeholder dates read as missing and given names
    /// counted over the extract), or `None`.
    ///
    /// # Panics
    /// With a record index out of range.
    pub fn conflict(&self, a: u32, b: u32) -> Option<Conflict> {
        compare::conflict(&self.prepared[a as usize], &self.prepared[b as usize])
    }

    /// The candidate pairs blocking chose, `a < b`.
    pub fn candidate_pairs(&self) -> &[(u32, u32)] {
        &self.pairs
    }

    /// How two records compare under the first pass's model (relatives
    /// are weighed only in `link_with_relations`), whether linked or not.
    ///
    /// # Panics
    /// With a record index out of range.
    pub fn explain(&self, a: u32, b: u32) -> Link {
        self.scorer.explain(&self.prepared, (a, b), self.model.prior_log2_odds, None)
    }

    /// Clusters the candidates into people, applying a partnership's
    /// overrides first: must-links join their records whatever the model
    /// says, cannot-links keep theirs apart.
    ///
    /// # Panics
    /// With an override naming a record index out of range.
    pub fn link(&self, overrides: &[Override]) -> Linkage {
        self.cluster_with(&self.scorer, &self.model, overrides, &[], (&[], &[]), None)
    }

    /// Links in two passes: the first as `link`; then, with the relatives
    /// the agencies recorded (a pupil's mother, a client's partner) put
    /// into the people the first pass found, records that share a relative
    /// in the same role gain that evidence, as do records at two postcodes
    /// whose homes hold one person (a housemate they moved with, where
    /// people live with their families); the model is estimated again with
    /// it, and the records are clustered afresh. With neither relations
    /// nor households, or with a fixed model, this is `link`.
    ///
    /// # Panics
    /// With an override or relation naming a record index out of range.
    pub fn link_with_relations(&self, overrides: &[Override], relations: &[Relation]) -> Linkage {
        // Two records an agency recorded as related to each other (a
        // parent and child, two siblings, partners) are two people.
        let related: Vec<(u32, u32)> = relations.iter().map(|r| (r.from, r.to)).collect();
        let first = self.cluster_with(&self.scorer, &self.model, overrides, &related, (&[], &[]), None);
        let Some((m, u)) = &self.estimated else { return first };
        if relations.is_empty() && !self.households {
            return first;
        }
        let _span = tracing::info_span!("second_pass", n_relations = relations.len()).entered();
        let homes = self.households.then_some(self.prepared.as_slice());
        let relatives = Arc::new(Relatives::new(relations, &first.person_of, homes));
        let mut u = *u;
        let postcode =
            |a: u32, b: u32| compare::postcode_level_of(&self.prepared[a as usize], &self.prepared[b as usize]);
        let (u_relatives, n_sampled) =
            estimate::estimate_relatives_u(&self.order, &relatives, postcode, self.config.u_sample_pairs);
        u[Field::Relatives as usize][..u_relatives.len()].copy_from_slice(&u_relatives);
        // Records that share a housemate or a relative, which no blocking
        // key brought together, are compared now.
        let mut extra: Vec<(u32, u32)> = relatives
            .pairs_to_compare(&self.prepared, &first.person_of)
            .into_iter()
            .filter(|&pair| !self.is_candidate(pair))
            .collect();
        // In the records' own order, as the candidates are: the EM's sums
        // must not depend on the order of the input rows.
        extra.sort_unstable_by_key(|&pair| self.pair_key(pair));
        let (extra_compared, extra_allowed) = compare_pairs(&self.prepared, &extra, &self.scorer);
        tracing::debug!(n_pairs = extra.len(), "pairs compared through housemates and relatives");
        let scorer = Scorer { relatives: Some(Arc::clone(&relatives)), ..self.scorer.clone() };
        // Each pair's relatives level, worked out once for the EM and the
        // clustering both.
        let level = |&(a, b): &(u32, u32), c: &ComparedPair| relatives.level(a, b, c.levels[Field::Postcode as usize]);
        let relative_levels: Vec<Option<u8>> =
            estimate::map_in_order(self.pairs.len(), |i| level(&self.pairs[i], &self.compared[i]));
        let extra_levels: Vec<Option<u8>> = extra.iter().zip(&extra_compared).map(|(pair, c)| level(pair, c)).collect();
        let compared = (self.compared.iter().zip(&self.allowed).zip(&relative_levels))
            .chain(extra_compared.iter().zip(&extra_allowed).zip(&extra_levels))
            .filter(|((_, allowed), _)| **allowed)
            .map(|((c, _), level)| c.with_relatives(*level));
        let mut m_start = *m;
        let start = self.config.model.table(true);
        m_start[Field::Relatives as usize] = start[Field::Relatives as usize];
        let n_pairs_all = estimate::all_pairs(&self.prepared);
        let em = estimate::estimate_m(compared, &u, &m_start, n_pairs_all, self.config.em_max_iterations);
        tracing::info!(
            u_relatives_sampled = n_sampled,
            em_iterations = em.iterations,
            prior_log2_odds = em.prior_log2_odds,
            "match model estimated again with relatives"
        );
        let scorer = Scorer { weights: Weights::from_table(&estimate::log2_ratios(&em.m, &u)), ..scorer };
        let model = TrainedModel {
            model: MatchModel::from_tables(&em.m, &u),
            prior_log2_odds: em.prior_log2_odds,
            em_iterations: self.model.em_iterations + em.iterations,
            em_converged: self.model.em_converged && em.converged,
            relatives: true,
            ..self.model.clone()
        };
        self.cluster_with(
            &scorer,
            &model,
            overrides,
            &related,
            (&extra, &extra_compared),
            Some((&relative_levels, &extra_levels)),
        )
    }

    /// Whether blocking chose a pair (`pairs` is sorted by `pair_key`).
    fn is_candidate(&self, (a, b): (u32, u32)) -> bool {
        let key = self.pair_key((a, b));
        self.pairs.binary_search_by_key(&key, |&pair| self.pair_key(pair)).is_ok()
    }

    /// A pair's place in an order of the records' own (`rank`).
    fn pair_key(&self, (a, b): (u32, u32)) -> u64 {
        pair_key(&self.rank, (a, b))
    }

    /// Clusters the candidate pairs, and `extra` pairs compared since
    /// (with their comparisons), into people; with each pair's relatives
    /// level, when the second pass has worked them out (the candidates',
    /// then the extra pairs').
    fn cluster_with(
        &self,
        scorer: &Scorer,
        model: &TrainedModel,
        overrides: &[Override],
        related: &[(u32, u32)],
        extra: (&[(u32, u32)], &[ComparedPair]),
        relative_levels: Option<(&[Level], &[Level])>,
    ) -> Linkage {
        let n_records = self.prepared.len();
        assert!(overrides.iter().all(|o| (o.a as usize) < n_records && (o.b as usize) < n_records));
        let prior = model.prior_log2_odds;
        // A pair linked at or above the threshold, with its relatives
        // level when the second pass has one (the first compares none).
        let candidate = |(a, b): (u32, u32), compared: &ComparedPair, level: Option<Level>| {
            let compared = level.map_or(*compared, |level| compared.with_relatives(level));
            let weight = scorer.weight(&compared);
            (match_probability(weight, prior) >= model.match_probability).then(|| {
                let agency = scorer.weights.of(Field::Agency, compared.levels[Field::Agency as usize]);
                Candidate { a, b, weight, fit: weight - agency }
            })
        };
        let mut candidates: Vec<Candidate> = estimate::in_chunks(|chunk| {
            let levels = relative_levels.map(|(levels, _)| estimate::chunk_of(levels, chunk));
            estimate::chunk_of(&self.pairs, chunk)
                .iter()
                .zip(estimate::chunk_of(&self.compared, chunk))
                .enumerate()
                .filter_map(|(i, (&pair, compared))| candidate(pair, compared, levels.map(|l| l[i])))
                .collect::<Vec<_>>()
        })
        .concat();
        candidates.extend(
            extra
                .0
                .iter()
                .zip(extra.1)
                .enumerate()
                .filter_map(|(i, (&pair, compared))| candidate(pair, compared, relative_levels.map(|(_, l)| l[i]))),
        );

        let clusters = {
            let _span = tracing::info_span!("clustering", n_candidates = candidates.len()).entered();
            let linkable = |a: u32, b: u32| {
                match_probability(scorer.score(&self.prepared, a, b).weight, prior) >= model.match_probability
            };
            cluster::cluster(&self.prepared, candidates, &self.rank, overrides, related, linkable)
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
            .map(|(candidate, decision)| {
                let link = scorer.explain(&self.prepared, (candidate.a, candidate.b), prior, *decision);
                let person = &mut confidence[person_of[candidate.a as usize] as usize];
                *person = person.min(link.probability);
                link
            })
            .collect();
        links.sort_unstable_by_key(|link| (link.a, link.b));
        debug_assert_eq!(n_records - n_people, links.len(), "every accepted link joins two people");
        tracing::info!(
            n_people,
            n_links = links.len(),
            n_compared = self.pairs.len() + extra.0.len(),
            n_vetoed = clusters.n_vetoed,
            n_ambiguous = clusters.n_ambiguous,
            n_overrides = overrides.len(),
            n_overrides_refused = clusters.refused.len(),
            "linked"
        );
        Linkage {
            person_of,
            n_people,
            confidence,
            links,
            n_compared: self.pairs.len() + extra.0.len(),
            model: model.clone(),
            overrides_refused: clusters.refused,
        }
    }
}

/// One field's level for a pair; `None` is the null level.
type Level = Option<u8>;

/// What `train` gives a `Linker`.
struct Trained {
    scorer: Scorer,
    model: TrainedModel,
    /// The estimated m and u, when the model was estimated.
    estimated: Option<(Table, Table)>,
    compared: Vec<ComparedPair>,
    allowed: Vec<bool>,
}

/// The scorer and model for a linkage: estimated from the records when
/// the configuration asks and there are enough of them, else the fixed
/// model; and every candidate pair compared, once.
fn train(
    prepared: &[Prepared],
    order: &[u32],
    pairs: &[(u32, u32)],
    config: &LinkConfig,
    placeholder_dates: Vec<(famgraph_model::Date, usize)>,
) -> Trained {
    let fixed = || {
        let scorer = Scorer { weights: Weights::new(&config.model), tf: None, relatives: None };
        let (compared, allowed) = compare_pairs(prepared, pairs, &scorer);
        let model = TrainedModel {
            model: config.model.clone(),
            prior_log2_odds: config.prior_log2_odds,
            estimated: false,
            u_sample_pairs: 0,
            em_iterations: 0,
            em_converged: false,
            term_frequencies: false,
            relatives: false,
            match_probability: config.match_probability,
            placeholder_dates: placeholder_dates.clone(),
        };
        Trained { scorer, model, estimated: None, compared, allowed }
    };
    if !config.estimate || prepared.len() < MIN_RECORDS_TO_ESTIMATE || pairs.is_empty() {
        return fixed();
    }
    let n_pairs_all = estimate::all_pairs(prepared);
    let (u, u_sample_pairs) = {
        let _span = tracing::info_span!("u_from_random_pairs").entered();
        estimate::estimate_u(prepared, order, config.u_sample_pairs, n_pairs_all)
    };
    let tf = {
        let _span = tracing::info_span!("term_frequencies").entered();
        TermFrequencies::new(prepared)
    };
    let mut log2_u_exact = [0.0; N_FIELDS];
    for field in estimate::TF_FIELDS.iter().filter(|_| config.term_frequencies) {
        let field = *field;
        // Level 0 is every field's exact level.
        log2_u_exact[field as usize] = u[field as usize][0].max(model::MIN_PROBABILITY).log2();
    }
    let scorer = Scorer {
        weights: Weights::from_table(&estimate::log2_ratios(&config.model.table(true), &u)),
        tf: config.term_frequencies.then(|| Arc::new((tf, log2_u_exact))),
        relatives: None,
    };
    let (compared, allowed) = {
        let _span = tracing::info_span!("scoring_pairs", n_pairs = pairs.len()).entered();
        compare_pairs(prepared, pairs, &scorer)
    };
    let m_start = config.model.table(true);
    let em_pairs = em_input(pairs, &compared, &allowed).map(|(_, c)| *c);
    let em = {
        let _span = tracing::info_span!("em").entered();
        estimate::estimate_m(em_pairs, &u, &m_start, n_pairs_all, config.em_max_iterations)
    };
    if !em.converged {
        tracing::warn!(iterations = em.iterations, "the match model's estimate did not converge");
    }
    tracing::info!(
        u_sample_pairs,
        em_iterations = em.iterations,
        prior_log2_odds = em.prior_log2_odds,
        "match model estimated"
    );
    let scorer = Scorer { weights: Weights::from_table(&estimate::log2_ratios(&em.m, &u)), ..scorer };
    let model = TrainedModel {
        model: MatchModel::from_tables(&em.m, &u),
        prior_log2_odds: em.prior_log2_odds,
        estimated: true,
        u_sample_pairs,
        em_iterations: em.iterations,
        em_converged: em.converged,
        term_frequencies: config.term_frequencies,
        relatives: false,
        match_probability: config.match_probability,
        placeholder_dates,
    };
    Trained { scorer, model, estimated: Some((em.m, u)), compared, allowed }
}

/// Every candidate pair compared once under `scorer` (levels and
/// term-frequency adjustment), and whether the EM learns from it: the
/// rules allow it, and it is not two people plainly.
fn compare_pairs(prepared: &[Prepared], pairs: &[(u32, u32)], scorer: &Scorer) -> (Vec<ComparedPair>, Vec<bool>) {
    estimate::map_in_order(pairs.len(), |i| {
        let (a, b) = pairs[i];
        let scored = scorer.score(prepared, a, b);
        // Pairs differing in both given name and date of birth (a parent
        // and child, two siblings) teach the EM nothing of one person's
        // records, however alike their homes.
        let (given, dob) = (scored.levels[Field::GivenName as usize], scored.levels[Field::DateOfBirth as usize]);
        let allowed = !(given == Some(model::level::GIVEN_DISAGREE) && dob == Some(model::level::DOB_DISAGREE))
            && compare::conflict_given_levels(&prepared[a as usize], &prepared[b as usize], &scored.levels).is_none();
        (ComparedPair { levels: scored.levels, tf_adjustment: scored.adjustments.iter().sum() }, allowed)
    })
    .into_iter()
    .unzip()
}

/// The pairs the EM learns from: those the rules allow.
fn em_input<'c>(
    pairs: &'c [(u32, u32)],
    compared: &'c [ComparedPair],
    allowed: &'c [bool],
) -> impl Iterator<Item = ((u32, u32), &'c ComparedPair)> + 'c {
    pairs.iter().zip(compared).zip(allowed).filter(|(_, ok)| **ok).map(|((pair, c), _)| (*pair, c))
}

/// Compares any two records and explains the result under the fixed
/// model: the match weight and every field's level and weight, in the
/// order of `Field::ALL`.
pub fn compare(a: &PersonRecord, b: &PersonRecord, config: &LinkConfig) -> (f64, Vec<FieldComparison>) {
    let prepared = [Prepared::new(a, 0), Prepared::new(b, u32::from(a.agency != b.agency))];
    let scorer = Scorer { weights: Weights::new(&config.model), tf: None, relatives: None };
    let link = scorer.explain(&prepared, (0, 1), config.prior_log2_odds, None);
    (link.weight, link.fields)
}

/// Why two records can never be one person in `link`, whatever their
/// weight, or `None` if nothing forbids it. Without the rest of the
/// extract, each given name is taken as vouched for (see
/// `Linker::conflict`).
pub fn conflict(a: &PersonRecord, b: &PersonRecord) -> Option<Conflict> {
    let (x, y) = (Prepared::new(a, 0), Prepared::new(b, u32::from(a.agency != b.agency)));
    compare::conflict(&x, &y)
}

/// The probability of a match for a weight, given the prior log2 odds.
pub fn match_probability(weight: f64, prior_log2_odds: f64) -> f64 {
    1.0 / (1.0 + (-(weight + prior_log2_odds)).exp2())
}

/// A pair's place in an order of the records' own, by their `rank`s.
fn pair_key(rank: &[u32], (a, b): (u32, u32)) -> u64 {
    let (x, y) = (rank[a as usize], rank[b as usize]);
    (u64::from(x.min(y)) << 32) | u64::from(x.max(y))
}

/// Every candidate pair, once, in block order.
///
/// Where people live with their families, a block of one full name leaves
/// out pairs whose dates of birth clash: those are two people whatever
/// else agrees (`compare::conflict`), and at county size most pairs of a
/// common name ("Jack Smith") are such pairs. A pair of one name with one
/// NHS number is compared in the NHS number's block, before this one.
fn candidate_pairs(blocking: &blocking::Blocking, prepared: &[Prepared], households: bool) -> Vec<(u32, u32)> {
    use blocking::KeyKind;
    let blocks: Vec<&[(u64, u32)]> = blocking.blocks().collect();
    // The blocks in chunks side by side, each chunk's pairs in block order,
    // the chunks joined in order: the same pairs in the same order on any
    // number of cores.
    let chunks = estimate::in_chunks(|chunk| {
        let mut pairs = Vec::new();
        let mut n_compared_by_kind = [0_usize; KeyKind::ALL.len()];
        for block in estimate::chunk_of(&blocks, chunk) {
            let before = pairs.len();
            let kind_idx = KeyKind::index_of(block[0].0);
            let leave_out_clashes = households && kind_idx.is_some_and(|k| KeyKind::ALL[k] == KeyKind::Names);
            blocking.for_each_pair(block, |a, b| {
                if !leave_out_clashes || compare::dob_clash(&prepared[a as usize], &prepared[b as usize]).is_none() {
                    pairs.push((a, b));
                }
            });
            if let Some(kind_idx) = kind_idx {
                n_compared_by_kind[kind_idx] += pairs.len() - before;
            }
        }
        (pairs, n_compared_by_kind)
    });
    let mut pairs = Vec::with_capacity(chunks.iter().map(|(pairs, _)| pairs.len()).sum());
    let mut n_compared_by_kind = [0_usize; KeyKind::ALL.len()];
    for (chunk, counts) in chunks {
        pairs.extend_from_slice(&chunk);
        for (total, n) in n_compared_by_kind.iter_mut().zip(counts) {
            *total += n;
        }
    }
    for (kind, n_compared) in KeyKind::ALL.iter().zip(n_compared_by_kind) {
        tracing::debug!(key = kind.name(), n_compared, "pairs compared, by blocking key");
    }
    pairs
}

/// A date of birth is a placeholder when more people hold it than this many
/// times as many as hold the average date...
const PLACEHOLDER_RATIO: f64 = 10.0;
/// ... and at least this many: in a small extract, twins and chance make a
/// handful on one date.
const MIN_PLACEHOLDER_PEOPLE: usize = 10;

/// The dates of birth held by far more people than any birthday should
/// be, with the records holding each, sorted by date. People are told
/// apart by their names, so one person's many records count once.
fn placeholder_dates(prepared: &[Prepared]) -> Vec<((i32, u32, u32), usize)> {
    let mut people: FxHashMap<(i32, u32, u32), FxHashSet<(u32, u32)>> = FxHashMap::default();
    let mut records: FxHashMap<(i32, u32, u32), usize> = FxHashMap::default();
    for record in prepared {
        if let Some(dob) = record.dob {
            people.entry(dob).or_default().insert((record.given.id, record.family.id));
            *records.entry(dob).or_default() += 1;
        }
    }
    if people.is_empty() {
        return Vec::new();
    }
    let mean = people.values().map(FxHashSet::len).sum::<usize>() as f64 / people.len() as f64;
    let threshold = (PLACEHOLDER_RATIO * mean).max(MIN_PLACEHOLDER_PEOPLE as f64);
    let mut dates: Vec<((i32, u32, u32), usize)> =
        people.iter().filter(|(_, names)| names.len() as f64 > threshold).map(|(d, _)| (*d, records[d])).collect();
    dates.sort_unstable();
    dates
}

/// Normalises every record once, with agencies interned to numbers, each
/// given name's spelling counted over the extract and placeholder dates of
/// birth read as missing (returned with the records holding each).
fn prepare<'r>(
    records: &'r [PersonRecord],
    relations: &[Relation],
) -> (Vec<Prepared<'r>>, Vec<(famgraph_model::Date, usize)>) {
    let mut agency_ids: HashMap<&str, u32> = HashMap::new();
    let agencies: Vec<u32> = records
        .iter()
        .map(|record| {
            let next = agency_ids.len() as u32;
            *agency_ids.entry(record.agency.as_str()).or_insert(next)
        })
        .collect();
    // Each record normalised on its own (names, phonetic codes, address
    // parts), side by side in chunks kept in the records' order.
    let mut prepared: Vec<Prepared> = {
        let _span = tracing::info_span!("normalising").entered();
        estimate::map_in_order(records.len(), |i| Prepared::new(&records[i], agencies[i]))
    };
    intern(&mut prepared);
    // Spellings counted by their interned number, not hashed again.
    let n_ids = prepared.iter().map(|record| record.given.id).max().unwrap_or(0) as usize + 1;
    let mut spellings = vec![0_u32; n_ids];
    for record in &prepared {
        spellings[record.given.id as usize] += 1;
    }
    for record in &mut prepared {
        record.given.seen = spellings[record.given.id as usize];
    }
    {
        let _span = tracing::info_span!("slips_of_one_name").entered();
        compare::slips_of_one_name(&mut prepared);
    }
    let placeholders = placeholder_dates(&prepared);
    if !placeholders.is_empty() {
        for record in &mut prepared {
            if record.dob.is_some_and(|dob| placeholders.binary_search_by(|(d, _)| d.cmp(&dob)).is_ok()) {
                record.dob = None;
            }
        }
    }
    bound_birth_years(&mut prepared, relations);
    {
        let _span = tracing::info_span!("namesakes_at_home").entered();
        mark_namesakes_at_home(&mut prepared);
    }
    {
        let _span = tracing::info_span!("families_at_home").entered();
        note_families_at_home(&mut prepared);
    }
    let placeholders = placeholders
        .into_iter()
        .filter_map(|((year, month, day), n)| Some((famgraph_model::Date::from_ymd(year, month, day)?, n)))
        .collect();
    (prepared, placeholders)
}

/// Bounds the birth years of each record without a date of birth by the
/// dated parents and children its agency recorded (`BirthYears`). Bounds
/// that contradict each other (a relationship or a date keyed wrong) are
/// dropped: they would keep the record from everyone.
fn bound_birth_years(prepared: &mut [Prepared], relations: &[Relation]) {
    use compare::{BirthYears, MIN_PARENT_AGE};
    for relation in relations.iter().filter(|r| r.kind == famgraph_model::RelationshipKind::ParentOf) {
        let (parent, child) = (relation.from as usize, relation.to as usize);
        match (prepared[parent].dob, prepared[child].dob) {
            (None, Some((year, _, _))) => {
                let born = &mut prepared[parent].born;
                born.latest = born.latest.min(year - MIN_PARENT_AGE);
            }
            (Some((year, _, _)), None) => {
                let born = &mut prepared[child].born;
                born.earliest = born.earliest.max(year + MIN_PARENT_AGE);
            }
            _ => {}
        }
    }
    for record in prepared {
        if record.born.earliest > record.born.latest {
            record.born = BirthYears::ANY;
        }
    }
}

/// Numbers each distinct given name, family name and street from 1, so
/// the comparisons of millions of pairs compare numbers, not text.
fn intern(prepared: &mut [Prepared]) {
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut id_of = |text: &str| {
        if let Some(id) = ids.get(text) {
            return *id;
        }
        let id = ids.len() as u32 + 1;
        ids.insert(text.to_owned(), id);
        id
    };
    for record in prepared {
        record.given.id = id_of(&record.given.first);
        record.family.id = id_of(&record.family.full);
        if let Some(address) = &mut record.address {
            address.street_id = id_of(&address.street);
        }
    }
}

/// Marks the records whose whole name is held at their home (the same
/// postcode, or the same UPRN) by records whose dates of birth clash and
/// fall in years the record allows (`Prepared::born`).
fn mark_namesakes_at_home(prepared: &mut [Prepared]) {
    /// A home: the postcode's characters packed, or the UPRN.
    #[derive(PartialEq, Eq, Hash)]
    enum Home {
        Postcode([u8; 8]),
        Uprn(u64),
    }
    fn homes(r: &Prepared) -> [Option<Home>; 2] {
        [r.postcode_compact.map(|(bytes, _)| Home::Postcode(bytes)), r.uprn.map(Home::Uprn)]
    }
    let mut dated: FxHashMap<(u32, u32, Home), Vec<usize>> = FxHashMap::default();
    for (i, record) in prepared.iter().enumerate() {
        if record.dob.is_none() || record.given.is_initial() {
            continue;
        }
        for home in homes(record).into_iter().flatten() {
            dated.entry((record.given.id, record.family.id, home)).or_default().push(i);
        }
    }
    dated.retain(|_, members| members.len() > 1);
    // Whether two of the namesakes a record could be clash: those born in
    // years it allows (every one, for most records: worked out once).
    let clash_among = |members: &[usize], born: compare::BirthYears| {
        let could_be: Vec<&Prepared> = members
            .iter()
            .map(|&i| &prepared[i])
            .filter(|namesake| namesake.dob.is_some_and(|(year, _, _)| born.allows(year)))
            .collect();
        could_be.iter().enumerate().any(|(k, x)| could_be[k + 1..].iter().any(|y| compare::dob_clash(x, y).is_some()))
    };
    let clash_any: FxHashMap<&(u32, u32, Home), bool> =
        dated.iter().map(|(key, members)| (key, clash_among(members, compare::BirthYears::ANY))).collect();
    let marked: Vec<bool> = prepared
        .iter()
        .map(|r| {
            homes(r).into_iter().flatten().any(|home| {
                let key = (r.given.id, r.family.id, home);
                let Some(members) = dated.get(&key) else { return false };
                if r.born == compare::BirthYears::ANY { clash_any[&key] } else { clash_among(members, r.born) }
            })
        })
        .collect();
    for (record, marked) in prepared.iter_mut().zip(marked) {
        record.namesakes_at_home = marked;
    }
}

/// Notes, on each record, the family names that records of other given
/// names (other people, a first letter apart) hold at its homes, its own
/// name aside (`Prepared::families_at_home`); none where they are more
/// than a household holds.
fn note_families_at_home(prepared: &mut [Prepared]) {
    let initial = |r: &Prepared| r.given.first.as_bytes().first().copied().unwrap_or(0);
    // Every home's residents as (home, initial, family name), sorted by
    // home: one allocation, where a map of lists would make one per home.
    let mut residents: Vec<(compare::Home, u8, u32)> = prepared
        .iter()
        .filter(|r| !r.family.is_empty())
        .flat_map(|r| r.homes().into_iter().flatten().map(move |home| (home, initial(r), r.family.id)))
        .collect();
    residents.sort_unstable();
    residents.dedup();
    let at = |home: &compare::Home| {
        let start = residents.partition_point(|(h, _, _)| h < home);
        let end = start + residents[start..].partition_point(|(h, _, _)| h == home);
        &residents[start..end]
    };
    let noted: Vec<[u32; compare::MAX_FAMILIES_AT_HOME]> = estimate::map_in_order(prepared.len(), |i| {
        let r = &prepared[i];
        let mut names: Vec<u32> = (r.homes().into_iter().flatten())
            .flat_map(|home| at(&home))
            .filter(|&&(_, letter, family)| letter != initial(r) && family != r.family.id)
            .map(|&(_, _, family)| family)
            .collect();
        names.sort_unstable();
        names.dedup();
        let mut noted = [0; compare::MAX_FAMILIES_AT_HOME];
        if names.len() <= noted.len() {
            noted[..names.len()].copy_from_slice(&names);
        }
        noted
    });
    for (record, noted) in prepared.iter_mut().zip(noted) {
        record.families_at_home = noted;
    }
}

/// The records sorted by agency and record id, and each record's position
/// in that order: an order that does not depend on the order of the input
/// rows. Rows with the same agency and id (which validation rejects) fall
/// back to input order.
fn intrinsic_order(records: &[PersonRecord]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..records.len() as u32).collect();
    order.sort_by(|x, y| {
        let (a, b) = (&records[*x as usize], &records[*y as usize]);
        (a.agency.as_str(), a.record_id.as_str()).cmp(&(b.agency.as_str(), b.record_id.as_str()))
    });
    let mut rank = vec![0; records.len()];
    for (position, record_idx) in order.iter().enumerate() {
        rank[*record_idx as usize] = position as u32;
    }
    (order, rank)
}

#[cfg(test)]
mod tests;
