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

    // A refused post leaves the upload as it was (alt text included) and unattached: the
    // second attachment is already used by a published post, which is found only after the
    // first one's alt text was applied inside the transaction.
    let (_, used) = upload(
        &app,
        "alice",
        &token,
        common::solid_jpeg(32, 32, [1, 1, 1]),
        "{}",
    )
    .await;
    let used_id = used["id"].as_str().unwrap().to_string();
    let first = json!({"type": "Note", "content": "first", "to": [PUBLIC],
        "attachment": [{"type": "Image", "id": used_id}]});
    assert_eq!(
        post(&app, "alice", &token, &first.to_string())
            .await
            .status(),
        201
    );
    let create = json!({"type": "Note", "content": "second", "to": [PUBLIC],
        "attachment": [{"type": "Image", "id": media_id, "name": "Changed"},
                       {"type": "Image", "id": used_id}]});
    let res = post(&app, "alice", &token, &create.to_string()).await;
    assert_eq!(res.status(), 422);
    let alice = app.local("alice").await;
    let id: i64 = media_id.rsplit('/').next().unwrap().parse().unwrap();
    let stored = pinhole::domain::media::get_own(&app.state.db, &alice, id)
        .await
        .unwrap();
    assert_eq!(stored.description, "Green");
    assert_eq!(stored.post_id, None);
    // Accepted, the alt text given with the attachment is applied.
    let create = json!({"type": "Note", "content": "third", "to": [PUBLIC],
        "attachment": [{"type": "Image", "id": media_id, "name": "Changed"}]});
    let res = post(&app, "alice", &token, &create.to_string()).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"]["attachment"][0]["name"], "Changed");

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
    let profile = json!({"type": "Update", "object": {"type": "Person",
        "id": format!("{}/users/alice", app.public), "name": "Not allowed"}});
    assert_eq!(
        post(&app, "alice", &likes_only, &profile.to_string())
            .await
            .status(),
        403
    );
    assert_ne!(app.local("alice").await.display_name, "Not allowed");
    let flag = json!({"type": "Flag", "object": bobs.post.uri});
    assert_eq!(
        post(&app, "alice", &likes_only, &flag.to_string())
            .await
            .status(),
        422
    );
    assert_eq!(app.notification_kinds("bob").await, vec!["favourite"]);
    // Undo needs the scope of what it undoes: not a follow with a favourites-only token.
    let follow = json!({"type": "Follow", "object": format!("{}/users/bob", app.public)});
    let res = post(&app, "alice", &token, &follow.to_string()).await;
    assert_eq!(res.status(), 201);
    let follow_id = res.headers()["location"].to_str().unwrap().to_string();
    let undo = json!({"type": "Undo", "object": follow_id});
    assert_eq!(
        post(&app, "alice", &likes_only, &undo.to_string())
            .await
            .status(),
        403
    );
    assert_eq!(app.collection_items("bob", "followers").await.0, 1);
    let undo_like = json!({"type": "Undo", "object": {"type": "Like", "object": bobs.post.uri}});
    let res = post(&app, "alice", &likes_only, &undo_like.to_string()).await;
    assert_eq!(res.status(), 201);
    let undone: Value = res.json().await.unwrap();
    assert_eq!(undone["type"], "Undo");
    assert_eq!(undone["object"]["type"], "Like");
    // Someone else's upload cannot be attached: 422, as any stray attachment.
    let bob_token = pinhole::domain::tokens::create(&app.state.db, "bob", "write")
        .await
        .unwrap();
    let (code, bobs_media) = upload(
        &app,
        "bob",
        &bob_token,
        common::solid_jpeg(8, 8, [1, 2, 3]),
        "{}",
    )
    .await;
    assert_eq!(code, 201);
    let foreign_id = bobs_media["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let stolen = json!({"type": "Note", "content": "mine now",
        "attachment": [{"id": format!("{}/users/alice/media/{foreign_id}", app.public)}]});
    assert_eq!(
        post(&app, "alice", &token, &stolen.to_string())
            .await
            .status(),
        422
    );
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
        ("Like".to_string(), uri.clone())
    );

    // Retention: entries older than federation.inbox_retention_days go; the post, the
    // follow and the like they stand for stay.
    use pinhole::db::entities::inbox_activities;
    use sea_orm::{EntityTrait, sea_query::Expr};
    inbox_activities::Entity::update_many()
        .col_expr(
            inbox_activities::Column::ReceivedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(100)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let prune = |days| pinhole::domain::accounts::prune_inboxes(&app.state.db, days);
    assert_eq!(prune(0).await.unwrap(), 0);
    let removed = prune(90).await.unwrap();
    assert!(removed >= 4, "{removed}");
    assert!(inbox(&app, "alice", &alice).await.is_empty());
    assert!(inbox(&app, "bob", &bob).await.is_empty());
    assert_eq!(
        app.post_by_uri(&uri).await.unwrap().post.visibility,
        "private"
    );
    assert_eq!(app.collection_items("alice", "followers").await.0, 1);
    assert_eq!(app.notification_kinds("alice").await.len(), 2);
}

async fn api_get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = common::client().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

fn contents(statuses: &Value) -> Vec<String> {
    statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let s = if s["reblog"].is_object() {
                &s["reblog"]
            } else {
                s
            };
            s["content"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

#[tokio::test]
async fn blocks_hide_posts_boosts_and_notifications() {
    use pinhole::domain::posts::Visibility;
    let app = TestApp::spawn().await;
    for name in ["alice", "bob", "carol"] {
        app.create_user(name).await;
    }
    let alice = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let bob = pinhole::domain::tokens::create(&app.state.db, "bob", "read write")
        .await
        .unwrap();
    app.follow("alice", &app.handle("carol")).await;
    let alices = app
        .post(
            "alice",
            common::note("alice writes", Visibility::Public),
            vec![],
        )
        .await;
    let bobs = app
        .post(
            "bob",
            common::note("bob writes", Visibility::Public),
            vec![],
        )
        .await;
    app.post(
        "carol",
        common::note("carol writes", Visibility::Public),
        vec![],
    )
    .await;
    // carol boosts bob; bob likes alice's post — all before the block.
    let directory = pinhole::federation::posts::StateDirectory(&app.state.federation);
    let ctx = pinhole::federation::posts::posting(&app.state.federation, &directory);
    pinhole::domain::posts::reblog(&ctx, &app.local("carol").await, bobs.post.id)
        .await
        .unwrap();
    pinhole::domain::posts::favourite(&ctx, &app.local("bob").await, alices.post.id, true)
        .await
        .unwrap();
    let (_, home) = api_get(&app, Some(&alice), "/api/v1/timelines/home").await;
    assert!(
        contents(&home).iter().any(|c| c.contains("bob writes")),
        "{home}"
    );

    let block = json!({"type": "Block", "object": format!("{}/users/bob", app.public)});
    assert_eq!(
        post(&app, "alice", &alice, &block.to_string())
            .await
            .status(),
        201
    );
    // alice no longer sees bob, even boosted by someone she follows, nor his like.
    let (_, home) = api_get(&app, Some(&alice), "/api/v1/timelines/home").await;
    let home = contents(&home);
    assert!(home.iter().any(|c| c.contains("carol writes")), "{home:?}");
    assert!(!home.iter().any(|c| c.contains("bob writes")), "{home:?}");
    let (_, public) = api_get(&app, Some(&alice), "/api/v1/timelines/public").await;
    assert!(!contents(&public).iter().any(|c| c.contains("bob writes")));
    let (_, anonymous) = api_get(&app, None, "/api/v1/timelines/public").await;
    assert!(
        contents(&anonymous)
            .iter()
            .any(|c| c.contains("bob writes"))
    );
    let (_, notifications) = api_get(&app, Some(&alice), "/api/v1/notifications").await;
    assert!(
        !notifications
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "favourite"),
        "{notifications}"
    );
    // bob cannot read alice's post, and his mention of her does not reach her inbox.
    let (code, _) = api_get(
        &app,
        Some(&bob),
        &format!("/api/v1/statuses/{}", alices.post.id),
    )
    .await;
    assert_eq!(code, 404);
    let hello = app
        .post(
            "bob",
            common::note("@alice hello?", Visibility::Public),
            vec![],
        )
        .await;
    assert!(!hello.mentions.is_empty());
    let seen = inbox(&app, "alice", &alice).await;
    assert!(seen.iter().any(|(kind, _)| kind == "Create"), "{seen:?}");
    assert!(
        !seen.iter().any(|(_, object)| *object == hello.post.uri),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_direct_reply_reaches_only_its_addressees() {
    use pinhole::domain::posts::Visibility;
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let peer = common::peer::Peer::spawn().await;
    let mallory = peer.add_actor("mallory", false);
    let alice = pinhole::domain::tokens::create(&app.state.db, "alice", "read")
        .await
        .unwrap();
    let bob = pinhole::domain::tokens::create(&app.state.db, "bob", "read")
        .await
        .unwrap();
    let bobs = app
        .post(
            "bob",
            common::note("bob's thread", Visibility::Public),
            vec![],
        )
        .await;
    let alice_uri = format!("{}/users/alice", app.public);
    let note_id = format!("{}/notes/1", peer.base);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": mallory,
        "to": [alice_uri],
        "cc": [],
        "bcc": [format!("{}/users/zed", peer.base)],
        "object": {
            "id": note_id, "type": "Note", "attributedTo": mallory,
            "to": [alice_uri], "cc": [], "inReplyTo": bobs.post.uri,
            "content": "<p>psst, about bob's thread</p>",
            "published": "2026-11-26T10:00:00Z",
        },
    });
    let (code, body) = peer
        .post("mallory", &format!("{}/inbox", app.public), &create)
        .await;
    assert_eq!(code, 202, "{body}");
    let seen = inbox(&app, "alice", &alice).await;
    assert_eq!(seen, vec![("Create".to_string(), note_id.clone())]);
    // The raw activity still carried a bcc: alice's copy must not show it.
    let page: Value = common::client()
        .get(app.url("/users/alice/inbox?page=true"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!page.to_string().contains("bcc"), "{page}");
    assert!(inbox(&app, "bob", &bob).await.is_empty());
    // Nor is bob told about it, and alice is (it addresses her).
    assert!(app.notification_kinds("bob").await.is_empty());
    assert_eq!(app.notification_kinds("alice").await, vec!["mention"]);

    // A second personal delivery of the same Create makes its inbox's owner a recipient…
    let second_id = format!("{}/notes/2", peer.base);
    let mut second = create.clone();
    second["id"] = json!(format!("{second_id}/activity"));
    second["object"]["id"] = json!(second_id);
    let (code, _) = peer
        .post("mallory", &format!("{}/inbox", app.public), &second)
        .await;
    assert_eq!(code, 202);
    let bob_account = app.local("bob").await;
    let can_bob_see = |uri: String| {
        let app = &app;
        let bob_account = bob_account.clone();
        async move {
            let post = app.post_by_uri(&uri).await.unwrap().post;
            pinhole::domain::posts::can_see(&app.state.db, Some(&bob_account), &post)
                .await
                .unwrap()
        }
    };
    assert!(!can_bob_see(note_id.clone()).await);
    // …but an old activity id pointed at another post is only a replay.
    let mut forged = create.clone();
    forged["object"]["id"] = json!(second_id);
    let (code, _) = peer
        .post(
            "mallory",
            &format!("{}/users/bob/inbox", app.public),
            &forged,
        )
        .await;
    assert_eq!(code, 409);
    assert!(!can_bob_see(second_id.clone()).await);
    let (code, _) = peer
        .post(
            "mallory",
            &format!("{}/users/bob/inbox", app.public),
            &create,
        )
        .await;
    assert_eq!(code, 202);
    assert!(can_bob_see(note_id.clone()).await);
}

#[tokio::test]
async fn profile_updates_reach_followers() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let peer = common::peer::Peer::spawn().await;
    let pat = peer.add_actor("pat", false);
    let alice_uri = format!("{}/users/alice", app.public);
    // pat (remote) and bob (local) follow alice.
    let follow = json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{pat}#follows/1"), "type": "Follow", "actor": pat, "object": alice_uri});
    let (code, body) = peer
        .post("pat", &format!("{}/users/alice/inbox", app.public), &follow)
        .await;
    assert_eq!(code, 202, "{body}");
    app.follow("bob", &app.handle("alice")).await;
    let bob = pinhole::domain::tokens::create(&app.state.db, "bob", "read")
        .await
        .unwrap();

    let statuses_only = pinhole::domain::tokens::create(&app.state.db, "alice", "write:statuses")
        .await
        .unwrap();
    let accounts_only = pinhole::domain::tokens::create(&app.state.db, "alice", "write:accounts")
        .await
        .unwrap();
    let update = json!({"type": "Update", "object": {"type": "Person", "id": alice_uri,
        "name": "Alice Two", "summary": "<p>Tides</p>"}});
    assert_eq!(
        post(&app, "alice", &statuses_only, &update.to_string())
            .await
            .status(),
        403
    );
    let res = post(&app, "alice", &accounts_only, &update.to_string()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.local("alice").await.display_name, "Alice Two");

    // pat's server gets Update{Person} as Mastodon sends it; bob finds it in his inbox.
    let updates = || {
        peer.received()
            .into_iter()
            .filter(|r| r["type"] == "Update")
            .collect::<Vec<_>>()
    };
    common::eventually(20, "pat's server gets the Update", || async {
        !updates().is_empty()
    })
    .await;
    let sent = &updates()[0];
    assert_eq!(sent["actor"], alice_uri);
    assert_eq!(sent["to"][0], PUBLIC);
    assert!(sent["@context"].is_array(), "{sent}");
    assert_eq!(sent["object"]["type"], "Person");
    assert_eq!(sent["object"]["id"], alice_uri);
    assert_eq!(sent["object"]["name"], "Alice Two");
    assert!(sent["object"]["publicKey"]["publicKeyPem"].is_string());
    assert!(
        inbox(&app, "bob", &bob)
            .await
            .contains(&("Update".to_string(), alice_uri.clone()))
    );

    // The Mastodon API's profile edit sends the same.
    let res = common::client()
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&accounts_only)
        .form(&[("display_name", "Alice Three")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    common::eventually(20, "pat's server gets the second Update", || async {
        updates()
            .iter()
            .any(|u| u["object"]["name"] == "Alice Three")
    })
    .await;
}
