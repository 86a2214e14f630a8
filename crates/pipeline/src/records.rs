//! A person found by one of their records, and one agency's records of a
//! person erased (the right to erasure): the load built again without them.

use std::collections::HashSet;

use famgraph_graph::{FamilyIdx, PersonIdx};
use famgraph_model::records::Erased;

use crate::{CohortQueries, Settings, Snapshot};

/// The person an agency's record is linked into, if the load holds it.
pub fn person_of_record(snapshot: &Snapshot, agency: &str, record_id: &str) -> Option<PersonIdx> {
    let index = snapshot.graph.bundle.people.iter().position(|r| r.agency == agency && r.record_id == record_id)?;
    Some(snapshot.graph.linkage.person_of[index] as usize)
}

/// Each record a person is linked from, as (agency, record id).
pub fn records_of(snapshot: &Snapshot, person: PersonIdx) -> impl Iterator<Item = (&str, &str)> {
    let graph = &snapshot.graph;
    graph.people[person].records.iter().map(|&r| {
        let record = &graph.bundle.people[r];
        (record.agency.as_str(), record.record_id.as_str())
    })
}

/// The record ids `agency` holds of the person: what an erasure removes.
pub fn agency_records_of<'s>(snapshot: &'s Snapshot, person: PersonIdx, agency: &str) -> HashSet<&'s str> {
    records_of(snapshot, person).filter(|(a, _)| *a == agency).map(|(_, id)| id).collect()
}

/// The load without one agency's records of a person.
pub struct Erasure {
    /// What went: records, and the involvements, relationships and
    /// overrides about them.
    pub erased: Erased,
    /// The load built again without them.
    pub snapshot: Snapshot,
    /// The family the person is now in, found by a record of theirs that
    /// another agency holds; `None` if no other agency holds one.
    pub family: Option<FamilyIdx>,
}

/// Removes `agency`'s records of `person` and builds the load again.
pub fn erase(
    snapshot: &Snapshot,
    person: PersonIdx,
    agency: &str,
    settings: &Settings,
    cohorts: &dyn CohortQueries,
) -> Erasure {
    let ids = agency_records_of(snapshot, person, agency);
    let kept: Vec<(String, String)> = records_of(snapshot, person)
        .filter(|(a, _)| *a != agency)
        .map(|(a, id)| (a.to_owned(), id.to_owned()))
        .collect();
    let mut bundle = snapshot.graph.bundle.clone();
    let erased = bundle.erase(agency, &ids);
    // The ids of the load as it was: erasing a record renames no one.
    let after = crate::build_following(bundle, snapshot.report.clone(), settings, cohorts, &snapshot.graph.known_ids());
    let family = kept
        .first()
        .and_then(|(agency, record_id)| person_of_record(&after, agency, record_id))
        .map(|p| after.graph.people[p].family);
    Erasure { erased, snapshot: after, family }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoCohorts;

    #[test]
    fn erasing_one_agencys_records_keeps_the_person_by_the_others() {
        let (bundle, report) =
            famgraph_synth::validated(&famgraph_synth::SynthConfig { families: 30, seed: 5, ..Default::default() });
        let snapshot = crate::build(bundle, report, &Settings::default(), &NoCohorts);
        // A person two agencies hold.
        let person = (0..snapshot.graph.people.len())
            .find(|&p| {
                let agencies: HashSet<&str> = records_of(&snapshot, p).map(|(a, _)| a).collect();
                agencies.len() >= 2
            })
            .expect("someone is known to two agencies");
        let (agency, record_id) = records_of(&snapshot, person).next().expect("a record");
        assert_eq!(person_of_record(&snapshot, agency, record_id), Some(person));
        let held = agency_records_of(&snapshot, person, agency).len();
        let records_before = snapshot.graph.bundle.people.len();

        let erasure = erase(&snapshot, person, agency, &Settings::default(), &NoCohorts);

        assert_eq!(erasure.erased.records, held);
        assert_eq!(erasure.snapshot.graph.bundle.people.len(), records_before - held);
        assert_eq!(person_of_record(&erasure.snapshot, agency, record_id), None, "the record is gone");
        assert!(erasure.family.is_some(), "another agency's record still places the person in a family");
    }
}
