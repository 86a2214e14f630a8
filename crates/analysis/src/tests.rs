//! A three-generation family built by hand: the analyses find the chain,
//! the overlap on the same need and the two keyworkers, and the score is
//! the sum of its reasons.

use famgraph_link::LinkConfig;
use famgraph_model::{
    Agency, Bundle, CostBasis, Date, Involvement, Need, PersonRecord, Relationship, RelationshipKind, Role, Sector,
    Service, Sex,
};

use crate::{Config, analyse};

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn person(agency: &str, id: &str, given: &str, dob: &str) -> PersonRecord {
    PersonRecord {
        agency: agency.into(),
        record_id: id.into(),
        given_name: given.into(),
        family_name: "Okafor".into(),
        date_of_birth: Some(date(dob)),
        sex: Sex::M,
        address: Some("12 Chatham Hill".into()),
        postcode: famgraph_model::Postcode::parse("ME4 4QS"),
        uprn: Some(44_001),
        nhs_number: None,
    }
}

fn service(agency: &str, code: &str, need: Need, offending: bool, keyworker: bool) -> Service {
    Service {
        agency: agency.into(),
        code: code.into(),
        name: code.into(),
        need,
        offending,
        keyworker,
        unit_cost: Some((100.0, CostBasis::PerWeek)),
    }
}

fn involvement(agency: &str, id: &str, record: &str, service: &str, start: &str, end: Option<&str>) -> Involvement {
    Involvement {
        agency: agency.into(),
        involvement_id: id.into(),
        record_id: record.into(),
        service: service.into(),
        start_date: date(start),
        end_date: end.map(date),
        role: Role::Subject,
    }
}

fn parent_of(agency: &str, from: &str, to: &str) -> Relationship {
    Relationship {
        agency: agency.into(),
        from_record: from.into(),
        kind: RelationshipKind::ParentOf,
        to_record: to.into(),
        start_date: None,
        end_date: None,
    }
}

fn three_generations() -> Bundle {
    let agency =
        |code: &str, sector| Agency { code: code.into(), name: code.into(), sector, extracted_on: date("2024-03-31") };
    Bundle {
        agencies: vec![
            agency("police", Sector::Police),
            agency("csc", Sector::ChildrensSocialCare),
            agency("eh", Sector::EarlyHelp),
        ],
        services: vec![
            service("police", "caution", Need::Crime, true, false),
            service("csc", "cin", Need::ChildSafety, false, true),
            service("eh", "support", Need::ChildSafety, false, true),
        ],
        people: vec![
            person("police", "G", "Samuel", "1960-05-01"),
            person("police", "F", "David", "1984-07-09"),
            person("police", "S", "Tobi", "2008-02-11"),
            person("csc", "1", "David", "1984-07-09"),
            person("csc", "2", "Tobi", "2008-02-11"),
            person("eh", "E2", "Tobi", "2008-02-11"),
        ],
        relationships: vec![parent_of("police", "G", "F"), parent_of("csc", "1", "2")],
        involvements: vec![
            involvement("police", "I1", "G", "caution", "2010-01-01", Some("2010-01-01")),
            involvement("police", "I2", "F", "caution", "2015-03-01", Some("2015-03-01")),
            involvement("police", "I3", "S", "caution", "2023-02-01", Some("2023-02-01")),
            involvement("csc", "C1", "2", "cin", "2023-01-01", None),
            involvement("eh", "X1", "E2", "support", "2023-06-01", None),
        ],
        overrides: Vec::new(),
    }
}

#[test]
fn finds_the_chain_the_overlap_and_the_keyworkers() {
    let bundle = three_generations();
    let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
    assert_eq!(linkage.n_people, 3, "grandfather, father and son");
    let graph = famgraph_graph::build(bundle, linkage);
    assert_eq!(graph.families.len(), 1);
    let analysis = analyse(&graph, &Config::default());
    let family = &analysis.families[0];

    assert_eq!(family.chains.len(), 1);
    let chain = &family.chains[0];
    assert_eq!(chain.people.len(), 3);
    assert!(chain.followed_parent);
    let names: Vec<&str> = chain.people.iter().map(|&p| graph.people[p].given_name.as_str()).collect();
    assert_eq!(names, ["Samuel", "David", "Tobi"]);
    assert_eq!(chain.age_at_first_offence, [Some(49), Some(30), Some(14)]);
    let generations: Vec<Option<u32>> = chain.people.iter().map(|&p| graph.families[0].generation_of(p)).collect();
    assert_eq!(generations, [Some(1), Some(2), Some(3)], "grandfather, father, son");

    let pairs: Vec<(&str, &str)> =
        family.overlaps.iter().map(|o| (o.agencies.0.as_str(), o.agencies.1.as_str())).collect();
    assert_eq!(pairs, [("csc", "eh"), ("csc", "police")]);
    assert_eq!(family.overlaps[0].same_needs.iter().copied().collect::<Vec<_>>(), [Need::ChildSafety]);
    assert!(family.overlaps[1].same_needs.is_empty());
    // Social care and early help are both still involved; the police's
    // one-day caution is history.
    assert_eq!(family.overlaps.iter().map(|o| o.ongoing).collect::<Vec<_>>(), [true, false]);
    let now: Vec<usize> = analysis.agency_pairs.iter().map(|p| p.now.len()).collect();
    assert_eq!(now, [1, 0]);
    assert_eq!(family.max_concurrent_keyworkers, 2);
    assert_eq!(family.needs.keys().copied().collect::<Vec<_>>(), [Need::ChildSafety, Need::Crime]);

    let reasons: Vec<(&str, f64)> = family.reasons.iter().map(|r| (r.code, r.points)).collect();
    assert_eq!(
        reasons,
        [
            ("intergenerational_offending", 16.0),
            ("three_generations", 4.0),
            // Child safety open now; crime (the boy's caution) earlier.
            ("needs_now", 3.0),
            ("needs_in_window", 1.0),
            // Social care and early help now, beyond the first; the police's
            // work has ended.
            ("agencies_now", 1.0),
            ("agencies_in_window", 0.5),
            // Both on child safety now, both with a keyworker.
            ("duplicated_need_now", 3.0),
            ("several_keyworkers_now", 3.0),
        ]
    );
    assert!((family.score - reasons.iter().map(|r| r.1).sum::<f64>()).abs() < 1e-9);
    assert_eq!(analysis.ranking, [0]);
    assert_eq!(family.rank, Some(1));
    // Two open keyworker episodes at £100 a week over the year to 2024-03-31.
    assert!(family.annual_cost_gbp > 2.0 * 100.0 * 40.0, "{}", family.annual_cost_gbp);
}

/// Social care records the grandfather as the boy's parent too (he cares
/// for him): still one line of three generations, not a second
/// grandfather-to-boy chain skipping the father, and two pairs, not three.
#[test]
fn a_grandparent_recorded_as_parent_adds_no_chain() {
    let mut bundle = three_generations();
    bundle.people.push(person("csc", "0", "Samuel", "1960-05-01"));
    bundle.relationships.push(parent_of("csc", "0", "2"));
    let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
    let graph = famgraph_graph::build(bundle, linkage);
    let analysis = analyse(&graph, &Config::default());
    let family = &analysis.families[0];
    let chains: Vec<Vec<&str>> =
        family.chains.iter().map(|c| c.people.iter().map(|&p| graph.people[p].given_name.as_str()).collect()).collect();
    assert_eq!(chains, [["Samuel", "David", "Tobi"]]);
    assert_eq!(family.reasons[0].detail, "2 parent-child pair(s) where both have offending recorded");
}

#[test]
fn a_victim_is_not_counted_as_offending() {
    let mut bundle = three_generations();
    for inv in &mut bundle.involvements {
        if inv.involvement_id == "I3" {
            inv.role = Role::Victim;
        }
    }
    bundle.services[0].offending = false;
    let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
    let graph = famgraph_graph::build(bundle, linkage);
    let analysis = analyse(&graph, &Config::default());
    assert!(analysis.families[0].chains.is_empty());
    assert!(!analysis.families[0].needs.contains_key(&Need::Crime));
}

/// Who has a keyworker with the family now: open keyworker involvements
/// on the extract date, by agency. One that ended yesterday, one that
/// begins tomorrow and a service with no keyworker do not count.
#[test]
fn keyworkers_now_are_the_open_keyworker_involvements() {
    let analyse_bundle = |bundle: Bundle| {
        let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
        let graph = famgraph_graph::build(bundle, linkage);
        analyse(&graph, &Config::default()).families.swap_remove(0)
    };
    let family = analyse_bundle(three_generations());
    assert_eq!(family.keyworkers_now.iter().map(String::as_str).collect::<Vec<_>>(), ["csc", "eh"]);

    let mut bundle = three_generations();
    for inv in &mut bundle.involvements {
        match inv.involvement_id.as_str() {
            "C1" => inv.end_date = Some(date("2024-03-30")),
            "X1" => inv.start_date = date("2024-04-01"),
            _ => {}
        }
    }
    // Police open now, but a caution has no keyworker.
    bundle.involvements.push(involvement("police", "I4", "F", "caution", "2024-03-01", None));
    let family = analyse_bundle(bundle);
    assert!(family.keyworkers_now.is_empty(), "{:?}", family.keyworkers_now);
    assert_eq!(family.max_concurrent_keyworkers, 1, "the two never ran at once");

    // Ending on the extract date is still open that day.
    let mut bundle = three_generations();
    bundle.involvements[3].end_date = Some(date("2024-03-31"));
    assert_eq!(analyse_bundle(bundle).keyworkers_now.len(), 2);
}

#[test]
fn duplicated_keyworker_time_is_all_but_the_costliest_agency_on_days_two_work_with_one_family() {
    let duplicated = |bundle: Bundle| {
        let linkage = famgraph_link::link(&bundle.people, &LinkConfig::default());
        let graph = famgraph_graph::build(bundle, linkage);
        let members = &graph.families[0].members;
        let as_of = date("2024-03-31");
        crate::overlap::duplicated_keyworker_time(&graph, members, as_of.add_days(-365), as_of)
    };
    // Children's social care (£100 a week) since 2023-01-01 and early help
    // (£100 a week) since 2023-06-01: both from 1 June to 31 March, 305
    // days, one of them duplicated.
    let (cost, days) = duplicated(three_generations());
    assert_eq!(days, 305);
    assert!((cost - 305.0 * 100.0 / 7.0).abs() < 1e-6, "{cost}");

    // Early help at £200 a week is the costliest: children's social care's
    // time is the duplicate.
    let mut bundle = three_generations();
    bundle.services[2].unit_cost = Some((200.0, CostBasis::PerWeek));
    let (cost, _) = duplicated(bundle);
    assert!((cost - 305.0 * 100.0 / 7.0).abs() < 1e-6, "{cost}");

    // A second involvement of one agency is that agency's time, not a
    // third keyworker: social care's two (£200 a week together) are kept,
    // early help's time is the duplicate.
    let mut bundle = three_generations();
    bundle.involvements.push(involvement("csc", "C2", "1", "cin", "2023-06-01", None));
    let (cost, days) = duplicated(bundle);
    assert_eq!(days, 305);
    assert!((cost - 305.0 * 100.0 / 7.0).abs() < 1e-6, "{cost}");

    // One agency alone duplicates nothing.
    let mut bundle = three_generations();
    bundle.involvements.retain(|i| i.agency != "eh");
    assert_eq!(duplicated(bundle), (0.0, 0));
}
