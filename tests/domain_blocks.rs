//! Domain moderation between live instances on loopback: a suspended server's deliveries
//! are refused (4xx), nothing is fetched from it, follows with it end and its accounts'
//! posts leave the timelines; lifting the block brings the accounts back. A limit limits
//! the domain's accounts, including ones met later. Reports from a domain whose reports are
//! rejected are dropped. Allowlist mode refuses a third server. The public list obfuscates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, call, eventually, note, staff};
use pinhole::{
    config::FederationMode,
    domain::{self, audit::Moderator, posts::Visibility, roles::Role},
};
use serde_json::json;

async fn follow_and_receive(a: &TestApp, b: &TestApp) -> String {
    a.follow("alice", &b.handle("bob")).await;
    eventually(20, "A sees the follow accepted", || async {
        a.collection_items("alice", "following").await.0 == 1
    })
    .await;
    let post = b
        .post("bob", note("Hello from B", Visibility::Public), vec![])
        .await;
    let uri = post.post.uri.clone();
    eventually(20, "bob's post reaches A", || async {
        a.post_by_uri(&uri).await.is_some()
    })
    .await;
    uri
}

#[tokio::test]
async fn suspending_a_domain_cuts_it_off_and_lifting_it_brings_its_accounts_back() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let admin = staff(&a, "ada", Role::Admin).await;
    let moderator = staff(&a, "mo", Role::Moderator).await;
    let alice = domain::tokens::create(&a.state.db, "alice", "read write")
        .await
        .unwrap();
    let uri = follow_and_receive(&a, &b).await;

    // Moderators may not touch federation; admins may.
    let block = json!({"domain": b.domain(), "severity": "suspend", "public_comment": "Spam source", "obfuscate": true});
    let (status, _) = call(
        &a,
        reqwest::Method::POST,
        &moderator,
        "/api/v1/admin/domain_blocks",
        Some(block.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, created) = call(
        &a,
        reqwest::Method::POST,
        &admin,
        "/api/v1/admin/domain_blocks",
        Some(block.clone()),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["domain"], b.domain());
    assert_eq!(created["severity"], "suspend");
    assert_eq!(created["digest"].as_str().unwrap().len(), 64);
    let (status, _) = call(
        &a,
        reqwest::Method::POST,
        &admin,
        "/api/v1/admin/domain_blocks",
        Some(block),
    )
    .await;
    assert!(
        status == 409 || status == 422,
        "a second block of the same domain: {status}"
    );

    // Follows are severed, bob's posts leave alice's timeline.
    assert_eq!(a.collection_items("alice", "following").await.0, 0);
    let (_, home) = call(
        &a,
        reqwest::Method::GET,
        &alice,
        "/api/v1/timelines/home",
        None,
    )
    .await;
    assert_eq!(home, json!([]));
    assert!(
        a.post_by_uri(&uri)
            .await
            .unwrap()
            .author
            .suspended_at
            .is_some()
    );

    // B's deliveries are refused with a 4xx; A fetches nothing from B, nor sends anything.
    let refused = b.like_to("bob", &a).await.unwrap_err();
    assert!(refused.contains("403"), "{refused}");
    let fetch = a
        .signed_get(&format!("{}/users/bob", b.public))
        .await
        .unwrap_err();
    assert!(fetch.contains("does not federate"), "{fetch}");

    // The public list, obfuscated as asked.
    let (_, list) = call(
        &a,
        reqwest::Method::GET,
        "",
        "/api/v1/instance/domain_blocks",
        None,
    )
    .await;
    assert_eq!(list[0]["comment"], "Spam source");
    assert_ne!(list[0]["domain"], b.domain(), "obfuscated");
    assert!(list[0]["domain"].as_str().unwrap().contains('*'));

    // Lifted: bob's account is back (the follow is not: alice must follow again).
    let id = created["id"].as_str().unwrap();
    let (status, _) = call(
        &a,
        reqwest::Method::DELETE,
        &admin,
        &format!("/api/v1/admin/domain_blocks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        a.post_by_uri(&uri)
            .await
            .unwrap()
            .author
            .suspended_at
            .is_none()
    );
    assert!(b.like_to("bob", &a).await.is_ok());
    let page = pinhole::db::posts::Page {
        limit: 5,
        ..Default::default()
    };
    let logs = domain::audit::log(&a.state.db, Moderator::Operator, &page)
        .await
        .unwrap();
    let actions: Vec<&str> = logs.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.starts_with(&["destroy", "create"]), "{actions:?}");
}

#[tokio::test]
async fn a_limited_domain_and_rejected_reports() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    b.create_user("bea").await;
    let admin = staff(&a, "ada", Role::Admin).await;
    follow_and_receive(&a, &b).await;
    let block = json!({"domain": b.domain(), "severity": "silence", "reject_reports": true});
    let (status, created) = call(
        &a,
        reqwest::Method::POST,
        &admin,
        "/api/v1/admin/domain_blocks",
        Some(block),
    )
    .await;
    assert_eq!(status, 200, "{created}");

    // Known accounts are limited at once; one met later arrives limited.
    let bob = pinhole::federation::resolve::resolve_handle(&a.state.federation, &b.handle("bob"))
        .await
        .unwrap();
    assert!(bob.silenced_at.is_some());
    let bea = pinhole::federation::resolve::resolve_handle(&a.state.federation, &b.handle("bea"))
        .await
        .unwrap();
    assert!(
        bea.silenced_at.is_some(),
        "met after the block, limited too"
    );
    // Deliveries still come through a limit.
    assert!(b.like_to("bob", &a).await.is_ok());

    // A report from B about alice is dropped: A rejects B's reports.
    let alice_on_b =
        pinhole::federation::resolve::resolve_handle(&b.state.federation, &a.handle("alice"))
            .await
            .unwrap();
    let publisher = &b.state.federation.publisher;
    domain::reports::file(
        &b.state.db,
        publisher,
        &b.local("bob").await,
        0,
        domain::reports::NewReport {
            target_id: alice_on_b.id,
            forward: true,
            comment: "x".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    b.state.federation.wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let page = pinhole::db::posts::Page {
        limit: 10,
        ..Default::default()
    };
    let reports =
        domain::reports::list(&a.state.db, Moderator::Operator, Default::default(), &page)
            .await
            .unwrap();
    assert!(reports.is_empty(), "{reports:?}");

    // Changing the limit to nothing lifts it from the accounts.
    let id = created["id"].as_str().unwrap();
    let (status, updated) = call(
        &a,
        reqwest::Method::PUT,
        &admin,
        &format!("/api/v1/admin/domain_blocks/{id}"),
        Some(json!({"severity": "noop"})),
    )
    .await;
    assert_eq!((status, updated["severity"].as_str()), (200, Some("noop")));
    assert_eq!(updated["reject_reports"], true, "fields left out are kept");
    assert!(
        domain::accounts::get(&a.state.db, bob.id)
            .await
            .unwrap()
            .silenced_at
            .is_none()
    );
}

#[tokio::test]
async fn allowlist_mode_refuses_a_third_server() {
    let (a, b, c) = tokio::join!(
        TestApp::spawn_with(|c| c.federation.mode = FederationMode::Allowlist),
        TestApp::spawn(),
        TestApp::spawn()
    );
    a.create_user("alice").await;
    b.create_user("bob").await;
    c.create_user("carl").await;
    let admin = staff(&a, "ada", Role::Admin).await;
    let (status, allowed) = call(
        &a,
        reqwest::Method::POST,
        &admin,
        "/api/v1/admin/domain_allows",
        Some(json!({"domain": b.domain()})),
    )
    .await;
    assert_eq!(status, 200, "{allowed}");
    assert!(
        b.like_to("bob", &a).await.is_ok(),
        "an allowed server is heard"
    );
    let refused = c.like_to("carl", &a).await.unwrap_err();
    assert!(refused.contains("403"), "{refused}");
    assert!(
        a.signed_get(&format!("{}/users/carl", c.public))
            .await
            .is_err()
    );
    let (_, list) = call(
        &a,
        reqwest::Method::GET,
        &admin,
        "/api/v1/admin/domain_allows",
        None,
    )
    .await;
    assert_eq!(list[0]["domain"], b.domain());
    // Taken off the list, B is refused too.
    let id = allowed["id"].as_str().unwrap();
    call(
        &a,
        reqwest::Method::DELETE,
        &admin,
        &format!("/api/v1/admin/domain_allows/{id}"),
        None,
    )
    .await;
    assert!(b.like_to("bob", &a).await.is_err());
}
