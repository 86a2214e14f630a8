//! Reading a bundle's files with DuckDB, every field as text, each row
//! tagged with the line a text editor would show for it.

use std::path::Path;

use duckdb::Connection;
use famgraph_model::record_starts;
use famgraph_model::validate::{BundleFile, Issue, RawRow, RawTable};

use crate::{IngestError, clean_duckdb_message};

const READ_CSV: &str = include_str!("../../../queries/read_csv.sql");
const CSV_REJECTS: &str = include_str!("../../../queries/csv_rejects.sql");
const READ_PARQUET: &str = include_str!("../../../queries/read_parquet.sql");

/// Reads the five files of a bundle. A file that is missing or cannot be
/// read at all is an error; rows that cannot be split into fields become
/// rejects in `RawTable::unreadable`.
#[tracing::instrument(skip_all)]
pub fn read_bundle(dir: &Path) -> Result<Vec<RawTable>, IngestError> {
    if !dir.is_dir() {
        return Err(IngestError::NotABundle { path: dir.to_owned() });
    }
    BundleFile::ALL
        .iter()
        .map(|&file| {
            let stem = file.stem();
            let csv = dir.join(format!("{stem}.csv"));
            let parquet = dir.join(format!("{stem}.parquet"));
            for path in [&csv, &parquet] {
                if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(unparseable(
                        path,
                        "a symbolic link: famgraph reads only the bundle's own files, so a link cannot make it \
                         read another (copy the file into the folder)",
                    ));
                }
            }
            let table = match (csv.is_file(), parquet.is_file()) {
                (true, true) => return Err(IngestError::AmbiguousFile { dir: dir.to_owned(), stem }),
                (true, false) => read_csv(file, &csv)?,
                (false, true) => read_parquet(file, &parquet)?,
                (false, false) => return Err(IngestError::MissingFile { dir: dir.to_owned(), stem }),
            };
            tracing::debug!(file = stem, n_rows = table.rows.len(), n_unreadable = table.unreadable.len(), "file read");
            Ok(table)
        })
        .collect()
}

/// Reads a partnership's overrides file (CSV, or Parquet by its
/// extension). It lives outside the bundle, so it survives a new extract.
pub fn read_overrides(path: &Path) -> Result<RawTable, IngestError> {
    if !path.is_file() {
        return Err(unparseable(path, "no such overrides file"));
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
        read_parquet(BundleFile::Overrides, path)
    } else {
        read_csv(BundleFile::Overrides, path)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn unparseable(path: &Path, reason: impl Into<String>) -> IngestError {
    IngestError::Unparseable { file: file_name(path), reason: reason.into() }
}

fn duck(path: &Path) -> impl Fn(duckdb::Error) -> IngestError + '_ {
    move |e| unparseable(path, clean_duckdb_message(&e.to_string()))
}

fn read_csv(file: BundleFile, path: &Path) -> Result<RawTable, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // A partnership's corrections file with nothing in it yet (made by
        // hand, or left empty by a crash before its header was written)
        // holds no corrections; an empty extract is a broken one.
        if file == BundleFile::Overrides {
            let columns =
                file.required_columns().iter().chain(file.optional_columns()).map(|&c| c.to_owned()).collect();
            let (rows, unreadable, repaired) = (Vec::new(), Vec::new(), Vec::new());
            return Ok(RawTable { file, file_name: file_name(path), columns, rows, unreadable, repaired });
        }
        return Err(unparseable(path, "the file is empty: expected a header row"));
    }
    if let Some(why) = not_text_csv(&bytes) {
        return Err(unparseable(path, why));
    }
    let starts = record_starts(&bytes);
    let conn = Connection::open_in_memory().map_err(duck(path))?;
    let path_text = path.to_str().ok_or_else(|| unparseable(path, "the file name is not valid UTF-8"))?;
    let (columns, values) = query_text(&conn, READ_CSV, path_text).map_err(duck(path))?;

    // Rows DuckDB could not read, keyed by the byte offset where they start.
    let mut stmt = conn.prepare(CSV_REJECTS).map_err(duck(path))?;
    let rejected: Vec<(u64, Option<String>, String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .and_then(Iterator::collect)
        .map_err(duck(path))?;

    let name = file_name(path);
    if values.len() + rejected.len() != starts.len() {
        return Err(unparseable(
            path,
            format!(
                "found {} rows but DuckDB read {} and rejected {}: check quoting",
                starts.len(),
                values.len(),
                rejected.len()
            ),
        ));
    }
    let mut is_rejected = vec![false; starts.len()];
    let mut unreadable = Vec::with_capacity(rejected.len());
    let (mut repaired_rows, mut repaired) = (Vec::new(), Vec::new());
    for (offset, column, error_type, message) in rejected {
        let index = starts.partition_point(|&(start, _)| start <= offset as usize).saturating_sub(1);
        is_rejected[index] = true;
        if error_type.to_lowercase().replace('_', " ") == "invalid encoding" {
            let end = starts.get(index + 1).map_or(bytes.len(), |&(start, _)| start);
            if let Some((values, at)) = windows_1252_row(&bytes[starts[index].0..end], columns.len()) {
                let line = starts[index].1;
                repaired.push(Issue {
                    file: name.clone(),
                    line,
                    column: columns.get(at).cloned(),
                    reason: "not UTF-8: read as Windows-1252".into(),
                });
                repaired_rows.push(RawRow { line, values });
                continue;
            }
        }
        unreadable.push(Issue {
            file: name.clone(),
            line: starts[index].1,
            column,
            reason: format!("unreadable row ({}): {}", error_type.to_lowercase(), clean_duckdb_message(&message)),
        });
    }
    let lines = starts.iter().zip(&is_rejected).filter(|(_, r)| !**r).map(|((_, line), _)| *line);
    let mut rows: Vec<RawRow> = lines.zip(values).map(|(line, values)| RawRow { line, values }).collect();
    if !repaired_rows.is_empty() {
        rows.extend(repaired_rows);
        rows.sort_by_key(|r| r.line);
    }
    Ok(RawTable { file, file_name: name, columns, rows, unreadable, repaired })
}

/// Why bytes are not a CSV file famgraph can read line by line, when the
/// reason is the whole file's: UTF-16 (a spreadsheet's "Unicode text"),
/// or lines ended by a carriage return alone (old Mac files). Read as
/// they are, the first gives a header of one garbled column and the
/// second one enormous line.
fn not_text_csv(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some("the file is UTF-16 (\"Unicode text\"): save it as CSV UTF-8".into());
    }
    let nuls = head.split(|&b| b == 0).count() - 1;
    if nuls * 4 > head.len() {
        return Some("the file holds NUL bytes, as UTF-16 does: save it as CSV UTF-8".into());
    }
    if !bytes.contains(&b'\n') && bytes.split(|&b| b == b'\r').nth(2).is_some() {
        return Some(
            "its lines end in a carriage return alone (an old Mac format): save it with Windows or Unix line endings"
                .into(),
        );
    }
    None
}

/// Windows-1252's characters for the bytes 0x80 to 0x9F, where Latin-1
/// has control codes: curly quotes, dashes, the euro sign. Five bytes are
/// unassigned.
const WINDOWS_1252_HIGH: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž', '\u{FFFD}', '\u{FFFD}',
    '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}', 'ž', 'Ÿ',
];

/// Text read as UTF-8 where it is valid and as Windows-1252 (the usual
/// export of older Windows systems) where it is not: "Zo\xEB" is "Zoë".
fn utf8_or_windows_1252(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(chunk.invalid().iter().map(|&b| match b {
            0x80..=0x9F => WINDOWS_1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        }));
    }
    text
}

/// A row DuckDB rejected as not UTF-8, split into its fields with the
/// bytes that are not UTF-8 read as Windows-1252, and the index of the
/// first field that needed it; `None` if it does not split into `n_columns`
/// fields.
fn windows_1252_row(record: &[u8], n_columns: usize) -> Option<(Vec<Option<String>>, usize)> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(record);
    let fields = reader.byte_records().next()?.ok()?;
    if fields.len() != n_columns {
        return None;
    }
    let at = fields.iter().position(|f| std::str::from_utf8(f).is_err())?;
    let values = fields.iter().map(|f| (!f.is_empty()).then(|| utf8_or_windows_1252(f))).collect();
    Some((values, at))
}

fn read_parquet(file: BundleFile, path: &Path) -> Result<RawTable, IngestError> {
    let conn = Connection::open_in_memory().map_err(duck(path))?;
    let path_text = path.to_str().ok_or_else(|| unparseable(path, "the file name is not valid UTF-8"))?;
    let (columns, values) = query_text(&conn, READ_PARQUET, path_text).map_err(duck(path))?;
    // A Parquet file has no header line; row n is reported as line n + 1,
    // where it would be in the same data written as CSV.
    let rows = values.into_iter().zip(2u64..).map(|(values, line)| RawRow { line, values }).collect();
    Ok(RawTable { file, file_name: file_name(path), columns, rows, unreadable: Vec::new(), repaired: Vec::new() })
}

type TextRows = (Vec<String>, Vec<Vec<Option<String>>>);

/// Runs a query whose columns are all text; column names are trimmed and
/// lower-cased, as agencies' headers vary in case.
fn query_text(conn: &Connection, sql: &str, path: &str) -> duckdb::Result<TextRows> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([path])?;
    let mut values = Vec::new();
    let mut n_columns = None;
    while let Some(row) = rows.next()? {
        let n = *n_columns.get_or_insert_with(|| row.as_ref().column_count());
        values.push((0..n).map(|i| row.get::<_, Option<String>>(i)).collect::<duckdb::Result<Vec<_>>>()?);
    }
    drop(rows);
    let columns = stmt.column_names().into_iter().map(|c| c.trim().to_lowercase()).collect();
    Ok((columns, values))
}
