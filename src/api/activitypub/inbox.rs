//! `POST /inbox` and `POST /users/NAME/inbox`.

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
