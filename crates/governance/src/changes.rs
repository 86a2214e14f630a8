//! `famgraph changes` and `GET /api/v1/changes`: what changed for each family between two loads of
//! the same partnership: involvements that started or ended, needs that
//! opened or closed, and needs resolved and kept resolved for six months,
//! so a coordinator sees progress and a bid writer can count outcomes.
//!
//! Family ids are the load's own, so families are matched across loads by
//! the agency records their members hold.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use famgraph_model::Need;
use famgraph_pipeline::Snapshot;
use serde::Serialize;

/// A need counts as resolved and sustained when every involvement for it
/// ended at least this many days before the later extract.
pub const SUSTAINED_DAYS: i32 = 182;

#[derive(Debug, Serialize)]
pub struct Changes {
    pub before_as_of: String,
    pub after_as_of: String,
    /// Families of the later load with any change, highest ranked first;
    /// a family new since the earlier load (no `previous_family_id`) has
    /// every involvement new.
    pub families: Vec<FamilyChange>,
    /// Families of the later load holding no record of the earlier one.
    pub new_families: usize,
    /// Families of the earlier load holding no record of the later one.
    pub gone_families: usize,
    /// Families with at least one need resolved and sustained.
    pub families_with_sustained_outcomes: usize,
    /// Per need, the families with it resolved and sustained.
    pub sustained_by_need: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
pub struct FamilyChange {
    pub family_id: String,
    /// The family in the earlier load that shares most records, if any.
    pub previous_family_id: Option<String>,
    /// When it joins two or more earlier families (each holding at least
    /// two of its records and a quarter of those it shares): their ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// When its earlier family split between two or more families now
    /// (each holding at least two of the earlier family's records and a
    /// quarter of them): their ids, this one among them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split_into: Vec<String>,
    /// `agency:involvement_id` of involvements new in the later load.
    pub new_involvements: Vec<String>,
    /// Involvements open in the earlier load and ended in the later one.
    pub ended_involvements: Vec<String>,
    /// Needs with an involvement open now and none open at the earlier load.
    pub needs_opened: Vec<&'static str>,
    /// Needs with an involvement open at the earlier load and none now:
    /// every agency working on it has closed its case.
    pub needs_closed: Vec<&'static str>,
    /// Needs whose every involvement ended at least six months before the
    /// later extract, with none since.
    pub needs_sustained_resolved: Vec<&'static str>,
}

type Key = (String, String);

/// Every involvement row of a family's members by its agency and id, the
/// rows folded into an episode too: a change is a row that came or ended.
fn involvement_keys(snapshot: &Snapshot, family: usize) -> BTreeMap<Key, usize> {
    let graph = &snapshot.graph;
    graph.families[family]
        .members
        .iter()
        .flat_map(|&p| graph.involvements_of[p].iter().chain(&graph.repeated_rows_of[p]))
        .map(|&i| {
            let inv = &graph.bundle.involvements[i];
            ((inv.agency.clone(), inv.involvement_id.clone()), i)
        })
        .collect()
}

/// A family's needs with an involvement still open.
fn open_needs(snapshot: &Snapshot, family: usize) -> BTreeSet<Need> {
    snapshot.analysis.families[family]
        .needs
        .iter()
        .filter(|(_, evidence)| {
            evidence.involvements.iter().any(|&i| snapshot.graph.bundle.involvements[i].end_date.is_none())
        })
        .map(|(need, _)| *need)
        .collect()
}

/// A family's needs whose every involvement ended at least six months
/// before the extract, with none since.
pub fn sustained_resolved(snapshot: &Snapshot, family: usize) -> Vec<&'static str> {
    let as_of = snapshot.analysis.as_of;
    snapshot.analysis.families[family]
        .needs
        .iter()
        .filter(|(_, evidence)| {
            evidence.involvements.iter().all(|&i| {
                snapshot.graph.bundle.involvements[i].end_date.is_some_and(|end| end.add_days(SUSTAINED_DAYS) <= as_of)
            })
        })
        .map(|(need, _)| need.code())
        .collect()
}

pub fn changes(before: &Snapshot, after: &Snapshot) -> Changes {
    // Each record's family in the earlier load.
    let mut family_of_record: HashMap<Key, usize> = HashMap::new();
    for (f, family) in before.graph.families.iter().enumerate() {
        for &p in &family.members {
            for &r in &before.graph.people[p].records {
                let record = &before.graph.bundle.people[r];
                family_of_record.insert((record.agency.clone(), record.record_id.clone()), f);
            }
        }
    }
    let before_involvements: HashMap<Key, usize> = before
        .graph
        .bundle
        .involvements
        .iter()
        .enumerate()
        .map(|(i, inv)| ((inv.agency.clone(), inv.involvement_id.clone()), i))
        .collect();
    let as_of = after.analysis.as_of;
    let mut matched_before = BTreeSet::new();
    let (mut families, mut new_families, mut sustained_families) = (Vec::new(), 0, 0);
    let mut sustained_by_need: BTreeMap<&'static str, usize> = BTreeMap::new();
    let order: Vec<usize> = after
        .analysis
        .ranking
        .iter()
        .copied()
        .chain((0..after.graph.families.len()).filter(|f| after.analysis.families[*f].rank.is_none()))
        .collect();
    // Per family now, the earlier families of its records, counted; and
    // per earlier family, the families now its records went to.
    let votes_of: Vec<BTreeMap<usize, usize>> = (0..after.graph.families.len())
        .map(|f| {
            let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
            for &p in &after.graph.families[f].members {
                for &r in &after.graph.people[p].records {
                    let record = &after.graph.bundle.people[r];
                    if let Some(&old) = family_of_record.get(&(record.agency.clone(), record.record_id.clone())) {
                        *votes.entry(old).or_default() += 1;
                    }
                }
            }
            votes
        })
        .collect();
    let mut went_to: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (f, votes) in votes_of.iter().enumerate() {
        for (&old, &n) in votes {
            went_to.entry(old).or_default().push((f, n));
        }
    }
    // A real part: two records or more, and a quarter of the whole.
    let part = |n: usize, whole: usize| n >= 2 && n * 4 >= whole;
    for f in order {
        let family = &after.graph.families[f];
        let votes = &votes_of[f];
        let shared: usize = votes.values().sum();
        let merged_from: Vec<String> = if votes.values().filter(|&&n| part(n, shared)).count() >= 2 {
            votes
                .iter()
                .filter(|&(_, &n)| part(n, shared))
                .map(|(&old, _)| before.graph.families[old].id.clone())
                .collect()
        } else {
            Vec::new()
        };
        let previous = votes.iter().max_by_key(|(old, n)| (**n, std::cmp::Reverse(**old))).map(|(old, _)| *old);
        matched_before.extend(votes.keys().copied());
        if previous.is_none() {
            new_families += 1;
        }
        let invs = involvement_keys(after, f);
        let (mut new_involvements, mut ended_involvements) = (Vec::new(), Vec::new());
        for (key, &i) in &invs {
            let label = format!("{}:{}", key.0, key.1);
            match before_involvements.get(key) {
                None => new_involvements.push(label),
                Some(&old) => {
                    let was_open = before.graph.bundle.involvements[old].end_date.is_none();
                    if was_open && after.graph.bundle.involvements[i].end_date.is_some() {
                        ended_involvements.push(label);
                    }
                }
            }
        }
        let now = open_needs(after, f);
        let then = previous.map(|old| open_needs(before, old)).unwrap_or_default();
        let needs_sustained_resolved = sustained_resolved(after, f);
        sustained_families += usize::from(!needs_sustained_resolved.is_empty());
        for need in &needs_sustained_resolved {
            *sustained_by_need.entry(*need).or_default() += 1;
        }
        let split_into: Vec<String> = previous
            .and_then(|old| {
                let parts = &went_to[&old];
                let whole: usize = parts.iter().map(|p| p.1).sum();
                let real: Vec<String> =
                    parts.iter().filter(|p| part(p.1, whole)).map(|p| after.graph.families[p.0].id.clone()).collect();
                (real.len() >= 2).then_some(real)
            })
            .unwrap_or_default();
        let change = FamilyChange {
            family_id: family.id.clone(),
            previous_family_id: previous.map(|old| before.graph.families[old].id.clone()),
            merged_from,
            split_into,
            new_involvements,
            ended_involvements,
            needs_opened: now.difference(&then).map(|n| n.code()).collect(),
            needs_closed: then.difference(&now).map(|n| n.code()).collect(),
            needs_sustained_resolved,
        };
        let unchanged = previous.is_some()
            && change.merged_from.is_empty()
            && change.split_into.is_empty()
            && change.new_involvements.is_empty()
            && change.ended_involvements.is_empty()
            && change.needs_opened.is_empty()
            && change.needs_closed.is_empty();
        let changed = !unchanged;
        if changed {
            families.push(change);
        }
    }
    Changes {
        before_as_of: before.analysis.as_of.to_string(),
        after_as_of: as_of.to_string(),
        families,
        new_families,
        gone_families: before.graph.families.len() - matched_before.len(),
        families_with_sustained_outcomes: sustained_families,
        sustained_by_need,
    }
}
