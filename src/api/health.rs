//! `/health`: for load balancers and operators; 503 when the database does not answer.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Serialize;

use crate::{domain, state::AppState};

/// Reports liveness and database reachability.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match domain::instance::check_database(&state.db).await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
                version: crate::VERSION,
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "error",
                    database: "unreachable",
                    version: crate::VERSION,
                }),
            )
        }
    }
}

/// What `/health` says: overall state, the database's, and the running version.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}
