//! Pages and forms for a signed-in person: sign in and out, the home timeline, compose
//! (several photos with alt text and focal points, caption, visibility, content warning),
//! and the like, boost, follow and unfollow buttons. Every form carries the page's form
//! token ([`Visitor::check`]); every change goes through the domain functions the
//! Mastodon API calls.

use axum::{
    Extension, Form,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    PageQuery,
    layout::{Head, document},
    parts, query,
    session::Visitor,
};
use crate::{
    api::{ApiError, mastodon::media::focus, sign_in_refusal, upload::next_part},
    db::entities::accounts::Model as Account,
    domain::{
        self, DomainError,
        media::NewMedia,
        posts::{NewPost, Visibility},
        timelines,
    },
    federation::posts::{StateDirectory, posting},
    net::ClientAddress,
    state::AppState,
};

/// Longest caption or content warning a form may send (the post's own limit is checked by
/// the domain; this only bounds what is read).
const MAX_TEXT: usize = 20_000;

/// A local path to return to after a form: only `/…`, never `//host` or a full URL, so a
/// link cannot send someone elsewhere after they sign in.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(char::is_control)
            && n.len() <= 2048
    })
    .map(str::to_string)
}

/// The hidden field every form carries.
pub fn csrf_field(visitor: &Visitor) -> Markup {
    html! { input type="hidden" name="csrf" value=(visitor.form_token()); }
}

/// Sends a visitor who must sign in to the sign-in page, coming back to `here` afterwards.
pub fn to_sign_in(state: &AppState, here: &str) -> Response {
    let target = format!(
        "{}?next={}",
        state.config.uris().route("/login"),
        url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    state: &AppState,
    visitor: &Visitor,
    next: Option<&str>,
    error: Option<&str>,
    username: &str,
) -> Markup {
    let config = &state.config;
    let head = Head {
        title: format!("Sign in · {}", config.instance.title),
        canonical: config.uris().route("/login"),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Sign in" }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form.stack method="post" action=(config.uris().route("/login")) {
            (csrf_field(visitor))
            @if let Some(n) = local_path(next) { input type="hidden" name="next" value=(n); }
            label for="username" { "Username" }
            input #username name="username" autocomplete="username" required value=(username);
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    };
    document(config, visitor, &head, body)
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<NextQuery>,
) -> Response {
    if visitor.me.is_some() {
        let to = local_path(q.next.as_deref()).unwrap_or_else(|| "/home".into());
        return Redirect::to(&state.config.uris().route(&to)).into_response();
    }
    visitor.answer(login_page(&state, &visitor, q.next.as_deref(), None, ""))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`: the password under the sign-in throttle; a session cookie on success.
pub async fn login(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    let username = form.username.trim();
    let result = domain::oauth::sign_in(
        &state.db,
        &state.login_throttle,
        username,
        &form.password,
        &client.to_string(),
    )
    .await;
    match result {
        Ok((_, token)) => {
            // A new session replaces the one this browser had.
            if let Some(old) = &visitor.session {
                domain::oauth::sign_out(&state.db, old).await?;
            }
            let to = local_path(form.next.as_deref()).unwrap_or_else(|| "/home".into());
            let target = state.config.uris().route(&to);
            Ok(visitor.signed_in(&token, Redirect::to(&target)))
        }
        Err(e) => {
            let Some(status) = sign_in_refusal(&e) else {
                return Err(e.into());
            };
            let page = login_page(
                &state,
                &visitor,
                form.next.as_deref(),
                Some(&e.to_string()),
                username,
            );
            Ok(visitor.answer((status, page)))
        }
    }
}

/// A button's form: its token and where to go back to.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
    pub(super) back: Option<String>,
}

/// `POST /logout`: the session's token stops working, and the cookie is cleared.
pub async fn logout(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    visitor.check(&form.csrf)?;
    if let Some(token) = &visitor.session {
        domain::oauth::sign_out(&state.db, token).await?;
    }
    Ok(visitor.signed_out(Redirect::to(&state.config.uris().route("/"))))
}

/// `GET /home`: the signed-in person's home timeline.
pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Some(me) = &visitor.me else {
        return Ok(to_sign_in(&state, "/home"));
    };
    let q = query(q)?;
    let config = &state.config;
    let views = timelines::home(&state.db, me, q.page(super::NOTES_PAGE)?).await?;
    let base = config.uris().route("/home");
    let head = Head {
        title: format!("Home · {}", config.instance.title),
        canonical: base.clone(),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Home" }
        p { a href=(config.uris().route("/compose")) { "New post" } }
        (parts::notes(config, &views, "Nothing here yet: follow people to see their posts."))
        (super::older(&base, None, &views, super::NOTES_PAGE))
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct ComposeQuery {
    in_reply_to: Option<String>,
}

/// What the compose form shows again after a refusal.
#[derive(Debug, Default)]
struct Draft {
    text: String,
    cw: String,
    visibility: String,
    in_reply_to: Option<i64>,
    alts: Vec<String>,
    focuses: Vec<String>,
}

fn compose_page(state: &AppState, visitor: &Visitor, draft: &Draft, error: Option<&str>) -> Markup {
    let config = &state.config;
    let slots = config.instance.max_media_attachments.max(1) as usize;
    let head = Head {
        title: format!("New post · {}", config.instance.title),
        canonical: config.uris().route("/compose"),
        noindex: true,
        ..Default::default()
    };
    let visibility = if draft.visibility.is_empty() {
        "public"
    } else {
        draft.visibility.as_str()
    };
    let body = html! {
        h1 { "New post" }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        form.stack.compose method="post" enctype="multipart/form-data" action=(config.uris().route("/compose")) {
            (csrf_field(visitor))
            @if let Some(id) = draft.in_reply_to {
                input type="hidden" name="in_reply_to" value=(id);
                p.muted { "Replying to post " (id) }
            }
            fieldset {
                legend { "Photos (up to " (slots) ")" }
                @for i in 1..=slots {
                    div.slot {
                        label for=(format!("photo_{i}")) { "Photo " (i) }
                        input id=(format!("photo_{i}")) type="file" name=(format!("photo_{i}"))
                            accept="image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,image/avif";
                        img.preview hidden alt="";
                        label for=(format!("alt_{i}")) { "Description (alt text) for photo " (i) }
                        textarea id=(format!("alt_{i}")) name=(format!("alt_{i}")) rows="2" maxlength="1500" {
                            (draft.alts.get(i - 1).map(String::as_str).unwrap_or_default())
                        }
                        label for=(format!("focus_{i}")) { "Focal point of photo " (i) " (x,y from −1 to 1; optional)" }
                        input id=(format!("focus_{i}")) name=(format!("focus_{i}")) placeholder="0,0"
                            value=(draft.focuses.get(i - 1).map(String::as_str).unwrap_or_default());
                    }
                }
            }
            label for="status" { "Caption" }
            textarea #status name="status" rows="4" maxlength=(config.instance.max_post_characters) { (draft.text) }
            label for="spoiler_text" { "Content warning (optional)" }
            input #spoiler_text name="spoiler_text" value=(draft.cw);
            label for="visibility" { "Who can see it" }
            select #visibility name="visibility" {
                @for (value, label) in [("public", "Everyone"), ("unlisted", "Everyone, but not in public timelines"), ("private", "Followers only"), ("direct", "Only people mentioned")] {
                    option value=(value) selected[value == visibility] { (label) }
                }
            }
            button type="submit" { "Post" }
        }
    };
    document(config, visitor, &head, body)
}

/// `GET /compose`.
pub async fn compose_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<ComposeQuery>,
) -> Response {
    let Some(me) = &visitor.me else {
        return to_sign_in(&state, "/compose");
    };
    let mut draft = Draft::default();
    // A reply names its author and is seen by no more people than the post it answers.
    if let Some(id) = q.in_reply_to.and_then(|s| s.parse::<i64>().ok())
        && let Ok(parent) = domain::posts::get_visible(&state.db, Some(me), id).await
    {
        draft.in_reply_to = Some(id);
        if parent.author.id != me.id {
            draft.text = format!("@{} ", parts::page_name(&parent.author));
        }
        draft.visibility = Visibility::of(&parent.post).as_str().to_string();
    }
    visitor.answer(compose_page(&state, &visitor, &draft, None))
}

/// `POST /compose`: the photos, their alt texts and focal points, the caption, visibility
/// and content warning, published in one step. A refused photo is named, and nothing of
/// the attempt is kept.
pub async fn compose(
    State(state): State<AppState>,
    visitor: Visitor,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    // The form token comes first in the form, so a forged post is refused before any
    // photo is read.
    let first = next_part(&mut form).await?;
    match first {
        Some(p) if p.name == "csrf" => visitor.check(&p.text()?)?,
        _ => visitor.check("")?,
    }
    let me = visitor.account()?.clone();
    let slots = state.config.instance.max_media_attachments.max(1) as usize;
    let mut draft = Draft::default();
    let mut files: Vec<(usize, String, Vec<u8>)> = Vec::new();
    while let Some(part) = next_part(&mut form).await? {
        let name = part.name.clone();
        if let Some(i) = name
            .strip_prefix("photo_")
            .and_then(|n| n.parse::<usize>().ok())
        {
            if !(1..=slots).contains(&i) {
                return Err(ApiError::BadRequest(format!("{name} is not a photo slot")));
            }
            if !part.data.is_empty() {
                let label = part
                    .file_name
                    .clone()
                    .unwrap_or_else(|| format!("photo {i}"));
                files.push((i, label, part.data));
            }
            continue;
        }
        let text = part.text()?;
        if text.len() > MAX_TEXT {
            return Err(ApiError::PayloadTooLarge(format!("{name} is too long")));
        }
        let slot = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
        };
        match name.as_str() {
            "status" => draft.text = text,
            "spoiler_text" => draft.cw = text,
            "visibility" => draft.visibility = text,
            "in_reply_to" => draft.in_reply_to = text.parse().ok(),
            _ => {
                let (list, i) = match (slot("alt_"), slot("focus_")) {
                    (Some(i), _) => (&mut draft.alts, i),
                    (_, Some(i)) => (&mut draft.focuses, i),
                    _ => continue,
                };
                if (1..=slots).contains(&i) {
                    if list.len() < i {
                        list.resize(i, String::new());
                    }
                    list[i - 1] = text;
                }
            }
        }
    }
    let refuse = |status: StatusCode, message: String, draft: &Draft| {
        visitor.answer((
            status,
            compose_page(&state, &visitor, draft, Some(&message)),
        ))
    };
    let visibility = match Visibility::parse(if draft.visibility.is_empty() {
        "public"
    } else {
        &draft.visibility
    }) {
        Ok(v) => v,
        Err(e) => {
            return Ok(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.to_string(),
                &draft,
            ));
        }
    };
    let mut images = Vec::new();
    for (i, label, bytes) in files {
        let focus = match focus(draft.focuses.get(i - 1).map(String::as_str)) {
            Ok(f) => f,
            Err(e) => {
                return Ok(refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{label}: {e}"),
                    &draft,
                ));
            }
        };
        images.push(NewMedia {
            label: Some(label),
            bytes,
            description: draft
                .alts
                .get(i - 1)
                .filter(|a| !a.trim().is_empty())
                .cloned(),
            focus,
        });
    }
    let cw = draft.cw.trim().to_string();
    let new = NewPost {
        text: draft.text.clone(),
        media_ids: vec![],
        sensitive: !cw.is_empty(),
        spoiler_text: (!cw.is_empty()).then_some(cw),
        visibility,
        language: None,
        in_reply_to_id: draft.in_reply_to,
        addressed: vec![],
        silent: vec![],
        media_changes: vec![],
    };
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    match domain::posts::create_with_uploads(&ctx, &me, new, images).await {
        Ok(view) => {
            state.federation.wake.notify_one();
            let to = state.config.uris().status_page(&me.username, view.post.id);
            Ok(visitor.answer(Redirect::to(&to)))
        }
        Err(DomainError::Invalid(m)) => Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, m, &draft)),
        Err(DomainError::TooLarge(m)) => Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, m, &draft)),
        Err(e) => Err(e.into()),
    }
}

/// The verbs of `POST /web/statuses/:id/ACTION`.
const POST_VERBS: &[&str] = &["favourite", "unfavourite", "reblog", "unreblog"];

/// `POST /web/statuses/:id/ACTION`: like, unlike, boost or unboost from a page's button,
/// then back to the page.
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let (me, id) = button(&visitor, POST_VERBS, &action, &id, &form)?;
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    let done = match action.as_str() {
        "favourite" => domain::posts::favourite(&ctx, me, id, true).await.map(drop),
        "unfavourite" => domain::posts::favourite(&ctx, me, id, false)
            .await
            .map(drop),
        "reblog" => domain::posts::reblog(&ctx, me, id).await.map(drop),
        _ => domain::posts::unreblog(&ctx, me, id).await,
    };
    done_then_back(&state, &visitor, done, form.back.as_deref())
}

/// The verbs of `POST /web/accounts/:id/ACTION`.
const ACCOUNT_VERBS: &[&str] = &["follow", "unfollow"];

/// `POST /web/accounts/:id/ACTION`: follow or unfollow from a profile.
pub async fn relationship(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let (me, id) = button(&visitor, ACCOUNT_VERBS, &action, &id, &form)?;
    let target = domain::accounts::get(&state.db, id).await?;
    let (db, publisher) = (&state.db, &state.federation.publisher);
    let done = if action == "follow" {
        domain::follows::follow(db, publisher, me, &target)
            .await
            .map(drop)
    } else {
        // Unfollowing someone not followed (any more) is done already.
        match domain::follows::unfollow(db, publisher, me, &target).await {
            Err(DomainError::NotFound(_)) => Ok(()),
            other => other,
        }
    };
    done_then_back(&state, &visitor, done, form.back.as_deref())
}

/// A button's form: a known verb (else 404, before anything else), the form token, a
/// signed-in account and a numeric id.
pub(super) fn button<'v>(
    visitor: &'v Visitor,
    verbs: &[&str],
    action: &str,
    id: &str,
    form: &CsrfForm,
) -> Result<(&'v Account, i64), ApiError> {
    if !verbs.contains(&action) {
        return Err(ApiError::NotFound("Record not found".into()));
    }
    visitor.check(&form.csrf)?;
    let me = visitor.account()?;
    let id = id
        .parse()
        .map_err(|_| ApiError::NotFound("Record not found".into()))?;
    Ok((me, id))
}

/// After a button's change: deliveries woken, back to the page. Pressing a button twice
/// (two tabs) is no error: the page shows how things are.
pub(super) fn done_then_back(
    state: &AppState,
    visitor: &Visitor,
    done: Result<(), DomainError>,
    to: Option<&str>,
) -> Result<Response, ApiError> {
    match done {
        Ok(()) | Err(DomainError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    state.federation.wake.notify_one();
    let to = local_path(to).unwrap_or_else(|| "/home".into());
    Ok(visitor.answer(Redirect::to(&state.config.uris().route(&to))))
}

/// The buttons under a post for a signed-in reader: like, boost, reply.
pub fn post_buttons(
    state: &AppState,
    visitor: &Visitor,
    post_id: i64,
    liked: bool,
    boosted: bool,
    back_to: &str,
) -> Markup {
    let uris = state.config.uris();
    let action = |verb: &str| uris.route(&format!("/web/statuses/{post_id}/{verb}"));
    html! {
        div.actions {
            form method="post" action=(action(if liked { "unfavourite" } else { "favourite" })) {
                (csrf_field(visitor))
                input type="hidden" name="back" value=(back_to);
                button type="submit" aria-pressed=(liked) { @if liked { "Liked" } @else { "Like" } }
            }
            form method="post" action=(action(if boosted { "unreblog" } else { "reblog" })) {
                (csrf_field(visitor))
                input type="hidden" name="back" value=(back_to);
                button type="submit" aria-pressed=(boosted) { @if boosted { "Boosted" } @else { "Boost" } }
            }
            a.button href=(uris.route(&format!("/compose?in_reply_to={post_id}"))) { "Reply" }
        }
    }
}

/// Follow / unfollow on a profile, for a signed-in reader who is not its owner.
pub async fn follow_button(
    state: &AppState,
    visitor: &Visitor,
    target: &Account,
    back_to: &str,
) -> Result<Markup, ApiError> {
    let Some(me) = visitor.me.as_ref().filter(|m| m.id != target.id) else {
        return Ok(html! {});
    };
    let r = domain::follows::relationship(&state.db, me, target).await?;
    let (verb, label) = match (r.following, r.requested) {
        (true, _) => ("unfollow", "Unfollow"),
        (false, true) => ("unfollow", "Cancel follow request"),
        _ => ("follow", "Follow"),
    };
    let action = state
        .config
        .uris()
        .route(&format!("/web/accounts/{}/{verb}", target.id));
    Ok(html! {
        form.follow method="post" action=(action) {
            (csrf_field(visitor))
            input type="hidden" name="back" value=(back_to);
            button type="submit" { (label) }
        }
    })
}
