//! `/api/v1/graph`: a person's neighbourhood and the path between two.

use crate::prelude::*;

/// A person's or household's neighbourhood: the people and family homes
/// within `depth` steps, and the services they touch (coordinators).
pub(crate) async fn neighbourhood(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "the graph of people").await?;
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
    state.audited(&caller, true, (families, vec![]), &snapshot).await?;
    json["depth"] = depth.into();
    json["truncated"] = sub.truncated.into();
    Ok(Json(json))
}

/// The shortest chain of relationships and family homes between two people
/// (coordinators).
pub(crate) async fn path_between(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator], "the graph of people").await?;
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
    state.audited(&caller, true, (families, vec![]), &snapshot).await?;
    json["connected"] = (!json["nodes"].as_array().is_none_or(Vec::is_empty)).into();
    Ok(Json(json))
}
