//! The results of the named cohort queries (`queries/cohorts/`), and
//! which families each reaches.

use std::collections::{BTreeSet, HashMap};

use famgraph_graph::{FamilyGraph, FamilyIdx};

/// One named cohort query's result: who is in it and why.
#[derive(Debug, Clone)]
pub struct Cohort {
    pub name: String,
    pub title: String,
    pub description: String,
    /// Ordered by person.
    pub members: Vec<CohortMember>,
}

#[derive(Debug, Clone)]
pub struct CohortMember {
    pub person: famgraph_graph::PersonIdx,
    /// Why the query put them there, in words; no names or addresses.
    pub evidence: String,
}

/// Every cohort of a load, and which families each reaches.
#[derive(Debug, Clone, Default)]
pub struct Cohorts {
    list: Vec<Cohort>,
    /// Per family with a member in any cohort, indices into `list`.
    of_family: HashMap<FamilyIdx, Vec<usize>>,
}

impl Cohorts {
    pub fn new(list: Vec<Cohort>, graph: &FamilyGraph) -> Cohorts {
        let mut of_family: HashMap<FamilyIdx, Vec<usize>> = HashMap::new();
        for (c, cohort) in list.iter().enumerate() {
            for member in &cohort.members {
                let entry = of_family.entry(graph.people[member.person].family).or_default();
                if entry.last() != Some(&c) {
                    entry.push(c);
                }
            }
        }
        Cohorts { list, of_family }
    }

    pub fn list(&self) -> &[Cohort] {
        &self.list
    }

    pub fn get(&self, name: &str) -> Option<&Cohort> {
        self.list.iter().find(|c| c.name == name)
    }

    /// A cohort by name, or the message naming the ones there are.
    pub fn find(&self, name: &str) -> Result<&Cohort, String> {
        self.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.list.iter().map(|c| c.name.as_str()).collect();
            format!("unknown cohort `{name}`: use one of {}", names.join(", "))
        })
    }

    /// The cohorts with a member in the family, in list order.
    pub fn of_family(&self, family: FamilyIdx) -> impl Iterator<Item = &Cohort> {
        self.of_family.get(&family).into_iter().flatten().map(|&c| &self.list[c])
    }

    /// The families with a member in the cohort.
    pub fn families(&self, cohort: &Cohort, graph: &FamilyGraph) -> BTreeSet<FamilyIdx> {
        cohort.members.iter().map(|m| graph.people[m.person].family).collect()
    }
}
