//! Posts from other servers: reading their Notes (as messy as they come), fetching what an
//! activity only names (a reply's parent, a boosted post) from its origin, and the glue
//! that lets domain posting resolve `@user@host` mentions.

use crate::federation::Federation;
use std::{future::Future, pin::Pin};

use serde_json::Value;
use url::Url;

pub use super::protocol::object::{POST_TYPES, PUBLIC_FORMS};
use super::{
    activities::domain_of,
    client::ACCEPT_AP,
    protocol::{
        activity::Object,
        lenient::MAX_LIST_READ,
        object::{Attachment, PostObject, is_public},
    },
    resolve::{self, ResolveError},
};
use crate::{
    db::entities::accounts::Model as Account,
    domain::{
        self,
        posts::{Directory, Post, Posting, ReceivedText, RemoteMedia, RemotePost, Visibility},
        sanitize,
        text::Handle,
    },
};

/// How many ancestors of a reply are fetched on demand.
pub const MAX_PARENT_DEPTH: usize = 5;

/// Resolves mentions through the database and, for remote handles, WebFinger.
pub struct StateDirectory<'a>(pub &'a Federation);

impl Directory for StateDirectory<'_> {
    fn resolve<'a>(
        &'a self,
        handle: &'a Handle,
    ) -> Pin<Box<dyn Future<Output = Option<Account>> + Send + 'a>> {
        Box::pin(async move {
            let fed = self.0;
            let result = match &handle.host {
                None => domain::accounts::get_local(&fed.db, &handle.user)
                    .await
                    .map_err(ResolveError::from),
                Some(host) => {
                    resolve::resolve_handle(fed, &format!("{}@{host}", handle.user)).await
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
pub fn posting<'a>(fed: &'a Federation, directory: &'a StateDirectory<'a>) -> Posting<'a> {
    Posting {
        db: &fed.db,
        publisher: &fed.publisher,
        directory,
        media: &fed.media,
        base_url: fed.config.base_url(),
        max_characters: fed.config.instance.max_post_characters as usize,
        max_media: fed.config.instance.max_media_attachments as usize,
    }
}

/// `host[:port]` of two URLs match.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (domain_of(a), domain_of(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// A received attachment in domain terms; `None` for one that is not an http(s) URL.
fn media(a: &Attachment) -> Option<RemoteMedia> {
    Some(RemoteMedia {
        url: sanitize::web_url(&a.url)?,
        object_type: a.kind.clone(),
        media_type: a.media_type.clone(),
        // Mastodon allows 1,500 characters of alt text.
        description: a
            .description
            .as_ref()
            .map(|d| d.chars().take(1500).collect()),
        blurhash: a.blurhash.clone(),
        width: a.width,
        height: a.height,
        focus: a.focal_point,
    })
}

/// Most attachments kept from a remote post (Pixelfed albums hold up to 20 photos).
pub const MAX_ATTACHMENTS: usize = 20;
/// Most mentions kept from a remote post (Mastodon refuses local posts with more than 50).
pub const MAX_MENTIONS: usize = 50;
/// Most hashtags kept from a remote post.
pub const MAX_HASHTAGS: usize = 50;

/// A post object as received, checked and turned into domain terms. Mentions are mapped to
/// known accounts only (no fetches for strangers).
pub async fn parse_post(
    fed: &Federation,
    object: &PostObject,
    author: &Account,
) -> Result<RemotePost, String> {
    let uri = object.id.clone().ok_or("the object has no id")?;
    if sanitize::web_url(&uri).is_none() {
        return Err("the object id is not an http(s) URL".into());
    }
    let kind = object.post_type().unwrap_or_default();
    if !POST_TYPES.contains(&kind) {
        return Err(format!("{kind} objects are not posts"));
    }
    let (to, cc) = (&object.addressing.to, &object.addressing.cc);
    let public = |list: &[String]| list.iter().any(|a| is_public(a));
    let followers = author.followers_url.as_ref();
    let visibility = if public(to) {
        Visibility::Public
    } else if public(cc) {
        Visibility::Unlisted
    } else if followers.is_some_and(|f| to.contains(f) || cc.contains(f)) {
        Visibility::Private
    } else {
        Visibility::Direct
    };
    let content = object.content().unwrap_or_default().to_string();
    // Articles and pages without a body still have a title and a link worth showing.
    let content = if content.trim().is_empty() && kind != "Note" {
        match (&object.name, object.url_id()) {
            (Some(name), Some(url)) => format!("<p>{name}</p><p><a href=\"{url}\">{url}</a></p>"),
            (Some(name), None) => format!("<p>{name}</p>"),
            _ => content,
        }
    } else {
        content
    };
    // PeerTube describes videos in Markdown: shown as plain text, links made clickable.
    let content = if object.media_type.as_deref() == Some("text/markdown") {
        crate::domain::text::render(
            sanitize::bounded(&content, sanitize::MAX_REMOTE_HTML),
            &Default::default(),
            fed.config.base_url(),
        )
    } else {
        content
    };
    let language = object
        .language()
        .filter(|l| l.len() <= 16 && !l.is_empty())
        .map(str::to_string);
    let summary = object.summary.as_deref().filter(|s| !s.trim().is_empty());
    let text = ReceivedText::new(&content, summary);
    // A content warning that sanitizes to nothing (`<p> </p>`) hides nothing.
    let sensitive = object.sensitive.unwrap_or(false) || !text.summary().is_empty();
    // A domain whose media is rejected here: its posts keep their text, not their files.
    let reject_media = fed
        .domains
        .verdict(author.domain.as_deref().unwrap_or_default())
        .reject_media;
    let media = if reject_media {
        Vec::new()
    } else {
        object
            .attachment
            .iter()
            .filter_map(media)
            .take(MAX_ATTACHMENTS)
            .collect()
    };
    let mut mentions = Vec::new();
    let mut hashtags = Vec::new();
    for tag in &object.tag {
        match tag.kind() {
            Some("Mention") if mentions.len() < MAX_MENTIONS => {
                let Some(href) = &tag.href else {
                    continue;
                };
                if let Some(a) = known_account(fed, href).await
                    && !mentions.iter().any(|m: &Account| m.id == a.id)
                {
                    mentions.push(a);
                }
            }
            Some("Hashtag") if hashtags.len() < MAX_HASHTAGS => {
                if let Some(name) = &tag.name {
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
    for uri in to.iter().chain(cc).take(MAX_LIST_READ) {
        if let Ok(url) = Url::parse(uri)
            && let Ok(Some(local)) = resolve::local_account_for(fed, &url).await
            && !mentions.iter().chain(&addressed).any(|m| m.id == local.id)
        {
            addressed.push(local);
        }
    }
    Ok(RemotePost {
        uri,
        url: object
            .page_url()
            .filter(|u| Url::parse(u).is_ok())
            .and_then(sanitize::web_url),
        text,
        sensitive,
        visibility,
        language,
        in_reply_to_uri: object.in_reply_to.clone(),
        published: object.published.unwrap_or_else(chrono::Utc::now),
        updated: object.updated,
        media,
        mentions,
        silent: vec![],
        addressed,
        hashtags,
    })
}

/// An account we already know by its actor id (local or stored remote).
async fn known_account(fed: &Federation, uri: &str) -> Option<Account> {
    let url = Url::parse(uri).ok()?;
    if let Ok(Some(local)) = resolve::local_account_for(fed, &url).await {
        return Some(local);
    }
    domain::accounts::find_by_uri(&fed.db, uri)
        .await
        .ok()
        .flatten()
}

/// Fetches a post from its origin and stores it (with up to `depth` ancestors). The
/// document must be the one asked for and its author on the same host.
pub async fn fetch_post(fed: &Federation, uri: &str, depth: usize) -> Result<Post, String> {
    if let Some(known) = domain::posts::find_by_uri(&fed.db, uri)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(known);
    }
    let url = Url::parse(uri).map_err(|_| format!("{uri} is not a URL"))?;
    if fed.config.uris().owns(url.as_str()) {
        return Err(format!("{uri} is not a post here"));
    }
    let signer = fed.instance_signer().map_err(|e| e.to_string())?;
    let (_, object) = fed
        .client
        .get_json(&url, ACCEPT_AP, &signer)
        .await
        .map_err(|e| e.to_string())?;
    let object = post_document(object)?;
    let (uri, object) = match object.id.clone() {
        Some(id) if id == uri => (uri.to_string(), object),
        // A page URL (`/@user/123`) answers with the post's canonical id: trust that only
        // from the same host, and only as the canonical id itself answers.
        Some(id) if same_origin(&id, uri) => {
            if let Some(known) = domain::posts::find_by_uri(&fed.db, &id)
                .await
                .map_err(|e| e.to_string())?
            {
                return Ok(known);
            }
            let canonical = Url::parse(&id).map_err(|_| "bad object id")?;
            let (_, again) = fed
                .client
                .get_json(&canonical, ACCEPT_AP, &signer)
                .await
                .map_err(|e| e.to_string())?;
            let again = post_document(again)?;
            if again.id.as_deref() != Some(id.as_str()) {
                return Err(format!("{id} answered with a different object"));
            }
            (id, again)
        }
        _ => return Err(format!("{uri} answered with a different object")),
    };
    let uri = uri.as_str();
    let author_uri = object
        .attributed_to
        .clone()
        .ok_or("the post has no author")?;
    if !same_origin(&author_uri, uri) {
        return Err("the post's author is on another host".into());
    }
    let author_url = Url::parse(&author_uri).map_err(|_| "bad author id")?;
    let author = resolve::actor(fed, &author_url)
        .await
        .map_err(|e| e.to_string())?;
    store_post(fed, &author, &object, depth).await
}

/// A fetched document read as a post object; an error for anything else.
pub fn post_document(document: Value) -> Result<PostObject, String> {
    match Object::from_value(document) {
        Some(Object::Post(post)) => Ok(*post),
        Some(Object::Other(other)) => Err(format!(
            "{} objects are not posts",
            other.kind.pick(&[]).unwrap_or_default()
        )),
        _ => Err("the document is not an object".into()),
    }
}

/// Stores a post object already checked to come from `author`, fetching its parent first
/// (bounded by `depth`). An unreachable parent does not stop the reply being stored.
pub async fn store_post(
    fed: &Federation,
    author: &Account,
    object: &PostObject,
    depth: usize,
) -> Result<Post, String> {
    let remote = parse_post(fed, object, author).await?;
    let parent = match &remote.in_reply_to_uri {
        Some(parent_uri) => match domain::posts::find_by_uri(&fed.db, parent_uri)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(p) => Some(p),
            None if depth > 0 => match Box::pin(fetch_post(fed, parent_uri, depth - 1)).await {
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
    domain::posts::receive(&fed.db, author, remote, parent.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    domain::posts::find_by_uri(&fed.db, &uri)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the post was deleted".to_string())
}
