//! Audit log queries.

use sea_orm::{ConnectionTrait, EntityTrait};

use super::{
    StoreError,
    entities::action_logs::{Column, Entity, Model},
    posts::Page,
};

/// A page of the log, newest first.
pub async fn page<C: ConnectionTrait>(db: &C, page: &Page) -> Result<Vec<Model>, StoreError> {
    super::rows::page_by_id(db, Entity::find(), Column::Id, page).await
}
