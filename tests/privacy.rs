//! Personal data never reaches the logs: a full load and a set of requests
//! with logging at trace level, scanned for every name, date of birth,
//! address, postcode and NHS number in the input bundle.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::process::{Command, Stdio};

use crate::util::{BIN, TempDir, read_csv, synth};

/// Everything personal in a bundle's people file.
fn personal_values(people: &std::path::Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut words = BTreeSet::new();
    let mut phrases = BTreeSet::new();
    for row in read_csv(people) {
        for column in ["given_name", "family_name"] {
            for word in row[column].split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 2) {
                words.insert(word.to_owned());
            }
        }
        for column in ["date_of_birth", "address", "postcode", "nhs_number", "uprn"] {
            if row[column].len() >= 5 {
                phrases.insert(row[column].clone());
            }
        }
    }
    (words, phrases)
}

fn assert_clean(log: &str, words: &BTreeSet<String>, phrases: &BTreeSet<String>) {
    assert!(!log.is_empty());
    for token in log.split(|c: char| !c.is_alphanumeric()) {
        assert!(!words.contains(token), "a name reached the log: {token}");
    }
    for phrase in phrases {
        assert!(!log.contains(phrase.as_str()), "personal data reached the log: {phrase}");
    }
}

#[test]
fn trace_logs_hold_no_personal_data() {
    let dir = TempDir::new("privacy");
    let (bundle, _) = synth(&dir, 60, 21, 8);
    let (words, phrases) = personal_values(&bundle.join("people.csv"));
    assert!(words.len() > 50 && phrases.len() > 50);

    let db = dir.join("db.duckdb");
    let load = Command::new(BIN)
        .args(["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()])
        .env("FAMGRAPH_LOG", "trace")
        .output()
        .unwrap();
    assert!(load.status.success());
    let load_log = String::from_utf8_lossy(&load.stderr);
    assert!(load_log.contains("TRACE") || load_log.contains("DEBUG"), "logging was not on: {load_log}");
    assert_clean(&load_log, &words, &phrases);

    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db.to_str().unwrap()])
        .env("FAMGRAPH_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("famgraph: web pages: ") || !seen.ends_with('\n') {
        let n = stderr.read(&mut buf).unwrap();
        assert!(n > 0, "server stopped: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let base = seen.split("famgraph: serving http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let token = seen.lines().skip_while(|l| !l.contains("one-off coordinator token")).nth(1).unwrap().to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let get = |path: &str| {
        let mut response = agent
            .get(format!("http://{base}{path}"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap();
        response.body_mut().read_to_string().unwrap()
    };
    let list: serde_json::Value = serde_json::from_str(&get("/api/v1/families?limit=20")).unwrap();
    for family in list["families"].as_array().unwrap() {
        let detail = get(&format!("/api/v1/families/{}", family["family_id"].as_str().unwrap()));
        assert!(detail.contains("\"members\""));
    }
    for path in
        ["/api/v1/overlaps", "/api/v1/evidence", "/api/v1/families/nope", "/api/v1/families?limit=x", "/nowhere"]
    {
        get(path);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    stderr.read_to_string(&mut seen).unwrap();
    // The one-off token lines are meant for the operator; drop them.
    let log: String =
        seen.lines().filter(|l| !l.starts_with("fg_") && !l.contains("#token=")).collect::<Vec<_>>().join("\n");
    assert!(log.contains("TRACE"), "logging was not on");
    assert_clean(&log, &words, &phrases);
}
