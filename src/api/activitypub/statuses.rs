//! A post at its id (`/users/NAME/statuses/ID`) and its page (`/@NAME/ID`): the Note for
//! ActivityPub clients, HTML for browsers, 410 once deleted. Posts that are not public are
//! served only to a signed request from an actor allowed to see them.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
};

use super::ActivityJson;
use crate::{
    api::{ApiError, wants_activity_json, web},
    db::entities::accounts::Model as Account,
    domain::{self, DomainError, posts::PostView},
    federation::{
        inbox::{InboxError, signed_reader},
        objects::note,
    },
    state::AppState,
};

/// The reader of a request: the verified signer, if it signed, or the local account of a
/// bearer token with a read scope (an ActivityPub client reading as its user).
pub async fn reader(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<Account>, ApiError> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
        let caller = domain::tokens::authenticate(&state.db, token.trim()).await?;
        if !caller.has_scope("read:statuses") {
            return Err(ApiError::Forbidden(
                "This action is outside the authorized scopes".into(),
            ));
        }
        return Ok(Some(caller.account));
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    signed_reader(&state.federation, path, headers)
        .await
        .map_err(|e: InboxError| match ApiError::from(e) {
            e @ (ApiError::Internal(_) | ApiError::Unavailable(_)) => e,
            refused => ApiError::Unauthorized(refused.to_string()),
        })
}

/// A local post `reader` may see, 410 for a deleted one, 404 otherwise.
async fn visible_post(
    state: &AppState,
    username: &str,
    id: &str,
    reader: Option<&Account>,
) -> Result<PostView, ApiError> {
    let author = domain::accounts::get_local(&state.db, username).await?;
    let not_found = || ApiError::NotFound("Record not found".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let uri = state.config.uris().status(&author.username, id);
    if domain::posts::is_deleted(&state.db, &uri).await? {
        return Err(ApiError::Gone("This post was deleted".into()));
    }
    match domain::posts::get_visible(&state.db, reader, id).await {
        Ok(view) if view.author.id == author.id && view.reblog.is_none() => Ok(view),
        Ok(_) | Err(DomainError::NotFound(_)) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /users/NAME/statuses/ID`.
pub async fn status(
    State(state): State<AppState>,
    visitor: web::Visitor,
    Path((username, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut reader = reader(&state, &uri, &headers).await?;
    let json = wants_activity_json(&headers);
    if !json && reader.is_none() {
        // A browser: the person signed in to the web, if any.
        reader = visitor.me.clone();
    }
    let view = visible_post(&state, &username, &id, reader.as_ref()).await?;
    if json {
        return Ok(ActivityJson(note::note_document(&state.config, &view)).into_response());
    }
    web::post_page(&state, &visitor, reader.as_ref(), view).await
}

/// `GET /users/NAME/statuses/ID/activity`: the Create, as Mastodon serves it.
pub async fn activity(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reader = reader(&state, &uri, &headers).await?;
    let view = visible_post(&state, &username, &id, reader.as_ref()).await?;
    Ok(ActivityJson(note::create_or_update(&state.config, &view, false)).into_response())
}

/// `GET /@NAME/ID`: the post page (or the Note, for ActivityPub clients).
pub async fn page(
    State(state): State<AppState>,
    visitor: web::Visitor,
    Path((handle, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(username) = handle.strip_prefix('@') else {
        return Err(ApiError::NotFound("Record not found".into()));
    };
    if username.contains('@') {
        // Another server's post, as we keep it: a page for browsers only.
        if wants_activity_json(&headers) {
            return Err(ApiError::NotFound("Record not found".into()));
        }
        return web::remote_post(&state, &visitor, username, &id).await;
    }
    status(
        State(state),
        visitor,
        Path((username.to_string(), id)),
        uri,
        headers,
    )
    .await
}
