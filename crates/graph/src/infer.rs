//! Parent and carer links no agency recorded, inferred from people living
//! together. Agencies record a parent and child only when they hold both:
//! police, probation and health rarely do, so an offending father and his
//! adult son, or a grandmother and the mother she raised, are often two
//! families in the data though they share a home. Six rules, all
//! conservative, each named on every link it makes:
//!
//! 1. **Partner of a parent.** Someone recorded as the partner of a
//!    child's recorded parent, living with the child, is a parent or
//!    step-parent: `carer_of`.
//! 2. **A generation older at the same home.** A person with no recorded
//!    parent or carer, living with one or two people 16 to 50 years older
//!    (the nearest generation only: a grandparent at the same home is not
//!    taken for a parent) and related to them by no record, is taken as
//!    their child: `parent_of`. A couple living with one partner's parents
//!    is resolved by family name; where the names do not tell, nothing is
//!    inferred. At a home whose adults come from three or more families
//!    (lodgers, a house shared short of a hostel) the older person must
//!    also share a family name.
//! 3. **The other parent at the same home.** A child with one recorded
//!    parent, living with that parent and with one person of that
//!    parent's generation who carries the child's family name and is
//!    related to neither by any record, is the child's other parent
//!    (`parent_of`): the father a school never recorded, living with the
//!    mother it did. A man of another name there may be a step-father, a
//!    lodger or the father: nothing is inferred.
//! 4. **The parent's partner by name.** Where rule 3 finds nobody, one
//!    person there of the parent's generation who carries the *parent's*
//!    family name but not the child's, related to neither by any record, is
//!    taken as the parent's partner: the step-father who married the mother
//!    after the child was named. `carer_of`, like rule 1: a step-parent or
//!    the other parent, never a birth parent by inference.
//! 5. **A school's contact at the pupil's home.** A school (an agency of
//!    the `education` sector) holds its pupils and the parents or carers it
//!    contacts about them. A person known to the school who lives with one
//!    of its pupils, 16 to 50 years older (the nearest generation only, at
//!    most two of them, at a home whose adults come from no more than two
//!    families) and related to the pupil by no record, is the pupil's
//!    parent or carer: `carer_of`. The pupil is the youngest generation
//!    the school knows there, so a parent is never taken for a pupil of
//!    the grandmother the school also knows.
//!
//! 6. **The parent's partner of the child's name.** A child with one
//!    recorded parent, given nobody by the rules above (so not living with
//!    that parent's partner), whose parent's one recorded partner carries
//!    the child's family name, is of the parent's generation and 16 to 50
//!    years older than the child, and is related to the child by no
//!    record, is the child's other parent (`parent_of`): the father of a
//!    grown son who has left home, recorded only as his mother's partner.
//!    A partner of another name may be a step-parent, and one of a name
//!    more than one person in fifty carries may share it by chance:
//!    nothing is inferred.
//!
//! Shared accommodation (hostels, HMOs) is never used: unrelated adults
//! live there.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use famgraph_model::{Date, RelationshipKind};

use crate::{HouseholdIdx, PersonIdx};

/// Age gaps (years) between a parent and a child that rule 2 accepts.
pub const PARENT_GAP_YEARS: (f64, f64) = (16.0, 50.0);
/// Candidates further than this beyond the nearest are another generation.
const SAME_GENERATION_YEARS: f64 = 12.0;
/// The smallest gap rule 1 accepts between a parent's partner and the child.
const CARER_MIN_GAP_YEARS: f64 = 12.0;
/// Rule 6 reads nothing into a family name more than one person in this
/// many carries.
const COMMON_NAME_ONE_IN: usize = 50;
/// Rule 3's largest gap when the recorded parent's age is unknown: beyond
/// it the person is more likely a grandparent.
const OTHER_PARENT_MAX_GAP_YEARS: f64 = 45.0;

/// Why a link was inferred.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// Rule 1: `via` is the child's recorded parent whose partner this is.
    PartnerOfParent { via: PersonIdx, household: HouseholdIdx },
    /// Rule 2: living together, this many years older.
    OlderAtSameHome { household: HouseholdIdx, years_older: f64, shares_family_name: bool },
    /// Rule 3: living with the child and `via`, the child's one recorded
    /// parent, this many years older than the child, with the child's
    /// family name.
    OtherParentAtSameHome { via: PersonIdx, household: HouseholdIdx, years_older: f64 },
    /// Rule 4: living with the child and `via`, the child's one recorded
    /// parent, with `via`'s family name and not the child's.
    ParentsNameAtSameHome { via: PersonIdx, household: HouseholdIdx },
    /// Rule 5: known to `school` (an index into the bundle's agencies), as
    /// the child is, living with the child, this many years older.
    SchoolContactAtSameHome { school: usize, household: HouseholdIdx, years_older: f64 },
    /// Rule 6: the recorded partner of `via`, the child's one recorded
    /// parent, with the child's family name, this many years older.
    PartnerOfParentWithChildsName { via: PersonIdx, years_older: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub from: PersonIdx,
    pub kind: RelationshipKind,
    pub to: PersonIdx,
    pub basis: Basis,
}

/// What rule 2 and rule 1 read about each person.
pub struct PersonFacts<'a> {
    pub date_of_birth: &'a [Option<Date>],
    /// Per person, every family name their records give, lower-cased, with
    /// how many records give it.
    pub family_names: &'a [BTreeMap<String, usize>],
    /// Per household, everyone any record places there.
    pub household_members: &'a [BTreeSet<PersonIdx>],
    pub shared_accommodation: &'a [bool],
    /// Per household, how many families (as recorded relationships join
    /// people) its adults come from.
    pub adult_families: &'a [usize],
    /// Per person, the education-sector agencies (indices into the
    /// bundle's agencies) holding a record of them.
    pub schools: &'a [Vec<usize>],
}

fn years_between(older: Date, younger: Date) -> f64 {
    f64::from(younger.days() - older.days()) / 365.25
}

/// Two people as an unordered pair, the lower index first.
fn pair(a: PersonIdx, b: PersonIdx) -> (PersonIdx, PersonIdx) {
    (a.min(b), a.max(b))
}

impl PersonFacts<'_> {
    /// How many years `older` was born before `younger`, if both dates are known.
    fn gap(&self, older: PersonIdx, younger: PersonIdx) -> Option<f64> {
        Some(years_between(self.date_of_birth[older]?, self.date_of_birth[younger]?))
    }
}

/// Infers parental links from the recorded relationships (`(from, to,
/// kind)`, parental kinds pointing down) and who lives where.
#[tracing::instrument(skip_all)]
pub fn parental_links(facts: &PersonFacts<'_>, recorded: &[(PersonIdx, PersonIdx, RelationshipKind)]) -> Vec<Inferred> {
    let related: HashSet<(PersonIdx, PersonIdx)> = recorded.iter().map(|&(a, b, _)| pair(a, b)).collect();
    let mut parents: HashMap<PersonIdx, BTreeSet<PersonIdx>> = HashMap::default();
    // Recorded `parent_of` only: a kinship carer's partner is no parent.
    let mut birth_parents: HashMap<PersonIdx, BTreeSet<PersonIdx>> = HashMap::default();
    let mut partners: HashMap<PersonIdx, BTreeSet<PersonIdx>> = HashMap::default();
    for &(from, to, kind) in recorded {
        if kind.is_parental() {
            parents.entry(to).or_default().insert(from);
            if kind == RelationshipKind::ParentOf {
                birth_parents.entry(to).or_default().insert(from);
            }
        } else if kind == RelationshipKind::PartnerOf {
            partners.entry(from).or_default().insert(to);
            partners.entry(to).or_default().insert(from);
        }
    }
    // Each person's homes, shared accommodation left out.
    let mut homes: HashMap<PersonIdx, BTreeSet<HouseholdIdx>> = HashMap::default();
    for (h, members) in facts.household_members.iter().enumerate() {
        if facts.shared_accommodation[h] {
            continue;
        }
        for &p in members {
            homes.entry(p).or_default().insert(h);
        }
    }
    let shared_home = |a: PersonIdx, b: PersonIdx| -> Option<HouseholdIdx> {
        let (ha, hb) = (homes.get(&a)?, homes.get(&b)?);
        ha.intersection(hb).next().copied()
    };

    let mut out: Vec<Inferred> = Vec::new();
    let mut has_parent: HashSet<PersonIdx> = parents.keys().copied().collect();

    // Rule 1: the partner of a recorded parent, living with the child, of
    // the parent's generation (a grandparent's partner is no parent).
    let mut children: Vec<PersonIdx> = birth_parents.keys().copied().collect();
    children.sort_unstable();
    for child in children {
        let recorded_parents = &parents[&child];
        let mut seen = BTreeSet::new();
        for &parent in &birth_parents[&child] {
            for &partner in partners.get(&parent).into_iter().flatten() {
                let generation_apart = match (facts.gap(partner, child), facts.gap(parent, child)) {
                    (Some(theirs), Some(parents)) => (theirs - parents).abs() > SAME_GENERATION_YEARS,
                    _ => false,
                };
                if partner == child
                    || recorded_parents.contains(&partner)
                    || related.contains(&pair(partner, child))
                    || !seen.insert(partner)
                    || facts.gap(partner, child).is_some_and(|g| g < CARER_MIN_GAP_YEARS)
                    || generation_apart
                {
                    continue;
                }
                if let Some(household) = shared_home(partner, child) {
                    out.push(Inferred {
                        from: partner,
                        kind: RelationshipKind::CarerOf,
                        to: child,
                        basis: Basis::PartnerOfParent { via: parent, household },
                    });
                }
            }
        }
    }

    // Rule 2: no recorded parent, living with the generation above.
    let mut candidates_of: BTreeMap<PersonIdx, (HouseholdIdx, Vec<(PersonIdx, f64)>)> = BTreeMap::new();
    for (h, members) in facts.household_members.iter().enumerate() {
        if facts.shared_accommodation[h] {
            continue;
        }
        for &child in members {
            if has_parent.contains(&child) || candidates_of.contains_key(&child) {
                continue;
            }
            // A partner's parents are in-laws, not parents.
            let in_laws: BTreeSet<PersonIdx> = partners
                .get(&child)
                .into_iter()
                .flatten()
                .flat_map(|q| parents.get(q).into_iter().flatten().copied())
                .collect();
            let mut found: Vec<(PersonIdx, f64)> = members
                .iter()
                .filter(|&&a| a != child && !related.contains(&pair(a, child)) && !in_laws.contains(&a))
                .filter_map(|&a| facts.gap(a, child).map(|g| (a, g)))
                .filter(|&(_, g)| (PARENT_GAP_YEARS.0..=PARENT_GAP_YEARS.1).contains(&g))
                .filter(|&(a, g)| facts.adult_families[h] <= 2 || name_share(facts, child, &[(a, g)]) > 0.0)
                .collect();
            let Some(nearest) = found.iter().map(|&(_, g)| g).min_by(f64::total_cmp) else { continue };
            // Someone of the in-laws' generation here is likely the partner's
            // relative too: too tangled to tell.
            if in_laws
                .iter()
                .any(|&i| facts.gap(i, child).is_some_and(|g| (g - nearest).abs() <= SAME_GENERATION_YEARS))
            {
                continue;
            }
            found.retain(|&(_, g)| g <= nearest + SAME_GENERATION_YEARS);
            let parents_are_a_pair = match found[..] {
                [_] => true,
                [(a, _), (b, _)] => {
                    !parents.get(&a).is_some_and(|p| p.contains(&b)) && !parents.get(&b).is_some_and(|p| p.contains(&a))
                }
                _ => false,
            };
            if parents_are_a_pair {
                candidates_of.insert(child, (h, found));
            }
        }
    }
    // A couple living with one partner's parents: the partner whose records
    // carry the older people's family name more is their child.
    let mut dropped: BTreeSet<PersonIdx> = BTreeSet::new();
    for (&child, (_, found)) in &candidates_of {
        for &partner in partners.get(&child).into_iter().flatten() {
            let Some((_, theirs)) = candidates_of.get(&partner) else { continue };
            let same = |a: &[(PersonIdx, f64)], b: &[(PersonIdx, f64)]| a.iter().any(|x| b.iter().any(|y| x.0 == y.0));
            if !same(found, theirs) {
                continue;
            }
            let mine = name_share(facts, child, found);
            let other = name_share(facts, partner, theirs);
            if mine <= other {
                dropped.insert(child);
            }
        }
    }
    for (child, (household, found)) in candidates_of {
        if dropped.contains(&child) {
            continue;
        }
        for (parent, years_older) in found {
            let shares_family_name = name_share(facts, child, &[(parent, years_older)]) > 0.0;
            out.push(Inferred {
                from: parent,
                kind: RelationshipKind::ParentOf,
                to: child,
                basis: Basis::OlderAtSameHome { household, years_older, shares_family_name },
            });
        }
        has_parent.insert(child);
    }
    let ties = FamilyTies {
        related: &related,
        parents: &parents,
        birth_parents: &birth_parents,
        partners: &partners,
        homes: &homes,
    };
    other_parents(facts, &ties, &mut out);
    school_contacts(facts, &ties, &mut out);
    partners_of_the_childs_name(facts, &ties, &mut out);
    out
}

/// Rule 6: the parent's recorded partner of the child's name, wherever
/// they live, for children the other rules gave nobody; appended to `out`.
fn partners_of_the_childs_name(facts: &PersonFacts<'_>, ties: &FamilyTies<'_>, out: &mut Vec<Inferred>) {
    let elders = ties.elders(out);
    // A name one person in fifty carries is shared by chance too often to
    // say who a child's father is.
    let mut carried: HashMap<&str, usize> = HashMap::default();
    for names in facts.family_names {
        for name in names.keys() {
            *carried.entry(name.as_str()).or_default() += 1;
        }
    }
    let telling = |name: &str| carried.get(name).is_some_and(|&n| n * COMMON_NAME_ONE_IN <= facts.family_names.len());
    let share_a_telling_name = |a: PersonIdx, b: PersonIdx| {
        facts.family_names[a].keys().any(|name| telling(name) && facts.family_names[b].contains_key(name))
    };
    let mut children: Vec<PersonIdx> = ties
        .birth_parents
        .iter()
        .filter(|(child, recorded)| recorded.len() == 1 && elders[*child].len() == 1)
        .map(|(child, _)| *child)
        .collect();
    children.sort_unstable();
    for child in children {
        let Some(&parent) = ties.birth_parents[&child].first() else { continue };
        let found: Vec<(PersonIdx, f64)> = ties
            .partners
            .get(&parent)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&x| x != child && !ties.related.contains(&pair(x, child)))
            .filter(|&x| !elders.get(&x).is_some_and(|e| e.contains(&child)))
            .filter_map(|x| facts.gap(x, child).map(|g| (x, g)))
            .filter(|&(_, g)| (PARENT_GAP_YEARS.0..=PARENT_GAP_YEARS.1).contains(&g))
            .filter(|&(_, g)| facts.gap(parent, child).is_none_or(|theirs| (g - theirs).abs() <= SAME_GENERATION_YEARS))
            .collect();
        // One partner only: with two recorded, which is the parent is a guess.
        if let [(other, years_older)] = found[..]
            && ties.partners[&parent].len() == 1
            && share_a_telling_name(child, other)
        {
            out.push(Inferred {
                from: other,
                kind: RelationshipKind::ParentOf,
                to: child,
                basis: Basis::PartnerOfParentWithChildsName { via: parent, years_older },
            });
        }
    }
}

/// Rule 5: a school's contacts at its pupil's home; appended to `out`.
fn school_contacts(facts: &PersonFacts<'_>, ties: &FamilyTies<'_>, out: &mut Vec<Inferred>) {
    let elders = ties.elders(out);
    let elder_of = |person: PersonIdx, of: PersonIdx| elders.get(&of).is_some_and(|e| e.contains(&person));
    let (mut done, mut new) = (HashSet::default(), Vec::new());
    for (h, members) in facts.household_members.iter().enumerate() {
        if facts.shared_accommodation[h] || facts.adult_families[h] > 2 {
            continue;
        }
        for &child in members {
            if done.contains(&child) {
                continue;
            }
            for school in &facts.schools[child] {
                // The pupil is the youngest generation the school knows
                // there: someone it knows a generation younger makes this
                // one a contact, not a pupil.
                let known_here = |y: PersonIdx| y != child && facts.schools[y].contains(school);
                if members
                    .iter()
                    .any(|&y| known_here(y) && facts.gap(child, y).is_some_and(|g| g >= PARENT_GAP_YEARS.0))
                {
                    continue;
                }
                let mut found: Vec<(PersonIdx, f64)> = members
                    .iter()
                    .copied()
                    .filter(|&x| x != child && facts.schools[x].contains(school))
                    .filter(|&x| !ties.related.contains(&pair(x, child)) && !elder_of(x, child) && !elder_of(child, x))
                    .filter_map(|x| facts.gap(x, child).map(|g| (x, g)))
                    .filter(|&(_, g)| (PARENT_GAP_YEARS.0..=PARENT_GAP_YEARS.1).contains(&g))
                    .collect();
                let Some(nearest) = found.iter().map(|&(_, g)| g).min_by(f64::total_cmp) else { continue };
                found.retain(|&(_, g)| g <= nearest + SAME_GENERATION_YEARS);
                // The child's known parents and carers set the generation:
                // a school's contact far from it is a grandparent.
                let known: Vec<f64> =
                    elders.get(&child).into_iter().flatten().filter_map(|&e| facts.gap(e, child)).collect();
                found.retain(|&(_, g)| known.iter().all(|k| (g - k).abs() <= SAME_GENERATION_YEARS));
                if (1..=2).contains(&found.len()) {
                    new.extend(found.into_iter().map(|(carer, years_older)| Inferred {
                        from: carer,
                        kind: RelationshipKind::CarerOf,
                        to: child,
                        basis: Basis::SchoolContactAtSameHome { school: *school, household: h, years_older },
                    }));
                    done.insert(child);
                    break;
                }
            }
        }
    }
    out.extend(new);
}

/// The recorded ties rules 3 to 5 read.
struct FamilyTies<'r> {
    related: &'r HashSet<(PersonIdx, PersonIdx)>,
    parents: &'r HashMap<PersonIdx, BTreeSet<PersonIdx>>,
    birth_parents: &'r HashMap<PersonIdx, BTreeSet<PersonIdx>>,
    /// Each person's recorded partners.
    partners: &'r HashMap<PersonIdx, BTreeSet<PersonIdx>>,
    /// Each person's homes, shared accommodation left out.
    homes: &'r HashMap<PersonIdx, BTreeSet<HouseholdIdx>>,
}

impl FamilyTies<'_> {
    /// Each person's recorded parents and carers, with those the earlier
    /// rules inferred (`out`).
    fn elders(&self, out: &[Inferred]) -> HashMap<PersonIdx, BTreeSet<PersonIdx>> {
        let mut elders = self.parents.clone();
        for link in out {
            elders.entry(link.to).or_default().insert(link.from);
        }
        elders
    }
}

/// Rules 3 and 4: the other parent, or the parent's partner, at the same
/// home, for children rules 1 and 2 gave nobody; appended to `out`.
fn other_parents(facts: &PersonFacts<'_>, ties: &FamilyTies<'_>, out: &mut Vec<Inferred>) {
    let given_one: HashSet<PersonIdx> = out.iter().map(|link| link.to).collect();
    let elders = ties.elders(out);
    let child_of = |person: PersonIdx, parent: PersonIdx| elders.get(&person).is_some_and(|p| p.contains(&parent));
    let mut children: Vec<PersonIdx> = ties
        .birth_parents
        .iter()
        .filter(|(child, recorded)| recorded.len() == 1 && ties.parents[*child].len() == 1)
        .map(|(child, _)| *child)
        .filter(|child| !given_one.contains(child))
        .collect();
    children.sort_unstable();
    for child in children {
        let Some(&parent) = ties.birth_parents[&child].first() else { continue };
        let parent_gap = facts.gap(parent, child);
        let (Some(theirs), Some(mine)) = (ties.homes.get(&parent), ties.homes.get(&child)) else { continue };
        for &household in theirs.intersection(mine).filter(|&&h| facts.adult_families[h] <= 2) {
            let found: Vec<(PersonIdx, f64)> = facts.household_members[household]
                .iter()
                .copied()
                .filter(|&x| x != child && x != parent)
                .filter(|&x| !ties.related.contains(&pair(x, child)) && !ties.related.contains(&pair(x, parent)))
                .filter(|&x| !child_of(x, parent) && !child_of(parent, x))
                .filter_map(|x| facts.gap(x, child).map(|g| (x, g)))
                .filter(|&(_, g)| match parent_gap {
                    Some(theirs) => {
                        (PARENT_GAP_YEARS.0..=PARENT_GAP_YEARS.1).contains(&g)
                            && (g - theirs).abs() <= SAME_GENERATION_YEARS
                    }
                    None => (PARENT_GAP_YEARS.0..=OTHER_PARENT_MAX_GAP_YEARS).contains(&g),
                })
                .collect();
            let (childs_name, other_name): (Vec<_>, Vec<_>) =
                found.into_iter().partition(|&(x, g)| name_share(facts, child, &[(x, g)]) > 0.0);
            if let [(other, years_older)] = childs_name[..] {
                out.push(Inferred {
                    from: other,
                    kind: RelationshipKind::ParentOf,
                    to: child,
                    basis: Basis::OtherParentAtSameHome { via: parent, household, years_older },
                });
                break;
            }
            let parents_name: Vec<PersonIdx> = other_name
                .into_iter()
                .filter(|&(x, g)| name_share(facts, parent, &[(x, g)]) > 0.0)
                .map(|(x, _)| x)
                .collect();
            if let ([], [partner]) = (&childs_name[..], &parents_name[..]) {
                out.push(Inferred {
                    from: *partner,
                    kind: RelationshipKind::CarerOf,
                    to: child,
                    basis: Basis::ParentsNameAtSameHome { via: parent, household },
                });
                break;
            }
        }
    }
}

/// The share of a person's records whose family name one of `elders` has.
fn name_share(facts: &PersonFacts<'_>, person: PersonIdx, elders: &[(PersonIdx, f64)]) -> f64 {
    let names = &facts.family_names[person];
    let total: usize = names.values().sum();
    if total == 0 {
        return 0.0;
    }
    let matching: usize = names
        .iter()
        .filter(|(name, _)| elders.iter().any(|&(e, _)| facts.family_names[e].contains_key(*name)))
        .map(|(_, n)| n)
        .sum();
    matching as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use RelationshipKind::{CarerOf, ParentOf, PartnerOf};

    fn dob(year: i32) -> Option<Date> {
        Date::from_ymd(year, 6, 1)
    }

    /// The fixture of every rule: people (a birth year, family names),
    /// their homes, and the schools that know them; then the links the
    /// rules infer from what the agencies `recorded`.
    #[derive(Clone)]
    struct Town {
        dobs: Vec<Option<Date>>,
        names: Vec<BTreeMap<String, usize>>,
        homes: Vec<BTreeSet<PersonIdx>>,
        shared: Vec<bool>,
        adult_families: Vec<usize>,
        schools: Vec<Vec<usize>>,
    }

    impl Town {
        /// People by birth (`None`: no date of birth) and family name.
        fn of(people: &[(Option<Date>, &str)]) -> Town {
            Town {
                dobs: people.iter().map(|&(born, _)| born).collect(),
                names: people.iter().map(|&(_, name)| BTreeMap::from([(name.to_owned(), 1)])).collect(),
                homes: Vec::new(),
                shared: Vec::new(),
                adult_families: Vec::new(),
                schools: vec![Vec::new(); people.len()],
            }
        }

        /// A home of `members` whose adults come from `adult_families`
        /// families.
        fn home(mut self, members: &[PersonIdx], adult_families: usize) -> Town {
            self.homes.push(members.iter().copied().collect());
            self.shared.push(false);
            self.adult_families.push(adult_families);
            self
        }

        /// Shared accommodation (a hostel) of `members`.
        fn hostel(mut self, members: &[PersonIdx], adult_families: usize) -> Town {
            self = self.home(members, adult_families);
            *self.shared.last_mut().expect("the home just added") = true;
            self
        }

        /// A second family name a person's records give.
        fn also_named(mut self, person: PersonIdx, name: &str) -> Town {
            self.names[person].insert(name.to_owned(), 1);
            self
        }

        /// `people` known to school `school`.
        fn known_to_school(mut self, school: usize, people: &[PersonIdx]) -> Town {
            for &p in people {
                self.schools[p].push(school);
            }
            self
        }

        fn links(&self, recorded: &[(PersonIdx, PersonIdx, RelationshipKind)]) -> Vec<Inferred> {
            let facts = PersonFacts {
                date_of_birth: &self.dobs,
                family_names: &self.names,
                household_members: &self.homes,
                shared_accommodation: &self.shared,
                adult_families: &self.adult_families,
                schools: &self.schools,
            };
            parental_links(&facts, recorded)
        }

        /// The links inferred to `person` only.
        fn links_to(&self, person: PersonIdx, recorded: &[(PersonIdx, PersonIdx, RelationshipKind)]) -> Vec<Inferred> {
            self.links(recorded).into_iter().filter(|i| i.to == person).collect()
        }
    }

    fn triples(links: &[Inferred]) -> Vec<(PersonIdx, PersonIdx, RelationshipKind)> {
        links.iter().map(|i| (i.from, i.to, i.kind)).collect()
    }

    #[test]
    fn an_adult_son_at_his_parents_home_is_their_child() {
        // 0 father, 1 mother (partners, recorded), 2 son of 24: no agency
        // holding both recorded him as their child.
        let town = Town::of(&[(dob(1970), "cole"), (dob(1972), "cole"), (dob(2000), "cole")]).home(&[0, 1, 2], 1);
        assert_eq!(triples(&town.links(&[(0, 1, PartnerOf)])), [(0, 2, ParentOf), (1, 2, ParentOf)]);
    }

    #[test]
    fn a_grandmother_at_the_same_home_is_the_mothers_parent_not_the_childs() {
        // 0 grandmother, 1 mother, 2 child; the mother is recorded as the
        // child's parent, nothing else.
        let town = Town::of(&[(dob(1950), "hart"), (dob(1975), "hart"), (dob(2005), "hart")]).home(&[0, 1, 2], 1);
        assert_eq!(triples(&town.links(&[(1, 2, ParentOf)])), [(0, 1, ParentOf)]);
    }

    #[test]
    fn a_step_father_living_with_the_child_is_a_carer() {
        // 0 mother, 1 her partner, 2 her child; only the mother recorded as parent.
        let town = Town::of(&[(dob(1985), "lee"), (dob(1980), "shaw"), (dob(2010), "lee")]).home(&[0, 1, 2], 1);
        assert_eq!(triples(&town.links(&[(0, 2, ParentOf), (0, 1, PartnerOf)])), [(1, 2, CarerOf)]);
    }

    #[test]
    fn a_kinship_carers_partner_and_a_partners_parents_are_not_parents() {
        // 0 grandfather, 1 grandmother (recorded parent of 2 and kinship
        // carer of 4), 2 mother, 3 her partner, 4 child. Nothing new: the
        // grandfather is not the child's carer, the partner not the
        // grandparents' son.
        let town = Town::of(&[
            (dob(1941), "clif"),
            (dob(1948), "clif"),
            (dob(1977), "clif"),
            (dob(1976), "marden"),
            (dob(2009), "marden"),
        ])
        .home(&[0, 1, 2, 3, 4], 1);
        let recorded = [
            (0, 1, PartnerOf),
            (0, 2, ParentOf),
            (1, 2, ParentOf),
            (1, 4, CarerOf),
            (2, 3, PartnerOf),
            (2, 4, ParentOf),
            (3, 4, CarerOf),
        ];
        assert_eq!(town.links(&recorded), vec![]);
    }

    #[test]
    fn hostels_and_strangers_of_one_age_are_left_alone() {
        let people = [(dob(1974), "ward"), (dob(1999), "ward"), (dob(1998), "ball")];
        // A hostel: a 50-year-old and a 25-year-old, unrelated.
        assert!(Town::of(&people).hostel(&[0, 1], 2).links(&[]).is_empty());
        // Flatmates a year apart at an ordinary address.
        assert!(Town::of(&people).home(&[1, 2], 2).links(&[]).is_empty());
    }

    /// 0 mother (the child's recorded parent), 1 the man living with them,
    /// 2 the child, at one home; the mother's birth year and the man's
    /// family name vary. Only the links to the child: rule 2 may take an
    /// older man for the mother's father.
    fn other_parent(mother_born: Option<Date>, man_born: i32, his_name: &str) -> Vec<Inferred> {
        Town::of(&[(mother_born, "midshaw"), (dob(man_born), his_name), (dob(2010), "cromwick")])
            .home(&[0, 1, 2], 2)
            .links_to(2, &[(0, 2, ParentOf)])
    }

    #[test]
    fn the_man_of_the_childs_name_living_with_mother_and_child_is_the_father() {
        for mother_born in [dob(1984), None] {
            let got = other_parent(mother_born, 1980, "cromwick");
            assert_eq!(triples(&got), [(1, 2, ParentOf)], "{got:?}");
            assert!(matches!(got[0].basis, Basis::OtherParentAtSameHome { via: 0, .. }));
        }
        // Another name: a step-father, a lodger or the father; nothing said.
        assert!(other_parent(dob(1984), 1980, "shaw").is_empty());
        // The child's name but a generation off the mother: her father, or
        // an older brother of the child.
        assert!(other_parent(dob(1984), 1955, "cromwick").is_empty());
        assert!(other_parent(dob(1970), 1992, "cromwick").is_empty());
        // With the mother's age unknown, 45 years or more older is taken
        // for a grandparent.
        assert!(other_parent(None, 1962, "cromwick").is_empty());
    }

    /// Rule 6: 0 a mother, recorded as 1's partner and as the parent of
    /// 2, her grown son, who lives elsewhere; 3 lives with her; 4.. are
    /// the rest of a town of 250, `others` of them carrying the son's name
    /// (one in fifty is 5). Returns the links to the son.
    fn partners_son(partner_born: i32, partner_name: &str, second_partner: bool, others: usize) -> Vec<Inferred> {
        let mut people = vec![(dob(1950), "williams"), (dob(partner_born), partner_name), (dob(1972), "williams")];
        people.push((dob(1990), "cole"));
        people.extend((0..246).map(|n| (dob(1960), if n < others { "williams" } else { "other" })));
        let town = Town::of(&people).home(&[0, 1, 3], 2).home(&[2], 1);
        let mut recorded = vec![(0, 2, ParentOf), (0, 1, PartnerOf)];
        if second_partner {
            recorded.push((0, 3, PartnerOf));
        }
        town.links_to(2, &recorded)
    }

    #[test]
    fn the_mothers_partner_of_her_grown_sons_name_is_his_father() {
        let got = partners_son(1948, "williams", false, 0);
        assert_eq!(triples(&got), [(1, 2, ParentOf)], "{got:?}");
        assert!(
            matches!(got[0].basis, Basis::PartnerOfParentWithChildsName { via: 0, years_older } if years_older > 23.0)
        );
        // Another name: a step-father, perhaps; nothing said.
        assert!(partners_son(1948, "shaw", false, 0).is_empty());
        // A generation off the mother, or too close to the son.
        assert!(partners_son(1925, "williams", false, 0).is_empty());
        assert!(partners_son(1965, "williams", false, 0).is_empty());
        // Two partners recorded: which is his father is a guess.
        assert!(partners_son(1948, "williams", true, 0).is_empty());
        // A name one in fifty carries is shared by chance: nothing said.
        assert_eq!(partners_son(1948, "williams", false, 1).len(), 1);
        assert!(partners_son(1948, "williams", false, 3).is_empty());
    }

    #[test]
    fn the_man_of_the_mothers_name_living_with_them_is_her_partner() {
        for mother_born in [dob(1984), None] {
            let got = other_parent(mother_born, 1980, "midshaw");
            assert_eq!(triples(&got), [(1, 2, CarerOf)], "{got:?}");
            assert_eq!(got[0].basis, Basis::ParentsNameAtSameHome { via: 0, household: 0 });
        }
        // Her name a generation up is her father, not her partner.
        assert!(other_parent(dob(1984), 1955, "midshaw").is_empty());
    }

    #[test]
    fn a_couple_with_his_parents_goes_by_family_name() {
        // 0,1 his parents (Cole), 2 him (Cole), 3 his partner (records say
        // Cole once, Ince once: her birth name).
        let town = Town::of(&[(dob(1950), "cole"), (dob(1952), "cole"), (dob(1978), "cole"), (dob(1979), "cole")])
            .also_named(3, "ince")
            .home(&[0, 1, 2, 3], 1);
        assert_eq!(triples(&town.links(&[(0, 1, PartnerOf), (2, 3, PartnerOf)])), [(0, 2, ParentOf), (1, 2, ParentOf)]);
    }

    /// 0 the pupil's recorded mother, 1 the pupil (2010), then others at
    /// the home; those in `known` are known to the school, as the pupil is.
    fn school_contacts_of(others: &[(Option<Date>, &str)], known: &[PersonIdx], shared: bool) -> Vec<Inferred> {
        let mut people = vec![(dob(1985), "ashby"), (dob(2010), "ashby")];
        people.extend_from_slice(others);
        let everyone: Vec<PersonIdx> = (0..people.len()).collect();
        let town = Town::of(&people).known_to_school(7, known).known_to_school(7, &[1]);
        let town = if shared { town.hostel(&everyone, 2) } else { town.home(&everyone, 2) };
        town.links(&[(0, 1, ParentOf)])
            .into_iter()
            .filter(|i| matches!(i.basis, Basis::SchoolContactAtSameHome { .. }))
            .collect()
    }

    #[test]
    fn a_schools_contact_at_the_pupils_home_is_a_parent_or_carer() {
        // A man of another name, known to the school: its contact about
        // the pupil, the father or a step-father.
        let got = school_contacts_of(&[(dob(1982), "stanbury")], &[2], false);
        assert_eq!((got.len(), got[0].from, got[0].kind), (1, 2, CarerOf), "{got:?}");
        assert!(matches!(got[0].basis, Basis::SchoolContactAtSameHome { school: 7, household: 0, .. }));
        // Not known to the school: a lodger as likely; nothing said.
        assert!(school_contacts_of(&[(dob(1982), "stanbury")], &[], false).is_empty());
        // Known to the school but a generation above the mother: the
        // grandfather, no parent.
        assert!(school_contacts_of(&[(dob(1958), "stanbury")], &[2], false).is_empty());
        // Three contacts of one generation there: too tangled to tell.
        let three = [(dob(1982), "stanbury"), (dob(1983), "cole"), (dob(1981), "dunn")];
        assert!(school_contacts_of(&three, &[2, 3, 4], false).is_empty());
        // Never in shared accommodation.
        assert!(school_contacts_of(&[(dob(1982), "stanbury")], &[2], true).is_empty());
    }

    #[test]
    fn a_schools_contact_is_no_pupil() {
        // 0 the mother, 1 her child (2010), 2 her mother-in-law, all known
        // to the school; 3 the mother's father, recorded, living elsewhere.
        let town = Town::of(&[(dob(1985), "ashby"), (dob(2010), "ashby"), (dob(1958), "cole"), (dob(1955), "ashby")])
            .home(&[0, 1, 2], 2)
            .home(&[3], 1)
            .known_to_school(7, &[0, 1, 2]);
        let got: Vec<Inferred> = town
            .links(&[(0, 1, ParentOf), (3, 0, ParentOf)])
            .into_iter()
            .filter(|i| matches!(i.basis, Basis::SchoolContactAtSameHome { .. }))
            .collect();
        // The mother-in-law is a generation above the child's mother: no
        // carer of the child; and the mother, a generation above a pupil
        // the school knows, is a contact, not a pupil in the mother-in-law's care.
        assert!(got.is_empty(), "{got:?}");
    }
}
