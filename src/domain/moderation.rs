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

/// What a moderator does to an account (Mastodon's `type` of an account action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// A warning only: the text, nothing else changes.
    Warn,
    /// Their media is shown behind a sensitive-content warning.
    Sensitive,
    /// Their login is refused; the account and its posts stay visible.
    Disable,
    /// Limited: visible to followers, kept out of public timelines and hashtags.
    Silence,
    /// Everything of theirs hidden at once, login refused, their actor gone (410).
    Suspend,
}

impl ActionKind {
    /// Mastodon's name (`none` is a warning).
    pub fn parse(name: &str) -> Result<ActionKind, DomainError> {
        Ok(match name {
            "none" | "warn" => ActionKind::Warn,
            "sensitive" => ActionKind::Sensitive,
            "disable" => ActionKind::Disable,
            "silence" | "limit" => ActionKind::Silence,
            "suspend" => ActionKind::Suspend,
            other => {
                return Err(DomainError::Invalid(format!(
                    "unknown action `{other}`: use none, sensitive, disable, silence or suspend"
                )));
            }
        })
    }

    /// The name logged and stored (Mastodon's).
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Warn => "none",
            ActionKind::Sensitive => "sensitive",
            ActionKind::Disable => "disable",
            ActionKind::Silence => "silence",
            ActionKind::Suspend => "suspend",
        }
    }
}

/// An account action as a moderator asks for it.
#[derive(Debug, Clone)]
pub struct AccountAction {
    pub kind: ActionKind,
    /// Shown to the account (a warning's whole point).
    pub text: String,
    /// The report that led to it: resolved with it.
    pub report_id: Option<i64>,
}

/// Longest warning text.
pub const MAX_WARNING_CHARS: usize = 5000;

/// Takes an action on an account (local or remote), tells a local account what happened
/// and why, settles the reports about it (only the given one for a warning, as Mastodon
/// does), and logs it, in one transaction. Every action can be undone with [`undo`].
pub async fn act(
    db: &Pool,
    by: Moderator<'_>,
    target: &Account,
    action: AccountAction,
) -> Result<Account, DomainError> {
    use crate::db::entities::account_warnings::Model as Warning;
    by.require(permission::MANAGE_USERS)?;
    by.outranks(target)?;
    if action.kind == ActionKind::Disable && !target.is_local() {
        return Err(DomainError::Invalid(
            "only local accounts have a login to disable".into(),
        ));
    }
    let text = action.text.trim().to_string();
    if text.chars().count() > MAX_WARNING_CHARS {
        return Err(DomainError::Invalid(format!(
            "the text is longer than {MAX_WARNING_CHARS} characters"
        )));
    }
    let now = chrono::Utc::now();
    let mut changed = target.clone();
    match action.kind {
        ActionKind::Warn => {}
        ActionKind::Sensitive => changed.sensitized_at = target.sensitized_at.or(Some(now)),
        ActionKind::Disable => changed.disabled = true,
        ActionKind::Silence => changed.silenced_at = target.silenced_at.or(Some(now)),
        ActionKind::Suspend => changed.suspended_at = target.suspended_at.or(Some(now)),
    }
    let moderator = match by {
        Moderator::Account(a) => Some(a.id),
        Moderator::Operator => None,
    };
    let txn = db::begin_write(db).await?;
    if let Some(id) = action.report_id {
        let report = db::reports::find(&txn, id)
            .await?
            .filter(|r| r.target_account_id == target.id)
            .ok_or_else(|| DomainError::NotFound("no such report about this account".into()))?;
        if action.kind == ActionKind::Warn {
            let mut resolved = report.clone();
            resolved.action_taken_at = Some(now);
            resolved.action_taken_by_account_id = moderator;
            resolved.updated_at = now;
            db::update(&txn, report, resolved).await?;
        }
    }
    if action.kind != ActionKind::Warn {
        db::reports::resolve_about(&txn, target.id, moderator, now).await?;
    }
    let changed = db::update(&txn, target.clone(), changed).await?;
    if action.kind == ActionKind::Suspend && !target.is_local() {
        // Nothing more goes to a suspended remote account, followers-only posts included.
        db::follows::delete_all_of(&txn, target.id).await?;
    }
    let warning = db::insert(
        &txn,
        Warning {
            id: 0,
            account_id: moderator,
            target_account_id: target.id,
            action: action.kind.name().to_string(),
            text: text.clone(),
            report_id: action.report_id,
            created_at: now,
        },
    )
    .await?;
    if target.is_local() {
        let about = db::posts::About::Warning(warning.id);
        db::posts::notify_moderation(&txn, target.id, target.id, about, now).await?;
    }
    let name = match action.kind {
        ActionKind::Warn => "warn",
        kind => kind.name(),
    };
    super::audit::record(&txn, by, name, super::audit::Target::Account(target), &text).await?;
    db::commit(txn).await?;
    Ok(changed)
}

/// What undoes an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    Enable,
    Unsilence,
    Unsuspend,
    Unsensitive,
}

impl Reversal {
    /// Mastodon's endpoint name.
    pub fn parse(name: &str) -> Option<Reversal> {
        Some(match name {
            "enable" => Reversal::Enable,
            "unsilence" => Reversal::Unsilence,
            "unsuspend" => Reversal::Unsuspend,
            "unsensitive" => Reversal::Unsensitive,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Reversal::Enable => "enable",
            Reversal::Unsilence => "unsilence",
            Reversal::Unsuspend => "unsuspend",
            Reversal::Unsensitive => "unsensitive",
        }
    }
}

/// Undoes an action (logged); undoing what was not done changes nothing.
pub async fn undo(
    db: &Pool,
    by: Moderator<'_>,
    target: &Account,
    reversal: Reversal,
) -> Result<Account, DomainError> {
    by.require(permission::MANAGE_USERS)?;
    by.outranks(target)?;
    let mut changed = target.clone();
    match reversal {
        Reversal::Enable => changed.disabled = false,
        Reversal::Unsilence => changed.silenced_at = None,
        Reversal::Unsuspend => changed.suspended_at = None,
        Reversal::Unsensitive => changed.sensitized_at = None,
    }
    let txn = db::begin_write(db).await?;
    let changed = db::update(&txn, target.clone(), changed).await?;
    let target_ref = super::audit::Target::Account(target);
    super::audit::record(&txn, by, reversal.name(), target_ref, "").await?;
    db::commit(txn).await?;
    Ok(changed)
}

/// The warning a `moderation_warning` notification names (the reader's own).
pub async fn warning(
    db: &Pool,
    id: i64,
) -> Result<Option<crate::db::entities::account_warnings::Model>, DomainError> {
    Ok(db::account_warnings::find(db, id).await?)
}
