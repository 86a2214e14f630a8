//! Agencies working with one household at the same time, and on the same
//! need: the duplication partnership meetings want to see.

use std::collections::{BTreeMap, BTreeSet};

use famgraph_graph::{FamilyGraph, FamilyIdx, HouseholdIdx, PersonIdx};
use famgraph_model::{Date, Need};

use crate::{FamilyAnalysis, end_or};

/// Two agencies involved with one household over the same period.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    pub household: HouseholdIdx,
    /// Agency codes, in order.
    pub agencies: (String, String),
    /// Pairs of involvements (indices into `Bundle::involvements`) that ran
    /// at the same time, the first of each from `agencies.0`.
    pub involvements: Vec<(usize, usize)>,
    pub first_overlap: Date,
    /// Days on which both agencies were involved, summed over the pairs.
    pub overlap_days: i64,
    /// Needs both agencies addressed at the same time.
    pub same_needs: BTreeSet<Need>,
    /// Both agencies still involved on the extract date: duplication to
    /// sort out now, not history.
    pub ongoing: bool,
}

/// One cell of the partnership view.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyPair {
    pub agencies: (String, String),
    /// Households where both were involved at the same time.
    pub concurrent: BTreeSet<HouseholdIdx>,
    /// Households where both addressed the same need at the same time.
    pub same_need: BTreeSet<HouseholdIdx>,
    /// Households where both are involved now, on the extract date.
    pub now: BTreeSet<HouseholdIdx>,
}

/// Overlaps between agencies within each of a family's households, counting
/// only involvements still running on or after `recent_from`.
pub fn within_family(graph: &FamilyGraph, family: FamilyIdx, recent_from: Date, as_of: Date) -> Vec<Overlap> {
    let family = &graph.families[family];
    let mut out = Vec::new();
    for &household in &family.households {
        let members: Vec<PersonIdx> =
            family.members.iter().copied().filter(|&p| graph.people[p].household == Some(household)).collect();
        let involvements: Vec<usize> = members
            .iter()
            .flat_map(|&p| graph.involvements_of[p].iter().copied())
            .filter(|&i| end_or(&graph.bundle.involvements[i], as_of) >= recent_from)
            .collect();
        let mut by_pair: BTreeMap<(String, String), Overlap> = BTreeMap::new();
        for (n, &i) in involvements.iter().enumerate() {
            for &j in &involvements[n + 1..] {
                let (first, second) = (&graph.bundle.involvements[i], &graph.bundle.involvements[j]);
                if first.agency == second.agency {
                    continue;
                }
                let start = first.start_date.max(second.start_date);
                let end = end_or(first, as_of).min(end_or(second, as_of));
                if end < start {
                    continue;
                }
                let (i, j, first, second) =
                    if first.agency < second.agency { (i, j, first, second) } else { (j, i, second, first) };
                let entry = by_pair.entry((first.agency.clone(), second.agency.clone())).or_insert_with(|| Overlap {
                    household,
                    agencies: (first.agency.clone(), second.agency.clone()),
                    involvements: Vec::new(),
                    first_overlap: start,
                    overlap_days: 0,
                    same_needs: BTreeSet::new(),
                    ongoing: false,
                });
                entry.involvements.push((i, j));
                entry.first_overlap = entry.first_overlap.min(start);
                entry.overlap_days += i64::from(end.days() - start.days() + 1);
                entry.ongoing |= end >= as_of;
                let need_a = graph.bundle.services[graph.service_of_involvement[i]].need;
                let need_b = graph.bundle.services[graph.service_of_involvement[j]].need;
                if need_a == need_b {
                    entry.same_needs.insert(need_a);
                }
            }
        }
        out.extend(by_pair.into_values());
    }
    out
}

/// The most agencies with a keyworker on the family on any one day.
pub fn max_concurrent_keyworkers(graph: &FamilyGraph, current: &[(PersonIdx, usize)], as_of: Date) -> usize {
    most_agencies_at_once(graph, current, as_of, |i| graph.bundle.services[graph.service_of_involvement[i]].keyworker)
}

/// The most agencies involved with the family's members on any one day.
pub fn max_concurrent_agencies(graph: &FamilyGraph, current: &[(PersonIdx, usize)], as_of: Date) -> usize {
    most_agencies_at_once(graph, current, as_of, |_| true)
}

fn most_agencies_at_once(
    graph: &FamilyGraph,
    current: &[(PersonIdx, usize)],
    as_of: Date,
    counts: impl Fn(usize) -> bool,
) -> usize {
    // Counted by agency: a licence and a community order supervised by one
    // probation officer are one agency (and one keyworker), not two.
    let mut events: Vec<(Date, i32, &str)> = Vec::new();
    for &(_, i) in current {
        if counts(i) {
            let inv = &graph.bundle.involvements[i];
            events.push((inv.start_date, 1, inv.agency.as_str()));
            events.push((end_or(inv, as_of).add_days(1), -1, inv.agency.as_str()));
        }
    }
    // Ends sort before starts on the same day: an episode ending the day
    // before another starts is a hand-over, not two at once.
    events.sort_by_key(|&(d, delta, _)| (d, delta));
    let mut open: BTreeMap<&str, i32> = BTreeMap::new();
    let mut max = 0;
    for (_, delta, agency) in events {
        let n = open.entry(agency).or_default();
        *n += delta;
        max = max.max(open.values().filter(|n| **n > 0).count());
    }
    max
}

/// Keyworker time duplicated on one family from `from` to `to`: on each
/// day keyworkers from two or more agencies worked with its members, the
/// cost of every agency's keyworker involvements that day but the
/// costliest agency's (one keyworker would lead). Costed as the services'
/// unit costs give it, per week or per year pro rata; an episode's cost is
/// not time, so an agency costed by episode counts as there at no cost.
/// Returns the cost and the days with two or more agencies.
pub fn duplicated_keyworker_time(graph: &FamilyGraph, members: &[PersonIdx], from: Date, to: Date) -> (f64, i32) {
    // (day, +1 or -1, agency, daily cost)
    let mut events: Vec<(Date, i32, &str, f64)> = Vec::new();
    for &p in members {
        for &i in &graph.involvements_of[p] {
            let service = &graph.bundle.services[graph.service_of_involvement[i]];
            let inv = &graph.bundle.involvements[i];
            let (start, end) = (inv.start_date.max(from), end_or(inv, to).min(to));
            if !service.keyworker || end < start {
                continue;
            }
            let daily = match service.unit_cost {
                Some((cost, famgraph_model::CostBasis::PerWeek)) => cost / 7.0,
                Some((cost, famgraph_model::CostBasis::PerYear)) => cost / 365.0,
                _ => 0.0,
            };
            events.push((start, 1, inv.agency.as_str(), daily));
            events.push((end.add_days(1), -1, inv.agency.as_str(), daily));
        }
    }
    events.sort_by_key(|e| (e.0, e.1));
    // Each agency's open keyworker involvements and their daily cost.
    let mut open: BTreeMap<&str, (i32, f64)> = BTreeMap::new();
    let (mut cost, mut days) = (0.0, 0);
    let mut last: Option<Date> = None;
    for (day, delta, agency, daily) in events {
        if let Some(since) = last {
            let there: Vec<f64> = open.values().filter(|(n, _)| *n > 0).map(|&(_, c)| c).collect();
            let span = day.days() - since.days();
            if there.len() >= 2 && span > 0 {
                let costliest = there.iter().copied().fold(0.0, f64::max);
                cost += (there.iter().sum::<f64>() - costliest) * f64::from(span);
                days += span;
            }
        }
        let entry = open.entry(agency).or_default();
        entry.0 += delta;
        entry.1 += f64::from(delta) * daily;
        last = Some(day);
    }
    (cost, days)
}

/// The agency-pair matrix over all families.
pub fn agency_pairs(families: &[FamilyAnalysis]) -> Vec<AgencyPair> {
    let mut pairs: BTreeMap<(String, String), AgencyPair> = BTreeMap::new();
    for overlap in families.iter().flat_map(|f| &f.overlaps) {
        let cell = pairs.entry(overlap.agencies.clone()).or_insert_with(|| AgencyPair {
            agencies: overlap.agencies.clone(),
            concurrent: BTreeSet::new(),
            same_need: BTreeSet::new(),
            now: BTreeSet::new(),
        });
        cell.concurrent.insert(overlap.household);
        if overlap.ongoing {
            cell.now.insert(overlap.household);
        }
        if !overlap.same_needs.is_empty() {
            cell.same_need.insert(overlap.household);
        }
    }
    pairs.into_values().collect()
}
