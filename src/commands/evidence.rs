//! `famgraph evidence`: the aggregate evidence for bid writers, small numbers suppressed.

use super::prelude::*;

pub fn run(args: EvidenceArgs, ctx: &Context) -> anyhow::Result<()> {
    let EvidenceArgs { source, overrides, suppression, format, decisions } = args;
    let snapshot = open(&source, overrides.overrides.as_deref(), &ctx.settings)?;
    let mut evidence = famgraph_governance::evidence(&snapshot, suppression.disclosure());
    if let Some(file) = decisions {
        let decided = decided_from(&file, &snapshot)?;
        let shown = famgraph_governance::decision_figures(&snapshot, &decided, suppression.disclosure());
        evidence = evidence.with_decisions(&shown);
    }
    match format {
        EvidenceFormat::Json => say!("{}", serde_json::to_string_pretty(&evidence)?),
        EvidenceFormat::Csv => say!("{}", evidence.to_csv().trim_end()),
        EvidenceFormat::Zip => {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            out.write_all(&famgraph_governance::pack::zip(&evidence))?;
            out.flush()?;
        }
    }
    Ok(())
}
