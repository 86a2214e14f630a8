//! `famgraph erase`: one agency's records of a person removed from a database, and the load relinked.

use super::prelude::*;

pub fn run(args: EraseArgs, ctx: &Context) -> anyhow::Result<()> {
    let EraseArgs { db, record, erase_agency, decisions } = args;
    let snapshot = loads::from_database(&db, None, &ctx.settings)?;
    let person = person_of_record(&snapshot, &record)?;
    let agency = erase_agency.unwrap_or(record.agency.clone());
    let ids = famgraph_pipeline::records::agency_records_of(&snapshot, person, &agency);
    if ids.is_empty() {
        bail!(BadInput(format!("agency `{agency}` holds no record of this person")));
    }
    // The decisions file first: a failure there leaves the database as it was.
    let in_decisions = match &decisions {
        Some(file) => Some(famgraph_governance::decisions::erase_records(file, &agency, &ids)?),
        None => None,
    };
    let famgraph_pipeline::records::Erasure { erased, snapshot: after, family } =
        famgraph_pipeline::records::erase(&snapshot, person, &agency, &ctx.settings, &loads::DuckCohorts);
    loads::save(&after, &db)?;
    say!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "erased": {
                "agency": agency,
                "records": erased.records,
                "involvements": erased.involvements,
                "relationships": erased.relationships,
                "overrides": erased.overrides,
                "decision_references": in_decisions,
            },
            "family": family.map(|f| famgraph_api::family_detail(&after, f, famgraph_api::Explain::Fields)),
        }))?
    );
    Ok(())
}
