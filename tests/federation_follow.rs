//! Three Pinhole instances on loopback follow each other through signed inbox deliveries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, eventually};
use pinhole::domain::{self, follows::FollowState};

async fn follows(app: &TestApp, name: &str, which: &str) -> Vec<String> {
    app.collection_items(name, which).await.1
}

#[tokio::test]
async fn follow_accept_request_approve_and_undo_across_three_instances() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn().await;
    a.create_user("alice").await;
    b.create_user("bob").await;
    c.create_user("carol").await;
    let alice = format!("{}/users/alice", a.public);
    let bob = format!("{}/users/bob", b.public);
    let carol = format!("{}/users/carol", c.public);

    // A follows B: accepted automatically.
    assert_eq!(
        a.follow("alice", &b.handle("bob")).await,
        FollowState::Pending
    );
    eventually(15, "B lists alice as a follower", || async {
        follows(&b, "bob", "followers").await == vec![alice.clone()]
    })
    .await;
    eventually(15, "A sees the Accept", || async {
        follows(&a, "alice", "following").await == vec![bob.clone()]
    })
    .await;

    // B locks its account; C's follow stays a request until approved.
    let bob_account = domain::accounts::get_local(&b.state.db, "bob")
        .await
        .unwrap();
    pinhole::db::accounts::set_locked(&b.state.db, bob_account.id, true)
        .await
        .unwrap();
    assert_eq!(
        c.follow("carol", &b.handle("bob")).await,
        FollowState::Pending
    );
    let bob_account = domain::accounts::get_local(&b.state.db, "bob")
        .await
        .unwrap();
    eventually(15, "B holds carol's request", || async {
        domain::follows::requests(&b.state.db, &bob_account)
            .await
            .unwrap()
            .iter()
            .any(|r| r.uri.as_deref() == Some(carol.as_str()))
    })
    .await;
    assert_eq!(follows(&b, "bob", "followers").await, vec![alice.clone()]);
    assert!(follows(&c, "carol", "following").await.is_empty());
    let carol_at_b = pinhole::db::accounts::find_by_uri(&b.state.db, &carol)
        .await
        .unwrap()
        .unwrap();
    domain::follows::answer(
        &b.state.db,
        &b.state.federation.publisher,
        &bob_account,
        &carol_at_b,
        true,
    )
    .await
    .unwrap();
    b.state.federation.wake.notify_one();
    eventually(15, "C sees the approval", || async {
        follows(&c, "carol", "following").await == vec![bob.clone()]
    })
    .await;
    let mut followers = follows(&b, "bob", "followers").await;
    followers.sort();
    let mut want = vec![alice.clone(), carol.clone()];
    want.sort();
    assert_eq!(followers, want);

    // A unfollows: B drops alice.
    let alice_account = domain::accounts::get_local(&a.state.db, "alice")
        .await
        .unwrap();
    let bob_at_a = pinhole::db::accounts::find_by_uri(&a.state.db, &bob)
        .await
        .unwrap()
        .unwrap();
    domain::follows::unfollow(
        &a.state.db,
        &a.state.federation.publisher,
        &alice_account,
        &bob_at_a,
    )
    .await
    .unwrap();
    a.state.federation.wake.notify_one();
    eventually(15, "B drops alice after Undo", || async {
        follows(&b, "bob", "followers").await == vec![carol.clone()]
    })
    .await;
    assert!(follows(&a, "alice", "following").await.is_empty());
    a.stop().await;
    b.stop().await;
    c.stop().await;
}
