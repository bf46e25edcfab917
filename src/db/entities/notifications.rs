//! Something a local account should hear about: `follow`, `follow_request`, `mention`,
//! `favourite`, `reblog` (Mastodon's type names; a reply is a `mention`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub kind: String,
    pub post_id: Option<i64>,
    /// The report an `admin.report` notification is about.
    pub report_id: Option<i64>,
    /// The warning a `moderation_warning` notification carries.
    pub warning_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
