//! Pieces several pages share: a photo tile and the grid of them, a note in a list, the photo
//! carousel, a profile's header. Every string from a person or another server goes through
//! maud's escaping; the only raw HTML is post content and bios, which are our own rendering
//! or passed through the sanitizer.

use base64::Engine;
use maud::{Markup, PreEscaped, html};

use crate::{
    api::mastodon::entities::MastodonAccount,
    config::Config,
    db::entities::{accounts::Model as Account, media_attachments::Model as Attachment},
    domain::{posts::PostView, sanitize},
    federation::objects::note::media_url,
};

/// Where a post is read in a browser here: `/@name/ID` for local posts, `/@name@host/ID`
/// (our copy, with the buttons) for others'.
pub fn post_url(config: &Config, view: &PostView) -> String {
    config
        .uris()
        .status_page(&page_name(&view.author), view.post.id)
}

/// How an account is named in our page addresses: `name` here, `name@host` from elsewhere.
pub fn page_name(account: &Account) -> String {
    match &account.domain {
        None => account.username.clone(),
        Some(host) => format!("{}@{host}", account.username),
    }
}

/// A post's own address at its origin: ours for local posts, the other server's page
/// (http(s) only) for others.
pub fn origin_url(config: &Config, view: &PostView) -> Option<String> {
    if view.author.is_local() {
        return Some(post_url(config, view));
    }
    let p = &view.post;
    p.url
        .as_deref()
        .and_then(sanitize::web_url)
        .or_else(|| sanitize::web_url(&p.uri))
}

/// A post's HTML as it may be put in a page: ours as rendered, another server's sanitized
/// again (a row stored before a sanitizer rule existed carries nothing through).
pub fn content(view: &PostView) -> PreEscaped<String> {
    if view.author.is_local() {
        PreEscaped(view.post.content.clone())
    } else {
        PreEscaped(sanitize::shown_html(&view.post.content))
    }
}

/// `@name@domain`, as people write it to find an account.
pub fn handle(config: &Config, account: &Account) -> String {
    format!(
        "@{}@{}",
        account.username,
        account.domain.as_deref().unwrap_or(&config.domain())
    )
}

/// Whether a post's media is shown only after a click.
fn hidden(view: &PostView) -> bool {
    view.sensitive() || !view.post.summary.is_empty()
}

/// The alt text an image is shown with; never empty, so no photo is unlabelled.
pub fn alt(m: &Attachment) -> String {
    let text = m.description.clone();
    if text.trim().is_empty() {
        "Photo without a description".into()
    } else {
        text
    }
}

/// One image with the sizes Pinhole keeps of it (thumbnail, display, original), so the
/// browser picks the smallest that fills its slot.
pub struct Picture {
    pub src: String,
    pub srcset: Option<String>,
    pub width: i32,
    pub height: i32,
}

/// The sizes of a still image; `None` for media a browser cannot show as `<img>`.
pub fn picture(config: &Config, m: &Attachment, small_first: bool) -> Option<Picture> {
    if !matches!(m.kind.as_str(), "image" | "gifv") || m.state == "processing" {
        return None;
    }
    let sizes = [
        (
            m.thumbnail_name.as_ref(),
            m.thumbnail_width,
            m.thumbnail_height,
        ),
        (m.display_name.as_ref(), m.display_width, m.display_height),
        (m.original_name.as_ref(), m.width, m.height),
    ];
    let mut srcset = Vec::new();
    for (name, w, _) in sizes {
        if let (Some(name), Some(w)) = (name, w)
            && m.remote_url.is_none()
            && let Some(url) = media_url(config, m, Some(name))
        {
            srcset.push(format!("{url} {w}w"));
        }
    }
    let (name, width, height) = if small_first { sizes[0] } else { sizes[1] };
    let src = media_url(
        config,
        m,
        name.or(m.display_name.as_ref())
            .or(m.original_name.as_ref()),
    )?;
    let (width, height) = match (width.or(m.width), height.or(m.height)) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => (1, 1),
    };
    Some(Picture {
        src,
        srcset: (srcset.len() > 1).then(|| srcset.join(", ")),
        width,
        height,
    })
}

/// Side of the placeholder picture, in pixels (the browser scales it up smoothly and the
/// stylesheet blurs it).
const PLACEHOLDER: u32 = 4;

/// A tiny blurred picture of the photo from its blurhash, shown until the photo loads.
/// Inline as a `data:` URL (the page's policy allows no inline styles), written as an
/// uncompressed BMP: a few microseconds a tile, where a PNG's compressor costs far more.
pub fn placeholder(blurhash: Option<&str>) -> Option<String> {
    let hash = blurhash.filter(|h| h.len() <= 200)?;
    let rgba = blurhash::decode(hash, PLACEHOLDER, PLACEHOLDER, 1.0).ok()?;
    let row = (PLACEHOLDER * 3).div_ceil(4) * 4;
    let pixels = row * PLACEHOLDER;
    let mut bmp = Vec::with_capacity(54 + pixels as usize);
    let le32 = |v: u32| v.to_le_bytes();
    bmp.extend_from_slice(b"BM");
    bmp.extend_from_slice(&le32(54 + pixels));
    bmp.extend_from_slice(&[0, 0, 0, 0]);
    bmp.extend_from_slice(&le32(54));
    bmp.extend_from_slice(&le32(40));
    bmp.extend_from_slice(&le32(PLACEHOLDER));
    bmp.extend_from_slice(&le32(PLACEHOLDER));
    bmp.extend_from_slice(&[1, 0, 24, 0]);
    bmp.extend_from_slice(&le32(0));
    bmp.extend_from_slice(&le32(pixels));
    bmp.extend_from_slice(&[0; 16]);
    // Rows bottom-up, pixels as blue, green, red.
    for y in (0..PLACEHOLDER as usize).rev() {
        let start = bmp.len();
        for x in 0..PLACEHOLDER as usize {
            let p = (y * PLACEHOLDER as usize + x) * 4;
            bmp.extend_from_slice(&[*rgba.get(p + 2)?, *rgba.get(p + 1)?, *rgba.get(p)?]);
        }
        bmp.resize(start + row as usize, 0);
    }
    Some(format!(
        "data:image/bmp;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bmp)
    ))
}

#[cfg(test)]
mod tests {
    use super::placeholder;

    #[test]
    fn a_placeholder_is_a_small_bitmap_and_bad_hashes_give_none() {
        let url = placeholder(Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj")).expect("placeholder");
        assert!(url.starts_with("data:image/bmp;base64,Qk"), "{url}");
        assert!(url.len() < 200, "{}", url.len());
        assert_eq!(placeholder(Some("not a hash")), None);
        assert_eq!(placeholder(Some("")), None);
        assert_eq!(placeholder(None), None);
    }
}

/// One square tile of a photo grid: the first photo, badges for albums and alt text, and
/// a blurred photo behind a content warning.
pub fn tile(config: &Config, view: &PostView, lazy: bool) -> Markup {
    let first = view
        .media
        .iter()
        .find_map(|m| picture(config, m, true).map(|p| (m, p)));
    let count = view.media.len();
    let cw = hidden(view);
    html! {
        a.tile.cw[cw] href=(post_url(config, view)) {
            @if let Some((m, pic)) = &first {
                @if let Some(ph) = placeholder(m.blurhash.as_deref()) {
                    img.ph src=(ph) alt="" aria-hidden="true";
                }
                img src=(pic.src) srcset=[&pic.srcset] sizes="(max-width: 600px) 33vw, 320px"
                    width=(pic.width) height=(pic.height) alt=(alt(m))
                    loading=[lazy.then_some("lazy")] decoding="async";
            } @else {
                @if !cw { span.cwlabel { (sanitize::plain(&view.post.content)) } }
            }
            span.badges {
                @if count > 1 { span.badge title=(format!("{count} photos")) { (count) } }
                @if first.as_ref().is_some_and(|(m, _)| !m.description.trim().is_empty()) {
                    span.badge title="Has a description" { "ALT" }
                }
            }
            @if cw {
                span.cwlabel {
                    @if view.post.summary.is_empty() { "Sensitive" } @else { (view.post.summary) }
                }
            }
        }
    }
}

/// A 3-column grid of photo posts (the first row loads at once, the rest lazily).
pub fn grid(config: &Config, views: &[PostView], empty: &str) -> Markup {
    html! {
        @if views.is_empty() {
            p.muted { (empty) }
        } @else {
            ul.grid {
                @for (i, v) in views.iter().enumerate() {
                    li { (tile(config, v, i >= 6)) }
                }
            }
        }
    }
}

/// `datetime` and a short date.
pub fn time(at: chrono::DateTime<chrono::Utc>) -> Markup {
    html! {
        time datetime=(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) {
            (at.format("%-d %b %Y"))
        }
    }
}

/// The author line of a post.
pub fn note_byline(config: &Config, account: &Account) -> Markup {
    let e = crate::api::mastodon::entities::account(config, account);
    html! {
        img.avatar.small src=(e.avatar) alt="" width="40" height="40" loading="lazy";
        span {
            a href=(e.url) { strong { (display_name(account)) } }
            br;
            span.muted { (handle(config, account)) }
        }
    }
}

/// The name shown for an account (its username when it set none).
pub fn display_name(account: &Account) -> String {
    let name = account.display_name.clone();
    if name.trim().is_empty() {
        account.username.clone()
    } else {
        name
    }
}

/// A post in a list (notes, replies): author, content behind its warning, photo tiles.
pub fn note(config: &Config, view: &PostView) -> Markup {
    if let Some(boosted) = &view.reblog {
        return html! {
            div.boost {
                p.muted { (display_name(&view.author)) " boosted" }
                (note(config, boosted))
            }
        };
    }
    let body = html! {
        div.content { (content(view)) }
        @if !view.media.is_empty() {
            ul.grid {
                @for m in &view.media {
                    @if let Some(p) = picture(config, m, true) {
                        li {
                            a.tile href=(post_url(config, view)) {
                                img src=(p.src) width=(p.width) height=(p.height) alt=(alt(m)) loading="lazy";
                            }
                        }
                    }
                }
            }
        }
    };
    html! {
        article.note {
            header { (note_byline(config, &view.author)) }
            @if view.post.summary.is_empty() {
                (body)
            } @else {
                details.cw {
                    summary { (view.post.summary) span.show { "Show" } }
                    (body)
                }
            }
            footer.muted {
                a href=(post_url(config, view)) { (time(view.post.published_at)) }
            }
        }
    }
}

/// A list of notes.
pub fn notes(config: &Config, views: &[PostView], empty: &str) -> Markup {
    html! {
        @if views.is_empty() {
            p.muted { (empty) }
        } @else {
            ol.notes { @for v in views { li { (note(config, v)) } } }
        }
    }
}

/// The photos of a post as a carousel: a row that scrolls and snaps (swipe, scroll or keys
/// with no script), dots that link to each photo, and buttons the script adds. Every
/// photo's alt text is its `alt` and readable on demand below it.
pub fn carousel(config: &Config, view: &PostView) -> Markup {
    let shown: Vec<(&Attachment, Option<Picture>)> = view
        .media
        .iter()
        .map(|m| (m, picture(config, m, false)))
        .collect();
    let many = shown.len() > 1;
    let id = view.post.id;
    html! {
        div.carousel {
            ul.slides tabindex="0" aria-label=(format!("{} photos", shown.len())) {
                @for (i, (m, pic)) in shown.iter().enumerate() {
                    li id=(format!("photo-{id}-{}", i + 1)) aria-label=(format!("Photo {} of {}", i + 1, shown.len())) {
                        @if let Some(p) = pic {
                            img src=(p.src) srcset=[&p.srcset] sizes="(max-width: 960px) 100vw, 960px"
                                width=(p.width) height=(p.height) alt=(alt(m))
                                loading=[(i > 0).then_some("lazy")];
                        } @else if let Some(url) = media_url(config, m, m.original_name.as_ref()) {
                            // Sound, video or a document from another server: a link.
                            a href=(url) rel="nofollow noopener noreferrer" { (alt(m)) }
                        }
                        @if !m.description.trim().is_empty() {
                            details.alt {
                                summary { "ALT" }
                                p { (m.description) }
                            }
                        }
                    }
                }
            }
            @if many {
                button.prev type="button" aria-label="Previous photo" hidden { "‹" }
                button.next type="button" aria-label="Next photo" hidden { "›" }
                ol.dots aria-label="Photos" {
                    @for i in 1..=shown.len() {
                        li {
                            a href=(format!("#photo-{id}-{i}")) aria-current=[(i == 1).then_some("true")] {
                                (format!("Photo {i}"))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Numbers shown on a profile.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileCounts {
    pub posts: u64,
    pub followers: u64,
    pub following: u64,
}

/// A profile's header: picture, avatar, name, handle, bio, fields (links with `rel="me"`),
/// counts.
pub fn profile_header(config: &Config, account: &Account, counts: Option<ProfileCounts>) -> Markup {
    let e: MastodonAccount = crate::api::mastodon::entities::account(config, account);
    html! {
        img.cover src=(e.header) alt="" width="1500" height="500";
        div.who {
            img.avatar src=(e.avatar) alt=(format!("{}'s profile picture", display_name(account))) width="96" height="96";
            div {
                h1 { (display_name(account)) }
                p.muted { (handle(config, account)) }
            }
        }
        @if !e.note.is_empty() { div.bio { (PreEscaped(&e.note)) } }
        @if !e.fields.is_empty() {
            dl.fields {
                @for f in &e.fields {
                    dt { (f.name) }
                    @if account.is_local() {
                        dd { (PreEscaped(rel_me(&f.value))) }
                    } @else {
                        dd { (PreEscaped(&f.value)) }
                    }
                }
            }
        }
        @if let Some(counts) = counts {
            ul.counts {
                li { b { (counts.posts) } "Posts" }
                li { b { (counts.followers) } "Followers" }
                li { b { (counts.following) } "Following" }
            }
        }
    }
}

/// Field links marked `rel="me"`, as Mastodon marks them, so a linked site that links back
/// can verify the account.
fn rel_me(html: &str) -> String {
    html.replace(
        "rel=\"nofollow noopener noreferrer\"",
        "rel=\"me nofollow noopener noreferrer\"",
    )
}
