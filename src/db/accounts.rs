//! Account queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{
    StoreError,
    entities::accounts::{self, ActiveModel, Column, Entity, Model},
};

/// Fields of a new local account; the rest take their column defaults.
pub struct NewLocalAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Inserts a local account; `StoreError::Conflict` when the username is taken.
pub async fn insert_local<C: ConnectionTrait>(
    db: &C,
    new: NewLocalAccount,
) -> Result<Model, StoreError> {
    let row = ActiveModel {
        username_key: Set(new.username.to_lowercase()),
        username: Set(new.username),
        domain: Set(None),
        display_name: Set(new.display_name),
        summary: Set(String::new()),
        password_hash: Set(new.password_hash),
        is_admin: Set(new.is_admin),
        public_key_pem: Set(new.public_key_pem),
        private_key_pem: Set(Some(new.private_key_pem)),
        avatar_url: Set(None),
        header_url: Set(None),
        manually_approves_followers: Set(false),
        discoverable: Set(true),
        // Full-text indexing by other servers is opt-in, as on Mastodon.
        indexable: Set(false),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Finds a local account by username, ignoring case.
pub async fn find_local_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .filter(Column::UsernameKey.eq(username.to_lowercase()))
        .one(db)
        .await?)
}

/// Finds an account by primary key.
pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// All local accounts, oldest first.
pub async fn list_local<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Number of local accounts, for NodeInfo and the instance API.
pub async fn count_local<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(accounts::Column::Domain.is_null())
        .count(db)
        .await?)
}
