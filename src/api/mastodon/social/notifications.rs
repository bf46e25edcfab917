//! Single notifications: show, dismiss, clear.

use super::*;

/// `GET /api/v1/notifications/:id`.
pub async fn notification_show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Notification>, ApiError> {
    let caller = auth.require(&["read:notifications"])?;
    let me = &caller.account;
    let n = domain::timelines::notification(&state.db, me, parse_id(&id)?).await?;
    let from = find(&state, &n.from_account_id.to_string()).await?;
    let post = match n.post_id {
        Some(pid) => {
            let view = domain::posts::get_visible(&state.db, Some(me), pid).await?;
            let seen = interactions(&state.db, Some(me), std::slice::from_ref(&view)).await?;
            Some(status_value(&state.config, &view, &seen))
        }
        None => None,
    };
    let out = notification(&state.config, &n, &from, post);
    Ok(Json(
        super::super::reports::with_moderation(&state, &n, out).await?,
    ))
}

/// `POST /api/v1/notifications/clear`.
pub async fn notifications_clear(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Empty>, ApiError> {
    let caller = auth.require(&["write:notifications"])?;
    domain::timelines::dismiss(&state.db, &caller.account, None).await?;
    Ok(Json(Empty {}))
}

/// `POST /api/v1/notifications/:id/dismiss`.
pub async fn notification_dismiss(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Empty>, ApiError> {
    let caller = auth.require(&["write:notifications"])?;
    domain::timelines::dismiss(&state.db, &caller.account, Some(parse_id(&id)?)).await?;
    Ok(Json(Empty {}))
}
