//! Reaching across servers from the web: following a Pinhole account from one's own server
//! (remote follow), arriving from another server's "interact" link
//! (`/authorize_interaction`, which our WebFinger advertises), searching for `@user@host` or a
//! URL, and reading another server's post here.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::html;
use serde::Deserialize;

use super::{
    Visitor,
    layout::{Head, document},
    parts, post_page,
    signed_in::to_sign_in,
};
use crate::{
    api::ApiError,
    domain::{self, DomainError},
    federation::{
        lookup::{Wanted, lookup},
        objects::actor::local_actor_urls,
        resolve::{ResolveError, handle_parts, interaction_url},
    },
    state::AppState,
};

const EVERYTHING: Wanted = Wanted {
    accounts: true,
    posts: true,
};

#[derive(Debug, Default, Deserialize)]
pub struct RemoteFollowQuery {
    acct: Option<String>,
    handle: Option<String>,
}

/// `GET /remote_follow?acct=NAME[&handle=@you@your.server]`: asks a visitor for their
/// handle, then sends them to their own server's page for following NAME.
pub async fn remote_follow(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<RemoteFollowQuery>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let name = q.acct.as_deref().unwrap_or_default();
    let account = domain::accounts::get_local(&state.db, name).await?;
    let handle = q.handle.as_deref().map(str::trim).unwrap_or_default();
    let mut error = None;
    if !handle.is_empty() {
        let actor = local_actor_urls(config, &account.username).id.to_string();
        let bare = handle.trim_start_matches('@');
        if bare
            .split_once('@')
            .is_some_and(|(_, host)| host.eq_ignore_ascii_case(&config.domain()))
        {
            // Already here: follow with the button on the profile.
            return Ok(to_sign_in(&state, &format!("/@{}", account.username)));
        }
        match interaction_url(&state.federation, handle, &actor).await {
            Ok(url) => {
                let home = handle_parts(handle).map(|(_, host)| host.to_ascii_lowercase());
                let target = url::Url::parse(&url).ok().and_then(|u| {
                    let host = u.host_str()?.to_ascii_lowercase();
                    Some(match u.port() {
                        Some(p) => format!("{host}:{p}"),
                        None => host,
                    })
                });
                // Straight there when it is the handle's own server; elsewhere (a server
                // that delegates its WebFinger), the visitor sees where they are going.
                if home.is_some() && home == target {
                    return Ok(Redirect::to(&url).into_response());
                }
                return Ok(visitor.answer(continue_page(&state, &visitor, &url, target)));
            }
            Err(e @ (ResolveError::BadHandle(_) | ResolveError::NoInteraction(_))) => {
                error = Some(e.to_string())
            }
            Err(e) => {
                tracing::info!(error = %e, "remote follow: the handle's server did not answer");
                error = Some(format!(
                    "Could not reach the server of {handle}; check the handle and try again"
                ));
            }
        }
    }
    let head = Head {
        title: format!(
            "Follow {} · {}",
            parts::display_name(&account),
            config.instance.title
        ),
        canonical: config
            .uris()
            .route(&format!("/remote_follow?acct={}", account.username)),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Follow " (parts::display_name(&account)) }
        p { "Enter your handle, and your own server will show you its follow button for "
            strong { (parts::handle(config, &account)) } "." }
        @if let Some(e) = &error { p.error role="alert" { (e) } }
        form.stack method="get" action=(config.uris().route("/remote_follow")) {
            input type="hidden" name="acct" value=(account.username);
            label for="handle" { "Your handle" }
            input #handle name="handle" placeholder="@you@your.server" required value=(handle)
                autocomplete="username";
            button type="submit" { "Continue on my server" }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(visitor.answer((status, document(config, &visitor, &head, body))))
}

/// "Continue to HOST": the visitor's server sent them to another host to follow from.
fn continue_page(
    state: &AppState,
    visitor: &Visitor,
    url: &str,
    host: Option<String>,
) -> maud::Markup {
    let config = &state.config;
    let head = Head {
        title: format!("Follow · {}", config.instance.title),
        canonical: config.uris().route("/remote_follow"),
        noindex: true,
        ..Default::default()
    };
    let host = host.unwrap_or_else(|| url.to_string());
    let body = html! {
        h1 { "Continue on your server" }
        p { "Your server's follow page is at " strong { (host) } "." }
        p { a.button href=(url) rel="nofollow noopener noreferrer" { "Continue to " (host) } }
    };
    document(config, visitor, &head, body)
}

#[derive(Debug, Default, Deserialize)]
pub struct UriQuery {
    uri: Option<String>,
}

/// `GET /authorize_interaction?uri=…`: someone on another server asked to follow or answer
/// `uri` from their account here. Signed in, they land on that account's or post's page
/// here, with its buttons.
pub async fn authorize_interaction(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<UriQuery>,
) -> Result<Response, ApiError> {
    let uri = q.uri.unwrap_or_default();
    if visitor.me.is_none() {
        let encoded: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
        return Ok(to_sign_in(
            &state,
            &format!("/authorize_interaction?uri={encoded}"),
        ));
    }
    found_or_not(&state, &visitor, &uri, true).await
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /search?q=@user@host|URL|name`: straight to what it names. Signed-in readers may
/// have other servers asked; visitors find only what this server knows.
pub async fn search(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let q = q.q.unwrap_or_default();
    let resolve = visitor.me.is_some();
    found_or_not(&state, &visitor, &q, resolve).await
}

async fn found_or_not(
    state: &AppState,
    visitor: &Visitor,
    q: &str,
    resolve: bool,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let q = q.trim();
    let found = lookup(&state.federation, q, EVERYTHING, resolve).await?;
    if let Some(post) = found.post {
        match domain::posts::get_visible(&state.db, visitor.me.as_ref(), post.id).await {
            Ok(view) => {
                return Ok(Redirect::to(&parts::post_url(config, &view)).into_response());
            }
            Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(account) = found.account {
        let to = config.uris().profile(&parts::page_name(&account));
        return Ok(Redirect::to(&to).into_response());
    }
    let head = Head {
        title: format!("Search · {}", config.instance.title),
        canonical: config.uris().route("/search"),
        noindex: true,
        ..Default::default()
    };
    let body = html! {
        h1 { "Search" }
        @if !q.is_empty() { p role="status" { "Nothing found for " strong { (q) } "." } }
        form.stack method="get" action=(config.uris().route("/search")) role="search" {
            label for="q" { "An account (@user@server) or the address of a post or profile" }
            input #q type="search" name="q" value=(q);
            button type="submit" { "Search" }
        }
    };
    let status = if q.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(visitor.answer((status, document(config, visitor, &head, body))))
}

/// `GET /@NAME@HOST/ID`: another server's post as stored here (the reader's visibility
/// applies), with the buttons to like, boost or reply from here.
pub async fn remote_post(
    state: &AppState,
    visitor: &Visitor,
    name: &str,
    id: &str,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound("Record not found".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let view = match domain::posts::get_visible(&state.db, visitor.me.as_ref(), id).await {
        Ok(v) => v,
        Err(DomainError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    if view.author.is_local() || view.reblog.is_some() || parts::page_name(&view.author) != name {
        return Err(not_found());
    }
    let reader = visitor.me.clone();
    post_page(state, visitor, reader.as_ref(), view).await
}
