//! What each member is to the rest of the family: parent, step-parent,
//! kinship carer, grandparent, child, adult child (and whether they have a
//! home of their own), read from the recorded and inferred relationships.
//! A family name is no guide to who is a step-parent (children carry
//! their mother's, their father's or a step-father's), so a step-parent is
//! someone an agency recorded as a carer, never a guess.
//!
//! A coordinator needs to know that the man at the address is the
//! children's step-father, not their father, and that the grandmother
//! caring for them is a kinship carer; a partnership that the adult son
//! with his own tenancy is part of the picture.

use std::collections::BTreeSet;

use famgraph_model::RelationshipKind::{CarerOf, ParentOf, PartnerOf};

use crate::{FamilyGraph, FamilyIdx, HouseholdIdx, PersonIdx};

/// A parent's partner within this many years of the parent's age is of
/// their generation: a step-parent, not a grandparent.
const SAME_GENERATION_YEARS: i32 = 15;
/// Children under this age are dependent children.
pub const ADULT_AGE: i32 = 18;

/// One part a member plays in the family; a member may play several (a
/// mother is a parent and her own mother's adult child).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberRole {
    /// Parent of a parent in the family.
    Grandparent,
    /// Recorded (or inferred from living together) as a child's parent.
    Parent,
    /// Recorded as carer of a child whose parent is their partner (or of
    /// their generation).
    StepParent,
    /// The partner of a child's parent at the child's home, no agency
    /// having recorded what they are to the child: a step-parent or the
    /// unrecorded other parent.
    ParentsPartner,
    /// Cares for a grandchild (or a child two generations down).
    KinshipCarer,
    /// Cares for a child in some other way.
    Carer,
    /// Under 18, with a parent or carer in the family.
    Child,
    /// 18 or over, living with a parent.
    AdultChild,
    /// 18 or over, at a home no parent of theirs lives at now.
    AdultChildOwnHousehold,
}

impl MemberRole {
    pub fn code(self) -> &'static str {
        match self {
            MemberRole::Grandparent => "grandparent",
            MemberRole::Parent => "parent",
            MemberRole::StepParent => "step_parent",
            MemberRole::ParentsPartner => "parents_partner",
            MemberRole::KinshipCarer => "kinship_carer",
            MemberRole::Carer => "carer",
            MemberRole::Child => "child",
            MemberRole::AdultChild => "adult_child",
            MemberRole::AdultChildOwnHousehold => "adult_child_own_household",
        }
    }
}

/// Every member's roles, parallel to the family's `members`.
pub fn member_roles(graph: &FamilyGraph, family: FamilyIdx) -> Vec<Vec<MemberRole>> {
    let members = &graph.families[family].members;
    let rels: Vec<_> = graph.relationships_of(family).collect();
    let linked = |a: PersonIdx, b: PersonIdx, kind| {
        rels.iter().any(|r| r.kind == kind && ((r.from, r.to) == (a, b) || (r.from, r.to) == (b, a)))
    };
    let parent_of = |elder: PersonIdx, younger: PersonIdx| {
        rels.iter().any(|r| r.kind.is_parental() && r.from == elder && r.to == younger)
    };
    let is_parent = |p: PersonIdx| rels.iter().any(|r| r.kind.is_parental() && r.from == p);
    let same_generation =
        |a: PersonIdx, b: PersonIdx| match (graph.people[a].date_of_birth, graph.people[b].date_of_birth) {
            (Some(x), Some(y)) => (x.days() - y.days()).abs() <= SAME_GENERATION_YEARS * 365,
            _ => false,
        };
    let as_of = graph.as_of();
    members
        .iter()
        .map(|&p| {
            let mut roles = BTreeSet::new();
            for rel in rels.iter().filter(|r| r.from == p && r.kind.is_parental()) {
                let child = rel.to;
                if is_parent(child) {
                    roles.insert(MemberRole::Grandparent);
                }
                if rel.kind == ParentOf {
                    roles.insert(MemberRole::Parent);
                    continue;
                }
                debug_assert_eq!(rel.kind, CarerOf);
                // The child's other parents, and what this carer is to them.
                let others: Vec<PersonIdx> = rels
                    .iter()
                    .filter(|r| r.kind == ParentOf && r.to == child && r.from != p)
                    .map(|r| r.from)
                    .collect();
                let role = if others.iter().any(|&q| parent_of(p, q)) {
                    MemberRole::KinshipCarer
                } else if others.iter().any(|&q| !parent_of(q, p) && (linked(p, q, PartnerOf) || same_generation(p, q)))
                {
                    // An inferred carer is the parent's partner at the
                    // child's home: as often the unrecorded other parent.
                    if rel.inferred.is_none() { MemberRole::StepParent } else { MemberRole::ParentsPartner }
                } else {
                    MemberRole::Carer
                };
                roles.insert(role);
            }
            let parents: Vec<PersonIdx> =
                rels.iter().filter(|r| r.kind.is_parental() && r.to == p).map(|r| r.from).collect();
            if !parents.is_empty() {
                let adult = graph.people[p].date_of_birth.is_some_and(|dob| dob.age_on(as_of) >= ADULT_AGE);
                // Their home (the address most of their records give) and
                // the one they were last seen at are both homes no parent
                // was ever recorded at: records of a family that moved
                // disagree on the address, and an agency in touch last
                // week may still hold the old one, so neither alone will do.
                let parents_homes: BTreeSet<HouseholdIdx> = parents.iter().flat_map(|&q| homes(graph, q)).collect();
                let elsewhere = |h: Option<HouseholdIdx>| h.is_some_and(|h| !parents_homes.contains(&h));
                let own_home = !parents_homes.is_empty()
                    && elsewhere(graph.people[p].household)
                    && elsewhere(latest_home(graph, p));
                roles.insert(match (adult, own_home) {
                    (false, _) => MemberRole::Child,
                    (true, true) => MemberRole::AdultChildOwnHousehold,
                    (true, false) => MemberRole::AdultChild,
                });
            }
            roles.into_iter().collect()
        })
        .collect()
}

/// Every household any of a person's records places them at.
fn homes(graph: &FamilyGraph, person: PersonIdx) -> BTreeSet<HouseholdIdx> {
    graph.people[person].records.iter().filter_map(|&r| graph.household_of_record(r)).collect()
}

/// The household a person was last seen at (their current one on a tie).
fn latest_home(graph: &FamilyGraph, person: PersonIdx) -> Option<HouseholdIdx> {
    let current = graph.people[person].household;
    homes(graph, person).into_iter().max_by_key(|&h| {
        let household = &graph.households[h];
        let last_seen =
            household.members.iter().position(|&m| m == person).and_then(|i| household.residence[i].last_seen);
        (last_seen, Some(h) == current)
    })
}
