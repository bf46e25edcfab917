//! Mastodon client API: one file per resource; `entities` holds the JSON shapes.

pub mod admin;
pub mod auth;
pub mod credentials;
pub mod domains;
pub mod entities;
pub mod instance;
pub mod media;
pub mod params;
pub mod reports;
pub mod sign_up;
pub mod social;
pub mod statuses;
pub mod statuses_entities;
