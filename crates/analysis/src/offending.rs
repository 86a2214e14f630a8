//! Intergenerational offending: a parent (or carer) and a child of theirs
//! both with offending involvements, extended to three generations.

use std::collections::{BTreeMap, BTreeSet};

use famgraph_graph::{FamilyGraph, FamilyIdx, PersonIdx};
use famgraph_model::Date;

use crate::is_offending;

/// People in a line of descent who all offended, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct OffendingChain {
    pub people: Vec<PersonIdx>,
    /// Each person's first recorded offending involvement.
    pub first_offence: Vec<Date>,
    /// Each person's age then, where their date of birth is known.
    pub age_at_first_offence: Vec<Option<i32>>,
    /// Each younger person's first offence came after their parent's.
    pub followed_parent: bool,
    /// Per step down (one fewer than `people`), whether famgraph inferred
    /// the parent link from co-residence because no agency recorded it.
    pub inferred: Vec<bool>,
}

fn first_offences(graph: &FamilyGraph, members: &[PersonIdx]) -> BTreeMap<PersonIdx, Date> {
    members
        .iter()
        .filter_map(|&p| {
            graph.involvements_of[p]
                .iter()
                .filter(|&&i| {
                    is_offending(&graph.bundle.involvements[i], &graph.bundle.services[graph.service_of_involvement[i]])
                })
                .map(|&i| graph.bundle.involvements[i].start_date)
                .min()
                .map(|d| (p, d))
        })
        .collect()
}

/// Every maximal chain of offending parent-child links among the members:
/// three-generation chains, and the two-generation ones not inside them.
pub fn chains(graph: &FamilyGraph, family: FamilyIdx) -> Vec<OffendingChain> {
    let first = first_offences(graph, &graph.families[family].members);
    let mut children: BTreeMap<PersonIdx, BTreeSet<PersonIdx>> = BTreeMap::new();
    let mut has_offending_parent = BTreeSet::new();
    // A step is recorded if any agency recorded it, whatever was inferred.
    let mut recorded: BTreeSet<(PersonIdx, PersonIdx)> = BTreeSet::new();
    for rel in graph.relationships_of(family) {
        if rel.kind.is_parental() && first.contains_key(&rel.from) && first.contains_key(&rel.to) {
            children.entry(rel.from).or_default().insert(rel.to);
            has_offending_parent.insert(rel.to);
            if rel.inferred.is_none() {
                recorded.insert((rel.from, rel.to));
            }
        }
    }
    // Walk down from offenders without an offending parent: each path to a
    // leaf is a chain. Paths are bounded by the family size; a cycle (bad
    // data) is cut by never revisiting a person on the path.
    let mut out = Vec::new();
    for &root in children.keys().filter(|p| !has_offending_parent.contains(p)) {
        let mut stack = vec![vec![root]];
        while let Some(path) = stack.pop() {
            let last = *path.last().expect("paths are never empty");
            let next: Vec<PersonIdx> = children
                .get(&last)
                .map(|c| c.iter().copied().filter(|p| !path.contains(p)).collect())
                .unwrap_or_default();
            if next.is_empty() {
                if path.len() >= 2 {
                    out.push(chain(graph, &first, &recorded, path));
                }
            } else {
                for child in next {
                    let mut longer = path.clone();
                    longer.push(child);
                    stack.push(longer);
                }
            }
        }
    }
    // A grandparent recorded as a grandchild's parent (kinship carers often
    // are) gives a two-step chain that skips the generation between: the
    // longer chain through the parent already holds it.
    let within = |short: &[PersonIdx], long: &[PersonIdx]| {
        let mut rest = long.iter();
        short.len() < long.len() && short.iter().all(|p| rest.any(|q| q == p))
    };
    let all: Vec<Vec<PersonIdx>> = out.iter().map(|c| c.people.clone()).collect();
    out.retain(|c| !all.iter().any(|other| within(&c.people, other)));
    out.sort_by(|a, b| b.people.len().cmp(&a.people.len()).then(a.people.cmp(&b.people)));
    out
}

fn chain(
    graph: &FamilyGraph,
    first: &BTreeMap<PersonIdx, Date>,
    recorded: &BTreeSet<(PersonIdx, PersonIdx)>,
    people: Vec<PersonIdx>,
) -> OffendingChain {
    let first_offence: Vec<Date> = people.iter().map(|p| first[p]).collect();
    let age_at_first_offence = people
        .iter()
        .zip(&first_offence)
        .map(|(&p, &d)| graph.people[p].date_of_birth.map(|dob| dob.age_on(d)))
        .collect();
    let followed_parent = first_offence.windows(2).all(|w| w[1] >= w[0]);
    let inferred = people.windows(2).map(|w| !recorded.contains(&(w[0], w[1]))).collect();
    OffendingChain { people, first_offence, age_at_first_offence, followed_parent, inferred }
}
