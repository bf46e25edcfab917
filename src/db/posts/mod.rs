//! Post queries: posts, their edits and boosts here; what hangs off them in a file each
//! (attachments, mentions, tags, favourites and bookmarks, tombstones, notifications,
//! idempotency keys) and the timeline conditions in `timelines`.

mod attachments;
mod favourites;
mod idempotency;
mod mentions;
mod notifications;
mod tags;
mod timelines;
mod tombstones;

pub use attachments::*;
pub use favourites::*;
pub use idempotency::*;
pub use mentions::*;
pub use notifications::*;
pub use tags::*;
pub use timelines::*;
pub use tombstones::*;

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use super::{
    StoreError,
    entities::{
        follows, post_edits,
        posts::{ActiveModel, Column, Entity, Model},
    },
};

type Time = chrono::DateTime<chrono::Utc>;

/// Inserts a post unless its id is taken (`None` then). `ON CONFLICT DO NOTHING` rather
/// than catching the error: on PostgreSQL a failed statement would abort the transaction.
pub async fn insert_new<C: ConnectionTrait>(
    db: &C,
    post: Model,
) -> Result<Option<Model>, StoreError> {
    // Without RETURNING: sea-orm reports a skipped row differently with it (as "not found").
    match Entity::insert(crate::db::rows::full::<ActiveModel>(post.clone()))
        .on_conflict(OnConflict::column(Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await
    {
        Ok(0) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(None),
        // Every column was given, so the row is known without reading it back (a round
        // trip per post); timestamps as the database keeps them.
        Ok(_) => Ok(Some(as_stored(db.get_database_backend(), post))),
        Err(e) => Err(e.into()),
    }
}

/// A post's timestamps at the precision `backend` stores (PostgreSQL: microseconds).
fn as_stored(backend: sea_orm::DatabaseBackend, mut post: Model) -> Model {
    if backend == sea_orm::DatabaseBackend::Postgres {
        use chrono::SubsecRound;
        post.published_at = post.published_at.trunc_subsecs(6);
        post.edited_at = post.edited_at.map(|t| t.trunc_subsecs(6));
        post.created_at = post.created_at.trunc_subsecs(6);
        post.updated_at = post.updated_at.trunc_subsecs(6);
    }
    post
}

/// A post by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// Posts by id, in no particular order.
pub async fn find_many<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(super::in_ids(
            db.get_database_backend(),
            Expr::col((Entity, Column::Id)),
            ids,
        ))
        .all(db)
        .await?)
}

/// A post by its ActivityPub id.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// Removes a post; its boosts, mentions, tags, edits, favourites and notifications go with it.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The boost of `post_id` by `account_id`, if any.
pub async fn find_reblog<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReblogOfId.eq(post_id))
        .one(db)
        .await?)
}

/// Accounts that boosted a post.
pub async fn reblogger_ids<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(Entity::find()
        .filter(Column::ReblogOfId.eq(post_id))
        .select_only()
        .column(Column::AccountId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Direct replies to any of `parent_ids`.
pub async fn replies_to<C: ConnectionTrait>(
    db: &C,
    parent_ids: &[i64],
) -> Result<Vec<Model>, StoreError> {
    if parent_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(Column::InReplyToId.is_in(parent_ids.to_vec()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Keeps the previous version of an edited post.
pub async fn insert_edit<C: ConnectionTrait>(
    db: &C,
    post: &Model,
    media_json: String,
) -> Result<(), StoreError> {
    post_edits::ActiveModel {
        post_id: Set(post.id),
        content: Set(post.content.clone()),
        summary: Set(post.summary.clone()),
        sensitive: Set(post.sensitive),
        media_json: Set(media_json),
        created_at: Set(post.edited_at.unwrap_or(post.published_at)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Previous versions of a post, oldest first.
pub async fn edits<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<post_edits::Model>, StoreError> {
    Ok(post_edits::Entity::find()
        .filter(post_edits::Column::PostId.eq(post_id))
        .order_by_asc(post_edits::Column::Id)
        .all(db)
        .await?)
}

/// Number of posts (not boosts) by an account.
pub async fn count_by_account<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReblogOfId.is_null())
        .count(db)
        .await?)
}

/// The ids of local accounts that follow `account_id` (accepted), as a query.
fn local_followers(account_id: i64) -> sea_orm::Selector<sea_orm::SelectGetableTuple<i64>> {
    use super::entities::accounts;
    let follower_ids = Query::select()
        .column(follows::Column::FollowerId)
        .from(follows::Entity)
        .and_where(Expr::col(follows::Column::TargetId).eq(account_id))
        .and_where(Expr::col(follows::Column::Accepted).eq(true))
        .to_owned();
    accounts::Entity::find()
        .filter(accounts::Column::Id.in_subquery(follower_ids))
        .filter(accounts::Column::Domain.is_null())
        .select_only()
        .column(accounts::Column::Id)
        .into_tuple::<i64>()
}

/// Whether any local account follows `account_id` (one indexed probe, not the list).
pub async fn has_local_follower<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<bool, StoreError> {
    Ok(local_followers(account_id).one(db).await?.is_some())
}

/// Local accounts that follow `account_id` (accepted).
pub async fn local_follower_ids<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(local_followers(account_id).all(db).await?)
}

/// Number of posts (not boosts) by local accounts.
pub async fn count_local<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::Local.eq(true))
        .filter(Column::ReblogOfId.is_null())
        .count(db)
        .await?)
}
