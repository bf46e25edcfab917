//! Across servers from the web: a visitor follows a Pinhole account from their own Pinhole
//! (remote follow through WebFinger's subscribe template and `/authorize_interaction`), a
//! remote profile and a remote post read here, search by handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, browser::Browser, eventually, note, solid_jpeg};
use pinhole::{
    db::follows::Side,
    domain::{self, posts::Visibility},
};
use serde_json::Value;

#[tokio::test]
async fn a_visitor_follows_from_their_own_server_and_reads_remote_posts_there() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    a.post(
        "alice",
        note("A public photo", Visibility::Public),
        vec![(solid_jpeg(200, 200, [10, 120, 200]), "Blue square")],
    )
    .await;

    // A's WebFinger tells other servers where to send someone who wants to follow from A.
    let jrd: Value = b
        .get(&format!(
            "/.well-known/webfinger?resource=acct:bob@{}",
            b.domain()
        ))
        .await
        .json()
        .await
        .unwrap();
    let template = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://ostatus.org/schema/1.0/subscribe")
        .and_then(|l| l["template"].as_str())
        .expect("subscribe template");
    assert_eq!(
        template,
        format!("{}/authorize_interaction?uri={{uri}}", b.public)
    );

    // A visitor on alice's profile (on A) is offered to follow from their own server.
    let mut visitor = Browser::new(&a);
    let profile = visitor.get("/@alice").await;
    assert!(
        profile.body.contains("/remote_follow?acct=alice"),
        "{}",
        profile.body
    );
    let form = visitor.get("/remote_follow?acct=alice").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"handle\""));
    // A handle that is no handle, and a server that does not answer: said plainly.
    let bad = visitor
        .get("/remote_follow?acct=alice&handle=nonsense")
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("must look like @user@host"),
        "{}",
        bad.body
    );
    let gone = visitor
        .get("/remote_follow?acct=alice&handle=%40x%40localhost%3A9")
        .await;
    assert_eq!(gone.status, 422);
    assert!(gone.body.contains("Could not reach"), "{}", gone.body);
    assert_eq!(visitor.get("/remote_follow?acct=nobody").await.status, 404);

    // Their handle on B: off to B's interaction page for alice's actor.
    let go = visitor
        .get(&format!(
            "/remote_follow?acct=alice&handle=%40bob%40{}",
            b.domain()
        ))
        .await;
    assert_eq!(go.status, 303, "{}", go.body);
    let target = go.location.unwrap();
    let actor = format!("{}/users/alice", a.public);
    let encoded: String = url::form_urlencoded::byte_serialize(actor.as_bytes()).collect();
    assert_eq!(
        target,
        format!("{}/authorize_interaction?uri={encoded}", b.public)
    );

    // On B: signed out, it asks bob to sign in and comes back; signed in, alice's profile
    // as B knows it, with a follow button.
    let path = target.strip_prefix(&b.public).unwrap().to_string();
    let mut bob = Browser::new(&b);
    let ask = bob.get(&path).await;
    assert_eq!(ask.status, 303);
    assert!(
        ask.location
            .unwrap()
            .contains("/login?next=%2Fauthorize_interaction")
    );
    assert_eq!(bob.sign_in("bob", "secret-pw").await.status, 303);
    let land = bob.get(&path).await;
    assert_eq!(land.status, 303, "{}", land.body);
    let remote_profile = land.location.unwrap();
    assert_eq!(
        remote_profile,
        format!("{}/@alice@{}", b.public, a.domain())
    );
    let page = bob
        .get(remote_profile.strip_prefix(&b.public).unwrap())
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("@alice@{}", a.domain())));
    assert!(page.body.contains("noindex"));
    let alice_there = domain::accounts::find_by_uri(&b.state.db, &actor)
        .await
        .unwrap()
        .unwrap();
    let follow = format!("/web/accounts/{}/follow", alice_there.id);
    assert!(page.body.contains(&follow), "{}", page.body);
    let back = format!("/@alice@{}", a.domain());
    let res = bob
        .post(&follow, &[("csrf", &bob.csrf()), ("back", &back)])
        .await;
    assert_eq!(res.status, 303);
    let alice = a.local("alice").await;
    eventually(10, "the follow reaches A", || async {
        domain::follows::count(&a.state.db, &alice, Side::Followers)
            .await
            .unwrap()
            == 1
    })
    .await;

    // Alice's next photo reaches B; its page on B shows it with the buttons.
    let next = a
        .post(
            "alice",
            note("For my new follower", Visibility::Public),
            vec![(solid_jpeg(200, 200, [200, 120, 10]), "Orange square")],
        )
        .await;
    let uri = next.post.uri.clone();
    eventually(15, "the post reaches B", || async {
        b.post_by_uri(&uri).await.is_some()
    })
    .await;
    let copy = b.post_by_uri(&uri).await.unwrap();
    let copy_path = format!("/@alice@{}/{}", a.domain(), copy.post.id);
    let grid = bob.get(&back).await;
    assert!(grid.body.contains(&copy_path), "{}", grid.body);
    let read = bob.get(&copy_path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(read.body.contains("alt=\"Orange square\""));
    assert!(
        read.body
            .contains(&format!("/web/statuses/{}/favourite", copy.post.id))
    );
    // Its canonical address is its origin's page.
    assert!(
        read.body.contains(&format!(
            "<link rel=\"canonical\" href=\"{}/@alice/{}\">",
            a.public, next.post.id
        )),
        "{}",
        read.body
    );
    // The wrong author in the path, or ActivityPub clients: not here.
    assert_eq!(
        bob.get(&format!("/@bob@{}/{}", a.domain(), copy.post.id))
            .await
            .status,
        404
    );
    let json = b
        .get_accept(&copy_path, "application/activity+json")
        .await
        .status();
    assert_eq!(json, 404);
    // A visitor on B sees the public copy too, but no unknown remote account is looked up.
    let mut stranger = Browser::new(&b);
    assert_eq!(stranger.get(&copy_path).await.status, 200);
    assert_eq!(
        stranger.get("/@someone@elsewhere.example").await.status,
        404
    );

    // Search by handle goes straight to the profile; nothing found says so.
    let found = bob
        .get(&format!("/search?q=%40alice%40{}", a.domain()))
        .await;
    assert_eq!(found.status, 303);
    assert!(found.location.unwrap().ends_with(&back));
    let none = bob.get("/search?q=%40nobody%40localhost%3A9").await;
    assert_eq!(none.status, 404);
    assert!(none.body.contains("Nothing found"), "{}", none.body);
    a.stop().await;
    b.stop().await;
}
