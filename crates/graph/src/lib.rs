//! From linked records to people, households and families, and the
//! petgraph graph that joins people, households, agencies and services.
//!
//! Pure: takes the validated bundle and the linkage, returns values.
//! **Invariant:** every record belongs to exactly one person, every person
//! to exactly one family; indices into the vectors here are stable for the
//! life of a [`FamilyGraph`].

mod address;
mod ids;
mod infer;
mod query;
mod roles;
pub mod stored;

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use famgraph_link::Linkage;
use famgraph_model::{Bundle, Date, Postcode, RelationshipKind, Sex};
use petgraph::stable_graph::{NodeIndex, StableGraph};

pub use address::AddressKey;
pub use ids::KnownIds;
pub use infer::{Basis as InferredBasis, PARENT_GAP_YEARS};
pub use query::Subgraph;
pub use roles::{ADULT_AGE, MemberRole, member_roles};

/// A household of more adults than this, from this many families or more,
/// is shared accommodation (a hostel or an HMO), not a family home.
pub const SHARED_ACCOMMODATION_MIN_ADULTS: usize = 5;
pub const SHARED_ACCOMMODATION_MIN_FAMILIES: usize = 4;

pub type PersonIdx = usize;
pub type HouseholdIdx = usize;
pub type FamilyIdx = usize;

/// One real person: the records the linkage joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    /// Indices into `Bundle::people`.
    pub records: Vec<usize>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub sex: Sex,
    pub link_confidence: f64,
    /// Indices into `FamilyGraph::linkage.links`: the links that joined
    /// this person's records, each explained.
    pub links: Vec<usize>,
    /// The household of the address most of the person's records give.
    pub household: Option<HouseholdIdx>,
    pub family: FamilyIdx,
}

/// People recorded at one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub id: String,
    pub address: Option<String>,
    pub postcode: Option<Postcode>,
    pub uprn: Option<u64>,
    /// Everyone any record places here, current or former.
    pub members: Vec<PersonIdx>,
    /// Many unrelated adults: a hostel or HMO, not a family home.
    pub shared_accommodation: bool,
    /// When each member was known to live here, parallel to `members`.
    pub residence: Vec<Residence>,
}

/// When a person was known at an address: the span of the involvements
/// of the records that give it. Agencies record an address, not when it
/// began or ended, so this is when agencies were in touch with the person
/// there, not a tenancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Residence {
    /// The earliest involvement start of those records.
    pub first_seen: Option<Date>,
    /// The latest involvement end, or the extract date for an open one.
    pub last_seen: Option<Date>,
    /// How many of the person's records give this address.
    pub records: usize,
    /// Placed here by postcode and family name: the person's records give
    /// this postcode and no address line (see `address::group`).
    pub by_postcode_and_name: bool,
}

impl Residence {
    /// Whether two people's spans at one address overlap: they lived there
    /// at the same time as far as the records show.
    pub fn overlaps(&self, other: &Residence) -> bool {
        match (self.first_seen, self.last_seen, other.first_seen, other.last_seen) {
            (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 <= b1 && b0 <= a1,
            _ => false,
        }
    }
}

/// People joined by parent, carer, partner or sibling relationships.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub id: String,
    pub members: Vec<PersonIdx>,
    /// The members' current households, shared accommodation excluded.
    pub households: Vec<HouseholdIdx>,
    /// Indices into `FamilyGraph::relationships`.
    pub relationships: Vec<usize>,
    /// Each member's generation, parallel to `members`: 1 for the eldest
    /// generation recorded, 2 for their children, and so on. Partners and
    /// siblings share one; a parent or carer is one above their child.
    pub generations: Vec<u32>,
}

impl Family {
    /// A member's generation.
    pub fn generation_of(&self, person: PersonIdx) -> Option<u32> {
        self.members.iter().position(|&p| p == person).map(|i| self.generations[i])
    }
}

/// Generation numbers from the family's relationships: a walk from the
/// first member, one down for each parental step, level across partners
/// and siblings. Recorded parent, partner and sibling links are walked
/// first; a carer's link (a grandmother caring for her grandchild is a
/// carer a generation up from the parent) and links inferred from
/// co-residence only place the groups those leave apart, so neither
/// overrides a recorded parent. Where records disagree (a grandmother
/// recorded as the parent of the grandchild she cares for; a father's
/// record linked to his son of the same name), the links more agencies
/// recorded are walked first and win; ties go by the members' and
/// relationships' order.
fn generations(members: &[PersonIdx], relationships: &[usize], all: &[PersonRelationship]) -> Vec<u32> {
    let position: HashMap<PersonIdx, usize> = members.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    // Steps (to, levels down, agencies recording it) along the links that
    // level groups, and the links (carers', inferred) that only place
    // whole groups.
    let mut recorded: Vec<Vec<(usize, i32, usize)>> = vec![Vec::new(); members.len()];
    let mut placing: Vec<(usize, usize, i32)> = Vec::new();
    for &r in relationships {
        let rel = &all[r];
        let (from, to) = (position[&rel.from], position[&rel.to]);
        let down = i32::from(rel.kind.is_parental());
        if rel.inferred.is_some() || rel.kind == RelationshipKind::CarerOf {
            placing.push((from, to, down));
        } else {
            let support = rel.recorded_by.len();
            recorded[from].push((to, down, support));
            recorded[to].push((from, -down, support));
        }
    }
    // Each recorded group levelled from its first member, along its best
    // supported links first (a maximum spanning tree, grown as Prim's).
    let mut group: Vec<usize> = vec![usize::MAX; members.len()];
    let mut level: Vec<i32> = vec![0; members.len()];
    let mut n_groups = 0;
    for start in 0..members.len() {
        if group[start] != usize::MAX {
            continue;
        }
        group[start] = n_groups;
        // (support, earliest first, member, its level)
        let mut frontier = std::collections::BinaryHeap::new();
        let mut order = 0_usize;
        let mut reach = |at: usize, level_at: i32, frontier: &mut std::collections::BinaryHeap<_>| {
            for &(next, down, support) in &recorded[at] {
                order += 1;
                frontier.push((support, std::cmp::Reverse(order), next, level_at + down));
            }
        };
        reach(start, 0, &mut frontier);
        while let Some((_, _, next, next_level)) = frontier.pop() {
            if group[next] == usize::MAX {
                group[next] = n_groups;
                level[next] = next_level;
                reach(next, next_level, &mut frontier);
            }
        }
        n_groups += 1;
    }
    // Whole groups shifted as the placing links between them place them.
    let mut between: Vec<Vec<(usize, i32)>> = vec![Vec::new(); n_groups];
    for &(from, to, down) in &placing {
        let (a, b) = (group[from], group[to]);
        if a != b {
            let shift = level[from] + down - level[to];
            between[a].push((b, shift));
            between[b].push((a, -shift));
        }
    }
    let mut offset: Vec<Option<i32>> = vec![None; n_groups];
    for start in 0..n_groups {
        if offset[start].is_some() {
            continue;
        }
        offset[start] = Some(0);
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            let here = offset[at].unwrap_or_default();
            for &(next, shift) in &between[at] {
                if offset[next].is_none() {
                    offset[next] = Some(here + shift);
                    queue.push_back(next);
                }
            }
        }
    }
    let levels: Vec<i32> = (0..members.len()).map(|m| level[m] + offset[group[m]].unwrap_or_default()).collect();
    let top = levels.iter().copied().min().unwrap_or_default();
    levels.into_iter().map(|l| (l - top + 1).unsigned_abs()).collect()
}

/// A relationship between two people, merged across the agencies that
/// recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRelationship {
    pub from: PersonIdx,
    pub to: PersonIdx,
    pub kind: RelationshipKind,
    /// The agencies that recorded it; empty for an inferred one.
    pub recorded_by: BTreeSet<String>,
    /// Why famgraph inferred it, where no agency recorded it.
    pub inferred: Option<InferredBasis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Person(PersonIdx),
    Household(HouseholdIdx),
    Agency(usize),
    Service(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Index into `FamilyGraph::relationships`; points from the older
    /// generation for parental kinds.
    Relationship(usize),
    /// Person to household; `current` for the person's main address.
    LivesAt { current: bool },
    /// Person to service: index into `Bundle::involvements`.
    Involvement(usize),
    /// Service to the agency that provides it.
    ProvidedBy,
}

/// Everything the analyses read.
pub struct FamilyGraph {
    pub bundle: Bundle,
    pub linkage: Linkage,
    pub people: Vec<Person>,
    pub households: Vec<Household>,
    pub families: Vec<Family>,
    pub relationships: Vec<PersonRelationship>,
    /// Per person, their episodes: indices into `Bundle::involvements`, one
    /// row for each agency, service, role and start day (see `episodes`).
    pub involvements_of: Vec<Vec<usize>>,
    /// Per person, the rows folded into an episode of `involvements_of`:
    /// held, and shown to the person on a subject access request, but
    /// never counted again.
    pub repeated_rows_of: Vec<Vec<usize>>,
    /// Per involvement, the index of its service in `Bundle::services`.
    pub service_of_involvement: Vec<usize>,
    pub graph: StableGraph<Node, Edge>,
    pub person_nodes: Vec<NodeIndex>,
    pub household_nodes: Vec<NodeIndex>,
    /// Per record, the household of its address.
    household_of_record: Vec<Option<HouseholdIdx>>,
    person_by_id: HashMap<String, PersonIdx>,
    family_by_id: HashMap<String, FamilyIdx>,
}

impl FamilyGraph {
    /// The graph a load stored (`stored::decode`), finished as `build`
    /// finishes it: each person's involvements, the petgraph, the maps by
    /// id.
    pub fn from_stored(bundle: Bundle, linkage: Linkage, stored: stored::Stored) -> FamilyGraph {
        let record_index: HashMap<(&str, &str), usize> =
            bundle.people.iter().enumerate().map(|(i, r)| ((r.agency.as_str(), r.record_id.as_str()), i)).collect();
        let record_of_involvement = records_of_involvements(&bundle, &record_index);
        drop(record_index);
        finish(bundle, linkage, stored.0, &record_of_involvement)
    }

    /// The household of a record's address, if it has one.
    pub fn household_of_record(&self, record: usize) -> Option<HouseholdIdx> {
        self.household_of_record.get(record).copied().flatten()
    }

    pub fn person_by_id(&self, id: &str) -> Option<PersonIdx> {
        self.person_by_id.get(id).copied()
    }

    pub fn family_by_id(&self, id: &str) -> Option<FamilyIdx> {
        self.family_by_id.get(id).copied()
    }

    /// Each record's person and family ids: what a later load follows.
    pub fn known_ids(&self) -> KnownIds {
        let mut known = KnownIds::default();
        for person in &self.people {
            for &r in &person.records {
                let record = &self.bundle.people[r];
                let key = (record.agency.clone(), record.record_id.clone());
                known.person_of_record.insert(key.clone(), person.id.clone());
                known.family_of_record.insert(key, self.families[person.family].id.clone());
            }
        }
        known
    }

    /// The date the analyses treat as today: the latest extract date.
    pub fn as_of(&self) -> Date {
        self.bundle.as_of().unwrap_or_else(|| Date::from_days(0))
    }

    /// The relationships within a family. Both ends of a relationship are
    /// always in the same family, since families are its components.
    pub fn relationships_of(&self, family: FamilyIdx) -> impl Iterator<Item = &PersonRelationship> {
        self.families[family].relationships.iter().map(|&r| &self.relationships[r])
    }
}

/// Builds people, households, families and the graph.
pub fn build(bundle: Bundle, linkage: Linkage) -> FamilyGraph {
    build_following(bundle, linkage, &KnownIds::default())
}

/// [`build`], keeping the person and family ids of an earlier load
/// (`known`) for the people and families that hold most of the same
/// records (`ids`).
#[tracing::instrument(skip_all, fields(n_records = bundle.people.len(), n_people = linkage.n_people))]
pub fn build_following(bundle: Bundle, linkage: Linkage, known: &KnownIds) -> FamilyGraph {
    let n_people = linkage.n_people;
    let mut records_of: Vec<Vec<usize>> = vec![Vec::new(); n_people];
    for (record, &person) in linkage.person_of.iter().enumerate() {
        records_of[person as usize].push(record);
    }
    let record_index: HashMap<(&str, &str), usize> =
        bundle.people.iter().enumerate().map(|(i, r)| ((r.agency.as_str(), r.record_id.as_str()), i)).collect();

    // When each record was in touch with its agency: its involvements' span.
    let as_of = bundle.as_of().unwrap_or_else(|| Date::from_days(0));
    let mut seen_of_record: Vec<Option<(Date, Date)>> = vec![None; bundle.people.len()];
    for inv in &bundle.involvements {
        let Some(&record) = record_index.get(&(inv.agency.as_str(), inv.record_id.as_str())) else { continue };
        let (start, end) = (inv.start_date, inv.end_date.unwrap_or(as_of));
        let seen = &mut seen_of_record[record];
        *seen = Some(seen.map_or((start, end), |(a, b)| (a.min(start), b.max(end))));
    }

    // Households from addresses, with when each person was seen at each. A
    // person's current household is the address most of their records
    // give; between two given equally often, the one seen last, so a stale
    // address loses to a newer one. (Latest-seen alone does worse: one
    // agency's odd rendering of a hostel address would outvote the rest.)
    let (homes, mut relationships, person_ids) = std::thread::scope(|scope| {
        let homes = scope.spawn(|| {
            let addresses = address::group(&bundle.people, &linkage.person_of);
            let residence = residence_of(&records_of, &addresses, &seen_of_record);
            (addresses, residence)
        });
        // Person ids need only each person's records.
        let person_ids = scope.spawn(|| ids::assign(&records_of, &bundle, &known.person_of_record, 'P'));
        let relationships = merged_relationships(&bundle, &record_index, &linkage.person_of);
        let joined = "a part of the graph's build panicked";
        (homes.join().expect(joined), relationships, person_ids.join().expect(joined))
    });
    let (addresses, Residences { residence, current_household, household_members }) = homes;

    // Shared accommodation: many adults at one address from several
    // families, as the recorded relationships join them.
    // A placeholder date (1900-01-01, held by far more people than any
    // birthday: the linkage finds them) is no one's date of birth.
    let placeholders: Vec<Date> = linkage.model.placeholder_dates.iter().map(|(date, _)| *date).collect();
    let date_of_birth: Vec<Option<Date>> = records_of
        .iter()
        .map(|records| {
            mode(records.iter().filter_map(|&r| bundle.people[r].date_of_birth).filter(|d| !placeholders.contains(d)))
        })
        .collect();
    let recorded_family = components(n_people, &relationships);
    let (shared_accommodation, adult_families): (Vec<bool>, Vec<usize>) = household_members
        .iter()
        .map(|members| {
            let adults: Vec<PersonIdx> =
                members.iter().copied().filter(|&p| date_of_birth[p].is_none_or(|d| d.age_on(as_of) >= 18)).collect();
            let families: BTreeSet<usize> = adults.iter().map(|&p| recorded_family[p]).collect();
            let shared =
                adults.len() >= SHARED_ACCOMMODATION_MIN_ADULTS && families.len() >= SHARED_ACCOMMODATION_MIN_FAMILIES;
            (shared, families.len())
        })
        .unzip();

    // Parents and carers no agency recorded, from who lives with whom.
    let family_names: Vec<BTreeMap<String, usize>> = records_of
        .iter()
        .map(|records| {
            let mut names = BTreeMap::new();
            for &r in records {
                *names.entry(bundle.people[r].family_name.trim().to_lowercase()).or_default() += 1;
            }
            names
        })
        .collect();
    let recorded: Vec<(PersonIdx, PersonIdx, RelationshipKind)> =
        relationships.iter().map(|r| (r.from, r.to, r.kind)).collect();
    // The schools each person is known to (agency indices): a school holds
    // pupils and the parents or carers it contacts about them.
    let education: HashMap<&str, usize> = bundle
        .agencies
        .iter()
        .enumerate()
        .filter(|(_, a)| a.sector == famgraph_model::Sector::Education)
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    let schools: Vec<Vec<usize>> = if education.is_empty() {
        vec![Vec::new(); n_people]
    } else {
        records_of
            .iter()
            .map(|records| {
                let mut mine: Vec<usize> =
                    records.iter().filter_map(|&r| education.get(bundle.people[r].agency.as_str()).copied()).collect();
                mine.sort_unstable();
                mine.dedup();
                mine
            })
            .collect()
    };
    let facts = infer::PersonFacts {
        date_of_birth: &date_of_birth,
        family_names: &family_names,
        household_members: &household_members,
        shared_accommodation: &shared_accommodation,
        adult_families: &adult_families,
        schools: &schools,
    };
    let inferred = infer::parental_links(&facts, &recorded);
    tracing::debug!(n_inferred = inferred.len(), "parental links inferred from co-residence");
    relationships.extend(inferred.into_iter().map(|i| PersonRelationship {
        from: i.from,
        to: i.to,
        kind: i.kind,
        recorded_by: BTreeSet::new(),
        inferred: Some(i.basis),
    }));

    // Families: connected components of the relationships.
    let family_of_root = components(n_people, &relationships);
    let mut family_index: HashMap<usize, FamilyIdx> = HashMap::default();
    let mut family_members: Vec<Vec<PersonIdx>> = Vec::new();
    let family_of: Vec<FamilyIdx> = (0..n_people)
        .map(|person| {
            let family = *family_index.entry(family_of_root[person]).or_insert_with(|| {
                family_members.push(Vec::new());
                family_members.len() - 1
            });
            family_members[family].push(person);
            family
        })
        .collect();

    let mut links_of: Vec<Vec<usize>> = vec![Vec::new(); n_people];
    for (idx, link) in linkage.links.iter().enumerate() {
        links_of[linkage.person_of[link.a as usize] as usize].push(idx);
    }
    let family_records: Vec<Vec<usize>> = family_members
        .iter()
        .map(|members| members.iter().flat_map(|&p| records_of[p].iter().copied()).collect())
        .collect();
    let mut family_ids = ids::assign(&family_records, &bundle, &known.family_of_record, 'F').into_iter();
    let people: Vec<Person> = records_of
        .iter()
        .enumerate()
        .map(|(idx, records)| {
            let people = &bundle.people;
            let pick = |names: &mut dyn Iterator<Item = &str>| mode(names).unwrap_or_default().to_owned();
            Person {
                id: person_ids[idx].clone(),
                records: records.clone(),
                given_name: pick(&mut records.iter().map(|&r| people[r].given_name.as_str())),
                family_name: pick(&mut records.iter().map(|&r| people[r].family_name.as_str())),
                date_of_birth: date_of_birth[idx],
                sex: mode(records.iter().map(|&r| bundle.people[r].sex).filter(|s| *s != Sex::U)).unwrap_or(Sex::U),
                link_confidence: linkage.confidence.get(idx).copied().unwrap_or(1.0),
                links: std::mem::take(&mut links_of[idx]),
                household: current_household[idx],
                family: family_of[idx],
            }
        })
        .collect();

    let households: Vec<Household> = addresses
        .households
        .iter()
        .enumerate()
        .map(|(idx, info)| {
            let members: Vec<PersonIdx> = household_members[idx].iter().copied().collect();
            let residence = members.iter().map(|p| residence[idx][p]).collect();
            Household {
                residence,
                id: format!("H{:06}", idx + 1),
                address: info.address.clone(),
                postcode: info.postcode.clone(),
                uprn: info.uprn,
                shared_accommodation: shared_accommodation[idx],
                members,
            }
        })
        .collect();

    let mut family_relationships: Vec<Vec<usize>> = vec![Vec::new(); family_members.len()];
    for (r, rel) in relationships.iter().enumerate() {
        debug_assert_eq!(family_of[rel.from], family_of[rel.to], "families are components of relationships");
        family_relationships[family_of[rel.from]].push(r);
    }
    let families: Vec<Family> = family_members
        .into_iter()
        .zip(family_relationships)
        .map(|(members, family_relationships)| {
            let households: BTreeSet<HouseholdIdx> = members
                .iter()
                .filter_map(|&p| people[p].household)
                .filter(|&h| !households[h].shared_accommodation)
                .collect();
            let generations = generations(&members, &family_relationships, &relationships);
            Family {
                id: family_ids.next().expect("an id for each family"),
                members,
                households: households.into_iter().collect(),
                relationships: family_relationships,
                generations,
            }
        })
        .collect();

    let record_of_involvement = records_of_involvements(&bundle, &record_index);
    drop(record_index);
    let parts =
        Parts { people, households, families, relationships, household_of_record: addresses.household_of_record };
    finish(bundle, linkage, parts, &record_of_involvement)
}

/// Each involvement's record, by index into `Bundle::people`.
fn records_of_involvements(bundle: &Bundle, record_index: &HashMap<(&str, &str), usize>) -> Vec<usize> {
    bundle.involvements.iter().map(|inv| record_index[&(inv.agency.as_str(), inv.record_id.as_str())]).collect()
}

/// What the graph is built from once people, households and families are
/// found: all that a stored load keeps of it (`stored`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parts {
    pub people: Vec<Person>,
    pub households: Vec<Household>,
    pub families: Vec<Family>,
    pub relationships: Vec<PersonRelationship>,
    pub household_of_record: Vec<Option<HouseholdIdx>>,
}

/// The graph of people, households, agencies and services, and each
/// person's involvements, from the parts.
fn finish(bundle: Bundle, linkage: Linkage, parts: Parts, record_of_involvement: &[usize]) -> FamilyGraph {
    let Parts { people, households, families, relationships, household_of_record } = parts;
    let n_people = people.len();
    // Involvements by person, and the graph.
    let service_index: HashMap<(&str, &str), usize> =
        bundle.services.iter().enumerate().map(|(i, s)| ((s.agency.as_str(), s.code.as_str()), i)).collect();
    let agency_index: HashMap<&str, usize> =
        bundle.agencies.iter().enumerate().map(|(i, a)| (a.code.as_str(), i)).collect();
    let mut involvements_of = vec![Vec::new(); n_people];
    let mut service_of_involvement = Vec::with_capacity(bundle.involvements.len());
    for (idx, inv) in bundle.involvements.iter().enumerate() {
        involvements_of[linkage.person_of[record_of_involvement[idx]] as usize].push(idx);
        service_of_involvement.push(service_index[&(inv.agency.as_str(), inv.service.as_str())]);
    }
    let repeated_rows_of = episodes(&bundle, &mut involvements_of);

    let mut graph = StableGraph::new();
    let person_nodes: Vec<NodeIndex> = (0..n_people).map(|p| graph.add_node(Node::Person(p))).collect();
    let household_nodes: Vec<NodeIndex> = (0..households.len()).map(|h| graph.add_node(Node::Household(h))).collect();
    let agency_nodes: Vec<NodeIndex> = (0..bundle.agencies.len()).map(|a| graph.add_node(Node::Agency(a))).collect();
    let service_nodes: Vec<NodeIndex> = (0..bundle.services.len()).map(|s| graph.add_node(Node::Service(s))).collect();
    for (s, service) in bundle.services.iter().enumerate() {
        graph.add_edge(service_nodes[s], agency_nodes[agency_index[service.agency.as_str()]], Edge::ProvidedBy);
    }
    for (h, household) in households.iter().enumerate() {
        for &p in &household.members {
            graph.add_edge(
                person_nodes[p],
                household_nodes[h],
                Edge::LivesAt { current: people[p].household == Some(h) },
            );
        }
    }
    for (r, rel) in relationships.iter().enumerate() {
        graph.add_edge(person_nodes[rel.from], person_nodes[rel.to], Edge::Relationship(r));
    }
    for (person, invs) in involvements_of.iter().enumerate() {
        for &inv in invs {
            graph.add_edge(person_nodes[person], service_nodes[service_of_involvement[inv]], Edge::Involvement(inv));
        }
    }
    tracing::info!(
        n_people,
        n_households = households.len(),
        n_families = families.len(),
        n_nodes = graph.node_count(),
        n_edges = graph.edge_count(),
        "graph built"
    );

    let person_by_id = people.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
    let family_by_id = families.iter().enumerate().map(|(i, f)| (f.id.clone(), i)).collect();
    FamilyGraph {
        bundle,
        linkage,
        people,
        households,
        families,
        relationships,
        involvements_of,
        repeated_rows_of,
        service_of_involvement,
        graph,
        person_nodes,
        household_nodes,
        household_of_record,
        person_by_id,
        family_by_id,
    }
}

/// Who lived at each household, and when; each person's current one.
struct Residences {
    residence: Vec<BTreeMap<PersonIdx, Residence>>,
    current_household: Vec<Option<HouseholdIdx>>,
    household_members: Vec<BTreeSet<PersonIdx>>,
}

/// Each household's residents with when each was seen there, from their
/// records' addresses and involvements; each person's current household.
fn residence_of(
    records_of: &[Vec<usize>],
    addresses: &address::Addresses,
    seen_of_record: &[Option<(Date, Date)>],
) -> Residences {
    let n_people = records_of.len();
    let mut residence: Vec<BTreeMap<PersonIdx, Residence>> = vec![BTreeMap::new(); addresses.households.len()];
    let mut current_household = vec![None; n_people];
    for (person, records) in records_of.iter().enumerate() {
        let mut mine: BTreeMap<HouseholdIdx, Residence> = BTreeMap::new();
        for &record in records {
            if let Some(h) = addresses.household_of_record[record] {
                let r = mine.entry(h).or_insert(Residence {
                    first_seen: None,
                    last_seen: None,
                    records: 0,
                    by_postcode_and_name: false,
                });
                r.records += 1;
                r.by_postcode_and_name |= addresses.placed_by_name[record];
                if let Some((from, to)) = seen_of_record[record] {
                    r.first_seen = Some(r.first_seen.map_or(from, |d| d.min(from)));
                    r.last_seen = Some(r.last_seen.map_or(to, |d| d.max(to)));
                }
            }
        }
        current_household[person] =
            mine.iter().max_by_key(|(h, r)| (r.records, r.last_seen, std::cmp::Reverse(**h))).map(|(h, _)| *h);
        for (h, r) in mine {
            residence[h].insert(person, r);
        }
    }
    let household_members: Vec<BTreeSet<PersonIdx>> =
        residence.iter().map(|people| people.keys().copied().collect()).collect();
    Residences { residence, current_household, household_members }
}

/// The recorded relationships between people, merged across agencies:
/// each (from, to, kind) once, with every agency that recorded it.
fn merged_relationships(
    bundle: &Bundle,
    record_index: &HashMap<(&str, &str), usize>,
    person_of: &[u32],
) -> Vec<PersonRelationship> {
    let mut recorded: Vec<(PersonIdx, PersonIdx, RelationshipKind, &str)> = bundle
        .relationships
        .iter()
        .filter_map(|rel| {
            let a = *record_index.get(&(rel.agency.as_str(), rel.from_record.as_str()))?;
            let b = *record_index.get(&(rel.agency.as_str(), rel.to_record.as_str()))?;
            let (from, to) = (person_of[a] as usize, person_of[b] as usize);
            (from != to).then(|| {
                let (from, to) = if rel.kind.is_parental() { (from, to) } else { (from.min(to), from.max(to)) };
                (from, to, rel.kind, rel.agency.as_str())
            })
        })
        .collect();
    recorded.sort_unstable();
    recorded.dedup();
    recorded
        .chunk_by(|x, y| (x.0, x.1, x.2) == (y.0, y.1, y.2))
        .map(|same| PersonRelationship {
            from: same[0].0,
            to: same[0].1,
            kind: same[0].2,
            recorded_by: same.iter().map(|r| r.3.to_owned()).collect(),
            inferred: None,
        })
        .collect()
}

/// Each person's component root under the relationships.
fn components(n_people: usize, relationships: &[PersonRelationship]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n_people).collect();
    for rel in relationships {
        union(&mut parent, rel.from, rel.to);
    }
    (0..n_people).map(|p| find(&mut parent, p)).collect()
}

/// The most frequent value; ties go to the smallest, so the choice does not
/// depend on record order.
fn mode<T: Ord + Clone>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

pub(crate) fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

pub(crate) fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The smaller root wins so components do not depend on edge order.
        let (keep, drop) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[drop] = keep;
    }
}

/// Episodes, not rows: an agency's rows for one person, one service, one
/// role and one start day are one episode (a case system's repeated
/// entries, or the same involvement on two records of one person). Each
/// person's list keeps the episode's row that ends last (an open one before
/// any closed), in the order the episodes first appear; the rows folded
/// into it are returned, per person.
fn episodes(bundle: &Bundle, involvements_of: &mut [Vec<usize>]) -> Vec<Vec<usize>> {
    let ends_later = |a: usize, b: usize| match (bundle.involvements[a].end_date, bundle.involvements[b].end_date) {
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
        _ => false,
    };
    involvements_of
        .iter_mut()
        .map(|rows| {
            let mut at: HashMap<(&str, &str, &str, Date), usize> = HashMap::default();
            let (mut kept, mut repeated) = (Vec::with_capacity(rows.len()), Vec::new());
            for &i in rows.iter() {
                let inv = &bundle.involvements[i];
                let key = (inv.agency.as_str(), inv.service.as_str(), inv.role.code(), inv.start_date);
                match at.get(&key) {
                    None => {
                        at.insert(key, kept.len());
                        kept.push(i);
                    }
                    Some(&slot) if ends_later(i, kept[slot]) => repeated.push(std::mem::replace(&mut kept[slot], i)),
                    Some(_) => repeated.push(i),
                }
            }
            *rows = kept;
            repeated
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(from: PersonIdx, kind: RelationshipKind, to: PersonIdx) -> PersonRelationship {
        PersonRelationship { from, to, kind, recorded_by: BTreeSet::from(["csc".to_owned()]), inferred: None }
    }

    #[test]
    fn a_kinship_carer_stays_a_generation_above_the_parent() {
        // 0 grandfather, parent of 1 (mother), who is parent of 2; the
        // grandfather also cares for 2. Listed so the carer's link comes first.
        let all = [
            rel(0, RelationshipKind::CarerOf, 2),
            rel(0, RelationshipKind::ParentOf, 1),
            rel(1, RelationshipKind::ParentOf, 2),
        ];
        assert_eq!(generations(&[0, 1, 2], &[0, 1, 2], &all), vec![1, 2, 3]);
        // A step-father caring for his partner's child is of her generation.
        let all = [
            rel(0, RelationshipKind::CarerOf, 2),
            rel(0, RelationshipKind::PartnerOf, 1),
            rel(1, RelationshipKind::ParentOf, 2),
        ];
        assert_eq!(generations(&[0, 1, 2], &[0, 1, 2], &all), vec![1, 1, 2]);
        // Only a carer: one generation up.
        let all = [rel(0, RelationshipKind::CarerOf, 1)];
        assert_eq!(generations(&[0, 1], &[0], &all), vec![1, 2]);
    }

    #[test]
    fn where_records_disagree_more_agencies_win() {
        let by = |agencies: &[&str], r: PersonRelationship| PersonRelationship {
            recorded_by: agencies.iter().map(|a| (*a).to_owned()).collect(),
            ..r
        };
        // 0 grandmother, parent of 1 (father), partner of 2 (mother); 3
        // their daughter. Early help recorded the grandmother, who cares
        // for her, as her parent too; three agencies recorded her parents.
        let all = [
            rel(0, RelationshipKind::ParentOf, 1),
            by(&["early_help"], rel(0, RelationshipKind::ParentOf, 3)),
            rel(1, RelationshipKind::PartnerOf, 2),
            by(&["csc", "school", "housing"], rel(1, RelationshipKind::ParentOf, 3)),
            by(&["csc", "school"], rel(2, RelationshipKind::ParentOf, 3)),
        ];
        assert_eq!(generations(&[0, 1, 2, 3], &[0, 1, 2, 3, 4], &all), vec![1, 2, 2, 3]);
        // 0 father, 1 his son of the same name, 2 a younger child: a school
        // record of the father linked to the son names him the child's
        // parent; three agencies name the father.
        let all = [
            by(&["csc", "housing", "school"], rel(0, RelationshipKind::ParentOf, 1)),
            by(&["school"], rel(1, RelationshipKind::ParentOf, 2)),
            by(&["csc", "housing", "early_help"], rel(0, RelationshipKind::ParentOf, 2)),
        ];
        assert_eq!(generations(&[0, 1, 2], &[0, 1, 2], &all), vec![1, 2, 2]);
    }

    #[test]
    fn an_agencys_rows_of_one_service_on_one_day_are_one_episode() {
        let row = |id: &str, service: &str, start: &str, end: Option<&str>| famgraph_model::Involvement {
            agency: "probation".into(),
            involvement_id: id.into(),
            record_id: "R1".into(),
            service: service.into(),
            start_date: Date::parse(start).unwrap(),
            end_date: end.map(|e| Date::parse(e).unwrap()),
            role: famgraph_model::Role::Subject,
        };
        let bundle = Bundle {
            involvements: vec![
                row("1", "custody", "2023-05-02", Some("2023-06-01")),
                row("2", "custody", "2023-05-02", Some("2023-08-01")),
                row("3", "custody", "2023-05-02", Some("2023-07-01")),
                row("4", "custody", "2023-09-09", None),
                row("5", "licence", "2023-05-02", None),
                row("6", "custody", "2023-09-09", Some("2023-10-01")),
            ],
            ..Bundle::default()
        };
        let mut rows = vec![vec![0, 1, 2, 3, 4, 5]];
        let repeated = episodes(&bundle, &mut rows);
        // Three episodes, each kept as its row that ends last (open first).
        assert_eq!(rows, vec![vec![1, 3, 4]]);
        assert_eq!(repeated, vec![vec![0, 2, 5]]);
    }
}
