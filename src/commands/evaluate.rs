//! `famgraph evaluate`: linkage and analysis scored against a synthetic bundle's truth.

use super::prelude::*;

pub fn run(args: EvaluateArgs, ctx: &Context) -> anyhow::Result<()> {
    let EvaluateArgs { data, truth, previous, overrides, missed, format } = args;
    let started = std::time::Instant::now();
    let (bundle, report) = famgraph_ingest::load_bundle(&data, overrides.overrides.as_deref())?;
    let read = started.elapsed();
    let linkage = famgraph_pipeline::link(&bundle);
    let linked = started.elapsed();
    let snapshot = famgraph_pipeline::build_linked(bundle, report, linkage, &ctx.settings, &loads::DuckCohorts);
    let elapsed = started.elapsed();
    let truth = famgraph_synth::Truth::read(&truth).map_err(|e| BadInput(e.to_string()))?;
    let timings = evaluate::Timings {
        read_s: read.as_secs_f64(),
        link_s: linked.as_secs_f64() - read.as_secs_f64(),
        analyse_s: elapsed.as_secs_f64() - linked.as_secs_f64(),
        total_s: elapsed.as_secs_f64(),
    };
    let mut result = evaluate::evaluate(&snapshot, &truth, timings);
    if let Some(previous) = previous {
        if truth.changes.is_empty() {
            return Err(BadInput(
                "--previous needs a truth with changes.csv: make the bundles with `synth --earlier`".into(),
            )
            .into());
        }
        result.changes = Some(evaluate::score_changes(&load_either(&previous, &ctx.settings)?, &snapshot, &truth));
    }
    match format {
        Format::Json => say!("{}", serde_json::to_string_pretty(&result)?),
        Format::Table => {
            say!(
                "read and validate {:.2} s, link {:.2} s, group and analyse {:.2} s",
                timings.read_s,
                timings.link_s,
                timings.analyse_s
            );
            say!(
                "linkage: {} records into {} people (truth {}): precision {:.4} recall {:.4} F1 {:.4}",
                result.records,
                result.people_found,
                result.people_true,
                result.precision,
                result.recall,
                result.f1
            );
            say!(
                "false links (pairs) {}, missed links (pairs) {}",
                result.false_positive_pairs,
                result.false_negative_pairs
            );
            say!(
                "people merging two or more true people: {} ({:.2}% of famgraph's people); true people split: {} \
                 of {} with two or more records ({:.2}%)",
                result.people_merged,
                100.0 * result.people_merged_share,
                result.people_split,
                result.people_with_several_records,
                100.0 * result.people_split_share
            );
            say!(
                "within-agency duplicates kept whole: {} of {} true people an agency holds twice ({:.1}%)",
                result.duplicates_kept_whole,
                result.within_agency_duplicates,
                100.0 * result.duplicates_kept_whole_share
            );
            for (family, rank) in &result.standout_ranks {
                say!("planted {family}: rank {}", rank.map_or_else(|| "-".to_owned(), |r| r.to_string()));
            }
            say!("{:<28} {:>8} {:>8} {:>14}", "pattern", "planted", "found", "falsely found");
            for (kind, score) in &result.patterns {
                let falsely = score.falsely_found.map_or_else(|| "-".to_owned(), |n| n.to_string());
                say!("{kind:<28} {:>8} {:>8} {falsely:>14}", score.planted, score.found);
            }
            let inferred = result.inferred_links;
            say!(
                "inferred parent links: {} ({} within one true family, {} of them a generation apart; {} across \
                 two)",
                inferred.total,
                inferred.within_one_true_family,
                inferred.one_generation_apart,
                inferred.across_true_families
            );
            let generations = result.generations;
            say!(
                "generations: {} of {} pairs of members as many generations apart as in the truth ({:.3})",
                generations.agree,
                generations.pairs,
                generations.agree as f64 / generations.pairs.max(1) as f64
            );
            if let Some(changes) = &result.changes {
                say!("{:<28} {:>8} {:>8} {:>14}", "change since --previous", "true", "found", "falsely found");
                for (kind, score) in changes {
                    let falsely = score.falsely_found.unwrap_or(0);
                    say!("{kind:<28} {:>8} {:>8} {falsely:>14}", score.planted, score.found);
                }
            }
        }
    }
    if let Some(kind) = missed {
        if !truth.patterns.iter().any(|p| p.kind == kind) {
            return Err(BadInput(format!("no `{kind}` pattern is planted in this bundle's truth")).into());
        }
        for line in evaluate::missed(&snapshot, &truth, &kind) {
            say!("{line}");
        }
    }
    Ok(())
}
