//! A Pinhole with a local `alice` and one loopback peer per origin a document names: other
//! servers' samples (tests/fixtures) are delivered exactly as their servers would send them.

use std::collections::HashMap;

use pinhole::domain::posts::{PostView, Visibility};
use serde_json::{Value, json};

use super::{TestApp, note, peer::Peer};

/// Pinhole with a local `alice`, plus one peer per origin a fixture mentions.
pub struct Scene {
    pub app: TestApp,
    pub peers: HashMap<String, Peer>,
}

/// Origins kept as they are: JSON-LD context and the Public collection.
const KEEP: &[&str] = &["www.w3.org", "w3id.org"];

fn origins(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in ["https://", "http://"] {
        let mut rest = text;
        while let Some(at) = rest.find(scheme) {
            let after = &rest[at + scheme.len()..];
            let host: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
                .collect();
            let host = host.trim_end_matches(':').to_string();
            if !host.is_empty() && !KEEP.contains(&host.as_str()) {
                let origin = format!("{scheme}{host}");
                if !out.contains(&origin) {
                    out.push(origin);
                }
            }
            rest = &after[host.len().min(after.len())..];
        }
    }
    // Longest first, so `http://a.b:8080` is replaced before a prefix of it could be.
    out.sort_by_key(|o| std::cmp::Reverse(o.len()));
    out
}

impl Scene {
    pub async fn new() -> Scene {
        let app = TestApp::spawn().await;
        app.create_user("alice").await;
        Scene {
            app,
            peers: HashMap::new(),
        }
    }

    /// The fixture's text with every origin moved onto a loopback peer.
    pub async fn rehost(&mut self, text: &str) -> Value {
        let mut text = text.to_string();
        for origin in origins(&text) {
            if !self.peers.contains_key(&origin) {
                self.peers.insert(origin.clone(), Peer::spawn().await);
            }
            let base = self.peers[&origin].base.clone();
            // Only whole origins: followed by a path, quote or end.
            for end in ['/', '"', '\\', ' ', '<'] {
                text = text.replace(&format!("{origin}{end}"), &format!("{base}{end}"));
            }
        }
        serde_json::from_str(&text).unwrap()
    }

    pub fn peer_of(&self, url: &str) -> &Peer {
        self.peers
            .values()
            .find(|p| url.starts_with(&p.base))
            .unwrap_or_else(|| panic!("no peer serves {url}"))
    }

    /// Registers `actor_id` (a rehosted URL) as an actor on its peer; returns the signer name.
    pub fn actor(&self, actor_id: &str) -> String {
        let peer = self.peer_of(actor_id);
        let path = actor_id.trim_start_matches(&peer.base).to_string();
        peer.add_actor(&path, false);
        path
    }

    /// Serves a (rehosted) object at its id.
    pub fn serve(&self, object: &Value) {
        let id = object["id"].as_str().unwrap();
        let peer = self.peer_of(id);
        peer.serve_object(id.trim_start_matches(&peer.base), object.clone());
    }

    /// Signs `activity` as its actor and POSTs it to alice's inbox.
    pub async fn deliver(&self, activity: &Value) -> (u16, String) {
        let actor = activity["actor"].as_str().unwrap();
        let signer = self.actor(actor);
        let peer = self.peer_of(actor);
        peer.post(
            &signer,
            &format!("{}/users/alice/inbox", self.app.public),
            activity,
        )
        .await
    }

    pub async fn stored(&self, uri: &str) -> Option<PostView> {
        self.app.post_by_uri(uri).await
    }

    /// One of alice's own posts, for activities aimed at posts here.
    pub async fn alice_post(&self) -> PostView {
        self.app
            .post(
                "alice",
                note("A post of alice's", Visibility::Public),
                vec![],
            )
            .await
    }
}

/// The author of a bare object or the actor of an activity.
pub fn author(doc: &Value) -> String {
    use pinhole::federation::protocol::object::PostObject;
    serde_json::from_value::<PostObject>(doc.clone())
        .unwrap()
        .attributed_to
        .or_else(|| doc["actor"].as_str().map(str::to_string))
        .unwrap()
}

/// Wraps a bare object in the Create its server would have sent.
pub fn create_for(object: &Value) -> Value {
    let author = author(object);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activity", object["id"].as_str().unwrap()),
        "type": "Create",
        "actor": author,
        "to": object.get("to").cloned().unwrap_or(Value::Null),
        "cc": object.get("cc").cloned().unwrap_or(Value::Null),
        "object": object,
    })
}
