//! Accounts: local users now, remote actors later (`domain` NULL means local).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Username,
    UsernameKey,
    Domain,
    DisplayName,
    Summary,
    PasswordHash,
    IsAdmin,
    PublicKeyPem,
    PrivateKeyPem,
    AvatarUrl,
    HeaderUrl,
    ManuallyApprovesFollowers,
    Discoverable,
    Indexable,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(
                        ColumnDef::new(Accounts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Accounts::Username)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::UsernameKey)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Accounts::Domain).string_len(255).null())
                    .col(
                        ColumnDef::new(Accounts::DisplayName)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Accounts::Summary)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Accounts::PasswordHash).text().null())
                    .col(
                        ColumnDef::new(Accounts::IsAdmin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Accounts::PublicKeyPem).text().not_null())
                    .col(ColumnDef::new(Accounts::PrivateKeyPem).text().null())
                    .col(ColumnDef::new(Accounts::AvatarUrl).text().null())
                    .col(ColumnDef::new(Accounts::HeaderUrl).text().null())
                    .col(
                        ColumnDef::new(Accounts::ManuallyApprovesFollowers)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Accounts::Discoverable)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Accounts::Indexable)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Accounts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // Usernames are unique case-insensitively per domain. NULL never equals NULL in a
        // unique index, so local accounts get their own partial index (same SQL on SQLite
        // and PostgreSQL).
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_accounts_local_username ON accounts (username_key) \
             WHERE domain IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_accounts_remote_username ON accounts (username_key, domain) \
             WHERE domain IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await
    }
}
