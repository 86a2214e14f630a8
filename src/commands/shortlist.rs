//! `famgraph shortlist`: the ranked families, filtered as the API filters them.

use super::prelude::*;

pub fn run(args: ShortlistArgs, ctx: &Context) -> anyhow::Result<()> {
    let ShortlistArgs {
        source,
        overrides,
        ruleset,
        cohort,
        exclude_cohort,
        need,
        agency,
        area,
        keyworkers,
        decisions,
        decision,
        limit,
        format,
    } = args;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    let spec = famgraph_api::FilterSpec { ruleset, cohort, exclude_cohort, need, agency, area, keyworkers, decision };
    let mut filter = famgraph_api::Filter::new(&spec, &snapshot).map_err(|e| BadInput(e.to_string()))?;
    if let Some(file) = &decisions {
        filter = filter.with_decisions(Arc::new(decided_from(file, &snapshot)?));
    }
    print_shortlist(&snapshot, &filter, limit, format, decisions.is_some())
}

fn print_shortlist(
    snapshot: &Snapshot,
    filter: &famgraph_api::Filter,
    limit: usize,
    format: Format,
    with_decisions: bool,
) -> anyhow::Result<()> {
    let (families, total) = filter.page(snapshot, 0, limit);
    match format {
        Format::Json => {
            say!("{}", serde_json::json!({"families": families, "total": total}));
        }
        Format::Table => {
            let decision_head = if with_decisions { format!("{:<16} ", "decision") } else { String::new() };
            say!(
                "{:>4}  {:<8} {:>6}  {:<7} {:<45} {:<24} {decision_head}reasons",
                "rank",
                "family",
                "score",
                "members",
                "needs",
                "keyworkers now"
            );
            for f in families {
                let reasons: Vec<String> = f.reasons.iter().map(|r| format!("{} +{}", r.label, r.points)).collect();
                let keyworkers =
                    if f.keyworkers_now.is_empty() { "none".to_owned() } else { f.keyworkers_now.join(",") };
                let decision = match (with_decisions, f.decision) {
                    (false, _) => String::new(),
                    (true, d) => format!("{:<16} ", d.map_or("-", |d| d.code())),
                };
                say!(
                    "{:>4}  {:<8} {:>6}  {:<7} {:<45} {:<24} {decision}{}",
                    f.rank.unwrap_or_default(),
                    f.family_id,
                    f.score,
                    f.members,
                    f.needs.join(","),
                    keyworkers,
                    reasons.join("; ")
                );
            }
        }
    }
    Ok(())
}
