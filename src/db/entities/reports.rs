//! A report: someone (a local account, or a remote server's actor through a `Flag`) asks
//! moderators to look at an account and some of its posts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who reported (local, or the remote actor that sent the Flag).
    pub account_id: i64,
    pub target_account_id: i64,
    /// JSON list of post ids.
    pub status_ids: String,
    /// JSON list of rule numbers (1-based, in `instance.rules` order).
    pub rule_ids: String,
    pub comment: String,
    /// `spam`, `legal`, `violation` or `other`.
    pub category: String,
    /// A Flag was sent to the reported account's server.
    pub forwarded: bool,
    /// The Flag's id (received or sent).
    pub uri: Option<String>,
    pub assigned_account_id: Option<i64>,
    /// Resolved when set.
    pub action_taken_at: Option<DateTimeUtc>,
    pub action_taken_by_account_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// The reported post ids.
    pub fn post_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.status_ids).unwrap_or_default()
    }

    /// The broken rules' numbers.
    pub fn rules(&self) -> Vec<i64> {
        serde_json::from_str(&self.rule_ids).unwrap_or_default()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
