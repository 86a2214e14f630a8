//! The extract contract's rules for bad input, one case per file:
//! `contract/ok/*.case` are accepted (perhaps repaired, with a warning),
//! `contract/err/*.case` are rejected, row or file. Each case changes a
//! small valid bundle and says what the load report must then hold; one
//! `check` walks them all, so a rule is tested by adding a file.
//!
//! A case file holds, one per line (`#` starts a comment):
//! - `people: police,P9,Ann,...`: a row appended to `people.csv`;
//! - `drop people.nhs_number`: a column taken out of a file;
//! - `expect reject people.date_of_birth: after`: a reject of the rows
//!   the case added, in that column, its reason holding the text
//!   (`expect warning ...` likewise; `expect error: text` for a file the
//!   load refuses whole). Every reject and warning must be expected.

#![allow(clippy::unwrap_used)] // a failing case should stop the test where it fails

use std::path::Path;

use famgraph_model::{BundleFile, RawRow, RawTable, validate_bundle};

const BASE: [(&str, &str); 5] = [
    (
        "agencies",
        "agency,name,sector,extracted_on\npolice,Kent Police,police,2024-06-30\nhousing,Housing,housing,2024-06-30",
    ),
    (
        "services",
        "agency,service,name,need,offending,keyworker,unit_cost_gbp,cost_basis\n\
         police,arrest,Arrest,crime,true,false,,\n\
         housing,homeless,Homelessness application,housing,false,true,100,per_week",
    ),
    (
        "people",
        "agency,record_id,given_name,family_name,date_of_birth,sex,address,postcode,uprn,nhs_number\n\
         police,P1,Ann,Smith,1980-02-03,F,1 High Street,ME1 1AA,,\n\
         housing,H1,Ann,Smith,1980-02-03,F,1 High Street,ME1 1AA,,",
    ),
    ("relationships", "agency,from_record,kind,to_record,start_date,end_date"),
    (
        "involvements",
        "agency,involvement_id,record_id,service,start_date,end_date,role\n\
         police,I1,P1,arrest,2023-01-01,2023-01-02,subject\n\
         housing,J1,H1,homeless,2023-05-01,,subject",
    ),
];

/// One expected issue: severity, file stem, column, text in the reason.
#[derive(Debug)]
struct Expected {
    severity: String,
    file: String,
    column: String,
    text: String,
}

struct Case {
    rows: Vec<(String, String)>,
    dropped: Vec<(String, String)>,
    expected: Vec<Expected>,
    error: Option<String>,
}

fn parse(text: &str, name: &str) -> Case {
    let mut case = Case { rows: Vec::new(), dropped: Vec::new(), expected: Vec::new(), error: None };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("expect error:") {
            case.error = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("expect ") {
            let (what, text) =
                rest.split_once(':').unwrap_or_else(|| panic!("{name}: `expect KIND FILE.COLUMN: TEXT`"));
            let mut words = what.split_whitespace();
            let (severity, at) = (words.next().unwrap(), words.next().unwrap());
            let (file, column) = at.split_once('.').unwrap_or_else(|| panic!("{name}: FILE.COLUMN, not `{at}`"));
            case.expected.push(Expected {
                severity: severity.into(),
                file: file.into(),
                column: column.into(),
                text: text.trim().into(),
            });
        } else if let Some(rest) = line.strip_prefix("drop ") {
            let (file, column) = rest.trim().split_once('.').unwrap_or_else(|| panic!("{name}: drop FILE.COLUMN"));
            case.dropped.push((file.into(), column.into()));
        } else {
            let (file, row) = line.split_once(':').unwrap_or_else(|| panic!("{name}: not a case line: {line}"));
            case.rows.push((file.trim().into(), row.trim().into()));
        }
    }
    case
}

/// The base bundle with the case's changes, as a reader hands it over.
fn tables(case: &Case) -> (Vec<RawTable>, Vec<(String, u64)>) {
    let mut added = Vec::new();
    let tables = BundleFile::ALL
        .iter()
        .map(|&file| {
            let stem = file.stem();
            let base = BASE.iter().find(|(name, _)| *name == stem).expect("a base file").1;
            let mut lines: Vec<Vec<String>> =
                base.lines().map(|l| l.trim().split(',').map(str::to_owned).collect()).collect();
            for (_, row) in case.rows.iter().filter(|(f, _)| f == stem) {
                lines.push(row.split(',').map(str::to_owned).collect());
                added.push((stem.to_owned(), lines.len() as u64));
            }
            for (_, column) in case.dropped.iter().filter(|(f, _)| f == stem) {
                let at = lines[0].iter().position(|c| c == column).expect("a column of the base");
                for line in &mut lines {
                    line.remove(at);
                }
            }
            let columns = lines[0].clone();
            let rows = lines[1..]
                .iter()
                .enumerate()
                .map(|(i, values)| RawRow {
                    line: i as u64 + 2,
                    values: values.iter().map(|v| (!v.is_empty()).then(|| v.clone())).collect(),
                })
                .collect();
            RawTable {
                file,
                file_name: format!("{stem}.csv"),
                columns,
                rows,
                unreadable: Vec::new(),
                repaired: Vec::new(),
            }
        })
        .collect();
    (tables, added)
}

fn check(path: &Path) -> Result<(), String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let case = parse(&std::fs::read_to_string(path).unwrap(), &name);
    let (tables, added) = tables(&case);
    let (_, report) = match (validate_bundle(&tables), &case.error) {
        (Err(e), Some(text)) if e.to_string().contains(text.as_str()) => return Ok(()),
        (Err(e), _) => return Err(format!("{name}: the load was refused: {e}")),
        (Ok(_), Some(text)) => return Err(format!("{name}: the load was accepted, not refused with `{text}`")),
        (Ok(loaded), None) => loaded,
    };
    for f in &report.files {
        if f.read != f.accepted + f.rejected {
            return Err(format!(
                "{name}: {} read {} != accepted {} + rejected {}",
                f.file, f.read, f.accepted, f.rejected
            ));
        }
    }
    let issues: Vec<(&str, &famgraph_model::validate::Issue)> =
        report.rejects.iter().map(|i| ("reject", i)).chain(report.warnings.iter().map(|i| ("warning", i))).collect();
    for (severity, issue) in &issues {
        let stem = issue.file.trim_end_matches(".csv");
        if !added.iter().any(|(file, line)| file == stem && *line == issue.line) {
            return Err(format!("{name}: a {severity} of the base bundle's rows: {issue:?}"));
        }
    }
    for e in &case.expected {
        let found = issues.iter().any(|(severity, i)| {
            *severity == e.severity
                && i.file.trim_end_matches(".csv") == e.file
                && i.column.as_deref() == Some(e.column.as_str())
                && i.reason.contains(e.text.as_str())
        });
        if !found {
            return Err(format!("{name}: no {e:?} among {issues:#?}"));
        }
    }
    if issues.len() != case.expected.len() {
        return Err(format!("{name}: {} expected, the report holds {issues:#?}", case.expected.len()));
    }
    let rejected = report.rejects.len();
    match path.parent().and_then(Path::file_name).and_then(|d| d.to_str()) {
        Some("ok") if rejected > 0 => Err(format!("{name}: an ok case with {rejected} rejects")),
        Some("err") if rejected == 0 && case.error.is_none() => Err(format!("{name}: an err case with no reject")),
        _ => Ok(()),
    }
}

#[test]
fn every_contract_case_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract");
    let mut failures = Vec::new();
    let mut checked = 0;
    for kind in ["ok", "err"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(kind)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "case")) {
            checked += 1;
            if let Err(why) = check(path) {
                failures.push(why);
            }
        }
    }
    assert!(checked >= 20, "only {checked} cases");
    assert!(failures.is_empty(), "{} of {checked} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_base_bundle_is_accepted_whole() {
    let case = Case { rows: Vec::new(), dropped: Vec::new(), expected: Vec::new(), error: None };
    let (bundle, report) = validate_bundle(&tables(&case).0).expect("the base validates");
    assert!(report.rejects.is_empty() && report.warnings.is_empty(), "{report:?}");
    assert_eq!(bundle.people.len(), 2);
}
