//! Atom feeds of a profile and of a hashtag (RFC 4287), for feed readers: each public post
//! with its text and photos.

use std::fmt::Write;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

use super::parts;
use crate::{
    config::Config,
    domain::{posts::PostView, sanitize, text::escape},
    federation::objects::note::media_url,
};

/// What a feed is about.
pub struct Feed<'a> {
    pub title: String,
    /// The feed's own address (its `id` and `rel="self"`).
    pub url: String,
    /// The page it mirrors.
    pub page: String,
    pub posts: &'a [PostView],
}

/// Text as XML 1.0 allows it: the control characters it forbids (which a remote post may
/// carry) are dropped, so one post cannot make the whole feed unreadable.
fn xml(s: &str) -> String {
    escape(
        &s.chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
            .collect::<String>(),
    )
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A one-line title for an entry: the content warning, the start of the text, or what the
/// post holds.
fn entry_title(view: &PostView) -> String {
    let p = &view.post;
    let text = if p.summary.is_empty() {
        sanitize::plain(&p.content)
    } else {
        p.summary.clone()
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return match view.media.len() {
            0 => "Post".into(),
            1 => "1 photo".into(),
            n => format!("{n} photos"),
        };
    }
    let mut short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// The feed document.
pub fn render(config: &Config, feed: &Feed) -> String {
    let updated = feed
        .posts
        .iter()
        .map(|v| v.post.edited_at.unwrap_or(v.post.published_at))
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <id>{url}</id><title>{title}</title><updated>{updated}</updated>\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{url}\"/>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{page}\"/>\
         <generator>Pinhole</generator>",
        url = xml(&feed.url),
        title = xml(&feed.title),
        updated = stamp(updated),
        page = xml(&feed.page),
    );
    for view in feed.posts {
        let p = &view.post;
        let mut html = String::new();
        if !p.summary.is_empty() {
            let _ = write!(html, "<p><strong>{}</strong></p>", xml(&p.summary));
        }
        html.push_str(&parts::content(view).0);
        let mut enclosures = String::new();
        for m in &view.media {
            if let Some(pic) = parts::picture(config, m, false) {
                let _ = write!(
                    html,
                    "<p><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"></p>",
                    xml(&pic.src),
                    xml(&parts::alt(m)),
                    pic.width,
                    pic.height
                );
            }
            if let Some(url) = media_url(config, m, m.original_name.as_ref()) {
                let _ = write!(
                    enclosures,
                    "<link rel=\"enclosure\" type=\"{}\" length=\"{}\" href=\"{}\"/>",
                    xml(&m.content_type),
                    m.size_bytes.max(0),
                    xml(&url)
                );
            }
        }
        let link = parts::origin_url(config, view).unwrap_or_else(|| p.uri.clone());
        let _ = write!(
            out,
            "<entry><id>{id}</id><title>{title}</title><published>{published}</published>\
             <updated>{updated}</updated><author><name>{author}</name><uri>{author_uri}</uri></author>\
             <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>{enclosures}\
             <content type=\"html\">{content}</content></entry>",
            id = xml(&p.uri),
            title = xml(&entry_title(view)),
            published = stamp(p.published_at),
            updated = stamp(p.edited_at.unwrap_or(p.published_at)),
            author = xml(&parts::display_name(&view.author)),
            author_uri = xml(&crate::api::mastodon::entities::account(config, &view.author).url),
            link = xml(&link),
            content = xml(&html),
        );
    }
    out.push_str("</feed>\n");
    out
}

/// The feed as an HTTP answer.
pub fn response(config: &Config, feed: &Feed) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        render(config, feed),
    )
        .into_response()
}
