//! Writing posts here: text rendered and checked, media attached, edits (with history)
//! and deletion (leaving a tombstone), each with its deliveries in one transaction.

use super::*;

pub(super) fn check_text(
    ctx: &Posting<'_>,
    text: &str,
    media_count: usize,
    spoiler: &str,
) -> Result<(), DomainError> {
    let chars = text.chars().count() + spoiler.chars().count();
    if chars > ctx.max_characters {
        return Err(DomainError::Invalid(format!(
            "text is {chars} characters; the limit is {}",
            ctx.max_characters
        )));
    }
    if text.trim().is_empty() && media_count == 0 {
        return Err(DomainError::Invalid(
            "a post needs text or at least one image".into(),
        ));
    }
    if media_count > ctx.max_media {
        return Err(DomainError::Invalid(format!(
            "{media_count} attachments; the limit is {}",
            ctx.max_media
        )));
    }
    Ok(())
}

/// The author's uploads named by `ids`, checked: theirs, processed, and not used by
/// another post (`post_id` may already be `editing`); `changes` applied to them.
pub(super) async fn own_media<C: Conn>(
    db: &C,
    ctx: &Posting<'_>,
    author: &Account,
    ids: &[i64],
    editing: Option<i64>,
    changes: &[crate::domain::media::MediaChange],
) -> Result<Vec<Attachment>, DomainError> {
    let mut out = Vec::new();
    for id in ids {
        let m = db::media::find(db, *id)
            .await?
            .filter(|m| m.account_id == author.id)
            .ok_or_else(|| DomainError::Invalid(format!("media {id} does not exist")))?;
        if m.post_id.is_some() && m.post_id != editing {
            return Err(DomainError::Invalid(format!(
                "media {id} is already attached to another post"
            )));
        }
        if m.state != "ready" {
            return Err(DomainError::Invalid(format!(
                "media {id} is still being processed"
            )));
        }
        if out.iter().any(|o: &Attachment| o.id == *id) {
            return Err(DomainError::Invalid(format!("media {id} is listed twice")));
        }
        let m = match changes.iter().find(|c| c.id == *id) {
            Some(change) => crate::domain::media::apply_change(db, ctx.media, m, change).await?,
            None => m,
        };
        out.push(m);
    }
    if let Some(stray) = changes.iter().find(|c| !ids.contains(&c.id)) {
        return Err(DomainError::Invalid(format!(
            "media {} is changed but not attached",
            stray.id
        )));
    }
    Ok(out)
}

/// Text rendered to HTML with its mentions resolved; the resolved accounts.
pub(super) async fn render_text(
    ctx: &Posting<'_>,
    text: &str,
) -> (String, Vec<Account>, Vec<String>) {
    let extracted = text::extract(text);
    let mut targets = HashMap::new();
    let mut accounts: Vec<Account> = Vec::new();
    for handle in &extracted.mentions {
        if let Some(account) = ctx.directory.resolve(handle).await {
            targets.insert(
                handle.key(),
                MentionTarget {
                    url: ctx.publisher.profile_url(&account),
                    username: account.username.clone(),
                },
            );
            if !accounts.iter().any(|a| a.id == account.id) {
                accounts.push(account);
            }
        }
    }
    let html = text::render(text, &targets, ctx.base_url);
    (html, accounts, extracted.hashtags)
}

/// Albums longer than Mastodon shows (4) end with a link to the full post, so nothing is
/// silently lost for readers there.
pub const MASTODON_VISIBLE_MEDIA: usize = 4;

pub(super) fn album_footer(html: &str, media_count: usize, url: &str) -> String {
    if media_count <= MASTODON_VISIBLE_MEDIA {
        return html.to_string();
    }
    let escaped = url.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "{html}<p><a href=\"{escaped}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">All {media_count} photos: {escaped}</a></p>"
    )
}

/// Publishes a post by a local author: stored, its media attached, mentions and tags
/// recorded, local readers notified, and Create delivered to followers and mentioned
/// accounts.
pub async fn create(
    ctx: &Posting<'_>,
    author: &Account,
    new: NewPost,
) -> Result<PostView, DomainError> {
    if !author.is_local() {
        return Err(DomainError::Invalid("only local accounts can post".into()));
    }
    let spoiler = sanitize::plain(new.spoiler_text.as_deref().unwrap_or_default())
        .trim()
        .to_string();
    check_text(ctx, &new.text, new.media_ids.len(), &spoiler)?;
    let parent = match new.in_reply_to_id {
        Some(id) => Some(get_visible(ctx.db, Some(author), id).await?.post),
        None => None,
    };
    let (html, mut mentioned, hashtags) = render_text(ctx, &new.text).await;
    for account in &new.addressed {
        if account.id != author.id && !mentioned.iter().any(|a| a.id == account.id) {
            mentioned.push(account.clone());
        }
    }
    // A public or unlisted reply reaches the author replied to (as on Mastodon); a limited
    // one reaches only whom it addresses.
    if let Some(parent) = &parent
        && is_open(new.visibility)
        && parent.account_id != author.id
        && !mentioned.iter().any(|a| a.id == parent.account_id)
        && let Some(parent_author) = db::accounts::find_by_id(ctx.db, parent.account_id).await?
    {
        mentioned.push(parent_author);
    }
    let now = chrono::Utc::now();
    let txn = db::begin_write(ctx.db).await?;
    let media = own_media(&txn, ctx, author, &new.media_ids, None, &new.media_changes).await?;
    let post = insert_fresh(&txn, now, |id| {
        let (uri, url) = ctx.publisher.post_uri(author, id);
        Post {
            uri,
            content: album_footer(&html, media.len(), &url),
            url: Some(url),
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_uri: parent.as_ref().map(|p| p.uri.clone()),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            source: Some(new.text.clone()),
            summary: spoiler.clone(),
            sensitive: new.sensitive || !spoiler.is_empty(),
            visibility: new.visibility.as_str().to_string(),
            language: new.language.clone(),
            has_media: !media.is_empty(),
            ..blank(id, author.id, true, now)
        }
    })
    .await?;
    let media_ids: Vec<i64> = media.iter().map(|m| m.id).collect();
    db::posts::attach_media(&txn, post.id, &media_ids).await?;
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let silent_ids: Vec<i64> = new
        .silent
        .iter()
        .filter(|a| a.id != author.id)
        .map(|a| a.id)
        .collect();
    db::posts::add_mentions(&txn, post.id, &mention_ids, &silent_ids).await?;
    db::posts::add_tags(&txn, post.id, &hashtags, now).await?;
    for account in mentioned
        .iter()
        .filter(|a| a.is_local() && a.id != author.id)
    {
        db::posts::notify(&txn, account.id, author.id, "mention", Some(post.id), now).await?;
    }
    tell_everyone(txn, ctx, post, true).await
}

/// Tells everyone who must hear of a stored post, created or edited (followers' servers,
/// mentioned accounts, local inboxes), then commits: the post and its deliveries land
/// together or not at all.
async fn tell_everyone(
    txn: db::Transaction,
    ctx: &Posting<'_>,
    post: Post,
    created: bool,
) -> Result<PostView, DomainError> {
    let view = load_view(&txn, post).await?;
    let inboxes = audience(&txn, &view).await?;
    let (view_ref, inboxes) = (&view, &inboxes);
    let event = match created {
        true => Event::PostCreated {
            view: view_ref,
            inboxes,
        },
        false => Event::PostUpdated {
            view: view_ref,
            inboxes,
        },
    };
    let locals = local_audience(&txn, view_ref).await?;
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    db::commit(txn).await?;
    Ok(view)
}

/// Uploads `images` and publishes them with `new` in one step (the CLI's way to post). If
/// any image is refused, or the post is, every upload of this call is removed and no post
/// exists.
pub async fn create_with_uploads(
    ctx: &Posting<'_>,
    author: &Account,
    mut new: NewPost,
    images: Vec<crate::domain::media::NewMedia>,
) -> Result<PostView, DomainError> {
    if images.len() + new.media_ids.len() > ctx.max_media {
        return Err(DomainError::Invalid(format!(
            "{} attachments; the limit is {}",
            images.len() + new.media_ids.len(),
            ctx.max_media
        )));
    }
    let mut uploaded: Vec<Attachment> = Vec::new();
    let mut failure = None;
    for (n, image) in images.into_iter().enumerate() {
        let which = match &image.label {
            Some(name) => format!("image {} ({name})", n + 1),
            None => format!("image {}", n + 1),
        };
        match crate::domain::media::upload(ctx.db, ctx.media, author, image).await {
            Ok(a) => uploaded.push(a),
            Err(e) => {
                failure = Some(match e {
                    DomainError::Invalid(m) => DomainError::Invalid(format!("{which}: {m}")),
                    DomainError::TooLarge(m) => DomainError::TooLarge(format!("{which}: {m}")),
                    other => other,
                });
                break;
            }
        }
    }
    let result = match failure {
        Some(e) => Err(e),
        None => {
            new.media_ids.extend(uploaded.iter().map(|a| a.id));
            create(ctx, author, new).await
        }
    };
    if result.is_err() {
        for a in &uploaded {
            if let Err(e) = crate::domain::media::discard(ctx.db, ctx.media, a).await {
                tracing::warn!(media = a.id, error = %e, "could not remove an unused upload");
            }
        }
    }
    result
}

/// [`create`], once per `key`: a request retried with the same `Idempotency-Key` gets the
/// post the first one made instead of a duplicate (Mastodon keeps keys for an hour; Pinhole
/// keeps them as long as the post exists).
pub async fn create_once(
    ctx: &Posting<'_>,
    author: &Account,
    new: NewPost,
    key: Option<&str>,
) -> Result<PostView, DomainError> {
    let key = key
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255);
    if let Some(k) = key
        && let Some(id) = db::posts::idempotent_post(ctx.db, author.id, k).await?
        && let Some(post) = db::posts::find(ctx.db, id).await?
    {
        return load_view(ctx.db, post).await;
    }
    let view = create(ctx, author, new).await?;
    if let Some(k) = key {
        db::posts::remember_idempotency(ctx.db, author.id, k, view.post.id, chrono::Utc::now())
            .await?;
    }
    Ok(view)
}

/// What an edit may change.
#[derive(Debug, Clone)]
pub struct EditPost {
    pub text: String,
    pub media_ids: Vec<i64>,
    /// As in [`NewPost::media_changes`].
    pub media_changes: Vec<crate::domain::media::MediaChange>,
    pub spoiler_text: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
}

pub(super) fn media_json(media: &[Attachment]) -> String {
    serde_json::Value::Array(
        media
            .iter()
            .map(|m| serde_json::json!({"id": m.id, "description": m.description}))
            .collect(),
    )
    .to_string()
}

/// Edits a local post: the previous version goes to the history; Update is delivered to
/// the same audience as the Create (and to newly mentioned accounts).
pub async fn edit(
    ctx: &Posting<'_>,
    author: &Account,
    post_id: i64,
    edit: EditPost,
) -> Result<PostView, DomainError> {
    let spoiler = sanitize::plain(edit.spoiler_text.as_deref().unwrap_or_default())
        .trim()
        .to_string();
    check_text(ctx, &edit.text, edit.media_ids.len(), &spoiler)?;
    let (html, mentioned, hashtags) = render_text(ctx, &edit.text).await;
    let txn = db::begin_write(ctx.db).await?;
    let post = db::posts::find(&txn, post_id)
        .await?
        .filter(|p| p.account_id == author.id && p.reblog_of_id.is_none())
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    let before = load_view(&txn, post.clone()).await?;
    let media = own_media(
        &txn,
        ctx,
        author,
        &edit.media_ids,
        Some(post.id),
        &edit.media_changes,
    )
    .await?;
    db::posts::insert_edit(&txn, &post, media_json(&before.media)).await?;
    let now = chrono::Utc::now();
    let url = post.url.clone().unwrap_or_else(|| post.uri.clone());
    let mut row = post.clone();
    row.content = album_footer(&html, media.len(), &url);
    row.source = Some(edit.text.clone());
    row.summary = spoiler.clone();
    row.sensitive = edit.sensitive || !spoiler.is_empty();
    row.language = edit.language.clone().or(post.language.clone());
    row.has_media = !media.is_empty();
    row.edited_at = Some(now);
    row.updated_at = now;
    let post = db::update(&txn, post, row).await?;
    let media_ids: Vec<i64> = media.iter().map(|m| m.id).collect();
    db::posts::detach_media(&txn, post.id, &media_ids).await?;
    db::posts::attach_media(&txn, post.id, &media_ids).await?;
    let mut mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    // Whoever was addressed keeps seeing the post (and hears about the edit).
    mention_ids.extend(before.mentions.iter().map(|a| a.id));
    let silent_ids: Vec<i64> = before.silent.iter().map(|a| a.id).collect();
    db::posts::set_mentions(&txn, post.id, &mention_ids, &silent_ids).await?;
    db::posts::set_tags(&txn, post.id, &hashtags, now).await?;
    tell_everyone(txn, ctx, post, false).await
}

/// Deletes a local post (or boost): a tombstone stays at its id and Delete goes to
/// everyone who received it. Local media files are removed afterwards.
pub async fn delete(ctx: &Posting<'_>, author: &Account, post_id: i64) -> Result<(), DomainError> {
    let txn = db::begin_write(ctx.db).await?;
    let post = db::posts::find(&txn, post_id)
        .await?
        .filter(|p| p.account_id == author.id)
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    if post.reblog_of_id.is_some() {
        db::commit(txn).await?;
        return unreblog_post(ctx, author, &post).await;
    }
    let view = load_view(&txn, post.clone()).await?;
    let inboxes = audience(&txn, &view).await?;
    // Boosters' followers saw it too.
    let mut inboxes = inboxes;
    for booster in db::posts::reblogger_ids(&txn, post.id).await? {
        inboxes.extend(db::follows::follower_inboxes(&txn, booster).await?);
    }
    inboxes.sort();
    inboxes.dedup();
    let locals = local_audience(&txn, &view).await?;
    let media = db::posts::take_media(&txn, post.id).await?;
    db::posts::delete(&txn, post.id).await?;
    db::posts::insert_tombstone(&txn, &post.uri, Some(author.id), chrono::Utc::now()).await?;
    let event = Event::PostDeleted {
        post: &post,
        author,
        inboxes: &inboxes,
    };
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    db::commit(txn).await?;
    for m in &media {
        crate::domain::media::remove_files(ctx.media, &file_keys(m)).await;
    }
    Ok(())
}
