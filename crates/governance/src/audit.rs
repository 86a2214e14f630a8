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
//!
//! An entry stays small whatever the partnership's size: a set of more
//! than [`MAX_LISTED_IDS`] ids (the overlap view names every family) is
//! written once to the trail's sets file (`AUDIT.sets`, one set a line)
//! and named in the entry by its SHA-256 and count; readers put the ids
//! back, and a set whose ids no longer hash to its name is an alteration.
//!
//! One writer thread appends: requests hand it their entries and wait
//! until they are on disk; whatever arrived meanwhile is written and
//! synced together (group commit), so a request never waits on another's
//! `fsync` and no async worker blocks on one. A write that fails (a full
//! disk) is cut back off the file, and a line torn by a crash is sealed
//! with an entry recording it when the trail is next opened, so the chain
//! holds either way. One server holds a trail at a time (a lock on
//! `AUDIT.lock`).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};

use serde::{Deserialize, Serialize};

use crate::{AuditError, Caller};

/// The disk failed reading or writing `path`.
fn io(path: &Path, source: std::io::Error) -> AuditError {
    AuditError::Io { path: path.display().to_string(), source }
}

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
    /// The families served, when more than [`MAX_LISTED_IDS`]: stored once
    /// in the sets file; readers fill `family_ids` from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_set: Option<IdSet>,
    /// The households served, when more than [`MAX_LISTED_IDS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_set: Option<IdSet>,
    /// The fingerprint of the load whose ids the entry names
    /// (`load_fingerprint`); empty in entries written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub load: String,
    /// SHA-256 (hex) of the previous line as written; empty for the first.
    pub prev: String,
}

/// The most ids an entry lists itself.
pub const MAX_LISTED_IDS: usize = 16;

/// A set of ids named by its SHA-256 (hex, of the ids each followed by a
/// newline, in the order served) and how many it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdSet {
    pub count: usize,
    pub digest: String,
}

impl IdSet {
    fn of(ids: &[String]) -> IdSet {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        for id in ids {
            hash.update(id.as_bytes());
            hash.update(b"\n");
        }
        IdSet { count: ids.len(), digest: crate::auth::hex(&hash.finalize()) }
    }
}

/// A line of the sets file.
#[derive(Serialize, Deserialize)]
struct SetLine {
    digest: String,
    ids: Vec<String>,
}

/// The sets file beside a trail.
pub fn sets_path(trail: &Path) -> PathBuf {
    let mut name = trail.as_os_str().to_owned();
    name.push(".sets");
    PathBuf::from(name)
}

/// The sets a trail's entries name, read from its sets file, each checked
/// against its name.
#[derive(Debug, Default)]
pub struct IdSets(HashMap<String, Vec<String>>);

impl IdSets {
    pub fn read(trail: &Path) -> Result<IdSets, AuditError> {
        let path = sets_path(trail);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(IdSets::default()),
            Err(e) => return Err(io(&path, e)),
        };
        let mut sets = HashMap::new();
        for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(|e| io(&path, e))?;
            if line.trim_ascii().is_empty() {
                continue;
            }
            // A line a crash cut short is not a set any entry names.
            let Ok(set) = serde_json::from_slice::<SetLine>(&line) else { continue };
            if IdSet::of(&set.ids).digest != set.digest {
                return Err(AuditError::Broken(format!(
                    "{} line {}: the set's ids are not the ones named: the file was altered",
                    path.display(),
                    n + 1
                )));
            }
            sets.insert(set.digest, set.ids);
        }
        Ok(IdSets(sets))
    }

    /// Puts back the ids of the sets an entry names.
    fn fill(&self, entry: &mut AuditEntry) -> Result<(), String> {
        for (set, ids) in [(&entry.family_set, &mut entry.family_ids), (&entry.household_set, &mut entry.household_ids)]
        {
            if let Some(set) = set {
                let found = self.0.get(&set.digest).filter(|found| found.len() == set.count);
                let found = found.ok_or_else(|| {
                    format!("the set {} an entry names is missing from the sets file", &set.digest[..16])
                })?;
                ids.clone_from(found);
            }
        }
        Ok(())
    }
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

/// The append-only audit file of a running server: a handle to its writer
/// thread, which stops when the last handle is dropped.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// `None` once dropping.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for AuditLog {
    /// Stops the writer once it has written what it was given, and waits
    /// for it, so the trail's lock is free when this returns.
    fn drop(&mut self) {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// An entry to write, and where to say it is on disk.
struct Job {
    entry: AuditEntry,
    sets: Vec<(IdSet, Vec<String>)>,
    done: tokio::sync::oneshot::Sender<Result<Written, String>>,
}

/// An entry as written, with the sets it names handed back.
type Written = (AuditEntry, Vec<(IdSet, Vec<String>)>);

/// The most entries written and synced together.
const MAX_BATCH: usize = 1024;

impl AuditLog {
    /// Opens (creating if need be) the audit file for appending, sealing a
    /// line a crash left torn at its end, and starts the writer. Fails if
    /// another server holds the trail.
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_dir_all(dir)?;
        }
        let lock = lock_trail(path)?;
        let mut writer = Writer::open(path)?;
        writer.seal_torn_end()?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new().name("audit-writer".into()).spawn(move || {
            let _held = lock;
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                batch.extend(std::iter::from_fn(|| queue.try_recv().ok()).take(MAX_BATCH - 1));
                writer.write(batch);
            }
        })?;
        Ok(AuditLog { path: path.to_owned(), jobs: Mutex::new(Some(jobs)), writer: Some(writer) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and returns it once it is synced to disk, before
    /// the data is served. Sets of more than [`MAX_LISTED_IDS`] ids go to
    /// the sets file, named in the entry.
    pub async fn record(
        &self,
        caller: &Caller,
        endpoint: &str,
        served: bool,
        (family_ids, household_ids): (Vec<String>, Vec<String>),
        load: &str,
    ) -> Result<AuditEntry, AuditError> {
        let mut sets = Vec::new();
        let mut bounded = |ids: Vec<String>| {
            if ids.len() <= MAX_LISTED_IDS {
                return (ids, None);
            }
            let set = IdSet::of(&ids);
            sets.push((set.clone(), ids));
            (Vec::new(), Some(set))
        };
        let (family_ids, family_set) = bounded(family_ids);
        let (household_ids, household_set) = bounded(household_ids);
        let entry = AuditEntry {
            at: utc_now(),
            token: caller.name.clone(),
            role: caller.role.code().to_owned(),
            endpoint: endpoint.to_owned(),
            outcome: if served { "served" } else { "denied" }.to_owned(),
            family_ids,
            household_ids,
            family_set,
            household_set,
            load: load.to_owned(),
            prev: String::new(),
        };
        let (done, written) = tokio::sync::oneshot::channel();
        let refused = |why: &str| AuditError::Refused(why.to_owned());
        // A poisoned lock still guards a working sender.
        let sent = match &*self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Some(jobs) => jobs.send(Job { entry, sets, done }).is_ok(),
            None => false,
        };
        if !sent {
            return Err(refused("the writer stopped"));
        }
        let (mut entry, sets) = written.await.map_err(|_| refused("the writer stopped"))?.map_err(|e| refused(&e))?;
        // The entry as written, with its sets' ids back for the caller.
        for (set, ids) in sets {
            if entry.family_set.as_ref() == Some(&set) {
                entry.family_ids = ids;
            } else {
                entry.household_ids = ids;
            }
        }
        Ok(entry)
    }
}

/// Takes the trail's lock file (`AUDIT.lock`), held while the returned
/// file is open: a second server on one trail would fork its chain.
fn lock_trail(path: &Path) -> std::io::Result<File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock = crate::private::options().create(true).truncate(false).write(true).open(PathBuf::from(name))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            format!("another famgraph server is writing the audit trail {}: one trail, one server", path.display()),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// The writer thread's side: the files, the link to the last line, and
/// the length of the trail as last synced.
struct Writer {
    path: PathBuf,
    file: File,
    sets: File,
    known_sets: HashSet<String>,
    last: String,
    len: u64,
    /// Bytes a failed write left that could not be cut back off: sealed
    /// before the next entry.
    torn: bool,
}

impl Writer {
    fn open(path: &Path) -> std::io::Result<Writer> {
        let file = crate::private::options().create(true).append(true).open(path)?;
        let mut sets = crate::private::options().create(true).append(true).open(sets_path(path))?;
        // A set a crash cut short names nothing; the next must start a
        // line of its own.
        if !unended_tail(&sets_path(path))?.is_empty() {
            sets.write_all(b"\n")?;
            sets.sync_data()?;
        }
        let known_sets = known_digests(&sets_path(path))?;
        let len = file.metadata()?.len();
        let last = last_line(path)?.map_or_else(String::new, |line| link(&line));
        Ok(Writer { path: path.to_owned(), file, sets, known_sets, last, len, torn: false })
    }

    /// If the file does not end a line (a crash mid-write), ends it and
    /// appends an entry recording the tear, chained to the torn bytes, so
    /// reviews read on past it. Without this the next entry would be
    /// appended onto the torn one and every later review would fail.
    fn seal_torn_end(&mut self) -> std::io::Result<()> {
        if self.len == 0 {
            return Ok(());
        }
        let torn = unended_tail(&self.path)?;
        if torn.is_empty() {
            // Whole lines a failed sync left: carry the chain on from them.
            self.last = last_line(&self.path)?.map_or_else(String::new, |line| link(&line));
            self.len = self.file.metadata()?.len();
            self.torn = false;
            return Ok(());
        }
        if torn.trim_ascii().is_empty() {
            // Only blanks after the last line: end the line, nothing torn.
            self.file.write_all(b"\n")?;
            self.file.sync_data()?;
            self.len = self.file.metadata()?.len();
            self.torn = false;
            return Ok(());
        }
        let seal = AuditEntry {
            at: utc_now(),
            token: String::new(),
            role: String::new(),
            endpoint: String::new(),
            outcome: SEALED.to_owned(),
            family_ids: vec![],
            household_ids: vec![],
            family_set: None,
            household_set: None,
            load: String::new(),
            prev: link(trim_newline(&torn)),
        };
        let mut line = b"\n".to_vec();
        let json = serde_json::to_vec(&seal).map_err(std::io::Error::other)?;
        line.extend_from_slice(&json);
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()?;
        tracing::warn!(trail = %self.path.display(), "the audit trail ended in a torn line: sealed");
        self.last = link(&json);
        self.len = self.file.metadata()?.len();
        self.torn = false;
        Ok(())
    }

    /// Writes a batch: the new sets, synced, then the entries, synced once;
    /// each job hears how it went. A failed write is cut back off the file.
    fn write(&mut self, batch: Vec<Job>) {
        match self.append(&batch) {
            Ok(entries) => {
                for (job, entry) in batch.into_iter().zip(entries) {
                    let _ = job.done.send(Ok((entry, job.sets)));
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.done.send(Err(e.clone()));
                }
            }
        }
    }

    fn append(&mut self, batch: &[Job]) -> Result<Vec<AuditEntry>, String> {
        if self.torn {
            self.seal_torn_end().map_err(|e| e.to_string())?;
        }
        let mut new_sets = Vec::new();
        for (set, ids) in batch.iter().flat_map(|job| &job.sets) {
            if !self.known_sets.contains(&set.digest) {
                let mut line = serde_json::to_vec(&SetLine { digest: set.digest.clone(), ids: ids.clone() })
                    .map_err(|e| e.to_string())?;
                line.push(b'\n');
                new_sets.push((set.digest.clone(), line));
            }
        }
        if !new_sets.is_empty() {
            let bytes: Vec<u8> = new_sets.iter().flat_map(|(_, line)| line.iter().copied()).collect();
            // A set cut short by a failed write names nothing: harmless.
            self.sets.write_all(&bytes).and_then(|()| self.sets.sync_data()).map_err(|e| e.to_string())?;
            self.known_sets.extend(new_sets.into_iter().map(|(digest, _)| digest));
        }
        let (mut bytes, mut entries, mut last) = (Vec::new(), Vec::with_capacity(batch.len()), self.last.clone());
        for job in batch {
            let entry = AuditEntry { prev: last, ..job.entry.clone() };
            let line = serde_json::to_vec(&entry).map_err(|e| e.to_string())?;
            last = link(&line);
            bytes.extend_from_slice(&line);
            bytes.push(b'\n');
            entries.push(entry);
        }
        match self.file.write_all(&bytes).and_then(|()| self.file.sync_data()) {
            Ok(()) => {
                self.last = last;
                self.len += bytes.len() as u64;
                Ok(entries)
            }
            Err(e) => {
                // Cut off what part of the batch reached the file (cutting
                // back needs no space on a full disk); if even that fails,
                // the tear is sealed before the next entry.
                self.torn = self.file.set_len(self.len).and_then(|()| self.file.sync_data()).is_err();
                Err(e.to_string())
            }
        }
    }
}

/// The bytes after a file's last newline, read from the end: empty when
/// the file ends a line (or is empty), else what a crash left unended.
fn unended_tail(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut file = File::open(path)?;
    let size = file.seek(SeekFrom::End(0))?;
    let mut chunk = 1 << 12;
    loop {
        let start = size.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        (&mut file).take(size - start).read_to_end(&mut tail)?;
        if let Some(at) = tail.iter().rposition(|&b| b == b'\n') {
            return Ok(tail.split_off(at + 1));
        }
        if start == 0 {
            return Ok(tail);
        }
        chunk *= 4;
    }
}

/// The names of the sets a sets file holds, whether or not each still
/// hashes to its name: the writer only needs to know which it need not
/// write again, and a review reports an altered set.
fn known_digests(path: &Path) -> std::io::Result<HashSet<String>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e),
    };
    let mut known = HashSet::new();
    for line in BufReader::new(file).split(b'\n') {
        if let Ok(set) = serde_json::from_slice::<SetLine>(&line?) {
            known.insert(set.digest);
        }
    }
    Ok(known)
}

/// The outcome of the entry that seals a torn line.
pub const SEALED: &str = "sealed_torn_line";

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
pub fn scan(path: &Path, mut each: impl FnMut(u64, AuditEntry)) -> Result<Anchor, AuditError> {
    scan_anchored(path, None, &mut each)
}

/// [`scan`], also checking that the trail holds `anchor`: an error if it
/// has fewer entries, or another entry where the anchor's was.
pub fn scan_holding(path: &Path, anchor: &Anchor, mut each: impl FnMut(u64, AuditEntry)) -> Result<Anchor, AuditError> {
    scan_anchored(path, Some(anchor), &mut each)
}

fn scan_anchored(
    path: &Path,
    holding: Option<&Anchor>,
    each: &mut dyn FnMut(u64, AuditEntry),
) -> Result<Anchor, AuditError> {
    let end = scan_lines(path, &mut |offset, entry, count, link| {
        if let Some(anchor) = holding.filter(|a| a.entries == count)
            && !link.starts_with(&anchor.link)
        {
            return Err(AuditError::Broken(format!(
                "{}: entry {count} is not the one anchor {anchor} was taken at: the trail was rewritten up to it",
                path.display()
            )));
        }
        each(offset, entry);
        Ok(())
    })?;
    if let Some(anchor) = holding.filter(|a| a.entries > end.entries) {
        return Err(AuditError::Broken(format!(
            "{}: {} entries, fewer than the {} of anchor {anchor}: the trail was cut back",
            path.display(),
            end.entries,
            anchor.entries
        )));
    }
    Ok(end)
}

type EachLine<'a> = dyn FnMut(u64, AuditEntry, usize, &str) -> Result<(), AuditError> + 'a;

fn scan_lines(path: &Path, each: &mut EachLine<'_>) -> Result<Anchor, AuditError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Anchor::empty()),
        Err(e) => return Err(io(path, e)),
    };
    let sets = IdSets::read(path)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let (mut line, mut last, mut at, mut count) = (Vec::new(), String::new(), 0u64, 0);
    // A line that is not an entry: allowed only if a seal follows it.
    let mut torn: Option<(usize, String)> = None;
    let mut ended = false;
    let altered =
        |n: usize| AuditError::Broken(format!("{} line {n}: not an audit entry: the file was altered", path.display()));
    for n in 1.. {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| io(path, e))?;
        if read == 0 {
            break;
        }
        let start = at;
        at += read as u64;
        let text = trim_newline(&line);
        if text.trim_ascii().is_empty() {
            continue;
        }
        let Ok(mut entry) = serde_json::from_slice::<AuditEntry>(text) else {
            if let Some((earlier, _)) = torn {
                return Err(altered(earlier));
            }
            torn = Some((n, link(text)));
            // Only the very end can be torn and not yet sealed: a crash
            // leaves no newline after what it cut short.
            ended = line.ends_with(b"\n");
            continue;
        };
        if let Some((torn_at, torn_link)) = torn.take() {
            // A line torn by a crash, sealed when the trail was next opened.
            if entry.outcome != SEALED || entry.prev != torn_link {
                return Err(altered(torn_at));
            }
        } else if entry.prev != last {
            return Err(AuditError::Broken(format!(
                "{} line {n}: the chain breaks here: the entry before it was changed or removed",
                path.display()
            )));
        }
        sets.fill(&mut entry).map_err(|e| AuditError::Broken(format!("{} line {n}: {e}", path.display())))?;
        last = link(text);
        count += 1;
        each(start, entry, count, &last)?;
    }
    if let Some((n, _)) = torn {
        if ended {
            return Err(altered(n));
        }
        // The last line, torn by a crash: the next server to open the
        // trail seals it.
        tracing::warn!(trail = %path.display(), line = n, "the audit trail ends in a torn line, not yet sealed");
    }
    if count == 0 {
        return Ok(Anchor::empty());
    }
    Ok(Anchor { entries: count, link: last[..ANCHOR_DIGITS].to_owned() })
}

/// The entries whose lines start at `offsets` (from [`scan`]), in that
/// order.
pub fn read_at(path: &Path, offsets: &[u64]) -> Result<Vec<AuditEntry>, AuditError> {
    use std::io::{Seek as _, SeekFrom};
    let broken = |e: &dyn std::fmt::Display| AuditError::Broken(format!("{}: {e}", path.display()));
    let mut reader = BufReader::new(File::open(path).map_err(|e| io(path, e))?);
    let sets = IdSets::read(path)?;
    let mut line = Vec::new();
    offsets
        .iter()
        .map(|&offset| {
            reader.seek(SeekFrom::Start(offset)).map_err(|e| io(path, e))?;
            line.clear();
            reader.read_until(b'\n', &mut line).map_err(|e| io(path, e))?;
            let mut entry = serde_json::from_slice(trim_newline(&line)).map_err(|e| broken(&e))?;
            sets.fill(&mut entry).map_err(|e| broken(&e))?;
            Ok(entry)
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
        if e.outcome == SEALED {
            return;
        }
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
pub fn seen_by(path: &Path, family: &str, load: &str) -> Result<(Vec<Recipient>, usize), AuditError> {
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

    /// Every entry, oldest first, or the message of a trail that is broken (not of a
    /// disk that failed).
    fn read(path: &Path) -> Result<Vec<AuditEntry>, String> {
        let mut entries = Vec::new();
        scan(path, |_, entry| entries.push(entry)).map_err(|e| {
            assert!(e.is_bad_input(), "{e}");
            e.to_string()
        })?;
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
            family_set: None,
            household_set: None,
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

    #[tokio::test]
    async fn entries_append_and_read_back() {
        let dir = std::env::temp_dir().join(format!("famgraph-audit-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let caller = Caller { name: "alice".into(), role: Role::Coordinator };
        {
            let log = AuditLog::open(&path).unwrap();
            log.record(&caller, "/api/v1/families/F1", true, (vec!["F1".into()], vec![]), "l1").await.unwrap();
        }
        // A second server appends to the same file.
        AuditLog::open(&path)
            .unwrap()
            .record(&caller, "/api/v1/evidence", false, (vec![], vec![]), "l1")
            .await
            .unwrap();
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
            .await
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
        assert!(scan_holding(&path, &anchor, |_, _| ()).unwrap_err().to_string().contains("the trail was cut back"));
        let _ = std::fs::remove_file(&path);
        for (family, endpoint) in [("F7", "/api/v1/families/F7"), ("F8", "/api/v1/families/F8")] {
            AuditLog::open(&path)
                .unwrap()
                .record(&caller, endpoint, true, (vec![family.into()], vec![]), "l1")
                .await
                .unwrap();
        }
        assert!(scan_holding(&path, &earlier, |_, _| ()).unwrap_err().to_string().contains("rewritten"));

        // A set of 30,000 families is stored once, whatever the number of
        // entries naming it, and read back whole.
        let many: Vec<String> = (0..30_000).map(|n| format!("F{n:05}")).collect();
        for _ in 0..3 {
            let named = (many.clone(), vec![]);
            let log = AuditLog::open(&path).unwrap();
            let entry = log.record(&caller, "/api/v1/overlaps", true, named, "l1").await.unwrap();
            assert_eq!(entry.family_ids.len(), 30_000, "the caller sees what was served");
        }
        assert!(std::fs::metadata(&path).unwrap().len() < 4096, "entries name the set, not its ids");
        assert_eq!(std::fs::read_to_string(sets_path(&path)).unwrap().lines().count(), 1);
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 5);
        assert_eq!(entries[4].family_ids, many);
        assert_eq!(entries[4].family_set.as_ref().map(|s| s.count), Some(30_000));
        assert_eq!(read_at(&path, &[0]).unwrap()[0].family_ids, ["F7"]);
        // A set altered on disk no longer hashes to its name.
        let sets = std::fs::read_to_string(sets_path(&path)).unwrap();
        std::fs::write(sets_path(&path), sets.replacen("F00001", "F99999", 1)).unwrap();
        assert!(read(&path).unwrap_err().contains("altered"));
        std::fs::remove_file(sets_path(&path)).unwrap();
        assert!(read(&path).unwrap_err().contains("missing from the sets file"));
        for bad in ["3", "3:xyz", "x:0123456789abcdef", "3:0123456789abcde"] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn trail(name: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("famgraph-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        (dir.join("audit.jsonl"), dir)
    }

    #[tokio::test]
    async fn a_line_torn_by_a_crash_is_sealed_when_the_trail_is_next_opened() {
        let (path, dir) = trail("torn");
        let caller = Caller { name: "alice".into(), role: Role::Coordinator };
        let family = |f: &str| (vec![f.to_owned()], vec![]);
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families/F1", true, family("F1"), "l1").await.unwrap();
        // A crash mid-write leaves half a line.
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"at":"2026-01-01T00:00:00Z","token":"ali"#).unwrap();
        drop(file);
        // Reviews read up to the tear meanwhile.
        assert_eq!(read(&path).unwrap().len(), 1);
        // The next server seals it, and every later review reads on past it.
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families/F2", true, family("F2"), "l1").await.unwrap();
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families/F3", true, family("F3"), "l1").await.unwrap();
        let entries = read(&path).unwrap();
        let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
        assert_eq!(outcomes, ["served", SEALED, "served", "served"]);
        assert_eq!(by_token(&entries).iter().map(|u| u.requests).sum::<usize>(), 3, "a seal is no one's request");
        // A set cut short at the end of the sets file does not swallow the
        // next one.
        let mut sets = std::fs::OpenOptions::new().append(true).open(sets_path(&path)).unwrap();
        sets.write_all(br#"{"digest":"ab"#).unwrap();
        drop(sets);
        let many = ((0..20).map(|n| format!("F{n}")).collect(), vec![]);
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families", true, many, "l1").await.unwrap();
        assert_eq!(read(&path).unwrap().last().unwrap().family_ids.len(), 20);
        // Blanks after the last line are no tear: the line is ended, and
        // nothing sealed.
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b" \t").unwrap();
        drop(file);
        AuditLog::open(&path).unwrap().record(&caller, "/api/v1/families/F4", true, family("F4"), "l1").await.unwrap();
        assert_eq!(read(&path).unwrap().len(), 6);
        // A line that is not an entry, with no seal after it, was written
        // by someone else: altered.
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\nnot an entry\n{}\n", lines[0], lines[3])).unwrap();
        assert!(read(&path).unwrap_err().contains("line 2: not an audit entry"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn one_trail_is_written_by_one_server() {
        let (path, dir) = trail("lock");
        let first = AuditLog::open(&path).unwrap();
        let second = AuditLog::open(&path).unwrap_err();
        assert!(second.to_string().contains("another famgraph server is writing the audit trail"), "{second}");
        drop(first);
        let caller = Caller { name: "alice".into(), role: Role::Coordinator };
        let reopened = AuditLog::open(&path).unwrap();
        reopened.record(&caller, "/api/v1/evidence", false, (vec![], vec![]), "l1").await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_at_once_are_written_together_and_chained_in_order() {
        let (path, dir) = trail("batch");
        let log = std::sync::Arc::new(AuditLog::open(&path).unwrap());
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let log = std::sync::Arc::clone(&log);
                tokio::spawn(async move {
                    let caller = Caller { name: format!("t{}", n % 7), role: Role::Coordinator };
                    let named = (vec![format!("F{n}")], vec![]);
                    log.record(&caller, "/api/v1/families/{family_id}", true, named, "l1").await.unwrap()
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        drop(log);
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 200);
        let mut served: Vec<&str> = entries.iter().map(|e| e.family_ids[0].as_str()).collect();
        served.sort_unstable();
        served.dedup();
        assert_eq!(served.len(), 200);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
