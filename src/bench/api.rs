//! `pinhole bench api`: the Mastodon home timeline over HTTP, as apps read it, at a million
//! posts on PostgreSQL. Pinhole runs in its own process (the same binary, `serve`), so its
//! CPU is measured apart from the load generator's and PostgreSQL's. Three phases: clients
//! reading pages as fast as answered (maximum rate, CPU per page), the same clients paced at
//! a fixed rate (latency), and clients hanging up mid-request (does that cost the server
//! pooled database connections?). Writes the figures to `docs/performance.md`.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use tokio::sync::Semaphore;

use super::{
    BenchError, cpu_seconds_named, cpu_seconds_of, err, peak_rss_kib_of,
    process::{Helper, free_port},
    timeline::percentile,
    write_named_section,
};
use crate::domain;

/// `pinhole bench api`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiParams {
    /// A PostgreSQL URL whose user may create databases; a scratch database is made
    /// beside it and dropped afterwards.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: i64,
    #[arg(long, default_value_t = 10_000)]
    pub authors: i64,
    #[arg(long, default_value_t = 500)]
    pub follows: i64,
    /// Concurrent clients (each one keep-alive connection).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Requests per second of the paced phase.
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Seconds of each timed phase.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Database pool size of the server under test.
    #[arg(long, default_value_t = 16)]
    pub pool: u32,
    /// Serve with another build of Pinhole (a binary's path), to compare builds on the
    /// same data; it creates its own schema, and its report is printed, not written.
    #[arg(long, value_name = "BINARY")]
    pub server: Option<PathBuf>,
    /// Markdown file whose API section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Pages read from the top and down `max_id` chains, shared by every phase.
const CURSORS: usize = 200;
/// Requests abandoned mid-flight in the hang-up phase.
const HANGUPS: usize = 400;

/// The server under test.
struct Server {
    helper: Helper,
    base: String,
}

impl Server {
    fn pid(&self) -> String {
        self.helper.pid()
    }
}

/// Runs the benchmark; returns the report.
pub async fn run_api(params: ApiParams) -> Result<String, BenchError> {
    let p = &params;
    if p.posts < 1
        || p.authors < p.follows
        || p.follows < 1
        || p.clients < 1
        || p.pool < 1
        || !(p.rate > 0.0 && p.seconds > 0.0)
    {
        return Err("need posts ≥ 1, authors ≥ follows ≥ 1, clients ≥ 1, pool ≥ 1, rate > 0 and seconds > 0".into());
    }
    crate::federation::client::install_crypto_provider();
    let (url, name) =
        super::create_scratch_database(&params.database_url, "pinhole_bench_api").await?;
    let dir = std::env::temp_dir().join(format!("pinhole-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(err)?;
    let result = measure(&params, &url, &name, &dir).await;
    super::drop_scratch_database(&params.database_url, &name).await?;
    let _ = std::fs::remove_dir_all(&dir);
    let report = result?;
    // Another build's numbers are not this build's: printed, never written.
    if let Some(path) = params.output.as_ref().filter(|_| params.server.is_none()) {
        let (section, title) = if params.posts >= 1_000_000 {
            (
                "api".to_string(),
                "The Mastodon API under load (`pinhole bench api`)".to_string(),
            )
        } else {
            (
                format!("api-{}", params.posts),
                format!(
                    "The Mastodon API under load, small instance (`pinhole bench api --posts {}`)",
                    params.posts
                ),
            )
        };
        write_named_section(path, &section, &title, &report).map_err(err)?;
    }
    Ok(report)
}

/// Seeds the scratch database and returns the reader's bearer token.
async fn seed_instance(params: &ApiParams, url: &str) -> Result<(String, f64), BenchError> {
    let db: DatabaseConnection = Database::connect(url).await.map_err(err)?;
    let (_, seeded) =
        super::timeline::seed_reader(&db, params.posts, params.authors, params.follows).await?;
    let token = domain::tokens::create(&db, "reader", "read")
        .await
        .map_err(err)?;
    db.close().await.map_err(err)?;
    Ok((token, seeded))
}

async fn start_server(params: &ApiParams, url: &str, dir: &Path) -> Result<Server, BenchError> {
    let port = free_port()?;
    let base = format!("http://localhost:{port}");
    let mut helper = Helper::spawn_binary(
        &server_binary(params)?,
        &["serve"],
        &server_env(params, url, dir, Some(port)),
        &dir.join("server.log"),
    )?;
    helper.wait_ready(&format!("{base}/health")).await?;
    Ok(Server { helper, base })
}

/// The build that serves: `--server`, or this one.
fn server_binary(params: &ApiParams) -> Result<PathBuf, BenchError> {
    match &params.server {
        Some(path) => Ok(path.clone()),
        None => std::env::current_exe().map_err(err),
    }
}

/// The environment the server under test (or its `migrate`) runs with.
fn server_env(
    params: &ApiParams,
    url: &str,
    dir: &Path,
    port: Option<u16>,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("PINHOLE_DATA_DIR", dir.display().to_string()),
        ("PINHOLE_DATABASE_URL", url.to_string()),
        ("PINHOLE_DATABASE__MAX_CONNECTIONS", params.pool.to_string()),
        ("PINHOLE_LOG__LEVEL", "warn".to_string()),
    ];
    if let Some(port) = port {
        env.push(("PINHOLE_PUBLIC_URL", format!("http://localhost:{port}")));
        env.push(("PINHOLE_LISTEN", format!("127.0.0.1:{port}")));
    }
    env
}

/// Versions of the migrations recorded in the scratch database.
async fn migrations_recorded(url: &str) -> Result<Vec<String>, BenchError> {
    let db: DatabaseConnection = Database::connect(url).await.map_err(err)?;
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .map_err(err)?;
    let versions = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    db.close().await.map_err(err)?;
    Ok(versions)
}

/// With `--server`: that build creates its schema first (`migrate`), and after this build
/// has seeded the data (adding its newer migrations), those are hidden from it again, so it
/// starts on the same rows. Newer migrations must leave what it reads unchanged.
async fn prepare_other_build(
    params: &ApiParams,
    url: &str,
    dir: &Path,
) -> Result<Option<Vec<String>>, BenchError> {
    let Some(binary) = &params.server else {
        return Ok(None);
    };
    let status = std::process::Command::new(binary)
        .arg("migrate")
        .envs(server_env(params, url, dir, None))
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{} migrate`: {e}", binary.display()))?;
    if !status.success() {
        return Err(format!("`{} migrate` failed ({status})", binary.display()));
    }
    Ok(Some(migrations_recorded(url).await?))
}

/// Forgets the migrations the other build did not run itself.
async fn hide_newer_migrations(url: &str, known: &[String]) -> Result<(), BenchError> {
    let db: DatabaseConnection = Database::connect(url).await.map_err(err)?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM seaql_migrations WHERE version <> ALL($1)",
        [known.to_vec().into()],
    ))
    .await
    .map_err(err)?;
    db.close().await.map_err(err)?;
    Ok(())
}

/// `GET` a home page of 40, older than `max_id` when given.
async fn get_home(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    max_id: Option<&str>,
) -> Result<reqwest::Response, BenchError> {
    let mut url = format!("{base}/api/v1/timelines/home?limit=40");
    if let Some(m) = max_id {
        url.push_str("&max_id=");
        url.push_str(m);
    }
    client.get(url).bearer_auth(token).send().await.map_err(err)
}

/// One home page; `Ok(ids)` of its statuses.
async fn read_page(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    max_id: Option<&str>,
) -> Result<Vec<String>, BenchError> {
    let res = get_home(client, base, token, max_id).await?;
    if !res.status().is_success() {
        return Err(format!("home timeline answered {}", res.status()));
    }
    let page: Vec<serde_json::Value> = res.json().await.map_err(err)?;
    Ok(page
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect())
}

/// A page fetched and its body read, without parsing it (the load generator shares the
/// cores with the server, so it does as little as it can).
async fn fetch(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    max_id: Option<&str>,
) -> Result<(), BenchError> {
    let res = get_home(client, base, token, max_id).await?;
    let status = res.status();
    let body = res.bytes().await.map_err(err)?;
    if !status.is_success() || body.len() < 3 || body[0] != b'[' {
        return Err(format!(
            "home timeline answered {status}, {} bytes",
            body.len()
        ));
    }
    Ok(())
}

/// CPU seconds so far of the server and of PostgreSQL.
fn cpu(server: &Server) -> (f64, f64) {
    (
        cpu_seconds_of(&server.pid()).unwrap_or(0.0),
        cpu_seconds_named("postgres"),
    )
}

struct Phase {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_ms: Vec<f64>,
    server_cpu: f64,
    postgres_cpu: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    fn per_page_ms(&self, cpu: f64) -> f64 {
        cpu * 1000.0 / self.requests.max(1) as f64
    }
}

/// `clients` tasks reading pages back to back for `seconds`.
async fn closed_loop(
    server: &Server,
    token: &Arc<str>,
    cursors: &Arc<Vec<Option<String>>>,
    clients: usize,
    seconds: f64,
) -> Result<Phase, BenchError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .map_err(err)?;
    let (cpu0, pg0) = cpu(server);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (client, base, token, cursors) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            cursors.clone(),
        );
        tasks.spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            let mut k = c;
            while Instant::now() < deadline {
                let cursor = cursors[k % cursors.len()].as_deref();
                k += clients;
                let t = Instant::now();
                match fetch(&client, &base, &token, cursor).await {
                    Ok(()) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut phase = Phase {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies_ms: Vec::new(),
        server_cpu: 0.0,
        postgres_cpu: 0.0,
    };
    while let Some(done) = tasks.join_next().await {
        let (latencies, errors) = done.map_err(err)?;
        phase.latencies_ms.extend(latencies);
        phase.errors += errors;
    }
    phase.seconds = started.elapsed().as_secs_f64();
    let (cpu1, pg1) = cpu(server);
    phase.requests = phase.latencies_ms.len();
    phase.server_cpu = cpu1 - cpu0;
    phase.postgres_cpu = pg1 - pg0;
    phase.latencies_ms.sort_by(f64::total_cmp);
    Ok(phase)
}

/// Requests started on a fixed schedule (`rate` per second) over at most `clients`
/// connections; each latency counts from the scheduled start, so a server that falls
/// behind is charged for the wait.
async fn paced(
    server: &Server,
    token: &Arc<str>,
    cursors: &Arc<Vec<Option<String>>>,
    clients: usize,
    rate: f64,
    seconds: f64,
) -> Result<Phase, BenchError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .map_err(err)?;
    let slots = Arc::new(Semaphore::new(clients));
    let total = (rate * seconds) as usize;
    let (cpu0, pg0) = cpu(server);
    let started = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let at = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(at).await;
        let slot = slots.clone().acquire_owned().await.map_err(err)?;
        let (client, base, token, cursors) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            cursors.clone(),
        );
        tasks.spawn(async move {
            let result = fetch(
                &client,
                &base,
                &token,
                cursors[i % cursors.len()].as_deref(),
            )
            .await;
            drop(slot);
            result.map(|()| at.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let mut phase = Phase {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies_ms: Vec::new(),
        server_cpu: 0.0,
        postgres_cpu: 0.0,
    };
    while let Some(done) = tasks.join_next().await {
        match done.map_err(err)? {
            Ok(ms) => phase.latencies_ms.push(ms),
            Err(_) => phase.errors += 1,
        }
    }
    phase.seconds = started.elapsed().as_secs_f64();
    let (cpu1, pg1) = cpu(server);
    phase.requests = phase.latencies_ms.len();
    phase.server_cpu = cpu1 - cpu0;
    phase.postgres_cpu = pg1 - pg0;
    phase.latencies_ms.sort_by(f64::total_cmp);
    Ok(phase)
}

/// Backend process ids connected to database `name`, seen from the admin connection.
async fn backends(admin: &DatabaseConnection, name: &str) -> Result<BTreeSet<i64>, BenchError> {
    let rows = admin
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pid::bigint FROM pg_stat_activity WHERE datname = $1",
            [name.into()],
        ))
        .await
        .map_err(err)?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
        .collect())
}

/// Clients that give up after a fraction of a millisecond to a few milliseconds, while
/// the server is mid-request: how many of the server's pooled database connections end.
async fn hang_ups(
    server: &Server,
    token: &Arc<str>,
    cursors: &Arc<Vec<Option<String>>>,
    clients: usize,
    admin: &DatabaseConnection,
    name: &str,
) -> Result<(usize, usize, usize), BenchError> {
    // Fill the pool first, so every connection it will use is already open.
    closed_loop(server, token, cursors, clients, 1.0).await?;
    let before = backends(admin, name).await?;
    let client = reqwest::Client::new();
    let slots = Arc::new(Semaphore::new(clients));
    let mut tasks = tokio::task::JoinSet::new();
    let mut abandoned = 0usize;
    for i in 0..HANGUPS {
        let slot = slots.clone().acquire_owned().await.map_err(err)?;
        let (client, base, token, cursors) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            cursors.clone(),
        );
        // 0.2 ms to 4 ms: before, during and after the database work of a page.
        let patience = Duration::from_micros(200 + (i as u64 * 3_797) % 3_800);
        tasks.spawn(async move {
            let request = fetch(
                &client,
                &base,
                &token,
                cursors[i % cursors.len()].as_deref(),
            );
            let gave_up = tokio::time::timeout(patience, request).await.is_err();
            drop(slot);
            gave_up
        });
    }
    while let Some(done) = tasks.join_next().await {
        abandoned += usize::from(done.map_err(err)?);
    }
    // Let the server notice, then use it normally so the pool opens what it needs.
    tokio::time::sleep(Duration::from_millis(500)).await;
    closed_loop(server, token, cursors, clients, 1.0).await?;
    let after = backends(admin, name).await?;
    let ended = before.difference(&after).count();
    Ok((abandoned, ended, before.len()))
}

async fn measure(
    params: &ApiParams,
    url: &str,
    name: &str,
    dir: &Path,
) -> Result<String, BenchError> {
    let other_build = prepare_other_build(params, url, dir).await?;
    let (token, seeded) = seed_instance(params, url).await?;
    if let Some(known) = &other_build {
        hide_newer_migrations(url, known).await?;
    }
    let token: Arc<str> = token.into();
    let server = start_server(params, url, dir).await?;
    let admin = Database::connect(&params.database_url).await.map_err(err)?;

    // Cursors down max_id chains, read through the API itself.
    let probe = reqwest::Client::new();
    let mut cursors: Vec<Option<String>> = Vec::new();
    let mut max_id: Option<String> = None;
    while cursors.len() < CURSORS {
        let ids = read_page(&probe, &server.base, &token, max_id.as_deref()).await?;
        let Some(last) = ids.last() else {
            if max_id.is_none() {
                return Err("the home timeline is empty".into());
            }
            max_id = None; // the end of the chain: start again from the top
            continue;
        };
        cursors.push(max_id.replace(last.clone()));
    }
    let cursors = Arc::new(cursors);

    closed_loop(&server, &token, &cursors, params.clients, 2.0).await?; // warm-up
    let max = closed_loop(&server, &token, &cursors, params.clients, params.seconds).await?;
    let steady = paced(
        &server,
        &token,
        &cursors,
        params.clients,
        params.rate,
        params.seconds,
    )
    .await?;
    let rss_before_hang_ups = peak_rss_kib_of(&server.pid());
    let (abandoned, ended, pool) =
        hang_ups(&server, &token, &cursors, params.clients, &admin, name).await?;
    let rss = peak_rss_kib_of(&server.pid());
    let version: String = admin
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW server_version".to_string(),
        ))
        .await
        .map_err(err)?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    drop(server);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = format!(
        "`GET /api/v1/timelines/home?limit=40` with a bearer token, {} posts by {} remote authors \
         (the reader follows {}), pages from the top and down {} `max_id` cursors; Pinhole in its \
         own process with a pool of {} connections, PostgreSQL {version} and the load generator on \
         the same {cores} cores; seeded in {seeded:.0} s.\n\n",
        params.posts, params.authors, params.follows, CURSORS, params.pool
    );
    let p = |phase: &Phase, q: f64| percentile(&phase.latencies_ms, q);
    report.push_str(&format!(
        "- {} clients as fast as answered, {:.0} s: **{:.0} requests/s**, p50 {:.1} ms, p99 {:.1} ms, {} errors\n",
        params.clients,
        max.seconds,
        max.rate(),
        p(&max, 50.0),
        p(&max, 99.0),
        max.errors
    ));
    report.push_str(&format!(
        "  - CPU per page: Pinhole **{:.2} ms**, PostgreSQL **{:.2} ms** (the rest of {cores} cores: the load generator)\n",
        max.per_page_ms(max.server_cpu),
        max.per_page_ms(max.postgres_cpu)
    ));
    report.push_str(&format!(
        "- paced at {:.0} requests/s over {} connections, {:.0} s ({} requests, {} errors): **p50 {:.1} ms, p99 {:.1} ms** (from the scheduled start) — goal p99 ≤ 20 ms: {}\n",
        params.rate,
        params.clients,
        params.seconds,
        steady.requests,
        steady.errors,
        p(&steady, 50.0),
        p(&steady, 99.0),
        if p(&steady, 99.0) <= 20.0 {
            "met"
        } else {
            "NOT met"
        }
    ));
    report.push_str(&format!(
        "  - CPU per page at this rate: Pinhole {:.2} ms, PostgreSQL {:.2} ms\n",
        steady.per_page_ms(steady.server_cpu),
        steady.per_page_ms(steady.postgres_cpu)
    ));
    report.push_str(&format!(
        "- clients hanging up mid-request: {abandoned} of {HANGUPS} requests abandoned after 0.2–4 ms; \
         of the {pool} database connections open before, **{ended} were closed** by the server afterwards\n"
    ));
    if let (Some(before), Some(after)) = (rss_before_hang_ups, rss) {
        report.push_str(&format!(
            "- peak RSS of the Pinhole process: {:.0} MB before the hang-ups, {:.0} MB after\n",
            before as f64 / 1024.0,
            after as f64 / 1024.0
        ));
    }
    Ok(report)
}
