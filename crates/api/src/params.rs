//! Query parameters and JSON bodies: limits on what one request may ask
//! for, and answers sent as bytes worked out once.

use crate::prelude::*;

/// The largest page of families one request may ask for.
pub const MAX_PAGE_LIMIT: usize = 1000;

/// The page size when none is asked for.
pub const DEFAULT_PAGE_LIMIT: usize = 50;

pub(crate) fn parse_number(
    params: &[(String, String)],
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match params.iter().rev().find(|(k, _)| k == name) {
        None => Ok(default),
        Some((_, value)) => match value.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            Ok(_) => Err(ApiError::BadRequest(format!("`{name}` must be at most {max}"))),
            Err(_) => Err(ApiError::BadRequest(format!("`{name}` must be a whole number from 0 to {max}"))),
        },
    }
}

/// The page a request asks for: `limit` (from `default` if not given, at
/// most `max`), then `offset` (from 0).
pub(crate) fn page(params: &[(String, String)], default: usize, max: usize) -> Result<(usize, usize), ApiError> {
    Ok((parse_number(params, "limit", default, max)?, parse_number(params, "offset", 0, usize::MAX)?))
}

/// A value as the JSON text a response carries.
pub(crate) fn json_bytes(value: &impl serde::Serialize) -> axum::body::Bytes {
    serde_json::to_vec(value).expect("answers serialise: their maps have string keys").into()
}

/// JSON text held ready, as a response.
pub(crate) fn json_response(body: &axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

/// The most rejected or repaired lines one load-report answer lists.
pub const MAX_REPORT_LINES: usize = 1000;

/// The deepest neighbourhood one request may ask for.
pub const MAX_DEPTH: usize = 4;

/// The most nodes a neighbourhood returns.
pub const MAX_NODES: usize = 500;

pub(crate) fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

/// A day parameter (`since`, `until`) as `YYYY-MM-DD`, or a 400 saying so.
pub(crate) fn day_param(params: &[(String, String)], name: &str) -> Result<Option<String>, ApiError> {
    param(params, name)
        .filter(|d| !d.is_empty())
        .map(|d| decisions::day(d).ok_or_else(|| ApiError::BadRequest(format!("`{name}` must be a date, YYYY-MM-DD"))))
        .transpose()
}
