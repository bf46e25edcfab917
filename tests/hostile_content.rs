//! What a hostile server puts in its documents never reaches a client as markup or as a
//! non-web URL: actor bios and profile fields are sanitized, and every URL taken from a
//! remote document (profile, avatar, header, post page, attachments) leaves Pinhole only as
//! http(s) (issue 12, defect 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, client, peer::Peer};
use serde_json::{Value, json};

async fn api(app: &TestApp, token: &str, path: &str) -> Value {
    let res = client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// Every string in a JSON document, with where it was found.
fn strings(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at.to_string(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                strings(item, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

fn assert_harmless(doc: &Value) {
    let mut all = Vec::new();
    strings(doc, "", &mut all);
    for (at, s) in all {
        let lower = s.to_ascii_lowercase();
        for bad in [
            "javascript:",
            "data:",
            "vbscript:",
            "<script",
            "onclick",
            "onmouseover",
            "alert(",
        ] {
            assert!(!lower.contains(bad), "{at} carries {bad}: {s}");
        }
    }
}

#[tokio::test]
async fn hostile_actor_and_post_documents_are_defused() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let peer = Peer::spawn().await;
    peer.add_actor("eve", false);
    let eve = peer.actor_id("eve");
    // Eve's key, served inside a hostile actor document.
    let mut doc: Value = client()
        .get(&eve)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["summary"] = json!(
        "<p>hi<script>alert(1)</script><a href=\"javascript:alert(2)\" onclick=\"alert(3)\">x</a><img src=x onerror=alert(4)></p>"
    );
    doc["url"] = json!("javascript:alert(5)");
    doc["icon"] = json!({ "type": "Image", "url": "javascript:alert(6)" });
    doc["image"] = json!({ "type": "Image", "url": "data:text/html,<script>alert(7)</script>" });
    doc["attachment"] = json!([
        { "type": "PropertyValue", "name": "<b>Site</b>",
          "value": "<a href=\"javascript:alert(8)\" onmouseover=\"alert(9)\">me</a><script>alert(10)</script>" },
        { "type": "PropertyValue", "name": "Home", "value": "<a href=\"https://eve.example/\" rel=\"me\">eve.example</a>" },
    ]);
    peer.serve_object("/users/eve", doc);

    let note = json!({
        "id": format!("{eve}/statuses/1"),
        "type": "Note",
        "attributedTo": eve,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>look<script>alert(11)</script></p>",
        "url": "javascript:alert(12)",
        "published": "2026-11-01T12:00:00Z",
        "attachment": [
            { "type": "Document", "mediaType": "image/jpeg", "url": "javascript:alert(13)", "name": "bad" },
            { "type": "Document", "mediaType": "image/jpeg", "url": "data:image/jpeg;base64,AAAA", "name": "bad too" },
            { "type": "Document", "mediaType": "image/jpeg", "url": format!("{}/photo.jpg", peer.base), "name": "good" },
        ],
    });
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{eve}/statuses/1/activity"),
        "type": "Create",
        "actor": eve,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": note,
    });
    let (status, body) = peer
        .post("eve", &format!("{}/users/alice/inbox", app.public), &create)
        .await;
    assert_eq!(status, 202, "{body}");

    let domain = peer.base.trim_start_matches("http://");
    let account = api(
        &app,
        &token,
        &format!("/api/v1/accounts/lookup?acct=eve@{domain}"),
    )
    .await;
    assert_harmless(&account);
    assert!(
        account["note"].as_str().unwrap().contains("hi"),
        "{account}"
    );
    // The profile link falls back to the actor id; images to the placeholders.
    assert_eq!(account["url"], eve);
    assert!(account["avatar"].as_str().unwrap().starts_with(&app.public));
    assert!(account["header"].as_str().unwrap().starts_with(&app.public));
    let fields = account["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 2, "{account}");
    assert_eq!(fields[0]["name"], "Site");
    assert!(
        fields[1]["value"]
            .as_str()
            .unwrap()
            .contains("https://eve.example/")
    );

    let statuses = api(
        &app,
        &token,
        &format!(
            "/api/v1/accounts/{}/statuses",
            account["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_harmless(&statuses);
    let status = &statuses[0];
    assert_eq!(status["url"], format!("{eve}/statuses/1"));
    let media = status["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{status}");
    assert_eq!(media[0]["remote_url"], format!("{}/photo.jpg", peer.base));
    // The web page of a remote profile or post is not ours to show; the post's JSON is.
    assert_harmless(
        &api(
            &app,
            &token,
            &format!("/api/v1/statuses/{}", status["id"].as_str().unwrap()),
        )
        .await,
    );
    app.stop().await;
}
