//! OAuth2 for Mastodon apps: registered applications, authorization codes, and the app and
//! refresh columns on tokens.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthApps {
    Table,
    Id,
    Name,
    Website,
    RedirectUris,
    Scopes,
    ClientId,
    ClientSecretHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthCodes {
    Table,
    Id,
    CodeHash,
    AppId,
    AccountId,
    Scopes,
    RedirectUri,
    CodeChallenge,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthAppTokens {
    Table,
    Id,
    AppId,
    TokenHash,
    Scopes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    AppId,
    RefreshHash,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthApps::Table)
                    .col(id(OauthApps::Id))
                    .col(ColumnDef::new(OauthApps::Name).string_len(255).not_null())
                    .col(ColumnDef::new(OauthApps::Website).text().null())
                    .col(ColumnDef::new(OauthApps::RedirectUris).text().not_null())
                    .col(ColumnDef::new(OauthApps::Scopes).text().not_null())
                    .col(
                        ColumnDef::new(OauthApps::ClientId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthApps::ClientSecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthApps::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_apps_client")
                    .table(OauthApps::Table)
                    .col(OauthApps::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthCodes::Table)
                    .col(id(OauthCodes::Id))
                    .col(
                        ColumnDef::new(OauthCodes::CodeHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthCodes::AppId).big_integer().not_null())
                    .col(
                        ColumnDef::new(OauthCodes::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthCodes::Scopes).text().not_null())
                    .col(ColumnDef::new(OauthCodes::RedirectUri).text().not_null())
                    .col(
                        ColumnDef::new(OauthCodes::CodeChallenge)
                            .string_len(128)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_codes_app")
                            .from(OauthCodes::Table, OauthCodes::AppId)
                            .to(OauthApps::Table, OauthApps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_codes_account")
                            .from(OauthCodes::Table, OauthCodes::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_codes_hash")
                    .table(OauthCodes::Table)
                    .col(OauthCodes::CodeHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthAppTokens::Table)
                    .col(id(OauthAppTokens::Id))
                    .col(
                        ColumnDef::new(OauthAppTokens::AppId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthAppTokens::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthAppTokens::Scopes).text().not_null())
                    .col(
                        ColumnDef::new(OauthAppTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_app_tokens_app")
                            .from(OauthAppTokens::Table, OauthAppTokens::AppId)
                            .to(OauthApps::Table, OauthApps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_app_tokens_hash")
                    .table(OauthAppTokens::Table)
                    .col(OauthAppTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // SQLite takes one column per ALTER TABLE.
        for col in [ApiTokens::AppId, ApiTokens::RefreshHash] {
            let def = match col {
                ApiTokens::AppId => ColumnDef::new(col).big_integer().null().to_owned(),
                _ => ColumnDef::new(col).string_len(64).null().to_owned(),
            };
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiTokens::Table)
                        .add_column(def)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_refresh")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::RefreshHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [ApiTokens::RefreshHash, ApiTokens::AppId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiTokens::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            OauthAppTokens::Table.into_iden(),
            OauthCodes::Table.into_iden(),
            OauthApps::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
