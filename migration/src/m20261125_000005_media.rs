//! Media attachments: local uploads (files in storage) and, later, remote media (URL only).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MediaAttachments {
    Table,
    Id,
    AccountId,
    PostId,
    Kind,
    State,
    StorageKey,
    OriginalName,
    DisplayName,
    ThumbnailName,
    ContentType,
    Width,
    Height,
    DisplayWidth,
    DisplayHeight,
    ThumbnailWidth,
    ThumbnailHeight,
    SizeBytes,
    Blurhash,
    Description,
    FocusX,
    FocusY,
    RemoteUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MediaAttachments as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(
                        ColumnDef::new(M::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(M::AccountId).big_integer().not_null())
                    .col(ColumnDef::new(M::PostId).big_integer().null())
                    .col(ColumnDef::new(M::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(M::State).string_len(16).not_null())
                    .col(ColumnDef::new(M::StorageKey).string_len(64).null())
                    .col(ColumnDef::new(M::OriginalName).string_len(32).null())
                    .col(ColumnDef::new(M::DisplayName).string_len(32).null())
                    .col(ColumnDef::new(M::ThumbnailName).string_len(32).null())
                    .col(ColumnDef::new(M::ContentType).string_len(64).not_null())
                    .col(ColumnDef::new(M::Width).integer().null())
                    .col(ColumnDef::new(M::Height).integer().null())
                    .col(ColumnDef::new(M::DisplayWidth).integer().null())
                    .col(ColumnDef::new(M::DisplayHeight).integer().null())
                    .col(ColumnDef::new(M::ThumbnailWidth).integer().null())
                    .col(ColumnDef::new(M::ThumbnailHeight).integer().null())
                    .col(
                        ColumnDef::new(M::SizeBytes)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(M::Blurhash).string_len(64).null())
                    .col(ColumnDef::new(M::Description).text().not_null().default(""))
                    .col(ColumnDef::new(M::FocusX).double().not_null().default(0.0))
                    .col(ColumnDef::new(M::FocusY).double().not_null().default(0.0))
                    .col(ColumnDef::new(M::RemoteUrl).text().null())
                    .col(
                        ColumnDef::new(M::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(M::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_account")
                            .from(M::Table, M::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_unattached")
                    .table(M::Table)
                    .col(M::PostId)
                    .col(M::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaAttachments::Table).to_owned())
            .await
    }
}
