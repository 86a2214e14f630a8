//! The web pages: the shortlist with its filters, a family view, the
//! partnership's agency matrix, the evidence and the changes since the
//! earlier load, rendered in the browser from the JSON API with the user's
//! bearer token, so the pages carry no data of their own and obey the same
//! roles. One `index.html`, one stylesheet and an ES module per view
//! (`main.js` routes to them; `common.js` holds what they share), all
//! compiled into the binary and served under `/assets/`.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse as _, Response};

const INDEX: &str = include_str!("index.html");

/// The stylesheet and the script modules, compiled in: one per view and
/// the pieces they share.
const ASSETS: [(&str, &str, &str); 17] = [
    ("famgraph.css", CSS, include_str!("famgraph.css")),
    ("main.js", JS, include_str!("main.js")),
    ("common.js", JS, include_str!("common.js")),
    ("shortlist.js", JS, include_str!("shortlist.js")),
    ("family.js", JS, include_str!("family.js")),
    ("genogram.js", JS, include_str!("genogram.js")),
    ("overlaps.js", JS, include_str!("overlaps.js")),
    ("decisions.js", JS, include_str!("decisions.js")),
    ("cohorts.js", JS, include_str!("cohorts.js")),
    ("evidence.js", JS, include_str!("evidence.js")),
    ("evidence_pack.js", JS, include_str!("evidence_pack.js")),
    ("changes.js", JS, include_str!("changes.js")),
    ("load_report.js", JS, include_str!("load_report.js")),
    ("audit.js", JS, include_str!("audit.js")),
    ("search.js", JS, include_str!("search.js")),
    ("review.js", JS, include_str!("review.js")),
    ("pack.js", JS, include_str!("pack.js")),
];

/// The browser runs this server's own scripts and styles and nothing
/// else: no inline script or style, no frames, no form posting elsewhere,
/// fetches only to this server; images from it, or from what its own
/// scripts fetched from it with the token (the evidence's charts).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                           img-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// A stylesheet or script module by name, or 404.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(&(_, kind, text)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return crate::ApiError::NotFound("no such asset".into()).into_response();
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, kind)], text).into_response()
}

/// Headers on every answer: nothing cached (answers hold personal data),
/// no content sniffing, no framing, no referrer; the page's content
/// policy on pages, a deny-all one on JSON.
pub async fn security_headers(mut response: Response) -> Response {
    let is_page = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(b"text/html") || v.starts_with(b"text/css") || v.starts_with(b"text/javascript")
    });
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let policy = if is_page {
        HeaderValue::from_static(PAGE_POLICY)
    } else {
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}

pub async fn family() -> Html<&'static str> {
    Html(INDEX)
}
