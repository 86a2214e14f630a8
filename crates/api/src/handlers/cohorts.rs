//! `/api/v1/cohorts`: the named cohort queries and their members.

use crate::prelude::*;

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

/// The named cohorts with how many people and families each holds; for a
/// bid writer, counts below the suppression threshold are hidden.
pub(crate) async fn list_cohorts(caller: Client, State(state): State<AppState>) -> Json<serde_json::Value> {
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
pub(crate) async fn get_cohort(
    caller: Client,
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "a cohort's members").await?;
    let Path(name) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let snapshot = state.snapshot();
    let cohort = snapshot.cohorts.find(&name).map_err(ApiError::NotFound)?;
    let graph = &snapshot.graph;
    let families: Vec<String> =
        snapshot.cohorts.families(cohort, graph).into_iter().map(|f| graph.families[f].id.clone()).collect();
    state.audited(&caller, true, (families, vec![]), &snapshot).await?;
    Ok(Json(cohort_view(&snapshot, cohort)))
}
