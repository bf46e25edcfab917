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
            if status.is_server_error() {
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

/// `POST /users/NAME/outbox`: ActivityPub client-to-server (bearer token with `write`).
pub async fn outbox_post(
    State(state): State<AppState>,
    Path(username): Path<String>,
    auth: crate::api::mastodon::auth::Authenticated,
    body: Bytes,
) -> Result<Response, crate::api::ApiError> {
    use crate::{
        api::ApiError,
        federation::c2s::{C2sError, submit},
    };
    let caller = auth.require(&["write:statuses"])?;
    if !caller.account.username.eq_ignore_ascii_case(&username) {
        return Err(ApiError::Forbidden(
            "this outbox belongs to another account".into(),
        ));
    }
    match submit(&state, &caller.account, &body).await {
        Ok(location) => Ok((
            StatusCode::CREATED,
            [(axum::http::header::LOCATION, location)],
        )
            .into_response()),
        Err(C2sError::Malformed(m)) => Err(ApiError::BadRequest(m)),
        Err(C2sError::Forbidden(m)) => Err(ApiError::Forbidden(m)),
        Err(C2sError::Unsupported(m)) => Err(ApiError::Unprocessable(m)),
        Err(C2sError::Domain(e)) => Err(e.into()),
    }
}
