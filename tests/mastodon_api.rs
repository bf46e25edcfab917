//! Mastodon API authentication with operator-issued tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use serde_json::Value;

async fn verify(app: &TestApp, auth: Option<&str>) -> reqwest::Response {
    let mut req = common::client().get(app.url("/api/v1/accounts/verify_credentials"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn verify_credentials_needs_a_valid_token_with_read_scope() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write follow")
        .await
        .unwrap();
    let profile_only = pinhole::domain::tokens::create(&app.state.db, "alice", "profile")
        .await
        .unwrap();

    assert_eq!(verify(&app, None).await.status(), 401);
    assert_eq!(verify(&app, Some("Bearer nope")).await.status(), 401);
    assert_eq!(
        verify(&app, Some(&format!("Basic {token}"))).await.status(),
        401
    );
    let res = verify(&app, Some("Bearer ")).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "The access token is invalid");

    let res = verify(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["uri"], format!("{}/users/alice", app.public));
    assert!(me["id"].is_string(), "Mastodon ids are strings");
    assert!(me["avatar"].as_str().unwrap().starts_with("http"));
    assert!(
        me["created_at"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00.000Z")
    );
    assert_eq!(me["source"]["privacy"], "public");
    assert_eq!(me["role"]["permissions"], "65536");

    assert_eq!(
        verify(&app, Some(&format!("Bearer {profile_only}")))
            .await
            .status(),
        200
    );

    // Token use counts as activity in NodeInfo.
    let doc: Value = app.get("/nodeinfo/2.1").await.json().await.unwrap();
    assert_eq!(doc["usage"]["users"]["activeMonth"], 1);
    app.stop().await;
}

#[tokio::test]
async fn browser_clients_may_call_the_api_from_other_origins() {
    let app = TestApp::spawn().await;
    let res = common::client()
        .request(
            reqwest::Method::OPTIONS,
            app.url("/api/v1/accounts/verify_credentials"),
        )
        .header("origin", "https://elk.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    // Spelled out: browsers do not let `*` stand for `Authorization`.
    assert_eq!(
        res.headers()["access-control-allow-headers"],
        "authorization"
    );
    let res = common::client()
        .get(app.url("/api/v2/instance"))
        .header("origin", "https://elk.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    app.stop().await;
}
