//! Processes a benchmark starts beside itself (the server under test, the sink that plays
//! remote servers), so each one's CPU can be measured apart from the others', and the sink
//! those fan-out runs deliver to.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    http::StatusCode,
    routing::{get, post},
};

use super::{BenchError, err};

/// A helper process running this same binary, killed when dropped so a failed run leaves
/// nothing behind. Its output goes to a log file, shown when it fails to start.
pub struct Helper {
    child: Child,
    log: PathBuf,
}

impl Helper {
    /// Starts `pinhole ARGS…` with `envs` added to the environment.
    pub fn spawn(args: &[&str], envs: &[(&str, String)], log: &Path) -> Result<Self, BenchError> {
        Self::spawn_binary(&std::env::current_exe().map_err(err)?, args, envs, log)
    }

    /// [`Helper::spawn`] with another build of Pinhole, to compare builds on the same data.
    pub fn spawn_binary(
        binary: &Path,
        args: &[&str],
        envs: &[(&str, String)],
        log: &Path,
    ) -> Result<Self, BenchError> {
        let out = std::fs::File::create(log).map_err(err)?;
        let mut command = Command::new(binary);
        command
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(err)?)
            .stderr(out);
        for (k, v) in envs {
            command.env(k, v);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start `pinhole {}`: {e}", args.join(" ")))?;
        Ok(Helper {
            child,
            log: log.to_path_buf(),
        })
    }

    /// The process id, as `/proc` names it.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits until `url` answers 2xx, failing early (with the log) if the process exits.
    pub async fn wait_ready(&mut self, url: &str) -> Result<(), BenchError> {
        crate::federation::client::install_crypto_provider();
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "a helper process exited ({status}):\n{}",
                    self.log_tail()
                ));
            }
            if client
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "a helper process did not answer within 60 s:\n{}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago, for a helper process to bind.
pub fn free_port() -> Result<u16, BenchError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(listener.local_addr().map_err(err)?.port())
}

/// What the sink has seen.
#[derive(Default)]
struct Seen {
    received: AtomicU64,
    /// Activities that arrived after a later one about the same object (Create, Update,
    /// Delete in that order), so a benchmark can check the queue kept the order.
    out_of_order: AtomicU64,
    latest: std::sync::Mutex<std::collections::HashMap<String, u8>>,
}

impl Seen {
    fn record(&self, body: &[u8]) {
        if body.is_empty() {
            return;
        }
        self.received.fetch_add(1, Ordering::Relaxed);
        let Ok(activity) = serde_json::from_slice::<serde_json::Value>(body) else {
            return;
        };
        let rank = match activity["type"].as_str() {
            Some("Create") => 0,
            Some("Update") => 1,
            Some("Delete") => 2,
            _ => return,
        };
        let object = &activity["object"];
        let Some(id) = object["id"].as_str().or(object.as_str()) else {
            return;
        };
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let last = latest.entry(id.to_string()).or_insert(rank);
        if rank < *last {
            self.out_of_order.fetch_add(1, Ordering::Relaxed);
        } else {
            *last = rank;
        }
    }
}

/// `pinhole bench sink`: answers every POST to `/inbox` with 202 after `delay` (a round
/// trip to a distant server), counting those with a body; `GET /count` tells how many
/// and how many arrived out of order (`RECEIVED OUT_OF_ORDER`).
pub async fn run_sink(port: u16, delay: Duration) -> Result<(), BenchError> {
    let seen = Arc::new(Seen::default());
    let counted = seen.clone();
    let app = Router::new()
        .route(
            "/inbox",
            post(move |body: Bytes| {
                let seen = seen.clone();
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    seen.record(&body);
                    StatusCode::ACCEPTED
                }
            }),
        )
        .route(
            "/count",
            get(move || {
                let counted = counted.clone();
                async move {
                    format!(
                        "{} {}",
                        counted.received.load(Ordering::Relaxed),
                        counted.out_of_order.load(Ordering::Relaxed)
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(err)?;
    axum::serve(listener, app).await.map_err(err)
}

/// The sink as a process of its own, so it does not share the sender's CPU time.
pub struct Sink {
    helper: Helper,
    pub port: u16,
    client: reqwest::Client,
}

impl Sink {
    pub async fn start(dir: &Path, delay: Duration) -> Result<Sink, BenchError> {
        let port = free_port()?;
        let mut helper = Helper::spawn(
            &[
                "bench",
                "sink",
                "--port",
                &port.to_string(),
                "--delay-ms",
                &delay.as_millis().to_string(),
            ],
            &[],
            &dir.join("sink.log"),
        )?;
        helper
            .wait_ready(&format!("http://127.0.0.1:{port}/count"))
            .await?;
        Ok(Sink {
            helper,
            port,
            client: reqwest::Client::new(),
        })
    }

    /// Deliveries received so far.
    pub async fn count(&self) -> Result<u64, BenchError> {
        Ok(self.counts().await?.0)
    }

    /// Deliveries received so far, and how many of them arrived out of order.
    pub async fn counts(&self) -> Result<(u64, u64), BenchError> {
        let text = self
            .client
            .get(format!("http://127.0.0.1:{}/count", self.port))
            .send()
            .await
            .map_err(err)?
            .text()
            .await
            .map_err(err)?;
        let mut parts = text.split_whitespace().map(str::parse::<u64>);
        match (parts.next(), parts.next()) {
            (Some(Ok(received)), Some(Ok(disorder))) => Ok((received, disorder)),
            _ => Err(format!("the sink answered {text:?}")),
        }
    }

    /// The sink's CPU seconds so far.
    pub fn cpu_seconds(&self) -> Option<f64> {
        super::cpu_seconds_of(&self.helper.pid())
    }
}
