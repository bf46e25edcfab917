//! Bearer tokens: creation for operators (and later OAuth), authentication for the API.

use crate::db::Pool;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{DomainError, accounts};
use crate::db::{self, entities::accounts::Model as Account};

/// Scopes granted when none are asked for (Mastodon's default set for apps).
pub const DEFAULT_SCOPES: &str = "read write follow";

/// Top-level scopes Mastodon defines; granular ones are `read:…`, `write:…`, `admin:read…`.
const TOP_SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
];
const GRANULAR_PREFIXES: &[&str] = &["read:", "write:", "admin:read:", "admin:write:"];

/// An authenticated caller: the account and what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: Account,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Whether the token grants `scope`, honouring Mastodon's rule that `read` implies every
    /// `read:…` scope (and likewise for `write` and `admin:…`).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| {
            granted == scope
                || scope
                    .strip_prefix(granted.as_str())
                    .is_some_and(|rest| rest.starts_with(':'))
        })
    }
}

/// Normalises and checks a space-separated scope list.
pub fn parse_scopes(scopes: &str) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes.split_whitespace() {
        let known = TOP_SCOPES.contains(&scope)
            || GRANULAR_PREFIXES.iter().any(|p| {
                scope.strip_prefix(p).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            });
        if !known {
            return Err(DomainError::Invalid(format!("unknown scope `{scope}`")));
        }
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_string());
        }
    }
    if out.is_empty() {
        return Err(DomainError::Invalid(
            "at least one scope is required".into(),
        ));
    }
    Ok(out)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for a local account and returns the secret; only its hash is stored, so
/// this is the one time it can be seen.
pub async fn create(db: &Pool, username: &str, scopes: &str) -> Result<String, DomainError> {
    let scopes = parse_scopes(scopes)?;
    let account = accounts::get_local(db, username).await?;
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = hex::encode(secret);
    db::tokens::insert(
        db,
        account.id,
        hash_token(&token),
        scopes.join(" "),
        chrono::Utc::now(),
    )
    .await?;
    Ok(token)
}

/// How stale a token's `last_used_at` may get before a request refreshes it: a write per
/// token per hour, not one per request (a committed write on every timeline read costs more
/// than the read; Mastodon waits 24 hours). NodeInfo's active-user counts need no finer grain.
const TOUCH_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Resolves a bearer token to its caller.
pub async fn authenticate(db: &Pool, token: &str) -> Result<Caller, DomainError> {
    authenticate_within(db, token, None).await
}

/// [`authenticate`], refusing a token issued more than `max_age` ago (web sessions end;
/// app tokens do not).
pub async fn authenticate_within(
    db: &Pool,
    token: &str,
    max_age: Option<chrono::TimeDelta>,
) -> Result<Caller, DomainError> {
    let invalid = || DomainError::Unauthorized("The access token is invalid".into());
    if token.is_empty() || token.len() > 512 {
        return Err(invalid());
    }
    let (row, account) = db::tokens::find_by_hash(db, &hash_token(token))
        .await?
        .ok_or_else(invalid)?;
    let now = chrono::Utc::now();
    if max_age.is_some_and(|age| row.created_at < now - age) {
        return Err(invalid());
    }
    super::registrations::check_login(&account)?;
    if row
        .last_used_at
        .is_none_or(|used| now - used > TOUCH_INTERVAL)
    {
        db::tokens::touch(db, row.id, now).await?;
    }
    Ok(Caller {
        account,
        scopes: row.scopes.split_whitespace().map(str::to_string).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_checked_and_deduplicated() {
        assert_eq!(
            parse_scopes("read write  read follow").expect("valid"),
            vec!["read", "write", "follow"]
        );
        assert!(parse_scopes("read:statuses admin:read:accounts").is_ok());
        assert!(parse_scopes("read delete").is_err());
        assert!(parse_scopes("read:").is_err());
        assert!(parse_scopes("   ").is_err());
    }

    #[test]
    fn broad_scope_implies_granular() {
        let caller = |scopes: &[&str]| Caller {
            account: crate::db::entities::accounts::Model {
                id: 1,
                username: "a".into(),
                username_key: "a".into(),
                domain: None,
                display_name: String::new(),
                summary: String::new(),
                password_hash: None,
                role: "user".into(),
                public_key_pem: String::new(),
                private_key_pem: None,
                avatar_url: None,
                header_url: None,
                manually_approves_followers: false,
                discoverable: true,
                indexable: true,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
                uri: None,
                inbox_url: None,
                shared_inbox_url: None,
                outbox_url: None,
                followers_url: None,
                following_url: None,
                profile_url: None,
                key_id: None,
                actor_type: None,
                fetched_at: None,
                fields_json: None,
                email: None,
                confirmed_at: None,
                approved: true,
                sign_up_reason: None,
                locale: None,
                sign_up_ip: None,
                invite_id: None,
                created_by_app_id: None,
                disabled: false,
                silenced_at: None,
                suspended_at: None,
                sensitized_at: None,
            },
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        assert!(caller(&["read"]).has_scope("read:accounts"));
        assert!(caller(&["read:accounts"]).has_scope("read:accounts"));
        assert!(!caller(&["read:statuses"]).has_scope("read:accounts"));
        assert!(!caller(&["write"]).has_scope("read"));
        assert!(!caller(&["read"]).has_scope("readx"));
    }
}
