//! Server-rendered pages. Plain for now: enough for a person who clicks a profile link.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
};

use super::{ApiError, activitypub::ActivityJson, wants_activity_json};
use crate::{
    domain,
    federation::objects::actor::{local_actor_urls, person},
    state::AppState,
};

const MISSING_AVATAR: &[u8] = include_bytes!("assets/avatar-missing.png");
const MISSING_HEADER: &[u8] = include_bytes!("assets/header-missing.png");

/// Pages escape with the renderer's escaper: one for the whole server.
pub use crate::domain::text::escape;

fn page(title: &str, head: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title>{head}</head><body>{body}</body></html>\n",
        escape(title)
    ))
}

/// `GET /@NAME`: the profile page (or the actor document for ActivityPub clients, since
/// some servers dereference the profile URL they found in WebFinger).
pub async fn profile(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(username) = handle.strip_prefix('@') else {
        return Err(ApiError::NotFound("Record not found".into()));
    };
    let account = domain::accounts::get_local(&state.db, username).await?;
    if wants_activity_json(&headers) {
        return Ok(ActivityJson(person(&state.config, &account)).into_response());
    }
    let urls = local_actor_urls(&state.config, &account.username);
    let handle = format!("@{}@{}", account.username, state.config.domain());
    let head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
        escape(urls.id.as_str())
    );
    let body = format!(
        "<main><h1>{}</h1><p>{}</p><p>{}</p></main>",
        escape(&account.display_name),
        escape(&handle),
        escape(&account.summary)
    );
    Ok(page(
        &format!("{} ({handle})", account.display_name),
        &head,
        &body,
    )
    .into_response())
}

/// `GET /about`: what this instance is.
pub async fn about(State(state): State<AppState>) -> Html<String> {
    let instance = &state.config.instance;
    let body = format!(
        "<main><h1>{}</h1><p>{}</p><p>Powered by Pinhole {}</p></main>",
        escape(&instance.title),
        escape(&instance.description),
        crate::VERSION
    );
    page(&instance.title, "", &body)
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

/// A post's page: text, content warning, photos with their alt text.
pub fn post_page(
    config: &crate::config::Config,
    view: &crate::domain::posts::PostView,
) -> Html<String> {
    use crate::federation::objects::note::media_url;
    let author = &view.author;
    let handle = format!("@{}@{}", author.username, config.domain());
    let mut body = format!(
        "<main><article><header><a href=\"{}\">{}</a> {}</header>",
        escape(local_actor_urls(config, &author.username).profile.as_str()),
        escape(&author.display_name),
        escape(&handle)
    );
    let post = &view.post;
    if !post.summary.is_empty() {
        body.push_str(&format!(
            "<details><summary>{}</summary>",
            escape(&post.summary)
        ));
    }
    // Stored content is our own rendering or sanitized remote HTML.
    body.push_str(&post.content);
    for m in &view.media {
        if let Some(url) = media_url(
            config,
            m,
            m.display_name.as_ref().or(m.original_name.as_ref()),
        ) {
            if matches!(m.kind.as_str(), "image" | "gifv") {
                body.push_str(&format!(
                    "<figure><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\" loading=\"lazy\"></figure>",
                    escape(&url),
                    escape(&m.description),
                    m.display_width.or(m.width).unwrap_or_default(),
                    m.display_height.or(m.height).unwrap_or_default()
                ));
            } else {
                // Sound, video or a document from another server: a link, not a broken image.
                let label = if m.description.is_empty() {
                    &url
                } else {
                    &m.description
                };
                body.push_str(&format!(
                    "<p><a href=\"{}\" rel=\"nofollow noopener noreferrer\">{}</a></p>",
                    escape(&url),
                    escape(label)
                ));
            }
        }
    }
    if !post.summary.is_empty() {
        body.push_str("</details>");
    }
    body.push_str(&format!(
        "<footer><time datetime=\"{0}\">{0}</time></footer></article></main>",
        post.published_at.to_rfc3339()
    ));
    let head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
        escape(&post.uri)
    );
    page(&format!("{} ({handle})", author.display_name), &head, &body)
}
