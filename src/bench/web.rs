//! `pinhole bench web`: the profile page and a post page at a million posts on PostgreSQL,
//! served over loopback HTTP by an instance in this process. A local photographer owns 1 %
//! of the posts (a third with photos); the rest belong to remote authors. Reports p50/p99
//! request times and the weight of a profile page without images (HTML, stylesheet,
//! script), and writes them to `docs/performance.md`.

use std::{path::PathBuf, time::Instant};

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use super::{BenchError, Scratch, err, timeline::percentile, write_named_section};
use crate::domain::{self, accounts::NewUser};

/// `pinhole bench web`.
#[derive(Debug, Clone, clap::Args)]
pub struct WebParams {
    /// A PostgreSQL URL whose user may create databases; a scratch database is made
    /// beside it and dropped afterwards.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: i64,
    #[arg(long, default_value_t = 10_000)]
    pub authors: i64,
    /// Requests per page (after 20 unmeasured ones).
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Markdown file whose web section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Runs the benchmark; returns the report.
pub async fn run_web(params: WebParams) -> Result<String, BenchError> {
    if params.posts < 1000 || params.authors < 100 || params.requests < 10 {
        return Err("need posts ≥ 1000, authors ≥ 100 and requests ≥ 10".into());
    }
    let scratch = Scratch::new("web", Some(&params.database_url)).await?;
    let result = measure(&params, &scratch).await;
    scratch.remove().await?;
    let report = result?;
    if let Some(path) = &params.output {
        write_named_section(
            path,
            "web",
            "Web pages at a million posts (`pinhole bench web`)",
            &report,
        )
        .map_err(err)?;
    }
    Ok(report)
}

async fn exec(db: &sea_orm::DatabaseConnection, sql: String) -> Result<(), BenchError> {
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(err)?;
    Ok(())
}

/// Times `requests` GETs of `url` (after a warm-up); milliseconds, sorted, and the last body.
async fn time_page(
    client: &reqwest::Client,
    url: &str,
    requests: usize,
) -> Result<(Vec<f64>, String), BenchError> {
    let mut body = String::new();
    for _ in 0..20 {
        body = fetch(client, url).await?;
    }
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        body = fetch(client, url).await?;
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    Ok((samples, body))
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, BenchError> {
    let res = client
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .map_err(err)?;
    if !res.status().is_success() {
        return Err(format!("{url} answered {}", res.status()));
    }
    res.text().await.map_err(err)
}

/// The first `attribute="…"` value after `marker` in `html`.
fn link_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)? + marker.len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn measure(params: &WebParams, scratch: &Scratch) -> Result<String, BenchError> {
    let db = Database::connect(&scratch.database_url)
        .await
        .map_err(err)?;
    let started = Instant::now();
    super::timeline::seed_reader(&db, params.posts, params.authors, 100).await?;
    let photographer = domain::accounts::create_local(
        &db,
        NewUser {
            username: "photographer".into(),
            password: None,
            role: Default::default(),
            locked: false,
        },
    )
    .await
    .map_err(err)?;
    // The photographer takes over the posts of 1 % of the authors.
    let owners = format!(
        "SELECT id FROM accounts WHERE domain IS NOT NULL ORDER BY id LIMIT {}",
        params.authors / 100
    );
    exec(
        &db,
        format!(
            "UPDATE media_attachments SET account_id = {} WHERE account_id IN ({owners})",
            photographer.id
        ),
    )
    .await?;
    exec(
        &db,
        format!(
            "UPDATE posts SET account_id = {}, local = true WHERE account_id IN ({owners})",
            photographer.id
        ),
    )
    .await?;
    exec(&db, "ANALYZE".into()).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    let counts = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT count(*) AS n, count(*) FILTER (WHERE has_media) AS m, \
                 max(id) FILTER (WHERE has_media AND visibility = 'public') AS last \
                 FROM posts WHERE account_id = {}",
                photographer.id
            ),
        ))
        .await
        .map_err(err)?
        .ok_or("no counts")?;
    let owned: i64 = counts.try_get("", "n").map_err(err)?;
    let with_media: i64 = counts.try_get("", "m").map_err(err)?;
    let post_id: i64 = counts.try_get("", "last").map_err(err)?;
    drop(db);

    let served = super::Served::start(&scratch.dir, &scratch.database_url, |_| {}).await?;
    let (addr, base) = (served.addr, served.state.config.base_url().to_string());
    let client = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .map_err(err)?;

    let profile_url = format!("{base}/@photographer");
    let post_url = format!("{base}/@photographer/{post_id}");
    let measured = async {
        let (profile, html) = time_page(&client, &profile_url, params.requests).await?;
        let (post, _) = time_page(&client, &post_url, params.requests).await?;
        let (notes, _) = time_page(
            &client,
            &format!("{profile_url}?tab=notes"),
            params.requests,
        )
        .await?;
        let css = link_after(&html, "rel=\"stylesheet\" href=\"").ok_or("no stylesheet")?;
        let js = link_after(&html, "<script src=\"").ok_or("no script")?;
        let css_bytes = fetch(&client, &css).await?.len();
        let js_bytes = fetch(&client, &js).await?.len();
        let tiles = html.matches("class=\"tile").count();
        Ok::<_, BenchError>((profile, post, notes, html.len(), css_bytes, js_bytes, tiles))
    }
    .await;
    served.stop().await;
    let (profile, post, notes, html_bytes, css_bytes, js_bytes, tiles) = measured?;
    let weight = html_bytes + css_bytes + js_bytes;
    let row = |name: &str, s: &[f64]| {
        format!(
            "| {name} | {:.2} | {:.2} | {:.2} |\n",
            percentile(s, 50.0),
            percentile(s, 99.0),
            percentile(s, 100.0)
        )
    };
    let mut report = format!(
        "PostgreSQL, {} posts by {} authors; the local `photographer` owns {owned} of them \
         ({with_media} with a photo). Seeding took {seed_seconds:.0} s. Each page was requested \
         {} times in a row over loopback HTTP from this process (after 20 unmeasured), so the \
         times are the server's work plus a loopback round trip.\n\n\
         | page | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n",
        params.posts, params.authors, params.requests
    );
    report.push_str(&row(
        "profile `/@photographer` (photo grid, 30 tiles)",
        &profile,
    ));
    report.push_str(&row("profile notes tab", &notes));
    report.push_str(&row("post page `/@photographer/ID`", &post));
    report.push_str(&format!(
        "\nWeight of the profile page without images: HTML {html_bytes} B ({tiles} tiles, \
         blurhash placeholders inline) + CSS {css_bytes} B + JS {js_bytes} B = **{:.1} KB** \
         (uncompressed; the stylesheet and script are cached for a year under hashed names).\n\n\
         Target (issue 14): p99 ≤ 10 ms for both pages, ≤ 60 KB: {}.\n",
        weight as f64 / 1024.0,
        if percentile(&profile, 99.0) <= 10.0
            && percentile(&post, 99.0) <= 10.0
            && weight <= 60 * 1024
        {
            "met"
        } else {
            "**not met**"
        }
    ));
    Ok(report)
}
