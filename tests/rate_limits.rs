//! Mastodon's API rate limits as apps see them: every answer says where the caller stands,
//! a token past its limit gets 429 with Retry-After and changes nothing, another token or an
//! anonymous address has its own count, and deletions have their narrower limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, client, note};
use pinhole::domain::{self, posts::Visibility};

#[tokio::test]
async fn api_requests_are_counted_per_token_with_headers() {
    let app = TestApp::spawn_with(|c| {
        c.limits.api = 3;
        c.limits.deletions = 1;
    })
    .await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let bob = domain::tokens::create(&app.state.db, "bob", "read write")
        .await
        .unwrap();
    let get = |token: String| {
        let url = app.url("/api/v1/accounts/verify_credentials");
        async move { client().get(url).bearer_auth(token).send().await.unwrap() }
    };
    for remaining in ["2", "1", "0"] {
        let res = get(alice.clone()).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-ratelimit-limit"], "3");
        assert_eq!(res.headers()["x-ratelimit-remaining"], remaining);
        assert!(res.headers().contains_key("x-ratelimit-reset"));
    }
    let refused = get(alice.clone()).await;
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 300);
    assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
    // Bob's token has its own count; pages outside the API are not counted.
    assert_eq!(get(bob.clone()).await.status(), 200);
    for _ in 0..5 {
        assert_eq!(
            client()
                .get(app.url("/about"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }

    // A deletion counts against its own, narrower limit; the refused one deletes nothing.
    let first = app
        .post("bob", note("one", Visibility::Public), vec![])
        .await;
    let second = app
        .post("bob", note("two", Visibility::Public), vec![])
        .await;
    let delete = |id: i64| {
        let url = app.url(&format!("/api/v1/statuses/{id}"));
        let bob = bob.clone();
        async move { client().delete(url).bearer_auth(bob).send().await.unwrap() }
    };
    let ok = delete(first.post.id).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["x-ratelimit-limit"],
        "1",
        "the narrower limit is shown"
    );
    assert_eq!(delete(second.post.id).await.status(), 429);
    assert!(app.post_by_uri(&second.post.uri).await.is_some());
}

#[tokio::test]
async fn one_server_gets_its_share_of_the_inbox() {
    let (a, b) = tokio::join!(
        TestApp::spawn_with(|c| c.limits.inbox_per_domain = 2),
        TestApp::spawn()
    );
    a.create_user("alice").await;
    b.create_user("bob").await;
    assert!(b.like_to("bob", &a).await.is_ok());
    assert!(b.like_to("bob", &a).await.is_ok());
    let refused = b.like_to("bob", &a).await.unwrap_err();
    assert!(refused.contains("429"), "{refused}");
}
