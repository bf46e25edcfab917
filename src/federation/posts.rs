//! Posts from other servers: reading their Notes (as messy as they come), fetching what an
//! activity only names (a reply's parent, a boosted post) from its origin, and the glue
//! that lets domain posting resolve `@user@host` mentions.

use std::{future::Future, pin::Pin};

use serde_json::Value;
use url::Url;

use super::{
    activities::domain_of,
    client::ACCEPT_AP,
    protocol::lenient::parse_datetime,
    resolve::{self, ResolveError},
};
use crate::{
    db::{self, entities::accounts::Model as Account},
    domain::{
        self,
        posts::{Directory, Post, Posting, ReceivedText, RemoteMedia, RemotePost, Visibility},
        sanitize,
        text::Handle,
    },
    state::AppState,
};

/// How many ancestors of a reply are fetched on demand.
pub const MAX_PARENT_DEPTH: usize = 5;

/// Object types stored as posts.
pub const POST_TYPES: &[&str] = &[
    "Note", "Article", "Page", "Question", "Image", "Video", "Audio", "Event",
];

/// The ways servers write the public collection.
pub const PUBLIC_FORMS: &[&str] = &[
    "https://www.w3.org/ns/activitystreams#Public",
    "http://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// Resolves mentions through the database and, for remote handles, WebFinger.
pub struct StateDirectory<'a>(pub &'a AppState);

impl Directory for StateDirectory<'_> {
    fn resolve<'a>(
        &'a self,
        handle: &'a Handle,
    ) -> Pin<Box<dyn Future<Output = Option<Account>> + Send + 'a>> {
        Box::pin(async move {
            let state = self.0;
            let result = match &handle.host {
                None => domain::accounts::get_local(&state.db, &handle.user)
                    .await
                    .map_err(ResolveError::from),
                Some(host) => {
                    resolve::resolve_handle(state, &format!("{}@{host}", handle.user)).await
                }
            };
            match result {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::info!(handle = %handle.key(), error = %e, "mention not resolved");
                    None
                }
            }
        })
    }
}

/// The posting context for this server.
pub fn posting<'a>(state: &'a AppState, directory: &'a StateDirectory<'a>) -> Posting<'a> {
    Posting {
        db: &state.db,
        publisher: &state.federation.publisher,
        directory,
        media: &state.media,
        base_url: state.config.base_url(),
        max_characters: state.config.instance.max_post_characters as usize,
        max_media: state.config.instance.max_media_attachments as usize,
    }
}

/// The id of a value that is a URL string, an object with `id`, or an array of those.
pub fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        Value::Array(items) => items.iter().find_map(|v| id_of(Some(v))),
        _ => None,
    }
}

/// Every id in a value that may be a single item or an array.
/// The ids in a field that may hold one value or a list (addressing, tags).
pub fn ids(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| id_of(Some(v))).collect(),
        Some(v) => id_of(Some(v)).into_iter().collect(),
        None => vec![],
    }
}

fn items(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => vec![],
        Some(v) => vec![v],
    }
}

/// `host[:port]` of two URLs match.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (domain_of(a), domain_of(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The author a post names: `attributedTo` (a string, an object, or a list in which the
/// Person comes first, as PeerTube sends), else the activity's actor.
pub fn author_of(object: &Value) -> Option<String> {
    match object.get("attributedTo") {
        Some(Value::Array(list)) => list
            .iter()
            .find(|v| v.get("type").and_then(Value::as_str) == Some("Person"))
            .or_else(|| list.first())
            .and_then(|v| id_of(Some(v))),
        other => id_of(other),
    }
}

/// The ActivityStreams namespace, as servers write it in full.
const AS_NAMESPACE: &[&str] = &[
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
    "as:",
];

/// A document's `type` as a plain name. Servers send a name, a compacted or full IRI
/// (`as:Note`, `https://www.w3.org/ns/activitystreams#Note`), or a list of those; from a
/// list the first name in `known` wins, else the first name.
pub fn type_of(value: &Value, known: &[&str]) -> Option<String> {
    fn plain(name: &str) -> &str {
        AS_NAMESPACE
            .iter()
            .find_map(|ns| name.strip_prefix(ns))
            .unwrap_or(name)
    }
    match value.get("type")? {
        Value::String(name) => Some(plain(name).to_string()),
        Value::Array(list) => {
            let names: Vec<&str> = list.iter().filter_map(Value::as_str).map(plain).collect();
            names
                .iter()
                .find(|n| known.contains(n))
                .or(names.first())
                .map(|n| n.to_string())
        }
        _ => None,
    }
}

/// What a `tag` entry is: its type, or for an untyped one what its name says (`#beach` is
/// a hashtag, `@bob@host` with an `href` a mention).
fn tag_type(tag: &Value) -> Option<String> {
    type_of(tag, &["Hashtag", "Mention"]).or_else(|| {
        let name = tag.get("name").and_then(Value::as_str)?;
        if name.starts_with('#') {
            Some("Hashtag".into())
        } else if name.starts_with('@') && tag.get("href").is_some() {
            Some("Mention".into())
        } else {
            None
        }
    })
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn number(v: Option<&Value>) -> Option<i32> {
    match v? {
        Value::Number(n) => n.as_f64().map(|f| f as i32),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn attachment(v: &Value) -> Option<RemoteMedia> {
    if let Value::String(url) = v {
        return Some(RemoteMedia {
            url: url.clone(),
            ..Default::default()
        });
    }
    let object_type = type_of(v, &["Image", "Video", "Audio", "Document", "Link"]);
    // `url` may be a string, a Link object, or a list of Links (PeerTube).
    let (url, link_type) = match v.get("url") {
        Some(Value::String(s)) => (s.clone(), None),
        Some(other) => {
            let link = items(Some(other))
                .into_iter()
                .find(|l| l.get("href").is_some())?;
            (string(link.get("href"))?, string(link.get("mediaType")))
        }
        None => (string(v.get("href"))?, None),
    };
    let focus = v
        .get("focalPoint")
        .and_then(Value::as_array)
        .and_then(|p| Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?)));
    Some(RemoteMedia {
        url,
        object_type,
        media_type: string(v.get("mediaType")).or(link_type),
        // Mastodon allows 1,500 characters of alt text.
        description: string(v.get("name"))
            .or_else(|| string(v.get("summary")))
            .map(|d| d.chars().take(1500).collect()),
        blurhash: string(v.get("blurhash")),
        width: number(v.get("width")),
        height: number(v.get("height")),
        focus,
    })
}

/// Most attachments kept from a remote post (Pixelfed albums hold up to 20 photos).
pub const MAX_ATTACHMENTS: usize = 20;
/// Most mentions kept from a remote post (Mastodon refuses local posts with more than 50).
pub const MAX_MENTIONS: usize = 50;
/// Most hashtags kept from a remote post.
pub const MAX_HASHTAGS: usize = 50;
/// Most `tag` entries (and addressees) read from a remote post at all.
pub const MAX_TAGS_READ: usize = 200;

/// A post object as received, checked and turned into domain terms. Mentions are mapped to
/// known accounts only (no fetches for strangers).
pub async fn parse_post(
    state: &AppState,
    object: &Value,
    author: &Account,
) -> Result<RemotePost, String> {
    let uri = string(object.get("id")).ok_or("the object has no id")?;
    if sanitize::web_url(&uri).is_none() {
        return Err("the object id is not an http(s) URL".into());
    }
    let kind = type_of(object, POST_TYPES).unwrap_or_default();
    if !POST_TYPES.contains(&kind.as_str()) {
        return Err(format!("{kind} objects are not posts"));
    }
    let mut audience = ids(object.get("to"));
    let cc = ids(object.get("cc"));
    let is_public = |list: &[String]| list.iter().any(|a| PUBLIC_FORMS.contains(&a.as_str()));
    let followers = author.followers_url.clone();
    let visibility = if is_public(&audience) {
        Visibility::Public
    } else if is_public(&cc) {
        Visibility::Unlisted
    } else if followers
        .as_ref()
        .is_some_and(|f| audience.contains(f) || cc.contains(f))
    {
        Visibility::Private
    } else {
        Visibility::Direct
    };
    audience.extend(cc);
    let content_map = object.get("contentMap").and_then(Value::as_object);
    let content = string(object.get("content"))
        .or_else(|| {
            content_map.and_then(|m| m.values().find_map(|v| v.as_str().map(str::to_string)))
        })
        .unwrap_or_default();
    // Articles and pages without a body still have a title and a link worth showing.
    let content = if content.trim().is_empty() && kind != "Note" {
        match (string(object.get("name")), id_of(object.get("url"))) {
            (Some(name), Some(url)) => format!("<p>{name}</p><p><a href=\"{url}\">{url}</a></p>"),
            (Some(name), None) => format!("<p>{name}</p>"),
            _ => content,
        }
    } else {
        content
    };
    // Lemmy names the language in an object; others only through contentMap's keys.
    // PeerTube describes videos in Markdown: shown as plain text, links made clickable.
    let content = if string(object.get("mediaType")).as_deref() == Some("text/markdown") {
        crate::domain::text::render(
            sanitize::bounded(&content, sanitize::MAX_REMOTE_HTML),
            &Default::default(),
            state.config.base_url(),
        )
    } else {
        content
    };
    let language = object
        .get("language")
        .and_then(|l| l.get("identifier"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| content_map.and_then(|m| m.keys().next().cloned()))
        .filter(|l| l.len() <= 16 && !l.is_empty());
    let summary = string(object.get("summary")).filter(|s| !s.trim().is_empty());
    let text = ReceivedText::new(&content, summary.as_deref());
    // A content warning that sanitizes to nothing (`<p> </p>`) hides nothing.
    let sensitive = match object.get("sensitive") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    } || !text.summary().is_empty();
    let in_reply_to_uri = id_of(object.get("inReplyTo"));
    let published = string(object.get("published"))
        .as_deref()
        .and_then(parse_datetime)
        .unwrap_or_else(chrono::Utc::now);
    let updated = string(object.get("updated"))
        .as_deref()
        .and_then(parse_datetime);
    let media = items(object.get("attachment"))
        .into_iter()
        .filter_map(attachment)
        .filter_map(|mut m| {
            m.url = sanitize::web_url(&m.url)?;
            Some(m)
        })
        .take(MAX_ATTACHMENTS)
        .collect();
    let mut mentions = Vec::new();
    let mut hashtags = Vec::new();
    // Only the first tags are even looked at: thousands of them must cost nothing.
    for tag in items(object.get("tag")).into_iter().take(MAX_TAGS_READ) {
        match tag_type(tag).as_deref() {
            Some("Mention") if mentions.len() < MAX_MENTIONS => {
                let Some(href) = string(tag.get("href")) else {
                    continue;
                };
                if let Some(a) = known_account(state, &href).await
                    && !mentions.iter().any(|m: &Account| m.id == a.id)
                {
                    mentions.push(a);
                }
            }
            Some("Hashtag") if hashtags.len() < MAX_HASHTAGS => {
                if let Some(name) = string(tag.get("name")) {
                    let name = name.trim_start_matches('#').trim().to_string();
                    if !name.is_empty() && name.len() <= 256 && !hashtags.contains(&name) {
                        hashtags.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    // A local account addressed without a Mention tag may read the post and hears of it,
    // but is not named in it (a silent mention, as Mastodon records one).
    let mut addressed: Vec<Account> = Vec::new();
    for uri in audience.iter().take(MAX_TAGS_READ) {
        if let Ok(url) = Url::parse(uri)
            && let Ok(Some(local)) = resolve::local_account_for(state, &url).await
            && !mentions.iter().chain(&addressed).any(|m| m.id == local.id)
        {
            addressed.push(local);
        }
    }
    Ok(RemotePost {
        uri,
        url: page_url(object.get("url")).and_then(|u| sanitize::web_url(&u)),
        text,
        sensitive,
        visibility,
        language,
        in_reply_to_uri,
        published,
        updated,
        media,
        mentions,
        silent: vec![],
        addressed,
        hashtags,
    })
}

/// The HTML page of a post: a string, a Link, or a list of Links (PeerTube lists every
/// format; the `text/html` one is the page).
fn page_url(value: Option<&Value>) -> Option<String> {
    let links = items(value);
    let href = |l: &Value| match l {
        Value::String(s) => Some(s.clone()),
        other => string(other.get("href")).or_else(|| string(other.get("id"))),
    };
    links
        .iter()
        .find(|l| l.get("mediaType").and_then(Value::as_str) == Some("text/html"))
        .and_then(|l| href(l))
        .or_else(|| links.iter().find_map(|l| href(l)))
        .filter(|u| Url::parse(u).is_ok())
}

/// An account we already know by its actor id (local or stored remote).
async fn known_account(state: &AppState, uri: &str) -> Option<Account> {
    let url = Url::parse(uri).ok()?;
    if let Ok(Some(local)) = resolve::local_account_for(state, &url).await {
        return Some(local);
    }
    db::accounts::find_by_uri(&state.db, uri)
        .await
        .ok()
        .flatten()
}

/// Fetches a post from its origin and stores it (with up to `depth` ancestors). The
/// document must be the one asked for and its author on the same host.
pub async fn fetch_post(state: &AppState, uri: &str, depth: usize) -> Result<Post, String> {
    if let Some(known) = db::posts::find_by_uri(&state.db, uri)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(known);
    }
    let url = Url::parse(uri).map_err(|_| format!("{uri} is not a URL"))?;
    if url.as_str().starts_with(state.config.base_url()) {
        return Err(format!("{uri} is not a post here"));
    }
    let signer = state
        .federation
        .instance_signer()
        .map_err(|e| e.to_string())?;
    let (_, object) = state
        .federation
        .client
        .get_json(&url, ACCEPT_AP, &signer)
        .await
        .map_err(|e| e.to_string())?;
    let (uri, object) = match string(object.get("id")) {
        Some(id) if id == uri => (uri.to_string(), object),
        // A page URL (`/@user/123`) answers with the post's canonical id: trust that only
        // from the same host, and only as the canonical id itself answers.
        Some(id) if same_origin(&id, uri) => {
            if let Some(known) = db::posts::find_by_uri(&state.db, &id)
                .await
                .map_err(|e| e.to_string())?
            {
                return Ok(known);
            }
            let canonical = Url::parse(&id).map_err(|_| "bad object id")?;
            let (_, again) = state
                .federation
                .client
                .get_json(&canonical, ACCEPT_AP, &signer)
                .await
                .map_err(|e| e.to_string())?;
            if string(again.get("id")).as_deref() != Some(id.as_str()) {
                return Err(format!("{id} answered with a different object"));
            }
            (id, again)
        }
        _ => return Err(format!("{uri} answered with a different object")),
    };
    let uri = uri.as_str();
    let author_uri = author_of(&object).ok_or("the post has no author")?;
    if !same_origin(&author_uri, uri) {
        return Err("the post's author is on another host".into());
    }
    let author_url = Url::parse(&author_uri).map_err(|_| "bad author id")?;
    let author = resolve::actor(state, &author_url)
        .await
        .map_err(|e| e.to_string())?;
    store_post(state, &author, &object, depth).await
}

/// Stores a post object already checked to come from `author`, fetching its parent first
/// (bounded by `depth`). An unreachable parent does not stop the reply being stored.
pub async fn store_post(
    state: &AppState,
    author: &Account,
    object: &Value,
    depth: usize,
) -> Result<Post, String> {
    let remote = parse_post(state, object, author).await?;
    let parent = match &remote.in_reply_to_uri {
        Some(parent_uri) => match db::posts::find_by_uri(&state.db, parent_uri)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(p) => Some(p),
            None if depth > 0 => match Box::pin(fetch_post(state, parent_uri, depth - 1)).await {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::info!(parent = %parent_uri, error = %e, "reply parent not fetched");
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let uri = remote.uri.clone();
    domain::posts::receive(&state.db, author, remote, parent.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    db::posts::find_by_uri(&state.db, &uri)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the post was deleted".to_string())
}
