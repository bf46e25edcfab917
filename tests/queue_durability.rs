//! The delivery queue survives a restart mid-fan-out: every delivery arrives exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use common::{TestApp, eventually, peer::Peer};
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test]
async fn restart_mid_fan_out_delivers_everything_once() {
    let mut app = TestApp::spawn().await;
    app.create_user("bob").await;
    let bob = format!("{}/users/bob", app.public);
    let inbox = format!("{}/inbox", app.public);
    let peer = Peer::spawn().await;
    // A slow remote: each Accept takes 100 ms to be acknowledged.
    peer.set_inbox_delay(100);
    const N: usize = 40;
    for i in 0..N {
        let name = format!("f{i}");
        peer.add_actor(&name, false);
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/follows/{i}", peer.actor_id(&name)),
            "type": "Follow",
            "actor": peer.actor_id(&name),
            "object": bob,
        });
        let (status, text) = peer.post(&name, &inbox, &follow).await;
        assert_eq!(status, 202, "{text}");
    }
    eventually(20, "some Accepts arrive", || async {
        peer.received().len() >= 5
    })
    .await;
    let before_restart = peer.received().len();
    assert!(
        before_restart < N,
        "fan-out finished before the restart; slow the peer down"
    );
    app.restart().await;
    eventually(30, "every Accept arrives", || async {
        peer.received().len() >= N
    })
    .await;
    // Give a duplicate the chance to show up.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut per_follow: HashMap<String, usize> = HashMap::new();
    for accept in peer.received() {
        assert_eq!(accept["type"], "Accept");
        *per_follow
            .entry(accept["object"]["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_follow.len(), N);
    assert!(
        per_follow.values().all(|n| *n == 1),
        "duplicates: {per_follow:?}"
    );
    let queued = pinhole::db::deliveries::count_by_state(&app.state.db, "queued")
        .await
        .unwrap();
    assert_eq!(queued, 0);
    app.stop().await;
}

#[tokio::test]
async fn failing_inboxes_are_retried_then_buried_and_refusals_not_retried() {
    let app = TestApp::spawn_with(|c| {
        c.federation.delivery_max_attempts = 2;
        c.federation.delivery_retry_base_seconds = 0;
        c.federation.circuit_breaker_failures = 2;
        c.federation.circuit_breaker_pause_seconds = 1;
    })
    .await;
    app.create_user("bob").await;
    let bob = format!("{}/users/bob", app.public);
    let inbox = format!("{}/inbox", app.public);
    let peer = Peer::spawn().await;
    peer.add_actor("gone", false);
    // The remote refuses everything with 410 Gone: a permanent failure, not retried.
    peer.set_inbox_status(410);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/1", peer.actor_id("gone")),
        "type": "Follow",
        "actor": peer.actor_id("gone"),
        "object": bob,
    });
    let (status, _) = peer.post("gone", &inbox, &follow).await;
    assert_eq!(status, 202);
    let db = app.state.db.clone();
    eventually(10, "the refused delivery is buried", || {
        let db = db.clone();
        async move {
            pinhole::db::deliveries::count_by_state(&db, "dead")
                .await
                .unwrap()
                == 1
        }
    })
    .await;
    let dead = pinhole::db::deliveries::dead_letters(&db).await.unwrap();
    assert_eq!(dead[0].attempts, 1, "a 4xx is not retried");
    assert!(dead[0].last_error.as_deref().unwrap().contains("410"));

    // A server error is retried (with backoff), then buried after the last attempt; the
    // failures open the domain's circuit.
    peer.set_inbox_status(503);
    peer.add_actor("flaky", false);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/2", peer.actor_id("flaky")),
        "type": "Follow",
        "actor": peer.actor_id("flaky"),
        "object": bob,
    });
    let (status, _) = peer.post("flaky", &inbox, &follow).await;
    assert_eq!(status, 202);
    eventually(15, "the failing delivery is retried and buried", || {
        let db = db.clone();
        async move {
            pinhole::db::deliveries::count_by_state(&db, "dead")
                .await
                .unwrap()
                == 2
        }
    })
    .await;
    let dead = pinhole::db::deliveries::dead_letters(&db).await.unwrap();
    assert_eq!(dead[0].attempts, 2);
    assert!(dead[0].last_error.as_deref().unwrap().contains("503"));
    let health = pinhole::db::entities::domain_health::Entity::find_by_id(
        peer.base.trim_start_matches("http://").to_string(),
    )
    .one(&db)
    .await
    .unwrap()
    .unwrap();
    assert!(health.consecutive_failures >= 2);
    assert!(health.open_until.is_some(), "circuit opened");
    app.stop().await;
}

/// Deliveries about one subject to one inbox leave in queue order: only the first of a
/// chain is handed out, a chain waits while its head waits for a retry, a dead letter frees
/// it, and other subjects go out meanwhile (issue 12, catch-up after an outage).
#[tokio::test]
async fn deliveries_about_one_subject_leave_in_queue_order() {
    use pinhole::db::deliveries::{NewDelivery, bury, claim, enqueue, release, retry_later};
    let test_db = common::TestDb::new().await;
    let db = sea_orm::Database::connect(test_db.url.as_str())
        .await
        .unwrap();
    pinhole::db::migrate(&db).await.unwrap();
    let now = chrono::Utc::now();
    let delivery = |domain: &str, key: Option<&str>, body: &str| NewDelivery {
        inbox_url: if body.ends_with("to x") {
            format!("http://{domain}/users/x/inbox")
        } else {
            format!("http://{domain}/inbox")
        },
        domain: domain.to_string(),
        signer_account_id: None,
        body: body.to_string(),
        ordering_key: key.map(str::to_string),
    };
    enqueue(
        &db,
        vec![
            delivery("a.example", Some("post 1"), "create 1"),
            delivery("a.example", Some("post 1"), "update 1"),
            delivery("b.example", Some("post 1"), "create 1 to b"),
            delivery("a.example", Some("post 1"), "create 1 to x"),
            delivery("a.example", Some("post 2"), "create 2"),
            delivery("a.example", None, "unkeyed"),
            delivery("a.example", Some("post 1"), "delete 1"),
        ],
        now,
    )
    .await
    .unwrap();
    let lease = chrono::Duration::seconds(60);
    let bodies = |rows: &[pinhole::db::entities::deliveries::Model]| {
        let mut b: Vec<String> = rows.iter().map(|r| r.body.clone()).collect();
        b.sort();
        b
    };
    let first = claim(&db, 10, lease, now).await.unwrap();
    assert_eq!(
        bodies(&first),
        [
            "create 1",
            "create 1 to b",
            "create 1 to x",
            "create 2",
            "unkeyed"
        ],
        "one head per chain and inbox"
    );
    // The other heads were sent; while "create 1" is leased (being sent), nothing more of
    // its chain is handed out.
    let sent: Vec<i64> = first
        .iter()
        .filter(|r| r.body != "create 1")
        .map(|r| r.id)
        .collect();
    pinhole::db::deliveries::complete_many(&db, &sent)
        .await
        .unwrap();
    let later = now + chrono::Duration::seconds(1);
    assert!(claim(&db, 10, lease, later).await.unwrap().is_empty());
    // The head fails and waits for a retry: its chain waits with it.
    let head = first.iter().find(|r| r.body == "create 1").unwrap();
    retry_later(
        &db,
        head.id,
        1,
        later + chrono::Duration::hours(1),
        "503",
        later,
    )
    .await
    .unwrap();
    assert!(claim(&db, 10, lease, later).await.unwrap().is_empty());
    // Given back untouched (a worker stopping), it is the head again.
    let again = claim(&db, 10, lease, later + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(bodies(&again), ["create 1"]);
    release(&db, again[0].id).await.unwrap();
    // Buried as a dead letter: the rest of the chain goes on, one at a time.
    bury(&db, head.id, 10, "gone", later).await.unwrap();
    let next = claim(&db, 10, lease, later).await.unwrap();
    assert_eq!(bodies(&next), ["update 1"]);
    pinhole::db::deliveries::complete_many(&db, &[next[0].id])
        .await
        .unwrap();
    let last = claim(&db, 10, lease, later).await.unwrap();
    assert_eq!(bodies(&last), ["delete 1"]);
}
