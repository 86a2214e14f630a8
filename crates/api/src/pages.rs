//! The web pages: the shortlist with its filters, a family view, the
//! partnership's agency matrix, the evidence and the changes since the
//! earlier load, rendered in the browser
//! from the JSON API with the user's bearer token, so the pages carry no
//! data of their own and obey the same roles.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, Response};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

const PAGE: &str = include_str!("page.html");

/// The browser runs the page's own script and style and nothing else: no
/// other script, no frames, no form posting elsewhere, fetches only to
/// this server.
static PAGE_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = |open: &str, close: &str| {
        let start = PAGE.find(open).expect("the page has the element") + open.len();
        let end = start + PAGE[start..].find(close).expect("the element closes");
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&PAGE.as_bytes()[start..end]))
    };
    let policy = format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        hash("<script>", "</script>"),
        hash("<style>", "</style>")
    );
    HeaderValue::from_str(&policy).expect("a policy is ASCII")
});

/// Headers on every answer: nothing cached (answers hold personal data),
/// no content sniffing, no framing, no referrer; the page's content
/// policy on pages, a deny-all one on JSON.
pub async fn security_headers(mut response: Response) -> Response {
    let is_page = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let policy = if is_page {
        PAGE_POLICY.clone()
    } else {
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

pub async fn index() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn family() -> Html<&'static str> {
    Html(PAGE)
}
