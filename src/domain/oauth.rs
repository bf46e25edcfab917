//! OAuth2 as Mastodon apps use it: app registration, the authorization-code grant (PKCE
//! S256 supported, `urn:ietf:wg:oauth:2.0:oob` for apps without a redirect), refresh
//! tokens, client credentials and revocation. Secrets are stored as SHA-256 hashes.

use crate::db::Pool;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{DomainError, accounts, tokens::parse_scopes};
use crate::db::{
    self,
    entities::{accounts::Model as Account, oauth_apps, oauth_codes},
};

/// The redirect URI of apps that show the code to the user instead.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// How long an authorization code stays valid.
const CODE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn invalid_client() -> DomainError {
    DomainError::Unauthorized("Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.".into())
}

fn invalid_grant() -> DomainError {
    DomainError::Invalid("The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.".into())
}

/// A registered app and, right after registration only, its secret.
pub struct RegisteredApp {
    pub app: oauth_apps::Model,
    pub client_secret: String,
}

/// `POST /api/v1/apps`.
pub async fn register(
    db: &Pool,
    name: &str,
    redirect_uris: &str,
    scopes: Option<&str>,
    website: Option<&str>,
) -> Result<RegisteredApp, DomainError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(DomainError::Invalid(
            "client_name must be 1 to 255 characters".into(),
        ));
    }
    let uris: Vec<&str> = redirect_uris.split_whitespace().collect();
    if uris.is_empty() {
        return Err(DomainError::Invalid("redirect_uris is required".into()));
    }
    for uri in &uris {
        if *uri != OOB && url::Url::parse(uri).is_err() {
            return Err(DomainError::Invalid(format!(
                "redirect_uri {uri} is not a URI"
            )));
        }
    }
    let scopes = parse_scopes(scopes.filter(|s| !s.trim().is_empty()).unwrap_or("read"))?;
    let client_secret = secret();
    let app = db::oauth::insert_app(
        db,
        oauth_apps::Model {
            id: 0,
            name: name.to_string(),
            website: website.filter(|w| !w.is_empty()).map(str::to_string),
            redirect_uris: uris.join("\n"),
            scopes: scopes.join(" "),
            client_id: secret(),
            client_secret_hash: hash(&client_secret),
            created_at: chrono::Utc::now(),
        },
    )
    .await?;
    Ok(RegisteredApp { app, client_secret })
}

/// The app a client id names, for the consent page.
pub async fn app(db: &Pool, client_id: &str) -> Result<oauth_apps::Model, DomainError> {
    db::oauth::app_by_client_id(db, client_id)
        .await?
        .ok_or_else(invalid_client)
}

async fn authenticated_app(
    db: &Pool,
    client_id: &str,
    client_secret: &str,
) -> Result<oauth_apps::Model, DomainError> {
    let app = app(db, client_id).await?;
    if hash(client_secret) != app.client_secret_hash {
        return Err(invalid_client());
    }
    Ok(app)
}

/// Scopes asked for, checked against what the app registered (default: the app's).
pub fn requested_scopes(
    app: &oauth_apps::Model,
    asked: Option<&str>,
) -> Result<Vec<String>, DomainError> {
    let registered: Vec<&str> = app.scopes.split_whitespace().collect();
    let asked = match asked.filter(|s| !s.trim().is_empty()) {
        Some(s) => parse_scopes(s)?,
        None => return Ok(registered.iter().map(|s| s.to_string()).collect()),
    };
    for scope in &asked {
        let covered = registered.iter().any(|r| {
            r == scope
                || scope
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with(':'))
        });
        if !covered {
            return Err(DomainError::Invalid(format!(
                "The requested scope {scope} is not registered for this application"
            )));
        }
    }
    Ok(asked)
}

/// Checks a redirect URI against the app's.
pub fn check_redirect(app: &oauth_apps::Model, redirect_uri: &str) -> Result<(), DomainError> {
    if app.redirect_uris.lines().any(|u| u == redirect_uri) {
        Ok(())
    } else {
        Err(DomainError::Invalid(
            "The redirect uri included is not valid.".into(),
        ))
    }
}

/// Failed sign-ins, counted per address, per account and per (account, address), as
/// Mastodon's rack-attack rules count them. An attempt is counted when it starts, under the
/// same lock as the check, so parallel guesses cannot all pass the check before any of
/// them failed; a success takes its count back. One address alone can exhaust its own
/// limits but never the account's, so it cannot lock the owner out from elsewhere.
#[derive(Default)]
pub struct Throttle {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

const WINDOW: Duration = Duration::from_secs(300);
/// Guesses for one account from one address per window.
const MAX_PER_ACCOUNT_AND_ADDRESS: u32 = 5;
/// Guesses from one address per window, whatever the accounts.
const MAX_PER_ADDRESS: u32 = 20;
/// Guesses for one account per window, whatever the addresses: bounds a distributed
/// attack; reaching it takes more than one address's limit.
const MAX_PER_ACCOUNT: u32 = 100;
/// Entries kept at most; expired ones are dropped first.
const MAX_ENTRIES: usize = 100_000;

/// The unit an address is throttled by (see [`crate::net::client_unit`]); anything that is
/// not an IP address is its own unit.
fn address_key(from: &str) -> String {
    from.parse::<std::net::IpAddr>().map_or_else(
        |_| from.to_string(),
        |ip| crate::net::client_unit(ip).to_string(),
    )
}

/// An admitted sign-in attempt, counted against its keys until it succeeds.
pub struct Attempt {
    keys: Vec<String>,
}

impl Throttle {
    /// Admits an attempt and counts it, or refuses it when any of its limits is reached.
    fn begin(&self, username: &str, from: &str) -> Option<Attempt> {
        let user = username.to_lowercase();
        let limits = [
            (format!("pair:{user}\n{from}"), MAX_PER_ACCOUNT_AND_ADDRESS),
            (format!("addr:{from}"), MAX_PER_ADDRESS),
            (format!("user:{user}"), MAX_PER_ACCOUNT),
        ];
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let current = |k: &String| {
            map.get(k)
                .filter(|(_, since)| since.elapsed() < WINDOW)
                .map_or(0, |(n, _)| *n)
        };
        if limits.iter().any(|(k, max)| current(k) >= *max) {
            return None;
        }
        for (k, _) in &limits {
            let entry = map.entry(k.clone()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Some(Attempt {
            keys: limits.into_iter().map(|(k, _)| k).collect(),
        })
    }

    /// The attempt signed in: it was no guess. The account's counts start over; the
    /// address keeps its other attempts.
    fn succeeded(&self, attempt: Attempt) {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for k in attempt.keys {
            if k.starts_with("addr:") {
                if let Some(entry) = map.get_mut(&k) {
                    entry.0 = entry.0.saturating_sub(1);
                }
            } else {
                map.remove(&k);
            }
        }
    }
}

/// What the consent form submits.
pub struct Consent<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: Option<&'a str>,
    pub username: &'a str,
    pub password: &'a str,
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
    /// The client's address, for throttling.
    pub from: &'a str,
}

/// A password check under the sign-in throttle, shared by the OAuth form and the web's
/// sign-in: the same limits whichever door a guesser knocks on.
async fn checked_password(
    db: &Pool,
    throttle: &Throttle,
    username: &str,
    password: &str,
    from: &str,
) -> Result<Account, DomainError> {
    if accounts::validate_username(username).is_err() {
        // No such account can exist: refused without costing a throttle entry or a hash.
        return Err(DomainError::Unauthorized(
            "Invalid username or password".into(),
        ));
    }
    let Some(attempt) = throttle.begin(username, &address_key(from)) else {
        return Err(DomainError::TooMany(
            "Too many failed sign-in attempts; try again in a few minutes".into(),
        ));
    };
    let account = accounts::check_password(db, username, password).await?;
    throttle.succeeded(attempt);
    // Only after the password: who is pending or disabled is no one else's business.
    super::registrations::check_login(&account)?;
    Ok(account)
}

/// How long a web session lasts; the browser is asked to sign in again after that.
pub const SESSION_DAYS: i64 = 30;

/// The account of a web session, or `None` when the token is unknown, revoked or older than
/// [`SESSION_DAYS`] (a copied cookie stops working, whatever the browser keeps).
pub async fn session(db: &Pool, token: &str) -> Result<Option<Account>, DomainError> {
    let max_age = chrono::TimeDelta::days(SESSION_DAYS);
    match super::tokens::authenticate_within(db, token, Some(max_age)).await {
        Ok(caller) => Ok(Some(caller.account)),
        Err(DomainError::Unauthorized(_) | DomainError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a web session may do: everything its owner can do in a Mastodon app.
const WEB_SCOPES: &str = "read write follow";

/// A web session for an account that just signed up (no password to check again).
pub async fn start_session(db: &Pool, account: &Account) -> Result<String, DomainError> {
    super::registrations::check_login(account)?;
    super::tokens::create(db, &account.username, WEB_SCOPES).await
}

/// Signs a person in on the web: the password checked under the throttle, then a session
/// token (a bearer token with the web's scopes; only its hash is stored) for the cookie.
pub async fn sign_in(
    db: &Pool,
    throttle: &Throttle,
    username: &str,
    password: &str,
    from: &str,
) -> Result<(Account, String), DomainError> {
    let account = checked_password(db, throttle, username, password, from).await?;
    let token = super::tokens::create(db, &account.username, WEB_SCOPES).await?;
    Ok((account, token))
}

/// Changes a password once the current one is given, under the sign-in throttle: someone at
/// an unattended signed-in browser can neither lock the owner out nor guess the password
/// faster than at the sign-in form.
pub async fn change_password(
    db: &Pool,
    throttle: &Throttle,
    account: &Account,
    current: &str,
    new: &str,
    from: &str,
) -> Result<Account, DomainError> {
    match checked_password(db, throttle, &account.username, current, from).await {
        Ok(_) => {}
        Err(DomainError::Unauthorized(_)) => {
            return Err(DomainError::Invalid("the current password is wrong".into()));
        }
        Err(e) => return Err(e),
    }
    accounts::set_password(db, account, new).await
}

/// Ends a web session: its token stops working at once. An unknown token is no error
/// (signing out twice, or after the token was revoked elsewhere).
pub async fn sign_out(db: &Pool, token: &str) -> Result<(), DomainError> {
    if let Some(t) = db::oauth::user_token(db, &hash(token)).await? {
        db::oauth::delete_user_token(db, t.id).await?;
    }
    Ok(())
}

/// Signs the user in and issues an authorization code for the app.
pub async fn authorize(
    db: &Pool,
    throttle: &Throttle,
    c: Consent<'_>,
) -> Result<(Account, String), DomainError> {
    let app = app(db, c.client_id).await?;
    check_redirect(&app, c.redirect_uri)?;
    let scopes = requested_scopes(&app, c.scope)?;
    let challenge = match (
        c.code_challenge.filter(|s| !s.is_empty()),
        c.code_challenge_method,
    ) {
        (None, _) => None,
        (Some(ch), None | Some("S256")) if (43..=128).contains(&ch.len()) => Some(ch.to_string()),
        (Some(_), Some("S256")) | (Some(_), None) => {
            return Err(DomainError::Invalid(
                "code_challenge must be 43 to 128 characters".into(),
            ));
        }
        (Some(_), Some(other)) => {
            return Err(DomainError::Invalid(format!(
                "code_challenge_method {other} is not supported; use S256"
            )));
        }
    };
    let account = checked_password(db, throttle, c.username, c.password, c.from).await?;
    let code = secret();
    let now = chrono::Utc::now();
    db::oauth::insert_code(
        db,
        oauth_codes::Model {
            id: 0,
            code_hash: hash(&code),
            app_id: app.id,
            account_id: account.id,
            scopes: scopes.join(" "),
            redirect_uri: c.redirect_uri.to_string(),
            code_challenge: challenge,
            expires_at: now + CODE_LIFETIME,
            created_at: now,
        },
    )
    .await?;
    Ok((account, code))
}

/// An issued token, as `POST /oauth/token` answers it.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scopes: String,
    pub created_at: i64,
}

/// Refuses to issue a token for an account that may not sign in (pending, disabled,
/// suspended): a code or refresh token obtained before does not outlive the decision.
async fn usable_account(db: &Pool, id: i64) -> Result<(), DomainError> {
    let account = db::accounts::find_by_id(db, id)
        .await?
        .ok_or_else(invalid_grant)?;
    super::registrations::check_login(&account)
}

async fn issue_user_token(
    db: &Pool,
    account_id: i64,
    app_id: i64,
    scopes: String,
) -> Result<Issued, DomainError> {
    let (access, refresh) = (secret(), secret());
    let now = chrono::Utc::now();
    db::oauth::insert_user_token(
        db,
        account_id,
        app_id,
        hash(&access),
        hash(&refresh),
        scopes.clone(),
        now,
    )
    .await?;
    Ok(Issued {
        access_token: access,
        refresh_token: Some(refresh),
        scopes,
        created_at: now.timestamp(),
    })
}

/// `POST /api/v1/accounts`: an app signs someone up with its client-credentials token
/// (scope `write` or `write:accounts`) and gets a token for the new account, with the
/// app's scopes. A pending account's token is refused until a moderator approves it.
pub async fn app_sign_up(
    db: &Pool,
    publisher: &dyn super::publish::Publisher,
    policy: &super::registrations::Policy<'_>,
    app_token: &str,
    sign_up: super::registrations::SignUp,
) -> Result<Issued, DomainError> {
    let h = hash(app_token);
    let Some(token) = db::oauth::app_token(db, &h).await? else {
        return Err(if db::oauth::user_token(db, &h).await?.is_some() {
            DomainError::Forbidden(
                "This method requires an client credentials authentication".into(),
            )
        } else {
            DomainError::Unauthorized("The access token is invalid".into())
        });
    };
    let scopes = parse_scopes(&token.scopes)?;
    if !scopes.iter().any(|s| s == "write" || s == "write:accounts") {
        return Err(DomainError::Forbidden(
            "This action is outside the authorized scopes".into(),
        ));
    }
    let sign_up = super::registrations::SignUp {
        app_id: Some(token.app_id),
        ..sign_up
    };
    let account = super::registrations::sign_up(db, publisher, policy, sign_up).await?;
    issue_user_token(db, account.id, token.app_id, token.scopes).await
}

/// What `POST /oauth/token` was asked.
pub struct TokenRequest<'a> {
    pub grant_type: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub refresh_token: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// `POST /oauth/token` for every grant Mastodon supports.
pub async fn token(db: &Pool, r: TokenRequest<'_>) -> Result<Issued, DomainError> {
    let app = authenticated_app(db, r.client_id, r.client_secret).await?;
    match r.grant_type {
        "authorization_code" => {
            let code = r.code.ok_or_else(invalid_grant)?;
            let grant = db::oauth::take_code(db, &hash(code))
                .await?
                .filter(|g| g.app_id == app.id && g.expires_at > chrono::Utc::now())
                .ok_or_else(invalid_grant)?;
            if r.redirect_uri.is_some_and(|u| u != grant.redirect_uri) {
                return Err(invalid_grant());
            }
            if let Some(challenge) = &grant.code_challenge {
                let verifier = r.code_verifier.ok_or_else(invalid_grant)?;
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(Sha256::digest(verifier.as_bytes()));
                if &computed != challenge {
                    return Err(invalid_grant());
                }
            }
            usable_account(db, grant.account_id).await?;
            issue_user_token(db, grant.account_id, app.id, grant.scopes).await
        }
        "refresh_token" => {
            let refresh = r.refresh_token.ok_or_else(invalid_grant)?;
            let old = db::oauth::token_by_refresh(db, &hash(refresh))
                .await?
                .filter(|t| t.app_id == Some(app.id))
                .ok_or_else(invalid_grant)?;
            usable_account(db, old.account_id).await?;
            // Refresh tokens rotate: the old pair stops working.
            db::oauth::delete_user_token(db, old.id).await?;
            issue_user_token(db, old.account_id, app.id, old.scopes).await
        }
        "client_credentials" => {
            let scopes = requested_scopes(&app, r.scope)?.join(" ");
            let access = secret();
            let now = chrono::Utc::now();
            db::oauth::insert_app_token(db, app.id, hash(&access), scopes.clone(), now).await?;
            Ok(Issued {
                access_token: access,
                refresh_token: None,
                scopes,
                created_at: now.timestamp(),
            })
        }
        other => Err(DomainError::Invalid(format!(
            "The authorization grant type {other} is not supported by the authorization server."
        ))),
    }
}

/// `POST /oauth/revoke`: the token stops working (unknown tokens are not an error, per
/// RFC 7009).
pub async fn revoke(
    db: &Pool,
    client_id: &str,
    client_secret: &str,
    token: &str,
) -> Result<(), DomainError> {
    let app = authenticated_app(db, client_id, client_secret).await?;
    let h = hash(token);
    if let Some(t) = db::oauth::user_token(db, &h).await?
        && t.app_id == Some(app.id)
    {
        db::oauth::delete_user_token(db, t.id).await?;
    }
    if let Some(t) = db::oauth::app_token(db, &h).await?
        && t.app_id == app.id
    {
        db::oauth::delete_app_token(db, t.id).await?;
    }
    Ok(())
}

/// The app behind a token (a user token issued to it, or its own client-credentials token).
pub async fn app_of_token(db: &Pool, token: &str) -> Result<oauth_apps::Model, DomainError> {
    let refused = || DomainError::Unauthorized("The access token is invalid".into());
    let h = hash(token);
    let app_id = match db::oauth::user_token(db, &h).await? {
        Some(t) => t.app_id.ok_or_else(refused)?,
        None => {
            db::oauth::app_token(db, &h)
                .await?
                .ok_or_else(refused)?
                .app_id
        }
    };
    db::oauth::app(db, app_id).await?.ok_or_else(refused)
}
