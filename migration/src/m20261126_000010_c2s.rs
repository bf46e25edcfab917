//! What ActivityPub client-to-server needs: silent mentions (accounts a post was delivered
//! to without naming them — `bto`/`bcc`, or a delivery to a personal inbox), blocks, and
//! the bodies of received activities with the local accounts each one reached (a user's
//! inbox as a collection).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Mentions {
    Table,
    Silent,
}

#[derive(DeriveIden)]
enum InboxActivities {
    Table,
    Id,
    Body,
    ActorAccountId,
}

#[derive(DeriveIden)]
enum Blocks {
    Table,
    Id,
    AccountId,
    TargetAccountId,
    Uri,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InboxItems {
    Table,
    Id,
    AccountId,
    InboxActivityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

fn id_column<T: Iden + 'static>(name: T) -> ColumnDef {
    ColumnDef::new(name)
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
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .add_column(
                        ColumnDef::new(Mentions::Silent)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InboxActivities::Table)
                    .add_column(ColumnDef::new(InboxActivities::Body).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InboxActivities::Table)
                    .add_column(
                        ColumnDef::new(InboxActivities::ActorAccountId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Blocks::Table)
                    .col(id_column(Blocks::Id))
                    .col(ColumnDef::new(Blocks::AccountId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Blocks::TargetAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Blocks::Uri).string_len(2048).not_null())
                    .col(
                        ColumnDef::new(Blocks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blocks_account")
                            .from(Blocks::Table, Blocks::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blocks_target")
                            .from(Blocks::Table, Blocks::TargetAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_blocks_pair")
                    .table(Blocks::Table)
                    .col(Blocks::AccountId)
                    .col(Blocks::TargetAccountId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_blocks_target")
                    .table(Blocks::Table)
                    .col(Blocks::TargetAccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InboxItems::Table)
                    .col(id_column(InboxItems::Id))
                    .col(
                        ColumnDef::new(InboxItems::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InboxItems::InboxActivityId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InboxItems::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inbox_items_account")
                            .from(InboxItems::Table, InboxItems::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inbox_items_activity")
                            .from(InboxItems::Table, InboxItems::InboxActivityId)
                            .to(InboxActivities::Table, InboxActivities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbox_items_account")
                    .table(InboxItems::Table)
                    .col(InboxItems::AccountId)
                    .col(InboxItems::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InboxItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Blocks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InboxActivities::Table)
                    .drop_column(InboxActivities::ActorAccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InboxActivities::Table)
                    .drop_column(InboxActivities::Body)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .drop_column(Mentions::Silent)
                    .to_owned(),
            )
            .await
    }
}
