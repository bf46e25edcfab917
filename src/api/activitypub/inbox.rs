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

/// Lets an inbox POST in when a processing slot frees up within
/// `federation.inbox_queue_wait_ms`, and only while fewer than `federation.inbox_queue_max`
/// already wait; otherwise answers 503 with `Retry-After` without reading the body, so a
/// flood costs little memory (few connections held) and never delays local writes for long.
pub async fn admission(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Ok(admitted) = state.inbox_admitted.clone().try_acquire_owned() else {
        return busy();
    };
    let wait = std::time::Duration::from_millis(state.config.federation.inbox_queue_wait_ms);
    let permit = match tokio::time::timeout(wait, state.inbox_slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => return busy(),
    };
    let response = next.run(request).await;
    drop((permit, admitted));
    response
}

/// Too many deliveries at once: the sender should come back later.
fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "10")],
        Json(json!({ "error": "Too many deliveries at once; retry later" })),
    )
        .into_response()
}
