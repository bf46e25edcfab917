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
