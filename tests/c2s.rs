//! ActivityPub client-to-server on one instance: discovery in the actor, `Create{Note}` and
//! a bare `Note` POSTed to the user's outbox with a bearer token, and every refusal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn post(app: &TestApp, name: &str, token: &str, body: &str) -> reqwest::Response {
    common::client()
        .post(app.url(&format!("/users/{name}/outbox")))
        .bearer_auth(token)
        .header("content-type", "application/activity+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn notes_posted_to_the_outbox() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let me = format!("{}/users/alice", app.public);

    // Discovery.
    let actor: Value = app
        .get_accept("/users/alice", "application/activity+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        actor["endpoints"]["oauthTokenEndpoint"],
        format!("{}/oauth/token", app.public)
    );
    assert_eq!(
        actor["endpoints"]["oauthAuthorizationEndpoint"],
        format!("{}/oauth/authorize", app.public)
    );
    assert_eq!(actor["endpoints"]["uploadMedia"], format!("{me}/media"));

    // Create{Note}: 201 with Location; the post exists as if made anywhere else.
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Create",
        "actor": me,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"type": "Note", "content": "<p>Hello from a C2S client #c2s</p>"},
    });
    let res = post(&app, "alice", &token, &create.to_string()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{me}/statuses/")) && location.ends_with("/activity"),
        "{location}"
    );
    let activity: Value = app
        .get_accept(
            &location.replace(&app.public, ""),
            "application/activity+json",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(activity["type"], "Create");
    assert_eq!(activity["object"]["attributedTo"], me);
    assert!(
        activity["object"]["content"]
            .as_str()
            .unwrap()
            .contains("Hello from a C2S client")
    );
    assert_eq!(activity["object"]["tag"][0]["name"], "#c2s");

    // A bare Note addressed to followers only becomes a followers-only post.
    let note =
        json!({"type": "Note", "content": "just followers", "to": [format!("{me}/followers")]});
    let res = post(&app, "alice", &token, &note.to_string()).await;
    assert_eq!(res.status(), 201);
    let uri = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_end_matches("/activity")
        .to_string();
    assert_eq!(
        app.post_by_uri(&uri).await.unwrap().post.visibility,
        "private"
    );

    // Refusals change nothing.
    let before = pinhole::db::posts::count_local(&app.state.db)
        .await
        .unwrap();
    assert_eq!(post(&app, "alice", &token, "{not json").await.status(), 400);
    let mut other = create.clone();
    other["actor"] = json!(format!("{}/users/bob", app.public));
    assert_eq!(
        post(&app, "alice", &token, &other.to_string())
            .await
            .status(),
        403
    );
    assert_eq!(
        post(&app, "bob", &token, &create.to_string())
            .await
            .status(),
        403
    );
    let flag = json!({"type": "Flag", "actor": me, "object": uri});
    let res = post(&app, "alice", &token, &flag.to_string()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("Flag"));
    // Someone else's upload, or something that is not an upload, cannot be attached.
    let stray = json!({"type": "Note", "content": "x",
        "attachment": [{"type": "Image", "url": "http://localhost:1/x.jpg"}]});
    assert_eq!(
        post(&app, "alice", &token, &stray.to_string())
            .await
            .status(),
        422
    );
    // Undo of nothing, Delete of someone else's post.
    let undo = json!({"type": "Undo", "object": format!("{me}/nothing")});
    assert_eq!(
        post(&app, "alice", &token, &undo.to_string())
            .await
            .status(),
        404
    );
    let bob_post = app
        .post(
            "bob",
            common::note("bob's", pinhole::domain::posts::Visibility::Public),
            vec![],
        )
        .await;
    let delete = json!({"type": "Delete", "object": bob_post.post.uri});
    assert_eq!(
        post(&app, "alice", &token, &delete.to_string())
            .await
            .status(),
        403
    );
    let read_only = pinhole::domain::tokens::create(&app.state.db, "alice", "read")
        .await
        .unwrap();
    assert_eq!(
        post(&app, "alice", &read_only, &create.to_string())
            .await
            .status(),
        403
    );
    assert_eq!(
        pinhole::db::posts::count_local(&app.state.db)
            .await
            .unwrap(),
        before + 1
    );
}

async fn upload(
    app: &TestApp,
    name: &str,
    token: &str,
    file: Vec<u8>,
    object: &str,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(file)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .text("object", object.to_string());
    let res = common::client()
        .post(app.url(&format!("/users/{name}/media")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn uploads_scopes_and_refused_posts_change_nothing() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let jpeg = common::solid_jpeg(64, 48, [10, 120, 10]);

    // uploadMedia refusals.
    let (code, _) = upload(&app, "alice", &token, b"not an image".to_vec(), "{}").await;
    assert_eq!(code, 422);
    let (code, _) = upload(&app, "alice", &token, jpeg.clone(), "{not json").await;
    assert_eq!(code, 400);
    let (code, _) = upload(&app, "alice", &token, jpeg.clone(), r#"{"type":"Video"}"#).await;
    assert_eq!(code, 422);
    let (code, _) = upload(&app, "bob", &token, jpeg.clone(), "{}").await;
    assert_eq!(code, 403);

    let (code, media) = upload(&app, "alice", &token, jpeg, r#"{"name":"Green"}"#).await;
    assert_eq!(code, 201, "{media}");
    let media_id = media["id"].as_str().unwrap().to_string();

    // A refused post leaves the upload as it was (alt text included) and unattached.
    let too_long = "x".repeat(6000);
    let create = json!({"type": "Note", "content": too_long, "to": [PUBLIC],
        "attachment": [{"type": "Image", "id": media_id, "name": "Changed"}]});
    let res = post(&app, "alice", &token, &create.to_string()).await;
    assert_eq!(res.status(), 422);
    let alice = app.local("alice").await;
    let id: i64 = media_id.rsplit('/').next().unwrap().parse().unwrap();
    let stored = pinhole::domain::media::get_own(&app.state.db, &alice, id)
        .await
        .unwrap();
    assert_eq!(stored.description, "Green");
    assert_eq!(stored.post_id, None);

    // Scopes follow the activity: a favourites-only token may Like, not Create.
    let likes_only = pinhole::domain::tokens::create(&app.state.db, "alice", "write:favourites")
        .await
        .unwrap();
    let bobs = app
        .post(
            "bob",
            common::note("hi", pinhole::domain::posts::Visibility::Public),
            vec![],
        )
        .await;
    let like = json!({"type": "Like", "object": bobs.post.uri});
    assert_eq!(
        post(&app, "alice", &likes_only, &like.to_string())
            .await
            .status(),
        201
    );
    let note = json!({"type": "Note", "content": "hello", "to": [PUBLIC]});
    assert_eq!(
        post(&app, "alice", &likes_only, &note.to_string())
            .await
            .status(),
        403
    );
    assert_eq!(app.notification_kinds("bob").await, vec!["favourite"]);
}

/// The types (and object ids) on the first page of `name`'s inbox.
async fn inbox(app: &TestApp, name: &str, token: &str) -> Vec<(String, String)> {
    let page: Value = common::client()
        .get(app.url(&format!("/users/{name}/inbox?page=true")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let object = match &a["object"] {
                Value::String(s) => s.clone(),
                o => o["id"].as_str().unwrap_or_default().to_string(),
            };
            (a["type"].as_str().unwrap().to_string(), object)
        })
        .collect()
}

#[tokio::test]
async fn local_activities_reach_local_inboxes() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let bob = pinhole::domain::tokens::create(&app.state.db, "bob", "read write")
        .await
        .unwrap();
    let alice_uri = format!("{}/users/alice", app.public);

    // bob follows alice through his outbox: alice gets the Follow, bob the Accept.
    let follow = json!({"type": "Follow", "object": alice_uri});
    let res = post(&app, "bob", &bob, &follow.to_string()).await;
    assert_eq!(res.status(), 201);
    let follow_id = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        inbox(&app, "alice", &alice).await,
        vec![("Follow".to_string(), alice_uri.clone())]
    );
    assert_eq!(
        inbox(&app, "bob", &bob).await,
        vec![("Accept".to_string(), follow_id)]
    );

    // alice's followers-only note reaches bob; bob likes it through the Mastodon API.
    let note = json!({"type": "Note", "content": "for followers",
        "to": [format!("{alice_uri}/followers")]});
    let res = post(&app, "alice", &alice, &note.to_string()).await;
    assert_eq!(res.status(), 201);
    let uri = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_end_matches("/activity")
        .to_string();
    assert_eq!(
        inbox(&app, "bob", &bob).await[0],
        ("Create".to_string(), uri.clone())
    );
    let id = app.post_by_uri(&uri).await.unwrap().post.id;
    let res = common::client()
        .post(app.url(&format!("/api/v1/statuses/{id}/favourite")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        inbox(&app, "alice", &alice).await[0],
        ("Like".to_string(), uri)
    );
}
