//! Account warning queries (inserts go through `db::insert`).

use sea_orm::{ConnectionTrait, EntityTrait};

use super::{
    StoreError,
    entities::account_warnings::{Entity, Model},
};

/// The warning by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}
