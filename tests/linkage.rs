//! Linkage quality against the generator's truth, printed so the figure is
//! visible in every test run (`cargo test --release -- --nocapture linkage`).

use std::collections::HashMap;
use std::path::Path;

use crate::util::{TempDir, export, person_of_record, sample_bundle, sample_truth, synth};

/// Floors set just below what was measured when they were set, on the
/// generator that plants the contract's shapes of real data (within-agency
/// duplicates, names swapped, placeholder and mistyped dates): sample data
/// F1 0.979, precision 0.995; seed 99: F1 0.953. Most pairs missed are a
/// man's two records in one agency, one without a date of birth, which
/// famgraph refuses where people live with families unless the agency
/// recorded his parent or child (a father and son of one name look the
/// same), and records with names alone after a move. A regression in
/// linkage fails here.
const SAMPLE_F1_FLOOR: f64 = 0.97;
const OTHER_SEED_F1_FLOOR: f64 = 0.945;

/// Pairwise quality of the linkage famgraph exports for `bundle`.
pub fn measure(dir: &TempDir, bundle: &Path, truth: &Path) -> famgraph_link::Quality {
    let out = export(dir, bundle);
    let predicted = person_of_record(&out.join("people.csv"));
    let truth = person_of_record(&truth.join("records.csv"));
    assert_eq!(predicted.len(), truth.len(), "every record is linked to a person");
    let mut keys: Vec<&(String, String)> = truth.keys().collect();
    keys.sort();
    let labels = |map: &HashMap<(String, String), String>| -> Vec<u32> {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        keys.iter()
            .map(|k| {
                let next = ids.len() as u32;
                *ids.entry(map[*k].as_str()).or_insert(next)
            })
            .collect()
    };
    famgraph_link::pairwise_quality(&labels(&predicted), &labels(&truth))
}

#[test]
fn linkage_quality_on_the_sample_data() {
    let dir = TempDir::new("linkage-sample");
    let q = measure(&dir, &sample_bundle(), &sample_truth());
    println!(
        "linkage on sample-data: precision {:.4} recall {:.4} F1 {:.4} (tp {} fp {} fn {})",
        q.precision, q.recall, q.f1, q.true_positive_pairs, q.false_positive_pairs, q.false_negative_pairs
    );
    assert!(q.f1 >= SAMPLE_F1_FLOOR, "F1 {:.4} below the floor {SAMPLE_F1_FLOOR}", q.f1);
    assert!(q.precision >= 0.98, "false links: precision {:.4}", q.precision);
}

#[test]
fn linkage_quality_on_another_seed() {
    let dir = TempDir::new("linkage-seed");
    let (bundle, truth) = synth(&dir, 600, 99, 0);
    let q = measure(&dir, &bundle, &truth);
    println!("linkage on 600 families, seed 99: precision {:.4} recall {:.4} F1 {:.4}", q.precision, q.recall, q.f1);
    assert!(q.f1 >= OTHER_SEED_F1_FLOOR, "F1 {:.4} below the floor {OTHER_SEED_F1_FLOOR}", q.f1);
}

/// Every member's records are explained link by link, in the family view:
/// n records are held together by n - 1 links, each with every field's
/// level and weight, the weights summing to the match weight.
#[test]
fn the_family_view_explains_every_link() {
    let server = crate::util::Server::start(&[]);
    let list = server.get_ok("/api/v1/families?limit=20");
    let mut explained = 0;
    for family in list["families"].as_array().unwrap() {
        let id = family["family_id"].as_str().unwrap();
        let detail = server.get_ok(&format!("/api/v1/families/{id}?explain=links"));
        // Without `explain`, each link is its records and evidence, not
        // every field's comparison; otherwise the same family.
        let lean = server.get_ok(&format!("/api/v1/families/{id}"));
        let mut stripped = detail.clone();
        for member in stripped["members"].as_array_mut().unwrap() {
            for link in member["links"].as_array_mut().unwrap() {
                link.as_object_mut().unwrap().remove("fields").expect("explained");
            }
        }
        assert_eq!(lean, stripped, "{id}");
        for member in detail["members"].as_array().unwrap() {
            let (records, links) = (member["records"].as_array().unwrap(), member["links"].as_array().unwrap());
            assert_eq!(links.len() + 1, records.len(), "{member}");
            let confidence = member["link_confidence"].as_f64().unwrap();
            for link in links {
                let fields = link["fields"].as_array().unwrap();
                let names: Vec<&str> = fields.iter().map(|f| f["field"].as_str().unwrap()).collect();
                assert_eq!(
                    names,
                    [
                        "given_name",
                        "family_name",
                        "date_of_birth",
                        "sex",
                        "address",
                        "postcode",
                        "uprn",
                        "nhs_number",
                        "agency",
                        "relatives"
                    ]
                );
                let sum: f64 = fields.iter().map(|f| f["weight"].as_f64().unwrap()).sum();
                assert!((sum - link["match_weight"].as_f64().unwrap()).abs() < 0.01, "{link}");
                let probability = link["match_probability"].as_f64().unwrap();
                assert!(probability >= confidence - 1e-9 && probability <= 1.0, "{link}");
                assert!(link["records"].as_array().unwrap().iter().all(|r| records.contains(r)), "{link}");
                explained += 1;
            }
        }
    }
    assert!(explained > 20, "only {explained} links explained");
    let id = list["families"][0]["family_id"].as_str().unwrap();
    let (status, error) = server.get(&format!("/api/v1/families/{id}?explain=everything"), server.token.as_deref());
    assert_eq!(status, 400, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("`links`"), "{error}");
}

/// A partnership's overrides apply on every load, survive a new extract
/// and show in the report, the export and the explanations; rows naming a
/// record the extract lacks are rejected with their line, not lost.
#[test]
fn overrides_survive_the_next_extract() {
    use crate::util::{famgraph, famgraph_ok, read_csv, synth};
    let dir = TempDir::new("linkage-overrides");
    let (bundle, _) = synth(&dir, 300, 17, 0);
    let before = person_of_record(&export(&dir, &bundle).join("people.csv"));
    // Two records famgraph put in one person, and two it kept apart.
    let mut by_person: HashMap<&str, Vec<&(String, String)>> = HashMap::new();
    for (record, person) in &before {
        by_person.entry(person.as_str()).or_default().push(record);
    }
    let mut people: Vec<&Vec<&(String, String)>> = by_person.values().collect();
    people.sort();
    let joined = people.iter().find(|r| r.len() == 2).expect("a person of two records");
    let (x, y) = (joined[0], joined[1]);
    let apart: Vec<&(String, String)> =
        people.iter().filter(|r| r.len() == 1).map(|r| r[0]).filter(|r| r.0 != x.0).take(1).collect();
    let (p, q) = (x, apart[0]);
    let overrides = dir.join("overrides.csv");
    std::fs::write(
        &overrides,
        format!(
            "decision,agency_a,record_id_a,agency_b,record_id_b,note\n\
             cannot_link,{},{},{},{},checked by hand\n\
             must_link,{},{},{},{},\"same person, new name\"\n\
             must_link,{},NO-SUCH-RECORD,{},{},\n\
             perhaps,{},{},{},{},\n",
            x.0, x.1, y.0, y.1, p.0, p.1, q.0, q.1, x.0, q.0, q.1, x.0, x.1, q.0, q.1
        ),
    )
    .unwrap();
    let db = dir.join("famgraph.duckdb");
    let args = |db: &Path| {
        vec![
            "load".to_owned(),
            bundle.to_str().unwrap().to_owned(),
            "--db".to_owned(),
            db.to_str().unwrap().to_owned(),
            "--overrides".to_owned(),
            overrides.to_str().unwrap().to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]
    };
    let report: serde_json::Value =
        serde_json::from_str(&famgraph_ok(&args(&db).iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    let file = report["files"].as_array().unwrap().iter().find(|f| f["file"] == "overrides.csv").unwrap().clone();
    assert_eq!(
        (file["read"].as_u64(), file["accepted"].as_u64(), file["rejected"].as_u64()),
        (Some(4), Some(2), Some(2))
    );
    let rejects: Vec<(u64, String)> = report["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["file"] == "overrides.csv")
        .map(|r| (r["line"].as_u64().unwrap(), r["column"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(rejects, [(4, "record_id_a".to_owned()), (5, "decision".to_owned())]);

    let check = |db: &Path| {
        let out = dir.join("export-db");
        famgraph_ok(&["export", "--db", db.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let after = person_of_record(&out.join("people.csv"));
        assert_ne!(after[x], after[y], "cannot_link ignored");
        assert_eq!(after[p], after[q], "must_link ignored");
        let links = read_csv(&out.join("links.csv"));
        let made = links
            .iter()
            .find(|l| l["override"] == "must_link")
            .unwrap_or_else(|| panic!("no must_link in {} links", links.len()));
        assert_eq!(made["person_id"], after[p]);
        assert!(read_csv(&out.join("link_model.csv")).len() >= 20);
    };
    check(&db);

    // The next extract: the same partnership, one record of the cannot-link
    // gone. The must-link still applies; the cannot-link row is rejected
    // with its line and kept in the file.
    let people_csv = bundle.join("people.csv");
    let text = std::fs::read_to_string(&people_csv).unwrap();
    let gone = format!("{},{},", y.0, y.1);
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(&gone)).collect();
    assert_eq!(kept.len() + 1, text.lines().count());
    std::fs::write(&people_csv, kept.join("\n") + "\n").unwrap();
    for file in ["relationships.csv", "involvements.csv"] {
        // Rows about the removed record become rejects; that is fine here.
        assert!(bundle.join(file).is_file());
    }
    let db2 = dir.join("next.duckdb");
    let out = famgraph(&args(&db2).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = report["files"].as_array().unwrap().iter().find(|f| f["file"] == "overrides.csv").unwrap().clone();
    assert_eq!((file["accepted"].as_u64(), file["rejected"].as_u64()), (Some(1), Some(3)));
    let out = dir.join("export-next");
    famgraph_ok(&["export", "--db", db2.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let after = person_of_record(&out.join("people.csv"));
    assert_eq!(after[p], after[q], "must_link lost with the new extract");

    // An overrides file given with a database adds its rows to those the
    // load was made with (export reads a database's stored tables as they
    // are: there it is a usage error).
    famgraph_ok(&["shortlist", "--db", db2.to_str().unwrap(), "--overrides", overrides.to_str().unwrap()]);
    let out =
        famgraph(&["export", "--db", db2.to_str().unwrap(), "--overrides", overrides.to_str().unwrap(), "--out", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A coordinator splits a wrong link from the family view: the decision
/// goes into the overrides file with their name, the server reloads and
/// the two records are two people at once, and still after a restart.
/// Other roles may not; a bad request gets a JSON error naming what.
#[test]
fn a_coordinator_splits_a_link_and_it_stays_split() {
    let dir = TempDir::new("linkage-split");
    let (bundle, _) = crate::util::synth(&dir, 150, 11, 0);
    let tokens = dir.join("tokens");
    let mut token = std::collections::HashMap::new();
    for (name, role) in [("cora", "coordinator"), ("pat", "partnership")] {
        token.insert(name, crate::util::token(&tokens, name, role));
    }
    let overrides = dir.join("corrections.csv");
    let args = [
        "--data",
        bundle.to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
        "--overrides",
        overrides.to_str().unwrap(),
    ];
    let server = crate::util::Server::start(&args);
    let cora = Some(token["cora"].as_str());
    // A person whose records were linked, and one of their links.
    let list = server.get("/api/v1/families?limit=50", cora).1;
    let (family, link) = list["families"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| {
            let id = f["family_id"].as_str().unwrap();
            let detail = server.get(&format!("/api/v1/families/{id}"), cora).1;
            let link =
                detail["members"].as_array().unwrap().iter().find_map(|m| m["links"].as_array()?.first().cloned());
            link.map(|l| (id.to_owned(), l))
        })
        .expect("a linked person");
    let (a, b) = (&link["records"][0], &link["records"][1]);
    let body = |decision: &str, note: &str| {
        serde_json::json!({
            "decision": decision, "agency_a": a["agency"], "record_id_a": a["record_id"],
            "agency_b": b["agency"], "record_id_b": b["record_id"], "note": note,
        })
        .to_string()
    };
    // The person holding a record, searched for in the given families.
    let person_of = |server: &crate::util::Server, families: &[String], record: &serde_json::Value| {
        families
            .iter()
            .find_map(|id| {
                let detail = server.get(&format!("/api/v1/families/{id}"), cora).1;
                detail["members"].as_array().unwrap().iter().find_map(|m| {
                    m["records"]
                        .as_array()
                        .unwrap()
                        .contains(record)
                        .then(|| m["person_id"].as_str().unwrap().to_owned())
                })
            })
            .unwrap_or_else(|| panic!("{record} in none of {families:?}"))
    };
    let before = [family.clone()];
    assert_eq!(person_of(&server, &before, a), person_of(&server, &before, b), "linked before");

    // Refused: another role, a bad decision, a missing note, a record not
    // in the load, no JSON at all. Nothing reaches the file.
    let (status, _) = server.post_json("/api/v1/overrides", Some(&token["pat"]), &body("cannot_link", "not him"));
    assert_eq!(status, 403);
    for (bad, expected) in [
        (body("maybe", "not him"), 400),
        (body("cannot_link", "  "), 400),
        (body("cannot_link", "not him").replace(a["record_id"].as_str().unwrap(), "NOPE-1"), 404),
        ("not json".to_owned(), 400),
    ] {
        let (status, answer) = server.post_json("/api/v1/overrides", cora, &bad);
        assert_eq!(status, expected, "{bad}: {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    assert_eq!(
        std::fs::read_to_string(&overrides).unwrap(),
        "decision,agency_a,record_id_a,agency_b,record_id_b,note\n"
    );

    let (status, answer) = server.post_json(
        "/api/v1/overrides",
        cora,
        &body("cannot_link", "different dates of birth on file, checked with school"),
    );
    assert_eq!(status, 200, "{answer}");
    let now: Vec<String> =
        answer["family_ids"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect();
    assert!(!now.is_empty());
    assert_ne!(person_of(&server, &now, a), person_of(&server, &now, b), "split at once");
    let text = std::fs::read_to_string(&overrides).unwrap();
    let line = text.lines().nth(1).unwrap();
    assert!(line.starts_with("cannot_link,") && line.contains("checked with school (cora, "), "{line}");
    // A second decision on the same pair is refused: the file keeps one.
    let (status, answer) = server.post_json("/api/v1/overrides", cora, &body("must_link", "same after all"));
    assert_eq!(status, 409, "{answer}");
    assert_eq!(std::fs::read_to_string(&overrides).unwrap(), text);

    // Two records famgraph left in two families, joined: one person, in
    // one family, at once.
    let families = list["families"].as_array().unwrap();
    let first_record = |f: &serde_json::Value| {
        let detail = server.get(&format!("/api/v1/families/{}", f["family_id"].as_str().unwrap()), cora).1;
        detail["members"][0]["records"][0].clone()
    };
    let (x, y) = (first_record(&families[families.len() - 1]), first_record(&families[families.len() - 2]));
    let join = serde_json::json!({
        "decision": "must_link", "agency_a": x["agency"], "record_id_a": x["record_id"],
        "agency_b": y["agency"], "record_id_b": y["record_id"], "note": "the same woman: checked at the meeting",
    });
    let (status, answer) = server.post_json("/api/v1/overrides", cora, &join.to_string());
    assert_eq!(status, 200, "{answer}");
    let joined: Vec<String> =
        answer["family_ids"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect();
    assert_eq!(joined.len(), 1, "{answer}");
    assert_eq!(person_of(&server, &joined, &x), person_of(&server, &joined, &y));
    let lines = std::fs::read_to_string(&overrides).unwrap();
    assert!(lines.lines().nth(2).unwrap().starts_with("must_link,"), "{lines}");
    let audit = std::fs::read_to_string(&server.audit).unwrap();
    let entries: Vec<&str> =
        audit.lines().filter(|l| l.contains("/api/v1/overrides") && l.contains("\"cora\"")).collect();
    assert!(entries.iter().any(|e| e.contains(&family)), "{entries:?}");
    drop(server);

    // The next start reads the file: still two people.
    let server = crate::util::Server::start(&args);
    assert_ne!(person_of(&server, &now, a), person_of(&server, &now, b), "split after a restart");
    drop(server);
    // A server given no overrides file keeps corrections in its state
    // folder all the same.
    let server =
        crate::util::Server::start(&["--data", bundle.to_str().unwrap(), "--tokens", tokens.to_str().unwrap()]);
    let (status, answer) = server.post_json("/api/v1/overrides", cora, &body("cannot_link", "x"));
    assert_eq!(status, 200, "{answer}");
}

/// The production set-up: `serve --db` keeps corrections too, in the state
/// folder beside the database by default, applies them at once, and again
/// when the server starts over the same database; decisions are kept there
/// as well.
#[test]
fn corrections_and_decisions_are_kept_with_a_database() {
    let dir = TempDir::new("state-db");
    let db = dir.join("famgraph.duckdb");
    crate::util::famgraph_ok(&["load", crate::util::sample_bundle().to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let state = dir.join("famgraph.duckdb.state");
    // The folder `serve --db` uses by default (named here, or the test
    // server would keep its own).
    let start = || crate::util::Server::start(&["--db", db.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    let server = start();
    let cora = server.token.clone();
    let me = server.get("/api/v1/me", cora.as_deref()).1;
    assert_eq!((me["records_decisions"].as_bool(), me["records_corrections"].as_bool()), (Some(true), Some(true)));
    // A person two records make, split.
    let list = server.get("/api/v1/families?limit=20", cora.as_deref()).1;
    let link = list["families"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| {
            let detail =
                server.get(&format!("/api/v1/families/{}", f["family_id"].as_str().unwrap()), cora.as_deref()).1;
            detail["members"].as_array().unwrap().iter().find_map(|m| m["links"].as_array()?.first().cloned())
        })
        .unwrap();
    let (a, b) = (link["records"][0].clone(), link["records"][1].clone());
    let body = serde_json::json!({
        "decision": "cannot_link", "agency_a": a["agency"], "record_id_a": a["record_id"],
        "agency_b": b["agency"], "record_id_b": b["record_id"], "note": "two people: checked",
    });
    let (status, answer) = server.post_json("/api/v1/overrides", cora.as_deref(), &body.to_string());
    assert_eq!(status, 200, "{answer}");
    let apart = |server: &crate::util::Server| {
        let token = server.token.clone();
        let person = |record: &serde_json::Value| {
            let q = format!(
                "/api/v1/search?q={}:{}",
                record["agency"].as_str().unwrap(),
                record["record_id"].as_str().unwrap()
            );
            server.get(&q, token.as_deref()).1["people"][0]["person_id"].clone()
        };
        person(&a) != person(&b)
    };
    assert!(apart(&server), "split at once");
    let family = list["families"][0]["family_id"].as_str().unwrap().to_owned();
    let decided = serde_json::json!({"decision": "not_now", "note": ""}).to_string();
    let (status, _) = server.post_json(&format!("/api/v1/families/{family}/decision"), cora.as_deref(), &decided);
    assert_eq!(status, 200);
    drop(server);
    assert!(std::fs::read_to_string(state.join("overrides.csv")).unwrap().contains("cannot_link,"));
    assert!(std::fs::read_to_string(state.join("decisions.jsonl")).unwrap().contains("not_now"));

    // Started again over the same database: the correction holds, and
    // the decision is the family's.
    let server = start();
    assert!(apart(&server), "kept on a new start");
    let detail = server.get(&format!("/api/v1/families/{family}"), server.token.as_deref()).1;
    assert_eq!(detail["decision"]["decision"], "not_now", "{}", detail["decision"]);
}

/// The review queue: what is worth a look, each kind as it says, and a
/// split made from it takes the link off the queue.
#[test]
fn the_review_queue_lists_what_is_worth_a_look_and_a_split_clears_it() {
    let dir = TempDir::new("review");
    let tokens = dir.join("tokens");
    let cora = crate::util::token(&tokens, "cora", "coordinator");
    let bea = crate::util::token(&tokens, "bea", "bid_writer");
    let server = crate::util::Server::start(&["--tokens", tokens.to_str().unwrap()]);
    let queue = |kind: &str| server.get(&format!("/api/v1/review?limit=1000&kind={kind}"), Some(&cora)).1;
    let all = server.get("/api/v1/review?limit=1000", Some(&cora)).1;
    let counts = all["by_kind"].as_object().unwrap();
    assert_eq!(counts.values().map(|n| n.as_u64().unwrap()).sum::<u64>(), all["total"].as_u64().unwrap());
    for (kind, n) in counts {
        let items = queue(kind);
        assert_eq!(items["total"], *n, "{kind}");
        for item in items["items"].as_array().unwrap() {
            let records = item["records"].as_array().unwrap();
            match kind.as_str() {
                "agency_duplicate" => {
                    assert!(
                        records.len() >= 2 && records.iter().all(|r| r["agency"] == records[0]["agency"]),
                        "{item}"
                    );
                }
                "borderline_link" => {
                    assert!(item["probability"].as_f64().unwrap() < 0.95 && records.len() == 2, "{item}");
                }
                "same_name_members" => assert_eq!(item["person_ids"].as_array().unwrap().len(), 2, "{item}"),
                _ => assert!(records.len() >= 2, "{item}"),
            }
        }
    }
    assert!(counts["agency_duplicate"].as_u64().unwrap() > 0, "the sample has people an agency holds twice");
    assert_eq!(server.get("/api/v1/review", Some(&bea)).0, 403);
    assert_eq!(server.get("/api/v1/review?kind=whatever", Some(&cora)).0, 400);

    // Split the first borderline link: it leaves the queue.
    let borderline = queue("borderline_link");
    let Some(first) = borderline["items"].as_array().unwrap().first().cloned() else { return };
    let (a, b) = (&first["records"][0], &first["records"][1]);
    let body = serde_json::json!({
        "decision": "cannot_link", "agency_a": a["agency"], "record_id_a": a["record_id"],
        "agency_b": b["agency"], "record_id_b": b["record_id"], "note": "two people: checked",
    });
    let (status, answer) = server.post_json("/api/v1/overrides", Some(&cora), &body.to_string());
    assert_eq!(status, 200, "{answer}");
    let after = queue("borderline_link");
    assert!(!after["items"].as_array().unwrap().iter().any(|i| i["records"] == first["records"]), "{after}");
}

/// A corrections file with nothing in it yet (made by hand, or left empty
/// by a crash before its header was written) holds no corrections: a load
/// with it and a server whose state folder holds it answer as without.
#[test]
fn an_empty_overrides_file_holds_no_corrections() {
    use crate::util::famgraph_ok;
    let dir = TempDir::new("empty-overrides");
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let empty = state.join("overrides.csv");
    std::fs::write(&empty, "").unwrap();
    let bundle = sample_bundle();
    let list = ["shortlist", "--format", "json", "--data", bundle.to_str().unwrap()];
    let with_empty = famgraph_ok(&[&list[..], &["--overrides", empty.to_str().unwrap()]].concat());
    assert_eq!(with_empty, famgraph_ok(&list));
    let server = crate::util::Server::start(&["--state", state.to_str().unwrap()]);
    assert_eq!(server.get_ok("/api/v1/families?limit=5")["families"].as_array().unwrap().len(), 5);
}
