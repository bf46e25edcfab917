//! The moderators' view of accounts (local and remote) and, as they land, the actions they
//! take on them. Every function checks the moderator's role first.

use super::{DomainError, audit::Moderator, roles::permission};
use crate::db::{
    self, Pool,
    accounts::{AccountQuery, AccountStatus},
    entities::{accounts::Model as Account, invites::Model as Invite},
    posts::Page,
};

/// Most accounts on one page of an admin list (Mastodon's limit).
pub const MAX_PAGE: u64 = 100;

/// A page of accounts matching `query`, newest first.
pub async fn accounts(
    db: &Pool,
    by: Moderator<'_>,
    query: &AccountQuery,
    page: &Page,
) -> Result<Vec<Account>, DomainError> {
    by.require(permission::MANAGE_USERS)?;
    let page = Page {
        limit: page.limit.clamp(1, MAX_PAGE),
        ..*page
    };
    Ok(db::accounts::query(db, query, &page).await?)
}

/// One account, as moderators see it.
pub async fn account(db: &Pool, by: Moderator<'_>, id: i64) -> Result<Account, DomainError> {
    by.require(permission::MANAGE_USERS)?;
    db::accounts::find_by_id(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// The local accounts waiting for approval, oldest first (the queue's order).
pub async fn pending(db: &Pool, by: Moderator<'_>) -> Result<Vec<Account>, DomainError> {
    let query = AccountQuery {
        local: Some(true),
        status: Some(AccountStatus::Pending),
        ..AccountQuery::default()
    };
    let page = Page {
        max_id: None,
        since_id: None,
        // From the oldest: who waits longest comes first.
        min_id: Some(0),
        limit: MAX_PAGE,
    };
    let mut waiting = accounts(db, by, &query, &page).await?;
    waiting.reverse();
    Ok(waiting)
}

/// The invite an account signed up with, and who made it.
pub async fn invited_by(db: &Pool, account: &Account) -> Result<Option<Invite>, DomainError> {
    match account.invite_id {
        Some(id) => Ok(db::invites::find(db, id).await?),
        None => Ok(None),
    }
}

/// A word for an account's moderation state, for lists.
pub fn state(a: &Account) -> &'static str {
    if a.suspended_at.is_some() {
        "suspended"
    } else if a.disabled {
        "disabled"
    } else if !a.approved {
        "pending"
    } else if a.silenced_at.is_some() {
        "limited"
    } else {
        "active"
    }
}
