//! Reading: the timelines Mastodon apps show, with cursor pagination, and notifications.
//! Each respects who may see what. Which posts a timeline holds is said as a
//! [`PostFilter`]; the query is the storage layer's.

use super::{
    DomainError,
    posts::{PostView, load_views},
};
use crate::db::{
    self,
    entities::{accounts::Model as Account, notifications},
    posts::{Page, PostFilter},
};
use crate::db::{Conn, Pool};

/// Largest page a reader may ask for (Mastodon's limit for statuses).
pub const MAX_LIMIT: u64 = 40;

fn clamp(mut page: Page) -> Page {
    page.limit = if page.limit == 0 {
        20
    } else {
        page.limit.min(MAX_LIMIT)
    };
    page
}

/// Own posts and boosts, those of followed accounts, and posts mentioning the reader.
pub async fn home(db: &Pool, me: &Account, page: Page) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let filter = PostFilter {
        home_of: Some(me.id),
        unblocked: Some((me.id, db::blocks::partners(&txn, me.id).await?)),
        ..Default::default()
    };
    page_of(txn, &filter, page).await
}

/// One page of posts matching `filter`, with what they need to be shown, read in the
/// transaction `txn` (from [`db::begin_read`]) that the filter's block list was read in.
async fn page_of(
    txn: db::Transaction,
    filter: &PostFilter,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let rows = db::posts::page(&txn, filter, clamp(page)).await?;
    let views = load_views(&txn, rows).await?;
    db::commit(txn).await?;
    Ok(views)
}

/// Nothing across a block with `viewer` (either side of one hides everything).
async fn unblocked<C: Conn>(
    db: &C,
    viewer: Option<&Account>,
) -> Result<Option<(i64, Vec<i64>)>, DomainError> {
    Ok(match viewer {
        Some(v) => Some((v.id, db::blocks::partners(db, v.id).await?)),
        None => None,
    })
}

/// Public posts (not boosts): only this server's when `local`, only other servers' when
/// `remote`; nothing across a block with `viewer`.
pub async fn public(
    db: &Pool,
    viewer: Option<&Account>,
    local: bool,
    remote: bool,
    only_media: bool,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let filter = PostFilter {
        public_only: true,
        no_boosts: true,
        local: match (local, remote) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            // Both: nothing is both local and remote.
            (true, true) => return Ok(vec![]),
            (false, false) => None,
        },
        only_media,
        unblocked: unblocked(&txn, viewer).await?,
        unlimited_for: Some(viewer.map(|v| v.id)),
        ..Default::default()
    };
    page_of(txn, &filter, page).await
}

/// Filters of an account's timeline.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountFilter {
    /// Only posts with media: the photo grid.
    pub only_media: bool,
    /// Only posts without media: the notes beside the grid.
    pub no_media: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
}

/// One account's posts and boosts that `viewer` may see.
pub async fn account(
    db: &Pool,
    viewer: Option<&Account>,
    author: &Account,
    filter: AccountFilter,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let posts = PostFilter {
        author: Some(author.id),
        visible_to: Some(viewer.map(|v| v.id)),
        unblocked: unblocked(&txn, viewer).await?,
        only_media: filter.only_media,
        no_media: filter.no_media,
        no_replies_to_others: filter.exclude_replies,
        no_boosts: filter.exclude_reblogs || filter.only_media,
        ..Default::default()
    };
    page_of(txn, &posts, page).await
}

/// How many posts and boosts of `author` the `viewer` may see.
pub async fn account_count(
    db: &Pool,
    viewer: Option<&Account>,
    author: &Account,
) -> Result<u64, DomainError> {
    let filter = PostFilter {
        author: Some(author.id),
        visible_to: Some(viewer.map(|v| v.id)),
        unblocked: unblocked(db, viewer).await?,
        ..Default::default()
    };
    Ok(db::posts::count(db, &filter).await?)
}

/// Public posts carrying a hashtag; `media`: `Some(true)` only those with photos (the
/// tag's grid), `Some(false)` only those without (its notes), `None` all.
pub async fn hashtag(
    db: &Pool,
    viewer: Option<&Account>,
    tag: &str,
    media: Option<bool>,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let filter = PostFilter {
        tag: Some(tag.trim_start_matches('#').to_lowercase()),
        public_only: true,
        only_media: media == Some(true),
        no_media: media == Some(false),
        unblocked: unblocked(&txn, viewer).await?,
        unlimited_for: Some(viewer.map(|v| v.id)),
        ..Default::default()
    };
    page_of(txn, &filter, page).await
}

/// A local account's notifications, newest first, optionally only some types.
pub async fn notifications(
    db: &Pool,
    me: &Account,
    kinds: &[String],
    page: Page,
) -> Result<Vec<notifications::Model>, DomainError> {
    let mut page = page;
    page.limit = if page.limit == 0 {
        40
    } else {
        page.limit.min(80)
    };
    Ok(db::posts::notifications(db, me.id, kinds, page).await?)
}

/// A notification with who caused it and the post it is about (if any).
#[derive(Debug, Clone)]
pub struct NotificationView {
    pub row: notifications::Model,
    pub from: Account,
    pub post: Option<PostView>,
}

/// [`notifications`] with their accounts and posts, read in a few queries. A notification
/// whose post is gone is left out (as Mastodon does); the rows' ids still page.
pub async fn notification_views(
    db: &Pool,
    me: &Account,
    kinds: &[String],
    page: Page,
) -> Result<NotificationPage, DomainError> {
    let rows = notifications(db, me, kinds, page).await?;
    let bounds = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let full = page.limit > 0 && rows.len() as u64 >= page.limit;
    let account_ids: Vec<i64> = rows.iter().map(|n| n.from_account_id).collect();
    let accounts = super::accounts::get_many(db, &account_ids).await?;
    let post_ids: Vec<i64> = rows.iter().filter_map(|n| n.post_id).collect();
    let views = super::posts::views_by_id(db, &post_ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(from) = accounts.iter().find(|a| a.id == row.from_account_id) else {
            continue;
        };
        // Nothing from a suspended account, but what moderation itself says.
        let moderation = row.kind.starts_with("admin.") || row.kind == "moderation_warning";
        if from.suspended_at.is_some() && !moderation {
            continue;
        }
        let post = row
            .post_id
            .and_then(|pid| views.iter().find(|v| v.post.id == pid).cloned());
        if row.post_id.is_some() && post.is_none() {
            continue;
        }
        out.push(NotificationView {
            from: from.clone(),
            post,
            row,
        });
    }
    Ok(NotificationPage {
        items: out,
        bounds,
        full,
    })
}

/// A page of [`NotificationView`]s.
#[derive(Debug, Clone)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// Ids of the newest and oldest notification read (also of left-out ones), to page on.
    pub bounds: Option<(i64, i64)>,
    /// The page was full: older ones may follow.
    pub full: bool,
}

/// One of `me`'s notifications.
pub async fn notification(
    db: &Pool,
    me: &Account,
    id: i64,
) -> Result<notifications::Model, DomainError> {
    db::posts::notification(db, me.id, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// Dismisses one notification (`Some(id)`) or all of them.
pub async fn dismiss(db: &Pool, me: &Account, id: Option<i64>) -> Result<(), DomainError> {
    Ok(db::posts::dismiss(db, me.id, id).await?)
}
