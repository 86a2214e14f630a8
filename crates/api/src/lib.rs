//! The HTTP face of famgraph: the JSON API of `shared/interface.md` under
//! `/api/v1`, `/healthz`, and the web pages, served by axum.
//!
//! State is an `Arc<Snapshot>` built in full before it is served; handlers
//! only read it. The JSON types live here and nowhere below.

mod csv_out;
mod error;
pub mod http;
pub mod overrides;
mod pages;
pub mod tls;
mod views;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use famgraph_pipeline::Snapshot;

use tokio::net::TcpListener;

pub use error::ApiError;
// The governance domain, under the names the handlers use.
use famgraph_governance::{
    AuditLog, Caller, Disclosure, Role, TokenSource, Tokens, audit, auth, changes, decision_figures, decisions,
    evidence, unusual,
};
use famgraph_pipeline::Cohort;
pub use views::{
    AgencyRecords, FamilyDetail, FamilySummary, Filter, FilterSpec, Keyworkers, agency_records, family_detail,
    report_json, subject_access,
};

/// The largest page of families one request may ask for.
pub const MAX_PAGE_LIMIT: usize = 1000;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_LIMIT: usize = 50;

/// Every cohort with how many people and families it holds, as the API and
/// `famgraph cohort` list them; with a disclosure rule, small counts hidden.
pub fn cohort_summaries(snapshot: &Snapshot, disclosure: Option<Disclosure>) -> Vec<serde_json::Value> {
    let shown = |n: usize| disclosure.map_or(Some(n as u64), |d| d.show(n as u64));
    snapshot
        .cohorts
        .list()
        .iter()
        .map(|c| {
            let families = snapshot.cohorts.families(c, &snapshot.graph).len();
            serde_json::json!({
                "name": c.name,
                "title": c.title,
                "description": c.description,
                "query": format!("queries/cohorts/{}.sql", c.name),
                "people": shown(c.members.len()),
                "families": shown(families),
            })
        })
        .collect()
}

/// One cohort as the API and `famgraph cohort NAME` give it: each member
/// with their family, its rank and the evidence.
pub fn cohort_view(snapshot: &Snapshot, cohort: &Cohort) -> serde_json::Value {
    let graph = &snapshot.graph;
    let members: Vec<serde_json::Value> = cohort
        .members
        .iter()
        .map(|m| {
            let family = graph.people[m.person].family;
            serde_json::json!({
                "person_id": graph.people[m.person].id,
                "family_id": graph.families[family].id,
                "rank": snapshot.analysis.families[family].rank,
                "evidence": m.evidence,
            })
        })
        .collect();
    serde_json::json!({
        "name": cohort.name,
        "title": cohort.title,
        "description": cohort.description,
        "members": members,
    })
}

#[derive(Clone)]
pub struct AppState {
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    tokens: Arc<TokenSource>,
    disclosure: Disclosure,
    audit: Option<Arc<AuditLog>>,
    reloader: Option<Reloader>,
    /// Held while a reload runs: one at a time.
    reloading: Arc<tokio::sync::Mutex<()>>,
    /// Where `POST /api/v1/overrides` records corrections: set only for a
    /// bundle loaded with `--overrides FILE`, which every reload reads.
    overrides_file: Option<Arc<std::path::Path>>,
    /// An earlier load of the partnership, for `GET /api/v1/changes`.
    previous: Option<Arc<Snapshot>>,
    /// The partnership meeting's decisions (`serve --decisions FILE`).
    decisions: Option<Arc<decisions::Book>>,
    /// What the audit review flags as unusual (`[audit]` in `--config`).
    watch: Arc<unusual::Watch>,
    /// The same, as the entries are recorded: what becomes unusual is
    /// logged as it happens, for whoever watches the service's log.
    live: Arc<Mutex<unusual::Watching>>,
    /// Tokens refused, counted and logged by id.
    refusals: Arc<auth::Refusals>,
    /// Requests each token may make a minute.
    limit: Arc<auth::RateLimit>,
    /// Answers worked out from the served snapshot, kept until a reload
    /// swaps another in.
    cache: Arc<Cache>,
}

/// What every request would otherwise work out again from the whole load.
#[derive(Default)]
struct Cache {
    changes: PerSnapshot<changes::Changes>,
    /// Answers held as the JSON they are sent as.
    evidence: PerSnapshot<axum::body::Bytes>,
    /// The overlap matrix with household and family ids, and without.
    overlaps: [PerSnapshot<axum::body::Bytes>; 2],
    /// The family and household ids the full matrix names, for the audit.
    overlap_ids: PerSnapshot<(Vec<String>, Vec<String>)>,
    /// The load report's parts that do not depend on the page asked for.
    report: PerSnapshot<serde_json::Value>,
}

impl Cache {
    fn clear(&self) {
        self.changes.clear();
        self.evidence.clear();
        self.overlaps.iter().for_each(PerSnapshot::clear);
        self.overlap_ids.clear();
        self.report.clear();
    }
}

/// A value worked out from one snapshot, and the snapshot it is of.
struct PerSnapshot<T>(std::sync::Mutex<Option<(Arc<Snapshot>, Arc<T>)>>);

impl<T> Default for PerSnapshot<T> {
    fn default() -> Self {
        PerSnapshot(std::sync::Mutex::new(None))
    }
}

impl<T> PerSnapshot<T> {
    /// The value for `snapshot`, worked out by `compute` if it is not
    /// held. The lock is held meanwhile: concurrent requests wait for one
    /// answer rather than each working it out.
    fn get(&self, snapshot: &Arc<Snapshot>, compute: impl FnOnce(&Snapshot) -> T) -> Arc<T> {
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
    fn clear(&self) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// Builds a new snapshot from the server's source (its bundle folder or
/// database), for `POST /api/v1/reload` and SIGHUP. The error says what
/// went wrong and where, without personal data.
pub type Reloader = Arc<dyn Fn() -> Result<Snapshot, String> + Send + Sync>;

impl AppState {
    /// Accepts the tokens of `source` (a tokens file read again when it
    /// changes, on SIGHUP and on reload) instead of those given to `new`.
    pub fn with_tokens(mut self, source: TokenSource) -> AppState {
        self.tokens = Arc::new(source);
        self
    }

    pub fn new(snapshot: Snapshot, tokens: Tokens) -> AppState {
        AppState {
            snapshot: Arc::new(RwLock::new(Arc::new(snapshot))),
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
    fn reread_tokens(&self) {
        if let Err(error) = self.tokens.reread() {
            tracing::error!(%error, "the tokens file cannot be read: no token is accepted until it can");
        }
    }

    /// Reloads while the caller holds the reload lock.
    async fn reload_holding(&self, _guard: tokio::sync::OwnedMutexGuard<()>) -> Result<Arc<Snapshot>, ApiError> {
        let Some(reloader) = self.reloader.clone() else {
            return Err(ApiError::BadRequest("this server has no source to reload".into()));
        };
        let snapshot = tokio::task::spawn_blocking(move || reloader())
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
    fn decision_book(&self) -> Result<Arc<decisions::Book>, ApiError> {
        self.decisions.clone().ok_or_else(|| {
            ApiError::NotFound("this server records no decisions: start famgraph serve with --decisions FILE".into())
        })
    }

    /// The decisions matched to `snapshot`, if the server keeps them.
    fn decided(&self, snapshot: &Arc<Snapshot>) -> Option<Arc<decisions::Decided>> {
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
    async fn allow(&self, caller: &Caller, roles: &[Role], what: &'static str, endpoint: &str) -> Result<(), ApiError> {
        if roles.contains(&caller.role) {
            return Ok(());
        }
        self.audited(caller, endpoint, false, (Vec::new(), Vec::new()), &self.snapshot()).await?;
        Err(ApiError::Forbidden(what))
    }

    /// Records a request in the audit trail, if there is one, with the load
    /// (`snapshot`) whose family and household ids it names; the request
    /// fails if the entry cannot be written.
    async fn audited(
        &self,
        caller: &Caller,
        endpoint: &str,
        served: bool,
        named: (Vec<String>, Vec<String>),
        snapshot: &Snapshot,
    ) -> Result<(), ApiError> {
        let Some(audit) = &self.audit else { return Ok(()) };
        let entry = audit.record(caller, endpoint, served, named, &snapshot.load).await?;
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
    async fn changes_since(&self, previous: Arc<Snapshot>) -> Result<Arc<changes::Changes>, ApiError> {
        let (current, cache) = (self.snapshot(), self.cache.clone());
        tokio::task::spawn_blocking(move || cache.changes.get(&current, |current| changes::changes(&previous, current)))
            .await
            .map_err(|e| ApiError::Internal(format!("changes task: {e}")))
    }

    pub fn replace(&self, snapshot: Snapshot) {
        *self.snapshot.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snapshot);
        self.cache.clear();
    }
}

/// Serves until `shutdown` completes. The caller binds the listener, so
/// tests can use port 0.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: http::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    http::serve(listener, router(state), limits, shutdown).await
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/me", get(me))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/families", get(list_families))
        .route("/api/v1/families/{family_id}", get(get_family))
        .route("/api/v1/families/{family_id}/decision", post(post_decision))
        .route("/api/v1/decisions", get(list_decisions))
        .route("/api/v1/overlaps", get(overlaps))
        .route("/api/v1/evidence", get(get_evidence))
        .route("/api/v1/load-report", get(load_report))
        .route("/api/v1/audit", get(audit_trail))
        .route("/api/v1/rulesets", get(rulesets))
        .route("/api/v1/changes", get(get_changes))
        .route("/api/v1/cohorts", get(list_cohorts))
        .route("/api/v1/cohorts/{name}", get(get_cohort))
        .route("/api/v1/graph/neighbourhood", get(neighbourhood))
        .route("/api/v1/graph/path", get(path_between))
        .route("/api/v1/reload", post(reload))
        .route("/api/v1/overrides", post(post_override))
        .route("/", get(pages::index))
        .route("/families/{family_id}", get(pages::family))
        .route("/overlaps", get(pages::index))
        .route("/evidence", get(pages::index))
        .route("/changes", get(pages::index))
        .route("/cohorts", get(pages::index))
        .route("/cohorts/{name}", get(pages::index))
        .route("/load-report", get(pages::index))
        .route("/audit", get(pages::index))
        .route("/decisions", get(pages::index))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(http::time_limit))
        .layer(axum::middleware::map_response(pages::security_headers))
        .with_state(state)
}

/// The caller's token name and role, so the pages offer only what the
/// role may see, and whether this server keeps decisions and corrections.
async fn me(caller: Caller, State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "name": caller.name,
        "role": caller.role.code(),
        "records_decisions": state.decisions.is_some(),
        "records_corrections": state.overrides_file.is_some(),
    }))
}

/// The API's contract, for scripts and other teams' tools: every path,
/// parameter, role and answer (`crates/api/src/openapi.json`).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi(_caller: Caller) -> axum::response::Response {
    json_response(&axum::body::Bytes::from_static(OPENAPI.as_bytes()))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint: see /api/v1/families, /api/v1/overlaps, /api/v1/evidence".into())
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

fn parse_number(params: &[(String, String)], name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match params.iter().rev().find(|(k, _)| k == name) {
        None => Ok(default),
        Some((_, value)) => match value.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            Ok(_) => Err(ApiError::BadRequest(format!("`{name}` must be at most {max}"))),
            Err(_) => Err(ApiError::BadRequest(format!("`{name}` must be a whole number from 0 to {max}"))),
        },
    }
}

async fn list_families(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    state.allow(&caller, &[Role::Coordinator, Role::Partnership], "the family shortlist", "/api/v1/families").await?;
    // Parameters are read by hand so a bad value gets a JSON 400 naming it.
    let limit = parse_number(&params, "limit", DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
    let offset = parse_number(&params, "offset", 0, usize::MAX)?;
    let snapshot = state.snapshot();
    let mut filter = views::Filter::from_params(&params, &snapshot)?;
    if let Some(decided) = state.decided(&snapshot) {
        filter = filter.with_decisions(decided);
    }
    let csv = csv_out::wants_csv(param(&params, "format"))?;
    let (families, total) = filter.page(&snapshot, offset, limit);
    let named = families.iter().map(|f| f.family_id.clone()).collect();
    state.audited(&caller, "/api/v1/families", true, (named, vec![]), &snapshot).await?;
    if csv {
        return Ok(csv_out::response("famgraph-shortlist.csv", views::shortlist_csv(&families)));
    }
    Ok(Json(serde_json::json!({
        "families": families,
        "total": total,
        "limit": limit,
        "offset": offset,
        "as_of": snapshot.analysis.as_of.to_string(),
    }))
    .into_response())
}

async fn get_family(
    caller: Caller,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<FamilyDetail>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "a family's details", "/api/v1/families/{family_id}").await?;
    let Path(family_id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let family = family_of(&snapshot, &family_id)?;
    let named = vec![snapshot.graph.families[family].id.clone()];
    state.audited(&caller, "/api/v1/families/{family_id}", true, (named, vec![]), &snapshot).await?;
    tracing::info!(caller = %caller.name, endpoint = "family", "person-level data served");
    let detail = family_detail(&snapshot, family);
    Ok(Json(match state.decided(&snapshot) {
        Some(decided) => detail.with_decisions(&decided, family),
        None => detail,
    }))
}

/// The meeting's decisions, newest first: its minutes, each with the
/// family that carries it now. Coordinators and the partnership role (for
/// whom the notes, free text, are left out); audited with the families.
/// `since=YYYY-MM-DD` keeps those recorded on or after a day.
async fn list_decisions(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    const ENDPOINT: &str = "/api/v1/decisions";
    state.allow(&caller, &[Role::Coordinator, Role::Partnership], "the meeting's decisions", ENDPOINT).await?;
    let book = state.decision_book()?;
    let limit = parse_number(&params, "limit", DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
    let offset = parse_number(&params, "offset", 0, usize::MAX)?;
    let since = day_param(&params, "since")?;
    let snapshot = state.snapshot();
    let decided = book.decided(&snapshot);
    let (page, total, named) =
        decisions_page(&snapshot, &decided, since.as_deref(), caller.role == Role::Coordinator, (offset, limit));
    state.audited(&caller, ENDPOINT, true, (named.into_iter().collect(), vec![]), &snapshot).await?;
    Ok(Json(serde_json::json!({
        "decisions": page,
        "total": total,
        "limit": limit,
        "offset": offset,
    })))
}

/// A decision in the list of the meeting's decisions: with the families
/// of this load that carry it now, and their ranks.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DecisionRow {
    #[serde(flatten)]
    pub decision: decisions::DecisionView,
    pub family_ids: Vec<String>,
    pub ranks: Vec<Option<usize>>,
}

/// One page of the meeting's decisions recorded on or after `since`
/// (`YYYY-MM-DD`), newest first, as the API and `famgraph decisions` give
/// them, with how many there are in all and the family ids the page names.
pub fn decisions_page(
    snapshot: &Snapshot,
    decided: &decisions::Decided,
    since: Option<&str>,
    with_notes: bool,
    (offset, limit): (usize, usize),
) -> (Vec<DecisionRow>, usize, BTreeSet<String>) {
    let matching: Vec<_> =
        decided.newest_first().filter(|(e, _)| since.is_none_or(|d| e.decided_on.as_str() >= d)).collect();
    let graph = &snapshot.graph;
    let mut named = BTreeSet::new();
    let page = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(entry, families)| {
            named.extend(families.iter().map(|&f| graph.families[f].id.clone()));
            let mut decision = decisions::DecisionView::from(*entry);
            if !with_notes {
                decision.note = None;
            }
            DecisionRow {
                decision,
                family_ids: families.iter().map(|&f| graph.families[f].id.clone()).collect(),
                ranks: families.iter().map(|&f| snapshot.analysis.families[f].rank).collect(),
            }
        })
        .collect();
    (page, matching.len(), named)
}

/// The family with `family_id` in the load, or 404.
fn family_of(snapshot: &Snapshot, family_id: &str) -> Result<famgraph_graph::FamilyIdx, ApiError> {
    snapshot.graph.family_by_id(family_id).ok_or_else(|| ApiError::NotFound("no family with that family_id".into()))
}

/// Records the partnership meeting's decision about a family in the
/// decisions file (audited, signed with the token's name and the day) and
/// answers with the family's decisions as they now stand.
async fn post_decision(
    caller: Caller,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    body: Result<Json<decisions::Request>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    const ENDPOINT: &str = "/api/v1/families/{family_id}/decision";
    state.allow(&caller, &[Role::Coordinator], "decisions about families", ENDPOINT).await?;
    let book = state.decision_book()?;
    let Path(family_id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let family = family_of(&snapshot, &family_id)?;
    let Json(request) = body.map_err(|e| ApiError::BadRequest(format!("a JSON body is needed: {}", e.body_text())))?;
    let entry = request.entry(&snapshot, family, &caller, auth::today())?;
    state
        .audited(&caller, ENDPOINT, true, (vec![snapshot.graph.families[family].id.clone()], vec![]), &snapshot)
        .await?;
    let writer = book.clone();
    tokio::task::spawn_blocking(move || writer.record(entry))
        .await
        .map_err(|e| ApiError::Internal(format!("decision task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("appending to the decisions file: {e}")))?;
    // The evidence counts families by decision.
    state.cache.evidence.clear();
    let decided = book.decided(&snapshot);
    let decisions: Vec<decisions::DecisionView> = decided.history(family).map(Into::into).collect();
    Ok(Json(serde_json::json!({
        "family_id": snapshot.graph.families[family].id,
        "decision": decisions.last(),
        "decisions": decisions,
    })))
}

async fn overlaps(caller: Caller, State(state): State<AppState>) -> Result<axum::response::Response, ApiError> {
    let snapshot = state.snapshot();
    let with_households = matches!(caller.role, Role::Coordinator | Role::Partnership);
    if with_households {
        let named = state.cache.overlap_ids.get(&snapshot, |snapshot| {
            let households: std::collections::BTreeSet<usize> = snapshot
                .analysis
                .agency_pairs
                .iter()
                .flat_map(|p| p.concurrent.iter().chain(&p.same_need).copied())
                .collect();
            let households = households.into_iter().map(|h| snapshot.graph.households[h].id.clone()).collect();
            let families = snapshot
                .analysis
                .families
                .iter()
                .filter(|f| !f.overlaps.is_empty())
                .map(|f| snapshot.graph.families[f.family].id.clone())
                .collect();
            (families, households)
        });
        state.audited(&caller, "/api/v1/overlaps", true, (named.0.clone(), named.1.clone()), &snapshot).await?;
    }
    let disclosure = state.disclosure;
    let matrix = state.cache.overlaps[usize::from(with_households)]
        .get(&snapshot, |snapshot| json_bytes(&views::overlaps(snapshot, with_households, disclosure)));
    Ok(json_response(&matrix))
}

async fn get_evidence(
    _caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    let snapshot = state.snapshot();
    let disclosure = state.disclosure;
    // The changes since an earlier load, when decisions are kept too:
    // their figures of the families worked with are suppressed with the
    // decisions here.
    let changes = match state.previous.clone().filter(|_| state.decisions.is_some()) {
        Some(previous) => Some(state.changes_since(previous).await?),
        None => None,
    };
    // With the meeting's decisions, when kept (the cache is dropped when
    // one is recorded).
    let full = |snapshot: &Arc<Snapshot>| {
        let figures = evidence(snapshot, disclosure);
        match state.decided(snapshot) {
            Some(decided) => {
                let sustained = changes.as_deref().map(changes::sustained_families);
                figures.with_decisions(&decision_figures(snapshot, &decided, sustained.as_ref(), disclosure))
            }
            None => figures,
        }
    };
    if csv_out::wants_csv(param(&params, "format"))? {
        return Ok(csv_out::response("famgraph-evidence.csv", full(&snapshot).to_csv()));
    }
    Ok(json_response(&state.cache.evidence.get(&snapshot, |_| json_bytes(&full(&snapshot)))))
}

/// A value as the JSON text a response carries.
fn json_bytes(value: &impl serde::Serialize) -> axum::body::Bytes {
    serde_json::to_vec(value).expect("answers serialise: their maps have string keys").into()
}

/// JSON text held ready, as a response.
fn json_response(body: &axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

/// The most rejected or repaired lines one load-report answer lists.
pub const MAX_REPORT_LINES: usize = 1000;

/// The load report: per file, the counts, rejects and warnings counted by
/// reason, and a page of the lines themselves (`offset`, `limit`, at most
/// `MAX_REPORT_LINES`), so an answer stays small however many rows an
/// extract got wrong. The parts that do not depend on the page are worked
/// out once per load.
async fn load_report(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Admin], "the load report", "/api/v1/load-report").await?;
    let offset = parse_number(&params, "offset", 0, usize::MAX)?;
    let limit = parse_number(&params, "limit", 100, MAX_REPORT_LINES)?;
    let snapshot = state.snapshot();
    let (cache, held) = (state.cache.clone(), snapshot.clone());
    let summary = tokio::task::spawn_blocking(move || cache.report.get(&held, views::report_summary))
        .await
        .map_err(|e| ApiError::Internal(format!("load report task: {e}")))?;
    let mut answer = (*summary).clone();
    let (rejects, warnings) = views::report_lines(&snapshot, offset, limit);
    answer["rejects"] = rejects;
    answer["warnings"] = warnings;
    answer["offset"] = offset.into();
    answer["limit"] = limit.into();
    Ok(Json(answer))
}

/// The deepest neighbourhood one request may ask for.
pub const MAX_DEPTH: usize = 4;
/// The most nodes a neighbourhood returns.
pub const MAX_NODES: usize = 500;

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

/// A day parameter (`since`, `until`) as `YYYY-MM-DD`, or a 400 saying so.
fn day_param(params: &[(String, String)], name: &str) -> Result<Option<String>, ApiError> {
    param(params, name)
        .filter(|d| !d.is_empty())
        .map(|d| decisions::day(d).ok_or_else(|| ApiError::BadRequest(format!("`{name}` must be a date, YYYY-MM-DD"))))
        .transpose()
}

/// A person's or household's neighbourhood: the people and family homes
/// within `depth` steps, and the services they touch (coordinators).
async fn neighbourhood(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "the graph of people", "/api/v1/graph/neighbourhood").await?;
    let depth = parse_number(&params, "depth", 1, MAX_DEPTH)?;
    let snapshot = state.snapshot();
    let graph = &snapshot.graph;
    let start = match (param(&params, "person"), param(&params, "household")) {
        (Some(id), None) => graph.person_by_id(id).map(|p| graph.person_nodes[p]),
        (None, Some(id)) => graph.households.iter().position(|h| h.id == id).map(|h| graph.household_nodes[h]),
        _ => return Err(ApiError::BadRequest("give one of `person` or `household`".into())),
    }
    .ok_or_else(|| ApiError::NotFound("no such person or household".into()))?;
    let sub = graph.neighbourhood(start, depth, MAX_NODES);
    let (mut json, families) = views::subgraph_json(graph, &sub.nodes, &sub.edges);
    state.audited(&caller, "/api/v1/graph/neighbourhood", true, (families, vec![]), &snapshot).await?;
    json["depth"] = depth.into();
    json["truncated"] = sub.truncated.into();
    Ok(Json(json))
}

/// The shortest chain of relationships and family homes between two people
/// (coordinators).
async fn path_between(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "the graph of people", "/api/v1/graph/path").await?;
    let snapshot = state.snapshot();
    let graph = &snapshot.graph;
    let person = |name: &str| -> Result<petgraph::stable_graph::NodeIndex, ApiError> {
        let id = param(&params, name).ok_or_else(|| ApiError::BadRequest(format!("`{name}` is required")))?;
        graph
            .person_by_id(id)
            .map(|p| graph.person_nodes[p])
            .ok_or_else(|| ApiError::NotFound(format!("no person with the `{name}` id")))
    };
    let (from, to) = (person("from")?, person("to")?);
    let (mut json, families) = match graph.path_between(from, to) {
        Some((nodes, edges)) => views::subgraph_json(graph, &nodes, &edges),
        None => views::subgraph_json(graph, &[], &[]),
    };
    state.audited(&caller, "/api/v1/graph/path", true, (families, vec![]), &snapshot).await?;
    json["connected"] = (!json["nodes"].as_array().is_none_or(Vec::is_empty)).into();
    Ok(Json(json))
}

/// The programme rulesets `?ruleset=` takes: not person-level data.
async fn rulesets(_caller: Caller, State(state): State<AppState>) -> Json<serde_json::Value> {
    let snapshot = state.snapshot();
    let list: Vec<serde_json::Value> = snapshot
        .rulesets
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "title": r.title,
                "description": r.description,
                "requires_children": r.requires_children,
                "criteria": r.criteria.iter().map(|c| serde_json::json!({"id": c.id, "label": c.label, "needs": c.needs})).collect::<Vec<_>>(),
                "local_filters": r.local_filters.iter().map(|c| serde_json::json!({"id": c.id, "label": c.label})).collect::<Vec<_>>(),
                "eligible_if": r.eligible_if.iter().map(|e| serde_json::json!({"min_criteria": e.min_criteria, "local_filter": e.local_filter})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(serde_json::json!({ "rulesets": list }))
}

/// Loads the server's source again (admins only) and swaps it in whole.
async fn reload(caller: Caller, State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Admin], "reloads", "/api/v1/reload").await?;
    state.audited(&caller, "/api/v1/reload", true, (vec![], vec![]), &state.snapshot()).await?;
    let snapshot = state.reload().await?;
    Ok(Json(serde_json::json!({
        "status": "reloaded",
        "as_of": snapshot.analysis.as_of.to_string(),
        "records": snapshot.graph.bundle.people.len(),
        "people": snapshot.graph.people.len(),
        "families": snapshot.graph.families.len(),
    })))
}

/// A person's correction of the linkage (coordinators and admins):
/// appended to the overrides file, signed, then the source reloaded, so
/// the families answer as they now stand. Audited with the families the
/// two records were in before and are in after.
async fn post_override(
    caller: Caller,
    State(state): State<AppState>,
    body: Result<Json<overrides::Request>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Admin], "linkage overrides", "/api/v1/overrides").await?;
    let Some(file) = state.overrides_file.clone() else {
        return Err(ApiError::NotFound(
            "this server records no overrides: start famgraph serve with --data BUNDLE --overrides FILE".into(),
        ));
    };
    let Json(request) = body.map_err(|e| ApiError::BadRequest(format!("a JSON body is needed: {}", e.body_text())))?;
    // One correction at a time, and no other reload between its line and
    // its reload.
    let guard = state.reloading.clone().lock_owned().await;
    let before = state.snapshot();
    let checked = overrides::Checked::check(request, &before)?;
    // In the audit trail before the file changes: who, and which families.
    state.audited(&caller, "/api/v1/overrides", true, (checked.family_ids(&before), vec![]), &before).await?;
    let (signer, path) = (caller.clone(), file);
    let checked = tokio::task::spawn_blocking(move || checked.append(&path, &signer, auth::today()).map(|()| checked))
        .await
        .map_err(|e| ApiError::Internal(format!("override task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("appending to the overrides file: {e}")))?;
    let after = state.reload_holding(guard).await?;
    let now = checked.family_ids(&after);
    state.audited(&caller, "/api/v1/overrides", true, (now.clone(), vec![]), &after).await?;
    Ok(Json(serde_json::json!({ "status": "recorded and reloaded", "family_ids": now })))
}

/// What changed since the earlier load (`serve --previous`): per family
/// for coordinators (audited), counts only, suppressed, for bid writers.
/// `?family=ID` narrows a coordinator's answer to one family of the
/// served load (`family` is null when nothing changed for it).
async fn get_changes(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::BidWriter], "changes between loads", "/api/v1/changes").await?;
    let family = param(&params, "family").map(str::to_owned);
    if family.is_some() {
        state.allow(&caller, &[Role::Coordinator], "one family's changes", "/api/v1/changes").await?;
    }
    let Some(previous) = state.previous.clone() else {
        return Err(ApiError::NotFound(
            "no earlier load to compare with: start famgraph serve with --previous DB_OR_BUNDLE".into(),
        ));
    };
    let changes = state.changes_since(previous).await?;
    if caller.role == Role::BidWriter {
        let (disclosure, snapshot) = (state.disclosure, state.snapshot());
        let shown = |n: usize| disclosure.show(n as u64);
        return Ok(Json(serde_json::json!({
            "before_as_of": changes.before_as_of,
            "after_as_of": changes.after_as_of,
            "families_changed": shown(changes.families.len()),
            "new_families": shown(changes.new_families),
            "gone_families": shown(changes.gone_families),
            "families_with_sustained_outcomes": shown(changes.families_with_sustained_outcomes),
            "sustained_by_need": changes
                .sustained_by_need
                .iter()
                .map(|(need, &n)| (*need, shown(n)))
                .collect::<std::collections::BTreeMap<_, _>>(),
            "suppressed_below": disclosure.threshold,
            "rounded_to": disclosure.round_to,
            "worked_with": state.decided(&snapshot).map(|d| worked_with(&snapshot, &changes, &d, disclosure)),
        })));
    }
    if let Some(id) = family {
        if state.snapshot().graph.family_by_id(&id).is_none() {
            return Err(ApiError::NotFound("no family with that family_id".into()));
        }
        state.audited(&caller, "/api/v1/changes", true, (vec![id.clone()], vec![]), &state.snapshot()).await?;
        let change = changes.families.iter().find(|f| f.family_id == id);
        return Ok(Json(serde_json::json!({
            "before_as_of": changes.before_as_of,
            "after_as_of": changes.after_as_of,
            "family": change,
        })));
    }
    let ids = changes.families.iter().map(|f| f.family_id.clone()).collect();
    state.audited(&caller, "/api/v1/changes", true, (ids, vec![]), &state.snapshot()).await?;
    let mut answer = serde_json::to_value(&*changes).map_err(|e| ApiError::Internal(e.to_string()))?;
    // With decisions kept, each family's decision now: the progress of the
    // families taken on, at a glance.
    let snapshot = state.snapshot();
    if let (Some(decided), Some(families)) = (state.decided(&snapshot), answer["families"].as_array_mut()) {
        for family in families {
            let now = family["family_id"]
                .as_str()
                .and_then(|id| snapshot.graph.family_by_id(id))
                .and_then(|f| decided.latest(f))
                .map(|e| e.decision.code());
            family["decision"] = now.into();
        }
    }
    Ok(Json(answer))
}

/// The outcomes of the families the partnership took on (the meeting's
/// decision now `taken_on` or `closed`): how many, and how many of them
/// have a need resolved and sustained for six months since the earlier
/// load, the figure a payment-by-results claim rests on; suppressed with
/// the evidence's families by decision (`evidence::decision_figures`).
fn worked_with(
    snapshot: &Snapshot,
    changes: &changes::Changes,
    decided: &decisions::Decided,
    disclosure: Disclosure,
) -> serde_json::Value {
    let sustained = changes::sustained_families(changes);
    let shown = decision_figures(snapshot, decided, Some(&sustained), disclosure);
    serde_json::json!({
        "families": shown.worked_with,
        "families_with_sustained_outcomes": shown.with_sustained_outcomes,
    })
}

/// The named cohorts with how many people and families each holds; for a
/// bid writer, counts below the suppression threshold are hidden.
async fn list_cohorts(caller: Caller, State(state): State<AppState>) -> Json<serde_json::Value> {
    let snapshot = state.snapshot();
    let disclosure = (caller.role == Role::BidWriter).then_some(state.disclosure);
    Json(serde_json::json!({
        "cohorts": cohort_summaries(&snapshot, disclosure),
        "suppressed_below": disclosure.map(|d| d.threshold),
        "rounded_to": disclosure.map(|d| d.round_to),
    }))
}

/// The people in one cohort, with their families, shortlist ranks and the
/// evidence; coordinators only, audited.
async fn get_cohort(
    caller: Caller,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "a cohort's members", "/api/v1/cohorts/{name}").await?;
    let Path(name) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let cohort = snapshot.cohorts.find(&name).map_err(ApiError::NotFound)?;
    let graph = &snapshot.graph;
    let families: Vec<String> =
        snapshot.cohorts.families(cohort, graph).into_iter().map(|f| graph.families[f].id.clone()).collect();
    state.audited(&caller, "/api/v1/cohorts/{name}", true, (families, vec![]), &snapshot).await?;
    Ok(Json(cohort_view(&snapshot, cohort)))
}

/// The audit trail, newest first, for admins; reading it is audited too.
async fn audit_trail(
    caller: Caller,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Admin], "the audit trail", "/api/v1/audit").await?;
    let limit = parse_number(&params, "limit", DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
    let offset = parse_number(&params, "offset", 0, usize::MAX)?;
    let review = audit::Review {
        token: param(&params, "token").filter(|t| !t.is_empty()).map(str::to_owned),
        family: param(&params, "family").filter(|f| !f.is_empty()).map(str::to_owned),
        since: day_param(&params, "since")?,
        until: day_param(&params, "until")?,
        denied_only: match param(&params, "outcome") {
            None | Some("") => false,
            Some("denied") => true,
            Some(_) => return Err(ApiError::BadRequest("`outcome` may only be `denied`".into())),
        },
    };
    let Some(audit) = &state.audit else {
        return Ok(Json(
            serde_json::json!({"entries": [], "total": 0, "by_token": [], "unusual": [], "anchor": null, "file": null}),
        ));
    };
    state.audited(&caller, "/api/v1/audit", true, (vec![], vec![]), &state.snapshot()).await?;
    // A year's trail is a million entries: read off the runtime's threads,
    // an entry at a time, keeping where each reviewed one starts and
    // reading the page's again.
    let (path, watch) = (audit.path().to_owned(), Arc::clone(&state.watch));
    let answer = tokio::task::spawn_blocking(move || -> Result<serde_json::Value, famgraph_governance::AuditError> {
        let (mut usage, mut watching, mut reviewed) = (audit::Usage::default(), unusual::Watching::new(&watch), vec![]);
        let anchor = audit::scan(&path, |offset, entry| {
            if review.matches(&entry) {
                usage.add(&entry);
                watching.add(&entry);
                reviewed.push(offset);
            }
        })?;
        let newest_first: Vec<u64> = reviewed.iter().rev().skip(offset).take(limit).copied().collect();
        Ok(serde_json::json!({
            "entries": audit::read_at(&path, &newest_first)?,
            "total": reviewed.len(),
            "by_token": usage.finish(),
            "unusual": watching.finish(),
            "anchor": anchor,
            "limit": limit,
            "offset": offset,
        }))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading the audit trail: {e}")))??;
    Ok(Json(answer))
}
