//! The instance actor's key pair.

use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::{
    StoreError,
    entities::instance_keys::{ActiveModel, Entity, Model},
};

const ROW_ID: i32 = 1;

/// The stored key pair, if one was created.
pub async fn get<C: ConnectionTrait>(db: &C) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(ROW_ID).one(db).await?)
}

/// Stores the key pair unless another process stored one first; returns the one that won.
pub async fn insert_or_get<C: ConnectionTrait>(
    db: &C,
    public_key_pem: String,
    private_key_pem: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, StoreError> {
    let row = ActiveModel {
        id: Set(ROW_ID),
        public_key_pem: Set(public_key_pem),
        private_key_pem: Set(private_key_pem),
        created_at: Set(now),
    };
    match Entity::insert(row).exec(db).await.map_err(StoreError::from) {
        Ok(_) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e),
    }
    get(db)
        .await?
        .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotFound(
            "instance_keys row vanished".into(),
        )))
}
