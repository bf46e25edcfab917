//! A small fediverse peer on a loopback port, for tests: it serves actor documents with
//! real keys, signs POSTs as those actors, and records what arrives at its inboxes. It can
//! be told to answer slowly or with errors, like a struggling remote server.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use pinhole::federation::signatures::{SigningKey, sign_request_at};
use serde_json::{Value, json};

/// One actor the peer hosts.
pub struct PeerActor {
    pub public_pem: String,
    pub private_pem: String,
    pub locked: bool,
}

#[derive(Default)]
struct Inner {
    actors: Mutex<HashMap<String, Arc<PeerActor>>>,
    received: Mutex<Vec<(HeaderMap, Value)>>,
    /// Bodies POSTed to a personal inbox, with the actor's name.
    personal: Mutex<Vec<(String, Value)>>,
    /// Status the inbox answers with (202 unless changed).
    inbox_status: AtomicU16,
    /// Milliseconds the inbox waits before answering.
    inbox_delay_ms: AtomicU64,
    /// Documents served at a path (objects a test wants fetchable).
    objects: Mutex<HashMap<String, Value>>,
    /// How many times each actor's document was served, by the actor's name.
    actor_gets: Mutex<HashMap<String, u64>>,
}

/// The running peer.
#[derive(Clone)]
pub struct Peer {
    pub base: String,
    inner: Arc<Inner>,
}

async fn actor_doc(State(p): State<Peer>, Path(name): Path<String>) -> impl IntoResponse {
    let by_path = format!("/users/{name}");
    if p.inner.actors.lock().unwrap().contains_key(&by_path) {
        return actor_response(&p, &by_path);
    }
    if let Some(doc) = p.inner.objects.lock().unwrap().get(&by_path) {
        return (
            [("content-type", "application/activity+json")],
            Json(doc.clone()),
        )
            .into_response();
    }
    actor_response(&p, &name)
}

/// Any other GET: an actor registered by path, or a served object.
async fn by_path(State(p): State<Peer>, uri: axum::http::Uri) -> axum::response::Response {
    let path = uri.path().to_string();
    if p.inner.actors.lock().unwrap().contains_key(&path) {
        return actor_response(&p, &path);
    }
    match p.inner.objects.lock().unwrap().get(&path) {
        Some(doc) => (
            [("content-type", "application/activity+json")],
            Json(doc.clone()),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response(),
    }
}

fn actor_response(p: &Peer, name: &str) -> axum::response::Response {
    let actors = p.inner.actors.lock().unwrap();
    let Some(a) = actors.get(name) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response();
    };
    *p.inner
        .actor_gets
        .lock()
        .unwrap()
        .entry(name.to_string())
        .or_default() += 1;
    let id = p.actor_id(name);
    let name = name.rsplit('/').next().unwrap_or(name);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": name,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "endpoints": { "sharedInbox": format!("{}/inbox", p.base) },
        "manuallyApprovesFollowers": a.locked,
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": a.public_pem },
    });
    ([("content-type", "application/activity+json")], Json(doc)).into_response()
}

async fn inbox(State(p): State<Peer>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delay = p.inner.inbox_delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = StatusCode::from_u16(p.inner.inbox_status.load(Ordering::Relaxed))
        .unwrap_or(StatusCode::ACCEPTED);
    if status.is_success() {
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        p.inner.received.lock().unwrap().push((headers, value));
    }
    status
}

async fn user_inbox(
    state: State<Peer>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = inbox(state.clone(), headers, body).await;
    if status.is_success() {
        state.inner.personal.lock().unwrap().push((name, value));
    }
    status
}

impl Peer {
    /// Starts a peer at `http://localhost:PORT`.
    pub async fn spawn() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = Peer {
            base: format!("http://localhost:{port}"),
            inner: Arc::new(Inner {
                inbox_status: AtomicU16::new(202),
                ..Default::default()
            }),
        };
        let app = Router::new()
            .route("/users/{name}", get(actor_doc))
            .route("/users/{name}/inbox", post(user_inbox))
            .route("/inbox", post(inbox))
            .fallback(get(by_path).post(inbox))
            .with_state(peer.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        peer
    }

    /// Adds an actor with a fresh key pair; returns its id.
    pub fn add_actor(&self, name: &str, locked: bool) -> String {
        let pair = activitypub_federation::http_signatures::generate_actor_keypair().unwrap();
        self.add_actor_with_keys(name, locked, pair.public_key, pair.private_key)
    }

    /// Adds an actor with the given PEM keys; returns its id.
    pub fn add_actor_with_keys(
        &self,
        name: &str,
        locked: bool,
        public_pem: String,
        private_pem: String,
    ) -> String {
        self.inner.actors.lock().unwrap().insert(
            name.to_string(),
            Arc::new(PeerActor {
                public_pem,
                private_pem,
                locked,
            }),
        );
        self.actor_id(name)
    }

    /// An actor's id: `/users/NAME`, or the path itself when `name` starts with `/`
    /// (actors at other servers' paths, e.g. Lemmy's `/u/NAME`).
    pub fn actor_id(&self, name: &str) -> String {
        if name.starts_with('/') {
            format!("{}{name}", self.base)
        } else {
            format!("{}/users/{name}", self.base)
        }
    }

    /// Serves `doc` at `path` (as `application/activity+json`).
    pub fn serve_object(&self, path: &str, doc: Value) {
        self.inner
            .objects
            .lock()
            .unwrap()
            .insert(path.to_string(), doc);
    }

    /// Replaces an actor's key pair (key rotation).
    pub fn rotate_key(&self, name: &str) {
        let locked = self.inner.actors.lock().unwrap()[name].locked;
        self.add_actor(name, locked);
    }

    /// The bodies received so far.
    pub fn received(&self) -> Vec<Value> {
        self.inner
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The bodies received at the personal inbox of `name`.
    pub fn received_by(&self, name: &str) -> Vec<Value> {
        self.inner
            .personal
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The requests received so far, with headers.
    pub fn received_with_headers(&self) -> Vec<(HeaderMap, Value)> {
        self.inner.received.lock().unwrap().clone()
    }

    pub fn set_inbox_status(&self, status: u16) {
        self.inner.inbox_status.store(status, Ordering::Relaxed);
    }

    pub fn set_inbox_delay(&self, ms: u64) {
        self.inner.inbox_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// Signs `body` as `signer` (an actor of this peer) for `url`, dated `when`.
    pub fn signed_headers(
        &self,
        signer: &str,
        url: &str,
        body: &[u8],
        when: SystemTime,
    ) -> Vec<(String, String)> {
        let actor = self.inner.actors.lock().unwrap()[signer].clone();
        let key = SigningKey::from_pkcs8_pem(&actor.private_pem).unwrap();
        let url = url::Url::parse(url).unwrap();
        let signed = sign_request_at(
            "POST",
            &url,
            Some("application/activity+json"),
            Some(body),
            &format!("{}#main-key", self.actor_id(signer)),
            &key,
            when,
        )
        .unwrap();
        vec![
            ("content-type".into(), "application/activity+json".into()),
            ("date".into(), signed.date),
            ("digest".into(), signed.digest.unwrap()),
            ("signature".into(), signed.signature),
        ]
    }

    /// POSTs `body` to `url` with `headers` (as produced by [`Peer::signed_headers`],
    /// possibly tampered with); returns the status and the body.
    pub async fn post_raw(url: &str, headers: &[(String, String)], body: Vec<u8>) -> (u16, String) {
        let mut req = super::client().post(url).body(body);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// Signs and POSTs an activity as `signer` with an RFC 9421 signature (as Mastodon 4.5
    /// may), covering `@method`, `@target-uri` and `content-digest`.
    pub async fn post_rfc9421(&self, signer: &str, url: &str, activity: &Value) -> (u16, String) {
        use base64::Engine;
        use sha2::Digest;
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = serde_json::to_vec(activity).unwrap();
        let actor = self.inner.actors.lock().unwrap()[signer].clone();
        let key = SigningKey::from_pkcs8_pem(&actor.private_pem).unwrap();
        let created = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let digest = format!("sha-256=:{}:", b64.encode(sha2::Sha256::digest(&body)));
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\");created={created};keyid=\"{}#main-key\";alg=\"rsa-v1_5-sha256\"",
            self.actor_id(signer)
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {url}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let signature = key.sign(base.as_bytes()).unwrap();
        let headers = vec![
            (
                "content-type".to_string(),
                "application/activity+json".to_string(),
            ),
            ("content-digest".to_string(), digest),
            ("signature-input".to_string(), format!("sig1={params}")),
            ("signature".to_string(), format!("sig1=:{signature}:")),
        ];
        Self::post_raw(url, &headers, body).await
    }

    /// Signs and POSTs an activity as `signer`.
    pub async fn post(&self, signer: &str, url: &str, activity: &Value) -> (u16, String) {
        let body = serde_json::to_vec(activity).unwrap();
        let headers = self.signed_headers(signer, url, &body, SystemTime::now());
        Self::post_raw(url, &headers, body).await
    }
}

impl Peer {
    /// How many times the document of actor `name` has been served (GETs of the actor).
    pub fn actor_fetches(&self, name: &str) -> u64 {
        self.inner
            .actor_gets
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    /// Signs a `method` request for `url` with the private key of `key_of` (an actor of
    /// this peer) but naming `key_id`, which may be anyone's key: what a forger holding
    /// some key sends. With a `body`, `Digest` and `Content-Type` are signed too.
    pub fn signed_headers_as(
        &self,
        key_of: &str,
        key_id: &str,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        when: SystemTime,
    ) -> Vec<(String, String)> {
        let actor = self.inner.actors.lock().unwrap()[key_of].clone();
        let key = SigningKey::from_pkcs8_pem(&actor.private_pem).unwrap();
        let url = url::Url::parse(url).unwrap();
        let content_type = body.map(|_| "application/activity+json");
        let signed = sign_request_at(method, &url, content_type, body, key_id, &key, when).unwrap();
        let mut headers = vec![("date".to_string(), signed.date)];
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct.into()));
        }
        if let Some(digest) = signed.digest {
            headers.push(("digest".into(), digest));
        }
        headers.push(("signature".into(), signed.signature));
        headers
    }
}
