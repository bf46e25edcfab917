//! Every post and activity sample from other servers (tests/fixtures, see SOURCES.md) is
//! delivered to a running Pinhole exactly as its server would: each origin becomes a
//! loopback peer serving the author's actor (and anything the activity only names), the
//! peer signs the POST, and the test reads back what Pinhole stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    fixture,
    scene::{Scene, author, create_for},
};
use pinhole::domain::posts::PostView;
use serde_json::json;

/// What a stored post must look like.
#[derive(Default)]
struct Expect {
    content: &'static str,
    visibility: &'static str,
    media: usize,
    alt: Option<&'static str>,
    blurhash: Option<&'static str>,
    summary: &'static str,
    sensitive: bool,
    tags: &'static [&'static str],
    reply: bool,
    language: Option<&'static str>,
}

/// Delivers a post fixture (an activity or a bare object) and checks what was stored.
async fn post_fixture(path: &str, want: Expect) -> (Scene, PostView) {
    let mut scene = Scene::new().await;
    let doc = scene.rehost(&fixture(path)).await;
    let activity = if doc.get("object").is_some() && doc["type"] != "Note" {
        doc
    } else {
        create_for(&doc)
    };
    let object = &activity["object"];
    let (status, body) = scene.deliver(&activity).await;
    assert_eq!(status, 202, "{path}: {body}");
    let view = scene
        .stored(object["id"].as_str().unwrap())
        .await
        .unwrap_or_else(|| panic!("{path}: post not stored"));
    let p = &view.post;
    assert!(
        p.content.contains(want.content),
        "{path}: content {}",
        p.content
    );
    assert!(!p.content.contains("<script"), "{path}");
    assert_eq!(p.visibility, want.visibility, "{path}: visibility");
    assert_eq!(view.media.len(), want.media, "{path}: media");
    if let Some(alt) = want.alt {
        assert!(
            view.media[0].description.contains(alt),
            "{path}: alt {:?}",
            view.media[0].description
        );
    }
    assert_eq!(
        view.media.first().and_then(|m| m.blurhash.as_deref()),
        want.blurhash,
        "{path}: blurhash"
    );
    for m in &view.media {
        assert!(
            m.remote_url
                .as_deref()
                .is_some_and(|u| u.starts_with("http")),
            "{path}"
        );
    }
    assert_eq!(p.summary, want.summary, "{path}: summary");
    assert_eq!(p.sensitive, want.sensitive, "{path}: sensitive");
    let mut tags = view.tags.clone();
    tags.sort();
    let mut want_tags: Vec<String> = want.tags.iter().map(|t| t.to_string()).collect();
    want_tags.sort();
    assert_eq!(tags, want_tags, "{path}: tags");
    assert_eq!(p.in_reply_to_uri.is_some(), want.reply, "{path}: reply");
    if let Some(lang) = want.language {
        assert_eq!(p.language.as_deref(), Some(lang), "{path}: language");
    }
    assert_eq!(view.author.uri.as_deref(), Some(author(object).as_str()));
    (scene, view)
}

// ---- Posts -------------------------------------------------------------------------------

#[tokio::test]
async fn mastodon_create_note_cw_mention_hashtag() {
    post_fixture(
        "mastodon/create-note-cw-mention-hashtag.json",
        Expect {
            content: "lain",
            visibility: "public",
            summary: "cw",
            sensitive: true,
            tags: &["NSFW"],
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn mastodon_create_note_image_hashtags_ldsig() {
    post_fixture(
        "mastodon/create-note-image-hashtags-ldsig.json",
        Expect {
            content: "Holidays almost finished",
            visibility: "public",
            media: 1,
            alt: Some("Screenshot from Capture One"),
            blurhash: Some("U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU"),
            tags: &["prague", "gdansk", "krakow", "london", "wroclaw"],
            language: Some("en"),
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn mastodon_create_note_reply() {
    post_fixture(
        "mastodon/create-note-reply.json",
        Expect {
            content: "retiolus",
            visibility: "unlisted",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn mastodon_note_content_warning() {
    post_fixture(
        "mastodon/note-content-warning.json",
        Expect {
            content: "I CAN ROAR",
            visibility: "public",
            summary: "I CAN HOLD THE LINE AND KEEP ‘EM BACK WHILE YOU MAKE A BREAK",
            sensitive: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn mastodon_note_direct_message() {
    let (scene, view) = post_fixture(
        "mastodon/note-direct-message.json",
        Expect {
            content: "444",
            visibility: "direct",
            reply: true,
            language: Some("es"),
            ..Default::default()
        },
    )
    .await;
    // A direct message to someone else is no one's business here.
    let tl = pinhole::domain::timelines::public(
        &scene.app.state.db,
        None,
        false,
        false,
        false,
        Default::default(),
    )
    .await
    .unwrap();
    assert!(tl.iter().all(|v| v.post.id != view.post.id));
}

#[tokio::test]
async fn mastodon_note_image_alt_blurhash() {
    let (_, view) = post_fixture(
        "mastodon/note-image-alt-blurhash.json",
        Expect {
            content: "political violence",
            visibility: "public",
            media: 1,
            alt: Some("tweet by @NotBrunoAgain\n\nthe word"),
            blurhash: Some("U7RfkB00%MWBxuIUD%WB?b9FIUj[ogIURjWB"),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        (view.media[0].width, view.media[0].height),
        (Some(512), Some(450))
    );
}

#[tokio::test]
async fn mastodon_note_image_focalpoint_reply() {
    let (_, view) = post_fixture(
        "mastodon/note-image-focalpoint-reply.json",
        Expect {
            content: "We also need funding",
            visibility: "public",
            media: 1,
            alt: Some("The KDE dragons"),
            blurhash: Some("USQv:h-W-qI-^,W;RPs=^-R%NZxbo#sDobSc"),
            reply: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!((view.media[0].focus_x, view.media[0].focus_y), (0.0, 0.0));
    assert_eq!(view.media[0].width, Some(1500));
}

#[tokio::test]
async fn mastodon_note_reply_mention() {
    post_fixture(
        "mastodon/note-reply-mention.json",
        Expect {
            content: "retiolus",
            visibility: "unlisted",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pixelfed_create_note_image_0_11_4() {
    post_fixture(
        "pixelfed/create-note-image-0.11.4.json",
        Expect {
            content: "",
            visibility: "public",
            media: 1,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pixelfed_create_note_image_location() {
    post_fixture(
        "pixelfed/create-note-image-location.json",
        Expect {
            content: "Shadows",
            visibility: "public",
            media: 1,
            alt: Some("Stickers on the glass"),
            blurhash: Some("U9AmM5?GIp9b~UNGoeRk4=E2oeax4;ofxtWB"),
            tags: &["streetphotography", "colorphotography"],
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pixelfed_create_note_reply_mention() {
    post_fixture(
        "pixelfed/create-note-reply-mention.json",
        Expect {
            content: "Extra colours!",
            visibility: "public",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pixelfed_note_image_hashtags_2018() {
    post_fixture(
        "pixelfed/note-image-hashtags-2018.json",
        Expect {
            content: "first IG post",
            visibility: "public",
            media: 1,
            tags: &["mazda", "zoomzoom"],
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn gotosocial_note_content_warning() {
    let (_, view) = post_fixture(
        "gotosocial/note-content-warning.json",
        Expect {
            content: "hello everyone!",
            visibility: "public",
            summary: "introduction post",
            sensitive: true,
            ..Default::default()
        },
    )
    .await;
    // `+02:00` normalised.
    assert_eq!(
        view.post.published_at.to_rfc3339(),
        "2021-10-20T10:40:37+00:00"
    );
}

#[tokio::test]
async fn gotosocial_note_image_emoji_hashtag() {
    let (_, view) = post_fixture(
        "gotosocial/note-image-emoji-hashtag.json",
        Expect {
            content: "hello world!",
            visibility: "public",
            media: 1,
            alt: Some("Welcome On Board"),
            blurhash: Some("LIIE|gRj00WB-;j[t7j[4nWBj[Rj"),
            tags: &["welcome"],
            ..Default::default()
        },
    )
    .await;
    assert_eq!((view.media[0].focus_x, view.media[0].focus_y), (-0.5, 0.5));
}

#[tokio::test]
async fn gotosocial_note_reply_mention() {
    post_fixture(
        "gotosocial/note-reply-mention.json",
        Expect {
            content: "hi",
            visibility: "public",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn misskey_note_image() {
    post_fixture(
        "misskey/note-image-misskey.io.json",
        Expect {
            content: "Misskey v2024.7.0 is out now!!",
            visibility: "public",
            media: 1,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pleroma_create_note() {
    post_fixture(
        "pleroma-akkoma/create-note-pleroma.json",
        Expect {
            content: "picard",
            visibility: "public",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn akkoma_note_sensitive_null() {
    post_fixture(
        "pleroma-akkoma/note-akkoma-sensitive-null.json",
        Expect {
            content: "Freax",
            visibility: "public",
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn akkoma_note_image() {
    post_fixture(
        "pleroma-akkoma/note-image-akkoma.json",
        Expect {
            content: "RE:",
            visibility: "public",
            media: 1,
            alt: Some("Tweet by @birdhustle"),
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn pleroma_note_reply_mention() {
    post_fixture(
        "pleroma-akkoma/note-reply-mention-pleroma.json",
        Expect {
            content: "Have what?",
            visibility: "unlisted",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn friendica_note_reply() {
    post_fixture(
        "others/friendica-note-reply.json",
        Expect {
            content: "jakob",
            visibility: "public",
            reply: true,
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn mitra_create_note() {
    post_fixture(
        "others/mitra-create-note.json",
        Expect {
            content: "Remote post 5",
            visibility: "public",
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn lemmy_comment_note() {
    post_fixture(
        "lemmy/comment-note.json",
        Expect {
            content: "first comment!",
            visibility: "public",
            reply: true,
            language: Some("fr"),
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn lemmy_page() {
    let (_, view) = post_fixture(
        "lemmy/page.json",
        Expect {
            content: "This is a post in the /c/tenforward community",
            visibility: "public",
            media: 1,
            ..Default::default()
        },
    )
    .await;
    assert!(
        view.media[0]
            .remote_url
            .as_deref()
            .unwrap()
            .ends_with("eOtYb9iEiB.png")
    );
}

#[tokio::test]
async fn peertube_video() {
    let (_, view) = post_fixture(
        "peertube/video.json",
        Expect {
            content: "Head to",
            visibility: "public",
            ..Default::default()
        },
    )
    .await;
    // Markdown shown as text with links, never as raw markup.
    assert!(
        view.post.content.starts_with("<p>"),
        "{}",
        view.post.content
    );
    assert!(
        view.post
            .url
            .as_deref()
            .is_some_and(|u| u.contains("/videos/watch/"))
    );
}

// ---- Not posts: acknowledged, nothing stored -----------------------------------------------

async fn ignored_fixture(path: &str) {
    let mut scene = Scene::new().await;
    let doc = scene.rehost(&fixture(path)).await;
    let activity = if doc.get("object").is_some() {
        doc
    } else {
        create_for(&doc)
    };
    let (status, body) = scene.deliver(&activity).await;
    assert_eq!(status, 202, "{path}: {body}");
    let id = activity["object"]["id"].as_str().unwrap_or_default();
    assert!(scene.stored(id).await.is_none(), "{path}: stored");
}

#[tokio::test]
async fn pixelfed_story_is_not_kept() {
    ignored_fixture("pixelfed/story.json").await;
}

#[tokio::test]
async fn pleroma_chat_message_is_not_a_post() {
    ignored_fixture("pleroma-akkoma/chat-message-pleroma.json").await;
}

#[tokio::test]
async fn mastodon_delete_actor_is_acknowledged() {
    ignored_fixture("mastodon/delete-actor.json").await;
}

#[tokio::test]
async fn mastodon_update_person_refreshes_the_profile() {
    let mut scene = Scene::new().await;
    let doc = scene.rehost(&fixture("mastodon/update-person.json")).await;
    let (status, body) = scene.deliver(&doc).await;
    assert_eq!(status, 202, "{body}");
    let stored =
        pinhole::db::accounts::find_by_uri(&scene.app.state.db, doc["actor"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
    assert!(stored.fetched_at.is_some());
}

// ---- Activities on posts -------------------------------------------------------------------

#[tokio::test]
async fn mastodon_like_and_undo_like() {
    let mut scene = Scene::new().await;
    let post = scene.alice_post().await;
    let mut like = scene.rehost(&fixture("mastodon/like.json")).await;
    like["object"] = json!(post.post.uri);
    let (status, body) = scene.deliver(&like).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        scene.app.notification_kinds("alice").await,
        vec!["favourite".to_string()]
    );
    let counts = pinhole::db::posts::interactions(&scene.app.state.db, None, &[post.post.id])
        .await
        .unwrap()
        .counts;
    assert_eq!(counts[&post.post.id].2, 1);

    // undo-like.json undoes another Like id (212341) of the same account: one account likes
    // a post once, so that Like changes nothing and its Undo withdraws the like.
    let mut undo = scene.rehost(&fixture("mastodon/undo-like.json")).await;
    undo["object"]["object"] = json!(post.post.uri);
    let mut inner = undo["object"].clone();
    inner["@context"] = json!("https://www.w3.org/ns/activitystreams");
    scene.deliver(&inner).await;
    let (status, body) = scene.deliver(&undo).await;
    assert_eq!(status, 202, "{body}");
    let counts = pinhole::db::posts::interactions(&scene.app.state.db, None, &[post.post.id])
        .await
        .unwrap()
        .counts;
    assert_eq!(counts.get(&post.post.id).map_or(0, |c| c.2), 0);
    assert!(scene.app.notification_kinds("alice").await.is_empty());
}

#[tokio::test]
async fn mastodon_announce_fetches_the_post_from_its_origin() {
    let mut scene = Scene::new().await;
    let announce = scene.rehost(&fixture("mastodon/announce.json")).await;
    let object_id = announce["object"].as_str().unwrap().to_string();
    let author = object_id.split("/statuses/").next().unwrap().to_string();
    scene.actor(&author);
    scene.serve(&json!({
        "id": object_id,
        "type": "Note",
        "attributedTo": author,
        "content": "<p>The original, from its server</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2023-10-30T12:00:00Z",
    }));
    let (status, body) = scene.deliver(&announce).await;
    assert_eq!(status, 202, "{body}");
    let original = scene.stored(&object_id).await.expect("original fetched");
    assert!(original.post.content.contains("from its server"));
    let boost = scene
        .stored(announce["id"].as_str().unwrap())
        .await
        .expect("boost stored");
    assert_eq!(boost.reblog.unwrap().post.uri, object_id);
}

#[tokio::test]
async fn mastodon_undo_announce_of_a_page_url() {
    let mut scene = Scene::new().await;
    let undo = scene.rehost(&fixture("mastodon/undo-announce.json")).await;
    let announce = undo["object"].clone();
    // The Announce names the post by its page URL; the page answers with the canonical id.
    let page_url = announce["object"].as_str().unwrap().to_string();
    let actor = announce["actor"].as_str().unwrap().to_string();
    let canonical = format!("{actor}/statuses/99541947525187367");
    let note = json!({
        "id": canonical,
        "type": "Note",
        "attributedTo": actor,
        "content": "<p>boosted</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let peer = scene.peer_of(&page_url);
    peer.serve_object(page_url.trim_start_matches(&peer.base), note.clone());
    scene.serve(&note);
    let mut announce_doc = announce.clone();
    announce_doc["@context"] = json!("https://www.w3.org/ns/activitystreams");
    let (status, body) = scene.deliver(&announce_doc).await;
    assert_eq!(status, 202, "{body}");
    assert!(
        scene
            .stored(announce["id"].as_str().unwrap())
            .await
            .is_some()
    );
    let (status, body) = scene.deliver(&undo).await;
    assert_eq!(status, 202, "{body}");
    assert!(
        scene
            .stored(announce["id"].as_str().unwrap())
            .await
            .is_none()
    );
    assert!(scene.stored(&canonical).await.is_some());
}

#[tokio::test]
async fn pixelfed_announce_of_another_servers_post() {
    let mut scene = Scene::new().await;
    let announce = scene.rehost(&fixture("pixelfed/announce.json")).await;
    let page_url = announce["object"].as_str().unwrap().to_string();
    let origin = scene.peer_of(&page_url).base.clone();
    let author = format!("{origin}/users/damianward");
    let canonical = format!("{author}/statuses/111322877716364793");
    scene.actor(&author);
    let note = json!({
        "id": canonical, "type": "Note", "attributedTo": author,
        "content": "<p>a photo</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "attachment": {"type": "Document", "mediaType": "image/jpeg", "url": format!("{origin}/x.jpg"), "name": "alt"},
    });
    let peer = scene.peer_of(&page_url);
    peer.serve_object(page_url.trim_start_matches(&peer.base), note.clone());
    scene.serve(&note);
    let (status, body) = scene.deliver(&announce).await;
    assert_eq!(status, 202, "{body}");
    let original = scene.stored(&canonical).await.expect("original fetched");
    assert_eq!(original.media.len(), 1);
}

#[tokio::test]
async fn gotosocial_self_boost_of_followers_only_post() {
    let mut scene = Scene::new().await;
    let announce = scene
        .rehost(&fixture("gotosocial/announce-followers-only.json"))
        .await;
    let object_id = announce["object"].as_str().unwrap().to_string();
    let actor = announce["actor"].as_str().unwrap().to_string();
    scene.serve(&json!({
        "id": object_id, "type": "Note", "attributedTo": actor,
        "content": "<p>for followers</p>",
        "to": format!("{actor}/followers"),
    }));
    let (status, body) = scene.deliver(&announce).await;
    assert_eq!(status, 202, "{body}");
    let boost = scene
        .stored(announce["id"].as_str().unwrap())
        .await
        .expect("boost stored");
    assert_eq!(boost.post.visibility, "private");
}

#[tokio::test]
async fn lemmy_group_announce_of_a_page() {
    let mut scene = Scene::new().await;
    let announce = scene
        .rehost(&fixture("lemmy/announce-create-page.json"))
        .await;
    let page = announce["object"]["object"].clone();
    scene.actor(page["attributedTo"].as_str().unwrap());
    scene.serve(&page);
    let (status, body) = scene.deliver(&announce).await;
    assert_eq!(status, 202, "{body}");
    let stored = scene
        .stored(page["id"].as_str().unwrap())
        .await
        .expect("page stored");
    assert!(
        stored.post.content.contains("post 4"),
        "{}",
        stored.post.content
    );
}

async fn delete_fixture(path: &str) {
    let mut scene = Scene::new().await;
    let delete = scene.rehost(&fixture(path)).await;
    let actor = delete["actor"].as_str().unwrap().to_string();
    let object_id = pinhole::federation::protocol::activity::Activity::from_json(&delete)
        .unwrap()
        .object_id()
        .unwrap()
        .to_string();
    // The post it deletes arrives first.
    let create = create_for(&json!({
        "id": object_id, "type": "Note", "attributedTo": actor,
        "content": "<p>soon gone</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }));
    let (status, body) = scene.deliver(&create).await;
    assert_eq!(status, 202, "{body}");
    assert!(scene.stored(&object_id).await.is_some());
    let (status, body) = scene.deliver(&delete).await;
    assert_eq!(status, 202, "{path}: {body}");
    assert!(scene.stored(&object_id).await.is_none(), "{path}");
    // A late copy does not bring it back.
    let (status, _) = scene
        .deliver(&json!({
            "id": format!("{object_id}/again"), "type": "Create", "actor": actor,
            "object": create["object"].clone(),
        }))
        .await;
    assert_eq!(status, 202);
    assert!(
        scene.stored(&object_id).await.is_none(),
        "{path}: resurrected"
    );
}

#[tokio::test]
async fn mastodon_delete_note_tombstone() {
    delete_fixture("mastodon/delete-note-tombstone.json").await;
}

#[tokio::test]
async fn gotosocial_delete_note_without_id() {
    delete_fixture("gotosocial/delete-note.json").await;
}

#[tokio::test]
async fn pleroma_delete() {
    delete_fixture("pleroma-akkoma/delete-pleroma.json").await;
}

#[tokio::test]
async fn misskey_like_with_a_foreign_id_is_refused() {
    let mut scene = Scene::new().await;
    let post = scene.alice_post().await;
    let mut like = scene
        .rehost(&fixture("misskey/like-misskey-reaction.json"))
        .await;
    like["object"] = json!(post.post.uri);
    let (status, body) = scene.deliver(&like).await;
    // Its id is on another host than its actor: nobody may speak for another server.
    assert_eq!(status, 400, "{body}");
    assert!(scene.app.notification_kinds("alice").await.is_empty());
}

#[tokio::test]
async fn an_unsupported_verb_with_a_foreign_id_is_refused_too() {
    let mut scene = Scene::new().await;
    let post = scene.alice_post().await;
    let mut react = scene
        .rehost(&fixture("misskey/like-misskey-reaction.json"))
        .await;
    react["object"] = json!(post.post.uri);
    react["type"] = json!("EmojiReact");
    let (status, body) = scene.deliver(&react).await;
    // Checked before the verb is looked at: a verb Pinhole ignores is no way around it.
    assert_eq!(status, 400, "{body}");
}
