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
                    say!(
                        "{:<30} {:>7} {:>9}  {}",
                        c["name"].as_str().unwrap_or_default(),
                        c["people"].as_u64().unwrap_or_default(),
                        c["families"].as_u64().unwrap_or_default(),
                        c["title"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        return Ok(());
    };
    let cohort = known_cohort(snapshot, name)?;
    let view = famgraph_api::cohort_view(snapshot, cohort);
    let members = view["members"].as_array().cloned().unwrap_or_default();
    match format {
        Format::Json => say!("{view}"),
        Format::Table => {
            say!("{}: {} people", cohort.title, members.len());
            say!("{:<9} {:<8} {:>5}  evidence", "person", "family", "rank");
            for m in &members {
                say!(
                    "{:<9} {:<8} {:>5}  {}",
                    m["person_id"].as_str().unwrap_or_default(),
                    m["family_id"].as_str().unwrap_or_default(),
                    m["rank"].as_u64().map_or_else(|| "-".to_owned(), |r| r.to_string()),
                    m["evidence"].as_str().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
