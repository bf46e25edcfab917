//! Reports (from local users, and `Flag`s from other servers), the notification that tells
//! staff about one, and the warnings moderators send with an account action.

use sea_orm_migration::prelude::*;

use crate::columns::{at, id};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    AccountId,
    TargetAccountId,
    StatusIds,
    RuleIds,
    Comment,
    Category,
    Forwarded,
    Uri,
    AssignedAccountId,
    ActionTakenAt,
    ActionTakenByAccountId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccountWarnings {
    Table,
    Id,
    AccountId,
    TargetAccountId,
    Action,
    Text,
    ReportId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    ReportId,
    WarningId,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The reporter may be a remote server's actor and may go: no key on it; the report
        // goes with the reported account.
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(id(Reports::Id))
                    .col(ColumnDef::new(Reports::AccountId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Reports::TargetAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Reports::StatusIds).text().not_null())
                    .col(ColumnDef::new(Reports::RuleIds).text().not_null())
                    .col(ColumnDef::new(Reports::Comment).text().not_null())
                    .col(ColumnDef::new(Reports::Category).text().not_null())
                    .col(ColumnDef::new(Reports::Forwarded).boolean().not_null())
                    .col(ColumnDef::new(Reports::Uri).text().null())
                    .col(
                        ColumnDef::new(Reports::AssignedAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Reports::ActionTakenAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Reports::ActionTakenByAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(at(Reports::CreatedAt))
                    .col(at(Reports::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reports_target")
                            .from(Reports::Table, Reports::TargetAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_reports_unresolved ON reports (id) WHERE action_taken_at IS NULL",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX idx_reports_target ON reports (target_account_id)")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_reports_uri ON reports (uri) WHERE uri IS NOT NULL",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountWarnings::Table)
                    .col(id(AccountWarnings::Id))
                    .col(
                        ColumnDef::new(AccountWarnings::AccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AccountWarnings::TargetAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccountWarnings::Action).text().not_null())
                    .col(ColumnDef::new(AccountWarnings::Text).text().not_null())
                    .col(
                        ColumnDef::new(AccountWarnings::ReportId)
                            .big_integer()
                            .null(),
                    )
                    .col(at(AccountWarnings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_warnings_target")
                            .from(AccountWarnings::Table, AccountWarnings::TargetAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [Notifications::ReportId, Notifications::WarningId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Notifications::Table)
                        .add_column(ColumnDef::new(column).big_integer().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Notifications::WarningId, Notifications::ReportId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Notifications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(AccountWarnings::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}
