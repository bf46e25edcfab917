//! HTTP layer: thin axum handlers that extract, call one domain function and map the result.

pub mod activitypub;
pub mod error;
pub mod health;
pub mod limits;
pub mod mastodon;
pub mod media;
pub mod oauth;
pub mod security;
pub mod sign_ups;
pub mod upload;
pub mod web;
pub mod wellknown;

use axum::{
    Router,
    extract::{DefaultBodyLimit, Path},
    handler::Handler,
    http::{HeaderMap, StatusCode, header},
    middleware::from_fn_with_state,
    response::{IntoResponse, Response},
    routing::{get, post},
};

pub use error::{ApiError, sign_in_refusal};

use crate::state::AppState;

/// Every route Pinhole serves. Built by a function so tests can run several instances in one
/// process.
pub fn router(state: AppState) -> Router {
    let inbox_limit = state.config.federation.inbox_max_bytes;
    // Room for the multipart framing around the largest accepted file.
    let media_limit = state.config.media.max_bytes + 64 * 1024;
    Router::new()
        .route("/health", get(health::health))
        .route("/.well-known/webfinger", get(wellknown::webfinger))
        .route("/.well-known/host-meta", get(wellknown::host_meta))
        .route(
            "/.well-known/host-meta.json",
            get(wellknown::host_meta_json),
        )
        .route("/.well-known/nodeinfo", get(wellknown::nodeinfo_links))
        .route("/nodeinfo/2.0", get(wellknown::nodeinfo_20))
        .route("/nodeinfo/2.1", get(wellknown::nodeinfo_21))
        .route("/actor", get(activitypub::actor::instance_actor))
        .route("/users/{username}", get(activitypub::actor::person))
        .route(
            "/users/{username}/statuses/{id}",
            get(activitypub::statuses::status),
        )
        .route(
            "/users/{username}/statuses/{id}/activity",
            get(activitypub::statuses::activity),
        )
        .route("/{handle}/{id}", get(activitypub::statuses::page))
        .route(
            "/users/{username}/followers",
            get(activitypub::collections::followers),
        )
        .route(
            "/users/{username}/following",
            get(activitypub::collections::following),
        )
        .route(
            "/users/{username}/outbox",
            get(activitypub::collections::outbox)
                .post(activitypub::c2s::outbox_post)
                .layer(DefaultBodyLimit::max(inbox_limit)),
        )
        .route(
            "/users/{username}/media",
            post(activitypub::c2s::upload_media).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route(
            "/users/{username}/media/{id}",
            get(activitypub::c2s::media_object),
        )
        .route(
            "/users/{username}/collections/featured",
            get(activitypub::collections::featured),
        )
        .route(
            "/users/{username}/inbox",
            get(activitypub::c2s::inbox).post(
                activitypub::inbox::inbox
                    .layer(DefaultBodyLimit::max(inbox_limit))
                    .layer(from_fn_with_state(
                        state.clone(),
                        activitypub::inbox::admission,
                    )),
            ),
        )
        .route(
            "/inbox",
            post(activitypub::inbox::inbox)
                .layer(DefaultBodyLimit::max(inbox_limit))
                .route_layer(from_fn_with_state(
                    state.clone(),
                    activitypub::inbox::admission,
                )),
        )
        .route("/api/v1/apps", post(oauth::create_app))
        .route("/api/v1/apps/verify_credentials", get(oauth::verify_app))
        .route(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize),
        )
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/api/v1/instance", get(mastodon::instance::v1))
        .route("/api/v2/instance", get(mastodon::instance::v2))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(mastodon::credentials::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            axum::routing::patch(mastodon::credentials::update_credentials)
                .layer(DefaultBodyLimit::max(media_limit * 2)),
        )
        .route(
            "/api/v1/statuses",
            axum::routing::post(mastodon::statuses::create),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(mastodon::statuses::show)
                .put(mastodon::statuses::update)
                .delete(mastodon::statuses::delete),
        )
        .route(
            "/api/v1/statuses/{id}/context",
            get(mastodon::statuses::context),
        )
        .route(
            "/api/v1/statuses/{id}/history",
            get(mastodon::statuses::history),
        )
        .route(
            "/api/v1/statuses/{id}/{action}",
            post(mastodon::statuses::act).fallback(|verb: Path<(String, String)>| {
                other_method(mastodon::statuses::VERBS, verb)
            }),
        )
        .route("/api/v1/timelines/home", get(mastodon::statuses::home))
        .route("/api/v1/timelines/public", get(mastodon::statuses::public))
        .route(
            "/api/v1/timelines/tag/{hashtag}",
            get(mastodon::statuses::tag),
        )
        .route(
            "/api/v1/accounts/{id}/statuses",
            get(mastodon::statuses::account_statuses),
        )
        .route(
            "/api/v1/notifications",
            get(mastodon::statuses::notifications),
        )
        .route(
            "/api/v1/notifications/clear",
            post(mastodon::social::notifications_clear),
        )
        .route(
            "/api/v1/notifications/{id}",
            get(mastodon::social::notification_show),
        )
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(mastodon::social::notification_dismiss),
        )
        .route("/api/v1/accounts", post(mastodon::sign_up::create))
        .route("/api/v1/accounts/lookup", get(mastodon::social::lookup))
        .route("/api/v1/reports", post(mastodon::reports::create))
        .route(
            "/api/v1/instance/domain_blocks",
            get(mastodon::domains::public),
        )
        .route(
            "/api/v1/admin/domain_blocks",
            get(mastodon::domains::blocks).post(mastodon::domains::create_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(mastodon::domains::block)
                .put(mastodon::domains::update_block)
                .delete(mastodon::domains::delete_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(mastodon::domains::allows).post(mastodon::domains::create_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(mastodon::domains::allow).delete(mastodon::domains::delete_allow),
        )
        .route("/api/v1/admin/reports", get(mastodon::reports::index))
        .route(
            "/api/v1/admin/reports/{id}",
            get(mastodon::reports::show).put(mastodon::reports::update),
        )
        .route(
            "/api/v1/admin/reports/{id}/{action}",
            post(mastodon::reports::act),
        )
        .route("/api/v1/admin/accounts", get(mastodon::admin::index_v1))
        .route("/api/v2/admin/accounts", get(mastodon::admin::index_v2))
        .route("/api/v1/admin/accounts/{id}", get(mastodon::admin::show))
        .route(
            "/api/v1/admin/accounts/{id}/{action}",
            post(mastodon::admin::decide),
        )
        .route(
            "/api/v1/accounts/search",
            get(mastodon::social::account_search),
        )
        .route(
            "/api/v1/accounts/relationships",
            get(mastodon::social::relationships),
        )
        .route("/api/v1/accounts/{id}", get(mastodon::social::show))
        .route(
            "/api/v1/accounts/{id}/{action}",
            post(mastodon::social::change_relationship).fallback(|verb: Path<(String, String)>| {
                other_method(mastodon::social::RELATIONSHIP_VERBS, verb)
            }),
        )
        .route("/api/v1/blocks", get(mastodon::social::blocks))
        .route(
            "/api/v1/accounts/{id}/followers",
            get(mastodon::social::followers),
        )
        .route(
            "/api/v1/accounts/{id}/following",
            get(mastodon::social::following),
        )
        .route(
            "/api/v1/follow_requests",
            get(mastodon::social::follow_requests),
        )
        .route(
            "/api/v1/follow_requests/{id}/{action}",
            post(mastodon::social::answer_request).fallback(|verb: Path<(String, String)>| {
                other_method(mastodon::social::REQUEST_VERBS, verb)
            }),
        )
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(mastodon::social::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(mastodon::social::reblogged_by),
        )
        .route("/api/v2/search", get(mastodon::social::search))
        .route("/api/v1/custom_emojis", get(mastodon::social::empty_list))
        .route("/api/v1/filters", get(mastodon::social::empty_list))
        .route("/api/v2/filters", get(mastodon::social::empty_list))
        .route("/api/v1/announcements", get(mastodon::social::empty_list))
        .route("/api/v1/trends/tags", get(mastodon::social::empty_list))
        .route("/api/v1/trends/statuses", get(mastodon::social::empty_list))
        .route("/api/v1/trends/links", get(mastodon::social::empty_list))
        .route("/api/v1/markers", get(mastodon::social::markers))
        .route("/api/v1/preferences", get(mastodon::social::preferences))
        .route(
            "/api/v1/streaming/health",
            get(mastodon::social::streaming_health),
        )
        .route(
            "/api/v1/media",
            post(mastodon::media::upload_v1).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route(
            "/api/v2/media",
            post(mastodon::media::upload_v2).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route(
            "/api/v1/media/{id}",
            get(mastodon::media::show).put(mastodon::media::update),
        )
        .route("/media/{dir}/{file}", get(media::file))
        .route("/", get(web::home))
        .route("/about", get(web::about))
        .route("/explore", get(web::explore))
        .route("/tags/{tag}", get(web::tag))
        .route("/assets/{file}", get(web::asset))
        .route("/login", get(web::login_form).post(web::login))
        .route("/logout", post(web::logout))
        .route("/auth/sign_up", get(web::sign_up_form).post(web::sign_up))
        .route("/invite/{code}", get(web::invite_link))
        .route("/invites", get(web::invites).post(web::create_invite))
        .route("/invites/{id}/revoke", post(web::revoke_invite))
        .route("/admin/accounts", get(web::admin_accounts))
        .route("/admin/accounts/{id}", get(web::admin_account))
        .route(
            "/admin/accounts/{id}/action",
            post(web::admin_account_action),
        )
        .route("/admin/accounts/{id}/{action}", post(web::admin_decide))
        .route("/admin/reports", get(web::reports))
        .route("/admin/reports/{id}/{action}", post(web::report_act))
        .route("/admin/action_logs", get(web::action_logs))
        .route("/home", get(web::home_timeline))
        .route("/search", get(web::search))
        .route("/notifications", get(web::notifications))
        .route(
            "/settings",
            get(web::settings_form)
                .post(web::settings)
                .layer(DefaultBodyLimit::max(media_limit * 2)),
        )
        .route("/settings/password", post(web::password))
        .route("/remote_follow", get(web::remote_follow))
        .route("/authorize_interaction", get(web::authorize_interaction))
        .route(
            "/compose",
            get(web::compose_form)
                .post(web::compose)
                .layer(DefaultBodyLimit::max(
                    media_limit * state.config.instance.max_media_attachments.max(1) as usize,
                )),
        )
        .route("/web/statuses/{id}/{action}", post(web::act))
        .route("/web/accounts/{id}/{action}", post(web::relationship))
        .route("/avatars/original/missing.png", get(web::missing_avatar))
        .route("/headers/original/missing.png", get(web::missing_header))
        .route("/{handle}", get(web::profile))
        .fallback(error::not_found)
        .layer(from_fn_with_state(state.clone(), web::html_errors))
        .layer(from_fn_with_state(state.clone(), limits::rate_limit))
        .with_state(state)
}

/// Another method than POST on a `…/:id/VERB` route: 405 for a verb the route knows (what
/// a route of its own would answer), and the API's 404 for anything else.
async fn other_method(
    verbs: &'static [&'static str],
    Path((_, verb)): Path<(String, String)>,
) -> Response {
    if verbs.contains(&verb.as_str()) {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    } else {
        ApiError::NotFound("Record not found".into()).into_response()
    }
}

/// Whether the client asked for an ActivityPub document rather than a web page. Mastodon
/// sends `application/activity+json`, others the JSON-LD profile form or plain JSON; like
/// Mastodon we answer JSON to any of them unless HTML is preferred (higher `q`).
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    let (mut json_q, mut html_q) = (0.0f32, 0.0f32);
    for part in headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut params = part.split(';');
        let media = params
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/activity+json" | "application/ld+json" | "application/json" => {
                json_q = json_q.max(q)
            }
            "text/html" | "application/xhtml+xml" => html_q = html_q.max(q),
            _ => {}
        }
    }
    json_q > 0.0 && json_q >= html_q
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn negotiation() {
        assert!(wants_activity_json(&accept("application/activity+json")));
        assert!(wants_activity_json(&accept(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        )));
        assert!(wants_activity_json(&accept(
            "text/html;q=0.5, application/activity+json"
        )));
        assert!(wants_activity_json(&accept("application/ld+json")));
        assert!(wants_activity_json(&accept("application/json")));
        assert!(wants_activity_json(&accept(
            "application/activity+json, application/ld+json"
        )));
        assert!(!wants_activity_json(&accept(
            "text/html, application/json;q=0.9"
        )));
        assert!(!wants_activity_json(&accept(
            "application/activity+json;q=0"
        )));
        assert!(!wants_activity_json(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_activity_json(&HeaderMap::new()));
    }
}
