//! ActivityPub client-to-server: a client POSTs activities to its own outbox, and uploads
//! media to `uploadMedia`. Every activity goes through the same domain function as the
//! Mastodon API and the CLI, so delivery, timelines and notifications are identical.

use serde_json::{Value, json};
use url::Url;

use super::{
    activities::{actor_uri, block_object, follow_object},
    objects::note,
    posts::{PUBLIC_FORMS, StateDirectory, fetch_post, posting},
    protocol::context::ACTIVITYSTREAMS,
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
        publish::{Event, Publisher},
        sanitize,
        tokens::Caller,
    },
    state::AppState,
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
    fn of(activity: Value) -> Submitted {
        Submitted {
            location: activity["id"].as_str().unwrap_or_default().to_string(),
            activity,
        }
    }
}

/// Object types a client may create.
const CREATABLE: &[&str] = &["Note"];

/// The id an upload has as an ActivityStreams object: under its owner's actor, so a Create
/// can name it and nobody else's upload can be attached.
pub fn media_object_id(config: &Config, owner: &Account, media_id: i64) -> String {
    format!("{}/media/{media_id}", actor_uri(config, owner))
}

/// An upload as the object `uploadMedia` answers with.
pub fn media_object(config: &Config, owner: &Account, m: &Attachment) -> Value {
    let mut doc = note::document(config, m);
    doc["@context"] = json!(ACTIVITYSTREAMS);
    doc["id"] = json!(media_object_id(config, owner, m.id));
    doc["attributedTo"] = json!(actor_uri(config, owner));
    doc
}

/// Stores an upload sent to `uploadMedia`: `file` through the media pipeline; `object` (the
/// JSON shell of the object) may give `name` (alt text) and `focalPoint`.
pub async fn upload_media(
    state: &AppState,
    owner: &Account,
    bytes: Vec<u8>,
    object: Option<&str>,
) -> Result<Submitted, C2sError> {
    let object: Value = match object.map(str::trim).filter(|o| !o.is_empty()) {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| C2sError::Malformed(format!("object is not JSON: {e}")))?,
        None => json!({}),
    };
    if !object.is_object() {
        return Err(C2sError::Malformed("object must be a JSON object".into()));
    }
    if let Some(kind) = object.get("type").and_then(Value::as_str)
        && !matches!(kind, "Image" | "Document")
    {
        return Err(C2sError::Unsupported(format!(
            "uploads become Image or Document objects, not {kind}"
        )));
    }
    let attachment = domain::media::upload(
        &state.db,
        &state.media,
        owner,
        NewMedia {
            bytes,
            description: alt_text(&object),
            focus: focal_point(&object)?,
        },
    )
    .await?;
    Ok(Submitted::of(media_object(
        &state.config,
        owner,
        &attachment,
    )))
}

fn alt_text(object: &Value) -> Option<String> {
    object
        .get("name")
        .or_else(|| object.get("summary"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn focal_point(object: &Value) -> Result<Option<(f64, f64)>, C2sError> {
    match object.get("focalPoint") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(xy)) if xy.len() == 2 => match (xy[0].as_f64(), xy[1].as_f64()) {
            (Some(x), Some(y)) => Ok(Some((x, y))),
            _ => Err(C2sError::Malformed("focalPoint must be two numbers".into())),
        },
        Some(_) => Err(C2sError::Malformed("focalPoint must be [x, y]".into())),
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
pub async fn submit(state: &AppState, caller: &Caller, body: &[u8]) -> Result<Submitted, C2sError> {
    let owner = &caller.account;
    let activity: Value = serde_json::from_slice(body)
        .map_err(|e| C2sError::Malformed(format!("body is not JSON: {e}")))?;
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| C2sError::Malformed("no type".into()))?;
    const SUPPORTED: &[&str] = &[
        "Create", "Update", "Delete", "Follow", "Like", "Announce", "Undo", "Block",
    ];
    if !SUPPORTED.contains(&kind) && !CREATABLE.contains(&kind) {
        return Err(unsupported(kind));
    }
    let me = actor_uri(&state.config, owner);
    let object = activity.get("object");
    match object.and_then(|o| o.get("type")).and_then(Value::as_str) {
        // What an Undo may take back is known before anything is looked up when embedded.
        Some(inner) if kind == "Undo" => allowed(caller, inner)?,
        _ if kind == "Undo" => {}
        _ if kind == "Update" && id_of(object).as_deref() == Some(me.as_str()) => {
            allowed(caller, "Person")?;
        }
        _ => allowed(caller, kind)?,
    }
    if let Some(actor) = id_of(activity.get("actor"))
        && actor != me
    {
        return Err(C2sError::Forbidden(format!(
            "the activity's actor {actor} is not the token's user"
        )));
    }
    let submitted = match kind {
        k if CREATABLE.contains(&k) => create(state, owner, &activity, &activity).await?,
        "Create" => {
            let object = activity
                .get("object")
                .filter(|o| o.is_object())
                .ok_or_else(|| C2sError::Malformed("Create needs an embedded object".into()))?;
            create(state, owner, &activity, object).await?
        }
        "Update" => update(state, owner, &activity).await?,
        "Delete" => delete(state, owner, &activity).await?,
        "Follow" => follow(state, owner, &activity).await?,
        "Like" => like(state, owner, &activity).await?,
        "Announce" => announce(state, owner, &activity).await?,
        "Undo" => undo(state, caller, &activity).await?,
        "Block" => block(state, owner, &activity).await?,
        other => return Err(unsupported(other)),
    };
    state.federation.wake.notify_one();
    Ok(submitted)
}

fn unsupported(kind: &str) -> C2sError {
    C2sError::Unsupported(format!(
        "{kind} is not supported in the outbox (supported: Create, Note, Update, Delete, Follow, \
         Like, Announce, Undo, Block)"
    ))
}

/// Who a Create addresses.
struct Audience {
    visibility: Visibility,
    named: Vec<Account>,
    silent: Vec<Account>,
}

/// Reads `to`/`cc`/`bto`/`bcc`/`audience` of the activity and its object. The public
/// collection in `to` makes a public post, in `cc` an unlisted one; the author's followers
/// a followers-only one; otherwise only the named accounts get it. Anything else named must
/// be an actor.
async fn audience(
    state: &AppState,
    owner: &Account,
    envelope: &Value,
    object: &Value,
) -> Result<Audience, C2sError> {
    let me = actor_uri(&state.config, owner);
    let followers = format!("{me}/followers");
    let field = |name: &str| {
        let mut out = ids(envelope.get(name));
        if !std::ptr::eq(envelope, object) {
            out.extend(ids(object.get(name)));
        }
        out
    };
    let (to, cc, bto, bcc, aud) = (
        field("to"),
        field("cc"),
        field("bto"),
        field("bcc"),
        field("audience"),
    );
    let public = |list: &[String]| list.iter().any(|a| PUBLIC_FORMS.contains(&a.as_str()));
    let all: Vec<&String> = to
        .iter()
        .chain(&cc)
        .chain(&bto)
        .chain(&bcc)
        .chain(&aud)
        .collect();
    let visibility = if public(&to) || public(&aud) {
        Visibility::Public
    } else if public(&cc) || public(&bto) || public(&bcc) {
        Visibility::Unlisted
    } else if all.iter().any(|a| **a == followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    };
    let actors = |list: Vec<String>| {
        list.into_iter()
            .filter(|a| !PUBLIC_FORMS.contains(&a.as_str()) && *a != followers && *a != me)
            .collect::<Vec<_>>()
    };
    let mut named = Vec::new();
    for uri in actors(to.into_iter().chain(cc).chain(aud).collect()) {
        named.push(recipient(state, &uri).await?);
    }
    let mut silent = Vec::new();
    for uri in actors(bto.into_iter().chain(bcc).collect()) {
        silent.push(recipient(state, &uri).await?);
    }
    Ok(Audience {
        visibility,
        named,
        silent,
    })
}

async fn recipient(state: &AppState, uri: &str) -> Result<Account, C2sError> {
    let url = Url::parse(uri)
        .map_err(|_| C2sError::Malformed(format!("recipient {uri} is not a URL")))?;
    resolve::actor(state, &url).await.map_err(|e| {
        C2sError::Unsupported(format!(
            "cannot address {uri}: it is not the public collection, your followers or an \
             actor that could be fetched ({e})"
        ))
    })
}

/// The object's text: `source.content` (plain text) when the client sends it, else its
/// HTML reduced to text; Pinhole renders it again, so links, mentions and tags come out
/// as everywhere else.
fn text_of(object: &Value) -> Option<String> {
    object
        .get("source")
        .and_then(|s| s.get("content").or(Some(s)))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            object
                .get("content")
                .and_then(Value::as_str)
                .map(html_to_text)
        })
}

/// Client HTML reduced to the plain text Pinhole renders from (paragraphs and line breaks
/// kept as newlines).
fn html_to_text(html: &str) -> String {
    sanitize::plain(
        &html
            .replace("</p><p>", "\n\n")
            .replace("<br>", "\n")
            .replace("<br />", "\n"),
    )
}

fn language_of(object: &Value) -> Option<String> {
    object
        .get("contentMap")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned())
}

/// Upload ids of the object's `attachment`s (`None` when it has no such field), named by
/// their object ids, and the alt text or focal points given there. Ownership and state are
/// checked by the domain in the post's transaction, where the changes are applied too.
fn attachments(
    state: &AppState,
    owner: &Account,
    object: &Value,
) -> Result<(Option<Vec<i64>>, Vec<MediaChange>), C2sError> {
    let items = match object.get("attachment") {
        None => return Ok((None, vec![])),
        Some(Value::Null) => return Ok((Some(vec![]), vec![])),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single) => vec![single],
    };
    let prefix = media_object_id(&state.config, owner, 0);
    let prefix = prefix.trim_end_matches('0');
    let (mut ids, mut changes) = (Vec::new(), Vec::new());
    for item in items {
        let id = id_of(Some(item))
            .and_then(|uri| uri.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok()))
            .ok_or_else(|| {
                C2sError::Unsupported(
                    "an attachment must name one of your uploads by its id (upload it to \
                     endpoints.uploadMedia first)"
                        .into(),
                )
            })?;
        let (description, focus) = (alt_text(item), focal_point(item)?);
        if description.is_some() || focus.is_some() {
            changes.push(MediaChange {
                id,
                description,
                focus,
            });
        }
        ids.push(id);
    }
    Ok((Some(ids), changes))
}

async fn create(
    state: &AppState,
    owner: &Account,
    envelope: &Value,
    object: &Value,
) -> Result<Submitted, C2sError> {
    let me = actor_uri(&state.config, owner);
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
    if !CREATABLE.contains(&kind) {
        return Err(C2sError::Unsupported(format!(
            "{kind} objects cannot be created here (Note can: a text note, or a photo post \
             with attachments)"
        )));
    }
    if let Some(author) = id_of(object.get("attributedTo"))
        && author != me
    {
        return Err(C2sError::Forbidden(
            "attributedTo is not the token's user".into(),
        ));
    }
    let audience = audience(state, owner, envelope, object).await?;
    let in_reply_to_id = match id_of(object.get("inReplyTo")) {
        Some(uri) => Some(find_post(state, &uri).await?.id),
        None => None,
    };
    let (media_ids, media_changes) = attachments(state, owner, object)?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let view = domain::posts::create(
        &ctx,
        owner,
        NewPost {
            text: text_of(object).unwrap_or_default(),
            media_ids: media_ids.unwrap_or_default(),
            media_changes,
            spoiler_text: object
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_string),
            sensitive: object
                .get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            visibility: audience.visibility,
            language: language_of(object),
            in_reply_to_id,
            addressed: audience.named,
            silent: audience.silent,
        },
    )
    .await?;
    let activity = note::create_or_update(&state.config, &view, false);
    Ok(Submitted::of(activity))
}

/// A post named by `uri`: known here, or fetched from its origin.
async fn find_post(state: &AppState, uri: &str) -> Result<Post, C2sError> {
    if let Some(p) = db::posts::find_by_uri(&state.db, uri).await? {
        return Ok(p);
    }
    if uri.starts_with(state.config.base_url()) {
        return Err(DomainError::NotFound(format!("{uri} is not a post here")).into());
    }
    fetch_post(state, uri, super::posts::MAX_PARENT_DEPTH)
        .await
        .map_err(|e| C2sError::Unsupported(format!("could not fetch {uri}: {e}")))
}

/// The owner's own local post named by the activity's object.
async fn own_post(state: &AppState, owner: &Account, activity: &Value) -> Result<Post, C2sError> {
    let uri = id_of(activity.get("object"))
        .ok_or_else(|| C2sError::Malformed("the activity names no object".into()))?;
    let post = db::posts::find_by_uri(&state.db, &uri)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("{uri} is not a post here")))?;
    if post.account_id != owner.id {
        return Err(C2sError::Forbidden(format!("{uri} is not your post")));
    }
    Ok(post)
}

async fn update(
    state: &AppState,
    owner: &Account,
    activity: &Value,
) -> Result<Submitted, C2sError> {
    let object = activity
        .get("object")
        .filter(|o| o.is_object())
        .ok_or_else(|| C2sError::Malformed("Update needs the changed object embedded".into()))?;
    if object.get("id").and_then(Value::as_str) == Some(&actor_uri(&state.config, owner)) {
        return update_profile(state, owner, object).await;
    }
    let post = own_post(state, owner, activity).await?;
    if post.reblog_of_id.is_some() {
        return Err(C2sError::Unsupported("a boost cannot be edited".into()));
    }
    let current = domain::posts::load_view(&state.db, post.clone()).await?;
    // Fields the client leaves out keep their value; `null` clears them.
    let (media_ids, media_changes) = attachments(state, owner, object)?;
    let media_ids = media_ids.unwrap_or_else(|| current.media.iter().map(|m| m.id).collect());
    let edit = EditPost {
        text: text_of(object)
            .or(post.source.clone())
            .unwrap_or_else(|| sanitize::plain(&post.content)),
        media_ids,
        media_changes,
        spoiler_text: match object.get("summary") {
            None => Some(post.summary.clone()),
            Some(v) => v.as_str().map(str::to_string),
        },
        sensitive: object
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(post.sensitive),
        language: language_of(object),
    };
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let view = domain::posts::edit(&ctx, owner, post.id, edit).await?;
    let activity = note::create_or_update(&state.config, &view, true);
    Ok(Submitted::of(activity))
}

/// `Update{Person}` of the owner: name, summary (as text), `manuallyApprovesFollowers`,
/// `discoverable`; what is left out stays. The same rules and delivery as the Mastodon API's
/// update_credentials.
async fn update_profile(
    state: &AppState,
    owner: &Account,
    person: &Value,
) -> Result<Submitted, C2sError> {
    let text = |key: &str| person.get(key).and_then(Value::as_str).map(str::to_string);
    let flag = |key: &str| person.get(key).and_then(Value::as_bool);
    let change = domain::accounts::ProfileChange {
        display_name: text("name"),
        note: text("summary").map(|html| html_to_text(&html)),
        locked: flag("manuallyApprovesFollowers"),
        discoverable: flag("discoverable"),
        avatar_url: None,
        header_url: None,
        fields: None,
    };
    let updated = domain::accounts::update_profile(
        &state.db,
        &state.federation.publisher,
        owner,
        change,
        state.config.base_url(),
    )
    .await?;
    let activity = state.federation.publisher.activity(Event::ProfileUpdated {
        account: &updated,
        inboxes: &[],
    });
    Ok(Submitted::of(activity))
}

async fn delete(
    state: &AppState,
    owner: &Account,
    activity: &Value,
) -> Result<Submitted, C2sError> {
    let post = own_post(state, owner, activity).await?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    domain::posts::delete(&ctx, owner, post.id).await?;
    let activity = note::delete(&state.config, &post, owner);
    Ok(Submitted::of(activity))
}

/// The actor the activity's object names (fetched when not known yet).
async fn target_actor(state: &AppState, activity: &Value) -> Result<Account, C2sError> {
    let uri = id_of(activity.get("object"))
        .ok_or_else(|| C2sError::Malformed("the activity names no actor".into()))?;
    recipient(state, &uri).await
}

fn with_context(mut activity: Value) -> Value {
    activity["@context"] = json!(ACTIVITYSTREAMS);
    activity
}

async fn follow(
    state: &AppState,
    owner: &Account,
    activity: &Value,
) -> Result<Submitted, C2sError> {
    let target = target_actor(state, activity).await?;
    let (follow, _) =
        domain::follows::follow(&state.db, &state.federation.publisher, owner, &target).await?;
    Ok(Submitted::of(with_context(follow_object(
        &state.config,
        &follow,
        owner,
        &target,
    ))))
}

async fn block(state: &AppState, owner: &Account, activity: &Value) -> Result<Submitted, C2sError> {
    let target = target_actor(state, activity).await?;
    let block =
        domain::blocks::block(&state.db, &state.federation.publisher, owner, &target).await?;
    Ok(Submitted::of(with_context(block_object(
        &state.config,
        &block,
        owner,
        &target,
    ))))
}

async fn like(state: &AppState, owner: &Account, activity: &Value) -> Result<Submitted, C2sError> {
    let uri = id_of(activity.get("object"))
        .ok_or_else(|| C2sError::Malformed("Like names no object".into()))?;
    let post = find_post(state, &uri).await?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let view = domain::posts::favourite(&ctx, owner, post.id).await?;
    let fav = db::posts::find_favourite(&state.db, owner.id, view.post.id)
        .await?
        .ok_or_else(|| DomainError::Internal("like not stored".into()))?;
    Ok(Submitted::of(with_context(note::like(
        &state.config,
        &fav.uri,
        owner,
        &view.post,
    ))))
}

async fn announce(
    state: &AppState,
    owner: &Account,
    activity: &Value,
) -> Result<Submitted, C2sError> {
    let uri = id_of(activity.get("object"))
        .ok_or_else(|| C2sError::Malformed("Announce names no object".into()))?;
    let post = find_post(state, &uri).await?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let view = domain::posts::reblog(&ctx, owner, post.id).await?;
    let original = view
        .reblog
        .as_ref()
        .ok_or_else(|| DomainError::Internal("boost without its post".into()))?;
    let activity = note::announce(
        &state.config,
        &view.post,
        owner,
        &original.post,
        &original.author,
    );
    Ok(Submitted::of(with_context(activity)))
}

/// What an Undo takes back.
enum Undoable {
    Like(db::entities::favourites::Model),
    Boost(Box<Post>),
    Follow(db::entities::follows::Model),
    Block(db::entities::blocks::Model),
}

impl Undoable {
    fn kind(&self) -> &'static str {
        match self {
            Undoable::Like(_) => "Like",
            Undoable::Boost(_) => "Announce",
            Undoable::Follow(_) => "Follow",
            Undoable::Block(_) => "Block",
        }
    }

    fn owner_id(&self) -> i64 {
        match self {
            Undoable::Like(f) => f.account_id,
            Undoable::Boost(p) => p.account_id,
            Undoable::Follow(f) => f.follower_id,
            Undoable::Block(b) => b.account_id,
        }
    }
}

/// The activity an Undo names: by id, or (embedded, without a known id) by what it
/// describes.
async fn undoable(state: &AppState, owner: &Account, inner: &Value) -> Result<Undoable, C2sError> {
    let db = &state.db;
    if let Some(id) = id_of(Some(inner)) {
        if let Some(f) = db::posts::find_favourite_by_uri(db, &id).await? {
            return Ok(Undoable::Like(f));
        }
        if let Some(p) = db::posts::find_by_uri(db, &id)
            .await?
            .filter(|p| p.reblog_of_id.is_some())
        {
            return Ok(Undoable::Boost(Box::new(p)));
        }
        if let Some(f) = db::follows::find_by_uri(db, &id).await? {
            return Ok(Undoable::Follow(f));
        }
        if let Some(b) = db::blocks::find_by_uri(db, &id).await? {
            return Ok(Undoable::Block(b));
        }
    }
    let not_found = || C2sError::from(DomainError::NotFound("no activity of yours to undo".into()));
    if !inner.is_object() {
        return Err(not_found());
    }
    match inner.get("type").and_then(Value::as_str) {
        Some("Like") => {
            let post = find_post(state, &object_uri(inner)?).await?;
            db::posts::find_favourite(db, owner.id, post.id)
                .await?
                .map(Undoable::Like)
                .ok_or_else(not_found)
        }
        Some("Announce") => {
            let post = find_post(state, &object_uri(inner)?).await?;
            db::posts::find_reblog(db, owner.id, post.id)
                .await?
                .map(|p| Undoable::Boost(Box::new(p)))
                .ok_or_else(not_found)
        }
        Some("Follow") => {
            let target = target_actor(state, inner).await?;
            db::follows::find_pair(db, owner.id, target.id)
                .await?
                .map(Undoable::Follow)
                .ok_or_else(not_found)
        }
        Some("Block") => {
            let target = target_actor(state, inner).await?;
            db::blocks::find_pair(db, owner.id, target.id)
                .await?
                .map(Undoable::Block)
                .ok_or_else(not_found)
        }
        Some(other) => Err(C2sError::Unsupported(format!(
            "Undo of {other} is not supported (Like, Announce, Follow and Block are)"
        ))),
        None => Err(C2sError::Malformed(
            "the undone activity has no type".into(),
        )),
    }
}

async fn account(state: &AppState, id: i64) -> Result<Account, C2sError> {
    Ok(db::accounts::find_by_id(&state.db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such account".into()))?)
}

async fn post_by_id(state: &AppState, id: i64) -> Result<Post, C2sError> {
    Ok(db::posts::find(&state.db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?)
}

/// Undo of the owner's Like, Announce, Follow or Block; answers with the Undo as delivered.
async fn undo(state: &AppState, caller: &Caller, activity: &Value) -> Result<Submitted, C2sError> {
    let owner = &caller.account;
    let inner = activity
        .get("object")
        .ok_or_else(|| C2sError::Malformed("Undo names no activity".into()))?;
    let target = undoable(state, owner, inner).await?;
    if target.owner_id() != owner.id {
        return Err(C2sError::Forbidden(
            "only your own activities can be undone".into(),
        ));
    }
    allowed(caller, target.kind())?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let publisher = &state.federation.publisher;
    let undone = match target {
        Undoable::Like(fav) => {
            let post = post_by_id(state, fav.post_id).await?;
            let author = account(state, post.account_id).await?;
            domain::posts::unfavourite(&ctx, owner, post.id).await?;
            publisher.activity(Event::Unliked {
                like_uri: &fav.uri,
                liker: owner,
                post: &post,
                author: &author,
            })
        }
        Undoable::Boost(boost) => unboost(state, owner, &boost).await?,
        Undoable::Follow(follow) => {
            let target = account(state, follow.target_id).await?;
            domain::follows::unfollow(&state.db, publisher, owner, &target).await?;
            publisher.activity(Event::FollowUndone {
                follow: &follow,
                follower: owner,
                target: &target,
            })
        }
        Undoable::Block(block) => {
            let target = account(state, block.target_account_id).await?;
            domain::blocks::unblock(&state.db, publisher, owner, &target).await?;
            publisher.activity(Event::Unblocked {
                block: &block,
                blocker: owner,
                target: &target,
            })
        }
    };
    Ok(Submitted::of(undone))
}

/// Withdraws the owner's boost; the Undo{Announce} as delivered.
async fn unboost(state: &AppState, owner: &Account, boost: &Post) -> Result<Value, C2sError> {
    let original_id = boost
        .reblog_of_id
        .ok_or_else(|| DomainError::Invalid("not a boost".into()))?;
    let original = post_by_id(state, original_id).await?;
    let author = account(state, original.account_id).await?;
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    domain::posts::unreblog(&ctx, owner, boost.id).await?;
    Ok(state.federation.publisher.activity(Event::Unboosted {
        boost,
        booster: owner,
        original: &original,
        author: &author,
        inboxes: &[],
    }))
}

fn object_uri(activity: &Value) -> Result<String, C2sError> {
    id_of(activity.get("object"))
        .ok_or_else(|| C2sError::Malformed("the undone activity names no object".into()))
}

/// The id a field names (a string, an object's `id`, the first of a list).
fn id_of(value: Option<&Value>) -> Option<String> {
    value.and_then(super::protocol::lenient::id_of)
}

/// The ids a field that holds one value or a list names.
fn ids(value: Option<&Value>) -> Vec<String> {
    super::protocol::lenient::items(value.cloned())
        .iter()
        .filter_map(super::protocol::lenient::id_of)
        .collect()
}
