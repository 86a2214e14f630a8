//! `famgraph outcomes`: each family the meeting took on, its baseline and
//! the outcome of every need since, with the records that show it.

use famgraph_governance::outcomes::{self, ClaimReport};

use super::prelude::*;

pub fn run(args: OutcomesArgs, ctx: &Context) -> anyhow::Result<()> {
    let OutcomesArgs { decisions, source, overrides, family, format } = args;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    let decided = decided_from(&decisions, &snapshot)?;
    let reports: Vec<ClaimReport> = match &family {
        Some(id) => {
            let Some(f) = snapshot.graph.family_by_id(id) else { bail!(BadInput(format!("no family `{id}`"))) };
            let Some(report) = outcomes::claim_report(&snapshot, &decided, f) else {
                bail!(BadInput(format!("family `{id}` has not been taken on: outcomes count from the day it is")))
            };
            vec![report]
        }
        None => outcomes::reports(&snapshot, &decided),
    };
    match format {
        Format::Json => say!("{}", serde_json::json!({"rule": outcomes::RULE, "families": reports})),
        Format::Table => {
            say!("{}", outcomes::RULE);
            say!(
                "{:<12}  {:<10}  {:<21}  {:<9}  {:<10}  {:<10}  records",
                "family",
                "baseline",
                "need",
                "outcome",
                "closed",
                "sustained"
            );
            for r in &reports {
                for o in &r.outcomes {
                    let records: Vec<String> =
                        o.records.iter().map(|x| format!("{}:{}", x.agency, x.involvement_id)).collect();
                    say!(
                        "{:<12}  {:<10}  {:<21}  {:<9}  {:<10}  {:<10}  {}",
                        r.family_id,
                        r.baseline.decided_on,
                        o.need,
                        serde_json::to_value(o.status)?.as_str().unwrap_or(""),
                        o.closed_on.as_deref().unwrap_or("-"),
                        o.sustained_on.as_deref().unwrap_or("-"),
                        records.join(",")
                    );
                }
            }
        }
    }
    Ok(())
}
