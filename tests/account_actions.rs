//! Account actions as moderators take them through Mastodon's admin API, and what readers,
//! the account itself and other servers then see: suspend (gone at once, to a peer too),
//! limit, sensitive media, disabled login, warnings; each undone again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, call, client, eventually, note, solid_jpeg, staff};
use pinhole::domain::{self, audit::Moderator, posts::Visibility, roles::Role};
use serde_json::{Value, json};

async fn token(app: &TestApp, name: &str) -> String {
    domain::tokens::create(&app.state.db, name, "read write")
        .await
        .unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn suspension_hides_everything_at_once_here_and_for_peers() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    b.create_user("reporter").await;
    let moderator = staff(&b, "bmod", Role::Moderator).await;
    let bob = token(&b, "bob").await;
    let post = b
        .post("bob", note("Hello from bob", Visibility::Public), vec![])
        .await;
    let bob_id = b.local("bob").await.id;

    // A report about bob, answered by the suspension.
    let reporter = token(&b, "reporter").await;
    let (_, report) = call(
        &b,
        reqwest::Method::POST,
        &reporter,
        "/api/v1/reports",
        Some(json!({"account_id": bob_id.to_string()})),
    )
    .await;
    let report_id = report["id"].as_str().unwrap().to_string();

    let actor = format!("{}/users/bob", b.public);
    assert!(a.signed_get(&actor).await.is_ok(), "before: A fetches bob");

    let path = format!("/api/v1/admin/accounts/{bob_id}/action");
    let (status, body) = call(
        &b,
        reqwest::Method::POST,
        &moderator,
        &path,
        Some(json!({"type": "suspend", "report_id": report_id, "text": "Spam"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Gone for other servers, for readers and for bob himself.
    let err = a.signed_get(&actor).await.unwrap_err();
    assert!(err.contains("410"), "{err}");
    let (status, _) = call(
        &b,
        reqwest::Method::GET,
        "",
        &format!("/api/v1/statuses/{}", post.post.id),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, public) = call(
        &b,
        reqwest::Method::GET,
        "",
        "/api/v1/timelines/public",
        None,
    )
    .await;
    assert!(!ids(&public).contains(&post.post.id.to_string()));
    let (status, me) = call(
        &b,
        reqwest::Method::GET,
        &bob,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(
        (status, me["error"].as_str()),
        (403, Some("Your login is currently disabled"))
    );
    let profile = client()
        .get(b.url("/@bob"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 410);
    let wf = client()
        .get(b.url(&format!(
            "/.well-known/webfinger?resource=acct:bob@{}",
            b.domain()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wf.status(), 410);

    // The report is settled; the admin API says suspended.
    let (_, r) = call(
        &b,
        reqwest::Method::GET,
        &moderator,
        &format!("/api/v1/admin/reports/{report_id}"),
        None,
    )
    .await;
    assert_eq!(r["action_taken"], true);
    let (_, acc) = call(
        &b,
        reqwest::Method::GET,
        &moderator,
        &format!("/api/v1/admin/accounts/{bob_id}"),
        None,
    )
    .await;
    assert_eq!(acc["suspended"], true);
    let (_, suspended) = call(
        &b,
        reqwest::Method::GET,
        &moderator,
        "/api/v2/admin/accounts?status=suspended",
        None,
    )
    .await;
    assert_eq!(suspended[0]["username"], "bob");

    // Undone: everything is back.
    let (status, acc) = call(
        &b,
        reqwest::Method::POST,
        &moderator,
        &format!("/api/v1/admin/accounts/{bob_id}/unsuspend"),
        None,
    )
    .await;
    assert_eq!((status, acc["suspended"].clone()), (200, json!(false)));
    assert!(a.signed_get(&actor).await.is_ok());
    let (status, _) = call(
        &b,
        reqwest::Method::GET,
        "",
        &format!("/api/v1/statuses/{}", post.post.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &b,
        reqwest::Method::GET,
        &bob,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_suspended_remote_account_is_heard_no_more() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let moderator = staff(&a, "amod", Role::Moderator).await;
    a.follow("alice", &b.handle("bob")).await;
    eventually(20, "bob has alice as follower", || async {
        b.collection_items("bob", "followers").await.0 == 1
    })
    .await;
    eventually(20, "A sees the follow accepted", || async {
        a.collection_items("alice", "following").await.0 == 1
    })
    .await;
    let first = b.post("bob", note("one", Visibility::Public), vec![]).await;
    let uri = first.post.uri.clone();
    eventually(20, "bob's post reaches A", || async {
        a.post_by_uri(&uri).await.is_some()
    })
    .await;
    let remote_bob = a.post_by_uri(&uri).await.unwrap().author;

    let path = format!("/api/v1/admin/accounts/{}/action", remote_bob.id);
    let (status, _) = call(
        &a,
        reqwest::Method::POST,
        &moderator,
        &path,
        Some(json!({"type": "suspend"})),
    )
    .await;
    assert_eq!(status, 200);
    let alice = token(&a, "alice").await;
    let (_, home) = call(
        &a,
        reqwest::Method::GET,
        &alice,
        "/api/v1/timelines/home",
        None,
    )
    .await;
    assert!(
        home.as_array().unwrap().is_empty(),
        "bob's posts leave A's timelines: {home}"
    );

    // bob's next post is acknowledged by A and not stored.
    let second = b.post("bob", note("two", Visibility::Public), vec![]).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    b.state.federation.wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(a.post_by_uri(&second.post.uri).await.is_none());
    // Disabling a remote login makes no sense and is refused.
    let (status, _) = call(
        &a,
        reqwest::Method::POST,
        &moderator,
        &path,
        Some(json!({"type": "disable"})),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn limit_sensitive_disable_and_warn() {
    let app = TestApp::spawn().await;
    let moderator = staff(&app, "mo", Role::Moderator).await;
    let admin = staff(&app, "ada", Role::Admin).await;
    app.create_user("carol").await;
    app.create_user("dave").await;
    let carol = token(&app, "carol").await;
    let dave = token(&app, "dave").await;
    let carol_id = app.local("carol").await.id;
    let ada_id = app.local("ada").await.id;
    app.follow("dave", &app.handle("carol")).await;
    let photo = app
        .post(
            "carol",
            note("A heron", Visibility::Public),
            vec![(solid_jpeg(64, 64, [9, 9, 9]), "a heron")],
        )
        .await;
    let action = |body: Value| {
        let path = format!("/api/v1/admin/accounts/{carol_id}/action");
        let moderator = moderator.clone();
        let app = &app;
        async move { call(app, reqwest::Method::POST, &moderator, &path, Some(body)).await }
    };

    // Limit: out of the public timeline for strangers, still there for a follower.
    assert_eq!(action(json!({"type": "silence"})).await.0, 200);
    let (_, anon) = call(
        &app,
        reqwest::Method::GET,
        "",
        "/api/v1/timelines/public",
        None,
    )
    .await;
    assert!(!ids(&anon).contains(&photo.post.id.to_string()));
    let (_, followed) = call(
        &app,
        reqwest::Method::GET,
        &dave,
        "/api/v1/timelines/public",
        None,
    )
    .await;
    assert!(ids(&followed).contains(&photo.post.id.to_string()));
    let (_, tag) = call(
        &app,
        reqwest::Method::GET,
        "",
        "/api/v1/timelines/public?only_media=true",
        None,
    )
    .await;
    assert!(!ids(&tag).contains(&photo.post.id.to_string()));
    call(
        &app,
        reqwest::Method::POST,
        &moderator,
        &format!("/api/v1/admin/accounts/{carol_id}/unsilence"),
        None,
    )
    .await;
    let (_, anon) = call(
        &app,
        reqwest::Method::GET,
        "",
        "/api/v1/timelines/public",
        None,
    )
    .await;
    assert!(ids(&anon).contains(&photo.post.id.to_string()));

    // Sensitive: her media is shown behind a warning, to everyone.
    let status_path = format!("/api/v1/statuses/{}", photo.post.id);
    assert_eq!(
        call(&app, reqwest::Method::GET, "", &status_path, None)
            .await
            .1["sensitive"],
        false
    );
    assert_eq!(action(json!({"type": "sensitive"})).await.0, 200);
    assert_eq!(
        call(&app, reqwest::Method::GET, "", &status_path, None)
            .await
            .1["sensitive"],
        true
    );
    call(
        &app,
        reqwest::Method::POST,
        &moderator,
        &format!("/api/v1/admin/accounts/{carol_id}/unsensitive"),
        None,
    )
    .await;
    assert_eq!(
        call(&app, reqwest::Method::GET, "", &status_path, None)
            .await
            .1["sensitive"],
        false
    );

    // Disable: her login is refused until enabled again.
    assert_eq!(action(json!({"type": "disable"})).await.0, 200);
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            &carol,
            "/api/v1/accounts/verify_credentials",
            None
        )
        .await
        .0,
        403
    );
    call(
        &app,
        reqwest::Method::POST,
        &moderator,
        &format!("/api/v1/admin/accounts/{carol_id}/enable"),
        None,
    )
    .await;
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            &carol,
            "/api/v1/accounts/verify_credentials",
            None
        )
        .await
        .0,
        200
    );

    // A warning: carol reads it in her notifications.
    assert_eq!(
        action(json!({"type": "none", "text": "Please describe your photos."}))
            .await
            .0,
        200
    );
    let (_, notes) = call(
        &app,
        reqwest::Method::GET,
        &carol,
        "/api/v1/notifications",
        None,
    )
    .await;
    let warnings: Vec<&Value> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "moderation_warning")
        .collect();
    assert_eq!(warnings.len(), 4, "one per action: {notes}");
    assert_eq!(
        warnings[0]["moderation_warning"]["text"],
        "Please describe your photos."
    );
    assert_eq!(warnings[0]["moderation_warning"]["action"], "none");

    // Bad actions change nothing; a moderator cannot act on an admin.
    assert_eq!(action(json!({"type": "obliterate"})).await.0, 422);
    assert_eq!(action(json!({})).await.0, 422);
    let path = format!("/api/v1/admin/accounts/{ada_id}/action");
    assert_eq!(
        call(
            &app,
            reqwest::Method::POST,
            &moderator,
            &path,
            Some(json!({"type": "suspend"}))
        )
        .await
        .0,
        403
    );
    assert!(app.local("ada").await.suspended_at.is_none());
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        &admin,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Everything is in the audit log.
    let page = pinhole::db::posts::Page {
        limit: 20,
        ..Default::default()
    };
    let log = domain::audit::log(&app.state.db, Moderator::Operator, &page)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.starts_with(&[
            "warn",
            "enable",
            "disable",
            "unsensitive",
            "sensitive",
            "unsilence",
            "silence"
        ]),
        "{actions:?}"
    );
}
