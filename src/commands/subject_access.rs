//! `famgraph subject-access`: everything held about one person, as JSON.

use super::prelude::*;

/// The answer: what the load holds about the person, and, where the files
/// are given, who was served their family and the decisions naming them.
#[derive(serde::Serialize)]
struct Answer {
    #[serde(flatten)]
    held: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    seen_by: Option<Vec<famgraph_governance::audit::Recipient>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit_entries_of_other_loads: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decisions: Option<Vec<famgraph_governance::decisions::Entry>>,
}

pub fn run(args: SubjectAccessArgs, ctx: &Context) -> anyhow::Result<()> {
    let SubjectAccessArgs { source, record, decisions, audit } = args;
    let snapshot = open(&source, None, &ctx.settings)?;
    let person = person_of_record(&snapshot, &record)?;
    let mut answer = Answer {
        held: famgraph_api::subject_access(&snapshot, person),
        seen_by: None,
        audit_entries_of_other_loads: None,
        decisions: None,
    };
    if let Some(file) = audit {
        let family = &snapshot.graph.families[snapshot.graph.people[person].family].id;
        let (seen_by, other_loads) = famgraph_governance::audit::seen_by(&file, family, &snapshot.load)?;
        answer.seen_by = Some(seen_by);
        answer.audit_entries_of_other_loads = Some(other_loads);
    }
    if let Some(file) = decisions {
        let held: std::collections::HashSet<(&str, &str)> =
            famgraph_pipeline::records::records_of(&snapshot, person).collect();
        let entries = famgraph_governance::decisions::read(&file)?;
        answer.decisions = Some(famgraph_governance::decisions::about_records(entries, &held));
    }
    say!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
