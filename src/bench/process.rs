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
        let out = std::fs::File::create(log).map_err(err)?;
        let mut command = Command::new(std::env::current_exe().map_err(err)?);
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

/// `pinhole bench sink`: answers every POST to `/inbox` with 202 after `delay` (a round
/// trip to a distant server), counting those with a body; `GET /count` tells how many.
pub async fn run_sink(port: u16, delay: Duration) -> Result<(), BenchError> {
    let received = Arc::new(AtomicU64::new(0));
    let counted = received.clone();
    let app = Router::new()
        .route(
            "/inbox",
            post(move |body: Bytes| {
                let received = received.clone();
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    if !body.is_empty() {
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                    StatusCode::ACCEPTED
                }
            }),
        )
        .route(
            "/count",
            get(move || {
                let counted = counted.clone();
                async move { counted.load(Ordering::Relaxed).to_string() }
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
        self.client
            .get(format!("http://127.0.0.1:{}/count", self.port))
            .send()
            .await
            .map_err(err)?
            .text()
            .await
            .map_err(err)?
            .trim()
            .parse()
            .map_err(err)
    }

    /// The sink's CPU seconds so far.
    pub fn cpu_seconds(&self) -> Option<f64> {
        super::cpu_seconds_of(&self.helper.pid())
    }
}
