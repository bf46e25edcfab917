//! `pinhole bench catchup`: the delivery queue draining after an outage. A backlog of
//! deliveries (by default 100,000: a Create, an Update and a Delete of each of a third as
//! many posts, spread over 100 servers) is due at once; the servers answer after a
//! simulated round trip (150 ms by default) in a sink process of their own. Reports
//! deliveries/s beside the bound min(concurrency ÷ RTT, signing bound) and how many
//! activities reached a server before an earlier one about the same post.

use std::{path::PathBuf, time::Duration, time::Instant};

use super::{BenchError, err, process::Sink, signing_bound, write_named_section};
use crate::db;

/// `pinhole bench catchup`.
#[derive(Debug, Clone, clap::Args)]
pub struct CatchupParams {
    #[arg(long, default_value_t = 100_000)]
    pub deliveries: usize,
    #[arg(long, default_value_t = 100)]
    pub servers: usize,
    #[arg(long, default_value_t = 150)]
    pub rtt_ms: u64,
    /// `federation.delivery_concurrency` of the sending instance.
    #[arg(long, default_value_t = 128)]
    pub concurrency: usize,
    /// Markdown file whose catch-up section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Runs the benchmark on a fresh SQLite instance in a temporary directory.
pub async fn run_catchup(params: CatchupParams) -> Result<String, BenchError> {
    let p = &params;
    if p.deliveries < 3 || p.servers < 1 || p.rtt_ms < 1 || p.concurrency < 1 {
        return Err("need deliveries ≥ 3, servers ≥ 1, rtt-ms ≥ 1 and concurrency ≥ 1".into());
    }
    let (bound, threads) = tokio::task::spawn_blocking(|| signing_bound(3.0))
        .await
        .map_err(err)??;
    let dir = std::env::temp_dir().join(format!("pinhole-bench-catchup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(err)?;
    let result = measure(&params, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let (seconds, received, out_of_order) = result?;
    let rate = received as f64 / seconds;
    let rtt = params.rtt_ms as f64 / 1000.0;
    let network_bound = params.concurrency as f64 / rtt;
    let lower = network_bound.min(bound);
    let mut report = format!(
        "{} queued deliveries (Create, Update and Delete of {} posts) to {} servers that answer \
         after {} ms, sent by an instance with `delivery_concurrency = {}` (SQLite; the sink is a \
         process of its own on the same {threads} cores).\n\n",
        params.deliveries,
        params.deliveries / 3,
        params.servers,
        params.rtt_ms,
        params.concurrency
    );
    report.push_str(&format!(
        "- Bounds: concurrency ÷ round trip = {network_bound:.0}/s; signing = {bound:.0}/s\n"
    ));
    report.push_str(&format!(
        "- Drained in {seconds:.1} s: **{rate:.0} deliveries/s = {:.2}× the lower bound** (goal ≥ 0.8×: {})\n",
        rate / lower,
        if rate >= 0.8 * lower { "met" } else { "NOT met" }
    ));
    report.push_str(&format!(
        "- Activities that reached a server before an earlier one about the same post: **{out_of_order}**\n"
    ));
    if let Some(path) = &params.output {
        write_named_section(
            path,
            "catchup",
            "Catch-up after an outage (`pinhole bench catchup`)",
            &report,
        )
        .map_err(err)?;
    }
    Ok(report)
}

async fn measure(
    params: &CatchupParams,
    dir: &std::path::Path,
) -> Result<(f64, u64, u64), BenchError> {
    let sink = Sink::start(dir, Duration::from_millis(params.rtt_ms)).await?;
    let (app, author) = super::sending_instance(dir, |c| {
        c.federation.delivery_concurrency = params.concurrency;
    })
    .await?;
    let state = app.state().clone();
    let base = state.config.base_url().to_string();
    // The backlog, in the order the outage queued it: each post's Create, Update and
    // Delete, posts spread over the servers.
    let posts = params.deliveries / 3;
    let mut backlog = Vec::with_capacity(posts * 3);
    for kind in ["Create", "Update", "Delete"] {
        for k in 0..posts {
            let server = k % params.servers;
            let inbox = format!("http://s{server}.localhost:{}/inbox", sink.port);
            let body = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{base}/activities/{kind}/{k}"),
                "type": kind,
                "actor": format!("{base}/users/bench"),
                "object": { "id": format!("{base}/notes/{k}"), "type": "Note" },
            })
            .to_string();
            backlog.push(db::deliveries::NewDelivery {
                domain: crate::federation::activities::domain_of(&inbox).ok_or("bad inbox URL")?,
                inbox_url: inbox,
                signer_account_id: Some(author.id),
                body,
                ordering_key: Some(format!("post {k}")),
            });
        }
    }
    let total = backlog.len() as u64;
    db::deliveries::enqueue(&state.db, backlog, chrono::Utc::now())
        .await
        .map_err(err)?;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    state.federation.wake.notify_one();
    let deadline = started + Duration::from_secs(3600);
    let (received, out_of_order) = loop {
        let (received, out_of_order) = sink.counts().await?;
        if received >= total {
            break (received, out_of_order);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out: {received}/{total} delivered"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = server.await;
    Ok((seconds, received, out_of_order))
}
