//! `POST /inbox` and `POST /users/NAME/inbox`, behind an admission gate: a bounded number
//! are processed at once, the rest wait briefly and are then told to come back (503 with
//! `Retry-After`), before their bodies are even read.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{
    api::ApiError,
    domain,
    federation::inbox::{self, InboxError, Outcome},
    state::AppState,
};

fn respond(result: Result<Outcome, InboxError>) -> Response {
    match result {
        Ok(outcome) => {
            tracing::debug!(?outcome, "inbox accepted an activity");
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            let status = e.status();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::info!(error = %e, "inbox busy; the sender will retry");
                (
                    status,
                    [(axum::http::header::RETRY_AFTER, "5")],
                    Json(json!({ "error": e.to_string() })),
                )
                    .into_response()
            } else if status.is_server_error() {
                tracing::error!(error = %e, "inbox failed");
                (status, Json(json!({ "error": "Internal server error" }))).into_response()
            } else {
                tracing::info!(error = %e, %status, "inbox refused an activity");
                (status, Json(json!({ "error": e.to_string() }))).into_response()
            }
        }
    }
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// The shared inbox.
pub async fn shared_inbox(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(inbox::receive(&state, path_and_query(&uri), &headers, &body, None).await)
}

/// A local account's own inbox.
pub async fn user_inbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let owner = match domain::accounts::get_local(&state.db, &username).await {
        Ok(a) => a,
        Err(e) => return crate::api::ApiError::from(e).into_response(),
    };
    respond(inbox::receive(&state, path_and_query(&uri), &headers, &body, Some(&owner)).await)
}

/// Lets an inbox POST in, in three steps, each bounded so that no sender can hold what
/// others need:
/// 1. a place among the deliveries being processed or waiting (`federation.inbox_queue_max`);
///    none left: 503 with `Retry-After` at once, before the body is read;
/// 2. its body, read whole within `federation.inbox_body_timeout_seconds` (408 otherwise)
///    and against a budget of buffered bytes (503 when spent), *before* a processing slot
///    is taken: a sender trickling its body holds a place in line, never a slot;
/// 3. a processing slot within `federation.inbox_queue_wait_ms`, else 503.
pub async fn admission(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let federation = &state.config.federation;
    let Ok(admitted) = state.inbox_admitted.clone().try_acquire_owned() else {
        return busy();
    };
    let limit = federation.inbox_max_bytes;
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(limit);
    }
    let reserve = declared.unwrap_or(limit);
    let Ok(buffered) = state
        .inbox_buffer
        .clone()
        .try_acquire_many_owned(buffer_units(reserve))
    else {
        return busy();
    };
    let (parts, body) = request.into_parts();
    let deadline = std::time::Duration::from_secs(federation.inbox_body_timeout_seconds.max(1));
    let bytes = match tokio::time::timeout(deadline, axum::body::to_bytes(body, reserve)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if is_length_limit(&e) => return too_large(limit),
        Ok(Err(_)) => {
            return ApiError::BadRequest("The request body could not be read".into())
                .into_response();
        }
        Err(_) => {
            return ApiError::Timeout("The request body did not arrive in time".into())
                .into_response();
        }
    };
    let wait = std::time::Duration::from_millis(federation.inbox_queue_wait_ms);
    let permit = match tokio::time::timeout(wait, state.inbox_slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => return busy(),
    };
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let response = next.run(request).await;
    drop((permit, buffered, admitted));
    response
}

/// Buffered inbox bodies are budgeted in KiB (a semaphore counts at most `u32` permits).
pub fn buffer_units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn too_large(limit: usize) -> Response {
    ApiError::PayloadTooLarge(format!("Deliveries are limited to {limit} bytes")).into_response()
}

/// Too many deliveries at once: the sender should come back later.
fn busy() -> Response {
    ApiError::Unavailable("Too many deliveries at once; retry later".into()).into_response()
}
