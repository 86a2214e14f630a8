//! What every request reads: the served snapshot and the server's set-up
//! (`AppState`), answers kept per snapshot, and who is asking (`Client`:
//! the caller's token checked, and the route it matched for the audit).

use crate::prelude::*;

#[derive(Clone)]
pub struct AppState {
    pub(crate) snapshot: Arc<RwLock<Arc<Snapshot>>>,
    pub(crate) tokens: Arc<TokenSource>,
    pub(crate) disclosure: Disclosure,
    pub(crate) audit: Option<Arc<AuditLog>>,
    pub(crate) reloader: Option<Reloader>,
    /// Held while a reload runs: one at a time.
    pub(crate) reloading: Arc<tokio::sync::Mutex<()>>,
    /// Where `POST /api/v1/overrides` records corrections: set only for a
    /// bundle loaded with `--overrides FILE`, which every reload reads.
    pub(crate) overrides_file: Option<Arc<std::path::Path>>,
    /// An earlier load of the partnership, for `GET /api/v1/changes`.
    pub(crate) previous: Option<Arc<Snapshot>>,
    /// The partnership meeting's decisions (`serve --decisions FILE`).
    pub(crate) decisions: Option<Arc<decisions::Book>>,
    /// What the audit review flags as unusual (`[audit]` in `--config`).
    pub(crate) watch: Arc<unusual::Watch>,
    /// The same, as the entries are recorded: what becomes unusual is
    /// logged as it happens, for whoever watches the service's log.
    pub(crate) live: Arc<Mutex<unusual::Watching>>,
    /// Tokens refused, counted and logged by id.
    pub(crate) refusals: Arc<auth::Refusals>,
    /// Requests each token may make a minute.
    pub(crate) limit: Arc<auth::RateLimit>,
    /// Answers worked out from the served snapshot, kept until a reload
    /// swaps another in.
    pub(crate) cache: Arc<Cache>,
}

/// What every request would otherwise work out again from the whole load.
#[derive(Default)]
pub(crate) struct Cache {
    pub(crate) changes: PerSnapshot<changes::Changes>,
    /// The evidence's figures, and the JSON they are sent as: the JSON,
    /// the CSV and the charts all read them.
    pub(crate) evidence: PerSnapshot<(famgraph_governance::evidence::Evidence, axum::body::Bytes)>,
    /// The overlap matrix with household and family ids, and without.
    pub(crate) overlaps: [PerSnapshot<axum::body::Bytes>; 2],
    /// The family and household ids the full matrix names, for the audit.
    pub(crate) overlap_ids: PerSnapshot<(Vec<String>, Vec<String>)>,
    /// The load report's parts that do not depend on the page asked for.
    pub(crate) report: PerSnapshot<serde_json::Value>,
    /// What the shortlist's agency and area filters take.
    pub(crate) choices: PerSnapshot<serde_json::Value>,
    /// Families' answers, as they are asked for.
    pub(crate) families: PerSnapshot<FamilyAnswers>,
    pub(crate) shortlists: PerSnapshot<ShortlistAnswers>,
}

/// Answers kept by what was asked, up to `BYTES` of them: when one more
/// would not fit, all are dropped and the cache fills again with what is
/// asked for now.
pub(crate) struct Kept<K, V, const BYTES: usize>(Mutex<Held<K, V>>);

/// The answers kept, each with its size, and their sizes' sum.
struct Held<K, V> {
    answers: std::collections::HashMap<K, (V, usize)>,
    bytes: usize,
}

impl<K, V, const BYTES: usize> Default for Kept<K, V, BYTES> {
    fn default() -> Self {
        Kept(Mutex::new(Held { answers: std::collections::HashMap::new(), bytes: 0 }))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone, const BYTES: usize> Kept<K, V, BYTES> {
    /// The answer kept for `key`, if `still` says it holds.
    pub(crate) fn find(&self, key: &K, still: impl Fn(&V) -> bool) -> Option<V> {
        let held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.answers.get(key).map(|(value, _)| value).filter(|value| still(value)).cloned()
    }

    /// Keeps `value`, of `bytes` bytes, for `key`.
    pub(crate) fn keep(&self, key: K, value: V, bytes: usize) {
        if bytes > BYTES {
            return;
        }
        let mut held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.bytes + bytes > BYTES {
            held.answers.clear();
            held.bytes = 0;
        }
        if let Some((_, replaced)) = held.answers.insert(key, (value, bytes)) {
            held.bytes -= replaced;
        }
        held.bytes += bytes;
    }
}

/// Families' answers (the view, its JSON text and that gzipped), by
/// family: a meeting reads the same few hundred families again and again,
/// and the largest answers (a family of eleven known to ten agencies,
/// every link explained) take far longer to work out than to send.
pub(crate) type FamilyAnswers = Kept<(usize, crate::views::Explain), KeptFamily, { 96 << 20 }>;

/// A family's answer, kept: the view (the fields asked for are read from
/// it) and its whole JSON text.
#[derive(Clone)]
pub(crate) struct KeptFamily {
    pub(crate) detail: Arc<crate::views::FamilyDetail>,
    pub(crate) body: crate::params::KeptBody,
}

impl KeptFamily {
    /// The bytes it holds, about: the view takes about as much memory as
    /// its JSON text.
    pub(crate) fn bytes(&self) -> usize {
        self.body.json.len() + self.body.len()
    }
}

/// Shortlist answers as JSON text, by the question (the query, and the
/// day, which `decision=review_due` reads), with the decisions they were
/// written under and the families they name (for the audit). Every
/// coordinator opening the shortlist asks the same few questions.
pub(crate) type ShortlistAnswers = Kept<String, ShortlistAnswer, { 32 << 20 }>;

#[derive(Clone)]
pub(crate) struct ShortlistAnswer {
    pub(crate) decided: Option<Arc<decisions::Decided>>,
    pub(crate) named: Arc<[String]>,
    pub(crate) body: crate::params::KeptBody,
}

impl Cache {
    pub(crate) fn clear(&self) {
        self.changes.clear();
        self.evidence.clear();
        self.overlaps.iter().for_each(PerSnapshot::clear);
        self.overlap_ids.clear();
        self.report.clear();
        self.choices.clear();
        self.families.clear();
        self.shortlists.clear();
    }
}

/// A value worked out from one snapshot, and the snapshot it is of.
pub(crate) struct PerSnapshot<T>(std::sync::Mutex<Option<(Arc<Snapshot>, Arc<T>)>>);

impl<T> Default for PerSnapshot<T> {
    fn default() -> Self {
        PerSnapshot(std::sync::Mutex::new(None))
    }
}

impl<T> PerSnapshot<T> {
    /// The value for `snapshot`, worked out by `compute` if it is not
    /// held. The lock is held meanwhile: concurrent requests wait for one
    /// answer rather than each working it out.
    pub(crate) fn get(&self, snapshot: &Arc<Snapshot>, compute: impl FnOnce(&Snapshot) -> T) -> Arc<T> {
        let mut held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*held {
            Some((of, value)) if Arc::ptr_eq(of, snapshot) => value.clone(),
            _ => {
                let value = Arc::new(compute(snapshot));
                *held = Some((snapshot.clone(), value.clone()));
                value
            }
        }
    }

    /// Drops the value and, with it, the snapshot it kept in memory.
    pub(crate) fn clear(&self) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// Builds a new snapshot from the server's source (its bundle folder or
/// database), for `POST /api/v1/reload` and SIGHUP, given the snapshot
/// being served, whose person and family ids it keeps. The error says
/// what went wrong and where, without personal data.
pub type Reloader = Arc<dyn Fn(&Snapshot) -> Result<Snapshot, String> + Send + Sync>;

impl AppState {
    /// Accepts the tokens of `source` (a tokens file read again when it
    /// changes, on SIGHUP and on reload) instead of those given to `new`.
    pub fn with_tokens(mut self, source: TokenSource) -> AppState {
        self.tokens = Arc::new(source);
        self
    }

    pub fn new(snapshot: Snapshot, tokens: Tokens) -> AppState {
        AppState {
            snapshot: Arc::new(RwLock::new(warmed(snapshot))),
            tokens: Arc::new(TokenSource::fixed(tokens)),
            disclosure: Disclosure::default(),
            audit: None,
            reloader: None,
            reloading: Arc::new(tokio::sync::Mutex::new(())),
            overrides_file: None,
            previous: None,
            decisions: None,
            watch: Arc::default(),
            live: Arc::new(Mutex::new(unusual::Watching::new(&unusual::Watch::default()))),
            refusals: Arc::default(),
            limit: Arc::new(auth::RateLimit::new(auth::DEFAULT_REQUESTS_PER_MINUTE)),
            cache: Arc::default(),
        }
    }

    /// What the audit review flags as unusual.
    pub fn with_watch(mut self, watch: unusual::Watch) -> AppState {
        self.live = Arc::new(Mutex::new(unusual::Watching::new(&watch)));
        self.watch = Arc::new(watch);
        self
    }

    /// An earlier load to compare the served one with.
    pub fn with_previous(mut self, previous: Snapshot) -> AppState {
        self.previous = Some(Arc::new(previous));
        self
    }

    /// How to load the source again on a reload.
    pub fn with_reloader(mut self, reloader: Reloader) -> AppState {
        self.reloader = Some(reloader);
        self
    }

    /// Loads the source again and swaps the new snapshot in whole; until
    /// then, and if it fails, the old one is served. Readers hold an `Arc`
    /// of the snapshot they started with, so each sees old or new, never a
    /// mix.
    pub async fn reload(&self) -> Result<Arc<Snapshot>, ApiError> {
        self.reread_tokens();
        let Ok(guard) = self.reloading.clone().try_lock_owned() else {
            return Err(ApiError::Conflict("a reload is already running"));
        };
        self.reload_holding(guard).await
    }

    /// As [`AppState::reload`], but after any reload already running
    /// rather than refused: what a SIGHUP asks for, since the database may
    /// have been replaced after that reload read it.
    pub async fn reload_after_any_running(&self) -> Result<Arc<Snapshot>, ApiError> {
        self.reread_tokens();
        let guard = self.reloading.clone().lock_owned().await;
        self.reload_holding(guard).await
    }

    /// Reads the tokens file again before a reload, so a revocation takes
    /// effect on every reload; a file that cannot be read accepts none.
    pub(crate) fn reread_tokens(&self) {
        if let Err(error) = self.tokens.reread() {
            tracing::error!(%error, "the tokens file cannot be read: no token is accepted until it can");
        }
    }

    /// Reloads while the caller holds the reload lock.
    pub(crate) async fn reload_holding(
        &self,
        _guard: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let Some(reloader) = self.reloader.clone() else {
            return Err(ApiError::BadRequest("this server has no source to reload".into()));
        };
        // The load being served, whose ids the new one keeps.
        let current = self.snapshot();
        let snapshot = tokio::task::spawn_blocking(move || reloader(&current))
            .await
            .map_err(|e| ApiError::Internal(format!("reload task: {e}")))?
            .map_err(|reason| {
                tracing::warn!(%reason, "reload failed: still serving the previous load");
                ApiError::ReloadFailed(reason)
            })?;
        self.replace(snapshot);
        tracing::info!("reloaded");
        Ok(self.snapshot())
    }

    /// Lets coordinators and admins record linkage corrections in `file`,
    /// the overrides file the reloader reads.
    pub fn with_overrides_file(mut self, file: std::path::PathBuf) -> AppState {
        self.overrides_file = Some(file.into());
        self
    }

    /// Keeps the meeting's decisions about families in `book`'s file.
    pub fn with_decisions(mut self, book: decisions::Book) -> AppState {
        self.decisions = Some(Arc::new(book));
        self
    }

    /// The decisions book, or the 404 saying how to keep one.
    pub(crate) fn decision_book(&self) -> Result<Arc<decisions::Book>, ApiError> {
        self.decisions.clone().ok_or_else(|| {
            ApiError::NotFound("this server records no decisions: start famgraph serve with --decisions FILE".into())
        })
    }

    /// The decisions matched to `snapshot`, if the server keeps them.
    pub(crate) fn decided(&self, snapshot: &Arc<Snapshot>) -> Option<Arc<decisions::Decided>> {
        self.decisions.as_ref().map(|book| book.decided(snapshot))
    }

    /// Records every request for person-level data, and every refusal, in
    /// `audit`; `famgraph serve` always sets one.
    pub fn with_audit(mut self, audit: AuditLog) -> AppState {
        self.audit = Some(Arc::new(audit));
        self
    }

    /// Lets the caller through if its role is one of `roles`; a refusal is
    /// audited.
    pub(crate) async fn allow(&self, client: &Client, roles: &[Role], what: &'static str) -> Result<(), ApiError> {
        if roles.contains(&client.role) {
            return Ok(());
        }
        self.audited(client, false, (Vec::new(), Vec::new()), &self.snapshot()).await?;
        Err(ApiError::Forbidden(what))
    }

    /// Records a request in the audit trail, if there is one, with the load
    /// (`snapshot`) whose family and household ids it names; the request
    /// fails if the entry cannot be written.
    pub(crate) async fn audited(
        &self,
        client: &Client,
        served: bool,
        named: (Vec<String>, Vec<String>),
        snapshot: &Snapshot,
    ) -> Result<(), ApiError> {
        let Some(audit) = &self.audit else { return Ok(()) };
        let entry = audit.record(&client.caller, &client.endpoint, served, named, &snapshot.load).await?;
        // The token's name, the role and what happened: no family's data.
        let crossed = self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add_live(&entry);
        for (kind, what) in crossed {
            tracing::warn!(token = %entry.token, role = %entry.role, kind = kind.code(), "unusual access: {what}");
        }
        Ok(())
    }

    /// At most `per_minute` requests a minute per token (0: no limit);
    /// `auth::DEFAULT_REQUESTS_PER_MINUTE` unless set.
    pub fn with_requests_per_minute(mut self, per_minute: u32) -> AppState {
        self.limit = Arc::new(auth::RateLimit::new(per_minute));
        self
    }

    /// How aggregate counts are disclosed, instead of hiding 1 to 4.
    pub fn with_disclosure(mut self, disclosure: Disclosure) -> AppState {
        self.disclosure = disclosure;
        self
    }

    /// The snapshot being served; a reload swaps in a new one whole.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock still holds a complete snapshot: serve it.
        self.snapshot.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// What changed from `previous` to the served snapshot, worked out once
    /// per snapshot.
    pub(crate) async fn changes_since(&self, previous: Arc<Snapshot>) -> Result<Arc<changes::Changes>, ApiError> {
        let (current, cache) = (self.snapshot(), self.cache.clone());
        tokio::task::spawn_blocking(move || cache.changes.get(&current, |current| changes::changes(&previous, current)))
            .await
            .map_err(|e| ApiError::Internal(format!("changes task: {e}")))
    }

    pub fn replace(&self, snapshot: Snapshot) {
        *self.snapshot.write().unwrap_or_else(std::sync::PoisonError::into_inner) = warmed(snapshot);
        self.cache.clear();
    }
}

/// A snapshot to serve, with what its first search and its review queue
/// would otherwise work out on their first asking made in the background
/// (`Snapshot::warm`), so the first coordinator to search waits no longer
/// than the rest.
fn warmed(snapshot: Snapshot) -> Arc<Snapshot> {
    let snapshot = Arc::new(snapshot);
    let warming = Arc::clone(&snapshot);
    std::thread::spawn(move || warming.warm());
    snapshot
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(ApiError::Unauthorized)?;
        let token = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).ok_or(ApiError::Unauthorized)?;
        let tokens = state.tokens.current();
        let token = token.trim();
        match tokens.check(token, auth::today()) {
            Ok(caller) => {
                state.limit.check(&caller.name).map_err(|limited| {
                    ApiError::TooManyRequests(limited.per_minute, limited.retry_after.as_secs_f64().ceil() as u64)
                })?;
                Ok(caller.clone())
            }
            Err(refused) => {
                state.refusals.record(token, refused);
                Err(match refused {
                    auth::Refused::Expired(last) => ApiError::TokenExpired(last),
                    auth::Refused::Unknown => ApiError::Unauthorized,
                })
            }
        }
    }
}

/// The caller of a request and the route it matched (`/api/v1/families/{family_id}`,
/// not the family's id): whose role a handler checks, and the endpoint its
/// audit entries name, written once in the router.
pub(crate) struct Client {
    pub(crate) caller: Caller,
    pub(crate) endpoint: String,
}

impl std::ops::Deref for Client {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let endpoint = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map_or_else(|| parts.uri.path().to_owned(), |path| path.as_str().to_owned());
        Ok(Client { caller, endpoint })
    }
}

#[cfg(test)]
mod kept_tests {
    use super::Kept;

    #[test]
    fn kept_answers_stay_within_their_budget() {
        let kept: Kept<u32, &str, 10> = Kept::default();
        kept.keep(1, "one", 4);
        kept.keep(2, "two", 4);
        assert_eq!((kept.find(&1, |_| true), kept.find(&2, |_| true)), (Some("one"), Some("two")));
        assert_eq!(kept.find(&1, |v| *v == "uno"), None, "an answer that no longer holds is not given");
        // Replacing one frees its bytes.
        kept.keep(2, "two again", 4);
        assert_eq!(kept.find(&2, |_| true), Some("two again"));
        // One more that would not fit: all are dropped for it.
        kept.keep(3, "three", 4);
        assert_eq!((kept.find(&1, |_| true), kept.find(&3, |_| true)), (None, Some("three")));
        // Larger than the budget: never kept, and nothing is dropped for it.
        kept.keep(4, "four", 11);
        assert_eq!((kept.find(&3, |_| true), kept.find(&4, |_| true)), (Some("three"), None));
    }
}
