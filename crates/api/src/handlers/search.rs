//! `/api/v1/search`: is this person already known? Coordinators only
//! (person-level data); every search audited with the families it found.

use famgraph_pipeline::search;

use crate::prelude::*;

/// The longest query taken.
const MAX_QUERY: usize = 200;
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

pub(crate) async fn search_people(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "searching for people").await?;
    let limit = parse_number(&params, "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let q = param(&params, "q").map(str::trim).unwrap_or_default();
    if q.is_empty() || q.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "`q` must be a name, a date of birth (YYYY-MM-DD), a postcode, an NHS number or a record id, \
             1 to {MAX_QUERY} characters"
        )));
    }
    let snapshot = state.snapshot();
    let found = search::search(&snapshot, q, limit);
    let graph = &snapshot.graph;
    let people: Vec<serde_json::Value> = found
        .iter()
        .flat_map(|f| &f.hits)
        .map(|hit| {
            let person = &graph.people[hit.person];
            let family = &graph.families[person.family];
            let records = views::record_refs(graph, &person.records);
            let postcode = person
                .household
                .and_then(|h| graph.households[h].postcode.as_ref())
                .map(famgraph_model::Postcode::as_str);
            serde_json::json!({
                "person_id": person.id,
                "family_id": family.id,
                "family_rank": snapshot.analysis.families[person.family].rank,
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.date_of_birth.map(|d| d.to_string()),
                "postcode": postcode,
                "records": records,
                "score": (hit.score * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    let families = views::named_families(&people);
    state.audited(&caller, true, (families, vec![]), &snapshot).await?;
    Ok(Json(serde_json::json!({
        "people": people,
        "total": found.as_ref().map_or(0, |f| f.total),
        "matched_on": found.as_ref().map(|f| f.kind.code()),
        "limit": limit,
    })))
}
