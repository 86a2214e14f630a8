//! The audit trail: every request that returns person-level data, and
//! every one refused for its role, as one JSON line appended to a file.
//!
//! No API call can alter it: the server only ever appends, the file is
//! opened in append mode, and the admin endpoint only reads. A request
//! whose entry cannot be written fails (500) rather than serve data
//! unrecorded. Entries name the token, never its secret, and the families
//! or households served by id, never a person's details; DuckDB reads the
//! file as a table (`SELECT * FROM read_json('audit.jsonl')`).

use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::{ApiError, Caller};

/// One audited request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
    /// The name the token was created with.
    pub token: String,
    pub role: String,
    /// The path asked for, without the query string.
    pub endpoint: String,
    /// `served` or `denied`.
    pub outcome: String,
    /// The families whose data was served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub family_ids: Vec<String>,
    /// The households whose ids were served (the overlap view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub household_ids: Vec<String>,
}

/// The append-only audit file of a running server.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating if need be) the audit file for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog { path: path.to_owned(), file: Mutex::new(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and syncs it to disk before the data is served.
    pub(crate) fn record(
        &self,
        caller: &Caller,
        endpoint: &str,
        served: bool,
        family_ids: Vec<String>,
        household_ids: Vec<String>,
    ) -> Result<(), ApiError> {
        let entry = AuditEntry {
            at: utc_now(),
            token: caller.name.clone(),
            role: caller.role.code().to_owned(),
            endpoint: endpoint.to_owned(),
            outcome: if served { "served" } else { "denied" }.to_owned(),
            family_ids,
            household_ids,
        };
        let mut line = serde_json::to_vec(&entry).map_err(|e| ApiError::Internal(format!("audit entry: {e}")))?;
        line.push(b'\n');
        // A poisoned lock still guards a file that only ever grows.
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| ApiError::Internal(format!("audit trail write failed, request refused: {e}")))
    }
}

/// Reads every entry of an audit file, oldest first. A line that is not an
/// entry is an error naming its line: the file was altered.
pub fn read(path: &Path) -> Result<Vec<AuditEntry>, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut entries = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry = serde_json::from_str(&line)
            .map_err(|_| format!("{} line {}: not an audit entry: the file was altered", path.display(), n + 1))?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The time now, UTC, to the second.
fn utc_now() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i32::try_from(seconds / 86_400).unwrap_or(i32::MAX);
    let rest = seconds % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", famgraph_model::Date::from_days(days), rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    #[test]
    fn entries_append_and_read_back() {
        let dir = std::env::temp_dir().join(format!("famgraph-audit-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let caller = Caller { name: "alice".into(), role: Role::Coordinator };
        {
            let log = AuditLog::open(&path).unwrap();
            log.record(&caller, "/api/v1/families/F1", true, vec!["F1".into()], vec![]).unwrap();
        }
        // A second server appends to the same file.
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/evidence", false, vec![], vec![]).unwrap();
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (entries[0].family_ids.as_slice(), entries[0].outcome.as_str()),
            (["F1".to_owned()].as_slice(), "served")
        );
        assert_eq!(entries[1].outcome, "denied");
        assert_eq!(entries[0].at.len(), "2026-01-01T00:00:00Z".len());
        std::fs::write(&path, "not json\n").unwrap();
        assert!(read(&path).unwrap_err().contains("line 1"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
