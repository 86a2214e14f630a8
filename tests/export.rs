//! `famgraph export`: the linked data, readable by DuckDB as CSV and Parquet.

use crate::util::{TempDir, famgraph_ok, sample_bundle};

#[test]
fn exports_are_readable_by_duckdb() {
    let dir = TempDir::new("export");
    let db = dir.join("db.duckdb");
    famgraph_ok(&["load", sample_bundle().to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let n_records: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM read_csv('{}', header = true)",
                sample_bundle().join("people.csv").display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    for format in ["csv", "parquet"] {
        let out = dir.join(format);
        famgraph_ok(&["export", "--db", db.to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", format]);
        let reader = if format == "csv" { "read_csv" } else { "read_parquet" };
        let count = |table: &str, sql: &str| -> i64 {
            conn.query_row(
                &format!("SELECT {sql} FROM {reader}('{}')", out.join(format!("{table}.{format}")).display()),
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        // Every accepted record has a person; the sample data has no rejects.
        assert_eq!(count("people", "count(*)"), n_records);
        assert_eq!(count("people", "count(DISTINCT agency || '/' || record_id)"), n_records);
        let n_people = count("people", "count(DISTINCT person_id)");
        assert_eq!(count("families", "count(DISTINCT person_id)"), n_people);
        assert!(count("shortlist", "count(*)") > 0);
        assert_eq!(count("shortlist", "min(rank)"), 1);
    }
    // --data works without a database of one's own.
    let out = dir.join("from-data");
    famgraph_ok(&["export", "--data", sample_bundle().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(out.join("people.csv").is_file());
    assert!(!out.join(".famgraph-export.duckdb").exists());
}

#[test]
fn exported_csv_cells_cannot_run_as_formulas() {
    let dir = TempDir::new("export-injection");
    let (bundle, _) = crate::util::synth(&dir, 10, 3, 0);
    let people = bundle.join("people.csv");
    let mut text = std::fs::read_to_string(&people).unwrap();
    let columns = text.lines().next().unwrap().split(',').count();
    for (n, id) in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"].iter().enumerate() {
        let mut fields =
            vec!["police".to_owned(), format!("\"{}\"", id.replace('"', "\"\"")), format!("Given{n}"), "Family".into()];
        fields.resize(columns, String::new());
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    std::fs::write(&people, text).unwrap();
    let out = dir.join("out");
    famgraph_ok(&["export", "--data", bundle.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let exported = std::fs::read_to_string(out.join("people.csv")).unwrap();
    for id in ["'=HYPERLINK", "'+1", "'-2", "'@SUM(A1)"] {
        assert!(exported.contains(id), "{id} not defused");
    }
    assert!(
        !exported.lines().any(|l| l.split(',').any(|cell| cell.trim_matches('"').starts_with(['=', '+', '-', '@'])))
    );
    // Parquet keeps the value as recorded: it is not read by spreadsheets.
    let parquet = dir.join("parquet");
    famgraph_ok(&[
        "export",
        "--data",
        bundle.to_str().unwrap(),
        "--out",
        parquet.to_str().unwrap(),
        "--format",
        "parquet",
    ]);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM read_parquet('{}') WHERE record_id = '+1'",
                parquet.join("people.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
