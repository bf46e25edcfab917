//! Interop with an independent implementation: a Fedify peer (tests/interop/peer.mjs).
//! Each side verifies the other's HTTP signatures. Skips, saying why, without Node or the
//! peer's packages (`npm ci --prefix tests/interop`; `.ci/run` installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::{TestApp, eventually};
use serde_json::{Value, json};

struct FedifyPeer {
    child: Child,
    base: String,
}

impl Drop for FedifyPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn interop_dir() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "interop"]
        .iter()
        .collect()
}

/// Starts the peer, or explains why it cannot.
async fn start_peer() -> Result<FedifyPeer, String> {
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node_ok {
        return Err("node is not installed".into());
    }
    if !interop_dir().join("node_modules/@fedify/fedify").is_dir() {
        return Err(
            "tests/interop/node_modules is missing (run `npm ci --prefix tests/interop`)".into(),
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new("node")
        .arg(interop_dir().join("peer.mjs"))
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let peer = FedifyPeer {
        child,
        base: format!("http://localhost:{port}"),
    };
    let client = common::client();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("{}/control/health", peer.base))
            .send()
            .await
            && r.status().is_success()
        {
            return Ok(peer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the Fedify peer did not become healthy".into())
}

async fn state(peer: &FedifyPeer) -> Value {
    common::client()
        .get(format!("{}/control/state", peer.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn fedify_and_pinhole_follow_each_other() {
    let peer = match start_peer().await {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipping Fedify interop: {why}");
            return;
        }
    };
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = format!("{}/users/alice", app.public);
    let fedi = format!("{}/users/fedi", peer.base);

    // Fedify follows alice: Pinhole verifies Fedify's signature (the delivery must get a
    // 2xx), then Fedify verifies the Accept Pinhole signs.
    let res = common::client()
        .post(format!("{}/control/follow", peer.base))
        .json(&json!({ "target": alice }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "Fedify's Follow was not accepted: {body}");
    let follow_id = body["followId"].as_str().unwrap().to_string();
    eventually(20, "Fedify receives Pinhole's Accept", || async {
        state(&peer).await["acceptsReceived"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["object"] == follow_id.as_str())
    })
    .await;
    assert_eq!(
        app.collection_items("alice", "followers").await.1,
        vec![fedi.clone()]
    );

    // alice follows the Fedify actor: WebFinger on Fedify, actor fetch, signed Follow,
    // Fedify's signed Accept.
    app.follow(
        "alice",
        &format!("@fedi@{}", peer.base.trim_start_matches("http://")),
    )
    .await;
    eventually(20, "Pinhole receives Fedify's Accept", || async {
        app.collection_items("alice", "following").await.1 == vec![fedi.clone()]
    })
    .await;
    let s = state(&peer).await;
    assert!(
        s["followsReceived"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["actor"] == alice.as_str()),
        "{s}"
    );

    // Fedify unfollows: Pinhole applies the Undo.
    let res = common::client()
        .post(format!("{}/control/unfollow", peer.base))
        .json(&json!({ "target": alice }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(20, "Pinhole drops the follower after Undo", || async {
        app.collection_items("alice", "followers").await.0 == 0
    })
    .await;
    let s = state(&peer).await;
    assert_eq!(s["errors"], json!([]), "Fedify reported errors: {s}");
    app.stop().await;
}

async fn control(peer: &FedifyPeer, path: &str, body: Value) -> Value {
    let res = common::client()
        .post(format!("{}{path}", peer.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{path} failed: {body}");
    body
}

#[tokio::test]
async fn fedify_receives_photo_posts_and_sends_notes_likes_and_boosts() {
    use pinhole::domain::posts::Visibility;
    let peer = match start_peer().await {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipping Fedify interop: {why}");
            return;
        }
    };
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = format!("{}/users/alice", app.public);
    let fedi = format!("{}/users/fedi", peer.base);

    // Fedify follows alice, then alice posts two photos: Fedify gets the Create with both
    // attachments and their alt text.
    control(&peer, "/control/follow", json!({ "target": alice })).await;
    eventually(20, "Fedify is a follower", || async {
        app.collection_items("alice", "followers").await.1 == vec![fedi.clone()]
    })
    .await;
    let view = app
        .post(
            "alice",
            common::note("Harbour at dawn", Visibility::Public),
            vec![
                (
                    common::solid_jpeg(120, 80, [200, 100, 0]),
                    "Boats in the harbour",
                ),
                (common::solid_jpeg(80, 120, [0, 100, 200]), "A lighthouse"),
            ],
        )
        .await;
    eventually(20, "Fedify receives the photo post", || async {
        state(&peer).await["createsReceived"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["object"]["id"] == view.post.uri.as_str())
    })
    .await;
    let s = state(&peer).await;
    let create = s["createsReceived"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["object"]["id"] == view.post.uri.as_str())
        .unwrap();
    let attachments = create["object"]["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2, "{create}");
    assert_eq!(attachments[0]["name"], "Boats in the harbour");
    assert_eq!(attachments[1]["name"], "A lighthouse");
    assert_eq!(attachments[0]["mediaType"], "image/jpeg");
    assert!(attachments[0]["blurhash"].as_str().is_some(), "{create}");
    assert_eq!(attachments[0]["width"], 120);

    // Fedify likes and boosts the post: alice is notified of both.
    control(
        &peer,
        "/control/like",
        json!({ "object": view.post.uri, "to": alice }),
    )
    .await;
    control(
        &peer,
        "/control/announce",
        json!({ "object": view.post.uri, "to": alice }),
    )
    .await;
    eventually(20, "alice notified of Fedify's like and boost", || async {
        let kinds = app.notification_kinds("alice").await;
        kinds.contains(&"favourite".to_string()) && kinds.contains(&"reblog".to_string())
    })
    .await;

    // alice follows Fedify; Fedify's note with an image reaches her home timeline.
    app.follow(
        "alice",
        &format!("@fedi@{}", peer.base.trim_start_matches("http://")),
    )
    .await;
    eventually(20, "alice follows Fedify", || async {
        app.collection_items("alice", "following").await.1 == vec![fedi.clone()]
    })
    .await;
    let sent = control(
        &peer,
        "/control/post",
        json!({
            "to": alice,
            "content": "<p>Hello from Fedify <script>alert(1)</script></p>",
            "image": { "name": "A tiny square" },
        }),
    )
    .await;
    let note_id = sent["id"].as_str().unwrap().to_string();
    eventually(20, "Pinhole stores Fedify's note", || async {
        app.post_by_uri(&note_id).await.is_some()
    })
    .await;
    let stored = app.post_by_uri(&note_id).await.unwrap();
    assert!(stored.post.content.contains("Hello from Fedify"));
    assert!(!stored.post.content.contains("script"));
    assert_eq!(stored.media.len(), 1);
    assert_eq!(stored.media[0].description, "A tiny square");
    assert_eq!(stored.author.uri.as_deref(), Some(fedi.as_str()));
    let me = app.local("alice").await;
    let home =
        pinhole::domain::timelines::home(&app.state.db, &me, pinhole::db::posts::Page::default())
            .await
            .unwrap();
    assert!(home.iter().any(|v| v.post.uri == note_id));
    // It mentioned alice.
    assert!(
        app.notification_kinds("alice")
            .await
            .contains(&"mention".to_string())
    );
    let s = state(&peer).await;
    assert_eq!(s["errors"], json!([]), "Fedify reported errors: {s}");
    app.stop().await;
}
