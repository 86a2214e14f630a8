//! Finding people: "is this referral already known?". A query is a date
//! of birth (`YYYY-MM-DD`), a postcode, an NHS number, an agency's record
//! id (`agency:record_id` or the id alone), or a name, misspelt, by
//! nickname or with the two names swapped, perhaps with a date of birth
//! after it. Each person is scored by their best record.

use famgraph_graph::PersonIdx;
use famgraph_link::{NameIndex, NameQuery};
use famgraph_model::{Date, NhsNumber, Postcode};

use crate::Snapshot;

/// What the query was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DateOfBirth,
    Postcode,
    NhsNumber,
    RecordId,
    Name,
    NameAndDateOfBirth,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::DateOfBirth => "date_of_birth",
            Kind::Postcode => "postcode",
            Kind::NhsNumber => "nhs_number",
            Kind::RecordId => "record_id",
            Kind::Name => "name",
            Kind::NameAndDateOfBirth => "name_and_date_of_birth",
        }
    }
}

/// One person found, with how well the best of their records matched
/// (1 for an exact date, postcode, NHS number or record id).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub person: PersonIdx,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: Kind,
    /// Best first, at most the limit asked for.
    pub hits: Vec<Hit>,
    /// How many matched in all.
    pub total: usize,
}

/// The people matching `query`, best first (ties by person id), at most
/// `limit`; `None` when the query has nothing to search by.
pub fn search(snapshot: &Snapshot, query: &str, limit: usize) -> Option<Found> {
    let graph = &snapshot.graph;
    let records = &graph.bundle.people;
    let query = query.trim();
    let exact = |kind: Kind, keep: &dyn Fn(&famgraph_model::PersonRecord) -> bool| {
        let hits = (0..graph.people.len())
            .filter(|&p| graph.people[p].records.iter().any(|&r| keep(&records[r])))
            .map(|person| Hit { person, score: 1.0 })
            .collect();
        finish(snapshot, kind, hits, limit)
    };
    if let Some(day) = Date::parse(query) {
        return Some(exact(Kind::DateOfBirth, &|r| r.date_of_birth == Some(day)));
    }
    if let Some(nhs) = NhsNumber::parse(query) {
        return Some(exact(Kind::NhsNumber, &|r| r.nhs_number == Some(nhs)));
    }
    if let Some(postcode) = Postcode::parse(query) {
        return Some(exact(Kind::Postcode, &|r| r.postcode.as_ref() == Some(&postcode)));
    }
    // A record id: with its agency, or alone (any agency's).
    let (agency, id) = query.split_once(':').map_or((None, query), |(a, id)| (Some(a.trim()), id.trim()));
    let is_id = |r: &famgraph_model::PersonRecord| {
        r.record_id.eq_ignore_ascii_case(id) && agency.is_none_or(|a| r.agency.eq_ignore_ascii_case(a))
    };
    if !id.is_empty() && records.iter().any(is_id) {
        return Some(exact(Kind::RecordId, &is_id));
    }
    // A name, perhaps with a date of birth among its words.
    let words: Vec<&str> = query.split_whitespace().collect();
    let born: Option<Date> = words.iter().find_map(|w| Date::parse(w));
    let name: Vec<&str> = words.iter().copied().filter(|w| Date::parse(w).is_none()).collect();
    let name = NameQuery::new(&name.join(" "))?;
    let index = snapshot.search_index.get_or_init(|| Index::new(snapshot));
    // Each person's best record.
    let mut best: std::collections::HashMap<PersonIdx, f64> = std::collections::HashMap::new();
    for (r, score) in index.names.matches(&name) {
        if born.is_some_and(|day| records[r].date_of_birth != Some(day)) {
            continue;
        }
        let slot = best.entry(index.person_of_record[r] as usize).or_default();
        *slot = slot.max(score);
    }
    let hits = best.into_iter().map(|(person, score)| Hit { person, score }).collect();
    let kind = if born.is_some() { Kind::NameAndDateOfBirth } else { Kind::Name };
    Some(finish(snapshot, kind, hits, limit))
}

/// The records' names, normalised and indexed once per load, and each
/// record's person.
#[derive(Debug)]
pub struct Index {
    names: NameIndex,
    person_of_record: Vec<u32>,
}

impl Index {
    pub(crate) fn new(snapshot: &Snapshot) -> Index {
        let graph = &snapshot.graph;
        let names = NameIndex::new(graph.bundle.people.iter().map(|r| (r.given_name.as_str(), r.family_name.as_str())));
        let mut person_of_record = vec![0; graph.bundle.people.len()];
        for (p, person) in graph.people.iter().enumerate() {
            for &r in &person.records {
                person_of_record[r] = u32::try_from(p).expect("fewer than 2^32 people");
            }
        }
        Index { names, person_of_record }
    }
}

fn finish(snapshot: &Snapshot, kind: Kind, mut hits: Vec<Hit>, limit: usize) -> Found {
    let people = &snapshot.graph.people;
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| people[a.person].id.cmp(&people[b.person].id)));
    let total = hits.len();
    hits.truncate(limit);
    Found { kind, hits, total }
}

#[cfg(test)]
mod tests {

    use super::search;
    use crate::{NoCohorts, Settings, build};

    /// Every record of a generated bundle: by its record id, its person
    /// first; by its name as recorded, either way round, its person among
    /// the first twenty for at least 95% of records. `FAMGRAPH_SEARCH_FAMILIES`
    /// sets the size (600 by default).
    #[test]
    fn every_record_is_found_by_its_id_and_nearly_every_one_by_its_name() {
        let families = std::env::var("FAMGRAPH_SEARCH_FAMILIES").ok().and_then(|n| n.parse().ok()).unwrap_or(600);
        let (bundle, report) =
            famgraph_synth::validated(&famgraph_synth::SynthConfig { families, seed: 17, ..Default::default() });
        let snapshot = build(bundle, report, &Settings::default(), &NoCohorts);
        let graph = &snapshot.graph;
        let mut person_of = vec![0; graph.bundle.people.len()];
        for (p, person) in graph.people.iter().enumerate() {
            for &r in &person.records {
                person_of[r] = p;
            }
        }
        let (mut named, mut by_name, mut swapped) = (0, 0, 0);
        for (r, record) in graph.bundle.people.iter().enumerate() {
            let by_id = search(&snapshot, &format!("{}:{}", record.agency, record.record_id), 20).unwrap();
            assert_eq!(by_id.hits[0].person, person_of[r], "{}:{}", record.agency, record.record_id);
            if record.given_name.is_empty() || record.family_name.is_empty() {
                continue;
            }
            named += 1;
            let found =
                |q: String| search(&snapshot, &q, 20).is_some_and(|f| f.hits.iter().any(|h| h.person == person_of[r]));
            by_name += usize::from(found(format!("{} {}", record.given_name, record.family_name)));
            swapped += usize::from(found(format!("{} {}", record.family_name, record.given_name)));
        }
        eprintln!(
            "{families} families: {by_name} and {swapped} (swapped) of {named} records found by name in the first 20"
        );
        assert!(by_name * 100 >= named * 95 && swapped * 100 >= named * 95, "{by_name}, {swapped} of {named}");
    }
}
