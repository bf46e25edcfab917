//! `POST /inbox` and `POST /users/NAME/inbox`, behind an admission gate: a bounded number
//! are processed at once, a bounded line waits briefly (bodies read meanwhile, within a
//! deadline and a byte budget), and the rest are told at once to come back (503 with
//! `Retry-After`) before their bodies are read.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use bytes::BytesMut;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{
    api::ApiError,
    domain,
    federation::inbox::{self, InboxError, Outcome},
    net::{ClientAddress, WORK_FROM, WORK_PER_BYTE, client_unit, kib},
    state::AppState,
};

fn respond(result: Result<Outcome, InboxError>) -> Response {
    match result {
        Ok(outcome) => {
            tracing::debug!(?outcome, "inbox accepted an activity");
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            let e = ApiError::from(e);
            match &e {
                ApiError::Unavailable(_) => {
                    tracing::info!(error = %e, "inbox busy; the sender will retry")
                }
                // Logged where it becomes a response.
                ApiError::Internal(_) => {}
                _ => tracing::info!(error = %e, "inbox refused an activity"),
            }
            e.into_response()
        }
    }
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// `POST /inbox` (the shared inbox) and `POST /users/NAME/inbox` (one local account's
/// own, which also tells who a silently addressed delivery is for).
pub async fn inbox(
    State(state): State<AppState>,
    owner: Option<Path<String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let owner = match owner {
        Some(Path(username)) => match domain::accounts::get_local(&state.db, &username).await {
            Ok(a) => Some(a),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let path = path_and_query(&uri);
    respond(inbox::receive(&state.federation, path, &headers, &body, owner.as_ref()).await)
}

/// Lets an inbox POST in, in steps each bounded so that no sender can hold what others
/// need:
/// 1. a place among the deliveries being processed or waiting (`federation.inbox_queue_max`);
///    none left: 503 with `Retry-After` at once, before the body is read;
/// 2. its body, read whole within `federation.inbox_body_timeout_seconds` (408 otherwise),
///    copied into one buffer as it arrives and charged against a budget of buffered bytes
///    as it arrives (503 when spent), *before* a processing slot is taken, while its
///    client reads no more bodies at once than there are slots (503 otherwise): a sender
///    trickling bodies holds a few places in line, never a slot, and memory only for
///    bytes it actually sent;
/// 3. a processing slot within `federation.inbox_queue_wait_ms`, else 503.
pub async fn admission(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let federation = &state.config.federation;
    let gate = &state.inbox;
    let Ok(admitted) = gate.admitted.clone().try_acquire_owned() else {
        return busy();
    };
    let client = request
        .extensions()
        .get::<ClientAddress>()
        .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0);
    let Some(reading) = gate
        .per_client
        .enter(client_unit(client), gate.per_client_max)
    else {
        return busy();
    };
    let limit = federation.inbox_max_bytes;
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(limit).into_response();
    }
    let (parts, body) = request.into_parts();
    let deadline = std::time::Duration::from_secs(federation.inbox_body_timeout_seconds.max(1));
    let read = read_body(body, limit, declared, &gate.buffer);
    let (bytes, buffered) = match tokio::time::timeout(deadline, read).await {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => {
            return ApiError::Timeout("The request body did not arrive in time".into())
                .into_response();
        }
    };
    drop(reading);
    // Working memory first, then a slot (a slot holder never waits for memory held by
    // someone waiting for a slot), both within the one wait a delivery is allowed. Only
    // large bodies queue for memory: the queue is first come, first served, and ordinary
    // deliveries must never wait behind a megabyte one.
    let wait = std::time::Duration::from_millis(federation.inbox_queue_wait_ms);
    let turn = async {
        let work = if bytes.len() > WORK_FROM {
            let charge = kib(bytes.len().saturating_mul(WORK_PER_BYTE));
            Some(gate.work.clone().acquire_many_owned(charge).await.ok()?)
        } else {
            None
        };
        let slot = gate.slots.clone().acquire_owned().await.ok()?;
        Some((work, slot))
    };
    let Ok(Some(permits)) = tokio::time::timeout(wait, turn).await else {
        return busy();
    };
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let response = next.run(request).await;
    drop((permits, buffered, admitted));
    response
}

/// Reads a body frame by frame into one buffer, taking budget permits (KiB) for what has
/// arrived before keeping it. Copying each frame out lets it go at once: collected as
/// frames, a body sent in one-byte chunks would hold many times its size.
async fn read_body(
    mut body: axum::body::Body,
    limit: usize,
    declared: Option<usize>,
    budget: &Arc<Semaphore>,
) -> Result<(Bytes, Option<OwnedSemaphorePermit>), ApiError> {
    use http_body_util::BodyExt;
    let mut buffer = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    let mut held: Option<OwnedSemaphorePermit> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if is_body_timeout(&e) {
                ApiError::Timeout("The request body stopped arriving".into())
            } else {
                ApiError::BadRequest("The request body could not be read".into())
            }
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buffer.len() + data.len() > limit {
            return Err(too_large(limit));
        }
        let needed = kib(buffer.len() + data.len());
        let have = held.as_ref().map_or(0, |p| p.num_permits() as u32);
        if needed > have {
            let more = budget
                .clone()
                .try_acquire_many_owned(needed - have)
                .map_err(|_| unavailable())?;
            match held.as_mut() {
                Some(p) => p.merge(more),
                None => held = Some(more),
            }
        }
        buffer.extend_from_slice(&data);
    }
    Ok((buffer.freeze(), held))
}

/// Whether a body failed because tower-http's between-chunks timeout fired.
fn is_body_timeout(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("Deliveries are limited to {limit} bytes"))
}

fn unavailable() -> ApiError {
    ApiError::Unavailable("Too many deliveries at once; retry later".into())
}

/// Too many deliveries at once: the sender should come back later.
fn busy() -> Response {
    unavailable().into_response()
}
