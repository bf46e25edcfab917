//! Errors as a person in a browser should see them: an HTML page with the message and a way
//! back, instead of the API's JSON `{"error": …}`. Only for requests that ask for HTML and are
//! not API calls; apps, servers and feed readers keep the JSON answer.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, html};

use super::assets::{CSS, ICON};
use crate::{api::wants_activity_json, state::AppState};

/// Paths whose errors stay JSON whatever the Accept header says.
const MACHINE_PATHS: &[&str] = &[
    "/api/",
    "/oauth/token",
    "/oauth/revoke",
    "/.well-known/",
    "/nodeinfo/",
    "/inbox",
    "/media/",
    "/assets/",
];

/// The error's message from the API's body, or the status's reason.
fn message(body: &[u8], status: axum::http::StatusCode) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string())
}

/// Middleware: rewrites JSON error answers into pages for browsers.
pub async fn html_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let wants_html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
        && !wants_activity_json(headers);
    let path = req.uri().path();
    let machine = MACHINE_PATHS.iter().any(|p| path.starts_with(p))
        || (path.starts_with("/users/") && path.ends_with("/inbox"));
    let rewrite = wants_html && !machine;
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !rewrite || !is_json || status.as_u16() < 400 {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let message = message(&bytes, status);
    let config = &state.config;
    let uris = config.uris();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (status.as_u16()) " · " (config.instance.title) }
                link rel="icon" type="image/svg+xml" href=(uris.route(&format!("/assets/{}", ICON.name)));
                link rel="stylesheet" href=(uris.route(&format!("/assets/{}", CSS.name)));
            }
            body {
                header.bar {
                    a.home href=(uris.route("/")) { (config.instance.title) }
                }
                main #main {
                    h1 { (status.canonical_reason().unwrap_or("Error")) }
                    p role="alert" { (message) }
                    p { a href=(uris.route("/")) { "Back to the start page" } }
                }
            }
        }
    }
    .into_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The security headers middleware runs outside this one and sets the page policy.
    parts.headers.remove(header::CONTENT_SECURITY_POLICY);
    Response::from_parts(parts, Body::from(page)).into_response()
}
