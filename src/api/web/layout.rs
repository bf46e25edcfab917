//! The page shell every web page shares: `<head>` with link-preview tags, the site bar, the
//! footer, and the one stylesheet and script.

use maud::{DOCTYPE, Markup, html};

use super::{
    assets::{CSS, ICON, JS},
    session::Visitor,
    signed_in::csrf_field,
};
use crate::{
    config::Config,
    domain::roles::{self, permission},
};

/// What a page says about itself to browsers, search engines and link previews (Mastodon,
/// chat apps and social sites read the OpenGraph and Twitter tags).
#[derive(Debug, Default)]
pub struct Head {
    pub title: String,
    /// Plain text: the caption, a bio, the instance description.
    pub description: Option<String>,
    pub canonical: String,
    /// The same thing as an ActivityPub document, for clients that look for it.
    pub activity_json: Option<String>,
    pub atom: Option<String>,
    pub image: Option<Image>,
    /// `website`, `profile` or `article`.
    pub og_type: &'static str,
    /// The account asked not to be indexed by search engines.
    pub noindex: bool,
}

/// The picture a link preview shows.
#[derive(Debug, Clone)]
pub struct Image {
    pub url: String,
    pub alt: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// A whole HTML document around `body`.
pub fn document(config: &Config, visitor: &Visitor, head: &Head, body: Markup) -> Markup {
    let site = &config.instance.title;
    let uris = config.uris();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (head.title) }
                link rel="icon" type="image/svg+xml" href=(uris.route(&format!("/assets/{}", ICON.name)));
                link rel="stylesheet" href=(uris.route(&format!("/assets/{}", CSS.name)));
                script src=(uris.route(&format!("/assets/{}", JS.name))) defer {}
                link rel="canonical" href=(head.canonical);
                @if let Some(d) = &head.description {
                    meta name="description" content=(d);
                    meta property="og:description" content=(d);
                }
                @if head.noindex {
                    meta name="robots" content="noindex, noarchive";
                }
                @if let Some(href) = &head.activity_json {
                    link rel="alternate" type="application/activity+json" href=(href);
                }
                @if let Some(href) = &head.atom {
                    link rel="alternate" type="application/atom+xml" href=(href);
                }
                meta property="og:site_name" content=(site);
                meta property="og:type" content=(if head.og_type.is_empty() { "website" } else { head.og_type });
                meta property="og:title" content=(head.title);
                meta property="og:url" content=(head.canonical);
                @if let Some(img) = &head.image {
                    meta property="og:image" content=(img.url);
                    @if let Some(w) = img.width { meta property="og:image:width" content=(w); }
                    @if let Some(h) = img.height { meta property="og:image:height" content=(h); }
                    meta property="og:image:alt" content=(img.alt);
                    meta name="twitter:card" content="summary_large_image";
                    meta name="twitter:image" content=(img.url);
                    meta name="twitter:image:alt" content=(img.alt);
                } @else {
                    meta name="twitter:card" content="summary";
                }
                meta name="twitter:title" content=(head.title);
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.bar {
                    a.home href=(uris.route("/")) { (site) }
                    nav aria-label="Site" {
                        @if let Some(me) = &visitor.me {
                            a href=(uris.route("/home")) { "Home" }
                            a href=(uris.route("/compose")) { "New post" }
                            a href=(uris.route("/notifications")) { "Notifications" }
                            a href=(uris.profile(&me.username)) { "Profile" }
                            a href=(uris.route("/settings")) { "Settings" }
                            @if config.instance.registrations.invites_enabled() && roles::of(me).may(permission::INVITE_USERS) {
                                a href=(uris.route("/invites")) { "Invites" }
                            }
                            @if roles::of(me).may(permission::MANAGE_USERS) {
                                a href=(uris.route("/admin/accounts")) { "Moderation" }
                            }
                        }
                        a href=(uris.route("/explore")) { "Explore" }
                        a href=(uris.route("/search")) { "Search" }
                        a href=(uris.route("/about")) { "About" }
                        @if visitor.me.is_some() {
                            form.inline method="post" action=(uris.route("/logout")) {
                                (csrf_field(visitor))
                                button.link type="submit" { "Sign out" }
                            }
                        } @else {
                            a href=(uris.route("/login")) { "Sign in" }
                            @if config.instance.registrations.enabled() {
                                a href=(uris.route("/auth/sign_up")) { "Sign up" }
                            }
                        }
                    }
                }
                main #main { (body) }
                footer.site {
                    p {
                        (site) " · "
                        @if config.instance.source_url.is_empty() {
                            "Pinhole " (crate::VERSION)
                        } @else {
                            a href=(config.instance.source_url) { "Pinhole " (crate::VERSION) }
                        }
                    }
                }
            }
        }
    }
}
