//! The web pages: the shortlist with its filters, a family view, the
//! partnership's agency matrix, the evidence and the changes since the
//! earlier load, rendered in the browser
//! from the JSON API with the user's bearer token, so the pages carry no
//! data of their own and obey the same roles.

use axum::response::Html;

const PAGE: &str = include_str!("page.html");

pub async fn index() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn family() -> Html<&'static str> {
    Html(PAGE)
}
