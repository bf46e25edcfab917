//! What the inbox accepts and refuses. Every refusal is a 4xx with a reason and stores
//! nothing; real Mastodon documents are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{TestApp, eventually, peer::Peer};
use pinhole::db::entities::{accounts, follows, inbox_activities};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

struct Setup {
    app: TestApp,
    peer: Peer,
    bob: String,
    inbox: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    app.create_user("bob").await;
    let peer = Peer::spawn().await;
    peer.add_actor("eve", false);
    peer.add_actor("mallory", false);
    let bob = format!("{}/users/bob", app.public);
    let inbox = format!("{}/users/bob/inbox", app.public);
    Setup {
        app,
        peer,
        bob,
        inbox,
    }
}

fn follow(peer: &Peer, actor: &str, object: &str, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/{n}", peer.actor_id(actor)),
        "type": "Follow",
        "actor": peer.actor_id(actor),
        "object": object,
    })
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

#[tokio::test]
async fn a_valid_follow_is_accepted_and_answered() {
    let s = setup().await;
    let (status, _) = s
        .peer
        .post("eve", &s.inbox, &follow(&s.peer, "eve", &s.bob, 1))
        .await;
    assert_eq!(status, 202);
    eventually(10, "Accept reaches eve", || async {
        s.peer.received().iter().any(|a| a["type"] == "Accept")
    })
    .await;
    let accept = s
        .peer
        .received()
        .into_iter()
        .find(|a| a["type"] == "Accept")
        .unwrap();
    assert_eq!(accept["actor"], s.bob);
    assert_eq!(
        accept["object"]["id"],
        follow(&s.peer, "eve", &s.bob, 1)["id"]
    );
    assert_eq!(accept["object"]["actor"], s.peer.actor_id("eve"));
    // Sent signed by bob, as Mastodon expects.
    let (headers, _) = s
        .peer
        .received_with_headers()
        .into_iter()
        .find(|(_, a)| a["type"] == "Accept")
        .unwrap();
    let sig = headers["signature"].to_str().unwrap();
    assert!(
        sig.contains(&format!("keyId=\"{}#main-key\"", s.bob)),
        "{sig}"
    );
    assert!(sig.contains("algorithm=\"rsa-sha256\""));
    for h in ["(request-target)", "host", "date", "digest"] {
        assert!(sig.contains(h), "{h} not signed: {sig}");
    }
    let (n, items) = s.app.collection_items("bob", "followers").await;
    assert_eq!((n, items), (1, vec![s.peer.actor_id("eve")]));
    s.app.stop().await;
}

#[tokio::test]
async fn refusals_are_4xx_and_store_nothing() {
    let s = setup().await;
    let before = stored(&s.app).await;
    let activity = follow(&s.peer, "eve", &s.bob, 1);
    let body = serde_json::to_vec(&activity).unwrap();
    let good = s
        .peer
        .signed_headers("eve", &s.inbox, &body, SystemTime::now());

    // Unsigned.
    let unsigned: Vec<_> = good
        .iter()
        .filter(|(k, _)| k != "signature")
        .cloned()
        .collect();
    let (status, text) = Peer::post_raw(&s.inbox, &unsigned, body.clone()).await;
    assert_eq!(status, 401, "{text}");

    // Bad signature: one byte of the signature changed.
    let mut bad = good.clone();
    let sig = bad.iter_mut().find(|(k, _)| k == "signature").unwrap();
    sig.1 = sig.1.replacen("signature=\"", "signature=\"AAAA", 1);
    let (status, text) = Peer::post_raw(&s.inbox, &bad, body.clone()).await;
    assert_eq!(status, 401, "{text}");

    // Wrong key owner: mallory signs an activity claiming to be eve's.
    let forged = s
        .peer
        .signed_headers("mallory", &s.inbox, &body, SystemTime::now());
    let (status, text) = Peer::post_raw(&s.inbox, &forged, body.clone()).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("not the activity's actor"), "{text}");

    // Stale and future dates.
    for when in [
        SystemTime::now() - Duration::from_secs(13 * 3600),
        SystemTime::now() + Duration::from_secs(2 * 3600),
    ] {
        let stale = s.peer.signed_headers("eve", &s.inbox, &body, when);
        let (status, text) = Peer::post_raw(&s.inbox, &stale, body.clone()).await;
        assert_eq!(status, 401, "{text}");
    }

    // Body changed after signing: the digest no longer matches.
    let mut tampered = activity.clone();
    tampered["object"] = json!(format!("{}/users/someone-else", s.app.public));
    let (status, text) =
        Peer::post_raw(&s.inbox, &good, serde_json::to_vec(&tampered).unwrap()).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("Digest"), "{text}");

    // Signed for another inbox path.
    let other = format!("{}/inbox", s.app.public);
    let (status, text) = Peer::post_raw(&other, &good, body.clone()).await;
    assert_eq!(status, 401, "{text}");

    // Oversized body.
    let mut huge = activity.clone();
    huge["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let (status, _) = s.peer.post("eve", &s.inbox, &huge).await;
    assert_eq!(status, 413);

    // Signed but not JSON.
    let junk = b"{not json".to_vec();
    let headers = s
        .peer
        .signed_headers("eve", &s.inbox, &junk, SystemTime::now());
    let (status, text) = Peer::post_raw(&s.inbox, &headers, junk).await;
    assert_eq!(status, 400, "{text}");

    // An activity id on another host than its actor.
    let mut spoofed = activity.clone();
    spoofed["id"] = json!("https://elsewhere.example/follows/1");
    let (status, text) = s.peer.post("eve", &s.inbox, &spoofed).await;
    assert_eq!(status, 400, "{text}");

    assert_eq!(
        stored(&s.app).await,
        before,
        "a refused request stored something"
    );

    // The genuine request still works, once: a replay is refused and changes nothing.
    let (status, _) = Peer::post_raw(&s.inbox, &good, body.clone()).await;
    assert_eq!(status, 202);
    let after_first = stored(&s.app).await;
    let (status, text) = Peer::post_raw(&s.inbox, &good, body.clone()).await;
    assert_eq!(status, 409, "{text}");
    assert_eq!(stored(&s.app).await, after_first);
    s.app.stop().await;
}

#[tokio::test]
async fn rfc9421_signatures_are_accepted_and_checked() {
    let s = setup().await;
    let activity = follow(&s.peer, "eve", &s.bob, 1);
    let (status, text) = s.peer.post_rfc9421("eve", &s.inbox, &activity).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("bob", "followers").await.0, 1);
    // Signed by someone else than the actor: refused.
    let other = follow(&s.peer, "eve", &s.bob, 2);
    let (status, text) = s.peer.post_rfc9421("mallory", &s.inbox, &other).await;
    assert_eq!(status, 401, "{text}");
    s.app.stop().await;
}

#[tokio::test]
async fn unknown_types_are_acknowledged_and_ignored() {
    let s = setup().await;
    let before = stored(&s.app).await;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/emoji-reacts/1", s.peer.actor_id("eve")),
        "type": "EmojiReact",
        "actor": s.peer.actor_id("eve"),
        "object": s.bob,
        "content": "🔥",
    });
    let (status, _) = s.peer.post("eve", &s.inbox, &activity).await;
    assert_eq!(status, 202);
    let (ia, f, _) = stored(&s.app).await;
    assert_eq!((ia, f), (before.0, before.1));
    // A Follow of someone who does not exist is refused.
    let ghost = format!("{}/users/ghost", s.app.public);
    let (status, _) = s
        .peer
        .post("eve", &s.inbox, &follow(&s.peer, "eve", &ghost, 9))
        .await;
    assert_eq!(status, 404);
    s.app.stop().await;
}

#[tokio::test]
async fn rotated_keys_are_refetched_once() {
    let s = setup().await;
    let (status, _) = s
        .peer
        .post("eve", &s.inbox, &follow(&s.peer, "eve", &s.bob, 1))
        .await;
    assert_eq!(status, 202);
    s.peer.rotate_key("eve");
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/1/undo", s.peer.actor_id("eve")),
        "type": "Undo",
        "actor": s.peer.actor_id("eve"),
        "object": follow(&s.peer, "eve", &s.bob, 1),
    });
    let (status, text) = s.peer.post("eve", &s.inbox, &undo).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("bob", "followers").await.0, 0);
    s.app.stop().await;
}

/// Rewrites a captured document's hosts onto the test peer and instance.
fn rewrite(fixture: &str, pairs: &[(&str, &str)]) -> Value {
    let mut text = common::fixture(fixture);
    for (from, to) in pairs {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn real_mastodon_follow_and_undo_documents_are_accepted() {
    let s = setup().await;
    s.peer.add_actor("asonix", false);
    let peer_host = s.peer.base.clone();
    let follow = rewrite(
        "mastodon/follow.json",
        &[
            ("https://masto.asonix.dog", &peer_host),
            ("https://ds9.lemmy.ml/c/testcom", &s.bob),
        ],
    );
    let (status, text) = s
        .peer
        .post("asonix", &format!("{}/inbox", s.app.public), &follow)
        .await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("bob", "followers").await.0, 1);
    let undo = rewrite(
        "mastodon/undo-follow.json",
        &[
            ("https://masto.asonix.dog", &peer_host),
            ("https://ds9.lemmy.ml/c/testcom", &s.bob),
        ],
    );
    let (status, text) = s.peer.post("asonix", &s.inbox, &undo).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("bob", "followers").await.0, 0);

    // Pleroma's Follow has the same shape.
    s.peer.add_actor("lain", false);
    let pleroma = rewrite("pleroma-akkoma/follow-pleroma.json", &[]);
    let actor = pleroma["actor"].as_str().unwrap().to_string();
    let id_path = url::Url::parse(pleroma["id"].as_str().unwrap())
        .unwrap()
        .path()
        .to_string();
    let mut pleroma = pleroma;
    pleroma["actor"] = json!(s.peer.actor_id("lain"));
    pleroma["id"] = json!(format!("{}{id_path}", peer_host));
    pleroma["object"] = json!(s.bob);
    assert!(!actor.is_empty());
    let (status, text) = s.peer.post("lain", &s.inbox, &pleroma).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("bob", "followers").await.0, 1);
    s.app.stop().await;
}

#[tokio::test]
async fn real_mastodon_accept_and_reject_documents_settle_our_requests() {
    let s = setup().await;
    s.app.create_user("alice").await;
    s.peer.add_actor("admin", true);
    let alice = format!("{}/users/alice", s.app.public);
    // alice asks to follow the (locked) remote admin.
    s.app.follow("alice", &s.peer.actor_id("admin")).await;
    eventually(10, "the Follow reaches the peer", || async {
        s.peer.received().iter().any(|a| a["type"] == "Follow")
    })
    .await;
    let sent = s
        .peer
        .received()
        .into_iter()
        .find(|a| a["type"] == "Follow")
        .unwrap();
    assert_eq!(sent["actor"], alice);
    assert_eq!(sent["object"], s.peer.actor_id("admin"));
    let pairs = [
        (
            "http://mastodon.example.org/users/admin",
            s.peer.actor_id("admin"),
        ),
        (
            "http://localtesting.pleroma.lol/users/lain#follows/4",
            sent["id"].as_str().unwrap().to_string(),
        ),
        ("http://localtesting.pleroma.lol/users/lain", alice.clone()),
    ];
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let mut accept = rewrite("mastodon/accept-follow.json", &pairs);
    accept.as_object_mut().unwrap().remove("signature");
    let shared = format!("{}/inbox", s.app.public);
    let (status, text) = s.peer.post("admin", &shared, &accept).await;
    assert_eq!(status, 202, "{text}");
    let (n, items) = s.app.collection_items("alice", "following").await;
    assert_eq!((n, items), (1, vec![s.peer.actor_id("admin")]));

    let mut reject = rewrite("mastodon/reject-follow.json", &pairs);
    reject.as_object_mut().unwrap().remove("signature");
    let (status, text) = s.peer.post("admin", &shared, &reject).await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(s.app.collection_items("alice", "following").await.0, 0);
    s.app.stop().await;
}
