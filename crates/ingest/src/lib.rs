//! The DuckDB edge of famgraph: reads a bundle's CSV or Parquet files,
//! hands the raw rows to `famgraph_model::validate`, and stores a load (the
//! validated bundle, its report and the derived tables) in a DuckDB file.
//!
//! Every input row ends up accepted or rejected: `read` counts what the
//! file held, including rows DuckDB itself could not split into fields.

pub mod cohorts;
mod read;
pub mod rows;
pub mod store;

use std::path::{Path, PathBuf};

use famgraph_model::validate::{self, SchemaError};
use famgraph_model::{Bundle, LoadReport};

pub use duckdb::types::Value;
pub use famgraph_model::record_starts;
pub use read::{read_bundle, read_overrides};
pub use store::{LastLoad, Stored, StoredIds};

/// Why a load stopped. Each names the file (and column or line) to fix.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: not a folder holding a bundle")]
    NotABundle { path: PathBuf },
    #[error("{dir}: missing required file `{stem}.csv` (or `{stem}.parquet`)")]
    MissingFile { dir: PathBuf, stem: &'static str },
    #[error("{dir}: both `{stem}.csv` and `{stem}.parquet` are present: keep one")]
    AmbiguousFile { dir: PathBuf, stem: &'static str },
    #[error("{file}: cannot be parsed: {reason}")]
    Unparseable { file: String, reason: String },
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error("database {path}: {reason}")]
    Database { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    NotADatabase { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cohort query `{name}`: {reason}")]
    Cohort { name: String, reason: String },
    #[error("{path}: another load into this database is running (it holds {lock}); wait for it to finish")]
    Busy { path: PathBuf, lock: PathBuf },
}

impl IngestError {
    /// True when the input is at fault (exit status 2), not the machine.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            IngestError::Database { .. }
                | IngestError::Io { .. }
                | IngestError::Cohort { .. }
                | IngestError::Busy { .. }
        )
    }
}

/// Reads and validates a bundle folder, and the partnership's overrides
/// file if there is one.
#[tracing::instrument(skip_all)]
pub fn load_bundle(dir: &Path, overrides: Option<&Path>) -> Result<(Bundle, LoadReport), IngestError> {
    let tables = read_bundle(dir)?;
    let overrides = overrides.map(read_overrides).transpose()?;
    let (bundle, report) = validate::validate_bundle_with_overrides(&tables, overrides.as_ref())?;
    tracing::info!(
        n_agencies = bundle.agencies.len(),
        n_records = bundle.people.len(),
        n_involvements = bundle.involvements.len(),
        n_overrides = bundle.overrides.len(),
        n_rejects = report.rejects.len(),
        n_warnings = report.warnings.len(),
        "bundle validated"
    );
    Ok((bundle, report))
}

/// A file's rows accepted now may fall to this share of the load it would
/// replace, and no lower, without `--accept-smaller`.
pub const MIN_SHARE_OF_LAST_LOAD: f64 = 0.5;
/// Files smaller than this last time are not compared: a few rows come
/// and go.
const MIN_ROWS_COMPARED: u64 = 10;

/// Why a load looks like a broken extract rather than a smaller
/// partnership: each file that holds only its header (but
/// `relationships`, which may be empty), or whose rows accepted fell
/// below `MIN_SHARE_OF_LAST_LOAD` of the load it would replace. Empty
/// when nothing looks wrong. Counts only: never a row's content.
pub fn shrinkage(last: Option<&[famgraph_model::FileReport]>, now: &[famgraph_model::FileReport]) -> Vec<String> {
    let mut found = Vec::new();
    for file in now {
        let may_be_empty = file.file.starts_with("relationships.");
        let before = last.and_then(|last| last.iter().find(|f| f.file == file.file));
        if file.read == 0 && !may_be_empty {
            found.push(match before {
                Some(before) if before.accepted > 0 => format!(
                    "{}: only a header, where the load it would replace accepted {} rows",
                    file.file, before.accepted
                ),
                _ => format!("{}: only a header, no rows", file.file),
            });
        } else if let Some(before) = before
            && before.accepted >= MIN_ROWS_COMPARED
            && (file.accepted as f64) < MIN_SHARE_OF_LAST_LOAD * before.accepted as f64
        {
            found.push(format!(
                "{}: {} rows accepted, against {} in the load it would replace",
                file.file, file.accepted, before.accepted
            ));
        }
    }
    found
}

/// DuckDB's messages can quote a line of the input; keep only the part
/// before any quoted content so no personal data reaches an error.
pub(crate) fn clean_duckdb_message(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or_default();
    let cut = ["Original Line", "\""].iter().filter_map(|m| first_line.find(m)).min();
    let mut kept = cut.map_or(first_line, |i| &first_line[..i]).trim().trim_end_matches(':').trim().to_owned();
    // "CSV Error on Line: 4": the line number says where, not what.
    if let Some(at) = kept.find("Line:") {
        let number: String = kept[at + 5..].trim_start().chars().take_while(char::is_ascii_digit).collect();
        kept.truncate(at);
        if !number.is_empty() {
            kept.push_str("line ");
            kept.push_str(&number);
        }
    }
    kept.trim().trim_end_matches(':').trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_far_smaller_than_the_last_or_a_file_of_only_a_header_is_named() {
        use famgraph_model::FileReport;
        let file = |name: &str, read: u64, accepted: u64| FileReport {
            file: name.to_owned(),
            read,
            accepted,
            rejected: read - accepted,
            warnings: 0,
        };
        let last = [file("people.csv", 4210, 4200), file("relationships.csv", 30, 30), file("agencies.csv", 3, 3)];
        // The same again, a little smaller: nothing to say.
        let fine = [file("people.csv", 4000, 3990), file("relationships.csv", 25, 25), file("agencies.csv", 2, 2)];
        assert!(shrinkage(Some(&last), &fine).is_empty());
        // A mistyped export: 12 people; one agency of three (too few to
        // compare).
        let broken = [file("people.csv", 12, 12), file("relationships.csv", 25, 25), file("agencies.csv", 1, 1)];
        assert_eq!(
            shrinkage(Some(&last), &broken),
            ["people.csv: 12 rows accepted, against 4200 in the load it would replace"]
        );
        let header_only = [file("people.csv", 0, 0), file("relationships.csv", 0, 0)];
        assert_eq!(
            shrinkage(Some(&last), &header_only),
            [
                "people.csv: only a header, where the load it would replace accepted 4200 rows",
                "relationships.csv: 0 rows accepted, against 30 in the load it would replace"
            ]
        );
        // A first load: relationships may be empty, people may not.
        assert_eq!(shrinkage(None, &header_only), ["people.csv: only a header, no rows"]);
    }

    #[test]
    fn duckdb_messages_lose_quoted_content() {
        assert_eq!(
            clean_duckdb_message("Invalid Input Error: CSV Error on Line: 4\nOriginal Line: police,P3,Ann Smith"),
            "Invalid Input Error: CSV Error on line 4"
        );
        assert_eq!(
            clean_duckdb_message("Invalid Input Error: CSV Error on Line: 4 Original Line: police,P3,Ann"),
            "Invalid Input Error: CSV Error on line 4"
        );
        assert_eq!(clean_duckdb_message("Conversion Error: \"Ann\" is not a date"), "Conversion Error");
    }

    /// Every file in `queries/` runs against the schema (or, for readers,
    /// against a small file), so a broken query fails here, not in a load.
    #[test]
    fn every_query_runs() {
        let dir = std::env::temp_dir().join(format!("famgraph-queries-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("t.csv");
        std::fs::write(&csv, "a,b\n1,2\n1,2,3\n").unwrap();
        let parquet = dir.join("t.parquet");
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "COPY (SELECT 1 AS a, DATE '2024-01-02' AS d) TO '{}' (FORMAT parquet)",
            parquet.display()
        ))
        .unwrap();
        let queries = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        let mut names: Vec<String> = std::fs::read_dir(&queries)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| std::path::Path::new(n).extension().is_some_and(|e| e == "sql"))
            .collect();
        names.sort();
        assert!(names.len() >= 4, "{names:?}");
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(store::SCHEMA).unwrap();
        // read_csv.sql first: it creates the tables csv_rejects.sql reads.
        names.sort_by_key(|n| n != "read_csv.sql");
        for name in &names {
            let sql = std::fs::read_to_string(queries.join(name)).unwrap();
            match name.as_str() {
                "schema.sql" => {}
                "read_csv.sql" => {
                    let n =
                        conn.prepare(&sql).unwrap().query([csv.to_str().unwrap()]).unwrap().mapped(|_| Ok(())).count();
                    assert_eq!(n, 1, "{name}");
                }
                "csv_rejects.sql" => {
                    let n = conn.prepare(&sql).unwrap().query([]).unwrap().mapped(|_| Ok(())).count();
                    assert_eq!(n, 1, "{name}: the row with three fields");
                }
                "read_parquet.sql" => {
                    let d: String = conn.query_row(&sql, [parquet.to_str().unwrap()], |r| r.get(1)).unwrap();
                    assert_eq!(d, "2024-01-02");
                }
                _ => {
                    conn.prepare(&sql).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
