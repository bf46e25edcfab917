//! Reports as people and servers make them: `POST /api/v1/reports` with a forward becomes a
//! `Flag` on the reported account's server, where its moderators handle it through the
//! admin API; real `Flag`s from Mastodon and GoToSocial become reports; bad reports change
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, call, eventually, fixture, note, scene::Scene, staff};
use pinhole::{
    db::{posts::Page, reports::ReportQuery},
    domain::{self, audit::Moderator, posts::Visibility, roles::Role},
};
use serde_json::{Value, json};

async fn all_reports(app: &TestApp) -> Vec<pinhole::db::entities::reports::Model> {
    let page = Page {
        limit: 100,
        ..Page::default()
    };
    domain::reports::list(
        &app.state.db,
        Moderator::Operator,
        ReportQuery::default(),
        &page,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_forwarded_report_reaches_the_other_servers_moderators() {
    let (a, b) = tokio::join!(
        TestApp::spawn_with(|c| c.instance.rules = vec!["No spam.".into()]),
        TestApp::spawn()
    );
    a.create_user("alice").await;
    b.create_user("bob").await;
    let a_mod = staff(&a, "amod", Role::Moderator).await;
    let b_mod = staff(&b, "bmod", Role::Moderator).await;
    let alice = domain::tokens::create(&a.state.db, "alice", "read write")
        .await
        .unwrap();

    // alice follows bob, and bob's post reaches A.
    a.follow("alice", &b.handle("bob")).await;
    eventually(20, "B has alice as bob's follower", || async {
        b.collection_items("bob", "followers").await.0 == 1
    })
    .await;
    // A knows the follow is accepted: bob's posts are for alice now.
    eventually(20, "A sees the follow accepted", || async {
        a.collection_items("alice", "following").await.0 == 1
    })
    .await;
    let post = b
        .post("bob", note("Buy cheap watches", Visibility::Public), vec![])
        .await;
    let uri = post.post.uri.clone();
    eventually(20, "bob's post reaches A", || async {
        a.post_by_uri(&uri).await.is_some()
    })
    .await;
    let copy = a.post_by_uri(&uri).await.unwrap();

    let report = json!({
        "account_id": copy.author.id.to_string(),
        "status_ids": [copy.post.id.to_string()],
        "comment": "Spam in my timeline",
        "rule_ids": ["1"],
        "forward": true,
    });
    let (status, filed) = call(
        &a,
        reqwest::Method::POST,
        &alice,
        "/api/v1/reports",
        Some(report),
    )
    .await;
    assert_eq!(status, 200, "{filed}");
    assert_eq!(filed["category"], "violation");
    assert_eq!(filed["forwarded"], true);
    assert_eq!(filed["action_taken"], false);
    assert_eq!(filed["status_ids"], json!([copy.post.id.to_string()]));
    assert_eq!(filed["rule_ids"], json!(["1"]));
    assert_eq!(
        filed["target_account"]["acct"],
        b.handle("bob").trim_start_matches('@')
    );

    // A's moderators hear of it, with the report in the notification.
    let (_, notes) = call(
        &a,
        reqwest::Method::GET,
        &a_mod,
        "/api/v1/notifications",
        None,
    )
    .await;
    let note = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "admin.report")
        .expect("admin.report");
    assert_eq!(note["report"]["comment"], "Spam in my timeline");
    assert_eq!(note["account"]["username"], "alice");

    // B receives a Flag from A's instance actor and files it for its moderators.
    eventually(30, "B files the forwarded report", || async {
        !all_reports(&b).await.is_empty()
    })
    .await;
    let (status, list) = call(
        &b,
        reqwest::Method::GET,
        &b_mod,
        "/api/v1/admin/reports",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let r = &list[0];
    assert_eq!(r["comment"], "Spam in my timeline");
    assert_eq!(r["target_account"]["username"], "bob");
    assert_eq!(r["statuses"][0]["id"], post.post.id.to_string());
    assert!(r["account"]["account"]["url"].as_str().is_some());
    assert_ne!(
        r["account"]["username"], "alice",
        "the reporter stays anonymous"
    );
    let id = r["id"].as_str().unwrap().to_string();

    // Handling: assign, resolve, reopen; each in the log.
    let path = |verb: &str| format!("/api/v1/admin/reports/{id}/{verb}");
    let (_, assigned) = call(
        &b,
        reqwest::Method::POST,
        &b_mod,
        &path("assign_to_self"),
        None,
    )
    .await;
    assert_eq!(assigned["assigned_account"]["username"], "bmod");
    let (_, resolved) = call(&b, reqwest::Method::POST, &b_mod, &path("resolve"), None).await;
    assert_eq!(
        (
            resolved["action_taken"].clone(),
            resolved["action_taken_by_account"]["username"].clone()
        ),
        (json!(true), json!("bmod"))
    );
    let (_, open) = call(
        &b,
        reqwest::Method::GET,
        &b_mod,
        "/api/v1/admin/reports",
        None,
    )
    .await;
    assert_eq!(open, json!([]), "resolved reports leave the open list");
    let (_, done) = call(
        &b,
        reqwest::Method::GET,
        &b_mod,
        "/api/v1/admin/reports?resolved=true",
        None,
    )
    .await;
    assert_eq!(done.as_array().unwrap().len(), 1);
    let (_, reopened) = call(&b, reqwest::Method::POST, &b_mod, &path("reopen"), None).await;
    assert_eq!(reopened["action_taken"], false);
    let (status, _) = call(&b, reqwest::Method::POST, &b_mod, &path("explode"), None).await;
    assert_eq!(status, 404);
    let page = Page {
        limit: 10,
        ..Page::default()
    };
    let log = domain::audit::log(&b.state.db, Moderator::Operator, &page)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["reopen", "resolve", "assigned_to_self", "change_role"]
    );

    // The same Flag delivered again files nothing new.
    assert_eq!(all_reports(&b).await.len(), 1);
}

#[tokio::test]
async fn bad_reports_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.create_user("carol").await;
    app.create_user("dave").await;
    let carol = domain::tokens::create(&app.state.db, "carol", "read write")
        .await
        .unwrap();
    let dave = app.local("dave").await;
    let carols_post = app
        .post("carol", note("mine", Visibility::Public), vec![])
        .await;
    let me = app.local("carol").await;
    let post = |body: Value| {
        let carol = carol.clone();
        let app = &app;
        async move {
            call(
                app,
                reqwest::Method::POST,
                &carol,
                "/api/v1/reports",
                Some(body),
            )
            .await
        }
    };
    let (status, _) = post(json!({"account_id": me.id.to_string()})).await;
    assert_eq!(status, 422, "not yourself");
    let (status, _) = post(
        json!({"account_id": dave.id.to_string(), "status_ids": [carols_post.post.id.to_string()]}),
    )
    .await;
    assert_eq!(status, 404, "only the account's own posts");
    let (status, _) = post(json!({"account_id": dave.id.to_string(), "rule_ids": ["7"]})).await;
    assert_eq!(status, 422, "no such rule");
    let (status, _) = post(json!({"account_id": dave.id.to_string(), "category": "rude"})).await;
    assert_eq!(status, 422);
    let (status, _) = post(json!({"account_id": "999999"})).await;
    assert_eq!(status, 404);
    let (status, _) =
        post(json!({"account_id": dave.id.to_string(), "comment": "x".repeat(1001)})).await;
    assert_eq!(status, 422);
    let (status, _) = post(json!({"account_id": "not a number"})).await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "",
        "/api/v1/reports",
        Some(json!({"account_id": dave.id.to_string()})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(all_reports(&app).await.is_empty());

    // A local report is not forwarded anywhere; a member cannot read the admin list.
    let (status, ok) =
        post(json!({"account_id": dave.id.to_string(), "forward": true, "category": "spam"})).await;
    assert_eq!((status, ok["forwarded"].clone()), (200, json!(false)));
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        &carol,
        "/api/v1/admin/reports",
        None,
    )
    .await;
    assert_eq!(status, 403);
}

/// Mastodon's and GoToSocial's Flags, aimed at alice and one of her posts, become reports;
/// the same Flag again files nothing more.
#[tokio::test]
async fn real_flags_become_reports() {
    for (path, comment) in [
        (
            "mastodon/flag.json",
            "Please take a look at this user and their posts",
        ),
        (
            "gotosocial/flag.json",
            "dark souls sucks, please yeet this nerd",
        ),
    ] {
        let mut scene = Scene::new().await;
        let post = scene.alice_post().await;
        let mut flag = scene.rehost(&fixture(path)).await;
        let alice = format!("{}/users/alice", scene.app.public);
        flag["object"] = json!([alice, post.post.uri]);
        if flag.get("to").is_some() {
            flag["to"] = json!(alice);
        }
        let (status, body) = scene.deliver(&flag).await;
        assert!(status == 202 || status == 200, "{path}: {status} {body}");
        let reports = all_reports(&scene.app).await;
        assert_eq!(reports.len(), 1, "{path}");
        let r = &reports[0];
        assert_eq!(r.comment, comment, "{path}");
        assert_eq!(r.target_account_id, scene.app.local("alice").await.id);
        assert_eq!(r.post_ids(), vec![post.post.id], "{path}");
        // Private to moderators: not in alice's inbox collection.
        let alice_row = scene.app.local("alice").await;
        let (count, _) = domain::accounts::inbox_page(&scene.app.state.db, &alice_row, None, 20)
            .await
            .unwrap();
        assert_eq!(count, 0, "{path}: a report is nobody's inbox item");
        let (status, _) = scene.deliver(&flag).await;
        assert!(status < 500, "{path}: redelivery {status}");
        assert_eq!(
            all_reports(&scene.app).await.len(),
            1,
            "{path}: redelivery files nothing"
        );
    }
}
