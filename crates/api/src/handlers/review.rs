//! `/api/v1/review`: the links worth a person's look, worked through with
//! split and join on the family pages. Coordinators only; audited with the
//! families it names.

use std::collections::BTreeMap;

use famgraph_pipeline::review::{self, Kind};

use crate::prelude::*;

pub(crate) async fn review_queue(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "the links worth a look").await?;
    let (limit, offset) = page(&params, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)?;
    let kind = match param(&params, "kind") {
        None | Some("") => None,
        Some(text) => Some(Kind::parse(text).ok_or_else(|| {
            let codes: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
            ApiError::BadRequest(format!("unknown `kind`: use one of {}", codes.join(", ")))
        })?),
    };
    let snapshot = state.snapshot();
    let graph = &snapshot.graph;
    let all = review::queue(&snapshot);
    let mut counts: BTreeMap<&str, usize> = Kind::ALL.iter().map(|k| (k.code(), 0)).collect();
    for item in all {
        *counts.entry(item.kind.code()).or_default() += 1;
    }
    let matching: Vec<&review::Item> = all.iter().filter(|i| kind.is_none_or(|k| i.kind == k)).collect();
    let page: Vec<serde_json::Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|item| {
            let records = views::record_refs(graph, &item.records);
            serde_json::json!({
                "kind": item.kind.code(),
                "family_id": graph.families[item.family].id,
                "rank": snapshot.analysis.families[item.family].rank,
                "person_ids": item.people.iter().map(|&p| &graph.people[p].id).collect::<Vec<_>>(),
                "records": records,
                "probability": item.probability,
                "detail": item.detail,
            })
        })
        .collect();
    let families = views::named_families(&page);
    state.audited(&caller, true, (families, vec![]), &snapshot).await?;
    Ok(Json(serde_json::json!({
        "items": page,
        "total": matching.len(),
        "by_kind": counts,
        "limit": limit,
        "offset": offset,
    })))
}
