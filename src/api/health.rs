//! `/health`: for load balancers and operators; 503 when the database does not answer.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use crate::{domain, state::AppState};

/// Reports liveness and database reachability.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match domain::instance::check_database(&state.db).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok", "version": crate::VERSION })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "error", "database": "unreachable", "version": crate::VERSION }),
                ),
            )
        }
    }
}
