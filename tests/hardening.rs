//! The defects of the adversarial review (issue 12), one test each, as a client, an operator
//! or a hostile peer sees them: configuration toggles from the environment, security
//! headers, requests signed for another server, key refetch amplification, tombstones
//! pre-empting another actor's post, and post id collisions under a burst of posts
//! published in the same second. Each fails on 38ca8fa.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{TestApp, TestDb, cli_env, eventually, peer::Peer, run_cli};
use pinhole::db::entities::{accounts, follows, inbox_activities, posts};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const AP: &str = "application/activity+json";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn follow(peer: &Peer, actor: &str, object: &str, tag: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/{tag}", peer.actor_id(actor)),
        "type": "Follow",
        "actor": peer.actor_id(actor),
        "object": object,
    })
}

/// A public note by `author` at `<actor>/statuses/<n>`, as Mastodon sends it (whole-second
/// `published`).
fn note(peer: &Peer, author: &str, n: u64, published: &str) -> Value {
    let actor = peer.actor_id(author);
    json!({
        "id": format!("{actor}/statuses/{n}"),
        "type": "Note",
        "attributedTo": actor,
        "content": format!("<p>note {n} by {author}</p>"),
        "to": [PUBLIC],
        "cc": [format!("{actor}/followers")],
        "published": published,
    })
}

/// The Create of `note` by its author.
fn create(peer: &Peer, author: &str, note: &Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activity", note["id"].as_str().unwrap()),
        "type": "Create",
        "actor": peer.actor_id(author),
        "published": note["published"],
        "to": [PUBLIC],
        "object": note,
    })
}

/// A Delete of `object` (a post id) by `actor`, with Mastodon's Tombstone.
fn delete(peer: &Peer, actor: &str, object: &str, tag: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#delete/{tag}", peer.actor_id(actor)),
        "type": "Delete",
        "actor": peer.actor_id(actor),
        "to": [PUBLIC],
        "object": { "id": object, "type": "Tombstone", "atomUri": object },
    })
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header on {}", res.url()))
        .to_str()
        .unwrap()
}

/// Rows in the tables an inbox write could touch.
async fn stored(app: &TestApp) -> (u64, u64, u64) {
    let db = &app.state.db;
    (
        inbox_activities::Entity::find().count(db).await.unwrap(),
        follows::Entity::find().count(db).await.unwrap(),
        accounts::Entity::find().count(db).await.unwrap(),
    )
}

/// Defect 13: `PINHOLE_FEDERATION__ALLOW_PRIVATE_NETWORK=false`, as the configuration docs
/// write it, reaches the configuration as a boolean; start-up must accept it (and `true`).
#[tokio::test]
async fn allow_private_network_from_the_environment_accepts_booleans() {
    let db = TestDb::new().await;
    let env = cli_env(&db);
    let run = |args: &[&str], toggle: &str| {
        let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.push(("PINHOLE_PUBLIC_URL", "http://localhost:8080"));
        all.push(("PINHOLE_FEDERATION__ALLOW_PRIVATE_NETWORK", toggle));
        run_cli(db.dir.path(), args, &all, "")
    };
    let out = run(&["users", "create", "alice"], "false");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "users create with =false: {err}");
    for toggle in ["false", "true", "auto", "FALSE"] {
        let out = run(&["users", "list"], toggle);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "users list with ={toggle}: {err}");
        assert!(!err.contains("Toggle"), "={toggle}: {err}");
        let listed = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(listed.contains("alice"), "={toggle}: {listed}");
    }
    // A word that is no toggle is still refused, naming the word.
    let out = run(&["users", "list"], "maybe");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("maybe"), "{err}");
}

/// Defect 12: HTML pages (the OAuth sign-in form included) cannot be framed, sniffed or leak
/// their URL as a referrer; API answers are not sniffed either.
#[tokio::test]
async fn pages_and_api_answers_carry_security_headers() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let res = common::client()
        .post(app.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Test app"),
            ("redirect_uris", "http://localhost:9/callback"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let registered: Value = res.json().await.unwrap();
    let id = registered["client_id"].as_str().unwrap();

    let form = app
        .get_accept(
            &format!(
                "/oauth/authorize?response_type=code&client_id={id}&redirect_uri=http://localhost:9/callback&scope=read"
            ),
            BROWSER,
        )
        .await;
    let profile = app.get_accept("/@alice", BROWSER).await;
    for res in [form, profile] {
        assert_eq!(res.status(), 200, "{}", res.url());
        assert!(header(&res, "content-type").starts_with("text/html"));
        let csp = header(&res, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(header(&res, "x-frame-options"), "DENY");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        let referrer = header(&res, "referrer-policy");
        assert!(
            [
                "no-referrer",
                "same-origin",
                "strict-origin",
                "strict-origin-when-cross-origin"
            ]
            .contains(&referrer),
            "{referrer}"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("<"), "{html}");
    }

    let res = app.get("/api/v1/instance").await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("application/json"));
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    app.stop().await;
}

/// Defect 11: a delivery signed for another server (its signature covers that `Host`) is
/// refused when replayed to us, for POSTs and for signed GETs; the same request signed for
/// our host is accepted.
#[tokio::test]
async fn requests_signed_for_another_host_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    peer.add_actor("eve", false);
    let alice = format!("{}/users/alice", app.public);
    let inbox = format!("{alice}/inbox");

    // reqwest sends an explicit Host header as given (the peer records what arrives).
    let (status, _) = Peer::post_raw(
        &format!("{}/inbox", peer.base),
        &[("host".into(), "other.example".into())],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(status, 202);
    let (seen, _) = peer.received_with_headers().pop().unwrap();
    assert_eq!(seen["host"], "other.example");

    let activity = follow(&peer, "eve", &alice, "1");
    let body = serde_json::to_vec(&activity).unwrap();
    let port = app.addr.port();
    let before = stored(&app).await;
    for host in [
        "other.example".to_string(),
        format!("other.example:{port}"),
        format!("localhost:{}", port.wrapping_add(1).max(1)),
    ] {
        // A genuine signature by eve, made for a delivery to `host`.
        let mut headers = peer.signed_headers(
            "eve",
            &format!("http://{host}/users/alice/inbox"),
            &body,
            SystemTime::now(),
        );
        headers.push(("host".into(), host.clone()));
        let (status, text) = Peer::post_raw(&inbox, &headers, body.clone()).await;
        assert_eq!(status, 401, "signed for {host}: {text}");
    }
    assert_eq!(
        stored(&app).await,
        before,
        "a refused delivery stored something"
    );
    assert_eq!(app.collection_items("alice", "followers").await.0, 0);

    // The same activity signed for us is accepted, also when sent to the IP with an
    // explicit Host (so the refusals above were about the Host, nothing else).
    let mut headers = peer.signed_headers("eve", &inbox, &body, SystemTime::now());
    headers.push(("host".into(), app.domain()));
    let (status, text) = Peer::post_raw(&app.url("/users/alice/inbox"), &headers, body).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(
        app.collection_items("alice", "followers").await,
        (1, vec![peer.actor_id("eve")])
    );

    // An authorized fetch signed for another server is refused too; for us it is read.
    let key_id = format!("{}#main-key", peer.actor_id("eve"));
    let path = "/users/alice/outbox?page=true";
    for (host, want) in [("other.example".to_string(), 401), (app.domain(), 200)] {
        let mut headers = peer.signed_headers_as(
            "eve",
            &key_id,
            "GET",
            &format!("http://{host}{path}"),
            None,
            SystemTime::now(),
        );
        headers.push(("host".into(), host.clone()));
        headers.push(("accept".into(), AP.into()));
        let mut req = common::client().get(app.url(path));
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), want, "GET signed for {host}");
    }
    app.stop().await;
}

/// Defect 8: forged signatures naming a known key do not make us refetch the key's actor
/// each time (at most once per interval), and a signature that is not even RSA-sized makes
/// us fetch nothing.
#[tokio::test]
async fn forged_signatures_do_not_amplify_key_refetches() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    for name in ["eve", "frank", "mallory"] {
        peer.add_actor(name, false);
    }
    let alice = format!("{}/users/alice", app.public);
    let inbox = format!("{alice}/inbox");
    for name in ["eve", "frank"] {
        let (status, text) = peer
            .post(name, &inbox, &follow(&peer, name, &alice, "real"))
            .await;
        assert_eq!(status, 202, "{text}");
    }
    eventually(10, "both follows answered", || async {
        peer.received()
            .iter()
            .filter(|a| a["type"] == "Accept")
            .count()
            == 2
    })
    .await;
    assert!(peer.actor_fetches("eve") >= 1, "eve was never fetched");
    let eve_before = peer.actor_fetches("eve");
    let frank_before = peer.actor_fetches("frank");

    // A signature that cannot be RSA at all (10 bytes) under frank's key: refused, and no
    // reason to look for a newer key.
    let activity = follow(&peer, "frank", &alice, "short-signature");
    let body = serde_json::to_vec(&activity).unwrap();
    let mut headers = peer.signed_headers("frank", &inbox, &body, SystemTime::now());
    for (name, value) in headers.iter_mut() {
        if name == "signature" {
            let start = value.rfind("signature=\"").unwrap() + "signature=\"".len();
            let end = start + value[start..].find('"').unwrap();
            value.replace_range(start..end, "AAECAwQFBgcICQ==");
        }
    }
    let (status, text) = Peer::post_raw(&inbox, &headers, body).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(
        peer.actor_fetches("frank"),
        frank_before,
        "an implausible signature made us refetch frank"
    );

    // Twenty well-formed forgeries naming eve's key, signed with mallory's, at once.
    let key_id = format!("{}#main-key", peer.actor_id("eve"));
    let mut forged = tokio::task::JoinSet::new();
    for n in 0..20 {
        let activity = if n % 2 == 0 {
            follow(&peer, "eve", &alice, &format!("forged-{n}"))
        } else {
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/likes/forged-{n}", peer.actor_id("eve")),
                "type": "Like",
                "actor": peer.actor_id("eve"),
                "object": format!("{alice}/statuses/1"),
            })
        };
        let body = serde_json::to_vec(&activity).unwrap();
        let headers = peer.signed_headers_as(
            "mallory",
            &key_id,
            "POST",
            &inbox,
            Some(&body),
            SystemTime::now(),
        );
        let inbox = inbox.clone();
        forged.spawn(async move { Peer::post_raw(&inbox, &headers, body).await });
    }
    while let Some(answer) = forged.join_next().await {
        let (status, text) = answer.unwrap();
        assert_eq!(status, 401, "{text}");
    }
    let refetches = peer.actor_fetches("eve") - eve_before;
    assert!(
        refetches <= 1,
        "20 forged signatures made {refetches} fetches of eve"
    );
    // Nothing the forgeries claimed happened.
    assert_eq!(
        follows::Entity::find().count(&app.state.db).await.unwrap(),
        2
    );
    // The same request signed with eve's own key is accepted (so the forgeries above were
    // refused for their signatures alone), without fetching eve again.
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/likes/genuine", peer.actor_id("eve")),
        "type": "Like",
        "actor": peer.actor_id("eve"),
        "object": format!("{alice}/statuses/1"),
    });
    let body = serde_json::to_vec(&like).unwrap();
    let headers = peer.signed_headers_as(
        "eve",
        &key_id,
        "POST",
        &inbox,
        Some(&body),
        SystemTime::now(),
    );
    let (status, text) = Peer::post_raw(&inbox, &headers, body).await;
    assert_eq!(status, 202, "{text}");
    assert!(peer.actor_fetches("eve") - eve_before <= 1);
    app.stop().await;
}

/// Defect 8, the other side: a genuine key rotation is still picked up at once.
#[tokio::test]
async fn a_rotated_key_is_still_refetched() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    peer.add_actor("eve", false);
    let alice = format!("{}/users/alice", app.public);
    let inbox = format!("{alice}/inbox");
    let (status, text) = peer
        .post("eve", &inbox, &follow(&peer, "eve", &alice, "1"))
        .await;
    assert_eq!(status, 202, "{text}");
    let before = peer.actor_fetches("eve");
    peer.rotate_key("eve");
    let post = note(&peer, "eve", 1, "2026-01-01T00:00:00Z");
    let (status, text) = peer.post("eve", &inbox, &create(&peer, "eve", &post)).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(peer.actor_fetches("eve"), before + 1);
    assert!(
        app.post_by_uri(post["id"].as_str().unwrap())
            .await
            .is_some()
    );
    app.stop().await;
}

/// Defect 9: a Delete of an id nobody published binds only its sender; another actor of the
/// same host cannot pre-empt the real author's later post. The author's own Delete still
/// keeps its post from arriving late.
#[tokio::test]
async fn a_delete_of_an_unknown_post_binds_only_its_sender() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    peer.add_actor("eve", false);
    peer.add_actor("mallory", false);
    let inbox = format!("{}/users/alice/inbox", app.public);
    let first = note(&peer, "eve", 1, "2026-01-01T00:00:00Z");
    let second = note(&peer, "eve", 2, "2026-01-01T00:00:01Z");
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();

    // mallory deletes eve's not-yet-published post: acknowledged, changes nothing for eve.
    let (status, text) = peer
        .post("mallory", &inbox, &delete(&peer, "mallory", first_id, "1"))
        .await;
    assert_eq!(status, 202, "{text}");
    let (status, text) = peer
        .post("eve", &inbox, &create(&peer, "eve", &first))
        .await;
    assert_eq!(status, 202, "{text}");
    let stored = app
        .post_by_uri(first_id)
        .await
        .expect("eve's post was dropped by mallory's Delete");
    assert!(stored.post.content.contains("note 1 by eve"));
    // And clients see it.
    let id = stored.post.id;
    let res = app.get(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(res.status(), 200);
    let status: Value = res.json().await.unwrap();
    assert_eq!(status["uri"], first_id);

    // eve's own Delete of an id not seen yet keeps that post from arriving afterwards.
    let (status, text) = peer
        .post("eve", &inbox, &delete(&peer, "eve", second_id, "2"))
        .await;
    assert_eq!(status, 202, "{text}");
    let (status, text) = peer
        .post("eve", &inbox, &create(&peer, "eve", &second))
        .await;
    assert_eq!(status, 202, "{text}");
    assert!(app.post_by_uri(second_id).await.is_none());
    app.stop().await;
}

/// Defect 5: a thousand remote posts published in the same whole second (as Mastodon dates
/// them), delivered 32 at a time, are all accepted and stored: no id collision surfaces.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_posts_in_one_second_all_get_ids() {
    const ACTORS: u64 = 10;
    const POSTS: u64 = 1_000;
    const CONCURRENCY: usize = 32;
    let started = Instant::now();
    // Waiting on SQLite's write lock is another defect (issue 12, 4); under a loaded test
    // machine 32 writers may wait past the default 5 s. Waits are not what this test is
    // about, so they may be long here: a collision fails at once, whatever the timeout.
    let app = TestApp::spawn_with(|c| {
        c.database.sqlite_busy_timeout_seconds = 60;
        c.database.connect_timeout_seconds = 60;
        // Admission control is tests/inbox_flood.rs's subject, not this test's.
        c.federation.inbox_concurrency = 64;
        c.federation.inbox_queue_wait_ms = 60_000;
    })
    .await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    let names: Vec<String> = (0..ACTORS).map(|i| format!("poster{i}")).collect();
    for name in &names {
        peer.add_actor(name, false);
    }
    let inbox = format!("{}/users/alice/inbox", app.public);
    // One whole second an hour ago: in the past, so ids are made for this very second.
    let second = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 3600, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    // Each actor's first post alone, so its first contact (a fetch) is not the subject.
    let mut answers: Vec<(u16, String)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let post = note(&peer, name, i as u64, &second);
        answers.push(peer.post(name, &inbox, &create(&peer, name, &post)).await);
    }
    // The rest, 32 in flight at a time.
    let mut next = ACTORS;
    let mut running = tokio::task::JoinSet::new();
    while next < POSTS || !running.is_empty() {
        while next < POSTS && running.len() < CONCURRENCY {
            let name = names[(next % ACTORS) as usize].clone();
            let post = note(&peer, &name, next, &second);
            let activity = create(&peer, &name, &post);
            let (peer, inbox) = (peer.clone(), inbox.clone());
            running.spawn(async move { peer.post(&name, &inbox, &activity).await });
            next += 1;
        }
        if let Some(answer) = running.join_next().await {
            answers.push(answer.unwrap());
        }
    }
    assert_eq!(answers.len() as u64, POSTS);
    let refused: Vec<&(u16, String)> = answers.iter().filter(|(s, _)| *s != 202).collect();
    assert!(
        refused.is_empty(),
        "{} of {POSTS} not accepted, e.g. {:?}",
        refused.len(),
        &refused[..refused.len().min(5)]
    );
    assert_eq!(
        posts::Entity::find().count(&app.state.db).await.unwrap(),
        POSTS
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(120),
        "took {elapsed:?} for {POSTS} posts"
    );
    app.stop().await;
}

/// A taken post id is reported as taken (so the domain picks another), not as an error:
/// what happens when another process, or this one before a restart, used the id.
#[tokio::test]
async fn a_taken_post_id_is_reported_not_raised() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await;
    let now = chrono::Utc::now();
    let row = |id: i64, uri: &str| posts::Model {
        id,
        uri: uri.to_string(),
        url: None,
        account_id: alice.id,
        local: true,
        reblog_of_id: None,
        in_reply_to_id: None,
        in_reply_to_uri: None,
        in_reply_to_account_id: None,
        content: "<p>x</p>".into(),
        source: None,
        summary: String::new(),
        sensitive: false,
        visibility: "public".into(),
        language: None,
        has_media: false,
        published_at: now,
        edited_at: None,
        created_at: now,
        updated_at: now,
    };
    let db = &app.state.db;
    let id = pinhole::domain::posts::new_id(now);
    let first = pinhole::db::posts::insert_new(db, row(id, "urn:test:1"))
        .await
        .unwrap();
    assert_eq!(first.map(|p| p.uri).as_deref(), Some("urn:test:1"));
    let second = pinhole::db::posts::insert_new(db, row(id, "urn:test:2"))
        .await
        .unwrap();
    assert!(second.is_none(), "a taken id must come back as None");
    // Inside a transaction too (on PostgreSQL a failed statement would abort it).
    let txn = pinhole::db::begin_write(db).await.unwrap();
    assert!(
        pinhole::db::posts::insert_new(&txn, row(id, "urn:test:3"))
            .await
            .unwrap()
            .is_none()
    );
    let other = pinhole::domain::posts::new_id(now);
    assert_ne!(other, id);
    assert!(
        pinhole::db::posts::insert_new(&txn, row(other, "urn:test:4"))
            .await
            .unwrap()
            .is_some()
    );
    txn.commit().await.unwrap();
    assert_eq!(posts::Entity::find().count(db).await.unwrap(), 2);
    app.stop().await;
}

/// A client that hangs up while its request waits on the database: the request still
/// completes (the post is stored, its pooled connection goes back clean) instead of being
/// cut off mid-query, which cost the pool a connection per disconnect (issue 12, load).
#[tokio::test]
async fn a_request_whose_client_hangs_up_still_completes() {
    use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, TransactionTrait};
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    // Hold the posts table so the new post waits inside its handler.
    let lock = if app.db.is_postgres() {
        let txn = app.state.db.begin().await.unwrap();
        txn.execute_unprepared("LOCK TABLE posts IN EXCLUSIVE MODE")
            .await
            .unwrap();
        txn
    } else {
        pinhole::db::begin_write(&app.state.db).await.unwrap()
    };
    let gave_up = common::client()
        .post(app.url("/api/v1/statuses"))
        .bearer_auth(&token)
        .json(&json!({ "status": "written by someone who left" }))
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(gave_up.is_err(), "the request should still be waiting");
    // The server has seen the hang-up by now; only then is the table free again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    lock.commit().await.unwrap();
    eventually(10, "the abandoned post is stored", || async {
        posts::Entity::find()
            .filter(posts::Column::Content.contains("someone who left"))
            .count(&app.state.db)
            .await
            .unwrap()
            == 1
    })
    .await;
    app.stop().await;
}

/// A thread with thousands of replies: the per-page lookups stay under the databases'
/// bind-parameter limits (the counts and the reader's interactions repeat the id list).
#[tokio::test]
async fn interactions_of_a_huge_thread_stay_within_bind_limits() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await;
    let ids: Vec<i64> = (1..=20_000).collect();
    let rows = pinhole::db::posts::interactions(&app.state.db, Some(alice.id), &ids)
        .await
        .expect("20,000 ids in one call");
    assert!(rows.counts.is_empty() && rows.favourited.is_empty());
    app.stop().await;
}
