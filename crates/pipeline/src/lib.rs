//! One load, from a validated bundle to the analysed [`Snapshot`] every
//! request reads: link the records into people, group them into
//! households and families, analyse, and attach the cohorts.
//!
//! This is the only place the stages are put together. The binary, the
//! benchmarks and the fuzz targets all call [`build`], so what is fuzzed
//! and measured is what is served. No DuckDB here: the cohort queries are
//! SQL, run by whoever builds (`CohortQueries`), and reading and storing
//! bundles belongs to `famgraph-ingest`.
//!
//! Invariants, as absences: no global settings (they are passed in); no
//! I/O; no logging of record contents.

pub mod areas;
mod cohorts;
pub mod records;
pub mod review;
pub mod search;
pub mod unit_values;

use famgraph_analysis::{Analysis, Config, Rulesets};
use famgraph_graph::FamilyGraph;
use famgraph_link::{LinkConfig, Linkage};
use famgraph_model::{Bundle, Date, LoadReport};

pub use cohorts::{Cohort, CohortMember, Cohorts};
pub use famgraph_graph::KnownIds;

/// What a partnership configures about a load: the score's weights and the
/// programme rulesets families are assessed against.
#[derive(Debug, Clone)]
pub struct Settings {
    pub analysis: Config,
    pub rulesets: Rulesets,
    /// The partnership's area denominators (`areas.csv`), for rates.
    pub areas: Vec<areas::Area>,
    /// The value of each outcome (`unit-values.csv`; the bundled form,
    /// which values none, without one).
    pub unit_values: Vec<unit_values::UnitValue>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            analysis: Config::default(),
            rulesets: Rulesets::bundled(),
            areas: Vec::new(),
            unit_values: unit_values::bundled(),
        }
    }
}

/// One complete, analysed load: what every request reads.
pub struct Snapshot {
    pub graph: FamilyGraph,
    pub analysis: Analysis,
    pub report: LoadReport,
    /// The programme rulesets families are assessed against.
    pub rulesets: Rulesets,
    /// The partnership's area denominators, for the evidence's rates.
    pub areas: Vec<areas::Area>,
    /// The value of each outcome, for the evidence's cost-benefit.
    pub unit_values: Vec<unit_values::UnitValue>,
    /// The named cohort queries' results.
    pub cohorts: Cohorts,
    /// This load's fingerprint ([`load_fingerprint`]): audit entries carry
    /// it, so a family id in one can be read against the load that gave it.
    pub load: String,
    /// The records' names indexed for search, made on the first search.
    pub(crate) search_index: std::sync::OnceLock<search::Index>,
    /// The links worth a look, worked out on the first request for them.
    pub(crate) review_queue: std::sync::OnceLock<Vec<review::Item>>,
    /// Each family's needs in the window as bits (`Need::ALL` order), for
    /// filters that scan every family: a dense array reads far faster
    /// than each family's analysis.
    pub(crate) need_bits: std::sync::OnceLock<Vec<u16>>,
}

impl Snapshot {
    /// Works out now what requests would otherwise work out on their
    /// first asking: the records' names indexed for search, and the links
    /// worth a look.
    pub fn warm(&self) {
        self.search_index.get_or_init(|| search::Index::new(self));
        review::queue(self);
        self.need_bits();
    }

    /// Each family's needs in the window as bits: bit `i` for
    /// `Need::ALL[i]`.
    pub fn need_bits(&self) -> &[u16] {
        self.need_bits.get_or_init(|| {
            self.analysis.families.iter().map(|f| f.needs.keys().fold(0, |bits, need| bits | need_bit(*need))).collect()
        })
    }
}

/// A need's bit in [`Snapshot::need_bits`].
pub fn need_bit(need: famgraph_model::Need) -> u16 {
    let i = famgraph_model::Need::ALL.iter().position(|&n| n == need).expect("every need is in Need::ALL");
    1 << i
}

/// Runs the named cohort queries over a grouped load. The binary runs
/// them with DuckDB (`queries/cohorts/`); [`NoCohorts`] runs none.
pub trait CohortQueries: Sync {
    fn run(&self, graph: &FamilyGraph, as_of: Date) -> Cohorts;
}

/// No cohort queries: for builds without DuckDB (the fuzz targets).
pub struct NoCohorts;

impl CohortQueries for NoCohorts {
    fn run(&self, _: &FamilyGraph, _: Date) -> Cohorts {
        Cohorts::default()
    }
}

/// Links a validated bundle's records into people, with the partnership's
/// overrides and the relatives its agencies recorded.
pub fn link(bundle: &Bundle) -> Linkage {
    let overrides = famgraph_link::overrides_of(&bundle.people, &bundle.overrides);
    let relations = famgraph_link::relations_of(&bundle.people, &bundle.relationships);
    famgraph_link::link_with(&bundle.people, &LinkConfig::default(), &overrides, &relations)
}

/// The rows of a partnership's CSV file beside its configuration
/// (`origin` names it in errors): each row's line and its `columns`, found
/// in the header in any order and case (a byte-order mark ignored), a
/// missing cell read as empty; or which column is missing, or which line
/// cannot be read.
pub(crate) fn csv_rows<const N: usize>(
    text: &str,
    origin: &str,
    columns: [&str; N],
) -> Result<Vec<(usize, [String; N])>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let mut at = [0; N];
    for (slot, name) in at.iter_mut().zip(columns) {
        *slot = column(name).ok_or_else(|| format!("{origin}: no `{name}` column (expected {})", columns.join(",")))?;
    }
    reader
        .records()
        .enumerate()
        .map(|(i, record)| {
            let line = i + 2;
            let record = record.map_err(|e| format!("{origin}, line {line}: {e}"))?;
            Ok((line, at.map(|k| record.get(k).unwrap_or("").to_owned())))
        })
        .collect()
}

/// SHA-256 digest bytes as lower-case hex.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// What a linkage was made from, as the key a stored one is kept under:
/// the SHA-256 (hex) of the records, the relationships and the
/// partnership's corrections it linked, and of the famgraph (and its
/// `LINKAGE_VERSION`) that linked them. Linkage is deterministic, so a
/// stored linkage with the same key is the one linking again would make.
#[tracing::instrument(skip_all)]
pub fn linkage_key(bundle: &Bundle) -> String {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    hash.update(format!(
        "{} {}\nlinkage {}\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        famgraph_link::LINKAGE_VERSION
    ));
    // Every field, each with its length or a flag for a missing one, so no
    // two bundles write the same bytes; hashed a few thousand rows at a time.
    let mut w = famgraph_model::bytes::Writer::new(b"");
    let mut rows = 0_usize;
    let mut row_done = |w: &mut famgraph_model::bytes::Writer, hash: &mut sha2::Sha256| {
        rows += 1;
        if rows.is_multiple_of(4096) {
            hash.update(w.bytes());
            w.clear();
        }
    };
    let date = |d: Option<famgraph_model::Date>| d.map(|d| u64::from(d.days().cast_unsigned()));
    w.u64(bundle.people.len());
    for r in &bundle.people {
        for text in [&r.agency, &r.record_id, &r.given_name, &r.family_name] {
            w.str(text);
        }
        w.opt_u64(date(r.date_of_birth));
        w.str(r.sex.code());
        w.opt_str(r.address.as_deref());
        w.opt_str(r.postcode.as_ref().map(famgraph_model::Postcode::as_str));
        w.opt_u64(r.uprn);
        w.opt_u64(r.nhs_number.map(famgraph_model::NhsNumber::value));
        row_done(&mut w, &mut hash);
    }
    w.u64(bundle.relationships.len());
    for r in &bundle.relationships {
        for text in [&r.agency, &r.from_record, &r.to_record] {
            w.str(text);
        }
        w.str(r.kind.code());
        w.opt_u64(date(r.start_date));
        w.opt_u64(date(r.end_date));
        row_done(&mut w, &mut hash);
    }
    w.u64(bundle.overrides.len());
    for o in &bundle.overrides {
        w.str(o.decision.code());
        for text in [&o.a.agency, &o.a.record_id, &o.b.agency, &o.b.record_id] {
            w.str(text);
        }
        row_done(&mut w, &mut hash);
    }
    hash.update(w.bytes());
    hex(&hash.finalize())
}

/// The bundle's linkage: the stored one (`(key, bytes)` as a load kept
/// it) when its key is this bundle's, else linked again, saying why; and
/// whether it was the stored one.
pub fn link_reusing(bundle: &Bundle, stored: Option<(&str, &[u8])>) -> (Linkage, bool) {
    if let Some((key, bytes)) = stored {
        if key == linkage_key(bundle) {
            if let Some(linkage) = read_back(bundle, bytes) {
                return (linkage, true);
            }
        } else {
            tracing::info!("the records or corrections differ from those the load linked: linking again");
        }
    }
    (link(bundle), false)
}

/// A stored linkage (`bytes`, kept under this bundle's [`linkage_key`])
/// read back, or `None`, saying why, when it cannot be.
pub fn read_back(bundle: &Bundle, bytes: &[u8]) -> Option<Linkage> {
    match famgraph_link::stored::decode(bytes) {
        Ok(linkage) if linkage.person_of.len() == bundle.people.len() => {
            tracing::info!(n_people = linkage.n_people, "the load's linkage read back: not linking again");
            Some(linkage)
        }
        Ok(_) => {
            tracing::warn!("the stored linkage is not of these records: linking again");
            None
        }
        Err(why) => {
            tracing::warn!(%why, "the stored linkage cannot be read: linking again");
            None
        }
    }
}

/// The whole load: links, groups and analyses a validated bundle. Person
/// and family ids are named by their records, the same in any row order.
pub fn build(bundle: Bundle, report: LoadReport, settings: &Settings, cohorts: &dyn CohortQueries) -> Snapshot {
    build_following(bundle, report, settings, cohorts, &KnownIds::default())
}

/// [`build`], keeping an earlier load's person and family ids (`known`,
/// from [`FamilyGraph::known_ids`] or a stored load) for the people and
/// families that hold most of the same records.
pub fn build_following(
    bundle: Bundle,
    report: LoadReport,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
    known: &KnownIds,
) -> Snapshot {
    build_reusing(bundle, report, settings, cohorts, known, None)
}

/// [`build_following`], reading the linkage back from a stored load
/// (`stored`: its key and bytes) when it was made from these records and
/// corrections ([`link_reusing`]).
pub fn build_reusing(
    bundle: Bundle,
    report: LoadReport,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
    known: &KnownIds,
    stored: Option<(&str, &[u8])>,
) -> Snapshot {
    let (linkage, _) = link_reusing(&bundle, stored);
    assemble(bundle, report, linkage, settings, cohorts, known)
}

/// Groups and analyses a bundle already linked (the stages after
/// [`link`], for timing them apart).
pub fn build_linked(
    bundle: Bundle,
    report: LoadReport,
    linkage: Linkage,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
) -> Snapshot {
    assemble(bundle, report, linkage, settings, cohorts, &KnownIds::default())
}

/// Groups and analyses a bundle already linked, keeping an earlier load's
/// ids (`known`), as [`build_following`] does after linking.
pub fn assemble(
    bundle: Bundle,
    report: LoadReport,
    linkage: Linkage,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
    known: &KnownIds,
) -> Snapshot {
    assemble_graph(famgraph_graph::build_following(bundle, linkage, known), report, settings, cohorts)
}

/// Analyses a built graph into the snapshot served.
pub fn assemble_graph(
    graph: FamilyGraph,
    report: LoadReport,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
) -> Snapshot {
    // Three readings of the graph, side by side: the analyses, the cohort
    // queries (in DuckDB) and the load's fingerprint.
    let (analysis, cohorts, load) = std::thread::scope(|scope| {
        let cohorts = scope.spawn(|| cohorts.run(&graph, graph.as_of()));
        let load = scope.spawn(|| load_fingerprint(&graph));
        let analysis = famgraph_analysis::analyse(&graph, &settings.analysis);
        let joined = "a reading of the graph panicked";
        (analysis, cohorts.join().expect(joined), load.join().expect(joined))
    });
    Snapshot {
        graph,
        analysis,
        report,
        rulesets: settings.rulesets.clone(),
        areas: settings.areas.clone(),
        unit_values: settings.unit_values.clone(),
        cohorts,
        load,
        search_index: std::sync::OnceLock::new(),
        review_queue: std::sync::OnceLock::new(),
        need_bits: std::sync::OnceLock::new(),
    }
}

/// A load's fingerprint: the SHA-256 (hex, first 16 digits) of every
/// family's id with the records of its members. Family ids are numbered
/// per load, so an audit entry's ids mean something only against the load
/// with its fingerprint: the same extract and corrections give the same
/// one, on any machine.
#[tracing::instrument(skip_all)]
pub fn load_fingerprint(graph: &FamilyGraph) -> String {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for family in &graph.families {
        hash.update(family.id.as_bytes());
        for &person in &family.members {
            for &r in &graph.people[person].records {
                let record = &graph.bundle.people[r];
                hash.update([0x1f]);
                hash.update(record.agency.as_bytes());
                hash.update([0x1e]);
                hash.update(record.record_id.as_bytes());
            }
        }
        hash.update([b'\n']);
    }
    hex(&hash.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(seed: u64) -> (Bundle, LoadReport) {
        famgraph_synth::validated(&famgraph_synth::SynthConfig { families: 30, seed, ..Default::default() })
    }

    #[test]
    fn the_same_bundle_builds_the_same_snapshot() {
        let (b, r) = bundle(3);
        let one = build(b.clone(), r.clone(), &Settings::default(), &NoCohorts);
        let two = build(b, r, &Settings::default(), &NoCohorts);
        assert_eq!(one.load, two.load);
        assert_eq!(one.load.len(), 16);
        assert_eq!(one.analysis.ranking, two.analysis.ranking);
        assert!(!one.graph.families.is_empty());
    }

    #[test]
    fn the_fingerprint_follows_the_records_of_each_family() {
        let (b, r) = bundle(3);
        let (other, other_report) = bundle(4);
        let one = build(b, r, &Settings::default(), &NoCohorts);
        let two = build(other, other_report, &Settings::default(), &NoCohorts);
        assert_ne!(one.load, two.load);
    }

    #[test]
    fn settings_are_the_ones_passed_in() {
        let (b, r) = bundle(3);
        let mut settings = Settings::default();
        let before = build(b.clone(), r.clone(), &settings, &NoCohorts);
        settings.analysis.weights.need_now *= 10.0;
        let after = build(b, r, &settings, &NoCohorts);
        let top = |s: &Snapshot| s.analysis.families[s.analysis.ranking[0]].score;
        assert!(top(&after) > top(&before), "the weights passed in score the families");
        assert_eq!(before.rulesets.names(), Rulesets::bundled().names());
    }

    /// The bundle with the rows of every file in reverse order, as another
    /// agency's export might give them.
    fn reversed(files: &[(String, String)]) -> (Bundle, LoadReport) {
        let mut tables = famgraph_synth::tables_of(files);
        for table in &mut tables {
            table.rows.reverse();
        }
        famgraph_model::validate_bundle(&tables).expect("a generated bundle validates")
    }

    #[test]
    fn the_same_bundle_in_another_row_order_gives_every_record_the_same_ids() {
        let generated = famgraph_synth::generate(&famgraph_synth::SynthConfig {
            families: 80,
            seed: 9,
            ..famgraph_synth::SynthConfig::default()
        });
        let (b, r) = famgraph_model::validate_bundle(&famgraph_synth::tables_of(&generated.bundle)).unwrap();
        let one = build(b, r, &Settings::default(), &NoCohorts);
        let (b, r) = reversed(&generated.bundle);
        let two = build(b, r, &Settings::default(), &NoCohorts);
        let (a, b) = (one.graph.known_ids(), two.graph.known_ids());
        assert_eq!(a.person_of_record, b.person_of_record);
        assert_eq!(a.family_of_record, b.family_of_record);
        let ranked = |s: &Snapshot| -> Vec<String> {
            s.analysis.ranking.iter().map(|&f| s.graph.families[f].id.clone()).collect()
        };
        assert_eq!(ranked(&one), ranked(&two), "ties ranked by id, not by row order");
        assert!(one.graph.families.iter().all(|f| f.id.starts_with('F') && f.id.len() == 11), "F and ten characters");
    }

    #[test]
    fn a_later_extract_keeps_the_ids_of_families_whose_records_are_the_same() {
        let generated = famgraph_synth::generate(&famgraph_synth::SynthConfig {
            families: 150,
            seed: 4,
            earlier_months: Some(6),
            ..famgraph_synth::SynthConfig::default()
        });
        let load = |files: &[(String, String)], known: &KnownIds| {
            let (b, r) = famgraph_model::validate_bundle(&famgraph_synth::tables_of(files)).unwrap();
            build_following(b, r, &Settings::default(), &NoCohorts, known)
        };
        let earlier = load(generated.earlier.as_ref().expect("an earlier extract"), &KnownIds::default());
        let later = load(&generated.bundle, &earlier.graph.known_ids());
        let fresh = load(&generated.bundle, &KnownIds::default());
        // Records in both extracts whose family holds the same of them in both.
        let (before, after) = (earlier.graph.known_ids(), later.graph.known_ids());
        let both: Vec<&(String, String)> =
            before.family_of_record.keys().filter(|k| after.family_of_record.contains_key(*k)).collect();
        let members = |ids: &KnownIds, family: &str| -> std::collections::BTreeSet<(String, String)> {
            both.iter().filter(|k| ids.family_of_record[**k] == family).map(|k| (*k).clone()).collect()
        };
        let (mut same_family, mut kept) = (0, 0);
        for key in &both {
            if members(&before, &before.family_of_record[*key]) == members(&after, &after.family_of_record[*key]) {
                same_family += 1;
                kept += usize::from(before.family_of_record[*key] == after.family_of_record[*key]);
            }
        }
        assert!(same_family > 100, "{same_family} records in unchanged families");
        assert!(kept * 100 >= same_family * 98, "{kept} of {same_family} records kept their family's id");
        let persons_kept = both.iter().filter(|k| before.person_of_record[**k] == after.person_of_record[**k]).count();
        assert!(persons_kept * 100 >= both.len() * 98, "{persons_kept} of {} kept their person's id", both.len());
        // Named afresh, without the earlier load to follow.
        let fresh = fresh.graph.known_ids();
        let fresh_kept = both.iter().filter(|k| fresh.family_of_record[**k] == before.family_of_record[**k]).count();
        eprintln!(
            "ids kept: families {kept} of {same_family} records in unchanged families (named afresh: {fresh_kept} of \
             {} records in both), people {persons_kept} of {}",
            both.len(),
            both.len()
        );
    }

    struct OneCohort;
    impl CohortQueries for OneCohort {
        fn run(&self, graph: &FamilyGraph, _: Date) -> Cohorts {
            let members = vec![CohortMember { person: 0, evidence: "first".into() }];
            Cohorts::new(
                vec![Cohort { name: "one".into(), title: "One".into(), description: String::new(), members }],
                graph,
            )
        }
    }

    #[test]
    fn the_cohorts_are_the_ones_the_queries_give() {
        let (b, r) = bundle(3);
        let snapshot = build(b, r, &Settings::default(), &OneCohort);
        let cohort = snapshot.cohorts.get("one").expect("the cohort run");
        assert_eq!(snapshot.cohorts.families(cohort, &snapshot.graph).len(), 1);
        assert_eq!(snapshot.cohorts.of_family(snapshot.graph.people[0].family).count(), 1);
        assert!(snapshot.cohorts.find("none").is_err());
    }
}
