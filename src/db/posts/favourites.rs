//! Favourites (likes), bookmarks, and the per-viewer interaction flags of a page of posts.

use super::*;
use crate::db::entities::favourites;

/// Records a like; `Conflict` when the account already likes the post.
pub async fn insert_favourite<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
    uri: String,
    now: Time,
) -> Result<favourites::Model, StoreError> {
    Ok(favourites::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        uri: Set(uri),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The like of a post by an account, if any.
pub async fn find_favourite<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<Option<favourites::Model>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::AccountId.eq(account_id))
        .filter(favourites::Column::PostId.eq(post_id))
        .one(db)
        .await?)
}

/// The like a Like activity id created, if any.
pub async fn find_favourite_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<favourites::Model>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::Uri.eq(uri))
        .one(db)
        .await?)
}

/// Removes a like.
pub async fn delete_favourite<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    favourites::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Accounts that liked a post, oldest first.
pub async fn favourite_account_ids<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::PostId.eq(post_id))
        .order_by_asc(favourites::Column::Id)
        .select_only()
        .column(favourites::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?)
}

/// What a page of statuses shows beside each post, as stored.
#[derive(Debug, Default)]
pub struct InteractionRows {
    /// Replies, boosts, likes per post id (posts with none are absent).
    pub counts: HashMap<i64, (u64, u64, u64)>,
    pub favourited: Vec<i64>,
    pub reblogged: Vec<i64>,
    pub bookmarked: Vec<i64>,
}

/// Reply, boost and like counts of `post_ids`, and which of them `viewer` liked, boosted
/// or bookmarked: one statement (a `UNION ALL` of six indexed lookups) instead of six
/// round trips for every page of statuses.
pub async fn interactions<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i64>,
    post_ids: &[i64],
) -> Result<InteractionRows, StoreError> {
    let mut out = InteractionRows::default();
    // Each chunk's list appears in six branches: bounded well under the databases'
    // bind-parameter limits however long the thread.
    for chunk in post_ids.chunks(crate::db::PADDED_UP_TO) {
        interactions_of(db, viewer, chunk, &mut out).await?;
    }
    Ok(out)
}

pub(super) async fn interactions_of<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i64>,
    post_ids: &[i64],
    out: &mut InteractionRows,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Alias, SelectStatement, UnionType};
    let backend = db.get_database_backend();
    // kind, post id, number: counted per post, or 1 for the viewer's own.
    let branch = |kind: i64, table: &str, key: &str, by: Option<(&str, i64)>| {
        let mut q = SelectStatement::new();
        q.expr(Expr::cust(format!("CAST({kind} AS BIGINT)")))
            .column(Alias::new(key))
            .from(Alias::new(table))
            .and_where(crate::db::in_ids(
                backend,
                Expr::col(Alias::new(key)),
                post_ids,
            ));
        match by {
            None => {
                q.expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
                    .group_by_col(Alias::new(key));
            }
            Some((column, id)) => {
                q.expr(Expr::cust("CAST(1 AS BIGINT)"))
                    .and_where(Expr::col(Alias::new(column)).eq(id));
            }
        }
        q
    };
    let mut query = branch(0, "posts", "in_reply_to_id", None);
    query.union(UnionType::All, branch(1, "posts", "reblog_of_id", None));
    query.union(UnionType::All, branch(2, "favourites", "post_id", None));
    if let Some(v) = viewer {
        query.union(
            UnionType::All,
            branch(3, "favourites", "post_id", Some(("account_id", v))),
        );
        query.union(
            UnionType::All,
            branch(4, "posts", "reblog_of_id", Some(("account_id", v))),
        );
        query.union(
            UnionType::All,
            branch(5, "bookmarks", "post_id", Some(("account_id", v))),
        );
    }
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    for row in rows {
        let kind: i64 = row.try_get_by_index(0)?;
        let Some(id) = row.try_get_by_index::<Option<i64>>(1)? else {
            continue;
        };
        let n = u64::try_from(row.try_get_by_index::<i64>(2)?).unwrap_or(0);
        match kind {
            0 => out.counts.entry(id).or_default().0 = n,
            1 => out.counts.entry(id).or_default().1 = n,
            2 => out.counts.entry(id).or_default().2 = n,
            3 => out.favourited.push(id),
            4 => out.reblogged.push(id),
            _ => out.bookmarked.push(id),
        }
    }
    Ok(())
}

/// Bookmarks `post_id` for `account_id` (idempotent).
pub async fn bookmark<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    use crate::db::entities::bookmarks;
    bookmarks::Entity::insert(bookmarks::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([bookmarks::Column::AccountId, bookmarks::Column::PostId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes a bookmark.
pub async fn unbookmark<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<(), StoreError> {
    use crate::db::entities::bookmarks;
    bookmarks::Entity::delete_many()
        .filter(bookmarks::Column::AccountId.eq(account_id))
        .filter(bookmarks::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(())
}
