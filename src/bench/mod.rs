//! `pinhole bench fanout`: one activity to N followers spread over M shared inboxes served
//! by a loopback sink, a share of them dead; reports deliveries/s against the machine's
//! signing bound measured in the same run, and writes the numbers to `docs/performance.md`.

pub mod api;
pub mod catchup;
pub mod flood;
pub mod inbox;
pub mod media;
pub mod process;
pub mod timeline;
pub mod web;

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::net::TcpListener;

use crate::{
    app::{App, AppError},
    config::Config,
    db::{self, accounts::RemoteActor},
    domain::{self, accounts::NewUser},
    federation::signatures::SigningKey,
};

/// `pinhole bench …`: each benchmark's parameters are its command line.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Deliver one activity to many followers over a loopback sink.
    Fanout(FanoutParams),
    /// Read home timeline pages at a million posts on PostgreSQL (a scratch database is
    /// created beside the one named and dropped afterwards).
    Timeline(timeline::TimelineParams),
    /// The Mastodon home timeline over HTTP on PostgreSQL with Pinhole in its own process:
    /// maximum requests/s, CPU per page, latency when paced, clients hanging up.
    Api(api::ApiParams),
    /// Signed Creates from many remote actors to the shared inbox over loopback HTTP:
    /// accepted/s beside the verification and storage bounds, latency at half load.
    Inbox(inbox::InboxParams),
    /// The shared inbox offered ten times what it accepts while a local user posts: every
    /// answer by status, every 202 stored, local posting, the server's peak RSS.
    Flood(flood::FloodParams),
    /// Drain a backlog of deliveries after an outage (servers answering after a simulated
    /// round trip): deliveries/s against min(concurrency ÷ RTT, signing bound), order kept.
    Catchup(catchup::CatchupParams),
    /// The loopback sink fan-out benchmarks deliver to (started by them as a process of
    /// its own): 202 to every POST /inbox after --delay-ms; GET /count.
    #[command(hide = true)]
    Sink {
        #[arg(long)]
        port: u16,
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
    /// Process a 4000×3000 photo to every stored size; compare with libvips.
    Media(media::MediaParams),
    /// The profile page and a post page at a million posts on PostgreSQL over loopback
    /// HTTP: p50/p99 request times and the page weight without images.
    Web(web::WebParams),
}

/// Runs one benchmark and answers its report (the sink runs until stopped and has none).
pub async fn run(command: BenchCommand) -> Result<String, BenchError> {
    match command {
        BenchCommand::Fanout(p) => run_fanout(p).await,
        BenchCommand::Timeline(p) => timeline::run_timeline(p).await,
        BenchCommand::Api(p) => api::run_api(p).await,
        BenchCommand::Inbox(p) => inbox::run_inbox(p).await,
        BenchCommand::Flood(p) => flood::run_flood(p).await,
        BenchCommand::Catchup(p) => catchup::run_catchup(p).await,
        BenchCommand::Sink { port, delay_ms } => {
            process::run_sink(port, std::time::Duration::from_millis(delay_ms)).await?;
            Ok(String::new())
        }
        BenchCommand::Media(p) => media::run_media(p).await,
        BenchCommand::Web(p) => web::run_web(p).await,
    }
}

/// `pinhole bench fanout`.
#[derive(Debug, Clone, clap::Args)]
pub struct FanoutParams {
    #[arg(long, default_value_t = 10_000)]
    pub followers: usize,
    #[arg(long, default_value_t = 2_000)]
    pub inboxes: usize,
    /// Share of inboxes whose server is down.
    #[arg(long, default_value_t = 5.0)]
    pub dead_percent: f64,
    /// Markdown file whose fan-out section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// One scenario's measurements.
#[derive(Debug, Clone)]
pub struct FanoutResult {
    pub followers: usize,
    pub inboxes: usize,
    pub dead_inboxes: usize,
    pub posts_delivered: u64,
    pub posts_attempted_dead: u64,
    pub seconds: f64,
    /// Part of `seconds` spent finding the inboxes and writing the queue rows.
    pub enqueue_seconds: f64,
    /// CPU time the sending process used meanwhile (sender and its SQLite), if known.
    pub cpu_seconds: Option<f64>,
    /// CPU time of the sink process meanwhile.
    pub sink_cpu_seconds: Option<f64>,
    pub deliveries_per_second: f64,
}

/// Errors are reported as text; this is an operator tool.
pub type BenchError = String;

fn err<E: std::fmt::Display>(e: E) -> BenchError {
    e.to_string()
}

/// User+system CPU seconds of this process so far (Linux `/proc/self/stat`).
fn process_cpu_seconds() -> Option<f64> {
    cpu_seconds_of("self")
}

/// User+system CPU seconds of process `pid` ("self" or a number) so far.
fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 Hz on Linux.
    Some((utime + stime) / 100.0)
}

/// CPU seconds of every process named `name` on the machine (PostgreSQL's backends and
/// helpers, for instance), so a benchmark can say what a request cost the database.
fn cpu_seconds_named(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .filter_map(|pid| cpu_seconds_of(&pid))
        .sum()
}

/// Signatures per second on all cores with the same key type and code path deliveries use.
pub fn signing_bound(seconds: f64) -> Result<(f64, usize), BenchError> {
    let pair = activitypub_federation::http_signatures::generate_actor_keypair().map_err(err)?;
    let key = Arc::new(SigningKey::from_pkcs8_pem(&pair.private_key).map_err(err)?);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let message = vec![b'x'; 300];
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let key = key.clone();
            let message = message.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if key.sign(&message).is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    Ok((total as f64 / started.elapsed().as_secs_f64(), threads))
}

/// A Pinhole instance on SQLite in `dir` (not yet serving; `App::run` starts it, delivery
/// worker included) with one local account, `bench`, whose posts the benchmark delivers.
async fn sending_instance(
    dir: &std::path::Path,
    adjust: impl FnOnce(&mut Config),
) -> Result<(App, crate::db::entities::accounts::Model), BenchError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
    let port = listener.local_addr().map_err(err)?.port();
    let mut config = Config::defaults().map_err(err)?;
    config.public_url = url::Url::parse(&format!("http://localhost:{port}")).map_err(err)?;
    config.listen = listener.local_addr().map_err(err)?;
    config.data_dir = dir.to_path_buf();
    config.database_url = String::new();
    config.server.shutdown_grace_seconds = 5;
    unlimited(&mut config);
    adjust(&mut config);
    let app = App::with_listener(config, listener)
        .await
        .map_err(|e: AppError| e.to_string())?;
    let author = domain::accounts::create_local(
        &app.state().db,
        NewUser {
            username: "bench".into(),
            password: None,
            role: Default::default(),
            locked: false,
        },
    )
    .await
    .map_err(err)?;
    Ok((app, author))
}

/// Runs one fan-out scenario on a fresh SQLite database in a temporary directory.
pub async fn fanout(
    followers: usize,
    inboxes: usize,
    dead_percent: f64,
) -> Result<FanoutResult, BenchError> {
    let dir = std::env::temp_dir().join(format!("pinhole-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(err)?;
    let result = fanout_in(&dir, followers, inboxes, dead_percent).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn fanout_in(
    dir: &std::path::Path,
    followers: usize,
    inboxes: usize,
    dead_percent: f64,
) -> Result<FanoutResult, BenchError> {
    let sink = process::Sink::start(dir, Duration::ZERO).await?;
    let sink_port = sink.port;
    // A port nobody listens on: dead servers refuse connections.
    let dead_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
        l.local_addr().map_err(err)?.port()
    };
    // Setup (not timed): the author, N remote followers on M servers.
    let (app, author) = sending_instance(dir, |_| {}).await?;
    let state = app.state().clone();
    let dead_inboxes = ((inboxes as f64) * dead_percent / 100.0).round() as usize;
    let now = chrono::Utc::now();
    let placeholder_key = author.public_key_pem.clone();
    let actors: Vec<RemoteActor> = (0..followers)
        .map(|i| {
            let server = i % inboxes;
            let port = if server < dead_inboxes {
                dead_port
            } else {
                sink_port
            };
            let host = format!("s{server}.localhost:{port}");
            let uri = format!("http://{host}/users/u{i}");
            RemoteActor {
                key_id: format!("{uri}#main-key"),
                inbox_url: format!("{uri}/inbox"),
                shared_inbox_url: Some(format!("http://{host}/inbox")),
                outbox_url: None,
                followers_url: None,
                following_url: None,
                profile_url: None,
                avatar_url: None,
                header_url: None,
                username: format!("u{i}"),
                domain: host,
                display_name: String::new(),
                summary: String::new(),
                fields: vec![],
                public_key_pem: placeholder_key.clone(),
                actor_type: "Person".into(),
                manually_approves_followers: false,
                discoverable: false,
                indexable: false,
                now,
                uri,
            }
        })
        .collect();
    db::accounts::insert_remote_batch(&state.db, actors)
        .await
        .map_err(err)?;
    let ids = db::accounts::remote_ids(&state.db).await.map_err(err)?;
    let follows = ids
        .iter()
        .map(|id| (*id, format!("http://bench.invalid/follows/{id}")))
        .collect();
    db::follows::insert_followers_batch(&state.db, author.id, follows, now)
        .await
        .map_err(err)?;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));

    // Timed: enqueue one activity for every distinct inbox, then wait until every live inbox
    // has it and every dead one was tried.
    let body = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/bench", state.config.base_url()),
        "type": "Create",
        "actor": format!("{}/users/bench", state.config.base_url()),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{}/notes/bench", state.config.base_url()),
            "type": "Note",
            "content": "<p>".to_string() + &"A photo caption of ordinary length. ".repeat(8) + "</p>",
        }
    })
    .to_string();
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let sink_cpu_before = sink.cpu_seconds();
    let targets = db::follows::follower_inboxes(&state.db, author.id)
        .await
        .map_err(err)?;
    let distinct = targets.len();
    let deliveries = targets
        .into_iter()
        .filter_map(|inbox| {
            Some(db::deliveries::NewDelivery {
                domain: crate::federation::activities::domain_of(&inbox)?,
                inbox_url: inbox,
                signer_account_id: Some(author.id),
                body: body.clone(),
                ordering_key: None,
            })
        })
        .collect();
    db::deliveries::enqueue(&state.db, deliveries, chrono::Utc::now())
        .await
        .map_err(err)?;
    state.federation.wake.notify_one();
    let enqueue_seconds = started.elapsed().as_secs_f64();
    let live = (distinct - dead_inboxes) as u64;
    let timeout = Instant::now() + Duration::from_secs(600);
    loop {
        let delivered = sink.count().await?;
        // Only ask the database once the sink has everything (the query competes with the
        // worker for the database).
        if delivered >= live
            && db::deliveries::count_untried(&state.db)
                .await
                .map_err(err)?
                == 0
        {
            break;
        }
        if Instant::now() > timeout {
            return Err(format!("timed out: {delivered}/{live} delivered"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    let sink_cpu_seconds = sink.cpu_seconds().zip(sink_cpu_before).map(|(a, b)| a - b);
    let delivered = sink.count().await?;
    let _ = stop.send(());
    let _ = server.await;
    Ok(FanoutResult {
        followers,
        inboxes: distinct,
        dead_inboxes,
        posts_delivered: delivered,
        posts_attempted_dead: dead_inboxes as u64,
        seconds,
        enqueue_seconds,
        cpu_seconds,
        sink_cpu_seconds,
        deliveries_per_second: (delivered + dead_inboxes as u64) as f64 / seconds,
    })
}

/// Runs the benchmark: the signing bound, then fan-out with and without dead inboxes.
pub async fn run_fanout(params: FanoutParams) -> Result<String, BenchError> {
    let p = &params;
    if p.inboxes == 0 || p.followers < p.inboxes || !(0.0..=100.0).contains(&p.dead_percent) {
        return Err("need followers ≥ inboxes ≥ 1 and 0 ≤ dead-percent ≤ 100".into());
    }
    let (bound, threads) = tokio::task::spawn_blocking(|| signing_bound(3.0))
        .await
        .map_err(err)??;
    let healthy = fanout(params.followers, params.inboxes, 0.0).await?;
    let with_dead = fanout(params.followers, params.inboxes, params.dead_percent).await?;
    let mut report = String::new();
    report.push_str(&format!(
        "Fan-out of one activity to {} followers over {} shared inboxes (SQLite; the sink that plays the remote servers is a process of its own on the same {} cores).\n\n",
        params.followers, params.inboxes, threads
    ));
    report.push_str(&format!(
        "- Signing bound (RSA-2048 PKCS#1 v1.5 / SHA-256 with ring, {threads} threads): **{bound:.0} signatures/s**\n"
    ));
    for (label, r) in [
        ("all inboxes alive", &healthy),
        ("with dead inboxes", &with_dead),
    ] {
        report.push_str(&format!(
            "- {label}: {} POSTs for {} followers ({} distinct inboxes, {} dead) in {:.2} s (of which {:.2} s to queue them) → **{:.0} deliveries/s = {:.2}× the signing bound**\n",
            r.posts_delivered + r.posts_attempted_dead,
            r.followers,
            r.inboxes,
            r.dead_inboxes,
            r.seconds,
            r.enqueue_seconds,
            r.deliveries_per_second,
            r.deliveries_per_second / bound
        ));
    }
    for (label, r) in [("all alive", &healthy), ("with dead", &with_dead)] {
        if let Some(cpu) = r.cpu_seconds {
            report.push_str(&format!(
                "- CPU use ({label}): Pinhole {cpu:.2} s, the sink {:.2} s, of {:.2} s available on {threads} cores\n",
                r.sink_cpu_seconds.unwrap_or(0.0),
                r.seconds * threads as f64,
            ));
        }
    }
    let cost = (with_dead.seconds / healthy.seconds - 1.0) * 100.0;
    report.push_str(&format!(
        "- Cost of {:.0}% dead inboxes: {cost:+.1}% wall time\n",
        params.dead_percent
    ));
    if let Some(path) = params.output {
        write_named_section(
            &path,
            "fanout",
            "Delivery fan-out (`pinhole bench fanout`)",
            &report,
        )
        .map_err(err)?;
    }
    Ok(report)
}

/// Pinhole serving a benchmark's scratch data on a free loopback port (public URL
/// `http://localhost:PORT`), until [`Served::stop`].
struct Served {
    state: crate::state::AppState,
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), AppError>>,
}

/// Benchmarks measure the server, not its rate limits.
fn unlimited(config: &mut Config) {
    config.limits = crate::config::LimitsConfig {
        sign_ups: 0,
        api: 0,
        media_uploads: 0,
        deletions: 0,
        inbox_per_domain: 0,
    };
}

impl Served {
    async fn start(
        dir: &std::path::Path,
        database_url: &str,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Self, BenchError> {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
        let addr = listener.local_addr().map_err(err)?;
        let mut config = Config::defaults().map_err(err)?;
        config.public_url =
            url::Url::parse(&format!("http://localhost:{}", addr.port())).map_err(err)?;
        config.listen = addr;
        config.data_dir = dir.to_path_buf();
        config.database_url = database_url.to_string();
        config.server.shutdown_grace_seconds = 5;
        unlimited(&mut config);
        adjust(&mut config);
        let app = App::with_listener(config, listener)
            .await
            .map_err(|e: AppError| e.to_string())?;
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        Ok(Served {
            state,
            addr,
            stop,
            task,
        })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A scratch PostgreSQL database beside the one `url` names (its user must be allowed to
/// create databases): returns its URL and its name, for [`drop_scratch_database`].
/// Where a benchmark's own instance keeps its data: a fresh temporary directory, and SQLite
/// in it or a scratch PostgreSQL database made beside `url`. [`Scratch::remove`] drops both.
struct Scratch {
    dir: std::path::PathBuf,
    /// Empty for SQLite in `dir` (the default), else the scratch database's URL.
    database_url: String,
    /// The URL the scratch database was made through, and its name.
    made: Option<(String, String)>,
}

impl Scratch {
    async fn new(name: &str, postgres: Option<&str>) -> Result<Self, BenchError> {
        let dir = std::env::temp_dir().join(format!("pinhole-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(err)?;
        let (database_url, made) = match postgres {
            None => (String::new(), None),
            Some(url) => {
                let (scratch_url, db_name) =
                    create_scratch_database(url, &format!("pinhole_bench_{name}")).await?;
                (scratch_url, Some((url.to_string(), db_name)))
            }
        };
        Ok(Scratch {
            dir,
            database_url,
            made,
        })
    }

    fn backend(&self) -> &'static str {
        if self.made.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    async fn remove(self) -> Result<(), BenchError> {
        if let Some((admin, name)) = &self.made {
            drop_scratch_database(admin, name).await?;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

async fn create_scratch_database(url: &str, prefix: &str) -> Result<(String, String), BenchError> {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let admin = Database::connect(url)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", db::redact_url(url)))?;
    if admin.get_database_backend() != DbBackend::Postgres {
        return Err("this benchmark needs a postgres:// URL".into());
    }
    let name = format!("{prefix}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .map_err(err)?;
    }
    let mut parsed = url::Url::parse(url).map_err(err)?;
    parsed.set_path(&format!("/{name}"));
    Ok((parsed.to_string(), name))
}

/// Drops a database made by [`create_scratch_database`] (connected through `url`).
async fn drop_scratch_database(url: &str, name: &str) -> Result<(), BenchError> {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let admin = Database::connect(url).await.map_err(err)?;
    admin
        .execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        ))
        .await
        .map_err(err)?;
    Ok(())
}

/// Replaces the section named `name` of the performance page (or appends one).
fn write_named_section(
    path: &std::path::Path,
    name: &str,
    title: &str,
    report: &str,
) -> std::io::Result<()> {
    let begin = format!("<!-- bench:{name}:begin -->");
    let end = format!("<!-- bench:{name}:end -->");
    let existing = std::fs::read_to_string(path).unwrap_or_else(|_| "# Performance\n".into());
    let stamp = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let section = format!("{begin}\n## {title}, {stamp}\n\n{report}{end}");
    let updated = match (existing.find(&begin), existing.find(&end)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{section}{}", &existing[..b], &existing[e + end.len()..])
        }
        _ => format!("{}\n\n{section}\n", existing.trim_end()),
    };
    std::fs::write(path, updated)
}

/// Peak resident memory of this process so far, KiB (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    peak_rss_kib_of("self")
}

/// Peak resident memory of process `pid` ("self" or a number) so far, KiB.
fn peak_rss_kib_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// CPU seconds used by the calling thread (Linux `/proc/thread-self/stat`).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
