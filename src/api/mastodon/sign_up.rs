//! `POST /api/v1/accounts`: Mastodon apps sign people up with their app token.

use axum::{Extension, Json, extract::State, http::HeaderMap};

use super::{auth::bearer, params::Params};
use crate::{
    api::{ApiError, oauth::Token},
    domain::{self, registrations::SignUp},
    net::{ClientAddress, client_unit},
    state::AppState,
};

/// Counts a sign-up attempt from `client` against `limits.sign_ups`.
pub fn count_attempt(state: &AppState, client: std::net::IpAddr) -> Result<(), ApiError> {
    state
        .sign_ups
        .hit(&client_unit(client).to_string())
        .map(drop)
        .map_err(ApiError::RateLimited)
}

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
    let config = &state.config;
    let policy = domain::registrations::Policy {
        mode: config.instance.registrations,
        reserved: &config.instance.reserved_usernames,
    };
    let publisher = &state.federation.publisher;
    let issued = domain::oauth::app_sign_up(&state.db, publisher, &policy, token, sign_up).await?;
    Ok(Json(Token::from(issued)))
}
