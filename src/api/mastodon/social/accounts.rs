//! Accounts as apps read them: `GET /api/v1/accounts/:id`, `lookup`, `search`, and who
//! liked or boosted a post.

use super::*;

/// `GET /api/v1/accounts/:id`.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<MastodonAccount>, ApiError> {
    let a = find(&state, &id).await?;
    Ok(Json(full_account(&state, &a).await?))
}

/// `GET /api/v1/accounts/lookup?acct=user[@host]`: known accounts only (no network).
pub async fn lookup(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<MastodonAccount>, ApiError> {
    let acct = params
        .get("acct")
        .unwrap_or_default()
        .trim_start_matches('@');
    let found = match acct.split_once('@') {
        Some((user, host)) if !host.eq_ignore_ascii_case(&state.config.domain()) => {
            domain::accounts::find_remote(&state.db, user, host).await?
        }
        Some((user, _)) => Some(domain::accounts::get_local(&state.db, user).await?),
        None => Some(domain::accounts::get_local(&state.db, acct).await?),
    };
    let a = found.ok_or_else(|| ApiError::NotFound("Record not found".into()))?;
    Ok(Json(full_account(&state, &a).await?))
}

pub(super) async fn who(
    state: &AppState,
    viewer: Option<&Account>,
    id: &str,
    likes: bool,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    let view = domain::posts::get_visible(&state.db, viewer, parse_id(id)?).await?;
    let accounts = if likes {
        domain::posts::favourited_by(&state.db, &view.post).await?
    } else {
        domain::posts::reblogged_by(&state.db, &view.post).await?
    };
    Ok(Json(
        accounts.iter().map(|a| account(&state.config, a)).collect(),
    ))
}

/// `GET /api/v1/statuses/:id/favourited_by`.
pub async fn favourited_by(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    who(&state, auth.0.as_ref().map(|c| &c.account), &id, true).await
}

/// `GET /api/v1/statuses/:id/reblogged_by`.
pub async fn reblogged_by(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    who(&state, auth.0.as_ref().map(|c| &c.account), &id, false).await
}

/// `GET /api/v1/accounts/search?q=…[&resolve=true][&limit=]`: by username prefix among
/// known accounts; with `resolve`, `user@host` is looked up over WebFinger first.
pub async fn account_search(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    let caller = auth.require(&["read:accounts"])?;
    let q = params
        .get("q")
        .unwrap_or_default()
        .trim()
        .trim_start_matches('@')
        .to_string();
    let limit = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(40u64)
        .min(80);
    let mut out: Vec<Account> = Vec::new();
    if let Some((user, host)) = q.split_once('@') {
        let found = if params.flag("resolve") {
            resolve::resolve_handle(&state.federation, &q).await.ok()
        } else if host.eq_ignore_ascii_case(&state.config.domain()) {
            domain::accounts::get_local(&state.db, user).await.ok()
        } else {
            domain::accounts::find_remote(&state.db, user, host).await?
        };
        out.extend(found);
    } else if !q.is_empty() {
        out = domain::accounts::search(&state.db, &q, limit).await?;
    }
    let _ = caller;
    Ok(Json(
        out.iter().map(|a| account(&state.config, a)).collect(),
    ))
}
