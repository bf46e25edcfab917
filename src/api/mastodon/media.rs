//! `POST /api/v1/media`, `POST /api/v2/media`, `GET`/`PUT /api/v1/media/:id`: uploads
//! through the media pipeline (the same `domain::media::upload` every path uses).

use axum::{
    Json,
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{
    auth::Authenticated,
    params::{Params, parse_id},
    statuses_entities::media,
};
use crate::{
    api::{ApiError, upload::read_upload},
    domain::{self, media::NewMedia},
    state::AppState,
};

/// Mastodon's `focus` parameter: `"x,y"`, each −1..1.
pub(crate) fn focus(value: Option<&str>) -> Result<Option<(f64, f64)>, ApiError> {
    let Some(v) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let parsed = v
        .split_once(',')
        .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
    parsed
        .map(Some)
        .ok_or_else(|| ApiError::Unprocessable("focus must be two numbers: x,y".into()))
}

async fn upload(state: &AppState, auth: Authenticated, form: Multipart) -> Result<Value, ApiError> {
    let caller = auth.require(&["write:media"])?;
    let (bytes, mut fields) = read_upload(form, &["description", "focus"]).await?;
    let (description, focus_text) = (fields.remove("description"), fields.remove("focus"));
    let bytes = bytes.ok_or_else(|| ApiError::Unprocessable("file is missing".into()))?;
    let attachment = domain::media::upload(
        &state.db,
        &state.media,
        &caller.account,
        NewMedia {
            bytes,
            description: description.filter(|d| !d.is_empty()),
            focus: focus(focus_text.as_deref())?,
            ..Default::default()
        },
    )
    .await?;
    Ok(media(&state.config, &attachment))
}

/// `POST /api/v1/media`.
pub async fn upload_v1(
    State(state): State<AppState>,
    auth: Authenticated,
    form: Multipart,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(upload(&state, auth, form).await?))
}

/// `POST /api/v2/media`: Mastodon answers 202 while processing; Pinhole processes before
/// answering, so the attachment is ready (200, with its `url`).
pub async fn upload_v2(
    State(state): State<AppState>,
    auth: Authenticated,
    form: Multipart,
) -> Result<Response, ApiError> {
    Ok((StatusCode::OK, Json(upload(&state, auth, form).await?)).into_response())
}

/// `GET /api/v1/media/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:media"])?;
    let m = domain::media::get_own(&state.db, &caller.account, parse_id(&id)?).await?;
    Ok(Json(media(&state.config, &m)))
}

/// `PUT /api/v1/media/:id`: alt text and focal point.
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:media"])?;
    let m = domain::media::describe(
        &state.db,
        &state.media,
        &caller.account,
        parse_id(&id)?,
        params.get("description").map(str::to_string),
        focus(params.get("focus"))?,
    )
    .await?;
    Ok(Json(media(&state.config, &m)))
}
