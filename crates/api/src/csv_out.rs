//! CSV for spreadsheets: the shortlist for a meeting's papers, the
//! evidence for a bid. A cell a spreadsheet would run as a formula
//! (starting `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed
//! with `'`; a cell with a comma, quote or line break is quoted.

use crate::ApiError;
pub use famgraph_governance::csv::push_row;

/// Whether `format=` asks for CSV (else JSON); anything else is a 400
/// naming it.
pub fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            Err(ApiError::BadRequest(format!("unknown format `{shown}`: use json or csv")))
        }
    }
}

/// A CSV answer, downloaded as `filename`.
pub fn response(filename: &str, body: String) -> axum::response::Response {
    download("text/csv; charset=utf-8", filename, body)
}

/// An answer of `content_type` a browser saves as `filename`.
pub fn download(
    content_type: &str,
    filename: &str,
    body: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}
