//! Shared, cheaply clonable state handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Config, db::entities::instance_keys::Model as InstanceKeys,
    domain::media::MediaService, federation::Federation,
};

/// What handlers need: the pool, the configuration, the instance actor's keys and the
/// federation services.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub instance_keys: Arc<InstanceKeys>,
    pub federation: Arc<Federation>,
    pub media: Arc<MediaService>,
    /// Failed sign-ins, shared by every request.
    pub login_throttle: Arc<crate::domain::oauth::Throttle>,
    /// Rate limits: sign-ups, API requests, uploads, deletions (`[limits]`).
    pub limits: Arc<crate::domain::limits::Limits>,
    /// What bounds the inbox: slots, the waiting line, places per sender, body bytes.
    pub inbox: Arc<crate::net::InboxGate>,
}
