//! Posts as ActivityStreams documents, shaped as Mastodon sends them: a `Note` with
//! `Document` attachments (alt text in `name`, `blurhash`, `focalPoint`, size), `Mention`
//! and `Hashtag` tags, and `to`/`cc` addressed per visibility.

use serde_json::{Value, json};

use super::actor::local_actor_urls;
use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, posts::Model as Post},
    domain::posts::{Attachment, PostView, Visibility},
    federation::{
        activities::actor_uri,
        protocol::context::{PUBLIC, note_context},
    },
};

/// The followers collection of any account.
pub fn followers_uri(config: &Config, account: &Account) -> Option<String> {
    if account.is_local() {
        Some(format!(
            "{}/followers",
            local_actor_urls(config, &account.username).id
        ))
    } else {
        account.followers_url.clone()
    }
}

/// `to` and `cc` the way Mastodon addresses each visibility.
pub fn addressing(config: &Config, view: &PostView) -> (Vec<String>, Vec<String>) {
    let followers = followers_uri(config, &view.author).into_iter();
    let mut mentions: Vec<String> = view.mentions.iter().map(|a| actor_uri(config, a)).collect();
    if let Some((_, Some(parent_author))) = &view.reply_to
        && crate::domain::posts::is_open(Visibility::of(&view.post))
    {
        let uri = actor_uri(config, parent_author);
        if !mentions.contains(&uri) && parent_author.id != view.author.id {
            mentions.push(uri);
        }
    }
    match Visibility::of(&view.post) {
        Visibility::Public => (
            vec![PUBLIC.to_string()],
            followers.chain(mentions).collect(),
        ),
        Visibility::Unlisted => (
            followers.collect(),
            std::iter::once(PUBLIC.to_string())
                .chain(mentions)
                .collect(),
        ),
        Visibility::Private => (followers.collect(), mentions),
        Visibility::Direct => (mentions, vec![]),
    }
}

/// Where a local attachment's file is served.
pub fn media_url(config: &Config, m: &Attachment, name: Option<&String>) -> Option<String> {
    if let Some(remote) = &m.remote_url {
        // Only http(s) leaves Pinhole, in the API, in pages and in our own documents.
        return crate::domain::sanitize::web_url(remote);
    }
    Some(format!(
        "{}/media/{}/{}",
        config.base_url(),
        m.storage_key.as_ref()?,
        name?
    ))
}

/// An attachment as a `Document` (no id: Mastodon gives attachments none).
pub fn document(config: &Config, m: &Attachment) -> Value {
    let mut doc = json!({
        "type": "Document",
        "mediaType": m.content_type,
        "url": media_url(config, m, m.original_name.as_ref()),
        "name": if m.description.is_empty() { Value::Null } else { json!(m.description) },
        "blurhash": m.blurhash,
        "focalPoint": [m.focus_x, m.focus_y],
    });
    if let (Some(w), Some(h)) = (m.width, m.height) {
        doc["width"] = json!(w);
        doc["height"] = json!(h);
    }
    doc
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `@user@host` as Mastodon names a mention in `tag`.
fn mention_name(config: &Config, a: &Account) -> String {
    match &a.domain {
        Some(d) => format!("@{}@{d}", a.username),
        None => format!("@{}@{}", a.username, config.domain()),
    }
}

/// The Note (without `@context`) for a post.
pub fn note_object(config: &Config, view: &PostView) -> Value {
    let p = &view.post;
    let (to, cc) = addressing(config, view);
    let mut tags: Vec<Value> = view
        .mentions
        .iter()
        .map(|a| {
            json!({
                "type": "Mention",
                "href": actor_uri(config, a),
                "name": mention_name(config, a),
            })
        })
        .collect();
    tags.extend(view.tags.iter().map(|t| {
        json!({
            "type": "Hashtag",
            "href": format!("{}/tags/{}", config.base_url(), t.to_lowercase()),
            "name": format!("#{t}"),
        })
    }));
    let mut note = json!({
        "id": p.uri,
        "type": "Note",
        "summary": if p.summary.is_empty() { Value::Null } else { json!(p.summary) },
        "inReplyTo": view.reply_to.as_ref().map(|(uri, _)| uri),
        "published": time(p.published_at),
        "url": p.url.clone().unwrap_or_else(|| p.uri.clone()),
        "attributedTo": actor_uri(config, &view.author),
        "to": to,
        "cc": cc,
        "sensitive": p.sensitive,
        "atomUri": p.uri,
        "content": p.content,
        "attachment": view.media.iter().map(|m| document(config, m)).collect::<Vec<_>>(),
        "tag": tags,
    });
    if let Some(lang) = &p.language {
        note["contentMap"] = json!({ lang: p.content });
    }
    if let Some(edited) = p.edited_at {
        note["updated"] = json!(time(edited));
    }
    note
}

/// The Note with its `@context`, as served at its id.
pub fn note_document(config: &Config, view: &PostView) -> Value {
    let mut note = note_object(config, view);
    note["@context"] = note_context();
    note
}

/// `Create{Note}` (or `Update{Note}` when `update`).
pub fn create_or_update(config: &Config, view: &PostView, update: bool) -> Value {
    let note = note_object(config, view);
    let p = &view.post;
    let (kind, id, at) = match (update, p.edited_at) {
        (true, Some(edited)) => (
            "Update",
            format!("{}#updates/{}", p.uri, edited.timestamp_millis()),
            edited,
        ),
        (true, None) => ("Update", format!("{}#updates/0", p.uri), p.published_at),
        (false, _) => ("Create", format!("{}/activity", p.uri), p.published_at),
    };
    json!({
        "@context": note_context(),
        "id": id,
        "type": kind,
        "actor": actor_uri(config, &view.author),
        "published": time(at),
        "to": note["to"].clone(),
        "cc": note["cc"].clone(),
        "object": note,
    })
}

/// `Delete{Tombstone}` of a post.
pub fn delete(config: &Config, post: &Post, author: &Account) -> Value {
    json!({
        "@context": note_context(),
        "id": format!("{}#delete", post.uri),
        "type": "Delete",
        "actor": actor_uri(config, author),
        "to": [PUBLIC],
        "object": { "id": post.uri, "type": "Tombstone", "atomUri": post.uri },
    })
}

/// `Like` of a post.
pub fn like(config: &Config, like_uri: &str, liker: &Account, post: &Post) -> Value {
    json!({
        "id": like_uri,
        "type": "Like",
        "actor": actor_uri(config, liker),
        "object": post.uri,
    })
}

/// `Announce` (boost) of a post.
pub fn announce(
    config: &Config,
    boost: &Post,
    booster: &Account,
    original: &Post,
    author: &Account,
) -> Value {
    let mut cc = vec![actor_uri(config, author)];
    cc.extend(followers_uri(config, booster));
    let to = if original.visibility == "unlisted" {
        followers_uri(config, booster)
            .into_iter()
            .collect::<Vec<_>>()
    } else {
        vec![PUBLIC.to_string()]
    };
    json!({
        "id": boost.uri,
        "type": "Announce",
        "actor": actor_uri(config, booster),
        "published": time(boost.published_at),
        "to": to,
        "cc": cc,
        "object": original.uri,
    })
}

/// `Undo` of an activity the actor sent before.
pub fn undo(config: &Config, actor: &Account, inner: Value) -> Value {
    let inner_id = inner["id"].as_str().unwrap_or_default().to_string();
    json!({
        "@context": note_context(),
        "id": format!("{inner_id}/undo"),
        "type": "Undo",
        "actor": actor_uri(config, actor),
        "object": inner,
    })
}
