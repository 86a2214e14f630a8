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
        .arg("--audit")
        .arg(dir.join("audit.jsonl"))
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
    let agent = crate::util::client(None);
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
    for path in [
        "/api/v1/overlaps",
        "/api/v1/evidence",
        "/api/v1/families/nope",
        "/api/v1/families?limit=x",
        "/nowhere",
        "/api/v1/audit",
        "/api/v1/load-report",
    ] {
        get(path);
    }
    let reload = agent.post(format!("http://{base}/api/v1/reload")).header("Authorization", format!("Bearer {token}"));
    assert_eq!(reload.send_empty().unwrap().status().as_u16(), 403);
    child.kill().unwrap();
    child.wait().unwrap();
    stderr.read_to_string(&mut seen).unwrap();
    // The one-off token lines are meant for the operator; drop them.
    let log: String =
        seen.lines().filter(|l| !l.starts_with("fg_") && !l.contains("#token=")).collect::<Vec<_>>().join("\n");
    assert!(log.contains("TRACE"), "logging was not on");
    assert_clean(&log, &words, &phrases);

    // The commands that handle one person's data print it on stdout, by
    // design, and never on stderr.
    let people = read_csv(&bundle.join("people.csv"));
    let (agency, record_id) = (people[0]["agency"].as_str(), people[0]["record_id"].as_str());
    let db_arg = db.to_str().unwrap();
    for args in [
        vec!["subject-access", "--db", db_arg, "--agency", agency, "--record-id", record_id],
        vec!["evidence", "--db", db_arg],
        vec!["audit", "--file", dir.join("audit.jsonl").to_str().unwrap()],
        vec!["erase", "--db", db_arg, "--agency", agency, "--record-id", record_id],
        vec!["subject-access", "--db", db_arg, "--agency", agency, "--record-id", record_id],
    ] {
        let out = Command::new(BIN).args(&args).env("FAMGRAPH_LOG", "trace").output().unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        for token in log.split(|c: char| !c.is_alphanumeric()) {
            assert!(!words.contains(token), "famgraph {}: a name reached the log: {token}", args[0]);
        }
        for phrase in &phrases {
            assert!(!log.contains(phrase.as_str()), "famgraph {}: personal data reached the log", args[0]);
        }
        assert!(!log.contains(record_id), "famgraph {}: a record id reached the log", args[0]);
    }
}

/// A subject access request finds everything held about a person from any
/// agency's record id; an erasure removes one agency's records of them and
/// shows the family as it then stands.
#[test]
fn subject_access_and_erasure() {
    use std::collections::{BTreeSet, HashMap};

    use crate::util::{famgraph, famgraph_ok};

    let dir = TempDir::new("sar");
    let (bundle, _) = synth(&dir, 300, 41, 0);
    let db = dir.join("famgraph.duckdb");
    let db_arg = db.to_str().unwrap();
    famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db_arg]);
    let export = |name: &str| {
        let out = dir.join(name);
        famgraph_ok(&["export", "--db", db_arg, "--out", out.to_str().unwrap()]);
        read_csv(&out.join("people.csv"))
    };
    let mut records_of: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    for row in export("before") {
        records_of
            .entry(row["person_id"].clone())
            .or_default()
            .insert((row["agency"].clone(), row["record_id"].clone()));
    }
    let (person, records) = records_of.iter().filter(|(_, r)| r.len() >= 3).min().expect("a person with three records");
    let records: Vec<&(String, String)> = records.iter().collect();

    let sar = |agency: &str, record_id: &str| -> serde_json::Value {
        let out = famgraph_ok(&["subject-access", "--db", db_arg, "--agency", agency, "--record-id", record_id]);
        serde_json::from_str(&out).unwrap()
    };
    let held = |sar: &serde_json::Value| -> BTreeSet<(String, String)> {
        sar["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["agency"].as_str().unwrap().to_owned(), r["record_id"].as_str().unwrap().to_owned()))
            .collect()
    };
    let first = sar(&records[0].0, &records[0].1);
    let last = sar(&records[2].0, &records[2].1);
    assert_eq!(first["person_id"], person.as_str());
    assert_eq!(first, last, "the same answer from any of the person's records");
    assert_eq!(held(&first), records.iter().map(|r| (*r).clone()).collect());
    assert!(first["records"][0]["given_name"].is_string(), "the records in full");
    for involvement in first["involvements"].as_array().unwrap() {
        let key =
            (involvement["agency"].as_str().unwrap().to_owned(), involvement["record_id"].as_str().unwrap().to_owned());
        assert!(held(&first).contains(&key), "{involvement}");
    }

    // Who was served the person's family: a coordinator's view of it is in
    // `seen_by`, another family's is not.
    let tokens = dir.join("tokens");
    let cora = crate::util::token(&tokens, "cora", "coordinator");
    let server = crate::util::Server::start(&["--db", db_arg, "--tokens", tokens.to_str().unwrap()]);
    let family_id = first["family_id"].as_str().unwrap().to_owned();
    // Another family of the load, found without the server (whose trail
    // would record the asking).
    let listed = crate::util::famgraph_ok(&["shortlist", "--db", db_arg, "--format", "json", "--limit", "2"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let other = listed["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family_id"].as_str().unwrap().to_owned())
        .find(|id| *id != family_id)
        .unwrap();
    for id in [family_id.as_str(), other.as_str()] {
        assert_eq!(server.get(&format!("/api/v1/families/{id}"), Some(&cora)).0, 200);
    }
    // A copy: the server's own folder goes with it.
    let trail = dir.join("trail.jsonl");
    std::fs::copy(&server.audit, &trail).unwrap();
    let trail = trail.to_str().unwrap().to_owned();
    let sar_audited = |agency: &str, record_id: &str| -> serde_json::Value {
        let args = ["subject-access", "--db", db_arg, "--agency", agency, "--record-id", record_id, "--audit", &trail];
        serde_json::from_str(&famgraph_ok(&args)).unwrap()
    };
    let seen = sar_audited(&records[1].0, &records[1].1);
    let seen_by = seen["seen_by"].as_array().unwrap();
    assert_eq!(seen_by.len(), 1, "{seen}");
    assert_eq!(
        (seen_by[0]["token"].as_str(), seen_by[0]["endpoint"].as_str()),
        (Some("cora"), Some("/api/v1/families/{family_id}"))
    );
    assert_eq!(seen["audit_entries_of_other_loads"], 0);
    drop(server);

    // Erase one agency's record of the person.
    let (agency, record_id) = records[0];
    let out = famgraph_ok(&["erase", "--db", db_arg, "--agency", agency, "--record-id", record_id]);
    let erased: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(erased["erased"]["records"], 1);
    let family = &erased["family"];
    assert!(family["family_id"].is_string(), "{erased}");
    let in_family = crate::util::member_records(family);
    assert!(!in_family.contains(records[0]) && in_family.contains(records[1]));

    let out = famgraph(&["subject-access", "--db", db_arg, "--agency", agency, "--record-id", record_id]);
    assert_eq!(out.status.code(), Some(2), "the erased record is gone");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(record_id.as_str()), "no record id in the message");
    let after = sar(&records[1].0, &records[1].1);
    assert_eq!(held(&after).len(), records.len() - 1);
    // The erasure made a new load: the trail's family ids are the old
    // load's, matched to nobody now, and counted as such.
    let seen = sar_audited(&records[1].0, &records[1].1);
    assert_eq!(seen["seen_by"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["audit_entries_of_other_loads"], 2);
    assert!(export("after").iter().all(|r| (&r["agency"], &r["record_id"]) != (agency, record_id)));
}

/// Every file famgraph creates that holds personal data or secrets (the
/// tokens, the database, the audit trail, the meeting's decisions, the
/// linkage corrections, an export) is its owner's alone: 0600, and a
/// folder made for the audit trail 0700.
#[cfg(unix)]
#[test]
fn files_of_personal_data_are_created_for_their_owner_alone() {
    use std::os::unix::fs::PermissionsExt as _;

    use crate::util::{Server, famgraph_ok, sample_bundle};

    let dir = TempDir::new("file-modes");
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let tokens = dir.join("tokens");
    let admin = crate::util::token(&tokens, "ada", "admin");
    let db = dir.join("load.duckdb");
    famgraph_ok(&["load", sample_bundle().to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let exported = dir.join("export");
    famgraph_ok(&["export", "--db", db.to_str().unwrap(), "--out", exported.to_str().unwrap()]);
    let (decisions, overrides) = (dir.join("decisions.jsonl"), dir.join("corrections.csv"));
    let server = Server::start(&[
        "--data",
        sample_bundle().to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
        "--overrides",
        overrides.to_str().unwrap(),
    ]);
    assert_eq!(server.get("/api/v1/load-report", Some(&admin)).0, 200);
    for file in [tokens, db, server.audit.clone(), decisions, overrides, exported.join("people.csv")] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    // The audit trail's folder, made when missing.
    let trail = dir.join("trail/audit.jsonl");
    famgraph_governance::AuditLog::open(&trail).unwrap();
    assert_eq!((mode(&trail), mode(trail.parent().unwrap())), (0o600, 0o700));
}
