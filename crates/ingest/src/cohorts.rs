//! Named cohort queries: the SQL files in `queries/cohorts/`, run by
//! DuckDB over famgraph's linked people, their involvements and their
//! relationships. A partnership reads (and adapts) a cohort's definition
//! in its SQL file; each returns `person_id` and `evidence` per person.

use duckdb::Connection;
use famgraph_model::Date;

use crate::IngestError;
use crate::rows::{CohortInvolvementRow, CohortPersonRow, CohortRelationshipRow, StoredRow};

pub(crate) const SCHEMA: &str = include_str!("../../../queries/cohorts/schema.sql");

/// The cohort files, in the order the API lists them.
const FILES: [(&str, &str); 5] = [
    ("revolving_door", include_str!("../../../queries/cohorts/revolving_door.sql")),
    ("woman_offender_with_children", include_str!("../../../queries/cohorts/woman_offender_with_children.sql")),
    ("accommodation_gap", include_str!("../../../queries/cohorts/accommodation_gap.sql")),
    ("employment_gap", include_str!("../../../queries/cohorts/employment_gap.sql")),
    ("mappa_marac_iom", include_str!("../../../queries/cohorts/mappa_marac_iom.sql")),
];

/// One named query: its name (the file's stem), the title and description
/// its `-- title:` and `-- description:` header lines give, and its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortQuery {
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub sql: &'static str,
}

/// Every bundled cohort query.
pub fn queries() -> Vec<CohortQuery> {
    FILES
        .iter()
        .map(|&(name, sql)| {
            let header = |key: &str| {
                sql.lines()
                    .find_map(|l| l.strip_prefix("-- ").and_then(|l| l.strip_prefix(key)).map(str::trim))
                    .unwrap_or_default()
                    .to_owned()
            };
            CohortQuery { name, title: header("title:"), description: header("description:"), sql }
        })
        .collect()
}

/// The rows the cohort queries read (`queries/cohorts/schema.sql`).
pub struct CohortInput {
    pub as_of: Date,
    pub person: Vec<CohortPersonRow>,
    pub involvement: Vec<CohortInvolvementRow>,
    pub relationship: Vec<CohortRelationshipRow>,
}

/// One cohort's query and its members: `(person_id, evidence)`, ordered
/// by person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRows {
    pub query: CohortQuery,
    pub members: Vec<(String, String)>,
}

fn cohort_error(name: &str) -> impl Fn(duckdb::Error) -> IngestError + '_ {
    move |e| IngestError::Cohort { name: name.to_owned(), reason: crate::clean_duckdb_message(&e.to_string()) }
}

/// Runs every cohort query over the input in an in-memory database.
#[tracing::instrument(skip_all, fields(n_people = input.person.len(), n_involvements = input.involvement.len()))]
pub fn run(input: &CohortInput) -> Result<Vec<CohortRows>, IngestError> {
    let setup = cohort_error("schema");
    let conn = Connection::open_in_memory().map_err(&setup)?;
    conn.execute_batch(SCHEMA).map_err(&setup)?;
    conn.execute("INSERT INTO params VALUES (?)", [input.as_of.to_string()]).map_err(&setup)?;
    append(&conn, &input.person).map_err(&setup)?;
    append(&conn, &input.involvement).map_err(&setup)?;
    append(&conn, &input.relationship).map_err(&setup)?;
    queries()
        .into_iter()
        .map(|query| {
            let error = cohort_error(query.name);
            let mut statement = conn.prepare(query.sql).map_err(&error)?;
            let members = statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?.unwrap_or_default()))
                })
                .map_err(&error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(&error)?;
            tracing::debug!(cohort = query.name, n_members = members.len(), "cohort query ran");
            Ok(CohortRows { query, members })
        })
        .collect()
}

fn append<R: StoredRow + Clone>(conn: &Connection, rows: &[R]) -> duckdb::Result<()> {
    let mut appender = conn.appender(R::TABLE)?;
    for row in rows {
        appender.append_row(duckdb::appender_params_from_iter(row.clone().values()))?;
    }
    appender.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn person(id: &str, sex: &str, age: i32) -> CohortPersonRow {
        CohortPersonRow {
            person_id: id.into(),
            family_id: "F1".into(),
            sex: sex.into(),
            date_of_birth: None,
            age: Some(age),
        }
    }

    fn parent_of(parent: &str, child: &str, inferred: bool) -> CohortRelationshipRow {
        CohortRelationshipRow {
            from_person: parent.into(),
            kind: "parent_of".into(),
            to_person: child.into(),
            inferred,
        }
    }

    #[allow(clippy::too_many_arguments)] // one row of the involvement table
    fn inv(
        person: &str,
        sector: &str,
        service: &str,
        name: &str,
        need: &str,
        offending: bool,
        start: &str,
        end: Option<&str>,
    ) -> CohortInvolvementRow {
        CohortInvolvementRow {
            person_id: person.into(),
            agency: sector.into(),
            sector: sector.into(),
            service: service.into(),
            service_name: name.into(),
            need: need.into(),
            offending,
            start_date: date(start),
            end_date: end.map(date),
            role: "subject".into(),
        }
    }

    /// Each cohort on a small hand-made population: who is in, and the
    /// near misses who are not.
    #[test]
    fn each_cohort_finds_its_people_and_not_the_near_misses() {
        let input = CohortInput {
            as_of: Date::from_ymd(2024, 3, 31).unwrap(),
            person: vec![
                person("P1", "M", 30), // revolving door
                person("P2", "M", 30), // two sentences, no money need: out
                person("P3", "F", 28), // woman offender, mother of a child
                person("P4", "M", 5),
                person("P5", "F", 40), // offending, child grown up: out
                person("P6", "M", 20),
                person("P7", "M", 35),  // accommodation and employment gap
                person("P8", "M", 35),  // housing need, but housing involved: out
                person("P9", "F", 33),  // MARAC
                person("P10", "M", 50), // MAPPA ended two years ago: out
            ],
            involvement: vec![
                inv(
                    "P1",
                    "probation",
                    "custody",
                    "Custodial sentence under 12 months",
                    "crime",
                    true,
                    "2022-01-01",
                    Some("2022-03-01"),
                ),
                inv(
                    "P1",
                    "probation",
                    "recall",
                    "Recall to custody from licence",
                    "crime",
                    true,
                    "2023-05-01",
                    Some("2023-05-01"),
                ),
                inv("P1", "housing", "homeless", "Homelessness application", "housing", false, "2023-09-01", None),
                inv("P1", "employment_benefits", "uc", "Universal Credit", "financial", false, "2023-01-01", None),
                inv(
                    "P2",
                    "probation",
                    "custody",
                    "Custodial sentence under 12 months",
                    "crime",
                    true,
                    "2022-01-01",
                    Some("2022-03-01"),
                ),
                inv(
                    "P2",
                    "probation",
                    "custody",
                    "Custodial sentence under 12 months",
                    "crime",
                    true,
                    "2023-01-01",
                    Some("2023-03-01"),
                ),
                inv("P2", "housing", "homeless", "Homelessness application", "housing", false, "2023-09-01", None),
                inv("P3", "police", "charge", "Charged", "crime", true, "2023-06-01", Some("2023-06-01")),
                inv("P5", "police", "charge", "Charged", "crime", true, "2023-06-01", Some("2023-06-01")),
                inv("P7", "probation", "community_order", "Community order", "crime", true, "2023-01-01", None),
                inv(
                    "P7",
                    "probation",
                    "cas3",
                    "Accommodation referral (CAS3)",
                    "housing",
                    false,
                    "2023-10-01",
                    Some("2023-10-01"),
                ),
                inv(
                    "P7",
                    "probation",
                    "ete",
                    "Employment, training and education referral",
                    "financial",
                    false,
                    "2023-10-01",
                    Some("2023-10-01"),
                ),
                inv("P8", "probation", "community_order", "Community order", "crime", true, "2023-01-01", None),
                inv(
                    "P8",
                    "probation",
                    "cas3",
                    "Accommodation referral (CAS3)",
                    "housing",
                    false,
                    "2023-10-01",
                    Some("2023-10-01"),
                ),
                inv("P8", "housing", "homeless", "Homelessness application", "housing", false, "2023-11-01", None),
                inv(
                    "P9",
                    "police",
                    "marac",
                    "MARAC case (high-risk domestic abuse)",
                    "domestic_abuse",
                    false,
                    "2024-01-10",
                    Some("2024-01-10"),
                ),
                inv("P10", "probation", "mappa", "MAPPA management", "crime", true, "2019-01-01", Some("2022-01-01")),
            ],
            relationship: vec![parent_of("P3", "P4", false), parent_of("P5", "P6", true)],
        };
        let got = run(&input).unwrap();
        let members = |name: &str| -> Vec<String> {
            got.iter().find(|c| c.query.name == name).unwrap().members.iter().map(|(p, _)| p.clone()).collect()
        };
        assert_eq!(members("revolving_door"), ["P1"]);
        assert_eq!(members("woman_offender_with_children"), ["P3"]);
        assert_eq!(members("accommodation_gap"), ["P7"]);
        assert_eq!(members("employment_gap"), ["P7"]);
        assert_eq!(members("mappa_marac_iom"), ["P9"]);
        for cohort in &got {
            for (person, evidence) in &cohort.members {
                assert!(!evidence.is_empty(), "{}: {person} has no evidence", cohort.query.name);
            }
        }
        let door = &got[0].members[0].1;
        assert!(door.contains("2 custodial sentences or recalls") && door.contains("housing"), "{door}");
    }

    #[test]
    fn every_cohort_has_a_title_and_description() {
        for query in queries() {
            assert!(!query.title.is_empty() && !query.description.is_empty(), "{}", query.name);
        }
    }
}
