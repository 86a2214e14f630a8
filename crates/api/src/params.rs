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

/// A kept answer's JSON text, and the same text gzipped once for the
/// clients that accept it (every browser): a family's answer of 100 KB is
/// a tenth of that gzipped, and copying it into the socket is most of
/// what giving it again costs.
#[derive(Clone)]
pub(crate) struct KeptBody {
    pub(crate) json: axum::body::Bytes,
    gzip: axum::body::Bytes,
}

impl KeptBody {
    pub(crate) fn new(json: axum::body::Bytes) -> KeptBody {
        use std::io::Write;
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 8), flate2::Compression::default());
        encoder.write_all(&json).expect("gzip into memory cannot fail");
        let gzip = encoder.finish().expect("gzip into memory cannot fail").into();
        KeptBody { json, gzip }
    }

    /// The bytes kept: both texts.
    pub(crate) fn len(&self) -> usize {
        self.json.len() + self.gzip.len()
    }

    /// The answer to a request with these headers: gzipped when its
    /// `Accept-Encoding` takes gzip, else the JSON text as it is.
    pub(crate) fn response(&self, headers: &axum::http::HeaderMap) -> axum::response::Response {
        use axum::http::header;
        use axum::response::IntoResponse;
        let vary = (header::VARY, "Accept-Encoding");
        if accepts_gzip(headers) {
            let content = [(header::CONTENT_TYPE, "application/json"), (header::CONTENT_ENCODING, "gzip"), vary];
            (content, self.gzip.clone()).into_response()
        } else {
            ([(header::CONTENT_TYPE, "application/json"), vary], self.json.clone()).into_response()
        }
    }
}

/// Whether a request's `Accept-Encoding` takes gzip: named (or `*`), and
/// not with `q=0`.
fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers.get_all(axum::http::header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused =
                parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_given_to_whoever_accepts_it() {
        let accepts = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(axum::http::header::ACCEPT_ENCODING, value.parse().unwrap());
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0, br"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&axum::http::HeaderMap::new()));
    }
}
