//! Receiving activities: signature checks, then the activity applied together with its id
//! record in one transaction, so redeliveries are acknowledged without being re-applied.

use axum::http::{HeaderMap, StatusCode};
use sea_orm::TransactionTrait;
use serde_json::Value;
use url::Url;

use super::{
    resolve::{self, ResolveError},
    signatures::{self, SignatureError},
};
use crate::{
    db::{self, StoreError, entities::accounts::Model as Account},
    domain::{self, DomainError},
    state::AppState,
};

/// Why an incoming activity was refused; each maps to a 4xx with a reason (or 5xx when the
/// fault is ours).
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
    #[error("internal error: {0}")]
    Internal(String),
}

impl InboxError {
    /// The HTTP status for this refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            InboxError::Signature(_) | InboxError::Key(_) | InboxError::WrongOwner { .. } => {
                StatusCode::UNAUTHORIZED
            }
            InboxError::Malformed(_) => StatusCode::BAD_REQUEST,
            InboxError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            InboxError::NotFound(_) => StatusCode::NOT_FOUND,
            // A replay (or a retry after a lost response) changes nothing; 409 tells the
            // sender to stop retrying.
            InboxError::Duplicate => StatusCode::CONFLICT,
            InboxError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for InboxError {
    fn from(e: StoreError) -> Self {
        InboxError::Internal(e.to_string())
    }
}

impl From<DomainError> for InboxError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(m) => InboxError::NotFound(m),
            DomainError::Invalid(m) | DomainError::Conflict(m) => InboxError::Refused(m),
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
const HANDLED: &[&str] = &["Follow", "Accept", "Reject", "Undo"];

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
    let activity_id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| InboxError::Malformed("no id".into()))?
        .to_string();
    let activity_url =
        Url::parse(&activity_id).map_err(|_| InboxError::Malformed("id is not a URL".into()))?;
    if activity_url.host_str() != actor_uri.host_str() || activity_url.port() != actor_uri.port() {
        return Err(InboxError::Malformed(
            "the activity id is not on the actor's host".into(),
        ));
    }

    // The key: cached first; one refetch if the cached key does not verify (rotation).
    let (owner, key) = resolve::key_owner(state, &pending.key_id, false)
        .await
        .map_err(InboxError::Key)?;
    let (owner, key) = match pending.verify(&key) {
        Ok(()) => (owner, key),
        Err(_) => {
            let (owner, key) = resolve::key_owner(state, &pending.key_id, true)
                .await
                .map_err(InboxError::Key)?;
            pending.verify(&key)?;
            (owner, key)
        }
    };
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
    let _ = inbox_owner;
    let owner = resolve::trust(state, &pending.key_id, owner, key)
        .await
        .map_err(InboxError::Key)?;
    apply(state, &owner, &activity_id, &kind, &activity).await
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
    activity_id: &str,
    kind: &str,
    activity: &Value,
) -> Result<Outcome, InboxError> {
    let db = &state.db;
    let publisher = &state.federation.publisher;
    let actor_uri = actor.uri.clone().unwrap_or_default();
    let txn = db
        .begin()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    match db::inbox::record(&txn, activity_id, &actor_uri, kind, chrono::Utc::now()).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(InboxError::Duplicate),
        Err(e) => return Err(e.into()),
    }
    match kind {
        "Follow" => {
            let target = local_target(state, id_of(activity.get("object"))).await?;
            domain::follows::receive_follow(&txn, publisher, actor, &target, activity_id).await?;
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
    txn.commit()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    state.federation.wake.notify_one();
    Ok(Outcome::Applied)
}
