//! Who moderates, and the audit log of what they did: every moderation action is checked
//! against the actor's role and recorded (who, when, what, to whom, why) in the same
//! transaction as the change itself.

use super::{DomainError, roles::Role};
use crate::db::{
    self, Conn, Pool,
    entities::{accounts::Model as Account, action_logs::Model as Entry},
    posts::Page,
};

/// Who takes a moderation action.
#[derive(Clone, Copy)]
pub enum Moderator<'a> {
    /// A signed-in staff member (web or admin API).
    Account(&'a Account),
    /// The operator at the command line, who may do everything.
    Operator,
}

impl Moderator<'_> {
    /// The role the action is checked against.
    pub fn role(&self) -> Role {
        match self {
            Moderator::Account(a) => super::roles::of(a),
            Moderator::Operator => Role::Owner,
        }
    }

    /// Refuses unless the moderator's role holds `flag`.
    pub fn require(&self, flag: u64) -> Result<(), DomainError> {
        self.role().require(flag)
    }

    /// Refuses an action on an account whose role is as high as the moderator's own (a
    /// moderator cannot act on an admin, nor an admin on the owner). The operator may.
    pub fn outranks(&self, target: &Account) -> Result<(), DomainError> {
        match self {
            Moderator::Operator => Ok(()),
            Moderator::Account(me) if me.id == target.id => Err(DomainError::Forbidden(
                "This action cannot be taken on your own account".into(),
            )),
            Moderator::Account(_)
                if target.is_local() && super::roles::of(target) >= self.role() =>
            {
                Err(DomainError::Forbidden(
                    "This action is not allowed on an account with a role as high as yours".into(),
                ))
            }
            Moderator::Account(_) => Ok(()),
        }
    }

    fn account_id(&self) -> Option<i64> {
        match self {
            Moderator::Account(a) => Some(a.id),
            Moderator::Operator => None,
        }
    }
}

/// What an action was taken on.
pub enum Target<'a> {
    Account(&'a Account),
    Invite {
        id: i64,
        code: &'a str,
    },
    /// A domain block or allow.
    Domain {
        id: i64,
        domain: &'a str,
    },
}

/// Records an action in the log, inside the caller's transaction.
pub async fn record<C: Conn>(
    db: &C,
    by: Moderator<'_>,
    action: &str,
    target: Target<'_>,
    text: &str,
) -> Result<(), DomainError> {
    let (target_type, target_id, target_name) = match target {
        Target::Account(a) => (
            "Account",
            Some(a.id),
            match &a.domain {
                Some(d) => format!("{}@{d}", a.username),
                None => a.username.clone(),
            },
        ),
        Target::Invite { id, code } => ("Invite", Some(id), code.to_string()),
        Target::Domain { id, domain } => ("DomainBlock", Some(id), domain.to_string()),
    };
    let entry = Entry {
        id: 0,
        account_id: by.account_id(),
        action: action.to_string(),
        target_type: target_type.to_string(),
        target_id,
        target_name,
        text: text.to_string(),
        created_at: chrono::Utc::now(),
    };
    db::insert(db, entry).await?;
    Ok(())
}

/// A page of the log, newest first, for those whose role may read it.
pub async fn log(db: &Pool, by: Moderator<'_>, page: &Page) -> Result<Vec<Entry>, DomainError> {
    by.require(super::roles::permission::VIEW_AUDIT_LOG)?;
    Ok(db::action_logs::page(db, page).await?)
}

/// Who took each of `entries`: `@name`, "the operator" for the command line, or a deleted
/// account by its old id.
pub async fn actors(db: &Pool, entries: &[Entry]) -> Result<Vec<String>, DomainError> {
    let ids: Vec<i64> = entries.iter().filter_map(|e| e.account_id).collect();
    let names: std::collections::HashMap<i64, String> = db::accounts::find_many(db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.username))
        .collect();
    Ok(entries
        .iter()
        .map(|e| match e.account_id {
            None => "the operator".to_string(),
            Some(id) => names
                .get(&id)
                .map_or_else(|| format!("a deleted account (#{id})"), |n| format!("@{n}")),
        })
        .collect())
}
