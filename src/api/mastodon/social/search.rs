//! `GET /api/v2/search`: accounts, statuses and hashtags, resolving remote ones on request.

use super::*;

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
    let mut accounts = Vec::new();
    let mut statuses = Vec::new();
    if !q.is_empty() && (kind.is_empty() || kind == "accounts") {
        let handle = q.trim_start_matches('@');
        let found = if handle.contains('@') && resolve {
            resolve::resolve_handle(&state.federation, handle)
                .await
                .ok()
        } else if let Some((user, host)) = handle.split_once('@') {
            domain::accounts::find_remote(&state.db, user, host).await?
        } else {
            domain::accounts::get_local(&state.db, handle).await.ok()
        };
        if let Some(a) = found {
            accounts.push(account(&state.config, &a));
        }
    }
    if (q.starts_with("https://") || q.starts_with("http://"))
        && (kind.is_empty() || kind == "statuses")
    {
        let post = match domain::posts::find_by_uri(&state.db, &q).await? {
            Some(p) => Some(p),
            None if resolve => {
                fed_posts::fetch_post(&state.federation, &q, fed_posts::MAX_PARENT_DEPTH)
                    .await
                    .ok()
            }
            None => None,
        };
        if let Some(p) = post
            && let Ok(view) = domain::posts::get_visible(&state.db, viewer, p.id).await
        {
            let seen = interactions(&state.db, viewer, std::slice::from_ref(&view)).await?;
            statuses.push(status_value(&state.config, &view, &seen));
        }
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
