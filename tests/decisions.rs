//! The partnership meeting's decisions: a coordinator records one from the
//! family view, the shortlist shows and filters on it, it follows the
//! family into the next extract, where the family's id may differ, and the
//! command line reads the same file.

use std::path::{Path, PathBuf};

use crate::util::{Server, TempDir, famgraph, famgraph_ok, member_records, token};

fn post(server: &Server, family: &str, who: Option<&str>, decision: &str, note: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "decision": decision, "note": note }).to_string();
    server.post_json(&format!("/api/v1/families/{family}/decision"), who, &body)
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list["families"].as_array().unwrap().iter().map(|f| f["family_id"].as_str().unwrap().to_owned()).collect()
}

/// A partnership's two extracts six months apart, a token for each role
/// and its decisions file (written once a server starts).
struct Meeting {
    dir: TempDir,
    later: PathBuf,
    earlier: PathBuf,
    tokens: PathBuf,
    cora: String,
    pat: String,
    bea: String,
    ada: String,
    decisions: PathBuf,
}

impl Meeting {
    fn new(name: &str) -> Meeting {
        let dir = TempDir::new(name);
        let (later, _, earlier) = crate::util::synth_with_earlier(&dir, 200, 12, 6);
        let tokens = dir.join("tokens");
        let cora = token(&tokens, "cora", "coordinator");
        let pat = token(&tokens, "pat", "partnership");
        let bea = token(&tokens, "bea", "bid_writer");
        let ada = token(&tokens, "ada", "admin");
        let decisions = dir.join("decisions.jsonl");
        Meeting { dir, later, earlier, tokens, cora, pat, bea, ada, decisions }
    }

    /// A server on `bundle`, keeping the decisions; with `previous`, the
    /// load it is compared with.
    fn start(&self, bundle: &Path, previous: Option<&Path>) -> Server {
        let mut args = vec![
            "--data",
            bundle.to_str().unwrap(),
            "--tokens",
            self.tokens.to_str().unwrap(),
            "--decisions",
            self.decisions.to_str().unwrap(),
        ];
        if let Some(previous) = previous {
            args.extend(["--previous", previous.to_str().unwrap()]);
        }
        Server::start(&args)
    }

    /// The meeting on the earlier extract, as the first story records it:
    /// the top family taken on (with a lead) and later closed, the second
    /// already managed, the next five not now. Returns the first two
    /// families' ids and the records of the first.
    fn decide(&self) -> (String, String, Vec<(String, String)>) {
        let server = self.start(&self.earlier, None);
        let cora = Some(self.cora.as_str());
        let top = ids(&server.get("/api/v1/families?limit=7", cora).1);
        let (first, second) = (top[0].clone(), top[1].clone());
        let lead = server.get(&format!("/api/v1/families/{first}"), cora).1["agencies"][0].clone();
        let body = serde_json::json!({ "decision": "taken_on", "lead_agency": lead, "note": "one plan" }).to_string();
        assert_eq!(server.post_json(&format!("/api/v1/families/{first}/decision"), cora, &body).0, 200);
        assert_eq!(post(&server, &second, cora, "already_managed", "MAPPA level 2").0, 200);
        for family in &top[2..7] {
            assert_eq!(post(&server, family, cora, "not_now", "").0, 200);
        }
        assert_eq!(post(&server, &first, cora, "closed", "plan ended").0, 200);
        let records = member_records(&server.get(&format!("/api/v1/families/{first}"), cora).1);
        (first, second, records)
    }
}

#[test]
fn a_coordinator_records_decisions_the_meeting_sees_and_filters() {
    let meeting = Meeting::new("decisions-recorded");
    let (earlier, decisions) = (meeting.earlier.clone(), meeting.decisions.clone());
    let (cora, pat, bea, ada) = (meeting.cora.clone(), meeting.pat.clone(), meeting.bea.clone(), meeting.ada.clone());
    let start = |bundle: &Path| meeting.start(bundle, None);

    let server = start(&earlier);
    let cora = Some(cora.as_str());
    assert!(decisions.exists(), "the decisions file is created");
    assert_eq!(server.get("/api/v1/me", cora).1["records_decisions"], true);
    let all = server.get("/api/v1/families?limit=1000", cora).1;
    let total = all["total"].as_u64().unwrap();
    let top = ids(&all);
    let (first, second) = (top[0].clone(), top[1].clone());
    for family in [&first, &second] {
        assert_eq!(server.get(&format!("/api/v1/families/{family}"), cora).1["decision"], serde_json::Value::Null);
    }

    // Only coordinators decide; a bad decision, an unknown family or an
    // overlong note is a JSON error naming it, and nothing is written.
    for (who, status) in [(Some(pat.as_str()), 403), (Some(bea.as_str()), 403), (Some(ada.as_str()), 403), (None, 401)]
    {
        assert_eq!(post(&server, &first, who, "taken_on", "").0, status);
    }
    let (status, answer) = post(&server, &first, cora, "maybe", "");
    assert_eq!(status, 400);
    assert!(answer["error"]["message"].as_str().unwrap().contains("taken_on"), "{answer}");
    assert_eq!(post(&server, "F99999", cora, "taken_on", "").0, 404);
    assert_eq!(post(&server, &first, cora, "taken_on", &"x".repeat(501)).0, 400);
    assert_eq!(std::fs::read_to_string(&decisions).unwrap(), "");

    let lead = server.get(&format!("/api/v1/families/{first}"), cora).1["agencies"][0].as_str().unwrap().to_owned();
    let with_lead = |agency: &str| {
        let body = serde_json::json!({ "decision": "taken_on", "lead_agency": agency, "note": "one plan" }).to_string();
        server.post_json(&format!("/api/v1/families/{first}/decision"), cora, &body)
    };
    let (status, answer) = with_lead("the council");
    assert_eq!(status, 400);
    assert!(answer["error"]["message"].as_str().unwrap().contains("lead_agency"), "{answer}");
    let (status, answer) = with_lead(&lead);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["decision"]["decision"], "taken_on");
    assert_eq!(answer["decision"]["by"], "cora");
    assert_eq!(answer["decision"]["lead_agency"], lead.as_str());
    assert_eq!(answer["decision"]["note"], "one plan");
    let needs_now: Vec<serde_json::Value> = server.get(&format!("/api/v1/families/{first}"), cora).1["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["need"].clone())
        .collect();
    assert!(!needs_now.is_empty());
    assert_eq!(answer["decision"]["needs_then"].as_array().unwrap(), &needs_now, "what progress is measured against");
    assert_eq!(post(&server, &second, cora, "already_managed", "MAPPA level 2").0, 200);

    // Bid writers count families by decision, small counts hidden; a new
    // decision shows at once.
    let bea = Some(bea.as_str());
    let by_decision = |server: &Server| {
        let evidence = server.get("/api/v1/evidence", bea).1;
        let rows = evidence["by_decision"].as_array().unwrap().clone();
        rows.iter().map(|r| (r["decision"].as_str().unwrap().to_owned(), r["families"].as_u64())).collect::<Vec<_>>()
    };
    let none_yet = by_decision(&server);
    assert_eq!(none_yet[1], ("not_now".to_owned(), Some(0)));
    for family in &top[2..7] {
        assert_eq!(post(&server, family, cora, "not_now", "").0, 200);
    }
    let counted = by_decision(&server);
    assert_eq!(
        counted,
        [
            ("taken_on".to_owned(), None),
            ("not_now".to_owned(), Some(5)),
            ("already_managed".to_owned(), None),
            ("closed".to_owned(), Some(0)),
        ]
    );

    // The shortlist shows each family's decision and filters on it.
    let shown = |query: &str, who: Option<&str>| server.get(&format!("/api/v1/families?limit=1000&{query}"), who).1;
    assert_eq!(ids(&shown("decision=taken_on", cora)), [first.as_str()]);
    assert_eq!(ids(&shown("decision=already_managed", cora)), [second.as_str()]);
    assert_eq!(ids(&shown("decision=decided", cora)), top[..7]);
    let undecided = shown("decision=undecided", cora);
    assert_eq!(undecided["total"].as_u64().unwrap(), total - 7);
    assert!(!ids(&undecided).contains(&first));
    assert_eq!(shown("", Some(pat.as_str()))["families"][0]["decision"], "taken_on", "the meeting sees it");
    assert_eq!(server.get("/api/v1/families?decision=perhaps", cora).0, 400);
    let csv = server.get("/api/v1/families?decision=decided&format=csv", cora).1;
    let rows: Vec<&str> = csv.as_str().unwrap().lines().collect();
    assert!(rows[0].ends_with(",decision") && rows[1].ends_with(",taken_on") && rows[2].ends_with(",already_managed"));
    assert!(rows[3].ends_with(",not_now"));

    // The minutes: every decision newest first, with the family now; the
    // partnership sees them without the notes; bid writers not at all.
    let minutes = server.get("/api/v1/decisions", cora).1;
    assert_eq!(minutes["total"], 7);
    let first_listed = &minutes["decisions"][0];
    assert_eq!(first_listed["family_ids"], serde_json::json!([top[6]]));
    assert_eq!(minutes["decisions"][6]["decision"], "taken_on");
    assert_eq!(minutes["decisions"][6]["note"], "one plan");
    let (_, seen) = server.get("/api/v1/decisions?limit=1&offset=6", Some(pat.as_str()));
    assert_eq!(seen["decisions"][0]["family_ids"], serde_json::json!([first]));
    assert!(seen["decisions"][0]["note"].is_null(), "{seen}");
    assert_eq!(server.get("/api/v1/decisions", bea).0, 403);
    assert_eq!(server.get("/api/v1/decisions?since=2000-01-01", cora).1["total"], 7);
    assert_eq!(server.get("/api/v1/decisions?since=2999-01-01", cora).1["total"], 0);
    assert_eq!(server.get("/api/v1/decisions?since=yesterday", cora).0, 400);

    // A later decision replaces it; the earlier one is history.
    assert_eq!(post(&server, &first, cora, "closed", "plan ended").0, 200);
    let detail = server.get(&format!("/api/v1/families/{first}"), cora).1;
    assert_eq!(detail["decision"]["decision"], "closed");
    let history: Vec<&str> =
        detail["decisions"].as_array().unwrap().iter().map(|d| d["decision"].as_str().unwrap()).collect();
    assert_eq!(history, ["taken_on", "closed"]);
    assert!(ids(&shown("decision=taken_on", cora)).is_empty());

    // In the file, one line each, signed; in the audit trail, who and which family.
    let text = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(text.lines().count(), 8, "{text}");
    assert!(text.lines().all(|l| l.contains("\"by\":\"cora\"")));
    let audit = std::fs::read_to_string(&server.audit).unwrap();
    assert!(
        audit.lines().any(|l| l.contains("/api/v1/families/{family_id}/decision") && l.contains(&first)),
        "{audit}"
    );
    drop(server);
}

#[test]
fn decisions_follow_their_families_into_the_next_extract() {
    let meeting = Meeting::new("decisions-follow");
    let (first, _, records) = meeting.decide();
    let (later, earlier, decisions) = (meeting.later.clone(), meeting.earlier.clone(), meeting.decisions.clone());
    let (cora, bea) = (Some(meeting.cora.as_str()), Some(meeting.bea.as_str()));

    // A decision made long ago, written as a partnership's file would hold it.
    let text = std::fs::read_to_string(&decisions).unwrap();
    let old = text.lines().rfind(|l| l.contains("\"decision\":\"not_now\"")).unwrap();
    let old = old.replace("\"decided_on\":\"", "\"decided_on\":\"2020-01-01\",\"was\":\"");
    std::fs::write(&decisions, format!("{text}{old}\n")).unwrap();

    // The next extract: the decisions follow the families by their records.
    let server = meeting.start(&later, Some(&earlier));
    let closed = server.get("/api/v1/families?limit=1000&decision=closed", cora).1;
    let [now] = ids(&closed).try_into().expect("one family closed");
    let detail = server.get(&format!("/api/v1/families/{now}"), cora).1;
    assert_eq!(detail["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(detail["decision"]["decided_as_family_id"], first.as_str());
    let holds = member_records(&detail).iter().any(|r| records.contains(r));
    assert!(holds, "the family carrying the decision holds its records");
    assert_eq!(ids(&server.get("/api/v1/families?limit=1000&decision=already_managed", cora).1).len(), 1);

    // Due for review: not taken on, and a need since that the family did
    // not have then, or six months gone.
    let not_now = ids(&server.get("/api/v1/families?limit=1000&decision=not_now", cora).1);
    assert_eq!(not_now.len(), 5);
    let expected: Vec<String> = not_now
        .iter()
        .filter(|id| {
            let detail = server.get(&format!("/api/v1/families/{id}"), cora).1;
            let then = detail["decision"]["needs_then"].as_array().unwrap().clone();
            detail["decision"]["decided_on"] == "2020-01-01"
                || detail["needs_now"].as_array().unwrap().iter().any(|n| !then.contains(&n["need"]))
        })
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&server.get("/api/v1/families?limit=1000&decision=review_due", cora).1), expected);

    // Bid writers see the outcomes of the families taken on: how many have
    // a need with an outcome since the meeting took them on.
    let later_top = ids(&server.get("/api/v1/families?limit=25&decision=undecided", cora).1);
    for family in &later_top {
        assert_eq!(post(&server, family, cora, "taken_on", "").0, 200);
    }
    let taken: Vec<String> = ids(&server.get("/api/v1/families?limit=1000&decision=taken_on", cora).1);
    let closed_now = ids(&server.get("/api/v1/families?limit=1000&decision=closed", cora).1);
    let worked: Vec<&String> = taken.iter().chain(&closed_now).collect();
    let changed = server.get("/api/v1/changes", cora).1;
    for family in changed["families"].as_array().unwrap() {
        let taken = taken.iter().any(|t| family["family_id"] == t.as_str());
        assert_eq!(family["decision"] == "taken_on", taken, "each family's decision now: {family}");
    }
    let with = worked
        .iter()
        .filter(|f| {
            let (status, report) = server.get(&format!("/api/v1/families/{f}/outcomes"), cora);
            status == 200 && report["achieved"].as_u64().unwrap() > 0
        })
        .count() as u64;
    let without = worked.len() as u64 - with;
    let counted = server.get("/api/v1/changes", bea).1["worked_with"].clone();
    assert_eq!(counted["families"].as_u64(), Some(worked.len() as u64), "{counted}");
    let small = |n: u64| (1..5).contains(&n);
    match counted["families_with_outcomes"].as_u64() {
        Some(n) => assert!(n == with && !small(with) && !small(without), "{counted}: {with} with, {without} without"),
        None => assert!(small(with) || small(without), "{counted}: {with} with, {without} without"),
    }
}

#[test]
fn the_command_line_reads_the_decisions_file() {
    let meeting = Meeting::new("decisions-cli");
    let (first, _, records) = meeting.decide();
    let dir = &meeting.dir;
    let (later, earlier, decisions) = (meeting.later.clone(), meeting.earlier.clone(), meeting.decisions.clone());

    // The command line reads the same file.
    let json = famgraph_ok(&[
        "shortlist",
        "--data",
        later.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
        "--decision",
        "closed",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(ids(&json).len(), 1, "the one family closed: {json}");
    let table =
        famgraph_ok(&["shortlist", "--data", later.to_str().unwrap(), "--decisions", decisions.to_str().unwrap()]);
    assert!(table.lines().next().unwrap().contains("decision"), "{table}");
    let minutes = famgraph_ok(&[
        "decisions",
        "--decisions",
        decisions.to_str().unwrap(),
        "--data",
        later.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let minutes: serde_json::Value = serde_json::from_str(&minutes).unwrap();
    let in_file = std::fs::read_to_string(&decisions).unwrap().lines().count();
    assert_eq!(minutes["total"], in_file);
    assert_eq!(minutes["decisions"][in_file - 1]["decided_as_family_id"], first.as_str(), "oldest last");
    let out = famgraph(&["shortlist", "--data", later.to_str().unwrap(), "--decision", "closed"]);
    assert_eq!(out.status.code(), Some(2), "--decision needs --decisions");

    // Subject access includes the decisions naming the person's records,
    // with only their own record ids.
    let (agency, record_id) = &records[0];
    let sar = famgraph_ok(&[
        "subject-access",
        "--data",
        earlier.to_str().unwrap(),
        "--agency",
        agency,
        "--record-id",
        record_id,
        "--decisions",
        decisions.to_str().unwrap(),
    ]);
    let sar: serde_json::Value = serde_json::from_str(&sar).unwrap();
    let about = sar["decisions"].as_array().unwrap();
    assert_eq!(about.len(), 2, "{sar}");
    let own: Vec<&serde_json::Value> = sar["records"].as_array().unwrap().iter().collect();
    for r in about[0]["records"].as_array().unwrap() {
        assert!(own.iter().any(|o| o["agency"] == r["agency"] && o["record_id"] == r["record_id"]), "{r}");
    }

    let evidence = famgraph_ok(&[
        "evidence",
        "--data",
        later.to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(evidence.contains("\nby_decision,not_now,reviewed: not taken on now,families,5,now\n"), "{evidence}");
    assert!(evidence.contains("\nby_decision,closed,whole-family work closed,families,[c],now\n"), "{evidence}");

    // Erasure takes the erased record's id out of the decisions too.
    let db = dir.join("earlier.duckdb");
    famgraph_ok(&["load", earlier.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let lines_before = std::fs::read_to_string(&decisions).unwrap().lines().count();
    let erased = famgraph_ok(&[
        "erase",
        "--db",
        db.to_str().unwrap(),
        "--agency",
        agency,
        "--record-id",
        record_id,
        "--decisions",
        decisions.to_str().unwrap(),
    ]);
    let erased: serde_json::Value = serde_json::from_str(&erased).unwrap();
    assert_eq!(erased["erased"]["decision_references"], 2, "{erased}");
    let after = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(after.lines().count(), lines_before);
    assert!(!after.contains(&format!("\"record_id\":\"{record_id}\"")));
    let text = after;

    // A damaged file is named with its line, and nothing starts.
    std::fs::write(&decisions, format!("{text}not json\n")).unwrap();
    let out = famgraph(&["shortlist", "--data", later.to_str().unwrap(), "--decisions", decisions.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("line {}", text.lines().count() + 1)) && said.contains("not a decision"), "{said}");
}
