//! The links worth a person's look, for a coordinator to work through with
//! split and join: links famgraph was least sure of, two members of one
//! family with the same name (one person famgraph kept apart?), a person
//! an agency holds twice (data-quality feedback for that agency), and a
//! person whose records disagree on the date of birth.

use std::collections::BTreeMap;

use famgraph_graph::{FamilyIdx, PersonIdx};
use famgraph_link::dates_of_birth_clash;

use crate::Snapshot;

/// A link made on less than this probability is worth a look.
pub const BORDERLINE: f64 = 0.95;

/// Why an item is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Two people of one family with the same name and no date of birth
    /// against it: perhaps one person.
    SameNameMembers,
    /// A link made on a borderline probability.
    BorderlineLink,
    /// One person's records give dates of birth that clash (more than a
    /// slip of the keyboard apart).
    DateOfBirthDisagrees,
    /// One agency holds two or more records of one person.
    AgencyDuplicate,
}

impl Kind {
    pub const ALL: [Kind; 4] =
        [Kind::SameNameMembers, Kind::BorderlineLink, Kind::DateOfBirthDisagrees, Kind::AgencyDuplicate];

    pub fn code(self) -> &'static str {
        match self {
            Kind::SameNameMembers => "same_name_members",
            Kind::BorderlineLink => "borderline_link",
            Kind::DateOfBirthDisagrees => "date_of_birth_disagrees",
            Kind::AgencyDuplicate => "agency_duplicate",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == text)
    }
}

/// One thing to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: Kind,
    pub family: FamilyIdx,
    /// The people it is about (two for same-name members).
    pub people: Vec<PersonIdx>,
    /// The records it is about (indices into `Bundle::people`).
    pub records: Vec<usize>,
    /// The link's probability, for a borderline link.
    pub probability: Option<f64>,
    /// What to look at, in words, with no names.
    pub detail: String,
}

/// Every item, in order of kind, then the family's rank (unranked last),
/// then the family and people ids: worked out once per load, as the
/// snapshot it reads never changes.
pub fn queue(snapshot: &Snapshot) -> &[Item] {
    snapshot.review_queue.get_or_init(|| items(snapshot))
}

fn items(snapshot: &Snapshot) -> Vec<Item> {
    let graph = &snapshot.graph;
    let records = &graph.bundle.people;
    let mut items = Vec::new();
    for (p, person) in graph.people.iter().enumerate() {
        for &l in &person.links {
            let link = &graph.linkage.links[l];
            if link.decision.is_none() && link.probability < BORDERLINE {
                items.push(Item {
                    kind: Kind::BorderlineLink,
                    family: person.family,
                    people: vec![p],
                    records: vec![link.a as usize, link.b as usize],
                    probability: Some(link.probability),
                    detail: format!("linked on a probability of {:.3}", link.probability),
                });
            }
        }
        let mut dates: Vec<_> = person.records.iter().filter_map(|&r| records[r].date_of_birth).collect();
        dates.sort_unstable();
        dates.dedup();
        // A slip of the keyboard (a digit wrong, two transposed, day and
        // month swapped) is the linkage's to allow; dates that clash are
        // worth a look.
        let clash = dates.iter().enumerate().any(|(i, &a)| dates[i + 1..].iter().any(|&b| dates_of_birth_clash(a, b)));
        if clash {
            items.push(Item {
                kind: Kind::DateOfBirthDisagrees,
                family: person.family,
                people: vec![p],
                records: person.records.clone(),
                probability: None,
                detail: format!(
                    "{} dates of birth on {} records, more than a slip of the keyboard apart",
                    dates.len(),
                    person.records.len()
                ),
            });
        }
        let mut by_agency: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &r in &person.records {
            by_agency.entry(records[r].agency.as_str()).or_default().push(r);
        }
        for (agency, held) in by_agency.into_iter().filter(|(_, held)| held.len() >= 2) {
            items.push(Item {
                kind: Kind::AgencyDuplicate,
                family: person.family,
                people: vec![p],
                detail: format!("{agency} holds {} records of this person", held.len()),
                records: held,
                probability: None,
            });
        }
    }
    for (f, family) in graph.families.iter().enumerate() {
        let mut by_name: BTreeMap<(String, String), Vec<PersonIdx>> = BTreeMap::new();
        for &p in &family.members {
            let person = &graph.people[p];
            let key = (person.given_name.to_lowercase(), person.family_name.to_lowercase());
            by_name.entry(key).or_default().push(p);
        }
        for same in by_name.into_values().filter(|people| people.len() >= 2) {
            for (i, &a) in same.iter().enumerate() {
                for &b in &same[i + 1..] {
                    let (da, db) = (graph.people[a].date_of_birth, graph.people[b].date_of_birth);
                    if da.is_some() && db.is_some() && da != db {
                        continue;
                    }
                    let detail = if da.is_some() && db.is_some() {
                        "two members with the same name and date of birth".to_owned()
                    } else {
                        "two members with the same name, one with no date of birth".to_owned()
                    };
                    let mut records = graph.people[a].records.clone();
                    records.extend(&graph.people[b].records);
                    items.push(Item {
                        kind: Kind::SameNameMembers,
                        family: f,
                        people: vec![a, b],
                        records,
                        probability: None,
                        detail,
                    });
                }
            }
        }
    }
    let rank = |f: FamilyIdx| snapshot.analysis.families[f].rank.unwrap_or(usize::MAX);
    items.sort_by(|x, y| {
        (x.kind, rank(x.family), &graph.families[x.family].id, &x.people).cmp(&(
            y.kind,
            rank(y.family),
            &graph.families[y.family].id,
            &y.people,
        ))
    });
    items
}

#[cfg(test)]
mod tests {
    use famgraph_link::dates_of_birth_clash;
    use famgraph_model::Date;

    #[test]
    fn a_slip_of_the_keyboard_is_no_clash() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert!(!dates_of_birth_clash(d("1984-07-09"), d("1984-07-08")), "one digit");
        assert!(!dates_of_birth_clash(d("1984-07-09"), d("1984-09-07")), "day and month swapped");
        assert!(!dates_of_birth_clash(d("1984-07-09"), d("1985-07-09")), "year one off");
        assert!(dates_of_birth_clash(d("1984-07-09"), d("1990-02-14")));
        assert!(dates_of_birth_clash(d("1984-07-09"), d("1900-01-01")), "a placeholder is worth a look");
    }
}
