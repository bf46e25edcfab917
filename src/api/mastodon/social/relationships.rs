//! The social graph: relationships, follow and unfollow, blocks, followers and following,
//! follow requests.

use super::*;

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

pub(super) fn relationship(other: &Account, r: domain::follows::Relationship) -> Relationship {
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
pub(super) fn already_done(result: Result<(), domain::DomainError>) -> Result<(), ApiError> {
    match result {
        Ok(()) | Err(domain::DomainError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// After a follow or block change: wakes delivery and answers the new relationship.
pub(super) async fn relationship_now(
    state: &AppState,
    me: &Account,
    target: &Account,
) -> Result<Json<Relationship>, ApiError> {
    state.federation.wake.notify_one();
    let r = domain::follows::relationship(&state.db, me, target).await?;
    Ok(Json(relationship(target, r)))
}

/// The verbs of `POST /api/v1/accounts/:id/ACTION`.
pub const RELATIONSHIP_VERBS: &[&str] = &["follow", "unfollow", "block", "unblock"];

/// The verbs of `POST /api/v1/follow_requests/:id/ACTION`.
pub const REQUEST_VERBS: &[&str] = &["authorize", "reject"];

/// `POST /api/v1/accounts/:id/ACTION`: follow, unfollow, block or unblock, answering
/// the new relationship. Undoing what is not there is not an error (as in Mastodon); a
/// block follows the same rules as a Block sent to the outbox.
pub async fn change_relationship(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<Relationship>, ApiError> {
    // An unknown verb is an unknown route: 404 before anything else, token or not.
    let scope = match action.as_str() {
        "follow" | "unfollow" => "write:follows",
        "block" | "unblock" => "write:blocks",
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    let auth = auth?;
    let caller = auth.require(&[scope, "follow"])?;
    let target = find(&state, &id).await?;
    let (db, publisher, me) = (&state.db, &state.federation.publisher, &caller.account);
    match action.as_str() {
        "follow" => domain::follows::follow(db, publisher, me, &target)
            .await
            .map(drop)?,
        "unfollow" => already_done(domain::follows::unfollow(db, publisher, me, &target).await)?,
        "block" => domain::blocks::block(db, publisher, me, &target)
            .await
            .map(drop)?,
        _ => already_done(domain::blocks::unblock(db, publisher, me, &target).await)?,
    }
    relationship_now(&state, me, &target).await
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

pub(super) async fn side(
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

/// `POST /api/v1/follow_requests/:id/authorize` or `…/reject`.
pub async fn answer_request(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<Relationship>, ApiError> {
    let accept = match action.as_str() {
        "authorize" => true,
        "reject" => false,
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    let auth = auth?;
    let caller = auth.require(&["write:follows", "follow"])?;
    let follower = find(&state, &id).await?;
    let (db, publisher, me) = (&state.db, &state.federation.publisher, &caller.account);
    domain::follows::answer(db, publisher, me, &follower, accept).await?;
    relationship_now(&state, me, &follower).await
}
