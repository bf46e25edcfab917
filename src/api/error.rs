//! The one place errors become HTTP responses. Clients get a safe message in Mastodon's
//! `{"error": "…"}` shape; internal causes go to the log only.

use crate::{domain::DomainError, federation::inbox::InboxError};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// An error on its way to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The thing existed and was deleted (a post's tombstone).
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Unprocessable(String),
    /// Field checks failed: 422 with Mastodon's `details`.
    #[error("{0}")]
    Fields(String, Vec<crate::domain::FieldError>),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request body did not arrive in time (a trickling client).
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// A rate limit was reached: 429 with Retry-After and `X-RateLimit-*`.
    #[error("Too many requests")]
    RateLimited(crate::domain::limits::Refused),
    /// Temporarily unable (the database is busy); the client should retry.
    #[error("{0}")]
    Unavailable(String),
    /// The cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid(m) => ApiError::Unprocessable(m),
            DomainError::Conflict(m) => ApiError::Conflict(m),
            DomainError::NotFound(m) => ApiError::NotFound(m),
            DomainError::Gone(m) => ApiError::Gone(m),
            DomainError::Unauthorized(m) => ApiError::Unauthorized(m),
            DomainError::Forbidden(m) => ApiError::Forbidden(m),
            DomainError::Fields(fields) => {
                ApiError::Fields(crate::domain::FieldError::message(&fields), fields)
            }
            DomainError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            DomainError::TooMany(m) => ApiError::TooManyRequests(m),
            DomainError::Store(crate::db::StoreError::Busy) => {
                ApiError::Unavailable("The server is busy; try again in a moment".into())
            }
            other @ (DomainError::Crypto(_) | DomainError::Store(_) | DomainError::Internal(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

/// How a sign-in form answers a refusal it shows on the page (wrong password 401, pending
/// or disabled account 403, throttled 429); `None` for errors that are no refusal.
pub fn sign_in_refusal(e: &DomainError) -> Option<StatusCode> {
    match e {
        DomainError::Unauthorized(_) => Some(StatusCode::UNAUTHORIZED),
        DomainError::Forbidden(_) => Some(StatusCode::FORBIDDEN),
        DomainError::TooMany(_) => Some(StatusCode::TOO_MANY_REQUESTS),
        _ => None,
    }
}

/// A refused delivery or signed fetch.
impl From<InboxError> for ApiError {
    fn from(e: InboxError) -> Self {
        let message = e.to_string();
        match e {
            InboxError::Signature(_) | InboxError::Key(_) | InboxError::WrongOwner { .. } => {
                ApiError::Unauthorized(message)
            }
            InboxError::Malformed(_) => ApiError::BadRequest(message),
            InboxError::Refused(_) => ApiError::Unprocessable(message),
            InboxError::Blocked(_) => ApiError::Forbidden(message),
            InboxError::TooMany(refused) => ApiError::RateLimited(refused),
            InboxError::NotFound(_) => ApiError::NotFound(message),
            // A replay (or a retry after a lost response) changes nothing; 409 tells the
            // sender to stop retrying.
            InboxError::Duplicate => ApiError::Conflict(message),
            InboxError::Busy => ApiError::Unavailable(message),
            InboxError::Internal(_) => ApiError::Internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.as_str()),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m.as_str()),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m.as_str()),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.as_str()),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, m.as_str()),
            ApiError::Gone(m) => (StatusCode::GONE, m.as_str()),
            ApiError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.as_str()),
            ApiError::Fields(m, _) => (StatusCode::UNPROCESSABLE_ENTITY, m.as_str()),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m.as_str()),
            ApiError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, m.as_str()),
            ApiError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, m.as_str()),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m.as_str()),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        };
        let details = match &self {
            ApiError::Fields(_, fields) => Some(crate::api::mastodon::entities::details(fields)),
            _ => None,
        };
        let body = crate::api::mastodon::entities::ErrorBody {
            error: message,
            error_description: None,
            details,
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited(refused) = &self {
            let reset = chrono::Utc::now() + chrono::TimeDelta::seconds(refused.retry_after as i64);
            let headers = response.headers_mut();
            for (name, value) in [
                ("retry-after", refused.retry_after.to_string()),
                ("x-ratelimit-limit", refused.limit.to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                (
                    "x-ratelimit-reset",
                    reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                ),
            ] {
                if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            // Sign-in throttles and busy hashing clear within minutes.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

/// Unknown routes answer like the rest of the API.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("Record not found".into())
}
