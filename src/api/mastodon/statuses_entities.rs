//! Mastodon's `Status`, `MediaAttachment` and `Notification` entities, built from domain
//! views. Field sets follow <https://docs.joinmastodon.org/entities/>.

use serde_json::{Value, json};

use super::entities::account;
use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, notifications},
    domain::posts::{Attachment, Interactions, PostView},
    federation::objects::{actor::local_actor_urls, note::media_url},
};

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn size(w: Option<i32>, h: Option<i32>) -> Value {
    match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => json!({
            "width": w, "height": h, "size": format!("{w}x{h}"), "aspect": w as f64 / h as f64,
        }),
        _ => Value::Null,
    }
}

/// An attachment as `MediaAttachment`.
pub fn media(config: &Config, m: &Attachment) -> Value {
    let original = media_url(config, m, m.original_name.as_ref());
    let display = media_url(config, m, m.display_name.as_ref()).or(original.clone());
    let preview = media_url(config, m, m.thumbnail_name.as_ref()).or(display.clone());
    let kind = match m.kind.as_str() {
        "image" | "gifv" | "video" | "audio" => m.kind.as_str(),
        _ => "unknown",
    };
    let mut meta = json!({ "focus": { "x": m.focus_x, "y": m.focus_y } });
    let original_size = size(m.width, m.height);
    if !original_size.is_null() {
        meta["original"] = original_size.clone();
    }
    let small = size(m.thumbnail_width, m.thumbnail_height);
    meta["small"] = if small.is_null() {
        original_size
    } else {
        small
    };
    json!({
        "id": m.id.to_string(),
        "type": if m.state == "processing" { "unknown" } else { kind },
        // Mastodon's `url` is the shown size; apps open `remote_url`/`url` full screen.
        "url": if m.state == "processing" { Value::Null } else { json!(display) },
        "preview_url": preview,
        "remote_url": m.remote_url.as_deref().and_then(crate::domain::sanitize::web_url),
        "preview_remote_url": Value::Null,
        "text_url": Value::Null,
        "meta": meta,
        "description": if m.description.is_empty() { Value::Null } else { json!(m.description) },
        "blurhash": m.blurhash,
    })
}

fn mention(config: &Config, a: &Account) -> Value {
    let e = account(config, a);
    json!({ "id": e.id, "username": e.username, "url": e.url, "acct": e.acct })
}

/// A post as `Status`, with the reader's own interactions (`favourited`, `reblogged`).
pub fn status(config: &Config, view: &PostView, seen: &Interactions) -> Value {
    let p = &view.post;
    let counts = seen.counts.get(&p.id).copied().unwrap_or_default();
    let reblog = view.reblog.as_ref().map(|r| status(config, r, seen));
    // A remote post's page only when it is an http(s) URL; Mastodon falls back to the id.
    let url = if view.author.is_local() {
        Some(p.url.clone().unwrap_or_else(|| {
            format!(
                "{}/{}",
                local_actor_urls(config, &view.author.username).profile,
                p.id
            )
        }))
    } else {
        let web = crate::domain::sanitize::web_url;
        p.url.as_deref().and_then(web).or_else(|| web(&p.uri))
    };
    json!({
        "id": p.id.to_string(),
        "uri": p.uri,
        "url": url,
        "created_at": time(p.published_at),
        "edited_at": p.edited_at.map(time),
        "account": account(config, &view.author),
        "content": p.content,
        "visibility": p.visibility,
        "sensitive": p.sensitive,
        "spoiler_text": p.summary,
        "media_attachments": view.media.iter().map(|m| media(config, m)).collect::<Vec<_>>(),
        "application": Value::Null,
        "mentions": view.mentions.iter().map(|a| mention(config, a)).collect::<Vec<_>>(),
        "tags": view.tags.iter().map(|t| json!({
            "name": t,
            "url": format!("{}/tags/{}", config.base_url(), t.to_lowercase()),
        })).collect::<Vec<_>>(),
        "emojis": [],
        "replies_count": counts.0,
        "reblogs_count": counts.1,
        "favourites_count": counts.2,
        "in_reply_to_id": p.in_reply_to_id.map(|i| i.to_string()),
        "in_reply_to_account_id": p.in_reply_to_account_id.map(|i| i.to_string()),
        "reblog": reblog,
        "poll": Value::Null,
        "card": Value::Null,
        "language": p.language,
        "text": p.source,
        "favourited": seen.favourited.contains(&p.id),
        "reblogged": seen.reblogged.contains(&p.id),
        "muted": false,
        "bookmarked": seen.bookmarked.contains(&p.id),
        "pinned": false,
        "filtered": [],
    })
}

/// A notification as `Notification`.
pub fn notification(
    config: &Config,
    n: &notifications::Model,
    from: &Account,
    post: Option<Value>,
) -> Value {
    json!({
        "id": n.id.to_string(),
        "type": n.kind,
        "created_at": time(n.created_at),
        "account": account(config, from),
        "status": post,
    })
}
