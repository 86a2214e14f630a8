//! One module per subcommand, each a `run(args, ctx)`; what several
//! share is here.

pub mod audit;
pub mod changes;
pub mod cohort;
pub mod decisions;
pub mod erase;
pub mod evaluate;
pub mod evidence;
pub mod export;
pub mod load;
pub mod outcomes;
pub mod sensitivity;
pub mod serve;
pub mod shortlist;
pub mod subject_access;
pub mod synth;
pub mod token;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use famgraph_pipeline::Snapshot;
use famgraph_pipeline::{KnownIds, Settings};

use crate::BadInput;
use crate::cli::{RecordArg, Source};
use crate::loads;

/// What every command is run with: the partnership's configuration.
pub struct Context {
    /// The score's weights and the programme rulesets.
    pub settings: Settings,
    /// What the audit review flags as unusual.
    pub watch: famgraph_governance::unusual::Watch,
}

/// What the command modules use, in one place.
mod prelude {
    pub use std::path::Path;
    pub use std::sync::Arc;

    pub use anyhow::{Context as _, bail};
    pub use famgraph_api::AppState;
    pub use famgraph_governance::{Role, Tokens};
    pub use famgraph_pipeline::{KnownIds, Snapshot};

    pub use super::{
        Context, day_arg, decided_from, default_audit_path, default_state_dir, load_either, open, open_source,
        person_of_record,
    };
    pub use crate::cli::*;
    pub(crate) use crate::{BadInput, audit_review, evaluate, loads};
}

/// The snapshot `--data` and `--db` name: a bundle (also written to the
/// database when both are given, keeping the ids the database's load
/// gave) or a database (with its own ids); `None` when neither is. A
/// bundle alone keeps the ids of `known`.
pub fn open_source(
    data: Option<&Path>,
    db: Option<&Path>,
    overrides: Option<&Path>,
    settings: &Settings,
    known: &KnownIds,
) -> anyhow::Result<Option<Snapshot>> {
    Ok(Some(match (data, db) {
        (Some(data), Some(db)) => {
            let (snapshot, _) = loads::following(data, overrides, settings, &loads::known_in(db), db)?;
            loads::save(&snapshot, db)?;
            snapshot
        }
        (Some(data), None) => loads::from_bundle(data, overrides, settings, known)?,
        (None, Some(db)) => loads::from_database(db, overrides, settings)?,
        (None, None) => return Ok(None),
    }))
}

pub fn open(source: &Source, overrides: Option<&Path>, settings: &Settings) -> anyhow::Result<Snapshot> {
    open_source(source.data.as_deref(), source.db.as_deref(), overrides, settings, &KnownIds::default())?
        .ok_or_else(|| BadInput("give --data BUNDLE or --db FILE".into()).into())
}

/// The person holding a record, or a bad-input error that names no one.
pub fn person_of_record(snapshot: &Snapshot, record: &RecordArg) -> anyhow::Result<usize> {
    famgraph_pipeline::records::person_of_record(snapshot, &record.agency, &record.record_id)
        .ok_or_else(|| BadInput(format!("agency `{}` has no record with that record id", record.agency)).into())
}

/// Where the audit trail goes when `--audit` is not given: beside the
/// database, else in the user's state folder.
pub fn default_audit_path(db: Option<&Path>) -> PathBuf {
    if let Some(db) = db {
        let mut name = db.as_os_str().to_owned();
        name.push(".audit.jsonl");
        return PathBuf::from(name);
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
    state.map_or_else(|| PathBuf::from("famgraph-audit.jsonl"), |dir| dir.join("famgraph/audit.jsonl"))
}

/// Where `serve` keeps the meeting's decisions and the linkage
/// corrections when no file is named for them: `DB.state` beside `--db`,
/// else `famgraph` in the user's state folder (beside the audit trail).
pub fn default_state_dir(db: Option<&Path>) -> PathBuf {
    if let Some(db) = db {
        let mut name = db.as_os_str().to_owned();
        name.push(".state");
        return PathBuf::from(name);
    }
    default_audit_path(None).parent().map_or_else(|| PathBuf::from("famgraph-state"), Path::to_path_buf)
}

/// A day option (`--since`, `--until`) as `YYYY-MM-DD`, or a usage error
/// saying so.
pub fn day_arg(option: &str, day: Option<String>) -> Result<Option<String>, BadInput> {
    day.map(|d| {
        famgraph_governance::decisions::day(&d)
            .ok_or_else(|| BadInput(format!("{option}: `{d}` is not a date (YYYY-MM-DD)")))
    })
    .transpose()
}

/// The meeting's decisions in `file`, matched to the load's families.
pub fn decided_from(file: &Path, snapshot: &Snapshot) -> anyhow::Result<famgraph_governance::decisions::Decided> {
    let entries = famgraph_governance::decisions::read(file)?;
    Ok(famgraph_governance::decisions::Decided::new(Arc::new(entries), snapshot))
}

/// A load from a path that is a bundle folder or a database file.
pub fn load_either(path: &Path, settings: &Settings) -> anyhow::Result<Snapshot> {
    let snapshot = if path.is_dir() {
        open_source(Some(path), None, None, settings, &KnownIds::default())?
    } else {
        open_source(None, Some(path), None, settings, &KnownIds::default())?
    };
    snapshot.ok_or_else(|| BadInput(format!("{}: nothing to load", path.display())).into())
}
