//! `/api/v1/families`, one family, and the meeting's decisions about them.

use crate::prelude::*;

/// The shortlist's answer, written straight to JSON text.
#[derive(serde::Serialize)]
struct Shortlist<'a> {
    families: Vec<Selected<'a, FamilySummary>>,
    total: usize,
    limit: usize,
    offset: usize,
    as_of: String,
    window: famgraph_analysis::Window,
    /// What the agency and area filters take, for the page's lists
    /// (once per load: every household's district).
    choices: &'a serde_json::Value,
}

pub(crate) async fn list_families(
    caller: Client,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Partnership], "the family shortlist").await?;
    // Parameters are read by hand so a bad value gets a JSON 400 naming it.
    // As CSV, for a meeting's papers: every family matching, unless a
    // limit is asked for.
    let csv = csv_out::wants_csv(param(&params, "format"))?;
    let (limit, offset) =
        if csv { page(&params, usize::MAX, usize::MAX)? } else { page(&params, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)? };
    let fields = if csv { Fields::ALL } else { Fields::parse::<FamilySummary>(param(&params, "fields"))? };
    let snapshot = state.snapshot();
    let decided = state.decided(&snapshot);
    // The same question under the same decisions has the same answer
    // until a reload: kept, and audited each time it is given.
    let question = (!csv).then(|| {
        let asked: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", auth::today(), asked.join("&"))
    });
    let answers = state.cache.shortlists.get(&snapshot, |_| ShortlistAnswers::default());
    let same_decisions = |kept: &ShortlistAnswer| match (&kept.decided, &decided) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    };
    if let Some(kept) = question.as_ref().and_then(|q| answers.find(q, same_decisions)) {
        state.audited(&caller, true, (kept.named.to_vec(), vec![]), &snapshot).await?;
        return Ok(kept.body.response(&headers));
    }
    let mut filter = views::Filter::from_params(&params, &snapshot)?;
    if let Some(decided) = decided.clone() {
        filter = filter.with_decisions(decided);
    }
    let (families, total) = filter.page(&snapshot, offset, limit);
    let named: Vec<String> = families.iter().map(|f| f.family_id.clone()).collect();
    if csv {
        state.audited(&caller, true, (named, vec![]), &snapshot).await?;
        return Ok(csv_out::response("famgraph-shortlist.csv", views::shortlist_csv(&families)));
    }
    let choices = state.cache.choices.get(&snapshot, views::filter_choices);
    let body = json_bytes(&Shortlist {
        families: families.iter().map(|f| Selected(f, fields)).collect(),
        total,
        limit,
        offset,
        as_of: snapshot.analysis.as_of.to_string(),
        window: snapshot.analysis.window(),
        choices: &choices,
    });
    let named: Arc<[String]> = named.into();
    state.audited(&caller, true, (named.to_vec(), vec![]), &snapshot).await?;
    let Some(question) = question else { return Ok(json_response(&body)) };
    let body = KeptBody::new(body);
    let response = body.response(&headers);
    let bytes = body.len();
    answers.keep(question, ShortlistAnswer { decided, named, body }, bytes);
    Ok(response)
}

pub(crate) async fn get_family(
    caller: Client,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    state.allow(&caller, &[Role::Coordinator], "a family's details").await?;
    let Path(family_id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let fields = Fields::parse::<FamilyDetail>(param(&params, "fields"))?;
    let explain = match param(&params, "explain") {
        None | Some("") => Explain::Summary,
        Some("links") => Explain::Fields,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`explain` takes `links` (each link's field-by-field comparison), not `{other}`"
            )));
        }
    };
    let snapshot = state.snapshot();
    let family = family_of(&snapshot, &family_id)?;
    let named = vec![snapshot.graph.families[family].id.clone()];
    state.audited(&caller, true, (named, vec![]), &snapshot).await?;
    tracing::info!(caller = %caller.name, endpoint = "family", "person-level data served");
    let decided = state.decided(&snapshot).filter(|d| d.history(family).next().is_some());
    if decided.is_none() {
        // The answer of a family without decisions is the same until a
        // reload or a decision: worked out and written once, and the
        // fields asked for read from it.
        let answers = state.cache.families.get(&snapshot, |_| FamilyAnswers::default());
        let kept = answers.find(&(family, explain), |_| true).unwrap_or_else(|| {
            let detail = Arc::new(family_detail(&snapshot, family, explain));
            let kept = KeptFamily { body: KeptBody::new(json_bytes(&*detail)), detail };
            answers.keep((family, explain), kept.clone(), kept.bytes());
            kept
        });
        return Ok(if fields == Fields::ALL {
            kept.body.response(&headers)
        } else {
            Json(Selected(&*kept.detail, fields)).into_response()
        });
    }
    let detail = family_detail(&snapshot, family, explain);
    let detail = match decided {
        Some(decided) => detail.with_decisions(&decided, family),
        None => detail,
    };
    Ok(Json(Selected(&detail, fields)).into_response())
}

/// A family's claim report: its baseline (the day the meeting took it on
/// and the needs open then) and each need's outcome since, with the
/// records that show it. Coordinators only; audited.
pub(crate) async fn get_outcomes(
    caller: Client,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<famgraph_governance::outcomes::ClaimReport>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "a family's outcomes").await?;
    let Path(family_id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let family = family_of(&snapshot, &family_id)?;
    let book = state.decision_book()?;
    let decided = book.decided(&snapshot);
    state.audited(&caller, true, (vec![snapshot.graph.families[family].id.clone()], vec![]), &snapshot).await?;
    famgraph_governance::outcomes::claim_report(&snapshot, &decided, family).map(Json).ok_or_else(|| {
        ApiError::NotFound("the meeting has not taken this family on: outcomes count from the day it does".into())
    })
}

/// The meeting's decisions, newest first: its minutes, each with the
/// family that carries it now. Coordinators and the partnership role (for
/// whom the notes, free text, are left out); audited with the families.
/// `since=YYYY-MM-DD` keeps those recorded on or after a day.
pub(crate) async fn list_decisions(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::Partnership], "the meeting's decisions").await?;
    let book = state.decision_book()?;
    let (limit, offset) = page(&params, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
    let since = day_param(&params, "since")?;
    let snapshot = state.snapshot();
    let decided = book.decided(&snapshot);
    let (page, total, named) =
        decisions_page(&snapshot, &decided, since.as_deref(), caller.role == Role::Coordinator, (offset, limit));
    state.audited(&caller, true, (named.into_iter().collect(), vec![]), &snapshot).await?;
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
pub(crate) fn family_of(snapshot: &Snapshot, family_id: &str) -> Result<famgraph_graph::FamilyIdx, ApiError> {
    snapshot.graph.family_by_id(family_id).ok_or_else(|| ApiError::NotFound("no family with that family_id".into()))
}

/// Records the partnership meeting's decision about a family in the
/// decisions file (audited, signed with the token's name and the day) and
/// answers with the family's decisions as they now stand.
pub(crate) async fn post_decision(
    caller: Client,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    body: Result<Json<decisions::Request>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "decisions about families").await?;
    let book = state.decision_book()?;
    let Path(family_id) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let family = family_of(&snapshot, &family_id)?;
    let Json(request) = body.map_err(|e| ApiError::BadRequest(format!("a JSON body is needed: {}", e.body_text())))?;
    let entry = request.entry(&snapshot, family, &caller, auth::today())?;
    state.audited(&caller, true, (vec![snapshot.graph.families[family].id.clone()], vec![]), &snapshot).await?;
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
