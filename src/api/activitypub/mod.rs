//! ActivityPub server endpoints: actors now; inboxes, outboxes and collections follow.

pub mod actor;
pub mod c2s;
pub mod collections;
pub mod inbox;
pub mod statuses;

use axum::{
    Json,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::federation::ACTIVITY_JSON;

/// An ActivityStreams document served as `application/activity+json`, as Mastodon serves it.
pub struct ActivityJson<T>(pub T);

impl<T: Serialize> IntoResponse for ActivityJson<T> {
    fn into_response(self) -> Response {
        (
            [
                (
                    header::CONTENT_TYPE,
                    format!("{ACTIVITY_JSON}; charset=utf-8"),
                ),
                (header::VARY, "Accept".to_string()),
            ],
            Json(self.0),
        )
            .into_response()
    }
}
