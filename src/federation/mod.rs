//! ActivityPub: wire types (`protocol`) and conversions from our models (`objects`).
//! Inbox handlers and the delivery queue join this module with the federation issue.

pub mod objects;
pub mod protocol;

/// The media type ActivityPub documents are served with.
pub const ACTIVITY_JSON: &str = "application/activity+json";
