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
