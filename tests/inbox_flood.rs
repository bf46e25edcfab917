//! A flood of deliveries as a busy or hostile fediverse sees it (issue 12, load): far more
//! Creates at once than the inbox processes, while a local user keeps posting. Every
//! answer is 202 or 503 with `Retry-After` (never another 5xx), every 202 is stored, and
//! every local post succeeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, client, peer::Peer};
use pinhole::db::entities::posts;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn create(peer: &Peer, author: &str, n: usize) -> Value {
    let actor = peer.actor_id(author);
    let id = format!("{actor}/statuses/{n}");
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": [PUBLIC],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": actor,
            "content": format!("<p>flood {n}</p>"),
            "to": [PUBLIC],
            "published": "2026-11-01T12:00:00Z",
        },
    })
}

/// `count` actors on `peer`, each known to the instance first (its key fetched once, its
/// first post accepted), as in a real flood of known peers.
async fn known_actors(peer: &Peer, inbox: &str, prefix: &str, count: usize) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        peer.add_actor(name, false);
        let (status, body) = peer.post(name, inbox, &create(peer, name, i)).await;
        assert_eq!(status, 202, "{body}");
    }
    names
}

/// One answer to a burst: status, whether it carried `Retry-After`, and how long it took.
type Answer = (u16, bool, Duration);

/// Signs post `n` for every `n` in `numbers` (from the actors in turn) before sending any,
/// then sends them all at once.
fn burst(
    peer: &Peer,
    names: &[String],
    inbox: &str,
    numbers: std::ops::Range<usize>,
) -> tokio::task::JoinSet<Answer> {
    let mut requests = Vec::new();
    for n in numbers {
        let name = &names[n % names.len()];
        let body = serde_json::to_vec(&create(peer, name, n)).unwrap();
        let headers = peer.signed_headers(name, inbox, &body, std::time::SystemTime::now());
        requests.push((headers, body));
    }
    let mut running = tokio::task::JoinSet::new();
    for (headers, body) in requests {
        let url = inbox.to_string();
        running.spawn(async move {
            let started = std::time::Instant::now();
            let mut req = client().post(&url).body(body);
            for (k, v) in &headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let res = req.send().await.unwrap();
            let retry_after = res.headers().contains_key("retry-after");
            (res.status().as_u16(), retry_after, started.elapsed())
        });
    }
    running
}

/// Counts a burst's answers as (accepted, deferred), failing on anything but 202 or a
/// 503 with `Retry-After` that came within `prompt`.
async fn tally(mut answers: tokio::task::JoinSet<Answer>, prompt: Duration) -> (u64, u64) {
    let (mut accepted, mut deferred) = (0u64, 0u64);
    while let Some(answer) = answers.join_next().await {
        match answer.unwrap() {
            (202, _, _) => accepted += 1,
            (503, true, took) => {
                assert!(
                    took < prompt,
                    "a 503 came only after {took:?}: it waited instead of being turned away"
                );
                deferred += 1;
            }
            (other, retry, _) => panic!("got {other} (Retry-After: {retry})"),
        }
    }
    (accepted, deferred)
}

async fn posts_stored(app: &TestApp, local: bool) -> u64 {
    posts::Entity::find()
        .filter(posts::Column::Local.eq(local))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_gets_202_or_503_and_local_posting_goes_on() {
    const ACTORS: usize = 8;
    const FLOOD: usize = 400;
    let app = TestApp::spawn_with(|c| {
        c.federation.inbox_concurrency = 2;
        c.federation.inbox_queue_wait_ms = 100;
        // A real flood comes from many servers; here every sender is 127.0.0.1, so the
        // per-address connection cap (tested in tests/connections.rs) is lifted.
        c.server.max_connections_per_address = 0;
    })
    .await;
    app.create_user("alice").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let peer = Peer::spawn().await;
    let inbox = format!("{}/users/alice/inbox", app.public);
    let names = known_actors(&peer, &inbox, "flooder", ACTORS).await;
    let flood = burst(&peer, &names, &inbox, ACTORS..ACTORS + FLOOD);
    // Meanwhile, alice posts.
    for i in 0..10 {
        let res = client()
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&json!({ "status": format!("still here {i}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "local post {i}: {:?}", res.text().await);
    }
    let (accepted, deferred) = tally(flood, Duration::from_secs(120)).await;
    assert_eq!(accepted + deferred, FLOOD as u64);
    assert!(
        deferred > 0,
        "the flood was not over capacity: {accepted} accepted"
    );
    assert_eq!(
        posts_stored(&app, false).await,
        accepted + ACTORS as u64,
        "every 202 is stored"
    );
    assert_eq!(posts_stored(&app, true).await, 10);
    app.stop().await;
}

/// Deliveries beyond the waiting line are answered 503 at once, not held open for the whole
/// wait: a flood must not pile up connections (each costs memory). With one slot, a line of
/// one and a wait far longer than the test, a burst still sees prompt 503s.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_a_full_waiting_line_the_answer_is_immediate() {
    const ACTORS: usize = 4;
    const BURST: usize = 60;
    let app = TestApp::spawn_with(|c| {
        c.federation.inbox_concurrency = 1;
        c.federation.inbox_queue_max = 1;
        c.federation.inbox_queue_wait_ms = 60_000;
        c.server.max_connections_per_address = 0;
    })
    .await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    let inbox = format!("{}/users/alice/inbox", app.public);
    let names = known_actors(&peer, &inbox, "burst", ACTORS).await;
    let answers = burst(&peer, &names, &inbox, ACTORS..ACTORS + BURST);
    let (accepted, deferred) = tally(answers, Duration::from_secs(30)).await;
    assert!(
        deferred > 0,
        "no delivery was turned away: {accepted} of {BURST} waited their turn"
    );
    assert_eq!(
        posts_stored(&app, false).await,
        accepted + ACTORS as u64,
        "every 202 is stored"
    );
    app.stop().await;
}

/// Senders that trickle their bodies hold a place in line, never a processing slot, and
/// are cut off (408) when the body does not arrive in time; one address may be sending no
/// more bodies at once than there are slots (here two), the rest are turned away (503); a
/// real delivery meanwhile gets through at once. Before, each trickler held one of the few
/// slots for as long as a byte came every minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn trickling_bodies_do_not_hold_the_inbox() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|c| {
        c.federation.inbox_concurrency = 1;
        c.federation.inbox_queue_wait_ms = 30_000;
        c.federation.inbox_body_timeout_seconds = 2;
        c.server.max_connections_per_address = 0;
    })
    .await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    peer.add_actor("patient", false);
    let inbox = format!("{}/users/alice/inbox", app.public);
    let mut tricklers = Vec::new();
    for _ in 0..4 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 7], 0)))
            .unwrap();
        let mut stream = socket.connect(app.addr).await.unwrap();
        let head = format!(
            "POST /users/alice/inbox HTTP/1.1\r\nHost: {}\r\nContent-Type: application/activity+json\r\nContent-Length: 1000\r\n\r\n{{",
            app.public.trim_start_matches("http://")
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        tricklers.push(stream);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let (status, body) = peer
        .post("patient", &inbox, &create(&peer, "patient", 1))
        .await;
    assert_eq!(status, 202, "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the delivery waited {:?} behind trickling senders",
        started.elapsed()
    );
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for mut stream in tricklers {
        let mut answer = vec![0u8; 12];
        tokio::time::timeout(
            std::time::Duration::from_secs(20),
            stream.read_exact(&mut answer),
        )
        .await
        .expect("a trickling sender was never answered")
        .unwrap();
        *answers
            .entry(String::from_utf8_lossy(&answer).into_owned())
            .or_default() += 1;
    }
    let expected = [
        ("HTTP/1.1 408".to_string(), 2),
        ("HTTP/1.1 503".to_string(), 2),
    ];
    assert_eq!(answers, expected.into_iter().collect(), "{answers:?}");
    app.stop().await;
}

/// A delivery of nearly a megabyte of markup (within the inbox's byte limit) is accepted
/// and stored cut to the first 128 KiB of its HTML, at a paragraph's end: the sanitizer
/// never sees (and never builds a document tree for) the whole megabyte, and the post
/// still shows. Before, the whole content went through the sanitizer and into the row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_of_markup_is_kept_to_its_first_128_kib() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    let inbox = format!("{}/users/alice/inbox", app.public);
    let names = known_actors(&peer, &inbox, "verbose", 1).await;
    let mut activity = create(&peer, &names[0], 1_000);
    let paragraph = "<p>The light on the water that evening, the boats, who was there.</p>";
    let content = paragraph.repeat(900 * 1024 / paragraph.len());
    activity["object"]["content"] = json!(content);
    let (status, body) = peer.post(&names[0], &inbox, &activity).await;
    assert_eq!(status, 202, "{body}");
    let id = activity["object"]["id"].as_str().unwrap();
    let stored = posts::Entity::find()
        .filter(posts::Column::Uri.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the post is stored");
    assert!(
        stored.content.len() <= 128 * 1024 && stored.content.len() > 100 * 1024,
        "{} bytes kept",
        stored.content.len()
    );
    assert!(stored.content.starts_with(paragraph) && stored.content.ends_with("</p>"));
    app.stop().await;
}
