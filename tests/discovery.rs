//! What a remote server sees when it discovers a Pinhole account: WebFinger, host-meta,
//! NodeInfo, the actor documents, and the instance APIs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use pinhole::federation::protocol::actor::Actor;
use rsa::{
    RsaPrivateKey, RsaPublicKey, pkcs8::DecodePrivateKey, pkcs8::DecodePublicKey,
    traits::PublicKeyParts,
};
use serde_json::Value;

const AP: &str = "application/activity+json";
const LD: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn health_reports_database_and_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-request-id").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn webfinger_acct_returns_mastodon_shaped_jrd() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let domain = app.domain();
    let res = app
        .get(&format!(
            "/.well-known/webfinger?resource=acct:alice@{domain}"
        ))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/jrd+json")
    );
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let jrd: Value = res.json().await.unwrap();
    assert_eq!(jrd["subject"], format!("acct:alice@{domain}"));
    let actor = format!("{}/users/alice", app.public);
    let profile = format!("{}/@alice", app.public);
    assert_eq!(jrd["aliases"], serde_json::json!([profile, actor]));
    let links = jrd["links"].as_array().unwrap();
    let self_link = links.iter().find(|l| l["rel"] == "self").unwrap();
    assert_eq!(self_link["type"], AP);
    assert_eq!(self_link["href"], actor);
    let page = links
        .iter()
        .find(|l| l["rel"] == "http://webfinger.net/rel/profile-page")
        .unwrap();
    assert_eq!(page["href"], profile);
    assert_eq!(page["type"], "text/html");
    for link in links {
        for (k, v) in link.as_object().unwrap() {
            assert!(!v.is_null(), "link member {k} is null: {link}");
        }
    }
    // The document parses as a JRD with activitypub_federation's types.
    let parsed: activitypub_federation::fetch::webfinger::Webfinger =
        serde_json::from_value(jrd).unwrap();
    // profile-page, self and (as Mastodon) the subscribe template for remote follows.
    assert_eq!(parsed.links.len(), 3);
    let subscribe = parsed
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("http://ostatus.org/schema/1.0/subscribe"))
        .unwrap();
    assert_eq!(
        subscribe.template.as_deref(),
        Some(format!("{}/authorize_interaction?uri={{uri}}", app.public).as_str())
    );
    app.stop().await;
}

#[tokio::test]
async fn webfinger_accepts_case_variants_and_actor_urls() {
    let app = TestApp::spawn().await;
    app.create_user("Alice").await;
    let domain = app.domain();
    for resource in [
        format!("acct:alice@{domain}"),
        format!("acct:ALICE@{}", domain.to_uppercase()),
        format!("{}/users/Alice", app.public),
        format!("{}/@Alice", app.public),
    ] {
        let res = client_get(&app, &resource).await;
        assert_eq!(res.status(), 200, "{resource}");
        let jrd: Value = res.json().await.unwrap();
        // The subject keeps the account's own spelling, as Mastodon does.
        assert_eq!(jrd["subject"], format!("acct:Alice@{domain}"), "{resource}");
    }
    app.stop().await;
}

async fn client_get(app: &TestApp, resource: &str) -> reqwest::Response {
    common::client()
        .get(app.url("/.well-known/webfinger"))
        .query(&[("resource", resource)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn webfinger_errors_malformed_400_unknown_404() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let domain = app.domain();
    let res = app.get("/.well-known/webfinger").await;
    assert_eq!(res.status(), 400);
    for bad in [
        "",
        "alice",
        "acct:alice",
        "acct:@x",
        "mailto:alice@example.com",
        "http://[::1",
    ] {
        let res = client_get(&app, bad).await;
        assert_eq!(res.status(), 400, "{bad:?}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"].is_string());
    }
    for unknown in [
        format!("acct:bob@{domain}"),
        format!("acct:bad-name@{domain}"),
        "acct:alice@elsewhere.example".to_string(),
        "https://elsewhere.example/users/alice".to_string(),
        format!("{}/users/bob", app.public),
    ] {
        let res = client_get(&app, &unknown).await;
        assert_eq!(res.status(), 404, "{unknown}");
    }
    app.stop().await;
}

#[tokio::test]
async fn person_is_served_to_activitypub_clients_with_a_usable_key() {
    let app = TestApp::spawn().await;
    let account = app.create_user("alice").await;
    let id = format!("{}/users/alice", app.public);
    for accept in [AP, LD] {
        let res = app.get_accept("/users/alice", accept).await;
        assert_eq!(res.status(), 200, "{accept}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(AP),
            "{accept}"
        );
        let json: Value = res.json().await.unwrap();
        let context = json["@context"].as_array().unwrap();
        assert_eq!(context[0], "https://www.w3.org/ns/activitystreams");
        assert_eq!(context[1], "https://w3id.org/security/v1");
        assert_eq!(context[2]["discoverable"], "toot:discoverable");
        assert_eq!(
            context[2]["manuallyApprovesFollowers"],
            "as:manuallyApprovesFollowers"
        );
        assert_eq!(json["id"], id);
        assert_eq!(json["type"], "Person");
        assert_eq!(json["preferredUsername"], "alice");
        assert_eq!(json["name"], "alice");
        assert_eq!(json["url"], format!("{}/@alice", app.public));
        assert_eq!(json["inbox"], format!("{id}/inbox"));
        assert_eq!(json["outbox"], format!("{id}/outbox"));
        assert_eq!(json["followers"], format!("{id}/followers"));
        assert_eq!(json["following"], format!("{id}/following"));
        assert_eq!(json["featured"], format!("{id}/collections/featured"));
        assert_eq!(
            json["endpoints"]["sharedInbox"],
            format!("{}/inbox", app.public)
        );
        assert_eq!(json["manuallyApprovesFollowers"], false);
        assert_eq!(json["discoverable"], true);
        assert_eq!(json["indexable"], false, "indexing is opt-in");
        assert_eq!(json["webfinger"], format!("acct:alice@{}", app.domain()));
        assert!(json["published"].as_str().unwrap().ends_with('Z'));
        assert!(json.get("icon").is_none(), "no avatar set, so no icon");
        assert_eq!(json["publicKey"]["id"], format!("{id}#main-key"));
        assert_eq!(json["publicKey"]["owner"], id);
        let pem = json["publicKey"]["publicKeyPem"].as_str().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let public = RsaPublicKey::from_public_key_pem(pem).unwrap();
        assert_eq!(public.n().bits(), 2048);
        // The stored private key is the other half of the published key.
        let private =
            RsaPrivateKey::from_pkcs8_pem(account.private_key_pem.as_deref().unwrap()).unwrap();
        assert_eq!(RsaPublicKey::from(&private), public);
        // What we serve parses back with our own (lenient) reader.
        let actor: Actor = serde_json::from_value(json).unwrap();
        assert_eq!(actor.preferred_username, "alice");
    }
    app.stop().await;
}

#[tokio::test]
async fn browsers_get_the_profile_page() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let res = app.get_accept("/users/alice", BROWSER).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["vary"], "Accept");
    assert_eq!(res.headers()["location"], format!("{}/@alice", app.public));
    let res = app.get_accept("/@alice", BROWSER).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("@alice@{}", app.domain())));
    // The profile URL also answers ActivityPub clients.
    let res = app.get_accept("/@alice", AP).await;
    assert_eq!(res.status(), 200);
    let json: Value = res.json().await.unwrap();
    assert_eq!(json["type"], "Person");
    // Unknown people and pages are 404s.
    assert_eq!(app.get_accept("/users/bob", AP).await.status(), 404);
    assert_eq!(app.get_accept("/@bob", BROWSER).await.status(), 404);
    assert_eq!(app.get("/nothing-here").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn instance_actor_is_an_application_found_by_webfinger() {
    let app = TestApp::spawn().await;
    let res = app.get_accept("/actor", AP).await;
    assert_eq!(res.status(), 200);
    let json: Value = res.json().await.unwrap();
    let id = format!("{}/actor", app.public);
    assert_eq!(json["type"], "Application");
    assert_eq!(json["id"], id);
    assert_eq!(json["preferredUsername"], "localhost");
    assert_eq!(json["publicKey"]["id"], format!("{id}#main-key"));
    assert_eq!(json["publicKey"]["owner"], id);
    RsaPublicKey::from_public_key_pem(json["publicKey"]["publicKeyPem"].as_str().unwrap()).unwrap();
    let res = client_get(&app, &format!("acct:localhost@{}", app.domain())).await;
    assert_eq!(res.status(), 200);
    let jrd: Value = res.json().await.unwrap();
    let self_link = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap()
        .clone();
    assert_eq!(self_link["href"], id);
    // Start-up reuses the stored key rather than minting a new one.
    let again = pinhole::domain::instance::ensure_keys(&app.state.db)
        .await
        .unwrap();
    assert_eq!(again.public_key_pem, json["publicKey"]["publicKeyPem"]);
    app.stop().await;
}

#[tokio::test]
async fn host_meta_points_to_webfinger() {
    let app = TestApp::spawn().await;
    let res = app.get("/.well-known/host-meta").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xrd+xml")
    );
    let xml = res.text().await.unwrap();
    assert!(xml.contains(&format!(
        "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
        app.public
    )));
    let json: Value = app
        .get("/.well-known/host-meta.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["links"][0]["rel"], "lrdd");
    app.stop().await;
}

#[tokio::test]
async fn nodeinfo_discovery_and_documents_count_users() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let links: Value = app.get("/.well-known/nodeinfo").await.json().await.unwrap();
    let href = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(href, format!("{}/nodeinfo/2.1", app.public));
    for version in ["2.0", "2.1"] {
        let res = app.get(&format!("/nodeinfo/{version}")).await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains(&format!("schema/{version}#"))
        );
        let doc: Value = res.json().await.unwrap();
        assert_eq!(doc["version"], version);
        assert_eq!(doc["software"]["name"], "pinhole");
        assert_eq!(doc["software"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(doc["protocols"], serde_json::json!(["activitypub"]));
        assert_eq!(doc["usage"]["users"]["total"], 2);
        assert_eq!(doc["usage"]["localPosts"], 0);
        assert_eq!(doc["openRegistrations"], false);
        assert_eq!(doc["metadata"]["nodeName"], "Pinhole");
    }
    app.stop().await;
}

#[tokio::test]
async fn mastodon_instance_endpoints() {
    let app = TestApp::spawn_with(|c| {
        c.instance.title = "Photos of Tests".into();
        c.instance.registrations = pinhole::domain::registrations::Mode::Open;
    })
    .await;
    app.create_user("alice").await;
    let v2: Value = app.get("/api/v2/instance").await.json().await.unwrap();
    assert_eq!(v2["domain"], app.domain());
    assert_eq!(v2["title"], "Photos of Tests");
    assert!(v2["version"].as_str().unwrap().starts_with("4."));
    assert_eq!(v2["registrations"]["enabled"], true);
    assert_eq!(v2["configuration"]["statuses"]["max_characters"], 500);
    assert!(
        v2["configuration"]["media_attachments"]["supported_mime_types"]
            .as_array()
            .unwrap()
            .contains(&Value::from("image/jpeg"))
    );
    assert!(v2["thumbnail"]["url"].is_string());
    assert!(v2["rules"].is_array());
    let v1: Value = app.get("/api/v1/instance").await.json().await.unwrap();
    assert_eq!(v1["uri"], app.domain());
    assert_eq!(v1["stats"]["user_count"], 1);
    assert_eq!(v1["registrations"], true);
    assert!(v1["urls"].is_object());
    // The thumbnail URL it gives works.
    let thumb = app.get("/avatars/original/missing.png").await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/png");
    app.stop().await;
}
