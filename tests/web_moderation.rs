//! The moderators' web pages over HTTP with a cookie jar: the report queue with the
//! reported posts, acting on the account from a report (which settles it), and undoing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, browser::Browser, note};
use pinhole::domain::{self, audit::Moderator, posts::Visibility, reports::NewReport, roles::Role};

#[tokio::test]
async fn a_report_is_handled_on_the_web() {
    let app = TestApp::spawn().await;
    let moderator = app.create_user("mina").await;
    domain::registrations::set_role(
        &app.state.db,
        Moderator::Operator,
        &moderator,
        Role::Moderator,
    )
    .await
    .unwrap();
    app.create_user("olaf").await;
    app.create_user("pia").await;
    let post = app
        .post(
            "olaf",
            note("Totally legit giveaway", Visibility::Public),
            vec![],
        )
        .await;
    let olaf = app.local("olaf").await;
    let pia = app.local("pia").await;
    let report = domain::reports::file(
        &app.state.db,
        &app.state.federation.publisher,
        &pia,
        0,
        NewReport {
            target_id: olaf.id,
            post_ids: vec![post.post.id],
            comment: "Scam".into(),
            category: Some("spam".into()),
            ..NewReport::default()
        },
    )
    .await
    .unwrap();

    // Members are refused; the moderator sees the report with the post.
    let mut p = Browser::new(&app);
    p.sign_in("pia", "secret-pw").await;
    assert_eq!(p.get("/admin/reports").await.status, 403);
    let mut m = Browser::new(&app);
    m.sign_in("mina", "secret-pw").await;
    let queue = m.get("/admin/reports").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(
        queue.body.contains("Totally legit giveaway"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("Scam") && queue.body.contains("spam"));

    // Acting from the report: suspend; the report is settled.
    let page = m
        .get(&format!("/admin/accounts/{}?report={}", olaf.id, report.id))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("name=\"report_id\" value=\"{}\"", report.id))
    );
    let csrf = m.csrf();
    let done = m
        .post(
            &format!("/admin/accounts/{}/action", olaf.id),
            &[
                ("csrf", &csrf),
                ("type", "suspend"),
                ("text", "Scams"),
                ("report_id", &report.id.to_string()),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(app.local("olaf").await.suspended_at.is_some());
    let open = m.get("/admin/reports").await;
    assert!(
        !open.body.contains("Totally legit giveaway"),
        "settled reports leave the queue"
    );
    let resolved = m.get("/admin/reports?resolved=1").await;
    assert!(resolved.body.contains("Totally legit giveaway"));
    assert_eq!(p.get("/@olaf").await.status, 410);

    // Undo from the account page.
    let page = m.get(&format!("/admin/accounts/{}", olaf.id)).await;
    assert!(page.body.contains("Lift the suspension"));
    let csrf = m.csrf();
    let undone = m
        .post(
            &format!("/admin/accounts/{}/unsuspend", olaf.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert!(app.local("olaf").await.suspended_at.is_none());
    assert_eq!(p.get("/@olaf").await.status, 200);

    // Without the form token nothing happens.
    let forged = m
        .post(
            &format!("/admin/accounts/{}/action", olaf.id),
            &[("type", "suspend")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(app.local("olaf").await.suspended_at.is_none());
}
