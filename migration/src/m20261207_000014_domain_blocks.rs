//! Domain blocks (suspend, limit, or neither, with media and reports rejected on their own)
//! and the allowed domains of allowlist federation.

use sea_orm_migration::prelude::*;

use crate::columns::{at, flag, id};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DomainBlocks {
    Table,
    Id,
    Domain,
    Severity,
    RejectMedia,
    RejectReports,
    PrivateComment,
    PublicComment,
    Obfuscate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DomainAllows {
    Table,
    Id,
    Domain,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DomainBlocks::Table)
                    .col(id(DomainBlocks::Id))
                    .col(
                        ColumnDef::new(DomainBlocks::Domain)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(DomainBlocks::Severity).text().not_null())
                    .col(flag(DomainBlocks::RejectMedia))
                    .col(flag(DomainBlocks::RejectReports))
                    .col(ColumnDef::new(DomainBlocks::PrivateComment).text().null())
                    .col(ColumnDef::new(DomainBlocks::PublicComment).text().null())
                    .col(flag(DomainBlocks::Obfuscate))
                    .col(at(DomainBlocks::CreatedAt))
                    .col(at(DomainBlocks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DomainAllows::Table)
                    .col(id(DomainAllows::Id))
                    .col(
                        ColumnDef::new(DomainAllows::Domain)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(at(DomainAllows::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DomainAllows::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DomainBlocks::Table).to_owned())
            .await
    }
}
