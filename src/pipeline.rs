//! Wiring: a bundle or database in, an analysed snapshot out, and the
//! derived tables a load stores for analysts.

use std::path::Path;

use anyhow::Context as _;
use famgraph_analysis::Config;
use famgraph_api::Snapshot;
use famgraph_ingest::{Table, Value};
use famgraph_link::LinkConfig;
use famgraph_model::{Bundle, LoadReport};

/// Links, groups and analyses a validated bundle.
pub fn analyse(bundle: Bundle, report: LoadReport) -> Snapshot {
    let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
    let graph = famgraph_graph::build(bundle, linkage);
    let analysis = famgraph_analysis::analyse(&graph, &Config::default());
    Snapshot { graph, analysis, report }
}

/// Reads, validates and analyses a bundle folder.
pub fn from_bundle(dir: &Path) -> Result<Snapshot, famgraph_ingest::IngestError> {
    let (bundle, report) = famgraph_ingest::load_bundle(dir)?;
    Ok(analyse(bundle, report))
}

/// Opens a database a load wrote and analyses what it holds.
pub fn from_database(path: &Path) -> Result<Snapshot, famgraph_ingest::IngestError> {
    let stored = famgraph_ingest::store::open(path)?;
    Ok(analyse(stored.bundle, stored.report))
}

/// Writes the snapshot's bundle, report and derived tables to `db`.
pub fn save(snapshot: &Snapshot, db: &Path) -> anyhow::Result<()> {
    famgraph_ingest::store::save(db, &snapshot.graph.bundle, &snapshot.report, &derived_tables(snapshot))
        .with_context(|| format!("writing {}", db.display()))?;
    Ok(())
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

pub fn derived_tables(snapshot: &Snapshot) -> Vec<Table> {
    let graph = &snapshot.graph;
    let people = graph
        .people
        .iter()
        .flat_map(|p| {
            p.records.iter().map(move |&r| {
                let record = &graph.bundle.people[r];
                vec![text(&p.id), text(&record.agency), text(&record.record_id), Value::Double(p.link_confidence)]
            })
        })
        .collect();
    let families = graph
        .families
        .iter()
        .flat_map(|f| f.members.iter().map(move |&p| vec![text(&f.id), text(&graph.people[p].id)]))
        .collect();
    let shortlist = snapshot
        .analysis
        .ranking
        .iter()
        .map(|&f| {
            let analysis = &snapshot.analysis.families[f];
            let join = |items: Vec<String>| items.join(";");
            vec![
                Value::UBigInt(analysis.rank.unwrap_or_default() as u64),
                text(&graph.families[f].id),
                Value::Double(analysis.score),
                text(&join(analysis.needs.keys().map(|n| n.code().to_owned()).collect())),
                text(&join(analysis.agencies.iter().cloned().collect())),
                Value::UBigInt(graph.families[f].members.len() as u64),
                text(&join(analysis.reasons.iter().map(|r| format!("{}={}", r.code, r.points)).collect())),
            ]
        })
        .collect();
    vec![
        Table { name: "people", rows: people },
        Table { name: "families", rows: families },
        Table { name: "shortlist", rows: shortlist },
    ]
}
