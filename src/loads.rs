//! The DuckDB side of a load: a bundle folder or a database in, the
//! pipeline's snapshot out (with the cohort queries DuckDB runs), and the
//! snapshot and its derived tables stored for analysts.

use std::path::Path;

use anyhow::Context as _;
use famgraph_graph::FamilyGraph;
use famgraph_ingest::rows::{
    CohortInvolvementRow, CohortPersonRow, CohortRelationshipRow, Derived, FamilyMemberRow, LinkModelRow, LinkRow,
    MetaRow, PersonLinkRow, ShortlistRow,
};
use famgraph_model::{Bundle, Date, LoadReport};
use famgraph_pipeline::{Cohort, CohortMember, CohortQueries, Cohorts, KnownIds, Settings, Snapshot};

/// Links, groups and analyses a validated bundle, applying the
/// partnership's overrides it carries, with the cohorts DuckDB runs.
pub fn analyse(bundle: Bundle, report: LoadReport, settings: &Settings, known: &KnownIds) -> Snapshot {
    famgraph_pipeline::build_following(bundle, report, settings, &DuckCohorts, known)
}

/// The ids a stored load gave, as a new load follows them.
#[tracing::instrument(skip_all)]
pub fn known_of(ids: &famgraph_ingest::StoredIds) -> KnownIds {
    let family_of_person: rustc_hash::FxHashMap<&str, &str> =
        ids.families.iter().map(|f| (f.person_id.as_str(), f.family_id.as_str())).collect();
    let mut known = KnownIds::default();
    known.person_of_record.reserve(ids.people.len());
    known.family_of_record.reserve(ids.people.len());
    for row in &ids.people {
        let key = (row.agency.clone(), row.record_id.clone());
        if let Some(family) = family_of_person.get(row.person_id.as_str()) {
            known.family_of_record.insert(key.clone(), (*family).to_owned());
        }
        known.person_of_record.insert(key, row.person_id.clone());
    }
    known
}

/// The ids of the load a database holds, if there is one: what a new load
/// into it keeps.
pub fn known_in(db: &Path) -> KnownIds {
    famgraph_ingest::store::last_load(db).ids.map(|ids| known_of(&ids)).unwrap_or_default()
}

/// The named cohort queries, run by DuckDB.
pub struct DuckCohorts;

impl CohortQueries for DuckCohorts {
    fn run(&self, graph: &FamilyGraph, as_of: Date) -> Cohorts {
        cohorts(graph, as_of)
    }
}

/// Runs the named cohort queries (`queries/cohorts/`) over the linked
/// people. The queries are part of the build and tested, so a failure is
/// a fault of this machine (DuckDB could not run): it is logged and the
/// cohorts are left empty rather than refusing to serve the load.
fn cohorts(graph: &FamilyGraph, as_of: Date) -> Cohorts {
    let person = graph
        .people
        .iter()
        .map(|p| CohortPersonRow {
            person_id: p.id.clone(),
            family_id: graph.families[p.family].id.clone(),
            sex: p.sex.code().to_owned(),
            date_of_birth: p.date_of_birth,
            age: p.date_of_birth.map(|d| d.age_on(as_of)),
        })
        .collect();
    let sector: std::collections::HashMap<&str, &str> =
        graph.bundle.agencies.iter().map(|a| (a.code.as_str(), a.sector.code())).collect();
    let involvement = graph
        .people
        .iter()
        .enumerate()
        .flat_map(|(p, person)| graph.involvements_of[p].iter().map(move |&i| (person, i)))
        .map(|(person, i)| {
            let inv = &graph.bundle.involvements[i];
            let service = &graph.bundle.services[graph.service_of_involvement[i]];
            CohortInvolvementRow {
                person_id: person.id.clone(),
                agency: inv.agency.clone(),
                sector: sector.get(inv.agency.as_str()).copied().unwrap_or("other").to_owned(),
                service: service.code.clone(),
                service_name: service.name.clone(),
                need: service.need.code().to_owned(),
                offending: famgraph_analysis::is_offending(inv, service),
                start_date: inv.start_date,
                end_date: inv.end_date,
                role: inv.role.code().to_owned(),
            }
        })
        .collect();
    let relationship = graph
        .relationships
        .iter()
        .map(|r| CohortRelationshipRow {
            from_person: graph.people[r.from].id.clone(),
            kind: r.kind.code().to_owned(),
            to_person: graph.people[r.to].id.clone(),
            inferred: r.inferred.is_some(),
        })
        .collect();
    let input = famgraph_ingest::cohorts::CohortInput { as_of, person, involvement, relationship };
    let rows = match famgraph_ingest::cohorts::run(&input) {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "cohort queries failed: serving without cohorts");
            Vec::new()
        }
    };
    let list = rows
        .into_iter()
        .map(|c| Cohort {
            name: c.query.name.to_owned(),
            title: c.query.title,
            description: c.query.description,
            members: c
                .members
                .into_iter()
                .filter_map(|(person, evidence)| {
                    graph.person_by_id(&person).map(|person| CohortMember { person, evidence })
                })
                .collect(),
        })
        .collect();
    Cohorts::new(list, graph)
}

/// Reads, validates and analyses a bundle folder, with the partnership's
/// overrides file if one is given, keeping the ids of `known`.
pub fn from_bundle(
    dir: &Path,
    overrides: Option<&Path>,
    settings: &Settings,
    known: &KnownIds,
) -> Result<Snapshot, famgraph_ingest::IngestError> {
    let (bundle, report) = famgraph_ingest::load_bundle(dir, overrides)?;
    Ok(analyse(bundle, report, settings, known))
}

/// Reads, validates and analyses a bundle that follows the load `db`
/// holds, keeping that load's ids (`known`, read from it) and, where the
/// bundle's records, relationships and corrections are those it linked
/// (a new extract that changed only involvements), its linkage: read back,
/// not linked again. Returns whether it was.
pub fn following(
    dir: &Path,
    overrides: Option<&Path>,
    settings: &Settings,
    known: &KnownIds,
    db: &Path,
) -> Result<(Snapshot, bool), famgraph_ingest::IngestError> {
    let (bundle, report) = famgraph_ingest::load_bundle(dir, overrides)?;
    let key = famgraph_pipeline::linkage_key(&bundle);
    let kept = famgraph_ingest::store::stored_linkage(db, &key)
        .and_then(|bytes| famgraph_pipeline::read_back(&bundle, &bytes));
    let reused = kept.is_some();
    let linkage = kept.unwrap_or_else(|| famgraph_pipeline::link(&bundle));
    Ok((famgraph_pipeline::assemble(bundle, report, linkage, settings, &DuckCohorts, known), reused))
}

/// Opens a database a load wrote and analyses what it holds, with the ids
/// that load gave; with `overrides`, the partnership's corrections in that
/// file are applied too (beside those the load was made with), each row
/// accepted or rejected as a load would.
pub fn from_database(
    path: &Path,
    overrides: Option<&Path>,
    settings: &Settings,
) -> Result<Snapshot, famgraph_ingest::IngestError> {
    let stored = famgraph_ingest::store::open(path)?;
    let ids = &stored.ids;
    let graph_kept = stored.linkage.is_some() && stored.graph.is_some();
    std::thread::scope(|scope| {
        // The earlier ids, for building the graph again, are read while the
        // linkage is checked and read.
        let known = scope.spawn(|| (!graph_kept).then(|| known_of(ids)));
        let (bundle, report) = match overrides {
            Some(file) => {
                let table = famgraph_ingest::read_overrides(file)?;
                famgraph_model::add_overrides(stored.bundle, stored.report, &table)?
            }
            None => (stored.bundle, stored.report),
        };
        let kept = stored.linkage.as_ref().map(|(key, bytes)| (key.as_str(), bytes.as_slice()));
        let (linkage, reused) = famgraph_pipeline::link_reusing(&bundle, kept);
        // The graph the load built from that linkage, read back with it.
        let graph_of = |(key, bytes): &(String, Vec<u8>)| {
            let of_this_linkage = stored.linkage.as_ref().is_some_and(|(linkage_key, _)| linkage_key == key);
            if !reused || !of_this_linkage {
                return None;
            }
            famgraph_graph::stored::decode(bytes, &bundle, &linkage)
                .inspect_err(|why| tracing::warn!(%why, "the stored graph cannot be read: building it again"))
                .ok()
        };
        let kept_graph = stored.graph.as_ref().and_then(graph_of);
        let known = known.join().expect("reading the earlier ids panicked");
        let graph = match kept_graph {
            Some(kept) => {
                tracing::info!("the load's people, households and families read back: not building them again");
                famgraph_graph::FamilyGraph::from_stored(bundle, linkage, kept)
            }
            None => famgraph_graph::build_following(bundle, linkage, &known.unwrap_or_else(|| known_in(path))),
        };
        Ok(famgraph_pipeline::assemble_graph(graph, report, settings, &DuckCohorts))
    })
}

/// Writes the snapshot's bundle, report and derived tables to `db`.
pub fn save(snapshot: &Snapshot, db: &Path) -> anyhow::Result<()> {
    famgraph_ingest::store::save(db, &snapshot.graph.bundle, &snapshot.report, derived_tables(snapshot))
        .with_context(|| format!("writing {}", db.display()))?;
    Ok(())
}

/// The tables a load stores for analysts: who each record was linked to
/// and why, the match model, the families and the shortlist.
#[tracing::instrument(skip_all)]
pub fn derived_tables(snapshot: &Snapshot) -> Derived {
    let graph = &snapshot.graph;
    let people = graph
        .people
        .iter()
        .flat_map(|p| {
            p.records.iter().map(move |&r| {
                let record = &graph.bundle.people[r];
                PersonLinkRow {
                    person_id: p.id.clone(),
                    agency: record.agency.clone(),
                    record_id: record.record_id.clone(),
                    link_confidence: p.link_confidence,
                }
            })
        })
        .collect();
    let links = graph
        .people
        .iter()
        .flat_map(|p| {
            p.links.iter().map(move |&l| {
                let link = &graph.linkage.links[l];
                let (a, b) = (&graph.bundle.people[link.a as usize], &graph.bundle.people[link.b as usize]);
                LinkRow {
                    person_id: p.id.clone(),
                    agency_a: a.agency.clone(),
                    record_id_a: a.record_id.clone(),
                    agency_b: b.agency.clone(),
                    record_id_b: b.record_id.clone(),
                    match_weight: link.weight,
                    match_probability: link.probability,
                    override_decision: link.decision.map(|d| d.code().to_owned()),
                    fields: link.fields.iter().map(|f| (f.level.to_owned(), f.weight)).collect(),
                }
            })
        })
        .collect();
    let trained = &graph.linkage.model;
    let link_model = trained
        .model
        .fields
        .iter()
        .flat_map(|f| {
            f.levels.iter().map(move |l| LinkModelRow {
                field: f.field.name().to_owned(),
                level: l.label.to_owned(),
                m: l.m,
                u: l.u,
                weight: l.weight(),
            })
        })
        .collect();
    let meta = [
        ("link_estimated", trained.estimated.to_string()),
        ("link_prior_log2_odds", trained.prior_log2_odds.to_string()),
        ("link_match_probability", trained.match_probability.to_string()),
        ("link_term_frequencies", trained.term_frequencies.to_string()),
        ("link_relatives", trained.relatives.to_string()),
        ("link_u_sample_pairs", trained.u_sample_pairs.to_string()),
        ("link_em_iterations", trained.em_iterations.to_string()),
        ("link_em_converged", trained.em_converged.to_string()),
        (
            "link_placeholder_dates",
            trained.placeholder_dates.iter().map(|(date, n)| format!("{date}:{n}")).collect::<Vec<_>>().join(";"),
        ),
    ]
    .into_iter()
    .map(|(key, value)| MetaRow { key: key.to_owned(), value })
    .collect();
    let families = graph
        .families
        .iter()
        .flat_map(|f| {
            f.members
                .iter()
                .map(move |&p| FamilyMemberRow { family_id: f.id.clone(), person_id: graph.people[p].id.clone() })
        })
        .collect();
    let shortlist = snapshot
        .analysis
        .ranking
        .iter()
        .map(|&f| {
            let analysis = &snapshot.analysis.families[f];
            let join = |items: Vec<String>| items.join(";");
            ShortlistRow {
                rank: analysis.rank.unwrap_or_default() as u64,
                family_id: graph.families[f].id.clone(),
                score: analysis.score,
                needs: join(analysis.needs.keys().map(|n| n.code().to_owned()).collect()),
                agencies: join(analysis.agencies.iter().cloned().collect()),
                n_members: graph.families[f].members.len() as u64,
                reasons: join(analysis.reasons.iter().map(|r| format!("{}={}", r.code, r.points)).collect()),
            }
        })
        .collect();
    let key = famgraph_pipeline::linkage_key(&graph.bundle);
    let stored_graph = Some((key.clone(), famgraph_graph::stored::encode(graph)));
    let linkage = Some((key, famgraph_link::stored::encode(&graph.linkage)));
    Derived { meta, people, links, link_model, families, shortlist, linkage, graph: stored_graph }
}

#[cfg(test)]
mod tests {
    use famgraph_ingest::rows::LinkRow;

    #[test]
    fn the_stored_links_name_the_linkages_fields_in_its_order() {
        let fields: Vec<&str> = famgraph_link::Field::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(fields, LinkRow::FIELDS);
    }
}
