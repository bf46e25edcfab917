//! Bearer-token extraction for the Mastodon API.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
    api::ApiError,
    domain::{self, tokens::Caller},
    state::AppState,
};

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
}

/// An authenticated caller; rejects the request with 401 when the token is missing or wrong.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("The access token is invalid".into()))?;
        let caller = domain::tokens::authenticate(&state.db, token).await?;
        Ok(Authenticated(caller))
    }
}

impl Authenticated {
    /// Refuses with 403 unless the token carries one of `scopes` (Mastodon's wording).
    pub fn require(&self, scopes: &[&str]) -> Result<&Caller, ApiError> {
        if scopes.iter().any(|s| self.0.has_scope(s)) {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden(
                "This action is outside the authorized scopes".into(),
            ))
        }
    }
}

/// A caller who may or may not have sent a token (public endpoints that show more to a
/// signed-in reader). A token that is present but wrong is still refused.
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Ok(MaybeAuthenticated(None));
        }
        let Authenticated(caller) = Authenticated::from_request_parts(parts, state).await?;
        Ok(MaybeAuthenticated(Some(caller)))
    }
}
