//! `POST /api/v1/accounts`: Mastodon apps sign people up with their app token.

use axum::{Extension, Json, extract::State, http::HeaderMap};

use super::{auth::bearer, params::Params};
use crate::{
    api::{
        ApiError,
        oauth::Token,
        sign_ups::{count_attempt, policy},
    },
    domain::{self, registrations::SignUp},
    net::ClientAddress,
    state::AppState,
};

/// `POST /api/v1/accounts`.
pub async fn create(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    headers: HeaderMap,
    params: Params,
) -> Result<Json<Token>, ApiError> {
    let token = bearer(&headers)
        .ok_or_else(|| ApiError::Unauthorized("The access token is invalid".into()))?;
    count_attempt(&state, client)?;
    let text = |key: &str| params.get(key).map(str::to_string);
    let sign_up = SignUp {
        username: text("username").unwrap_or_default(),
        email: text("email").unwrap_or_default(),
        password: text("password").unwrap_or_default(),
        agreement: params.flag("agreement"),
        locale: text("locale"),
        reason: text("reason"),
        invite_code: text("invite_code"),
        ip: Some(client.to_string()),
        app_id: None,
    };
    let policy = policy(&state.config);
    let publisher = &state.federation.publisher;
    let issued = domain::oauth::app_sign_up(&state.db, publisher, &policy, token, sign_up).await?;
    Ok(Json(Token::from(issued)))
}
