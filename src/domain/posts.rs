//! Posts: photo posts and notes written here or received from other servers, edits,
//! deletion (leaving a tombstone), likes and boosts, and who may see what. Every change
//! and the deliveries it causes are written in one transaction.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    pin::Pin,
};

use sea_orm::{ConnectionTrait, DatabaseConnection, Set};

use super::{
    DomainError,
    media::{MediaService, file_keys},
    publish::{Event, Publisher, broadcast, tell},
    sanitize,
    text::{self, Handle, MentionTarget},
};
use crate::db::{
    self, StoreError,
    entities::{accounts::Model as Account, media_attachments, posts},
};

/// A stored post row.
pub type Post = posts::Model;
/// A stored attachment row.
pub type Attachment = media_attachments::Model;

/// Who may see a post; Mastodon's names (`private` = followers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    /// Mastodon's name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    /// Parses Mastodon's names.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "public" => Ok(Visibility::Public),
            "unlisted" => Ok(Visibility::Unlisted),
            "private" => Ok(Visibility::Private),
            "direct" => Ok(Visibility::Direct),
            other => Err(DomainError::Invalid(format!(
                "visibility `{other}` is not one of public, unlisted, private, direct"
            ))),
        }
    }

    /// A stored value (unknown values are treated as the most private).
    pub fn of(post: &Post) -> Self {
        Visibility::parse(&post.visibility).unwrap_or(Visibility::Direct)
    }
}

/// A post with everything needed to show or federate it.
#[derive(Debug, Clone)]
pub struct PostView {
    pub post: Post,
    pub author: Account,
    pub media: Vec<Attachment>,
    pub mentions: Vec<Account>,
    /// Accounts the post was delivered to without naming them (`bto`/`bcc`): they may see
    /// it and receive it, but no document or API answer lists them.
    pub silent: Vec<Account>,
    pub tags: Vec<String>,
    /// The id of the post this one replies to and its author's account, when known.
    pub reply_to: Option<(String, Option<Account>)>,
    /// For a boost: the boosted post.
    pub reblog: Option<Box<PostView>>,
}

/// Finds accounts for written mentions; remote ones are looked up over the network
/// (WebFinger), which only the federation layer can do.
pub trait Directory: Send + Sync {
    /// The account `handle` names, or `None` when it does not exist or cannot be reached.
    fn resolve<'a>(
        &'a self,
        handle: &'a Handle,
    ) -> Pin<Box<dyn Future<Output = Option<Account>> + Send + 'a>>;
}

/// What posting needs besides the database.
pub struct Posting<'a> {
    pub db: &'a DatabaseConnection,
    pub publisher: &'a dyn Publisher,
    pub directory: &'a dyn Directory,
    pub media: &'a MediaService,
    pub base_url: &'a str,
    pub max_characters: usize,
    pub max_media: usize,
}

/// A post as its author writes it.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Plain text.
    pub text: String,
    /// Uploaded attachments of the author, in display order.
    pub media_ids: Vec<i64>,
    /// Content warning.
    pub spoiler_text: Option<String>,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    /// Accounts addressed besides those the text mentions (an ActivityPub client's `to`/`cc`).
    pub addressed: Vec<Account>,
    /// Accounts to deliver to without naming them (`bto`/`bcc`).
    pub silent: Vec<Account>,
    /// Alt text or focal points to set on the attached uploads, with the post (so a refused
    /// post changes nothing).
    pub media_changes: Vec<super::media::MediaChange>,
}

fn store(e: sea_orm::DbErr) -> DomainError {
    DomainError::Store(StoreError::from(e))
}

/// Public or unlisted: seen beyond the accounts a post addresses.
pub fn is_open(visibility: Visibility) -> bool {
    matches!(visibility, Visibility::Public | Visibility::Unlisted)
}

/// Mastodon-style ids: milliseconds since the epoch in the high bits, so ids sort by time
/// (timelines page by id). The low 16 bits are a process-wide counter passed through a
/// keyed permutation: ids made by one process for the same millisecond (Mastodon sends
/// whole-second timestamps, so a busy second of remote posts shares one) differ until 65,536
/// of them have been made, and they still cannot be guessed from one another. Another
/// process may still pick a taken id; [`insert_fresh`] then takes another.
pub fn new_id(at: chrono::DateTime<chrono::Utc>) -> i64 {
    use std::sync::{
        OnceLock,
        atomic::{AtomicU16, Ordering},
    };
    static KEY: OnceLock<(u16, u16)> = OnceLock::new();
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let (start, mask) = *KEY.get_or_init(|| (rand::random(), rand::random()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_add(start);
    // Multiplying by an odd number is a bijection modulo 2^16, and so is the xor.
    let low = n.wrapping_mul(0x9E37) ^ mask;
    let millis = at.timestamp_millis().clamp(0, i64::MAX >> 16);
    (millis << 16) | i64::from(low)
}

/// Stores a new post under a fresh id made for `at`; `row` builds the row for a given id
/// (local posts derive their URI from it). An id already taken (by another process, or
/// after 65,536 ids in one millisecond) is replaced by a new one, never reported.
async fn insert_fresh<C: ConnectionTrait>(
    db: &C,
    at: chrono::DateTime<chrono::Utc>,
    mut row: impl FnMut(i64) -> posts::ActiveModel,
) -> Result<Post, DomainError> {
    for attempt in 0..32 {
        // After a clash, move to a later millisecond too: a crowded one stays crowded.
        let id = new_id(at + chrono::Duration::milliseconds(attempt / 4));
        if let Some(post) = db::posts::insert_new(db, id, row(id)).await? {
            return Ok(post);
        }
    }
    Err(DomainError::Internal("no free post id".into()))
}

/// Preferred inboxes (shared first) of remote accounts, without repeats.
fn inboxes_of<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> Vec<String> {
    let mut out: Vec<String> = accounts
        .into_iter()
        .filter(|a| !a.is_local())
        .filter_map(|a| a.shared_inbox_url.clone().or_else(|| a.inbox_url.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The inboxes that must hear about `view`: followers (unless direct) and mentioned
/// accounts, plus the author of the post it replies to. Silent recipients get it in their
/// personal inbox, which replaces their server's shared inbox: the JSON does not name them,
/// so only a personal delivery tells their server who it is for (the server still shows it
/// to its followers of the author).
async fn audience<C: ConnectionTrait>(db: &C, view: &PostView) -> Result<Vec<String>, DomainError> {
    let mut inboxes = match Visibility::of(&view.post) {
        Visibility::Direct => vec![],
        _ => db::follows::follower_inboxes(db, view.author.id).await?,
    };
    let mut extra: Vec<&Account> = view.mentions.iter().collect();
    if let Some((_, Some(parent_author))) = &view.reply_to
        && is_open(Visibility::of(&view.post))
    {
        extra.push(parent_author);
    }
    inboxes.extend(inboxes_of(extra));
    let personal: Vec<String> = view
        .silent
        .iter()
        .filter(|a| !a.is_local())
        .filter_map(|a| a.inbox_url.clone())
        .collect();
    let host = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
    let silent_hosts: Vec<_> = personal.iter().filter_map(|u| host(u)).collect();
    inboxes.retain(|i| host(i).is_none_or(|h| !silent_hosts.contains(&h)));
    inboxes.extend(personal);
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// The local accounts that receive `view` in their inbox collection: local followers
/// (unless direct), local accounts it mentions or silently addresses, and the local author
/// it replies to; never its own author.
async fn local_audience<C: ConnectionTrait>(
    db: &C,
    view: &PostView,
) -> Result<Vec<i64>, DomainError> {
    let mut ids = match Visibility::of(&view.post) {
        Visibility::Direct => vec![],
        _ => db::posts::local_follower_ids(db, view.author.id).await?,
    };
    ids.extend(
        view.mentions
            .iter()
            .chain(&view.silent)
            .filter(|a| a.is_local())
            .map(|a| a.id),
    );
    if let Some((_, Some(parent_author))) = &view.reply_to
        && parent_author.is_local()
        && is_open(Visibility::of(&view.post))
    {
        ids.push(parent_author.id);
    }
    ids.retain(|id| *id != view.author.id);
    Ok(ids)
}

/// The account that wrote `post`.
async fn author_of<C: ConnectionTrait>(db: &C, post: &Post) -> Result<Account, DomainError> {
    db::accounts::find_by_id(db, post.account_id)
        .await?
        .ok_or_else(|| DomainError::Internal("post without author".into()))
}

/// Loads what a list of posts needs to be shown, in the given order; boosts carry the
/// boosted post.
pub async fn load_views<C: ConnectionTrait>(
    db: &C,
    posts: Vec<Post>,
) -> Result<Vec<PostView>, DomainError> {
    let reblog_ids: Vec<i64> = posts.iter().filter_map(|p| p.reblog_of_id).collect();
    let originals = db::posts::find_many(db, &reblog_ids).await?;
    let mut all: Vec<Post> = posts.clone();
    all.extend(originals.iter().cloned());
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    // Only posts marked as carrying media have attachments: a shorter list, and no query
    // at all for a page of text.
    let with_media: Vec<i64> = all.iter().filter(|p| p.has_media).map(|p| p.id).collect();
    let media = db::posts::media_for(db, &with_media).await?;
    let mentions = db::posts::mentions_for(db, &ids).await?;
    let tags = db::posts::tags_for(db, &ids).await?;
    let parent_ids: Vec<i64> = all.iter().filter_map(|p| p.in_reply_to_id).collect();
    let parents: HashMap<i64, Post> = db::posts::find_many(db, &parent_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut account_ids: Vec<i64> = all.iter().map(|p| p.account_id).collect();
    account_ids.extend(mentions.iter().map(|(_, a, _)| *a));
    account_ids.extend(all.iter().filter_map(|p| p.in_reply_to_account_id));
    let accounts: HashMap<i64, Account> = db::accounts::find_many(db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let build = |p: &Post| -> Option<PostView> {
        let author = accounts.get(&p.account_id)?.clone();
        let reply_to = p
            .in_reply_to_id
            .and_then(|id| parents.get(&id).map(|parent| parent.uri.clone()))
            .or_else(|| p.in_reply_to_uri.clone())
            .map(|uri| {
                (
                    uri,
                    p.in_reply_to_account_id
                        .and_then(|id| accounts.get(&id).cloned()),
                )
            });
        Some(PostView {
            post: p.clone(),
            author,
            media: media
                .iter()
                .filter(|m| m.post_id == Some(p.id))
                .cloned()
                .collect(),
            mentions: mentions
                .iter()
                .filter(|(post, _, silent)| *post == p.id && !silent)
                .filter_map(|(_, a, _)| accounts.get(a).cloned())
                .collect(),
            silent: mentions
                .iter()
                .filter(|(post, _, silent)| *post == p.id && *silent)
                .filter_map(|(_, a, _)| accounts.get(a).cloned())
                .collect(),
            tags: tags
                .iter()
                .filter(|(post, _)| *post == p.id)
                .map(|(_, t)| t.clone())
                .collect(),
            reply_to,
            reblog: None,
        })
    };
    let originals: HashMap<i64, PostView> = originals
        .iter()
        .filter_map(|p| Some((p.id, build(p)?)))
        .collect();
    Ok(posts
        .iter()
        .filter_map(|p| {
            let mut view = build(p)?;
            if let Some(id) = p.reblog_of_id {
                view.reblog = Some(Box::new(originals.get(&id)?.clone()));
            }
            Some(view)
        })
        .collect())
}

/// Counts and the reader's own likes and boosts for a page of posts (Mastodon shows
/// them on every status).
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    /// Replies, boosts, likes per post id.
    pub counts: HashMap<i64, (u64, u64, u64)>,
    pub favourited: HashSet<i64>,
    pub reblogged: HashSet<i64>,
    pub bookmarked: HashSet<i64>,
}

/// [`Interactions`] for `views` (and the posts they boost) as `viewer` sees them.
pub async fn interactions<C: ConnectionTrait>(
    db: &C,
    viewer: Option<&Account>,
    views: &[PostView],
) -> Result<Interactions, DomainError> {
    let mut ids: Vec<i64> = views.iter().map(|v| v.post.id).collect();
    ids.extend(
        views
            .iter()
            .filter_map(|v| v.reblog.as_ref().map(|r| r.post.id)),
    );
    let rows = db::posts::interactions(db, viewer.map(|v| v.id), &ids).await?;
    Ok(Interactions {
        counts: rows.counts,
        favourited: rows.favourited.into_iter().collect(),
        reblogged: rows.reblogged.into_iter().collect(),
        bookmarked: rows.bookmarked.into_iter().collect(),
    })
}

/// One post with everything it needs.
pub async fn load_view<C: ConnectionTrait>(db: &C, post: Post) -> Result<PostView, DomainError> {
    load_views(db, vec![post])
        .await?
        .pop()
        .ok_or_else(|| DomainError::Internal("post without author".into()))
}

/// Whether `viewer` (a local or remote account, or an anonymous reader) may see `post`.
pub async fn can_see<C: ConnectionTrait>(
    db: &C,
    viewer: Option<&Account>,
    post: &Post,
) -> Result<bool, DomainError> {
    let visibility = Visibility::of(post);
    if let Some(viewer) = viewer {
        let original_author = match post.reblog_of_id {
            Some(id) => db::posts::find(db, id).await?.map(|p| p.account_id),
            None => None,
        };
        for author in std::iter::once(post.account_id).chain(original_author) {
            if viewer.id != author && db::blocks::between(db, viewer.id, author).await? {
                return Ok(false);
            }
        }
    }
    if matches!(visibility, Visibility::Public | Visibility::Unlisted) {
        return Ok(true);
    }
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    if viewer.id == post.account_id {
        return Ok(true);
    }
    if db::posts::mentions_for(db, &[post.id])
        .await?
        .iter()
        .any(|(_, a, _)| *a == viewer.id)
    {
        return Ok(true);
    }
    if visibility == Visibility::Private {
        return Ok(db::follows::find_pair(db, viewer.id, post.account_id)
            .await?
            .is_some_and(|f| f.accepted));
    }
    Ok(false)
}

/// Whether a post with this id was deleted (its id answers 410).
pub async fn is_deleted<C: ConnectionTrait>(db: &C, uri: &str) -> Result<bool, DomainError> {
    Ok(db::posts::find_tombstone(db, uri).await?.is_some())
}

/// A post `viewer` may see, or NotFound (never revealing that a hidden post exists).
pub async fn get_visible<C: ConnectionTrait>(
    db: &C,
    viewer: Option<&Account>,
    id: i64,
) -> Result<PostView, DomainError> {
    let post = db::posts::find(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    if !can_see(db, viewer, &post).await? {
        return Err(DomainError::NotFound("no such post".into()));
    }
    load_view(db, post).await
}

fn check_text(
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
async fn own_media<C: ConnectionTrait>(
    db: &C,
    ctx: &Posting<'_>,
    author: &Account,
    ids: &[i64],
    editing: Option<i64>,
    changes: &[super::media::MediaChange],
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
            Some(change) => super::media::apply_change(db, ctx.media, m, change).await?,
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
async fn render_text(ctx: &Posting<'_>, text: &str) -> (String, Vec<Account>, Vec<String>) {
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

fn album_footer(html: &str, media_count: usize, url: &str) -> String {
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
        posts::ActiveModel {
            id: Set(id),
            uri: Set(uri),
            content: Set(album_footer(&html, media.len(), &url)),
            url: Set(Some(url)),
            account_id: Set(author.id),
            local: Set(true),
            reblog_of_id: Set(None),
            in_reply_to_id: Set(parent.as_ref().map(|p| p.id)),
            in_reply_to_uri: Set(parent.as_ref().map(|p| p.uri.clone())),
            in_reply_to_account_id: Set(parent.as_ref().map(|p| p.account_id)),
            source: Set(Some(new.text.clone())),
            summary: Set(spoiler.clone()),
            sensitive: Set(new.sensitive || !spoiler.is_empty()),
            visibility: Set(new.visibility.as_str().to_string()),
            language: Set(new.language.clone()),
            has_media: Set(!media.is_empty()),
            published_at: Set(now),
            edited_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
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
    let view = load_view(&txn, post).await?;
    let inboxes = audience(&txn, &view).await?;
    let event = Event::PostCreated {
        view: &view,
        inboxes: &inboxes,
    };
    let locals = local_audience(&txn, &view).await?;
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    txn.commit().await.map_err(store)?;
    Ok(view)
}

/// Uploads `images` and publishes them with `new` in one step (the CLI's way to post). If
/// any image is refused, or the post is, every upload of this call is removed and no post
/// exists.
pub async fn create_with_uploads(
    ctx: &Posting<'_>,
    author: &Account,
    mut new: NewPost,
    images: Vec<super::media::NewMedia>,
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
        match super::media::upload(ctx.db, ctx.media, author, image).await {
            Ok(a) => uploaded.push(a),
            Err(e) => {
                failure = Some(match e {
                    DomainError::Invalid(m) => {
                        DomainError::Invalid(format!("image {}: {m}", n + 1))
                    }
                    DomainError::TooLarge(m) => {
                        DomainError::TooLarge(format!("image {}: {m}", n + 1))
                    }
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
            if let Err(e) = super::media::discard(ctx.db, ctx.media, a).await {
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

/// Bookmarks (or, with `on` false, un-bookmarks) a post `account` can see.
pub async fn bookmark(
    db: &DatabaseConnection,
    account: &Account,
    post_id: i64,
    on: bool,
) -> Result<PostView, DomainError> {
    let view = get_visible(db, Some(account), post_id).await?;
    if on {
        db::posts::bookmark(db, account.id, view.post.id, chrono::Utc::now()).await?;
    } else {
        db::posts::unbookmark(db, account.id, view.post.id).await?;
    }
    Ok(view)
}

/// What an edit may change.
#[derive(Debug, Clone)]
pub struct EditPost {
    pub text: String,
    pub media_ids: Vec<i64>,
    /// As in [`NewPost::media_changes`].
    pub media_changes: Vec<super::media::MediaChange>,
    pub spoiler_text: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
}

fn media_json(media: &[Attachment]) -> String {
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
    let mut row: posts::ActiveModel = post.clone().into();
    row.content = Set(album_footer(&html, media.len(), &url));
    row.source = Set(Some(edit.text.clone()));
    row.summary = Set(spoiler.clone());
    row.sensitive = Set(edit.sensitive || !spoiler.is_empty());
    row.language = Set(edit.language.clone().or(post.language.clone()));
    row.has_media = Set(!media.is_empty());
    row.edited_at = Set(Some(now));
    row.updated_at = Set(now);
    let post = db::posts::update(&txn, row).await?;
    let media_ids: Vec<i64> = media.iter().map(|m| m.id).collect();
    db::posts::detach_media(&txn, post.id, &media_ids).await?;
    db::posts::attach_media(&txn, post.id, &media_ids).await?;
    let mut mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    // Whoever was addressed keeps seeing the post (and hears about the edit).
    mention_ids.extend(before.mentions.iter().map(|a| a.id));
    let silent_ids: Vec<i64> = before.silent.iter().map(|a| a.id).collect();
    db::posts::set_mentions(&txn, post.id, &mention_ids, &silent_ids).await?;
    db::posts::set_tags(&txn, post.id, &hashtags, now).await?;
    let view = load_view(&txn, post).await?;
    let inboxes = audience(&txn, &view).await?;
    let event = Event::PostUpdated {
        view: &view,
        inboxes: &inboxes,
    };
    let locals = local_audience(&txn, &view).await?;
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    txn.commit().await.map_err(store)?;
    Ok(view)
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
        txn.commit().await.map_err(store)?;
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
    txn.commit().await.map_err(store)?;
    for m in &media {
        super::media::remove_files(ctx.media, &file_keys(m)).await;
    }
    Ok(())
}

/// `account` likes a post it can see; the author hears about it (Like, or a notification
/// when local). Liking twice changes nothing.
pub async fn favourite(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<PostView, DomainError> {
    let view = get_visible(ctx.db, Some(account), post_id).await?;
    let post = match &view.reblog {
        Some(original) => original.post.clone(),
        None => view.post.clone(),
    };
    let txn = db::begin_write(ctx.db).await?;
    if db::posts::find_favourite(&txn, account.id, post.id)
        .await?
        .is_none()
    {
        let now = chrono::Utc::now();
        let uri = ctx.publisher.new_activity_id(account);
        let fav = db::posts::insert_favourite(&txn, account.id, post.id, uri, now).await?;
        let author = author_of(&txn, &post).await?;
        let event = Event::Liked {
            like_uri: &fav.uri,
            liker: account,
            post: &post,
            author: &author,
        };
        if author.id != account.id {
            if author.is_local() {
                db::posts::notify(&txn, author.id, account.id, "favourite", Some(post.id), now)
                    .await?;
            }
            tell(&txn, ctx.publisher, event, &author).await?;
        }
    }
    txn.commit().await.map_err(store)?;
    load_view(ctx.db, post).await
}

/// Withdraws a like (Undo{Like} to a remote author).
pub async fn unfavourite(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<PostView, DomainError> {
    let view = get_visible(ctx.db, Some(account), post_id).await?;
    let post = view.reblog.map(|r| r.post).unwrap_or(view.post);
    let txn = db::begin_write(ctx.db).await?;
    if let Some(fav) = db::posts::find_favourite(&txn, account.id, post.id).await? {
        db::posts::delete_favourite(&txn, fav.id).await?;
        db::posts::unnotify(&txn, account.id, "favourite", post.id).await?;
        let author = author_of(&txn, &post).await?;
        let event = Event::Unliked {
            like_uri: &fav.uri,
            liker: account,
            post: &post,
            author: &author,
        };
        if author.id != account.id {
            tell(&txn, ctx.publisher, event, &author).await?;
        }
    }
    txn.commit().await.map_err(store)?;
    load_view(ctx.db, post).await
}

/// `account` boosts a public or unlisted post (Mastodon allows nothing else, and neither
/// boosting a boost): Announce to its followers and the author.
pub async fn reblog(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<PostView, DomainError> {
    let view = get_visible(ctx.db, Some(account), post_id).await?;
    let original = view.reblog.map(|r| r.post).unwrap_or(view.post);
    if !matches!(
        Visibility::of(&original),
        Visibility::Public | Visibility::Unlisted
    ) {
        return Err(DomainError::Invalid(
            "only public and unlisted posts can be boosted".into(),
        ));
    }
    let txn = db::begin_write(ctx.db).await?;
    let boost = match db::posts::find_reblog(&txn, account.id, original.id).await? {
        Some(existing) => existing,
        None => {
            let now = chrono::Utc::now();
            let boost = insert_fresh(&txn, now, |id| {
                let (uri, _) = ctx.publisher.post_uri(account, id);
                boost_row(id, format!("{uri}/activity"), account, &original, true, now)
            })
            .await?;
            let author = author_of(&txn, &original).await?;
            if author.is_local() && author.id != account.id {
                db::posts::notify(
                    &txn,
                    author.id,
                    account.id,
                    "reblog",
                    Some(original.id),
                    now,
                )
                .await?;
            }
            let inboxes = boost_inboxes(&txn, account, &author).await?;
            let event = Event::Boosted {
                boost: &boost,
                booster: account,
                original: &original,
                author: &author,
                inboxes: &inboxes,
            };
            let locals = boost_audience(&txn, account, &author).await?;
            broadcast(&txn, ctx.publisher, event, &locals).await?;
            boost
        }
    };
    txn.commit().await.map_err(store)?;
    load_view(ctx.db, boost).await
}

/// The remote inboxes that hear of a boost (or its withdrawal): the booster's followers and
/// the boosted post's author.
async fn boost_inboxes<C: ConnectionTrait>(
    db: &C,
    booster: &Account,
    author: &Account,
) -> Result<Vec<String>, DomainError> {
    let mut inboxes = db::follows::follower_inboxes(db, booster.id).await?;
    inboxes.extend(inboxes_of([author]));
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// The local accounts that receive a boost: the booster's local followers and a local
/// author of the boosted post.
async fn boost_audience<C: ConnectionTrait>(
    db: &C,
    booster: &Account,
    author: &Account,
) -> Result<Vec<i64>, DomainError> {
    let mut ids = db::posts::local_follower_ids(db, booster.id).await?;
    if author.is_local() {
        ids.push(author.id);
    }
    ids.retain(|id| *id != booster.id);
    Ok(ids)
}

fn boost_row(
    id: i64,
    uri: String,
    booster: &Account,
    original: &Post,
    local: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> posts::ActiveModel {
    posts::ActiveModel {
        id: Set(id),
        uri: Set(uri),
        url: Set(None),
        account_id: Set(booster.id),
        local: Set(local),
        reblog_of_id: Set(Some(original.id)),
        in_reply_to_id: Set(None),
        in_reply_to_uri: Set(None),
        in_reply_to_account_id: Set(None),
        content: Set(String::new()),
        source: Set(None),
        summary: Set(String::new()),
        sensitive: Set(false),
        visibility: Set(original.visibility.clone()),
        language: Set(None),
        has_media: Set(false),
        published_at: Set(at),
        edited_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
}

/// Withdraws `account`'s boost of `post_id` (the original's id or the boost's own).
pub async fn unreblog(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<(), DomainError> {
    let post = db::posts::find(ctx.db, post_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    let boost = match post.reblog_of_id {
        Some(_) if post.account_id == account.id => Some(post),
        Some(original) => db::posts::find_reblog(ctx.db, account.id, original).await?,
        None => db::posts::find_reblog(ctx.db, account.id, post.id).await?,
    };
    match boost {
        Some(b) => unreblog_post(ctx, account, &b).await,
        None => Ok(()),
    }
}

async fn unreblog_post(
    ctx: &Posting<'_>,
    account: &Account,
    boost: &Post,
) -> Result<(), DomainError> {
    let txn = db::begin_write(ctx.db).await?;
    let Some(original_id) = boost.reblog_of_id else {
        return Err(DomainError::Invalid("not a boost".into()));
    };
    let original = db::posts::find(&txn, original_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    let author = author_of(&txn, &original).await?;
    db::posts::delete(&txn, boost.id).await?;
    db::posts::unnotify(&txn, account.id, "reblog", original.id).await?;
    let inboxes = boost_inboxes(&txn, account, &author).await?;
    let event = Event::Unboosted {
        boost,
        booster: account,
        original: &original,
        author: &author,
        inboxes: &inboxes,
    };
    let locals = boost_audience(&txn, account, &author).await?;
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    txn.commit().await.map_err(store)?;
    Ok(())
}

/// Ancestors (oldest first) and descendants (depth first, oldest first) of a post that
/// `viewer` may see; hidden posts are left out.
pub async fn context(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    post_id: i64,
) -> Result<(Vec<PostView>, Vec<PostView>), DomainError> {
    const MAX: usize = 200;
    let view = get_visible(db, viewer, post_id).await?;
    let mut ancestors = Vec::new();
    let mut cursor = view.post.in_reply_to_id;
    while let Some(id) = cursor {
        if ancestors.len() >= MAX {
            break;
        }
        let Some(parent) = db::posts::find(db, id).await? else {
            break;
        };
        cursor = parent.in_reply_to_id;
        if can_see(db, viewer, &parent).await? {
            ancestors.push(parent);
        }
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut frontier = vec![view.post.id];
    while !frontier.is_empty() && descendants.len() < MAX {
        let children = db::posts::replies_to(db, &frontier).await?;
        frontier = children.iter().map(|c| c.id).collect();
        for child in children {
            if can_see(db, viewer, &child).await? {
                descendants.push(child);
            }
        }
    }
    // Depth first: each reply right after its parent.
    let mut ordered = Vec::with_capacity(descendants.len());
    fn walk(parent: i64, all: &[Post], out: &mut Vec<Post>) {
        for c in all.iter().filter(|c| c.in_reply_to_id == Some(parent)) {
            out.push(c.clone());
            walk(c.id, all, out);
        }
    }
    walk(view.post.id, &descendants, &mut ordered);
    Ok((
        load_views(db, ancestors).await?,
        load_views(db, ordered).await?,
    ))
}

/// Previous versions of a post, oldest first (content, summary, sensitive, time).
pub async fn history(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    post_id: i64,
) -> Result<Vec<db::entities::post_edits::Model>, DomainError> {
    let view = get_visible(db, viewer, post_id).await?;
    Ok(db::posts::edits(db, view.post.id).await?)
}

// ------------------------------------------------------------------------------------------
// Posts from other servers.

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
fn remote_media_kind(m: &RemoteMedia) -> &'static str {
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

fn media_rows(
    post_id: i64,
    author: &Account,
    media: &[RemoteMedia],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<media_attachments::ActiveModel> {
    media
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let content_type = m.media_type.clone().unwrap_or_default();
            let kind = remote_media_kind(m);
            let (fx, fy) = m.focus.unwrap_or((0.0, 0.0));
            media_attachments::ActiveModel {
                account_id: Set(author.id),
                post_id: Set(Some(post_id)),
                kind: Set(kind.into()),
                state: Set("remote".into()),
                content_type: Set(content_type),
                width: Set(m.width),
                height: Set(m.height),
                blurhash: Set(m.blurhash.clone().filter(|b| b.len() <= 64)),
                description: Set(m
                    .description
                    .as_deref()
                    .map(sanitize::plain)
                    .unwrap_or_default()),
                focus_x: Set(fx.clamp(-1.0, 1.0)),
                focus_y: Set(fy.clamp(-1.0, 1.0)),
                remote_url: Set(Some(m.url.clone())),
                position: Set(n as i32),
                size_bytes: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect()
}

/// Notifies local accounts a received post mentions or replies to.
async fn notify_locals<C: ConnectionTrait>(
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
pub async fn receive<C: ConnectionTrait>(
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
    let post = insert_fresh(db, remote.published.min(now), |id| posts::ActiveModel {
        id: Set(id),
        uri: Set(remote.uri.clone()),
        url: Set(remote.url.clone()),
        account_id: Set(author.id),
        local: Set(false),
        reblog_of_id: Set(None),
        in_reply_to_id: Set(parent.map(|p| p.id)),
        in_reply_to_uri: Set(remote.in_reply_to_uri.clone()),
        in_reply_to_account_id: Set(parent.map(|p| p.account_id)),
        content: Set(content.to_string()),
        source: Set(None),
        summary: Set(summary.to_string()),
        sensitive: Set(remote.sensitive),
        visibility: Set(remote.visibility.as_str().to_string()),
        language: Set(remote.language.clone().filter(|l| l.len() <= 16)),
        has_media: Set(!remote.media.is_empty()),
        published_at: Set(remote.published),
        edited_at: Set(remote.updated.filter(|u| *u > remote.published)),
        created_at: Set(now),
        updated_at: Set(now),
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

async fn update_received<C: ConnectionTrait>(
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
    let mut row: posts::ActiveModel = existing.clone().into();
    row.content = Set(content.to_string());
    row.summary = Set(summary.to_string());
    row.sensitive = Set(remote.sensitive);
    row.has_media = Set(!remote.media.is_empty());
    row.edited_at = Set(Some(changed_at));
    row.updated_at = Set(now);
    let post = db::posts::update(db, row).await?;
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
pub async fn receive_delete<C: ConnectionTrait>(
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
pub async fn receive_like<C: ConnectionTrait>(
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
pub async fn receive_undo_like<C: ConnectionTrait>(
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
pub async fn receive_announce<C: ConnectionTrait>(
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
pub async fn receive_undo_announce<C: ConnectionTrait>(
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
pub async fn add_silent_recipient<C: ConnectionTrait>(
    db: &C,
    post: &Post,
    account: &Account,
) -> Result<bool, DomainError> {
    Ok(db::posts::add_mention(db, post.id, account.id, true).await?)
}

/// A post known here by its ActivityPub id (no network: fetching is federation's).
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Post>, DomainError> {
    Ok(db::posts::find_by_uri(db, uri).await?)
}

/// Views of the posts with these ids that exist, in no particular order.
pub async fn views_by_id(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<Vec<PostView>, DomainError> {
    let posts = db::posts::find_many(db, ids).await?;
    load_views(db, posts).await
}

/// Who liked a post, oldest first (Mastodon's `favourited_by`).
pub async fn favourited_by(
    db: &DatabaseConnection,
    post: &Post,
) -> Result<Vec<Account>, DomainError> {
    let ids = db::posts::favourite_account_ids(db, post.id).await?;
    in_order(db, &ids).await
}

/// Who boosted a post (Mastodon's `reblogged_by`).
pub async fn reblogged_by(
    db: &DatabaseConnection,
    post: &Post,
) -> Result<Vec<Account>, DomainError> {
    let ids = db::posts::reblogger_ids(db, post.id).await?;
    in_order(db, &ids).await
}

/// The accounts with these ids, in the order given.
async fn in_order(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<Account>, DomainError> {
    let accounts = db::accounts::find_many(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|i| accounts.iter().find(|a| a.id == *i).cloned())
        .collect())
}

/// Whether anyone here cares about posts from `author`: a local follower.
pub async fn has_local_followers<C: ConnectionTrait>(
    db: &C,
    author: &Account,
) -> Result<bool, DomainError> {
    Ok(db::posts::has_local_follower(db, author.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_text_is_bounded_and_sanitized_when_built() {
        let text = ReceivedText::new(
            "<p onclick=\"steal()\">hi<script>steal()</script></p>",
            Some("  <b>spoilers</b> "),
        );
        assert_eq!(text.content(), "<p>hi</p>");
        assert_eq!(text.summary(), "spoilers");
        assert_eq!(ReceivedText::new("<p>x</p>", None).summary(), "");
        let huge = "<p>words and more words</p>".repeat(40_000);
        let kept = ReceivedText::new(&huge, None);
        assert!(kept.content().len() <= sanitize::MAX_REMOTE_HTML);
        assert!(kept.content().ends_with("</p>"));
    }

    #[test]
    fn ids_sort_by_time() {
        let a = new_id(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default());
        let b = new_id(chrono::DateTime::from_timestamp(1_700_000_001, 0).unwrap_or_default());
        assert!(a < b);
        assert!(a > 0);
    }

    #[test]
    fn long_albums_link_to_the_post() {
        assert_eq!(album_footer("<p>x</p>", 4, "http://h/p/1"), "<p>x</p>");
        let html = album_footer("<p>x</p>", 7, "http://h/@a/1");
        assert!(html.contains("All 7 photos"), "{html}");
        assert!(html.contains("href=\"http://h/@a/1\""), "{html}");
    }

    #[test]
    fn visibility_names() {
        for v in ["public", "unlisted", "private", "direct"] {
            assert_eq!(Visibility::parse(v).map(Visibility::as_str).ok(), Some(v));
        }
        assert!(Visibility::parse("followers").is_err());
    }
}
