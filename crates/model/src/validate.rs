//! The contract's "Bad input" rules: raw rows in, validated records plus a
//! load report out. Every row read is either accepted (perhaps repaired,
//! with warnings) or rejected with its file, line, column and reason.
//!
//! Reasons never quote a value from a person's record, so a report can be
//! shown to whoever runs a load; codes (sectors, needs, services) are quoted
//! because they help the agency fix its extract.

use std::collections::{HashMap, HashSet};

use crate::records::{
    Agency, Bundle, Involvement, LinkDecision, LinkOverride, PersonRecord, RecordKey, Relationship, Service,
};
use crate::{CostBasis, Date, Need, NhsNumber, Postcode, RelationshipKind, Role, Sector, Sex};

/// The five files of a bundle, in the order they must be validated, and
/// the partnership's linkage overrides, kept outside the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BundleFile {
    Agencies,
    Services,
    People,
    Relationships,
    Involvements,
    /// Not part of a bundle: a file the partnership keeps and names on
    /// the command line, so its corrections survive the next extract.
    Overrides,
}

impl BundleFile {
    pub const ALL: [BundleFile; 5] = [
        BundleFile::Agencies,
        BundleFile::Services,
        BundleFile::People,
        BundleFile::Relationships,
        BundleFile::Involvements,
    ];

    /// The file's name without extension.
    pub fn stem(self) -> &'static str {
        match self {
            BundleFile::Agencies => "agencies",
            BundleFile::Services => "services",
            BundleFile::People => "people",
            BundleFile::Relationships => "relationships",
            BundleFile::Involvements => "involvements",
            BundleFile::Overrides => "overrides",
        }
    }

    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            BundleFile::Agencies => &["agency", "name", "sector", "extracted_on"],
            BundleFile::Services => &["agency", "service", "name", "need", "offending"],
            BundleFile::People => &["agency", "record_id", "given_name", "family_name"],
            BundleFile::Relationships => &["agency", "from_record", "kind", "to_record"],
            BundleFile::Involvements => &["agency", "involvement_id", "record_id", "service", "start_date"],
            BundleFile::Overrides => &["decision", "agency_a", "record_id_a", "agency_b", "record_id_b"],
        }
    }

    pub fn optional_columns(self) -> &'static [&'static str] {
        match self {
            BundleFile::Agencies => &[],
            BundleFile::Services => &["keyworker", "unit_cost_gbp", "cost_basis"],
            BundleFile::People => &["date_of_birth", "sex", "address", "postcode", "uprn", "nhs_number"],
            BundleFile::Relationships => &["start_date", "end_date"],
            BundleFile::Involvements => &["end_date", "role"],
            // Why the decision was made; kept out of reports and logs.
            BundleFile::Overrides => &["note"],
        }
    }
}

/// One data row as read: its line (as a text editor counts, header = 1)
/// and its values by column position, `None` for an empty field.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub line: u64,
    pub values: Vec<Option<String>>,
}

/// One file as read, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTable {
    pub file: BundleFile,
    /// The file's name as found in the bundle, e.g. `people.parquet`.
    pub file_name: String,
    pub columns: Vec<String>,
    pub rows: Vec<RawRow>,
    /// Rows the reader itself could not split into fields (too many or too
    /// few), already turned into rejects. They count as read.
    pub unreadable: Vec<Issue>,
    /// Defects the reader repaired in rows it passes on (text that was not
    /// UTF-8, read as Windows-1252): warnings.
    pub repaired: Vec<Issue>,
}

/// A rejected row or a repaired defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// Per-file counts: `read == accepted + rejected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub warnings: u64,
}

/// What a load did with every row of every file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub files: Vec<FileReport>,
    pub rejects: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

/// A problem with a whole file that stops the load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("{file}: missing required column `{column}`")]
    MissingColumn { file: String, column: String },
    #[error("{file}: column `{column}` appears more than once")]
    DuplicateColumn { file: String, column: String },
}

/// Checks a file's header: every required column present, none twice.
/// Returns the unknown extra columns, which the caller reports as warnings.
pub fn check_columns(file: BundleFile, file_name: &str, columns: &[String]) -> Result<Vec<String>, SchemaError> {
    let mut seen = HashSet::new();
    for column in columns {
        if !seen.insert(column.as_str()) {
            return Err(SchemaError::DuplicateColumn { file: file_name.to_owned(), column: column.clone() });
        }
    }
    for required in file.required_columns() {
        if !seen.contains(required) {
            return Err(SchemaError::MissingColumn { file: file_name.to_owned(), column: (*required).to_owned() });
        }
    }
    Ok(columns
        .iter()
        .filter(|c| !file.required_columns().contains(&c.as_str()) && !file.optional_columns().contains(&c.as_str()))
        .cloned()
        .collect())
}

/// Validates a whole bundle. The tables may come in any order; a missing
/// table is an error for the caller to raise before this point.
pub fn validate_bundle(tables: &[RawTable]) -> Result<(Bundle, LoadReport), SchemaError> {
    validate_bundle_with_overrides(tables, None)
}

/// Validates a bundle and then a partnership's overrides file against it.
/// An override naming a record this extract lacks is rejected with its
/// line, and stays in the file for later extracts; so is one that
/// contradicts an earlier line (a must-link joining records a cannot-link
/// keeps apart, directly or through other must-links).
pub fn validate_bundle_with_overrides(
    tables: &[RawTable],
    overrides: Option<&RawTable>,
) -> Result<(Bundle, LoadReport), SchemaError> {
    let mut state = Validator::default();
    for file in BundleFile::ALL {
        let Some(table) = tables.iter().find(|t| t.file == file) else { continue };
        state.table(table)?;
    }
    if let Some(table) = overrides {
        state.table(table)?;
    }
    Ok((state.bundle, state.report))
}

/// Validates a partnership's overrides file against a bundle validated
/// before (a stored load), as if the load had been made with it: the
/// bundle keeps its own overrides, and the file's are checked against
/// them and its records, each row accepted or rejected with its line as a
/// load would. A row the bundle already holds is not held twice.
pub fn add_overrides(
    mut bundle: Bundle,
    mut report: LoadReport,
    table: &RawTable,
) -> Result<(Bundle, LoadReport), SchemaError> {
    let mut state = Validator::default();
    for agency in &bundle.agencies {
        state.extracted_on.insert(agency.code.clone(), agency.extracted_on);
    }
    for record in &bundle.people {
        state.records.insert((record.agency.clone(), record.record_id.clone()));
    }
    for held in &bundle.overrides {
        match held.decision {
            LinkDecision::MustLink => state.overrides.join(&held.a, &held.b),
            LinkDecision::CannotLink => {
                state.overrides.cannot.insert((held.a.clone(), held.b.clone()), held.line);
            }
        }
    }
    state.table(table)?;
    let held: HashSet<(LinkDecision, RecordKey, RecordKey)> =
        bundle.overrides.iter().map(|o| (o.decision, o.a.clone(), o.b.clone())).collect();
    bundle
        .overrides
        .extend(state.bundle.overrides.into_iter().filter(|o| !held.contains(&(o.decision, o.a.clone(), o.b.clone()))));
    report.files.extend(state.report.files);
    report.rejects.extend(state.report.rejects);
    report.warnings.extend(state.report.warnings);
    Ok((bundle, report))
}

/// A rule broken by one field of a row.
struct Broken {
    column: &'static str,
    reason: String,
}

fn broken(column: &'static str, reason: impl Into<String>) -> Broken {
    Broken { column, reason: reason.into() }
}

/// Field access for one row by column name.
struct Row<'a> {
    index: &'a HashMap<&'a str, usize>,
    values: &'a [Option<String>],
    warnings: Vec<(&'static str, String)>,
}

impl Row<'_> {
    fn get(&self, column: &str) -> Option<&str> {
        let value = self.values.get(*self.index.get(column)?)?.as_deref()?.trim();
        (!value.is_empty()).then_some(value)
    }

    fn required(&self, column: &'static str) -> Result<&str, Broken> {
        self.get(column).ok_or_else(|| broken(column, "required field is empty"))
    }

    fn date(&self, column: &'static str) -> Result<Option<Date>, Broken> {
        match self.get(column) {
            None => Ok(None),
            Some(text) => {
                Date::parse(text).map(Some).ok_or_else(|| broken(column, "malformed date: expected YYYY-MM-DD"))
            }
        }
    }

    fn required_date(&self, column: &'static str) -> Result<Date, Broken> {
        self.date(column)?.ok_or_else(|| broken(column, "required field is empty"))
    }

    fn code<T>(&self, column: &'static str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, Broken> {
        let text = self.required(column)?;
        parse(text).ok_or_else(|| broken(column, format!("unknown {what}")))
    }

    fn boolean(&self, column: &'static str) -> Result<Option<bool>, Broken> {
        match self.get(column) {
            None => Ok(None),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(broken(column, "expected `true` or `false`")),
        }
    }

    fn warn(&mut self, column: &'static str, reason: impl Into<String>) {
        self.warnings.push((column, reason.into()));
    }
}

#[derive(Default)]
struct Validator {
    bundle: Bundle,
    report: LoadReport,
    extracted_on: HashMap<String, Date>,
    // Fast hashes for the keys held per row (a county's million records).
    services: rustc_hash::FxHashSet<(String, String)>,
    records: rustc_hash::FxHashSet<(String, String)>,
    involvement_ids: rustc_hash::FxHashSet<(String, String)>,
    overrides: OverrideSets,
    /// The file and line of the row being validated.
    at: (String, u64),
}

/// The overrides accepted so far: records joined by must-links, as
/// components, and the cannot-link pairs.
#[derive(Default)]
struct OverrideSets {
    component_of: HashMap<RecordKey, usize>,
    members: Vec<Vec<RecordKey>>,
    cannot: HashMap<(RecordKey, RecordKey), u64>,
}

impl OverrideSets {
    fn component(&mut self, key: &RecordKey) -> usize {
        if let Some(c) = self.component_of.get(key) {
            return *c;
        }
        self.members.push(vec![key.clone()]);
        self.component_of.insert(key.clone(), self.members.len() - 1);
        self.members.len() - 1
    }

    /// The line of a cannot-link between the components of `a` and `b`.
    fn cannot_between(&mut self, a: &RecordKey, b: &RecordKey) -> Option<u64> {
        let (ca, cb) = (self.component(a), self.component(b));
        self.members[ca].iter().find_map(|x| {
            self.members[cb].iter().find_map(|y| {
                self.cannot.get(&(x.clone(), y.clone())).or_else(|| self.cannot.get(&(y.clone(), x.clone()))).copied()
            })
        })
    }

    fn join(&mut self, a: &RecordKey, b: &RecordKey) {
        let (ca, cb) = (self.component(a), self.component(b));
        if ca == cb {
            return;
        }
        let (big, small) = if self.members[ca].len() >= self.members[cb].len() { (ca, cb) } else { (cb, ca) };
        let moved = std::mem::take(&mut self.members[small]);
        for key in &moved {
            self.component_of.insert(key.clone(), big);
        }
        self.members[big].extend(moved);
    }
}

impl Validator {
    fn table(&mut self, table: &RawTable) -> Result<(), SchemaError> {
        let extra = check_columns(table.file, &table.file_name, &table.columns)?;
        let index: HashMap<&str, usize> = table.columns.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let mut counts = FileReport {
            file: table.file_name.clone(),
            read: (table.rows.len() + table.unreadable.len()) as u64,
            accepted: 0,
            rejected: table.unreadable.len() as u64,
            warnings: 0,
        };
        self.report.rejects.extend(table.unreadable.iter().cloned());
        counts.warnings += table.repaired.len() as u64;
        self.report.warnings.extend(table.repaired.iter().cloned());
        for column in extra {
            counts.warnings += 1;
            self.report.warnings.push(Issue {
                file: table.file_name.clone(),
                line: 1,
                column: Some(column),
                reason: "unknown column: kept out of the analysis".into(),
            });
        }
        for raw in &table.rows {
            self.at = (table.file_name.clone(), raw.line);
            let mut row = Row { index: &index, values: &raw.values, warnings: Vec::new() };
            let outcome = match table.file {
                BundleFile::Agencies => self.agency(&mut row),
                BundleFile::Services => self.service(&mut row),
                BundleFile::People => self.person(&mut row),
                BundleFile::Relationships => self.relationship(&mut row),
                BundleFile::Involvements => self.involvement(&mut row),
                BundleFile::Overrides => self.link_override(&mut row),
            };
            let issue = |column: &str, reason: String| Issue {
                file: table.file_name.clone(),
                line: raw.line,
                column: Some(column.to_owned()),
                reason,
            };
            match outcome {
                Ok(()) => {
                    counts.accepted += 1;
                    counts.warnings += row.warnings.len() as u64;
                    self.report.warnings.extend(row.warnings.into_iter().map(|(c, r)| issue(c, r)));
                }
                Err(b) => {
                    counts.rejected += 1;
                    self.report.rejects.push(issue(b.column, b.reason));
                }
            }
        }
        debug_assert_eq!(counts.read, counts.accepted + counts.rejected);
        self.report.files.push(counts);
        Ok(())
    }

    fn known_agency(&self, row: &Row) -> Result<(String, Date), Broken> {
        let agency = row.required("agency")?;
        let extracted_on =
            self.extracted_on.get(agency).ok_or_else(|| broken("agency", "unknown agency: not in agencies"))?;
        Ok((agency.to_owned(), *extracted_on))
    }

    fn agency(&mut self, row: &mut Row) -> Result<(), Broken> {
        let code = row.required("agency")?.to_owned();
        let name = row.required("name")?.to_owned();
        let sector = row.code("sector", Sector::parse, "sector")?;
        let extracted_on = row.required_date("extracted_on")?;
        if self.extracted_on.contains_key(&code) {
            return Err(broken("agency", "duplicate agency: the first row is kept"));
        }
        self.extracted_on.insert(code.clone(), extracted_on);
        self.bundle.agencies.push(Agency { code, name, sector, extracted_on });
        Ok(())
    }

    fn service(&mut self, row: &mut Row) -> Result<(), Broken> {
        let (agency, _) = self.known_agency(row)?;
        let code = row.required("service")?.to_owned();
        let name = row.required("name")?.to_owned();
        let need = row.code("need", Need::parse, "need")?;
        let offending = row.boolean("offending")?.ok_or_else(|| broken("offending", "required field is empty"))?;
        let keyworker = row.boolean("keyworker")?.unwrap_or(false);
        let cost = match row.get("unit_cost_gbp") {
            None => None,
            Some(text) => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                _ => return Err(broken("unit_cost_gbp", "expected a non-negative amount in pounds")),
            },
        };
        let basis = match row.get("cost_basis") {
            None => None,
            Some(text) => Some(CostBasis::parse(text).ok_or_else(|| broken("cost_basis", "unknown cost basis"))?),
        };
        let unit_cost = match (cost, basis) {
            (Some(cost), Some(basis)) => Some((cost, basis)),
            (Some(_), None) => return Err(broken("cost_basis", "required when unit_cost_gbp is given")),
            (None, Some(_)) => {
                row.warn("cost_basis", "given without unit_cost_gbp: ignored");
                None
            }
            (None, None) => None,
        };
        if !self.services.insert((agency.clone(), code.clone())) {
            return Err(broken("service", "duplicate service for this agency: the first row is kept"));
        }
        self.bundle.services.push(Service { agency, code, name, need, offending, keyworker, unit_cost });
        Ok(())
    }

    fn person(&mut self, row: &mut Row) -> Result<(), Broken> {
        let (agency, extracted_on) = self.known_agency(row)?;
        let record_id = row.required("record_id")?.to_owned();
        let given_name = row.required("given_name")?.to_owned();
        let family_name = row.required("family_name")?.to_owned();
        let date_of_birth = row.date("date_of_birth")?;
        if date_of_birth.is_some_and(|d| d > extracted_on) {
            return Err(broken("date_of_birth", "date is after the agency's extracted_on"));
        }
        let sex = match row.get("sex") {
            None => Sex::U,
            Some(text) => match Sex::parse(&text.to_ascii_uppercase()) {
                Some(sex) => {
                    if sex.code() != text {
                        row.warn("sex", "sex code in lower case: normalised");
                    }
                    sex
                }
                None => {
                    row.warn("sex", "unknown sex code: recorded as U");
                    Sex::U
                }
            },
        };
        let address = row.get("address").map(str::to_owned);
        let postcode = match row.get("postcode") {
            None => None,
            Some(text) => match Postcode::parse(text) {
                Some(postcode) => {
                    if postcode.as_str() != text {
                        row.warn("postcode", "postcode not in standard form: normalised");
                    }
                    Some(postcode)
                }
                None => {
                    row.warn("postcode", "not a UK postcode: treated as absent");
                    None
                }
            },
        };
        let uprn = match row.get("uprn") {
            None => None,
            Some(text) if text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            Some(_) => {
                row.warn("uprn", "UPRN is not up to 12 digits: treated as absent");
                None
            }
        };
        let nhs_number = match row.get("nhs_number") {
            None => None,
            Some(text) => {
                let parsed = NhsNumber::parse(text);
                if parsed.is_none() {
                    row.warn("nhs_number", "invalid NHS number (length or check digit): treated as absent");
                }
                parsed
            }
        };
        if !self.records.insert((agency.clone(), record_id.clone())) {
            return Err(broken("record_id", "duplicate record_id for this agency: the first row is kept"));
        }
        self.bundle.people.push(PersonRecord {
            agency,
            record_id,
            given_name,
            family_name,
            date_of_birth,
            sex,
            address,
            postcode,
            uprn,
            nhs_number,
        });
        Ok(())
    }

    fn known_record(&self, agency: &str, row: &Row, column: &'static str) -> Result<String, Broken> {
        let record = row.required(column)?;
        if self.records.contains(&(agency.to_owned(), record.to_owned())) {
            Ok(record.to_owned())
        } else {
            Err(broken(column, "unknown record: no such record_id for this agency in people"))
        }
    }

    fn link_override(&mut self, row: &mut Row) -> Result<(), Broken> {
        let decision = row.code("decision", LinkDecision::parse, "decision (use must_link or cannot_link)")?;
        let side = |agency_column: &'static str, record_column: &'static str| -> Result<RecordKey, Broken> {
            let agency = row.required(agency_column)?;
            if !self.extracted_on.contains_key(agency) {
                return Err(broken(agency_column, "unknown agency: not in agencies"));
            }
            let record_id = self.known_record(agency, row, record_column).map_err(|_| {
                broken(
                    record_column,
                    "no such record_id for this agency in this extract: the row is kept for later ones",
                )
            })?;
            Ok(RecordKey { agency: agency.to_owned(), record_id })
        };
        let a = side("agency_a", "record_id_a")?;
        let b = side("agency_b", "record_id_b")?;
        if a == b {
            return Err(broken("record_id_b", "the same record as record_id_a"));
        }
        let (file, line) = self.at.clone();
        let sets = &mut self.overrides;
        match decision {
            LinkDecision::MustLink => {
                if let Some(other) = sets.cannot_between(&a, &b) {
                    return Err(broken(
                        "decision",
                        format!("contradicts the cannot_link on line {other}, directly or through other must_links"),
                    ));
                }
                sets.join(&a, &b);
            }
            LinkDecision::CannotLink => {
                let (ca, cb) = (sets.component(&a), sets.component(&b));
                if ca == cb {
                    return Err(broken("decision", "contradicts must_link rows above it that join these records"));
                }
                sets.cannot.insert((a.clone(), b.clone()), line);
            }
        }
        self.bundle.overrides.push(LinkOverride { decision, a, b, file, line });
        Ok(())
    }

    fn relationship(&mut self, row: &mut Row) -> Result<(), Broken> {
        let (agency, extracted_on) = self.known_agency(row)?;
        let from_record = self.known_record(&agency, row, "from_record")?;
        let kind = row.code("kind", RelationshipKind::parse, "relationship kind")?;
        let to_record = self.known_record(&agency, row, "to_record")?;
        if from_record == to_record {
            return Err(broken("to_record", "a record cannot be related to itself"));
        }
        let (start_date, end_date) = period(row, "start_date", "end_date", extracted_on)?;
        self.bundle.relationships.push(Relationship { agency, from_record, kind, to_record, start_date, end_date });
        Ok(())
    }

    fn involvement(&mut self, row: &mut Row) -> Result<(), Broken> {
        let (agency, extracted_on) = self.known_agency(row)?;
        let involvement_id = row.required("involvement_id")?.to_owned();
        let record_id = self.known_record(&agency, row, "record_id")?;
        let service = row.required("service")?.to_owned();
        if !self.services.contains(&(agency.clone(), service.clone())) {
            return Err(broken("service", "unknown service for this agency"));
        }
        let (start_date, end_date) = period(row, "start_date", "end_date", extracted_on)?;
        let start_date = start_date.ok_or_else(|| broken("start_date", "required field is empty"))?;
        let role = match row.get("role") {
            None => Role::Subject,
            Some(text) => Role::parse(text).ok_or_else(|| broken("role", "unknown role"))?,
        };
        if !self.involvement_ids.insert((agency.clone(), involvement_id.clone())) {
            return Err(broken("involvement_id", "duplicate involvement_id for this agency: the first row is kept"));
        }
        self.bundle.involvements.push(Involvement {
            agency,
            involvement_id,
            record_id,
            service,
            start_date,
            end_date,
            role,
        });
        Ok(())
    }
}

/// A start and end date: each well formed, the end not before the start,
/// neither after the agency's extract date.
fn period(
    row: &Row,
    start_column: &'static str,
    end_column: &'static str,
    extracted_on: Date,
) -> Result<(Option<Date>, Option<Date>), Broken> {
    let start = row.date(start_column)?;
    let end = row.date(end_column)?;
    for (column, date) in [(start_column, start), (end_column, end)] {
        if date.is_some_and(|d| d > extracted_on) {
            return Err(broken(column, "date is after the agency's extracted_on"));
        }
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(broken(end_column, "end date is before start date"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(file: BundleFile, text: &str) -> RawTable {
        let mut lines = text.lines();
        let columns: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
        let rows = lines
            .enumerate()
            .map(|(i, line)| RawRow {
                line: i as u64 + 2,
                values: line.split(',').map(|v| (!v.is_empty()).then(|| v.to_owned())).collect(),
            })
            .collect();
        RawTable {
            file,
            file_name: format!("{}.csv", file.stem()),
            columns,
            rows,
            unreadable: vec![],
            repaired: vec![],
        }
    }

    fn fixture() -> Vec<RawTable> {
        vec![
            table(
                BundleFile::Agencies,
                "agency,name,sector,extracted_on\npolice,Police,police,2024-03-31\npolice,Again,police,2024-03-31\nhousing,Housing,hosing,2024-03-31",
            ),
            table(
                BundleFile::Services,
                "agency,service,name,need,offending,unit_cost_gbp,cost_basis\npolice,arrest,Arrest,crime,true,700,per_episode\npolice,asb,ASB,crim,false,,\nnope,x,X,crime,false,,",
            ),
            table(
                BundleFile::People,
                "agency,record_id,given_name,family_name,date_of_birth,sex,postcode,nhs_number,colour\npolice,P1,Ann,Smith,1980-02-30,F,,,\npolice,P2,Bob,Smith,1979-01-01,m,me44qs,1234567890,blue\npolice,P2,Cy,Smith,,,,,\npolice,P3,,Smith,,,,,",
            ),
            table(BundleFile::Relationships, "agency,from_record,kind,to_record\npolice,P2,parent_of,P1\n"),
            table(
                BundleFile::Involvements,
                "agency,involvement_id,record_id,service,start_date,end_date\npolice,I1,P2,arrest,2023-01-01,2022-01-01\npolice,I2,P2,arrest,2023-01-01,\npolice,I2,P2,arrest,2023-01-01,\npolice,I3,P2,arrest,2025-01-01,",
            ),
        ]
    }

    #[test]
    fn every_row_is_accounted_for() {
        let (bundle, report) = validate_bundle(&fixture()).unwrap();
        for file in &report.files {
            assert_eq!(file.read, file.accepted + file.rejected, "{file:?}");
        }
        let counts: Vec<(u64, u64, u64)> = report.files.iter().map(|f| (f.read, f.accepted, f.rejected)).collect();
        assert_eq!(counts, vec![(3, 1, 2), (3, 1, 2), (4, 1, 3), (1, 0, 1), (4, 1, 3)]);
        assert_eq!(bundle.people.len(), 1);
        let reasons: Vec<String> = report
            .rejects
            .iter()
            .map(|r| format!("{}:{}:{}", r.file, r.line, r.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            reasons,
            [
                "agencies.csv:3:agency",
                "agencies.csv:4:sector",
                "services.csv:3:need",
                "services.csv:4:agency",
                "people.csv:2:date_of_birth",
                "people.csv:4:record_id",
                "people.csv:5:given_name",
                "relationships.csv:2:to_record",
                "involvements.csv:2:end_date",
                "involvements.csv:4:involvement_id",
                "involvements.csv:5:start_date",
            ]
        );
        let warned: Vec<&str> = report.warnings.iter().filter_map(|w| w.column.as_deref()).collect();
        assert_eq!(warned, ["colour", "sex", "postcode", "nhs_number"]);
        assert_eq!(bundle.people[0].postcode.as_ref().map(Postcode::as_str), Some("ME4 4QS"));
    }

    #[test]
    fn reject_reasons_never_quote_a_value() {
        // A person's name typed into a code field, in every file that has
        // one: the reasons say what is wrong, never what was there.
        let mut tables = fixture();
        tables[1] = table(
            BundleFile::Services,
            "agency,service,name,need,offending,cost_basis,unit_cost_gbp\nJaneDoe,x,X,crime,false,,\npolice,arrest,Arrest,JaneDoe,true,,\npolice,cell,Cell,crime,JaneDoe,,\npolice,bail,Bail,crime,false,JaneDoe,5",
        );
        tables[4] = table(
            BundleFile::Involvements,
            "agency,involvement_id,record_id,service,start_date,role\nJaneDoe,I1,P2,arrest,2023-01-01,\npolice,I2,P2,JaneDoe,2023-01-01,\npolice,I3,P2,arrest,2023-01-01,JaneDoe",
        );
        let (_, report) = validate_bundle(&tables).unwrap();
        assert!(report.rejects.len() >= 6, "{:?}", report.rejects);
        for issue in report.rejects.iter().chain(&report.warnings) {
            assert!(!issue.reason.contains("JaneDoe"), "{issue:?}");
        }
    }

    #[test]
    fn missing_column_stops_the_load() {
        let mut tables = fixture();
        tables[2] = table(BundleFile::People, "agency,record_id,given_name\npolice,P1,Ann");
        assert_eq!(
            validate_bundle(&tables).unwrap_err().to_string(),
            "people.csv: missing required column `family_name`"
        );
    }
}
