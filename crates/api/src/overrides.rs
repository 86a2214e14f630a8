//! A person corrects the linkage: `POST /api/v1/overrides` appends a
//! must-link or cannot-link decision about two records to the
//! partnership's overrides file (`serve --overrides FILE`), signed with
//! the token's name and the day, then reloads, so the correction shows at
//! once and is applied on every later load of every later extract.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use famgraph_model::LinkDecision;
use serde::Deserialize;

use famgraph_governance::Caller;
use famgraph_pipeline::Snapshot;

use crate::ApiError;

/// The overrides file's header, as `--overrides` reads it.
pub const HEADER: &str = "decision,agency_a,record_id_a,agency_b,record_id_b,note\n";
/// The most characters a note may have.
const MAX_NOTE: usize = 500;

#[derive(Debug, Deserialize)]
pub struct Request {
    /// `must_link` or `cannot_link`.
    pub decision: String,
    pub agency_a: String,
    pub record_id_a: String,
    pub agency_b: String,
    pub record_id_b: String,
    /// Why: what the person who decided knows.
    pub note: String,
}

/// A checked request: both records are in the served load.
pub struct Checked {
    decision: LinkDecision,
    records: [usize; 2],
    request: Request,
}

impl Checked {
    pub fn check(request: Request, snapshot: &Snapshot) -> Result<Checked, ApiError> {
        let decision = LinkDecision::parse(request.decision.trim())
            .ok_or_else(|| ApiError::BadRequest("`decision` must be must_link or cannot_link".into()))?;
        let find = |agency: &str, id: &str, which: &str| {
            snapshot
                .graph
                .bundle
                .people
                .iter()
                .position(|r| r.agency == agency.trim() && r.record_id == id.trim())
                .ok_or_else(|| ApiError::NotFound(format!("no record `{which}` with that agency and record_id")))
        };
        let records =
            [find(&request.agency_a, &request.record_id_a, "a")?, find(&request.agency_b, &request.record_id_b, "b")?];
        if records[0] == records[1] {
            return Err(ApiError::BadRequest("records a and b are the same record".into()));
        }
        // One decision per pair: a second would be rejected on load.
        let people = &snapshot.graph.bundle.people;
        let key = |r: usize| (people[r].agency.as_str(), people[r].record_id.as_str());
        let pair = [key(records[0]), key(records[1])];
        let decided = snapshot.graph.bundle.overrides.iter().any(|o| {
            let (a, b) = ((o.a.agency.as_str(), o.a.record_id.as_str()), (o.b.agency.as_str(), o.b.record_id.as_str()));
            pair == [a, b] || pair == [b, a]
        });
        if decided {
            return Err(ApiError::Conflict(
                "an override in the partnership's file already decides these two records: change it there",
            ));
        }
        let note = request.note.trim();
        if note.is_empty() || note.chars().count() > MAX_NOTE {
            return Err(ApiError::BadRequest(format!("`note` must say why, in 1 to {MAX_NOTE} characters")));
        }
        Ok(Checked { decision, records, request })
    }

    /// The families holding the two records in `snapshot`.
    pub fn family_ids(&self, snapshot: &Snapshot) -> Vec<String> {
        let graph = &snapshot.graph;
        let mut ids: Vec<String> = self
            .records
            .iter()
            .map(|&r| graph.families[graph.people[graph.linkage.person_of[r] as usize].family].id.clone())
            .collect();
        ids.dedup();
        ids
    }

    /// Appends the decision to `file` (with the header if the file is new
    /// or empty), signed by the caller, and syncs it to disk.
    pub fn append(&self, file: &Path, caller: &Caller, today: famgraph_model::Date) -> std::io::Result<()> {
        let r = &self.request;
        let note = format!("{} ({}, {today})", r.note.trim().replace(['\r', '\n'], " "), caller.name);
        let mut line = String::new();
        crate::csv_out::push_row(
            &mut line,
            &[
                self.decision.code(),
                r.agency_a.trim(),
                r.record_id_a.trim(),
                r.agency_b.trim(),
                r.record_id_b.trim(),
                note.as_str(),
            ],
        );
        // Read to see how the file ends; every write goes to its end.
        let mut out = famgraph_governance::private::options().create(true).read(true).append(true).open(file)?;
        if out.metadata()?.len() == 0 {
            out.write_all(HEADER.as_bytes())?;
        } else {
            let mut last = [0u8];
            out.seek(SeekFrom::End(-1))?;
            out.read_exact(&mut last)?;
            if last[0] != b'\n' {
                out.write_all(b"\n")?;
            }
        }
        out.write_all(line.as_bytes())?;
        out.sync_all()
    }
}
