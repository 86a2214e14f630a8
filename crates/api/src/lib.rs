//! The HTTP face of famgraph: the JSON API of `shared/interface.md` under
//! `/api/v1`, `/healthz`, and the web pages, served by axum.
//!
//! State is an `Arc<Snapshot>` built in full before it is served; handlers
//! only read it. The JSON types live here and nowhere below; what the
//! partnership governs (tokens, the audit trail, decisions, evidence) is
//! `famgraph-governance`, which knows no HTTP.
//!
//! - `router`: every route, its path written once, and the server loop;
//! - `state`: `AppState`, answers kept per snapshot, and `Client` (who is
//!   asking, and the route they matched, for the audit);
//! - `handlers`: one module per resource;
//! - `params`: query parameters and their limits; `fields`: the fields
//!   of a view an answer carries (`?fields=`);
//! - `views`: the JSON of families, the shortlist and the load report.

mod csv_out;
mod error;
mod fields;
mod handlers;
pub mod http;
pub mod overrides;
mod pages;
mod params;
mod router;
mod state;
pub mod tls;
mod views;

pub use error::ApiError;
pub use handlers::cohorts::{CohortMemberView, CohortSummary, CohortView, cohort_summaries, cohort_view};
pub use handlers::families::{DecisionRow, decisions_page};
pub use params::{DEFAULT_PAGE_LIMIT, MAX_DEPTH, MAX_NODES, MAX_PAGE_LIMIT, MAX_REPORT_LINES};
pub use router::{OPENAPI, router, serve};
pub use state::{AppState, Reloader};
pub use views::{
    AgencyRecords, Explain, FamilyDetail, FamilySummary, Filter, FilterSpec, Keyworkers, agency_records, family_detail,
    report_json, subject_access,
};

/// What the modules of this crate use, in one place.
mod prelude {
    pub(crate) use std::collections::BTreeSet;
    pub(crate) use std::future::Future;
    pub(crate) use std::sync::{Arc, Mutex, RwLock};

    pub(crate) use axum::extract::{FromRequestParts, Path, Query, State};
    pub(crate) use axum::http::request::Parts;
    pub(crate) use axum::routing::{get, post};
    pub(crate) use axum::{Json, Router};
    pub(crate) use famgraph_governance::{
        AuditLog, Caller, Disclosure, Role, TokenSource, Tokens, audit, auth, changes, decision_figures, decisions,
        evidence, unusual,
    };
    pub(crate) use famgraph_pipeline::{Cohort, Snapshot};
    pub(crate) use tokio::net::TcpListener;

    pub(crate) use crate::error::ApiError;
    pub(crate) use crate::fields::{Fields, Selected};
    pub(crate) use crate::handlers::admin::*;
    pub(crate) use crate::handlers::cohorts::*;
    pub(crate) use crate::handlers::families::*;
    pub(crate) use crate::handlers::graph::*;
    pub(crate) use crate::handlers::partnership::*;
    pub(crate) use crate::handlers::review::*;
    pub(crate) use crate::handlers::search::*;
    pub(crate) use crate::params::*;
    pub(crate) use crate::state::*;
    pub(crate) use crate::views::*;
    pub(crate) use crate::{csv_out, http, overrides, pages, views};
}
