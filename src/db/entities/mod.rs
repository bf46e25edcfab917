//! sea-orm entities: database rows, nothing else (no HTTP, no ActivityStreams).

pub mod accounts;
pub mod action_logs;
pub mod api_tokens;
pub mod blocks;
pub mod bookmarks;
pub mod deliveries;
pub mod domain_health;
pub mod favourites;
pub mod follows;
pub mod idempotency_keys;
pub mod inbox_activities;
pub mod inbox_items;
pub mod instance_keys;
pub mod invites;
pub mod media_attachments;
pub mod mentions;
pub mod notifications;
pub mod oauth_app_tokens;
pub mod oauth_apps;
pub mod oauth_codes;
pub mod post_edits;
pub mod post_tags;
pub mod posts;
pub mod tags;
pub mod tombstones;
