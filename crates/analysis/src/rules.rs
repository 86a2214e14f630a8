//! Programme rules as data: which families a programme would take, and
//! why. A ruleset (TOML, see `rulesets/`) lists criteria, each met by any
//! of some current needs (and optionally a cost or a number of agencies),
//! local filters of the same shape, and the ways to be eligible: so many
//! criteria, perhaps with a local filter, perhaps only with dependent
//! children. Troubled Families phases 1 and 2 and Supporting Families
//! come bundled; a partnership adds its own in its config file.

use std::collections::BTreeMap;

use famgraph_graph::{ADULT_AGE, FamilyGraph};
use famgraph_model::{Date, Need};
use serde::Deserialize;

use crate::{FamilyAnalysis, Weights};

/// The rulesets that come with famgraph, in `rulesets/`.
const BUNDLED: [(&str, &str); 3] = [
    ("rulesets/tf1.toml", include_str!("../../../rulesets/tf1.toml")),
    ("rulesets/tf2.toml", include_str!("../../../rulesets/tf2.toml")),
    ("rulesets/supporting_families.toml", include_str!("../../../rulesets/supporting_families.toml")),
];

/// The shortest and longest window a partnership may set: a month, and
/// ten years.
const MIN_WINDOW_DAYS: i32 = 28;
const MAX_WINDOW_DAYS: i32 = 3653;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ruleset {
    /// What `?ruleset=` and `--ruleset` take: letters, digits, `_` and `-`.
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Only families with a member under 18 can be eligible.
    #[serde(default)]
    pub requires_children: bool,
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub local_filters: Vec<Criterion>,
    /// Eligible if any of these holds.
    pub eligible_if: Vec<Route>,
}

/// A condition on a family: every part given must hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    /// Met by any of these needs (need codes of the contract): open now,
    /// or with `within_days`, seen in that many days before the extract.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Count what was seen in this many days before the extract date (at
    /// most the analysis window) rather than what is open now: the
    /// programmes name such periods ("in the last 12 months").
    #[serde(default)]
    pub within_days: Option<i32>,
    #[serde(default)]
    pub min_annual_cost_gbp: Option<f64>,
    #[serde(default)]
    pub min_agencies: Option<usize>,
}

/// One way to be eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub min_criteria: usize,
    /// A local filter must hold too.
    #[serde(default)]
    pub local_filter: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{source_name}: {reason}")]
    Invalid { source_name: String, reason: String },
}

fn invalid(source_name: &str, reason: impl Into<String>) -> RulesError {
    RulesError::Invalid { source_name: source_name.to_owned(), reason: reason.into() }
}

impl Ruleset {
    /// Parses and checks one ruleset; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Ruleset, RulesError> {
        let ruleset: Ruleset = toml::from_str(text).map_err(|e| invalid(source_name, e.message()))?;
        ruleset.check(source_name)?;
        Ok(ruleset)
    }

    fn check(&self, source_name: &str) -> Result<(), RulesError> {
        let where_ = format!("{source_name}, ruleset `{}`", self.name);
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(invalid(&where_, "name must be letters, digits, `_` or `-`"));
        }
        if self.criteria.is_empty() || self.eligible_if.is_empty() {
            return Err(invalid(&where_, "needs at least one criterion and one `eligible_if`"));
        }
        for criterion in self.criteria.iter().chain(&self.local_filters) {
            for need in &criterion.needs {
                if Need::parse(need).is_none() {
                    return Err(invalid(&where_, format!("criterion `{}`: unknown need `{need}`", criterion.id)));
                }
            }
            if criterion.within_days.is_some_and(|d| d < 1) {
                return Err(invalid(&where_, format!("criterion `{}`: within_days must be 1 or more", criterion.id)));
            }
            if criterion.needs.is_empty() && criterion.min_annual_cost_gbp.is_none() && criterion.min_agencies.is_none()
            {
                return Err(invalid(&where_, format!("criterion `{}` has no condition", criterion.id)));
            }
        }
        for route in &self.eligible_if {
            if route.min_criteria > self.criteria.len() {
                return Err(invalid(&where_, "an `eligible_if` asks for more criteria than there are"));
            }
            if route.local_filter && self.local_filters.is_empty() {
                return Err(invalid(&where_, "an `eligible_if` needs a local filter, but there is none"));
            }
        }
        Ok(())
    }

    /// Whether a family is eligible, with the evidence for every criterion.
    /// A criterion counts what is open on `as_of`, or with `within_days`
    /// what was seen in that many days before it (no further back than
    /// the analysis window, `window_days`).
    pub fn assess(&self, family: &FamilyAnalysis, graph: &FamilyGraph, as_of: Date, window_days: i32) -> Eligibility {
        let check = |c: &Criterion| {
            let counts = match c.within_days {
                None => "open now".to_owned(),
                Some(days) => crate::window_words(days.min(window_days)),
            };
            let (needs, agencies): (Vec<Need>, usize) = match c.within_days {
                None => (
                    c.needs
                        .iter()
                        .filter_map(|n| Need::parse(n))
                        .filter(|n| family.needs_now.contains_key(n))
                        .collect(),
                    family.agencies_now.len(),
                ),
                Some(days) => {
                    let from = as_of.add_days(-days.min(window_days));
                    let seen = |i: &usize| crate::end_or(&graph.bundle.involvements[*i], as_of) >= from;
                    let needs = c
                        .needs
                        .iter()
                        .filter_map(|n| Need::parse(n))
                        .filter(|n| family.needs.get(n).is_some_and(|e| e.involvements.iter().any(seen)))
                        .collect();
                    let agencies: std::collections::BTreeSet<&str> = graph.families[family.family]
                        .members
                        .iter()
                        .flat_map(|&p| graph.involvements_of[p].iter())
                        .filter(|i| seen(i))
                        .map(|&i| graph.bundle.involvements[i].agency.as_str())
                        .collect();
                    (needs, agencies.len())
                }
            };
            let met = (c.needs.is_empty() || !needs.is_empty())
                && c.min_annual_cost_gbp.is_none_or(|min| family.annual_cost_gbp >= min)
                && c.min_agencies.is_none_or(|min| agencies >= min);
            CriterionResult { id: c.id.clone(), label: c.label.clone(), met, needs, counts }
        };
        let criteria: Vec<CriterionResult> = self.criteria.iter().map(check).collect();
        let local_filters: Vec<CriterionResult> = self.local_filters.iter().map(check).collect();
        let n_met = criteria.iter().filter(|c| c.met).count();
        let local = local_filters.iter().any(|c| c.met);
        let has_children = graph.families[family.family]
            .members
            .iter()
            .any(|&p| graph.people[p].date_of_birth.is_some_and(|born| born.age_on(as_of) < ADULT_AGE));
        let eligible = (!self.requires_children || has_children)
            && self.eligible_if.iter().any(|route| n_met >= route.min_criteria && (!route.local_filter || local));
        Eligibility {
            ruleset: self.name.clone(),
            eligible,
            criteria_met: n_met,
            criteria,
            local_filters,
            has_dependent_children: has_children,
        }
    }
}

/// A family against one ruleset.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligibility {
    pub ruleset: String,
    pub eligible: bool,
    pub criteria_met: usize,
    pub criteria: Vec<CriterionResult>,
    pub local_filters: Vec<CriterionResult>,
    pub has_dependent_children: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CriterionResult {
    pub id: String,
    pub label: String,
    pub met: bool,
    /// The family's needs that meet it.
    pub needs: Vec<Need>,
    /// What it counts, in words: "open now" or "the last year".
    pub counts: String,
}

/// The rulesets a deployment knows, by name.
#[derive(Debug, Clone)]
pub struct Rulesets {
    by_name: BTreeMap<String, Ruleset>,
}

impl Rulesets {
    /// The bundled rulesets.
    ///
    /// # Panics
    /// If a bundled ruleset does not parse, which the tests rule out.
    pub fn bundled() -> Rulesets {
        let mut by_name = BTreeMap::new();
        for (source_name, text) in BUNDLED {
            let ruleset = Ruleset::parse(text, source_name).expect("bundled rulesets parse");
            by_name.insert(ruleset.name.clone(), ruleset);
        }
        Rulesets { by_name }
    }

    /// Adds a ruleset, replacing any of the same name.
    pub fn add(&mut self, ruleset: Ruleset) {
        self.by_name.insert(ruleset.name.clone(), ruleset);
    }

    pub fn get(&self, name: &str) -> Option<&Ruleset> {
        self.by_name.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Ruleset> {
        self.by_name.values()
    }

    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}

/// A partnership's configuration file: score weights, its own rulesets,
/// and what its audit review flags (`[audit]`, read by the service).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    weights: Option<Weights>,
    #[serde(default)]
    rulesets: Vec<Ruleset>,
    #[serde(default)]
    audit: Option<toml::Table>,
    #[serde(default)]
    analysis: Option<AnalysisSection>,
    #[serde(default)]
    meeting: Option<MeetingSection>,
}

/// `[meeting]`: who the meeting pack suggests leads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingSection {
    lead_order: Option<Vec<String>>,
}

/// `[analysis]`: the window the analyses look back over.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisSection {
    window_days: Option<i32>,
}

/// A configuration file, read.
#[derive(Debug, Clone)]
pub struct PartnershipConfig {
    pub weights: Weights,
    /// `[analysis] window_days`, if set.
    pub window_days: Option<i32>,
    /// `[meeting] lead_order`, if set: agency or sector codes, first leads.
    pub lead_order: Option<Vec<String>>,
    pub rulesets: Vec<Ruleset>,
    /// The `[audit]` section as written, for the service to read.
    pub audit: Option<toml::Table>,
}

/// Parses a configuration file (TOML): `[weights]` overrides the default
/// points per reason (any left out keep theirs), and each `[[rulesets]]`
/// adds a ruleset or replaces a bundled one of the same name.
pub fn parse_config(text: &str, source_name: &str) -> Result<PartnershipConfig, RulesError> {
    let config: ConfigFile = toml::from_str(text).map_err(|e| invalid(source_name, e.message()))?;
    for ruleset in &config.rulesets {
        ruleset.check(source_name)?;
    }
    let weights = config.weights.unwrap_or_default();
    weights.check().map_err(|reason| invalid(source_name, reason))?;
    let window_days = config.analysis.and_then(|a| a.window_days);
    if let Some(days) = window_days
        && !(MIN_WINDOW_DAYS..=MAX_WINDOW_DAYS).contains(&days)
    {
        return Err(invalid(
            source_name,
            format!("[analysis] window_days must be from {MIN_WINDOW_DAYS} to {MAX_WINDOW_DAYS} days, not {days}"),
        ));
    }
    let lead_order = config.meeting.and_then(|m| m.lead_order);
    Ok(PartnershipConfig { weights, window_days, lead_order, rulesets: config.rulesets, audit: config.audit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rulesets_parse() {
        let rulesets = Rulesets::bundled();
        assert_eq!(rulesets.names(), ["supporting_families", "tf1", "tf2"]);
        assert_eq!(rulesets.get("tf2").unwrap().criteria.len(), 6);
        assert!(rulesets.get("supporting_families").unwrap().requires_children);
    }

    #[test]
    fn bad_rulesets_say_what_and_where() {
        let bad = |text: &str, expected: &str| {
            let err = Ruleset::parse(text, "local.toml").unwrap_err().to_string();
            assert!(err.starts_with("local.toml") && err.contains(expected), "{err}");
        };
        let ok = "name = \"x\"\ntitle = \"X\"\n[[criteria]]\nid = \"c\"\nlabel = \"C\"\nneeds = [\"crime\"]\n[[eligible_if]]\nmin_criteria = 1\n";
        assert!(Ruleset::parse(ok, "local.toml").is_ok());
        bad(&ok.replace("crime", "crimes"), "unknown need `crimes`");
        bad(&ok.replace("min_criteria = 1", "min_criteria = 2"), "more criteria than there are");
        bad(&ok.replace("name = \"x\"", "name = \"x y\""), "name must be");
        bad(&ok.replace("needs = [\"crime\"]", ""), "has no condition");
        bad(&format!("{ok}colour = \"red\"\n"), "colour");
        bad(&ok.replace("min_criteria = 1", "min_criteria = 1\nlocal_filter = true"), "there is none");
    }

    #[test]
    fn config_sets_weights_and_adds_rulesets() {
        let text = "[analysis]\nwindow_days = 365\n\n[weights]\nneed_now = 5\n\n[[rulesets]]\nname = \"local\"\ntitle = \"Local\"\n[[rulesets.criteria]]\nid = \"costly\"\nlabel = \"Costly\"\nmin_annual_cost_gbp = 1000\n[[rulesets.eligible_if]]\nmin_criteria = 1\n";
        let PartnershipConfig { weights, rulesets, audit, window_days, .. } =
            parse_config(text, "famgraph.toml").unwrap();
        assert!(audit.is_none());
        assert_eq!(window_days, Some(365));
        assert!((weights.need_now - 5.0).abs() < f64::EPSILON);
        assert!((weights.duplicated_need_now - Weights::default().duplicated_need_now).abs() < f64::EPSILON);
        assert_eq!(rulesets[0].name, "local");
        let err = parse_config("[weights]\nneed_now = -1\n", "famgraph.toml").unwrap_err().to_string();
        assert!(err.contains("need_now"), "{err}");
        let err = parse_config("[analysis]\nwindow_days = 5\n", "famgraph.toml").unwrap_err().to_string();
        assert!(err.contains("window_days") && err.contains("not 5"), "{err}");
        assert!(parse_config("[weights]\nneeds = 1\n", "famgraph.toml").is_err(), "unknown weight");
    }
}
