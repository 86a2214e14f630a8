//! Graph queries on the API: a person's or household's neighbourhood to a
//! depth, and the path that connects two people; households over time,
//! inferred parents and what each member is to the family.

use std::collections::BTreeSet;

use crate::util::{HandBundle, Server, TempDir};

#[test]
fn neighbourhoods_and_paths() {
    let server = Server::start(&[]);
    let top = server.get_ok("/api/v1/families?limit=1");
    let id = top["families"][0]["family_id"].as_str().unwrap();
    let family = server.get_ok(&format!("/api/v1/families/{id}"));
    let relationship = &family["relationships"][0];
    let (from, to) = (relationship["from"].as_str().unwrap(), relationship["to"].as_str().unwrap());

    // Depth 1: the people the person is related to, their homes, and the
    // services they touch; never a service's other clients.
    let near = server.get_ok(&format!("/api/v1/graph/neighbourhood?person={from}&depth=1"));
    let ids = |g: &serde_json::Value| -> BTreeSet<String> {
        g["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
    };
    let near_ids = ids(&near);
    assert!(near_ids.contains(from) && near_ids.contains(to), "{near_ids:?}");
    assert!(near["nodes"].as_array().unwrap().iter().any(|n| n["kind"] == "household"));
    for edge in near["edges"].as_array().unwrap() {
        assert!(near_ids.contains(edge["from"].as_str().unwrap()) && near_ids.contains(edge["to"].as_str().unwrap()));
    }
    let people =
        |g: &serde_json::Value| g["nodes"].as_array().unwrap().iter().filter(|n| n["kind"] == "person").count();
    let wider = server.get_ok(&format!("/api/v1/graph/neighbourhood?person={from}&depth=3"));
    assert!(ids(&wider).is_superset(&near_ids));
    assert!(people(&wider) >= people(&near));
    let members: BTreeSet<&str> =
        family["members"].as_array().unwrap().iter().map(|m| m["person_id"].as_str().unwrap()).collect();
    assert!(
        wider["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "person")
            .all(|n| { members.contains(n["id"].as_str().unwrap()) || n["family_id"] != family["family_id"] }),
        "every person shown carries their family"
    );

    // The path between two related people is the relationship itself.
    let path = server.get_ok(&format!("/api/v1/graph/path?from={from}&to={to}"));
    assert_eq!(path["connected"], true);
    let nodes: Vec<&str> = path["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!((nodes.first(), nodes.last()), (Some(&from), Some(&to)));
    assert_eq!(path["edges"].as_array().unwrap().len(), nodes.len() - 1);

    // People in different families are not connected through a service.
    let other = server.get_ok("/api/v1/families?limit=2&offset=1");
    let other_id = other["families"][0]["family_id"].as_str().unwrap();
    let other_family = server.get_ok(&format!("/api/v1/families/{other_id}"));
    let stranger = other_family["members"][0]["person_id"].as_str().unwrap();
    let apart = server.get_ok(&format!("/api/v1/graph/path?from={from}&to={stranger}"));
    assert_eq!((apart["connected"].as_bool(), apart["nodes"].as_array().map(Vec::len)), (Some(false), Some(0)));

    // Bounds, unknowns and roles.
    let t = server.token.as_deref();
    for (path, status) in [
        (format!("/api/v1/graph/neighbourhood?person={from}&depth=5"), 400),
        ("/api/v1/graph/neighbourhood?person=P999999".to_owned(), 404),
        ("/api/v1/graph/neighbourhood".to_owned(), 400),
        (format!("/api/v1/graph/path?from={from}"), 400),
    ] {
        let (s, body) = server.get(&path, t);
        assert_eq!(s, status, "{path}: {body}");
        assert!(body["error"]["code"].is_string());
    }
}

/// Households over time and links inferred from co-residence, on the
/// sample data: a family that moved shows its former home with when each
/// member was last seen there, and a parent no agency recorded is shown
/// as inferred, with its basis and no agency named.
#[test]
fn households_over_time_and_inferred_parents() {
    let server = Server::start(&[]);
    let list = server.get_ok("/api/v1/families?limit=200");
    let (mut former, mut inferred, mut by_name) = (0, 0, 0);
    for family in list["families"].as_array().unwrap() {
        let id = family["family_id"].as_str().unwrap();
        let detail = server.get_ok(&format!("/api/v1/families/{id}"));
        let members: BTreeSet<&str> =
            detail["members"].as_array().unwrap().iter().map(|m| m["person_id"].as_str().unwrap()).collect();
        for household in detail["households"].as_array().unwrap() {
            let residents = household["residents"].as_array().unwrap();
            assert!(!residents.is_empty(), "{id}: a household with none of the family in it");
            for r in residents {
                assert!(members.contains(r["person_id"].as_str().unwrap()));
                if let (Some(first), Some(last)) = (r["first_seen"].as_str(), r["last_seen"].as_str()) {
                    assert!(first <= last, "{id}: {r}");
                }
            }
            // Members listed are those living there now.
            let now: BTreeSet<&str> =
                residents.iter().filter(|r| r["current"] == true).map(|r| r["person_id"].as_str().unwrap()).collect();
            let listed: BTreeSet<&str> =
                household["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
            assert_eq!(now, listed, "{id}");
            assert_eq!(household["current"], !now.is_empty());
            if household["current"] == false {
                former += 1;
            }
        }
        for rel in detail["relationships"].as_array().unwrap() {
            if let Some(basis) = rel.get("inferred") {
                inferred += 1;
                assert!(rel["recorded_by"].as_array().unwrap().is_empty());
                assert!(["parent_of", "carer_of"].contains(&rel["kind"].as_str().unwrap()), "{rel}");
                let basis = basis.as_str().unwrap();
                // Each names the home it was seen at, or the recorded
                // partnership it rests on (the parent's partner of the
                // child's name, wherever the child lives).
                if basis.starts_with("recorded as the partner of P") {
                    by_name += 1;
                    assert_eq!(rel["kind"], "parent_of", "{rel}");
                } else {
                    assert!(basis.contains(" H0"), "the basis names the home: {basis}");
                }
            }
        }
    }
    assert!(former >= 5, "families' former homes: {former}");
    assert!(inferred >= 10, "inferred parent links: {inferred}");
    assert!(by_name >= 1, "a parent's partner of the child's name");
}

/// What each member is to the family, on a hand-made family of three
/// generations: a grandmother caring for one grandchild, a mother with a
/// step-father recorded as carer, a child at home and an adult son with a
/// home of his own, whose partner's baby lives with him.
#[test]
fn members_carry_their_roles() {
    let dir = TempDir::new("roles");
    let mut bundle = HandBundle::new(&["crime", "child_safety"]);
    bundle.person(0, ("Gwen", "Oakley"), "1950-02-03", (1, "ME4 4QS"), &["child_safety"]);
    bundle.person(1, ("Mia", "Oakley"), "1978-06-07", (2, "ME4 4QS"), &["child_safety"]);
    bundle.person(2, ("Sam", "Birchall"), "1976-09-10", (2, "ME4 4QS"), &["crime"]);
    bundle.person(3, ("Kit", "Ashdown"), "2015-11-12", (2, "ME4 4QS"), &["child_safety"]);
    bundle.person(4, ("Lee", "Ashdown"), "2000-01-13", (5, "ME4 4QS"), &["crime"]);
    bundle.person(5, ("Ria", "Ashdown"), "2012-04-14", (1, "ME4 4QS"), &["child_safety"]);
    bundle.parent_of(0, 1);
    for child in [3, 4, 5] {
        bundle.parent_of(1, child);
    }
    // Lee's partner and their baby at his home: no agency recorded what
    // Lee is to the baby, only that Zoe is the mother and Lee her partner.
    bundle.person(6, ("Zoe", "Marlowe"), "2001-03-15", (5, "ME4 4QS"), &[]);
    bundle.person(7, ("Ada", "Marlowe"), "2023-05-16", (5, "ME4 4QS"), &["child_safety"]);
    bundle.parent_of(6, 7);
    bundle.relationship(4, "partner_of", 6);
    bundle.relationship(1, "partner_of", 2);
    bundle.relationship(2, "carer_of", 3);
    bundle.relationship(0, "carer_of", 5);
    let data = dir.join("bundle");
    bundle.write(&data);

    let server = Server::start(&["--data", data.to_str().unwrap()]);
    let list = server.get_ok("/api/v1/families");
    let families = list["families"].as_array().unwrap();
    assert_eq!(families.len(), 1, "{list}");
    let id = families[0]["family_id"].as_str().unwrap();
    let detail = server.get_ok(&format!("/api/v1/families/{id}"));
    let roles: std::collections::BTreeMap<String, Vec<String>> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let roles = m["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
            (m["given_name"].as_str().unwrap().to_owned(), roles)
        })
        .collect();
    let expect = |name: &str, want: &[&str]| assert_eq!(roles[name], want, "{name}: {roles:?}");
    expect("Gwen", &["grandparent", "parent", "kinship_carer"]);
    // Her son's partner's baby makes her a grandmother, as far as the
    // records tell.
    expect("Mia", &["grandparent", "parent", "adult_child_own_household"]);
    expect("Sam", &["step_parent"]);
    expect("Kit", &["child"]);
    expect("Lee", &["parents_partner", "adult_child_own_household"]);
    expect("Ria", &["child"]);
    expect("Zoe", &["parent"]);
    expect("Ada", &["child"]);
    let inferred = detail["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "carer_of" && r.get("inferred").is_some());
    assert!(inferred.is_some(), "Lee's link to the baby is inferred and says so");
}
