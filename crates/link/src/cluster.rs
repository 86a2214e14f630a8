//! Clustering: accepting candidate links, strongest first, into people.
//!
//! A greedy union-find over links sorted by weight, with a veto: two
//! clusters merge only if no record of one contradicts a record of the
//! other: a conflict (`compare::Conflict`: different NHS numbers, and
//! where people live with their families a wholly different date of
//! birth or given name), or, when the link runs through a record without
//! a date of birth, dates of birth no slip relates whose own comparison
//! falls short of a link. Without the veto one weak middle record could
//! chain two different people into one.
//! A person holds a handful of records, so clusters stay small and the
//! all-pairs check is cheap.
//!
//! Before that, ambiguous links are set aside: a record that fits two
//! records which conflict with each other about equally well (a school's
//! "Daniel Norgate" with no date of birth, at the address of a father and
//! a son both called Daniel Norgate) joins neither. Guessing would invent
//! or erase a generation; a person can still link it by hand.

use std::collections::HashSet;

use crate::compare::{Prepared, conflict, dob_clash};
use crate::{Decision, Override};

/// A compared pair with its weight, `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    /// The weight less the agency level's: how well the two records fit,
    /// whoever holds them, for telling which of two records fits better.
    pub fit: f64,
}

/// The clusters found: a representative record per record, and the links
/// that merged them, with the override behind each one an override made.
#[derive(Debug)]
pub(crate) struct Clusters {
    pub root_of: Vec<u32>,
    pub accepted: Vec<(Candidate, Option<Decision>)>,
    pub n_vetoed: usize,
    /// Links set aside because one end fitted two conflicting records.
    pub n_ambiguous: usize,
    /// Must-links that a cannot-link forbade, with why.
    pub refused: Vec<(Override, &'static str)>,
}

/// A record's links within this many bits of its best one count as equally
/// good: 2^3 = 8 times the likelihood ratio is the smallest lead that
/// settles which of two conflicting records it belongs with.
pub(crate) const AMBIGUITY_MARGIN: f64 = 1.0;

/// Why a must-link override was not applied.
pub(crate) const REFUSED_APART: &str = "a cannot-link override keeps these records, or records linked to them, apart";

/// Clusters `records` from `candidates` (all already above the threshold)
/// and the partnership's overrides: must-links are joined first, whatever
/// the rules say, and cannot-links veto any merge that would join their
/// records, as do `related` pairs (two records an agency recorded as
/// relatives of each other are two people).
///
/// `rank` orders records by something intrinsic (agency and record id), so
/// ties between equal weights break the same way however the input rows
/// are ordered.
/// `linkable` says whether a pair would be linked on its own comparison:
/// two records whose dates of birth clash may be joined through a record
/// without a date of birth only if so. Such a record fits two namesakes
/// equally; a third record fitting both says little.
pub(crate) fn cluster(
    records: &[Prepared],
    candidates: Vec<Candidate>,
    rank: &[u32],
    overrides: &[Override],
    related: &[(u32, u32)],
    linkable: impl Fn(u32, u32) -> bool,
) -> Clusters {
    let ordered = |a: u32, b: u32| (a.min(b), a.max(b));
    // Whether two records may not share a person: a conflict, or, when
    // the link joining them runs through a record without a date of birth,
    // dates of birth that clash unless their own comparison would link
    // them. Where people live with their families a clash is a conflict
    // already; in an extract of individuals two dated records whose dates
    // clash may be one person whose date was keyed wrong, and the links
    // between them, each weighed, decide, but an undated record fits two
    // namesakes equally and must not chain them.
    let contradicted = |x: u32, y: u32, through_undated: bool| {
        let (x_record, y_record) = (&records[x as usize], &records[y as usize]);
        conflict(x_record, y_record).is_some()
            || (through_undated && dob_clash(x_record, y_record).is_some() && !linkable(x, y))
    };
    let cannot: HashSet<(u32, u32)> =
        overrides.iter().filter(|o| o.decision == Decision::CannotLink).map(|o| ordered(o.a, o.b)).collect();
    // A partnership's must-link outranks what an agency recorded; the
    // model's links do not.
    let apart: HashSet<(u32, u32)> =
        cannot.iter().copied().chain(related.iter().map(|&(a, b)| ordered(a, b))).collect();
    let kept_apart = |sets: &DisjointSets, pairs: &HashSet<(u32, u32)>, root_a: u32, root_b: u32| {
        !pairs.is_empty() && sets.members(root_a).any(|x| sets.members(root_b).any(|y| pairs.contains(&ordered(x, y))))
    };

    let mut sets = DisjointSets::new(records.len());
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut must: Vec<Override> = overrides.iter().filter(|o| o.decision == Decision::MustLink).copied().collect();
    must.sort_unstable_by_key(|o| {
        let (x, y) = (rank[o.a as usize], rank[o.b as usize]);
        (x.min(y), x.max(y))
    });
    for must_link in must {
        let (root_a, root_b) = (sets.find(must_link.a), sets.find(must_link.b));
        if root_a == root_b {
            continue;
        }
        if kept_apart(&sets, &cannot, root_a, root_b) {
            refused.push((must_link, REFUSED_APART));
            continue;
        }
        sets.union(root_a, root_b);
        let (a, b) = ordered(must_link.a, must_link.b);
        accepted.push((Candidate { a, b, weight: f64::INFINITY, fit: f64::INFINITY }, Some(Decision::MustLink)));
    }

    let n_candidates = candidates.len();
    let mut candidates = without_ambiguous(records, candidates, |x, y| contradicted(x, y, true));
    let n_ambiguous = n_candidates - candidates.len();
    let pair_rank = |c: &Candidate| {
        let (x, y) = (rank[c.a as usize], rank[c.b as usize]);
        (x.min(y), x.max(y))
    };
    candidates.sort_unstable_by(|x, y| y.weight.total_cmp(&x.weight).then_with(|| pair_rank(x).cmp(&pair_rank(y))));

    let mut n_vetoed = 0;
    for candidate in candidates {
        let (root_a, root_b) = (sets.find(candidate.a), sets.find(candidate.b));
        if root_a == root_b {
            continue;
        }
        // Every pair the merge would put in one person must be free of
        // contradiction, but for the link itself, which its weight carried.
        let direct = ordered(candidate.a, candidate.b);
        let undated = records[candidate.a as usize].dob.is_none() || records[candidate.b as usize].dob.is_none();
        let vetoed = sets
            .members(root_a)
            .any(|x| sets.members(root_b).any(|y| ordered(x, y) != direct && contradicted(x, y, undated)))
            || conflict(&records[candidate.a as usize], &records[candidate.b as usize]).is_some()
            || kept_apart(&sets, &apart, root_a, root_b);
        if vetoed {
            n_vetoed += 1;
            continue;
        }
        sets.union(root_a, root_b);
        accepted.push((candidate, None));
    }
    let root_of = (0..records.len() as u32).map(|i| sets.find(i)).collect();
    Clusters { root_of, accepted, n_vetoed, n_ambiguous, refused }
}

/// Drops every link from a record to one of two records that contradict
/// each other, when both links are within `AMBIGUITY_MARGIN` of the
/// record's best. Links to records it conflicts with itself are ignored
/// here: the clustering veto refuses those anyway. Depends only on the set
/// of candidates, not their order.
fn without_ambiguous(
    records: &[Prepared],
    candidates: Vec<Candidate>,
    contradicted: impl Fn(u32, u32) -> bool,
) -> Vec<Candidate> {
    // Each candidate seen from both ends: (record, partner, fit, candidate
    // index). A record fitting a person's record in its own agency and
    // another's records elsewhere equally is ambiguous, whatever the
    // agency level weighs.
    let mut ends: Vec<(u32, u32, f64, usize)> = Vec::with_capacity(2 * candidates.len());
    for (candidate_idx, c) in candidates.iter().enumerate() {
        ends.push((c.a, c.b, c.fit, candidate_idx));
        ends.push((c.b, c.a, c.fit, candidate_idx));
    }
    ends.sort_unstable_by_key(|end| (end.0, end.1));

    let mut ambiguous = vec![false; candidates.len()];
    let mut close: Vec<(u32, usize)> = Vec::new();
    for links in ends.chunk_by(|x, y| x.0 == y.0) {
        if links.len() < 2 {
            continue;
        }
        let record = &records[links[0].0 as usize];
        let fits = |partner: u32| conflict(record, &records[partner as usize]).is_none();
        let Some(best) = links.iter().filter(|l| fits(l.1)).map(|l| l.2).reduce(f64::max) else { continue };
        close.clear();
        close.extend(links.iter().filter(|l| l.2 >= best - AMBIGUITY_MARGIN && fits(l.1)).map(|l| (l.1, l.3)));
        for (i, &(x, x_candidate)) in close.iter().enumerate() {
            for &(y, y_candidate) in &close[i + 1..] {
                if contradicted(x, y) {
                    ambiguous[x_candidate] = true;
                    ambiguous[y_candidate] = true;
                }
            }
        }
    }
    candidates.into_iter().zip(ambiguous).filter(|(_, ambiguous)| !ambiguous).map(|(c, _)| c).collect()
}

/// Union-find with union by size and path halving, plus each set's members
/// as a circular linked list so a set can be walked without allocating.
struct DisjointSets {
    parent: Vec<u32>,
    size: Vec<u32>,
    next: Vec<u32>,
}

impl DisjointSets {
    fn new(n: usize) -> DisjointSets {
        let ids: Vec<u32> = (0..n as u32).collect();
        DisjointSets { parent: ids.clone(), size: vec![1; n], next: ids }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Joins two roots.
    fn union(&mut self, root_a: u32, root_b: u32) {
        debug_assert!(root_a != root_b);
        let (big, small) =
            if self.size[root_a as usize] >= self.size[root_b as usize] { (root_a, root_b) } else { (root_b, root_a) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        // Splicing two circular lists is swapping one successor of each.
        self.next.swap(big as usize, small as usize);
    }

    /// The members of the set holding `x`.
    fn members(&self, x: u32) -> impl Iterator<Item = u32> + '_ {
        let mut current = Some(x);
        std::iter::from_fn(move || {
            let member = current?;
            let following = self.next[member as usize];
            current = (following != x).then_some(following);
            Some(member)
        })
    }
}

#[cfg(test)]
mod tests {
    use famgraph_model::{Date, PersonRecord, Postcode, Sex};

    use super::*;

    /// Records of one name at one postcode, prepared as in an extract of
    /// individuals (no households), one per date of birth ("" for none).
    fn namesakes(dates: &[&str]) -> Vec<PersonRecord> {
        dates
            .iter()
            .enumerate()
            .map(|(i, dob)| PersonRecord {
                agency: format!("agency{i}"),
                record_id: format!("R{i}"),
                given_name: "Dale".to_owned(),
                family_name: "Pennock".to_owned(),
                date_of_birth: Date::parse(dob),
                sex: Sex::M,
                address: None,
                postcode: Postcode::parse("ME4 4QS"),
                uprn: None,
                nhs_number: None,
            })
            .collect()
    }

    fn individuals(records: &[PersonRecord]) -> Vec<Prepared<'_>> {
        let (mut prepared, _) = crate::prepare(records, &[]);
        for record in &mut prepared {
            record.vouched = false;
        }
        prepared
    }

    fn candidate(a: u32, b: u32, weight: f64) -> Candidate {
        Candidate { a, b, weight, fit: weight }
    }

    fn people(records: &[Prepared], candidates: Vec<Candidate>) -> Vec<u32> {
        let rank: Vec<u32> = (0..records.len() as u32).collect();
        // Only the links given are linkable on their own.
        let given: HashSet<(u32, u32)> = candidates.iter().map(|c| (c.a, c.b)).collect();
        cluster(records, candidates, &rank, &[], &[], |x, y| given.contains(&(x.min(y), x.max(y)))).root_of
    }

    #[test]
    fn a_date_keyed_wrong_joins_through_dated_links_but_never_through_an_undated_one() {
        // 0 and 1 agree; 2's date was keyed wrong, and 2 links to 1 on the
        // rest. Where no home holds relatives that is one person.
        let records = namesakes(&["1980-03-04", "1980-03-04", "1955-11-27"]);
        let prepared = individuals(&records);
        let roots = people(&prepared, vec![candidate(0, 1, 20.0), candidate(1, 2, 12.0)]);
        assert!(roots[0] == roots[1] && roots[1] == roots[2]);

        // 1 has no date: it fits both, and must not chain them.
        let records = namesakes(&["1980-03-04", "", "1955-11-27"]);
        let prepared = individuals(&records);
        let roots = people(&prepared, vec![candidate(0, 1, 20.0), candidate(1, 2, 12.0)]);
        assert_eq!(roots[0], roots[1]);
        assert_ne!(roots[0], roots[2]);
    }

    #[test]
    fn disjoint_sets_walk_members() {
        let mut sets = DisjointSets::new(6);
        sets.union(0, 1);
        let root = sets.find(3);
        sets.union(root, 4);
        let (r0, r3) = (sets.find(0), sets.find(3));
        sets.union(r0, r3);
        let root = sets.find(4);
        let mut members: Vec<u32> = sets.members(root).collect();
        members.sort_unstable();
        assert_eq!(members, [0, 1, 3, 4]);
        assert_eq!(sets.members(5).collect::<Vec<_>>(), [5]);
        let root = sets.find(1);
        assert_eq!(sets.size[root as usize], 4);
    }
}
