//! Processed inbox activity ids.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::{StoreError, entities::inbox_activities::ActiveModel};

/// Records an activity id; `StoreError::Conflict` when it was processed before.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    activity_id: &str,
    actor_uri: &str,
    kind: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    ActiveModel {
        activity_id: Set(activity_id.to_string()),
        actor_uri: Set(actor_uri.to_string()),
        kind: Set(kind.to_string()),
        received_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
