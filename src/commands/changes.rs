//! `famgraph changes`: what changed for each family between two loads.

use super::prelude::*;

pub fn run(args: ChangesArgs, ctx: &Context) -> anyhow::Result<()> {
    let ChangesArgs { before, after, format } = args;
    let (before, after) = (load_either(&before, &ctx.settings)?, load_either(&after, &ctx.settings)?);
    let changes = famgraph_governance::changes::changes(&before, &after);
    match format {
        Format::Json => say!("{}", serde_json::to_string_pretty(&changes)?),
        Format::Table => {
            say!(
                "{} to {}: {} families changed ({} of them new), {} gone, {} with a need resolved for six months",
                changes.before_as_of,
                changes.after_as_of,
                changes.families.len(),
                changes.new_families,
                changes.gone_families,
                changes.families_with_sustained_outcomes
            );
            for f in &changes.families {
                say!(
                    "{:<8} ({:<12}) +{} involvements, {} ended; needs opened [{}] closed [{}] sustained [{}]",
                    f.family_id,
                    f.previous_family_id.as_ref().map_or_else(|| "new".to_owned(), |p| format!("was {p}")),
                    f.new_involvements.len(),
                    f.ended_involvements.len(),
                    f.needs_opened.join(","),
                    f.needs_closed.join(","),
                    f.needs_sustained_resolved.join(",")
                );
            }
        }
    }
    Ok(())
}
