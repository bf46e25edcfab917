//! The signed-in person's own pages: notifications, and profile settings (name, bio, fields,
//! avatar, header, locked, discoverable, indexable; password).

use axum::{
    Extension, Form,
    extract::{Multipart, Query, State},
    http::StatusCode,
    response::Response,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    PageQuery, Visitor,
    layout::{Head, document},
    parts, query,
    signed_in::{csrf_field, to_sign_in},
};
use crate::{
    api::{ApiError, mastodon::credentials::picture, upload::next_part},
    db::entities::accounts::Model as Account,
    domain::{
        self, DomainError,
        accounts::{MAX_FIELDS, ProfileChange},
        timelines::{self, NotificationView},
    },
    net::ClientAddress,
    state::AppState,
};

/// Notifications per page.
const PAGE: u64 = 30;

fn describe(n: &NotificationView) -> &'static str {
    match n.row.kind.as_str() {
        "follow" => "followed you",
        "follow_request" => "asked to follow you",
        "mention" => "mentioned you",
        "favourite" => "liked your post",
        "reblog" => "boosted your post",
        "admin.sign_up" => "signed up and waits for approval",
        "admin.report" => "filed a report",
        "moderation_warning" => "— a moderator took action on your account",
        _ => "did something",
    }
}

/// `GET /notifications`.
pub async fn notifications(
    State(state): State<AppState>,
    visitor: Visitor,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Some(me) = &visitor.me else {
        return Ok(to_sign_in(&state, "/notifications"));
    };
    let q = query(q)?;
    let config = &state.config;
    let timelines::NotificationPage {
        items: found,
        bounds,
        full,
    } = timelines::notification_views(&state.db, me, &[], q.page(PAGE)?).await?;
    let base = config.uris().route("/notifications");
    let head = Head {
        title: format!("Notifications · {}", config.instance.title),
        canonical: base.clone(),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Notifications" }
        @if found.is_empty() && bounds.is_none() {
            p.muted { "Nothing yet." }
        }
        ol.notes {
            @for n in &found {
                li {
                    article.note {
                        header {
                            (parts::note_byline(config, &n.from))
                            span { (describe(n)) }
                        }
                        @if let Some(post) = &n.post {
                            blockquote { (parts::note(config, post)) }
                        }
                        footer.muted { (parts::time(n.row.created_at)) }
                    }
                }
            }
        }
        @if let Some((_, last)) = bounds.filter(|_| full) {
            a.more rel="next" href=(format!("{base}?max_id={last}")) { "Older" }
        }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

fn settings_page(
    state: &AppState,
    visitor: &Visitor,
    me: &Account,
    message: Option<(&str, bool)>,
) -> Markup {
    let config = &state.config;
    let head = Head {
        title: format!("Settings · {}", config.instance.title),
        canonical: config.uris().route("/settings"),
        noindex: true,
        ..Default::default()
    };
    let fields = me.fields();
    // The bio as written: our stored form is its rendering.
    let bio = domain::sanitize::html_to_text(&me.summary);
    let body = html! {
        h1 { "Settings" }
        @if let Some((m, ok)) = message {
            p class=(if ok { "notice" } else { "error" }) role=(if ok { "status" } else { "alert" }) { (m) }
        }
        h2 { "Profile" }
        form.stack method="post" enctype="multipart/form-data" action=(config.uris().route("/settings")) {
            (csrf_field(visitor))
            label for="display_name" { "Display name" }
            input #display_name name="display_name" maxlength=(domain::accounts::MAX_DISPLAY_NAME) value=(me.display_name);
            label for="note" { "Bio" }
            textarea #note name="note" rows="4" maxlength=(domain::accounts::MAX_NOTE) { (bio.trim()) }
            fieldset {
                legend { "Profile fields (links to your sites are marked rel=\"me\")" }
                @for i in 1..=MAX_FIELDS {
                    div.slot {
                        label for=(format!("field_name_{i}")) { "Label " (i) }
                        input id=(format!("field_name_{i}")) name=(format!("field_name_{i}"))
                            value=(fields.get(i - 1).map(|f| f.0.as_str()).unwrap_or_default());
                        label for=(format!("field_value_{i}")) { "Content " (i) }
                        input id=(format!("field_value_{i}")) name=(format!("field_value_{i}"))
                            value=(fields.get(i - 1).map(|f| f.1.as_str()).unwrap_or_default());
                    }
                }
            }
            label for="avatar" { "Avatar (replaces the current one)" }
            input #avatar type="file" name="avatar" accept="image/*";
            label for="header" { "Header picture (replaces the current one)" }
            input #header type="file" name="header" accept="image/*";
            label.check { input type="checkbox" name="locked" value="on" checked[me.manually_approves_followers]; " Approve followers by hand" }
            label.check { input type="checkbox" name="discoverable" value="on" checked[me.discoverable]; " Suggest my account to others" }
            label.check { input type="checkbox" name="indexable" value="on" checked[me.indexable]; " Let search engines index my profile and posts" }
            button type="submit" { "Save profile" }
        }
        h2 { "Password" }
        form.stack method="post" action=(config.uris().route("/settings/password")) {
            (csrf_field(visitor))
            label for="current" { "Current password" }
            input #current type="password" name="current" autocomplete="current-password" required;
            label for="new" { "New password" }
            input #new type="password" name="new" autocomplete="new-password" required minlength="8";
            button type="submit" { "Change password" }
        }
    };
    document(config, visitor, &head, body)
}

/// `GET /settings`.
pub async fn settings_form(State(state): State<AppState>, visitor: Visitor) -> Response {
    let Some(me) = &visitor.me else {
        return to_sign_in(&state, "/settings");
    };
    visitor.answer(settings_page(&state, &visitor, me, None))
}

/// `POST /settings`: the profile, as the Mastodon API's `update_credentials` changes it
/// (followers' servers get `Update{Person}`).
pub async fn settings(
    State(state): State<AppState>,
    visitor: Visitor,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    match next_part(&mut form).await? {
        Some(p) if p.name == "csrf" => visitor.check(&p.text()?)?,
        _ => visitor.check("")?,
    }
    let me = visitor.account()?.clone();
    let mut change = ProfileChange {
        locked: Some(false),
        discoverable: Some(false),
        indexable: Some(false),
        ..Default::default()
    };
    let mut fields = vec![(String::new(), String::new()); MAX_FIELDS];
    while let Some(part) = next_part(&mut form).await? {
        let name = part.name.clone();
        if name == "avatar" || name == "header" {
            if part.data.is_empty() {
                continue;
            }
            let url = match picture(&state, &me, part.data).await {
                Ok(url) => url,
                Err(ApiError::Unprocessable(m) | ApiError::PayloadTooLarge(m)) => {
                    let message = format!("{name}: {m}");
                    let page = settings_page(&state, &visitor, &me, Some((&message, false)));
                    return Ok(visitor.answer((StatusCode::UNPROCESSABLE_ENTITY, page)));
                }
                Err(e) => return Err(e),
            };
            if name == "avatar" {
                change.avatar_url = Some(url);
            } else {
                change.header_url = Some(url);
            }
            continue;
        }
        let text = part.text()?;
        let slot = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|i| (1..=MAX_FIELDS).contains(i))
        };
        match name.as_str() {
            "display_name" => change.display_name = Some(text),
            "note" => change.note = Some(text),
            "locked" => change.locked = Some(true),
            "discoverable" => change.discoverable = Some(true),
            "indexable" => change.indexable = Some(true),
            _ => {
                if let Some(i) = slot("field_name_") {
                    fields[i - 1].0 = text;
                } else if let Some(i) = slot("field_value_") {
                    fields[i - 1].1 = text;
                }
            }
        }
    }
    fields.retain(|(n, v)| !n.trim().is_empty() || !v.trim().is_empty());
    change.fields = Some(fields);
    let result = domain::accounts::update_profile(
        &state.db,
        &state.federation.publisher,
        &me,
        change,
        state.config.base_url(),
    )
    .await;
    state.federation.wake.notify_one();
    settings_answer(&state, &visitor, &me, result, "Saved.")
}

/// The settings page again, saying what became of a change: saved, or refused and why.
fn settings_answer(
    state: &AppState,
    visitor: &Visitor,
    before: &Account,
    result: Result<Account, DomainError>,
    saved: &str,
) -> Result<Response, ApiError> {
    let (status, shown, message, ok) = match result {
        Ok(updated) => (StatusCode::OK, updated, saved.to_string(), true),
        Err(e @ DomainError::TooMany(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            before.clone(),
            e.to_string(),
            false,
        ),
        Err(e @ DomainError::Invalid(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            before.clone(),
            e.to_string(),
            false,
        ),
        Err(e) => return Err(e.into()),
    };
    let page = settings_page(state, visitor, &shown, Some((&message, ok)));
    Ok(visitor.answer((status, page)))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// `POST /settings/password`.
pub async fn password(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    visitor: Visitor,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    let me = visitor.account()?.clone();
    let result = domain::oauth::change_password(
        &state.db,
        &state.login_throttle,
        &me,
        &form.current,
        &form.new,
        &client.to_string(),
    )
    .await;
    settings_answer(&state, &visitor, &me, result, "Password changed.")
}
