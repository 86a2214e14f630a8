//! The routes, each path written once, and the server loop under them.

use crate::prelude::*;

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
        .route("/api/v1/families/{family_id}/outcomes", get(get_outcomes))
        .route("/api/v1/decisions", get(list_decisions))
        .route("/api/v1/search", get(search_people))
        .route("/api/v1/review", get(review_queue))
        .route("/api/v1/overlaps", get(get_overlaps))
        .route("/api/v1/evidence", get(get_evidence))
        .route("/api/v1/evidence/charts/{name}", get(get_evidence_chart))
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
        .route("/evidence/pack", get(pages::index))
        .route("/changes", get(pages::index))
        .route("/cohorts", get(pages::index))
        .route("/cohorts/{name}", get(pages::index))
        .route("/load-report", get(pages::index))
        .route("/audit", get(pages::index))
        .route("/decisions", get(pages::index))
        .route("/search", get(pages::index))
        .route("/review", get(pages::index))
        .route("/pack", get(pages::index))
        .route("/assets/{name}", get(pages::asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(http::time_limit))
        .layer(axum::middleware::map_response(pages::security_headers))
        .with_state(state)
}

/// The caller's token name and role, so the pages offer only what the
/// role may see, and whether this server keeps decisions and corrections.
pub(crate) async fn me(caller: Client, State(state): State<AppState>) -> Json<serde_json::Value> {
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

pub(crate) async fn openapi(_caller: Client) -> axum::response::Response {
    json_response(&axum::body::Bytes::from_static(OPENAPI.as_bytes()))
}

pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint: see /api/v1/families, /api/v1/overlaps, /api/v1/evidence".into())
}
