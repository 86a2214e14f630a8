//! Validated records: once a row becomes one of these, later code can rely
//! on every field the contract requires being present and well formed.

use crate::{CostBasis, Date, Need, NhsNumber, Postcode, RelationshipKind, Role, Sector, Sex};

/// An agency and the date of its extract.
#[derive(Debug, Clone, PartialEq)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub sector: Sector,
    pub extracted_on: Date,
}

/// One entry of an agency's service catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub agency: String,
    pub code: String,
    pub name: String,
    pub need: Need,
    pub offending: bool,
    pub keyworker: bool,
    /// Unit cost and what one unit is; both or neither.
    pub unit_cost: Option<(f64, CostBasis)>,
}

/// One agency's record of one person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub agency: String,
    pub record_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub sex: Sex,
    pub address: Option<String>,
    pub postcode: Option<Postcode>,
    pub uprn: Option<u64>,
    pub nhs_number: Option<NhsNumber>,
}

impl PersonRecord {
    pub fn key(&self) -> RecordKey {
        RecordKey { agency: self.agency.clone(), record_id: self.record_id.clone() }
    }
}

/// A relationship one agency recorded between two of its own records.
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub agency: String,
    pub from_record: String,
    pub kind: RelationshipKind,
    pub to_record: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

/// One episode of an agency's involvement with a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Involvement {
    pub agency: String,
    pub involvement_id: String,
    pub record_id: String,
    pub service: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub role: Role,
}

/// Identifies a person record across the bundle: agency plus its own id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    pub agency: String,
    pub record_id: String,
}

/// A partnership's decision about two person records, kept in an
/// overrides file and applied on every load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkDecision {
    /// The two records are one person, whatever they look like.
    MustLink,
    /// The two records are never one person, whatever they look like.
    CannotLink,
}

impl LinkDecision {
    pub fn code(self) -> &'static str {
        match self {
            LinkDecision::MustLink => "must_link",
            LinkDecision::CannotLink => "cannot_link",
        }
    }

    pub fn parse(text: &str) -> Option<LinkDecision> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "must_link" => Some(LinkDecision::MustLink),
            "cannot_link" => Some(LinkDecision::CannotLink),
            _ => None,
        }
    }
}

/// One row of an overrides file, both records known to the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOverride {
    pub decision: LinkDecision,
    pub a: RecordKey,
    pub b: RecordKey,
    /// Where it came from, for reports: the file's name and line.
    pub file: String,
    pub line: u64,
}

/// A whole validated bundle: every reference in it resolves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    pub agencies: Vec<Agency>,
    pub services: Vec<Service>,
    pub people: Vec<PersonRecord>,
    pub relationships: Vec<Relationship>,
    pub involvements: Vec<Involvement>,
    /// The partnership's linkage overrides that apply to this bundle.
    pub overrides: Vec<LinkOverride>,
}

/// What an erasure removed from a bundle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub records: usize,
    pub involvements: usize,
    pub relationships: usize,
    pub overrides: usize,
}

impl Bundle {
    /// Removes one agency's records (by record id) and everything of that
    /// agency that refers to them: involvements, relationships, and the
    /// partnership's overrides naming them.
    pub fn erase(&mut self, agency: &str, record_ids: &std::collections::HashSet<&str>) -> Erased {
        let named = |a: &str, id: &str| a == agency && record_ids.contains(id);
        let before = (self.people.len(), self.involvements.len(), self.relationships.len(), self.overrides.len());
        self.people.retain(|p| !named(&p.agency, &p.record_id));
        self.involvements.retain(|i| !named(&i.agency, &i.record_id));
        self.relationships.retain(|r| !named(&r.agency, &r.from_record) && !named(&r.agency, &r.to_record));
        self.overrides.retain(|o| !named(&o.a.agency, &o.a.record_id) && !named(&o.b.agency, &o.b.record_id));
        Erased {
            records: before.0 - self.people.len(),
            involvements: before.1 - self.involvements.len(),
            relationships: before.2 - self.relationships.len(),
            overrides: before.3 - self.overrides.len(),
        }
    }

    /// The latest extract date: "today" for the analyses.
    pub fn as_of(&self) -> Option<Date> {
        self.agencies.iter().map(|a| a.extracted_on).max()
    }
}
