//! Follow queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    StoreError,
    entities::{
        accounts,
        follows::{ActiveModel, Column, Entity, Model},
    },
};

/// Records a follow (or follow request); `Conflict` when the pair already exists.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    follower_id: i64,
    target_id: i64,
    uri: String,
    accepted: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, StoreError> {
    Ok(ActiveModel {
        follower_id: Set(follower_id),
        target_id: Set(target_id),
        uri: Set(uri),
        accepted: Set(accepted),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The follow between two accounts, if any.
pub async fn find_pair<C: ConnectionTrait>(
    db: &C,
    follower_id: i64,
    target_id: i64,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::FollowerId.eq(follower_id))
        .filter(Column::TargetId.eq(target_id))
        .one(db)
        .await?)
}

/// The follow a Follow activity id created, if any.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// Marks a follow request accepted.
pub async fn set_accepted<C: ConnectionTrait>(
    db: &C,
    follow: Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, StoreError> {
    let mut am: ActiveModel = follow.into();
    am.accepted = Set(true);
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Removes a follow.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Which side of a follow to list.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    /// Accounts following the given one.
    Followers,
    /// Accounts the given one follows.
    Following,
}

/// Number of accepted follows on one side of an account.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    side: Side,
) -> Result<u64, StoreError> {
    let q = Entity::find().filter(Column::Accepted.eq(true));
    let q = match side {
        Side::Followers => q.filter(Column::TargetId.eq(account_id)),
        Side::Following => q.filter(Column::FollowerId.eq(account_id)),
    };
    Ok(q.count(db).await?)
}

/// One page of accepted follows (newest first) with the account on the other side.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    side: Side,
    offset: u64,
    limit: u64,
) -> Result<Vec<accounts::Model>, StoreError> {
    let q = Entity::find().filter(Column::Accepted.eq(true));
    let (q, other) = match side {
        Side::Followers => (
            q.filter(Column::TargetId.eq(account_id)),
            Column::FollowerId,
        ),
        Side::Following => (
            q.filter(Column::FollowerId.eq(account_id)),
            Column::TargetId,
        ),
    };
    let ids: Vec<i64> = q
        .select_only()
        .column(other)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let mut found = accounts::Entity::find()
        .filter(accounts::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    // Keep the follow order.
    found.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(found)
}

/// Pending follow requests to an account, oldest first.
pub async fn pending_requests<C: ConnectionTrait>(
    db: &C,
    target_id: i64,
) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::TargetId.eq(target_id))
        .filter(Column::Accepted.eq(false))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Distinct inboxes (shared inbox preferred) of an account's accepted remote followers.
pub async fn follower_inboxes<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<Vec<String>, StoreError> {
    let follower_ids = Query::select()
        .column(Column::FollowerId)
        .from(Entity)
        .and_where(Expr::col(Column::TargetId).eq(account_id))
        .and_where(Expr::col(Column::Accepted).eq(true))
        .to_owned();
    let rows: Vec<(Option<String>, Option<String>)> = accounts::Entity::find()
        .filter(accounts::Column::Id.in_subquery(follower_ids))
        .filter(accounts::Column::Domain.is_not_null())
        .select_only()
        .column(accounts::Column::SharedInboxUrl)
        .column(accounts::Column::InboxUrl)
        .into_tuple()
        .all(db)
        .await?;
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .filter_map(|(shared, own)| shared.or(own))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// Inserts many accepted follows of `target_id` at once (bulk imports, benchmarks).
pub async fn insert_followers_batch<C: ConnectionTrait>(
    db: &C,
    target_id: i64,
    followers: Vec<(i64, String)>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    for chunk in followers.chunks(500) {
        let rows: Vec<ActiveModel> = chunk
            .iter()
            .map(|(follower_id, uri)| ActiveModel {
                follower_id: Set(*follower_id),
                target_id: Set(target_id),
                uri: Set(uri.clone()),
                accepted: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Ends every follow to or from an account (a suspended remote account keeps none).
pub async fn delete_all_of<C: ConnectionTrait>(db: &C, account_id: i64) -> Result<u64, StoreError> {
    let done = Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(Column::FollowerId.eq(account_id))
                .add(Column::TargetId.eq(account_id)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
