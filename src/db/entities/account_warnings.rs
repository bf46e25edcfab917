//! A moderation action as its target is told of it (Mastodon's account warning, a strike).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_warnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The moderator; `None` for the operator.
    pub account_id: Option<i64>,
    pub target_account_id: i64,
    /// `none`, `disable`, `sensitive`, `silence` or `suspend`.
    pub action: String,
    pub text: String,
    pub report_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
