//! ActivityPub client-to-server endpoints: `POST` to the outbox, `uploadMedia`, an upload
//! as an object, and the owner's inbox. All take the same bearer tokens as the Mastodon API.

use axum::{
    body::Bytes,
    extract::{Multipart, Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActivityJson, collections::Collection};
use crate::{
    api::{ApiError, mastodon::auth::Authenticated, upload::read_upload},
    db::entities::accounts::Model as Account,
    domain,
    federation::{
        c2s::{self, C2sError, Submitted},
        protocol::context::ACTIVITYSTREAMS,
    },
    state::AppState,
};

impl From<C2sError> for ApiError {
    fn from(e: C2sError) -> Self {
        match e {
            C2sError::Malformed(m) => ApiError::BadRequest(m),
            C2sError::Forbidden(m) => ApiError::Forbidden(m),
            C2sError::Unsupported(m) => ApiError::Unprocessable(m),
            C2sError::Domain(e) => e.into(),
        }
    }
}

/// The token's account, when it owns the addressed actor (403 otherwise).
fn owner<'a>(
    auth: &'a Authenticated,
    username: &str,
    scopes: &[&str],
) -> Result<&'a Account, ApiError> {
    let caller = auth.require(scopes)?;
    if !caller.account.username.eq_ignore_ascii_case(username) {
        return Err(ApiError::Forbidden(
            "this collection belongs to another account".into(),
        ));
    }
    Ok(&caller.account)
}

fn created(s: Submitted) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, s.location)],
        ActivityJson(s.activity),
    )
        .into_response()
}

/// `POST /users/NAME/outbox`: an activity (or a bare object to create) from the owner.
pub async fn outbox_post(
    State(state): State<AppState>,
    Path(username): Path<String>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Each activity type needs its own scope (checked by `submit`); any write scope gets in.
    owner(
        &auth,
        &username,
        &[
            "write:statuses",
            "write:favourites",
            "write:follows",
            "write:blocks",
            "write:accounts",
            "follow",
        ],
    )?;
    Ok(created(
        c2s::submit(&state.federation, &auth.0, &body).await?,
    ))
}

/// `POST /users/NAME/media` (`endpoints.uploadMedia`): multipart `file` and `object`.
pub async fn upload_media(
    State(state): State<AppState>,
    Path(username): Path<String>,
    auth: Authenticated,
    form: Multipart,
) -> Result<Response, ApiError> {
    let me = owner(&auth, &username, &["write:media"])?;
    let (bytes, fields) = read_upload(form, &["object"]).await?;
    let bytes = bytes.ok_or_else(|| ApiError::BadRequest("the file part is missing".into()))?;
    let object = fields.get("object").map(String::as_str);
    Ok(created(
        c2s::upload_media(&state.federation, me, bytes, object).await?,
    ))
}

/// `GET /users/NAME/media/ID`: an upload as an object, for its owner only (an unattached
/// upload is private until it is posted).
pub async fn media_object(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let me = owner(&auth, &username, &["read:statuses", "write:media"])?;
    let id = id
        .parse()
        .map_err(|_| ApiError::NotFound("Record not found".into()))?;
    let m = domain::media::get_own(&state.db, me, id).await?;
    Ok(ActivityJson(c2s::media_object(&state.config, me, &m)).into_response())
}

/// Inbox paging: below `max_id`.
#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

/// Activities per inbox page.
const INBOX_PAGE: u64 = 20;

/// `GET /users/NAME/inbox`: the activities that reached the owner, newest first.
pub async fn inbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<InboxQuery>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let me = owner(&auth, &username, &["read:statuses", "read:notifications"])?;
    let id = state.config.uris().actor_part(&me.username, "inbox");
    let (total, items) =
        domain::accounts::inbox_page(&state.db, me, query.max_id, INBOX_PAGE).await?;
    let collection = Collection { id: &id, total };
    if query.page.is_none() && query.max_id.is_none() {
        let document = collection.document(format!("{id}?page=true"), None);
        return Ok(ActivityJson(document).into_response());
    }
    let next = (items.len() as u64 == INBOX_PAGE)
        .then(|| items.last().map(|(last, _)| *last))
        .flatten();
    let activities = items
        .iter()
        .map(|(_, body)| {
            let mut activity: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            if let Some(o) = activity.as_object_mut() {
                o.remove("@context");
            }
            activity
        })
        .collect();
    let page = collection.below(json!(ACTIVITYSTREAMS), query.max_id, activities, next);
    Ok(ActivityJson(page).into_response())
}
