//! `pinhole bench flood`: the shared inbox offered ten times what it can accept, as a busy
//! or hostile fediverse would, while a local user keeps posting. Pinhole runs in its own
//! process (`serve`), so its memory is its own. First the rate it accepts is measured
//! (deliveries as fast as taken); then signed `Create`s arrive at `factor` times that rate
//! for a few seconds, open loop (each on schedule, whatever the answers), and a local post
//! is made through the Mastodon API every 100 ms. Reports every answer by status (only 202,
//! or 503/429 with `Retry-After`, is right), whether every 202 was stored, how local
//! posting fared, and the server's peak RSS; writes them to `docs/performance.md`.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::{
    BenchError, err,
    inbox::{Delivery, key_pairs, post_answer, seed_followed_actors, send_all, sign_deliveries},
    peak_rss_kib_of,
    process::{Helper, free_port},
    timeline::percentile,
    write_named_section,
};
use crate::{config::Config, db, db::entities::posts, domain};

/// `pinhole bench flood`.
#[derive(Debug, Clone, clap::Args)]
pub struct FloodParams {
    /// A postgres:// URL whose user may create databases (a scratch database is made
    /// beside it and dropped afterwards); a SQLite file in a temporary directory when absent.
    #[arg(long)]
    pub database_url: Option<String>,
    #[arg(long, default_value_t = 1_000)]
    pub actors: usize,
    /// Deliveries sent as fast as taken to find the rate the server accepts.
    #[arg(long, default_value_t = 2_000)]
    pub capacity_requests: usize,
    /// How many times that rate the flood offers.
    #[arg(long, default_value_t = 10.0)]
    pub factor: f64,
    /// Seconds the flood lasts.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Size of each delivery's body in KiB (its note padded with prose); 0 for ordinary
    /// notes of a few hundred bytes.
    #[arg(long, default_value_t = 0)]
    pub body_kib: usize,
    /// Markdown file whose flood (per database) section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Requests the load generator keeps open at once; beyond it a scheduled delivery is
/// counted as not sent (the generator, not the server, would be the limit).
const MAX_IN_FLIGHT: usize = 4_096;
/// Deliveries in flight while the accepted rate is measured.
const CAPACITY_CONCURRENCY: usize = 64;
/// A local post every this often during the flood.
const LOCAL_POST_EVERY: Duration = Duration::from_millis(100);

/// Runs the benchmark on one database; returns the report.
pub async fn run_flood(params: FloodParams) -> Result<String, BenchError> {
    let p = &params;
    if p.actors == 0 || p.capacity_requests == 0 || p.factor <= 0.0 || p.seconds <= 0.0 {
        return Err("need actors, capacity-requests, factor and seconds above 0".into());
    }
    crate::federation::client::install_crypto_provider();
    let scratch = super::Scratch::new("flood", params.database_url.as_deref()).await?;
    let backend = scratch.backend();
    let result = measure(&params, &scratch.dir, &scratch.database_url, backend).await;
    scratch.remove().await?;
    let report = result?;
    if let Some(path) = &params.output {
        let (key, flag) = if backend == "SQLite" {
            ("sqlite", "")
        } else {
            ("postgres", " --database-url …")
        };
        let (name, title) = match params.body_kib {
            0 => (
                format!("flood-{key}"),
                format!("Inbox flood, {backend} (`pinhole bench flood{flag}`)"),
            ),
            kib => (
                format!("flood-{key}-{kib}k"),
                format!(
                    "Inbox flood with {kib} KiB bodies, {backend} (`pinhole bench flood{flag} --body-kib {kib}`)"
                ),
            ),
        };
        write_named_section(path, &name, &title, &report).map_err(err)?;
    }
    Ok(report)
}

/// Answers counted by status and `Retry-After`.
#[derive(Default)]
struct Answers {
    by_status: BTreeMap<(u16, bool), usize>,
}

impl Answers {
    fn add(&mut self, answer: (u16, bool)) {
        *self.by_status.entry(answer).or_default() += 1;
    }

    fn accepted(&self) -> usize {
        self.by_status
            .iter()
            .filter(|((s, _), _)| *s == 202)
            .map(|(_, n)| n)
            .sum()
    }

    /// Answers that are neither 202 nor a 503/429 telling the sender when to retry
    /// (0 stands for no answer at all).
    fn wrong(&self) -> usize {
        self.by_status
            .iter()
            .filter(|((s, retry), _)| !(*s == 202 || (matches!(s, 503 | 429) && *retry)))
            .map(|(_, n)| n)
            .sum()
    }

    fn shown(&self) -> String {
        self.by_status
            .iter()
            .map(|((status, retry), n)| {
                let status = if *status == 0 {
                    "no answer".to_string()
                } else {
                    status.to_string()
                };
                let retry = if *retry { " with Retry-After" } else { "" };
                format!("{n} × {status}{retry}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn measure(
    params: &FloodParams,
    dir: &Path,
    database_url: &str,
    backend: &str,
) -> Result<String, BenchError> {
    crate::server::raise_file_limit();
    let port = free_port()?;
    let base = format!("http://localhost:{port}");
    let mut config = Config::defaults().map_err(err)?;
    config.data_dir = dir.to_path_buf();
    config.database_url = database_url.to_string();
    let url = config.effective_database_url();

    // Setup (not timed): alice follows every actor, whose keys are stored; her token.
    let (pairs, keys) = key_pairs()?;
    let db = db::connect(&config).await.map_err(err)?;
    db::migrate(&db).await.map_err(err)?;
    let actors = seed_followed_actors(&db, &base, params.actors, &pairs).await?;
    let token = domain::tokens::create(&db, "alice", "read write")
        .await
        .map_err(err)?;
    db.close().await.map_err(err)?;

    let mut server = Helper::spawn(
        &["serve"],
        &[
            ("PINHOLE_PUBLIC_URL", base.clone()),
            ("PINHOLE_LISTEN", format!("127.0.0.1:{port}")),
            ("PINHOLE_DATA_DIR", dir.display().to_string()),
            ("PINHOLE_DATABASE_URL", url.clone()),
            // Every sender here is 127.0.0.1; a real flood comes from many servers.
            (
                "PINHOLE_SERVER__MAX_CONNECTIONS_PER_ADDRESS",
                "0".to_string(),
            ),
            ("PINHOLE_LOG__LEVEL", "warn".to_string()),
        ],
        &dir.join("server.log"),
    )?;
    server.wait_ready(&format!("{base}/health")).await?;
    let pid = server.pid();
    let idle_rss = peak_rss_kib_of(&pid).unwrap_or(0);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().map_err(err)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .resolve("localhost", address)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(err)?;
    let inbox = format!("{base}/inbox");

    // 1. The rate it accepts: deliveries as fast as taken.
    let pad = params.body_kib * 1024;
    let batch = sign_deliveries(&actors, &keys, &inbox, 0..params.capacity_requests, pad).await?;
    let started = Instant::now();
    let statuses = send_all(&client, &inbox, batch, CAPACITY_CONCURRENCY).await;
    let capacity_seconds = started.elapsed().as_secs_f64();
    let capacity_accepted = statuses.iter().filter(|s| **s == 202).count();
    let capacity = capacity_accepted as f64 / capacity_seconds;
    let rss_after_capacity = peak_rss_kib_of(&pid).unwrap_or(0);

    // 2. The flood, signed up front.
    let rate = capacity * params.factor;
    let total = (rate * params.seconds).ceil() as usize;
    let first = params.capacity_requests;
    let flood = sign_deliveries(&actors, &keys, &inbox, first..first + total, pad).await?;
    let poster = tokio::spawn(post_locally(
        client.clone(),
        base.clone(),
        token,
        Duration::from_secs_f64(params.seconds),
    ));
    let (answers, sent, skipped, offered_seconds) = offer(&client, &inbox, flood, rate).await;
    let (local_ok, local_ms) = poster.await.map_err(err)?;
    let peak_rss = peak_rss_kib_of(&pid).unwrap_or(0);
    drop(server);

    // 3. What was stored.
    let db = db::connect(&config).await.map_err(err)?;
    let (remote, local) = stored(&db).await?;
    db.close().await.map_err(err)?;
    let expected = capacity_accepted + answers.accepted();

    let size = match params.body_kib {
        0 => String::new(),
        kib => format!(" of {kib} KiB each"),
    };
    let mut report = format!(
        "{backend}, {} remote actors with known keys sending signed `Create{{Note}}`{size} to the shared inbox over loopback HTTP; Pinhole in its own process with its defaults (`federation.inbox_concurrency` 4 per core, 2 cores shared with the load generator).\n\n",
        params.actors
    );
    report.push_str(&format!(
        "- Accepted as fast as taken ({} deliveries, {CAPACITY_CONCURRENCY} in flight): **{capacity:.0}/s**\n",
        params.capacity_requests
    ));
    report.push_str(&format!(
        "- Flood at {:.0}× that for {:.0} s: {sent} deliveries sent in {offered_seconds:.1} s (**{:.0}/s offered**{}), answers: {}\n",
        params.factor,
        params.seconds,
        sent as f64 / offered_seconds,
        if skipped > 0 {
            format!(", {skipped} not sent: the generator's {MAX_IN_FLIGHT} in flight were busy")
        } else {
            String::new()
        },
        answers.shown()
    ));
    report.push_str(&format!(
        "- Answers other than 202 or 503/429 with `Retry-After`: **{}**\n",
        answers.wrong()
    ));
    report.push_str(&format!(
        "- Stored: {remote} remote posts for {expected} answers 202 → **{}**\n",
        if remote as usize == expected {
            "every 202 stored".to_string()
        } else {
            format!("{} missing", expected as i64 - remote as i64)
        }
    ));
    let mut sorted = local_ms.clone();
    sorted.sort_by(f64::total_cmp);
    report.push_str(&format!(
        "- Local posting meanwhile (one `POST /api/v1/statuses` every {} ms): **{local_ok} of {} answered 200** ({local} stored), latency p50 {:.1} ms, max {:.1} ms\n",
        LOCAL_POST_EVERY.as_millis(),
        local_ms.len(),
        percentile(&sorted, 50.0),
        sorted.last().copied().unwrap_or(0.0)
    ));
    report.push_str(&format!(
        "- Pinhole's RSS: {:.0} MB idle after start, peak {:.0} MB after the accepted-rate phase, **peak {:.0} MB after the flood** (goal ≤ 125 MB: {})\n",
        idle_rss as f64 / 1024.0,
        rss_after_capacity as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
        if peak_rss <= 125 * 1024 {
            "met"
        } else {
            "NOT met"
        }
    ));
    Ok(report)
}

/// Sends every delivery on schedule at `rate` per second, whatever the answers (open
/// loop); returns the answers, how many were sent, how many were skipped because the
/// generator had too many open, and the seconds sending took.
async fn offer(
    client: &reqwest::Client,
    inbox: &str,
    flood: Vec<Delivery>,
    rate: f64,
) -> (Answers, usize, usize, f64) {
    let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let mut answers = Answers::default();
    let mut running = tokio::task::JoinSet::new();
    let (mut sent, mut skipped) = (0, 0);
    let start = tokio::time::Instant::now();
    for (i, delivery) in flood.into_iter().enumerate() {
        let at = start + interval.mul_f64(i as f64);
        if at > tokio::time::Instant::now() {
            tokio::time::sleep_until(at).await;
        }
        while let Some(done) = running.try_join_next() {
            answers.add(done.unwrap_or((0, false)));
        }
        if running.len() >= MAX_IN_FLIGHT {
            skipped += 1;
            continue;
        }
        let (client, inbox) = (client.clone(), inbox.to_string());
        running.spawn(async move { post_answer(&client, &inbox, delivery).await });
        sent += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    while let Some(done) = running.join_next().await {
        answers.add(done.unwrap_or((0, false)));
    }
    (answers, sent, skipped, seconds)
}

/// A local post through the Mastodon API every `LOCAL_POST_EVERY` for `duration`: how
/// many answered 200, and each one's latency in ms.
async fn post_locally(
    client: reqwest::Client,
    base: String,
    token: String,
    duration: Duration,
) -> (usize, Vec<f64>) {
    let deadline = Instant::now() + duration;
    let mut tick = tokio::time::interval(LOCAL_POST_EVERY);
    let (mut ok, mut latencies) = (0, Vec::new());
    let mut n = 0;
    while Instant::now() < deadline {
        tick.tick().await;
        n += 1;
        let started = Instant::now();
        let answer = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "status": format!("Still posting during the flood ({n})") }))
            .send()
            .await;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        if answer.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
            ok += 1;
        }
    }
    (ok, latencies)
}

/// Remote and local posts stored.
async fn stored(db: &DatabaseConnection) -> Result<(u64, u64), BenchError> {
    let remote = posts::Entity::find()
        .filter(posts::Column::Local.eq(false))
        .count(db)
        .await
        .map_err(err)?;
    let local = posts::Entity::find()
        .filter(posts::Column::Local.eq(true))
        .count(db)
        .await
        .map_err(err)?;
    Ok((remote, local))
}
