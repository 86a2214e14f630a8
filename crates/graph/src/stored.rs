//! A built graph as bytes, so a load can store its people, households,
//! families and relationships and a server opening that load reads them
//! back instead of building them again (grouping addresses, inferring
//! parents, numbering generations and ids). What is quick to work out
//! again from them (each person's involvements, the petgraph, the maps by
//! id) is not stored. Kept beside the stored linkage and used only with
//! it: a graph is read back only for the records and linkage it was
//! built from.

use std::collections::BTreeSet;

use famgraph_link::Linkage;
use famgraph_model::bytes::{Reader, Writer};
use famgraph_model::{Bundle, Date, Postcode, RelationshipKind, Sex};

use crate::infer::Basis;
use crate::{Family, FamilyGraph, Household, Parts, Person, PersonRelationship, Residence};

/// The format's name and version: raised with any change to what is
/// written or to how a graph is built from the same records and linkage
/// (the test `a_graph_built_from_the_same_records_is_the_one_stored`
/// fails until it is).
pub const MAGIC: &[u8] = b"famgraph-graph-1\n";

/// The graph's people, households, families and relationships as bytes.
#[tracing::instrument(skip_all)]
pub fn encode(graph: &FamilyGraph) -> Vec<u8> {
    let mut w = Writer::new(MAGIC);
    w.u64(graph.people.len());
    for p in &graph.people {
        w.str(&p.id);
        indices(&mut w, &p.records);
        w.str(&p.given_name);
        w.str(&p.family_name);
        date(&mut w, p.date_of_birth);
        w.u8(code(Sex::ALL, p.sex));
        w.f64(p.link_confidence);
        indices(&mut w, &p.links);
        index(&mut w, p.household);
        w.u32(u32_of(p.family));
    }
    w.u64(graph.households.len());
    for h in &graph.households {
        w.str(&h.id);
        w.opt_str(h.address.as_deref());
        w.opt_str(h.postcode.as_ref().map(Postcode::as_str));
        w.bool(h.uprn.is_some());
        let uprn = h.uprn.unwrap_or_default();
        w.u32((uprn >> 32) as u32);
        w.u32(uprn as u32);
        indices(&mut w, &h.members);
        w.bool(h.shared_accommodation);
        for r in &h.residence {
            date(&mut w, r.first_seen);
            date(&mut w, r.last_seen);
            w.u32(u32_of(r.records));
            w.bool(r.by_postcode_and_name);
        }
    }
    w.u64(graph.families.len());
    for f in &graph.families {
        w.str(&f.id);
        indices(&mut w, &f.members);
        indices(&mut w, &f.households);
        indices(&mut w, &f.relationships);
        for &g in &f.generations {
            w.u32(g);
        }
    }
    w.u64(graph.relationships.len());
    for r in &graph.relationships {
        w.u32(u32_of(r.from));
        w.u32(u32_of(r.to));
        w.u8(code(RelationshipKind::ALL, r.kind));
        w.u64(r.recorded_by.len());
        for agency in &r.recorded_by {
            w.str(agency);
        }
        basis(&mut w, r.inferred.as_ref());
    }
    w.u64(graph.household_of_record.len());
    for &h in &graph.household_of_record {
        index(&mut w, h);
    }
    w.into_bytes()
}

/// A graph read back, checked against the records and linkage it is to
/// be of, ready for [`FamilyGraph::from_stored`].
pub struct Stored(pub(crate) Parts);

/// The graph `encode` wrote, if it is of `bundle`'s records as `linkage`
/// linked them; otherwise what is wrong.
#[tracing::instrument(skip_all)]
pub fn decode(bytes: &[u8], bundle: &Bundle, linkage: &Linkage) -> Result<Stored, String> {
    let mut r = Reader::new(bytes, MAGIC, "a graph")?;
    let n = r.count(40)?;
    let mut people = Vec::with_capacity(n);
    for _ in 0..n {
        people.push(Person {
            id: r.str()?,
            records: read_indices(&mut r)?,
            given_name: r.str()?,
            family_name: r.str()?,
            date_of_birth: read_date(&mut r)?,
            sex: from_code(Sex::ALL, r.u8()?)?,
            link_confidence: r.f64()?,
            links: read_indices(&mut r)?,
            household: read_index(&mut r)?,
            family: r.u32()? as usize,
        });
    }
    let n = r.count(30)?;
    let mut households = Vec::with_capacity(n);
    for _ in 0..n {
        let id = r.str()?;
        let address = r.opt_str()?;
        let postcode = r
            .opt_str()?
            .map(|p| Postcode::parse(&p).ok_or_else(|| format!("a postcode `{p}` that does not parse")))
            .transpose()?;
        let has_uprn = r.bool()?;
        let uprn = (u64::from(r.u32()?) << 32) | u64::from(r.u32()?);
        let members = read_indices(&mut r)?;
        let shared_accommodation = r.bool()?;
        let residence = (0..members.len())
            .map(|_| {
                Ok(Residence {
                    first_seen: read_date(&mut r)?,
                    last_seen: read_date(&mut r)?,
                    records: r.u32()? as usize,
                    by_postcode_and_name: r.bool()?,
                })
            })
            .collect::<Result<_, String>>()?;
        households.push(Household {
            id,
            address,
            postcode,
            uprn: has_uprn.then_some(uprn),
            members,
            shared_accommodation,
            residence,
        });
    }
    let n = r.count(32)?;
    let mut families = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, members, households, relationships) =
            (r.str()?, read_indices(&mut r)?, read_indices(&mut r)?, read_indices(&mut r)?);
        let generations = (0..members.len()).map(|_| r.u32()).collect::<Result<_, _>>()?;
        families.push(Family { id, members, households, relationships, generations });
    }
    let n = r.count(26)?;
    let mut relationships = Vec::with_capacity(n);
    for _ in 0..n {
        let (from, to, kind) = (r.u32()? as usize, r.u32()? as usize, from_code(RelationshipKind::ALL, r.u8()?)?);
        let k = r.count(8)?;
        let recorded_by: BTreeSet<String> = (0..k).map(|_| r.str()).collect::<Result<_, _>>()?;
        relationships.push(PersonRelationship { from, to, kind, recorded_by, inferred: read_basis(&mut r)? });
    }
    let n = r.count(1)?;
    let household_of_record = (0..n).map(|_| read_index(&mut r)).collect::<Result<_, _>>()?;
    r.finish()?;
    let parts = Parts { people, households, families, relationships, household_of_record };
    check(&parts, bundle, linkage)?;
    Ok(Stored(parts))
}

/// Every index the parts hold points at something there is.
fn check(parts: &Parts, bundle: &Bundle, linkage: &Linkage) -> Result<(), String> {
    let Parts { people, households, families, relationships, household_of_record } = parts;
    let (n_people, n_households, n_families) = (people.len(), households.len(), families.len());
    let within = |items: &[usize], n: usize| items.iter().all(|&i| i < n);
    let fits = n_people == linkage.n_people
        && household_of_record.len() == bundle.people.len()
        && household_of_record.iter().flatten().all(|&h| h < n_households)
        && people.iter().all(|p| {
            within(&p.records, bundle.people.len())
                && within(&p.links, linkage.links.len())
                && p.household.is_none_or(|h| h < n_households)
                && p.family < n_families
        })
        && households.iter().all(|h| within(&h.members, n_people))
        && families.iter().all(|f| {
            within(&f.members, n_people)
                && within(&f.households, n_households)
                && within(&f.relationships, relationships.len())
        })
        && relationships.iter().all(|r| {
            r.from < n_people
                && r.to < n_people
                && r.inferred.as_ref().is_none_or(|b| match *b {
                    Basis::PartnerOfParent { via, household }
                    | Basis::OtherParentAtSameHome { via, household, .. }
                    | Basis::ParentsNameAtSameHome { via, household } => via < n_people && household < n_households,
                    Basis::OlderAtSameHome { household, .. } => household < n_households,
                    Basis::SchoolContactAtSameHome { school, household, .. } => {
                        school < bundle.agencies.len() && household < n_households
                    }
                    Basis::PartnerOfParentWithChildsName { via, .. } => via < n_people,
                })
        });
    if fits { Ok(()) } else { Err("its people, households and families are not of these records".into()) }
}

fn code<T: PartialEq + Copy>(all: &[T], value: T) -> u8 {
    all.iter().position(|v| *v == value).expect("every code is in its list") as u8
}

fn from_code<T: Copy>(all: &[T], code: u8) -> Result<T, String> {
    all.get(usize::from(code)).copied().ok_or_else(|| format!("a code of {code}"))
}

/// An index as 32 bits: a linkage holds at most `u32::MAX` records, and
/// so as many people, households and families.
fn u32_of(i: usize) -> u32 {
    u32::try_from(i).expect("an index within a linkage's limit")
}

fn indices(w: &mut Writer, items: &[usize]) {
    w.u64(items.len());
    for &i in items {
        w.u32(u32_of(i));
    }
}

fn read_indices(r: &mut Reader) -> Result<Vec<usize>, String> {
    let n = r.count(4)?;
    (0..n).map(|_| r.u32().map(|i| i as usize)).collect()
}

/// `u32::MAX` for none: no index reaches it.
fn index(w: &mut Writer, item: Option<usize>) {
    w.u32(item.map_or(u32::MAX, u32_of));
}

fn read_index(r: &mut Reader) -> Result<Option<usize>, String> {
    let i = r.u32()?;
    Ok((i != u32::MAX).then_some(i as usize))
}

fn date(w: &mut Writer, d: Option<Date>) {
    w.bool(d.is_some());
    w.i32(d.map_or(0, Date::days));
}

fn read_date(r: &mut Reader) -> Result<Option<Date>, String> {
    let some = r.bool()?;
    let days = r.i32()?;
    Ok(some.then(|| Date::from_days(days)))
}

fn basis(w: &mut Writer, b: Option<&Basis>) {
    let Some(b) = b else {
        w.u8(0);
        return;
    };
    match *b {
        Basis::PartnerOfParent { via, household } => {
            w.u8(1);
            w.u64(via);
            w.u64(household);
        }
        Basis::OlderAtSameHome { household, years_older, shares_family_name } => {
            w.u8(2);
            w.u64(household);
            w.f64(years_older);
            w.bool(shares_family_name);
        }
        Basis::OtherParentAtSameHome { via, household, years_older } => {
            w.u8(3);
            w.u64(via);
            w.u64(household);
            w.f64(years_older);
        }
        Basis::ParentsNameAtSameHome { via, household } => {
            w.u8(4);
            w.u64(via);
            w.u64(household);
        }
        Basis::SchoolContactAtSameHome { school, household, years_older } => {
            w.u8(5);
            w.u64(school);
            w.u64(household);
            w.f64(years_older);
        }
        Basis::PartnerOfParentWithChildsName { via, years_older } => {
            w.u8(6);
            w.u64(via);
            w.f64(years_older);
        }
    }
}

fn read_basis(r: &mut Reader) -> Result<Option<Basis>, String> {
    Ok(Some(match r.u8()? {
        0 => return Ok(None),
        1 => Basis::PartnerOfParent { via: r.u64()?, household: r.u64()? },
        2 => Basis::OlderAtSameHome { household: r.u64()?, years_older: r.f64()?, shares_family_name: r.bool()? },
        3 => Basis::OtherParentAtSameHome { via: r.u64()?, household: r.u64()?, years_older: r.f64()? },
        4 => Basis::ParentsNameAtSameHome { via: r.u64()?, household: r.u64()? },
        5 => Basis::SchoolContactAtSameHome { school: r.u64()?, household: r.u64()?, years_older: r.f64()? },
        6 => Basis::PartnerOfParentWithChildsName { via: r.u64()?, years_older: r.f64()? },
        tag => return Err(format!("an inference basis of {tag}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(families: usize, seed: u64) -> (Bundle, Linkage) {
        let (bundle, _) =
            famgraph_synth::validated(&famgraph_synth::SynthConfig { families, seed, ..Default::default() });
        let relations = famgraph_link::relations_of(&bundle.people, &bundle.relationships);
        let linkage = famgraph_link::link_with(&bundle.people, &famgraph_link::LinkConfig::fixed(), &[], &relations);
        (bundle, linkage)
    }

    /// FNV-1a: a hash that stays the same across Rust versions.
    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    #[test]
    fn a_graph_reads_back_as_it_was_built_and_bad_bytes_are_refused() {
        let (bundle, linkage) = generated(80, 3);
        let built = crate::build(bundle.clone(), linkage.clone());
        assert!(built.relationships.iter().any(|r| r.inferred.is_some()), "inferred parents are stored too");
        let bytes = encode(&built);
        let stored = decode(&bytes, &bundle, &linkage).unwrap();
        let read = FamilyGraph::from_stored(bundle.clone(), linkage.clone(), stored);
        assert_eq!(
            (&read.people, &read.households, &read.families, &read.relationships),
            (&built.people, &built.households, &built.families, &built.relationships)
        );
        assert_eq!(
            (&read.involvements_of, &read.repeated_rows_of, &read.service_of_involvement, &read.household_of_record),
            (
                &built.involvements_of,
                &built.repeated_rows_of,
                &built.service_of_involvement,
                &built.household_of_record
            )
        );
        assert_eq!(
            (read.graph.node_count(), read.graph.edge_count()),
            (built.graph.node_count(), built.graph.edge_count())
        );
        let id = &built.families[0].id;
        assert_eq!(read.family_by_id(id), built.family_by_id(id));

        assert!(decode(b"something else", &bundle, &linkage).err().unwrap().contains("not a graph"));
        assert!(decode(&bytes[..bytes.len() - 3], &bundle, &linkage).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &bundle, &linkage).err().unwrap().contains("after its end"));
        // Another bundle's graph is refused, not misread.
        let (other, other_linkage) = generated(40, 5);
        assert!(decode(&bytes, &other, &other_linkage).err().unwrap().contains("not of these records"));
    }

    #[test]
    fn a_graph_built_from_the_same_records_is_the_one_stored() {
        // A stored graph is read back for the records and linkage it was
        // built from, so building must give the same graph it did when the
        // format's version was last raised. If this fails, the graph a
        // bundle gives has changed: raise the version in `MAGIC` (so
        // graphs stored before are built again) and put the new value here.
        // Unless the linkage changed instead (a stored linkage and its graph
        // are keyed by `LINKAGE_VERSION`, raised with it): then only the value.
        let (bundle, linkage) = generated(60, 11);
        let bytes = encode(&crate::build(bundle, linkage));
        assert_eq!(
            (std::str::from_utf8(MAGIC).unwrap(), fnv(&bytes)),
            ("famgraph-graph-1\n", 1_578_727_290_398_226_448)
        );
    }
}
