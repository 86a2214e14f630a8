//! The ground truth of a generated bundle, in its own folder, for tests
//! only: which true person each record is, which family each person is in,
//! which families were planted to stand out, the patterns, and the rows a
//! load must reject.
//!
//! Files: `records.csv` (`agency`, `record_id`, `person_id`), `persons.csv`
//! (`person_id`, `family_id`, `generation`, `given_name`, `family_name`,
//! `date_of_birth`, `sex`), `families.csv` (`family_id`, `kind`,
//! `standout`), `patterns.csv` (`family_id`, `pattern`, `detail`) and
//! `expected_rejects.csv` (`file`, `line`, `column`, `reason`); with an
//! earlier extract, `changes.csv` (`family_id`, `change`, `detail`).

use std::collections::HashMap;
use std::path::Path;

use crate::SynthError;

/// The truth files, in the order they are written.
pub const TRUTH_FILES: [&str; 5] =
    ["records.csv", "persons.csv", "families.csv", "patterns.csv", "expected_rejects.csv"];

/// The truth file written only with an earlier extract.
pub const CHANGES_FILE: &str = "changes.csv";
/// With an earlier extract: the outcome of every need of each family the
/// meeting took on, from its baseline.
pub const OUTCOMES_FILE: &str = "outcomes.csv";
/// With an earlier extract: the meeting's decisions file, the families
/// taken on on the day the earlier extracts were all in.
pub const DECISIONS_FILE: &str = "decisions.jsonl";

/// A planted (or chance) pattern in one family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub family_id: String,
    /// A family pattern (`intergenerational_offending`,
    /// `three_generation_offending`, `step_family`,
    /// `adult_child_own_household`, `overlapping_interventions`,
    /// `duplicated_keyworkers`, `no_keyworker`, `hostel`), a planted
    /// cohort (named as famgraph's cohort query) or a linkage hazard
    /// (`twins`, `same_name_father_son`, `name_change`, `moved_house`,
    /// `within_agency_duplicate`, `names_swapped`, `dob_mistyped`,
    /// `placeholder_dob`). The detail names people as `P0000001` and,
    /// where a hazard is in particular records, each as
    /// `agency:record_id`.
    pub kind: String,
    pub detail: String,
}

/// A bundle's ground truth, read back from its files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Truth {
    /// (agency, `record_id`) to the true `person_id`.
    pub person_of_record: HashMap<(String, String), String>,
    /// `person_id` to `family_id`.
    pub family_of_person: HashMap<String, String>,
    /// `person_id` to generation: 1 for the family's eldest, 2 for their
    /// children; a step-parent or partner is of their partner's.
    pub generation_of_person: HashMap<String, i32>,
    /// Family ids planted to top the shortlist, in family order.
    pub standout_families: Vec<String>,
    pub patterns: Vec<Pattern>,
    /// (file name, line as a text editor counts it, column) of each row a
    /// load must reject.
    pub expected_rejects: Vec<(String, u64, String)>,
    /// What changed since the earlier extract, when one was made; empty
    /// otherwise.
    pub changes: Vec<Change>,
}

/// One change between the earlier extract and the later one, in one true
/// family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub family_id: String,
    /// `new_involvement`, `ended_involvement` (detail
    /// `agency:involvement_id`) or `need_sustained_resolved` (detail the
    /// need's code).
    pub change: String,
    pub detail: String,
}

impl Truth {
    /// Reads the truth files `write` put in `dir`.
    pub fn read(dir: &Path) -> Result<Truth, SynthError> {
        let mut files = Vec::with_capacity(TRUTH_FILES.len());
        for name in TRUTH_FILES {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|source| SynthError::Io { path, source })?;
            files.push((name.to_owned(), text));
        }
        if let Ok(text) = std::fs::read_to_string(dir.join(CHANGES_FILE)) {
            files.push((CHANGES_FILE.to_owned(), text));
        }
        Truth::from_files(&files)
    }

    /// Parses truth files held in memory, as in `Generated::truth`.
    pub fn from_files(files: &[(String, String)]) -> Result<Truth, SynthError> {
        let file = |name: &str| -> Result<&str, SynthError> {
            files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, text)| text.as_str())
                .ok_or_else(|| SynthError::MissingTruthFile { file: name.to_owned() })
        };
        let mut truth = Truth::default();
        for row in rows("records.csv", file("records.csv")?, &["agency", "record_id", "person_id"])? {
            let [agency, record_id, person_id] = row.try_into().expect("rows have the columns asked for");
            truth.person_of_record.insert((agency, record_id), person_id);
        }
        for (i, row) in rows("persons.csv", file("persons.csv")?, &["person_id", "family_id", "generation"])?
            .into_iter()
            .enumerate()
        {
            let [person_id, family_id, generation] = row.try_into().expect("rows have the columns asked for");
            let generation = generation.parse().map_err(|_| SynthError::BadTruthRow {
                file: "persons.csv".to_owned(),
                line: i as u64 + 2,
                reason: "`generation` is not a whole number".into(),
            })?;
            truth.generation_of_person.insert(person_id.clone(), generation);
            truth.family_of_person.insert(person_id, family_id);
        }
        for row in rows("families.csv", file("families.csv")?, &["family_id", "standout"])? {
            let [family_id, standout] = row.try_into().expect("rows have the columns asked for");
            if standout == "true" {
                truth.standout_families.push(family_id);
            }
        }
        for row in rows("patterns.csv", file("patterns.csv")?, &["family_id", "pattern", "detail"])? {
            let [family_id, kind, detail] = row.try_into().expect("rows have the columns asked for");
            truth.patterns.push(Pattern { family_id, kind, detail });
        }
        let name = "expected_rejects.csv";
        for (i, row) in rows(name, file(name)?, &["file", "line", "column"])?.into_iter().enumerate() {
            let [reject_file, line, column] = row.try_into().expect("rows have the columns asked for");
            let line = line.parse().map_err(|_| SynthError::BadTruthRow {
                file: name.to_owned(),
                line: i as u64 + 2,
                reason: "`line` is not a whole number".into(),
            })?;
            truth.expected_rejects.push((reject_file, line, column));
        }
        if let Ok(text) = file(CHANGES_FILE) {
            for row in rows(CHANGES_FILE, text, &["family_id", "change", "detail"])? {
                let [family_id, change, detail] = row.try_into().expect("rows have the columns asked for");
                truth.changes.push(Change { family_id, change, detail });
            }
        }
        Ok(truth)
    }

    /// The true family of an agency's record.
    pub fn family_of_record(&self, agency: &str, record_id: &str) -> Option<&str> {
        let person = self.person_of_record.get(&(agency.to_owned(), record_id.to_owned()))?;
        self.family_of_person.get(person).map(String::as_str)
    }

    pub fn is_standout(&self, family_id: &str) -> bool {
        self.standout_families.iter().any(|f| f == family_id)
    }
}

/// The named columns of every row of a CSV file.
fn rows(name: &str, text: &str, columns: &[&str]) -> Result<Vec<Vec<String>>, SynthError> {
    let csv_error = |source| SynthError::Csv { file: name.to_owned(), source };
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().map_err(csv_error)?.clone();
    let positions = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| SynthError::MissingTruthColumn { file: name.to_owned(), column: (*c).to_owned() })
        })
        .collect::<Result<Vec<usize>, SynthError>>()?;
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        out.push(positions.iter().map(|&p| record.get(p).unwrap_or_default().to_owned()).collect());
    }
    Ok(out)
}
