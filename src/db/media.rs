//! Media attachment queries.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{
    StoreError,
    entities::media_attachments::{ActiveModel, Column, Entity, Model},
};

/// Stores a new attachment row; its id is assigned here.
pub async fn insert<C: ConnectionTrait>(db: &C, row: Model) -> Result<Model, StoreError> {
    Ok(super::rows::fresh::<ActiveModel>(row).insert(db).await?)
}

/// An attachment by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// Uploads never attached to a post and older than `before`.
pub async fn unattached_before<C: ConnectionTrait>(
    db: &C,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::PostId.is_null())
        .filter(Column::RemoteUrl.is_null())
        .filter(Column::CreatedAt.lt(before))
        .all(db)
        .await?)
}

/// Removes an attachment row.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Number of attachment rows (tests and operators).
pub async fn count<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find().count(db).await?)
}
