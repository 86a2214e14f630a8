//! What admins and coordinators keep in order: the load report, the
//! rulesets, reloads, linkage corrections and the audit trail.

use crate::prelude::*;

/// The load report: per file, the counts, rejects and warnings counted by
/// reason, and a page of the lines themselves (`offset`, `limit`, at most
/// `MAX_REPORT_LINES`), so an answer stays small however many rows an
/// extract got wrong. The parts that do not depend on the page are worked
/// out once per load.
pub(crate) async fn load_report(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Admin], "the load report").await?;
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

/// The programme rulesets `?ruleset=` takes: not person-level data.
pub(crate) async fn rulesets(_caller: Client, State(state): State<AppState>) -> Json<serde_json::Value> {
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
pub(crate) async fn reload(caller: Client, State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Admin], "reloads").await?;
    state.audited(&caller, true, (vec![], vec![]), &state.snapshot()).await?;
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
pub(crate) async fn post_override(
    caller: Client,
    State(state): State<AppState>,
    body: Result<Json<overrides::Request>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Admin], "linkage overrides").await?;
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
    state.audited(&caller, true, (checked.family_ids(&before), vec![]), &before).await?;
    let (signer, path) = (caller.clone(), file);
    let checked = tokio::task::spawn_blocking(move || checked.append(&path, &signer, auth::today()).map(|()| checked))
        .await
        .map_err(|e| ApiError::Internal(format!("override task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("appending to the overrides file: {e}")))?;
    let after = state.reload_holding(guard).await?;
    let now = checked.family_ids(&after);
    state.audited(&caller, true, (now.clone(), vec![]), &after).await?;
    Ok(Json(serde_json::json!({ "status": "recorded and reloaded", "family_ids": now })))
}

/// The audit trail, newest first, for admins; reading it is audited too.
pub(crate) async fn audit_trail(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Admin], "the audit trail").await?;
    let (limit, offset) = page(&params, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
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
    state.audited(&caller, true, (vec![], vec![]), &state.snapshot()).await?;
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
