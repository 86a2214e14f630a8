//! The partnership's governance of its data, apart from any HTTP: who may
//! see what (tokens and roles), the audit trail of person-level requests
//! and its review for unusual access, the meeting's decisions about
//! families, what changed between loads, and the aggregate evidence with
//! its disclosure control.
//!
//! The API (`famgraph-api`) and the command line both call it. Nothing
//! here knows axum; errors are this crate's own enums, each telling a
//! fault of the machine (a disk that fails) from bad input (a file that is
//! not what it should be).

pub mod audit;
pub mod auth;
pub mod changes;
pub mod charts;
pub mod csv;
pub mod decisions;
mod error;
pub mod evidence;
pub mod outcomes;
pub mod pack;
pub mod private;
pub mod suppression;
pub mod unusual;

pub use audit::{AuditEntry, AuditLog};
pub use auth::{Caller, Role, TokenError, TokenSource, Tokens};
pub use error::{AuditError, BadRequest, DecisionsError};
pub use evidence::{DecisionFigures, Evidence, decision_figures, evidence};
pub use suppression::{DEFAULT_SUPPRESSION_THRESHOLD, Disclosure};
