//! Estimating the match model from the records themselves, as Splink and
//! the Fellegi-Sunter literature do, since agencies have no ground truth:
//!
//! - **u** (how often each level occurs between two *different* people)
//!   from pairs of records drawn at random: nearly all of them are
//!   different people. Every pair is counted when there are fewer
//!   than the sample size.
//! - **Term frequencies**: how common each value is. Agreeing on "Smith"
//!   happens by chance far more often than agreeing on "Okonkwo-Bright", so
//!   an exact match on a value weighs log2(m / tf(value)) rather than
//!   log2(m / u): the field's weight plus log2(u / tf(value)). A given
//!   name shared by two records born within a year of each other is
//!   weighed by its share of the people born that year, since names
//!   follow fashion (`GivenByYear`).
//! - **m** (how often each level occurs for the *same* person) and λ (the
//!   probability that two records drawn at random are one person) by
//!   expectation maximisation over the compared pairs, with u held fixed.
//!   Pairs that blocking did not compare are taken as different people,
//!   so λ is over all pairs of records and a match probability is a
//!   posterior over the whole population, not just the candidates. Pairs
//!   that a rule forbids (`compare::Conflict`) are not matches either.
//!
//! All of it is deterministic: the random pairs come from a fixed seed.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::hash::Hash;

use crate::compare::{self, Prepared};
use crate::model::{Field, Levels, MAX_LEVELS, MIN_PROBABILITY, N_FIELDS, Table, level};
use crate::relatives::Relatives;

/// How strongly the starting m probabilities pull on the estimate, in
/// pseudo-matches: enough to steady a level seen a handful of times, too
/// few to matter once thousands of matches are seen.
const M_PSEUDO_COUNT: f64 = 20.0;

/// The EM stops when no m probability moves by more than this, and λ by
/// less than this fraction.
const EM_TOLERANCE: f64 = 1e-5;

/// The seed of the random pairs for u: fixed, so a load is reproducible.
const SAMPLE_SEED: u64 = 0x5eed_f00d_cafe_d00d;

/// The fields whose exact level is adjusted for how common the value is.
/// NHS numbers are unique to a person, so theirs is not.
pub(crate) const TF_FIELDS: [Field; 6] =
    [Field::GivenName, Field::FamilyName, Field::DateOfBirth, Field::Address, Field::Postcode, Field::Uprn];

/// How common each record's values are, as the share of the records that
/// hold a value in that field.
#[derive(Debug, Clone)]
pub(crate) struct TermFrequencies {
    records: Vec<RecordFrequencies>,
}

/// One record's term frequencies; 0 where the field is missing.
#[derive(Debug, Clone, Copy, Default)]
struct RecordFrequencies {
    given: f32,
    /// Of the family name's forms (`FamilyName::forms`): the whole name,
    /// then up to two parts; further parts share the last slot.
    family: [f32; FAMILY_FORMS],
    dob: f32,
    address: f32,
    postcode: f32,
    uprn: f32,
    /// Of the given and family names together, among people told apart by
    /// their dates of birth.
    full_name: f32,
    /// Of the given name among the other people born in the record's year
    /// (see `GivenByYear`); 0 without a date of birth.
    given_in_year: f32,
}

const FAMILY_FORMS: usize = 3;

impl TermFrequencies {
    /// Counts people, not records: one person held by six agencies would
    /// otherwise make their rare surname look six times as common as it
    /// is, and the families that matter most here are held by many
    /// agencies. Agencies share no identifier, so a value is counted once
    /// per other name it comes with: a surname once per given name, every
    /// other field once per given name.
    pub(crate) fn new<'r>(records: &'r [Prepared]) -> TermFrequencies {
        // Names by their interned numbers (`intern`): hashing numbers, not text.
        let first = |r: &'r Prepared| r.given.id;
        // Eight counts over every record, on the machine's cores.
        let (given, dob, postcode, address, full_name, uprn, given_by_year, family) = std::thread::scope(|scope| {
            let given = scope.spawn(|| {
                Counts::new(records.iter().map(|r| (!r.given.is_initial()).then_some((r.given.id, r.family.id))))
            });
            let dob = scope.spawn(|| Counts::new(records.iter().map(|r| r.dob.map(|d| (d, first(r))))));
            let postcode =
                scope.spawn(|| Counts::new(records.iter().map(|r| r.postcode.map(|p| (p.as_str(), first(r))))));
            let address =
                scope.spawn(|| Counts::new(records.iter().map(|r| r.address.as_ref().map(|a| (a, first(r))))));
            // How many people share a whole name, told apart by date of
            // birth: names are not independent (a family's names, a
            // community's), and in a county of a million a rare-looking
            // pair of names is held by several people.
            let full_name = scope.spawn(|| {
                Counts::new(records.iter().map(|r| {
                    (!r.given.is_initial() && !r.family.is_empty()).then_some(((r.given.id, r.family.id), r.dob))
                }))
            });
            let uprn = scope.spawn(|| Counts::new(records.iter().map(|r| r.uprn.map(|u| (u, first(r))))));
            let given_by_year = scope.spawn(|| GivenByYear::new(records));
            // Every form a record's family name can match on counts.
            let family = Counts::new(
                records.iter().flat_map(|r| r.family.forms().filter(|f| !f.is_empty()).map(|f| Some((f, first(r))))),
            );
            let joined = "a term-frequency count panicked";
            (
                given.join().expect(joined),
                dob.join().expect(joined),
                postcode.join().expect(joined),
                address.join().expect(joined),
                full_name.join().expect(joined),
                uprn.join().expect(joined),
                given_by_year.join().expect(joined),
                family,
            )
        });
        let records = records
            .iter()
            .map(|r| {
                let given_tf = if r.given.is_initial() { 0.0 } else { given.share(&r.given.id) };
                let mut family_tf = [0.0_f32; FAMILY_FORMS];
                for (slot, form) in r.family.forms().enumerate().filter(|(_, f)| !f.is_empty()) {
                    let slot = slot.min(FAMILY_FORMS - 1);
                    family_tf[slot] = family_tf[slot].max(family.share(&form));
                }
                RecordFrequencies {
                    given: given_tf,
                    given_in_year: given_by_year.share(r, given_tf),
                    family: family_tf,
                    dob: r.dob.map_or(0.0, |d| dob.share(&d)),
                    address: r.address.as_ref().map_or(0.0, |a| address.share(&a)),
                    postcode: r.postcode.map_or(0.0, |p| postcode.share(&p.as_str())),
                    uprn: r.uprn.map_or(0.0, |u| uprn.share(&u)),
                    full_name: if r.given.is_initial() || r.family.is_empty() {
                        0.0
                    } else {
                        full_name.share(&(r.given.id, r.family.id))
                    },
                }
            })
            .collect();
        TermFrequencies { records }
    }

    /// The term-frequency adjustment of each field for a pair, in bits:
    /// log2(u / tf(value)) where the field is at its exact level, else 0.
    /// `log2_u_exact` is log2 of each field's exact-level u.
    pub(crate) fn adjustments(
        &self,
        (a_idx, b_idx): (u32, u32),
        (a, b): (&Prepared, &Prepared),
        levels: &Levels,
        log2_u_exact: &[f64; N_FIELDS],
    ) -> [f64; N_FIELDS] {
        let mut adjustments = [0.0; N_FIELDS];
        let (x, y) = (&self.records[a_idx as usize], &self.records[b_idx as usize]);
        let mut adjust = |field: Field, share: f32| {
            if share > 0.0 && log2_u_exact[field as usize] != 0.0 {
                adjustments[field as usize] = log2_u_exact[field as usize] - f64::from(share).log2();
            }
        };
        if levels[Field::GivenName as usize] == Some(level::GIVEN_EXACT) {
            // Two people born in one year share a given name more often
            // than two people at random: names come in and out of fashion,
            // and a name tells the sex. Where the years of birth are
            // within a year, the name is as common as it is in their year.
            let born_together = a.dob.zip(b.dob).is_some_and(|(p, q)| (p.0 - q.0).abs() <= 1);
            let share = if born_together {
                x.given.max(y.given).max(x.given_in_year).max(y.given_in_year)
            } else {
                x.given.max(y.given)
            };
            adjust(Field::GivenName, share);
        }
        if levels[Field::FamilyName as usize] == Some(level::FAMILY_EXACT) {
            // The commonest form the two names share: the weaker evidence.
            let mut share = 0.0_f32;
            for (i, form_a) in a.family.forms().enumerate() {
                for (j, form_b) in b.family.forms().enumerate() {
                    if form_a == form_b {
                        share = share.max(x.family[i.min(FAMILY_FORMS - 1)]).max(y.family[j.min(FAMILY_FORMS - 1)]);
                    }
                }
            }
            adjust(Field::FamilyName, share);
        }
        if levels[Field::DateOfBirth as usize] == Some(level::DOB_EXACT) {
            adjust(Field::DateOfBirth, x.dob.max(y.dob));
        }
        if levels[Field::Address as usize] == Some(level::ADDRESS_EXACT) {
            adjust(Field::Address, x.address.max(y.address));
        }
        if levels[Field::Postcode as usize] == Some(level::POSTCODE_EXACT) {
            adjust(Field::Postcode, x.postcode.max(y.postcode));
        }
        if levels[Field::Uprn as usize] == Some(level::ID_EXACT) {
            adjust(Field::Uprn, x.uprn.max(y.uprn));
        }
        if crate::model::home_counts_once(levels) {
            // The home counts once, at its level's weight alone.
            for field in crate::model::HOME_FIELDS {
                adjustments[field as usize] = 0.0;
            }
        }
        if levels[Field::GivenName as usize] == Some(level::GIVEN_EXACT)
            && levels[Field::FamilyName as usize] == Some(level::FAMILY_EXACT)
        {
            // The two names together weigh no more than the whole name's
            // share of the people allows; the excess comes off the given
            // name, whose adjustment the explanation then shows smaller.
            let (given, family) = (Field::GivenName as usize, Field::FamilyName as usize);
            let share = x.full_name.max(y.full_name);
            if share > 0.0 && log2_u_exact[given] != 0.0 && log2_u_exact[family] != 0.0 {
                let joint = log2_u_exact[given] + log2_u_exact[family] - f64::from(share).log2();
                let excess = adjustments[given] + adjustments[family] - joint;
                if excess > 0.0 {
                    adjustments[given] -= excess;
                }
            }
        }
        adjustments
    }
}

/// How common each given name is among the people born in each year: a
/// person being a given and family name with a year of birth, as in
/// `Counts`.
struct GivenByYear {
    /// People per given name and year of birth.
    counts: HashMap<(u32, i32), u32>,
    /// People per year of birth.
    years: HashMap<i32, u32>,
}

impl GivenByYear {
    fn new(records: &[Prepared]) -> GivenByYear {
        let distinct: HashSet<(u32, i32, u32)> = records
            .iter()
            .filter(|r| !r.given.is_initial())
            .filter_map(|r| Some((r.given.id, r.dob?.0, r.family.id)))
            .collect();
        let mut counts: HashMap<(u32, i32), u32> = HashMap::default();
        let mut years: HashMap<i32, u32> = HashMap::default();
        for (given, year, _) in &distinct {
            *counts.entry((*given, *year)).or_default() += 1;
            *years.entry(*year).or_default() += 1;
        }
        GivenByYear { counts, years }
    }

    /// The chance that another person born in the record's year holds its
    /// given name, `overall` being the name's share of everyone: the
    /// record's own person left out, and the year's count pulled towards
    /// `overall` by one pseudo-person (a prior worth one sighting of the
    /// name), so a year of a few people does not make a name look common
    /// from one namesake. 0 without a date of birth.
    fn share(&self, record: &Prepared, overall: f32) -> f32 {
        let Some((year, _, _)) = record.dob else { return 0.0 };
        if overall <= 0.0 {
            return 0.0;
        }
        let others = |count: u32| f64::from(count.saturating_sub(1));
        let named = others(self.counts.get(&(record.given.id, year)).copied().unwrap_or(0));
        let born = others(self.years.get(&year).copied().unwrap_or(0));
        let overall = f64::from(overall);
        ((named + 1.0) / (born + 1.0 / overall)) as f32
    }
}

/// How many distinct people hold each value of one field, a person being
/// told apart by a second value that comes with it.
struct Counts<K> {
    counts: HashMap<K, u32>,
    n: u32,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new<D: Hash + Eq>(values: impl Iterator<Item = Option<(K, D)>>) -> Counts<K> {
        let distinct: HashSet<(K, D)> = values.flatten().collect();
        let mut counts: HashMap<K, u32> = HashMap::default();
        for (value, _) in &distinct {
            *counts.entry(value.clone()).or_default() += 1;
        }
        Counts { counts, n: distinct.len() as u32 }
    }

    fn share(&self, value: &K) -> f32 {
        self.counts.get(value).map_or(0.0, |count| *count as f32 / self.n as f32)
    }
}

/// The number of pairs of records: the pairs that could be one person.
pub(crate) fn all_pairs(records: &[Prepared]) -> f64 {
    let n = records.len() as f64;
    n * (n - 1.0) / 2.0
}

/// u: the share of each field's non-null comparisons at each level, among
/// up to `max_pairs` pairs of records (all of them if there are fewer).
/// Random pairs are drawn by position in `order` (the records in an order
/// of their own, not of the input rows), so the estimate does not depend
/// on how the rows were ordered. Returns the table and the number of
/// pairs looked at.
pub(crate) fn estimate_u(records: &[Prepared], order: &[u32], max_pairs: usize, n_pairs_all: f64) -> (Table, usize) {
    let exhaustive = n_pairs_all <= max_pairs as f64;
    // Each chunk is a fixed share of the work with its own seed, so the
    // counts do not depend on how many threads there are; integer counts
    // in f64 add up exactly in any order.
    let chunk_counts = in_chunks(|chunk| {
        let mut counts = [[0.0_f64; MAX_LEVELS]; N_FIELDS];
        let mut n_pairs = 0_usize;
        let mut count = |a: &Prepared, b: &Prepared| {
            for (field, level) in compare::levels(a, b).iter().enumerate() {
                if let Some(level) = level {
                    counts[field][usize::from(*level)] += 1.0;
                }
            }
        };
        if exhaustive {
            for (i, a) in records.iter().enumerate().skip(chunk).step_by(U_CHUNKS) {
                for b in &records[i + 1..] {
                    count(a, b);
                    n_pairs += 1;
                }
            }
        } else if n_pairs_all >= 1.0 {
            let mut rng = SplitMix(SAMPLE_SEED ^ (chunk as u64).wrapping_mul(0x9e37_79b9));
            let n = records.len() as u64;
            let target = max_pairs / U_CHUNKS + usize::from(chunk < max_pairs % U_CHUNKS);
            while n_pairs < target {
                let (i, j) = (order[rng.below(n) as usize] as usize, order[rng.below(n) as usize] as usize);
                if i != j {
                    count(&records[i], &records[j]);
                    n_pairs += 1;
                }
            }
        }
        (counts, n_pairs)
    });
    let mut counts = [[0.0_f64; MAX_LEVELS]; N_FIELDS];
    let mut n_pairs = 0;
    for (chunk, n) in chunk_counts {
        n_pairs += n;
        for (total, part) in counts.iter_mut().flatten().zip(chunk.iter().flatten()) {
            *total += part;
        }
    }
    let mut u = [[0.0; MAX_LEVELS]; N_FIELDS];
    for field in Field::ALL {
        let row = &counts[field as usize];
        let n_levels = field.level_labels().len();
        let total: f64 = row[..n_levels].iter().sum();
        for level in 0..n_levels {
            // A level never seen is put at half of one sighting: rare, but
            // not impossible.
            u[field as usize][level] = if total > 0.0 { row[level].max(0.5) / total } else { 0.0 };
        }
    }
    (u, n_pairs)
}

/// How many pieces parallel work is cut into: a fixed number, so results
/// never depend on how many cores the machine has.
pub(crate) const U_CHUNKS: usize = 16;

/// The `chunk`th of `U_CHUNKS` near-equal pieces of `items`.
pub(crate) fn chunk_of<T>(items: &[T], chunk: usize) -> &[T] {
    &items[chunk_range(items.len(), chunk)]
}

/// The `chunk`th of `U_CHUNKS` near-equal ranges of `0..n`.
fn chunk_range(n: usize, chunk: usize) -> std::ops::Range<usize> {
    let size = n.div_ceil(U_CHUNKS);
    let start = (chunk * size).min(n);
    start..(start + size).min(n)
}

/// `work(i)` for each `i` in `0..n`, worked out side by side in chunks and
/// returned in order: the same on any number of cores.
pub(crate) fn map_in_order<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let chunks = in_chunks(|chunk| chunk_range(n, chunk).map(&work).collect::<Vec<_>>());
    let mut all = Vec::with_capacity(n);
    for chunk in chunks {
        all.extend(chunk);
    }
    all
}

/// Runs `work` for chunks `0..U_CHUNKS` on as many threads as the machine
/// has, returning the results in chunk order.
pub(crate) fn in_chunks<T: Send>(work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let n_threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(U_CHUNKS);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..n_threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let chunk = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if chunk >= U_CHUNKS {
                            return done;
                        }
                        done.push((chunk, work(chunk)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a linkage worker thread panicked")).collect()
    });
    results.sort_unstable_by_key(|(chunk, _)| *chunk);
    results.into_iter().map(|(_, result)| result).collect()
}

/// u of the relatives field (shared, none shared, housemate shared):
/// among random pairs of records with recorded relatives or housemates,
/// by position in `order`, those the field compares (`Relatives::level`,
/// with the pair's postcode level from `postcode`). Returns the three
/// shares and the pairs looked at.
pub(crate) fn estimate_relatives_u(
    order: &[u32],
    relatives: &Relatives,
    postcode: impl Fn(u32, u32) -> Option<u8>,
    max_pairs: usize,
) -> ([f64; 3], usize) {
    let with: Vec<u32> = order.iter().copied().filter(|r| relatives.has_any(*r)).collect();
    let mut counts = [0.0_f64; 3];
    let mut n_pairs = 0_usize;
    let mut count = |a: u32, b: u32| {
        if a != b
            && let Some(level) = relatives.level(a, b, postcode(a, b))
        {
            counts[usize::from(level)] += 1.0;
            n_pairs += 1;
        }
    };
    let n = with.len();
    if n * n.saturating_sub(1) / 2 <= max_pairs {
        for (i, a) in with.iter().enumerate() {
            for b in &with[i + 1..] {
                count(*a, *b);
            }
        }
    } else {
        let mut rng = SplitMix(SAMPLE_SEED ^ 0x7e1a);
        for _ in 0..max_pairs {
            count(with[rng.below(n as u64) as usize], with[rng.below(n as u64) as usize]);
        }
    }
    let total = counts.iter().sum::<f64>().max(1.0);
    (counts.map(|n| n.max(0.5) / total), n_pairs)
}

/// A compared pair as the EM sees it: its levels and the sum of its
/// term-frequency adjustments, which do not change as m does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ComparedPair {
    pub levels: Levels,
    pub tf_adjustment: f64,
}

impl ComparedPair {
    /// The same comparison with the relatives field at `level` (known only
    /// in the second pass).
    pub(crate) fn with_relatives(&self, level: Option<u8>) -> ComparedPair {
        let mut levels = self.levels;
        levels[Field::Relatives as usize] = level;
        ComparedPair { levels, ..*self }
    }
}

/// What the EM found.
#[derive(Debug, Clone)]
pub(crate) struct EmResult {
    pub m: Table,
    /// log2 of the prior odds that two records are one person.
    pub prior_log2_odds: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Estimates m and λ by expectation maximisation over the compared pairs,
/// with u fixed; `m_start` both starts the iteration and, weighted by
/// `M_PSEUDO_COUNT`, steadies rarely seen levels. The pairs are read once:
/// the EM keeps each pair's set of levels as a number and its adjustment,
/// not a copy of the comparison.
pub(crate) fn estimate_m(
    pairs: impl Iterator<Item = ComparedPair>,
    u: &Table,
    m_start: &Table,
    n_pairs_all: f64,
    max_iterations: usize,
) -> EmResult {
    let mut m = *m_start;
    // Pairs with the same levels differ only by their term-frequency
    // adjustment: each distinct set of levels (a few thousand among
    // millions of pairs) is weighed once an iteration, and the pairs'
    // probabilities are summed per set before they are spread over levels.
    let mut combo_of: HashMap<Levels, u32> = HashMap::default();
    let mut combos: Vec<Levels> = Vec::new();
    let (combo_idx, tf_adjustment): (Vec<u32>, Vec<f64>) = pairs
        .map(|pair| {
            let combo = *combo_of.entry(pair.levels).or_insert_with(|| {
                combos.push(pair.levels);
                (combos.len() - 1) as u32
            });
            (combo, pair.tf_adjustment)
        })
        .unzip();
    drop(combo_of);
    // Start as if a third of the compared pairs were matches.
    let mut lambda = (combo_idx.len() as f64 / 3.0 / n_pairs_all.max(1.0)).clamp(1e-12, 0.5);
    let mut iterations = 0;
    let mut converged = false;
    let mut combo_p = vec![0.0_f64; combos.len()];
    while iterations < max_iterations && !converged {
        iterations += 1;
        let weights = log2_ratios(&m, u);
        let prior = (lambda / (1.0 - lambda)).log2();
        let combo_weight: Vec<f64> = combos.iter().map(|levels| crate::model::table_total(&weights, levels)).collect();
        combo_p.fill(0.0);
        let mut total_match = 0.0;
        for (&adjustment, &combo) in tf_adjustment.iter().zip(&combo_idx) {
            let p = crate::match_probability(combo_weight[combo as usize] + adjustment, prior);
            total_match += p;
            combo_p[combo as usize] += p;
        }
        let mut matched = [[0.0_f64; MAX_LEVELS]; N_FIELDS];
        for (levels, p) in combos.iter().zip(&combo_p) {
            for (field, level) in levels.iter().enumerate() {
                if let Some(level) = level {
                    matched[field][usize::from(*level)] += p;
                }
            }
        }
        let mut largest_change: f64 = 0.0;
        for field in Field::ALL {
            let f = field as usize;
            let n_levels = field.level_labels().len();
            let seen: f64 = matched[f][..n_levels].iter().sum();
            for level in 0..n_levels {
                let next = (matched[f][level] + M_PSEUDO_COUNT * m_start[f][level]) / (seen + M_PSEUDO_COUNT);
                largest_change = largest_change.max((next - m[f][level]).abs());
                m[f][level] = next;
            }
        }
        let next_lambda = (total_match / n_pairs_all.max(1.0)).clamp(1e-15, 0.5);
        converged = largest_change < EM_TOLERANCE && (next_lambda / lambda - 1.0).abs() < EM_TOLERANCE * 100.0;
        lambda = next_lambda;
    }
    EmResult { m, prior_log2_odds: (lambda / (1.0 - lambda)).log2(), iterations, converged }
}

/// log2(m/u) per level, with both clamped away from zero.
pub(crate) fn log2_ratios(m: &Table, u: &Table) -> Table {
    let mut weights = [[0.0; MAX_LEVELS]; N_FIELDS];
    for field in Field::ALL {
        let f = field as usize;
        for level in 0..field.level_labels().len() {
            weights[f][level] = (m[f][level].max(MIN_PROBABILITY) / u[f][level].max(MIN_PROBABILITY)).log2();
        }
    }
    weights
}

/// `SplitMix64`: a small, well-mixed generator, enough to pick pairs (and
/// to make test data).
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is negligible
    /// for n far below 2^64).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn em_recovers_a_planted_model() {
        // Two fields with two levels each; u fixed; 10,000 matches agreeing
        // on each 90% of the time, and 90,000 non-matches agreeing 10%.
        let mut u = [[0.0; MAX_LEVELS]; N_FIELDS];
        let mut start = [[0.0; MAX_LEVELS]; N_FIELDS];
        for field in Field::ALL {
            let n_levels = field.level_labels().len();
            for level in 0..n_levels {
                u[field as usize][level] = 1.0 / n_levels as f64;
                start[field as usize][level] = 1.0 / n_levels as f64;
            }
        }
        u[Field::Sex as usize][..2].copy_from_slice(&[0.1, 0.9]);
        u[Field::Uprn as usize][..2].copy_from_slice(&[0.1, 0.9]);
        let mut pairs = Vec::new();
        let mut push = |sex: u8, uprn: u8, n: usize| {
            let mut levels = [None; N_FIELDS];
            levels[Field::Sex as usize] = Some(sex);
            levels[Field::Uprn as usize] = Some(uprn);
            pairs.extend(std::iter::repeat_n(ComparedPair { levels, tf_adjustment: 0.0 }, 10 * n));
        };
        // Matches: 810 agree on both, 90 + 90 on one, 10 on neither.
        // Non-matches: 90, 810 + 810, 7,290.
        push(0, 0, 810 + 90);
        push(0, 1, 90 + 810);
        push(1, 0, 90 + 810);
        push(1, 1, 10 + 7290);
        let result = estimate_m(pairs.iter().copied(), &u, &start, 100_000.0, 500);
        assert!(result.converged, "{result:?}");
        let m = result.m[Field::Sex as usize][0];
        assert!((m - 0.9).abs() < 0.02, "m {m}");
        let lambda = 1.0 / (1.0 + (-result.prior_log2_odds).exp2());
        assert!((lambda - 0.1).abs() < 0.01, "lambda {lambda}");
    }

    #[test]
    fn splitmix_is_uniform_enough() {
        let mut rng = SplitMix(1);
        let mut buckets = [0_u32; 10];
        for _ in 0..100_000 {
            buckets[rng.below(10) as usize] += 1;
        }
        assert!(buckets.iter().all(|b| (9_500..10_500).contains(b)), "{buckets:?}");
    }
}
