//! `Idempotency-Key`: a retried post request gets the post the first one created.

use super::*;

/// The post an idempotency key created, if any.
pub async fn idempotent_post<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    use crate::db::entities::idempotency_keys as k;
    Ok(k::Entity::find()
        .filter(k::Column::AccountId.eq(account_id))
        .filter(k::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|r| r.post_id))
}

/// Remembers the post an idempotency key created.
pub async fn remember_idempotency<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    key: &str,
    post_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    use crate::db::entities::idempotency_keys as k;
    k::Entity::insert(k::ActiveModel {
        account_id: Set(account_id),
        key: Set(key.to_string()),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([k::Column::AccountId, k::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
