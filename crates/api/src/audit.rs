//! The audit trail: every request that returns person-level data, and
//! every one refused for its role, as one JSON line appended to a file.
//!
//! No API call can alter it: the server only ever appends, the file is
//! opened in append mode, and the admin endpoint only reads. A request
//! whose entry cannot be written fails (500) rather than serve data
//! unrecorded. Entries name the token, never its secret, and the families
//! or households served by id, never a person's details; DuckDB reads the
//! file as a table (`SELECT * FROM read_json('audit.jsonl')`).
//!
//! Each entry carries the SHA-256 of the line before it (`prev`), so an
//! entry edited or removed on disk breaks the chain at the next one, and
//! reading the file (`famgraph audit`, the admin endpoint) says where.
//! Cutting entries off the end, or rewriting the whole file with a fresh
//! chain, leaves no break: the [`Anchor`] (how many entries, and the link
//! to the last) noted elsewhere at each review shows it at the next.
//! One server appends to one file.

use std::fs::File;
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
    /// The fingerprint of the load whose ids the entry names
    /// (`load_fingerprint`); empty in entries written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub load: String,
    /// SHA-256 (hex) of the previous line as written; empty for the first.
    pub prev: String,
}

/// A load's fingerprint: the SHA-256 (hex, first 16 digits) of every
/// family's id with the records of its members. Family ids are numbered
/// per load, so an audit entry's ids mean something only against the load
/// with its fingerprint: the same extract and corrections give the same
/// one, on any machine.
pub fn load_fingerprint(graph: &famgraph_graph::FamilyGraph) -> String {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for family in &graph.families {
        hash.update(family.id.as_bytes());
        for &person in &family.members {
            for &r in &graph.people[person].records {
                let record = &graph.bundle.people[r];
                hash.update([0x1f]);
                hash.update(record.agency.as_bytes());
                hash.update([0x1e]);
                hash.update(record.record_id.as_bytes());
            }
        }
        hash.update([b'\n']);
    }
    crate::auth::hex(&hash.finalize()[..8])
}

/// The last line of a file that is not blank, without its newline, read
/// from the end: a year's trail is hundreds of megabytes.
fn last_line(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut file = File::open(path)?;
    let size = file.seek(SeekFrom::End(0))?;
    let mut chunk = 1 << 16;
    loop {
        let start = size.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        (&mut file).take(size - start).read_to_end(&mut tail)?;
        let mut lines = tail.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty());
        let last = lines.next_back();
        // The line is whole if a line came before it in the chunk, or the
        // chunk begins the file; else read a bigger one.
        if start == 0 || (last.is_some() && lines.next_back().is_some()) {
            return Ok(last.map(|l| trim_newline(l).to_vec()));
        }
        chunk *= 4;
    }
}

/// The chain link to a line: its SHA-256 in hex.
fn link(line: &[u8]) -> String {
    crate::auth::sha256_hex(line)
}

/// The append-only audit file of a running server.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// The file, and the link to its last line.
    file: Mutex<(File, String)>,
}

impl AuditLog {
    /// Opens (creating if need be) the audit file for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_dir_all(dir)?;
        }
        let file = crate::private::options().create(true).append(true).open(path)?;
        let last = last_line(path)?.map_or_else(String::new, |line| link(&line));
        Ok(AuditLog { path: path.to_owned(), file: Mutex::new((file, last)) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and syncs it to disk before the data is served;
    /// returns it.
    pub(crate) fn record(
        &self,
        caller: &Caller,
        endpoint: &str,
        served: bool,
        (family_ids, household_ids): (Vec<String>, Vec<String>),
        load: &str,
    ) -> Result<AuditEntry, ApiError> {
        // A poisoned lock still guards a file that only ever grows.
        let mut held = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (file, last) = &mut *held;
        let entry = AuditEntry {
            at: utc_now(),
            token: caller.name.clone(),
            role: caller.role.code().to_owned(),
            endpoint: endpoint.to_owned(),
            outcome: if served { "served" } else { "denied" }.to_owned(),
            family_ids,
            household_ids,
            load: load.to_owned(),
            prev: last.clone(),
        };
        let mut line = serde_json::to_vec(&entry).map_err(|e| ApiError::Internal(format!("audit entry: {e}")))?;
        let next = link(&line);
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| ApiError::Internal(format!("audit trail write failed, request refused: {e}")))?;
        *last = next;
        Ok(entry)
    }
}

/// A point in a trail: how many entries it had, and the link to the last
/// of them (the first 16 hex digits of its SHA-256), written `N:LINK`. A
/// trail still holds an anchor taken from it earlier unless it was cut
/// back or rewritten up to that entry, which the chain alone cannot show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub entries: usize,
    pub link: String,
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.entries, self.link)
    }
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Anchor, String> {
        let bad = || format!("`{text}` is not an anchor: give the N:LINK `famgraph audit` printed");
        let (entries, link) = text.split_once(':').ok_or_else(bad)?;
        let entries = entries.parse().map_err(|_| bad())?;
        if link.len() != ANCHOR_DIGITS || !link.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Anchor { entries, link: link.to_ascii_lowercase() })
    }
}

const ANCHOR_DIGITS: usize = 16;

impl Anchor {
    /// The anchor of a trail with no entries.
    fn empty() -> Anchor {
        Anchor { entries: 0, link: "0".repeat(ANCHOR_DIGITS) }
    }
}

impl Serialize for Anchor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads an audit file entry by entry, oldest first, checking the chain
/// (a line that is not an entry, or whose `prev` is not the link to the
/// line before, is an error naming its line: the file was altered), and
/// hands each to `each` with the byte offset of its
/// line ([`read_at`] reads it again), holding one entry at a time: a
/// year's trail is a million entries or more. Returns the anchor at its
/// end. A missing file holds none.
pub fn scan(path: &Path, mut each: impl FnMut(u64, AuditEntry)) -> Result<Anchor, String> {
    scan_anchored(path, None, &mut each)
}

/// [`scan`], also checking that the trail holds `anchor`: an error if it
/// has fewer entries, or another entry where the anchor's was.
pub fn scan_holding(path: &Path, anchor: &Anchor, mut each: impl FnMut(u64, AuditEntry)) -> Result<Anchor, String> {
    scan_anchored(path, Some(anchor), &mut each)
}

fn scan_anchored(
    path: &Path,
    holding: Option<&Anchor>,
    each: &mut dyn FnMut(u64, AuditEntry),
) -> Result<Anchor, String> {
    let end = scan_lines(path, &mut |offset, entry, count, link| {
        if let Some(anchor) = holding.filter(|a| a.entries == count)
            && !link.starts_with(&anchor.link)
        {
            return Err(format!(
                "{}: entry {count} is not the one anchor {anchor} was taken at: the trail was rewritten up to it",
                path.display()
            ));
        }
        each(offset, entry);
        Ok(())
    })?;
    if let Some(anchor) = holding.filter(|a| a.entries > end.entries) {
        return Err(format!(
            "{}: {} entries, fewer than the {} of anchor {anchor}: the trail was cut back",
            path.display(),
            end.entries,
            anchor.entries
        ));
    }
    Ok(end)
}

type EachLine<'a> = dyn FnMut(u64, AuditEntry, usize, &str) -> Result<(), String> + 'a;

fn scan_lines(path: &Path, each: &mut EachLine<'_>) -> Result<Anchor, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Anchor::empty()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let (mut line, mut last, mut at, mut count) = (Vec::new(), String::new(), 0u64, 0);
    for n in 1.. {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| format!("{}: {e}", path.display()))?;
        if read == 0 {
            break;
        }
        let start = at;
        at += read as u64;
        let text = trim_newline(&line);
        if text.trim_ascii().is_empty() {
            continue;
        }
        let entry: AuditEntry = serde_json::from_slice(text)
            .map_err(|_| format!("{} line {n}: not an audit entry: the file was altered", path.display()))?;
        if entry.prev != last {
            return Err(format!(
                "{} line {n}: the chain breaks here: the entry before it was changed or removed",
                path.display()
            ));
        }
        last = link(text);
        count += 1;
        each(start, entry, count, &last)?;
    }
    if count == 0 {
        return Ok(Anchor::empty());
    }
    Ok(Anchor { entries: count, link: last[..ANCHOR_DIGITS].to_owned() })
}

/// The entries whose lines start at `offsets` (from [`scan`]), in that
/// order.
pub fn read_at(path: &Path, offsets: &[u64]) -> Result<Vec<AuditEntry>, String> {
    use std::io::{Seek as _, SeekFrom};
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut reader = BufReader::new(File::open(path).map_err(|e| fail(&e))?);
    let mut line = Vec::new();
    offsets
        .iter()
        .map(|&offset| {
            reader.seek(SeekFrom::Start(offset)).map_err(|e| fail(&e))?;
            line.clear();
            reader.read_until(b'\n', &mut line).map_err(|e| fail(&e))?;
            serde_json::from_slice(trim_newline(&line)).map_err(|e| fail(&e))
        })
        .collect()
}

/// A line without its `\n` (or `\r\n`).
fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Which entries a review lists: one token's requests, the requests that
/// served one family, those from a day on, or the refusals only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    pub token: Option<String>,
    pub family: Option<String>,
    /// `YYYY-MM-DD`: entries on or after that day (UTC).
    pub since: Option<String>,
    /// `YYYY-MM-DD`: entries on or before that day (UTC).
    pub until: Option<String>,
    pub denied_only: bool,
}

impl Review {
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        self.token.as_ref().is_none_or(|t| &entry.token == t)
            && self.family.as_ref().is_none_or(|f| entry.family_ids.contains(f))
            && self.since.as_ref().is_none_or(|d| entry.at.as_str() >= d.as_str())
            && self.until.as_ref().is_none_or(|d| entry.at.get(..10).is_some_and(|day| day <= d.as_str()))
            && (!self.denied_only || entry.outcome == "denied")
    }
}

/// One token's use of the service over the entries reviewed: what an
/// information governance lead looks at first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenUse {
    pub token: String,
    /// The role of its latest entry.
    pub role: String,
    pub requests: usize,
    pub denied: usize,
    /// Distinct families whose data it was served.
    pub families: usize,
    pub first: String,
    pub last: String,
}

/// Each token's use, the widest reach first: most families, then most
/// requests.
pub fn by_token<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Vec<TokenUse> {
    let mut usage = Usage::default();
    for e in entries {
        usage.add(e);
    }
    usage.finish()
}

/// [`by_token`], an entry at a time.
#[derive(Debug, Default)]
pub struct Usage {
    numbers: FamilyNumbers,
    /// Per token, its use so far and the families it was served.
    seen: std::collections::HashMap<String, (TokenUse, FamilySet)>,
}

impl Usage {
    pub fn add(&mut self, e: &AuditEntry) {
        let (usage, served) = of_token(&mut self.seen, &e.token, || {
            let usage = TokenUse {
                token: e.token.clone(),
                role: e.role.clone(),
                requests: 0,
                denied: 0,
                families: 0,
                first: e.at.clone(),
                last: e.at.clone(),
            };
            (usage, FamilySet::default())
        });
        usage.requests += 1;
        usage.denied += usize::from(e.outcome == "denied");
        usage.role.clone_from(&e.role);
        usage.last.clone_from(&e.at);
        if e.outcome == "served" {
            for family in &e.family_ids {
                served.insert(self.numbers.of(family));
            }
        }
    }

    pub fn finish(self) -> Vec<TokenUse> {
        let mut out: Vec<TokenUse> = self
            .seen
            .into_values()
            .map(|(mut usage, served)| {
                usage.families = served.len();
                usage
            })
            .collect();
        out.sort_by(|a, b| b.families.cmp(&a.families).then(b.requests.cmp(&a.requests)).then(a.token.cmp(&b.token)));
        out
    }
}

/// A token's value in `map`, made by `make` the first time: the token's
/// name copied once, not once an entry.
pub(crate) fn of_token<'m, V>(
    map: &'m mut std::collections::HashMap<String, V>,
    token: &str,
    make: impl FnOnce() -> V,
) -> &'m mut V {
    if !map.contains_key(token) {
        map.insert(token.to_owned(), make());
    }
    map.get_mut(token).expect("inserted above")
}

/// Family ids numbered as first seen, so that the sets of families a
/// review counts over a million entries are bits, not strings.
#[derive(Debug, Default)]
pub(crate) struct FamilyNumbers(std::collections::HashMap<String, usize>);

impl FamilyNumbers {
    pub(crate) fn of(&mut self, family: &str) -> usize {
        if let Some(&n) = self.0.get(family) {
            return n;
        }
        let n = self.0.len();
        self.0.insert(family.to_owned(), n);
        n
    }
}

/// A set of [`FamilyNumbers`].
#[derive(Debug, Default, Clone)]
pub(crate) struct FamilySet(Vec<u64>);

impl FamilySet {
    pub(crate) fn insert(&mut self, n: usize) {
        if self.0.len() <= n / 64 {
            self.0.resize(n / 64 + 1, 0);
        }
        self.0[n / 64] |= 1 << (n % 64);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }
}

/// One request that served a family's data: for a subject access
/// request, who the person's data was disclosed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub at: String,
    pub token: String,
    pub role: String,
    pub endpoint: String,
}

/// The requests of this load (`load`, its fingerprint) that served
/// `family`, oldest first; and how many entries name families of other
/// loads, whose ids this load's do not match. Reads the trail an entry at
/// a time.
pub fn seen_by(path: &Path, family: &str, load: &str) -> Result<(Vec<Recipient>, usize), String> {
    let (mut seen, mut other_loads) = (Vec::new(), 0);
    scan(path, |_, e| {
        if e.outcome != "served" || e.family_ids.is_empty() {
            return;
        }
        if e.load != load {
            other_loads += 1;
        } else if e.family_ids.iter().any(|f| f == family) {
            seen.push(Recipient { at: e.at, token: e.token, role: e.role, endpoint: e.endpoint });
        }
    })?;
    Ok((seen, other_loads))
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

    /// Every entry, oldest first.
    fn read(path: &Path) -> Result<Vec<AuditEntry>, String> {
        let mut entries = Vec::new();
        scan(path, |_, entry| entries.push(entry))?;
        Ok(entries)
    }

    fn entry(at: &str, token: &str, outcome: &str, families: &[&str]) -> AuditEntry {
        AuditEntry {
            at: at.into(),
            token: token.into(),
            role: "coordinator".into(),
            endpoint: "/api/v1/families/{family_id}".into(),
            outcome: outcome.into(),
            family_ids: families.iter().map(|&f| f.to_owned()).collect(),
            household_ids: vec![],
            load: String::new(),
            prev: String::new(),
        }
    }

    #[test]
    fn a_review_lists_and_sums_what_was_asked() {
        let entries = [
            entry("2026-01-01T09:00:00Z", "carol", "served", &["F1", "F2"]),
            entry("2026-02-01T09:00:00Z", "carol", "served", &["F2"]),
            entry("2026-02-02T23:00:00Z", "dave", "denied", &[]),
            entry("2026-03-01T09:00:00Z", "dave", "served", &["F3"]),
        ];
        let listed =
            |review: &Review| entries.iter().filter(|e| review.matches(e)).map(|e| e.at.as_str()).collect::<Vec<_>>();
        assert_eq!(listed(&Review { token: Some("dave".into()), ..Review::default() }).len(), 2);
        assert_eq!(listed(&Review { family: Some("F2".into()), ..Review::default() }).len(), 2);
        assert_eq!(listed(&Review { since: Some("2026-02-02".into()), ..Review::default() }).len(), 2);
        // A closed period: February, its last day included.
        let february =
            Review { since: Some("2026-02-01".into()), until: Some("2026-02-02".into()), ..Review::default() };
        assert_eq!(listed(&february), ["2026-02-01T09:00:00Z", "2026-02-02T23:00:00Z"]);
        assert_eq!(listed(&Review { denied_only: true, ..Review::default() }), ["2026-02-02T23:00:00Z"]);
        let usage = by_token(&entries);
        assert_eq!(
            usage.iter().map(|u| (u.token.as_str(), u.requests, u.denied, u.families)).collect::<Vec<_>>(),
            [("carol", 2, 0, 2), ("dave", 2, 1, 1)]
        );
        assert_eq!((usage[1].first.as_str(), usage[1].last.as_str()), ("2026-02-02T23:00:00Z", "2026-03-01T09:00:00Z"));
    }

    #[test]
    fn entries_append_and_read_back() {
        let dir = std::env::temp_dir().join(format!("famgraph-audit-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let caller = Caller { name: "alice".into(), role: Role::Coordinator };
        {
            let log = AuditLog::open(&path).unwrap();
            log.record(&caller, "/api/v1/families/F1", true, (vec!["F1".into()], vec![]), "l1").unwrap();
        }
        // A second server appends to the same file.
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/evidence", false, (vec![], vec![]), "l1").unwrap();
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 2);
        // Scanned an entry at a time, each line found again where it starts.
        let mut offsets = vec![];
        assert_eq!(scan(&path, |offset, _| offsets.push(offset)).unwrap().entries, 2);
        assert_eq!(offsets[0], 0);
        assert_eq!(read_at(&path, &[offsets[1], offsets[0]]).unwrap(), [entries[1].clone(), entries[0].clone()]);
        assert_eq!(
            (entries[0].family_ids.as_slice(), entries[0].outcome.as_str()),
            (["F1".to_owned()].as_slice(), "served")
        );
        assert_eq!(entries[1].outcome, "denied");
        assert_eq!(entries[0].at.len(), "2026-01-01T00:00:00Z".len());
        // The second server carried the chain on from the first's last line.
        assert_eq!(entries[0].prev, "");
        assert_eq!(entries[1].prev.len(), 64);

        // Editing an entry, or removing one, breaks the chain at the next.
        AuditLog::open(&path)
            .unwrap()
            .record(&caller, "/api/v1/families", true, (vec!["F2".into()], vec![]), "l1")
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("F1", "F9", 1)).unwrap();
        assert!(read(&path).unwrap_err().contains("line 2: the chain breaks here"), "{:?}", read(&path));
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        assert!(read(&path).unwrap_err().contains("line 2: the chain breaks here"));
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read(&path).unwrap().len(), 3);
        std::fs::write(&path, "not json\n").unwrap();
        assert!(read(&path).unwrap_err().contains("line 1"));

        // Cut back, or rewritten with a fresh chain, the trail no longer
        // holds the anchor taken from it.
        std::fs::write(&path, &text).unwrap();
        let anchor = scan(&path, |_, _| ()).unwrap();
        assert_eq!(anchor.entries, 3);
        assert_eq!(anchor.to_string().parse::<Anchor>(), Ok(anchor.clone()));
        let earlier = Anchor { entries: 2, link: link(lines[1].as_bytes())[..16].to_owned() };
        assert!(scan_holding(&path, &earlier, |_, _| ()).is_ok());
        assert!(scan_holding(&path, &anchor, |_, _| ()).is_ok());
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
        assert!(scan_holding(&path, &anchor, |_, _| ()).unwrap_err().contains("the trail was cut back"));
        let _ = std::fs::remove_file(&path);
        for (family, endpoint) in [("F7", "/api/v1/families/F7"), ("F8", "/api/v1/families/F8")] {
            AuditLog::open(&path)
                .unwrap()
                .record(&caller, endpoint, true, (vec![family.into()], vec![]), "l1")
                .unwrap();
        }
        assert!(scan_holding(&path, &earlier, |_, _| ()).unwrap_err().contains("rewritten"));

        // A server opening a trail whose last entry is longer than the
        // chunk it reads the end in carries the chain on all the same.
        let many: Vec<String> = (0..30_000).map(|n| format!("F{n:05}")).collect();
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families", true, (many, vec![]), "l1").unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 4 << 16);
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/evidence", false, (vec![], vec![]), "l1").unwrap();
        assert_eq!(read(&path).unwrap().len(), 4);
        for bad in ["3", "3:xyz", "x:0123456789abcdef", "3:0123456789abcde"] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
