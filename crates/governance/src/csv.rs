//! CSV for spreadsheets: the shortlist for a meeting's papers, the
//! evidence for a bid. A cell a spreadsheet would run as a formula
//! (starting `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed
//! with `'`; a cell with a comma, quote or line break is quoted.

/// Appends one row and its line break.
pub fn push_row(out: &mut String, row: &[impl AsRef<str>]) {
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = value.as_ref();
        let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { "'" } else { "" };
        if value.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(defused);
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(defused);
            out.push_str(value);
        }
    }
    out.push('\n');
}
