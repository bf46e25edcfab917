//! `pinhole bench inbox`: signed `Create`s from many remote actors (keys already known)
//! POSTed over loopback HTTP to the shared inbox of a real instance, on SQLite or a scratch
//! PostgreSQL database. Reports accepted/s beside the two bounds measured in the same run —
//! signature verifications/s on all cores, and stores/s of the same rows without HTTP —
//! and the p50/p99 latency at half the rate it reached; writes them to
//! `docs/performance.md`. The load generator runs in the same process on the same cores,
//! so the figures are conservative.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use super::{BenchError, err, peak_rss_kib, timeline::percentile, write_named_section};
use crate::{
    db::{self, accounts::RemoteActor},
    domain::{
        self,
        accounts::NewUser,
        posts::{ReceivedText, RemotePost, Visibility},
    },
    federation::signatures::{SigningKey, VerifyingKey, begin_verify, sign_request_at},
    state::AppState,
};

/// `pinhole bench inbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct InboxParams {
    /// A postgres:// URL whose user may create databases (a scratch database is made
    /// beside it and dropped afterwards); a SQLite file in a temporary directory when absent.
    #[arg(long)]
    pub database_url: Option<String>,
    #[arg(long, default_value_t = 1_000)]
    pub actors: usize,
    /// Deliveries sent as fast as they are taken (the maximum rate).
    #[arg(long, default_value_t = 4_000)]
    pub requests: usize,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds of paced sending at half the maximum rate (latency).
    #[arg(long, default_value_t = 10.0)]
    pub paced_seconds: f64,
    /// Markdown file whose inbox (per database) section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Key pairs shared by the actors (verification costs the same whichever key).
const KEYS: usize = 8;

/// One prepared delivery: the body and its signed headers.
pub(super) struct Delivery {
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

/// The key pairs the remote actors sign with (`KEYS` of them, shared round-robin).
pub(super) fn key_pairs() -> Result<
    (
        Vec<activitypub_federation::http_signatures::Keypair>,
        Vec<Arc<SigningKey>>,
    ),
    BenchError,
> {
    let pairs: Vec<_> = (0..KEYS)
        .map(|_| activitypub_federation::http_signatures::generate_actor_keypair().map_err(err))
        .collect::<Result<_, _>>()?;
    let keys = pairs
        .iter()
        .map(|p| {
            SigningKey::from_pkcs8_pem(&p.private_key)
                .map(Arc::new)
                .map_err(err)
        })
        .collect::<Result<_, _>>()?;
    Ok((pairs, keys))
}

/// Verifications per second on all cores, through the same parsing and checks the inbox
/// uses.
fn verification_bound(
    key: &SigningKey,
    public_pem: &str,
    seconds: f64,
) -> Result<(f64, usize), BenchError> {
    let url = url::Url::parse("http://localhost:1/inbox").map_err(err)?;
    let body = br#"{"type":"Create"}"#;
    let signed = sign_request_at(
        "POST",
        &url,
        Some("application/activity+json"),
        Some(body),
        "http://peer.localhost/users/a#main-key",
        key,
        SystemTime::now(),
    )
    .map_err(err)?;
    let headers = vec![
        ("host".to_string(), "localhost:1".to_string()),
        ("date".to_string(), signed.date.clone()),
        (
            "digest".to_string(),
            signed.digest.clone().unwrap_or_default(),
        ),
        (
            "content-type".to_string(),
            "application/activity+json".into(),
        ),
        ("signature".to_string(), signed.signature.clone()),
    ];
    let verifying = VerifyingKey::from_pem(public_pem).map_err(err)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (headers, verifying) = (headers.clone(), verifying.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let ok = begin_verify("POST", "/inbox", &headers, &["host", "date", "digest"])
                        .and_then(|p| p.verify(&verifying))
                        .is_ok();
                    if ok {
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

/// A `Create{Note}` by `actor`; its content is padded with paragraphs of prose to about
/// `pad` bytes when `pad` is not 0 (a large post, or a hostile sender's large body).
fn create_json(actor: &str, n: usize, pad: usize) -> serde_json::Value {
    let id = format!("{actor}/statuses/{n}");
    let mut content = format!(
        "<p>Delivery {n}: a short note with a <a href=\"https://example.com/\">link</a> and #bench</p>"
    );
    const PROSE: &str = "<p>A long caption about the light on the water that evening, the boats, and who was there.</p>";
    while content.len() + PROSE.len() <= pad {
        content.push_str(PROSE);
    }
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": actor,
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers")],
            "published": "2026-11-01T12:00:00Z",
            "tag": [{ "type": "Hashtag", "name": "#bench", "href": "https://example.com/tags/bench" }],
        },
    })
}

/// The scenario's measurements.
struct Measured {
    accepted_per_second: f64,
    max_phase: (usize, f64, Vec<(u16, usize)>),
    stores_per_second: f64,
    paced_rate: f64,
    /// How long deliveries were sent at that rate (less than asked when they ran out).
    paced_seconds: f64,
    paced: Vec<f64>,
    paced_refused: usize,
    peak_rss_kib: Option<u64>,
}

/// Runs the benchmark on one database; returns the report.
pub async fn run_inbox(params: InboxParams) -> Result<String, BenchError> {
    let p = &params;
    if p.actors == 0
        || p.requests == 0
        || p.concurrency == 0
        || !(p.paced_seconds > 0.0 && p.paced_seconds <= 120.0)
    {
        return Err("need actors, requests and concurrency above 0, and paced-seconds above 0 and at most 120".into());
    }
    let (pairs, keys) = key_pairs()?;
    let (verify_bound, threads) = {
        let key = keys[0].clone();
        let public = pairs[0].public_key.clone();
        tokio::task::spawn_blocking(move || verification_bound(&key, &public, 3.0))
            .await
            .map_err(err)??
    };
    let scratch = super::Scratch::new("inbox", params.database_url.as_deref()).await?;
    let backend = scratch.backend();
    let result = measure(&params, &scratch.dir, &scratch.database_url, &pairs, &keys).await;
    scratch.remove().await?;
    let m = result?;
    let lower_bound = verify_bound.min(m.stores_per_second);
    let mut report = format!(
        "{backend}, {} remote actors with known keys, signed `Create{{Note}}` to the shared inbox over loopback HTTP, {} in flight, {threads} cores shared with the load generator.\n\n",
        params.actors, params.concurrency
    );
    report.push_str(&format!(
        "- Signature verification bound (cavage parse + RSA-2048 verify, {threads} threads): **{verify_bound:.0}/s**\n"
    ));
    report.push_str(&format!(
        "- Storing the same rows without HTTP or signatures (activity, post, tag, inbox item; one write transaction each, {} at a time): **{:.0}/s**\n",
        params.concurrency, m.stores_per_second
    ));
    let (sent, seconds, statuses) = &m.max_phase;
    report.push_str(&format!(
        "- Over HTTP, as fast as taken: {sent} deliveries in {seconds:.2} s, answers {statuses:?} → **{:.0} accepted/s = {:.2}× the lower bound**\n",
        m.accepted_per_second,
        m.accepted_per_second / lower_bound
    ));
    let mut paced = m.paced.clone();
    paced.sort_by(f64::total_cmp);
    report.push_str(&format!(
        "- Paced at half that ({:.0}/s for {:.1} s, {} deliveries, {} not 202): latency **p50 {:.1} ms, p99 {:.1} ms**\n",
        m.paced_rate,
        m.paced_seconds,
        paced.len(),
        m.paced_refused,
        percentile(&paced, 50.0),
        percentile(&paced, 99.0)
    ));
    if let Some(kib) = m.peak_rss_kib {
        report.push_str(&format!(
            "- Peak RSS of the whole process (server, database driver and load generator): {:.0} MB\n",
            kib as f64 / 1024.0
        ));
    }
    if let Some(path) = &params.output {
        let (name, title) = if backend == "SQLite" {
            (
                "inbox-sqlite",
                "Inbox throughput, SQLite (`pinhole bench inbox`)",
            )
        } else {
            (
                "inbox-postgres",
                "Inbox throughput, PostgreSQL (`pinhole bench inbox --database-url …`)",
            )
        };
        write_named_section(path, name, title, &report).map_err(err)?;
    }
    Ok(report)
}

async fn measure(
    params: &InboxParams,
    dir: &std::path::Path,
    database_url: &str,
    pairs: &[activitypub_federation::http_signatures::Keypair],
    keys: &[Arc<SigningKey>],
) -> Result<Measured, BenchError> {
    let served =
        super::Served::start(dir, database_url, |c| c.database.max_connections = 16).await?;
    let (state, addr) = (served.state.clone(), served.addr);

    // Setup (not timed): alice follows every remote actor, whose keys are stored.
    let actors =
        seed_followed_actors(&state.db, state.config.base_url(), params.actors, pairs).await?;

    // Every delivery signed before anything is timed.
    // Enough for pacing at up to 1,000/s (the deadline stops it; the report says how long
    // it really ran).
    let paced_total = params
        .requests
        .max((params.paced_seconds.min(120.0) * 1000.0).ceil() as usize);
    let inbox = format!("{}/inbox", state.config.base_url());
    let deliveries =
        sign_deliveries(&actors, keys, &inbox, 0..params.requests + paced_total, 0).await?;
    let mut deliveries = deliveries.into_iter();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(params.concurrency)
        .resolve("localhost", addr)
        .build()
        .map_err(err)?;

    // 1. As fast as taken.
    let batch: Vec<Delivery> = deliveries.by_ref().take(params.requests).collect();
    let started = Instant::now();
    let statuses = send_all(&client, &inbox, batch, params.concurrency).await;
    let seconds = started.elapsed().as_secs_f64();
    let accepted = statuses.iter().filter(|s| **s == 202).count();
    let mut counted: Vec<(u16, usize)> = Vec::new();
    for s in &statuses {
        match counted.iter_mut().find(|(k, _)| k == s) {
            Some(entry) => entry.1 += 1,
            None => counted.push((*s, 1)),
        }
    }
    let accepted_per_second = accepted as f64 / seconds;

    // 2. Half that rate, paced, one request every 1/rate seconds.
    let paced_rate = (accepted_per_second / 2.0).max(1.0);
    let interval = Duration::from_secs_f64(1.0 / paced_rate);
    let paced_started = Instant::now();
    let deadline = paced_started + Duration::from_secs_f64(params.paced_seconds);
    let mut running = tokio::task::JoinSet::new();
    let mut next_at = tokio::time::Instant::now();
    while Instant::now() < deadline {
        let Some(delivery) = deliveries.next() else {
            break;
        };
        tokio::time::sleep_until(next_at).await;
        next_at += interval;
        let (client, inbox) = (client.clone(), inbox.clone());
        running.spawn(async move {
            let started = Instant::now();
            let status = post(&client, &inbox, delivery).await;
            (status, started.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let paced_seconds = paced_started.elapsed().as_secs_f64();
    let (mut paced, mut paced_refused) = (Vec::new(), 0);
    while let Some(done) = running.join_next().await {
        let (status, ms) = done.map_err(err)?;
        if status != 202 {
            paced_refused += 1;
        }
        paced.push(ms);
    }

    // 3. The same rows without HTTP or signatures: parse nothing, store each delivery in
    //    its own write transaction with the inbox's own code, `concurrency` at a time.
    let stores = params.requests.min(2_000);
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    let authors: Vec<_> = actors.iter().map(|(uri, _)| uri.clone()).collect();
    let mut n = 0;
    while n < stores || !running.is_empty() {
        while n < stores && running.len() < params.concurrency {
            let state = state.clone();
            let author_uri = authors[n % authors.len()].clone();
            let i = n;
            running.spawn(async move { store_one(&state, &author_uri, i).await });
            n += 1;
        }
        if let Some(done) = running.join_next().await {
            done.map_err(err)??;
        }
    }
    let stores_per_second = stores as f64 / started.elapsed().as_secs_f64();

    served.stop().await;
    Ok(Measured {
        accepted_per_second,
        max_phase: (statuses.len(), seconds, counted),
        stores_per_second,
        paced_rate,
        paced_seconds,
        paced,
        paced_refused,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// The storage bound's unit of work: the rows the inbox writes for one delivery (the
/// activity, the post, its tag, the follower's inbox item), stored by the inbox's own code
/// without HTTP, signature or parsing.
async fn store_one(state: &AppState, author_uri: &str, n: usize) -> Result<(), BenchError> {
    let author = db::accounts::find_by_uri(&state.db, author_uri)
        .await
        .map_err(err)?
        .ok_or("bench author missing")?;
    let uri = format!("{author_uri}/direct/{n}");
    let activity_id = format!("{uri}/activity");
    let mut activity = create_json(author_uri, n, 0);
    activity["id"] = serde_json::Value::String(activity_id.clone());
    activity["object"]["id"] = serde_json::Value::String(uri.clone());
    let remote = RemotePost {
        uri,
        url: None,
        text: ReceivedText::new(&format!("<p>Stored directly {n} with #bench</p>"), None),
        sensitive: false,
        visibility: Visibility::Public,
        language: None,
        in_reply_to_uri: None,
        published: chrono::Utc::now(),
        updated: None,
        media: vec![],
        mentions: vec![],
        silent: vec![],
        addressed: vec![],
        hashtags: vec!["bench".into()],
    };
    crate::federation::inbox::store_create(
        &state.federation,
        &author,
        &activity_id,
        &activity,
        remote,
    )
    .await
    .map_err(err)?;
    Ok(())
}

pub(super) async fn post(client: &reqwest::Client, inbox: &str, delivery: Delivery) -> u16 {
    post_answer(client, inbox, delivery).await.0
}

/// POSTs one delivery: the status (0 when no answer came) and whether it carried
/// `Retry-After`.
pub(super) async fn post_answer(
    client: &reqwest::Client,
    inbox: &str,
    delivery: Delivery,
) -> (u16, bool) {
    let mut request = client.post(inbox).body(delivery.body);
    for (k, v) in &delivery.headers {
        request = request.header(k.as_str(), v.as_str());
    }
    match request.send().await {
        Ok(res) => (
            res.status().as_u16(),
            res.headers().contains_key(reqwest::header::RETRY_AFTER),
        ),
        Err(_) => (0, false),
    }
}

pub(super) async fn send_all(
    client: &reqwest::Client,
    inbox: &str,
    batch: Vec<Delivery>,
    concurrency: usize,
) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < concurrency {
            let Some(delivery) = pending.next() else {
                break;
            };
            let (client, inbox) = (client.clone(), inbox.to_string());
            running.spawn(async move { post(&client, &inbox, delivery).await });
        }
        match running.join_next().await {
            Some(Ok(status)) => statuses.push(status),
            Some(Err(_)) => statuses.push(0),
            None => break,
        }
    }
    statuses
}

/// Creates the local user `alice` and `count` remote actors (keys stored, as if fetched
/// before) that she follows; returns each actor's URI and the index of its key pair.
pub(super) async fn seed_followed_actors(
    db: &sea_orm::DatabaseConnection,
    base_url: &str,
    count: usize,
    pairs: &[activitypub_federation::http_signatures::Keypair],
) -> Result<Vec<(String, usize)>, BenchError> {
    let alice = domain::accounts::create_local(
        db,
        NewUser {
            username: "alice".into(),
            password: None,
            role: Default::default(),
            locked: false,
        },
    )
    .await
    .map_err(err)?;
    let now = chrono::Utc::now();
    let mut actors = Vec::with_capacity(count);
    for i in 0..count {
        let host = format!("s{}.localhost:9", i % 50);
        let uri = format!("http://{host}/users/a{i}");
        let stored = db::accounts::upsert_remote(
            db,
            RemoteActor {
                key_id: format!("{uri}#main-key"),
                inbox_url: format!("{uri}/inbox"),
                shared_inbox_url: Some(format!("http://{host}/inbox")),
                outbox_url: None,
                followers_url: Some(format!("{uri}/followers")),
                following_url: None,
                profile_url: None,
                avatar_url: None,
                header_url: None,
                username: format!("a{i}"),
                domain: host,
                display_name: String::new(),
                summary: String::new(),
                fields: vec![],
                public_key_pem: pairs[i % KEYS].public_key.clone(),
                actor_type: "Person".into(),
                manually_approves_followers: false,
                discoverable: false,
                indexable: false,
                uri: uri.clone(),
                now,
            },
        )
        .await
        .map_err(err)?;
        db::follows::insert(
            db,
            alice.id,
            stored.id,
            format!("{base_url}/follows/{i}"),
            true,
            now,
        )
        .await
        .map_err(err)?;
        actors.push((uri, i % KEYS));
    }
    Ok(actors)
}

/// Signs a `Create{Note}` to `inbox` for every number in `range`, from the actors in
/// turn, on the blocking pool (all before anything is timed).
pub(super) async fn sign_deliveries(
    actors: &[(String, usize)],
    keys: &[Arc<SigningKey>],
    inbox: &str,
    range: std::ops::Range<usize>,
    pad: usize,
) -> Result<Vec<Delivery>, BenchError> {
    let target = url::Url::parse(inbox).map_err(err)?;
    let jobs: Vec<(String, usize, usize)> = range
        .map(|n| {
            let (uri, key) = &actors[n % actors.len()];
            (uri.clone(), *key, n)
        })
        .collect();
    let keys = keys.to_vec();
    tokio::task::spawn_blocking(move || {
        jobs.into_iter()
            .filter_map(|(uri, key, n)| {
                let body = serde_json::to_vec(&create_json(&uri, n, pad)).ok()?;
                let signed = sign_request_at(
                    "POST",
                    &target,
                    Some("application/activity+json"),
                    Some(&body),
                    &format!("{uri}#main-key"),
                    &keys[key],
                    SystemTime::now(),
                )
                .ok()?;
                let headers = vec![
                    (
                        "content-type".to_string(),
                        "application/activity+json".to_string(),
                    ),
                    ("date".to_string(), signed.date),
                    ("digest".to_string(), signed.digest.unwrap_or_default()),
                    ("signature".to_string(), signed.signature),
                ];
                Some(Delivery { body, headers })
            })
            .collect()
    })
    .await
    .map_err(err)
}
