//! Graph queries on the API: a person's or household's neighbourhood to a
//! depth, and the path that connects two people.

use std::collections::BTreeSet;

use crate::util::Server;

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
