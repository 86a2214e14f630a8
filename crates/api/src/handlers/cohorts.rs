//! `/api/v1/cohorts`: the named cohort queries and their members.

use crate::prelude::*;

/// A cohort with how many people and families it holds (`None`: a small
/// count hidden).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CohortSummary {
    pub name: String,
    pub title: String,
    pub description: String,
    /// The SQL file that defines it.
    pub query: String,
    pub people: Option<u64>,
    pub families: Option<u64>,
}

/// Every cohort with how many people and families it holds, as the API and
/// `famgraph cohort` list them; with a disclosure rule, small counts hidden.
pub fn cohort_summaries(snapshot: &Snapshot, disclosure: Option<Disclosure>) -> Vec<CohortSummary> {
    let shown = |n: usize| disclosure.map_or(Some(n as u64), |d| d.show(n as u64));
    snapshot
        .cohorts
        .list()
        .iter()
        .map(|c| CohortSummary {
            name: c.name.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            query: format!("queries/cohorts/{}.sql", c.name),
            people: shown(c.members.len()),
            families: shown(snapshot.cohorts.families(c, &snapshot.graph).len()),
        })
        .collect()
}

/// One cohort as the API and `famgraph cohort NAME` give it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CohortView {
    pub name: String,
    pub title: String,
    pub description: String,
    pub members: Vec<CohortMemberView>,
}

/// A member of a cohort with their family, its rank and why the query put
/// them there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CohortMemberView {
    pub person_id: String,
    pub family_id: String,
    pub rank: Option<usize>,
    pub evidence: String,
}

/// One cohort: each member with their family, its rank and the evidence.
pub fn cohort_view(snapshot: &Snapshot, cohort: &Cohort) -> CohortView {
    let graph = &snapshot.graph;
    let members = cohort
        .members
        .iter()
        .map(|m| {
            let family = graph.people[m.person].family;
            CohortMemberView {
                person_id: graph.people[m.person].id.clone(),
                family_id: graph.families[family].id.clone(),
                rank: snapshot.analysis.families[family].rank,
                evidence: m.evidence.clone(),
            }
        })
        .collect();
    CohortView {
        name: cohort.name.clone(),
        title: cohort.title.clone(),
        description: cohort.description.clone(),
        members,
    }
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
) -> Result<Json<CohortView>, ApiError> {
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
