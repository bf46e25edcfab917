//! Posts travelling between Pinhole instances on loopback: photo posts and notes with
//! their attachments, visibility enforced on every path, replies, likes, boosts, edits
//! and deletes, each seen by the other side.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, eventually, note, solid_jpeg};
use pinhole::{
    db::posts::Page,
    domain::{
        self,
        posts::{EditPost, Visibility},
        timelines::{self, AccountFilter},
    },
    federation::posts::{StateDirectory, posting},
};
use serde_json::Value;

async fn three() -> (TestApp, TestApp, TestApp) {
    let (a, b, c) = tokio::join!(TestApp::spawn(), TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    c.create_user("carol").await;
    (a, b, c)
}

#[tokio::test]
async fn posts_replies_likes_boosts_edits_and_deletes_cross_instances() {
    let (a, b, c) = three().await;
    b.follow("bob", &a.handle("alice")).await;
    eventually(20, "bob's follow accepted", || async {
        let bob = b.local("bob").await;
        let alice =
            pinhole::federation::resolve::resolve_handle(&b.state.federation, &a.handle("alice"))
                .await
                .unwrap();
        pinhole::db::follows::find_pair(&b.state.db, bob.id, alice.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted)
    })
    .await;

    // A 3-photo post and a followers-only note.
    let mut photo = note("Three views of the bay #sunset", Visibility::Public);
    photo.spoiler_text = None;
    let photos = a
        .post(
            "alice",
            photo,
            vec![
                (
                    solid_jpeg(640, 480, [200, 30, 30]),
                    "Red sky over the water",
                ),
                (solid_jpeg(480, 640, [30, 200, 30]), "Green hills"),
                (solid_jpeg(500, 500, [30, 30, 200]), "Blue hour"),
            ],
        )
        .await;
    let secret = a
        .post(
            "alice",
            note("Only for my followers", Visibility::Private),
            vec![],
        )
        .await;

    eventually(30, "bob's server stores both posts", || async {
        b.post_by_uri(&photos.post.uri).await.is_some()
            && b.post_by_uri(&secret.post.uri).await.is_some()
    })
    .await;
    let copy = b.post_by_uri(&photos.post.uri).await.unwrap();
    assert_eq!(copy.media.len(), 3);
    let alts: Vec<&str> = copy.media.iter().map(|m| m.description.as_str()).collect();
    assert_eq!(alts, ["Red sky over the water", "Green hills", "Blue hour"]);
    for (theirs, ours) in copy.media.iter().zip(&photos.media) {
        assert_eq!(theirs.blurhash, ours.blurhash);
        assert!(theirs.blurhash.as_deref().is_some_and(|b| b.len() >= 6));
        assert_eq!(theirs.width, ours.width);
        assert_eq!(theirs.height, ours.height);
        assert_eq!((theirs.focus_x, theirs.focus_y), (0.25, -0.5));
        // The URL serves the image.
        let res = common::client()
            .get(
                theirs
                    .remote_url
                    .clone()
                    .unwrap()
                    .replace("localhost", "127.0.0.1"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
    }
    assert_eq!(copy.tags, vec!["sunset".to_string()]);
    assert!(copy.post.content.contains("Three views of the bay"));
    assert_eq!(copy.post.visibility, "public");
    let secret_copy = b.post_by_uri(&secret.post.uri).await.unwrap();
    assert_eq!(secret_copy.post.visibility, "private");
    // Bob sees both at home.
    let bob = b.local("bob").await;
    let home = timelines::home(&b.state.db, &bob, Page::default())
        .await
        .unwrap();
    let home_uris: Vec<&str> = home.iter().map(|v| v.post.uri.as_str()).collect();
    assert!(home_uris.contains(&photos.post.uri.as_str()));
    assert!(home_uris.contains(&secret.post.uri.as_str()));

    // Carol's server (not a follower) cannot read the followers-only post anywhere.
    let err = c.signed_get(&secret.post.uri).await.unwrap_err();
    assert!(err.contains("404"), "{err}");
    let secret_path = secret.post.uri.replace(&a.public, "");
    let anon = a
        .get_accept(&secret_path, "application/activity+json")
        .await;
    assert_eq!(anon.status(), 404);
    let outbox = c
        .signed_get(&format!("{}/users/alice/outbox?page=true", a.public))
        .await
        .unwrap();
    let outbox_text = outbox.to_string();
    assert!(outbox_text.contains(&photos.post.uri));
    assert!(!outbox_text.contains(&secret.post.uri));
    assert_eq!(outbox["totalItems"], 1);
    let alice_on_a = a.local("alice").await;
    for views in [
        timelines::public(&a.state.db, None, false, false, false, Page::default())
            .await
            .unwrap(),
        timelines::account(
            &a.state.db,
            None,
            &alice_on_a,
            AccountFilter::default(),
            Page::default(),
        )
        .await
        .unwrap(),
    ] {
        assert!(views.iter().all(|v| v.post.uri != secret.post.uri));
    }
    assert!(c.post_by_uri(&secret.post.uri).await.is_none());
    // Bob's own server may fetch it (its signer is a follower's instance? no: only bob).
    // The photo grid: only posts with media.
    let grid = timelines::account(
        &a.state.db,
        None,
        &alice_on_a,
        AccountFilter {
            only_media: true,
            ..Default::default()
        },
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(grid.len(), 1);
    assert_eq!(grid[0].post.uri, photos.post.uri);

    // Bob replies, likes and boosts; Alice is notified of each.
    let mut reply = note(
        &format!("{} lovely!", a.handle("alice")),
        Visibility::Public,
    );
    reply.in_reply_to_id = Some(copy.post.id);
    let reply = b.post("bob", reply, vec![]).await;
    {
        let dir = StateDirectory(&b.state.federation);
        let ctx = posting(&b.state.federation, &dir);
        domain::posts::favourite(&ctx, &bob, copy.post.id, true)
            .await
            .unwrap();
        domain::posts::reblog(&ctx, &bob, copy.post.id)
            .await
            .unwrap();
    }
    b.state.federation.wake.notify_one();
    eventually(
        30,
        "alice notified of the reply, like and boost",
        || async {
            let kinds = a.notification_kinds("alice").await;
            eprintln!("alice's notifications: {kinds:?}");
            ["follow", "mention", "favourite", "reblog"]
                .iter()
                .all(|k| kinds.iter().any(|have| have == k))
        },
    )
    .await;
    let stored_reply = a.post_by_uri(&reply.post.uri).await.unwrap();
    assert_eq!(stored_reply.post.in_reply_to_id, Some(photos.post.id));
    let (_, descendants) = domain::posts::context(&a.state.db, None, photos.post.id)
        .await
        .unwrap();
    assert_eq!(descendants.len(), 1);

    // Alice edits the note; Bob sees the edit and the history keeps the old text.
    {
        let dir = StateDirectory(&a.state.federation);
        let ctx = posting(&a.state.federation, &dir);
        domain::posts::edit(
            &ctx,
            &alice_on_a,
            secret.post.id,
            EditPost {
                text: "Only for my followers (edited)".into(),
                media_ids: vec![],
                media_changes: vec![],
                spoiler_text: None,
                sensitive: false,
                language: None,
            },
        )
        .await
        .unwrap();
    }
    a.state.federation.wake.notify_one();
    eventually(30, "bob's copy shows the edit", || async {
        b.post_by_uri(&secret.post.uri)
            .await
            .is_some_and(|v| v.post.content.contains("(edited)"))
    })
    .await;
    let history = pinhole::db::posts::edits(&b.state.db, secret_copy.post.id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert!(!history[0].content.contains("(edited)"));

    // Alice deletes the photo post: Bob's copy (and his boost) go; the id answers 410.
    {
        let dir = StateDirectory(&a.state.federation);
        let ctx = posting(&a.state.federation, &dir);
        domain::posts::delete(&ctx, &alice_on_a, photos.post.id)
            .await
            .unwrap();
    }
    a.state.federation.wake.notify_one();
    eventually(30, "bob's copy is gone", || async {
        b.post_by_uri(&photos.post.uri).await.is_none()
    })
    .await;
    let gone = a
        .get_accept(
            &photos.post.uri.replace(&a.public, ""),
            "application/activity+json",
        )
        .await;
    assert_eq!(gone.status(), 410);
    assert_eq!(
        pinhole::db::posts::find_reblog(&b.state.db, bob.id, copy.post.id)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn post_document_matches_what_mastodon_sends() {
    let (a, b, _c) = three().await;
    b.follow("bob", &a.handle("alice")).await;
    let mut new = note(
        &format!("Hi {} see https://example.com/a #Photo", b.handle("bob")),
        Visibility::Unlisted,
    );
    new.spoiler_text = Some("bright light".into());
    let view = a
        .post(
            "alice",
            new,
            vec![(solid_jpeg(64, 48, [1, 2, 3]), "A tiny picture")],
        )
        .await;
    let res = a
        .get_accept(
            &view.post.uri.replace(&a.public, ""),
            "application/activity+json",
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/activity+json")
    );
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["type"], "Note");
    assert_eq!(doc["attributedTo"], format!("{}/users/alice", a.public));
    // Unlisted: followers in `to`, Public in `cc` with the mention.
    assert_eq!(
        doc["to"],
        serde_json::json!([format!("{}/users/alice/followers", a.public)])
    );
    let cc: Vec<&str> = doc["cc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(cc.contains(&"https://www.w3.org/ns/activitystreams#Public"));
    assert!(cc.contains(&format!("{}/users/bob", b.public).as_str()));
    assert_eq!(doc["summary"], "bright light");
    assert_eq!(doc["sensitive"], true);
    let att = &doc["attachment"][0];
    assert_eq!(att["type"], "Document");
    assert_eq!(att["mediaType"], "image/jpeg");
    assert_eq!(att["name"], "A tiny picture");
    assert_eq!(att["width"], 64);
    assert_eq!(att["height"], 48);
    assert!(att["blurhash"].as_str().is_some());
    assert_eq!(att["focalPoint"], serde_json::json!([0.25, -0.5]));
    let tags = doc["tag"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Mention" && t["href"] == format!("{}/users/bob", b.public))
    );
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Hashtag" && t["name"] == "#Photo")
    );
    let content = doc["content"].as_str().unwrap();
    assert!(
        content.contains("class=\"u-url mention\"") || content.contains("mention"),
        "{content}"
    );
    assert!(
        content.contains("href=\"https://example.com/a\""),
        "{content}"
    );
    assert!(doc["@context"].to_string().contains("toot:blurhash"));
    // Browsers get the page, with the alt text on the image.
    let html = a.get(&view.post.uri.replace(&a.public, "")).await;
    assert_eq!(html.status(), 200);
    let body = html.text().await.unwrap();
    assert!(body.contains("alt=\"A tiny picture\""), "{body}");
    // The Create Bob's server received carried the same Note.
    let copy = {
        let mut found = None;
        for _ in 0..400 {
            if let Some(v) = b.post_by_uri(&view.post.uri).await {
                found = Some(v);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        found.expect("bob's server received the post")
    };
    assert_eq!(copy.post.visibility, "unlisted");
    assert_eq!(copy.post.summary, "bright light");
    assert!(copy.post.sensitive);
    assert_eq!(copy.mentions.len(), 1);
    assert_eq!(
        b.notification_kinds("bob").await,
        vec!["mention".to_string()]
    );
}

#[tokio::test]
async fn albums_longer_than_four_keep_every_photo_and_link_the_post() {
    let a = TestApp::spawn().await;
    a.create_user("alice").await;
    let images = (0..6u8)
        .map(|n| (solid_jpeg(32, 32, [n * 40, 10, 10]), "photo"))
        .collect();
    let view = a
        .post("alice", note("Six", Visibility::Public), images)
        .await;
    assert_eq!(view.media.len(), 6);
    assert!(view.post.content.contains("All 6 photos"));
    assert!(
        view.post
            .content
            .contains(view.post.url.as_deref().unwrap())
    );
}

#[tokio::test]
async fn refused_posts_leave_nothing() {
    let a = TestApp::spawn().await;
    a.create_user("alice").await;
    let alice = a.local("alice").await;
    let dir = StateDirectory(&a.state.federation);
    let ctx = posting(&a.state.federation, &dir);
    // Second image is not an image: no post, and the first upload is removed too.
    let err = domain::posts::create_with_uploads(
        &ctx,
        &alice,
        note("two", Visibility::Public),
        vec![
            domain::media::NewMedia {
                bytes: solid_jpeg(16, 16, [0, 0, 0]),
                description: None,
                focus: None,
                ..Default::default()
            },
            domain::media::NewMedia {
                bytes: b"not an image".to_vec(),
                description: None,
                focus: None,
                ..Default::default()
            },
        ],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("image 2"), "{err}");
    assert_eq!(pinhole::db::media::count(&a.state.db).await.unwrap(), 0);
    assert_eq!(
        pinhole::db::posts::count_local(&a.state.db).await.unwrap(),
        0
    );
    // Empty post, too long a post.
    assert!(
        domain::posts::create(&ctx, &alice, note("  ", Visibility::Public))
            .await
            .is_err()
    );
    let long = "x".repeat(a.state.config.instance.max_post_characters as usize + 1);
    assert!(
        domain::posts::create(&ctx, &alice, note(&long, Visibility::Public))
            .await
            .is_err()
    );
    assert_eq!(
        pinhole::db::posts::count_local(&a.state.db).await.unwrap(),
        0
    );
}

mod rejections {
    use super::*;
    use common::peer::Peer;
    use serde_json::json;

    async fn setup() -> (TestApp, Peer, String) {
        let app = TestApp::spawn().await;
        app.create_user("alice").await;
        let peer = Peer::spawn().await;
        peer.add_actor("bob", false);
        peer.add_actor("mallory", false);
        let inbox = format!("{}/users/alice/inbox", app.public);
        (app, peer, inbox)
    }

    fn note_by(peer: &Peer, author: &str, id: &str, content: &str) -> Value {
        json!({
            "id": format!("{}/notes/{id}", peer.base),
            "type": "Note",
            "attributedTo": peer.actor_id(author),
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-01-01T00:00:00Z",
        })
    }

    fn activity(peer: &Peer, kind: &str, actor: &str, n: u32, object: Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/{kind}-{n}", peer.base),
            "type": kind,
            "actor": peer.actor_id(actor),
            "object": object,
        })
    }

    #[tokio::test]
    async fn only_the_author_may_update_or_delete() {
        let (app, peer, inbox) = setup().await;
        let note = note_by(&peer, "bob", "1", "<p>original</p>");
        let uri = note["id"].as_str().unwrap().to_string();
        let (status, body) = peer
            .post(
                "bob",
                &inbox,
                &activity(&peer, "Create", "bob", 1, note.clone()),
            )
            .await;
        assert_eq!(status, 202, "{body}");

        // Mallory claims bob's note as hers in an Update: the post is bob's.
        let mut forged = note.clone();
        forged["attributedTo"] = json!(peer.actor_id("mallory"));
        forged["content"] = json!("<p>forged</p>");
        forged["updated"] = json!("2026-01-02T00:00:00Z");
        let (status, body) = peer
            .post(
                "mallory",
                &inbox,
                &activity(&peer, "Update", "mallory", 2, forged),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        // Mallory sends bob's note unchanged but signed by herself.
        let mut as_bob = note.clone();
        as_bob["content"] = json!("<p>forged again</p>");
        let (status, body) = peer
            .post(
                "mallory",
                &inbox,
                &activity(&peer, "Update", "mallory", 3, as_bob),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        // And deletes it.
        let (status, body) = peer
            .post(
                "mallory",
                &inbox,
                &activity(
                    &peer,
                    "Delete",
                    "mallory",
                    4,
                    json!({"id": uri, "type": "Tombstone"}),
                ),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        let stored = app
            .post_by_uri(&uri)
            .await
            .expect("bob's post is still there");
        assert_eq!(stored.post.content, "<p>original</p>");
        assert!(
            pinhole::db::posts::edits(&app.state.db, stored.post.id)
                .await
                .unwrap()
                .is_empty()
        );

        // Bob himself may.
        let mut edited = note.clone();
        edited["content"] = json!("<p>edited by bob</p>");
        edited["updated"] = json!("2026-01-02T00:00:00Z");
        let (status, body) = peer
            .post("bob", &inbox, &activity(&peer, "Update", "bob", 5, edited))
            .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(
            app.post_by_uri(&uri).await.unwrap().post.content,
            "<p>edited by bob</p>"
        );
        let (status, body) = peer
            .post(
                "bob",
                &inbox,
                &activity(&peer, "Delete", "bob", 6, json!(uri)),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        assert!(app.post_by_uri(&uri).await.is_none());
    }

    #[tokio::test]
    async fn a_create_for_an_object_on_another_host_is_refused() {
        let (app, peer, inbox) = setup().await;
        let other = Peer::spawn().await;
        let mut note = note_by(&peer, "bob", "2", "<p>elsewhere</p>");
        note["id"] = json!(format!("{}/notes/2", other.base));
        let (status, body) = peer
            .post(
                "bob",
                &inbox,
                &activity(&peer, "Create", "bob", 7, note.clone()),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            app.post_by_uri(note["id"].as_str().unwrap())
                .await
                .is_none()
        );
        // attributedTo someone else on the same host: refused too.
        let mut note = note_by(&peer, "mallory", "3", "<p>not mine</p>");
        note["attributedTo"] = json!(peer.actor_id("mallory"));
        let (status, body) = peer
            .post(
                "bob",
                &inbox,
                &activity(&peer, "Create", "bob", 8, note.clone()),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            app.post_by_uri(note["id"].as_str().unwrap())
                .await
                .is_none()
        );
    }

    #[tokio::test]
    async fn scripts_styles_and_event_handlers_are_sanitized_away() {
        let (app, peer, inbox) = setup().await;
        let note = note_by(
            &peer,
            "bob",
            "4",
            r#"<p onclick="steal()">Hello <script>alert(1)</script><style>body{display:none}</style><a href="javascript:alert(2)">x</a> <a href="https://example.com/" onmouseover="x()">link</a><img src="https://example.com/t.png" onerror="y()"><iframe src="https://evil.example"></iframe></p>"#,
        );
        let mut note = note;
        note["summary"] = json!("<b>cw</b><script>z()</script>");
        let (status, body) = peer
            .post(
                "bob",
                &inbox,
                &activity(&peer, "Create", "bob", 9, note.clone()),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let stored = app.post_by_uri(note["id"].as_str().unwrap()).await.unwrap();
        let html = &stored.post.content;
        for bad in [
            "script",
            "style",
            "onclick",
            "onmouseover",
            "onerror",
            "javascript:",
            "<img",
            "iframe",
            "alert",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains(r#"href="https://example.com/""#), "{html}");
        assert!(html.contains("Hello"), "{html}");
        assert_eq!(stored.post.summary, "cw");
    }
}

#[tokio::test]
async fn timelines_page_without_gaps_or_repeats() {
    let a = TestApp::spawn().await;
    a.create_user("alice").await;
    let mut ids = Vec::new();
    for n in 0..45 {
        let view = a
            .post(
                "alice",
                note(&format!("Day {n} #daily"), Visibility::Public),
                vec![],
            )
            .await;
        ids.push(view.post.id);
    }
    ids.reverse(); // newest first, as timelines list them
    let alice = a.local("alice").await;
    let db = &a.state.db;
    let page = |max_id, since_id, min_id| Page {
        max_id,
        since_id,
        min_id,
        limit: 20,
    };

    // Down with max_id.
    let mut seen = Vec::new();
    let mut max_id = None;
    loop {
        let views = timelines::home(db, &alice, page(max_id, None, None))
            .await
            .unwrap();
        let Some(last) = views.last() else { break };
        max_id = Some(last.post.id);
        seen.extend(views.iter().map(|v| v.post.id));
    }
    assert_eq!(seen, ids);

    // Up with min_id, from before the oldest: each page newest first, pages move up.
    let mut up = Vec::new();
    let mut min_id = Some(0);
    loop {
        let views = timelines::home(db, &alice, page(None, None, min_id))
            .await
            .unwrap();
        let Some(first) = views.first() else { break };
        min_id = Some(first.post.id);
        let mut chunk: Vec<i64> = views.iter().map(|v| v.post.id).collect();
        chunk.reverse();
        up.extend(chunk);
    }
    up.reverse();
    assert_eq!(up, ids);

    // since_id: the newest page above an id.
    let views = timelines::home(db, &alice, page(None, Some(ids[30]), None))
        .await
        .unwrap();
    assert_eq!(
        views.iter().map(|v| v.post.id).collect::<Vec<_>>(),
        ids[..20].to_vec()
    );

    // Pages are capped at 40 like Mastodon's.
    let views = timelines::home(
        db,
        &alice,
        Page {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(views.len(), 40);

    // The hashtag and local timelines page the same way, case-insensitively.
    let mut tagged = Vec::new();
    let mut max_id = None;
    loop {
        let views = timelines::hashtag(db, None, "#DAILY", None, page(max_id, None, None))
            .await
            .unwrap();
        let Some(last) = views.last() else { break };
        max_id = Some(last.post.id);
        tagged.extend(views.iter().map(|v| v.post.id));
    }
    assert_eq!(tagged, ids);
    let local = timelines::public(db, None, true, false, false, page(None, None, None))
        .await
        .unwrap();
    assert_eq!(local.len(), 20);
    let remote = timelines::public(db, None, false, true, false, page(None, None, None))
        .await
        .unwrap();
    assert!(remote.is_empty());
}

#[tokio::test]
async fn reply_parents_are_fetched_from_their_origin() {
    use common::peer::Peer;
    use serde_json::json;
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = Peer::spawn().await;
    let bob = peer.add_actor("bob", false);
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let grandparent = format!("{}/notes/0", peer.base);
    let parent = format!("{}/notes/1", peer.base);
    peer.serve_object(
        "/notes/0",
        json!({"id": grandparent, "type": "Note", "attributedTo": bob, "content": "<p>first</p>", "to": [public]}),
    );
    peer.serve_object(
        "/notes/1",
        json!({"id": parent, "type": "Note", "attributedTo": bob, "content": "<p>second</p>", "to": [public], "inReplyTo": grandparent}),
    );
    let alice_uri = format!("{}/users/alice", app.public);
    let reply = json!({
        "id": format!("{}/notes/2", peer.base), "type": "Note", "attributedTo": bob,
        "content": "<p>third, for alice</p>", "to": [public], "cc": [alice_uri],
        "inReplyTo": parent,
        "tag": {"type": "Mention", "href": alice_uri, "name": "@alice"},
    });
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/notes/2/activity", peer.base), "type": "Create", "actor": bob,
        "object": reply,
    });
    let (status, body) = peer
        .post("bob", &format!("{}/inbox", app.public), &create)
        .await;
    assert_eq!(status, 202, "{body}");
    let stored = app
        .post_by_uri(&format!("{}/notes/2", peer.base))
        .await
        .unwrap();
    let parent_row = app.post_by_uri(&parent).await.expect("parent fetched");
    let grandparent_row = app
        .post_by_uri(&grandparent)
        .await
        .expect("grandparent fetched");
    assert_eq!(stored.post.in_reply_to_id, Some(parent_row.post.id));
    assert_eq!(
        parent_row.post.in_reply_to_id,
        Some(grandparent_row.post.id)
    );
    let (ancestors, _) = domain::posts::context(&app.state.db, None, stored.post.id)
        .await
        .unwrap();
    assert_eq!(
        ancestors
            .iter()
            .map(|v| v.post.uri.as_str())
            .collect::<Vec<_>>(),
        vec![grandparent.as_str(), parent.as_str()]
    );
    // Mentioned through the shared inbox: alice is notified.
    assert_eq!(
        app.notification_kinds("alice").await,
        vec!["mention".to_string()]
    );
}
