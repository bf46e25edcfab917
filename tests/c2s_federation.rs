//! ActivityPub client-to-server across instances: a client session that uploads, posts,
//! follows, likes, boosts and undoes through its outbox, each effect seen by a second
//! Pinhole; addressing (followers-only, `bto`/`bcc`); blocks; edits and deletes; the
//! owner's inbox and outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, eventually, note, solid_jpeg};
use pinhole::domain::{self, posts::Visibility};
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// An ActivityPub client signed in as one user.
struct C2s<'a> {
    app: &'a TestApp,
    name: String,
    token: String,
}

impl<'a> C2s<'a> {
    async fn new(app: &'a TestApp, name: &str) -> C2s<'a> {
        let token = domain::tokens::create(&app.state.db, name, "read write")
            .await
            .unwrap();
        C2s {
            app,
            name: name.into(),
            token,
        }
    }

    fn me(&self) -> String {
        format!("{}/users/{}", self.app.public, self.name)
    }

    /// POSTs to the outbox: `(status, Location, body)`.
    async fn send(&self, activity: Value) -> (u16, String, Value) {
        let res = common::client()
            .post(format!("{}/outbox", self.me()))
            .bearer_auth(&self.token)
            .header(
                "content-type",
                "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            )
            .body(activity.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, res.json().await.unwrap_or(Value::Null))
    }

    /// Sends and expects 201; the Location.
    async fn ok(&self, activity: Value) -> String {
        let (status, location, body) = self.send(activity).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["id"], location, "{body}");
        location
    }

    async fn get(&self, url: &str) -> (u16, Value) {
        let res = common::client()
            .get(url)
            .bearer_auth(&self.token)
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    async fn upload(&self, bytes: Vec<u8>, object: Value) -> (u16, String, Value) {
        let actor: Value = self
            .app
            .get_accept(
                &format!("/users/{}", self.name),
                "application/activity+json",
            )
            .await
            .json()
            .await
            .unwrap();
        let endpoint = actor["endpoints"]["uploadMedia"].as_str().unwrap();
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
            .text("object", object.to_string());
        let res = common::client()
            .post(endpoint)
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, res.json().await.unwrap_or(Value::Null))
    }
}

/// A status through the Mastodon API of `app` (public statuses need no token).
async fn status(app: &TestApp, token: &str, id: i64) -> Value {
    common::client()
        .get(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn accepted_follow(from: &TestApp, name: &str, target_uri: &str) -> bool {
    let me = from.local(name).await;
    let Some(target) = pinhole::db::accounts::find_by_uri(&from.state.db, target_uri)
        .await
        .unwrap()
    else {
        return false;
    };
    pinhole::db::follows::find_pair(&from.state.db, me.id, target.id)
        .await
        .unwrap()
        .is_some_and(|f| f.accepted)
}

/// The fields of a Mastodon Status that do not depend on which post it is.
fn comparable(mut s: Value) -> Value {
    for key in ["id", "uri", "url", "created_at"] {
        s[key] = Value::Null;
    }
    if let Some(media) = s["media_attachments"].as_array_mut() {
        for m in media {
            for key in ["id", "url", "preview_url"] {
                m[key] = Value::Null;
            }
        }
    }
    s
}

#[tokio::test]
async fn a_c2s_session_reaches_another_instance() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let alice = C2s::new(&a, "alice").await;
    let bob_uri = format!("{}/users/bob", b.public);
    let bob_token = domain::tokens::create(&b.state.db, "bob", "read write")
        .await
        .unwrap();
    // Bob follows alice so her posts travel to B; bob has a photo post to like and boost.
    b.follow("bob", &a.handle("alice")).await;
    let alice_uri = alice.me();
    eventually(20, "bob follows alice", || {
        accepted_follow(&b, "bob", &alice_uri)
    })
    .await;
    let bobs = b
        .post(
            "bob",
            note("Harbour at dawn", Visibility::Public),
            vec![(solid_jpeg(320, 240, [20, 40, 200]), "Boats")],
        )
        .await;

    // Upload through uploadMedia: 201, Location is the object's id, alt text kept.
    let (status_code, media_id, media) = alice
        .upload(
            solid_jpeg(640, 480, [200, 30, 30]),
            json!({"type": "Image", "name": "A red square", "focalPoint": [0.5, -0.25]}),
        )
        .await;
    assert_eq!(status_code, 201, "{media}");
    assert_eq!(media["id"], media_id);
    assert_eq!(media["name"], "A red square");
    assert_eq!(media["mediaType"], "image/jpeg");
    assert_eq!(media["width"], 640);
    assert!(media["blurhash"].as_str().is_some());
    let file = common::client()
        .get(media["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(alice.get(&media_id).await.0, 200);
    assert_eq!(
        common::client()
            .get(&media_id)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // A photo post with it, and a note.
    let photo_create = alice
        .ok(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Create",
            "actor": alice.me(),
            "to": [PUBLIC],
            "cc": [format!("{}/followers", alice.me())],
            "object": {
                "type": "Note",
                "content": "<p>Red, via an ActivityPub client #c2s</p>",
                "attachment": [{"type": "Image", "id": media_id}],
                "contentMap": {"en": "<p>Red, via an ActivityPub client #c2s</p>"},
            },
        }))
        .await;
    let photo_uri = photo_create.trim_end_matches("/activity").to_string();
    let note_create = alice
        .ok(json!({"type": "Note", "content": "Just a note", "to": [PUBLIC]}))
        .await;
    let note_uri = note_create.trim_end_matches("/activity").to_string();
    eventually(20, "both posts on B", || async {
        b.post_by_uri(&photo_uri).await.is_some() && b.post_by_uri(&note_uri).await.is_some()
    })
    .await;
    let on_b = b.post_by_uri(&photo_uri).await.unwrap();
    assert_eq!(on_b.media.len(), 1);
    assert_eq!(on_b.media[0].description, "A red square");
    assert_eq!(on_b.tags, vec!["c2s".to_string()]);

    // The same post made through the Mastodon API reads back identically.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(solid_jpeg(640, 480, [200, 30, 30]))
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .text("description", "A red square")
        .text("focus", "0.5,-0.25");
    let uploaded: Value = common::client()
        .post(a.url("/api/v2/media"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let via_api: Value = common::client()
        .post(a.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .json(&json!({
            "status": "Red, via an ActivityPub client #c2s",
            "media_ids": [uploaded["id"]],
            "language": "en",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c2s_post = a.post_by_uri(&photo_uri).await.unwrap();
    let via_c2s = status(&a, &alice.token, c2s_post.post.id).await;
    assert_eq!(
        via_c2s["media_attachments"][0]["description"],
        "A red square"
    );
    assert_eq!(via_c2s["tags"][0]["name"], "c2s");
    assert_eq!(via_c2s["visibility"], "public");
    assert_eq!(comparable(via_c2s), comparable(via_api));

    // Follow bob on B.
    let follow_id = alice
        .ok(json!({"type": "Follow", "actor": alice.me(), "object": bob_uri}))
        .await;
    eventually(20, "alice follows bob", || {
        accepted_follow(&a, "alice", &bob_uri)
    })
    .await;
    assert!(
        b.collection_items("bob", "followers")
            .await
            .1
            .contains(&alice.me())
    );

    // Like and boost bob's photo post (unknown to A until now: fetched from B).
    let like_id = alice
        .ok(json!({"type": "Like", "object": bobs.post.uri}))
        .await;
    let boost_id = alice
        .ok(json!({"type": "Announce", "object": bobs.post.uri, "to": [PUBLIC]}))
        .await;
    eventually(20, "bob sees the like and the boost", || async {
        let s = status(&b, &bob_token, bobs.post.id).await;
        s["favourites_count"] == 1 && s["reblogs_count"] == 1
    })
    .await;
    let kinds = b.notification_kinds("bob").await;
    assert!(kinds.contains(&"favourite".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"reblog".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"follow".to_string()), "{kinds:?}");

    // Undo both: the like by id, the boost embedded.
    let undo_like = alice.ok(json!({"type": "Undo", "object": like_id})).await;
    assert_eq!(undo_like, format!("{like_id}/undo"));
    alice
        .ok(
            json!({"type": "Undo", "object": {"type": "Announce", "id": boost_id,
            "actor": alice.me(), "object": bobs.post.uri}}),
        )
        .await;
    eventually(20, "bob sees both undone", || async {
        let s = status(&b, &bob_token, bobs.post.id).await;
        s["favourites_count"] == 0 && s["reblogs_count"] == 0
    })
    .await;

    // Bob's later followers-only note reaches alice; her inbox collection lists it.
    let later = b
        .post("bob", note("For followers", Visibility::Private), vec![])
        .await;
    eventually(20, "the note reaches A", || async {
        a.post_by_uri(&later.post.uri).await.is_some()
    })
    .await;
    let inbox_url = format!("{}/inbox", alice.me());
    let (code, inbox) = alice.get(&inbox_url).await;
    assert_eq!(code, 200);
    assert_eq!(inbox["type"], "OrderedCollection");
    let (code, page) = alice.get(inbox["first"].as_str().unwrap()).await;
    assert_eq!(code, 200);
    let items = page["orderedItems"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["type"] == "Create" && i["object"]["id"] == later.post.uri),
        "{page}"
    );
    assert!(
        items
            .iter()
            .any(|i| i["type"] == "Accept" && i["object"]["id"] == follow_id),
        "{page}"
    );
    // Nobody else reads it.
    assert_eq!(
        common::client()
            .get(&inbox_url)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    a.create_user("mallory").await;
    let mallory = C2s::new(&a, "mallory").await;
    assert_eq!(mallory.get(&inbox_url).await.0, 403);

    // Edit and delete the note through the outbox; B follows.
    alice
        .ok(
            json!({"type": "Update", "object": {"type": "Note", "id": note_uri,
            "content": "Just a note, edited"}}),
        )
        .await;
    eventually(20, "the edit reaches B", || async {
        b.post_by_uri(&note_uri)
            .await
            .is_some_and(|v| v.post.content.contains("edited"))
    })
    .await;
    alice
        .ok(json!({"type": "Delete", "object": note_uri}))
        .await;
    eventually(20, "the delete reaches B", || async {
        b.post_by_uri(&note_uri).await.is_none()
    })
    .await;
    assert_eq!(a.get(&note_uri.replace(&a.public, "")).await.status(), 410);

    // A profile edit through the outbox: B (where bob follows alice) hears of it.
    let (code, _, update) = alice
        .send(
            json!({"type": "Update", "object": {"type": "Person", "id": alice.me(),
            "name": "Alice (C2S)", "summary": "<p>Tides and boats</p>"}}),
        )
        .await;
    assert_eq!(code, 201, "{update}");
    assert_eq!(update["object"]["name"], "Alice (C2S)");
    eventually(20, "B shows the new profile", || async {
        pinhole::db::accounts::find_by_uri(&b.state.db, &alice.me())
            .await
            .unwrap()
            .is_some_and(|a| a.display_name == "Alice (C2S)" && a.summary.contains("Tides"))
    })
    .await;

    // Undo the follow.
    alice.ok(json!({"type": "Undo", "object": follow_id})).await;
    eventually(20, "bob lost alice as a follower", || async {
        !b.collection_items("bob", "followers")
            .await
            .1
            .contains(&alice.me())
    })
    .await;
}

#[tokio::test]
async fn followers_only_reaches_followers_and_bto_stays_hidden() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let peer = common::peer::Peer::spawn().await;
    let bystander = common::peer::Peer::spawn().await;
    a.create_user("alice").await;
    for name in ["bob", "carol", "dave", "erin"] {
        b.create_user(name).await;
    }
    let eve = peer.add_actor("eve", false);
    bystander.add_actor("gus", false);
    let alice = C2s::new(&a, "alice").await;
    b.follow("bob", &a.handle("alice")).await;
    let alice_uri = alice.me();
    eventually(20, "bob follows alice", || {
        accepted_follow(&b, "bob", &alice_uri)
    })
    .await;
    let carol_uri = format!("{}/users/carol", b.public);
    let erin_uri = format!("{}/users/erin", b.public);
    // alice follows gus: following someone does not make them an audience.
    alice
        .ok(json!({"type": "Follow", "object": bystander.actor_id("gus")}))
        .await;

    let location = alice
        .ok(json!({
            "type": "Create",
            "to": [format!("{}/followers", alice.me())],
            "bto": [eve],
            "bcc": [carol_uri, erin_uri],
            "object": {"type": "Note", "content": "Followers, and two quiet guests"},
        }))
        .await;
    let uri = location.trim_end_matches("/activity").to_string();
    let created = a.post_by_uri(&uri).await.unwrap();
    assert_eq!(created.post.visibility, "private");

    // The peer's eve got it in her inbox, without a trace of bto/bcc.
    eventually(20, "eve receives the Create", || async {
        peer.received()
            .iter()
            .any(|r| r["type"] == "Create" && r["object"]["id"] == uri)
    })
    .await;
    let delivered: Vec<Value> = peer
        .received()
        .into_iter()
        .filter(|r| r["object"]["id"] == uri)
        .collect();
    assert_eq!(delivered.len(), 1);
    // At her personal inbox: a shared-inbox copy would not tell her server who it is for.
    assert_eq!(peer.received_by("eve").len(), 1);
    let text = delivered[0].to_string();
    for hidden in [
        "bto",
        "bcc",
        eve.as_str(),
        carol_uri.as_str(),
        erin_uri.as_str(),
    ] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }

    // B: bob (follower), carol and erin (bcc, two personal deliveries of one activity) may
    // see it, dave may not.
    eventually(20, "B stores the post", || async {
        b.post_by_uri(&uri).await.is_some()
    })
    .await;
    let on_b = b.post_by_uri(&uri).await.unwrap();
    assert!(on_b.mentions.is_empty());
    // The three deliveries to B (bob's shared inbox, carol's and erin's personal ones) run
    // concurrently: whichever comes first stores the post, the others add their recipient.
    eventually(20, "both bcc recipients on B are recorded", || async {
        let post = b.post_by_uri(&uri).await.unwrap().post;
        let mut both = true;
        for name in ["carol", "erin"] {
            let viewer = b.local(name).await;
            both &= domain::posts::can_see(&b.state.db, Some(&viewer), &post)
                .await
                .unwrap();
        }
        both
    })
    .await;
    for (name, allowed) in [
        ("bob", true),
        ("carol", true),
        ("erin", true),
        ("dave", false),
    ] {
        let viewer = b.local(name).await;
        assert_eq!(
            domain::posts::can_see(&b.state.db, Some(&viewer), &on_b.post)
                .await
                .unwrap(),
            allowed,
            "{name}"
        );
    }
    // What A serves never names them either, and anonymous readers see nothing.
    let (code, outbox) = alice.get(&format!("{}/outbox?page=true", alice.me())).await;
    assert_eq!(code, 200);
    let mine = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["object"]["id"] == uri)
        .cloned()
        .expect("the owner sees the followers-only post in the outbox");
    assert!(!mine.to_string().contains("bcc"));
    let anonymous: Value = a
        .get_accept("/users/alice/outbox?page=true", "application/activity+json")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !anonymous["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["object"]["id"] == uri)
    );
    // Nobody unaddressed was sent the post (gus only got alice's Follow).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let to_gus = bystander.received();
    assert!(to_gus.iter().all(|r| r["type"] == "Follow"), "{to_gus:?}");
    assert_eq!(to_gus.len(), 1);
}

#[tokio::test]
async fn blocking_through_the_outbox() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let alice = C2s::new(&a, "alice").await;
    let bob_uri = format!("{}/users/bob", b.public);
    b.follow("bob", &a.handle("alice")).await;
    let alice_uri = alice.me();
    eventually(20, "bob follows alice", || {
        accepted_follow(&b, "bob", &alice_uri)
    })
    .await;

    let block_id = alice.ok(json!({"type": "Block", "object": bob_uri})).await;
    // Both sides drop the follow; bob's new posts do not reach alice's timelines.
    eventually(20, "B drops bob's follow", || async {
        !accepted_follow(&b, "bob", &alice.me()).await
    })
    .await;
    assert!(a.collection_items("alice", "followers").await.1.is_empty());
    let bob_on_a = pinhole::db::accounts::find_by_uri(&a.state.db, &bob_uri)
        .await
        .unwrap()
        .unwrap();
    assert!(
        pinhole::db::blocks::between(&a.state.db, a.local("alice").await.id, bob_on_a.id)
            .await
            .unwrap()
    );
    // The Mastodon API reports the same block.
    let rel: Value = common::client()
        .get(a.url(&format!(
            "/api/v1/accounts/relationships?id[]={}",
            bob_on_a.id
        )))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rel[0]["blocking"], true, "{rel}");
    assert_eq!(rel[0]["followed_by"], false, "{rel}");
    let blocks: Value = common::client()
        .get(a.url("/api/v1/blocks"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(blocks[0]["id"], bob_on_a.id.to_string(), "{blocks}");

    // B knows of the block and refuses bob's new follow of alice; A answers a Follow from
    // bob (as another server would still send it) with Reject and keeps nothing.
    let bob = b.local("bob").await;
    let alice_on_b = pinhole::db::accounts::find_by_uri(&b.state.db, &alice.me())
        .await
        .unwrap()
        .unwrap();
    eventually(20, "B records the block", || async {
        pinhole::db::blocks::between(&b.state.db, bob.id, alice_on_b.id)
            .await
            .unwrap()
    })
    .await;
    assert!(
        domain::follows::follow(
            &b.state.db,
            &b.state.federation.publisher,
            &bob,
            &alice_on_b
        )
        .await
        .is_err()
    );
    let state = domain::follows::receive_follow(
        &a.state.db,
        &a.state.federation.publisher,
        &bob_on_a,
        &a.local("alice").await,
        &format!("{bob_uri}#follows/again"),
    )
    .await
    .unwrap();
    assert_eq!(state, domain::follows::FollowState::Rejected);
    assert!(a.collection_items("alice", "followers").await.1.is_empty());

    alice.ok(json!({"type": "Undo", "object": block_id})).await;
    assert!(
        !pinhole::db::blocks::between(&a.state.db, a.local("alice").await.id, bob_on_a.id)
            .await
            .unwrap()
    );
    eventually(20, "B lifts the block", || async {
        let bob = b.local("bob").await;
        let alice_on_b = pinhole::db::accounts::find_by_uri(&b.state.db, &alice.me())
            .await
            .unwrap()
            .unwrap();
        !pinhole::db::blocks::between(&b.state.db, bob.id, alice_on_b.id)
            .await
            .unwrap()
    })
    .await;
}
