//! One error type for the API: every failure is JSON
//! `{"error": {"code", "message"}}` with a 4xx or 5xx status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a bearer token is required: send `Authorization: Bearer TOKEN`")]
    Unauthorized,
    #[error("this token expired after {0}: ask the partnership's admin for a new one")]
    TokenExpired(famgraph_model::Date),
    #[error("this token's role may not see {0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed: see the API's documented methods")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(&'static str),
    /// The new load failed; the previous one is still served.
    #[error("reload failed, still serving the previous load: {0}")]
    ReloadFailed(String),
    /// The token made more requests than its limit allows.
    #[error("this token made more than {0} requests a minute: try again in {1} s")]
    TooManyRequests(u32, u64),
    /// The request took longer than the server allows.
    #[error("the request took longer than {0} s: try again, or narrow it")]
    Timeout(u64),
    /// The detail goes to the log, never to the client.
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::TokenExpired(_) => (StatusCode::UNAUTHORIZED, "token_expired"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::ReloadFailed(_) => (StatusCode::UNPROCESSABLE_ENTITY, "reload_failed"),
            ApiError::TooManyRequests(..) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = (status, Json(Body { error: Inner { code, message: self.to_string() } })).into_response();
        if let ApiError::TooManyRequests(_, seconds) = &self
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<famgraph_governance::BadRequest> for ApiError {
    fn from(e: famgraph_governance::BadRequest) -> ApiError {
        ApiError::BadRequest(e.0)
    }
}

impl From<famgraph_governance::AuditError> for ApiError {
    fn from(e: famgraph_governance::AuditError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}
