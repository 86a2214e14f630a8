//! Shared by the fuzz targets: CSV bytes into the raw tables validation
//! takes, as the DuckDB reader would hand them over.

use famgraph_model::{BundleFile, RawRow, RawTable};

/// Splits `bytes` as CSV (header first); never fails, as a reader that
/// cannot split a row hands validation what it could.
pub fn raw_table(file: BundleFile, bytes: &[u8]) -> RawTable {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let columns: Vec<String> =
        reader.headers().map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect()).unwrap_or_default();
    let mut rows = Vec::new();
    for record in reader.records().flatten() {
        let line = record.position().map_or(0, csv::Position::line);
        let values = record.iter().map(|v| (!v.is_empty()).then(|| v.to_owned())).collect();
        rows.push(RawRow { line, values });
    }
    RawTable {
        file,
        file_name: format!("{}.csv", file.stem()),
        columns,
        rows,
        unreadable: Vec::new(),
        repaired: Vec::new(),
    }
}
