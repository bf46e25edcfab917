//! Ids of activities already processed, so redeliveries are acknowledged but not re-applied.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: String,
    pub actor_uri: String,
    pub kind: String,
    pub received_at: DateTimeUtc,
    /// The activity as received (kept for the recipients' inbox collections).
    pub body: Option<String>,
    /// The actor's account (hidden from the inbox of whoever blocks it, or is blocked by it).
    pub actor_account_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
