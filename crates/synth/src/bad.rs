//! Rows the contract says a load must reject, injected on request: each
//! breaks exactly one rule (a required field empty, a malformed date, an
//! end before its start, a date after the agency's extract, an unknown
//! agency, record, service or code, a duplicate id), and each is listed
//! with the line and column a load must report.
//!
//! Every other field of an injected row is valid, and nothing refers to
//! an injected row, so rejecting it rejects nothing else. A duplicate
//! always comes after the row it copies, since the first row holding an
//! id is the one kept.

use famgraph_model::Date;
use rand::seq::SliceRandom;

use crate::catalogue::{AGENCIES, Ag, IdMaker, N_AGENCIES, SERVICES};
use crate::csvtext;
use crate::draw::{self, Random};

/// The five bundle files, in `BundleFile` order.
pub(crate) struct Table {
    pub name: &'static str,
    pub header: &'static str,
    pub rows: Vec<String>,
}

const AGENCIES_FILE: usize = 0;
const SERVICES_FILE: usize = 1;
const PEOPLE_FILE: usize = 2;
const RELATIONSHIPS_FILE: usize = 3;
const INVOLVEMENTS_FILE: usize = 4;

/// A row a load must reject: where it ended up and why.
pub(crate) struct Expected {
    pub file: &'static str,
    pub line: u64,
    pub column: &'static str,
    pub reason: &'static str,
}

/// What the injector needs to know about the clean bundle.
pub(crate) struct Context<'a> {
    pub dates: &'a [Date; N_AGENCIES],
    pub makers: &'a [IdMaker],
    pub n_ids: [usize; N_AGENCIES],
    /// The agency and record id of each people row, in row order.
    pub records: &'a [(Ag, String, u32)],
}

#[derive(Clone, Copy, Debug)]
enum BadRow {
    AgencyUnknownSector,
    AgencyDuplicate,
    AgencyBadDate,
    AgencyNameEmpty,
    ServiceUnknownNeed,
    ServiceDuplicate,
    ServiceNameEmpty,
    ServiceUnknownAgency,
    ServiceBadOffending,
    PersonGivenEmpty,
    PersonFamilyEmpty,
    PersonRecordEmpty,
    PersonBadDob,
    PersonFutureDob,
    PersonUnknownAgency,
    PersonDuplicate,
    RelationshipUnknownKind,
    RelationshipKindEmpty,
    RelationshipUnknownFrom,
    RelationshipUnknownTo,
    RelationshipSelf,
    RelationshipEndBeforeStart,
    RelationshipFutureStart,
    RelationshipBadDate,
    RelationshipUnknownAgency,
    InvolvementIdEmpty,
    InvolvementRecordEmpty,
    InvolvementStartEmpty,
    InvolvementBadStart,
    InvolvementEndBeforeStart,
    InvolvementFutureStart,
    InvolvementUnknownAgency,
    InvolvementUnknownRecord,
    InvolvementUnknownService,
    InvolvementDuplicate,
    InvolvementUnknownRole,
}

const KINDS: [BadRow; 36] = [
    BadRow::AgencyUnknownSector,
    BadRow::AgencyDuplicate,
    BadRow::AgencyBadDate,
    BadRow::AgencyNameEmpty,
    BadRow::ServiceUnknownNeed,
    BadRow::ServiceDuplicate,
    BadRow::ServiceNameEmpty,
    BadRow::ServiceUnknownAgency,
    BadRow::ServiceBadOffending,
    BadRow::PersonGivenEmpty,
    BadRow::PersonFamilyEmpty,
    BadRow::PersonRecordEmpty,
    BadRow::PersonBadDob,
    BadRow::PersonFutureDob,
    BadRow::PersonUnknownAgency,
    BadRow::PersonDuplicate,
    BadRow::RelationshipUnknownKind,
    BadRow::RelationshipKindEmpty,
    BadRow::RelationshipUnknownFrom,
    BadRow::RelationshipUnknownTo,
    BadRow::RelationshipSelf,
    BadRow::RelationshipEndBeforeStart,
    BadRow::RelationshipFutureStart,
    BadRow::RelationshipBadDate,
    BadRow::RelationshipUnknownAgency,
    BadRow::InvolvementIdEmpty,
    BadRow::InvolvementRecordEmpty,
    BadRow::InvolvementStartEmpty,
    BadRow::InvolvementBadStart,
    BadRow::InvolvementEndBeforeStart,
    BadRow::InvolvementFutureStart,
    BadRow::InvolvementUnknownAgency,
    BadRow::InvolvementUnknownRecord,
    BadRow::InvolvementUnknownService,
    BadRow::InvolvementDuplicate,
    BadRow::InvolvementUnknownRole,
];

/// Agency codes no bundle holds.
const UNKNOWN_AGENCIES: &[&str] = &["social_services", "kent_police", "childrens_services", "dwp", "nhs"];
const REQUIRED: &str = "required field is empty";
const MALFORMED: &str = "malformed date: expected YYYY-MM-DD";
const AFTER_EXTRACT: &str = "date is after the agency's extracted_on";
const UNKNOWN_AGENCY: &str = "unknown agency: not in agencies";
const UNKNOWN_RECORD: &str = "unknown record: no such record_id for this agency in people";

/// One row to insert: its text, where (before which clean row), and why.
struct Planned {
    file: usize,
    /// Insert before this clean row (its index); `rows.len()` appends.
    before: usize,
    text: String,
    column: &'static str,
    reason: &'static str,
}

/// Inserts `n` rejectable rows into `tables` and returns where they went.
pub(crate) fn inject(tables: &mut [Table; 5], context: &Context, n: usize, rng: &mut Random) -> Vec<Expected> {
    if n == 0 {
        return Vec::new();
    }
    let mut injector = Injector { tables, context, rng, serial: 0 };
    let mut planned = Vec::with_capacity(n);
    let mut order = KINDS;
    for i in 0..n {
        if i % KINDS.len() == 0 {
            order.shuffle(injector.rng);
        }
        let row = injector.row(order[i % KINDS.len()]).unwrap_or_else(|| injector.row_unknown_agency());
        planned.push(row);
    }
    let mut expected = Vec::with_capacity(n);
    for (file, table) in tables.iter_mut().enumerate() {
        let mut here: Vec<&Planned> = planned.iter().filter(|p| p.file == file).collect();
        if here.is_empty() {
            continue;
        }
        here.sort_by_key(|p| p.before);
        let clean = std::mem::take(&mut table.rows);
        let mut rows = Vec::with_capacity(clean.len() + here.len());
        let mut next = here.into_iter().peekable();
        for index in 0..=clean.len() {
            while let Some(p) = next.next_if(|p| p.before == index) {
                // Line 1 is the header; data rows count from line 2.
                expected.push(Expected {
                    file: table.name,
                    line: rows.len() as u64 + 2,
                    column: p.column,
                    reason: p.reason,
                });
                rows.push(p.text.clone());
            }
            if let Some(row) = clean.get(index) {
                rows.push(row.clone());
            }
        }
        table.rows = rows;
    }
    expected
}

struct Injector<'a> {
    tables: &'a [Table; 5],
    context: &'a Context<'a>,
    rng: &'a mut Random,
    serial: usize,
}

impl Injector<'_> {
    fn next_serial(&mut self) -> usize {
        self.serial += 1;
        self.serial
    }

    /// Somewhere from `from` to the end: half the time the end, as when an
    /// agency appends late corrections, else anywhere.
    fn position(&mut self, file: usize, from: usize) -> usize {
        let len = self.tables[file].rows.len();
        if draw::chance(self.rng, 0.5) { len } else { draw::between(self.rng, from as i32, len as i32) as usize }
    }

    fn planned(&mut self, file: usize, fields: &[&str], column: &'static str, reason: &'static str) -> Planned {
        let before = self.position(file, 0);
        let mut text = String::with_capacity(96);
        csvtext::row(&mut text, fields);
        Planned { file, before, text, column, reason }
    }

    /// A copy of a clean row, placed after it.
    fn duplicate(&mut self, file: usize, column: &'static str, reason: &'static str) -> Option<Planned> {
        let len = self.tables[file].rows.len();
        if len == 0 {
            return None;
        }
        let original = draw::index(self.rng, len);
        let before = self.position(file, original + 1);
        Some(Planned { file, before, text: self.tables[file].rows[original].clone(), column, reason })
    }

    fn agency(&mut self) -> Ag {
        *draw::pick(self.rng, &Ag::ALL)
    }

    fn valid_date(&mut self, ag: Ag) -> Date {
        let extracted_on = self.context.dates[ag.idx()];
        extracted_on.add_days(-draw::between(self.rng, 30, 1500))
    }

    fn future_date(&mut self, ag: Ag) -> Date {
        self.context.dates[ag.idx()].add_days(draw::between(self.rng, 1, 60))
    }

    /// A record id the agency never gave out.
    fn fresh_record(&mut self, ag: Ag) -> String {
        let index = self.context.n_ids[ag.idx()] + self.next_serial();
        self.context.makers[ag.idx()].make(index, false)
    }

    fn fresh_involvement(&mut self, ag: Ag) -> String {
        format!("{}-X{:06}", ag.spec().involvement_prefix, self.next_serial())
    }

    /// An existing record (agency and id), if the bundle has any.
    fn existing_record(&mut self) -> Option<(Ag, String)> {
        let records = self.context.records;
        if records.is_empty() {
            return None;
        }
        let (ag, id, _) = &records[draw::index(self.rng, records.len())];
        Some((*ag, id.clone()))
    }

    /// Two different records of one agency.
    fn record_pair(&mut self) -> Option<(Ag, String, String)> {
        let records = self.context.records;
        for _ in 0..20 {
            let (ag, first) = self.existing_record()?;
            let start = records.partition_point(|r| r.0 < ag);
            let end = records.partition_point(|r| r.0 <= ag);
            if end - start >= 2 {
                let mut other = start + draw::index(self.rng, end - start);
                if records[other].1 == first {
                    other = if other + 1 < end { other + 1 } else { start };
                }
                return Some((ag, first, records[other].1.clone()));
            }
        }
        None
    }

    fn service_of(&mut self, ag: Ag) -> &'static str {
        let services: Vec<&'static str> = SERVICES.iter().filter(|s| s.agency == ag).map(|s| s.code).collect();
        services[draw::index(self.rng, services.len())]
    }

    fn row_unknown_agency(&mut self) -> Planned {
        let agency = *draw::pick(self.rng, UNKNOWN_AGENCIES);
        let id = format!("SS{:06}", self.next_serial());
        self.planned(PEOPLE_FILE, &[agency, &id, "John", "Smith", "", "", "", "", "", ""], "agency", UNKNOWN_AGENCY)
    }

    fn row(&mut self, kind: BadRow) -> Option<Planned> {
        let date = |d: Date| csvtext::date_text(d);
        Some(match kind {
            BadRow::AgencyUnknownSector | BadRow::AgencyBadDate | BadRow::AgencyNameEmpty => {
                let code = format!("partner_{}", self.next_serial());
                let extracted_on = date(self.context.dates[0]);
                let (fields, column, reason) = match kind {
                    BadRow::AgencyUnknownSector => (
                        [code.as_str(), "Adult Services", "social_services", &extracted_on],
                        "sector",
                        "unknown sector",
                    ),
                    BadRow::AgencyBadDate => (
                        [code.as_str(), "Adult Services", "adult_social_care", "31/03/2024"],
                        "extracted_on",
                        MALFORMED,
                    ),
                    _ => ([code.as_str(), "", "other", &extracted_on], "name", REQUIRED),
                };
                self.planned(AGENCIES_FILE, &fields, column, reason)
            }
            BadRow::AgencyDuplicate => {
                self.duplicate(AGENCIES_FILE, "agency", "duplicate agency: the first row is kept")?
            }
            BadRow::ServiceUnknownNeed
            | BadRow::ServiceNameEmpty
            | BadRow::ServiceUnknownAgency
            | BadRow::ServiceBadOffending => {
                let code = format!("extra_service_{}", self.next_serial());
                let ag = self.agency();
                let (agency, name, need, offending, column, reason) = match kind {
                    BadRow::ServiceUnknownNeed => {
                        (ag.code(), "Wellbeing check", "wellbeing", "false", "need", "unknown need")
                    }
                    BadRow::ServiceNameEmpty => (ag.code(), "", "crime", "false", "name", REQUIRED),
                    BadRow::ServiceUnknownAgency => (
                        *draw::pick(self.rng, UNKNOWN_AGENCIES),
                        "Home visit",
                        "health",
                        "false",
                        "agency",
                        UNKNOWN_AGENCY,
                    ),
                    _ => (ag.code(), "Diversion scheme", "crime", "yes", "offending", "expected `true` or `false`"),
                };
                self.planned(SERVICES_FILE, &[agency, &code, name, need, offending, "false", "", ""], column, reason)
            }
            BadRow::ServiceDuplicate => {
                self.duplicate(SERVICES_FILE, "service", "duplicate service for this agency: the first row is kept")?
            }
            BadRow::PersonGivenEmpty
            | BadRow::PersonFamilyEmpty
            | BadRow::PersonRecordEmpty
            | BadRow::PersonBadDob
            | BadRow::PersonFutureDob => {
                let ag = self.agency();
                let id = self.fresh_record(ag);
                let dob = date(self.valid_date(ag).add_years(-30));
                let future = date(self.future_date(ag));
                let (record, given, family, dob, column, reason) = match kind {
                    BadRow::PersonGivenEmpty => (id.as_str(), "", "Taylor", dob.as_str(), "given_name", REQUIRED),
                    BadRow::PersonFamilyEmpty => (id.as_str(), "Kelly", "", dob.as_str(), "family_name", REQUIRED),
                    BadRow::PersonRecordEmpty => ("", "Dean", "Walker", dob.as_str(), "record_id", REQUIRED),
                    BadRow::PersonBadDob => (id.as_str(), "Lisa", "Green", "12/03/1985", "date_of_birth", MALFORMED),
                    _ => (id.as_str(), "Baby", "Hughes", future.as_str(), "date_of_birth", AFTER_EXTRACT),
                };
                self.planned(PEOPLE_FILE, &[ag.code(), record, given, family, dob, "", "", "", "", ""], column, reason)
            }
            BadRow::PersonUnknownAgency => self.row_unknown_agency(),
            BadRow::PersonDuplicate => {
                self.duplicate(PEOPLE_FILE, "record_id", "duplicate record_id for this agency: the first row is kept")?
            }
            BadRow::RelationshipUnknownKind
            | BadRow::RelationshipKindEmpty
            | BadRow::RelationshipEndBeforeStart
            | BadRow::RelationshipFutureStart
            | BadRow::RelationshipBadDate => {
                let (ag, from, to) = self.record_pair()?;
                let start = self.valid_date(ag);
                let (kind_code, start, end, column, reason) = match kind {
                    BadRow::RelationshipUnknownKind => {
                        ("cousin_of", String::new(), String::new(), "kind", "unknown relationship kind")
                    }
                    BadRow::RelationshipKindEmpty => ("", String::new(), String::new(), "kind", REQUIRED),
                    BadRow::RelationshipEndBeforeStart => {
                        let end = start.add_days(-draw::between(self.rng, 1, 400));
                        ("partner_of", date(start), date(end), "end_date", "end date is before start date")
                    }
                    BadRow::RelationshipFutureStart => {
                        ("partner_of", date(self.future_date(ag)), String::new(), "start_date", AFTER_EXTRACT)
                    }
                    _ => ("sibling_of", "2021-02-30".to_owned(), String::new(), "start_date", MALFORMED),
                };
                self.planned(RELATIONSHIPS_FILE, &[ag.code(), &from, kind_code, &to, &start, &end], column, reason)
            }
            BadRow::RelationshipUnknownFrom | BadRow::RelationshipUnknownTo | BadRow::RelationshipSelf => {
                let (ag, existing) = self.existing_record()?;
                let fresh = self.fresh_record(ag);
                let (from, to, column, reason) = match kind {
                    BadRow::RelationshipUnknownFrom => {
                        (fresh.as_str(), existing.as_str(), "from_record", UNKNOWN_RECORD)
                    }
                    BadRow::RelationshipUnknownTo => (existing.as_str(), fresh.as_str(), "to_record", UNKNOWN_RECORD),
                    _ => (existing.as_str(), existing.as_str(), "to_record", "a record cannot be related to itself"),
                };
                self.planned(RELATIONSHIPS_FILE, &[ag.code(), from, "parent_of", to, "", ""], column, reason)
            }
            BadRow::RelationshipUnknownAgency => {
                let agency = *draw::pick(self.rng, UNKNOWN_AGENCIES);
                self.planned(RELATIONSHIPS_FILE, &[agency, "A1", "partner_of", "A2", "", ""], "agency", UNKNOWN_AGENCY)
            }
            BadRow::InvolvementDuplicate => self.duplicate(
                INVOLVEMENTS_FILE,
                "involvement_id",
                "duplicate involvement_id for this agency: the first row is kept",
            )?,
            _ => {
                let (ag, record) = self.existing_record()?;
                let id = self.fresh_involvement(ag);
                let service = self.service_of(ag);
                let start = self.valid_date(ag);
                let mut fields: [String; 7] =
                    [ag.code().to_owned(), id, record, service.to_owned(), date(start), String::new(), String::new()];
                let (column, reason) = match kind {
                    BadRow::InvolvementIdEmpty => {
                        fields[1].clear();
                        ("involvement_id", REQUIRED)
                    }
                    BadRow::InvolvementRecordEmpty => {
                        fields[2].clear();
                        ("record_id", REQUIRED)
                    }
                    BadRow::InvolvementStartEmpty => {
                        fields[4].clear();
                        ("start_date", REQUIRED)
                    }
                    BadRow::InvolvementBadStart => {
                        let (y, m, _) = start.ymd();
                        fields[4] = format!("{y}-{m}-1");
                        ("start_date", MALFORMED)
                    }
                    BadRow::InvolvementEndBeforeStart => {
                        fields[5] = date(start.add_days(-draw::between(self.rng, 1, 300)));
                        ("end_date", "end date is before start date")
                    }
                    BadRow::InvolvementFutureStart => {
                        fields[4] = date(self.future_date(ag));
                        ("start_date", AFTER_EXTRACT)
                    }
                    BadRow::InvolvementUnknownAgency => {
                        (*draw::pick(self.rng, UNKNOWN_AGENCIES)).clone_into(&mut fields[0]);
                        ("agency", UNKNOWN_AGENCY)
                    }
                    BadRow::InvolvementUnknownRecord => {
                        fields[2] = self.fresh_record(ag);
                        ("record_id", UNKNOWN_RECORD)
                    }
                    BadRow::InvolvementUnknownService => {
                        // Another agency's service: a code the agency does not offer.
                        let other = SERVICES
                            .iter()
                            .find(|s| s.agency != ag && !SERVICES.iter().any(|t| t.agency == ag && t.code == s.code))
                            .expect("every agency lacks some other agency's service");
                        other.code.clone_into(&mut fields[3]);
                        ("service", "unknown service for this agency")
                    }
                    _ => {
                        "offender".clone_into(&mut fields[6]);
                        ("role", "unknown role")
                    }
                };
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                self.planned(INVOLVEMENTS_FILE, &fields, column, reason)
            }
        })
    }
}

/// The agencies file, one row per agency with its extract date.
pub(crate) fn agencies_rows(dates: &[Date; N_AGENCIES]) -> Vec<String> {
    AGENCIES
        .iter()
        .zip(dates)
        .map(|(spec, date)| {
            let mut line = String::with_capacity(80);
            csvtext::row(&mut line, &[spec.code, spec.name, spec.sector.code()]);
            line.push(',');
            csvtext::push_date(&mut line, *date);
            line
        })
        .collect()
}

pub(crate) const AGENCIES_HEADER: &str = "agency,name,sector,extracted_on";
