//! One moderation action in the audit log: who did what to which target, when and why.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The moderator's account; `None` for the operator's command line.
    pub account_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    /// The target as it was named then (a handle, a domain), kept if the target goes.
    pub target_name: String,
    pub text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
