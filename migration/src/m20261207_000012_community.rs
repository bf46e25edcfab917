//! Running a community: who may sign up and how (approval, invites, e-mail), what each
//! account may do (a role instead of the single `is_admin` flag), the moderation state of an
//! account (disabled, silenced, suspended, media marked sensitive), and the audit log that
//! records every moderation action.

use sea_orm_migration::prelude::*;

use crate::columns::{at, id};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    IsAdmin,
    Role,
    Email,
    ConfirmedAt,
    Approved,
    SignUpReason,
    Locale,
    SignUpIp,
    InviteId,
    CreatedByAppId,
    Disabled,
    SilencedAt,
    SuspendedAt,
    SensitizedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    Code,
    AccountId,
    MaxUses,
    Uses,
    ExpiresAt,
    Autofollow,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionLogs {
    Table,
    Id,
    AccountId,
    Action,
    TargetType,
    TargetId,
    TargetName,
    Text,
    CreatedAt,
}

/// One column per statement: SQLite alters a table one change at a time.
async fn add(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Accounts::Table)
                .add_column(column)
                .to_owned(),
        )
        .await
}

async fn drop(manager: &SchemaManager<'_>, column: Accounts) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Accounts::Table)
                .drop_column(column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            ColumnDef::new(Accounts::Role)
                .text()
                .not_null()
                .default("user")
                .to_owned(),
        )
        .await?;
        manager
            .get_connection()
            // The API showed `is_admin` accounts as Mastodon's Owner: they stay owners.
            .execute_unprepared("UPDATE accounts SET role = 'owner' WHERE is_admin")
            .await?;
        drop(manager, Accounts::IsAdmin).await?;
        for column in [
            ColumnDef::new(Accounts::Email).text().null().to_owned(),
            ColumnDef::new(Accounts::ConfirmedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::Approved)
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new(Accounts::SignUpReason)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::Locale).text().null().to_owned(),
            ColumnDef::new(Accounts::SignUpIp).text().null().to_owned(),
            ColumnDef::new(Accounts::InviteId)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::CreatedByAppId)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::Disabled)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Accounts::SilencedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::SuspendedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::SensitizedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            add(manager, column).await?;
        }
        // Existing local accounts were made by an operator: they count as confirmed.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE accounts SET confirmed_at = created_at WHERE domain IS NULL",
            )
            .await?;
        // E-mail addresses are stored lower-cased: unique whatever the case they were
        // typed in.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_accounts_email ON accounts (email) \
                 WHERE email IS NOT NULL",
            )
            .await?;
        for sql in [
            "CREATE INDEX idx_accounts_pending ON accounts (id) WHERE NOT approved",
            // Every timeline leaves out suspended accounts, and public ones limited ones:
            // these keep those lists a lookup, not a scan of all accounts.
            "CREATE INDEX idx_accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL",
            "CREATE INDEX idx_accounts_silenced ON accounts (id) WHERE silenced_at IS NOT NULL",
        ] {
            manager.get_connection().execute_unprepared(sql).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .col(id(Invites::Id))
                    .col(ColumnDef::new(Invites::Code).text().not_null().unique_key())
                    .col(ColumnDef::new(Invites::AccountId).big_integer().not_null())
                    .col(ColumnDef::new(Invites::MaxUses).integer().null())
                    .col(
                        ColumnDef::new(Invites::Uses)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Invites::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Invites::Autofollow)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Invites::Comment).text().null())
                    .col(at(Invites::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invites_account")
                            .from(Invites::Table, Invites::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The audit log outlives what it names: no foreign keys, and the target's name is
        // kept as it was when the action was taken.
        manager
            .create_table(
                Table::create()
                    .table(ActionLogs::Table)
                    .col(id(ActionLogs::Id))
                    .col(ColumnDef::new(ActionLogs::AccountId).big_integer().null())
                    .col(ColumnDef::new(ActionLogs::Action).text().not_null())
                    .col(ColumnDef::new(ActionLogs::TargetType).text().not_null())
                    .col(ColumnDef::new(ActionLogs::TargetId).big_integer().null())
                    .col(ColumnDef::new(ActionLogs::TargetName).text().not_null())
                    .col(ColumnDef::new(ActionLogs::Text).text().not_null())
                    .col(at(ActionLogs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_logs_created")
                    .table(ActionLogs::Table)
                    .col(ActionLogs::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActionLogs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Invites::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_accounts_silenced")
            .await?;
        db.execute_unprepared("DROP INDEX idx_accounts_suspended")
            .await?;
        db.execute_unprepared("DROP INDEX idx_accounts_pending")
            .await?;
        db.execute_unprepared("DROP INDEX idx_accounts_email")
            .await?;
        for column in [
            Accounts::SensitizedAt,
            Accounts::SuspendedAt,
            Accounts::SilencedAt,
            Accounts::Disabled,
            Accounts::CreatedByAppId,
            Accounts::InviteId,
            Accounts::SignUpIp,
            Accounts::Locale,
            Accounts::SignUpReason,
            Accounts::Approved,
            Accounts::ConfirmedAt,
            Accounts::Email,
        ] {
            drop(manager, column).await?;
        }
        add(
            manager,
            ColumnDef::new(Accounts::IsAdmin)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        )
        .await?;
        db.execute_unprepared(
            "UPDATE accounts SET is_admin = TRUE WHERE role IN ('owner', 'admin')",
        )
        .await?;
        drop(manager, Accounts::Role).await
    }
}
