//! What apps call at start-up where Pinhole has nothing yet (empty lists, honestly),
//! markers, preferences and the streaming health check.

use super::*;

/// Start-up endpoints with nothing to report yet: empty lists, so apps start cleanly.
pub async fn empty_list() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/markers`: read positions are not stored yet.
pub async fn markers() -> Json<Value> {
    Json(json!({}))
}

/// `GET /api/v1/preferences`.
pub async fn preferences(auth: Authenticated) -> Result<Json<Value>, ApiError> {
    auth.require(&["read:accounts"])?;
    Ok(Json(json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": Value::Null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

/// `GET /api/v1/streaming/health`: streaming is not implemented, and saying so lets apps
/// fall back to polling instead of retrying a socket.
pub async fn streaming_health() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(json!({ "error": "Streaming is not available on this server; poll the timelines instead" })),
    )
        .into_response()
}
