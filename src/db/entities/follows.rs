//! A follow between two accounts; `accepted` is false while it is a request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub follower_id: i64,
    pub target_id: i64,
    /// The id of the Follow activity, which Accept/Reject/Undo refer to.
    pub uri: String,
    pub accepted: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
