//! Response headers that keep browsers from being turned against our users: pages cannot be
//! framed (clickjacking the OAuth sign-in form), content types are not sniffed (a JSON body
//! or an upload never runs as HTML), pages load nothing from elsewhere but images, and the
//! full URL (which may carry an OAuth `code`) is never sent to other sites as a referrer.

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

/// What an HTML page may do: its own styles and scripts only, images from anywhere over
/// http(s) (remote avatars and media), no plugins, no `<base>` rewriting, no framing. Forms
/// are not restricted by `form-action`: the sign-in form's answer redirects to the app's own
/// `redirect_uri` (often a custom scheme), which Chromium would block under `form-action`.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' https: http: data: blob:; media-src 'self' https: http:; \
    font-src 'self'; connect-src 'self'; manifest-src 'self'; object-src 'none'; \
    base-uri 'none'; frame-ancestors 'none'";

/// Everything else (JSON, images, feeds) is data, never a document that runs anything.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Adds the security headers to every response; handlers never set them themselves.
pub async fn headers(mut response: Response) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(if is_html {
            PAGE_POLICY
        } else {
            DATA_POLICY
        }));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}
