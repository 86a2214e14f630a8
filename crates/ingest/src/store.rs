//! The DuckDB database a load writes and `serve --db` opens: the validated
//! bundle, the load report, and derived tables the layers above hand in.
//!
//! A load writes a new file beside the target and renames it into place
//! only when complete, so a failed or killed load leaves the previous
//! database whole.

use std::path::{Path, PathBuf};

use duckdb::Connection;
use famgraph_model::validate::{FileReport, Issue};
use famgraph_model::{
    Agency, Bundle, CostBasis, Involvement, LinkDecision, LinkOverride, LoadReport, Need, NhsNumber, PersonRecord,
    Postcode, RecordKey, Relationship, RelationshipKind, Role, Sector, Service, Sex,
};

use crate::IngestError;
use crate::rows::{
    self, AgencyRow, Derived, FamilyMemberRow, InvolvementRow, LinkOverrideRow, LoadFileRow, LoadIssueRow,
    PersonLinkRow, PersonRecordRow, RelationshipRow, ServiceRow, StoredRow,
};

pub(crate) const SCHEMA: &str = include_str!("../../../queries/schema.sql");
/// The stored linkage's table, apart from the rows the schema types.
const STORED_LINKAGE: &str = include_str!("../../../queries/stored_linkage.sql");

/// The stored graph is kept in parts of this many bytes: one value of
/// tens of megabytes costs DuckDB several copies of itself at once.
const GRAPH_PART_BYTES: usize = 1 << 20;
/// Bumped when `queries/schema.sql` changes in a way old files cannot be read.
pub const SCHEMA_VERSION: &str = "2";

/// What a database holds for serving: the bundle and the report of the load
/// that made it. The derived tables are for analysts; serving re-derives
/// them from the bundle, as linkage is deterministic.
pub struct Stored {
    pub bundle: Bundle,
    pub report: LoadReport,
    /// The ids the load gave: each record's person, each person's family;
    /// empty when the load stored its graph, which holds them (read them
    /// with [`last_load`] to build the graph again).
    pub ids: StoredIds,
    /// The linkage the load made, as bytes, with the key of what it was
    /// made from (none in a file written before famgraph stored it).
    pub linkage: Option<(String, Vec<u8>)>,
    /// The graph built from that linkage, as bytes, under the same key.
    pub graph: Option<(String, Vec<u8>)>,
}

/// The person and family ids a stored load gave, which the next load of
/// the same partnership keeps where it can.
#[derive(Debug, Default)]
pub struct StoredIds {
    pub people: Vec<PersonLinkRow>,
    pub families: Vec<FamilyMemberRow>,
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
pub fn save(path: &Path, bundle: &Bundle, report: &LoadReport, derived: Derived) -> Result<(), IngestError> {
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

fn write_all(conn: &Connection, bundle: &Bundle, report: &LoadReport, derived: Derived) -> duckdb::Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(STORED_LINKAGE)?;
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])?;
    append(
        conn,
        bundle.agencies.iter().map(|a| AgencyRow {
            agency: a.code.clone(),
            name: a.name.clone(),
            sector: a.sector.code().to_owned(),
            extracted_on: a.extracted_on,
        }),
    )?;
    append(
        conn,
        bundle.services.iter().map(|s| ServiceRow {
            agency: s.agency.clone(),
            service: s.code.clone(),
            name: s.name.clone(),
            need: s.need.code().to_owned(),
            offending: s.offending,
            keyworker: s.keyworker,
            unit_cost_gbp: s.unit_cost.map(|(cost, _)| cost),
            cost_basis: s.unit_cost.map(|(_, basis)| basis.code().to_owned()),
        }),
    )?;
    append(
        conn,
        bundle.overrides.iter().map(|o| LinkOverrideRow {
            decision: o.decision.code().to_owned(),
            agency_a: o.a.agency.clone(),
            record_id_a: o.a.record_id.clone(),
            agency_b: o.b.agency.clone(),
            record_id_b: o.b.record_id.clone(),
            file: o.file.clone(),
            line: o.line,
        }),
    )?;
    append(
        conn,
        report.files.iter().map(|f| LoadFileRow {
            file: f.file.clone(),
            read: f.read,
            accepted: f.accepted,
            rejected: f.rejected,
            warnings: f.warnings,
        }),
    )?;
    let issues = report.rejects.iter().map(|i| ("reject", i)).chain(report.warnings.iter().map(|i| ("warning", i)));
    append(
        conn,
        issues.map(|(severity, i)| LoadIssueRow {
            severity: severity.to_owned(),
            file: i.file.clone(),
            line: i.line,
            column_name: i.column.clone(),
            reason: i.reason.clone(),
        }),
    )?;
    // The records and the derived tables on two connections side by side:
    // appends to different tables never conflict.
    let other = conn.try_clone()?;
    std::thread::scope(|scope| {
        let records = scope.spawn(move || write_records(&other, bundle));
        let derived = write_derived(conn, derived);
        records.join().expect("writing the records panicked").and(derived)
    })
}

/// The bundle's three large tables.
fn write_records(conn: &Connection, bundle: &Bundle) -> duckdb::Result<()> {
    append(
        conn,
        bundle.people.iter().map(|p| PersonRecordRow {
            agency: p.agency.clone(),
            record_id: p.record_id.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            date_of_birth: p.date_of_birth,
            sex: p.sex.code().to_owned(),
            address: p.address.clone(),
            postcode: p.postcode.as_ref().map(|p| p.as_str().to_owned()),
            uprn: p.uprn,
            nhs_number: p.nhs_number.map(|n| n.to_string()),
        }),
    )?;
    append(
        conn,
        bundle.relationships.iter().map(|r| RelationshipRow {
            agency: r.agency.clone(),
            from_record: r.from_record.clone(),
            kind: r.kind.code().to_owned(),
            to_record: r.to_record.clone(),
            start_date: r.start_date,
            end_date: r.end_date,
        }),
    )?;
    append(
        conn,
        bundle.involvements.iter().map(|i| InvolvementRow {
            agency: i.agency.clone(),
            involvement_id: i.involvement_id.clone(),
            record_id: i.record_id.clone(),
            service: i.service.clone(),
            start_date: i.start_date,
            end_date: i.end_date,
            role: i.role.code().to_owned(),
        }),
    )?;
    Ok(())
}

/// The tables derived from the load, and the linkage and graph as bytes.
fn write_derived(conn: &Connection, derived: Derived) -> duckdb::Result<()> {
    let Derived { meta, people, links, link_model, families, shortlist, linkage, graph } = derived;
    if let Some((key, body)) = linkage {
        conn.execute("INSERT INTO stored_linkage VALUES (?, ?)", duckdb::params![key, body])?;
    }
    if let Some((key, body)) = graph {
        let mut insert = conn.prepare("INSERT INTO stored_graph VALUES (?, ?, ?)")?;
        for (part, chunk) in body.chunks(GRAPH_PART_BYTES).enumerate() {
            insert.execute(duckdb::params![key, part as i64, chunk])?;
        }
    }
    append(conn, meta.into_iter())?;
    append(conn, people.into_iter())?;
    append(conn, links.into_iter())?;
    append(conn, link_model.into_iter())?;
    append(conn, families.into_iter())?;
    append(conn, shortlist.into_iter())
}

fn append<R: StoredRow>(conn: &Connection, rows: impl Iterator<Item = R>) -> duckdb::Result<()> {
    let mut appender = conn.appender(R::TABLE)?;
    for row in rows {
        appender.append_row(duckdb::appender_params_from_iter(row.values()))?;
    }
    appender.flush()
}

/// What the load a database holds tells the next load into it: its file
/// counts (a much smaller extract looks broken) and the ids it gave (kept
/// where the families are the same). Each is `None` where it cannot be
/// read, as when `path` is no famgraph database.
#[derive(Debug, Default)]
pub struct LastLoad {
    pub files: Option<Vec<FileReport>>,
    pub ids: Option<StoredIds>,
}

/// Reads what the load at `path` tells the next, opening it once, read-only.
pub fn last_load(path: &Path) -> LastLoad {
    if !path.is_file() {
        return LastLoad::default();
    }
    let Some(conn) = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .ok()
        .and_then(|config| Connection::open_with_flags(path, config).ok())
    else {
        return LastLoad::default();
    };
    let ids = rows(&conn).and_then(|people| Ok(StoredIds { people, families: rows(&conn)? })).ok();
    LastLoad { files: file_counts(&conn).ok(), ids }
}

/// The linkage the load at `path` stored, if it was kept under `key`
/// (`famgraph_pipeline::linkage_key`: made from the same records,
/// relationships and corrections by the same famgraph); `None` when there
/// is no such load, or its linkage is another's.
#[tracing::instrument(skip_all)]
pub fn stored_linkage(path: &Path, key: &str) -> Option<Vec<u8>> {
    let conn = open_read_only(path).ok()?;
    conn.query_row("SELECT body FROM stored_linkage WHERE key = ?", [key], |r| r.get::<_, Vec<u8>>(0)).ok()
}

/// Opens a database written by [`save`], read-only.
#[tracing::instrument(skip_all)]
pub fn open(path: &Path) -> Result<Stored, IngestError> {
    let conn = open_read_only(path)?;
    read_all(&conn).map_err(|e| IngestError::Database { path: path.to_owned(), reason: e })
}

/// A read-only connection to a database [`save`] wrote with this
/// famgraph's schema, or why `path` is not one.
fn open_read_only(path: &Path) -> Result<Connection, IngestError> {
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
    Ok(conn)
}

/// A stored value that no longer parses means the file was altered.
fn bad(what: &str) -> String {
    format!("stored {what} is not valid: load the bundle again")
}

/// Each file's counts of the load a database holds, in load order.
fn file_counts(conn: &Connection) -> Result<Vec<FileReport>, String> {
    Ok(rows::<LoadFileRow>(conn)?
        .into_iter()
        .map(|r| FileReport {
            file: r.file,
            read: r.read,
            accepted: r.accepted,
            rejected: r.rejected,
            warnings: r.warnings,
        })
        .collect())
}

/// Every row of a stored table, in the order it was written.
fn rows<R: StoredRow>(conn: &Connection) -> Result<Vec<R>, String> {
    let clean = |e: duckdb::Error| crate::clean_duckdb_message(&e.to_string());
    let mut stmt = conn.prepare(&rows::select::<R>()).map_err(clean)?;
    stmt.query_map([], R::from_row).and_then(Iterator::collect).map_err(clean)
}

/// The stored graph's parts put together, with their key; none when the
/// load stored none.
fn graph_of(conn: &Connection) -> duckdb::Result<Option<(String, Vec<u8>)>> {
    let mut stmt = conn.prepare("SELECT key, body FROM stored_graph ORDER BY part")?;
    let mut rows = stmt.query([])?;
    let mut graph: Option<(String, Vec<u8>)> = None;
    while let Some(row) = rows.next()? {
        let (key, part): (String, Vec<u8>) = (row.get(0)?, row.get(1)?);
        graph.get_or_insert_with(|| (key, Vec::new())).1.extend_from_slice(&part);
    }
    Ok(graph)
}

fn people_of(conn: &Connection) -> Result<Vec<PersonRecord>, String> {
    rows::<PersonRecordRow>(conn)?
        .into_iter()
        .map(|row| {
            Ok(PersonRecord {
                agency: row.agency,
                record_id: row.record_id,
                given_name: row.given_name,
                family_name: row.family_name,
                date_of_birth: row.date_of_birth,
                sex: Sex::parse(&row.sex).ok_or_else(|| bad("sex"))?,
                address: row.address,
                postcode: row.postcode.map(|p| Postcode::parse(&p).ok_or_else(|| bad("postcode"))).transpose()?,
                uprn: row.uprn,
                nhs_number: row
                    .nhs_number
                    .map(|n| NhsNumber::parse(&n).ok_or_else(|| bad("NHS number")))
                    .transpose()?,
            })
        })
        .collect()
}

fn relationships_of(conn: &Connection) -> Result<Vec<Relationship>, String> {
    rows::<RelationshipRow>(conn)?
        .into_iter()
        .map(|row| {
            Ok(Relationship {
                agency: row.agency,
                from_record: row.from_record,
                kind: RelationshipKind::parse(&row.kind).ok_or_else(|| bad("relationship kind"))?,
                to_record: row.to_record,
                start_date: row.start_date,
                end_date: row.end_date,
            })
        })
        .collect()
}

fn involvements_of(conn: &Connection) -> Result<Vec<Involvement>, String> {
    rows::<InvolvementRow>(conn)?
        .into_iter()
        .map(|row| {
            Ok(Involvement {
                agency: row.agency,
                involvement_id: row.involvement_id,
                record_id: row.record_id,
                service: row.service,
                start_date: row.start_date,
                end_date: row.end_date,
                role: Role::parse(&row.role).ok_or_else(|| bad("role"))?,
            })
        })
        .collect()
}

fn read_all(conn: &Connection) -> Result<Stored, String> {
    let mut bundle = Bundle::default();
    for row in rows::<AgencyRow>(conn)? {
        bundle.agencies.push(Agency {
            code: row.agency,
            name: row.name,
            sector: Sector::parse(&row.sector).ok_or_else(|| bad("sector"))?,
            extracted_on: row.extracted_on,
        });
    }
    for row in rows::<ServiceRow>(conn)? {
        let unit_cost = match (row.unit_cost_gbp, row.cost_basis) {
            (Some(cost), Some(basis)) => Some((cost, CostBasis::parse(&basis).ok_or_else(|| bad("cost basis"))?)),
            _ => None,
        };
        bundle.services.push(Service {
            agency: row.agency,
            code: row.service,
            name: row.name,
            need: Need::parse(&row.need).ok_or_else(|| bad("need"))?,
            offending: row.offending,
            keyworker: row.keyworker,
            unit_cost,
        });
    }
    // The large tables on connections of their own, side by side.
    let clean = |e: duckdb::Error| crate::clean_duckdb_message(&e.to_string());
    let (people, relationships, involvements, ids, graph) = std::thread::scope(|scope| {
        let on_own = |conn: &Connection| conn.try_clone().map_err(clean);
        let people = {
            let conn = on_own(conn)?;
            scope.spawn(move || people_of(&conn))
        };
        let relationships = {
            let conn = on_own(conn)?;
            scope.spawn(move || relationships_of(&conn))
        };
        let involvements = {
            let conn = on_own(conn)?;
            scope.spawn(move || involvements_of(&conn))
        };
        // The ids only build the graph again: with the graph stored they
        // are read when it is (`last_load`).
        let graph = graph_of(conn).ok().flatten();
        let ids = if graph.is_some() {
            StoredIds::default()
        } else {
            StoredIds { people: rows(conn)?, families: rows(conn)? }
        };
        let joined = "a stored table's reader panicked";
        Ok::<_, String>((
            people.join().expect(joined)?,
            relationships.join().expect(joined)?,
            involvements.join().expect(joined)?,
            ids,
            graph,
        ))
    })?;
    (bundle.people, bundle.relationships, bundle.involvements) = (people, relationships, involvements);
    for row in rows::<LinkOverrideRow>(conn)? {
        bundle.overrides.push(LinkOverride {
            decision: LinkDecision::parse(&row.decision).ok_or_else(|| bad("override decision"))?,
            a: RecordKey { agency: row.agency_a, record_id: row.record_id_a },
            b: RecordKey { agency: row.agency_b, record_id: row.record_id_b },
            file: row.file,
            line: row.line,
        });
    }
    let files = file_counts(conn)?;
    let mut report = LoadReport { files, rejects: Vec::new(), warnings: Vec::new() };
    for row in rows::<LoadIssueRow>(conn)? {
        let issue = Issue { file: row.file, line: row.line, column: row.column_name, reason: row.reason };
        if row.severity == "reject" { report.rejects.push(issue) } else { report.warnings.push(issue) }
    }
    // A file written before the linkage (or the graph) was stored has no
    // such table: its server links (or builds) again.
    let linkage = conn
        .query_row("SELECT key, body FROM stored_linkage", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .ok();
    Ok(Stored { bundle, report, ids, linkage, graph })
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
