//! ActivityPub client-to-server: a client POSTs activities to its own outbox, and uploads
//! media to `uploadMedia`. Every activity goes through the same domain function as the
//! Mastodon API and the CLI, so delivery, timelines and notifications are identical.
//! Activities are read into `protocol::outbox` types; one file per group of verbs.

mod interactions;
mod posts;
mod undo;

use crate::federation::Federation;
use interactions::*;
use posts::*;
use undo::*;

use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

use super::{
    activities::{actor_uri, block_object, follow_object},
    objects::note,
    posts::{StateDirectory, fetch_post, posting},
    protocol::{
        context::ACTIVITYSTREAMS,
        object::is_public,
        outbox::{FocalPoint, OutboxDocument, OutboxObject, Patch},
        outgoing::{Document, Outgoing},
    },
    resolve,
};
use crate::{
    config::Config,
    db::{
        self,
        entities::{accounts::Model as Account, posts::Model as Post},
    },
    domain::{
        self, DomainError,
        media::{MediaChange, NewMedia},
        posts::{Attachment, EditPost, NewPost, Visibility},
        publish::{ActivityDocument, Event, Publisher},
        sanitize,
        tokens::Caller,
    },
};

/// Why a submitted activity was refused; each maps to one status code.
#[derive(Debug, thiserror::Error)]
pub enum C2sError {
    #[error("malformed activity: {0}")]
    Malformed(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<db::StoreError> for C2sError {
    fn from(e: db::StoreError) -> Self {
        C2sError::Domain(e.into())
    }
}

/// What the outbox answers: the new activity's id (`Location`) and the activity itself, as
/// delivered (never with `bto`/`bcc`).
#[derive(Debug)]
pub struct Submitted {
    pub location: String,
    pub activity: Value,
}

impl Submitted {
    /// An activity we produced, located at its own id.
    fn of<O: Serialize>(activity: Outgoing<O>) -> Submitted {
        Submitted {
            location: activity.id.clone(),
            activity: activity.to_json(),
        }
    }

    /// An activity the publisher rendered for an event.
    fn rendered(document: ActivityDocument) -> Submitted {
        Submitted {
            location: document.id,
            activity: document.body,
        }
    }
}

/// Object types a client may create.
const CREATABLE: &[&str] = &["Note"];

/// The id an upload has as an ActivityStreams object: under its owner's actor, so a Create
/// can name it and nobody else's upload can be attached.
pub fn media_object_id(config: &Config, owner: &Account, media_id: i64) -> String {
    config.uris().upload(&owner.username, media_id)
}

/// An upload as the object `uploadMedia` answers with.
pub fn media_object(config: &Config, owner: &Account, m: &Attachment) -> Document {
    Document {
        context: Some(json!(ACTIVITYSTREAMS)),
        id: Some(media_object_id(config, owner, m.id)),
        attributed_to: Some(actor_uri(config, owner)),
        ..note::document(config, m)
    }
}

/// Stores an upload sent to `uploadMedia`: `file` through the media pipeline; `object` (the
/// JSON shell of the object) may give `name` (alt text) and `focalPoint`.
pub async fn upload_media(
    fed: &Federation,
    owner: &Account,
    bytes: Vec<u8>,
    object: Option<&str>,
) -> Result<Submitted, C2sError> {
    let object: Value = match object.map(str::trim).filter(|o| !o.is_empty()) {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| C2sError::Malformed(format!("object is not JSON: {e}")))?,
        None => json!({}),
    };
    let object = OutboxDocument::from_json(&object)
        .map_err(|e| C2sError::Malformed(format!("object {e}")))?;
    if let Some(kind) = object.kind()
        && !matches!(kind, "Image" | "Document")
    {
        return Err(C2sError::Unsupported(format!(
            "uploads become Image or Document objects, not {kind}"
        )));
    }
    let attachment = domain::media::upload(
        &fed.db,
        &fed.media,
        owner,
        NewMedia {
            bytes,
            description: object.alt_text(),
            focus: focal_point(&object)?,
            ..Default::default()
        },
    )
    .await?;
    let object = media_object(&fed.config, owner, &attachment);
    Ok(Submitted {
        location: object.id.clone().unwrap_or_default(),
        activity: serde_json::to_value(&object).unwrap_or(Value::Null),
    })
}

fn focal_point(object: &OutboxDocument) -> Result<Option<(f64, f64)>, C2sError> {
    match object.focal_point {
        FocalPoint::None => Ok(None),
        FocalPoint::Point(x, y) => Ok(Some((x, y))),
        FocalPoint::NotNumbers => Err(C2sError::Malformed("focalPoint must be two numbers".into())),
        FocalPoint::NotAPair => Err(C2sError::Malformed("focalPoint must be [x, y]".into())),
    }
}

/// The token scopes (any one) that allow sending an activity of `kind` or undoing one, as
/// the matching Mastodon API call requires them (`write` covers all).
fn scopes_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "Like" => &["write:favourites"],
        "Follow" => &["write:follows", "follow"],
        "Block" => &["write:blocks", "follow"],
        "Person" => &["write:accounts"],
        _ => &["write:statuses"],
    }
}

/// Refuses unless the token may send (or undo) an activity of `kind`.
fn allowed(caller: &Caller, kind: &str) -> Result<(), C2sError> {
    if scopes_for(kind).iter().any(|s| caller.has_scope(s)) {
        Ok(())
    } else {
        Err(C2sError::Forbidden(format!(
            "{kind} needs one of the scopes {}",
            scopes_for(kind).join(", ")
        )))
    }
}

/// Applies an activity the caller sent to their own outbox.
pub async fn submit(fed: &Federation, caller: &Caller, body: &[u8]) -> Result<Submitted, C2sError> {
    let owner = &caller.account;
    let document: Value = serde_json::from_slice(body)
        .map_err(|e| C2sError::Malformed(format!("body is not JSON: {e}")))?;
    let activity = OutboxDocument::from_json(&document).unwrap_or_default();
    let kind = activity
        .kind()
        .ok_or_else(|| C2sError::Malformed("no type".into()))?;
    const SUPPORTED: &[&str] = &[
        "Create", "Update", "Delete", "Follow", "Like", "Announce", "Undo", "Block",
    ];
    if !SUPPORTED.contains(&kind) && !CREATABLE.contains(&kind) {
        return Err(unsupported(kind));
    }
    let me = actor_uri(&fed.config, owner);
    match activity.embedded().and_then(OutboxDocument::kind) {
        // What an Undo may take back is known before anything is looked up when embedded.
        Some(inner) if kind == "Undo" => allowed(caller, inner)?,
        _ if kind == "Undo" => {}
        _ if kind == "Update" && activity.object_id() == Some(me.as_str()) => {
            allowed(caller, "Person")?;
        }
        _ => allowed(caller, kind)?,
    }
    if let Some(actor) = &activity.actor
        && *actor != me
    {
        return Err(C2sError::Forbidden(format!(
            "the activity's actor {actor} is not the token's user"
        )));
    }
    let submitted = match kind {
        k if CREATABLE.contains(&k) => create(fed, owner, &activity, &activity).await?,
        "Create" => {
            let object = activity
                .embedded()
                .ok_or_else(|| C2sError::Malformed("Create needs an embedded object".into()))?;
            create(fed, owner, &activity, object).await?
        }
        "Update" => update(fed, owner, &activity).await?,
        "Delete" => delete(fed, owner, &activity).await?,
        "Follow" => follow(fed, owner, &activity).await?,
        "Like" => like(fed, owner, &activity).await?,
        "Announce" => announce(fed, owner, &activity).await?,
        "Undo" => undo(fed, caller, &activity).await?,
        "Block" => block(fed, owner, &activity).await?,
        other => return Err(unsupported(other)),
    };
    fed.wake.notify_one();
    Ok(submitted)
}

fn unsupported(kind: &str) -> C2sError {
    C2sError::Unsupported(format!(
        "{kind} is not supported in the outbox (supported: Create, Note, Update, Delete, Follow, \
         Like, Announce, Undo, Block)"
    ))
}

/// A post named by `uri`: known here, or fetched from its origin.
async fn find_post(fed: &Federation, uri: &str) -> Result<Post, C2sError> {
    if let Some(p) = domain::posts::find_by_uri(&fed.db, uri).await? {
        return Ok(p);
    }
    if fed.config.uris().owns(uri) {
        return Err(DomainError::NotFound(format!("{uri} is not a post here")).into());
    }
    fetch_post(fed, uri, super::posts::MAX_PARENT_DEPTH)
        .await
        .map_err(|e| C2sError::Unsupported(format!("could not fetch {uri}: {e}")))
}

/// The owner's own local post named by the activity's object.
async fn own_post(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Post, C2sError> {
    let uri = activity
        .object_id()
        .ok_or_else(|| C2sError::Malformed("the activity names no object".into()))?;
    let post = domain::posts::find_by_uri(&fed.db, uri)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("{uri} is not a post here")))?;
    if post.account_id != owner.id {
        return Err(C2sError::Forbidden(format!("{uri} is not your post")));
    }
    Ok(post)
}

/// The actor the activity's object names (fetched when not known yet).
async fn target_actor(fed: &Federation, activity: &OutboxDocument) -> Result<Account, C2sError> {
    let uri = activity
        .object_id()
        .ok_or_else(|| C2sError::Malformed("the activity names no actor".into()))?;
    recipient(fed, uri).await
}

fn with_context<O: Serialize>(activity: Outgoing<O>) -> Outgoing<O> {
    activity.with_context(json!(ACTIVITYSTREAMS))
}
