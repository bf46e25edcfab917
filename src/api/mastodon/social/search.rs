//! `GET /api/v2/search`: accounts, statuses and hashtags, resolving remote ones on request.

use super::*;
use crate::federation::lookup::{Wanted, lookup};

/// `GET /api/v2/search?q=…[&resolve=true][&type=accounts|statuses|hashtags]`: with
/// `resolve`, `@user@host` is looked up by WebFinger and a post URL fetched from its origin.
pub async fn search(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    params: Params,
) -> Result<Json<SearchResults>, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let q = params.get("q").unwrap_or_default().trim().to_string();
    let kind = params.get("type").unwrap_or_default();
    // Resolving reaches other servers: only for signed-in readers, as Mastodon does.
    let resolve = params.flag("resolve") && viewer.is_some();
    let wanted = Wanted {
        accounts: kind.is_empty() || kind == "accounts",
        posts: kind.is_empty() || kind == "statuses",
    };
    let found = lookup(&state.federation, &q, wanted, resolve).await?;
    let accounts = found
        .account
        .iter()
        .map(|a| account(&state.config, a))
        .collect();
    let mut statuses = Vec::new();
    if let Some(p) = found.post
        && let Ok(view) = domain::posts::get_visible(&state.db, viewer, p.id).await
    {
        let seen = interactions(&state.db, viewer, std::slice::from_ref(&view)).await?;
        statuses.push(status_value(&state.config, &view, &seen));
    }
    Ok(Json(SearchResults {
        accounts,
        statuses,
        hashtags: [],
    }))
}

/// Mastodon's `Search` results (hashtags are not searched yet).
#[derive(Serialize)]
pub struct SearchResults {
    accounts: Vec<MastodonAccount>,
    statuses: Vec<Value>,
    hashtags: [(); 0],
}
