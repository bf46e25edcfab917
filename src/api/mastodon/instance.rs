//! `/api/v1/instance` and `/api/v2/instance`: what Mastodon apps read before anything else
//! (limits, registration state, version).

use axum::{Json, extract::State};
use serde_json::{Value, json};

use crate::{api::ApiError, domain, state::AppState};

/// The Mastodon API version we are compatible with, as apps compare it to enable features.
const MASTODON_API_COMPAT: &str = "4.3.0";

fn version() -> String {
    format!(
        "{MASTODON_API_COMPAT} (compatible; Pinhole {})",
        crate::VERSION
    )
}

/// Image types Pinhole accepts (the media pipeline issue extends this).
const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

fn statuses_config(state: &AppState) -> Value {
    json!({
        "max_characters": state.config.instance.max_post_characters,
        "max_media_attachments": state.config.instance.max_media_attachments,
        "characters_reserved_per_url": 23
    })
}

fn media_config() -> Value {
    json!({
        "supported_mime_types": IMAGE_TYPES,
        "image_size_limit": 16 * 1024 * 1024,
        "image_matrix_limit": 33_177_600,
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
        "description_limit": 1500
    })
}

fn polls_config() -> Value {
    json!({
        "max_options": 0,
        "max_characters_per_option": 0,
        "min_expiration": 0,
        "max_expiration": 0
    })
}

fn contact_email(state: &AppState) -> String {
    state.config.instance.contact_email.clone()
}

/// `GET /api/v2/instance`.
pub async fn v2(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let usage = domain::instance::usage(&state.db).await?;
    let config = &state.config;
    let base = config.base_url();
    Ok(Json(json!({
        "domain": config.domain(),
        "title": config.instance.title,
        "version": version(),
        "source_url": config.instance.source_url,
        "description": config.instance.description,
        "usage": { "users": { "active_month": usage.active_month } },
        "thumbnail": { "url": format!("{base}/avatars/original/missing.png") },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": { "streaming": null, "status": null, "about": format!("{base}/about") },
            "vapid": { "public_key": "" },
            "accounts": { "max_featured_tags": 0, "max_pinned_statuses": 0 },
            "statuses": statuses_config(&state),
            "media_attachments": media_config(),
            "polls": polls_config(),
            "translation": { "enabled": false }
        },
        "registrations": {
            "enabled": config.instance.open_registrations,
            "approval_required": false,
            "message": null,
            "url": null
        },
        "api_versions": { "mastodon": 2 },
        "contact": { "email": contact_email(&state), "account": null },
        "rules": []
    })))
}

/// `GET /api/v1/instance` (deprecated by Mastodon but still read by many apps).
pub async fn v1(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let usage = domain::instance::usage(&state.db).await?;
    let config = &state.config;
    let base = config.base_url();
    Ok(Json(json!({
        "uri": config.domain(),
        "title": config.instance.title,
        "short_description": config.instance.description,
        "description": config.instance.description,
        "email": contact_email(&state),
        "version": version(),
        "urls": { "streaming_api": null },
        "stats": {
            "user_count": usage.users_total,
            "status_count": usage.local_posts,
            // Known remote domains arrive with federation.
            "domain_count": 0
        },
        "thumbnail": format!("{base}/avatars/original/missing.png"),
        "languages": ["en"],
        "registrations": config.instance.open_registrations,
        "approval_required": false,
        "invites_enabled": false,
        "configuration": {
            "accounts": { "max_featured_tags": 0 },
            "statuses": statuses_config(&state),
            "media_attachments": media_config(),
            "polls": polls_config()
        },
        "contact_account": null,
        "rules": []
    })))
}
