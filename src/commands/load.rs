//! `famgraph load`: a bundle linked, analysed and stored, and its load report.

use super::prelude::*;

pub fn run(args: LoadArgs, ctx: &Context) -> anyhow::Result<()> {
    let LoadArgs { bundle, db, overrides, format, accept_smaller } = args;
    // The load the database holds: its ids kept where the families are the
    // same, its file counts to compare this extract with.
    let last = famgraph_ingest::store::last_load(&db);
    let known = last.ids.as_ref().map(loads::known_of).unwrap_or_default();
    let (snapshot, reused) = loads::following(&bundle, overrides.overrides.as_deref(), &ctx.settings, &known, &db)?;
    if reused {
        // The expensive step skipped, said where the person loading sees it.
        eprintln!(
            "famgraph: the records, relationships and corrections are those the last load linked: its people kept, not linked again"
        );
    }
    let shrunk = famgraph_ingest::shrinkage(last.files.as_deref(), &snapshot.report.files);
    if !shrunk.is_empty() && !accept_smaller {
        return Err(BadInput(format!(
            "{} kept as it was: this load looks like a broken extract:\n  {}\nif the extract really is this small, load again with --accept-smaller",
            db.display(),
            shrunk.join("\n  ")
        ))
        .into());
    }
    for why in &shrunk {
        tracing::warn!("accepted with --accept-smaller: {why}");
    }
    loads::save(&snapshot, &db)?;
    print_report(&snapshot, format)
}

fn print_report(snapshot: &Snapshot, format: Format) -> anyhow::Result<()> {
    let report = &snapshot.report;
    match format {
        Format::Json => say!("{}", famgraph_api::report_json(snapshot)),
        Format::Table => {
            say!("{:<20} {:>9} {:>9} {:>9} {:>9}", "file", "read", "accepted", "rejected", "warnings");
            for f in &report.files {
                say!("{:<20} {:>9} {:>9} {:>9} {:>9}", f.file, f.read, f.accepted, f.rejected, f.warnings);
            }
            for (kind, issues) in [("reject", &report.rejects), ("warning", &report.warnings)] {
                for i in issues {
                    say!("{kind}: {}:{}: {}: {}", i.file, i.line, i.column.as_deref().unwrap_or("-"), i.reason);
                }
            }
            let graph = &snapshot.graph;
            say!(
                "\n{:<20} {:>8} {:>15} {:>6} {:>8} {:>9} {:>6} {:>5} {:>10} {:>10} {:>15}",
                "agency",
                "records",
                "linked (other)",
                "dob",
                "address",
                "postcode",
                "uprn",
                "nhs",
                "held twice",
                "duplicates",
                "placeholder dob"
            );
            let percent =
                |n: usize, of: usize| (n * 100).checked_div(of).map_or_else(|| "-".to_owned(), |p| format!("{p}%"));
            for a in famgraph_api::agency_records(graph) {
                say!(
                    "{:<20} {:>8} {:>15} {:>6} {:>8} {:>9} {:>6} {:>5} {:>10} {:>10} {:>15}",
                    a.agency,
                    a.records,
                    percent(a.known_elsewhere, a.records),
                    percent(a.with_date_of_birth, a.records),
                    percent(a.with_address, a.records),
                    percent(a.with_postcode, a.records),
                    percent(a.with_uprn, a.records),
                    percent(a.with_nhs_number, a.records),
                    a.people_held_twice,
                    a.duplicate_records,
                    a.placeholder_date_of_birth
                );
            }
            say!(
                "linked {} records into {} people in {} families; {} families shortlisted",
                graph.bundle.people.len(),
                graph.people.len(),
                graph.families.len(),
                snapshot.analysis.ranking.len()
            );
        }
    }
    Ok(())
}
