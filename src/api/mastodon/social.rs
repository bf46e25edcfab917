//! Accounts and the social graph (`/api/v1/accounts/:id…`, relationships, follow
//! requests), `GET /api/v2/search`, who liked or boosted a post, single notifications, and
//! the endpoints apps call at start-up where Pinhole has nothing yet (empty lists, honestly).

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    auth::{Authenticated, MaybeAuthenticated},
    entities::{MastodonAccount, account},
    params::Params,
    params::parse_id,
    statuses_entities::{Notification, notification, status_value},
};
use crate::{
    api::ApiError,
    db::entities::accounts::Model as Account,
    domain::{self, follows::Side, posts::interactions},
    federation::{posts as fed_posts, resolve},
    state::AppState,
};

async fn find(state: &AppState, id: &str) -> Result<Account, ApiError> {
    Ok(domain::accounts::get(&state.db, parse_id(id)?).await?)
}

/// An `Account` with its counts.
pub async fn full_account(state: &AppState, a: &Account) -> Result<MastodonAccount, ApiError> {
    let mut e = account(&state.config, a);
    e.followers_count = domain::follows::count(&state.db, a, Side::Followers).await?;
    e.following_count = domain::follows::count(&state.db, a, Side::Following).await?;
    e.statuses_count = domain::accounts::statuses_count(&state.db, a).await?;
    Ok(e)
}

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

/// Mastodon's `Relationship`: how the caller and `other` stand (mutes, notes and
/// endorsements do not exist here yet, so they are always off).
#[derive(Serialize)]
pub struct Relationship {
    id: String,
    following: bool,
    showing_reblogs: bool,
    notifying: bool,
    languages: Option<Vec<String>>,
    followed_by: bool,
    blocking: bool,
    blocked_by: bool,
    muting: bool,
    muting_notifications: bool,
    requested: bool,
    requested_by: bool,
    domain_blocking: bool,
    endorsed: bool,
    note: &'static str,
}

fn relationship(other: &Account, r: domain::follows::Relationship) -> Relationship {
    Relationship {
        id: other.id.to_string(),
        following: r.following,
        showing_reblogs: r.following,
        notifying: false,
        languages: None,
        followed_by: r.followed_by,
        blocking: r.blocking,
        blocked_by: r.blocked_by,
        muting: false,
        muting_notifications: false,
        requested: r.requested,
        requested_by: r.requested_by,
        domain_blocking: false,
        endorsed: false,
        note: "",
    }
}

/// `GET /api/v1/accounts/relationships?id[]=…`.
pub async fn relationships(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Json<Vec<Relationship>>, ApiError> {
    let caller = auth.require(&["read:follows"])?;
    let mut out = Vec::new();
    for id in params.all("id") {
        let Ok(other) = find(&state, id).await else {
            continue;
        };
        let r = domain::follows::relationship(&state.db, &caller.account, &other).await?;
        out.push(relationship(&other, r));
    }
    Ok(Json(out))
}

/// Undoing what is not there is not an error (Mastodon answers the relationship).
fn already_done(result: Result<(), domain::DomainError>) -> Result<(), ApiError> {
    match result {
        Ok(()) | Err(domain::DomainError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// After a follow or block change: wakes delivery and answers the new relationship.
async fn relationship_now(
    state: &AppState,
    me: &Account,
    target: &Account,
) -> Result<Json<Relationship>, ApiError> {
    state.federation.wake.notify_one();
    let r = domain::follows::relationship(&state.db, me, target).await?;
    Ok(Json(relationship(target, r)))
}

/// `POST /api/v1/accounts/:id/follow`.
pub async fn follow(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    let caller = auth.require(&["write:follows", "follow"])?;
    let target = find(&state, &id).await?;
    domain::follows::follow(
        &state.db,
        &state.federation.publisher,
        &caller.account,
        &target,
    )
    .await?;
    relationship_now(&state, &caller.account, &target).await
}

/// `POST /api/v1/accounts/:id/unfollow` (not following is not an error).
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    let caller = auth.require(&["write:follows", "follow"])?;
    let target = find(&state, &id).await?;
    already_done(
        domain::follows::unfollow(
            &state.db,
            &state.federation.publisher,
            &caller.account,
            &target,
        )
        .await,
    )?;
    relationship_now(&state, &caller.account, &target).await
}

/// `POST /api/v1/accounts/:id/block`: the same rules as a Block sent to the outbox.
pub async fn block(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    let caller = auth.require(&["write:blocks", "follow"])?;
    let target = find(&state, &id).await?;
    domain::blocks::block(
        &state.db,
        &state.federation.publisher,
        &caller.account,
        &target,
    )
    .await?;
    relationship_now(&state, &caller.account, &target).await
}

/// `POST /api/v1/accounts/:id/unblock` (not blocking is not an error).
pub async fn unblock(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    let caller = auth.require(&["write:blocks", "follow"])?;
    let target = find(&state, &id).await?;
    already_done(
        domain::blocks::unblock(
            &state.db,
            &state.federation.publisher,
            &caller.account,
            &target,
        )
        .await,
    )?;
    relationship_now(&state, &caller.account, &target).await
}

/// `GET /api/v1/blocks`: the accounts the caller blocks, newest first.
pub async fn blocks(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    let caller = auth.require(&["read:blocks", "follow"])?;
    let list = domain::blocks::blocked(&state.db, &caller.account).await?;
    Ok(Json(
        list.iter().map(|x| account(&state.config, x)).collect(),
    ))
}

async fn side(
    state: &AppState,
    id: &str,
    side: Side,
    params: &Params,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    let a = find(state, id).await?;
    let limit = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(40u64)
        .min(80);
    let offset = params
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0u64);
    let list = domain::follows::page(&state.db, &a, side, offset, limit).await?;
    Ok(Json(
        list.iter().map(|x| account(&state.config, x)).collect(),
    ))
}

/// `GET /api/v1/accounts/:id/followers`.
pub async fn followers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    side(&state, &id, Side::Followers, &params).await
}

/// `GET /api/v1/accounts/:id/following`.
pub async fn following(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    side(&state, &id, Side::Following, &params).await
}

/// `GET /api/v1/follow_requests`.
pub async fn follow_requests(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<MastodonAccount>>, ApiError> {
    let caller = auth.require(&["read:follows", "follow"])?;
    let list = domain::follows::requests(&state.db, &caller.account).await?;
    Ok(Json(
        list.iter().map(|x| account(&state.config, x)).collect(),
    ))
}

async fn answer(
    state: AppState,
    auth: Authenticated,
    id: String,
    accept: bool,
) -> Result<Json<Relationship>, ApiError> {
    let caller = auth.require(&["write:follows", "follow"])?;
    let follower = find(&state, &id).await?;
    let publisher = &state.federation.publisher;
    if accept {
        domain::follows::approve(&state.db, publisher, &caller.account, &follower).await?;
    } else {
        domain::follows::reject(&state.db, publisher, &caller.account, &follower).await?;
    }
    state.federation.wake.notify_one();
    let r = domain::follows::relationship(&state.db, &caller.account, &follower).await?;
    Ok(Json(relationship(&follower, r)))
}

/// `POST /api/v1/follow_requests/:id/authorize`.
pub async fn authorize_request(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    answer(state, auth, id, true).await
}

/// `POST /api/v1/follow_requests/:id/reject`.
pub async fn reject_request(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Relationship>, ApiError> {
    answer(state, auth, id, false).await
}

async fn who(
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
    Ok(Json(notification(&state.config, &n, &from, post)))
}

/// `POST /api/v1/notifications/clear`.
pub async fn notifications_clear(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:notifications"])?;
    domain::timelines::dismiss(&state.db, &caller.account, None).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/notifications/:id/dismiss`.
pub async fn notification_dismiss(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:notifications"])?;
    domain::timelines::dismiss(&state.db, &caller.account, Some(parse_id(&id)?)).await?;
    Ok(Json(json!({})))
}

/// Start-up endpoints with nothing to report yet: empty lists, so apps start cleanly.
pub async fn empty_list() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/markers`: read positions are not stored yet.
pub async fn markers() -> Json<Value> {
    Json(json!({}))
}

/// `GET /api/v1/preferences`.
pub async fn preferences(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    auth.require(&["read:accounts"])?;
    Ok(Json(json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": Value::Null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

/// `GET /api/v1/streaming/health`: streaming is not implemented, and saying so lets apps
/// fall back to polling instead of retrying a socket.
pub async fn streaming_health() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(json!({ "error": "Streaming is not available on this server; poll the timelines instead" })),
    )
        .into_response()
}
