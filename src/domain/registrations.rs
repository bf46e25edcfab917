//! Who may join and how: the registration mode, the checks a sign-up passes (Mastodon's,
//! field by field), the approval queue, and what keeps a pending, disabled or suspended
//! account from signing in.

use serde::{Deserialize, Serialize};

use super::{
    DomainError, FieldError,
    accounts::{MAX_PASSWORD_LEN, MAX_USERNAME_LEN, MIN_PASSWORD_LEN, NewUser},
    audit::{self, Moderator, Target},
    publish::Publisher,
    roles::{Role, permission},
};
use crate::db::{self, Pool, entities::accounts::Model as Account};

/// How new people join (`instance.registrations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Nobody signs up; operators create accounts with `pinhole users create`.
    Closed,
    /// Anyone signs up and can post at once.
    Open,
    /// Anyone signs up; the account waits until a moderator approves it. Invited people
    /// skip the wait.
    Approval,
    /// Only people with a valid invite sign up.
    Invite,
}

impl Mode {
    /// Whether anyone may sign up, invited or not (Mastodon's `registrations.enabled`,
    /// NodeInfo's `openRegistrations`).
    pub fn enabled(self) -> bool {
        matches!(self, Mode::Open | Mode::Approval)
    }

    /// Whether invite links work.
    pub fn invites_enabled(self) -> bool {
        self != Mode::Closed
    }
}

/// The rules in force for a sign-up, from the configuration.
pub struct Policy<'a> {
    pub mode: Mode,
    /// Usernames nobody may take (compared without case).
    pub reserved: &'a [String],
}

/// What a sign-up form or `POST /api/v1/accounts` sends.
#[derive(Debug, Default, Clone)]
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// The person accepted the server's rules.
    pub agreement: bool,
    pub locale: Option<String>,
    /// Why they want to join (read by moderators in approval mode).
    pub reason: Option<String>,
    pub invite_code: Option<String>,
    /// The client's address, kept for moderators.
    pub ip: Option<String>,
    /// The app that signed them up, for the API.
    pub app_id: Option<i64>,
}

/// Longest address (RFC 5321's path limit, Mastodon's too).
pub const MAX_EMAIL_LEN: usize = 320;
/// Longest reason (Mastodon's limit).
pub const MAX_REASON_CHARS: usize = 420;

fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        && !local
            .contains(|c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c))
}

/// A locale tag as apps send it (`en`, `pt-BR`, `zh_Hant`); anything else is dropped, as
/// Mastodon drops unknown locales instead of refusing the sign-up.
fn clean_locale(locale: Option<String>) -> Option<String> {
    let locale = locale?.trim().to_string();
    let mut parts = locale.split(['-', '_']);
    let lang = parts.next()?;
    let ok = (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    (ok && locale.len() <= 35).then_some(locale)
}

/// Every check that needs no database, collected field by field as Mastodon reports them.
fn field_errors(s: &SignUp, policy: &Policy<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let username = s.username.trim();
    if username.is_empty() {
        errors.push(FieldError::new("username", "ERR_BLANK", "can't be blank"));
    } else if username.chars().count() > MAX_USERNAME_LEN {
        errors.push(FieldError::new(
            "username",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_USERNAME_LEN} characters)"),
        ));
    } else if super::accounts::validate_username(username).is_err() {
        errors.push(FieldError::new(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        ));
    } else if policy
        .reserved
        .iter()
        .any(|r| r.eq_ignore_ascii_case(username))
    {
        errors.push(FieldError::new("username", "ERR_RESERVED", "is reserved"));
    }
    let email = s.email.trim();
    if email.is_empty() {
        errors.push(FieldError::new("email", "ERR_BLANK", "can't be blank"));
    } else if email.len() > MAX_EMAIL_LEN {
        errors.push(FieldError::new(
            "email",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_EMAIL_LEN} characters)"),
        ));
    } else if !email_is_valid(email) {
        errors.push(FieldError::new("email", "ERR_INVALID", "is invalid"));
    }
    let password_len = s.password.chars().count();
    if s.password.is_empty() {
        errors.push(FieldError::new("password", "ERR_BLANK", "can't be blank"));
    } else if password_len < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            "password",
            "ERR_TOO_SHORT",
            format!("is too short (minimum is {MIN_PASSWORD_LEN} characters)"),
        ));
    } else if password_len > MAX_PASSWORD_LEN {
        errors.push(FieldError::new(
            "password",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_PASSWORD_LEN} characters)"),
        ));
    }
    if !s.agreement {
        errors.push(FieldError::new(
            "agreement",
            "ERR_ACCEPTED",
            "must be accepted",
        ));
    }
    if s.reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        errors.push(FieldError::new(
            "reason",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_REASON_CHARS} characters)"),
        ));
    }
    errors
}

/// The field checks alone (no database): a form can show every mistake at once, its own
/// included, before asking for a sign-up.
pub fn check(policy: &Policy<'_>, s: &SignUp) -> Result<(), DomainError> {
    let errors = field_errors(s, policy);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Fields(errors))
    }
}

/// Signs someone up under `policy`. The mode is checked first (closed, or invite-only
/// without a valid invite: `Forbidden`), then every field (`Fields`, all at once), then
/// uniqueness. Nothing is stored unless every check passes. In approval mode the account
/// waits for a moderator (its token is refused until then) and staff are notified.
pub async fn sign_up(
    db: &Pool,
    publisher: &dyn Publisher,
    policy: &Policy<'_>,
    s: SignUp,
) -> Result<Account, DomainError> {
    let code = s
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let invite = match code {
        Some(code) => super::invites::valid(db, code).await?,
        None => None,
    };
    match policy.mode {
        Mode::Closed => {
            return Err(DomainError::Forbidden(
                "This server is not taking new sign-ups".into(),
            ));
        }
        Mode::Invite if invite.is_none() => {
            return Err(DomainError::Forbidden(match code {
                Some(_) => format!("This invite {INVALID_INVITE}"),
                None => "This server takes new accounts by invitation only".into(),
            }));
        }
        _ => {}
    }
    let mut errors = field_errors(&s, policy);
    if code.is_some() && invite.is_none() {
        errors.push(invalid_invite());
    }
    let username = s.username.trim().to_string();
    // Addresses are kept lower-cased: one address, whatever case it is typed in.
    let email = s.email.trim().to_lowercase();
    if !errors.iter().any(|e| e.field == "username")
        && db::accounts::find_local_by_username(db, &username)
            .await?
            .is_some()
    {
        errors.push(taken("username"));
    }
    if !errors.iter().any(|e| e.field == "email")
        && db::accounts::find_local_by_email(db, &email)
            .await?
            .is_some()
    {
        errors.push(taken("email"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Fields(errors));
    }
    // An invite skips the queue only when its maker's role may let people in unreviewed.
    let bypass = match &invite {
        Some(i) => db::accounts::find_by_id(db, i.account_id)
            .await?
            .is_some_and(|inviter| {
                super::roles::of(&inviter).may(permission::INVITE_BYPASS_APPROVAL)
            }),
        None => false,
    };
    let pending = policy.mode == Mode::Approval && !bypass;
    let fields = db::accounts::SignUpFields {
        email: Some(email.clone()),
        reason: s
            .reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        locale: clean_locale(s.locale),
        ip: s.ip,
        invite_id: invite.as_ref().map(|i| i.id),
        app_id: s.app_id,
        pending,
        // Without outgoing mail nothing can confirm an address: approval stands in for it.
        unconfirmed: pending,
    };
    let new = NewUser {
        username: username.clone(),
        password: Some(s.password),
        role: Role::User,
        locked: false,
    };
    // The slow parts (hashing, keys) first; then the invite's use, the account and the
    // staff's notifications in one transaction: all of them, or none.
    let row = super::accounts::prepare(new, fields).await?;
    let now = chrono::Utc::now();
    let txn = db::begin_write(db).await?;
    if let Some(invite) = &invite
        && !db::invites::take_use(&txn, invite.id, now).await?
    {
        // Its last use went to someone else a moment ago.
        return Err(DomainError::Fields(vec![invalid_invite()]));
    }
    let account = match db::accounts::insert_local(&txn, row).await {
        Ok(account) => account,
        Err(db::StoreError::Conflict) => {
            // Lost a race for the name or the address: say which.
            drop(txn);
            let name = db::accounts::find_local_by_username(db, &username).await?;
            return Err(DomainError::Fields(vec![taken(if name.is_some() {
                "username"
            } else {
                "email"
            })]));
        }
        Err(e) => return Err(e.into()),
    };
    if pending {
        notify_staff(&txn, &account, now).await?;
    }
    db::commit(txn).await?;
    if let Some(invite) = invite.filter(|i| i.autofollow)
        && let Some(inviter) = db::accounts::find_by_id(db, invite.account_id).await?
        && let Err(e) = super::follows::follow(db, publisher, &account, &inviter).await
    {
        // The account exists; a follow that failed is no reason to say it does not.
        tracing::warn!(error = %e, account = %account.username, "invite autofollow failed");
    }
    Ok(account)
}

/// Why an invite cannot be used, as the form and the API say it.
pub const INVALID_INVITE: &str = "is not valid: it expired, was revoked or has been used up";

fn invalid_invite() -> FieldError {
    FieldError::new("invite_code", "ERR_INVALID", INVALID_INVITE)
}

fn taken(field: &'static str) -> FieldError {
    FieldError::new(field, "ERR_TAKEN", "is already taken")
}

/// Tells staff who manage users that someone waits for approval (Mastodon's
/// `admin.sign_up` notification).
async fn notify_staff<C: db::Conn>(
    db: &C,
    account: &Account,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    for member in db::accounts::with_roles(db, &Role::holding(permission::MANAGE_USERS)).await? {
        db::posts::notify(db, member.id, account.id, "admin.sign_up", None, now).await?;
    }
    Ok(())
}

/// Whether an account may sign in or use a token, with Mastodon's words for why not.
pub fn check_login(account: &Account) -> Result<(), DomainError> {
    if account.suspended_at.is_some() || account.disabled {
        return Err(DomainError::Forbidden(
            "Your login is currently disabled".into(),
        ));
    }
    if !account.approved {
        return Err(DomainError::Forbidden(
            "Your login is currently pending approval".into(),
        ));
    }
    if account.is_local() && account.confirmed_at.is_none() {
        return Err(DomainError::Forbidden(
            "Your login is missing a confirmed e-mail address".into(),
        ));
    }
    Ok(())
}

fn not_pending() -> DomainError {
    DomainError::Forbidden(
        "This action is not allowed: the account is not awaiting approval".into(),
    )
}

/// Lets a pending account in (it counts as confirmed, as no mail could confirm it).
pub async fn approve(
    db: &Pool,
    by: Moderator<'_>,
    account: &Account,
) -> Result<Account, DomainError> {
    by.require(permission::MANAGE_USERS)?;
    let txn = db::begin_write(db).await?;
    // Checked by the statement itself: a concurrent approve or reject finds nothing to do.
    if !db::accounts::approve_pending(&txn, account.id, chrono::Utc::now()).await? {
        return Err(not_pending());
    }
    audit::record(&txn, by, "approve", Target::Account(account), "").await?;
    let approved = db::accounts::find_by_id(&txn, account.id)
        .await?
        .ok_or_else(not_pending)?;
    db::commit(txn).await?;
    Ok(approved)
}

/// Refuses a pending sign-up: the account is deleted (its name and address are free again).
pub async fn reject(db: &Pool, by: Moderator<'_>, account: &Account) -> Result<(), DomainError> {
    by.require(permission::MANAGE_USERS)?;
    let txn = db::begin_write(db).await?;
    if !db::accounts::delete_pending(&txn, account.id).await? {
        return Err(not_pending());
    }
    audit::record(&txn, by, "reject", Target::Account(account), "").await?;
    db::commit(txn).await?;
    Ok(())
}

/// Gives a local account a role. Only a moderator who outranks both the account's current
/// role and the new one may (the owner role is given by the operator alone).
pub async fn set_role(
    db: &Pool,
    by: Moderator<'_>,
    account: &Account,
    role: Role,
) -> Result<Account, DomainError> {
    by.require(permission::MANAGE_ROLES)?;
    if !account.is_local() {
        return Err(DomainError::Invalid(
            "only local accounts have roles".into(),
        ));
    }
    by.outranks(account)?;
    if !matches!(by, Moderator::Operator) && role >= by.role() {
        return Err(DomainError::Forbidden(
            "A role can only be given by someone whose role is higher".into(),
        ));
    }
    let mut changed = account.clone();
    changed.role = role.name().to_string();
    let txn = db::begin_write(db).await?;
    let changed = db::update(&txn, account.clone(), changed).await?;
    let text = format!("{} → {}", super::roles::of(account).name(), role.name());
    audit::record(&txn, by, "change_role", Target::Account(account), &text).await?;
    db::commit(txn).await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SignUp {
        SignUp {
            username: "alice".into(),
            email: "alice@example.org".into(),
            password: "long enough".into(),
            agreement: true,
            ..SignUp::default()
        }
    }

    fn codes(s: &SignUp) -> Vec<(&'static str, &'static str)> {
        let reserved = ["admin".to_string()];
        let policy = Policy {
            mode: Mode::Open,
            reserved: &reserved,
        };
        field_errors(s, &policy)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_good_sign_up_has_no_field_errors() {
        assert!(codes(&valid()).is_empty());
    }

    #[test]
    fn every_bad_field_is_named_with_mastodons_code() {
        let s = SignUp {
            username: "Admin".into(),
            email: "not an address".into(),
            password: "short".into(),
            agreement: false,
            reason: Some("x".repeat(MAX_REASON_CHARS + 1)),
            ..SignUp::default()
        };
        assert_eq!(
            codes(&s),
            vec![
                ("username", "ERR_RESERVED"),
                ("email", "ERR_INVALID"),
                ("password", "ERR_TOO_SHORT"),
                ("agreement", "ERR_ACCEPTED"),
                ("reason", "ERR_TOO_LONG"),
            ]
        );
        let blank = SignUp::default();
        assert_eq!(
            codes(&blank),
            vec![
                ("username", "ERR_BLANK"),
                ("email", "ERR_BLANK"),
                ("password", "ERR_BLANK"),
                ("agreement", "ERR_ACCEPTED"),
            ]
        );
        let mut bad_name = valid();
        bad_name.username = "al ice".into();
        assert_eq!(codes(&bad_name), vec![("username", "ERR_INVALID")]);
    }

    #[test]
    fn addresses_and_locales() {
        for good in ["a@b.co", "first.last+tag@mail.example.org", "ü@exämple.de"] {
            assert!(email_is_valid(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.b.co", "a@b..co", "a b@c.de", "a@b.co.", "a@b_c.de",
        ] {
            assert!(!email_is_valid(bad), "{bad}");
        }
        assert_eq!(clean_locale(Some("pt-BR".into())).as_deref(), Some("pt-BR"));
        assert_eq!(
            clean_locale(Some("zh_Hant".into())).as_deref(),
            Some("zh_Hant")
        );
        assert_eq!(clean_locale(Some("<script>".into())), None);
        assert_eq!(clean_locale(Some("english".into())), None);
    }
}
