//! What apps call at start-up where Pinhole has nothing yet (empty lists, honestly),
//! markers, preferences and the streaming health check.

use super::*;

/// Start-up endpoints with nothing to report yet: empty lists, so apps start cleanly.
pub async fn empty_list() -> Json<[(); 0]> {
    Json([])
}

/// `GET /api/v1/markers`: read positions are not stored yet.
pub async fn markers() -> Json<Empty> {
    Json(Empty {})
}

/// `GET /api/v1/preferences`.
pub async fn preferences(auth: Authenticated) -> Result<Json<Preferences>, ApiError> {
    auth.require(&["read:accounts"])?;
    Ok(Json(Preferences {
        visibility: "public",
        sensitive: false,
        language: None,
        expand_media: "default",
        expand_spoilers: false,
    }))
}

/// Mastodon's `Preference`s: Pinhole's defaults until users can change them.
#[derive(Serialize)]
pub struct Preferences {
    #[serde(rename = "posting:default:visibility")]
    visibility: &'static str,
    #[serde(rename = "posting:default:sensitive")]
    sensitive: bool,
    #[serde(rename = "posting:default:language")]
    language: Option<String>,
    #[serde(rename = "reading:expand:media")]
    expand_media: &'static str,
    #[serde(rename = "reading:expand:spoilers")]
    expand_spoilers: bool,
}

/// `GET /api/v1/streaming/health`: streaming is not implemented, and saying so lets apps
/// fall back to polling instead of retrying a socket.
pub async fn streaming_health() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(ErrorBody {
            error: "Streaming is not available on this server; poll the timelines instead",
            error_description: None,
            details: None,
        }),
    )
        .into_response()
}
