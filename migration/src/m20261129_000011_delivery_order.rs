//! Deliveries about one subject (a post, a follow, a like…) to one inbox go out in the
//! order they were queued: a key per delivery, and an index that lets the queue find an
//! earlier delivery of the same chain still waiting.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    OrderingKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(ColumnDef::new(Deliveries::OrderingKey).text().null())
                    .to_owned(),
            )
            .await?;
        // Only waiting, keyed rows: the queue asks "is an earlier one of this chain still
        // queued?" for every row it claims. Same SQL on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_deliveries_chain ON deliveries (inbox_url, ordering_key, id) \
                 WHERE state = 'queued' AND ordering_key IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_deliveries_chain")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::OrderingKey)
                    .to_owned(),
            )
            .await
    }
}
