//! Joining and moderating on the web, over HTTP with a cookie jar: the sign-up form and its
//! errors, approval mode (pending page, refused sign-in, the moderator's queue and buttons),
//! invite links made at /invites, and the audit log page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, browser::Browser};
use pinhole::domain::{self, audit::Moderator, registrations::Mode, roles::Role};

async fn sign_up(b: &mut Browser, path: &str, fields: &[(&str, &str)]) -> common::browser::Answer {
    let page = b.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = b.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let invite: Option<String> = page
        .body
        .split("name=\"invite_code\" value=\"")
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().to_string());
    let invite_ref;
    if let Some(code) = &invite {
        invite_ref = code.clone();
        form.push(("invite_code", invite_ref.as_str()));
    }
    b.post("/auth/sign_up", &form).await
}

const GOOD: &[(&str, &str)] = &[
    ("email", "olga@example.org"),
    ("password", "a long password"),
    ("password_confirmation", "a long password"),
    ("agreement", "1"),
];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = GOOD.to_vec();
    for (k, v) in extra {
        all.retain(|(key, _)| key != k);
        all.push((k, v));
    }
    all
}

#[tokio::test]
async fn open_sign_up_signs_in_at_once_and_shows_every_mistake() {
    let app = TestApp::spawn_with(|c| {
        c.instance.registrations = Mode::Open;
        c.instance.rules = vec!["Describe your photos.".into()];
    })
    .await;
    let mut b = Browser::new(&app);
    let start = b.get("/").await;
    assert!(
        start.body.contains("/auth/sign_up"),
        "the start page links to sign-up"
    );

    let form = b.get("/auth/sign_up").await;
    assert!(
        form.body.contains("Describe your photos."),
        "rules are shown at sign-up"
    );

    // Mistakes: each shown by its field, the form kept, nothing stored.
    let bad = sign_up(
        &mut b,
        "/auth/sign_up",
        &with(&[
            ("username", "admin"),
            ("password_confirmation", "something else"),
            ("email", "nope"),
        ]),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("Username is reserved"), "{}", bad.body);
    assert!(
        bad.body.contains("E-mail address is invalid"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("Confirm password doesn&#x27;t match")
            || bad.body.contains("Confirm password doesn't match"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"nope\""),
        "the form keeps what was typed"
    );
    assert!(!bad.body.contains("a long password"), "never the password");
    assert!(
        domain::accounts::get_local(&app.state.db, "admin")
            .await
            .is_err()
    );

    let ok = sign_up(&mut b, "/auth/sign_up", &with(&[("username", "olga")])).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(ok.location.as_deref().unwrap().ends_with("/home"));
    assert!(b.cookies.contains_key("pinhole_session"));
    let home = b.get("/home").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("/invites"), "members may invite");

    // Without the form token: refused.
    let mut other = Browser::new(&app);
    let forged = other
        .post(
            "/auth/sign_up",
            &with(&[("username", "pavel"), ("email", "p@example.org")]),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(
        domain::accounts::get_local(&app.state.db, "pavel")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn approval_mode_queue_on_the_web() {
    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Approval).await;
    let moderator = app.create_user("mira").await;
    domain::registrations::set_role(
        &app.state.db,
        Moderator::Operator,
        &moderator,
        Role::Moderator,
    )
    .await
    .unwrap();

    let mut visitor = Browser::new(&app);
    let done = sign_up(
        &mut visitor,
        "/auth/sign_up",
        &with(&[("username", "quinn"), ("reason", "I photograph mushrooms")]),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("A moderator will review your account"));
    assert!(!visitor.cookies.contains_key("pinhole_session"));
    let refused = visitor.sign_in("quinn", "a long password").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("pending approval"),
        "{}",
        refused.body
    );

    // A member without the role is refused the queue; the moderator sees it.
    app.create_user("rolf").await;
    let mut rolf = Browser::new(&app);
    rolf.sign_in("rolf", "secret-pw").await;
    assert_eq!(rolf.get("/admin/accounts").await.status, 403);

    let mut m = Browser::new(&app);
    m.sign_in("mira", "secret-pw").await;
    let queue = m.get("/admin/accounts").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("@quinn"));
    assert!(queue.body.contains("I photograph mushrooms"));
    let quinn = app.local("quinn").await;
    let csrf = m.csrf();
    let approved = m
        .post(
            &format!("/admin/accounts/{}/approve", quinn.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert!(app.local("quinn").await.approved);

    // Now quinn signs in; the moderator's action is in the audit log page.
    assert_eq!(
        visitor.sign_in("quinn", "a long password").await.status,
        303
    );
    let log = m.get("/admin/action_logs").await;
    assert_eq!(log.status, 200);
    assert!(
        log.body.contains("approve") && log.body.contains("quinn") && log.body.contains("@mira"),
        "{}",
        log.body
    );
}

#[tokio::test]
async fn invite_links_made_on_the_web() {
    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Invite).await;
    app.create_user("sara").await;
    let mut s = Browser::new(&app);
    s.sign_in("sara", "secret-pw").await;
    let page = s.get("/invites").await;
    assert_eq!(page.status, 200);
    let csrf = s.csrf();
    let made = s
        .post(
            "/invites",
            &[
                ("csrf", &csrf),
                ("max_uses", "1"),
                ("expires_in", "86400"),
                ("autofollow", "1"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let list = s.get("/invites").await;
    let link = list
        .body
        .split("<code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let path = link
        .split_once("/invite/")
        .map(|(_, code)| format!("/invite/{code}"))
        .unwrap();

    // Without the link the form says invitation only; with it, tomas gets in.
    let mut t = Browser::new(&app);
    let closed = t.get("/auth/sign_up").await;
    assert!(closed.body.contains("by invitation only"));
    let joined = sign_up(
        &mut t,
        &path,
        &with(&[("username", "tomas"), ("email", "t@example.org")]),
    )
    .await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    let tomas = app.local("tomas").await;
    let sara = app.local("sara").await;
    let following = domain::follows::relationship(&app.state.db, &tomas, &sara)
        .await
        .unwrap();
    assert!(following.following, "autofollow");

    // The link is used up: its page says so.
    let mut u = Browser::new(&app);
    let gone = u.get(&path).await;
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains("not valid"));

    // Revoking another link ends it at once.
    let csrf = s.csrf();
    s.post(
        "/invites",
        &[("csrf", &csrf), ("max_uses", ""), ("expires_in", "")],
    )
    .await;
    let invites = domain::invites::list(&app.state.db, &sara).await.unwrap();
    let open = invites.iter().find(|i| i.max_uses.is_none()).unwrap();
    let csrf = s.csrf();
    let revoked = s
        .post(&format!("/invites/{}/revoke", open.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(revoked.status, 303);
    assert!(
        domain::invites::valid(&app.state.db, &open.code)
            .await
            .unwrap()
            .is_none()
    );
}
