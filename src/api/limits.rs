//! Mastodon's API rate limits, per access token (per client address without one): every
//! `/api/` answer says where its caller stands (`X-RateLimit-Limit`, `-Remaining`,
//! `-Reset`), and past a limit the answer is 429 with `Retry-After`, before any work.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{
    api::{ApiError, mastodon::auth::bearer},
    domain::limits::{Allowed, Window},
    net::{ClientAddress, client_unit},
    state::AppState,
};

/// Who a request is counted against: its token, or its address.
fn key(request: &Request) -> String {
    if let Some(token) = bearer(request.headers()) {
        return format!("t:{}", hex::encode(&Sha256::digest(token.as_bytes())[..16]));
    }
    match request.extensions().get::<ClientAddress>() {
        Some(ClientAddress(ip)) => format!("a:{}", client_unit(*ip)),
        None => "a:unknown".to_string(),
    }
}

/// The narrower limit a request also counts against, if any.
fn special<'a>(state: &'a AppState, method: &Method, path: &str) -> Option<&'a Window> {
    let limits = &state.limits;
    if method == Method::POST && matches!(path, "/api/v1/media" | "/api/v2/media") {
        Some(&limits.media_uploads)
    } else if method == Method::DELETE && path.starts_with("/api/v1/statuses/") {
        Some(&limits.deletions)
    } else {
        None
    }
}

fn headers(response: &mut Response, allowed: Allowed) {
    let reset = chrono::Utc::now() + chrono::TimeDelta::seconds(allowed.reset_in as i64);
    let h = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", allowed.limit.to_string()),
        ("x-ratelimit-remaining", allowed.remaining.to_string()),
        (
            "x-ratelimit-reset",
            reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
}

/// The middleware: counts `/api/` requests, refuses those past a limit.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || !state.limits.api.limits() {
        return next.run(request).await;
    }
    let key = key(&request);
    let narrow = special(&state, request.method(), path);
    let general = match state.limits.api.hit(&key) {
        Ok(a) => a,
        Err(refused) => return ApiError::RateLimited(refused).into_response(),
    };
    // The narrower limit, when there is one, is what the caller needs to know about.
    let shown = match narrow.filter(|w| w.limits()).map(|w| w.hit(&key)) {
        Some(Ok(a)) => a,
        Some(Err(refused)) => return ApiError::RateLimited(refused).into_response(),
        None => general,
    };
    let mut response = next.run(request).await;
    headers(&mut response, shown);
    response
}
