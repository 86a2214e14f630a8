//! `famgraph subject-access`: everything held about one person, as JSON.

use super::prelude::*;

pub fn run(args: SubjectAccessArgs, ctx: &Context) -> anyhow::Result<()> {
    let SubjectAccessArgs { source, record, decisions, audit } = args;
    let snapshot = open(&source, None, &ctx.settings)?;
    let person = person_of_record(&snapshot, &record)?;
    let mut answer = famgraph_api::subject_access(&snapshot, person);
    if let Some(file) = audit {
        let family = &snapshot.graph.families[snapshot.graph.people[person].family].id;
        let (seen_by, other_loads) = famgraph_governance::audit::seen_by(&file, family, &snapshot.load)?;
        answer["seen_by"] = serde_json::to_value(seen_by)?;
        answer["audit_entries_of_other_loads"] = other_loads.into();
    }
    if let Some(file) = decisions {
        let held: std::collections::HashSet<(&str, &str)> =
            famgraph_pipeline::records::records_of(&snapshot, person).collect();
        let entries = famgraph_governance::decisions::read(&file)?;
        let about = famgraph_governance::decisions::about_records(entries, &held);
        answer["decisions"] = serde_json::to_value(about)?;
    }
    say!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
