//! The DuckDB database a load writes and `serve --db` opens: the validated
//! bundle, the load report, and derived tables the layers above hand in.
//!
//! A load writes a new file beside the target and renames it into place
//! only when complete, so a failed or killed load leaves the previous
//! database whole.

use std::path::{Path, PathBuf};

use duckdb::Connection;
use duckdb::types::Value;
use famgraph_model::validate::{FileReport, Issue};
use famgraph_model::{
    Agency, Bundle, CostBasis, Date, Involvement, LinkDecision, LinkOverride, LoadReport, Need, NhsNumber,
    PersonRecord, Postcode, RecordKey, Relationship, RelationshipKind, Role, Sector, Service, Sex,
};

use crate::IngestError;

pub(crate) const SCHEMA: &str = include_str!("../../../queries/schema.sql");
/// Bumped when `queries/schema.sql` changes in a way old files cannot be read.
pub const SCHEMA_VERSION: &str = "2";

/// A derived table to store: its name in `schema.sql` and its rows, with
/// values in the schema's column order.
pub struct Table {
    pub name: &'static str,
    pub rows: Vec<Vec<Value>>,
}

/// What a database holds for serving: the bundle and the report of the load
/// that made it. The derived tables are for analysts; serving re-derives
/// them from the bundle, as linkage is deterministic.
pub struct Stored {
    pub bundle: Bundle,
    pub report: LoadReport,
}

fn db_error(path: &Path) -> impl Fn(duckdb::Error) -> IngestError + '_ {
    move |e| IngestError::Database { path: path.to_owned(), reason: crate::clean_duckdb_message(&e.to_string()) }
}

/// Writes a complete database at `path`, replacing any earlier one only
/// once the new one is complete and on disk (the file and its folder
/// synced before and after the rename). One load at a time per database:
/// a second waits for nothing and fails, naming the lock (`FILE.lock`, an
/// advisory lock the system releases when the process ends, however it
/// ends).
#[tracing::instrument(skip_all, fields(n_records = bundle.people.len()))]
pub fn save(path: &Path, bundle: &Bundle, report: &LoadReport, derived: &[Table]) -> Result<(), IngestError> {
    let _lock = lock(path)?;
    let partial = partial_path(path);
    for stale in [partial.clone(), wal_path(&partial)] {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|source| IngestError::Io { path: stale.clone(), source })?;
        }
    }
    {
        let conn = Connection::open(&partial).map_err(db_error(path))?;
        write_all(&conn, bundle, report, derived).map_err(db_error(path))?;
        conn.execute_batch("CHECKPOINT").map_err(db_error(path))?;
    }
    owner_only(&partial)?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| IngestError::Io { path, source }
    };
    std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io(&partial))?;
    std::fs::rename(&partial, path).map_err(io(path))?;
    // The rename itself survives a crash only once the folder is synced.
    #[cfg(unix)]
    if let Some(dir) = path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d }) {
        std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io(dir))?;
    }
    Ok(())
}

/// The exclusive lock on loads into the database at `path`, held until
/// the returned file is dropped.
fn lock(path: &Path) -> Result<std::fs::File, IngestError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock = path.with_file_name(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|source| IngestError::Io { path: lock.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(IngestError::Busy { path: path.to_owned(), lock }),
        Err(std::fs::TryLockError::Error(source)) => Err(IngestError::Io { path: lock, source }),
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".loading");
    path.with_file_name(name)
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".wal");
    PathBuf::from(name)
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn opt_text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, text)
}

fn date(value: Option<Date>) -> Value {
    value.map_or(Value::Null, |d| Value::Date32(d.days()))
}

fn write_all(conn: &Connection, bundle: &Bundle, report: &LoadReport, derived: &[Table]) -> duckdb::Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])?;
    append(
        conn,
        "agencies",
        bundle
            .agencies
            .iter()
            .map(|a| vec![text(&a.code), text(&a.name), text(a.sector.code()), date(Some(a.extracted_on))]),
    )?;
    append(
        conn,
        "services",
        bundle.services.iter().map(|s| {
            vec![
                text(&s.agency),
                text(&s.code),
                text(&s.name),
                text(s.need.code()),
                Value::Boolean(s.offending),
                Value::Boolean(s.keyworker),
                s.unit_cost.map_or(Value::Null, |(cost, _)| Value::Double(cost)),
                opt_text(s.unit_cost.map(|(_, basis)| basis.code())),
            ]
        }),
    )?;
    append(
        conn,
        "person_records",
        bundle.people.iter().map(|p| {
            vec![
                text(&p.agency),
                text(&p.record_id),
                text(&p.given_name),
                text(&p.family_name),
                date(p.date_of_birth),
                text(p.sex.code()),
                opt_text(p.address.as_deref()),
                opt_text(p.postcode.as_ref().map(Postcode::as_str)),
                p.uprn.map_or(Value::Null, Value::UBigInt),
                p.nhs_number.map_or(Value::Null, |n| Value::Text(n.to_string())),
            ]
        }),
    )?;
    append(
        conn,
        "relationships",
        bundle.relationships.iter().map(|r| {
            vec![
                text(&r.agency),
                text(&r.from_record),
                text(r.kind.code()),
                text(&r.to_record),
                date(r.start_date),
                date(r.end_date),
            ]
        }),
    )?;
    append(
        conn,
        "involvements",
        bundle.involvements.iter().map(|i| {
            vec![
                text(&i.agency),
                text(&i.involvement_id),
                text(&i.record_id),
                text(&i.service),
                date(Some(i.start_date)),
                date(i.end_date),
                text(i.role.code()),
            ]
        }),
    )?;
    append(
        conn,
        "link_overrides",
        bundle.overrides.iter().map(|o| {
            vec![
                text(o.decision.code()),
                text(&o.a.agency),
                text(&o.a.record_id),
                text(&o.b.agency),
                text(&o.b.record_id),
                text(&o.file),
                Value::UBigInt(o.line),
            ]
        }),
    )?;
    append(
        conn,
        "load_files",
        report.files.iter().map(|f| {
            vec![
                text(&f.file),
                Value::UBigInt(f.read),
                Value::UBigInt(f.accepted),
                Value::UBigInt(f.rejected),
                Value::UBigInt(f.warnings),
            ]
        }),
    )?;
    let issues = report.rejects.iter().map(|i| ("reject", i)).chain(report.warnings.iter().map(|i| ("warning", i)));
    append(
        conn,
        "load_issues",
        issues.map(|(severity, i)| {
            vec![text(severity), text(&i.file), Value::UBigInt(i.line), opt_text(i.column.as_deref()), text(&i.reason)]
        }),
    )?;
    for table in derived {
        append(conn, table.name, table.rows.iter().cloned())?;
    }
    Ok(())
}

fn append(conn: &Connection, table: &str, rows: impl Iterator<Item = Vec<Value>>) -> duckdb::Result<()> {
    let mut appender = conn.appender(table)?;
    for row in rows {
        appender.append_row(duckdb::appender_params_from_iter(row))?;
    }
    appender.flush()
}

/// The file counts of the load a database holds, if `path` is a famgraph
/// database that can be read: what a new load into it is compared with.
pub fn last_file_counts(path: &Path) -> Option<Vec<FileReport>> {
    if !path.is_file() {
        return None;
    }
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).ok()?;
    let conn = Connection::open_with_flags(path, config).ok()?;
    file_counts(&conn).ok()
}

/// Opens a database written by [`save`], read-only.
#[tracing::instrument(skip_all)]
pub fn open(path: &Path) -> Result<Stored, IngestError> {
    if !path.is_file() {
        return Err(IngestError::NotADatabase {
            path: path.to_owned(),
            reason: "no such database file: write one with `famgraph load BUNDLE --db FILE`".into(),
        });
    }
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).map_err(db_error(path))?;
    let conn = Connection::open_with_flags(path, config).map_err(|e| IngestError::NotADatabase {
        path: path.to_owned(),
        reason: format!("cannot be opened as a DuckDB database: {}", crate::clean_duckdb_message(&e.to_string())),
    })?;
    let version: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
        .map_err(|_| IngestError::NotADatabase { path: path.to_owned(), reason: "not a famgraph database".into() })?;
    if version != SCHEMA_VERSION {
        return Err(IngestError::NotADatabase {
            path: path.to_owned(),
            reason: format!("schema version {version}, this famgraph reads {SCHEMA_VERSION}: load the bundle again"),
        });
    }
    read_all(&conn).map_err(|e| IngestError::Database { path: path.to_owned(), reason: e })
}

/// A stored value that no longer parses means the file was altered.
fn bad(what: &str) -> String {
    format!("stored {what} is not valid: load the bundle again")
}

fn parse_date(text: Option<String>) -> Result<Option<Date>, String> {
    text.map(|t| Date::parse(&t).ok_or_else(|| bad("date"))).transpose()
}

/// Each file's counts of the load a database holds, in load order.
fn file_counts(conn: &Connection) -> Result<Vec<FileReport>, String> {
    rows(conn, "SELECT file, \"read\", accepted, rejected, warnings FROM load_files ORDER BY rowid", |r| {
        Ok(FileReport {
            file: r.get(0)?,
            read: r.get(1)?,
            accepted: r.get(2)?,
            rejected: r.get(3)?,
            warnings: r.get(4)?,
        })
    })
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> Result<Vec<T>, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| crate::clean_duckdb_message(&e.to_string()))?;
    stmt.query_map([], f).and_then(Iterator::collect).map_err(|e| crate::clean_duckdb_message(&e.to_string()))
}

// Row shapes of the stored tables, in their SELECT order.
type ServiceRow = (String, String, String, String, bool, bool, Option<f64>, Option<String>);
type PersonRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<u64>,
    Option<String>,
);
type RelRow = (String, String, String, String, Option<String>, Option<String>);
type InvRow = (String, String, String, String, String, Option<String>, String);
type OverrideRow = (String, String, String, String, String, String, u64);

fn read_all(conn: &Connection) -> Result<Stored, String> {
    let mut bundle = Bundle::default();
    for (code, name, sector, extracted_on) in
        rows(conn, "SELECT agency, name, sector, CAST(extracted_on AS VARCHAR) FROM agencies ORDER BY rowid", |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?
    {
        bundle.agencies.push(Agency {
            code,
            name,
            sector: Sector::parse(&sector).ok_or_else(|| bad("sector"))?,
            extracted_on: Date::parse(&extracted_on).ok_or_else(|| bad("date"))?,
        });
    }
    for (agency, code, name, need, offending, keyworker, cost, basis) in rows(
        conn,
        "SELECT agency, service, name, need, offending, keyworker, unit_cost_gbp, cost_basis FROM services ORDER BY rowid",
        |r| -> duckdb::Result<ServiceRow> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        },
    )? {
        let unit_cost = match (cost, basis) {
            (Some(cost), Some(basis)) => Some((cost, CostBasis::parse(&basis).ok_or_else(|| bad("cost basis"))?)),
            _ => None,
        };
        bundle.services.push(Service {
            agency,
            code,
            name,
            need: Need::parse(&need).ok_or_else(|| bad("need"))?,
            offending,
            keyworker,
            unit_cost,
        });
    }
    for row in rows(
        conn,
        "SELECT agency, record_id, given_name, family_name, CAST(date_of_birth AS VARCHAR), sex, address, postcode, uprn, nhs_number
         FROM person_records ORDER BY rowid",
        |r| -> duckdb::Result<PersonRow> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?))
        },
    )? {
        let (agency, record_id, given_name, family_name, dob, sex, address, postcode, uprn, nhs) = row;
        bundle.people.push(PersonRecord {
            agency,
            record_id,
            given_name,
            family_name,
            date_of_birth: parse_date(dob)?,
            sex: Sex::parse(&sex).ok_or_else(|| bad("sex"))?,
            address,
            postcode: postcode.map(|p| Postcode::parse(&p).ok_or_else(|| bad("postcode"))).transpose()?,
            uprn,
            nhs_number: nhs.map(|n| NhsNumber::parse(&n).ok_or_else(|| bad("NHS number"))).transpose()?,
        });
    }
    for (agency, from_record, kind, to_record, start, end) in rows(
        conn,
        "SELECT agency, from_record, kind, to_record, CAST(start_date AS VARCHAR), CAST(end_date AS VARCHAR)
         FROM relationships ORDER BY rowid",
        |r| -> duckdb::Result<RelRow> { Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)) },
    )? {
        bundle.relationships.push(Relationship {
            agency,
            from_record,
            kind: RelationshipKind::parse(&kind).ok_or_else(|| bad("relationship kind"))?,
            to_record,
            start_date: parse_date(start)?,
            end_date: parse_date(end)?,
        });
    }
    for (agency, involvement_id, record_id, service, start, end, role) in rows(
        conn,
        "SELECT agency, involvement_id, record_id, service, CAST(start_date AS VARCHAR), CAST(end_date AS VARCHAR), role
         FROM involvements ORDER BY rowid",
        |r| -> duckdb::Result<InvRow> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        },
    )? {
        bundle.involvements.push(Involvement {
            agency,
            involvement_id,
            record_id,
            service,
            start_date: parse_date(Some(start))?.ok_or_else(|| bad("date"))?,
            end_date: parse_date(end)?,
            role: Role::parse(&role).ok_or_else(|| bad("role"))?,
        });
    }
    for (decision, agency_a, record_id_a, agency_b, record_id_b, file, line) in rows(
        conn,
        "SELECT decision, agency_a, record_id_a, agency_b, record_id_b, file, line FROM link_overrides ORDER BY rowid",
        |r| -> duckdb::Result<OverrideRow> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        },
    )? {
        bundle.overrides.push(LinkOverride {
            decision: LinkDecision::parse(&decision).ok_or_else(|| bad("override decision"))?,
            a: RecordKey { agency: agency_a, record_id: record_id_a },
            b: RecordKey { agency: agency_b, record_id: record_id_b },
            file,
            line,
        });
    }
    let files = file_counts(conn)?;
    let mut report = LoadReport { files, rejects: Vec::new(), warnings: Vec::new() };
    for (severity, issue) in
        rows(conn, "SELECT severity, file, line, column_name, reason FROM load_issues ORDER BY rowid", |r| {
            Ok((
                r.get::<_, String>(0)?,
                Issue { file: r.get(1)?, line: r.get(2)?, column: r.get(3)?, reason: r.get(4)? },
            ))
        })?
    {
        if severity == "reject" { report.rejects.push(issue) } else { report.warnings.push(issue) }
    }
    Ok(Stored { bundle, report })
}

/// The column list to export. For CSV, a text cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
/// spreadsheet shows it as text instead of running it as a formula.
fn export_columns(conn: &Connection, table: &str, defuse_formulas: bool) -> duckdb::Result<String> {
    let mut stmt = conn.prepare(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
    )?;
    let columns: Vec<(String, String)> =
        stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<duckdb::Result<_>>()?;
    Ok(columns
        .iter()
        .map(|(name, data_type)| {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            if defuse_formulas && data_type == "VARCHAR" {
                format!(
                    "CASE WHEN regexp_matches({quoted}, '^[-=+@\\t\\r]') THEN '''' || {quoted} ELSE {quoted} END AS {quoted}"
                )
            } else {
                quoted
            }
        })
        .collect::<Vec<_>>()
        .join(", "))
}

/// Makes a file of personal data readable and writable by its owner only
/// (0600), as DuckDB creates its files with the process's default.
fn owner_only(path: &Path) -> Result<(), IngestError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes the named tables of a database to `dir` as CSV or Parquet files
/// named after the tables, for analysts.
pub fn export(path: &Path, tables: &[&str], dir: &Path, parquet: bool) -> Result<Vec<PathBuf>, IngestError> {
    std::fs::create_dir_all(dir).map_err(|source| IngestError::Io { path: dir.to_owned(), source })?;
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly).map_err(db_error(path))?;
    let conn = Connection::open_with_flags(path, config).map_err(db_error(path))?;
    let mut written = Vec::new();
    for table in tables {
        let extension = if parquet { "parquet" } else { "csv" };
        let target = dir.join(format!("{table}.{extension}"));
        let target_text = target.to_str().ok_or_else(|| IngestError::Io {
            path: target.clone(),
            source: std::io::Error::other("path is not UTF-8"),
        })?;
        // COPY takes no bound parameters; the path is quoted as an SQL string
        // literal and the table name is one of ours, never user input.
        let options = if parquet { "FORMAT parquet" } else { "FORMAT csv, HEADER true" };
        let select = export_columns(&conn, table, !parquet).map_err(db_error(path))?;
        let sql = format!(
            "COPY (SELECT {select} FROM {table} ORDER BY rowid) TO '{}' ({options})",
            target_text.replace('\'', "''")
        );
        conn.execute_batch(&sql).map_err(db_error(path))?;
        owner_only(&target)?;
        written.push(target);
    }
    Ok(written)
}
