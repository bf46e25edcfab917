//! Notifications: written with the change that causes them, paged, dismissed.

use super::*;
use crate::db::entities::notifications;

/// Records a notification unless the same one exists.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    from_account_id: i64,
    kind: &str,
    post_id: Option<i64>,
    now: Time,
) -> Result<(), StoreError> {
    let mut existing = notifications::Entity::find()
        .filter(notifications::Column::AccountId.eq(account_id))
        .filter(notifications::Column::FromAccountId.eq(from_account_id))
        .filter(notifications::Column::Kind.eq(kind));
    existing = match post_id {
        Some(p) => existing.filter(notifications::Column::PostId.eq(p)),
        None => existing.filter(notifications::Column::PostId.is_null()),
    };
    if existing.count(db).await? > 0 {
        return Ok(());
    }
    notifications::ActiveModel {
        account_id: Set(account_id),
        from_account_id: Set(from_account_id),
        kind: Set(kind.to_string()),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removes a notification (the like or boost behind it was undone).
pub async fn unnotify<C: ConnectionTrait>(
    db: &C,
    from_account_id: i64,
    kind: &str,
    post_id: i64,
) -> Result<(), StoreError> {
    notifications::Entity::delete_many()
        .filter(notifications::Column::FromAccountId.eq(from_account_id))
        .filter(notifications::Column::Kind.eq(kind))
        .filter(notifications::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One of an account's notifications.
pub async fn notification<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    id: i64,
) -> Result<Option<notifications::Model>, StoreError> {
    Ok(notifications::Entity::find_by_id(id)
        .filter(notifications::Column::AccountId.eq(account_id))
        .one(db)
        .await?)
}

/// Deletes one (`Some(id)`) or all of an account's notifications.
pub async fn dismiss<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut q = notifications::Entity::delete_many()
        .filter(notifications::Column::AccountId.eq(account_id));
    if let Some(id) = id {
        q = q.filter(notifications::Column::Id.eq(id));
    }
    q.exec(db).await?;
    Ok(())
}

/// A local account's notifications, newest first.
pub async fn notifications<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    kinds: &[String],
    page: Page,
) -> Result<Vec<notifications::Model>, StoreError> {
    use notifications::Column as N;
    // Nothing from an account on the other side of a block (Mastodon hides those too).
    let mut q = notifications::Entity::find()
        .filter(N::AccountId.eq(account_id))
        .filter(N::FromAccountId.not_in_subquery(crate::db::blocks::blocked_by(account_id)))
        .filter(N::FromAccountId.not_in_subquery(crate::db::blocks::blocking(account_id)));
    if !kinds.is_empty() {
        q = q.filter(N::Kind.is_in(kinds.to_vec()));
    }
    crate::db::rows::page_by_id(db, q, N::Id, &page).await
}

/// What a moderation notification is about.
pub enum About {
    /// `admin.report`: a report, for staff.
    Report(i64),
    /// `moderation_warning`: an action taken on the reader's own account.
    Warning(i64),
}

/// Tells someone about a moderation matter (never merged with an earlier one).
pub async fn notify_moderation<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    from_account_id: i64,
    about: About,
    now: Time,
) -> Result<(), StoreError> {
    let (kind, report_id, warning_id) = match about {
        About::Report(id) => ("admin.report", Some(id), None),
        About::Warning(id) => ("moderation_warning", None, Some(id)),
    };
    notifications::ActiveModel {
        account_id: Set(account_id),
        from_account_id: Set(from_account_id),
        kind: Set(kind.to_string()),
        post_id: Set(None),
        report_id: Set(report_id),
        warning_id: Set(warning_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
