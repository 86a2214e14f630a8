//! `famgraph cohort`: the named cohort queries and their members.

use super::prelude::*;

pub fn run(args: CohortArgs, ctx: &Context) -> anyhow::Result<()> {
    let CohortArgs { name, source, overrides, format } = args;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    print_cohort(&snapshot, name.as_deref(), format)
}

/// A cohort by name, or a usage error naming the ones there are.
fn known_cohort<'s>(snapshot: &'s Snapshot, name: &str) -> Result<&'s famgraph_pipeline::Cohort, BadInput> {
    snapshot.cohorts.find(name).map_err(BadInput)
}

fn print_cohort(snapshot: &Snapshot, name: Option<&str>, format: Format) -> anyhow::Result<()> {
    let Some(name) = name else {
        let rows = famgraph_api::cohort_summaries(snapshot, None);
        match format {
            Format::Json => say!("{}", serde_json::json!({ "cohorts": rows })),
            Format::Table => {
                say!("{:<30} {:>7} {:>9}  title", "cohort", "people", "families");
                for c in &rows {
                    let count = |n: Option<u64>| n.map_or_else(|| "hidden".to_owned(), |n| n.to_string());
                    say!("{:<30} {:>7} {:>9}  {}", c.name, count(c.people), count(c.families), c.title);
                }
            }
        }
        return Ok(());
    };
    let cohort = known_cohort(snapshot, name)?;
    let view = famgraph_api::cohort_view(snapshot, cohort);
    match format {
        Format::Json => say!("{}", serde_json::to_string(&view)?),
        Format::Table => {
            say!("{}: {} people", view.title, view.members.len());
            say!("{:<11} {:<11} {:>5}  evidence", "person", "family", "rank");
            for m in &view.members {
                let rank = m.rank.map_or_else(|| "-".to_owned(), |r| r.to_string());
                say!("{:<11} {:<11} {:>5}  {}", m.person_id, m.family_id, rank, m.evidence);
            }
        }
    }
    Ok(())
}
