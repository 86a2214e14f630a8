//! Synthetic agency extracts with their ground truth, for tests,
//! benchmarks and the sample data.
//!
//! [`generate`] invents families in a Kent-like area, decides which
//! agencies work with whom and when, and writes each agency's view of
//! those people exactly as the extract contract describes: the same person
//! under a different id in every agency, with the misspellings, nicknames,
//! missing dates of birth and old addresses real extracts have. The truth
//! (who is who, which families were planted to stand out, which rows a load
//! must reject) goes to separate files: it is never part of a bundle.
//!
//! The shapes of real data planted, with their rates at the medium noise
//! level (low and high about a third and twice as many):
//!
//! - within-agency duplicates: about 2% of an agency's people (from 0.6%
//!   at the jobcentre to 3% in the voluntary sector) hold a second record
//!   there, now and then a third: registered twice, or a new record opened
//!   after a gap of a year or more with the episodes before it left on the
//!   old one (which may hold an older address). Each record has its own id,
//!   its own noise and its share of the episodes; relationships are recorded
//!   against one of them. `records.csv` gives every record its person;
//!   `patterns.csv` lists each as `within_agency_duplicate`;
//! - given and family name the wrong way round: 1% of records
//!   (`names_swapped`);
//! - dates of birth: missing; a placeholder instead of blank (the voluntary
//!   sector writes 1900-01-01 for all its unknown dates, housing 1901-01-01
//!   for half of them: `placeholder_dob`); and, where an agency's dates can
//!   be wrong, 3% day and month swapped, 3% a year off, 1.5% one digit of
//!   YYYYMMDD mistyped and 1.5% two neighbouring digits transposed, each
//!   still a real day no later than the extract (`dob_mistyped`);
//! - addresses: abbreviated street types (Rd, St, Ave, Cl, Cres, Gdns...),
//!   a previous address, and 3% with the street's name misspelt;
//! - postcodes: 6% in odd case or spacing, 1% with one character mistyped.
//!
//! Hazards of one record name it in `patterns.csv` as `agency:record_id`,
//! and are listed only for people with another record to link it to.
//!
//! Output depends only on the [`SynthConfig`]: the same config gives the
//! same bytes. Each stage draws from its own random stream, so more bad
//! rows or another noise level leave the population and its involvements
//! as they were. The duplicates (`Stage::Duplicates`) and the newer slips
//! (`Stage::Typos`) have streams of their own too, so adding them left
//! every record a seed made before as it was but for the slips themselves.

mod bad;
mod catalogue;
mod changes;
mod csvtext;
mod draw;
mod duplicates;
mod names;
mod outcomes;
mod patterns;
mod places;
mod plans;
mod records;
mod truth;
mod typos;
mod world;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use famgraph_model::Date;

pub use truth::{CHANGES_FILE, Change, DECISIONS_FILE, OUTCOMES_FILE, Pattern, TRUTH_FILES, Truth};

use crate::draw::{Stage, stage_rng};
use crate::world::FamilyKind;

/// How messy the agencies' records are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Noise {
    Low,
    #[default]
    Medium,
    High,
}

impl FromStr for Noise {
    type Err = SynthError;

    fn from_str(text: &str) -> Result<Noise, SynthError> {
        match text.to_ascii_lowercase().as_str() {
            "low" => Ok(Noise::Low),
            "medium" => Ok(Noise::Medium),
            "high" => Ok(Noise::High),
            _ => Err(SynthError::UnknownNoise(text.to_owned())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub families: usize,
    pub seed: u64,
    /// The extract date; each agency's is this or a few days earlier.
    pub extracted_on: Date,
    pub noise: Noise,
    /// Rows that break a contract rule, to test loads; 0 for a clean bundle.
    pub bad_rows: usize,
    /// Also make the same agencies' extracts this many months earlier (a
    /// previous load of the partnership, without bad rows), and the truth
    /// about what changed in between (`changes.csv`).
    pub earlier_months: Option<u32>,
}

/// The extract date when none is given.
pub const DEFAULT_EXTRACTED_ON: (i32, u32, u32) = (2024, 3, 31);

impl Default for SynthConfig {
    fn default() -> Self {
        let (year, month, day) = DEFAULT_EXTRACTED_ON;
        SynthConfig {
            families: 600,
            seed: 1,
            extracted_on: Date::from_ymd(year, month, day).expect("the default extract date is a real day"),
            noise: Noise::Medium,
            bad_rows: 0,
            earlier_months: None,
        }
    }
}

/// A generated bundle and its truth, as (file name, CSV text) pairs.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `agencies.csv`, `services.csv`, `people.csv`, `relationships.csv`, `involvements.csv`.
    pub bundle: Vec<(String, String)>,
    /// The files of [`TRUTH_FILES`], and `changes.csv` with an earlier extract.
    pub truth: Vec<(String, String)>,
    /// The earlier extract's files, when the config asks for one.
    pub earlier: Option<Vec<(String, String)>>,
    pub summary: Summary,
    /// Every slip drawn on top of the records' noise, for the generator's
    /// own tests (the truth lists those that are linkage hazards).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the generator's tests"))]
    pub(crate) slips: Vec<records::Slipped>,
}

impl Generated {
    /// The truth, parsed.
    pub fn truth(&self) -> Result<Truth, SynthError> {
        Truth::from_files(&self.truth)
    }

    /// One bundle file's text, by name.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.bundle.iter().find(|(n, _)| n == name).map(|(_, text)| text.as_str())
    }
}

/// Counts of what was generated (clean rows only, without injected bad rows).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub families: usize,
    /// True people known to at least one agency.
    pub people: usize,
    /// Rows of `people.csv`.
    pub records: usize,
    pub involvements: usize,
    pub standout_families: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("unknown noise level `{0}`: use low, medium or high")]
    UnknownNoise(String),
    #[error("{file}: {source}")]
    Csv { file: String, source: csv::Error },
    #[error("truth file `{file}` is missing: write the truth with `famgraph_synth::write`")]
    MissingTruthFile { file: String },
    #[error("{file}: missing column `{column}`")]
    MissingTruthColumn { file: String, column: String },
    #[error("{file} line {line}: {reason}")]
    BadTruthRow { file: String, line: u64, reason: String },
}

/// A generated bundle's files split with the csv crate into the raw
/// tables validation takes, as a loader would hand them over: for tests
/// and benchmarks that need a validated bundle without DuckDB.
pub fn tables_of(files: &[(String, String)]) -> Vec<famgraph_model::RawTable> {
    famgraph_model::BundleFile::ALL
        .iter()
        .map(|&file| {
            let file_name = format!("{}.csv", file.stem());
            let text =
                files.iter().find(|(n, _)| *n == file_name).map(|(_, t)| t).expect("every bundle file is generated");
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let columns = reader.headers().expect("generated CSV has a header").iter().map(str::to_owned).collect();
            let rows = reader
                .records()
                .map(|record| {
                    let record = record.expect("generated CSV splits");
                    famgraph_model::RawRow {
                        line: record.position().map_or(0, csv::Position::line),
                        values: record.iter().map(|v| (!v.is_empty()).then(|| v.to_owned())).collect(),
                    }
                })
                .collect();
            famgraph_model::RawTable { file, file_name, columns, rows, unreadable: vec![], repaired: vec![] }
        })
        .collect()
}

/// Generates a bundle and its truth.
/// A generated bundle as a load validates it, without files: for tests
/// and benchmarks.
///
/// # Panics
/// If the bundle does not validate: the generator's output always does.
pub fn validated(config: &SynthConfig) -> (famgraph_model::Bundle, famgraph_model::LoadReport) {
    famgraph_model::validate_bundle(&tables_of(&generate(config).bundle)).expect("a generated bundle validates")
}

pub fn generate(config: &SynthConfig) -> Generated {
    let seed = config.seed;
    let dates = catalogue::extract_dates(config.extracted_on, &mut stage_rng(seed, Stage::Agencies));
    let now = dates.iter().copied().min().unwrap_or(config.extracted_on);
    let world = world::build(config.families, config.extracted_on, now, &mut stage_rng(seed, Stage::World));
    let mut plans = plans::plan(&world, &mut stage_rng(seed, Stage::Plans));
    plans::add_cohorts(&world, &mut plans, &mut stage_rng(seed, Stage::Cohorts));
    let earlier_dates = config.earlier_months.map(|months| dates.map(|d| changes::months_before(d, months)));
    // The meeting sits once every earlier extract is in.
    let taken_on = earlier_dates.map(|earlier| {
        let day = earlier.iter().copied().max().unwrap_or(now);
        outcomes::plant(&world, &mut plans, day, now, &mut stage_rng(seed, Stage::Outcomes))
    });
    let extract = records::extract(
        &world,
        &plans,
        &dates,
        config.noise,
        config.bad_rows,
        earlier_dates.as_ref(),
        records::Streams {
            records: &mut stage_rng(seed, Stage::Records),
            duplicates: stage_rng(seed, Stage::Duplicates),
            typos: stage_rng(seed, Stage::Typos),
        },
    );
    let found = patterns::find(&world, &plans, &extract);

    let summary = Summary {
        families: world.families.len(),
        people: extract.visible.iter().filter(|v| **v).count(),
        records: extract.people.len(),
        involvements: extract.involvements.len(),
        standout_families: world.families.iter().filter(|f| f.kind == FamilyKind::Standout).count(),
    };
    let mut truth_files = truth_files(&world, &extract, &found);
    let as_of = dates.iter().copied().max().unwrap_or(config.extracted_on);
    let earlier = extract.earlier.as_ref().map(|earlier| {
        truth_files.push((CHANGES_FILE.to_owned(), changes::truth(&world, &plans, earlier, as_of)));
        if let Some(taken) = &taken_on {
            let rows: Vec<usize> = earlier.involvement_rows.iter().map(|r| r.0).collect();
            truth_files.push((OUTCOMES_FILE.to_owned(), outcomes::truth(&world, &plans, taken, &rows, as_of)));
            truth_files.push((DECISIONS_FILE.to_owned(), outcomes::decisions(&world, taken, &extract.records)));
        }
        let files = [
            ("agencies.csv", bad::AGENCIES_HEADER, bad::agencies_rows(&earlier.dates)),
            ("services.csv", catalogue::SERVICES_HEADER, catalogue::services_rows()),
            ("people.csv", records::PEOPLE_HEADER, earlier.people.clone()),
            ("relationships.csv", records::RELATIONSHIPS_HEADER, earlier.relationships.clone()),
            ("involvements.csv", records::INVOLVEMENTS_HEADER, earlier.involvements.clone()),
        ];
        files.into_iter().map(|(name, header, rows)| (name.to_owned(), csvtext::join(header, &rows))).collect()
    });

    let records::Extract { people, relationships, involvements, records, makers, n_ids, slips, .. } = extract;
    let mut tables = [
        bad::Table { name: "agencies.csv", header: bad::AGENCIES_HEADER, rows: bad::agencies_rows(&dates) },
        bad::Table { name: "services.csv", header: catalogue::SERVICES_HEADER, rows: catalogue::services_rows() },
        bad::Table { name: "people.csv", header: records::PEOPLE_HEADER, rows: people },
        bad::Table { name: "relationships.csv", header: records::RELATIONSHIPS_HEADER, rows: relationships },
        bad::Table { name: "involvements.csv", header: records::INVOLVEMENTS_HEADER, rows: involvements },
    ];
    let context = bad::Context { dates: &dates, makers: &makers, n_ids, records: &records };
    let expected = bad::inject(&mut tables, &context, config.bad_rows, &mut stage_rng(seed, Stage::BadRows));

    let bundle = tables.iter().map(|t| (t.name.to_owned(), csvtext::join(t.header, &t.rows))).collect();
    let mut truth = truth_files;
    let mut rejects = String::from("file,line,column,reason\n");
    for e in &expected {
        let line = e.line.to_string();
        csvtext::row(&mut rejects, &[e.file, &line, e.column, e.reason]);
        rejects.push('\n');
    }
    truth.push(("expected_rejects.csv".to_owned(), rejects));
    Generated { bundle, truth, earlier, summary, slips }
}

/// Writes the bundle to `out` and the truth to `truth`, creating both folders.
pub fn write(generated: &Generated, out: &Path, truth: &Path) -> Result<(), SynthError> {
    for (dir, files) in [(out, &generated.bundle), (truth, &generated.truth)] {
        std::fs::create_dir_all(dir).map_err(|source| SynthError::Io { path: dir.to_owned(), source })?;
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|source| SynthError::Io { path, source })?;
        }
    }
    Ok(())
}

/// Writes the earlier extract to `dir`, creating it; nothing when the
/// config asked for none.
pub fn write_earlier(generated: &Generated, dir: &Path) -> Result<(), SynthError> {
    let Some(files) = &generated.earlier else { return Ok(()) };
    std::fs::create_dir_all(dir).map_err(|source| SynthError::Io { path: dir.to_owned(), source })?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| SynthError::Io { path, source })?;
    }
    Ok(())
}

/// The truth files but `expected_rejects.csv`, which waits for the bad rows.
fn truth_files(world: &world::World, extract: &records::Extract, found: &[patterns::Found]) -> Vec<(String, String)> {
    let mut records = String::with_capacity(extract.records.len() * 32);
    records.push_str("agency,record_id,person_id\n");
    for (ag, id, person) in &extract.records {
        csvtext::row(&mut records, &[ag.code(), id, &patterns::person_id(*person)]);
        records.push('\n');
    }

    let mut persons = String::with_capacity(world.persons.len() * 64);
    persons.push_str("person_id,family_id,generation,given_name,family_name,date_of_birth,sex\n");
    for (i, person) in world.persons.iter().enumerate() {
        if !extract.visible[i] {
            continue;
        }
        let generation = person.generation.to_string();
        csvtext::row(
            &mut persons,
            &[
                &patterns::person_id(i as u32),
                &patterns::family_id(person.family),
                &generation,
                person.given,
                world.surnames.get(person.surname),
                &csvtext::date_text(person.dob),
                person.sex.code(),
            ],
        );
        persons.push('\n');
    }

    let mut families = String::with_capacity(world.families.len() * 32);
    families.push_str("family_id,kind,standout\n");
    for (f, family) in world.families.iter().enumerate() {
        let standout = if family.kind == FamilyKind::Standout { "true" } else { "false" };
        csvtext::row(&mut families, &[&patterns::family_id(f as u32), family.kind.code(), standout]);
        families.push('\n');
    }

    let mut pattern_text = String::with_capacity(found.len() * 96);
    pattern_text.push_str("family_id,pattern,detail\n");
    for p in found {
        csvtext::row(&mut pattern_text, &[&patterns::family_id(p.family), p.kind, &p.detail]);
        pattern_text.push('\n');
    }

    vec![
        ("records.csv".to_owned(), records),
        ("persons.csv".to_owned(), persons),
        ("families.csv".to_owned(), families),
        ("patterns.csv".to_owned(), pattern_text),
    ]
}

#[cfg(test)]
mod tests;
