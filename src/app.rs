//! Wiring only: configuration → database → migrations → router → server → shutdown.
//! The one module that knows all the others; used by `main` and by tests.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::time::Instant;

use axum::{Router, http::Request};
use tokio::net::TcpListener;
use tower_http::{
    cors::{AllowHeaders, AllowMethods, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{
    api,
    config::{Config, LogFormat, StorageKind},
    db::{self, ConnectError},
    domain::media::MediaService,
    domain::{self, DomainError},
    federation::{Federation, deliver},
    media::{FsStorage, S3Settings, S3Storage, Storage, StorageError},
    state::AppState,
};

/// Why the server could not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("cannot set up media storage: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot set up federation: {0}")]
    Federation(#[from] crate::federation::client::FetchError),
}

/// A configured server, bound to its port, not yet serving.
pub struct App {
    state: AppState,
    listener: TcpListener,
}

/// Opens the database, applies migrations and makes sure the instance actor has keys.
pub async fn prepare_state(config: Config) -> Result<AppState, AppError> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let instance_keys = domain::instance::ensure_keys(&db).await?;
    let limits = config.limits.clone();
    let config = Arc::new(config);
    let storage: Arc<dyn Storage> = match config.media.storage {
        StorageKind::Filesystem => Arc::new(FsStorage::new(config.data_dir.join("media"))),
        StorageKind::S3 => Arc::new(S3Storage::new(&S3Settings {
            bucket: config.media.s3_bucket.clone(),
            region: config.media.s3_region.clone(),
            endpoint: config.media.s3_endpoint.clone(),
            access_key_id: config.media.s3_access_key_id.clone(),
            secret_access_key: config.media.s3_secret_access_key.0.clone(),
        })?),
    };
    let media = Arc::new(MediaService::new(storage, config.media.clone()));
    let federation = Arc::new(Federation::new(
        db.clone(),
        config.clone(),
        instance_keys.clone(),
        media.clone(),
    )?);
    federation.domains.reload(&db).await?;
    let inbox = Arc::new(crate::net::InboxGate::new(&config.federation));
    Ok(AppState {
        db,
        config,
        instance_keys: Arc::new(instance_keys),
        federation,
        media,
        login_throttle: Arc::default(),
        limits: Arc::new(crate::domain::limits::Limits::new(
            limits.sign_ups,
            limits.api,
            limits.media_uploads,
            limits.deletions,
        )),
        inbox,
    })
}

impl App {
    /// Prepares state and binds `config.listen`.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let addr = config.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind { addr, source })?;
        Self::with_listener(config, listener).await
    }

    /// Prepares state for an already bound listener (tests bind port 0 first, then set the
    /// public URL to the port they got).
    pub async fn with_listener(config: Config, listener: TcpListener) -> Result<Self, AppError> {
        let state = prepare_state(config).await?;
        Ok(App { state, listener })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, AppError> {
        self.listener.local_addr().map_err(AppError::Serve)
    }

    /// The state handlers see; tests use it to reach the database.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish
    /// for up to `server.shutdown_grace_seconds`, and closes the pool.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let grace = Duration::from_secs(self.state.config.server.shutdown_grace_seconds);
        let db = self.state.db.clone();
        // `Some(instant)` once shutdown began; workers stop claiming work when they see it.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel::<Option<Instant>>(None);
        let worker = tokio::spawn(deliver::run(self.state.federation.clone(), stop_rx.clone()));
        let janitor = tokio::spawn(janitor(self.state.clone(), stop_rx.clone()));
        let server_config = self.state.config.server.clone();
        let router = router(self.state);
        // `/api/v1/instance/` is `/api/v1/instance` (Rails, and so Mastodon, accepts both;
        // Mastodon.py asks with the slash). Client addresses reach handlers (sign-in
        // throttling keys on them).
        let normalized = tower_http::normalize_path::NormalizePath::trim_trailing_slash(router);
        let server = crate::server::serve(self.listener, normalized, &server_config, async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, finishing in-flight work");
            let _ = stop_tx.send(Some(Instant::now()));
        });
        let mut stopping = stop_rx.clone();
        let deadline = async move {
            let began = loop {
                if let Some(t) = *stopping.borrow_and_update() {
                    break t;
                }
                if stopping.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::time::sleep_until(began + grace).await;
        };
        tokio::select! {
            () = server => {}
            () = deadline => tracing::warn!(seconds = grace.as_secs(), "grace period over; exiting with requests still in flight"),
        }
        // Background work gets what is left of the grace period; an unfinished delivery keeps
        // its queue row and is retried when its lease expires.
        let until = stop_rx.borrow().map_or_else(Instant::now, |t| t + grace);
        if tokio::time::timeout_at(until, worker).await.is_err() {
            tracing::warn!(
                "delivery worker did not finish in time; its deliveries will be retried"
            );
        }
        janitor.abort();
        if let Err(e) = db.close().await {
            tracing::warn!(error = %e, "closing the database pool failed");
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Hourly: removes uploads that no post used within a day, and inbox-collection entries
/// older than `federation.inbox_retention_days`.
async fn janitor(state: AppState, mut stop: tokio::sync::watch::Receiver<Option<Instant>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| s.is_some()) => return,
        }
        match domain::media::remove_unattached(&state.db, &state.media, chrono::Duration::hours(24))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "removed unattached uploads"),
            Err(e) => tracing::warn!(error = %e, "removing unattached uploads failed"),
        }
        let days = state.config.federation.inbox_retention_days;
        match domain::accounts::prune_inboxes(&state.db, days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, days, "pruned old inbox activities"),
            Err(e) => tracing::warn!(error = %e, "pruning inbox activities failed"),
        }
    }
}

/// The full HTTP stack: routes plus CORS, request ids and request logging.
pub fn router(state: AppState) -> Router {
    // Browser-based Mastodon clients (Elk, Phanpy, …) call the API from other origins.
    // Credentials are bearer tokens, never cookies, so any origin may ask.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        // `*` does not cover `Authorization` in browsers that follow the Fetch spec, so echo
        // what the preflight asks for (as Mastodon's rack-cors `headers: :any` does).
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(7200))
        .expose_headers([
            axum::http::header::LINK,
            axum::http::HeaderName::from_static("x-request-id"),
        ]);
    let body_timeout = Duration::from_secs(state.config.server.request_body_timeout_seconds.max(1));
    api::router(state)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(axum::middleware::map_response(api::security::headers))
        .layer(cors)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Sets up `tracing` output on stderr. `RUST_LOG` overrides the configured level; `quiet`
/// (one-shot admin commands) shows only warnings so their output stays readable.
pub fn init_logging(config: &Config, quiet: bool) {
    use tracing_subscriber::{EnvFilter, fmt};
    let level = if quiet {
        "warn"
    } else {
        config.log.level.as_str()
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // PostgreSQL's "relation already exists, skipping" notices on every start are noise.
    let filter = match "sqlx::postgres::notice=warn".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
