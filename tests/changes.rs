//! Change between two loads: a second extract of the same partnership with
//! some involvements ended and some new, and `famgraph changes` finds
//! exactly those, and nothing where nothing changed.

use std::collections::BTreeSet;

use crate::util::{Server, TempDir, famgraph_ok, synth};

fn changes(before: &std::path::Path, after: &std::path::Path) -> serde_json::Value {
    let out = famgraph_ok(&[
        "changes",
        "--before",
        before.to_str().unwrap(),
        "--after",
        after.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn listed(changes: &serde_json::Value, key: &str) -> BTreeSet<String> {
    changes["families"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_second_extract_shows_what_changed_per_family() {
    let dir = TempDir::new("changes");
    let (first, _) = synth(&dir, 300, 5, 0);
    let second = dir.join("second");
    std::fs::create_dir_all(&second).unwrap();
    for file in ["agencies.csv", "services.csv", "people.csv", "relationships.csv"] {
        std::fs::copy(first.join(file), second.join(file)).unwrap();
    }
    // Close ten long-open involvements eight months before the extract,
    // and add three new ones.
    let text = std::fs::read_to_string(first.join("involvements.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (agency, id, start, end) =
        (column("agency"), column("involvement_id"), column("start_date"), column("end_date"));
    let (mut closed, mut added) = (BTreeSet::new(), BTreeSet::new());
    for line in lines.iter_mut().skip(1) {
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        if closed.len() < 10 && fields[end].is_empty() && fields[start].as_str() < "2023-06-01" {
            fields[end] = "2023-08-01".to_owned();
            closed.insert(format!("{}:{}", fields[agency], fields[id]));
            *line = fields.join(",");
        }
    }
    let templates: Vec<String> = lines.iter().skip(1).step_by(50).take(3).cloned().collect();
    for (n, template) in templates.iter().enumerate() {
        let mut fields: Vec<String> = template.split(',').map(str::to_owned).collect();
        fields[id] = format!("NEW-{n}");
        fields[start] = "2024-02-01".to_owned();
        fields[end] = String::new();
        added.insert(format!("{}:NEW-{n}", fields[agency]));
        lines.push(fields.join(","));
    }
    std::fs::write(second.join("involvements.csv"), lines.join("\n") + "\n").unwrap();
    assert_eq!((closed.len(), added.len()), (10, 3));

    let same = changes(&first, &first);
    assert!(same["families"].as_array().unwrap().is_empty(), "nothing changed: {same}");
    assert_eq!((same["new_families"].as_u64(), same["gone_families"].as_u64()), (Some(0), Some(0)));

    // The later load may come from a database.
    let db = dir.join("second.duckdb");
    famgraph_ok(&["load", second.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let changed = changes(&first, &db);
    assert_eq!(listed(&changed, "ended_involvements"), closed);
    assert_eq!(listed(&changed, "new_involvements"), added);
    for family in changed["families"].as_array().unwrap() {
        assert!(family["previous_family_id"].is_string());
        let touched = !family["ended_involvements"].as_array().unwrap().is_empty()
            || !family["new_involvements"].as_array().unwrap().is_empty();
        assert!(touched, "listed without a change: {family}");
    }
    assert!(
        changed["families_with_sustained_outcomes"].as_u64() > same["families_with_sustained_outcomes"].as_u64(),
        "closing involvements eight months back sustains outcomes: {} vs {}",
        changed["families_with_sustained_outcomes"],
        same["families_with_sustained_outcomes"]
    );

    // The API answers the same, for a server given the earlier load.
    let server = Server::start(&["--db", db.to_str().unwrap(), "--previous", first.to_str().unwrap()]);
    let served = server.get_ok("/api/v1/changes");
    assert_eq!(served, changed);
    let audit = std::fs::read_to_string(&server.audit).unwrap();
    assert!(audit.contains("/api/v1/changes"), "changes are audited");
    // Without an earlier load there is nothing to compare: 404.
    let alone = Server::start(&["--db", db.to_str().unwrap()]);
    let (status, body) = alone.get("/api/v1/changes", alone.token.as_deref());
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("--previous"));
}

/// A bid writer gets counts of outcomes between loads, small ones hidden,
/// and no family ids.
#[test]
fn bid_writers_see_suppressed_outcome_counts() {
    let dir = TempDir::new("changes-bid");
    let (first, _) = synth(&dir, 300, 6, 0);
    let tokens = dir.join("tokens");
    let token =
        famgraph_ok(&["token", "add", "--name", "bids", "--role", "bid_writer", "--tokens", tokens.to_str().unwrap()]);
    let server = Server::start(&[
        "--data",
        first.to_str().unwrap(),
        "--previous",
        first.to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
    ]);
    let (status, body) = server.get("/api/v1/changes", Some(token.trim()));
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains("\"F0"), "no family ids: {body}");
    assert_eq!(body["families_changed"], 0);
    for (need, n) in body["sustained_by_need"].as_object().unwrap() {
        assert!(n.is_null() || n.as_u64().unwrap() >= 5, "{need}: {n}");
    }
    let total = &body["families_with_sustained_outcomes"];
    assert!(total.is_null() || total.as_u64().unwrap() >= 5, "{total}");
}
