//! The analyses the partnership asks for, run on the family graph:
//! intergenerational offending, agencies working with one household at
//! once (and on the same need), each family's needs against the ten
//! headline needs, the public cost of the current response, and a score
//! that is the sum of named reasons.
//!
//! Pure: reads a `FamilyGraph`, returns an [`Analysis`]. The score counts
//! what is recorded now; it predicts nothing about anyone.

mod offending;
pub mod overlap;
mod rules;
mod score;
pub mod sensitivity;

use std::collections::{BTreeMap, BTreeSet};

use famgraph_graph::{FamilyGraph, FamilyIdx, PersonIdx};
use famgraph_model::{CostBasis, Date, Involvement, Need, Role, Service};

pub use offending::OffendingChain;
pub use overlap::{AgencyPair, Overlap};
pub use rules::{CriterionResult, Eligibility, PartnershipConfig, Route, RulesError, Ruleset, Rulesets, parse_config};
pub use score::{Counts, Reason, Weights, window_words};

/// The window, by default: involvements that ended more than this many
/// days before the extract date are history, shown but not counted. A
/// partnership sets its own (`[analysis] window_days`).
pub const RECENT_DAYS: i32 = 730;
/// The window the cost of the current response is counted over.
pub const COST_WINDOW_DAYS: i32 = 365;

#[derive(Debug, Clone)]
pub struct Config {
    pub window_days: i32,
    pub weights: Weights,
    /// Who leads when several agencies have a keyworker with a family now:
    /// the first of these (agency codes or sector codes) among them; the
    /// others step back (`[meeting] lead_order`).
    pub lead_order: Vec<String>,
}

/// The partnership's rule by default: the statutory plan holder leads
/// (children's social care, then youth justice and probation), early help
/// and the voluntary sector step back.
pub const DEFAULT_LEAD_ORDER: [&str; 11] = [
    "childrens_social_care",
    "youth_justice",
    "probation",
    "adult_social_care",
    "health",
    "housing",
    "education",
    "police",
    "employment_benefits",
    "early_help",
    "voluntary",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            window_days: RECENT_DAYS,
            weights: Weights::default(),
            lead_order: DEFAULT_LEAD_ORDER.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// The involvements that evidence one need of a family.
#[derive(Debug, Clone, Default)]
pub struct NeedEvidence {
    /// Indices into `Bundle::involvements`.
    pub involvements: Vec<usize>,
    pub agencies: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct FamilyAnalysis {
    pub family: FamilyIdx,
    /// Needs seen in the window (open now or not), each with its evidence.
    pub needs: BTreeMap<Need, NeedEvidence>,
    /// Needs open on the extract date, each with its open involvements.
    pub needs_now: BTreeMap<Need, NeedEvidence>,
    /// Agencies involved with any member in the window.
    pub agencies: BTreeSet<String>,
    pub chains: Vec<OffendingChain>,
    pub overlaps: Vec<Overlap>,
    /// The most agencies with a keyworker involvement open at one time in
    /// the family.
    pub max_concurrent_keyworkers: usize,
    /// Agencies with a keyworker involvement open on `as_of`: who leads
    /// the work with the family now. None with several needs, and nobody
    /// leads; several, and the meeting may ask who steps back.
    pub keyworkers_now: BTreeSet<String>,
    /// Agencies with any involvement open on `as_of`: who works with the
    /// family now, as the family view's "working now" lists them.
    pub agencies_now: BTreeSet<String>,
    /// The agency the partnership's rule (`Config::lead_order`) suggests
    /// leads, of those with a keyworker now; the others step back.
    pub suggested_lead: Option<String>,
    pub steps_back: Vec<String>,
    /// The most agencies involved with the family's members at one time,
    /// over the involvements running in the recent window.
    pub max_concurrent_agencies: usize,
    pub annual_cost_gbp: f64,
    pub reasons: Vec<Reason>,
    pub score: f64,
    /// Position on the shortlist, 1 first; `None` for a family with no score.
    pub rank: Option<usize>,
}

pub struct Analysis {
    pub as_of: Date,
    /// The window the analyses look back over, in days before `as_of`.
    pub window_days: i32,
    pub families: Vec<FamilyAnalysis>,
    /// The shortlist: families with a score, highest first.
    pub ranking: Vec<FamilyIdx>,
    pub agency_pairs: Vec<AgencyPair>,
}

/// The window the analyses look back over, printed beside every figure
/// that counts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    pub days: i32,
    /// The first day in it.
    pub from: String,
    /// The extract date: "now".
    pub to: String,
    /// "the last two years".
    pub words: String,
}

impl Analysis {
    pub fn window(&self) -> Window {
        Window {
            days: self.window_days,
            from: self.as_of.add_days(-self.window_days).to_string(),
            to: self.as_of.to_string(),
            words: window_words(self.window_days),
        }
    }
}

/// Whether an involvement records offending by the person.
pub fn is_offending(involvement: &Involvement, service: &Service) -> bool {
    service.offending || involvement.role == Role::Perpetrator
}

/// Whether an involvement is open on `day`: begun, and not ended before it.
pub fn open_on(involvement: &Involvement, day: Date) -> bool {
    involvement.start_date <= day && involvement.end_date.is_none_or(|end| end >= day)
}

/// The end of an involvement for overlap purposes: open ones run to `as_of`.
pub fn end_or(involvement: &Involvement, as_of: Date) -> Date {
    involvement.end_date.unwrap_or(as_of)
}

#[tracing::instrument(skip_all, fields(n_families = graph.families.len()))]
pub fn analyse(graph: &FamilyGraph, config: &Config) -> Analysis {
    let as_of = graph.as_of();
    let recent_from = as_of.add_days(-config.window_days);
    let mut families: Vec<FamilyAnalysis> = graph
        .families
        .iter()
        .enumerate()
        .map(|(family, f)| {
            let current: Vec<(PersonIdx, usize)> = f
                .members
                .iter()
                .flat_map(|&p| graph.involvements_of[p].iter().map(move |&i| (p, i)))
                .filter(|&(_, i)| end_or(&graph.bundle.involvements[i], as_of) >= recent_from)
                .collect();
            let mut needs: BTreeMap<Need, NeedEvidence> = BTreeMap::new();
            let mut needs_now: BTreeMap<Need, NeedEvidence> = BTreeMap::new();
            let mut agencies = BTreeSet::new();
            for &(_, i) in &current {
                let inv = &graph.bundle.involvements[i];
                let service = &graph.bundle.services[graph.service_of_involvement[i]];
                agencies.insert(inv.agency.clone());
                // A victim of crime has no crime need of their own: keep
                // victims apart from perpetrators.
                if service.need == Need::Crime && inv.role == Role::Victim {
                    continue;
                }
                let add = |to: &mut BTreeMap<Need, NeedEvidence>| {
                    let evidence = to.entry(service.need).or_default();
                    evidence.involvements.push(i);
                    evidence.agencies.insert(inv.agency.clone());
                };
                add(&mut needs);
                if open_on(inv, as_of) {
                    add(&mut needs_now);
                }
            }
            let chains = offending::chains(graph, family);
            let overlaps = overlap::within_family(graph, family, recent_from, as_of);
            let max_concurrent_keyworkers = overlap::max_concurrent_keyworkers(graph, &current, as_of);
            let keyworkers_now = current
                .iter()
                .filter(|&&(_, i)| {
                    open_on(&graph.bundle.involvements[i], as_of)
                        && graph.bundle.services[graph.service_of_involvement[i]].keyworker
                })
                .map(|&(_, i)| graph.bundle.involvements[i].agency.clone())
                .collect();
            let agencies_now = current
                .iter()
                .filter(|&&(_, i)| open_on(&graph.bundle.involvements[i], as_of))
                .map(|&(_, i)| graph.bundle.involvements[i].agency.clone())
                .collect();
            let max_concurrent_agencies = overlap::max_concurrent_agencies(graph, &current, as_of);
            let (suggested_lead, steps_back) = lead(graph, &keyworkers_now, &config.lead_order);
            let annual_cost_gbp = current.iter().map(|&(_, i)| involvement_cost(graph, i, as_of)).sum();
            let mut analysis = FamilyAnalysis {
                family,
                needs,
                needs_now,
                agencies,
                chains,
                overlaps,
                max_concurrent_keyworkers,
                keyworkers_now,
                agencies_now,
                suggested_lead,
                steps_back,
                max_concurrent_agencies,
                annual_cost_gbp,
                reasons: Vec::new(),
                score: 0.0,
                rank: None,
            };
            analysis.reasons = score::reasons(&analysis, &config.weights, config.window_days);
            analysis.score = analysis.reasons.iter().map(|r| r.points).sum();
            analysis
        })
        .collect();

    let mut ranking: Vec<FamilyIdx> = (0..families.len()).filter(|&f| families[f].score > 0.0).collect();
    // Ties in the order of the families' ids, which no row order changes.
    ranking.sort_by(|&a, &b| {
        families[b].score.total_cmp(&families[a].score).then_with(|| graph.families[a].id.cmp(&graph.families[b].id))
    });
    for (position, &family) in ranking.iter().enumerate() {
        families[family].rank = Some(position + 1);
    }
    let agency_pairs = overlap::agency_pairs(&families);
    tracing::info!(n_shortlisted = ranking.len(), n_agency_pairs = agency_pairs.len(), "analysis done");
    Analysis { as_of, window_days: config.window_days, families, ranking, agency_pairs }
}

/// The lead the rule suggests among the agencies with a keyworker now (the
/// earliest in `order`, by agency code or sector; one not in it after all
/// those that are), and the others, who step back.
fn lead(graph: &FamilyGraph, keyworkers: &BTreeSet<String>, order: &[String]) -> (Option<String>, Vec<String>) {
    let place = |agency: &String| {
        let sector = graph.bundle.agencies.iter().find(|a| &a.code == agency).map(|a| a.sector.code());
        order.iter().position(|o| o == agency || Some(o.as_str()) == sector).unwrap_or(order.len())
    };
    let mut ranked: Vec<&String> = keyworkers.iter().collect();
    ranked.sort_by_key(|a| (place(a), (*a).clone()));
    let mut ranked = ranked.into_iter().cloned();
    let lead = ranked.next();
    (lead, ranked.collect())
}

/// Public spend on one involvement over the year to `as_of`.
pub fn involvement_cost(graph: &FamilyGraph, involvement: usize, as_of: Date) -> f64 {
    involvement_cost_between(graph, involvement, as_of.add_days(-COST_WINDOW_DAYS), as_of, as_of)
}

/// Public spend on one involvement from `from` to `to`: an episode's cost
/// when it began then, a weekly or yearly one pro rata for the days it ran
/// (an open one to `as_of`).
pub fn involvement_cost_between(graph: &FamilyGraph, involvement: usize, from: Date, to: Date, as_of: Date) -> f64 {
    let inv = &graph.bundle.involvements[involvement];
    let Some((unit_cost, basis)) = graph.bundle.services[graph.service_of_involvement[involvement]].unit_cost else {
        return 0.0;
    };
    let start = inv.start_date.max(from);
    let end = end_or(inv, as_of).min(to);
    let days = f64::from((end.days() - start.days()).max(0));
    match basis {
        CostBasis::PerEpisode => {
            if inv.start_date >= from && inv.start_date <= to {
                unit_cost
            } else {
                0.0
            }
        }
        CostBasis::PerWeek => unit_cost * days / 7.0,
        CostBasis::PerYear => unit_cost * days / 365.0,
    }
}

#[cfg(test)]
mod tests;
