//! Posts from other servers: stored, edited, deleted, liked and boosted as their authors'
//! servers say, with the authority rules that keep one server from speaking for another.

use super::*;

/// An attachment described by another server.
#[derive(Debug, Clone, Default)]
pub struct RemoteMedia {
    pub url: String,
    /// The ActivityStreams type (`Image`, `Video`, `Audio`, `Document`, `Link`), if given.
    pub object_type: Option<String>,
    pub media_type: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub focus: Option<(f64, f64)>,
}

/// A post as another server describes it (already authenticated as `author`'s).
#[derive(Debug, Clone)]
pub struct RemotePost {
    pub uri: String,
    pub url: Option<String>,
    /// Content and content warning, already bounded and sanitized.
    pub text: ReceivedText,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub in_reply_to_uri: Option<String>,
    pub published: chrono::DateTime<chrono::Utc>,
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
    pub media: Vec<RemoteMedia>,
    /// Mentioned accounts that are known here (local ones matter most).
    pub mentions: Vec<Account>,
    /// Local accounts it was delivered to without being named (a personal-inbox delivery,
    /// as `bto`/`bcc` recipients get): they may see it.
    pub silent: Vec<Account>,
    /// Local accounts it addresses (`to`/`cc`) without a Mention tag: like `silent` they are
    /// not listed as mentioned (as Mastodon records them), but they are told of it, as of
    /// a mention: it was written to them.
    pub addressed: Vec<Account>,
    pub hashtags: Vec<String>,
}

/// What happened to a received post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Stored(i64),
    Updated(i64),
    /// Deleted earlier, or older than what is stored: nothing changed.
    Unchanged,
}

/// What a remote attachment is, as the Mastodon API names it: by its media type, else its
/// ActivityStreams type, else its file name's extension; `unknown` (a link, a text file)
/// when none says, so apps show a link rather than a broken image.
pub(super) fn remote_media_kind(m: &RemoteMedia) -> &'static str {
    let by_mime = |t: &str| {
        let t = t.to_ascii_lowercase();
        if t.starts_with("image/") {
            "image"
        } else if t.starts_with("video/") {
            "video"
        } else if t.starts_with("audio/") {
            "audio"
        } else {
            "unknown"
        }
    };
    if let Some(t) = m.media_type.as_deref().filter(|t| !t.trim().is_empty()) {
        return by_mime(t);
    }
    match m.object_type.as_deref() {
        Some("Image") => return "image",
        Some("Video") => return "video",
        Some("Audio") => return "audio",
        _ => {}
    }
    let path = m.url.split(['?', '#']).next().unwrap_or_default();
    let extension = path
        .rsplit_once('.')
        .filter(|(_, ext)| !ext.contains('/'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg" | "png" | "gif" | "webp" | "avif" | "heic" | "heif") => "image",
        Some("mp4" | "m4v" | "webm" | "mov") => "video",
        Some("mp3" | "ogg" | "oga" | "opus" | "m4a" | "wav" | "flac") => "audio",
        _ => "unknown",
    }
}

pub(super) fn media_rows(
    post_id: i64,
    author: &Account,
    media: &[RemoteMedia],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<media_attachments::Model> {
    media
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let content_type = m.media_type.clone().unwrap_or_default();
            let kind = remote_media_kind(m);
            let (fx, fy) = m.focus.unwrap_or((0.0, 0.0));
            media_attachments::Model {
                id: 0,
                account_id: author.id,
                post_id: Some(post_id),
                kind: kind.into(),
                state: "remote".into(),
                content_type,
                width: m.width,
                height: m.height,
                blurhash: m.blurhash.clone().filter(|b| b.len() <= 64),
                description: m
                    .description
                    .as_deref()
                    .map(sanitize::plain)
                    .unwrap_or_default(),
                focus_x: fx.clamp(-1.0, 1.0),
                focus_y: fy.clamp(-1.0, 1.0),
                remote_url: Some(m.url.clone()),
                position: n as i32,
                size_bytes: 0,
                created_at: now,
                updated_at: now,
                storage_key: None,
                original_name: None,
                display_name: None,
                thumbnail_name: None,
                display_width: None,
                display_height: None,
                thumbnail_width: None,
                thumbnail_height: None,
            }
        })
        .collect()
}

/// Notifies local accounts a received post mentions or replies to.
pub(super) async fn notify_locals<C: Conn>(
    db: &C,
    post: &Post,
    author: &Account,
    mentions: &[Account],
    parent: Option<&Post>,
) -> Result<(), DomainError> {
    let mut targets: Vec<i64> = mentions
        .iter()
        .filter(|a| a.is_local())
        .map(|a| a.id)
        .collect();
    // The author replied to hears of a public or unlisted reply; a limited one only when
    // it addresses them (then they are among `mentions`).
    if let Some(parent) = parent.filter(|p| p.local)
        && is_open(Visibility::of(post))
    {
        targets.push(parent.account_id);
    }
    targets.sort_unstable();
    targets.dedup();
    for id in targets.into_iter().filter(|id| *id != author.id) {
        db::posts::notify(db, id, author.id, "mention", Some(post.id), post.created_at).await?;
    }
    Ok(())
}

/// Stores (or, when known, updates) a post received from `author`'s server. `parent` is
/// the post it replies to, when known here.
pub async fn receive<C: Conn>(
    db: &C,
    author: &Account,
    remote: RemotePost,
    parent: Option<&Post>,
) -> Result<Received, DomainError> {
    if let Some(tombstone) = db::posts::find_tombstone(db, &remote.uri).await? {
        // A Delete of an unknown id binds only its sender: another actor (even on the same
        // host) cannot pre-empt a post it never published.
        if tombstone.account_id.is_none_or(|id| id == author.id) {
            return Ok(Received::Unchanged);
        }
        db::posts::remove_tombstone(db, tombstone.id).await?;
    }
    if let Some(existing) = db::posts::find_by_uri(db, &remote.uri).await? {
        return update_received(db, author, existing, remote).await;
    }
    let now = chrono::Utc::now();
    let (content, summary) = (remote.text.content(), remote.text.summary());
    let post = insert_fresh(db, remote.published.min(now), |id| Post {
        uri: remote.uri.clone(),
        url: remote.url.clone(),
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_uri: remote.in_reply_to_uri.clone(),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        content: content.to_string(),
        summary: summary.to_string(),
        sensitive: remote.sensitive,
        visibility: remote.visibility.as_str().to_string(),
        language: remote.language.clone().filter(|l| l.len() <= 16),
        has_media: !remote.media.is_empty(),
        published_at: remote.published,
        edited_at: remote.updated.filter(|u| *u > remote.published),
        ..blank(id, author.id, false, now)
    })
    .await?;
    db::posts::insert_media(db, media_rows(post.id, author, &remote.media, now)).await?;
    let mention_ids: Vec<i64> = remote.mentions.iter().map(|a| a.id).collect();
    let silent_ids: Vec<i64> = remote
        .silent
        .iter()
        .chain(&remote.addressed)
        .map(|a| a.id)
        .collect();
    db::posts::add_mentions(db, post.id, &mention_ids, &silent_ids).await?;
    db::posts::add_tags(db, post.id, &remote.hashtags, now).await?;
    let told: Vec<Account> = remote
        .mentions
        .iter()
        .chain(&remote.addressed)
        .cloned()
        .collect();
    notify_locals(db, &post, author, &told, parent).await?;
    Ok(Received::Stored(post.id))
}

/// A received post's content and content warning as kept: bounded first (a megabyte of
/// markup would cost the sanitizer tens of megabytes), then sanitized. Built when the post
/// is parsed, so no write transaction (on SQLite, every writer) waits on the sanitizer.
#[derive(Debug, Clone)]
pub struct ReceivedText {
    content: String,
    summary: String,
}

impl ReceivedText {
    /// From the origin's HTML content and its content warning (`summary`), if any.
    pub fn new(content_html: &str, summary: Option<&str>) -> Self {
        fn bound(text: &str) -> &str {
            sanitize::bounded(text, sanitize::MAX_REMOTE_HTML)
        }
        ReceivedText {
            content: sanitize::html(bound(content_html)),
            summary: sanitize::plain(bound(summary.unwrap_or_default()))
                .trim()
                .to_string(),
        }
    }

    /// The sanitized HTML content.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// The content warning as plain text (empty when there is none).
    pub fn summary(&self) -> &str {
        &self.summary
    }
}

pub(super) async fn update_received<C: Conn>(
    db: &C,
    author: &Account,
    existing: Post,
    remote: RemotePost,
) -> Result<Received, DomainError> {
    if existing.account_id != author.id {
        return Err(DomainError::Invalid(
            "only the author's server may change a post".into(),
        ));
    }
    let changed_at = remote.updated.unwrap_or(remote.published);
    let known_at = existing.edited_at.unwrap_or(existing.published_at);
    // Timestamps often have whole-second precision, so an edit in the same second as the
    // known version counts when it changes something.
    let (content, summary) = (remote.text.content(), remote.text.summary());
    let same = content == existing.content
        && summary == existing.summary
        && remote.sensitive == existing.sensitive;
    if changed_at < known_at || (changed_at == known_at && same) {
        return Ok(Received::Unchanged);
    }
    let before = db::posts::media_for(db, &[existing.id]).await?;
    db::posts::insert_edit(db, &existing, media_json(&before)).await?;
    let now = chrono::Utc::now();
    let mut row = existing.clone();
    row.content = content.to_string();
    row.summary = summary.to_string();
    row.sensitive = remote.sensitive;
    row.has_media = !remote.media.is_empty();
    row.edited_at = Some(changed_at);
    row.updated_at = now;
    let post = db::update(db, existing, row).await?;
    db::posts::take_media(db, post.id).await?;
    db::posts::insert_media(db, media_rows(post.id, author, &remote.media, now)).await?;
    let mention_ids: Vec<i64> = remote.mentions.iter().map(|a| a.id).collect();
    // Whoever it was delivered to silently keeps it.
    let mut silent_ids: Vec<i64> = remote
        .silent
        .iter()
        .chain(&remote.addressed)
        .map(|a| a.id)
        .collect();
    silent_ids.extend(
        db::posts::mentions_for(db, &[post.id])
            .await?
            .into_iter()
            .filter(|(_, _, silent)| *silent)
            .map(|(_, a, _)| a),
    );
    db::posts::set_mentions(db, post.id, &mention_ids, &silent_ids).await?;
    db::posts::set_tags(db, post.id, &remote.hashtags, now).await?;
    Ok(Received::Updated(post.id))
}

/// Applies a received Delete: only the author's actor may delete; a tombstone keeps a late
/// copy from coming back. Deleting an unknown post still leaves the tombstone.
pub async fn receive_delete<C: Conn>(
    db: &C,
    actor: &Account,
    uri: &str,
) -> Result<bool, DomainError> {
    let now = chrono::Utc::now();
    match db::posts::find_by_uri(db, uri).await? {
        Some(post) if post.account_id != actor.id => Err(DomainError::Invalid(
            "only the author may delete a post".into(),
        )),
        Some(post) => {
            db::posts::take_media(db, post.id).await?;
            db::posts::delete(db, post.id).await?;
            db::posts::insert_tombstone(db, uri, Some(actor.id), now).await?;
            Ok(true)
        }
        None => {
            db::posts::insert_tombstone(db, uri, Some(actor.id), now).await?;
            Ok(false)
        }
    }
}

/// A remote account liked `post`.
pub async fn receive_like<C: Conn>(
    db: &C,
    actor: &Account,
    post: &Post,
    like_uri: &str,
) -> Result<(), DomainError> {
    if db::posts::find_favourite(db, actor.id, post.id)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let now = chrono::Utc::now();
    db::posts::insert_favourite(db, actor.id, post.id, like_uri.to_string(), now).await?;
    if post.local {
        db::posts::notify(
            db,
            post.account_id,
            actor.id,
            "favourite",
            Some(post.id),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A remote account withdrew a like, named by the Like's id or by the liked post.
pub async fn receive_undo_like<C: Conn>(
    db: &C,
    actor: &Account,
    like_uri: Option<&str>,
    post: Option<&Post>,
) -> Result<bool, DomainError> {
    let fav = match (like_uri, post) {
        (Some(uri), _) => db::posts::find_favourite_by_uri(db, uri).await?,
        (None, Some(p)) => db::posts::find_favourite(db, actor.id, p.id).await?,
        _ => None,
    };
    let fav = match (fav, post) {
        (Some(f), _) => Some(f),
        (None, Some(p)) => db::posts::find_favourite(db, actor.id, p.id).await?,
        (None, None) => None,
    };
    let Some(fav) = fav.filter(|f| f.account_id == actor.id) else {
        return Ok(false);
    };
    db::posts::delete_favourite(db, fav.id).await?;
    db::posts::unnotify(db, actor.id, "favourite", fav.post_id).await?;
    Ok(true)
}

/// A remote account boosted `original` with Announce `uri`.
pub async fn receive_announce<C: Conn>(
    db: &C,
    actor: &Account,
    original: &Post,
    uri: &str,
    published: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    if db::posts::find_by_uri(db, uri).await?.is_some()
        || db::posts::find_reblog(db, actor.id, original.id)
            .await?
            .is_some()
    {
        return Ok(());
    }
    // Authors may boost their own followers-only posts (to their followers), as Mastodon
    // and GoToSocial allow; nobody else may.
    let own = original.account_id == actor.id;
    if !own
        && !matches!(
            Visibility::of(original),
            Visibility::Public | Visibility::Unlisted
        )
    {
        return Err(DomainError::Invalid(
            "only public and unlisted posts can be boosted".into(),
        ));
    }
    let now = chrono::Utc::now();
    insert_fresh(db, published.min(now), |id| {
        boost_row(id, uri.to_string(), actor, original, false, now)
    })
    .await?;
    if original.local {
        db::posts::notify(
            db,
            original.account_id,
            actor.id,
            "reblog",
            Some(original.id),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A remote account withdrew a boost, named by the Announce's id.
pub async fn receive_undo_announce<C: Conn>(
    db: &C,
    actor: &Account,
    uri: &str,
) -> Result<bool, DomainError> {
    let Some(boost) = db::posts::find_by_uri(db, uri).await? else {
        return Ok(false);
    };
    let Some(original) = boost.reblog_of_id else {
        return Ok(false);
    };
    if boost.account_id != actor.id {
        return Err(DomainError::Invalid(
            "only the booster may undo a boost".into(),
        ));
    }
    db::posts::delete(db, boost.id).await?;
    db::posts::unnotify(db, actor.id, "reblog", original).await?;
    Ok(true)
}

/// A received post was also delivered to `account`'s personal inbox: they may read it
/// (a silent mention, as for `bto`/`bcc` recipients). Whether that changed anything.
pub async fn add_silent_recipient<C: Conn>(
    db: &C,
    post: &Post,
    account: &Account,
) -> Result<bool, DomainError> {
    Ok(db::posts::add_mention(db, post.id, account.id, true).await?)
}
