//! What the partnership reviews together: the agency overlaps, the
//! evidence for bid writers and the changes since an earlier load.

use crate::prelude::*;

pub(crate) async fn get_overlaps(
    caller: Client,
    State(state): State<AppState>,
) -> Result<axum::response::Response, ApiError> {
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
        state.audited(&caller, true, (named.0.clone(), named.1.clone()), &snapshot).await?;
    }
    let disclosure = state.disclosure;
    let matrix = state.cache.overlaps[usize::from(with_households)]
        .get(&snapshot, |snapshot| json_bytes(&views::overlaps(snapshot, with_households, disclosure)));
    Ok(json_response(&matrix))
}

/// The evidence as JSON, as CSV (`?format=csv`) or as the zip of CSVs
/// behind the evidence pack (`?format=zip`), for any role.
pub(crate) async fn get_evidence(
    _caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    let format = param(&params, "format");
    if let Some(other) = format.filter(|f| !["json", "csv", "zip"].contains(f)) {
        let shown: String = other.chars().take(40).collect();
        return Err(ApiError::BadRequest(format!("unknown format `{shown}`: use json, csv or zip")));
    }
    let snapshot = state.snapshot();
    let answer = full_evidence(&state, &snapshot);
    Ok(match format {
        Some("csv") => csv_out::response("famgraph-evidence.csv", answer.0.to_csv()),
        Some("zip") => csv_out::download(
            "application/zip",
            &format!("famgraph-evidence-{}.zip", answer.0.as_of),
            famgraph_governance::pack::zip(&answer.0),
        ),
        _ => json_response(&answer.1),
    })
}

/// The evidence, with the meeting's decisions when kept and any recorded,
/// and its JSON: worked out once per snapshot (and again after a
/// decision is recorded, which drops it).
fn full_evidence(
    state: &AppState,
    snapshot: &Arc<Snapshot>,
) -> Arc<(famgraph_governance::evidence::Evidence, axum::body::Bytes)> {
    state.cache.evidence.get(snapshot, |_| {
        let disclosure = state.disclosure;
        let figures = evidence(snapshot, disclosure);
        let figures = match state.decided(snapshot) {
            // Nothing decided yet: nothing to report.
            Some(decided) if decided.now().next().is_some() => {
                figures.with_decisions(&decision_figures(snapshot, &decided, disclosure))
            }
            _ => figures,
        };
        let json = json_bytes(&figures);
        (figures, json)
    })
}

/// One of the evidence's charts (`famgraph_governance::charts`) as SVG,
/// drawn from the figures as published, for any role that sees them.
pub(crate) async fn get_evidence_chart(
    _caller: Client,
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let name = name.strip_suffix(".svg").unwrap_or(&name);
    let snapshot = state.snapshot();
    let answer = full_evidence(&state, &snapshot);
    // The overlaps as a bid writer sees them: counts only, suppressed.
    let overlaps = || {
        let view = views::overlaps(&snapshot, false, state.disclosure);
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        famgraph_governance::charts::Overlaps {
            agencies: view["agencies"].as_array().map(|a| a.iter().map(text).collect()).unwrap_or_default(),
            pairs: view["pairs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (text(&p["agencies"][0]), text(&p["agencies"][1]), p["concurrent"]["households"].as_u64()))
                .collect(),
        }
    };
    let Some(svg) = famgraph_governance::charts::chart(name, &answer.0, overlaps) else {
        return Err(ApiError::NotFound(format!(
            "no chart `{name}`: the charts are {}",
            famgraph_governance::charts::NAMES.join(", ")
        )));
    };
    let disposition = format!("inline; filename=\"famgraph-{name}.svg\"");
    Ok(([(header::CONTENT_TYPE, "image/svg+xml".to_owned()), (header::CONTENT_DISPOSITION, disposition)], svg)
        .into_response())
}

/// What changed since the earlier load (`serve --previous`): per family
/// for coordinators (audited), counts only, suppressed, for bid writers.
/// `?family=ID` narrows a coordinator's answer to one family of the
/// served load (`family` is null when nothing changed for it).
pub(crate) async fn get_changes(
    caller: Client,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.allow(&caller, &[Role::Coordinator, Role::BidWriter], "changes between loads").await?;
    let family = param(&params, "family").map(str::to_owned);
    if family.is_some() {
        state.allow(&caller, &[Role::Coordinator], "one family's changes").await?;
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
            "worked_with": state.decided(&snapshot).map(|d| worked_with(&snapshot, &d, disclosure)),
        })));
    }
    if let Some(id) = family {
        if state.snapshot().graph.family_by_id(&id).is_none() {
            return Err(ApiError::NotFound("no family with that family_id".into()));
        }
        state.audited(&caller, true, (vec![id.clone()], vec![]), &state.snapshot()).await?;
        let change = changes.families.iter().find(|f| f.family_id == id);
        return Ok(Json(serde_json::json!({
            "before_as_of": changes.before_as_of,
            "after_as_of": changes.after_as_of,
            "family": change,
        })));
    }
    let ids = changes.families.iter().map(|f| f.family_id.clone()).collect();
    state.audited(&caller, true, (ids, vec![]), &state.snapshot()).await?;
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
/// have an outcome achieved since the meeting took them on, the figure a
/// payment-by-results claim rests on; suppressed with the evidence's
/// families by decision (`evidence::decision_figures`).
pub(crate) fn worked_with(
    snapshot: &Snapshot,
    decided: &decisions::Decided,
    disclosure: Disclosure,
) -> serde_json::Value {
    let shown = decision_figures(snapshot, decided, disclosure);
    serde_json::json!({
        "families": shown.worked_with,
        "families_with_outcomes": shown.with_outcomes,
    })
}
