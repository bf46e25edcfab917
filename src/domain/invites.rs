//! Invite links: a member hands out a code; whoever signs up with it joins even when the
//! server takes new accounts by invitation only, and skips the approval queue.

use rand::Rng;

use super::{
    DomainError,
    audit::{self, Moderator, Target},
    roles::permission,
};
use crate::db::{
    self, Pool, entities::accounts::Model as Account, entities::invites::Model as Invite,
};

/// Mastodon's alphabet for codes: letters and digits without the look-alikes 0 O 1 I l.
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 8 characters, as Mastodon's: about 10^14 codes, against a sign-up throttle of a few
/// attempts per address per half hour.
const CODE_LEN: usize = 8;
/// Longest comment (Mastodon's limit).
pub const MAX_COMMENT_CHARS: usize = 420;
/// Most uses one invite may allow.
pub const MAX_USES: i32 = 1000;
/// Longest validity.
pub const MAX_DAYS: i64 = 366;

/// What a new invite allows.
#[derive(Debug, Default, Clone)]
pub struct NewInvite {
    /// `None`: unlimited.
    pub max_uses: Option<i32>,
    /// `None`: never expires.
    pub expires_in: Option<chrono::TimeDelta>,
    pub autofollow: bool,
    pub comment: Option<String>,
}

/// A random string of `len` characters that reads back without ambiguity (invite codes,
/// passwords handed over by an operator).
pub(super) fn random_code(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Makes an invite for `creator` (whose role must allow inviting).
pub async fn create(db: &Pool, creator: &Account, new: NewInvite) -> Result<Invite, DomainError> {
    super::roles::of(creator).require(permission::INVITE_USERS)?;
    if !creator.is_local() {
        return Err(DomainError::Invalid(
            "only local accounts can invite".into(),
        ));
    }
    if let Some(n) = new.max_uses
        && !(1..=MAX_USES).contains(&n)
    {
        return Err(DomainError::Invalid(format!(
            "max uses must be between 1 and {MAX_USES}"
        )));
    }
    if let Some(d) = new.expires_in
        && (d <= chrono::TimeDelta::zero() || d > chrono::TimeDelta::days(MAX_DAYS))
    {
        return Err(DomainError::Invalid(format!(
            "an invite expires within {MAX_DAYS} days"
        )));
    }
    let comment = new
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(DomainError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let now = chrono::Utc::now();
    let row = Invite {
        id: 0,
        code: random_code(CODE_LEN),
        account_id: creator.id,
        max_uses: new.max_uses,
        uses: 0,
        expires_at: new.expires_in.map(|d| now + d),
        autofollow: new.autofollow,
        comment,
        created_at: now,
    };
    Ok(db::insert(db, row).await?)
}

/// Whether an invite can still be used at `now`.
pub fn usable(invite: &Invite, now: chrono::DateTime<chrono::Utc>) -> bool {
    invite.max_uses.is_none_or(|max| invite.uses < max) && invite.expires_at.is_none_or(|t| t > now)
}

/// The invite behind a code, if it can still be used: not used up, not expired, and its
/// maker still in good standing (a disabled or suspended member's links stop working).
pub async fn valid(db: &Pool, code: &str) -> Result<Option<Invite>, DomainError> {
    if code.is_empty() || code.len() > 64 {
        return Ok(None);
    }
    let Some(invite) = db::invites::find_by_code(db, code)
        .await?
        .filter(|i| usable(i, chrono::Utc::now()))
    else {
        return Ok(None);
    };
    let maker = db::accounts::find_by_id(db, invite.account_id).await?;
    let standing = maker.is_some_and(|m| super::registrations::check_login(&m).is_ok());
    Ok(standing.then_some(invite))
}

/// The invites `viewer` made; staff who manage invites see everyone's.
pub async fn list(db: &Pool, viewer: &Account) -> Result<Vec<Invite>, DomainError> {
    let all = super::roles::of(viewer).may(permission::MANAGE_INVITES);
    Ok(db::invites::list(db, (!all).then_some(viewer.id)).await?)
}

/// Every invite, for staff who manage invites.
pub async fn list_all(db: &Pool, by: Moderator<'_>) -> Result<Vec<Invite>, DomainError> {
    by.require(permission::MANAGE_INVITES)?;
    Ok(db::invites::list(db, None).await?)
}

/// Ends an invite now. Its maker may; so may staff who manage invites (logged).
pub async fn revoke(db: &Pool, by: Moderator<'_>, id: i64) -> Result<Invite, DomainError> {
    let not_found = || DomainError::NotFound("no such invite".into());
    let invite = db::invites::find(db, id).await?.ok_or_else(not_found)?;
    let own = matches!(by, Moderator::Account(a) if a.id == invite.account_id);
    if !own {
        by.require(permission::MANAGE_INVITES)
            .map_err(|_| not_found())?;
    }
    let now = chrono::Utc::now();
    let mut ended = invite.clone();
    ended.expires_at = Some(invite.expires_at.map_or(now, |t| t.min(now)));
    let txn = db::begin_write(db).await?;
    let ended = db::update(&txn, invite, ended).await?;
    if !own {
        let target = Target::Invite {
            id: ended.id,
            code: &ended.code,
        };
        audit::record(&txn, by, "revoke", target, "").await?;
    }
    db::commit(txn).await?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_look_alikes() {
        for _ in 0..200 {
            let code = random_code(CODE_LEN);
            assert_eq!(code.len(), CODE_LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'l']), "{code}");
        }
    }

    #[test]
    fn usable_until_full_or_expired() {
        let now = chrono::Utc::now();
        let mut invite = Invite {
            id: 1,
            code: "x".into(),
            account_id: 1,
            max_uses: Some(2),
            uses: 1,
            expires_at: Some(now + chrono::TimeDelta::hours(1)),
            autofollow: false,
            comment: None,
            created_at: now,
        };
        assert!(usable(&invite, now));
        invite.uses = 2;
        assert!(!usable(&invite, now));
        invite.max_uses = None;
        assert!(usable(&invite, now));
        assert!(!usable(&invite, now + chrono::TimeDelta::hours(2)));
    }
}
