//! The API's handlers, one module per resource. Each checks the caller's
//! role (`AppState::allow`) and audits what it serves (`AppState::audited`)
//! before the answer leaves.

pub(crate) mod admin;
pub(crate) mod cohorts;
pub(crate) mod families;
pub(crate) mod graph;
pub(crate) mod partnership;
pub(crate) mod review;
pub(crate) mod search;
