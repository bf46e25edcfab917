//! An account row; `domain` is `None` for local accounts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    /// Lower-cased username: the uniqueness key, since handles are case-insensitive.
    pub username_key: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub summary: String,
    pub password_hash: Option<String>,
    /// `owner`, `admin`, `moderator` or `user` (see `domain::roles`).
    pub role: String,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Remote actors only: their ActivityPub id and endpoints (local ones are derived from
    /// `public_url`).
    pub uri: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub profile_url: Option<String>,
    pub key_id: Option<String>,
    pub actor_type: Option<String>,
    /// When the remote actor document was last fetched; stale copies are refreshed.
    pub fetched_at: Option<DateTimeUtc>,
    /// Profile fields: JSON list of `{"name", "value"}` (plain text as written).
    pub fields_json: Option<String>,
    /// Local accounts that signed up: their address, unique whatever its case.
    pub email: Option<String>,
    /// When the e-mail address was confirmed (or the account approved without mail).
    pub confirmed_at: Option<DateTimeUtc>,
    /// False while a sign-up waits for a moderator.
    pub approved: bool,
    pub sign_up_reason: Option<String>,
    pub locale: Option<String>,
    pub sign_up_ip: Option<String>,
    pub invite_id: Option<i64>,
    pub created_by_app_id: Option<i64>,
    /// Login refused by a moderator; the account and its posts stay visible.
    pub disabled: bool,
    pub silenced_at: Option<DateTimeUtc>,
    pub suspended_at: Option<DateTimeUtc>,
    pub sensitized_at: Option<DateTimeUtc>,
}

impl Model {
    /// The profile fields as `(name, value)` pairs.
    pub fn fields(&self) -> Vec<(String, String)> {
        self.fields_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<Vec<(String, String)>>(j).ok())
            .unwrap_or_default()
    }
}

impl Model {
    /// Whether this account lives on this server.
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::api_tokens::Entity")]
    ApiTokens,
}

impl Related<super::api_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
