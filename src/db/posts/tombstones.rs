//! Tombstones: the ids of deleted posts, so a late or repeated activity cannot bring one
//! back.

use super::*;
use crate::db::entities::tombstones;

/// Remembers a deleted post's id (idempotent).
pub async fn insert_tombstone<C: ConnectionTrait>(
    db: &C,
    uri: &str,
    account_id: Option<i64>,
    now: Time,
) -> Result<(), StoreError> {
    tombstones::Entity::insert(tombstones::ActiveModel {
        uri: Set(uri.to_string()),
        account_id: Set(account_id),
        deleted_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(tombstones::Column::Uri)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes a tombstone that turned out not to bind the post's author.
pub async fn remove_tombstone<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    tombstones::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The tombstone of a deleted post, if any.
pub async fn find_tombstone<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<tombstones::Model>, StoreError> {
    Ok(tombstones::Entity::find()
        .filter(tombstones::Column::Uri.eq(uri))
        .one(db)
        .await?)
}
