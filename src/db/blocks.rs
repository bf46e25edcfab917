//! Block queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set,
    sea_query::{Expr, Query, SelectStatement},
};

use super::{
    StoreError,
    entities::blocks::{ActiveModel, Column, Entity, Model},
};

/// Records that `account_id` blocks `target_id`; `Conflict` when it already does.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    target_id: i64,
    uri: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, StoreError> {
    Ok(ActiveModel {
        account_id: Set(account_id),
        target_account_id: Set(target_id),
        uri: Set(uri),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The block of `target_id` by `account_id`, if any.
pub async fn find_pair<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    target_id: i64,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::TargetAccountId.eq(target_id))
        .one(db)
        .await?)
}

/// The block a Block activity id created, if any.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// Removes a block.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Whether either account blocks the other.
pub async fn between<C: ConnectionTrait>(db: &C, a: i64, b: i64) -> Result<bool, StoreError> {
    Ok(Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(Column::AccountId.eq(a).and(Column::TargetAccountId.eq(b)))
                .add(Column::AccountId.eq(b).and(Column::TargetAccountId.eq(a))),
        )
        .one(db)
        .await?
        .is_some())
}

/// Every account on the other side of a block with `account_id` (either direction).
pub async fn partners<C: ConnectionTrait>(db: &C, account_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(Column::AccountId.eq(account_id))
                .add(Column::TargetAccountId.eq(account_id)),
        )
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|b| {
            if b.account_id == account_id {
                b.target_account_id
            } else {
                b.account_id
            }
        })
        .collect())
}

/// The blocks `account_id` made, newest first.
pub async fn made_by<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_desc(Column::Id)
        .all(db)
        .await?)
}

/// Ids of the accounts `me` blocked.
pub fn blocked_by(me: i64) -> SelectStatement {
    Query::select()
        .column(Column::TargetAccountId)
        .from(Entity)
        .and_where(Expr::col(Column::AccountId).eq(me))
        .to_owned()
}

/// Ids of the accounts that blocked `me`.
pub fn blocking(me: i64) -> SelectStatement {
    Query::select()
        .column(Column::AccountId)
        .from(Entity)
        .and_where(Expr::col(Column::TargetAccountId).eq(me))
        .to_owned()
}
