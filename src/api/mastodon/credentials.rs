//! `/api/v1/accounts/verify_credentials` and `update_credentials`.

use axum::{
    Json,
    extract::{FromRequest, Multipart, Request, State},
    http::header::CONTENT_TYPE,
};

use super::{
    auth::Authenticated,
    entities::{CredentialAccount, credential_account},
    params::Params,
    social::full_account,
};
use crate::{
    api::ApiError,
    db::entities::accounts::Model as Account,
    domain::{self, accounts::ProfileChange, media::NewMedia},
    federation::objects::note::media_url,
    state::AppState,
};

async fn credentials(state: &AppState, account: &Account) -> Result<CredentialAccount, ApiError> {
    let mut c = credential_account(&state.config, account);
    c.account = full_account(state, account).await?;
    c.source.follow_requests_count =
        domain::follows::requests(&state.db, account).await?.len() as u64;
    Ok(c)
}

/// `GET /api/v1/accounts/verify_credentials`: who the token belongs to.
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<CredentialAccount>, ApiError> {
    let caller = auth.require(&["read:accounts", "profile"])?;
    Ok(Json(credentials(&state, &caller.account).await?))
}

/// An image for the profile, through the media pipeline; returns its URL.
pub(crate) async fn picture(
    state: &AppState,
    owner: &Account,
    bytes: Vec<u8>,
) -> Result<String, ApiError> {
    let m = domain::media::upload(
        &state.db,
        &state.media,
        owner,
        NewMedia {
            bytes,
            description: None,
            focus: None,
            ..Default::default()
        },
    )
    .await?;
    media_url(&state.config, &m, m.display_name.as_ref())
        .ok_or_else(|| ApiError::Internal("stored image has no URL".into()))
}

fn flag(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "1" | "on" | "yes" | "t"
    )
}

/// `PATCH /api/v1/accounts/update_credentials`: `display_name`, `note`, `locked`,
/// `discoverable`, `indexable`, `avatar`, `header` (multipart, through the media pipeline) or a form.
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Authenticated,
    req: Request,
) -> Result<Json<CredentialAccount>, ApiError> {
    let caller = auth.require(&["write:accounts"])?;
    let me = caller.account.clone();
    let mut change = ProfileChange::default();
    // `fields_attributes[N][name]` / `[value]` (or `fields_attributes[][…]` in order).
    let mut fields: std::collections::BTreeMap<usize, (String, String)> = Default::default();
    let field_part =
        |key: &str,
         text: String,
         fields: &mut std::collections::BTreeMap<usize, (String, String)>| {
            let Some(rest) = key.strip_prefix("fields_attributes[") else {
                return false;
            };
            let (index, what) = match rest.split_once("][") {
                Some((i, w)) => (i, w.trim_end_matches(']')),
                None => return false,
            };
            let n = index.parse().unwrap_or(fields.len());
            let entry = fields.entry(n).or_default();
            match what {
                "name" => entry.0 = text,
                "value" => entry.1 = text,
                _ => return false,
            }
            true
        };
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if is_multipart {
        let mut form = Multipart::from_request(req, &state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            match name.as_str() {
                "avatar" | "header" => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::BadRequest(e.body_text()))?
                        .to_vec();
                    let url = picture(&state, &me, bytes).await?;
                    if name == "avatar" {
                        change.avatar_url = Some(url);
                    } else {
                        change.header_url = Some(url);
                    }
                }
                other => {
                    let text = field
                        .text()
                        .await
                        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
                    match other {
                        "display_name" => change.display_name = Some(text),
                        "note" => change.note = Some(text),
                        "locked" => change.locked = Some(flag(&text)),
                        "discoverable" => change.discoverable = Some(flag(&text)),
                        "indexable" => change.indexable = Some(flag(&text)),
                        key => {
                            field_part(key, text, &mut fields);
                        }
                    }
                }
            }
        }
    } else {
        let params = Params::from_request(req, &state).await?;
        change.display_name = params.get("display_name").map(str::to_string);
        change.note = params.get("note").map(str::to_string);
        change.locked = params.get("locked").map(flag);
        change.discoverable = params.get("discoverable").map(flag);
        change.indexable = params.get("indexable").map(flag);
        for (key, values) in &params.0 {
            if let Some(v) = values.first() {
                field_part(key, v.clone(), &mut fields);
            }
        }
    }
    if !fields.is_empty() {
        change.fields = Some(fields.into_values().collect());
    }
    let updated = domain::accounts::update_profile(
        &state.db,
        &state.federation.publisher,
        &me,
        change,
        state.config.base_url(),
    )
    .await?;
    state.federation.wake.notify_one();
    Ok(Json(credentials(&state, &updated).await?))
}
