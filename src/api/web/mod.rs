//! Server-rendered pages, for people who arrive from a link or a Mastodon profile: the
//! instance, profiles with their photo grid, post pages with a carousel, hashtags, explore,
//! and Atom feeds. They call the same domain functions as the Mastodon API, render with
//! maud (compiled templates, escaped by default) and work with JavaScript off.

mod assets;
mod community;
mod errors;
mod feed;
mod layout;
mod moderation;
mod parts;
mod profile;
mod remote;
mod session;
mod settings;
mod signed_in;

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde::Deserialize;

use super::ApiError;
use crate::{
    db::{entities::accounts::Model as Account, posts::Page},
    domain::{self, posts::PostView, registrations::Mode, sanitize, timelines},
    state::AppState,
};
pub use assets::serve as asset;
pub use community::{
    action_logs, admin_accounts, admin_decide, create_invite, invite_link, invites, revoke_invite,
    sign_up, sign_up_form,
};
pub use errors::html_errors;
use layout::{Head, Image, document};
pub use moderation::{
    account as admin_account, account_action as admin_account_action, report_act, reports,
};
use parts::{display_name, grid, handle, notes};
pub use profile::profile;
pub use remote::{authorize_interaction, remote_follow, remote_post, search};
pub use session::Visitor;
pub use settings::{notifications, password, settings, settings_form};
pub use signed_in::{
    act, compose, compose_form, home as home_timeline, login, login_form, logout, relationship,
};

const MISSING_AVATAR: &[u8] = include_bytes!("assets/avatar-missing.png");
const MISSING_HEADER: &[u8] = include_bytes!("assets/header-missing.png");

/// Photos per grid page (whole rows of three).
const GRID_PAGE: u64 = 30;
/// Notes per page.
const NOTES_PAGE: u64 = 20;
/// Posts in a feed.
const FEED_PAGE: u64 = 20;

/// Pages escape with the renderer's escaper: one for the whole server.
pub use crate::domain::text::escape;

/// The query a page understands: which tab, and where an "older" link continues.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    max_id: Option<String>,
    tab: Option<String>,
}

impl PageQuery {
    fn page(&self, limit: u64) -> Result<Page, ApiError> {
        let max_id = match self.max_id.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                s.parse::<i64>()
                    .map_err(|_| ApiError::BadRequest("max_id must be a post id".into()))?,
            ),
        };
        Ok(Page {
            max_id,
            limit,
            ..Default::default()
        })
    }

    fn notes(&self) -> bool {
        self.tab.as_deref() == Some("notes")
    }
}

/// A query string the page cannot read is the visitor's mistake, said plainly.
fn query(
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<PageQuery, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// A short plain-text description for link previews.
fn describe(html: &str) -> Option<String> {
    let text = sanitize::plain(html);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    Some(short)
}

/// An "older" link when the page was full.
fn older(base: &str, tab: Option<&str>, views: &[PostView], limit: u64) -> Markup {
    let last = views.last().map(|v| v.post.id);
    html! {
        @if let Some(last) = last.filter(|_| views.len() as u64 >= limit) {
            a.more rel="next" href=(match tab {
                Some(t) => format!("{base}?tab={t}&max_id={last}"),
                None => format!("{base}?max_id={last}"),
            }) { "Older posts" }
        }
    }
}

/// Grid / notes tabs.
fn tabs(base: &str, notes: bool) -> Markup {
    html! {
        nav.tabs aria-label="Posts" {
            a href=(base) aria-current=[(!notes).then_some("page")] { "Photos" }
            a href=(format!("{base}?tab=notes")) aria-current=[notes.then_some("page")] { "Notes" }
        }
    }
}

/// The Photos / Notes tabs, the chosen one's posts, and the "older" link.
fn tabbed(
    config: &crate::config::Config,
    base: &str,
    notes_tab: bool,
    views: &[PostView],
    limit: u64,
    with: &str,
) -> Markup {
    html! {
        (tabs(base, notes_tab))
        @if notes_tab {
            (notes(config, views, &format!("No notes{with} yet.")))
        } @else {
            (grid(config, views, &format!("No photos{with} yet.")))
        }
        (older(base, notes_tab.then_some("notes"), views, limit))
    }
}

/// The server's rules, when it has any.
fn rules(config: &crate::config::Config) -> Markup {
    html! {
        @if !config.instance.rules.is_empty() {
            section aria-labelledby="rules" {
                h2 #rules { "Rules" }
                ol.rules { @for r in &config.instance.rules { li { (r) } } }
            }
        }
    }
}

/// `GET /`: the instance, and a grid of its newest public photo posts.
pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let config = &state.config;
    let views = timelines::public(
        &state.db,
        visitor.me.as_ref(),
        true,
        false,
        true,
        q.page(GRID_PAGE)?,
    )
    .await?;
    let base = config.uris().route("/");
    let instance = &config.instance;
    let head = Head {
        title: instance.title.clone(),
        description: describe(&escape(&instance.description)),
        canonical: base.clone(),
        og_type: "website",
        ..Default::default()
    };
    let body = html! {
        h1 { (instance.title) }
        @if !instance.description.is_empty() { p { (instance.description) } }
        (rules(config))
        @if visitor.me.is_none() {
            p {
                a href=(config.uris().route("/login")) { "Sign in" }
                @match instance.registrations {
                    Mode::Open | Mode::Approval => { " · " a href=(config.uris().route("/auth/sign_up")) { "Sign up" } }
                    Mode::Invite => { " · New accounts by invitation only." }
                    Mode::Closed => { " · This server is not taking new sign-ups." }
                }
            }
        }
        h2 { "Recent photos" }
        (grid(config, &views, "Nobody here has posted photos yet."))
        (older(&base, None, &views, GRID_PAGE))
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `GET /about`: what this instance is.
pub async fn about(State(state): State<AppState>, visitor: Visitor) -> Result<Response, ApiError> {
    let config = &state.config;
    let instance = &config.instance;
    let usage = domain::instance::usage(&state.db).await?;
    let head = Head {
        title: format!("About {}", instance.title),
        description: describe(&escape(&instance.description)),
        canonical: config.uris().route("/about"),
        ..Default::default()
    };
    let body = html! {
        h1 { (instance.title) }
        @if !instance.description.is_empty() { p { (instance.description) } }
        (rules(config))
        ul.counts {
            li { b { (usage.users_total) } "People" }
            li { b { (usage.local_posts) } "Posts" }
        }
        @if !instance.contact_email.is_empty() {
            p { "Contact: " a href=(format!("mailto:{}", instance.contact_email)) { (instance.contact_email) } }
        }
        p.muted { "Powered by Pinhole " (crate::VERSION) }
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `GET /explore`: public photo posts from this server, or (`?tab=federated`) from
/// everywhere it knows.
pub async fn explore(
    State(state): State<AppState>,
    visitor: Visitor,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let config = &state.config;
    let federated = q.tab.as_deref() == Some("federated");
    let views = timelines::public(
        &state.db,
        visitor.me.as_ref(),
        !federated,
        false,
        true,
        q.page(GRID_PAGE)?,
    )
    .await?;
    let base = config.uris().route("/explore");
    let head = Head {
        title: format!("Explore · {}", config.instance.title),
        canonical: base.clone(),
        ..Default::default()
    };
    let body = html! {
        h1 { "Explore" }
        nav.tabs aria-label="Where from" {
            a href=(base) aria-current=[(!federated).then_some("page")] { "This server" }
            a href=(format!("{base}?tab=federated")) aria-current=[federated.then_some("page")] { "Federated" }
        }
        (grid(config, &views, "No public photos yet."))
        (older(&base, federated.then_some("federated"), &views, GRID_PAGE))
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `GET /tags/NAME`: public photo posts with the hashtag (or its notes, `?tab=notes`);
/// `/tags/NAME.atom` its feed.
pub async fn tag(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(name): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let config = &state.config;
    let (name, atom) = match name.strip_suffix(".atom") {
        Some(n) => (n.to_string(), true),
        None => (name, false),
    };
    let tag = name.trim_start_matches('#').to_lowercase();
    if tag.is_empty()
        || tag.chars().count() > 100
        || !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(ApiError::NotFound("Record not found".into()));
    }
    let base = config.uris().tag(&tag);
    if atom {
        let page = Page {
            limit: FEED_PAGE,
            ..Default::default()
        };
        let views = timelines::hashtag(&state.db, None, &tag, None, page).await?;
        return Ok(feed::response(
            config,
            &feed::Feed {
                title: format!("#{tag} on {}", config.instance.title),
                url: format!("{base}.atom"),
                page: base,
                posts: &views,
            },
        ));
    }
    let notes_tab = q.notes();
    let limit = if notes_tab { NOTES_PAGE } else { GRID_PAGE };
    let views = timelines::hashtag(
        &state.db,
        visitor.me.as_ref(),
        &tag,
        Some(!notes_tab),
        q.page(limit)?,
    )
    .await?;
    let head = Head {
        title: format!("#{tag} · {}", config.instance.title),
        canonical: base.clone(),
        atom: Some(format!("{base}.atom")),
        ..Default::default()
    };
    let body = html! {
        h1 { "#" (tag) }
        (tabbed(config, &base, notes_tab, &views, limit, " with this hashtag"))
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// A post's page: the photos in a carousel, the caption behind its content warning, counts,
/// the date, and the thread around it as `reader` may see it.
pub async fn post_page(
    state: &AppState,
    visitor: &Visitor,
    reader: Option<&Account>,
    view: PostView,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let (ancestors, replies) = domain::posts::context(&state.db, reader, view.post.id).await?;
    let seen = domain::posts::interactions(&state.db, reader, std::slice::from_ref(&view)).await?;
    let (replies_n, boosts, likes) = seen.counts.get(&view.post.id).copied().unwrap_or_default();
    let post = &view.post;
    let author = &view.author;
    let first = view
        .media
        .iter()
        .find_map(|m| parts::picture(config, m, false).map(|p| (m, p)));
    let photos = view.media.len();
    let description = if !post.summary.is_empty() {
        describe(&escape(&post.summary))
    } else {
        describe(&post.content).or_else(|| {
            (photos > 0).then(|| {
                if photos == 1 {
                    "1 photo".into()
                } else {
                    format!("{photos} photos")
                }
            })
        })
    };
    let head = Head {
        title: format!("{} ({})", display_name(author), handle(config, author)),
        description,
        canonical: parts::origin_url(config, &view).unwrap_or_else(|| post.uri.clone()),
        activity_json: Some(post.uri.clone()),
        // A sensitive photo is not put in other sites' link previews.
        image: first
            .filter(|_| !view.sensitive() && post.summary.is_empty())
            .map(|(m, p)| Image {
                url: p.src,
                alt: parts::alt(m),
                width: Some(p.width),
                height: Some(p.height),
            }),
        og_type: "article",
        noindex: !author.indexable,
        ..Default::default()
    };
    let body = html! {
        @if !ancestors.is_empty() {
            ol.thread aria-label="Earlier in the thread" { @for a in &ancestors { li { (parts::note(config, a)) } } }
        }
        article.post {
            header { (parts::note_byline(config, author)) }
            @if post.summary.is_empty() {
                @if photos > 0 { (parts::carousel(config, &view)) }
                div.content { (parts::content(&view)) }
            } @else {
                details.cw {
                    summary { (post.summary) span.show { "Show" } }
                    @if photos > 0 { (parts::carousel(config, &view)) }
                    div.content { (parts::content(&view)) }
                }
            }
            @if visitor.me.is_some() {
                (signed_in::post_buttons(
                    state,
                    visitor,
                    post.id,
                    seen.favourited.contains(&post.id),
                    seen.reblogged.contains(&post.id),
                    &format!("/@{}/{}", parts::page_name(author), post.id),
                ))
            }
            p.stats {
                span { (counted(replies_n, "reply", "replies")) }
                span { (counted(boosts, "boost", "boosts")) }
                span { (counted(likes, "like", "likes")) }
                (parts::time(post.published_at))
            }
        }
        @if !replies.is_empty() {
            h2 { "Replies" }
            ol.thread { @for r in &replies { li { (parts::note(config, r)) } } }
        }
    };
    Ok(visitor.answer(document(config, visitor, &head, body)))
}

/// "1 like", "2 likes".
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Placeholder avatar for accounts without one (Mastodon apps expect a URL, never null).
pub async fn missing_avatar() -> Response {
    png(MISSING_AVATAR)
}

/// Placeholder (transparent) header image.
pub async fn missing_header() -> Response {
    png(MISSING_HEADER)
}

fn png(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}
