//! What the partnership meeting decided about a family: taken on for
//! whole-family working, reviewed and not taken on now, already managed
//! elsewhere, or the work closed. The shortlist is where a meeting picks
//! its nine or ten families from hundreds; this is where the pick is kept.
//!
//! Decisions live in the partnership's decisions file (`serve --decisions
//! FILE`): JSON Lines, one decision a line, appended and synced to disk,
//! never rewritten. Each names the agency records of the family's members
//! when it was made, so it follows the family into the next extract though
//! the family's id changes: a load's family carries a decision when it
//! holds more of the decision's records than any other family. The latest
//! decision a family carries is its decision now; the earlier ones are its
//! history.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use famgraph_graph::FamilyIdx;
use serde::{Deserialize, Serialize};

use famgraph_pipeline::Snapshot;

use crate::{BadRequest, Caller, DecisionsError};

/// The most characters a note may have.
const MAX_NOTE: usize = 500;

/// What the meeting decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Taken on for whole-family working: a lead professional and one plan.
    TakenOn,
    /// Reviewed, and not taken on now.
    NotNow,
    /// Already managed elsewhere (MAPPA, MARAC, IOM, a child protection
    /// plan): the partnership does not duplicate it.
    AlreadyManaged,
    /// The whole-family work has ended.
    Closed,
}

impl Decision {
    pub const ALL: [Decision; 4] = [Decision::TakenOn, Decision::NotNow, Decision::AlreadyManaged, Decision::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Decision::TakenOn => "taken_on",
            Decision::NotNow => "not_now",
            Decision::AlreadyManaged => "already_managed",
            Decision::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::TakenOn => "taken on for whole-family working",
            Decision::NotNow => "reviewed: not taken on now",
            Decision::AlreadyManaged => "already managed elsewhere",
            Decision::Closed => "whole-family work closed",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.code() == text)
    }

    fn codes() -> String {
        Decision::ALL.map(Decision::code).join(", ")
    }
}

/// An agency's record, as the decisions file names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    pub agency: String,
    pub record_id: String,
}

/// One line of the decisions file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The day it was recorded, `YYYY-MM-DD`.
    pub decided_on: String,
    pub decision: Decision,
    /// The name of the token that recorded it.
    pub by: String,
    /// The family's id in the load it was decided on, and that load's
    /// extract date: for people reading the file.
    pub family_id: String,
    pub as_of: String,
    /// Every record of the family's members then.
    pub records: Vec<RecordRef>,
    /// The agency that leads the work (a family taken on has one lead
    /// professional), when the meeting named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_agency: Option<String>,
    /// The family's needs open when it was decided (their codes): what
    /// progress is measured against.
    #[serde(default)]
    pub needs: Vec<String>,
    pub note: String,
}

/// A decision as the API shows it on a family: the records it named stay
/// in the file.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub decision: Decision,
    pub label: &'static str,
    pub decided_on: String,
    pub by: String,
    /// The agency that leads the work, if the meeting named one.
    pub lead_agency: Option<String>,
    /// The family's needs when it was decided.
    pub needs_then: Vec<String>,
    /// `None` where the caller may not read notes (shown as `null`).
    pub note: Option<String>,
    /// The family's id when it was decided (ids are each load's own).
    pub decided_as_family_id: String,
}

impl From<&Entry> for DecisionView {
    fn from(entry: &Entry) -> DecisionView {
        DecisionView {
            decision: entry.decision,
            label: entry.decision.label(),
            decided_on: entry.decided_on.clone(),
            by: entry.by.clone(),
            lead_agency: entry.lead_agency.clone(),
            needs_then: entry.needs.clone(),
            note: Some(entry.note.clone()),
            decided_as_family_id: entry.family_id.clone(),
        }
    }
}

/// The decisions that name any of a person's records (`held`: agency and
/// record id), each keeping only those: the other members' record ids are
/// theirs, not this person's. For a subject access request.
pub fn about_records<S: std::hash::BuildHasher>(entries: Vec<Entry>, held: &HashSet<(&str, &str), S>) -> Vec<Entry> {
    let holds = |r: &RecordRef| held.contains(&(r.agency.as_str(), r.record_id.as_str()));
    entries
        .into_iter()
        .filter(|e| e.records.iter().any(holds))
        .map(|mut e| {
            e.records.retain(holds);
            e
        })
        .collect()
}

/// Reads a decisions file; a line that is not a decision is an error
/// naming the line (the file is the partnership's record: nothing in it
/// is skipped).
pub fn read(file: &Path) -> Result<Vec<Entry>, DecisionsError> {
    let text = std::fs::read_to_string(file).map_err(|e| DecisionsError::io(file, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str::<Entry>(line).map_err(|e| DecisionsError::NotADecision {
                path: file.display().to_string(),
                line: n + 1,
                why: e.to_string(),
            })
        })
        .collect()
}

/// Erasure: removes one agency's records `record_ids` from every decision
/// in `file` (the decisions stay, naming the family's other records),
/// rewriting the file whole through a temporary file renamed into place.
/// Returns how many references went. A server holding the file must be
/// restarted to read it again.
pub fn erase_records<S: std::hash::BuildHasher>(
    file: &Path,
    agency: &str,
    record_ids: &HashSet<&str, S>,
) -> Result<usize, DecisionsError> {
    let mut entries = read(file)?;
    let mut removed = 0;
    for entry in &mut entries {
        let before = entry.records.len();
        entry.records.retain(|r| !(r.agency == agency && record_ids.contains(r.record_id.as_str())));
        removed += before - entry.records.len();
    }
    if removed == 0 {
        return Ok(0);
    }
    let mut text = String::new();
    for entry in &entries {
        text.push_str(&serde_json::to_string(entry).expect("a decision serialises: its maps have string keys"));
        text.push('\n');
    }
    let temporary = file.with_extension("erasing");
    let write = || -> std::io::Result<()> {
        let mut out = crate::private::options().write(true).create(true).truncate(true).open(&temporary)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temporary, file)
    };
    write().map_err(|e| DecisionsError::io(file, e))?;
    Ok(removed)
}

/// The decisions file a server appends to, and its decisions in memory.
pub struct Book {
    file: PathBuf,
    /// Held while a decision is written: one at a time, in file order.
    writing: Mutex<()>,
    entries: Mutex<Arc<Vec<Entry>>>,
    /// The decisions matched to the served load, kept until either changes.
    matched: Mutex<Option<Matched>>,
}

struct Matched {
    snapshot: Arc<Snapshot>,
    entries: Arc<Vec<Entry>>,
    decided: Arc<Decided>,
}

impl Book {
    /// Opens (creating it if missing) and reads the decisions file.
    pub fn open(file: &Path) -> Result<Book, DecisionsError> {
        if !file.exists() {
            crate::private::create_with(file, "").map_err(|e| DecisionsError::io(file, e))?;
        }
        let entries = read(file)?;
        Ok(Book {
            file: file.to_owned(),
            writing: Mutex::new(()),
            entries: Mutex::new(Arc::new(entries)),
            matched: Mutex::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.file
    }

    /// Appends a decision to the file, synced, then to memory: a decision
    /// the file does not hold is never shown.
    pub fn record(&self, entry: Entry) -> std::io::Result<()> {
        // Readers go on with the decisions before this one while it is
        // written and synced.
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut out = crate::private::options().create(true).append(true).open(&self.file)?;
        out.write_all(line.as_bytes())?;
        out.sync_all()?;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Vec::clone(&entries);
        next.push(entry);
        *entries = Arc::new(next);
        Ok(())
    }

    /// The decisions matched to `snapshot`'s families, worked out once per
    /// load and per change to the decisions.
    pub fn decided(&self, snapshot: &Arc<Snapshot>) -> Arc<Decided> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mut matched = self.matched.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(m) = &*matched
            && Arc::ptr_eq(&m.snapshot, snapshot)
            && Arc::ptr_eq(&m.entries, &entries)
        {
            return m.decided.clone();
        }
        let decided = Arc::new(Decided::new(entries.clone(), snapshot));
        *matched = Some(Matched { snapshot: snapshot.clone(), entries, decided: decided.clone() });
        decided
    }
}

/// The decisions carried by one load's families.
#[derive(Default)]
pub struct Decided {
    entries: Arc<Vec<Entry>>,
    /// Per family, indices into `entries`, oldest first.
    of_family: HashMap<FamilyIdx, Vec<usize>>,
    /// Per entry, the families of the load carrying it.
    families_of: Vec<Vec<FamilyIdx>>,
}

impl Decided {
    /// Matches each decision to the family of `snapshot` holding most of
    /// its records (every such family, when two hold equally many: a
    /// family split in two since keeps the decision on both halves for a
    /// person to review).
    pub fn new(entries: Arc<Vec<Entry>>, snapshot: &Snapshot) -> Decided {
        let graph = &snapshot.graph;
        let wanted: HashSet<(&str, &str)> =
            entries.iter().flat_map(|e| &e.records).map(|r| (r.agency.as_str(), r.record_id.as_str())).collect();
        let mut family_of: HashMap<(&str, &str), FamilyIdx> = HashMap::with_capacity(wanted.len());
        for (idx, record) in graph.bundle.people.iter().enumerate() {
            let key = (record.agency.as_str(), record.record_id.as_str());
            if wanted.contains(&key) {
                family_of.insert(key, graph.people[graph.linkage.person_of[idx] as usize].family);
            }
        }
        let mut of_family: HashMap<FamilyIdx, Vec<usize>> = HashMap::new();
        let mut families_of = vec![Vec::new(); entries.len()];
        for (e, entry) in entries.iter().enumerate() {
            let mut held: HashMap<FamilyIdx, usize> = HashMap::new();
            for r in &entry.records {
                if let Some(&family) = family_of.get(&(r.agency.as_str(), r.record_id.as_str())) {
                    *held.entry(family).or_default() += 1;
                }
            }
            let most = held.values().copied().max().unwrap_or(0);
            for (family, n) in held {
                if n == most {
                    of_family.entry(family).or_default().push(e);
                    families_of[e].push(family);
                }
            }
            families_of[e].sort_unstable();
        }
        Decided { entries, of_family, families_of }
    }

    /// Every decision, newest first, with the families of the load that
    /// carry it (none when no family holds its records any more).
    pub fn newest_first(&self) -> impl Iterator<Item = (&Entry, &[FamilyIdx])> {
        self.entries.iter().zip(&self.families_of).rev().map(|(e, f)| (e, f.as_slice()))
    }

    /// The family's decision now: the latest it carries.
    pub fn latest(&self, family: FamilyIdx) -> Option<&Entry> {
        self.of_family.get(&family).and_then(|list| list.last()).map(|&e| &self.entries[e])
    }

    /// Every decision the family carries, oldest first.
    pub fn history(&self, family: FamilyIdx) -> impl Iterator<Item = &Entry> {
        self.of_family.get(&family).into_iter().flatten().map(|&e| &self.entries[e])
    }

    /// Each family carrying a decision, with its decision now: only the
    /// decided families, not every family of the load.
    pub fn now(&self) -> impl Iterator<Item = (FamilyIdx, &Entry)> {
        self.of_family.iter().filter_map(|(&family, list)| list.last().map(|&e| (family, &self.entries[e])))
    }
}

/// A day as `YYYY-MM-DD`, if `text` is one: the form decisions are dated
/// in, so they compare as text.
pub fn day(text: &str) -> Option<String> {
    famgraph_model::Date::parse(text).map(|d| d.to_string())
}

/// A family not taken on is looked at again this long after.
pub const REVIEW_AFTER_DAYS: i32 = 182;

/// Which families a shortlist filter on decisions keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionFilter {
    /// No decision yet: what the meeting has still to review.
    Undecided,
    /// Any decision.
    Decided,
    Is(Decision),
    /// Not taken on, and since then a need the family did not have, or
    /// six months gone: back on the meeting's agenda.
    ReviewDue,
}

impl DecisionFilter {
    pub fn parse(text: &str) -> Result<DecisionFilter, BadRequest> {
        match text {
            "undecided" => Ok(DecisionFilter::Undecided),
            "decided" => Ok(DecisionFilter::Decided),
            "review_due" => Ok(DecisionFilter::ReviewDue),
            code => Decision::parse(code).map(DecisionFilter::Is).ok_or_else(|| {
                BadRequest(format!(
                    "unknown decision `{code}`: use undecided, decided, review_due, {}",
                    Decision::codes()
                ))
            }),
        }
    }

    /// Whether a family whose latest decision is `now`, and whose current
    /// needs are `needs` (codes), passes on `today`.
    pub fn keeps<'n>(
        self,
        now: Option<&Entry>,
        mut needs: impl Iterator<Item = &'n str>,
        today: famgraph_model::Date,
    ) -> bool {
        match self {
            DecisionFilter::Undecided => now.is_none(),
            DecisionFilter::Decided => now.is_some(),
            DecisionFilter::Is(d) => now.is_some_and(|e| e.decision == d),
            DecisionFilter::ReviewDue => now.is_some_and(|e| {
                let long_ago = famgraph_model::Date::parse(&e.decided_on)
                    .is_some_and(|on| today.days() - on.days() >= REVIEW_AFTER_DAYS);
                e.decision == Decision::NotNow && (long_ago || needs.any(|n| !e.needs.iter().any(|m| m == n)))
            }),
        }
    }
}

/// `POST /api/v1/families/{family_id}/decision`'s body.
#[derive(Debug, Deserialize)]
pub struct Request {
    pub decision: String,
    /// The agency that leads the work (its code): optional.
    #[serde(default)]
    pub lead_agency: Option<String>,
    /// Why, or what was agreed: optional.
    #[serde(default)]
    pub note: String,
}

impl Request {
    /// The entry to record for `family` of `snapshot`, signed by the caller.
    pub fn entry(
        &self,
        snapshot: &Snapshot,
        family: FamilyIdx,
        caller: &Caller,
        today: famgraph_model::Date,
    ) -> Result<Entry, BadRequest> {
        let decision = Decision::parse(self.decision.trim())
            .ok_or_else(|| BadRequest(format!("`decision` must be one of {}", Decision::codes())))?;
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(BadRequest(format!("`note` may have at most {MAX_NOTE} characters")));
        }
        let graph = &snapshot.graph;
        let lead_agency = match self.lead_agency.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(code) if graph.bundle.agencies.iter().any(|a| a.code == code) => Some(code.to_owned()),
            Some(_) => {
                return Err(BadRequest("`lead_agency` is not one of the partnership's agencies".into()));
            }
        };
        let records = graph.families[family]
            .members
            .iter()
            .flat_map(|&p| &graph.people[p].records)
            .map(|&r| {
                let record = &graph.bundle.people[r];
                RecordRef { agency: record.agency.clone(), record_id: record.record_id.clone() }
            })
            .collect();
        Ok(Entry {
            decided_on: today.to_string(),
            decision,
            by: caller.name.clone(),
            family_id: graph.families[family].id.clone(),
            as_of: snapshot.analysis.as_of.to_string(),
            records,
            lead_agency,
            needs: snapshot.analysis.families[family].needs_now.keys().map(|n| n.code().to_owned()).collect(),
            note: note.replace(['\r', '\n'], " "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.code()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.code());
            assert_eq!(DecisionFilter::parse(d.code()).unwrap(), DecisionFilter::Is(d));
        }
        assert!(DecisionFilter::parse("maybe").is_err());
        let entry = |decision: Decision, decided_on: &str| Entry {
            decided_on: decided_on.into(),
            decision,
            by: "cora".into(),
            family_id: "F00001".into(),
            as_of: "2026-10-31".into(),
            records: Vec::new(),
            lead_agency: None,
            needs: vec!["crime".into(), "housing".into()],
            note: String::new(),
        };
        let today = famgraph_model::Date::parse("2026-11-26").unwrap();
        let keeps = |filter: DecisionFilter, now: Option<&Entry>, needs: &[&str]| {
            filter.keeps(now, needs.iter().copied(), today)
        };
        let not_now = entry(Decision::NotNow, "2026-11-01");
        let closed = entry(Decision::Closed, "2026-11-01");
        assert!(keeps(DecisionFilter::Undecided, None, &[]));
        assert!(!keeps(DecisionFilter::Undecided, Some(&not_now), &[]));
        assert!(keeps(DecisionFilter::Decided, Some(&closed), &[]));
        assert!(!keeps(DecisionFilter::Is(Decision::TakenOn), Some(&closed), &[]));
        // Review: not taken on, and a new need since, or six months on.
        assert!(!keeps(DecisionFilter::ReviewDue, Some(&not_now), &["crime"]));
        assert!(keeps(DecisionFilter::ReviewDue, Some(&not_now), &["crime", "domestic_abuse"]));
        assert!(keeps(DecisionFilter::ReviewDue, Some(&entry(Decision::NotNow, "2026-05-01")), &["crime"]));
        assert!(!keeps(DecisionFilter::ReviewDue, Some(&entry(Decision::Closed, "2025-01-01")), &["health"]));
        assert!(!keeps(DecisionFilter::ReviewDue, None, &["health"]));
    }

    #[test]
    fn decisions_recorded_at_once_are_all_kept_whole() {
        let dir = std::env::temp_dir().join(format!("famgraph-decisions-many-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("decisions.jsonl");
        let book = Book::open(&file).unwrap();
        let entry = |n: usize| Entry {
            decided_on: "2026-11-26".into(),
            decision: Decision::NotNow,
            by: format!("coordinator {n}"),
            family_id: format!("F{n:05}"),
            as_of: "2026-10-31".into(),
            records: vec![RecordRef { agency: "police".into(), record_id: format!("P{n}") }],
            lead_agency: None,
            needs: vec!["crime".into()],
            note: "x".repeat(400),
        };
        std::thread::scope(|scope| {
            for t in 0..8 {
                let book = &book;
                scope.spawn(move || {
                    for i in 0..20 {
                        book.record(entry(t * 100 + i)).unwrap();
                    }
                });
            }
        });
        let on_disk = read(&file).unwrap();
        assert_eq!(on_disk.len(), 160);
        let in_memory = book.entries.lock().unwrap().clone();
        let ids = |list: &[Entry]| list.iter().map(|e| e.family_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&in_memory), ids(&on_disk), "memory and file in the same order");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bad_line_is_named() {
        let dir = std::env::temp_dir().join(format!("famgraph-decisions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("decisions.jsonl");
        let good = r#"{"decided_on":"2026-11-26","decision":"taken_on","by":"cora","family_id":"F000001","as_of":"2026-10-31","records":[{"agency":"police","record_id":"P1"}],"note":""}"#;
        std::fs::write(&file, format!("{good}\n\n{{\"decision\":\"perhaps\"}}\n")).unwrap();
        let error = read(&file).unwrap_err();
        assert!(error.is_bad_input(), "a line that is not a decision is the file's fault: {error}");
        assert!(error.to_string().contains("decisions.jsonl line 3: not a decision"), "{error}");
        let missing = read(&dir.join("no-such-file.jsonl")).unwrap_err();
        assert!(missing.is_bad_input(), "a file named that is not there is a usage error: {missing}");
        let unreadable = read(&dir).unwrap_err();
        assert!(!unreadable.is_bad_input(), "a file that cannot be read is the machine's fault: {unreadable}");
        std::fs::write(&file, format!("{good}\n")).unwrap();
        let book = Book::open(&file).unwrap();
        assert_eq!(book.entries.lock().unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
