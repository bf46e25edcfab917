//! The instance actor's key pair (one row). Other servers that require signed fetches
//! (Mastodon's secure mode) see our fetches signed by this actor rather than by a user.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstanceKeys {
    Table,
    Id,
    PublicKeyPem,
    PrivateKeyPem,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstanceKeys::Table)
                    .col(
                        ColumnDef::new(InstanceKeys::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(InstanceKeys::PublicKeyPem).text().not_null())
                    .col(
                        ColumnDef::new(InstanceKeys::PrivateKeyPem)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstanceKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InstanceKeys::Table).to_owned())
            .await
    }
}
