//! OAuth app, code and token queries.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{
    StoreError,
    entities::{api_tokens, oauth_app_tokens, oauth_apps, oauth_codes},
};

type Time = chrono::DateTime<chrono::Utc>;

/// Stores a registered app.
pub async fn insert_app<C: ConnectionTrait>(
    db: &C,
    row: oauth_apps::Model,
) -> Result<oauth_apps::Model, StoreError> {
    Ok(super::rows::fresh::<oauth_apps::ActiveModel>(row)
        .insert(db)
        .await?)
}

/// An app by its client id.
pub async fn app_by_client_id<C: ConnectionTrait>(
    db: &C,
    client_id: &str,
) -> Result<Option<oauth_apps::Model>, StoreError> {
    Ok(oauth_apps::Entity::find()
        .filter(oauth_apps::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// An app by id.
pub async fn app<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<oauth_apps::Model>, StoreError> {
    Ok(oauth_apps::Entity::find_by_id(id).one(db).await?)
}

/// Stores an authorization code.
pub async fn insert_code<C: ConnectionTrait>(
    db: &C,
    row: oauth_codes::Model,
) -> Result<(), StoreError> {
    super::rows::fresh::<oauth_codes::ActiveModel>(row)
        .insert(db)
        .await?;
    Ok(())
}

/// Takes (finds and deletes) a code: codes work once.
pub async fn take_code<C: ConnectionTrait>(
    db: &C,
    code_hash: &str,
) -> Result<Option<oauth_codes::Model>, StoreError> {
    let found = oauth_codes::Entity::find()
        .filter(oauth_codes::Column::CodeHash.eq(code_hash))
        .one(db)
        .await?;
    if let Some(code) = &found {
        oauth_codes::Entity::delete_by_id(code.id).exec(db).await?;
    }
    Ok(found)
}

/// Stores a user token issued to an app, with its refresh token hash.
pub async fn insert_user_token<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    app_id: i64,
    token_hash: String,
    refresh_hash: String,
    scopes: String,
    now: Time,
) -> Result<(), StoreError> {
    api_tokens::ActiveModel {
        account_id: Set(account_id),
        token_hash: Set(token_hash),
        scopes: Set(scopes),
        created_at: Set(now),
        last_used_at: Set(None),
        app_id: Set(Some(app_id)),
        refresh_hash: Set(Some(refresh_hash)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The user token a refresh token belongs to.
pub async fn token_by_refresh<C: ConnectionTrait>(
    db: &C,
    refresh_hash: &str,
) -> Result<Option<api_tokens::Model>, StoreError> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::RefreshHash.eq(refresh_hash))
        .one(db)
        .await?)
}

/// A user token by its hash.
pub async fn user_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<api_tokens::Model>, StoreError> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Deletes a user token.
pub async fn delete_user_token<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    api_tokens::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Stores an app token.
pub async fn insert_app_token<C: ConnectionTrait>(
    db: &C,
    app_id: i64,
    token_hash: String,
    scopes: String,
    now: Time,
) -> Result<(), StoreError> {
    oauth_app_tokens::ActiveModel {
        app_id: Set(app_id),
        token_hash: Set(token_hash),
        scopes: Set(scopes),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An app token by its hash.
pub async fn app_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<oauth_app_tokens::Model>, StoreError> {
    Ok(oauth_app_tokens::Entity::find()
        .filter(oauth_app_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Deletes an app token.
pub async fn delete_app_token<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    oauth_app_tokens::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Deletes the authorization codes not yet exchanged for an account (a password reset).
pub async fn delete_codes_for_account<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<(), StoreError> {
    oauth_codes::Entity::delete_many()
        .filter(oauth_codes::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}
