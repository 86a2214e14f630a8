//! `famgraph load`: every row accounted for, rejects where the contract says,
//! bad files stopping the load with exit status 2.

use std::collections::BTreeSet;

use crate::util::{TempDir, famgraph, famgraph_ok, read_csv, synth};

fn report(bundle: &std::path::Path, db: &std::path::Path) -> serde_json::Value {
    let out = famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap(), "--format", "json"]);
    serde_json::from_str(&out).unwrap()
}

fn assert_counts_add_up(report: &serde_json::Value) {
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 5, "{report}");
    let mut rejects = 0;
    let mut warnings = 0;
    for f in files {
        let read = f["read"].as_u64().unwrap();
        assert_eq!(read, f["accepted"].as_u64().unwrap() + f["rejected"].as_u64().unwrap(), "{f}");
        rejects += f["rejected"].as_u64().unwrap();
        warnings += f["warnings"].as_u64().unwrap();
    }
    assert_eq!(rejects, report["rejects"].as_array().unwrap().len() as u64);
    assert_eq!(warnings, report["warnings"].as_array().unwrap().len() as u64);
}

#[test]
fn injected_bad_rows_are_rejected_where_the_generator_put_them() {
    let dir = TempDir::new("bad-rows");
    let (bundle, truth) = synth(&dir, 40, 7, 12);
    let report = report(&bundle, &dir.join("db.duckdb"));
    assert_counts_add_up(&report);
    let found: BTreeSet<(String, u64, String)> = report["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["line"].as_u64().unwrap(),
                r["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, u64, String)> = read_csv(&truth.join("expected_rejects.csv"))
        .into_iter()
        .map(|r| (r["file"].clone(), r["line"].parse().unwrap(), r["column"].clone()))
        .collect();
    assert_eq!(expected.len(), 12);
    assert_eq!(found, expected);
    assert!(dir.join("db.duckdb").is_file());
}

/// An extract from an older Windows system is not UTF-8: its rows are
/// read as Windows-1252, with a warning naming the line and column, not
/// rejected (a row with a name like Zoë would otherwise be lost with every
/// involvement hanging on it). A row that also splits badly is still
/// rejected.
#[test]
fn text_that_is_not_utf8_is_read_as_windows_1252() {
    let dir = TempDir::new("windows-1252");
    let (bundle, _) = synth(&dir, 30, 3, 0);
    let people = bundle.join("people.csv");
    let text = std::fs::read(&people).unwrap();
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let fields = |line: &[u8]| -> Vec<Vec<u8>> { line.split(|&b| b == b',').map(<[u8]>::to_vec).collect() };
    // Line 3: a Windows-1252 given name, and a family name already in UTF-8.
    let mut row = fields(&lines[2]);
    let record_id = String::from_utf8(row[1].clone()).unwrap();
    row[2] = b"Zo\xEB".to_vec();
    row[3] = "Müller".as_bytes().to_vec();
    lines[2] = row.join(&b',');
    // Line 5: a Windows-1252 apostrophe in the family name.
    let mut row = fields(&lines[4]);
    let other_id = String::from_utf8(row[1].clone()).unwrap();
    row[3] = b"O\x92Brien".to_vec();
    lines[4] = row.join(&b',');
    // Line 7: not UTF-8 and a field short.
    let mut row = fields(&lines[6]);
    row[2] = b"Ren\xE9e".to_vec();
    row.pop();
    lines[6] = row.join(&b',');
    std::fs::write(&people, lines.join(&b'\n')).unwrap();

    let db = dir.join("db.duckdb");
    let report = report(&bundle, &db);
    assert_counts_add_up(&report);
    let warned: Vec<(u64, &str)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["reason"] == "not UTF-8: read as Windows-1252")
        .map(|w| (w["line"].as_u64().unwrap(), w["column"].as_str().unwrap()))
        .collect();
    assert_eq!(warned, [(3, "given_name"), (5, "family_name")]);
    let rejects: Vec<u64> = report["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["file"] == "people.csv")
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(rejects, [7]);
    let name_of = |agency_and_id: (&str, &str)| {
        let record = famgraph_ok(&[
            "subject-access",
            "--db",
            db.to_str().unwrap(),
            "--agency",
            agency_and_id.0,
            "--record-id",
            agency_and_id.1,
        ]);
        let record: serde_json::Value = serde_json::from_str(&record).unwrap();
        let own = record["records"].as_array().unwrap().iter().find(|r| r["record_id"] == agency_and_id.1).unwrap();
        format!("{} {}", own["given_name"].as_str().unwrap(), own["family_name"].as_str().unwrap())
    };
    let agency = |line: &[u8]| String::from_utf8(fields(line)[0].clone()).unwrap();
    assert_eq!(name_of((&agency(&lines[2]), &record_id)), "Zoë Müller");
    assert!(name_of((&agency(&lines[4]), &other_id)).ends_with(" O’Brien"));
}

#[test]
fn a_clean_bundle_loads_whole_and_warns_about_repairs() {
    let dir = TempDir::new("clean");
    let (bundle, _) = synth(&dir, 30, 3, 0);
    let report = report(&bundle, &dir.join("db.duckdb"));
    assert_counts_add_up(&report);
    assert_eq!(report["rejects"].as_array().unwrap().len(), 0, "{report}");
    // Reasons never quote personal data: no digits of a date or NHS number.
    for w in report["warnings"].as_array().unwrap() {
        let reason = w["reason"].as_str().unwrap();
        assert!(!reason.chars().any(|c| c.is_ascii_digit()) || reason.contains("12 digits"), "{reason}");
    }
}

#[test]
fn unreadable_rows_and_unknown_columns_are_accounted_for() {
    let dir = TempDir::new("unreadable");
    let (bundle, _) = synth(&dir, 20, 5, 0);
    let people = bundle.join("people.csv");
    let mut text = std::fs::read_to_string(&people).unwrap();
    let header_fields = text.lines().next().unwrap().split(',').count();
    let lines_before = text.lines().count() as u64;
    // A row with too many fields, then a quoted field holding a line break.
    text.push_str(&"x,".repeat(header_fields + 2));
    text.push('\n');
    let mut fields = vec!["police".to_owned(), "Q1".into(), "\"Ann\nMarie\"".into(), "Smith".into()];
    fields.resize(header_fields, String::new());
    text.push_str(&fields.join(","));
    text.push('\n');
    std::fs::write(&people, text).unwrap();
    let report = report(&bundle, &dir.join("db.duckdb"));
    assert_counts_add_up(&report);
    let rejects: Vec<&serde_json::Value> =
        report["rejects"].as_array().unwrap().iter().filter(|r| r["file"] == "people.csv").collect();
    assert_eq!(rejects.len(), 1, "{report}");
    assert_eq!(rejects[0]["line"].as_u64().unwrap(), lines_before + 1);
    assert!(rejects[0]["reason"].as_str().unwrap().starts_with("unreadable row"));
}

#[test]
fn a_missing_file_or_column_stops_the_load_with_status_2() {
    let dir = TempDir::new("missing");
    let (bundle, _) = synth(&dir, 10, 1, 0);
    let db = dir.join("db.duckdb");
    let args = ["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()];

    let services = bundle.join("services.csv");
    let text = std::fs::read_to_string(&services).unwrap();
    let renamed = text.replacen("need", "needs", 1);
    std::fs::write(&services, renamed).unwrap();
    let out = famgraph(&args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("services.csv: missing required column `need`"), "{stderr}");
    assert!(!db.exists(), "a failed load must not leave a database");

    std::fs::write(&services, text).unwrap();
    std::fs::remove_file(bundle.join("involvements.csv")).unwrap();
    let out = famgraph(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing required file `involvements.csv`"));
}

#[test]
fn a_failed_load_leaves_the_previous_database_in_place() {
    let dir = TempDir::new("keep-previous");
    let (bundle, _) = synth(&dir, 10, 2, 0);
    let db = dir.join("db.duckdb");
    report(&bundle, &db);
    let before = std::fs::read(&db).unwrap();
    std::fs::remove_file(bundle.join("agencies.csv")).unwrap();
    let out = famgraph(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    famgraph_ok(&["shortlist", "--db", db.to_str().unwrap(), "--limit", "3"]);
}

#[test]
fn parquet_bundles_load_like_csv_ones() {
    let dir = TempDir::new("parquet");
    let (bundle, _) = synth(&dir, 30, 11, 6);
    let csv_report = report(&bundle, &dir.join("csv.duckdb"));
    let parquet = dir.join("parquet");
    std::fs::create_dir_all(&parquet).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for stem in ["agencies", "services", "people", "relationships", "involvements"] {
        let from = bundle.join(format!("{stem}.csv"));
        let to = parquet.join(format!("{stem}.parquet"));
        conn.execute_batch(&format!(
            "COPY (SELECT * FROM read_csv('{}', header = true, all_varchar = true)) TO '{}' (FORMAT parquet)",
            from.display(),
            to.display()
        ))
        .unwrap();
    }
    let parquet_report = report(&parquet, &dir.join("parquet.duckdb"));
    assert_counts_add_up(&parquet_report);
    let counts = |r: &serde_json::Value| -> Vec<(u64, u64, u64)> {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["read"].as_u64().unwrap(), f["accepted"].as_u64().unwrap(), f["rejected"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(counts(&csv_report), counts(&parquet_report));
    let lines = |r: &serde_json::Value| -> Vec<u64> {
        r["rejects"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()).collect()
    };
    assert_eq!(lines(&csv_report), lines(&parquet_report));
}

/// Each agency's person records in the load report: the identifying fields
/// they carry (what the bundle gave, less what validation set aside as
/// absent) and how many were linked to another agency's record (as the
/// export of the same load says).
#[test]
fn the_load_report_shows_each_agencys_records_as_linkage_sees_them() {
    let dir = TempDir::new("agency-records");
    let (bundle, _) = synth(&dir, 120, 13, 20);
    let report = report(&bundle, &dir.join("db.duckdb"));
    let issues = |kind: &str| -> Vec<(u64, String, String)> {
        report[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["file"] == "people.csv")
            .map(|i| {
                (
                    i["line"].as_u64().unwrap(),
                    i["column"].as_str().unwrap_or_default().to_owned(),
                    i["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let rejected: BTreeSet<u64> = issues("rejects").into_iter().map(|(line, _, _)| line).collect();
    let set_aside: BTreeSet<(u64, String)> = issues("warnings")
        .into_iter()
        .filter(|(_, _, reason)| reason.contains("treated as absent"))
        .map(|(line, column, _)| (line, column))
        .collect();
    let linked = read_csv(&crate::util::export(&dir, &bundle).join("people.csv"));
    // Per person, how many records each agency holds of them.
    let mut held: std::collections::HashMap<&str, std::collections::BTreeMap<&str, u64>> =
        std::collections::HashMap::new();
    for row in &linked {
        *held.entry(row["person_id"].as_str()).or_default().entry(row["agency"].as_str()).or_default() += 1;
    }
    let fields = ["date_of_birth", "address", "postcode", "uprn", "nhs_number"];
    let mut expected: std::collections::BTreeMap<String, serde_json::Value> = std::collections::BTreeMap::new();
    for (i, row) in read_csv(&bundle.join("people.csv")).iter().enumerate() {
        let line = i as u64 + 2;
        if rejected.contains(&line) {
            continue;
        }
        let counts = expected.entry(row["agency"].clone()).or_insert_with(|| serde_json::json!({}));
        let mut add = |key: &str| counts[key] = serde_json::json!(counts[key].as_u64().unwrap_or(0) + 1);
        add("records");
        for field in fields {
            if !row[field].trim().is_empty() && !set_aside.contains(&(line, field.to_owned())) {
                add(&format!("with_{field}"));
            }
        }
    }
    for agencies in held.values() {
        for (agency, n) in agencies {
            let counts = expected.get_mut(*agency).unwrap();
            let mut add = |key: &str, by: u64| counts[key] = serde_json::json!(counts[key].as_u64().unwrap_or(0) + by);
            if agencies.len() > 1 {
                add("known_elsewhere", *n);
            }
            if *n > 1 {
                add("people_held_twice", 1);
                add("duplicate_records", n - 1);
            }
        }
    }
    let agencies = report["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), expected.len(), "{report}");
    let keys: Vec<String> = ["records", "known_elsewhere", "people_held_twice", "duplicate_records"]
        .into_iter()
        .map(str::to_owned)
        .chain(fields.map(|f| format!("with_{f}")))
        .collect();
    for a in agencies {
        let want = &expected[a["agency"].as_str().unwrap()];
        for key in &keys {
            assert_eq!(a[key].as_u64().unwrap(), want[key].as_u64().unwrap_or(0), "{key} of {a}");
        }
    }
    assert!(agencies.iter().any(|a| a["known_elsewhere"].as_u64() > Some(0)));
    // The generator plants people an agency holds twice.
    assert!(agencies.iter().any(|a| a["people_held_twice"].as_u64() > Some(0)), "{report}");
    assert!(!set_aside.is_empty() || !rejected.is_empty(), "the bundle had nothing to set aside: the test tests less");
}

/// One load at a time per database: while another process holds the
/// database's lock, a load fails at once, naming it, and leaves the served
/// database as it was; once the lock is let go, the load goes through.
#[test]
fn a_second_load_into_one_database_waits_for_nothing_and_says_why() {
    let dir = TempDir::new("load-lock");
    let (bundle, _) = synth(&dir, 30, 5, 0);
    let db = dir.join("db.duckdb");
    famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let before = std::fs::read(&db).unwrap();
    let held = std::fs::OpenOptions::new().write(true).open(dir.join("db.duckdb.lock")).unwrap();
    held.lock().unwrap();
    let out = famgraph(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("another load into this database is running"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database is untouched");
    drop(held);
    famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
}

/// A load that looks like a broken export (a file of only its header, or
/// far fewer rows than the load it would replace) keeps the database as
/// it was and says which file, unless told the extract really is small.
#[test]
fn a_load_far_smaller_than_the_last_is_refused_unless_accepted() {
    let dir = TempDir::new("smaller");
    let (bundle, _) = synth(&dir, 200, 4, 0);
    let db = dir.join("db.duckdb");
    let args = ["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()];
    famgraph_ok(&args);
    let before = std::fs::read(&db).unwrap();

    // The people file cut to a tenth.
    let people = bundle.join("people.csv");
    let text = std::fs::read_to_string(&people).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&people, lines[..lines.len() / 10].join("\n") + "\n").unwrap();
    let out = famgraph(&args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("people.csv: ") && stderr.contains("rows accepted, against"), "{stderr}");
    assert!(stderr.contains("--accept-smaller"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database kept as it was");

    // Only a header: refused too, even into a new database.
    std::fs::write(&people, format!("{}\n", lines[0])).unwrap();
    let out = famgraph(&args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("people.csv: only a header"), "{out:?}");
    let fresh = dir.join("fresh.duckdb");
    let out = famgraph(&["load", bundle.to_str().unwrap(), "--db", fresh.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!fresh.exists());

    // Told so, it loads.
    std::fs::write(&people, lines[..lines.len() / 10].join("\n") + "\n").unwrap();
    famgraph_ok(&[&args[..], &["--accept-smaller"]].concat());
    assert_ne!(std::fs::read(&db).unwrap(), before);
}

/// Files that are not CSV text line by line say why, and a link out of
/// the bundle is not followed.
#[test]
fn a_file_in_the_wrong_encoding_or_line_endings_or_a_link_says_why() {
    let dir = TempDir::new("wrong-files");
    let (bundle, _) = synth(&dir, 10, 5, 0);
    let db = dir.join("db.duckdb");
    let args = ["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()];
    let agencies = bundle.join("agencies.csv");
    let text = std::fs::read_to_string(&agencies).unwrap();
    let fails_with = |expected: &str| {
        let out = famgraph(&args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("agencies.csv") && stderr.contains(expected), "{stderr}");
    };
    // UTF-16, as a spreadsheet saves "Unicode text".
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(&agencies, utf16).unwrap();
    fails_with("UTF-16");
    // Lines ended by a carriage return alone.
    std::fs::write(&agencies, text.replace('\n', "\r")).unwrap();
    fails_with("carriage return alone");
    // A symbolic link to a file elsewhere.
    #[cfg(unix)]
    {
        let elsewhere = dir.join("elsewhere.csv");
        std::fs::write(&elsewhere, &text).unwrap();
        std::fs::remove_file(&agencies).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &agencies).unwrap();
        fails_with("symbolic link");
    }
    assert!(!db.exists());
}

/// Each record's person and family ids in an export: `(agency,
/// record_id)` to `(person_id, family_id)`.
fn ids_of(export: &std::path::Path) -> std::collections::HashMap<(String, String), (String, String)> {
    let family_of: std::collections::HashMap<String, String> = read_csv(&export.join("families.csv"))
        .into_iter()
        .map(|r| (r["person_id"].clone(), r["family_id"].clone()))
        .collect();
    read_csv(&export.join("people.csv"))
        .into_iter()
        .map(|r| {
            let family = family_of[&r["person_id"]].clone();
            ((r["agency"].clone(), r["record_id"].clone()), (r["person_id"].clone(), family))
        })
        .collect()
}

/// Ids a partnership can put its name to: the same bundle with its rows in
/// another order gives every record the same ids, and a later extract
/// loaded into the same database keeps the ids of the families whose
/// records are the same.
#[test]
fn ids_hold_across_row_order_and_a_later_extract() {
    let dir = TempDir::new("ids");
    let (later, _, earlier) = crate::util::synth_with_earlier(&dir, 150, 5, 6);
    // Every file's rows the other way round.
    let reversed = dir.join("reversed");
    std::fs::create_dir_all(&reversed).unwrap();
    for entry in std::fs::read_dir(&later).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[1..].reverse();
        std::fs::write(reversed.join(path.file_name().unwrap()), lines.join("\n") + "\n").unwrap();
    }
    let export = |source: &[&str], out: &str| {
        let out = dir.join(out);
        famgraph_ok(&[&["export"][..], source, &["--out", out.to_str().unwrap()]].concat());
        ids_of(&out)
    };
    let straight = export(&["--data", later.to_str().unwrap()], "straight");
    assert_eq!(export(&["--data", reversed.to_str().unwrap()], "reversed-out"), straight, "row order changes no id");

    // The earlier extract, then the later one, into one database.
    let db = dir.join("partnership.duckdb");
    famgraph_ok(&["load", earlier.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let before = export(&["--db", db.to_str().unwrap()], "before");
    famgraph_ok(&["load", later.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let after = export(&["--db", db.to_str().unwrap()], "after");
    let both: Vec<&(String, String)> = before.keys().filter(|k| after.contains_key(*k)).collect();
    let members = |ids: &std::collections::HashMap<(String, String), (String, String)>, family: &str| {
        both.iter().filter(|k| ids[**k].1 == family).map(|k| (*k).clone()).collect::<BTreeSet<_>>()
    };
    let unchanged: Vec<&&(String, String)> =
        both.iter().filter(|k| members(&before, &before[**k].1) == members(&after, &after[**k].1)).collect();
    let kept = unchanged.iter().filter(|k| before[***k].1 == after[***k].1).count();
    assert!(unchanged.len() > 300, "{} records in unchanged families", unchanged.len());
    assert!(kept * 100 >= unchanged.len() * 98, "{kept} of {} records kept their family's id", unchanged.len());
}

/// A database holds the linkage its load made and the people, households
/// and families built from it: opening it reads them back instead of
/// linking and building again, and answers as linking the bundle would;
/// with a correction the load did not have, or a stored linkage that
/// cannot be read, it links again; with a stored graph that cannot be
/// read, it builds that again.
#[test]
fn a_stored_load_opens_without_linking_again_unless_its_records_changed() {
    let dir = TempDir::new("stored-linkage");
    let (bundle, _) = crate::util::synth(&dir, 150, 3, 0);
    let db = dir.join("load.duckdb");
    famgraph_ok(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    // stdout, and what the log said of the linkage.
    let run = |args: &[&str]| -> (String, String) {
        let out = std::process::Command::new(crate::util::BIN)
            .args(args)
            .env("FAMGRAPH_LOG", "famgraph_pipeline=info,famgraph::loads=info")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let list = ["shortlist", "--format", "json", "--limit", "1000"];
    let (from_bundle, _) = run(&[&list[..], &["--data", bundle.to_str().unwrap()]].concat());
    let (from_db, log) = run(&[&list[..], &["--db", db.to_str().unwrap()]].concat());
    assert!(log.contains("the load's linkage read back: not linking again"), "{log}");
    assert!(log.contains("households and families read back: not building them again"), "{log}");
    assert_eq!(from_db, from_bundle);
    // Everything an analyst's export holds, people, households, families,
    // relationships and involvements, is the same read back as built.
    let exported = |source: &str, path: &std::path::Path, out: &str| {
        let out = dir.join(out);
        famgraph_ok(&["export", source, path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|f| f.unwrap().path())
            .map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&f).unwrap()))
            .collect();
        files.sort();
        files
    };
    let (built, read_back) = (exported("--data", &bundle, "built"), exported("--db", &db, "read-back"));
    assert!(built.len() >= 4, "{:?}", built.iter().map(|(name, _)| name).collect::<Vec<_>>());
    let names = |files: &[(String, String)]| files.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&read_back), names(&built));
    for ((name, read), (_, made)) in read_back.iter().zip(&built) {
        let differ = read.lines().zip(made.lines()).find(|(a, b)| a != b);
        assert!(differ.is_none() && read.len() == made.len(), "{name} differs: {differ:?}");
    }

    // Records that differ from those the load linked (a record's name
    // edited in the file): the stored linkage is not theirs; link again.
    let edit = |sql: &str| duckdb::Connection::open(&db).unwrap().execute_batch(sql).unwrap();
    edit("UPDATE person_records SET given_name = given_name || 'x' WHERE rowid = 0");
    let (_, log) = run(&[&list[..], &["--db", db.to_str().unwrap()]].concat());
    assert!(log.contains("differ from those the load linked: linking again"), "{log}");
    assert!(!log.contains("not building them again"), "a graph of other records: {log}");
    edit("UPDATE person_records SET given_name = given_name[:-2] WHERE rowid = 0");
    let (back, log) = run(&[&list[..], &["--db", db.to_str().unwrap()]].concat());
    assert!(log.contains("not linking again"), "the records as they were: {log}");
    assert_eq!(back, from_bundle);

    // A stored graph that cannot be read: said, and built again.
    edit("UPDATE stored_graph SET body = 'not a graph'::BLOB WHERE part = 0");
    let (rebuilt, log) = run(&[&list[..], &["--db", db.to_str().unwrap()]].concat());
    assert!(log.contains("the stored graph cannot be read: building it again"), "{log}");
    assert_eq!(rebuilt, from_bundle);

    // A stored linkage that cannot be read: said, and linked again.
    edit("UPDATE stored_linkage SET body = 'not a linkage'::BLOB");
    let (again, log) = run(&[&list[..], &["--db", db.to_str().unwrap()]].concat());
    assert!(log.contains("the stored linkage cannot be read: linking again"), "{log}");
    assert_eq!(again, from_bundle);
}

/// A new extract from one agency that changes only its involvements (the
/// police's new occurrences for people it already holds) is loaded
/// without linking again: the last load's people are kept, said on
/// stderr, and are the people a load from scratch finds. A change to a
/// person record links again.
#[test]
fn a_new_extract_of_involvements_only_keeps_the_last_loads_people() {
    let dir = TempDir::new("involvements-only");
    let (bundle, _) = crate::util::synth(&dir, 150, 4, 0);
    let db = dir.join("partnership.duckdb");
    let load = |bundle: &std::path::Path, db: &std::path::Path| {
        let out = famgraph(&["load", bundle.to_str().unwrap(), "--db", db.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stderr).unwrap()
    };
    let kept = "its people kept, not linked again";
    assert!(!load(&bundle, &db).contains(kept), "a first load links");

    // The police's next extract: one occurrence closed cases no longer
    // carry, and a new one for a person the police already hold.
    let next = dir.join("next");
    std::fs::create_dir_all(&next).unwrap();
    for entry in std::fs::read_dir(&bundle).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, next.join(path.file_name().unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(bundle.join("involvements.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let police: Vec<usize> = (1..lines.len()).filter(|&i| lines[i].starts_with("police,")).collect();
    assert!(police.len() > 10, "{} police involvements", police.len());
    let mut new = lines[police[0]].split(',').map(str::to_owned).collect::<Vec<_>>();
    new[1] = "OCC-NEW-0001".into();
    lines.remove(police[5]);
    lines.push(new.join(","));
    std::fs::write(next.join("involvements.csv"), lines.join("\n") + "\n").unwrap();
    assert!(load(&next, &db).contains(kept));

    // The same people a load from scratch finds, with the same links.
    let fresh = dir.join("fresh.duckdb");
    assert!(!load(&next, &fresh).contains(kept));
    let export = |db: &std::path::Path, out: &str| {
        let out = dir.join(out);
        famgraph_ok(&["export", "--db", db.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        out
    };
    let (kept_out, fresh_out) = (export(&db, "kept"), export(&fresh, "fresh"));
    for table in ["people.csv", "links.csv", "link_model.csv"] {
        let (a, b) = (read_csv(&kept_out.join(table)), read_csv(&fresh_out.join(table)));
        assert!(a.len() > 10, "{table}: {} rows", a.len());
        assert_eq!(a, b, "{table}");
    }

    // A person record changed: linked again.
    let people = std::fs::read_to_string(next.join("people.csv")).unwrap();
    let mut rows: Vec<String> = people.lines().map(str::to_owned).collect();
    let plain = (1..rows.len()).find(|&i| !rows[i].contains('"')).unwrap();
    let mut row = rows[plain].split(',').map(str::to_owned).collect::<Vec<_>>();
    row[2].push('x');
    rows[plain] = row.join(",");
    std::fs::write(next.join("people.csv"), rows.join("\n") + "\n").unwrap();
    assert!(!load(&next, &db).contains(kept));
}
