//! Reading: the timelines Mastodon apps show, with cursor pagination, and notifications.
//! Each respects who may see what.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction};

use super::{
    DomainError,
    posts::{PostView, load_views},
};
use crate::db::{
    self,
    entities::{accounts::Model as Account, notifications, posts::Column},
    posts::{Page, home_condition, tagged, unblocked, visible_to},
};

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
pub async fn home(
    db: &DatabaseConnection,
    me: &Account,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let partners = db::blocks::partners(&txn, me.id).await?;
    let cond = Condition::all()
        .add(home_condition(me.id))
        .add(unblocked(me.id, &partners));
    page_of(txn, cond, page).await
}

/// One page of posts matching `cond`, with what they need to be shown, read in the
/// transaction `txn` (from [`db::begin_read`]) that the condition was built in.
async fn page_of(
    txn: DatabaseTransaction,
    cond: Condition,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let rows = db::posts::page(&txn, cond, clamp(page)).await?;
    let views = load_views(&txn, rows).await?;
    txn.commit().await.map_err(db::StoreError::from)?;
    Ok(views)
}

/// What `viewer` may see, blocks included (either side of one hides everything).
async fn visible<C: ConnectionTrait>(
    db: &C,
    viewer: Option<&Account>,
) -> Result<Condition, DomainError> {
    let cond = Condition::all().add(visible_to(viewer.map(|v| v.id)));
    Ok(match viewer {
        Some(v) => cond.add(unblocked(v.id, &db::blocks::partners(db, v.id).await?)),
        None => cond,
    })
}

/// Public posts (not boosts): only this server's when `local`, only other servers' when
/// `remote`; nothing across a block with `viewer`.
pub async fn public(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    local: bool,
    remote: bool,
    only_media: bool,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let mut cond = Condition::all()
        .add(Column::Visibility.eq("public"))
        .add(Column::ReblogOfId.is_null());
    if local {
        cond = cond.add(Column::Local.eq(true));
    }
    if remote {
        cond = cond.add(Column::Local.eq(false));
    }
    if only_media {
        cond = cond.add(Column::HasMedia.eq(true));
    }
    let txn = db::begin_read(db).await?;
    if let Some(v) = viewer {
        cond = cond.add(unblocked(v.id, &db::blocks::partners(&txn, v.id).await?));
    }
    page_of(txn, cond, page).await
}

/// Filters of an account's timeline.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountFilter {
    /// Only posts with media: the photo grid.
    pub only_media: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
}

/// One account's posts and boosts that `viewer` may see.
pub async fn account(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    author: &Account,
    filter: AccountFilter,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let txn = db::begin_read(db).await?;
    let mut cond = Condition::all()
        .add(Column::AccountId.eq(author.id))
        .add(visible(&txn, viewer).await?);
    if filter.only_media {
        cond = cond.add(Column::HasMedia.eq(true));
    }
    if filter.exclude_replies {
        cond = cond.add(
            Condition::any()
                .add(Column::InReplyToUri.is_null())
                .add(Column::InReplyToAccountId.eq(author.id)),
        );
    }
    if filter.exclude_reblogs || filter.only_media {
        cond = cond.add(Column::ReblogOfId.is_null());
    }
    page_of(txn, cond, page).await
}

/// How many posts and boosts of `author` the `viewer` may see.
pub async fn account_count(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    author: &Account,
) -> Result<u64, DomainError> {
    let cond = Condition::all()
        .add(Column::AccountId.eq(author.id))
        .add(visible(db, viewer).await?);
    Ok(db::posts::count(db, cond).await?)
}

/// Public posts carrying a hashtag.
pub async fn hashtag(
    db: &DatabaseConnection,
    viewer: Option<&Account>,
    tag: &str,
    page: Page,
) -> Result<Vec<PostView>, DomainError> {
    let mut cond =
        tagged(&tag.trim_start_matches('#').to_lowercase()).add(Column::Visibility.eq("public"));
    let txn = db::begin_read(db).await?;
    if let Some(v) = viewer {
        cond = cond.add(unblocked(v.id, &db::blocks::partners(&txn, v.id).await?));
    }
    page_of(txn, cond, page).await
}

/// A local account's notifications, newest first, optionally only some types.
pub async fn notifications(
    db: &DatabaseConnection,
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

/// One of `me`'s notifications.
pub async fn notification(
    db: &DatabaseConnection,
    me: &Account,
    id: i64,
) -> Result<notifications::Model, DomainError> {
    db::posts::notification(db, me.id, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// Dismisses one notification (`Some(id)`) or all of them.
pub async fn dismiss(
    db: &DatabaseConnection,
    me: &Account,
    id: Option<i64>,
) -> Result<(), DomainError> {
    Ok(db::posts::dismiss(db, me.id, id).await?)
}
