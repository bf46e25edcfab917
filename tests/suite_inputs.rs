//! Inputs an independent test suite for fediverse servers sends to a Pinhole user (262
//! example objects, 259 handled well before issue 13): the shapes that once went wrong,
//! each delivered by a loopback peer and read back as stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::scene::Scene;
use pinhole::domain::posts::PostView;
use serde_json::{Value, json};

/// A Create by bob (a peer) wrapping `object` (ids on `https://peer.example`), after `fill`
/// adds what names alice (her URL is known only once Pinhole runs), delivered to alice's
/// inbox; the answer and the post stored, if any.
async fn from_bob(
    object: Value,
    fill: impl FnOnce(&mut Value, &str),
) -> (Scene, u16, String, Option<PostView>) {
    let mut scene = Scene::new().await;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://peer.example/users/bob/statuses/1/activity",
        "type": "Create",
        "actor": "https://peer.example/users/bob",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": object,
    });
    let mut activity = scene.rehost(&activity.to_string()).await;
    let alice = format!("{}/users/alice", scene.app.public);
    fill(&mut activity, &alice);
    let (status, body) = scene.deliver(&activity).await;
    let stored = match activity["object"]["id"].as_str() {
        Some(id) => scene.stored(id).await,
        None => None,
    };
    (scene, status, body, stored)
}

fn bobs_note(extra: Value) -> Value {
    let mut note = json!({
        "id": "https://peer.example/users/bob/statuses/1",
        "type": "Note",
        "attributedTo": "https://peer.example/users/bob",
        "content": "<p>Hello from the suite</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    for (k, v) in extra.as_object().unwrap() {
        note[k] = v.clone();
    }
    note
}

#[tokio::test]
async fn a_note_attributed_to_null_is_the_actors() {
    let (_, status, body, stored) =
        from_bob(bobs_note(json!({"attributedTo": null})), |_, _| {}).await;
    assert_eq!(status, 202, "{body}");
    let view = stored.expect("stored");
    assert!(view.author.uri.unwrap().ends_with("/users/bob"));
    // Someone else named as the author is still refused.
    let (_, status, _, stored) = from_bob(
        bobs_note(json!({"attributedTo": "https://peer.example/users/carol"})),
        |_, _| {},
    )
    .await;
    assert!(status >= 400 && stored.is_none(), "{status}");
}

#[tokio::test]
async fn a_note_whose_type_is_a_list_is_stored() {
    let (_, status, body, stored) = from_bob(
        bobs_note(json!({"type": ["https://schema.org/CreativeWork", "as:Note"]})),
        |_, _| {},
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert!(stored.is_some(), "a Note in a type list was dropped");
}

#[tokio::test]
async fn attachments_keep_what_they_are() {
    let attachments = json!([
        {"type": "Link", "href": "https://peer.example/a-page"},
        {"type": "Audio", "url": "https://peer.example/media/sound"},
        {"type": "Video", "url": "https://peer.example/media/v", "mediaType": "video/mp4"},
        {"type": "Document", "url": "https://peer.example/media/notes.txt", "mediaType": "text/plain"},
        {"type": "Document", "url": "https://peer.example/media/photo.JPG?size=big"},
        {"type": "Image", "url": "https://peer.example/media/p", "mediaType": "image/webp"},
    ]);
    let (_, status, body, stored) =
        from_bob(bobs_note(json!({"attachment": attachments})), |_, _| {}).await;
    assert_eq!(status, 202, "{body}");
    let kinds: Vec<String> = stored
        .expect("stored")
        .media
        .iter()
        .map(|m| m.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        ["unknown", "audio", "video", "unknown", "image", "image"]
    );
}

#[tokio::test]
async fn tags_in_compacted_iris_or_untyped_are_read() {
    let tags = json!([
        {"type": "as:Hashtag", "name": "#compacted", "href": "https://peer.example/tags/compacted"},
        {"type": "https://www.w3.org/ns/activitystreams#Hashtag", "name": "#expanded"},
        {"name": "#untyped", "href": "https://peer.example/tags/untyped"},
        {"type": "as:Mention", "name": "@alice"},
        {"type": "Hashtag", "name": "#Expanded"},
    ]);
    let (_, status, body, stored) = from_bob(bobs_note(json!({"tag": tags})), |activity, alice| {
        activity["object"]["tag"][3]["href"] = json!(alice);
    })
    .await;
    assert_eq!(status, 202, "{body}");
    let view = stored.expect("stored");
    let mut tags = view.tags.clone();
    tags.sort();
    assert_eq!(tags, ["compacted", "expanded", "untyped"]);
    assert_eq!(view.mentions.len(), 1);
    assert_eq!(view.mentions[0].username, "alice");
}

#[tokio::test]
async fn a_local_user_only_addressed_is_not_listed_as_mentioned() {
    let (scene, status, body, stored) = from_bob(bobs_note(json!({})), |activity, alice| {
        activity["to"] = json!([alice]);
        activity["object"]["to"] = json!([alice]);
    })
    .await;
    assert_eq!(status, 202, "{body}");
    let view = stored.expect("stored");
    assert!(view.mentions.is_empty(), "{:?}", view.mentions);
    // She may still read it.
    assert_eq!(view.silent.len(), 1);
    assert_eq!(view.silent[0].username, "alice");
    assert_eq!(view.post.visibility, "direct");
    // It was written to her: she hears of it.
    assert_eq!(scene.app.notification_kinds("alice").await, ["mention"]);
}

#[tokio::test]
async fn headings_do_not_run_together() {
    let (_, status, body, stored) = from_bob(
        bobs_note(json!({"content": "<h1>Title</h1><h2>Part</h2><div>one</div><div>two</div>"})),
        |_, _| {},
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let content = stored.expect("stored").post.content;
    assert!(
        content.starts_with("<p><strong>Title</strong></p><p><strong>Part</strong></p>"),
        "{content}"
    );
    assert!(
        content.contains("one") && !content.contains("onetwo"),
        "{content}"
    );
}
