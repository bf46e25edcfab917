//! `pinhole bench timeline`: a home timeline at a million posts on PostgreSQL. One reader
//! follows 500 of 10,000 authors; 40-post pages are read at the top and deep down (cursor
//! chains), each through raw SQL, through Pinhole's storage query, and through the domain
//! function apps use (which also loads media, mentions, tags and authors). Reports p50/p99
//! of each and writes them to `docs/performance.md`.

use std::{path::PathBuf, time::Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use super::{BenchError, err, write_named_section};
use crate::{
    db::{self, posts::Page, seed},
    domain::{self, accounts::NewUser},
};

/// `pinhole bench timeline`.
#[derive(Debug, Clone, clap::Args)]
pub struct TimelineParams {
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
    /// Page reads per method.
    #[arg(long, default_value_t = 300)]
    pub pages: usize,
    /// Markdown file whose timeline section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// The `p`th percentile of sorted samples (nearest rank).
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn home_sql(me: i64, max_id: Option<i64>) -> String {
    let cursor = max_id.map_or(String::new(), |m| format!("AND id < {m} "));
    format!(
        "SELECT * FROM posts WHERE (account_id = {me} \
         OR (account_id IN (SELECT target_id FROM follows WHERE follower_id = {me} AND accepted) \
             AND visibility <> 'direct') \
         OR id IN (SELECT post_id FROM mentions WHERE account_id = {me})) \
         {cursor}ORDER BY id DESC LIMIT 40"
    )
}

struct Samples {
    raw: Vec<f64>,
    storage: Vec<f64>,
    domain: Vec<f64>,
}

/// Runs the benchmark; returns the report.
pub async fn run_timeline(params: TimelineParams) -> Result<String, BenchError> {
    let p = &params;
    if p.posts < 1 || p.authors < p.follows || p.follows < 1 || p.pages < 2 {
        return Err("need posts ≥ 1, authors ≥ follows ≥ 1 and pages ≥ 2".into());
    }
    let (url, name) = super::create_scratch_database(&params.database_url, "pinhole_bench").await?;
    let result = measure(&params, &url).await;
    super::drop_scratch_database(&params.database_url, &name).await?;
    let report = result?;
    if let Some(path) = &params.output {
        write_named_section(
            path,
            "timeline",
            "Home timeline at a million posts (`pinhole bench timeline`)",
            &report,
        )
        .map_err(err)?;
    }
    Ok(report)
}

/// Migrates an empty database, creates the local `reader` and seeds the timeline data
/// around it; returns the reader and the seconds seeding took.
pub(super) async fn seed_reader(
    db: &DatabaseConnection,
    posts: i64,
    authors: i64,
    follows: i64,
) -> Result<(crate::db::entities::accounts::Model, f64), BenchError> {
    db::migrate(db).await.map_err(err)?;
    let reader = domain::accounts::create_local(
        db,
        NewUser {
            username: "reader".into(),
            password: None,
            role: Default::default(),
            locked: false,
        },
    )
    .await
    .map_err(err)?;
    let started = Instant::now();
    seed::timeline(
        db,
        seed::TimelineSeed {
            authors,
            posts,
            follows,
            reader_id: reader.id,
        },
    )
    .await
    .map_err(err)?;
    Ok((reader, started.elapsed().as_secs_f64()))
}

async fn measure(params: &TimelineParams, url: &str) -> Result<String, BenchError> {
    let db: DatabaseConnection = Database::connect(url).await.map_err(err)?;
    let (reader, seed_seconds) =
        seed_reader(&db, params.posts, params.authors, params.follows).await?;

    // Cursors: the top page and pages further down, found by following max_id chains.
    let mut cursors: Vec<Option<i64>> = vec![None];
    let mut max_id = None;
    while cursors.len() < params.pages {
        let page = domain::timelines::home(
            &db,
            &reader,
            Page {
                max_id,
                limit: 40,
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        let Some(last) = page.last() else {
            max_id = None;
            continue;
        };
        max_id = Some(last.post.id);
        cursors.push(max_id);
    }
    // Warm the caches the same way for every method.
    for c in cursors.iter().take(20) {
        seed::raw_ids(&db, &home_sql(reader.id, *c))
            .await
            .map_err(err)?;
    }
    let mut s = Samples {
        raw: vec![],
        storage: vec![],
        domain: vec![],
    };
    let mut rows_seen = 0usize;
    for c in &cursors {
        let page = Page {
            max_id: *c,
            limit: 40,
            ..Default::default()
        };
        let t = Instant::now();
        let raw = seed::raw_ids(&db, &home_sql(reader.id, *c))
            .await
            .map_err(err)?;
        s.raw.push(t.elapsed().as_secs_f64() * 1000.0);
        rows_seen += raw.len();
        let t = Instant::now();
        let rows = db::posts::page(
            &db,
            &db::posts::PostFilter {
                home_of: Some(reader.id),
                ..Default::default()
            },
            page,
        )
        .await
        .map_err(err)?;
        s.storage.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let views = domain::timelines::home(&db, &reader, page)
            .await
            .map_err(err)?;
        s.domain.push(t.elapsed().as_secs_f64() * 1000.0);
        let stored: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let shown: Vec<i64> = views.iter().map(|v| v.post.id).collect();
        if raw != stored || stored != shown {
            return Err("raw SQL, the storage query and the domain function disagree".into());
        }
    }
    // The same pages for a reader who blocks 20 of the accounts they follow: the block
    // filter's cost, and a check that nothing of theirs shows.
    let blocked = domain::follows::page(&db, &reader, domain::follows::Side::Following, 0, 20)
        .await
        .map_err(err)?;
    for (n, a) in blocked.iter().enumerate() {
        db::blocks::insert(
            &db,
            reader.id,
            a.id,
            format!("bench:block:{n}"),
            chrono::Utc::now(),
        )
        .await
        .map_err(err)?;
    }
    let blocked_ids: Vec<i64> = blocked.iter().map(|a| a.id).collect();
    let mut with_blocks = Vec::new();
    let mut shown_with_blocks = 0usize;
    for c in &cursors {
        let page = Page {
            max_id: *c,
            limit: 40,
            ..Default::default()
        };
        let t = Instant::now();
        let views = domain::timelines::home(&db, &reader, page)
            .await
            .map_err(err)?;
        with_blocks.push(t.elapsed().as_secs_f64() * 1000.0);
        if views.iter().any(|v| {
            blocked_ids.contains(&v.post.account_id)
                || v.reblog
                    .as_ref()
                    .is_some_and(|r| blocked_ids.contains(&r.post.account_id))
        }) {
            return Err("a blocked author's post was shown".into());
        }
        shown_with_blocks += views.len();
    }
    if shown_with_blocks == 0 {
        return Err("with blocks, no page showed anything".into());
    }
    for v in [&mut s.raw, &mut s.storage, &mut s.domain, &mut with_blocks] {
        v.sort_by(f64::total_cmp);
    }
    let (b50, b99) = (
        percentile(&with_blocks, 50.0),
        percentile(&with_blocks, 99.0),
    );
    let plan = seed::explain(&db, &home_sql(reader.id, cursors.last().copied().flatten()))
        .await
        .map_err(err)?;
    let version: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW server_version".to_string(),
        ))
        .await
        .map_err(err)?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    let (r50, r99) = (percentile(&s.raw, 50.0), percentile(&s.raw, 99.0));
    let (s50, s99) = (percentile(&s.storage, 50.0), percentile(&s.storage, 99.0));
    let (d50, d99) = (percentile(&s.domain, 50.0), percentile(&s.domain, 99.0));
    let mut report = format!(
        "{} posts by {} remote authors; the reader follows {}; {} pages of 40 read by each method, \
         from the top and down max_id chains (PostgreSQL {version}, same machine, seeded in {seed_seconds:.0} s; \
         {rows_seen} rows read through raw SQL).\n\n",
        params.posts,
        params.authors,
        params.follows,
        cursors.len()
    );
    report.push_str(&format!(
        "- raw SQL (hand-written, same query, rows fetched): p50 **{r50:.2} ms**, p99 **{r99:.2} ms**\n"
    ));
    report.push_str(&format!(
        "- Pinhole's storage query (`db::posts::page` with the home condition, through sea-orm into models): p50 **{s50:.2} ms**, p99 **{s99:.2} ms** → {:.2}× raw SQL at p99\n",
        s99 / r99.max(1e-9)
    ));
    report.push_str(&format!(
        "- the whole page as apps get it (`domain::timelines::home`: the query plus authors, media, mentions, tags, reply parents, boosted posts): p50 **{d50:.2} ms**, p99 **{d99:.2} ms** → {:.2}× raw SQL at p99\n",
        d99 / r99.max(1e-9)
    ));
    report.push_str(&format!(
        "- the whole page for a reader who blocks {} of the accounts they follow (their posts filtered out; checked): p50 **{b50:.2} ms**, p99 **{b99:.2} ms**\n",
        blocked.len()
    ));
    report.push_str(&format!(
        "- goal: p99 ≤ 20 ms and ≤ 2× raw SQL — storage query {}, full page {}\n",
        if s99 <= 20.0 && s99 <= 2.0 * r99 {
            "met"
        } else {
            "NOT met"
        },
        if d99 <= 20.0 {
            "within 20 ms"
        } else {
            "over 20 ms"
        },
    ));
    report.push_str("\nPlan of the deepest page (EXPLAIN ANALYZE):\n\n```\n");
    report.push_str(&plan);
    report.push_str("\n```\n");
    Ok(report)
}
