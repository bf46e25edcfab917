//! Mastodon's `Status`, `MediaAttachment` and `Notification` entities, built from domain
//! views. Field sets follow <https://docs.joinmastodon.org/entities/>.

use serde::Serialize;
use serde_json::Value;

use super::entities::{MastodonAccount, account};
use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, notifications},
    domain::posts::{Attachment, Interactions, PostView},
    federation::objects::{actor::local_actor_urls, note::media_url},
};

/// Mastodon's timestamps: RFC 3339 in UTC with milliseconds.
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `meta.original` / `meta.small` of a `MediaAttachment`.
#[derive(Debug, Clone, Serialize)]
struct Size {
    width: i32,
    height: i32,
    size: String,
    aspect: f64,
}

fn size(w: Option<i32>, h: Option<i32>) -> Option<Size> {
    match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Some(Size {
            width: w,
            height: h,
            size: format!("{w}x{h}"),
            aspect: w as f64 / h as f64,
        }),
        _ => None,
    }
}

#[derive(Debug, Serialize)]
struct Focus {
    x: f64,
    y: f64,
}

#[derive(Debug, Serialize)]
struct Meta {
    focus: Focus,
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<Size>,
    small: Option<Size>,
}

/// Mastodon's `MediaAttachment`, borrowing from the stored row. Typed (not `json!`) so a
/// page of statuses is written straight to the response without an intermediate tree.
#[derive(Debug, Serialize)]
pub struct MediaAttachment<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'a str,
    url: Option<String>,
    preview_url: Option<String>,
    remote_url: Option<String>,
    preview_remote_url: Option<()>,
    text_url: Option<()>,
    meta: Meta,
    description: Option<&'a str>,
    blurhash: Option<&'a str>,
}

/// An attachment as `MediaAttachment`.
pub fn media_entity<'a>(config: &Config, m: &'a Attachment) -> MediaAttachment<'a> {
    let original = media_url(config, m, m.original_name.as_ref());
    let display = media_url(config, m, m.display_name.as_ref()).or(original.clone());
    let preview = media_url(config, m, m.thumbnail_name.as_ref()).or(display.clone());
    let kind = match m.kind.as_str() {
        "image" | "gifv" | "video" | "audio" => m.kind.as_str(),
        _ => "unknown",
    };
    let processing = m.state == "processing";
    let original_size = size(m.width, m.height);
    let small = size(m.thumbnail_width, m.thumbnail_height).or_else(|| original_size.clone());
    MediaAttachment {
        id: m.id.to_string(),
        kind: if processing { "unknown" } else { kind },
        // Mastodon's `url` is the shown size; apps open `remote_url`/`url` full screen.
        url: if processing { None } else { display },
        preview_url: preview,
        remote_url: m
            .remote_url
            .as_deref()
            .and_then(crate::domain::sanitize::web_url),
        preview_remote_url: None,
        text_url: None,
        meta: Meta {
            focus: Focus {
                x: m.focus_x,
                y: m.focus_y,
            },
            original: original_size,
            small,
        },
        description: (!m.description.is_empty()).then_some(m.description.as_str()),
        blurhash: m.blurhash.as_deref(),
    }
}

/// An attachment as `MediaAttachment`, as a JSON value.
pub fn media(config: &Config, m: &Attachment) -> Value {
    serde_json::to_value(media_entity(config, m)).unwrap_or(Value::Null)
}

#[derive(Debug, Serialize)]
struct Mention {
    id: String,
    username: String,
    url: String,
    acct: String,
}

fn mention(config: &Config, a: &Account) -> Mention {
    let e = account(config, a);
    Mention {
        id: e.id,
        username: e.username,
        url: e.url,
        acct: e.acct,
    }
}

#[derive(Debug, Serialize)]
struct Tag<'a> {
    name: &'a str,
    url: String,
}

/// Mastodon's `Status`, borrowing from the post's view. Typed (not `json!`) so a page of
/// statuses is serialized once, straight into the response.
#[derive(Debug, Serialize)]
pub struct Status<'a> {
    id: String,
    uri: &'a str,
    url: Option<String>,
    created_at: String,
    edited_at: Option<String>,
    account: MastodonAccount,
    content: &'a str,
    visibility: &'a str,
    sensitive: bool,
    spoiler_text: &'a str,
    media_attachments: Vec<MediaAttachment<'a>>,
    application: Option<()>,
    mentions: Vec<Mention>,
    tags: Vec<Tag<'a>>,
    emojis: [(); 0],
    replies_count: u64,
    reblogs_count: u64,
    favourites_count: u64,
    in_reply_to_id: Option<String>,
    in_reply_to_account_id: Option<String>,
    reblog: Option<Box<Status<'a>>>,
    poll: Option<()>,
    card: Option<()>,
    language: Option<&'a str>,
    text: Option<&'a str>,
    favourited: bool,
    reblogged: bool,
    muted: bool,
    bookmarked: bool,
    pinned: bool,
    filtered: [(); 0],
}

/// A post as `Status`, with the reader's own interactions (`favourited`, `reblogged`).
pub fn status<'a>(config: &Config, view: &'a PostView, seen: &Interactions) -> Status<'a> {
    let p = &view.post;
    let counts = seen.counts.get(&p.id).copied().unwrap_or_default();
    let reblog = view
        .reblog
        .as_ref()
        .map(|r| Box::new(status(config, r, seen)));
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
    Status {
        id: p.id.to_string(),
        uri: &p.uri,
        url,
        created_at: time(p.published_at),
        edited_at: p.edited_at.map(time),
        account: account(config, &view.author),
        content: &p.content,
        visibility: &p.visibility,
        sensitive: view.sensitive(),
        spoiler_text: &p.summary,
        media_attachments: view.media.iter().map(|m| media_entity(config, m)).collect(),
        application: None,
        mentions: view.mentions.iter().map(|a| mention(config, a)).collect(),
        tags: view
            .tags
            .iter()
            .map(|t| Tag {
                name: t,
                url: config.uris().tag(t),
            })
            .collect(),
        emojis: [],
        replies_count: counts.0,
        reblogs_count: counts.1,
        favourites_count: counts.2,
        in_reply_to_id: p.in_reply_to_id.map(|i| i.to_string()),
        in_reply_to_account_id: p.in_reply_to_account_id.map(|i| i.to_string()),
        reblog,
        poll: None,
        card: None,
        language: p.language.as_deref(),
        text: p.source.as_deref(),
        favourited: seen.favourited.contains(&p.id),
        reblogged: seen.reblogged.contains(&p.id),
        muted: false,
        bookmarked: seen.bookmarked.contains(&p.id),
        pinned: false,
        filtered: [],
    }
}

/// [`status`] as a JSON value, for answers that embed one status in a larger document.
pub fn status_value(config: &Config, view: &PostView, seen: &Interactions) -> Value {
    serde_json::to_value(status(config, view, seen)).unwrap_or(Value::Null)
}

/// Mastodon's `Notification`; its status is already rendered for the reader.
#[derive(Serialize)]
pub struct Notification {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created_at: String,
    account: MastodonAccount,
    status: Option<Value>,
    /// The report of an `admin.report` notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Value>,
    /// The warning of a `moderation_warning` notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    moderation_warning: Option<Value>,
}

impl Notification {
    /// With the report it is about.
    pub fn with_report(mut self, report: Value) -> Self {
        self.report = Some(report);
        self
    }

    /// With the warning it carries.
    pub fn with_warning(mut self, warning: Value) -> Self {
        self.moderation_warning = Some(warning);
        self
    }
}

/// A notification as `Notification`.
pub fn notification(
    config: &Config,
    n: &notifications::Model,
    from: &Account,
    post: Option<Value>,
) -> Notification {
    Notification {
        id: n.id.to_string(),
        kind: n.kind.clone(),
        created_at: time(n.created_at),
        account: account(config, from),
        status: post,
        report: None,
        moderation_warning: None,
    }
}

/// Mastodon's `StatusEdit`: one version of a post, as its history lists it.
#[derive(Serialize)]
pub struct StatusEdit<'a> {
    content: &'a str,
    spoiler_text: &'a str,
    sensitive: bool,
    created_at: String,
    account: MastodonAccount,
    media_attachments: Vec<MediaAttachment<'a>>,
    emojis: [(); 0],
}

impl<'a> StatusEdit<'a> {
    /// A version: its text, when it was written, by whom, with which attachments.
    pub fn new(
        (content, spoiler_text, sensitive): (&'a str, &'a str, bool),
        at: chrono::DateTime<chrono::Utc>,
        account: MastodonAccount,
        media_attachments: Vec<MediaAttachment<'a>>,
    ) -> Self {
        StatusEdit {
            content,
            spoiler_text,
            sensitive,
            created_at: time(at),
            account,
            media_attachments,
            emojis: [],
        }
    }
}
