//! Aggregate figures for bid writers: counts of families by need, number
//! of needs and area, the cost of the current response, and the trend
//! quarter by quarter. No personal data, and every count from 1 to the
//! threshold minus one is hidden.

use std::collections::BTreeMap;

use famgraph_model::{Date, Need};
use serde::Serialize;

use crate::decisions::{Decided, Decision};
use crate::suppression::{Cells, Disclosure};
use famgraph_pipeline::Snapshot;
use famgraph_pipeline::unit_values::ValueType;

#[derive(Serialize)]
pub struct NeedCount {
    pub need: &'static str,
    pub label: &'static str,
    /// Families with the need seen in the window.
    pub families: Option<u64>,
    /// Families with the need open on the extract date.
    pub families_now: Option<u64>,
    pub annual_cost_gbp: Option<f64>,
}

#[derive(Serialize)]
pub struct Bucket {
    pub key: String,
    pub families: Option<u64>,
}

/// One area's families, the children in them, and rates where the
/// partnership gave the area's denominators.
#[derive(Serialize)]
pub struct AreaCount {
    /// A postcode district, or `unknown`.
    pub key: String,
    /// Families with a need in the window whose home is in the area.
    pub families: Option<u64>,
    /// Children (under 18 on the extract date) in those families.
    pub children: Option<u64>,
    /// Per 1,000 of the area's households, from the counts shown.
    pub families_per_1000_households: Option<f64>,
    /// Per 1,000 of the area's children, from the counts shown.
    pub children_per_1000_children: Option<f64>,
    /// The denominators, as `areas.csv` gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominators: Option<Denominators>,
}

#[derive(Serialize)]
pub struct Denominators {
    pub households: Option<u64>,
    pub children: Option<u64>,
    pub source: String,
    pub year: String,
}

/// Families with one need in one area.
#[derive(Serialize)]
pub struct AreaNeedCount {
    pub area: String,
    pub need: &'static str,
    pub label: &'static str,
    pub families: Option<u64>,
}

#[derive(Serialize)]
pub struct Evidence {
    pub as_of: String,
    pub suppression_threshold: u64,
    /// Counts shown are rounded to the nearest this (1: exact).
    pub rounded_to: u64,
    pub note: &'static str,
    /// The window the figures counted "in the window" look back over.
    pub window: famgraph_analysis::Window,
    /// What each headline figure counts: `now` (open on the extract date),
    /// the window in words, `ever` (all recorded history) or `the year to
    /// the extract date`.
    pub periods: BTreeMap<&'static str, String>,
    /// Families with at least one need in the window.
    pub families_with_needs: Option<u64>,
    /// Families with at least one need open now.
    pub families_with_needs_now: Option<u64>,
    pub families_with_three_or_more_needs: Option<u64>,
    pub families_with_three_or_more_needs_now: Option<u64>,
    pub intergenerational_offending_families: Option<u64>,
    pub families_with_concurrent_agencies: Option<u64>,
    /// Families where two agencies are still involved with one household
    /// now, on the extract date: the duplication to sort out today.
    pub families_with_concurrent_agencies_now: Option<u64>,
    pub families_with_duplicated_need: Option<u64>,
    /// Families with three or more needs open now and no agency's keyworker now:
    /// nobody leads the work with them.
    pub families_with_three_or_more_needs_and_no_keyworker: Option<u64>,
    /// Families with keyworkers from two or more agencies now.
    pub families_with_several_keyworkers_now: Option<u64>,
    pub by_need: Vec<NeedCount>,
    pub by_number_of_needs: Vec<Bucket>,
    pub by_area: Vec<AreaCount>,
    /// What the areas' rates stand on: the denominators' sources, or that
    /// none were given.
    pub rates_note: String,
    /// Families with each need in the window, by area.
    pub by_area_need: Vec<AreaNeedCount>,
    /// Families eligible under each programme ruleset (as the shortlist's
    /// `?ruleset=` takes them), each criterion counting what its ruleset
    /// says: open now, or a named period.
    pub by_programme: Vec<ProgrammeCount>,
    /// Public spend over the year to `as_of`, rounded to the nearest £1,000.
    pub annual_cost_gbp: Option<f64>,
    /// What the current response costs a family, the cost of keyworkers
    /// from several agencies with one family at once, and the value of
    /// the outcomes claimed, each with its assumptions.
    pub cost_benefit: CostBenefit,
    /// The last eight calendar quarters every agency's extract covers to
    /// their end, oldest first, over every family as now linked: the
    /// trend behind the figures above.
    pub by_quarter: Vec<QuarterCount>,
    /// The quarters after those, which one or more agencies' extracts end
    /// before: shown apart, kept out of the trend (their counts lag).
    pub incomplete_quarters: Vec<QuarterCount>,
    /// Families by the partnership meeting's decision now (taken on, not
    /// now, already managed, closed), when decisions are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_decision: Option<Vec<DecisionCount>>,
    /// The outcomes of the families taken on, since each was taken on,
    /// when decisions are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<OutcomeFigures>,
}

/// Cost-benefit in the Unit Cost Database's form: costs from the
/// services' unit costs, values from the partnership's unit values per
/// outcome. Every cost and value is hidden with the count it stands on.
#[derive(Serialize)]
pub struct CostBenefit {
    /// What the costs count: the year to the extract date.
    pub period: &'static str,
    /// The annual cost of the current response over the families with
    /// needs: `annual_cost_gbp` / `families_with_needs`, to the nearest £10.
    pub average_annual_cost_per_family_gbp: Option<f64>,
    /// The annual cost of the current response to the families with three
    /// or more needs, to the nearest £1,000.
    pub annual_cost_of_families_with_three_or_more_needs_gbp: Option<f64>,
    pub average_annual_cost_per_family_with_three_or_more_needs_gbp: Option<f64>,
    /// Families with keyworkers from two or more agencies on one day or
    /// more of the year.
    pub families_with_duplicated_keyworker_time: Option<u64>,
    /// The cost of that duplicated time, to the nearest £1,000.
    pub duplicated_keyworker_cost_gbp: Option<f64>,
    /// Each valued outcome of the families taken on (with the meeting's
    /// decisions): families with it achieved × its unit value.
    pub outcome_values: Vec<OutcomeValue>,
    /// The value of the outcomes claimed by type (fiscal, economic,
    /// social): the sum of the values shown; `null` for a type no outcome
    /// claimed has a value of.
    pub value_of_outcomes_gbp: BTreeMap<&'static str, Option<f64>>,
    /// Outcomes achieved that the unit values give no value for.
    pub outcomes_not_valued: Vec<&'static str>,
    /// The unit values as the partnership gave them (`unit-values.csv`
    /// beside the configuration), or the bundled form, which values none.
    pub unit_values: Vec<famgraph_pipeline::unit_values::UnitValue>,
    /// What each figure assumes, to print beside it.
    pub assumptions: Vec<&'static str>,
}

/// One outcome's value of one type.
#[derive(Serialize)]
pub struct OutcomeValue {
    pub need: &'static str,
    pub outcome: String,
    pub value_type: &'static str,
    /// Families taken on with the outcome achieved.
    pub families: Option<u64>,
    pub unit_value_gbp: f64,
    pub unit: String,
    /// `families × unit_value_gbp`; hidden with `families`.
    pub value_gbp: Option<f64>,
    pub source: String,
    pub price_year: String,
}

/// What the cost-benefit figures assume.
const ASSUMPTIONS: [&str; 5] = [
    "Costs are the services' unit costs as the agencies' extracts give them: an episode's cost when it began in \
     the year, a weekly or yearly cost pro rata for the days it ran in the year.",
    "The averages divide the published cost by the published count of families, so each stands on figures shown \
     beside it.",
    "Duplicated keyworker time: on each day keyworkers from two or more agencies worked with one family, the cost \
     of all but the costliest agency's keyworker time (one keyworker would lead). A service costed by episode is \
     not time and counts nothing. It is the cost of overlapping work, not a saving: the time may be needed \
     elsewhere.",
    "The value of outcomes is the families taken on with each outcome achieved, as counted above, times the unit \
     value the partnership gives for it, for one year, with no deadweight, attribution or optimism bias applied: \
     adjust for those as the Unit Cost Database's guidance sets out before putting it in a bid.",
    "famgraph ships no unit value it cannot cite: an outcome without one in unit-values.csv is listed as not \
     valued, never counted as worth nothing.",
];

/// The outcomes of the families worked with (taken on, or taken on and
/// closed since), each counted from its baseline.
#[derive(Serialize)]
pub struct OutcomeFigures {
    pub rule: &'static str,
    pub families_worked_with: Option<u64>,
    pub families_with_an_outcome: Option<u64>,
    pub families_with_every_need_achieved: Option<u64>,
    pub supporting_families_claims: Option<u64>,
    pub by_need: Vec<NeedOutcomes>,
}

#[derive(Serialize)]
pub struct NeedOutcomes {
    pub need: &'static str,
    pub label: &'static str,
    /// Families with an outcome achieved on it.
    pub families: Option<u64>,
}

/// Families eligible under one programme ruleset.
#[derive(Serialize)]
pub struct ProgrammeCount {
    pub ruleset: String,
    pub title: String,
    pub families: Option<u64>,
}

/// Families carrying one decision now.
#[derive(Serialize)]
pub struct DecisionCount {
    pub decision: &'static str,
    pub label: &'static str,
    pub families: Option<u64>,
}

/// One calendar quarter's activity.
#[derive(Serialize)]
pub struct QuarterCount {
    /// e.g. `2024 Q1`.
    pub quarter: String,
    pub from: String,
    /// The quarter's last day, or the extract date for the quarter it is in.
    pub to: String,
    /// Families with any involvement running in the quarter.
    pub families_worked_with: Option<u64>,
    /// Families with an involvement that began in the quarter.
    pub families_with_new_involvements: Option<u64>,
    /// Families with offending recorded in the quarter (an offending
    /// involvement that began in it).
    pub families_with_new_offending: Option<u64>,
    /// Public spend in the quarter, to the nearest £1,000; hidden with the
    /// families it was spent on.
    pub cost_gbp: Option<f64>,
    /// Every agency's extract runs to the quarter's end. An incomplete
    /// quarter's counts lag: some agencies had not yet recorded it.
    pub complete: bool,
}

/// The long CSV's columns: one figure a row.
pub const LONG_COLUMNS: [&str; 6] = ["table", "key", "label", "measure", "value", "period"];

/// A hidden figure, as the ONS marks a confidential cell.
pub const HIDDEN: &str = "[c]";

/// Quarters of trend the evidence shows.
pub const TREND_QUARTERS: usize = 8;

/// The last `n` calendar quarters to `as_of`, oldest first: label, first
/// day, last day (the one in progress ends at `as_of`) and the quarter's
/// calendar last day.
fn quarters(as_of: Date, n: usize) -> Vec<(String, Date, Date, Date)> {
    let (year, month, _) = as_of.ymd();
    let current = year * 4 + (month as i32 - 1) / 3;
    (0..n as i32)
        .rev()
        .map(|back| {
            let index = current - back;
            let (year, quarter) = (index.div_euclid(4), index.rem_euclid(4));
            let first = |year: i32, quarter: i32| {
                Date::from_ymd(year, quarter as u32 * 3 + 1, 1).expect("a quarter's first day is a real day")
            };
            let next = if quarter == 3 { first(year + 1, 0) } else { first(year, quarter + 1) };
            let last = next.add_days(-1);
            (format!("{year} Q{}", quarter + 1), first(year, quarter), last.min(as_of), last)
        })
        .collect()
}

/// The trend: the last [`TREND_QUARTERS`] quarters every agency's
/// extract covers to their end, and apart, those later quarters one or
/// more extracts end before (incomplete: a fall there may be no fall).
fn trend(snapshot: &Snapshot, disclosure: Disclosure) -> (Vec<QuarterCount>, Vec<QuarterCount>) {
    let graph = &snapshot.graph;
    let as_of = snapshot.analysis.as_of;
    let earliest = graph.bundle.agencies.iter().map(|a| a.extracted_on).min().unwrap_or(as_of);
    // Extracts end days apart: two quarters more than the trend shows
    // leave room for the incomplete ones.
    let counted: Vec<QuarterCount> = quarters(as_of, TREND_QUARTERS + 2)
        .into_iter()
        .map(|(quarter, from, to, last)| {
            let (mut worked_with, mut new, mut offending, mut cost) = (0, 0, 0, 0.0);
            for family in &graph.families {
                let (mut active, mut began, mut offended) = (false, false, false);
                for &i in family.members.iter().flat_map(|&p| &graph.involvements_of[p]) {
                    let inv = &graph.bundle.involvements[i];
                    if inv.start_date > to || famgraph_analysis::end_or(inv, as_of) < from {
                        continue;
                    }
                    active = true;
                    cost += famgraph_analysis::involvement_cost_between(graph, i, from, to, as_of);
                    if inv.start_date >= from {
                        began = true;
                        offended |= famgraph_analysis::is_offending(
                            inv,
                            &graph.bundle.services[graph.service_of_involvement[i]],
                        );
                    }
                }
                worked_with += u64::from(active);
                new += u64::from(began);
                offending += u64::from(offended);
            }
            let shown = disclosure.show(worked_with);
            QuarterCount {
                quarter,
                from: from.to_string(),
                to: to.to_string(),
                families_worked_with: shown,
                families_with_new_involvements: disclosure.show(new),
                families_with_new_offending: disclosure.show(offending),
                cost_gbp: shown.map(|_| round_thousands(cost)),
                complete: last <= earliest,
            }
        })
        .collect();
    let (complete, incomplete): (Vec<QuarterCount>, Vec<QuarterCount>) = counted.into_iter().partition(|q| q.complete);
    let skip = complete.len().saturating_sub(TREND_QUARTERS);
    (complete.into_iter().skip(skip).collect(), incomplete)
}

/// What the areas' rates stand on.
fn rates_note(areas: &[famgraph_pipeline::areas::Area]) -> String {
    if areas.is_empty() {
        return "counts only: rates per 1,000 households and children need the partnership's area denominators \
                (areas.csv beside the configuration: area, households, children, source, year)"
            .to_owned();
    }
    let mut sources: Vec<String> = areas
        .iter()
        .map(|a| if a.year.is_empty() { a.source.clone() } else { format!("{} ({})", a.source, a.year) })
        .collect();
    sources.sort();
    sources.dedup();
    format!(
        "rates per 1,000 are the counts shown (suppressed and rounded) over the partnership's denominators for {} \
         areas, from {}",
        areas.len(),
        sources.join("; ")
    )
}

fn round_thousands(gbp: f64) -> f64 {
    // `+ 0.0` turns the -0.0 an empty sum gives into 0.0.
    (gbp / 1000.0).round() * 1000.0 + 0.0
}

/// The meeting's decisions as published: the families by decision now
/// (the evidence) and the families worked with, those taken on or closed,
/// with their outcomes since the baseline (`outcomes`), suppressed in one
/// set of cells: the families worked with are `taken_on` plus `closed`,
/// so suppressed apart, one endpoint's figures would give away the
/// other's hidden ones by subtraction. The counts by decision tie to no
/// other published total (a family with no need now can carry one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFigures {
    /// Parallel to `Decision::ALL`.
    pub by_decision: Vec<Option<u64>>,
    pub worked_with: Option<u64>,
    /// Families worked with with at least one outcome achieved.
    pub with_outcomes: Option<u64>,
    /// Of those, with an outcome on every need of their baseline.
    pub with_every_need_achieved: Option<u64>,
    /// Of those, with three or more needs and dependent children at the
    /// baseline: a Supporting Families results claim.
    pub supporting_families_claims: Option<u64>,
    /// Per need, the families worked with with an outcome on it.
    pub outcomes_by_need: Vec<(Need, Option<u64>)>,
}

/// [`DecisionFigures`] from the decisions now and each family's outcomes
/// since the meeting took it on.
pub fn decision_figures(snapshot: &Snapshot, decided: &Decided, disclosure: Disclosure) -> DecisionFigures {
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (_, entry) in decided.now() {
        *counts.entry(entry.decision.code()).or_default() += 1;
    }
    let reports = crate::outcomes::reports(snapshot, decided);
    let worked = counts.get("taken_on").copied().unwrap_or(0) + counts.get("closed").copied().unwrap_or(0);
    let with = reports.iter().filter(|r| r.achieved > 0).count() as u64;
    let every = reports.iter().filter(|r| r.every_need_achieved).count() as u64;
    let claims = reports.iter().filter(|r| r.supporting_families_claim).count() as u64;
    let mut cells = Cells::default();
    let by_decision: Vec<usize> =
        Decision::ALL.iter().map(|d| cells.push(counts.get(d.code()).copied().unwrap_or(0))).collect();
    let at = |d: Decision| by_decision[Decision::ALL.iter().position(|&x| x == d).expect("every decision is in ALL")];
    let worked_with = cells.push(worked);
    cells.sums_to(vec![at(Decision::TakenOn), at(Decision::Closed)], worked_with);
    // Each a part of the one before.
    let with_cell = cells.part_of(with, worked_with);
    let every_cell = cells.part_of(every, with_cell);
    let claims_cell = cells.part_of(claims, every_cell);
    let by_need: Vec<(Need, usize)> = Need::ALL
        .iter()
        .map(|&need| {
            let n = reports
                .iter()
                .filter(|r| {
                    r.outcomes.iter().any(|o| o.need == need.code() && o.status == crate::outcomes::Status::Achieved)
                })
                .count() as u64;
            (need, cells.part_of(n, with_cell))
        })
        .collect();
    let shown = cells.suppressed(disclosure);
    DecisionFigures {
        by_decision: by_decision.iter().map(|&cell| shown[cell]).collect(),
        worked_with: shown[worked_with],
        with_outcomes: shown[with_cell],
        with_every_need_achieved: shown[every_cell],
        supporting_families_claims: shown[claims_cell],
        outcomes_by_need: by_need.into_iter().map(|(need, cell)| (need, shown[cell])).collect(),
    }
}

/// What each headline figure counts, by its key.
fn periods(window: &str) -> BTreeMap<&'static str, String> {
    let now = "now";
    [
        ("families_with_needs", window),
        ("families_with_needs_now", now),
        ("families_with_three_or_more_needs", window),
        ("families_with_three_or_more_needs_now", now),
        ("intergenerational_offending_families", "ever"),
        ("families_with_concurrent_agencies", window),
        ("families_with_concurrent_agencies_now", now),
        ("families_with_duplicated_need", window),
        ("families_with_several_keyworkers_now", now),
        ("families_with_three_or_more_needs_and_no_keyworker", now),
        ("annual_cost_gbp", "the year to the extract date"),
        ("by_need", window),
        ("by_need_now", now),
        ("by_number_of_needs", window),
        ("by_area", window),
        ("by_area_need", window),
        ("by_decision", now),
        ("by_programme", "as each ruleset counts: open now or its named period"),
        ("outcomes", "since each family was taken on"),
        ("outcomes_by_need", "since each family was taken on"),
        ("cost_benefit", "the year to the extract date"),
        ("outcome_values", "a year, for the outcomes achieved since each family was taken on"),
        ("unit_values", "as the unit values give it"),
    ]
    .into_iter()
    .map(|(key, period)| (key, period.to_owned()))
    .collect()
}

pub fn evidence(snapshot: &Snapshot, disclosure: Disclosure) -> Evidence {
    let families: Vec<&famgraph_analysis::FamilyAnalysis> =
        snapshot.analysis.families.iter().filter(|f| !f.needs.is_empty()).collect();
    let count = |keep: &dyn Fn(&famgraph_analysis::FamilyAnalysis) -> bool| -> u64 {
        families.iter().filter(|f| keep(f)).count() as u64
    };
    // Every published count goes into one set of cells, with the sums
    // that tie them together, so secondary suppression sees them all.
    let mut cells = Cells::default();
    let total = cells.push(families.len() as u64);
    // Each "now" count is part of its window count.
    let total_now = cells.part_of(count(&|f| !f.needs_now.is_empty()), total);
    let three_or_more = cells.push(count(&|f| f.needs.len() >= 3));
    let three_or_more_now = cells.part_of(count(&|f| f.needs_now.len() >= 3), three_or_more);
    let intergenerational = cells.push(count(&|f| !f.chains.is_empty()));
    let concurrent = cells.push(count(&|f| !f.overlaps.is_empty()));
    // Part of those at once.
    let concurrent_now = cells.part_of(count(&|f| f.overlaps.iter().any(|o| o.ongoing)), concurrent);
    let duplicated = cells.push(count(&|f| f.overlaps.iter().any(|o| !o.same_needs.is_empty())));
    let no_keyworker = cells.push(count(&|f| f.needs_now.len() >= 3 && f.keyworkers_now.is_empty()));
    let several_keyworkers = cells.push(count(&|f| f.keyworkers_now.len() >= 2));
    // Keyworker time duplicated over the year, family by family.
    let as_of = snapshot.analysis.as_of;
    let year_from = as_of.add_days(-famgraph_analysis::COST_WINDOW_DAYS);
    let duplicated_time: Vec<(f64, i32)> = families
        .iter()
        .map(|f| {
            let members = &snapshot.graph.families[f.family].members;
            famgraph_analysis::overlap::duplicated_keyworker_time(&snapshot.graph, members, year_from, as_of)
        })
        .collect();
    let duplicated_keyworkers = cells.push(duplicated_time.iter().filter(|t| t.1 > 0).count() as u64);

    let need_cells: Vec<(Need, usize, usize, f64)> = Need::ALL
        .iter()
        .map(|&need| {
            let with: Vec<_> = families.iter().filter(|f| f.needs.contains_key(&need)).collect();
            let now = with.iter().filter(|f| f.needs_now.contains_key(&need)).count() as u64;
            let cost: f64 = with
                .iter()
                .flat_map(|f| f.needs[&need].involvements.iter())
                .map(|&i| involvement_cost(snapshot, i))
                .sum();
            let cell = cells.push(with.len() as u64);
            (need, cell, cells.part_of(now, cell), cost)
        })
        .collect();

    let mut by_count: BTreeMap<usize, u64> = BTreeMap::new();
    for f in &families {
        *by_count.entry(f.needs.len().min(6)).or_default() += 1;
    }
    let count_cells: Vec<(usize, usize)> = by_count.into_iter().map(|(n, c)| (n, cells.push(c))).collect();
    cells.sums_to(count_cells.iter().map(|c| c.1).collect(), total);
    cells.sums_to(count_cells.iter().filter(|c| c.0 >= 3).map(|c| c.1).collect(), three_or_more);

    // Each family in one area (its first household's postcode district):
    // its count, the children in it, and its count per need.
    let graph = &snapshot.graph;
    let mut by_area: BTreeMap<String, (u64, u64, [u64; Need::ALL.len()])> = BTreeMap::new();
    for f in &families {
        let family = &graph.families[f.family];
        let area = family
            .households
            .first()
            .and_then(|&h| graph.households[h].postcode.as_ref())
            .map_or_else(|| "unknown".to_owned(), |p| p.district().to_owned());
        let entry = by_area.entry(area).or_default();
        entry.0 += 1;
        entry.1 += family
            .members
            .iter()
            .filter(|&&p| graph.people[p].date_of_birth.is_some_and(|d| d.age_on(as_of) < 18))
            .count() as u64;
        for (i, need) in Need::ALL.iter().enumerate() {
            entry.2[i] += u64::from(f.needs.contains_key(need));
        }
    }
    // An area's need counts are parts of the area's families; across the
    // areas they add up to the need's families.
    let area_cells: Vec<(String, usize, usize, Vec<usize>)> = by_area
        .into_iter()
        .map(|(area, (n, children, needs))| {
            let cell = cells.push(n);
            let children = cells.push(children);
            let needs = needs.iter().map(|&k| cells.part_of(k, cell)).collect();
            (area, cell, children, needs)
        })
        .collect();
    cells.sums_to(area_cells.iter().map(|c| c.1).collect(), total);
    for (i, &(_, need_cell, _, _)) in need_cells.iter().enumerate() {
        cells.sums_to(area_cells.iter().map(|c| c.3[i]).collect(), need_cell);
    }

    // Eligible families per programme: each part of the families with a
    // need, the rest unpublished.
    let analysis = &snapshot.analysis;
    let programme_cells: Vec<(&famgraph_analysis::Ruleset, usize)> = snapshot
        .rulesets
        .iter()
        .map(|ruleset| {
            let eligible = families
                .iter()
                .filter(|f| ruleset.assess(f, &snapshot.graph, analysis.as_of, analysis.window_days).eligible)
                .count() as u64;
            (ruleset, cells.part_of(eligible, total))
        })
        .collect();

    let shown = cells.suppressed(disclosure);
    let (by_quarter, incomplete_quarters) = trend(snapshot, disclosure);
    let total_cost: f64 = families.iter().map(|f| f.annual_cost_gbp).sum();
    // A need's cost is hidden with its count. The needs' costs add up to
    // the total cost (each involvement evidences one need), so one hidden
    // cost could be worked out by subtraction: the smallest visible one
    // goes with it.
    let mut cost_hidden: Vec<bool> = need_cells.iter().map(|&(_, cell, _, _)| shown[cell].is_none()).collect();
    if cost_hidden.iter().filter(|&&h| h).count() == 1 && shown[total].is_some() {
        let smallest = need_cells
            .iter()
            .enumerate()
            .filter(|&(i, &(_, _, _, cost))| !cost_hidden[i] && cost > 0.0)
            .min_by(|a, b| a.1.3.total_cmp(&b.1.3))
            .map(|(i, _)| i);
        if let Some(i) = smallest {
            cost_hidden[i] = true;
        }
    }
    let annual_cost_gbp = shown[total].map(|_| round_thousands(total_cost));
    let three_cost = shown[three_or_more]
        .map(|_| round_thousands(families.iter().filter(|f| f.needs.len() >= 3).map(|f| f.annual_cost_gbp).sum()));
    let average = |cost: Option<f64>, n: Option<u64>| match (cost, n) {
        (Some(cost), Some(n)) if n > 0 => Some((cost / n as f64 / 10.0).round() * 10.0),
        _ => None,
    };
    let cost_benefit = CostBenefit {
        period: "the year to the extract date",
        average_annual_cost_per_family_gbp: average(annual_cost_gbp, shown[total]),
        annual_cost_of_families_with_three_or_more_needs_gbp: three_cost,
        average_annual_cost_per_family_with_three_or_more_needs_gbp: average(three_cost, shown[three_or_more]),
        families_with_duplicated_keyworker_time: shown[duplicated_keyworkers],
        duplicated_keyworker_cost_gbp: shown[duplicated_keyworkers]
            .map(|_| round_thousands(duplicated_time.iter().map(|t| t.0).sum())),
        outcome_values: Vec::new(),
        value_of_outcomes_gbp: BTreeMap::new(),
        outcomes_not_valued: Vec::new(),
        unit_values: snapshot.unit_values.clone(),
        assumptions: ASSUMPTIONS.to_vec(),
    };
    Evidence {
        as_of: snapshot.analysis.as_of.to_string(),
        suppression_threshold: disclosure.threshold,
        rounded_to: disclosure.round_to,
        note: "families are people joined by recorded relationships; counts from 1 to the threshold minus one are \
               null, and so is a second count wherever the first could be worked out from a total; counts shown \
               are rounded to the nearest rounded_to (1: exact)",
        window: snapshot.analysis.window(),
        periods: periods(&snapshot.analysis.window().words),
        families_with_needs: shown[total],
        families_with_needs_now: shown[total_now],
        families_with_three_or_more_needs: shown[three_or_more],
        families_with_three_or_more_needs_now: shown[three_or_more_now],
        intergenerational_offending_families: shown[intergenerational],
        families_with_concurrent_agencies: shown[concurrent],
        families_with_concurrent_agencies_now: shown[concurrent_now],
        families_with_duplicated_need: shown[duplicated],
        families_with_three_or_more_needs_and_no_keyworker: shown[no_keyworker],
        families_with_several_keyworkers_now: shown[several_keyworkers],
        by_need: need_cells
            .into_iter()
            .zip(cost_hidden)
            .map(|((need, cell, now, cost), cost_hidden)| NeedCount {
                need: need.code(),
                label: need.label(),
                families: shown[cell],
                families_now: shown[now],
                annual_cost_gbp: (!cost_hidden).then(|| round_thousands(cost)),
            })
            .collect(),
        by_number_of_needs: count_cells
            .into_iter()
            .map(|(n, cell)| Bucket { key: if n == 6 { "6+".into() } else { n.to_string() }, families: shown[cell] })
            .collect(),
        rates_note: rates_note(&snapshot.areas),
        by_area_need: area_cells
            .iter()
            .flat_map(|(area, _, _, needs)| {
                Need::ALL.iter().zip(needs).map(|(need, &cell)| AreaNeedCount {
                    area: area.clone(),
                    need: need.code(),
                    label: need.label(),
                    families: shown[cell],
                })
            })
            .collect(),
        by_area: area_cells
            .into_iter()
            .map(|(key, cell, children, _)| {
                let given = snapshot.areas.iter().find(|a| a.area == key);
                let per_1000 = |count: Option<u64>, of: Option<u64>| {
                    let (count, of) = (count?, of?);
                    Some((count as f64 * 1000.0 / of as f64 * 10.0).round() / 10.0)
                };
                let (families, children) = (shown[cell], shown[children]);
                AreaCount {
                    families_per_1000_households: per_1000(families, given.and_then(|a| a.households)),
                    children_per_1000_children: per_1000(children, given.and_then(|a| a.children)),
                    denominators: given.map(|a| Denominators {
                        households: a.households,
                        children: a.children,
                        source: a.source.clone(),
                        year: a.year.clone(),
                    }),
                    key,
                    families,
                    children,
                }
            })
            .collect(),
        by_programme: programme_cells
            .into_iter()
            .map(|(r, cell)| ProgrammeCount { ruleset: r.name.clone(), title: r.title.clone(), families: shown[cell] })
            .collect(),
        annual_cost_gbp,
        cost_benefit,
        by_quarter,
        incomplete_quarters,
        by_decision: None,
        outcomes: None,
    }
}

impl Evidence {
    /// Adds the families by the meeting's decision now, as
    /// [`decision_figures`] suppressed them.
    pub fn with_decisions(mut self, shown: &DecisionFigures) -> Evidence {
        self.by_decision = Some(
            Decision::ALL
                .iter()
                .zip(&shown.by_decision)
                .map(|(d, &families)| DecisionCount { decision: d.code(), label: d.label(), families })
                .collect(),
        );
        self.outcomes = Some(OutcomeFigures {
            rule: crate::outcomes::RULE,
            families_worked_with: shown.worked_with,
            families_with_an_outcome: shown.with_outcomes,
            families_with_every_need_achieved: shown.with_every_need_achieved,
            supporting_families_claims: shown.supporting_families_claims,
            by_need: shown
                .outcomes_by_need
                .iter()
                .map(|&(need, families)| NeedOutcomes { need: need.code(), label: need.label(), families })
                .collect(),
        });
        self.value_outcomes(&shown.outcomes_by_need);
        self
    }

    /// The value of the outcomes claimed: each valued outcome's families
    /// (as published) times its unit value, summed by type over the values
    /// shown.
    fn value_outcomes(&mut self, achieved: &[(Need, Option<u64>)]) {
        let cb = &mut self.cost_benefit;
        cb.outcome_values.clear();
        cb.outcomes_not_valued.clear();
        let mut totals: BTreeMap<&'static str, Option<f64>> = ValueType::ALL.iter().map(|t| (t.code(), None)).collect();
        for &(need, families) in achieved {
            let valued: Vec<_> = cb.unit_values.iter().filter(|v| v.need == need && v.value_gbp.is_some()).collect();
            if valued.is_empty() {
                if families != Some(0) {
                    cb.outcomes_not_valued.push(need.code());
                }
                continue;
            }
            for v in valued {
                let unit_value = v.value_gbp.unwrap_or_default();
                let value = families.map(|n| n as f64 * unit_value);
                if let Some(value) = value {
                    *totals.entry(v.value_type.code()).or_default().get_or_insert(0.0) += value;
                }
                cb.outcome_values.push(OutcomeValue {
                    need: need.code(),
                    outcome: v.outcome.clone(),
                    value_type: v.value_type.code(),
                    families,
                    unit_value_gbp: unit_value,
                    unit: v.unit.clone(),
                    value_gbp: value,
                    source: v.source.clone(),
                    price_year: v.price_year.clone(),
                });
            }
        }
        cb.value_of_outcomes_gbp = totals;
    }

    /// The same figures as CSV in long form, one figure a row (`table`,
    /// `key`, `label`, `measure`, `value`), for a bid's spreadsheet to
    /// pivot; a hidden figure is `[c]`, as the ONS marks confidential
    /// cells. The first rows say what was applied.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        crate::csv::push_row(&mut out, &LONG_COLUMNS);
        for row in self.rows() {
            crate::csv::push_row(&mut out, &row);
        }
        out
    }

    /// Every figure as a row of [`LONG_COLUMNS`], in the order the CSV
    /// gives them.
    pub(crate) fn rows(&self) -> Vec<[String; 6]> {
        let mut out = Vec::new();
        let periods = &self.periods;
        let mut row = |table: &str, key: &str, label: &str, measure: &str, value: Option<String>| {
            // A figure's period: its own, its table's, or a quarter's dates.
            let own = match measure {
                "annual_cost_gbp" => "annual_cost_gbp",
                "families_now" => "by_need_now",
                _ => key,
            };
            let period = periods
                .get(own)
                .or_else(|| periods.get(table))
                .map_or(if table.ends_with("quarter") { label } else { "" }, String::as_str);
            let value = value.unwrap_or_else(|| HIDDEN.into());
            out.push([table, key, label, measure, &value, period].map(str::to_owned));
        };
        let count = |n: Option<u64>| n.map(|n| n.to_string());
        let gbp = |n: Option<f64>| n.map(|n| n.to_string());
        row("about", "as_of", "extract date", "date", Some(self.as_of.clone()));
        row(
            "about",
            "suppression_threshold",
            "counts below this are hidden",
            "count",
            count(Some(self.suppression_threshold)),
        );
        row("about", "rounded_to", "counts shown are rounded to the nearest", "count", count(Some(self.rounded_to)));
        let headline = [
            ("families_with_needs", "with at least one need", self.families_with_needs),
            ("families_with_needs_now", "with at least one need open now", self.families_with_needs_now),
            ("families_with_three_or_more_needs", "with three or more needs", self.families_with_three_or_more_needs),
            (
                "families_with_three_or_more_needs_now",
                "with three or more needs open now",
                self.families_with_three_or_more_needs_now,
            ),
            (
                "intergenerational_offending_families",
                "with offending passed from parent to child",
                self.intergenerational_offending_families,
            ),
            (
                "families_with_concurrent_agencies",
                "with agencies working with one household at once",
                self.families_with_concurrent_agencies,
            ),
            (
                "families_with_concurrent_agencies_now",
                "with two agencies still working with one household now",
                self.families_with_concurrent_agencies_now,
            ),
            (
                "families_with_duplicated_need",
                "with the same need addressed by two or more agencies at once",
                self.families_with_duplicated_need,
            ),
            (
                "families_with_several_keyworkers_now",
                "with keyworkers from two or more agencies now",
                self.families_with_several_keyworkers_now,
            ),
            (
                "families_with_three_or_more_needs_and_no_keyworker",
                "with three or more needs and no keyworker now",
                self.families_with_three_or_more_needs_and_no_keyworker,
            ),
        ];
        for (key, label, n) in headline {
            row("families", key, label, "families", count(n));
        }
        row("families", "annual_cost_gbp", "annual cost of the current response", "gbp", gbp(self.annual_cost_gbp));
        for need in &self.by_need {
            row("by_need", need.need, need.label, "families", count(need.families));
            row("by_need", need.need, need.label, "families_now", count(need.families_now));
            row("by_need", need.need, need.label, "annual_cost_gbp", gbp(need.annual_cost_gbp));
        }
        for bucket in &self.by_number_of_needs {
            row("by_number_of_needs", &bucket.key, "", "families", count(bucket.families));
        }
        let rate = |r: Option<f64>| r.map(|r| r.to_string());
        for area in &self.by_area {
            row("by_area", &area.key, "postcode district", "families", count(area.families));
            row("by_area", &area.key, "postcode district", "children", count(area.children));
            if area.denominators.is_some() {
                let (households, children) = (area.families_per_1000_households, area.children_per_1000_children);
                row("by_area", &area.key, "postcode district", "families_per_1000_households", rate(households));
                row("by_area", &area.key, "postcode district", "children_per_1000_children", rate(children));
            }
        }
        for cell in &self.by_area_need {
            row("by_area_need", &format!("{} {}", cell.area, cell.need), cell.label, "families", count(cell.families));
        }
        for p in &self.by_programme {
            row("by_programme", &p.ruleset, &p.title, "eligible_families", count(p.families));
        }
        for q in self.by_quarter.iter().chain(&self.incomplete_quarters) {
            let table = if q.complete { "by_quarter" } else { "incomplete_quarter" };
            let label = format!("{} to {}", q.from, q.to);
            row(table, &q.quarter, &label, "families_worked_with", count(q.families_worked_with));
            row(table, &q.quarter, &label, "families_with_new_involvements", count(q.families_with_new_involvements));
            row(table, &q.quarter, &label, "families_with_new_offending", count(q.families_with_new_offending));
            row(table, &q.quarter, &label, "cost_gbp", gbp(q.cost_gbp));
        }
        for d in self.by_decision.iter().flatten() {
            row("by_decision", d.decision, d.label, "families", count(d.families));
        }
        if let Some(o) = &self.outcomes {
            for (key, label, n) in [
                ("families_worked_with", "taken on, or taken on and closed", o.families_worked_with),
                ("families_with_an_outcome", "with an outcome achieved", o.families_with_an_outcome),
                (
                    "families_with_every_need_achieved",
                    "with an outcome on every need",
                    o.families_with_every_need_achieved,
                ),
                ("supporting_families_claims", "a Supporting Families results claim", o.supporting_families_claims),
            ] {
                row("outcomes", key, label, "families", count(n));
            }
            for need in &o.by_need {
                row("outcomes_by_need", need.need, need.label, "families", count(need.families));
            }
        }
        let cb = &self.cost_benefit;
        for (key, label, measure, value) in [
            (
                "average_annual_cost_per_family",
                "average annual cost of the current response per family with needs",
                "gbp",
                gbp(cb.average_annual_cost_per_family_gbp),
            ),
            (
                "annual_cost_of_families_with_three_or_more_needs",
                "annual cost of the current response to families with three or more needs",
                "gbp",
                gbp(cb.annual_cost_of_families_with_three_or_more_needs_gbp),
            ),
            (
                "average_annual_cost_per_family_with_three_or_more_needs",
                "average annual cost per family with three or more needs",
                "gbp",
                gbp(cb.average_annual_cost_per_family_with_three_or_more_needs_gbp),
            ),
            (
                "families_with_duplicated_keyworker_time",
                "with keyworkers from two or more agencies at once",
                "families",
                count(cb.families_with_duplicated_keyworker_time),
            ),
            (
                "duplicated_keyworker_cost",
                "cost of keyworker time duplicated on one family",
                "gbp",
                gbp(cb.duplicated_keyworker_cost_gbp),
            ),
        ] {
            row("cost_benefit", key, label, measure, value);
        }
        for (kind, value) in &cb.value_of_outcomes_gbp {
            let label = format!("{kind} value of the outcomes claimed");
            // A type nothing claimed is valued in is not a hidden figure.
            let value = Some(value.map_or_else(|| "not valued".to_owned(), |v| v.to_string()));
            row("outcome_values", &format!("total {kind}"), &label, "value_gbp", value);
        }
        for v in &cb.outcome_values {
            let key = format!("{} {}", v.need, v.value_type);
            row("outcome_values", &key, &v.outcome, "families", count(v.families));
            row("outcome_values", &key, &v.outcome, "unit_value_gbp", Some(v.unit_value_gbp.to_string()));
            row("outcome_values", &key, &v.outcome, "value_gbp", gbp(v.value_gbp));
        }
        for v in &cb.unit_values {
            let key = format!("{} {}", v.need.code(), v.value_type.code());
            let value = Some(v.value_gbp.map_or_else(|| "not valued".to_owned(), |v| v.to_string()));
            row("unit_values", &key, &v.outcome, "value_gbp", value);
            row("unit_values", &key, &v.outcome, "unit", Some(v.unit.clone()));
            row("unit_values", &key, &v.outcome, "source", Some(v.source.clone()));
            row("unit_values", &key, &v.outcome, "price_year", Some(v.price_year.clone()));
        }
        out
    }
}

fn involvement_cost(snapshot: &Snapshot, involvement: usize) -> f64 {
    famgraph_analysis::involvement_cost(&snapshot.graph, involvement, snapshot.analysis.as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_eight_quarters_oldest_first() {
        let d = |y, m, d| Date::from_ymd(y, m, d).unwrap();
        let q = quarters(d(2024, 3, 31), 8);
        assert_eq!(q.len(), 8);
        assert_eq!(q[0], ("2022 Q2".to_owned(), d(2022, 4, 1), d(2022, 6, 30), d(2022, 6, 30)));
        assert_eq!(q[7], ("2024 Q1".to_owned(), d(2024, 1, 1), d(2024, 3, 31), d(2024, 3, 31)));
        // The quarter in progress ends on the extract date.
        let q = quarters(d(2024, 5, 15), 2);
        assert_eq!(q[0], ("2024 Q1".to_owned(), d(2024, 1, 1), d(2024, 3, 31), d(2024, 3, 31)));
        // Its calendar end, apart.
        assert_eq!(q[1], ("2024 Q2".to_owned(), d(2024, 4, 1), d(2024, 5, 15), d(2024, 6, 30)));
        assert_eq!(quarters(d(2024, 12, 31), 1)[0].2, d(2024, 12, 31));
    }
}
