//! `GET /api/v1/search`: a coordinator finds a person by name (misspelt,
//! by nickname, the names swapped), date of birth, postcode or record id;
//! other roles are refused; every search is in the audit trail.

use std::collections::HashMap;

use crate::util::{Server, TempDir, export, famgraph_ok, person_of_record, read_csv, sample_bundle, token};

#[test]
fn a_coordinator_finds_a_person_however_the_name_is_typed() {
    let dir = TempDir::new("search");
    let tokens = dir.join("tokens");
    let cora = token(&tokens, "cora", "coordinator");
    let bea = token(&tokens, "bea", "bid_writer");
    let pat = token(&tokens, "pat", "partnership");
    let server = Server::start(&["--tokens", tokens.to_str().unwrap()]);
    let out = export(&dir, &sample_bundle());
    let person_of = person_of_record(&out.join("people.csv"));
    // A record with a full name, a date of birth and a postcode.
    let rows = read_csv(&sample_bundle().join("people.csv"));
    let record = rows
        .iter()
        .find(|r| {
            r["given_name"].len() >= 5
                && r["family_name"].len() >= 6
                && !r["date_of_birth"].is_empty()
                && !r["postcode"].is_empty()
        })
        .unwrap();
    let person = &person_of[&(record["agency"].clone(), record["record_id"].clone())];
    let search = |q: &str| -> serde_json::Value {
        let url = format!("/api/v1/search?q={}&limit=100", q.replace(' ', "%20").replace(',', "%2C"));
        let (status, body) = server.get(&url, Some(&cora));
        assert_eq!(status, 200, "{q}: {body}");
        body
    };
    let rank_of = |body: &serde_json::Value| {
        body["people"].as_array().unwrap().iter().position(|p| p["person_id"] == person.as_str())
    };
    let (given, family) = (record["given_name"].as_str(), record["family_name"].as_str());
    let lower = |s: &str| s.to_lowercase();
    // Misspelt: a letter dropped from the middle of the family name.
    let dropped = format!("{}{}", &family[..2], &family[3..]);
    for q in [
        format!("{given} {family}"),
        format!("{}, {}", lower(family), lower(given)),
        format!("{given} {dropped}"),
        format!("{given} {family} {}", record["date_of_birth"]),
    ] {
        let body = search(&q);
        assert_eq!(rank_of(&body), Some(0), "{q}: {body}");
        let kind = body["matched_on"].as_str().unwrap();
        assert!(kind.starts_with("name"), "{q}: {kind}");
    }
    for (q, kind) in [
        (record["date_of_birth"].clone(), "date_of_birth"),
        (record["postcode"].clone(), "postcode"),
        (record["record_id"].clone(), "record_id"),
        (format!("{}:{}", record["agency"], record["record_id"]), "record_id"),
    ] {
        let body = search(&q);
        assert!(rank_of(&body).is_some(), "{q}: {body}");
        assert_eq!(body["matched_on"], kind, "{q}");
    }
    // The record id finds exactly the person holding it, with its family.
    let body = search(&format!("{}:{}", record["agency"], record["record_id"]));
    assert_eq!(body["total"], 1);
    let families: HashMap<String, String> = read_csv(&out.join("families.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    assert_eq!(body["people"][0]["family_id"], families[person].as_str());
    // Best first, at most the limit.
    let body = server.get(&format!("/api/v1/search?q={family}&limit=2"), Some(&cora)).1;
    let people = body["people"].as_array().unwrap();
    assert!(people.len() <= 2 && body["total"].as_u64().unwrap() >= people.len() as u64);
    assert!(people.windows(2).all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    // Someone who is not there is not found.
    assert_eq!(search("Zebedee Quaxworthy")["total"], 0);

    // Person-level data: coordinators only; a bad query says what is wanted.
    for who in [&bea, &pat] {
        assert_eq!(server.get(&format!("/api/v1/search?q={family}"), Some(who)).0, 403);
    }
    let (status, body) = server.get("/api/v1/search?q=", Some(&cora));
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("date of birth"));
    assert_eq!(server.get(&format!("/api/v1/search?q={family}&limit=101"), Some(&cora)).0, 400);

    // Every search is in the audit trail, with the families it found.
    let trail: Vec<serde_json::Value> =
        serde_json::from_str(&famgraph_ok(&["audit", "--file", server.audit.to_str().unwrap(), "--format", "json"]))
            .unwrap();
    let searches: Vec<&serde_json::Value> = trail.iter().filter(|e| e["endpoint"] == "/api/v1/search").collect();
    assert_eq!(searches.iter().filter(|e| e["outcome"] == "served").count(), 11, "{searches:?}");
    assert_eq!(searches.iter().filter(|e| e["token"] == "bea" || e["token"] == "pat").count(), 2, "refusals too");
    let by_record = searches.iter().find(|e| e["family_ids"].as_array().is_some_and(|f| f.len() == 1)).unwrap();
    assert!(by_record["family_ids"].as_array().unwrap().iter().any(|f| f == families[person].as_str()));
}
