//! The moderators' report queue and account page: the reported posts beside the report,
//! the actions (warn, sensitive, disable, limit, suspend) and their undoing, the buttons
//! that assign and resolve. The same domain functions as the admin API and the CLI.

use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Visitor,
    layout::{Head, document},
    parts,
    signed_in::{CsrfForm, button, csrf_field, done_then_back, to_sign_in},
};
use crate::{
    api::ApiError,
    db::{
        entities::{accounts::Model as Account, reports::Model as Report},
        posts::Page,
        reports::ReportQuery,
    },
    domain::{
        self,
        audit::Moderator,
        moderation::{AccountAction, ActionKind},
        reports::Handling,
        roles::{self, permission},
    },
    state::AppState,
};

fn forbidden() -> ApiError {
    ApiError::Forbidden("This page is for moderators".into())
}

/// The signed-in staff member whose role holds `flag`, or the redirect to sign in.
fn staff(visitor: &Visitor, flag: u64) -> Result<Option<&Account>, ApiError> {
    match &visitor.me {
        None => Ok(None),
        Some(me) if roles::of(me).may(flag) => Ok(Some(me)),
        Some(_) => Err(forbidden()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    resolved: Option<String>,
}

async fn report_card(
    state: &AppState,
    visitor: &Visitor,
    r: &Report,
    back: &str,
) -> Result<Markup, ApiError> {
    let config = &state.config;
    let uris = config.uris();
    let target = domain::accounts::get(&state.db, r.target_account_id).await?;
    let reporter = domain::accounts::get(&state.db, r.account_id).await.ok();
    let views = domain::posts::views_for_moderation(&state.db, &r.post_ids()).await?;
    let action = |verb: &str| uris.route(&format!("/admin/reports/{}/{verb}", r.id));
    let rules = &config.instance.rules;
    Ok(html! {
        article.report {
            h2 {
                "Report " (r.id) " about "
                a href=(uris.route(&format!("/admin/accounts/{}", target.id))) { (parts::handle(config, &target)) }
            }
            p.muted {
                (r.category) " · filed " (r.created_at.format("%Y-%m-%d %H:%M UTC"))
                @if let Some(who) = &reporter { " by " (parts::handle(config, who)) }
                @if r.forwarded { " · forwarded to their server" }
                @if r.assigned_account_id.is_some() { " · assigned" }
                @if r.action_taken_at.is_some() { " · resolved" }
            }
            @if !r.comment.is_empty() { blockquote { (r.comment) } }
            @let broken: Vec<&String> = r.rules().iter().filter_map(|n| rules.get(usize::try_from(*n).ok()?.checked_sub(1)?)).collect();
            @if !broken.is_empty() { p { "Rules: " @for rule in broken { span.rule { (rule) } " " } } }
            (parts::notes(config, &views, "No posts were named."))
            div.actions {
                @for (verb, label) in [
                    ("assign_to_self", "Assign to me"),
                    ("unassign", "Unassign"),
                    (if r.action_taken_at.is_some() { "reopen" } else { "resolve" }, if r.action_taken_at.is_some() { "Reopen" } else { "Resolve without action" }),
                ] {
                    form method="post" action=(action(verb)) {
                        (csrf_field(visitor))
                        input type="hidden" name="back" value=(back);
                        button type="submit" { (label) }
                    }
                }
                a.button href=(uris.route(&format!("/admin/accounts/{}?report={}", target.id, r.id))) { "Act on the account" }
            }
        }
    })
}

/// `GET /admin/reports`: the open reports (or the resolved ones), newest first.
pub async fn reports(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, ApiError> {
    let Some(me) = staff(&visitor, permission::MANAGE_REPORTS)? else {
        return Ok(to_sign_in(&state, "/admin/reports"));
    };
    let resolved = q.resolved.is_some();
    let query = ReportQuery {
        resolved: Some(resolved),
        ..ReportQuery::default()
    };
    let page = Page {
        limit: 50,
        ..Page::default()
    };
    let found = domain::reports::list(&state.db, Moderator::Account(me), query, &page).await?;
    let config = &state.config;
    let uris = config.uris();
    let back = if resolved {
        "/admin/reports?resolved=1"
    } else {
        "/admin/reports"
    };
    let mut cards = Vec::with_capacity(found.len());
    for r in &found {
        cards.push(report_card(&state, &visitor, r, back).await?);
    }
    let head = Head {
        title: format!("Reports · {}", config.instance.title),
        canonical: uris.route("/admin/reports"),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { @if resolved { "Resolved reports" } @else { "Open reports" } }
        p {
            a href=(uris.route("/admin/accounts")) { "Accounts" } " · "
            @if resolved { a href=(uris.route("/admin/reports")) { "Open reports" } }
            @else { a href=(uris.route("/admin/reports?resolved=1")) { "Resolved reports" } }
            " · " a href=(uris.route("/admin/action_logs")) { "Audit log" }
        }
        @if cards.is_empty() { p { "Nothing here." } }
        @for card in cards { (card) }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `POST /admin/reports/{id}/{assign_to_self|unassign|resolve|reopen}`.
pub async fn report_act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, verb)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let verbs = ["assign_to_self", "unassign", "resolve", "reopen"];
    let (me, id) = button(&visitor, &verbs, &verb, &id, &form)?;
    let handling = match verb.as_str() {
        "assign_to_self" => Handling::AssignToSelf,
        "unassign" => Handling::Unassign,
        "resolve" => Handling::Resolve,
        _ => Handling::Reopen,
    };
    let rules = state.config.instance.rules.len();
    let done = domain::reports::handle(&state.db, Moderator::Account(me), id, handling, rules)
        .await
        .map(drop);
    done_then_back(
        &state,
        &visitor,
        done,
        form.back.as_deref().or(Some("/admin/reports")),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    report: Option<i64>,
}

/// `GET /admin/accounts/{id}`: one account as moderators see it, with its open reports, the
/// action form and the undo buttons.
pub async fn account(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<AccountQuery>,
) -> Result<Response, ApiError> {
    let here = format!("/admin/accounts/{id}");
    let Some(me) = staff(&visitor, permission::MANAGE_USERS)? else {
        return Ok(to_sign_in(&state, &here));
    };
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound("Record not found".into()))?;
    let by = Moderator::Account(me);
    let a = domain::moderation::account(&state.db, by, id).await?;
    let config = &state.config;
    let uris = config.uris();
    let open = ReportQuery {
        resolved: Some(false),
        target_account_id: Some(a.id),
        ..ReportQuery::default()
    };
    let page = Page {
        limit: 20,
        ..Page::default()
    };
    let reports = if roles::of(me).may(permission::MANAGE_REPORTS) {
        domain::reports::list(&state.db, by, open, &page).await?
    } else {
        vec![]
    };
    let mut cards = Vec::with_capacity(reports.len());
    for r in &reports {
        cards.push(report_card(&state, &visitor, r, &here).await?);
    }
    let head = Head {
        title: format!(
            "{} · Moderation · {}",
            parts::handle(config, &a),
            config.instance.title
        ),
        canonical: uris.route(&here),
        noindex: true,
        ..Default::default()
    };
    let undo = [
        (a.disabled, "enable", "Enable login"),
        (a.silenced_at.is_some(), "unsilence", "Lift the limit"),
        (a.suspended_at.is_some(), "unsuspend", "Lift the suspension"),
        (a.sensitized_at.is_some(), "unsensitive", "Unmark media"),
    ];
    let body = html! {
        h1 { (parts::handle(config, &a)) }
        p {
            "Role: " (roles::of(&a).name()) " · state: " (domain::moderation::state(&a))
            @if a.sensitized_at.is_some() { " · media marked sensitive" }
            " · joined " (a.created_at.format("%Y-%m-%d"))
            @if let Some(email) = &a.email { " · " (email) }
        }
        @if a.is_local() { p { a href=(uris.profile(&a.username)) { "Profile" } } }
        div.actions {
            @for (active, verb, label) in undo {
                @if active {
                    form method="post" action=(uris.route(&format!("/admin/accounts/{}/{verb}", a.id))) {
                        (csrf_field(&visitor))
                        button type="submit" { (label) }
                    }
                }
            }
        }
        h2 { "Take action" }
        form.stack method="post" action=(uris.route(&format!("/admin/accounts/{}/action", a.id))) {
            (csrf_field(&visitor))
            @if let Some(r) = q.report { input type="hidden" name="report_id" value=(r); }
            fieldset {
                legend { "Action" }
                @for (value, label, hint) in [
                    ("none", "Warn", "Nothing changes; they read your text."),
                    ("sensitive", "Mark media sensitive", "Their photos are shown behind a warning."),
                    ("disable", "Disable login", "They cannot sign in; their posts stay."),
                    ("silence", "Limit", "Only their followers see them."),
                    ("suspend", "Suspend", "Everything of theirs is hidden at once; other servers can no longer fetch them."),
                ] {
                    label.check {
                        input type="radio" name="type" value=(value) required checked[value == "none"];
                        " " strong { (label) } " — " (hint)
                    }
                }
            }
            label for="text" { "Message to the account (the reason)" }
            textarea #text name="text" rows="3" maxlength="5000" {}
            button type="submit" { "Take action" }
        }
        @if !cards.is_empty() {
            h2 { "Open reports" }
            @for card in cards { (card) }
        }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: String,
    report_id: Option<i64>,
}

/// `POST /admin/accounts/{id}/action`.
pub async fn account_action(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    let me = visitor.account()?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound("Record not found".into()))?;
    let by = Moderator::Account(me);
    let target = domain::moderation::account(&state.db, by, id).await?;
    let action = AccountAction {
        kind: ActionKind::parse(&form.kind)?,
        text: form.text,
        report_id: form.report_id,
    };
    domain::moderation::act(&state.db, by, &target, action).await?;
    let back = state.config.uris().route(&format!("/admin/accounts/{id}"));
    Ok(visitor.answer(Redirect::to(&back)).into_response())
}
