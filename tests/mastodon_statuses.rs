//! The Mastodon client API for posts: media uploads, statuses, interactions, timelines and
//! notifications, in Mastodon's JSON shapes, with scopes enforced.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, eventually, solid_jpeg};
use serde_json::{Value, json};

async fn token(app: &TestApp, name: &str, scopes: &str) -> String {
    pinhole::domain::tokens::create(&app.state.db, name, scopes)
        .await
        .unwrap()
}

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
        let res = req.bearer_auth(&self.token).send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let (s, _, b) = self.send(common::client().get(self.app.url(path))).await;
        (s, b)
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, _, b) = self
            .send(common::client().post(self.app.url(path)).json(&body))
            .await;
        (s, b)
    }
    async fn upload(&self, bytes: Vec<u8>, alt: &str) -> (u16, Value) {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
            .text("description", alt.to_string())
            .text("focus", "0.5,-0.25");
        let (s, _, b) = self
            .send(
                common::client()
                    .post(self.app.url("/api/v2/media"))
                    .multipart(form),
            )
            .await;
        (s, b)
    }
}

#[tokio::test]
async fn photo_posts_through_the_mastodon_api() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = Api {
        app: &app,
        token: token(&app, "alice", "read write follow").await,
    };
    let bob = Api {
        app: &app,
        token: token(&app, "bob", "read write follow").await,
    };
    let read_only = Api {
        app: &app,
        token: token(&app, "alice", "read").await,
    };

    // Upload two photos with alt text; fix one alt text afterwards.
    let (s, m1) = alice
        .upload(solid_jpeg(800, 600, [10, 120, 200]), "A blue wall")
        .await;
    assert_eq!(s, 200, "{m1}");
    assert_eq!(m1["type"], "image");
    assert_eq!(m1["description"], "A blue wall");
    assert_eq!(m1["meta"]["original"]["width"], 800);
    assert_eq!(m1["meta"]["focus"]["x"], 0.5);
    assert!(m1["blurhash"].as_str().is_some());
    assert!(m1["url"].as_str().unwrap().starts_with(&app.public));
    let (_, m2) = alice
        .upload(solid_jpeg(600, 800, [200, 120, 10]), "typo")
        .await;
    let (s, fixed) = {
        let (s, _, b) = alice
            .send(
                common::client()
                    .put(app.url(&format!("/api/v1/media/{}", m2["id"].as_str().unwrap())))
                    .form(&[("description", "An orange door")]),
            )
            .await;
        (s, b)
    };
    assert_eq!(s, 200, "{fixed}");
    assert_eq!(fixed["description"], "An orange door");
    // A read-only token cannot upload or post.
    assert_eq!(
        read_only.upload(solid_jpeg(10, 10, [0, 0, 0]), "x").await.0,
        403
    );
    assert_eq!(
        read_only
            .post("/api/v1/statuses", json!({"status": "no"}))
            .await
            .0,
        403
    );
    // Not an image: 422, nothing stored.
    let before = pinhole::db::media::count(&app.state.db).await.unwrap();
    assert_eq!(alice.upload(b"hello".to_vec(), "x").await.0, 422);
    assert_eq!(
        pinhole::db::media::count(&app.state.db).await.unwrap(),
        before
    );

    // Post them, form-encoded with Rails arrays as most apps send.
    let (s, _, photo) = alice
        .send(common::client().post(app.url("/api/v1/statuses")).form(&[
            ("status", "Colours of the old town #street"),
            ("media_ids[]", m1["id"].as_str().unwrap()),
            ("media_ids[]", m2["id"].as_str().unwrap()),
            ("visibility", "public"),
            ("language", "en"),
        ]))
        .await;
    assert_eq!(s, 200, "{photo}");
    assert_eq!(photo["media_attachments"].as_array().unwrap().len(), 2);
    assert_eq!(
        photo["media_attachments"][1]["description"],
        "An orange door"
    );
    assert_eq!(photo["account"]["username"], "alice");
    assert_eq!(photo["visibility"], "public");
    assert_eq!(photo["tags"][0]["name"], "street");
    assert!(
        photo["content"]
            .as_str()
            .unwrap()
            .contains("Colours of the old town")
    );
    assert_eq!(photo["language"], "en");
    for key in [
        "id",
        "uri",
        "url",
        "created_at",
        "spoiler_text",
        "replies_count",
        "reblogs_count",
        "favourites_count",
        "favourited",
        "reblogged",
        "mentions",
        "emojis",
        "reblog",
        "poll",
        "card",
        "edited_at",
    ] {
        assert!(photo.get(key).is_some(), "Status lacks {key}");
    }
    // A text note, JSON-encoded, with a content warning.
    let (s, note) = alice
        .post(
            "/api/v1/statuses",
            json!({"status": "Just a note", "spoiler_text": "meta", "visibility": "unlisted"}),
        )
        .await;
    assert_eq!(s, 200, "{note}");
    assert_eq!(note["sensitive"], true);
    assert_eq!(note["spoiler_text"], "meta");
    // Media already used, unknown visibility, empty post: 422.
    assert_eq!(
        alice
            .post(
                "/api/v1/statuses",
                json!({"status": "again", "media_ids": [m1["id"]]})
            )
            .await
            .0,
        422
    );
    assert_eq!(
        alice
            .post(
                "/api/v1/statuses",
                json!({"status": "x", "visibility": "friends"})
            )
            .await
            .0,
        422
    );
    assert_eq!(
        alice
            .post("/api/v1/statuses", json!({"status": ""}))
            .await
            .0,
        422
    );

    // Bob follows alice (same server), favourites and boosts the photo post.
    let bob_acc = app.local("bob").await;
    let alice_acc = app.local("alice").await;
    pinhole::domain::follows::follow(
        &app.state.db,
        &app.state.federation.publisher,
        &bob_acc,
        &alice_acc,
    )
    .await
    .unwrap();
    let id = photo["id"].as_str().unwrap();
    let (s, fav) = bob
        .post(&format!("/api/v1/statuses/{id}/favourite"), json!({}))
        .await;
    assert_eq!(s, 200, "{fav}");
    assert_eq!(fav["favourited"], true);
    assert_eq!(fav["favourites_count"], 1);
    let (s, boost) = bob
        .post(&format!("/api/v1/statuses/{id}/reblog"), json!({}))
        .await;
    assert_eq!(s, 200, "{boost}");
    assert_eq!(boost["reblog"]["id"], id);
    assert_eq!(boost["reblog"]["reblogged"], true);
    // Bob's home timeline shows alice's posts and his boost; paging via the Link header.
    let (s, headers, home) = bob
        .send(common::client().get(app.url("/api/v1/timelines/home?limit=2")))
        .await;
    assert_eq!(s, 200);
    let home = home.as_array().unwrap();
    assert_eq!(home.len(), 2);
    assert_eq!(home[0]["reblog"]["id"], id);
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("rel=\"next\"") && link.contains("max_id="),
        "{link}"
    );
    let next = link.split('<').nth(1).unwrap().split('>').next().unwrap();
    let next_path = next.trim_start_matches(&app.public);
    let (_, rest) = bob.get(&format!("{next_path}&limit=2")).await;
    let rest = rest.as_array().unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["id"], id);

    // Alice's notifications: follow, favourite, reblog — with statuses attached.
    let (s, notes) = alice.get("/api/v1/notifications").await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reblog", "favourite", "follow"]);
    assert_eq!(notes[0]["status"]["id"], id);
    assert_eq!(notes[2]["account"]["username"], "bob");
    let (_, only) = alice.get("/api/v1/notifications?types[]=favourite").await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    let (_, without) = alice
        .get("/api/v1/notifications?exclude_types[]=follow")
        .await;
    assert_eq!(without.as_array().unwrap().len(), 2);

    // Public and tag timelines, the photo grid, a single status, its context.
    let (_, public) = app
        .get("/api/v1/timelines/public?local=true")
        .await
        .json::<Value>()
        .await
        .map(|v| (0, v))
        .unwrap();
    assert_eq!(
        public.as_array().unwrap().len(),
        1,
        "unlisted and boosts stay out: {public}"
    );
    let tag: Value = app
        .get("/api/v1/timelines/tag/Street")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tag[0]["id"], id);
    let (_, grid) = bob
        .get(&format!(
            "/api/v1/accounts/{}/statuses?only_media=true",
            alice_acc.id
        ))
        .await;
    assert_eq!(grid.as_array().unwrap().len(), 1);
    let (s, one) = bob.get(&format!("/api/v1/statuses/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(one["favourited"], true);
    let (s, reply) = bob
        .post(
            "/api/v1/statuses",
            json!({"status": "@alice lovely", "in_reply_to_id": id}),
        )
        .await;
    assert_eq!(s, 200, "{reply}");
    assert_eq!(reply["in_reply_to_id"], id);
    assert_eq!(reply["mentions"][0]["username"], "alice");
    let (_, ctx) = alice.get(&format!("/api/v1/statuses/{id}/context")).await;
    assert_eq!(ctx["descendants"][0]["id"], reply["id"]);

    // Edit and history; delete answers the status with its source text, then 404.
    let nid = note["id"].as_str().unwrap();
    let (s, _, edited) = alice
        .send(
            common::client()
                .put(app.url(&format!("/api/v1/statuses/{nid}")))
                .json(&json!({"status": "Just a note, edited"})),
        )
        .await;
    assert_eq!(s, 200, "{edited}");
    assert!(edited["edited_at"].is_string());
    let (_, history) = alice.get(&format!("/api/v1/statuses/{nid}/history")).await;
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert!(history[1]["content"].as_str().unwrap().contains("edited"));
    assert!(!history[0]["content"].as_str().unwrap().contains("edited"));
    assert_eq!(history[1]["account"]["username"], "alice");
    assert_eq!(history[1]["emojis"], json!([]));
    assert!(history[0]["created_at"].is_string());
    let (s, _, deleted) = alice
        .send(common::client().delete(app.url(&format!("/api/v1/statuses/{nid}"))))
        .await;
    assert_eq!(s, 200);
    assert_eq!(deleted["text"], "Just a note, edited");
    assert_eq!(alice.get(&format!("/api/v1/statuses/{nid}")).await.0, 404);
    // Bob cannot delete alice's post; unknown ids are 404 in Mastodon's error shape.
    let (s, _, err) = bob
        .send(common::client().delete(app.url(&format!("/api/v1/statuses/{id}"))))
        .await;
    assert_eq!(s, 404);
    assert!(err["error"].is_string());
    // Unboost and unfavourite.
    let (_, un) = bob
        .post(&format!("/api/v1/statuses/{id}/unreblog"), json!({}))
        .await;
    assert_eq!(un["reblogged"], false);
    let (_, un) = bob
        .post(&format!("/api/v1/statuses/{id}/unfavourite"), json!({}))
        .await;
    assert_eq!(un["favourited"], false);
    eventually(5, "counts drop", || async {
        bob.get(&format!("/api/v1/statuses/{id}")).await.1["favourites_count"] == 0
    })
    .await;
}

#[tokio::test]
async fn private_posts_stay_private_in_the_api() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("carol").await;
    let alice = Api {
        app: &app,
        token: token(&app, "alice", "read write").await,
    };
    let carol = Api {
        app: &app,
        token: token(&app, "carol", "read write").await,
    };
    let (_, secret) = alice
        .post(
            "/api/v1/statuses",
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let id = secret["id"].as_str().unwrap();
    assert_eq!(carol.get(&format!("/api/v1/statuses/{id}")).await.0, 404);
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}")).await.status(),
        404
    );
    let (_, home) = carol.get("/api/v1/timelines/home").await;
    assert_eq!(home, json!([]));
    let alice_id = app.local("alice").await.id;
    let (_, theirs) = carol
        .get(&format!("/api/v1/accounts/{alice_id}/statuses"))
        .await;
    assert_eq!(theirs, json!([]));
    // Boosting a private post is refused.
    assert_eq!(
        carol
            .post(&format!("/api/v1/statuses/{id}/reblog"), json!({}))
            .await
            .0,
        404
    );
    // Wrong token: 401 in Mastodon's shape.
    let res = common::client()
        .get(app.url("/api/v1/timelines/home"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn hashtags_are_kept_once_per_name_whatever_their_case() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = Api {
        app: &app,
        token: token(&app, "alice", "read write").await,
    };
    let names = |status: &Value| {
        let mut n: Vec<String> = status["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_lowercase())
            .collect();
        n.sort();
        n
    };
    let (s, first) = alice
        .post(
            "/api/v1/statuses",
            json!({"status": "Dunes #Zebra #beach #Beach #sun #apple"}),
        )
        .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(names(&first), ["apple", "beach", "sun", "zebra"]);
    // Known tags and a new one, in another case.
    let (s, second) = alice
        .post(
            "/api/v1/statuses",
            json!({"status": "Noon #SUN #zebra #new"}),
        )
        .await;
    assert_eq!(s, 200, "{second}");
    assert_eq!(names(&second), ["new", "sun", "zebra"]);
    // What the answer to the post said is what the post reads as afterwards.
    let (_, again) = alice
        .get(&format!(
            "/api/v1/statuses/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again["created_at"], first["created_at"]);
    assert_eq!(names(&again), names(&first));
    let (_, sun) = alice.get("/api/v1/timelines/tag/sun").await;
    assert_eq!(sun.as_array().unwrap().len(), 2, "{sun}");
    let (_, beach) = alice.get("/api/v1/timelines/tag/BEACH").await;
    assert_eq!(beach.as_array().unwrap().len(), 1, "{beach}");
    assert_eq!(beach[0]["id"], first["id"]);
}

#[tokio::test]
async fn posts_creating_the_same_new_tags_at_once_all_succeed() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = Api {
        app: &app,
        token: token(&app, "alice", "read write").await,
    };
    // Each post names the same six new tags in another order: created one by one in the
    // post's order, two transactions would wait on each other's tags (a deadlock).
    let tags = ["kelp", "tide", "gull", "reef", "surf", "cove"];
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..12 {
        let mut mine = tags.to_vec();
        mine.rotate_left(i % tags.len());
        if i % 2 == 1 {
            mine.reverse();
        }
        let text: Vec<String> = mine.iter().map(|t| format!("#{t}")).collect();
        let request = common::client()
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&alice.token)
            .json(&json!({"status": text.join(" ")}));
        posts.spawn(async move {
            let res = request.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    while let Some(done) = posts.join_next().await {
        let (s, body) = done.unwrap();
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["tags"].as_array().unwrap().len(), 6, "{body}");
    }
    let (_, kelp) = alice.get("/api/v1/timelines/tag/kelp?limit=40").await;
    assert_eq!(kelp.as_array().unwrap().len(), 12, "{kelp}");
}

#[tokio::test]
async fn idempotency_bookmarks_and_profile_edits() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = Api {
        app: &app,
        token: token(&app, "alice", "read write").await,
    };

    // The same Idempotency-Key twice: one post.
    let send = || async {
        let (s, _, b) = alice
            .send(
                common::client()
                    .post(app.url("/api/v1/statuses"))
                    .header("Idempotency-Key", "abc-123")
                    .json(&json!({"status": "only once"})),
            )
            .await;
        (s, b)
    };
    let (s1, first) = send().await;
    let (s2, second) = send().await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(
        pinhole::db::posts::count_local(&app.state.db)
            .await
            .unwrap(),
        1
    );

    // Bookmarks show on the status.
    let id = first["id"].as_str().unwrap();
    let (s, b) = alice
        .post(&format!("/api/v1/statuses/{id}/bookmark"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["bookmarked"], true);
    let (_, b) = alice
        .post(&format!("/api/v1/statuses/{id}/unbookmark"), json!({}))
        .await;
    assert_eq!(b["bookmarked"], false);

    // Profile: name, bio, locked, and an avatar through the media pipeline.
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Alice L.")
        .text("note", "Photos of #harbours")
        .text("locked", "true")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(solid_jpeg(400, 400, [90, 90, 200]))
                .file_name("me.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let (s, _, me) = alice
        .send(
            common::client()
                .patch(app.url("/api/v1/accounts/update_credentials"))
                .multipart(form),
        )
        .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["display_name"], "Alice L.");
    assert_eq!(me["locked"], true);
    assert!(me["note"].as_str().unwrap().contains("harbours"));
    let avatar = me["avatar"].as_str().unwrap();
    assert!(
        avatar.starts_with(&app.public) && avatar.contains("/media/"),
        "{avatar}"
    );
    let res = common::client()
        .get(avatar.replace("localhost", "127.0.0.1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(me["statuses_count"], 1);
    // The actor document shows the new name and icon to other servers.
    let actor: Value = app
        .get_accept("/users/alice", "application/activity+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(actor["name"], "Alice L.");
    assert_eq!(actor["icon"]["url"], avatar);
    // Form-encoded edits and limits.
    let (s, _, _) = alice
        .send(
            common::client()
                .patch(app.url("/api/v1/accounts/update_credentials"))
                .form(&[("display_name", "x".repeat(31))]),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _, me) = alice
        .send(
            common::client()
                .patch(app.url("/api/v1/accounts/update_credentials"))
                .form(&[("locked", "false")]),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(me["locked"], false);
    assert_eq!(me["display_name"], "Alice L.");
}
