//! API token queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use super::{
    StoreError,
    entities::{
        accounts,
        api_tokens::{ActiveModel, Column, Entity, Model},
    },
};

/// Stores a token hash for an account.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    token_hash: String,
    scopes: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, StoreError> {
    let row = ActiveModel {
        account_id: Set(account_id),
        token_hash: Set(token_hash),
        scopes: Set(scopes),
        created_at: Set(now),
        last_used_at: Set(None),
        app_id: Set(None),
        refresh_hash: Set(None),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Finds a token by its hash, with the account it belongs to.
pub async fn find_by_hash<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<(Model, accounts::Model)>, StoreError> {
    let found = Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .find_also_related(accounts::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(token, account)| account.map(|a| (token, a))))
}

/// Records when a token was last used, so operators can spot stale credentials.
pub async fn touch<C: ConnectionTrait>(
    db: &C,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::LastUsedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Number of distinct accounts whose tokens were used since `since`.
pub async fn count_active_accounts<C: ConnectionTrait>(
    db: &C,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    Ok(Entity::find()
        .select_only()
        .column(Column::AccountId)
        .distinct()
        .filter(Column::LastUsedAt.gte(since))
        .count(db)
        .await?)
}

/// Revokes every token of an account (after a password reset): all its sessions and apps
/// must sign in again.
pub async fn delete_for_account<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<u64, StoreError> {
    let done = Entity::delete_many()
        .filter(Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
