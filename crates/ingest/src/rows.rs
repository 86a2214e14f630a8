//! The stored tables' rows: one named type per table of
//! `queries/schema.sql`, its fields in the schema's column order. A load
//! writes them with [`StoredRow::values`] and `serve --db` reads them back
//! with [`StoredRow::from_row`]; a test holds every type to the schema,
//! column by column, so adding a stored column means editing the schema
//! and one type here.

use duckdb::types::Value;
use famgraph_model::Date;

/// One row of a stored table.
pub trait StoredRow: Sized {
    /// The table's name in `queries/schema.sql`.
    const TABLE: &'static str;
    /// Its columns, in the schema's order.
    const COLUMNS: &'static [&'static str];
    /// The row's values, in [`Self::COLUMNS`] order.
    fn values(self) -> Vec<Value>;
    /// The row from a `SELECT` of [`Self::COLUMNS`] in order.
    fn from_row(row: &duckdb::Row<'_>) -> duckdb::Result<Self>;
}

/// A field's value as stored, and back.
pub trait Column: Sized {
    fn to_value(self) -> Value;
    fn from_column(row: &duckdb::Row<'_>, index: usize) -> duckdb::Result<Self>;
}

macro_rules! plain_column {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl Column for $ty {
            fn to_value(self) -> Value {
                Value::$variant(self)
            }
            fn from_column(row: &duckdb::Row<'_>, index: usize) -> duckdb::Result<Self> {
                row.get(index)
            }
        }
        impl Column for Option<$ty> {
            fn to_value(self) -> Value {
                self.map_or(Value::Null, Value::$variant)
            }
            fn from_column(row: &duckdb::Row<'_>, index: usize) -> duckdb::Result<Self> {
                row.get(index)
            }
        }
    )*};
}

plain_column!(String => Text, f64 => Double, u64 => UBigInt, i32 => Int, bool => Boolean);

impl Column for Date {
    fn to_value(self) -> Value {
        Value::Date32(self.days())
    }
    fn from_column(row: &duckdb::Row<'_>, index: usize) -> duckdb::Result<Self> {
        Option::<Date>::from_column(row, index)?
            .ok_or_else(|| duckdb::Error::InvalidColumnType(index, "date".into(), duckdb::types::Type::Null))
    }
}

impl Column for Option<Date> {
    fn to_value(self) -> Value {
        self.map_or(Value::Null, Date::to_value)
    }
    fn from_column(row: &duckdb::Row<'_>, index: usize) -> duckdb::Result<Self> {
        match row.get::<_, Value>(index)? {
            Value::Null => Ok(None),
            Value::Date32(days) => Ok(Some(Date::from_days(days))),
            other => Err(duckdb::Error::InvalidColumnType(index, "date".into(), other.data_type())),
        }
    }
}

/// Declares a stored table's row type: the struct, its columns (the field
/// names) and how it is written and read.
macro_rules! stored_row {
    ($(#[$doc:meta])* $name:ident => $table:literal { $($(#[$field_doc:meta])* $field:ident: $ty:ty),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$field_doc])* pub $field: $ty),+
        }

        impl StoredRow for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn values(self) -> Vec<Value> {
                vec![$(Column::to_value(self.$field)),+]
            }

            fn from_row(row: &duckdb::Row<'_>) -> duckdb::Result<Self> {
                let mut index = 0;
                let mut next = || {
                    index += 1;
                    index - 1
                };
                Ok($name { $($field: Column::from_column(row, next())?),+ })
            }
        }
    };
}

stored_row!(
    /// A key of the load: the schema version, how the linkage model was made.
    MetaRow => "meta" { key: String, value: String }
);

stored_row!(AgencyRow => "agencies" { agency: String, name: String, sector: String, extracted_on: Date });

stored_row!(ServiceRow => "services" {
    agency: String,
    service: String,
    name: String,
    need: String,
    offending: bool,
    keyworker: bool,
    unit_cost_gbp: Option<f64>,
    cost_basis: Option<String>,
});

stored_row!(PersonRecordRow => "person_records" {
    agency: String,
    record_id: String,
    given_name: String,
    family_name: String,
    date_of_birth: Option<Date>,
    sex: String,
    address: Option<String>,
    postcode: Option<String>,
    uprn: Option<u64>,
    nhs_number: Option<String>,
});

stored_row!(RelationshipRow => "relationships" {
    agency: String,
    from_record: String,
    kind: String,
    to_record: String,
    start_date: Option<Date>,
    end_date: Option<Date>,
});

stored_row!(InvolvementRow => "involvements" {
    agency: String,
    involvement_id: String,
    record_id: String,
    service: String,
    start_date: Date,
    end_date: Option<Date>,
    role: String,
});

stored_row!(LinkOverrideRow => "link_overrides" {
    decision: String,
    agency_a: String,
    record_id_a: String,
    agency_b: String,
    record_id_b: String,
    file: String,
    line: u64,
});

stored_row!(LoadFileRow => "load_files" { file: String, read: u64, accepted: u64, rejected: u64, warnings: u64 });

stored_row!(LoadIssueRow => "load_issues" {
    /// `reject` or `warning`.
    severity: String,
    file: String,
    line: u64,
    column_name: Option<String>,
    reason: String,
});

stored_row!(
    /// Which person each record was linked to.
    PersonLinkRow => "people" { person_id: String, agency: String, record_id: String, link_confidence: f64 }
);

stored_row!(LinkModelRow => "link_model" { field: String, level: String, m: f64, u: f64, weight: f64 });

stored_row!(FamilyMemberRow => "families" { family_id: String, person_id: String });

stored_row!(ShortlistRow => "shortlist" {
    rank: u64,
    family_id: String,
    score: f64,
    /// Need codes joined with `;`.
    needs: String,
    /// Agency codes joined with `;`.
    agencies: String,
    n_members: u64,
    /// `code=points` joined with `;`.
    reasons: String,
});

stored_row!(
    /// A linked person, as the cohort queries read them
    /// (`queries/cohorts/schema.sql`).
    CohortPersonRow => "person" {
        person_id: String,
        family_id: String,
        sex: String,
        date_of_birth: Option<Date>,
        /// Whole years on the analyses' day; `None` without a date of birth.
        age: Option<i32>,
    }
);

stored_row!(
    /// A person's involvement, as the cohort queries read it.
    CohortInvolvementRow => "involvement" {
        person_id: String,
        agency: String,
        sector: String,
        service: String,
        service_name: String,
        need: String,
        /// The service records offending, or the person's role is perpetrator.
        offending: bool,
        start_date: Date,
        end_date: Option<Date>,
        role: String,
    }
);

stored_row!(
    /// A relationship between linked people, as the cohort queries read it.
    CohortRelationshipRow => "relationship" {
        from_person: String,
        kind: String,
        to_person: String,
        /// Inferred by famgraph from who lives with whom, not recorded.
        inferred: bool,
    }
);

/// One link that joined two records into one person, explained: each
/// field's comparison level and weight, for the ten fields of
/// [`LinkRow::FIELDS`] in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub person_id: String,
    pub agency_a: String,
    pub record_id_a: String,
    pub agency_b: String,
    pub record_id_b: String,
    pub match_weight: f64,
    pub match_probability: f64,
    pub override_decision: Option<String>,
    /// (level, weight) per field of [`LinkRow::FIELDS`].
    pub fields: Vec<(String, f64)>,
}

impl LinkRow {
    /// The linkage's fields, as the columns name them (`famgraph-link`'s
    /// `Field::ALL`; the binary's test holds the two together).
    pub const FIELDS: [&'static str; 10] = [
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "address",
        "postcode",
        "uprn",
        "nhs_number",
        "agency",
        "relatives",
    ];
}

impl StoredRow for LinkRow {
    const TABLE: &'static str = "links";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "agency_a",
        "record_id_a",
        "agency_b",
        "record_id_b",
        "match_weight",
        "match_probability",
        "override",
        "given_name_level",
        "given_name_weight",
        "family_name_level",
        "family_name_weight",
        "date_of_birth_level",
        "date_of_birth_weight",
        "sex_level",
        "sex_weight",
        "address_level",
        "address_weight",
        "postcode_level",
        "postcode_weight",
        "uprn_level",
        "uprn_weight",
        "nhs_number_level",
        "nhs_number_weight",
        "agency_level",
        "agency_weight",
        "relatives_level",
        "relatives_weight",
    ];

    fn values(self) -> Vec<Value> {
        assert_eq!(self.fields.len(), LinkRow::FIELDS.len(), "a link explains every field");
        let mut values = vec![
            self.person_id.to_value(),
            self.agency_a.to_value(),
            self.record_id_a.to_value(),
            self.agency_b.to_value(),
            self.record_id_b.to_value(),
            self.match_weight.to_value(),
            self.match_probability.to_value(),
            self.override_decision.to_value(),
        ];
        for (level, weight) in self.fields {
            values.push(level.to_value());
            values.push(weight.to_value());
        }
        values
    }

    fn from_row(row: &duckdb::Row<'_>) -> duckdb::Result<Self> {
        let fields = (0..LinkRow::FIELDS.len())
            .map(|f| Ok((row.get(8 + 2 * f)?, row.get(9 + 2 * f)?)))
            .collect::<duckdb::Result<_>>()?;
        Ok(LinkRow {
            person_id: row.get(0)?,
            agency_a: row.get(1)?,
            record_id_a: row.get(2)?,
            agency_b: row.get(3)?,
            record_id_b: row.get(4)?,
            match_weight: row.get(5)?,
            match_probability: row.get(6)?,
            override_decision: row.get(7)?,
            fields,
        })
    }
}

/// The derived tables a load stores for analysts, made by the layers above.
#[derive(Debug, Default)]
pub struct Derived {
    pub meta: Vec<MetaRow>,
    pub people: Vec<PersonLinkRow>,
    pub links: Vec<LinkRow>,
    pub link_model: Vec<LinkModelRow>,
    pub families: Vec<FamilyMemberRow>,
    pub shortlist: Vec<ShortlistRow>,
    /// The linkage as bytes, with the key of what it was made from.
    pub linkage: Option<(String, Vec<u8>)>,
    /// The graph built from it as bytes, under the same key.
    pub graph: Option<(String, Vec<u8>)>,
}

/// `SELECT` of a row type's columns, in the order the table was written.
pub(crate) fn select<R: StoredRow>() -> String {
    let columns: Vec<String> = R::COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    format!("SELECT {} FROM {} ORDER BY rowid", columns.join(", "), R::TABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of the schema with its columns, as DuckDB reads it.
    fn schema_columns() -> Vec<(String, Vec<String>)> {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::SCHEMA).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT table_name, list(column_name ORDER BY ordinal_position) FROM information_schema.columns
                 GROUP BY table_name ORDER BY table_name",
            )
            .unwrap();
        stmt.query_map([], |r| {
            let columns = match r.get::<_, Value>(1)? {
                Value::List(items) => items
                    .into_iter()
                    .map(|v| match v {
                        Value::Text(name) => name,
                        other => panic!("a column name, not {other:?}"),
                    })
                    .collect(),
                other => panic!("a list of columns, not {other:?}"),
            };
            Ok((r.get(0)?, columns))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn declared() -> Vec<(&'static str, &'static [&'static str])> {
        macro_rules! each {
            ($($row:ty),*) => { vec![$((<$row>::TABLE, <$row>::COLUMNS)),*] };
        }
        each!(
            MetaRow,
            AgencyRow,
            ServiceRow,
            PersonRecordRow,
            RelationshipRow,
            InvolvementRow,
            LinkOverrideRow,
            LoadFileRow,
            LoadIssueRow,
            PersonLinkRow,
            LinkRow,
            LinkModelRow,
            FamilyMemberRow,
            ShortlistRow
        )
    }

    #[test]
    fn every_stored_table_has_a_row_type_whose_columns_are_the_schemas() {
        let schema = schema_columns();
        let mut declared = declared();
        declared.sort_by_key(|(table, _)| *table);
        let tables: Vec<&str> = schema.iter().map(|(t, _)| t.as_str()).collect();
        let typed: Vec<&str> = declared.iter().map(|(t, _)| *t).collect();
        assert_eq!(tables, typed, "one row type per table of queries/schema.sql");
        for ((table, columns), (_, typed)) in schema.iter().zip(&declared) {
            assert_eq!(columns, typed, "the columns of `{table}`, in order");
        }
    }

    #[test]
    fn the_cohort_input_row_types_are_the_cohort_schemas_tables() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::cohorts::SCHEMA).unwrap();
        for (table, typed) in [
            (CohortPersonRow::TABLE, CohortPersonRow::COLUMNS),
            (CohortInvolvementRow::TABLE, CohortInvolvementRow::COLUMNS),
            (CohortRelationshipRow::TABLE, CohortRelationshipRow::COLUMNS),
        ] {
            let mut stmt = conn
                .prepare(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                )
                .unwrap();
            let columns: Vec<String> = stmt.query_map([table], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            assert_eq!(columns, typed, "the columns of `{table}`, in order");
        }
    }

    #[test]
    fn a_row_is_read_back_as_it_was_written() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::SCHEMA).unwrap();
        let written = InvolvementRow {
            agency: "police".into(),
            involvement_id: "I1".into(),
            record_id: "P1".into(),
            service: "arrest".into(),
            start_date: Date::parse("2024-02-29").unwrap(),
            end_date: None,
            role: "subject".into(),
        };
        let mut appender = conn.appender(InvolvementRow::TABLE).unwrap();
        appender.append_row(duckdb::appender_params_from_iter(written.clone().values())).unwrap();
        appender.flush().unwrap();
        drop(appender);
        let read = conn.query_row(&select::<InvolvementRow>(), [], InvolvementRow::from_row).unwrap();
        assert_eq!(read, written);
    }

    #[test]
    fn a_stored_load_is_read_back_whole() {
        let (bundle, report) = famgraph_synth::validated(&famgraph_synth::SynthConfig {
            families: 30,
            seed: 11,
            bad_rows: 6,
            ..Default::default()
        });
        assert!(!report.rejects.is_empty() && bundle.people.iter().any(|p| p.date_of_birth.is_none()));
        let dir = std::env::temp_dir().join(format!("famgraph-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("load.duckdb");
        crate::store::save(&db, &bundle, &report, Derived::default()).unwrap();
        let stored = crate::store::open(&db).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(stored.bundle, bundle);
        assert_eq!(stored.report, report);
    }
}
