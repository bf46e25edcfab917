//! A previous version of an edited post (Mastodon shows the history).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_edits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub post_id: i64,
    pub content: String,
    pub summary: String,
    pub sensitive: bool,
    /// The attachments as they were: JSON list of `{id, description}`.
    pub media_json: String,
    /// When this version was written.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
