//! `/users/NAME` and `/actor`.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};

use super::ActivityJson;
use crate::{
    api::{ApiError, wants_activity_json},
    domain,
    federation::objects::actor::{instance_application, local_actor_urls, person as to_person},
    state::AppState,
};

/// A local account: the `Person` for ActivityPub clients, a redirect to the profile page for
/// browsers (as Mastodon does).
pub async fn person(
    State(state): State<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let account = domain::accounts::get_public(&state.db, &username).await?;
    if wants_activity_json(&headers) {
        return Ok(ActivityJson(to_person(&state.config, &account)).into_response());
    }
    let profile = local_actor_urls(&state.config, &account.username).profile;
    Ok(([(header::VARY, "Accept")], Redirect::to(profile.as_str())).into_response())
}

/// The instance actor; always JSON, since only servers ask for it.
pub async fn instance_actor(State(state): State<AppState>) -> Response {
    ActivityJson(instance_application(&state.config, &state.instance_keys)).into_response()
}
