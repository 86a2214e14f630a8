//! Bearer tokens and roles. A tokens file holds one line per token:
//! `name<TAB>role<TAB>sha256-hex[<TAB>expires-on]`; the token itself is
//! never stored. From the day after `expires-on` (UTC) the token gets 401.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use famgraph_model::Date;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

/// What a token may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything about families.
    Coordinator,
    /// The overlap view and the households behind it; the shortlist.
    Partnership,
    /// Aggregates only.
    BidWriter,
    /// Loads and configuration.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "coordinator" => Some(Role::Coordinator),
            "partnership" => Some(Role::Partnership),
            "bid_writer" => Some(Role::BidWriter),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Partnership => "partnership",
            Role::BidWriter => "bid_writer",
            Role::Admin => "admin",
        }
    }
}

/// The caller, once its token is known.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}, line {line}: expected `name<TAB>role<TAB>sha256[<TAB>expires-on YYYY-MM-DD]`")]
    Malformed { path: String, line: usize },
    #[error("unknown role `{0}`: use coordinator, partnership, bid_writer or admin")]
    UnknownRole(String),
    #[error("token name must be 1 to 64 letters, digits, `-` or `_`")]
    BadName,
    #[error("{path}: a token named `{name}` already exists")]
    Duplicate { path: String, name: String },
}

/// Known tokens, by hash, with the last day each may be used.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, (Caller, Option<Date>)>,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    /// It was good until this day.
    Expired(Date),
}

/// Today, UTC.
pub fn today() -> Date {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Date::from_days(i32::try_from(seconds / 86_400).unwrap_or(i32::MAX))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// SHA-256 in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source is available");
    format!("fg_{}", hex(&bytes))
}

impl Tokens {
    pub fn read(path: &Path) -> Result<Tokens, TokenError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Io { path: shown.clone(), source })?;
        let mut tokens = Tokens::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            let malformed = || TokenError::Malformed { path: shown.clone(), line: n + 1 };
            let (name, role, digest, expires_on) = match parts[..] {
                [name, role, digest] => (name, role, digest, None),
                [name, role, digest, expires] => {
                    (name, role, digest, Some(Date::parse(expires).ok_or_else(malformed)?))
                }
                _ => return Err(malformed()),
            };
            // A line `token add` could not have written: no name to audit
            // the token by, or no SHA-256 to match it with.
            let valid_name = !name.is_empty() && name.len() <= 64;
            let valid_digest = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid_name || !valid_digest {
                return Err(malformed());
            }
            let role = Role::parse(role).ok_or_else(|| TokenError::UnknownRole(role.to_owned()))?;
            tokens.by_hash.insert(digest.to_owned(), (Caller { name: name.to_owned(), role }, expires_on));
        }
        Ok(tokens)
    }

    /// A one-off token for this run only, kept in memory.
    pub fn one_off(role: Role) -> (Tokens, String) {
        let token = new_token();
        let mut tokens = Tokens::default();
        tokens.by_hash.insert(hash(&token), (Caller { name: "one-off".into(), role }, None));
        (tokens, token)
    }

    /// Creates a token, appends its hash (and its last day, if it has one)
    /// to the file and returns the token.
    pub fn add(path: &Path, name: &str, role: Role, expires_on: Option<Date>) -> Result<String, TokenError> {
        let shown = path.display().to_string();
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(TokenError::BadName);
        }
        if path.exists() && Tokens::read(path)?.by_hash.values().any(|(c, _)| c.name == name) {
            return Err(TokenError::Duplicate { path: shown, name: name.to_owned() });
        }
        let token = new_token();
        let mut file = crate::private::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| TokenError::Io { path: shown.clone(), source })?;
        let expires = expires_on.map(|d| format!("\t{d}")).unwrap_or_default();
        writeln!(file, "{name}\t{}\t{}{expires}", role.code(), hash(&token))
            .map_err(|source| TokenError::Io { path: shown, source })?;
        Ok(token)
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The caller a token stands for, on `today`.
    pub fn check(&self, token: &str, today: Date) -> Result<&Caller, Refused> {
        match self.by_hash.get(&hash(token)) {
            None => Err(Refused::Unknown),
            Some((_, Some(last))) if today > *last => Err(Refused::Expired(*last)),
            Some((caller, _)) => Ok(caller),
        }
    }
}

/// A token's id for logs: the first twelve hex digits of its SHA-256, the
/// same for the same token, from which the token cannot be worked out.
pub fn token_id(token: &str) -> String {
    hash(token)[..12].to_owned()
}

/// Refused tokens, logged once per token id per `REFUSAL_LOG_EVERY`, so
/// a client trying tokens cannot fill the log; each counted by kind.
#[derive(Debug, Default)]
pub struct Refusals {
    inner: Mutex<RefusalLog>,
}

#[derive(Debug, Default)]
struct RefusalLog {
    last_logged: HashMap<String, Instant>,
    unknown: u64,
    expired: u64,
}

/// How often one token id's refusals are logged again.
pub const REFUSAL_LOG_EVERY: Duration = Duration::from_mins(1);
/// The most token ids remembered; past it the memory starts afresh.
const MAX_REMEMBERED_REFUSALS: usize = 10_000;

impl Refusals {
    /// Counts a refusal, and logs it (the token id, never the token) unless
    /// the same token was logged within `REFUSAL_LOG_EVERY`.
    pub fn record(&self, token: &str, refused: Refused) {
        let id = token_id(token);
        let mut log = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kind = match refused {
            Refused::Unknown => {
                log.unknown += 1;
                "unknown or revoked"
            }
            Refused::Expired(_) => {
                log.expired += 1;
                "expired"
            }
        };
        if log.last_logged.len() >= MAX_REMEMBERED_REFUSALS {
            log.last_logged.clear();
        }
        let now = Instant::now();
        let due = log.last_logged.get(&id).is_none_or(|last| now.duration_since(*last) >= REFUSAL_LOG_EVERY);
        if due {
            log.last_logged.insert(id.clone(), now);
            let (unknown, expired) = (log.unknown, log.expired);
            tracing::warn!(token_id = %id, kind, refused_unknown = unknown, refused_expired = expired, "token refused");
        }
    }

    /// Refusals so far: unknown or revoked, and expired.
    pub fn counts(&self) -> (u64, u64) {
        let log = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (log.unknown, log.expired)
    }
}

/// How often a server looks at its tokens file for a change: a token
/// whose line is deleted stops working within this time.
pub const TOKENS_RECHECK: Duration = Duration::from_millis(500);

/// The tokens a server accepts: a fixed set, or its tokens file's, read
/// again whenever the file changes (looked at no more often than
/// `TOKENS_RECHECK`), on SIGHUP and on every reload. A file that can no
/// longer be read or parsed accepts no token until it can: a revoked token
/// that still worked would be a breach, a refusal is only an outage.
#[derive(Debug)]
pub struct TokenSource {
    file: Option<PathBuf>,
    current: Mutex<Current>,
}

#[derive(Debug)]
struct Current {
    tokens: Arc<Tokens>,
    /// The file as last read: its modification time and length.
    stamp: Option<(Option<SystemTime>, u64)>,
    checked: Instant,
}

fn stamp(path: &Path) -> Option<(Option<SystemTime>, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok(), metadata.len()))
}

impl TokenSource {
    /// Tokens that never change (a one-off token, tests).
    pub fn fixed(tokens: Tokens) -> TokenSource {
        let current = Current { tokens: Arc::new(tokens), stamp: None, checked: Instant::now() };
        TokenSource { file: None, current: Mutex::new(current) }
    }

    /// The tokens of `path`, read now and again whenever it changes.
    pub fn file(path: &Path) -> Result<TokenSource, TokenError> {
        let stamp = stamp(path);
        let tokens = Tokens::read(path)?;
        let current = Current { tokens: Arc::new(tokens), stamp, checked: Instant::now() };
        Ok(TokenSource { file: Some(path.to_owned()), current: Mutex::new(current) })
    }

    /// The tokens in force now.
    pub fn current(&self) -> Arc<Tokens> {
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(path) = &self.file
            && current.checked.elapsed() >= TOKENS_RECHECK
        {
            current.checked = Instant::now();
            let now = stamp(path);
            if now.is_none() || now != current.stamp {
                // A failure is logged there, and accepts no token.
                Self::read_into(path, &mut current, now).ok();
            }
        }
        Arc::clone(&current.tokens)
    }

    /// Reads the file again now, whether or not it looks changed; the
    /// number of tokens it holds, or why none is accepted.
    pub fn reread(&self) -> Result<usize, TokenError> {
        let Some(path) = &self.file else { return Ok(self.current().len()) };
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        current.checked = Instant::now();
        Self::read_into(path, &mut current, stamp(path))
    }

    fn read_into(
        path: &Path,
        current: &mut Current,
        now: Option<(Option<SystemTime>, u64)>,
    ) -> Result<usize, TokenError> {
        current.stamp = now;
        match Tokens::read(path) {
            Ok(tokens) => {
                let n = tokens.len();
                if current.tokens.by_hash.len() != n
                    || current.tokens.by_hash.keys().any(|k| !tokens.by_hash.contains_key(k))
                {
                    tracing::info!(n_tokens = n, "tokens file read again");
                }
                current.tokens = Arc::new(tokens);
                Ok(n)
            }
            Err(error) => {
                tracing::error!(%error, "the tokens file cannot be read: no token is accepted until it can");
                current.tokens = Arc::new(Tokens::default());
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_hashed() {
        let dir = std::env::temp_dir().join(format!("famgraph-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens");
        let _ = std::fs::remove_file(&path);
        let token = Tokens::add(&path, "ann", Role::BidWriter, None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token));
        let tokens = Tokens::read(&path).unwrap();
        assert_eq!(tokens.check(&token, today()).map(|c| c.role), Ok(Role::BidWriter));
        assert_eq!(tokens.check("fg_wrong", today()).err(), Some(Refused::Unknown));
        assert!(matches!(Tokens::add(&path, "ann", Role::Admin, None), Err(TokenError::Duplicate { .. })));
        // A line with no name, or no SHA-256, makes the file unreadable:
        // no token is accepted until it is put right.
        let digest = sha256_hex(b"fg_other");
        for bad in [format!("\tadmin\t{digest}\n"), "eve\tadmin\tnot-a-digest\n".to_owned()] {
            std::fs::write(&path, format!("{text}{bad}")).unwrap();
            assert!(matches!(Tokens::read(&path), Err(TokenError::Malformed { line: 2, .. })), "{bad:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_deleted_line_revokes_its_token() {
        let dir = std::env::temp_dir().join(format!("famgraph-tokens-revoke-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens");
        let _ = std::fs::remove_file(&path);
        let ann = Tokens::add(&path, "ann", Role::Coordinator, None).unwrap();
        let bob = Tokens::add(&path, "bob", Role::Admin, None).unwrap();
        let source = TokenSource::file(&path).unwrap();
        assert!(source.current().check(&ann, today()).is_ok());
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("ann\t")).collect();
        let kept = kept.join("\n") + "\n";
        std::fs::write(&path, kept).unwrap();
        std::thread::sleep(TOKENS_RECHECK);
        assert_eq!(source.current().check(&ann, today()).err(), Some(Refused::Unknown));
        assert!(source.current().check(&bob, today()).is_ok());
        // A file that cannot be read accepts no one; read again, it does.
        std::fs::write(&path, "bob\tnot_a_role\tabc\n").unwrap();
        assert!(source.reread().is_err());
        assert!(source.current().is_empty());
        std::fs::remove_file(&path).unwrap();
        assert!(source.reread().is_err());
        assert_eq!(source.current().check(&bob, today()).err(), Some(Refused::Unknown));
        let carl = Tokens::add(&path, "carl", Role::BidWriter, None).unwrap();
        assert_eq!(source.reread().unwrap(), 1);
        assert!(source.current().check(&carl, today()).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_token_works_to_its_last_day() {
        let dir = std::env::temp_dir().join(format!("famgraph-tokens-expiry-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tokens");
        let _ = std::fs::remove_file(&path);
        let last = Date::from_ymd(2026, 6, 30).unwrap();
        let token = Tokens::add(&path, "bob", Role::Coordinator, Some(last)).unwrap();
        let tokens = Tokens::read(&path).unwrap();
        assert!(tokens.check(&token, last).is_ok());
        assert_eq!(tokens.check(&token, last.add_days(1)).err(), Some(Refused::Expired(last)));
        std::fs::write(&path, "bob\tcoordinator\tabc\tlater\n").unwrap();
        assert!(matches!(Tokens::read(&path), Err(TokenError::Malformed { line: 1, .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Requests a token may make a minute by default: ten a second, far more
/// than a person clicking through pages asks, far fewer than a script
/// copying every family out.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;

/// Per-token limits on requests: a bucket per token holding up to half a
/// minute's requests, refilled at the rate allowed. A token past its limit
/// gets 429 until the bucket refills, so one token can neither flood the
/// audit trail nor copy the partnership's families out at machine speed.
/// Refusals are counted and logged once a minute per token (its name,
/// which is not a secret).
#[derive(Debug)]
pub struct RateLimit {
    per_minute: u32,
    state: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    requests: f64,
    at: Instant,
    limited: u64,
    logged: Option<Instant>,
}

/// A request over the token's limit: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub per_minute: u32,
    pub retry_after: Duration,
}

impl RateLimit {
    /// At most `per_minute` requests a minute per token; 0: no limit.
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit { per_minute, state: Mutex::new(HashMap::new()) }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Takes one request from the token's bucket, or says when there will
    /// be one.
    pub fn check(&self, token: &str) -> Result<(), Limited> {
        self.check_at(token, Instant::now())
    }

    fn check_at(&self, token: &str, now: Instant) -> Result<(), Limited> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute.div_ceil(2));
        let per_second = f64::from(self.per_minute) / 60.0;
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !state.contains_key(token) {
            state.insert(token.to_owned(), Bucket { requests: capacity, at: now, limited: 0, logged: None });
        }
        let bucket = state.get_mut(token).expect("inserted above");
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.requests = (bucket.requests + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.requests >= 1.0 {
            bucket.requests -= 1.0;
            return Ok(());
        }
        bucket.limited += 1;
        if bucket.logged.is_none_or(|last| now.saturating_duration_since(last) >= REFUSAL_LOG_EVERY) {
            bucket.logged = Some(now);
            tracing::warn!(token = %token, per_minute = self.per_minute, limited = bucket.limited, "token over its request limit: refused with 429");
        }
        let wait = (1.0 - bucket.requests) / per_second;
        Err(Limited { per_minute: self.per_minute, retry_after: Duration::from_secs_f64(wait.max(0.0)) })
    }
}

#[cfg(test)]
mod rate_tests {
    use super::*;

    #[test]
    fn a_token_gets_half_a_minute_of_requests_at_once_then_its_rate() {
        let limit = RateLimit::new(60);
        let start = Instant::now();
        for _ in 0..30 {
            assert_eq!(limit.check_at("alice", start), Ok(()));
        }
        let refused = limit.check_at("alice", start).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(1));
        // Another token has its own bucket.
        assert_eq!(limit.check_at("bob", start), Ok(()));
        // One a second comes back.
        assert_eq!(limit.check_at("alice", start + Duration::from_secs(1)), Ok(()));
        assert!(limit.check_at("alice", start + Duration::from_secs(1)).is_err());
        // Never more than half a minute's, however long the wait.
        let later = start + Duration::from_hours(1);
        assert_eq!((0..31).filter(|_| limit.check_at("alice", later).is_ok()).count(), 30);
        // No limit at all.
        let none = RateLimit::new(0);
        assert!((0..10_000).all(|_| none.check_at("alice", start).is_ok()));
    }
}
