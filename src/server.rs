//! The HTTP accept loop. axum's `serve` holds every connection for as long as the client
//! likes: idle or half-sent requests pile up until the process runs out of file descriptors
//! and nobody else gets in. Here a connection that has not sent a complete request head
//! within `server.header_timeout_seconds` (also while idle between keep-alive requests) is
//! closed, connections are capped overall and per client address, request bodies must keep
//! flowing, and the open-file limit is raised as far as the system allows.

use std::{convert::Infallible, future::Future, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

use crate::{
    config::ServerConfig,
    net::{ClientAddress, PerClient, TrustedProxies},
};

/// File descriptors kept back from connections for the database, media files and
/// outgoing federation requests.
const RESERVED_FILES: u64 = 256;

/// Raises the soft open-file limit to the hard limit and returns the limit now in force
/// (`None` where the platform does not say).
pub fn raise_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::info!(open_files = limit, "open-file limit");
            Some(limit)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit");
            None
        }
    }
}

/// How many connections may be open at once: the configured number, or (0) what the file
/// limit leaves after the reserve.
pub fn connection_limit(config: &ServerConfig, file_limit: Option<u64>) -> usize {
    let auto = file_limit
        .map_or(1024, |l| l.saturating_sub(RESERVED_FILES))
        .clamp(64, 1 << 20) as usize;
    match config.max_connections {
        0 => auto,
        n => n.min(auto),
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// open connections and every request they started (also those whose client left) to
/// finish (the caller bounds how long).
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<
            Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let limit = connection_limit(config, raise_file_limit());
    let per_address_max = config.max_connections_per_address;
    tracing::info!(
        connections = limit,
        per_address = per_address_max,
        header_timeout_seconds = config.header_timeout_seconds,
        "accepting connections"
    );
    let slots = Arc::new(Semaphore::new(limit));
    let per_address = Arc::new(PerClient::default());
    // Checked when the configuration was loaded; a hand-built one that fails trusts nobody.
    let trusted = Arc::new(
        TrustedProxies::parse(&config.trusted_proxies).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "trusting no proxy");
            TrustedProxies::default()
        }),
    );
    let header_timeout = Duration::from_secs(config.header_timeout_seconds.max(1));
    // HTTP/1 only: federation and reverse proxies speak it, and sniffing for cleartext
    // HTTP/2 would wait for a first byte with no timeout at all.
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(64 * 1024);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: over the cap, clients queue in the
        // kernel's backlog instead of costing us a file descriptor.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A trusted reverse proxy carries many clients over its connections: it is not
        // held to the per-address cap (its clients are told apart by the header it sets).
        let address_slot = if trusted.contains(peer.ip()) {
            None
        } else {
            match per_address.enter(crate::net::client_unit(peer.ip()), per_address_max) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(%peer, "too many connections from one address; closed");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        // The connection's places (overall and for its address) are given back once the
        // connection has closed and every request it started has finished: work a client
        // walked away from still counts against the caps.
        let places = Arc::new((slot, address_slot));
        let (app, trusted) = (app.clone(), trusted.clone());
        let service = tower::service_fn(move |mut request: Request<Incoming>| {
            let client = trusted.client(
                peer.ip(),
                request
                    .headers()
                    .get_all("x-forwarded-for")
                    .iter()
                    .map(|v| v.as_bytes()),
            );
            request.extensions_mut().insert(ClientAddress(client));
            request.extensions_mut().insert(ConnectInfo(peer));
            run_to_completion(
                app.clone(),
                request.map(axum::body::Body::new),
                places.clone(),
            )
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    // Handlers whose client hung up outlive their connection; each still holds a place,
    // so every place coming back means every request has finished.
    let _ = slots
        .acquire_many(u32::try_from(limit).unwrap_or(u32::MAX))
        .await;
}

/// Runs one request in a task of its own. A client that hangs up mid-request then drops only
/// the wait for the answer, not the handler: its database work finishes and the pooled
/// connection goes back clean (a query cut off mid-flight costs the pool that connection),
/// and a post committed is also federated. `places` (the connection's share of the
/// connection caps) is held until the handler is done. Handler panics become a plain 500.
async fn run_to_completion<S, P>(
    app: S,
    request: Request<axum::body::Body>,
    places: Arc<P>,
) -> Result<axum::response::Response, Infallible>
where
    S: tower::Service<
            Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
    P: Send + Sync + 'static,
{
    let handler = async move {
        let answer = app.oneshot(request).await;
        drop(places);
        answer
    };
    match tokio::spawn(handler).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::error!(error = %e, "request handler failed");
            Ok(axum::response::IntoResponse::into_response(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            ))
        }
    }
}

/// Connection-level accept errors are the client's business; others (out of file
/// descriptors) get a pause so the loop does not spin.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_limit_follows_the_file_limit() {
        let mut config = ServerConfig {
            shutdown_grace_seconds: 1,
            header_timeout_seconds: 20,
            max_connections: 0,
            max_connections_per_address: 0,
            request_body_timeout_seconds: 60,
            trusted_proxies: vec![],
        };
        assert_eq!(connection_limit(&config, Some(1024)), 768);
        assert_eq!(connection_limit(&config, Some(100)), 64);
        config.max_connections = 100;
        assert_eq!(connection_limit(&config, Some(1024)), 100);
        config.max_connections = 5000;
        assert_eq!(connection_limit(&config, Some(1024)), 768);
    }
}
