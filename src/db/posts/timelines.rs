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

/// Posts matching `cond`, newest first, one cursor page.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    page: Page,
) -> Result<Vec<Model>, StoreError> {
    // The caller's condition may be an OR of cases (the home timeline's); the cursor must
    // narrow all of them.
    let mut cond = Condition::all().add(cond);
    if let Some(max) = page.max_id {
        cond = cond.add(Column::Id.lt(max));
    }
    if let Some(since) = page.since_id {
        cond = cond.add(Column::Id.gt(since));
    }
    if let Some(min) = page.min_id {
        let mut rows = Entity::find()
            .filter(cond.add(Column::Id.gt(min)))
            .order_by_asc(Column::Id)
            .limit(page.limit)
            .all(db)
            .await?;
        rows.reverse();
        return Ok(rows);
    }
    Ok(Entity::find()
        .filter(cond)
        .order_by_desc(Column::Id)
        .limit(page.limit)
        .all(db)
        .await?)
}

/// Number of posts matching `cond`.
pub async fn count<C: ConnectionTrait>(db: &C, cond: Condition) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(cond).count(db).await?)
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
pub fn unblocked(me: i64, partners: &[i64]) -> Condition {
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
pub fn visible_to(viewer: Option<i64>) -> Condition {
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
pub fn home_condition(me: i64) -> Condition {
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
pub fn tagged(name_key: &str) -> Condition {
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
