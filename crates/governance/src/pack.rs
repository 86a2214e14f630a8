//! The zip of CSVs behind the evidence pack: one CSV a table, each figure
//! a cell, for a bid's spreadsheet to open as it is; the long CSV the API
//! gives (`?format=csv`); and a `README.txt` saying what was applied and
//! what each table counts. Every cell is a figure as the evidence
//! published it, suppressed and rounded: nothing here is worked out again.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

use crate::evidence::{Evidence, HIDDEN, LONG_COLUMNS};

/// A figure's value and the period it counts.
type Cell = Option<(String, String)>;

/// One table of the long CSV, pivoted: a row per key, a column per
/// measure.
struct Table {
    name: String,
    measures: Vec<String>,
    /// Key, label, and the value and period under each measure (`None`
    /// where the key has no such measure).
    rows: Vec<(String, String, Vec<Cell>)>,
    at: HashMap<(String, String), usize>,
}

impl Table {
    /// Whether each row's figures count one period: then one `period`
    /// column says it; else each measure has its own beside it.
    fn one_period_a_row(&self) -> bool {
        self.rows.iter().all(|(_, _, cells)| {
            let mut periods = cells.iter().flatten().map(|(_, period)| period);
            let first = periods.next();
            periods.all(|p| Some(p) == first)
        })
    }

    fn to_csv(&self) -> String {
        let one = self.one_period_a_row();
        let mut header = vec!["key".to_owned(), "label".to_owned()];
        if one {
            header.push("period".into());
            header.extend(self.measures.iter().cloned());
        } else {
            header.extend(self.measures.iter().flat_map(|m| [m.clone(), format!("{m}_period")]));
        }
        let mut out = String::new();
        crate::csv::push_row(&mut out, &header);
        for (key, label, cells) in &self.rows {
            let mut row = vec![key.as_str(), label.as_str()];
            let cell = |i: usize| cells.get(i).and_then(Option::as_ref);
            if one {
                row.push(cells.iter().flatten().next().map_or("", |(_, period)| period.as_str()));
                row.extend((0..self.measures.len()).map(|i| cell(i).map_or("", |(value, _)| value.as_str())));
            } else {
                for i in 0..self.measures.len() {
                    let (value, period) = cell(i).map_or(("", ""), |(v, p)| (v.as_str(), p.as_str()));
                    row.extend([value, period]);
                }
            }
            crate::csv::push_row(&mut out, &row);
        }
        out
    }
}

/// The long CSV's rows as tables, in the order it gives them.
fn tables(rows: Vec<[String; 6]>) -> Vec<Table> {
    let mut tables: Vec<Table> = Vec::new();
    for [table, key, label, measure, value, period] in rows {
        let at = match tables.iter().position(|t| t.name == table) {
            Some(at) => at,
            None => {
                let name = table;
                tables.push(Table { name, measures: Vec::new(), rows: Vec::new(), at: HashMap::default() });
                tables.len() - 1
            }
        };
        let t = &mut tables[at];
        let column = match t.measures.iter().position(|m| *m == measure) {
            Some(column) => column,
            None => {
                t.measures.push(measure);
                t.measures.len() - 1
            }
        };
        let next = t.rows.len();
        let row = *t.at.entry((key.clone(), label.clone())).or_insert(next);
        if row == next {
            t.rows.push((key, label, Vec::new()));
        }
        let cells = &mut t.rows[row].2;
        if cells.len() <= column {
            cells.resize(column + 1, None);
        }
        cells[column] = Some((value, period));
    }
    tables
}

/// What each table holds, for the README.
fn describe(table: &str) -> &'static str {
    match table {
        "about" => "the extract date and the disclosure control applied",
        "families" => "the headline counts of families, and the annual cost of the current response",
        "by_need" => "families with each of the ten headline needs, in the window and open now, and its annual cost",
        "by_number_of_needs" => "families by how many needs they have",
        "by_area" => "families and their children by postcode district, with rates where denominators were given",
        "by_area_need" => "families with each need, by postcode district",
        "by_programme" => "families eligible under each programme ruleset",
        "by_quarter" => "the quarterly trend: quarters every agency's extract covers to their end",
        "incomplete_quarter" => "later quarters, which some agency's extract ends before: their counts lag",
        "by_decision" => "families by the partnership meeting's decision now",
        "outcomes" => "outcomes of the families taken on, each since its take-on",
        "outcomes_by_need" => "families taken on with an outcome achieved on each need",
        "cost_benefit" => "per-family costs, duplicated keyworker time and the value of outcomes claimed",
        "cost_benefit_values" => {
            "the unit values per outcome the value of outcomes stands on, with source and price year"
        }
        _ => "",
    }
}

/// The zip: `README.txt`, `evidence.csv` (the long form) and a CSV a table.
pub fn zip(evidence: &Evidence) -> Vec<u8> {
    let tables = tables(evidence.rows());
    let mut readme = format!(
        "famgraph evidence, extract date {as_of}\n\n\
         Every figure here is an aggregate of families; no person or family is named.\n\
         Counts below {threshold} are hidden and shown as {HIDDEN}, as are counts from which a hidden one\n\
         could be worked out (secondary suppression), and every figure built on a hidden count.\n\
         {rounded}\n\
         \"In the window\" is {words}: {from} to {to}.\n\
         Families are people joined by the relationships the agencies recorded.\n\n\
         Rates: {rates}\n\n\
         Files (what each figure counts is in its row's `period` column, or in the\n\
         `_period` column beside it where a row's figures count different periods):\n\
         - evidence.csv: every figure, one a row ({long})\n",
        as_of = evidence.as_of,
        threshold = evidence.suppression_threshold,
        rounded = match evidence.rounded_to {
            0 | 1 => "Counts shown are exact.".to_owned(),
            n => format!("Counts shown are rounded to the nearest {n}."),
        },
        words = evidence.window.words,
        from = evidence.window.from,
        to = evidence.window.to,
        rates = evidence.rates_note,
        long = LONG_COLUMNS.join(", "),
    );
    let mut files: Vec<(String, String)> = Vec::new();
    for table in &tables {
        let name = format!("{}.csv", table.name);
        let _ = writeln!(readme, "- {name}: {}", describe(&table.name));
        files.push((name, table.to_csv()));
    }
    let mut all = vec![("README.txt".to_owned(), readme), ("evidence.csv".to_owned(), evidence.to_csv())];
    all.extend(files);

    // Dated the extract date, so the same evidence gives the same bytes.
    let (y, m, d) = famgraph_model::Date::parse(&evidence.as_of).map_or((1980, 1, 1), famgraph_model::Date::ymd);
    let modified = zip::DateTime::from_date_and_time(
        u16::try_from(y).unwrap_or(1980),
        u8::try_from(m).unwrap_or(1),
        u8::try_from(d).unwrap_or(1),
        0,
        0,
        0,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in all {
        // Writing to memory fails only on a bug in this function.
        writer.start_file(name, options).expect("a new zip entry in memory");
        writer.write_all(text.as_bytes()).expect("a zip entry written to memory");
    }
    writer.finish().expect("a zip finished in memory").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pivot(rows: &[[&str; 6]]) -> Vec<Table> {
        tables(rows.iter().map(|r| r.map(str::to_owned)).collect())
    }

    #[test]
    fn a_table_pivots_measures_into_columns_and_keeps_hidden_cells_hidden() {
        let tables = pivot(&[
            ["about", "as_of", "extract date", "date", "2024-03-31", ""],
            ["by_quarter", "2024 Q1", "2024-01-01 to 2024-03-31", "families", "12", "2024-01-01 to 2024-03-31"],
            ["by_quarter", "2024 Q1", "2024-01-01 to 2024-03-31", "cost_gbp", "[c]", "2024-01-01 to 2024-03-31"],
            ["by_quarter", "2024 Q2", "2024-04-01 to 2024-06-30", "families", "7", "2024-04-01 to 2024-06-30"],
        ]);
        assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["about", "by_quarter"]);
        // One period a row: one `period` column; a key without a measure
        // has an empty cell there, never a zero.
        assert_eq!(
            tables[1].to_csv(),
            "key,label,period,families,cost_gbp\n\
             2024 Q1,2024-01-01 to 2024-03-31,2024-01-01 to 2024-03-31,12,[c]\n\
             2024 Q2,2024-04-01 to 2024-06-30,2024-04-01 to 2024-06-30,7,\n"
        );
    }

    #[test]
    fn a_row_counting_several_periods_gives_each_figure_its_own() {
        let tables = pivot(&[
            ["by_need", "crime", "Crime", "families", "12", "the last two years"],
            ["by_need", "crime", "Crime", "families_now", "[c]", "now"],
        ]);
        assert_eq!(
            tables[0].to_csv(),
            "key,label,families,families_period,families_now,families_now_period\n\
             crime,Crime,12,the last two years,[c],now\n"
        );
    }
}
