//! The conditions timelines are built from (visibility, blocks, home, hashtags) and the
//! paged post query they run.

use super::*;
use crate::db::entities::{follows, mentions, post_tags, tags};

/// A cursor page, with Mastodon's semantics: `max_id` pages back, `since_id` gives the
/// newest items above an id, `min_id` the items immediately above an id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: u64,
}

/// Which posts a timeline shows, as plain data: the domain says what it wants, and only
/// this module turns that into a query.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    /// The home timeline of this account: its own posts and boosts, those of accounts it
    /// follows (not their direct messages to others), and posts mentioning it.
    pub home_of: Option<i64>,
    /// Only what this reader may see (`Some(None)`: a reader who is not signed in).
    pub visible_to: Option<Option<i64>>,
    /// Posts and boosts by this account only.
    pub author: Option<i64>,
    /// Posts carrying the tag with this key.
    pub tag: Option<String>,
    /// Public posts only.
    pub public_only: bool,
    /// No boosts.
    pub no_boosts: bool,
    /// Only this server's (`Some(true)`) or only other servers' (`Some(false)`) posts.
    pub local: Option<bool>,
    /// Only posts with media.
    pub only_media: bool,
    /// Only posts without media (a profile's or hashtag's notes, beside its photo grid).
    pub no_media: bool,
    /// No replies, except the author's replies to itself (needs `author`).
    pub no_replies_to_others: bool,
    /// Nothing across a block with a reader: the reader and its block partners (see
    /// `blocks::partners`).
    pub unblocked: Option<(i64, Vec<i64>)>,
    /// A public timeline or hashtag for this reader (`Some(None)`: not signed in): nothing
    /// by accounts a moderator limited, unless the reader follows them.
    pub unlimited_for: Option<Option<i64>>,
}

/// Accounts a moderator suspended: nothing of theirs shows anywhere.
fn suspended_accounts() -> sea_orm::sea_query::SelectStatement {
    use crate::db::entities::accounts;
    Query::select()
        .column(accounts::Column::Id)
        .from(accounts::Entity)
        .and_where(Expr::col(accounts::Column::SuspendedAt).is_not_null())
        .to_owned()
}

/// Limited accounts `viewer` neither is nor follows: kept out of public timelines.
fn limited_strangers(viewer: Option<i64>) -> sea_orm::sea_query::SelectStatement {
    use crate::db::entities::accounts;
    let mut q = Query::select()
        .column(accounts::Column::Id)
        .from(accounts::Entity)
        .and_where(Expr::col(accounts::Column::SilencedAt).is_not_null())
        .to_owned();
    if let Some(me) = viewer {
        let followed = Query::select()
            .column(follows::Column::TargetId)
            .from(follows::Entity)
            .and_where(Expr::col(follows::Column::FollowerId).eq(me))
            .and_where(Expr::col(follows::Column::Accepted).eq(true))
            .to_owned();
        q.and_where(Expr::col(accounts::Column::Id).ne(me))
            .and_where(Expr::col(accounts::Column::Id).not_in_subquery(followed));
    }
    q
}

impl PostFilter {
    fn condition(&self) -> Condition {
        let mut cond =
            Condition::all().add(Column::AccountId.not_in_subquery(suspended_accounts()));
        if let Some(viewer) = self.unlimited_for {
            cond = cond.add(Column::AccountId.not_in_subquery(limited_strangers(viewer)));
        }
        if let Some(me) = self.home_of {
            cond = cond.add(home_condition(me));
        }
        if let Some(name_key) = &self.tag {
            cond = cond.add(tagged(name_key));
        }
        if let Some(author) = self.author {
            cond = cond.add(Column::AccountId.eq(author));
        }
        if self.public_only {
            cond = cond.add(Column::Visibility.eq("public"));
        }
        if self.no_boosts {
            cond = cond.add(Column::ReblogOfId.is_null());
        }
        if let Some(local) = self.local {
            cond = cond.add(Column::Local.eq(local));
        }
        if let Some(viewer) = self.visible_to {
            cond = cond.add(visible_to(viewer));
        }
        if let Some((me, partners)) = &self.unblocked {
            cond = cond.add(unblocked(*me, partners));
        }
        if self.only_media {
            cond = cond.add(Column::HasMedia.eq(true));
        }
        if self.no_media {
            cond = cond.add(Column::HasMedia.eq(false));
        }
        if self.no_replies_to_others
            && let Some(author) = self.author
        {
            cond = cond.add(
                Condition::any()
                    .add(Column::InReplyToUri.is_null())
                    .add(Column::InReplyToAccountId.eq(author)),
            );
        }
        cond
    }
}

/// Posts matching `filter`, newest first, one cursor page.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    filter: &PostFilter,
    page: Page,
) -> Result<Vec<Model>, StoreError> {
    let query = Entity::find().filter(filter.condition());
    crate::db::rows::page_by_id(db, query, Column::Id, &page).await
}

/// Number of posts matching `filter`.
pub async fn count<C: ConnectionTrait>(db: &C, filter: &PostFilter) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(filter.condition()).count(db).await?)
}

/// Visibilities everyone may see.
pub const OPEN: [&str; 2] = ["public", "unlisted"];

/// Ids of the accounts `me` follows (accepted).
pub(super) fn followed_by(me: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(follows::Column::TargetId)
        .from(follows::Entity)
        .and_where(Expr::col(follows::Column::FollowerId).eq(me))
        .and_where(Expr::col(follows::Column::Accepted).eq(true))
        .to_owned()
}

/// Ids of the posts that mention `me`.
pub(super) fn mentioning(me: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(mentions::Column::PostId)
        .from(mentions::Entity)
        .and_where(Expr::col(mentions::Column::AccountId).eq(me))
        .to_owned()
}

/// Longest block list bound as literal values; past it the lists come from subqueries
/// (statements have a parameter cap, 32,766 on SQLite).
pub const LITERAL_BLOCKS: usize = 500;

/// Posts (and boosts of posts) by none of `partners`, the accounts on the other side of a
/// block with reader `me` (see `blocks::partners`). Built from the list rather than a
/// subquery on blocks: with no blocks (the usual case) it adds nothing to the query, and
/// with a few it stays an indexed lookup instead of a scan of every post.
fn unblocked(me: i64, partners: &[i64]) -> Condition {
    use crate::db::blocks::{blocked_by, blocking};
    if partners.is_empty() {
        return Condition::all();
    }
    let by_partner = if partners.len() <= LITERAL_BLOCKS {
        Condition::all().add(Column::AccountId.is_in(partners.to_vec()))
    } else {
        Condition::any()
            .add(Column::AccountId.in_subquery(blocked_by(me)))
            .add(Column::AccountId.in_subquery(blocking(me)))
    };
    let hidden_posts = Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(by_partner.clone())
        .to_owned();
    Condition::all().add(by_partner.not()).add(
        Condition::any()
            .add(Column::ReblogOfId.is_null())
            .add(Column::ReblogOfId.not_in_subquery(hidden_posts)),
    )
}

/// What `viewer` (an account id, or nobody) may see, as a condition on posts (blocks are
/// applied separately, with [`unblocked`]).
fn visible_to(viewer: Option<i64>) -> Condition {
    let Some(me) = viewer else {
        return Condition::all().add(Column::Visibility.is_in(OPEN));
    };
    let (followed, mentioned) = (followed_by(me), mentioning(me));
    Condition::any()
        .add(Column::Visibility.is_in(OPEN))
        .add(Column::AccountId.eq(me))
        .add(
            Condition::all()
                .add(Column::Visibility.eq("private"))
                .add(Column::AccountId.in_subquery(followed)),
        )
        .add(Column::Id.in_subquery(mentioned))
}

/// The home timeline of `me`: own posts and boosts, those of followed accounts (not their
/// direct messages to others), and posts mentioning `me` (blocks applied separately).
fn home_condition(me: i64) -> Condition {
    let (followed, mentioned) = (followed_by(me), mentioning(me));
    Condition::any()
        .add(Column::AccountId.eq(me))
        .add(
            Condition::all()
                .add(Column::AccountId.in_subquery(followed))
                .add(Column::Visibility.ne("direct")),
        )
        .add(Column::Id.in_subquery(mentioned))
}

/// Ids of posts carrying the tag `name_key`.
fn tagged(name_key: &str) -> Condition {
    let tag = Query::select()
        .column(tags::Column::Id)
        .from(tags::Entity)
        .and_where(Expr::col(tags::Column::NameKey).eq(name_key))
        .to_owned();
    let posts = Query::select()
        .column(post_tags::Column::PostId)
        .from(post_tags::Entity)
        .and_where(Expr::col(post_tags::Column::TagId).in_subquery(tag))
        .to_owned();
    Condition::all().add(Column::Id.in_subquery(posts))
}
