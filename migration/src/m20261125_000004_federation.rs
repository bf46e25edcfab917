//! Federation state: remote actor columns on accounts, follows, processed inbox activity
//! ids, the durable delivery queue, and per-domain delivery health.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Uri,
    InboxUrl,
    SharedInboxUrl,
    OutboxUrl,
    FollowersUrl,
    FollowingUrl,
    ProfileUrl,
    KeyId,
    ActorType,
    FetchedAt,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    Id,
    FollowerId,
    TargetId,
    Uri,
    Accepted,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InboxActivities {
    Table,
    Id,
    ActivityId,
    ActorUri,
    Kind,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    InboxUrl,
    Domain,
    SignerAccountId,
    Body,
    State,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DomainHealth {
    Table,
    Domain,
    ConsecutiveFailures,
    OpenUntil,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [
            Accounts::Uri,
            Accounts::InboxUrl,
            Accounts::SharedInboxUrl,
            Accounts::OutboxUrl,
            Accounts::FollowersUrl,
            Accounts::FollowingUrl,
            Accounts::ProfileUrl,
            Accounts::KeyId,
            Accounts::ActorType,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Accounts::Table)
                        .add_column(ColumnDef::new(col).text().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(
                        ColumnDef::new(Accounts::FetchedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_uri")
                    .table(Accounts::Table)
                    .col(Accounts::Uri)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_key_id")
                    .table(Accounts::Table)
                    .col(Accounts::KeyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .col(
                        ColumnDef::new(Follows::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Follows::FollowerId).big_integer().not_null())
                    .col(ColumnDef::new(Follows::TargetId).big_integer().not_null())
                    .col(ColumnDef::new(Follows::Uri).text().not_null())
                    .col(ColumnDef::new(Follows::Accepted).boolean().not_null())
                    .col(
                        ColumnDef::new(Follows::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Follows::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_follows_follower")
                            .from(Follows::Table, Follows::FollowerId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_follows_target")
                            .from(Follows::Table, Follows::TargetId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follows_pair")
                    .table(Follows::Table)
                    .col(Follows::FollowerId)
                    .col(Follows::TargetId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follows_target")
                    .table(Follows::Table)
                    .col(Follows::TargetId)
                    .col(Follows::Accepted)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follows_uri")
                    .table(Follows::Table)
                    .col(Follows::Uri)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InboxActivities::Table)
                    .col(
                        ColumnDef::new(InboxActivities::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(InboxActivities::ActivityId)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(InboxActivities::ActorUri).text().not_null())
                    .col(ColumnDef::new(InboxActivities::Kind).text().not_null())
                    .col(
                        ColumnDef::new(InboxActivities::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(
                        ColumnDef::new(Deliveries::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Deliveries::InboxUrl).text().not_null())
                    .col(ColumnDef::new(Deliveries::Domain).text().not_null())
                    .col(
                        ColumnDef::new(Deliveries::SignerAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Deliveries::Body).text().not_null())
                    .col(ColumnDef::new(Deliveries::State).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Deliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Deliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Deliveries::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Deliveries::LastError).text().null())
                    .col(
                        ColumnDef::new(Deliveries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Deliveries::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_signer")
                            .from(Deliveries::Table, Deliveries::SignerAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::State)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DomainHealth::Table)
                    .col(
                        ColumnDef::new(DomainHealth::Domain)
                            .string_len(255)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DomainHealth::ConsecutiveFailures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(DomainHealth::OpenUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(DomainHealth::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DomainHealth::Table.into_iden(),
            Deliveries::Table.into_iden(),
            InboxActivities::Table.into_iden(),
            Follows::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
