//! Real documents from other servers parse into our types (see `tests/fixtures/SOURCES.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use activitypub_federation::fetch::webfinger::Webfinger;
use common::fixture;
use pinhole::federation::protocol::actor::Actor;

fn actor(path: &str) -> Actor {
    serde_json::from_str(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn mastodon_person() {
    let a = actor("mastodon/actor-person.json");
    assert_eq!(a.kind, "Person");
    assert_eq!(a.preferred_username, "fediversereport");
    assert_eq!(
        a.public_key.id.as_str(),
        "https://mastodon.social/users/fediversereport#main-key"
    );
    assert_eq!(a.public_key.owner, a.id);
    assert!(
        a.public_key
            .public_key_pem
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(
        a.endpoints.unwrap().shared_inbox.unwrap().as_str(),
        "https://mastodon.social/inbox"
    );
    assert!(a.icon.unwrap().url.unwrap().as_str().ends_with(".png"));
    assert!(a.image.is_some());
    assert_eq!(a.discoverable, Some(true));
    assert_eq!(a.indexable, Some(true));
    assert_eq!(a.manually_approves_followers, Some(false));
    assert_eq!(
        a.published.unwrap().to_rfc3339(),
        "2023-01-07T00:00:00+00:00"
    );
    assert_eq!(
        a.url.unwrap().as_str(),
        "https://mastodon.social/@fediversereport"
    );
}

#[test]
fn mastodon_instance_actor() {
    let a = actor("mastodon/actor-application-instance.json");
    assert_eq!(a.kind, "Application");
    assert_eq!(a.manually_approves_followers, Some(true));
    assert!(a.name.is_none());
}

#[test]
fn actors_from_other_servers() {
    for (path, kind, username) in [
        ("gotosocial/actor-person.json", "Person", "the_mighty_zork"),
        ("pixelfed/actor-person.json", "Person", "dansup"),
        ("misskey/actor-person-misskey.io.json", "Person", "syuilo"),
        ("misskey/actor-person-sharkey.json", "Person", "gavi"),
        (
            "pleroma-akkoma/actor-person-akkoma.json",
            "Person",
            "aumetra",
        ),
        (
            "pleroma-akkoma/actor-person-pleroma.json",
            "Person",
            "lanodan",
        ),
        ("others/mitra-actor.json", "Person", "silverpill"),
        ("others/fedibird-actor.json", "Person", "tesaguri"),
        (
            "others/bridgy-fed-service-actor.json",
            "Service",
            "bsky.brid.gy",
        ),
        ("peertube/channel-group.json", "Group", "joinpeertube"),
        ("lemmy/group.json", "Group", "tenforward"),
    ] {
        let a = actor(path);
        assert_eq!(a.kind, kind, "{path}");
        assert_eq!(a.preferred_username, username, "{path}");
        assert!(!a.public_key.public_key_pem.is_empty(), "{path}");
    }
}

#[test]
fn messy_shapes_are_normalised() {
    // Bridgy Fed: url, icon and image are arrays.
    let a = actor("others/bridgy-fed-service-actor.json");
    assert_eq!(a.url.unwrap().as_str(), "https://bsky.brid.gy/");
    assert!(a.icon.unwrap().url.is_some());
    // PeerTube: icon is an array of sizes; published has milliseconds.
    let a = actor("peertube/channel-group.json");
    assert!(a.icon.is_some());
    assert!(a.published.is_some());
    // Misskey: icon name null, publicKey has a type.
    let a = actor("misskey/actor-person-misskey.io.json");
    assert!(a.icon.is_some());
    // GoToSocial: keyId is a path, not a fragment.
    let a = actor("gotosocial/actor-person.json");
    assert!(a.public_key.id.path().ends_with("/main-key"));
    // Mitra: no endpoints at all.
    assert!(actor("others/mitra-actor.json").endpoints.is_none());
}

#[test]
fn webfinger_documents() {
    for (path, subject) in [
        (
            "mastodon/webfinger-mastodon.social-gargron.json",
            "acct:Gargron@mastodon.social",
        ),
        (
            "mastodon/webfinger-corteximplant.com.json",
            "acct:0x0@corteximplant.com",
        ),
        ("gotosocial/webfinger.json", ""),
        ("pixelfed/webfinger-pixelfed.social.json", ""),
        ("misskey/webfinger-misskey.io.json", ""),
        ("pleroma-akkoma/webfinger-pleroma.json", ""),
    ] {
        let jrd: Webfinger =
            serde_json::from_str(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        if !subject.is_empty() {
            assert_eq!(jrd.subject, subject);
        }
        let self_link = jrd
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("self"))
            .unwrap_or_else(|| panic!("{path}: no self link"));
        assert!(
            self_link
                .kind
                .as_deref()
                .unwrap_or_default()
                .starts_with("application/"),
            "{path}"
        );
        assert!(self_link.href.is_some(), "{path}");
    }
}

/// Every document in `tests/fixtures/` reads into the typed protocol layer: actors into
/// `Actor`, activities into `Activity` (and the inbox's verb enum), posts into `PostObject`,
/// WebFinger and NodeInfo into theirs; the captured signed requests' `Signature` headers
/// parse.
#[test]
fn every_fixture_parses_into_the_typed_layer() {
    use pinhole::federation::{
        protocol::{
            activity::{Activity, InboxActivity, Object},
            nodeinfo::NodeInfo,
        },
        signatures,
    };
    use serde_json::Value;

    const ACTORS: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];
    const VERBS: &[&str] = &[
        "Create",
        "Update",
        "Delete",
        "Follow",
        "Accept",
        "Reject",
        "Undo",
        "Like",
        "Announce",
        "Block",
        "Flag",
        "EmojiReact",
        "Add",
        "Remove",
        "Move",
    ];
    let root: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures"]
        .iter()
        .collect();
    let mut files = vec![];
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 60, "only {} fixtures found", files.len());
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = if name.contains("webfinger") {
            let wf: Webfinger =
                serde_json::from_value(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!wf.links.is_empty(), "{name}: no links");
            "webfinger"
        } else if name.contains("nodeinfo") {
            let ni: NodeInfo =
                serde_json::from_value(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!ni.software.name.is_empty(), "{name}");
            "nodeinfo"
        } else if name.contains("signed-request") {
            let headers: Vec<(String, String)> = doc["headers"]["Map"]
                .as_object()
                .unwrap_or_else(|| panic!("{name}: no headers"))
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let path = doc["path"]["Raw"].as_str().unwrap();
            // Parsed; a capture's `Date` is long past, which is the only refusal allowed.
            match signatures::begin_verify("POST", path, &headers, &["date", "digest"]) {
                Ok(pending) => assert!(pending.key_id.starts_with("http"), "{name}"),
                Err(e) => assert!(
                    matches!(e, signatures::SignatureError::StaleDate),
                    "{name}: {e}"
                ),
            }
            "signed request"
        } else {
            let types = doc["type"].clone();
            let is = |list: &[&str]| match &types {
                Value::String(t) => list.contains(&t.as_str()),
                Value::Array(ts) => ts.iter().any(|t| list.contains(&t.as_str().unwrap_or(""))),
                _ => false,
            };
            if is(ACTORS) {
                actor(&name);
                "actor"
            } else if is(VERBS) {
                let activity = Activity::from_json(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(activity.actor.is_some(), "{name}: no actor");
                assert!(activity.object_id().is_some(), "{name}: no object id");
                let verb = activity.kind.0[0].clone();
                let inbox = InboxActivity::new(activity);
                if let InboxActivity::Other(other) = &inbox {
                    assert!(["Flag", "EmojiReact"].contains(&other.as_str()), "{name}");
                } else {
                    assert_eq!(inbox.verb(), verb, "{name}");
                }
                "activity"
            } else {
                match Object::from_value(doc) {
                    Some(Object::Post(post)) => {
                        assert!(post.id.is_some(), "{name}: no id");
                        assert!(post.post_type().is_some(), "{name}: no type");
                        assert!(
                            post.content().is_some()
                                || post.name.is_some()
                                || !post.attachment.is_empty(),
                            "{name}: nothing to show"
                        );
                        "post"
                    }
                    // Objects Pinhole does not keep (a Pixelfed Story): still read, with
                    // the id and type the inbox needs to ignore them by name.
                    Some(Object::Other(other)) => {
                        assert!(other.id.is_some(), "{name}: no id");
                        assert!(!other.kind.0.is_empty(), "{name}: no type");
                        "other object"
                    }
                    other => panic!("{name}: not an object: {other:?}"),
                }
            }
        };
        *counts.entry(kind).or_default() += 1;
    }
    println!("{counts:?}");
}
