//! A media attachment: a local upload (files under `storage_key`) or remote media (URL).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "media_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// Set once a post uses it; unattached uploads are removed after a day.
    pub post_id: Option<i64>,
    /// `image` or `gifv` (animated GIF), as Mastodon names them.
    pub kind: String,
    /// `processing`, `ready` or `failed` (Mastodon's v2 upload answers 202 while processing).
    pub state: String,
    pub storage_key: Option<String>,
    /// File names under `storage_key` of each size (`original.jpg`, …).
    pub original_name: Option<String>,
    pub display_name: Option<String>,
    pub thumbnail_name: Option<String>,
    pub content_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub display_width: Option<i32>,
    pub display_height: Option<i32>,
    pub thumbnail_width: Option<i32>,
    pub thumbnail_height: Option<i32>,
    pub size_bytes: i64,
    pub blurhash: Option<String>,
    /// Alt text.
    pub description: String,
    /// Focal point, each in −1..1 (Mastodon's convention: y up).
    pub focus_x: f64,
    pub focus_y: f64,
    pub remote_url: Option<String>,
    /// Order within the post.
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
