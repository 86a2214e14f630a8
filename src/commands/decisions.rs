//! `famgraph decisions`: the meeting's decisions with the families that carry them now.

use super::prelude::*;

pub fn run(args: DecisionsArgs, ctx: &Context) -> anyhow::Result<()> {
    let DecisionsArgs { decisions, source, overrides, since, format } = args;
    let since = day_arg("--since", since)?;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    let decided = decided_from(&decisions, &snapshot)?;
    let (page, total, _) = famgraph_api::decisions_page(&snapshot, &decided, since.as_deref(), true, (0, usize::MAX));
    match format {
        Format::Json => say!("{}", serde_json::json!({"decisions": page, "total": total})),
        Format::Table => {
            say!(
                "{:<10}  {:<15}  {:<13}  {:<14}  {:<10}  {:<12}  note",
                "recorded",
                "decision",
                "lead",
                "family now",
                "rank now",
                "by"
            );
            let list = |items: Vec<String>| if items.is_empty() { "-".to_owned() } else { items.join(",") };
            for row in &page {
                let d = &row.decision;
                say!(
                    "{:<10}  {:<15}  {:<13}  {:<14}  {:<10}  {:<12}  {}",
                    d.decided_on,
                    d.decision.code(),
                    d.lead_agency.as_deref().unwrap_or("-"),
                    list(row.family_ids.clone()),
                    list(row.ranks.iter().map(|r| r.map_or_else(|| "null".to_owned(), |r| r.to_string())).collect()),
                    d.by,
                    d.note.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(())
}
