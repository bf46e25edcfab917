//! The instance itself: its actor's key pair and the usage numbers it publishes.

use super::{DomainError, keys};
use crate::db::Pool;
use crate::db::{self, entities::instance_keys::Model as InstanceKeys};

/// Returns the instance actor's key pair, creating it on first use. Called at start-up so
/// request handlers never pay for key generation.
pub async fn ensure_keys(db: &Pool) -> Result<InstanceKeys, DomainError> {
    if let Some(keys) = db::instance_keys::get(db).await? {
        return Ok(keys);
    }
    let (public, private) = keys::generate().await?;
    Ok(db::instance_keys::insert_or_get(db, public, private, chrono::Utc::now()).await?)
}

/// Usage numbers for NodeInfo and the Mastodon instance API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub users_total: u64,
    pub active_month: u64,
    pub active_halfyear: u64,
    pub local_posts: u64,
}

/// Counts local accounts and the ones whose API tokens were used recently (the activity
/// signal available until sessions and posts exist).
pub async fn usage(db: &Pool) -> Result<Usage, DomainError> {
    let now = chrono::Utc::now();
    Ok(Usage {
        users_total: db::accounts::count_local(db).await?,
        active_month: db::tokens::count_active_accounts(db, now - chrono::Duration::days(30))
            .await?,
        active_halfyear: db::tokens::count_active_accounts(db, now - chrono::Duration::days(180))
            .await?,
        // No posts table yet: posts arrive with the photo-post issue, which counts them here.
        local_posts: 0,
    })
}

/// Whether the database answers, for health checks.
pub async fn check_database(db: &Pool) -> Result<(), DomainError> {
    Ok(db::ping(db).await?)
}
