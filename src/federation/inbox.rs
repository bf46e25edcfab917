//! Receiving activities: signature checks, then the activity applied together with its id
//! record in one transaction, so redeliveries are acknowledged without being re-applied.

use http::HeaderMap;
use serde_json::Value;
use url::Url;

use super::{
    posts,
    resolve::{self, ResolveError},
    signatures::{self, SignatureError},
};
use crate::{
    db::{self, StoreError, entities::accounts::Model as Account},
    domain::{
        self, DomainError,
        posts::{Post, RemotePost, Visibility},
    },
    state::AppState,
};

/// Why an incoming activity was refused; the api layer answers each with a 4xx and the
/// reason (or a 5xx when the fault is ours).
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("signature rejected: {0}")]
    Signature(#[from] SignatureError),
    #[error("could not obtain the signing key: {0}")]
    Key(ResolveError),
    #[error("the key's owner {owner} is not the activity's actor {actor}")]
    WrongOwner { owner: String, actor: String },
    #[error("malformed activity: {0}")]
    Malformed(String),
    #[error("{0}")]
    Refused(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("activity already received")]
    Duplicate,
    /// The database was busy or a concurrent delivery of the same object won a race: the
    /// sender should simply retry.
    #[error("busy; retry later")]
    Busy,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for InboxError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy | StoreError::Conflict => InboxError::Busy,
            other => InboxError::Internal(other.to_string()),
        }
    }
}

impl From<DomainError> for InboxError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(m) => InboxError::NotFound(m),
            DomainError::Invalid(m) | DomainError::Conflict(m) => InboxError::Refused(m),
            DomainError::Store(e) => e.into(),
            other => InboxError::Internal(other.to_string()),
        }
    }
}

/// What happened to an accepted activity.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Ignored,
}

/// Activity types this server acts on; others are acknowledged and dropped.
const HANDLED: &[&str] = &[
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Like", "Announce", "Block",
];

/// Network work done before the activity's transaction (fetching what it only names), so
/// no transaction waits on another server.
enum Prepared {
    Nothing,
    Post {
        remote: Box<RemotePost>,
        parent: Option<Post>,
    },
    Announce(Post),
    Like(Post),
    /// Nothing to do (not relevant here, or not a post); acknowledged and dropped.
    Ignore(String),
}

/// Verifies and applies one POSTed activity. `inbox_owner` is the local account whose
/// personal inbox was used (`None` for the shared inbox).
pub async fn receive(
    state: &AppState,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    inbox_owner: Option<&Account>,
) -> Result<Outcome, InboxError> {
    let header_list: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    addressed_here(&state.config, header("host"))?;
    let pending = if headers.contains_key("signature-input") {
        // RFC 9421: the signature covers the full target URI, rebuilt from our public
        // scheme and the Host the request was sent to.
        let host = header("host").unwrap_or_default();
        let target = Url::parse(&format!(
            "{}://{host}{path_and_query}",
            state.config.public_url.scheme()
        ))
        .map_err(|_| InboxError::Malformed("bad Host header".into()))?;
        let pending = signatures::begin_verify_rfc9421(
            "POST",
            &target,
            &header_list,
            &["@method", "@target-uri", "content-digest"],
        )?;
        signatures::check_content_digest(header("content-digest"), body)?;
        pending
    } else {
        let pending = signatures::begin_verify(
            "POST",
            path_and_query,
            &header_list,
            &["host", "date", "digest"],
        )?;
        signatures::check_digest(header("digest"), body)?;
        pending
    };
    let activity: Value = serde_json::from_slice(body)
        .map_err(|e| InboxError::Malformed(format!("body is not JSON: {e}")))?;
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| InboxError::Malformed("no type".into()))?
        .to_string();
    let actor_uri =
        id_of(activity.get("actor")).ok_or_else(|| InboxError::Malformed("no actor".into()))?;
    // GoToSocial sends Deletes without an id; name such activities after their content so a
    // redelivery is still recognised.
    let activity_id = match activity.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(body);
            format!(
                "{actor_uri}#{}/{}",
                kind.to_ascii_lowercase(),
                hex::encode(digest)
            )
        }
    };
    let activity_url =
        Url::parse(&activity_id).map_err(|_| InboxError::Malformed("id is not a URL".into()))?;
    if activity_url.host_str() != actor_uri.host_str() || activity_url.port() != actor_uri.port() {
        return Err(InboxError::Malformed(
            "the activity id is not on the actor's host".into(),
        ));
    }

    let (owner, key) = verified_key(state, &pending).await?;
    if owner.uri() != actor_uri.as_str() {
        return Err(InboxError::WrongOwner {
            owner: owner.uri().to_string(),
            actor: actor_uri.to_string(),
        });
    }
    if !HANDLED.contains(&kind.as_str()) {
        tracing::debug!(%kind, actor = %actor_uri, "ignoring unsupported activity");
        return Ok(Outcome::Ignored);
    }
    let owner = resolve::trust(state, &pending.key_id, owner, key)
        .await
        .map_err(InboxError::Key)?;
    let prepared = prepare(state, &owner, &kind, &activity, inbox_owner).await?;
    if let Prepared::Ignore(why) = &prepared {
        tracing::debug!(%kind, actor = %actor_uri, reason = %why, "ignoring activity");
        return Ok(Outcome::Ignored);
    }
    let received = Received {
        id: &activity_id,
        kind: &kind,
        activity: &activity,
        inbox_owner,
    };
    apply(state, &owner, received, prepared).await
}

/// Stores a `Create` whose signature was checked and whose post was parsed: the rows the
/// inbox writes for it (the activity, the post, its tags, each reached account's inbox
/// item) in one write transaction. The inbox benchmark measures this as its storage bound.
pub async fn store_create(
    state: &AppState,
    actor: &Account,
    activity_id: &str,
    activity: &Value,
    remote: RemotePost,
) -> Result<Outcome, InboxError> {
    let received = Received {
        id: activity_id,
        kind: "Create",
        activity,
        inbox_owner: None,
    };
    let prepared = Prepared::Post {
        remote: Box::new(remote),
        parent: None,
    };
    apply(state, actor, received, prepared).await
}

/// A verified activity on its way to being applied.
struct Received<'a> {
    id: &'a str,
    kind: &'a str,
    activity: &'a Value,
    inbox_owner: Option<&'a Account>,
}

/// The post object of a Create/Update: embedded, or fetched from its id when only named.
async fn post_object(state: &AppState, activity: &Value) -> Result<Value, InboxError> {
    match activity.get("object") {
        Some(Value::Object(o)) => Ok(Value::Object(o.clone())),
        Some(Value::String(id)) => {
            let url = Url::parse(id).map_err(|_| InboxError::Malformed("bad object id".into()))?;
            let signer = state
                .federation
                .instance_signer()
                .map_err(|e| InboxError::Internal(e.to_string()))?;
            let (_, object) = state
                .federation
                .client
                .get_json(&url, super::client::ACCEPT_AP, &signer)
                .await
                .map_err(|e| InboxError::Refused(format!("could not fetch the object: {e}")))?;
            Ok(object)
        }
        _ => Err(InboxError::Malformed("no object".into())),
    }
}

/// Whether a post from `author` concerns anyone here.
async fn relevant(
    state: &AppState,
    author: &Account,
    remote: &RemotePost,
    parent: Option<&Post>,
    inbox_owner: Option<&Account>,
) -> Result<bool, InboxError> {
    // Followers first: most posts arrive because someone here follows the author, and each
    // lookup is a round trip to the database.
    Ok(inbox_owner.is_some()
        || remote.mentions.iter().any(Account::is_local)
        || parent.is_some_and(|p| p.local)
        || domain::posts::has_local_followers(&state.db, author).await?
        || db::posts::find_by_uri(&state.db, &remote.uri)
            .await?
            .is_some())
}

async fn prepare(
    state: &AppState,
    actor: &Account,
    kind: &str,
    activity: &Value,
    inbox_owner: Option<&Account>,
) -> Result<Prepared, InboxError> {
    let actor_uri = actor.uri.clone().unwrap_or_default();
    match kind {
        "Create" | "Update" => {
            let object = post_object(state, activity).await?;
            let object_type = posts::type_of(&object, posts::POST_TYPES).unwrap_or_default();
            let object_id = posts::id_of(object.get("id"))
                .ok_or_else(|| InboxError::Malformed("the object has no id".into()))?;
            if kind == "Update" && object_id == actor_uri {
                // The actor changed its profile or keys: refetch it from the origin.
                let url = Url::parse(&actor_uri)
                    .map_err(|_| InboxError::Malformed("bad actor id".into()))?;
                resolve::fetch_actor(state, &url)
                    .await
                    .map_err(|e| InboxError::Refused(e.to_string()))?;
                return Ok(Prepared::Ignore("profile refreshed".into()));
            }
            if !posts::POST_TYPES.contains(&object_type.as_str()) {
                return Ok(Prepared::Ignore(format!("{object_type} is not a post")));
            }
            if !posts::same_origin(&object_id, &actor_uri) {
                return Err(InboxError::Refused(
                    "the object id is not on the actor's host".into(),
                ));
            }
            // Without `attributedTo` (missing or null) the post is the actor's, as Mastodon
            // reads it; the object id is on the actor's host (checked above).
            if posts::author_of(&object).is_some_and(|author| author != actor_uri) {
                return Err(InboxError::Refused(
                    "the object's attributedTo is not the actor".into(),
                ));
            }
            let mut remote = posts::parse_post(state, &object, actor)
                .await
                .map_err(InboxError::Malformed)?;
            // A limited post delivered to a personal inbox: that account is addressed even
            // when the document does not name it (`bto`/`bcc` recipients are never named),
            // as Mastodon records a silent mention.
            if matches!(remote.visibility, Visibility::Private | Visibility::Direct) {
                remote.silent.extend(inbox_owner.cloned());
            }
            let parent = match &remote.in_reply_to_uri {
                Some(uri) => match db::posts::find_by_uri(&state.db, uri).await? {
                    Some(p) => Some(p),
                    None => match posts::fetch_post(state, uri, posts::MAX_PARENT_DEPTH).await {
                        Ok(p) => Some(p),
                        Err(e) => {
                            tracing::info!(parent = %uri, error = %e, "reply parent not fetched");
                            None
                        }
                    },
                },
                None => None,
            };
            if !relevant(state, actor, &remote, parent.as_ref(), inbox_owner).await? {
                return Ok(Prepared::Ignore(
                    "nobody here follows or is addressed".into(),
                ));
            }
            Ok(Prepared::Post {
                remote: Box::new(remote),
                parent,
            })
        }
        "Announce" => {
            // A group (Lemmy) announces the author's Create: the post is the inner object.
            let object = activity.get("object");
            let inner_activity = object
                .and_then(|o| o.get("type"))
                .and_then(Value::as_str)
                .is_some_and(|t| matches!(t, "Create" | "Update"));
            let object_id = if inner_activity {
                posts::id_of(object.and_then(|o| o.get("object")))
            } else {
                posts::id_of(object)
            }
            .ok_or_else(|| InboxError::Malformed("no object".into()))?;
            let known = db::posts::find_by_uri(&state.db, &object_id).await?;
            let is_local = known.as_ref().is_some_and(|p| p.local);
            if !is_local
                && inbox_owner.is_none()
                && !domain::posts::has_local_followers(&state.db, actor).await?
            {
                return Ok(Prepared::Ignore("nobody here follows the booster".into()));
            }
            // The boosted post comes from its origin, never from the wrapper.
            let original = match known {
                Some(p) => p,
                None => posts::fetch_post(state, &object_id, posts::MAX_PARENT_DEPTH)
                    .await
                    .map_err(|e| InboxError::Refused(format!("boosted post unavailable: {e}")))?,
            };
            Ok(Prepared::Announce(original))
        }
        "Like" => {
            let object_id = posts::id_of(activity.get("object"))
                .ok_or_else(|| InboxError::Malformed("no object".into()))?;
            match db::posts::find_by_uri(&state.db, &object_id).await? {
                Some(p) if p.local => Ok(Prepared::Like(p)),
                _ => Ok(Prepared::Ignore("likes of posts not from here".into())),
            }
        }
        "Delete" => {
            let object_id = posts::id_of(activity.get("object"))
                .ok_or_else(|| InboxError::Malformed("no object".into()))?;
            if object_id == actor_uri {
                return Ok(Prepared::Ignore("account deletion".into()));
            }
            if !posts::same_origin(&object_id, &actor_uri) {
                return Err(InboxError::Refused(
                    "only the author's server may delete a post".into(),
                ));
            }
            Ok(Prepared::Nothing)
        }
        _ => Ok(Prepared::Nothing),
    }
}

/// The id of a value that is either a URL string or an object with an `id`.
fn id_of(value: Option<&Value>) -> Option<Url> {
    match value? {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(o) => o
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok()),
        Value::Array(items) => items.iter().find_map(|v| id_of(Some(v))),
        _ => None,
    }
}

/// Whether an Undo names (by bare id) a like or boost we stored.
async fn undoes_post_activity<C: sea_orm::ConnectionTrait>(
    db: &C,
    activity: &Value,
) -> Result<bool, InboxError> {
    let (kind, id, _) = inner(activity);
    if kind.is_some() {
        return Ok(false);
    }
    let Some(id) = id else {
        return Ok(false);
    };
    Ok(db::posts::find_favourite_by_uri(db, &id).await?.is_some()
        || db::posts::find_by_uri(db, &id)
            .await?
            .is_some_and(|p| p.reblog_of_id.is_some()))
}

/// The embedded object of an Accept/Reject/Undo: its type (when embedded) and id.
fn inner(activity: &Value) -> (Option<String>, Option<String>, Option<Value>) {
    match activity.get("object") {
        Some(Value::Object(o)) => (
            o.get("type").and_then(Value::as_str).map(str::to_string),
            o.get("id").and_then(Value::as_str).map(str::to_string),
            Some(Value::Object(o.clone())),
        ),
        Some(Value::String(s)) => (None, Some(s.clone()), None),
        _ => (None, None, None),
    }
}

async fn local_target(state: &AppState, uri: Option<Url>) -> Result<Account, InboxError> {
    let uri = uri.ok_or_else(|| InboxError::Malformed("no object".into()))?;
    resolve::local_account_for(state, &uri)
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?
        .ok_or_else(|| InboxError::NotFound(format!("{uri} is not an account here")))
}

async fn apply(
    state: &AppState,
    actor: &Account,
    received: Received<'_>,
    prepared: Prepared,
) -> Result<Outcome, InboxError> {
    let Received {
        id: activity_id,
        kind,
        activity,
        inbox_owner,
    } = received;
    let db = &state.db;
    let publisher = &state.federation.publisher;
    let actor_uri = actor.uri.clone().unwrap_or_default();
    // Serialized before the transaction: a body may be a megabyte.
    let body = without_hidden_recipients(activity).to_string();
    let txn = db::begin_write(db).await?;
    let now = chrono::Utc::now();
    // A boost's recipients may block the boosted author too.
    let subject = match &prepared {
        Prepared::Announce(original) => Some(original.account_id),
        _ => None,
    };
    let row = match db::inbox::record(&txn, activity_id, (actor.id, &actor_uri), kind, &body, now)
        .await
    {
        Ok(row) => row,
        Err(StoreError::Conflict) => {
            drop(txn);
            if let Some(owner) = inbox_owner
                && kind == "Create"
                && also_for(state, actor, owner, activity, activity_id).await?
            {
                return Ok(Outcome::Applied);
            }
            return Err(InboxError::Duplicate);
        }
        Err(e) => return Err(e.into()),
    };
    match kind {
        "Follow" => {
            let target = local_target(state, id_of(activity.get("object"))).await?;
            domain::follows::receive_follow(&txn, publisher, actor, &target, activity_id).await?;
        }
        "Create" | "Update" => {
            if let Prepared::Post { remote, parent } = prepared {
                domain::posts::receive(&txn, actor, *remote, parent.as_ref()).await?;
            }
        }
        "Announce" => {
            if let Prepared::Announce(original) = prepared {
                let published = activity
                    .get("published")
                    .and_then(Value::as_str)
                    .and_then(super::protocol::lenient::parse_datetime)
                    .unwrap_or_else(chrono::Utc::now);
                domain::posts::receive_announce(&txn, actor, &original, activity_id, published)
                    .await?;
            }
        }
        "Like" => {
            if let Prepared::Like(post) = prepared {
                domain::posts::receive_like(&txn, actor, &post, activity_id).await?;
            }
        }
        "Delete" => {
            if let Some(uri) = posts::id_of(activity.get("object")) {
                domain::posts::receive_delete(&txn, actor, &uri).await?;
            }
        }
        "Undo"
            if matches!(inner(activity).0.as_deref(), Some("Like" | "Announce"))
                || undoes_post_activity(&txn, activity).await? =>
        {
            let (inner_kind, inner_id, inner_obj) = inner(activity);
            if let Some(o) = &inner_obj
                && id_of(o.get("actor")).is_some_and(|a| a.as_str() != actor_uri)
            {
                return Err(InboxError::Refused(
                    "an actor can only undo its own activities".into(),
                ));
            }
            let inner_id = inner_id.unwrap_or_default();
            let is_like = inner_kind.as_deref() == Some("Like")
                || db::posts::find_favourite_by_uri(&txn, &inner_id)
                    .await?
                    .is_some();
            if is_like {
                let post = match inner_obj
                    .as_ref()
                    .and_then(|o| posts::id_of(o.get("object")))
                {
                    Some(uri) => db::posts::find_by_uri(&txn, &uri).await?,
                    None => None,
                };
                domain::posts::receive_undo_like(&txn, actor, Some(&inner_id), post.as_ref())
                    .await?;
            } else {
                domain::posts::receive_undo_announce(&txn, actor, &inner_id).await?;
            }
        }
        "Block" => {
            let target = local_target(state, id_of(activity.get("object"))).await?;
            domain::blocks::receive_block(&txn, actor, &target, activity_id).await?;
        }
        "Undo"
            if inner(activity).0.as_deref() == Some("Block")
                || match inner(activity).1 {
                    Some(id) => db::blocks::find_by_uri(&txn, &id).await?.is_some(),
                    None => false,
                } =>
        {
            let (_, inner_id, inner_obj) = inner(activity);
            let target = match inner_obj.as_ref().and_then(|o| id_of(o.get("object"))) {
                Some(uri) => local_target(state, Some(uri)).await?,
                None => {
                    let block = db::blocks::find_by_uri(&txn, inner_id.as_deref().unwrap_or(""))
                        .await?
                        .ok_or_else(|| InboxError::NotFound("no such block".into()))?;
                    db::accounts::find_by_id(&txn, block.target_account_id)
                        .await?
                        .ok_or_else(|| InboxError::NotFound("no such account".into()))?
                }
            };
            domain::blocks::receive_undo_block(&txn, actor, &target).await?;
        }
        "Undo" => {
            let (inner_kind, inner_id, inner_obj) = inner(activity);
            // Only Undo{Follow} matters for now; the object may be embedded or a bare id.
            let is_follow = inner_kind.as_deref() == Some("Follow")
                || (inner_kind.is_none()
                    && match inner_id.as_deref() {
                        Some(id) => db::follows::find_by_uri(&txn, id).await?.is_some(),
                        None => false,
                    });
            if is_follow {
                let target = match inner_obj.as_ref().and_then(|o| id_of(o.get("object"))) {
                    Some(uri) => local_target(state, Some(uri)).await?,
                    None => {
                        let follow = match inner_id.as_deref() {
                            Some(id) => db::follows::find_by_uri(&txn, id).await?,
                            None => None,
                        }
                        .ok_or_else(|| InboxError::NotFound("no such follow".into()))?;
                        db::accounts::find_by_id(&txn, follow.target_id)
                            .await?
                            .ok_or_else(|| InboxError::NotFound("no such account".into()))?
                    }
                };
                domain::follows::receive_undo_follow(&txn, inner_id.as_deref(), actor, &target)
                    .await?;
            }
        }
        "Accept" | "Reject" => {
            let (inner_kind, inner_id, inner_obj) = inner(activity);
            if inner_kind.as_deref().is_some_and(|k| k != "Follow") {
                txn.commit()
                    .await
                    .map_err(|e| InboxError::Internal(e.to_string()))?;
                return Ok(Outcome::Ignored);
            }
            // The follower is ours: from the embedded Follow's actor, or from the stored
            // follow the id names.
            let follower = match inner_obj.as_ref().and_then(|o| id_of(o.get("actor"))) {
                Some(uri) => local_target(state, Some(uri)).await?,
                None => {
                    let follow = match inner_id.as_deref() {
                        Some(id) => db::follows::find_by_uri(&txn, id).await?,
                        None => None,
                    }
                    .ok_or_else(|| InboxError::NotFound("no such follow request".into()))?;
                    db::accounts::find_by_id(&txn, follow.follower_id)
                        .await?
                        .ok_or_else(|| InboxError::NotFound("no such account".into()))?
                }
            };
            if kind == "Accept" {
                domain::follows::receive_accept(&txn, inner_id.as_deref(), &follower, actor)
                    .await?;
            } else {
                domain::follows::receive_reject(&txn, inner_id.as_deref(), &follower, actor)
                    .await?;
            }
        }
        _ => {}
    }
    let mut recipients = reached(&txn, &state.config, actor, activity, inbox_owner).await?;
    if let Some(author) = subject {
        let blocked = db::blocks::partners(&txn, author).await?;
        recipients.retain(|id| !blocked.contains(id));
    }
    db::inbox::deliver_to(&txn, row, &recipients, now).await?;
    txn.commit()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    state.federation.wake.notify_one();
    Ok(Outcome::Applied)
}

/// A Create already processed, delivered again to another personal inbox: each silent
/// (`bto`/`bcc`) recipient on this server gets its own copy, and each must be able to read
/// the post. True when `owner` was added.
async fn also_for(
    state: &AppState,
    actor: &Account,
    owner: &Account,
    activity: &Value,
    activity_id: &str,
) -> Result<bool, InboxError> {
    let Some(uri) = posts::id_of(activity.get("object")) else {
        return Ok(false);
    };
    // Only the author's own earlier Create of this very post counts: a sender may not point
    // a reused activity id at somebody else's post to read it.
    let Some(row) = db::inbox::find_recorded(&state.db, activity_id).await? else {
        return Ok(false);
    };
    let recorded: Value = row
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    if row.actor_account_id != Some(actor.id)
        || posts::id_of(recorded.get("object")).as_deref() != Some(uri.as_str())
    {
        return Ok(false);
    }
    let Some(post) = db::posts::find_by_uri(&state.db, &uri).await? else {
        return Ok(false);
    };
    if post.account_id != actor.id
        || post.local
        || !matches!(
            Visibility::of(&post),
            Visibility::Private | Visibility::Direct
        )
    {
        return Ok(false);
    }
    let txn = db::begin_write(&state.db).await?;
    let added = domain::posts::add_silent_recipient(&txn, &post, owner).await?;
    if added {
        db::inbox::deliver_to(&txn, row.id, &[owner.id], chrono::Utc::now()).await?;
    }
    txn.commit()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    Ok(added)
}

/// The activity as kept for inbox collections: `bto`/`bcc` removed (a sender should have
/// removed them; if it did not, its readers still must not learn who else got it).
fn without_hidden_recipients(activity: &Value) -> Value {
    let mut kept = activity.clone();
    if let Some(o) = kept.as_object_mut() {
        o.remove("bto");
        o.remove("bcc");
        if let Some(inner) = o.get_mut("object").and_then(Value::as_object_mut) {
            inner.remove("bto");
            inner.remove("bcc");
        }
    }
    kept
}

/// The local accounts an applied activity reached, for their inbox collections: the owner
/// of the personal inbox used, local actors it addresses, the actor's local followers when it
/// is addressed to the public or those followers, and, for activities about something
/// (Like, Announce, Follow, Undo, …), the local actor or post author it acts on. A post's
/// `inReplyTo` reaches nobody by itself (a direct reply is for its addressees only), and
/// nobody on the other side of a block with the actor.
async fn reached<C: sea_orm::ConnectionTrait>(
    db: &C,
    config: &crate::config::Config,
    actor: &Account,
    activity: &Value,
    inbox_owner: Option<&Account>,
) -> Result<Vec<i64>, InboxError> {
    let mut accounts: Vec<i64> = inbox_owner.map(|o| o.id).into_iter().collect();
    let kind = activity.get("type").and_then(Value::as_str).unwrap_or("");
    let embedded = activity.get("object").filter(|o| o.is_object());
    let mut addressed: Vec<String> = Vec::new();
    for holder in std::iter::once(activity).chain(embedded) {
        for field in ["to", "cc", "bto", "bcc", "audience"] {
            addressed.extend(posts::ids(holder.get(field)));
        }
    }
    let mut acted_on: Vec<String> = Vec::new();
    if !matches!(kind, "Create" | "Update") {
        acted_on.extend(posts::ids(activity.get("object")));
        if let Some(inner) = embedded {
            acted_on.extend(posts::ids(inner.get("object")));
            acted_on.extend(posts::ids(inner.get("actor")));
        }
    }
    let base = config.base_url();
    for (uri, posts_count) in addressed
        .iter()
        .map(|u| (u, false))
        .chain(acted_on.iter().map(|u| (u, true)))
    {
        let Some(path) = uri.strip_prefix(base) else {
            continue;
        };
        match path.strip_prefix("/users/") {
            Some(name) if !name.is_empty() && !name.contains(['/', '#', '?']) => {
                if let Some(a) = db::accounts::find_local_by_username(db, name).await? {
                    accounts.push(a.id);
                }
            }
            _ if posts_count => {
                if let Some(p) = db::posts::find_by_uri(db, uri).await?
                    && p.local
                {
                    accounts.push(p.account_id);
                }
            }
            _ => {}
        }
    }
    let to_followers = addressed.iter().any(|u| {
        posts::PUBLIC_FORMS.contains(&u.as_str()) || actor.followers_url.as_deref() == Some(u)
    });
    if to_followers {
        accounts.extend(db::posts::local_follower_ids(db, actor.id).await?);
    }
    let blocked = db::blocks::partners(db, actor.id).await?;
    accounts.retain(|id| !blocked.contains(id));
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// Refuses a request whose `Host` is not this server: a delivery signed for another server
/// (whose signature covers that `Host`) must not be replayable to us.
fn addressed_here(config: &crate::config::Config, host: Option<&str>) -> Result<(), InboxError> {
    let host = host.unwrap_or_default().trim().to_ascii_lowercase();
    let default_port = match config.public_url.scheme() {
        "https" => ":443",
        _ => ":80",
    };
    let bare = host.strip_suffix(default_port).unwrap_or(&host);
    if bare == config.domain().to_ascii_lowercase() {
        Ok(())
    } else {
        let shown: String = host.chars().take(100).collect();
        Err(SignatureError::WrongHost(if shown.is_empty() {
            "no host".into()
        } else {
            shown
        })
        .into())
    }
}

/// The signer's key, checked against the signature: cached first; one refetch if the cached
/// key does not verify (the actor rotated its key) — only for a signature that could be
/// real, and at most once per [`resolve::KEY_REFETCH_INTERVAL`] per key.
async fn verified_key(
    state: &AppState,
    pending: &signatures::PendingSignature,
) -> Result<(resolve::KeyOwner, signatures::VerifyingKey), InboxError> {
    let (owner, key) = resolve::key_owner(state, &pending.key_id, false)
        .await
        .map_err(InboxError::Key)?;
    if pending.verify(&key).is_ok() {
        return Ok((owner, key));
    }
    if matches!(owner, resolve::KeyOwner::Fetched(_)) || !pending.is_plausible() {
        // Just fetched (nothing newer to get), or not a signature at all.
        return Err(SignatureError::Invalid.into());
    }
    let (owner, key) = resolve::key_owner(state, &pending.key_id, true)
        .await
        .map_err(InboxError::Key)?;
    pending.verify(&key)?;
    Ok((owner, key))
}

/// Who signed a GET (an authorized fetch): `None` for an unsigned request; an error when a
/// signature is present but does not verify, so a forged request learns nothing.
pub async fn signed_reader(
    state: &AppState,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Option<Account>, InboxError> {
    if !headers.contains_key("signature") && !headers.contains_key("authorization") {
        return Ok(None);
    }
    let header_list: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let pending = match signatures::begin_verify("GET", path_and_query, &header_list, &["host"]) {
        Ok(p) => p,
        // A bearer token in Authorization is not a signature; treat as anonymous here.
        Err(SignatureError::Missing) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    addressed_here(
        &state.config,
        headers.get("host").and_then(|v| v.to_str().ok()),
    )?;
    let (owner, key) = verified_key(state, &pending).await?;
    let account = resolve::trust(state, &pending.key_id, owner, key)
        .await
        .map_err(InboxError::Key)?;
    Ok(Some(account))
}
