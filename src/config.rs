//! The partnership's configuration file (`--config`): the score's weights,
//! its own programme rulesets and what the audit review flags as unusual;
//! and beside it, optionally, `areas.csv`: the area denominators of the
//! evidence's rates, and `unit-values.csv`: the value of each outcome.

use std::path::Path;

use famgraph_governance::unusual::Watch;
use famgraph_pipeline::Settings;

use crate::commands::Context;

/// A configuration file that cannot be used: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadConfig(String);

/// Reads the configuration file; without one the defaults and the bundled
/// rulesets apply.
pub fn read(path: Option<&Path>) -> Result<Context, BadConfig> {
    let mut settings = Settings::default();
    let mut watch = Watch::default();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).map_err(|e| BadConfig(format!("{}: {e}", path.display())))?;
        let config = famgraph_analysis::parse_config(&text, &path.display().to_string())
            .map_err(|e| BadConfig(e.to_string()))?;
        settings.analysis.weights = config.weights;
        if let Some(days) = config.window_days {
            settings.analysis.window_days = days;
        }
        if let Some(order) = config.lead_order {
            settings.analysis.lead_order = order;
        }
        for ruleset in config.rulesets {
            settings.rulesets.add(ruleset);
        }
        // The area denominators, when the partnership keeps them beside
        // its configuration.
        let areas = path.with_file_name("areas.csv");
        if areas.is_file() {
            let text = std::fs::read_to_string(&areas).map_err(|e| BadConfig(format!("{}: {e}", areas.display())))?;
            settings.areas = famgraph_pipeline::areas::parse(&text, &areas.display().to_string()).map_err(BadConfig)?;
            tracing::info!(n_areas = settings.areas.len(), "area denominators read");
        }
        // The value of each outcome, when the partnership keeps its own.
        let values = path.with_file_name("unit-values.csv");
        if values.is_file() {
            let text = std::fs::read_to_string(&values).map_err(|e| BadConfig(format!("{}: {e}", values.display())))?;
            settings.unit_values =
                famgraph_pipeline::unit_values::parse(&text, &values.display().to_string()).map_err(BadConfig)?;
            tracing::info!(n_values = settings.unit_values.len(), "unit values read");
        }
        if let Some(audit) = config.audit {
            let bad = |why: String| BadConfig(format!("{}: [audit]: {why}", path.display()));
            watch = audit.try_into().map_err(|e: toml::de::Error| bad(e.message().to_owned()))?;
            watch.check().map_err(bad)?;
        }
    }
    Ok(Context { settings, watch })
}
