//! A post: a photo post or note (local or remote), or a boost (`reblog_of_id` set, no
//! content of its own).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The ActivityPub id (for boosts: the Announce's id).
    pub uri: String,
    /// The HTML page, when the origin names one.
    pub url: Option<String>,
    pub account_id: i64,
    pub local: bool,
    pub reblog_of_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    /// Kept even when the parent could not be fetched, so the thread can be mended later.
    pub in_reply_to_uri: Option<String>,
    pub in_reply_to_account_id: Option<i64>,
    /// Rendered (local) or sanitized (remote) HTML.
    pub content: String,
    /// The plain text a local author wrote, for editing.
    pub source: Option<String>,
    /// Content warning.
    pub summary: String,
    pub sensitive: bool,
    /// `public`, `unlisted`, `private` (followers only) or `direct`, as Mastodon names them.
    pub visibility: String,
    pub language: Option<String>,
    /// Whether any media is attached (the photo grid filter).
    pub has_media: bool,
    pub published_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
