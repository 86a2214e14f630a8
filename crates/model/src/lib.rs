//! famgraph's domain: the records agencies send, the codes the extract
//! contract fixes, and the rules that turn raw rows into validated records.
//!
//! Nothing here does IO, async or serialisation to JSON: the crates above
//! read files and serve HTTP; this one only says what a valid record is.

pub mod bytes;
pub mod codes;
pub mod date;
pub mod ids;
pub mod lines;
pub mod records;
pub mod validate;

pub use codes::{CostBasis, Need, RelationshipKind, Role, Sector, Sex};
pub use date::Date;
pub use ids::{NhsNumber, Postcode};
pub use lines::record_starts;
pub use records::{
    Agency, Bundle, Involvement, LinkDecision, LinkOverride, PersonRecord, RecordKey, Relationship, Service,
};
pub use validate::{
    BundleFile, FileReport, Issue, LoadReport, RawRow, RawTable, add_overrides, validate_bundle,
    validate_bundle_with_overrides,
};
