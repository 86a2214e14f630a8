//! `famgraph sensitivity`: how much the shortlist's top families rest on
//! each score weight, one weight moved at a time.

use famgraph_analysis::sensitivity;

use super::prelude::*;

pub fn run(args: SensitivityArgs, ctx: &Context) -> anyhow::Result<()> {
    let SensitivityArgs { source, overrides, top, format } = args;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    let top = usize::try_from(top).unwrap_or(usize::MAX);
    let rows = sensitivity::sensitivity(&snapshot.analysis, &snapshot.graph, &ctx.settings.analysis.weights, top);
    match format {
        Format::Json => say!("{}", serde_json::json!({"top": top, "factors": sensitivity::FACTORS, "weights": rows})),
        Format::Table => say!("{}", sensitivity::markdown(&rows, top).trim_end()),
    }
    Ok(())
}
