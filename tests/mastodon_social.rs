//! Mastodon API around accounts: lookup, follow/unfollow and relationships across two
//! instances, follow requests, who liked or boosted, search with resolve, notifications
//! one by one, and the start-up endpoints apps call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, eventually, note};
use pinhole::domain::posts::Visibility;
use serde_json::{Value, json};

async fn call(app: &TestApp, token: &str, method: reqwest::Method, path: &str) -> (u16, Value) {
    let res = common::client()
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn token(app: &TestApp, name: &str) -> String {
    pinhole::domain::tokens::create(&app.state.db, name, "read write follow")
        .await
        .unwrap()
}

#[tokio::test]
async fn follow_a_remote_account_found_by_search() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let alice = token(&a, "alice").await;
    use reqwest::Method as M;

    // Search resolves @bob@host over WebFinger, then alice follows him by id.
    let (s, found) = call(
        &a,
        &alice,
        M::GET,
        &format!(
            "/api/v2/search?q=@bob@{}&resolve=true&type=accounts",
            b.domain()
        ),
    )
    .await;
    assert_eq!(s, 200, "{found}");
    let bob_remote = &found["accounts"][0];
    assert_eq!(bob_remote["acct"], format!("bob@{}", b.domain()));
    let bob_id = bob_remote["id"].as_str().unwrap().to_string();
    // Without resolve (or without a token) nothing reaches the network.
    let anon: Value = a
        .get(&format!(
            "/api/v2/search?q=@nobody@{}&resolve=true",
            b.domain()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(anon["accounts"], json!([]));
    assert_eq!(anon["statuses"], json!([]));
    assert_eq!(anon["hashtags"], json!([]));

    let (s, rel) = call(
        &a,
        &alice,
        M::POST,
        &format!("/api/v1/accounts/{bob_id}/follow"),
    )
    .await;
    assert_eq!(s, 200, "{rel}");
    eventually(20, "bob's server accepts", || async {
        call(
            &a,
            &alice,
            M::GET,
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        )
        .await
        .1[0]["following"]
            == true
    })
    .await;
    let (_, bob_acc) = call(&a, &alice, M::GET, &format!("/api/v1/accounts/{bob_id}")).await;
    assert_eq!(bob_acc["username"], "bob");
    let alice_id = a.local("alice").await.id;
    let (_, me) = call(&a, &alice, M::GET, &format!("/api/v1/accounts/{alice_id}")).await;
    assert_eq!(me["following_count"], 1);
    let (_, following) = call(
        &a,
        &alice,
        M::GET,
        &format!("/api/v1/accounts/{alice_id}/following"),
    )
    .await;
    assert_eq!(following[0]["id"], bob_id.as_str());

    // Bob posts; the post reaches alice's home; search by URL finds it; alice likes it.
    let post = b
        .post("bob", note("Hello from b", Visibility::Public), vec![])
        .await;
    eventually(20, "alice's home has bob's post", || async {
        call(&a, &alice, M::GET, "/api/v1/timelines/home")
            .await
            .1
            .as_array()
            .is_some_and(|l| !l.is_empty())
    })
    .await;
    let (_, found) = call(
        &a,
        &alice,
        M::GET,
        &format!("/api/v2/search?q={}&resolve=true", post.post.uri),
    )
    .await;
    let sid = found["statuses"][0]["id"].as_str().unwrap().to_string();
    call(
        &a,
        &alice,
        M::POST,
        &format!("/api/v1/statuses/{sid}/favourite"),
    )
    .await;
    let (_, likers) = call(
        &a,
        &alice,
        M::GET,
        &format!("/api/v1/statuses/{sid}/favourited_by"),
    )
    .await;
    assert_eq!(likers[0]["username"], "alice");
    let (_, boosters) = call(
        &a,
        &alice,
        M::GET,
        &format!("/api/v1/statuses/{sid}/reblogged_by"),
    )
    .await;
    assert_eq!(boosters, json!([]));

    // Unfollow.
    let (s, rel) = call(
        &a,
        &alice,
        M::POST,
        &format!("/api/v1/accounts/{bob_id}/unfollow"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(rel["following"], false);
    // Lookup of a known remote account.
    let (s, looked) = call(
        &a,
        &alice,
        M::GET,
        &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(looked["id"], bob_id.as_str());
}

#[tokio::test]
async fn follow_requests_notifications_and_startup_endpoints() {
    let app = TestApp::spawn().await;
    app.create_user("bob").await;
    pinhole::domain::accounts::create_local(
        &app.state.db,
        pinhole::domain::accounts::NewUser {
            username: "lena".into(),
            password: None,
            role: Default::default(),
            locked: true,
        },
    )
    .await
    .unwrap();
    let bob = token(&app, "bob").await;
    let lena = token(&app, "lena").await;
    use reqwest::Method as M;
    let lena_id = app.local("lena").await.id;
    let bob_id = app.local("bob").await.id;

    let (_, rel) = call(
        &app,
        &bob,
        M::POST,
        &format!("/api/v1/accounts/{lena_id}/follow"),
    )
    .await;
    assert_eq!(rel["requested"], true);
    assert_eq!(rel["following"], false);
    let (_, requests) = call(&app, &lena, M::GET, "/api/v1/follow_requests").await;
    assert_eq!(requests[0]["username"], "bob");
    let (_, notes) = call(&app, &lena, M::GET, "/api/v1/notifications").await;
    assert_eq!(notes[0]["type"], "follow_request");
    let (s, rel) = call(
        &app,
        &lena,
        M::POST,
        &format!("/api/v1/follow_requests/{bob_id}/authorize"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(rel["followed_by"], true);
    let (_, rel) = call(
        &app,
        &bob,
        M::GET,
        &format!("/api/v1/accounts/relationships?id[]={lena_id}"),
    )
    .await;
    assert_eq!(rel[0]["following"], true);

    // One notification, dismiss it, clear the rest.
    let (_, notes) = call(&app, &lena, M::GET, "/api/v1/notifications").await;
    let first = notes[0]["id"].as_str().unwrap().to_string();
    let (s, one) = call(
        &app,
        &lena,
        M::GET,
        &format!("/api/v1/notifications/{first}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(one["account"]["username"], "bob");
    assert_eq!(
        call(
            &app,
            &bob,
            M::GET,
            &format!("/api/v1/notifications/{first}")
        )
        .await
        .0,
        404
    );
    call(
        &app,
        &lena,
        M::POST,
        &format!("/api/v1/notifications/{first}/dismiss"),
    )
    .await;
    assert_eq!(
        call(
            &app,
            &lena,
            M::GET,
            &format!("/api/v1/notifications/{first}")
        )
        .await
        .0,
        404
    );
    call(&app, &lena, M::POST, "/api/v1/notifications/clear").await;
    assert_eq!(
        call(&app, &lena, M::GET, "/api/v1/notifications").await.1,
        json!([])
    );

    // What apps ask for at start-up answers without errors.
    for path in [
        "/api/v1/custom_emojis",
        "/api/v2/filters",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
    ] {
        let (s, body) = call(&app, &bob, M::GET, path).await;
        assert_eq!((s, body), (200, json!([])), "{path}");
    }
    assert_eq!(call(&app, &bob, M::GET, "/api/v1/markers").await.0, 200);
    let (s, prefs) = call(&app, &bob, M::GET, "/api/v1/preferences").await;
    assert_eq!(s, 200);
    assert_eq!(prefs["posting:default:visibility"], "public");
    assert_eq!(app.get("/api/v1/streaming/health").await.status(), 501);
}

#[tokio::test]
async fn account_search_and_profile_fields() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("alfred").await;
    app.create_user("bob").await;
    app.create_user("al_x").await;
    let alice = token(&app, "alice").await;
    use reqwest::Method as M;
    let (_, found) = call(&app, &alice, M::GET, "/api/v1/accounts/search?q=al_").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["username"], "al_x");
    let (s, found) = call(&app, &alice, M::GET, "/api/v1/accounts/search?q=ali").await;
    assert_eq!(s, 200);
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice"]);
    let (_, found) = call(&app, &alice, M::GET, "/api/v1/accounts/search?q=al").await;
    assert_eq!(found.as_array().unwrap().len(), 3);
    let (_, found) = call(
        &app,
        &alice,
        M::GET,
        &format!("/api/v1/accounts/search?q=@bob@{}", app.domain()),
    )
    .await;
    assert_eq!(found[0]["username"], "bob");
    // `%` and `_` are not wildcards.
    let (_, none) = call(&app, &alice, M::GET, "/api/v1/accounts/search?q=%25").await;
    assert_eq!(none, json!([]));

    // Profile fields as Mastodon.py sends them.
    let res = common::client()
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .form(&[
            ("fields_attributes[0][name]", "Camera"),
            ("fields_attributes[0][value]", "Fuji X100"),
            ("fields_attributes[1][name]", "Site"),
            ("fields_attributes[1][value]", "https://example.com/photos"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["fields"][0]["name"], "Camera");
    assert_eq!(me["fields"][0]["value"], "Fuji X100");
    assert!(
        me["fields"][1]["value"]
            .as_str()
            .unwrap()
            .contains("href=\"https://example.com/photos\"")
    );
    assert_eq!(
        me["source"]["fields"][1]["value"],
        "https://example.com/photos"
    );
    let too_many: Vec<(String, String)> = (0..5)
        .flat_map(|i| {
            [
                (format!("fields_attributes[{i}][name]"), format!("n{i}")),
                (format!("fields_attributes[{i}][value]"), "v".into()),
            ]
        })
        .collect();
    let res = common::client()
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .form(&too_many)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

/// The verb routes (`…/:id/follow`, `…/:id/favourite`, `…/:id/authorize`) share one
/// handler each; a verb that does not exist is a 404 in Mastodon's error shape and
/// changes nothing.
#[tokio::test]
async fn an_unknown_verb_on_an_account_or_status_is_not_found() {
    use reqwest::Method as M;
    let app = TestApp::spawn().await;
    app.create_user("bob").await;
    app.create_user("lena").await;
    let bob = token(&app, "bob").await;
    let lena_id = app.local("lena").await.id;
    for path in [
        format!("/api/v1/accounts/{lena_id}/befriend"),
        format!("/api/v1/follow_requests/{lena_id}/maybe"),
        "/api/v1/statuses/1/like".to_string(),
    ] {
        let (status, body) = call(&app, &bob, M::POST, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // Without a token too (an unknown route needs none), and for other methods; a known
    // verb asked with the wrong method is 405, as a route of its own answers.
    let res = common::client()
        .post(app.url(&format!("/api/v1/accounts/{lena_id}/befriend")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = call(&app, &bob, M::GET, "/api/v1/statuses/1/source").await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &bob,
        M::GET,
        &format!("/api/v1/accounts/{lena_id}/lists"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &bob, M::GET, "/api/v1/statuses/1/favourite").await;
    assert_eq!(status, 405);
    let (_, rel) = call(
        &app,
        &bob,
        M::GET,
        &format!("/api/v1/accounts/relationships?id[]={lena_id}"),
    )
    .await;
    assert_eq!(rel[0]["following"], false);
    assert_eq!(rel[0]["blocking"], false);
    // The real verbs still answer through the same routes.
    let (status, rel) = call(
        &app,
        &bob,
        M::POST,
        &format!("/api/v1/accounts/{lena_id}/block"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rel["blocking"], true);
    app.stop().await;
}
