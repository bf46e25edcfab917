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
    /// Inbox POSTs being processed (`federation.inbox_concurrency` permits).
    pub inbox_slots: Arc<tokio::sync::Semaphore>,
    /// Inbox POSTs processed or waiting (slots plus `federation.inbox_queue_max`): one
    /// that finds none left is answered 503 at once instead of holding its connection.
    pub inbox_admitted: Arc<tokio::sync::Semaphore>,
    /// KiB of inbox bodies buffered at once (four full-size bodies per slot): bodies are
    /// read before a processing slot is taken, so their memory is bounded here.
    pub inbox_buffer: Arc<tokio::sync::Semaphore>,
}
