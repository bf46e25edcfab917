//! Receiving activities: signature checks (`verify`), the document read into a typed
//! [`InboxActivity`], then one handler per verb (a file each) applies it together with its
//! id record in one transaction, so redeliveries are acknowledged without being re-applied.
//!
//! A handler has up to two steps: `prepare` does the network work (fetching what the
//! activity only names) before any transaction, `apply` calls one domain function inside it.

mod accept;
mod announce;
mod block;
mod create;
mod delete;
mod flag;
mod follow;
mod like;
mod reach;
mod reject;
mod undo;
mod update;
mod verify;

use crate::federation::Federation;
use http::HeaderMap;
use serde_json::Value;
use url::Url;

pub use verify::signed_reader;

use super::{
    protocol::activity::{Activity, InboxActivity, without_hidden_recipients},
    resolve::{self, ResolveError},
    signatures::SignatureError,
};
use crate::{
    db::{self, StoreError, entities::accounts::Model as Account},
    domain::{
        self, DomainError,
        posts::{Post, RemotePost},
    },
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
    /// The sender's server is suspended here (or not on the allowlist).
    #[error("this server does not federate with {0}")]
    Blocked(String),
    /// The sender's server sent more than its share; it should retry later.
    #[error("too many deliveries from this server; retry later")]
    TooMany(crate::domain::limits::Refused),
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

/// A verified activity before its transaction, as each handler's `prepare` gets it.
struct Preparing<'a> {
    fed: &'a Federation,
    actor: &'a Account,
    activity: &'a Activity,
    /// The local account whose personal inbox was used (`None` for the shared inbox).
    inbox_owner: Option<&'a Account>,
}

/// A verified activity inside its transaction, as each handler's `apply` gets it.
struct Applying<'a> {
    txn: &'a sea_orm::DatabaseTransaction,
    fed: &'a Federation,
    actor: &'a Account,
    activity: &'a Activity,
    /// The activity's id (or the name given to an id-less one).
    id: &'a str,
}

/// Whether a handler acted on the activity.
enum Applied {
    Done,
    /// Done, and for moderators only: in nobody's inbox collection (a report).
    Private,
    /// Acknowledged, nothing to do (an Accept of something that is not a Follow).
    Ignored,
}

/// Verifies and applies one POSTed activity. `inbox_owner` is the local account whose
/// personal inbox was used (`None` for the shared inbox).
pub async fn receive(
    fed: &Federation,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    inbox_owner: Option<&Account>,
) -> Result<Outcome, InboxError> {
    let pending = verify::begin(fed, path_and_query, headers, body)?;
    let document: Value = serde_json::from_slice(body)
        .map_err(|e| InboxError::Malformed(format!("body is not JSON: {e}")))?;
    let activity = Activity::from_json(&document)
        .map_err(|e| InboxError::Malformed(format!("not an activity: {e}")))?;
    if activity.kind.0.is_empty() {
        return Err(InboxError::Malformed("no type".into()));
    }
    let actor_uri = activity
        .actor
        .as_deref()
        .and_then(|a| Url::parse(a).ok())
        .ok_or_else(|| InboxError::Malformed("no actor".into()))?;
    // Before anything is fetched or stored: a suspended domain gets nothing.
    if let Some(domain) = crate::federation::activities::domain_of(actor_uri.as_str())
        && fed.domains.refuses(&domain)
    {
        return Err(InboxError::Blocked(domain));
    }
    if let Some(domain) = crate::federation::activities::domain_of(actor_uri.as_str()) {
        fed.inbox_limit.hit(&domain).map_err(InboxError::TooMany)?;
    }
    let given_id = activity.id.clone();
    let activity = InboxActivity::new(activity);
    // GoToSocial sends Deletes without an id; name such activities after their content so a
    // redelivery is still recognised.
    let activity_id = match given_id {
        Some(id) => id,
        None => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(body);
            format!(
                "{actor_uri}#{}/{}",
                activity.verb().to_ascii_lowercase(),
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

    let (owner, key) = verify::verified_key(fed, &pending).await?;
    if owner.uri() != actor_uri.as_str() {
        return Err(InboxError::WrongOwner {
            owner: owner.uri().to_string(),
            actor: actor_uri.to_string(),
        });
    }
    if let InboxActivity::Other(kind) = &activity {
        tracing::debug!(%kind, actor = %actor_uri, "ignoring unsupported activity");
        return Ok(Outcome::Ignored);
    }
    let owner = resolve::trust(fed, &pending.key_id, owner, key)
        .await
        .map_err(InboxError::Key)?;
    if owner.suspended_at.is_some() {
        // Suspended here: acknowledged (so the sender stops retrying), nothing stored.
        tracing::debug!(actor = %actor_uri, "ignoring an activity from a suspended account");
        return Ok(Outcome::Ignored);
    }
    let prepared = prepare(fed, &owner, &activity, inbox_owner).await?;
    if let Prepared::Ignore(why) = &prepared {
        tracing::debug!(kind = activity.verb(), actor = %actor_uri, reason = %why, "ignoring activity");
        return Ok(Outcome::Ignored);
    }
    apply(
        fed,
        &owner,
        (&activity_id, &activity, &document),
        inbox_owner,
        prepared,
    )
    .await
}

/// Stores a `Create` whose signature was checked and whose post was parsed: the rows the
/// inbox writes for it (the activity, the post, its tags, each reached account's inbox
/// item) in one write transaction. The inbox benchmark measures this as its storage bound.
pub async fn store_create(
    fed: &Federation,
    actor: &Account,
    activity_id: &str,
    document: &Value,
    remote: RemotePost,
) -> Result<Outcome, InboxError> {
    let activity = Activity::from_json(document)
        .map_err(|e| InboxError::Malformed(format!("not an activity: {e}")))?;
    let prepared = Prepared::Post {
        remote: Box::new(remote),
        parent: None,
    };
    let activity = InboxActivity::Create(activity);
    apply(
        fed,
        actor,
        (activity_id, &activity, document),
        None,
        prepared,
    )
    .await
}

/// The network step of each verb's handler.
async fn prepare(
    fed: &Federation,
    actor: &Account,
    activity: &InboxActivity,
    inbox_owner: Option<&Account>,
) -> Result<Prepared, InboxError> {
    let Some(typed) = activity.activity() else {
        return Ok(Prepared::Nothing);
    };
    let cx = Preparing {
        fed,
        actor,
        activity: typed,
        inbox_owner,
    };
    match activity {
        InboxActivity::Create(_) => create::prepare(&cx).await,
        InboxActivity::Update(_) => update::prepare(&cx).await,
        InboxActivity::Announce(_) => announce::prepare(&cx).await,
        InboxActivity::Like(_) => like::prepare(&cx).await,
        InboxActivity::Delete(_) => delete::prepare(&cx),
        _ => Ok(Prepared::Nothing),
    }
}

/// Records the activity, lets its verb's handler apply it, and puts it in the inbox
/// collections of the local accounts it reached, all in one transaction.
async fn apply(
    fed: &Federation,
    actor: &Account,
    (id, activity, document): (&str, &InboxActivity, &Value),
    inbox_owner: Option<&Account>,
    prepared: Prepared,
) -> Result<Outcome, InboxError> {
    let Some(typed) = activity.activity() else {
        return Ok(Outcome::Ignored);
    };
    // Serialized before the transaction: a body may be a megabyte.
    let body = without_hidden_recipients(document).to_string();
    let txn = db::begin_write(&fed.db).await?;
    let now = chrono::Utc::now();
    // A boost's recipients may block the boosted author too.
    let subject_author = match &prepared {
        Prepared::Announce(original) => Some(original.account_id),
        _ => None,
    };
    let Some(row) = domain::received::record(&txn, id, actor, activity.verb(), &body, now).await?
    else {
        drop(txn);
        if let (Some(owner), InboxActivity::Create(create)) = (inbox_owner, activity)
            && reach::also_for(fed, actor, owner, create, id).await?
        {
            return Ok(Outcome::Applied);
        }
        return Err(InboxError::Duplicate);
    };
    let cx = Applying {
        txn: &txn,
        fed,
        actor,
        activity: typed,
        id,
    };
    let applied = match activity {
        InboxActivity::Follow(_) => follow::apply(&cx).await?,
        InboxActivity::Create(_) => create::apply(&cx, prepared).await?,
        InboxActivity::Update(_) => update::apply(&cx, prepared).await?,
        InboxActivity::Announce(_) => announce::apply(&cx, prepared).await?,
        InboxActivity::Like(_) => like::apply(&cx, prepared).await?,
        InboxActivity::Delete(_) => delete::apply(&cx).await?,
        InboxActivity::Block(_) => block::apply(&cx).await?,
        InboxActivity::Flag(_) => flag::apply(&cx).await?,
        InboxActivity::Undo(_) => undo::apply(&cx).await?,
        InboxActivity::Accept(_) => accept::apply(&cx).await?,
        InboxActivity::Reject(_) => reject::apply(&cx).await?,
        InboxActivity::Other(_) => Applied::Ignored,
    };
    match applied {
        Applied::Ignored | Applied::Private => {
            txn.commit()
                .await
                .map_err(|e| InboxError::Internal(e.to_string()))?;
            return Ok(match applied {
                Applied::Private => Outcome::Applied,
                _ => Outcome::Ignored,
            });
        }
        Applied::Done => {}
    }
    let audience = reach::audience(&fed.config, actor, activity, inbox_owner, subject_author);
    let recipients = domain::received::reached(&txn, audience).await?;
    domain::received::deliver(&txn, row, &recipients, now).await?;
    txn.commit()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    fed.wake.notify_one();
    Ok(Outcome::Applied)
}

/// The local account a URI names (the object of a Follow, the actor of a Follow being
/// accepted): an error when there is none.
async fn local_target(fed: &Federation, uri: Option<&str>) -> Result<Account, InboxError> {
    let uri = uri
        .and_then(|u| Url::parse(u).ok())
        .ok_or_else(|| InboxError::Malformed("no object".into()))?;
    resolve::local_account_for(fed, &uri)
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?
        .ok_or_else(|| InboxError::NotFound(format!("{uri} is not an account here")))
}
