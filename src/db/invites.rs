//! Invite queries.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, sea_query::Expr,
};

use super::{
    StoreError,
    entities::invites::{Column, Entity, Model},
};

/// The invite with this code, whatever its state.
pub async fn find_by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Code.eq(code)).one(db).await?)
}

/// The invite by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// Takes one use of an invite if it still has one and has not expired, in one statement
/// so that two sign-ups racing for the last use cannot both get it. False: nothing taken.
pub async fn take_use<C: ConnectionTrait>(
    db: &C,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    let taken = Entity::update_many()
        .col_expr(Column::Uses, Expr::col(Column::Uses).add(1))
        .filter(Column::Id.eq(id))
        .filter(
            Column::MaxUses
                .is_null()
                .or(Expr::col(Column::Uses).lt(Expr::col(Column::MaxUses))),
        )
        .filter(Column::ExpiresAt.is_null().or(Column::ExpiresAt.gt(now)))
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Gives back a use taken by a sign-up that then failed.
pub async fn give_back<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::Uses, Expr::col(Column::Uses).sub(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Uses.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Invites made by `account_id` (all of them when `None`), newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    account_id: Option<i64>,
) -> Result<Vec<Model>, StoreError> {
    let mut q = Entity::find();
    if let Some(id) = account_id {
        q = q.filter(Column::AccountId.eq(id));
    }
    Ok(q.order_by_desc(Column::Id).all(db).await?)
}
