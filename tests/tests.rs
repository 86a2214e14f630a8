//! Integration tests: the real `famgraph` binary on bundles made by its own
//! generator, a real DuckDB, and a real server on loopback. One test binary,
//! since each links DuckDB.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod util;

mod api;
mod changes;
mod cohorts;
mod decisions;
mod export;
mod graph;
mod limits;
mod linkage;
mod load;
mod outcomes;
mod pages;
mod privacy;
mod reload;
mod rulesets;
mod search;
mod shortlist;
mod snapshots;
mod suppression;
mod tls;
