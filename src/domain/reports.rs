//! Reports: filed by local accounts (optionally forwarded to the reported account's server
//! as a `Flag`), received from other servers' `Flag`s, and handled by staff (assigned,
//! resolved, reopened), every step logged.

use super::{
    DomainError,
    audit::{self, Moderator, Target},
    publish::{Event, Publisher, publish},
    roles::{Role, permission},
};
use crate::db::{
    self, Conn, Pool,
    entities::{accounts::Model as Account, reports::Model as Report},
    posts::Page,
    reports::ReportQuery,
};

/// Longest comment (Mastodon's limit).
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Most posts one report may name.
pub const MAX_POSTS: usize = 100;
/// Most reports on one page of a list.
pub const MAX_PAGE: u64 = 100;

/// Mastodon's report categories.
pub const CATEGORIES: &[&str] = &["spam", "legal", "violation", "other"];

/// What a person asks for when they report an account.
#[derive(Debug, Default, Clone)]
pub struct NewReport {
    pub target_id: i64,
    pub post_ids: Vec<i64>,
    pub comment: String,
    /// `None`: `violation` when rules are named, else `other`.
    pub category: Option<String>,
    /// Rule numbers, 1-based, as `/api/v1/instance/rules` lists them.
    pub rule_ids: Vec<i64>,
    /// Send a copy (without the reporter's name) to the account's server.
    pub forward: bool,
}

fn category(given: Option<&str>, rule_ids: &[i64]) -> Result<String, DomainError> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if CATEGORIES.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(DomainError::Invalid(format!(
            "unknown category `{c}`: use spam, legal, violation or other"
        ))),
        None if rule_ids.is_empty() => Ok("other".into()),
        None => Ok("violation".into()),
    }
}

fn check_rules(rule_ids: &[i64], rules: usize) -> Result<(), DomainError> {
    match rule_ids.iter().find(|id| **id < 1 || **id as usize > rules) {
        Some(id) => Err(DomainError::Invalid(format!("there is no rule {id}"))),
        None => Ok(()),
    }
}

fn bounded_comment(comment: &str) -> Result<String, DomainError> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(DomainError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    Ok(comment.to_string())
}

fn json(ids: &[i64]) -> Result<String, DomainError> {
    serde_json::to_string(ids).map_err(|e| DomainError::Internal(e.to_string()))
}

/// A new, open report of `reporter` about `target`: category `other`, no rules, not
/// forwarded (callers set what differs).
fn new_row(
    reporter: &Account,
    target: &Account,
    post_ids: &[i64],
    comment: String,
) -> Result<Report, DomainError> {
    let now = chrono::Utc::now();
    Ok(Report {
        id: 0,
        account_id: reporter.id,
        target_account_id: target.id,
        status_ids: json(post_ids)?,
        rule_ids: "[]".into(),
        comment,
        category: "other".into(),
        forwarded: false,
        uri: None,
        assigned_account_id: None,
        action_taken_at: None,
        action_taken_by_account_id: None,
        created_at: now,
        updated_at: now,
    })
}

/// Staff who handle reports hear of a new one (Mastodon's `admin.report` notification).
async fn notify_staff<C: Conn>(db: &C, report: &Report) -> Result<(), DomainError> {
    let roles = Role::holding(permission::MANAGE_REPORTS);
    let now = chrono::Utc::now();
    for member in db::accounts::with_roles(db, &roles).await? {
        if member.id != report.target_account_id {
            let about = db::posts::About::Report(report.id);
            db::posts::notify_moderation(db, member.id, report.account_id, about, now).await?;
        }
    }
    Ok(())
}

/// Files a report by `reporter` about another account and some of its posts. Posts must be
/// the account's own; a forward goes to a remote account's server as a `Flag`.
pub async fn file(
    db: &Pool,
    publisher: &dyn Publisher,
    reporter: &Account,
    rules: usize,
    new: NewReport,
) -> Result<Report, DomainError> {
    let not_found = || DomainError::NotFound("Record not found".into());
    let target = db::accounts::find_by_id(db, new.target_id)
        .await?
        .ok_or_else(not_found)?;
    if target.id == reporter.id {
        return Err(DomainError::Invalid("you cannot report yourself".into()));
    }
    if new.post_ids.len() > MAX_POSTS {
        return Err(DomainError::Invalid(format!(
            "a report names at most {MAX_POSTS} posts"
        )));
    }
    let mut post_ids = new.post_ids.clone();
    post_ids.sort_unstable();
    post_ids.dedup();
    let posts = db::posts::find_many(db, &post_ids).await?;
    if posts.len() != post_ids.len() || posts.iter().any(|p| p.account_id != target.id) {
        return Err(not_found());
    }
    // Only posts the reporter can see: a report must not tell whether a private post
    // exists, nor show moderators others' direct messages.
    for p in &posts {
        if !super::posts::can_see(db, Some(reporter), p).await? {
            return Err(not_found());
        }
    }
    check_rules(&new.rule_ids, rules)?;
    let category = category(new.category.as_deref(), &new.rule_ids)?;
    let comment = bounded_comment(&new.comment)?;
    let forward = new.forward && !target.is_local();
    let mut row = new_row(reporter, &target, &post_ids, comment)?;
    row.rule_ids = json(&new.rule_ids)?;
    row.category = category;
    row.forwarded = forward;
    let txn = db::begin_write(db).await?;
    let report = db::insert(&txn, row).await?;
    notify_staff(&txn, &report).await?;
    if forward {
        let post_uris: Vec<String> = posts.iter().map(|p| p.uri.clone()).collect();
        let event = Event::Reported {
            report: &report,
            reporter,
            target: &target,
            post_uris: &post_uris,
        };
        publish(&txn, publisher, event).await?;
    }
    db::commit(txn).await?;
    Ok(report)
}

/// A `Flag` from another server: a report by its `actor` about local accounts and posts.
/// Only the first local account named is reported, with those of its posts the Flag
/// names; a Flag naming no local account changes nothing (`Ok(None)`).
pub async fn receive_flag<C: Conn>(
    db: &C,
    actor: &Account,
    target: &Account,
    post_uris: &[&str],
    comment: &str,
    uri: &str,
) -> Result<Option<Report>, DomainError> {
    if !target.is_local() || actor.is_local() {
        return Ok(None);
    }
    if db::reports::find_by_uri(db, uri).await?.is_some() {
        return Ok(None);
    }
    let mut post_ids = Vec::new();
    for uri in post_uris.iter().take(MAX_POSTS) {
        if let Some(p) = db::posts::find_by_uri(db, uri).await?
            && p.account_id == target.id
        {
            post_ids.push(p.id);
        }
    }
    post_ids.sort_unstable();
    post_ids.dedup();
    let comment: String = comment.trim().chars().take(MAX_COMMENT_CHARS).collect();
    let mut row = new_row(actor, target, &post_ids, comment)?;
    row.uri = Some(uri.to_string());
    let report = db::insert(db, row).await?;
    notify_staff(db, &report).await?;
    Ok(Some(report))
}

/// The report an `admin.report` notification names (the notification is the reader's own,
/// so no role is checked again).
pub async fn for_notification(db: &Pool, id: i64) -> Result<Option<Report>, DomainError> {
    Ok(db::reports::find(db, id).await?)
}

/// A page of reports for staff who handle them.
pub async fn list(
    db: &Pool,
    by: Moderator<'_>,
    query: ReportQuery,
    page: &Page,
) -> Result<Vec<Report>, DomainError> {
    by.require(permission::MANAGE_REPORTS)?;
    let page = Page {
        limit: page.limit.clamp(1, MAX_PAGE),
        ..*page
    };
    Ok(db::reports::query(db, query, &page).await?)
}

/// One report, for staff who handle them.
pub async fn get(db: &Pool, by: Moderator<'_>, id: i64) -> Result<Report, DomainError> {
    by.require(permission::MANAGE_REPORTS)?;
    db::reports::find(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// What a moderator does to a report.
#[derive(Debug, Clone)]
pub enum Handling {
    AssignToSelf,
    Unassign,
    Resolve,
    Reopen,
    /// Re-categorise: a category and the rules broken.
    Update {
        category: Option<String>,
        rule_ids: Option<Vec<i64>>,
    },
}

/// Assigns, resolves, reopens or re-categorises a report (logged).
pub async fn handle(
    db: &Pool,
    by: Moderator<'_>,
    id: i64,
    handling: Handling,
    rules: usize,
) -> Result<Report, DomainError> {
    let report = get(db, by, id).await?;
    let me = match by {
        Moderator::Account(a) => Some(a.id),
        Moderator::Operator => None,
    };
    if me == Some(report.target_account_id) {
        return Err(DomainError::Forbidden(
            "A report about your own account is for other moderators".into(),
        ));
    }
    let now = chrono::Utc::now();
    let mut changed = report.clone();
    let action = match &handling {
        Handling::AssignToSelf => {
            changed.assigned_account_id = me;
            "assigned_to_self"
        }
        Handling::Unassign => {
            changed.assigned_account_id = None;
            "unassigned"
        }
        Handling::Resolve => {
            changed.action_taken_at = Some(report.action_taken_at.unwrap_or(now));
            changed.action_taken_by_account_id = me;
            "resolve"
        }
        Handling::Reopen => {
            changed.action_taken_at = None;
            changed.action_taken_by_account_id = None;
            "reopen"
        }
        Handling::Update {
            category: c,
            rule_ids,
        } => {
            if let Some(ids) = rule_ids {
                check_rules(ids, rules)?;
                changed.rule_ids = json(ids)?;
            }
            if c.is_some() || rule_ids.is_some() {
                let ids = rule_ids.clone().unwrap_or_else(|| report.rules());
                changed.category = match c {
                    Some(c) => category(Some(c), &ids)?,
                    None => category(None, &ids)?,
                };
            }
            "update"
        }
    };
    changed.updated_at = now;
    let txn = db::begin_write(db).await?;
    let changed = db::update(&txn, report.clone(), changed).await?;
    let target = db::accounts::find_by_id(&txn, report.target_account_id).await?;
    if let Some(target) = &target {
        let note = format!("report {}", report.id);
        audit::record(&txn, by, action, Target::Account(target), &note).await?;
    }
    db::commit(txn).await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_mastodon() {
        assert_eq!(category(None, &[]).unwrap(), "other");
        assert_eq!(category(None, &[1]).unwrap(), "violation");
        assert_eq!(category(Some("spam"), &[1]).unwrap(), "spam");
        assert!(category(Some("rude"), &[]).is_err());
        assert!(check_rules(&[1, 2], 2).is_ok());
        assert!(check_rules(&[3], 2).is_err());
        assert!(check_rules(&[0], 2).is_err());
    }
}
