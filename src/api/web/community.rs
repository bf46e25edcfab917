//! Joining and running the community on the web: the sign-up page (and invite links),
//! members' invites, and the moderators' pages (the approval queue, accounts, the audit
//! log). Every change goes through the domain functions the admin API and the CLI call.

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Visitor,
    layout::{Head, document},
    signed_in::{CsrfForm, button, csrf_field, done_then_back, to_sign_in},
};
use crate::{
    api::{
        ApiError,
        sign_ups::{count_attempt, policy},
    },
    db::{
        accounts::AccountQuery,
        entities::{accounts::Model as Account, invites::Model as Invite},
        posts::Page,
    },
    domain::{
        self, DomainError, FieldError,
        audit::Moderator,
        invites::NewInvite,
        moderation::Reversal,
        registrations::{INVALID_INVITE, Mode, SignUp},
        roles::{self, permission},
    },
    net::ClientAddress,
    state::AppState,
};

/// What the sign-up form shows again after a refusal (never the password).
#[derive(Debug, Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    reason: String,
    agreement: Option<String>,
    invite_code: Option<String>,
}

fn field_error<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == field)
}

/// One labelled input with its error, described for screen readers.
fn field(label: &str, input: Markup, errors: &[FieldError], name: &str) -> Markup {
    html! {
        label for=(name) { (label) }
        (input)
        @if let Some(e) = field_error(errors, name) {
            p.error id=(format!("{name}-error")) { (label) " " (e.description) }
        }
    }
}

fn sign_up_page(
    state: &AppState,
    visitor: &Visitor,
    form: &SignUpForm,
    errors: &[FieldError],
    refusal: Option<&str>,
) -> Markup {
    let config = &state.config;
    let mode = config.instance.registrations;
    let head = Head {
        title: format!("Sign up · {}", config.instance.title),
        canonical: config.uris().route("/auth/sign_up"),
        noindex: true,
        ..Default::default()
    };
    let invited = form.invite_code.as_deref().is_some_and(|c| !c.is_empty());
    let open = match mode {
        Mode::Closed => false,
        Mode::Invite => invited,
        Mode::Open | Mode::Approval => true,
    };
    let invalid = |name: &str| field_error(errors, name).is_some();
    let described = |name: &str| invalid(name).then(|| format!("{name}-error"));
    let body = html! {
        h1 { "Sign up for " (config.instance.title) }
        @if let Some(r) = refusal { p.error role="alert" { (r) } }
        @if !open {
            p { @if mode == Mode::Invite { "This server takes new accounts by invitation only: ask a member for an invite link." } @else { "This server is not taking new sign-ups." } }
            p { a href=(config.uris().route("/login")) { "Sign in" } " if you already have an account." }
        } @else {
            @if !errors.is_empty() { p.error role="alert" { "Please correct the fields marked below." } }
            @if mode == Mode::Approval && !invited {
                p { "A moderator reviews every new account before it can sign in." }
            }
            form.stack method="post" action=(config.uris().route("/auth/sign_up")) {
                (csrf_field(visitor))
                @if let Some(code) = form.invite_code.as_deref().filter(|c| !c.is_empty()) {
                    input type="hidden" name="invite_code" value=(code);
                }
                (field("Username", html! {
                    input #username name="username" autocomplete="username" required maxlength="30" pattern="[A-Za-z0-9_]+" value=(form.username) aria-invalid=[invalid("username").then_some("true")] aria-describedby=[described("username")];
                }, errors, "username"))
                (field("E-mail address", html! {
                    input #email type="email" name="email" autocomplete="email" required value=(form.email) aria-invalid=[invalid("email").then_some("true")] aria-describedby=[described("email")];
                }, errors, "email"))
                (field("Password", html! {
                    input #password type="password" name="password" autocomplete="new-password" required minlength="8" aria-invalid=[invalid("password").then_some("true")] aria-describedby=[described("password")];
                }, errors, "password"))
                (field("Confirm password", html! {
                    input #password_confirmation type="password" name="password_confirmation" autocomplete="new-password" required aria-invalid=[invalid("password_confirmation").then_some("true")] aria-describedby=[described("password_confirmation")];
                }, errors, "password_confirmation"))
                @if mode == Mode::Approval && !invited {
                    (field("Why do you want to join?", html! {
                        textarea #reason name="reason" rows="3" maxlength="420" aria-invalid=[invalid("reason").then_some("true")] aria-describedby=[described("reason")] { (form.reason) }
                    }, errors, "reason"))
                }
                @if !config.instance.rules.is_empty() {
                    fieldset {
                        legend { "Server rules" }
                        ol.rules { @for r in &config.instance.rules { li { (r) } } }
                    }
                }
                label.check {
                    input #agreement type="checkbox" name="agreement" value="1" required checked[form.agreement.is_some()] aria-describedby=[described("agreement")];
                    " I agree to the server's rules"
                }
                @if let Some(e) = field_error(errors, "agreement") { p.error id="agreement-error" { "The rules " (e.description) } }
                @if let Some(e) = field_error(errors, "invite_code") { p.error { "This invite " (e.description) } }
                button type="submit" { "Sign up" }
            }
            p { "Already have an account? " a href=(config.uris().route("/login")) { "Sign in" } }
        }
    };
    document(config, visitor, &head, body)
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteQuery {
    invite_code: Option<String>,
}

/// `GET /auth/sign_up`.
pub async fn sign_up_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<InviteQuery>,
) -> Response {
    if visitor.me.is_some() {
        return Redirect::to(&state.config.uris().route("/home")).into_response();
    }
    let form = SignUpForm {
        invite_code: q.invite_code,
        ..SignUpForm::default()
    };
    visitor.answer(sign_up_page(&state, &visitor, &form, &[], None))
}

/// `GET /invite/{code}`: the sign-up page for an invite, or why it cannot be used.
pub async fn invite_link(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let valid = state.config.instance.registrations.invites_enabled()
        && domain::invites::valid(&state.db, &code).await?.is_some();
    if !valid {
        // A wrong code counts against the sign-up limit: guessing codes costs attempts.
        count_attempt(&state, client)?;
        let form = SignUpForm::default();
        let refusal = format!("This invite link {INVALID_INVITE}.");
        let refusal = refusal.as_str();
        let page = sign_up_page(&state, &visitor, &form, &[], Some(refusal));
        return Ok(visitor.answer((StatusCode::NOT_FOUND, page)));
    }
    let form = SignUpForm {
        invite_code: Some(code),
        ..SignUpForm::default()
    };
    Ok(visitor.answer(sign_up_page(&state, &visitor, &form, &[], None)))
}

/// `POST /auth/sign_up`: the same rules and limits as `POST /api/v1/accounts`; an account
/// that needs no approval is signed in at once.
pub async fn sign_up(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    visitor: Visitor,
    Form(mut form): Form<SignUpForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    count_attempt(&state, client)?;
    let config = &state.config;
    let mismatch = form.password != form.password_confirmation;
    let policy = policy(config);
    let request = SignUp {
        username: form.username.trim().to_string(),
        email: form.email.trim().to_string(),
        password: form.password.clone(),
        agreement: form.agreement.is_some(),
        locale: None,
        reason: Some(form.reason.clone()),
        invite_code: form.invite_code.clone(),
        ip: Some(client.to_string()),
        app_id: None,
    };
    form.password.clear();
    form.password_confirmation.clear();
    let confirmation = FieldError::new(
        "password_confirmation",
        "ERR_CONFIRMATION",
        "doesn't match the password",
    );
    let result = if mismatch {
        // Checked here, before anything is stored; the other fields are checked too so that
        // every mistake shows at once.
        match domain::registrations::check(&policy, &request) {
            Err(DomainError::Fields(mut errors)) => {
                errors.push(confirmation);
                Err(DomainError::Fields(errors))
            }
            _ => Err(DomainError::Fields(vec![confirmation])),
        }
    } else {
        domain::registrations::sign_up(&state.db, &state.federation.publisher, &policy, request)
            .await
    };
    match result {
        Ok(account) if account.approved => {
            let token = domain::oauth::start_session(&state.db, &account).await?;
            let home = config.uris().route("/home");
            Ok(visitor.signed_in(&token, Redirect::to(&home)))
        }
        Ok(_) => {
            let head = Head {
                title: format!("Thanks for signing up · {}", config.instance.title),
                canonical: config.uris().route("/auth/sign_up"),
                noindex: true,
                ..Default::default()
            };
            let body = html! {
                h1 { "Thanks for signing up" }
                p { "A moderator will review your account. Once it is approved you can sign in with the username and password you chose." }
            };
            Ok(visitor.answer(document(config, &visitor, &head, body)))
        }
        Err(DomainError::Fields(errors)) => {
            let page = sign_up_page(&state, &visitor, &form, &errors, None);
            Ok(visitor.answer((StatusCode::UNPROCESSABLE_ENTITY, page)))
        }
        Err(DomainError::Forbidden(m)) => {
            let page = sign_up_page(&state, &visitor, &form, &[], Some(&m));
            Ok(visitor.answer((StatusCode::FORBIDDEN, page)))
        }
        Err(e) => Err(e.into()),
    }
}

fn expiry(invite: &Invite) -> String {
    let now = chrono::Utc::now();
    match invite.expires_at {
        None => "Never".into(),
        Some(t) if t <= now => "Expired".into(),
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// `GET /invites`: the member's invite links and a form for a new one.
pub async fn invites(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, ApiError> {
    let Some(me) = &visitor.me else {
        return Ok(to_sign_in(&state, "/invites"));
    };
    let config = &state.config;
    let uris = config.uris();
    let list = domain::invites::list(&state.db, me).await?;
    let may = roles::of(me).may(permission::INVITE_USERS);
    let head = Head {
        title: format!("Invites · {}", config.instance.title),
        canonical: uris.route("/invites"),
        noindex: true,
        ..Default::default()
    };
    let now = chrono::Utc::now();
    let body = html! {
        h1 { "Invite people" }
        @if !config.instance.registrations.invites_enabled() {
            p { "Sign-ups are closed on this server, so invite links do not work at the moment." }
        } @else if !may {
            p { "Your role does not allow inviting people." }
        } @else {
            form.stack method="post" action=(uris.route("/invites")) {
                (csrf_field(&visitor))
                label for="max_uses" { "How many people may use it" }
                select #max_uses name="max_uses" {
                    option value="" { "No limit" }
                    @for n in [1, 5, 10, 25, 50, 100] { option value=(n) selected[n == 1] { (n) } }
                }
                label for="expires_in" { "Expires after" }
                select #expires_in name="expires_in" {
                    @for (secs, label) in [(1800, "30 minutes"), (3600, "1 hour"), (21600, "6 hours"), (43200, "12 hours"), (86400, "1 day"), (604800, "1 week")] {
                        option value=(secs) selected[secs == 604800] { (label) }
                    }
                    option value="" { "Never" }
                }
                label.check { input type="checkbox" name="autofollow" value="1"; " New accounts follow me" }
                label for="comment" { "Note for yourself (optional)" }
                input #comment name="comment" maxlength="420";
                button type="submit" { "Make an invite link" }
            }
        }
        @if !list.is_empty() {
            h2 { "Your invite links" }
            table {
                thead { tr { th { "Link" } th { "Uses" } th { "Expires" } th { "" } } }
                tbody {
                    @for i in &list {
                        tr {
                            td { code { (uris.invite(&i.code)) } @if let Some(c) = &i.comment { br; small { (c) } } }
                            td { (i.uses) @if let Some(m) = i.max_uses { " / " (m) } }
                            td { (expiry(i)) }
                            td {
                                @if domain::invites::usable(i, now) {
                                    form method="post" action=(uris.route(&format!("/invites/{}/revoke", i.id))) {
                                        (csrf_field(&visitor))
                                        button type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    expires_in: String,
    autofollow: Option<String>,
    #[serde(default)]
    comment: String,
}

fn optional_number<T: std::str::FromStr>(value: &str, what: &str) -> Result<Option<T>, ApiError> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("{what} must be a number"))),
    }
}

/// `POST /invites`.
pub async fn create_invite(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<InviteForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    let me = visitor.account()?;
    if !state.config.instance.registrations.invites_enabled() {
        return Err(ApiError::Forbidden(
            "Sign-ups are closed on this server".into(),
        ));
    }
    let new = NewInvite {
        max_uses: optional_number(&form.max_uses, "max uses")?,
        expires_in: optional_number(&form.expires_in, "expires in")?
            .map(|s: i64| chrono::TimeDelta::try_seconds(s).unwrap_or(chrono::TimeDelta::MAX)),
        autofollow: form.autofollow.is_some(),
        comment: Some(form.comment),
    };
    domain::invites::create(&state.db, me, new).await?;
    Ok(visitor.answer(Redirect::to(&state.config.uris().route("/invites"))))
}

/// `POST /invites/{id}/revoke`.
pub async fn revoke_invite(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let (me, id) = button(&visitor, &["revoke"], "revoke", &id, &form)?;
    let done = domain::invites::revoke(&state.db, Moderator::Account(me), id)
        .await
        .map(drop);
    done_then_back(&state, &visitor, done, Some("/invites"))
}

/// Refuses a page to someone whose role lacks `flag`.
fn staff_only(me: &Account, flag: u64) -> Result<(), ApiError> {
    if roles::of(me).may(flag) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("This page is for moderators".into()))
    }
}

fn handle(a: &Account) -> String {
    match &a.domain {
        Some(d) => format!("@{}@{d}", a.username),
        None => format!("@{}", a.username),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountsQuery {
    username: Option<String>,
}

/// `GET /admin/accounts`: the sign-ups waiting for approval, then accounts by name.
pub async fn admin_accounts(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<AccountsQuery>,
) -> Result<Response, ApiError> {
    let Some(me) = &visitor.me else {
        return Ok(to_sign_in(&state, "/admin/accounts"));
    };
    staff_only(me, permission::MANAGE_USERS)?;
    let config = &state.config;
    let uris = config.uris();
    let by = Moderator::Account(me);
    let pending = domain::moderation::pending(&state.db, by).await?;
    let query = AccountQuery {
        username: q.username.clone().filter(|u| !u.trim().is_empty()),
        ..AccountQuery::default()
    };
    let page = Page {
        limit: 50,
        ..Page::default()
    };
    let found = domain::moderation::accounts(&state.db, by, &query, &page).await?;
    let head = Head {
        title: format!("Moderation · {}", config.instance.title),
        canonical: uris.route("/admin/accounts"),
        noindex: true,
        ..Default::default()
    };
    let decide = |a: &Account, verb: &str, label: &str| {
        html! {
            form method="post" action=(uris.route(&format!("/admin/accounts/{}/{verb}", a.id))) {
                (csrf_field(&visitor))
                button type="submit" { (label) }
            }
        }
    };
    let body = html! {
        h1 { "Moderation" }
        p {
            a href=(uris.route("/admin/reports")) { "Reports" } " · "
            a href=(uris.route("/admin/action_logs")) { "Audit log" }
        }
        section aria-labelledby="pending" {
            h2 #pending { "Waiting for approval (" (pending.len()) ")" }
            @if pending.is_empty() { p { "Nobody is waiting." } }
            ul.queue {
                @for a in &pending {
                    li.pending {
                        strong { (handle(a)) }
                        " · " (a.email.as_deref().unwrap_or_default())
                        " · signed up " (a.created_at.format("%Y-%m-%d %H:%M UTC"))
                        @if let Some(ip) = &a.sign_up_ip { " from " (ip) }
                        @if let Some(r) = &a.sign_up_reason { blockquote { (r) } }
                        div.actions {
                            (decide(a, "approve", "Approve"))
                            (decide(a, "reject", "Reject"))
                        }
                    }
                }
            }
        }
        section aria-labelledby="accounts" {
            h2 #accounts { "Accounts" }
            form method="get" action=(uris.route("/admin/accounts")) {
                label for="username" { "Username starts with" }
                input #username name="username" value=(q.username.as_deref().unwrap_or_default());
                button type="submit" { "Search" }
            }
            table {
                thead { tr { th { "Account" } th { "Role" } th { "State" } th { "Joined" } } }
                tbody {
                    @for a in &found {
                        tr {
                            td { a href=(uris.route(&format!("/admin/accounts/{}", a.id))) { (handle(a)) } }
                            td { (roles::of(a).name()) }
                            td { (domain::moderation::state(a)) }
                            td { (a.created_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
        }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `POST /admin/accounts/{id}/{approve|reject}`.
pub async fn admin_decide(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let verbs = [
        "approve",
        "reject",
        "enable",
        "unsilence",
        "unsuspend",
        "unsensitive",
    ];
    let (me, id) = button(&visitor, &verbs, &action, &id, &form)?;
    let by = Moderator::Account(me);
    let db = &state.db;
    let account = domain::moderation::account(db, by, id).await?;
    let (done, back) = match (action.as_str(), Reversal::parse(&action)) {
        ("approve", _) => (
            domain::registrations::approve(db, by, &account)
                .await
                .map(drop),
            "/admin/accounts".to_string(),
        ),
        ("reject", _) => (
            domain::registrations::reject(db, by, &account).await,
            "/admin/accounts".to_string(),
        ),
        (_, Some(reversal)) => (
            domain::moderation::undo(db, by, &account, reversal)
                .await
                .map(drop),
            format!("/admin/accounts/{id}"),
        ),
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    done_then_back(&state, &visitor, done, Some(&back))
}

/// `GET /admin/action_logs`: who did what, newest first.
pub async fn action_logs(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, ApiError> {
    let Some(me) = &visitor.me else {
        return Ok(to_sign_in(&state, "/admin/action_logs"));
    };
    staff_only(me, permission::VIEW_AUDIT_LOG)?;
    let config = &state.config;
    let page = Page {
        limit: 200,
        ..Page::default()
    };
    let entries = domain::audit::log(&state.db, Moderator::Account(me), &page).await?;
    let names = domain::audit::actors(&state.db, &entries).await?;
    let head = Head {
        title: format!("Audit log · {}", config.instance.title),
        canonical: config.uris().route("/admin/action_logs"),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Audit log" }
        @if entries.is_empty() { p { "No moderation actions yet." } }
        table {
            thead { tr { th { "When" } th { "Who" } th { "Action" } th { "On" } th { "Note" } } }
            tbody {
                @for (e, who) in entries.iter().zip(&names) {
                    tr {
                        td { (e.created_at.format("%Y-%m-%d %H:%M UTC")) }
                        td { (who) }
                        td { (e.action) }
                        td { (e.target_type) " " (e.target_name) }
                        td { (e.text) }
                    }
                }
            }
        }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}
