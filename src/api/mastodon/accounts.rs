//! `/api/v1/accounts/…`.

use axum::{Json, extract::State};

use super::{
    auth::Authenticated,
    entities::{CredentialAccount, credential_account},
};
use crate::{api::ApiError, state::AppState};

/// `GET /api/v1/accounts/verify_credentials`: who the token belongs to.
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<CredentialAccount>, ApiError> {
    let caller = auth.require(&["read:accounts", "profile"])?;
    Ok(Json(credential_account(&state.config, &caller.account)))
}
