//! An invite link: sign-up by its code, even when registrations are closed to others.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    /// Who made it.
    pub account_id: i64,
    /// `None`: no limit.
    pub max_uses: Option<i32>,
    pub uses: i32,
    /// `None`: never expires. Revoking sets it to the moment of revocation.
    pub expires_at: Option<DateTimeUtc>,
    /// New accounts follow the inviter.
    pub autofollow: bool,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
