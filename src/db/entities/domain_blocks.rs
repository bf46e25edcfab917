//! A moderation decision about a whole server (and its subdomains).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "domain_blocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-case, punycode.
    pub domain: String,
    /// `noop`, `silence` (limit) or `suspend`.
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    /// Shown partly hidden in the public list.
    pub obfuscate: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
