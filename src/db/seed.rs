//! Bulk synthetic data for benchmarks, written with set-based SQL so a million posts take
//! seconds rather than minutes. PostgreSQL only (it relies on `generate_series`).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::StoreError;

/// Shape of the synthetic network.
#[derive(Debug, Clone, Copy)]
pub struct TimelineSeed {
    /// Remote authors the posts are spread over.
    pub authors: i64,
    pub posts: i64,
    /// How many of the authors the reader follows.
    pub follows: i64,
    /// The local reader's account id.
    pub reader_id: i64,
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), StoreError> {
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_string()))
        .await?;
    Ok(())
}

/// Authors, the reader's follows, posts over the last year (80 % public, 10 % unlisted, 8 %
/// followers-only, 2 % direct, one in 20 direct ones to the reader), a third with a photo,
/// a tag on every tenth; then `ANALYZE`.
pub async fn timeline(db: &DatabaseConnection, seed: TimelineSeed) -> Result<(), StoreError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Err(StoreError::Db(sea_orm::DbErr::Custom(
            "the timeline benchmark needs PostgreSQL".into(),
        )));
    }
    let TimelineSeed {
        authors,
        posts,
        follows,
        reader_id,
    } = seed;
    exec(
        db,
        &format!(
            "INSERT INTO accounts (username, username_key, domain, display_name, summary, \
             public_key_pem, manually_approves_followers, discoverable, indexable, created_at, \
             updated_at, uri, inbox_url, shared_inbox_url, followers_url, actor_type, fetched_at, \
             avatar_url, fields_json) \
             SELECT 'a' || g, 'a' || g, 's' || (g % 500) || '.bench.invalid', 'Author ' || g, \
             '<p>Photos from the coast. Prints at <a href=\"https://shop.bench.invalid/a' || g || \
             '\" rel=\"nofollow noopener\" target=\"_blank\">shop.bench.invalid</a> \
             <a href=\"https://s1.bench.invalid/tags/photo\" class=\"mention hashtag\" rel=\"tag\">#<span>photo</span></a></p>', \
             'none', false, true, true, now(), now(), \
             'https://s' || (g % 500) || '.bench.invalid/users/a' || g, \
             'https://s' || (g % 500) || '.bench.invalid/users/a' || g || '/inbox', \
             'https://s' || (g % 500) || '.bench.invalid/inbox', \
             'https://s' || (g % 500) || '.bench.invalid/users/a' || g || '/followers', 'Person', now(), \
             'https://s' || (g % 500) || '.bench.invalid/avatars/a' || g || '.jpg', \
             '[[\"Website\",\"<a href=\\\"https://a' || g || '.bench.invalid\\\" rel=\\\"me nofollow\\\">a' || g || '.bench.invalid</a>\"],[\"Camera\",\"X100V\"]]' \
             FROM generate_series(1, {authors}) g"
        ),
    )
    .await?;
    exec(
        db,
        &format!(
            "INSERT INTO follows (follower_id, target_id, uri, accepted, created_at, updated_at) \
             SELECT {reader_id}, id, 'https://bench.invalid/follows/' || id, true, now(), now() \
             FROM (SELECT id FROM accounts WHERE domain IS NOT NULL ORDER BY id LIMIT {follows}) t"
        ),
    )
    .await?;
    // Authors are picked so that followed and unfollowed ones post alike; ids are
    // time-ordered like real post ids (milliseconds << 16).
    exec(
        db,
        &format!(
            "INSERT INTO posts (id, uri, url, account_id, local, content, summary, sensitive, \
             visibility, language, has_media, published_at, created_at, updated_at) \
             SELECT ((extract(epoch FROM ts) * 1000)::bigint << 16) | (g % 65536), \
             'https://bench.invalid/p/' || g, NULL, a.first + (g * 7919) % {authors}, false, \
             '<p>Post number ' || g || ' with a few words of text, for \
             <span class=\"h-card\"><a href=\"https://s2.bench.invalid/@a2\" class=\"u-url mention\">@<span>a2</span></a></span> \
             <a href=\"https://s1.bench.invalid/tags/photography\" class=\"mention hashtag\" rel=\"tag\">#<span>photography</span></a></p>', '', false, \
             CASE WHEN g % 50 = 0 THEN 'direct' WHEN g % 50 < 5 THEN 'private' \
                  WHEN g % 50 < 10 THEN 'unlisted' ELSE 'public' END, 'en', g % 3 = 0, ts, ts, ts \
             FROM generate_series(1::bigint, {posts}) g, \
                  LATERAL (SELECT now() - make_interval(secs => ({posts} - g) * (31536000.0 / {posts})) AS ts) t, \
                  (SELECT min(id) AS first FROM accounts WHERE domain IS NOT NULL) a"
        ),
    )
    .await?;
    exec(
        db,
        &format!(
            "INSERT INTO mentions (post_id, account_id) SELECT id, {reader_id} FROM posts \
             WHERE visibility = 'direct' AND random() < 0.05"
        ),
    )
    .await?;
    exec(
        db,
        "INSERT INTO media_attachments (account_id, post_id, kind, state, content_type, width, \
         height, size_bytes, blurhash, description, focus_x, focus_y, remote_url, position, \
         created_at, updated_at) \
         SELECT account_id, id, 'image', 'remote', 'image/jpeg', 1080, 1350, 0, \
         'LEHV6nWB2yk8pyo0adR*.7kCMdnj', 'A photo', 0, 0, uri || '/photo.jpg', 0, now(), now() \
         FROM posts WHERE has_media",
    )
    .await?;
    exec(
        db,
        "INSERT INTO tags (name, name_key, created_at) VALUES ('photography', 'photography', now())",
    )
    .await?;
    exec(
        db,
        "INSERT INTO post_tags (tag_id, post_id) SELECT (SELECT id FROM tags WHERE \
         name_key = 'photography'), id FROM posts WHERE id % 10 = 0",
    )
    .await?;
    exec(db, "ANALYZE").await
}

/// Runs a query given as SQL text and returns the `id` of each row (the benchmark's
/// "raw SQL" baseline, bypassing the ORM's models).
pub async fn raw_ids(db: &DatabaseConnection, sql: &str) -> Result<Vec<i64>, StoreError> {
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_string()))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<i64>("", "id").ok())
        .collect())
}

/// The database's plan for `sql` (EXPLAIN ANALYZE), for the report.
pub async fn explain(db: &DatabaseConnection, sql: &str) -> Result<String, StoreError> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING ON) {sql}"),
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect::<Vec<_>>()
        .join("\n"))
}
