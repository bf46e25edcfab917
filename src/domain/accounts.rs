//! Local accounts: creation rules (Mastodon's username rules), lookup, listing.

use crate::db::Pool;
use argon2::{Argon2, PasswordHasher};

use super::{DomainError, keys};
use crate::db::{self, StoreError, entities::accounts::Model as Account};

/// Longest username Mastodon accepts for local accounts.
pub const MAX_USERNAME_LEN: usize = 30;
/// Shortest password accepted (Mastodon's minimum).
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted; bounds the hashing cost an attacker can ask for.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// What an operator (or later, a sign-up form) asks for.
pub struct NewUser {
    pub username: String,
    pub password: Option<String>,
    pub role: super::roles::Role,
    /// Approve followers one by one (Mastodon's "locked" account).
    pub locked: bool,
}

/// Checks a username against Mastodon's rules: `[A-Za-z0-9_]`, 1–30 characters.
pub fn validate_username(username: &str) -> Result<(), DomainError> {
    if username.is_empty() {
        return Err(DomainError::Invalid("username must not be empty".into()));
    }
    if username.chars().count() > MAX_USERNAME_LEN {
        return Err(DomainError::Invalid(format!(
            "username `{username}` is longer than {MAX_USERNAME_LEN} characters"
        )));
    }
    if let Some(bad) = username
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(DomainError::Invalid(format!(
            "username `{username}` contains `{bad}`: only letters A-Z, digits and _ are allowed"
        )));
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<(), DomainError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::Invalid(format!(
            "password must be at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(DomainError::Invalid(format!(
            "password must be at most {MAX_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// Argon2 runs at most this many at once per CPU core; each needs ~19 MiB and a core for
/// tens of milliseconds, so a flood of sign-ins must queue, not multiply memory.
const HASHES_PER_CORE: usize = 1;
/// How long a sign-in waits for a hashing slot before it is told to come back (429).
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs one Argon2 computation off the async threads, within the process-wide cap.
async fn argon2_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DomainError> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores * HASHES_PER_CORE)
    });
    let permit = tokio::time::timeout(HASH_WAIT, slots.acquire())
        .await
        .map_err(|_| DomainError::TooMany("The server is busy; try again in a moment".into()))?
        .map_err(|e| DomainError::Crypto(e.to_string()))?;
    // The permit goes with the work: a client that hangs up does not free the slot while
    // its hash still runs.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| DomainError::Crypto(e.to_string()))
}

/// Hashes a password with Argon2id (PHC string), off the async threads.
async fn hash_password(password: String) -> Result<String, DomainError> {
    argon2_slot(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| DomainError::Crypto(e.to_string()))
}

/// Checks everything about a new account that needs no database, so callers can refuse bad
/// input before opening (or creating) one.
pub fn validate_new_user(new: &NewUser) -> Result<(), DomainError> {
    validate_username(&new.username)?;
    if let Some(password) = &new.password {
        validate_password(password)?;
    }
    Ok(())
}

/// Creates a local account with its signing key pair. All checks run before the single
/// insert, so a failure leaves nothing behind.
pub async fn create_local(db: &Pool, new: NewUser) -> Result<Account, DomainError> {
    validate_new_user(&new)?;
    if db::accounts::find_local_by_username(db, &new.username)
        .await?
        .is_some()
    {
        return Err(taken(&new.username));
    }
    let username = new.username.clone();
    let row = prepare(new, db::accounts::SignUpFields::default()).await?;
    match db::accounts::insert_local(db, row).await {
        Ok(account) => Ok(account),
        // Lost a race with a concurrent create of the same name.
        Err(StoreError::Conflict) => Err(taken(&username)),
        Err(e) => Err(e.into()),
    }
}

/// The row of a new local account, with the slow parts done (the password hashed, the
/// key pair made) so that the caller's transaction only has to insert it.
pub(super) async fn prepare(
    new: NewUser,
    sign_up: db::accounts::SignUpFields,
) -> Result<db::accounts::NewLocalAccount, DomainError> {
    let password_hash = match new.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let (public_key_pem, private_key_pem) = keys::generate().await?;
    let row = db::accounts::NewLocalAccount {
        display_name: new.username.clone(),
        username: new.username.clone(),
        password_hash,
        role: new.role.name(),
        locked: new.locked,
        public_key_pem,
        private_key_pem,
        now: chrono::Utc::now(),
        sign_up,
    };
    Ok(row)
}

fn taken(username: &str) -> DomainError {
    DomainError::Conflict(format!("username `{username}` is already taken"))
}

/// An account's profile fields as shown to others, as `(name, HTML value)`: local values
/// are the owner's plain text rendered (links made clickable, everything else escaped);
/// remote ones were sanitized when received and are sanitized again here, so a row stored
/// before that rule existed cannot carry markup to a client.
pub fn shown_fields(account: &Account, base_url: &str) -> Vec<(String, String)> {
    account
        .fields()
        .into_iter()
        .map(|(name, value)| {
            let html = if account.is_local() {
                super::text::render(&value, &Default::default(), base_url)
                    .trim_start_matches("<p>")
                    .trim_end_matches("</p>")
                    .to_string()
            } else {
                super::sanitize::shown_html(&value)
            };
            (name, html)
        })
        .collect()
}

/// Finds a local account by username (case-insensitive); `NotFound` when absent.
pub async fn get_local(db: &Pool, username: &str) -> Result<Account, DomainError> {
    if validate_username(username).is_err() {
        return Err(not_found(username));
    }
    db::accounts::find_local_by_username(db, username)
        .await?
        .ok_or_else(|| not_found(username))
}

fn not_found(username: &str) -> DomainError {
    DomainError::NotFound(format!("no account named `{username}`"))
}

/// A local account as others may see it: a suspended one is gone (410), as Mastodon
/// answers for its actor, profile and WebFinger.
pub async fn get_public(db: &Pool, username: &str) -> Result<Account, DomainError> {
    let account = get_local(db, username).await?;
    if account.suspended_at.is_some() {
        return Err(DomainError::Gone("This account is suspended".into()));
    }
    Ok(account)
}

/// Any account known here by id; `NotFound` ("Record not found", as Mastodon says) when
/// absent.
pub async fn get(db: &Pool, id: i64) -> Result<Account, DomainError> {
    db::accounts::find_by_id(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// The accounts with these ids that exist, in no particular order.
pub async fn get_many(db: &Pool, ids: &[i64]) -> Result<Vec<Account>, DomainError> {
    Ok(db::accounts::find_many(db, ids).await?)
}

/// A remote account known here by `user@host` (no network: resolving is federation's).
pub async fn find_remote(
    db: &Pool,
    user: &str,
    host: &str,
) -> Result<Option<Account>, DomainError> {
    Ok(db::accounts::find_remote_by_handle(db, user, host).await?)
}

/// Any account known here by its ActivityPub id.
pub async fn find_by_uri(db: &Pool, uri: &str) -> Result<Option<Account>, DomainError> {
    Ok(db::accounts::find_by_uri(db, uri).await?)
}

/// The account that published the key `key_id`, if it is known here.
pub async fn find_by_key_id(db: &Pool, key_id: &str) -> Result<Option<Account>, DomainError> {
    Ok(db::accounts::find_by_key_id(db, key_id).await?)
}

/// Stores (or refreshes) what a remote actor document says of its account.
pub async fn remember_remote(
    db: &Pool,
    remote: db::accounts::RemoteActor,
) -> Result<Account, DomainError> {
    Ok(db::accounts::upsert_remote(db, remote).await?)
}

/// Known accounts whose username starts with `prefix`, at most `limit`.
pub async fn search(db: &Pool, prefix: &str, limit: u64) -> Result<Vec<Account>, DomainError> {
    Ok(db::accounts::search_by_username(db, prefix, limit).await?)
}

/// How many posts an account has here (its profile's count).
pub async fn statuses_count(db: &Pool, account: &Account) -> Result<u64, DomainError> {
    Ok(db::posts::count_by_account(db, account.id).await?)
}

/// All local accounts, oldest first.
pub async fn list_local(db: &Pool) -> Result<Vec<Account>, DomainError> {
    Ok(db::accounts::list_local(db).await?)
}

/// Checks a local account's password (Argon2id, off the async threads). Unknown users and
/// wrong passwords give the same answer, so sign-in does not reveal who has an account.
pub async fn check_password(
    db: &Pool,
    username: &str,
    password: &str,
) -> Result<Account, DomainError> {
    use argon2::{PasswordHash, PasswordVerifier};
    let refused = || DomainError::Unauthorized("Invalid username or password".into());
    let account = match get_local(db, username).await {
        Ok(a) => a,
        Err(DomainError::NotFound(_)) => return Err(refused()),
        Err(e) => return Err(e),
    };
    let Some(stored) = account.password_hash.clone() else {
        return Err(refused());
    };
    let password = password.to_string();
    let ok = argon2_slot(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    if ok { Ok(account) } else { Err(refused()) }
}

/// Sets a local account's password (checked against the length rules, hashed with
/// Argon2id). Callers check the current password first ([`super::oauth::change_password`]).
pub async fn set_password(db: &Pool, account: &Account, new: &str) -> Result<Account, DomainError> {
    validate_password(new)?;
    let mut row = account.clone();
    row.password_hash = Some(hash_password(new.to_string()).await?);
    row.updated_at = chrono::Utc::now();
    Ok(db::update(db, account.clone(), row).await?)
}

/// Sets a new password for someone who lost theirs (the operator's `pinhole users
/// reset-password`): a random one when none is given, returned to be handed over. Every
/// session and app token of the account stops working.
pub async fn reset_password(
    db: &Pool,
    account: &Account,
    new: Option<String>,
) -> Result<String, DomainError> {
    if !account.is_local() {
        return Err(DomainError::Invalid(
            "only local accounts have passwords".into(),
        ));
    }
    let password = new.unwrap_or_else(|| super::invites::random_code(20));
    validate_password(&password)?;
    let mut row = account.clone();
    row.password_hash = Some(hash_password(password.clone()).await?);
    row.updated_at = chrono::Utc::now();
    // The new password, and every way in that the old one gave, in one transaction.
    let txn = db::begin_write(db).await?;
    db::update(&txn, account.clone(), row).await?;
    db::tokens::delete_for_account(&txn, account.id).await?;
    db::oauth::delete_codes_for_account(&txn, account.id).await?;
    db::commit(txn).await?;
    Ok(password)
}

/// What a profile edit may change (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    /// Plain text, rendered like a post (links, hashtags).
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub discoverable: Option<bool>,
    /// Search engines may index the profile and posts (no `noindex`).
    pub indexable: Option<bool>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    /// Profile fields, replacing the old ones (Mastodon allows 4).
    pub fields: Option<Vec<(String, String)>>,
}

/// Most profile fields Mastodon allows.
pub const MAX_FIELDS: usize = 4;

/// Longest display name Mastodon accepts.
pub const MAX_DISPLAY_NAME: usize = 30;
/// Longest bio Mastodon accepts.
pub const MAX_NOTE: usize = 500;

/// Edits a local account's profile; followers' servers get `Update{Person}` (as Mastodon
/// sends it), so they show the new name, bio and pictures without waiting for a refetch, and
/// local followers find it in their inbox collection.
pub async fn update_profile(
    db: &Pool,
    publisher: &dyn super::publish::Publisher,
    account: &Account,
    change: ProfileChange,
    base_url: &str,
) -> Result<Account, DomainError> {
    if !account.is_local() {
        return Err(DomainError::Invalid(
            "only local profiles can be edited".into(),
        ));
    }
    let mut row = account.clone();
    if let Some(name) = change.display_name {
        if name.chars().count() > MAX_DISPLAY_NAME {
            return Err(DomainError::Invalid(format!(
                "display_name is longer than {MAX_DISPLAY_NAME} characters"
            )));
        }
        row.display_name = name.trim().to_string();
    }
    if let Some(note) = change.note {
        if note.chars().count() > MAX_NOTE {
            return Err(DomainError::Invalid(format!(
                "note is longer than {MAX_NOTE} characters"
            )));
        }
        row.summary = super::text::render(&note, &Default::default(), base_url);
    }
    if let Some(locked) = change.locked {
        row.manually_approves_followers = locked;
    }
    if let Some(d) = change.discoverable {
        row.discoverable = d;
    }
    if let Some(i) = change.indexable {
        row.indexable = i;
    }
    if let Some(url) = change.avatar_url {
        row.avatar_url = Some(url);
    }
    if let Some(url) = change.header_url {
        row.header_url = Some(url);
    }
    if let Some(fields) = change.fields {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .filter(|(n, v)| !n.trim().is_empty() || !v.trim().is_empty())
            .collect();
        if fields.len() > MAX_FIELDS
            || fields
                .iter()
                .any(|(n, v)| n.chars().count() > 255 || v.chars().count() > 255)
        {
            return Err(DomainError::Invalid(format!(
                "at most {MAX_FIELDS} profile fields of 255 characters each"
            )));
        }
        row.fields_json =
            Some(serde_json::to_string(&fields).map_err(|e| DomainError::Internal(e.to_string()))?);
    }
    row.updated_at = chrono::Utc::now();
    let txn = db::begin_write(db).await?;
    let updated = db::update(&txn, account.clone(), row).await?;
    let inboxes = db::follows::follower_inboxes(&txn, updated.id).await?;
    let event = super::publish::Event::ProfileUpdated {
        account: &updated,
        inboxes: &inboxes,
    };
    super::publish::publish(&txn, publisher, event).await?;
    let locals = db::posts::local_follower_ids(&txn, updated.id).await?;
    super::publish::deliver_locally(&txn, publisher, event, &locals).await?;
    db::commit(txn).await?;
    Ok(updated)
}

/// One page of the activities that reached `account` (its ActivityPub inbox), newest first:
/// the total and `(cursor, activity JSON)` pairs.
pub async fn inbox_page(
    db: &Pool,
    account: &Account,
    max_id: Option<i64>,
    limit: u64,
) -> Result<(u64, Vec<(i64, String)>), DomainError> {
    // Nothing from an account on the other side of a block, even from before it.
    let hidden = db::blocks::partners(db, account.id).await?;
    let total = db::inbox::count_for(db, account.id, &hidden).await?;
    let items = db::inbox::page_for(db, account.id, &hidden, max_id, limit).await?;
    Ok((total, items))
}

/// Forgets received activities older than `days` (0: keep all): inbox collections are a
/// reading aid, the posts and relationships they created stay. Replays of pruned activities
/// are still refused, by the signature's date check (12 hours).
pub async fn prune_inboxes(db: &Pool, days: u64) -> Result<u64, DomainError> {
    if days == 0 {
        return Ok(0);
    }
    let days = i64::try_from(days)
        .unwrap_or(i64::MAX / 86_400_000)
        .min(36_500);
    let before = chrono::Utc::now() - chrono::Duration::days(days);
    Ok(db::inbox::prune(db, before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_mastodon_rules() {
        assert!(validate_username("alice").is_ok());
        assert!(validate_username("A_1").is_ok());
        assert!(validate_username(&"a".repeat(30)).is_ok());
        assert!(validate_username(&"a".repeat(31)).is_err());
        assert!(validate_username("").is_err());
        assert!(validate_username("al-ice").is_err());
        assert!(validate_username("al.ice").is_err());
        assert!(validate_username("élise").is_err());
        assert!(validate_username("bob@x").is_err());
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("secret-pw").is_ok());
        assert!(validate_password(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }
}
