//! Running a community as apps and moderators see it: sign-up through `POST
//! /api/v1/accounts` in each registration mode, the approval queue in the admin API,
//! invites, the sign-up rate limit, roles, and the instance documents telling the truth.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, call, client, staff};
use pinhole::domain::{
    self, audit::Moderator, invites::NewInvite, registrations::Mode, roles::Role,
};
use serde_json::{Value, json};

/// An app's client-credentials token, as Mastodon apps get one before signing someone up.
async fn app_token(app: &TestApp) -> String {
    let reg: Value = client()
        .post(app.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Sign-up app"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = client()
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", reg["client_id"].as_str().unwrap()),
            ("client_secret", reg["client_secret"].as_str().unwrap()),
            ("scope", "read write"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

async fn sign_up(
    app: &TestApp,
    token: &str,
    body: Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let res = client()
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

fn person(name: &str) -> Value {
    json!({
        "username": name,
        "email": format!("{name}@example.org"),
        "password": "a good long password",
        "agreement": true,
        "locale": "en",
        "reason": format!("{name} takes photos of birds"),
    })
}

#[tokio::test]
async fn approval_mode_sign_up_waits_for_a_moderator() {
    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Approval).await;
    let moderator = staff(&app, "mod_erin", Role::Moderator).await;
    let plain = staff(&app, "plain", Role::User).await;

    // The instance documents say how it is.
    let (_, v2) = call(&app, reqwest::Method::GET, "", "/api/v2/instance", None).await;
    assert_eq!(v2["registrations"]["enabled"], true);
    assert_eq!(v2["registrations"]["approval_required"], true);
    let (_, v1) = call(&app, reqwest::Method::GET, "", "/api/v1/instance", None).await;
    assert_eq!(
        (v1["registrations"].clone(), v1["approval_required"].clone()),
        (json!(true), json!(true))
    );

    let token = app_token(&app).await;
    let (status, _, issued) = sign_up(&app, &token, person("dana")).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["scope"], "read write");
    let dana = issued["access_token"].as_str().unwrap().to_string();

    // Until approved, the token is refused with Mastodon's words.
    let (status, body) = call(
        &app,
        reqwest::Method::GET,
        &dana,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is currently pending approval");

    // The moderator hears of it and sees the queue; someone without the role does not.
    let kinds = app.notification_kinds("mod_erin").await;
    assert!(kinds.contains(&"admin.sign_up".to_string()), "{kinds:?}");
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        &plain,
        "/api/v2/admin/accounts?status=pending",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, queue) = call(
        &app,
        reqwest::Method::GET,
        &moderator,
        "/api/v2/admin/accounts?origin=local&status=pending",
        None,
    )
    .await;
    assert_eq!(status, 200, "{queue}");
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1);
    let entry = &queue[0];
    assert_eq!(entry["username"], "dana");
    assert_eq!(entry["email"], "dana@example.org");
    assert_eq!(entry["approved"], false);
    assert_eq!(entry["confirmed"], false);
    assert_eq!(entry["invite_request"], "dana takes photos of birds");
    assert_eq!(entry["locale"], "en");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["account"]["acct"], "dana");
    assert!(entry["created_by_application_id"].is_string());
    let id = entry["id"].as_str().unwrap().to_string();
    // v1's flags find the same account.
    let (_, v1_queue) = call(
        &app,
        reqwest::Method::GET,
        &moderator,
        "/api/v1/admin/accounts?pending=true",
        None,
    )
    .await;
    assert_eq!(v1_queue[0]["id"], id.as_str());

    // Approval lets the token in; approving twice is refused.
    let path = format!("/api/v1/admin/accounts/{id}/approve");
    let (status, approved) = call(&app, reqwest::Method::POST, &moderator, &path, None).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(
        (approved["approved"].clone(), approved["confirmed"].clone()),
        (json!(true), json!(true))
    );
    let (status, _) = call(&app, reqwest::Method::POST, &moderator, &path, None).await;
    assert_eq!(status, 403);
    let (status, me) = call(
        &app,
        reqwest::Method::GET,
        &dana,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!((status, me["username"].as_str()), (200, Some("dana")));

    // A second sign-up is rejected: the account goes, and its name is free again.
    let (_, _, _) = sign_up(&app, &token, person("eve")).await;
    let eve = app.local("eve").await;
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &moderator,
        &format!("/api/v1/admin/accounts/{}/reject", eve.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        domain::accounts::get_local(&app.state.db, "eve")
            .await
            .is_err()
    );

    // Both actions are in the audit log, with who took them.
    let page = pinhole::db::posts::Page {
        limit: 10,
        ..Default::default()
    };
    let log = domain::audit::log(&app.state.db, Moderator::Operator, &page)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.target_name.as_str()))
        .collect();
    assert!(
        actions.starts_with(&[("reject", "eve"), ("approve", "dana")]),
        "{actions:?}"
    );
    let mod_id = app.local("mod_erin").await.id;
    assert!(log.iter().take(2).all(|e| e.account_id == Some(mod_id)));

    // An invite skips the queue only when its maker's role may let people in unreviewed:
    // a member's invite still waits, a moderator's does not.
    let db = &app.state.db;
    for (maker, name, waits) in [("plain", "fay", true), ("mod_erin", "gus", false)] {
        let maker = app.local(maker).await;
        let invite = domain::invites::create(db, &maker, NewInvite::default())
            .await
            .unwrap();
        let mut body = person(name);
        body["invite_code"] = json!(invite.code);
        let (status, _, _) = sign_up(&app, &token, body).await;
        assert_eq!(status, 200);
        assert_eq!(!app.local(name).await.approved, waits, "{name}");
    }
}

#[tokio::test]
async fn bad_sign_ups_name_each_field_and_store_nothing() {
    let app = TestApp::spawn_with(|c| {
        c.instance.registrations = Mode::Open;
        c.limits.sign_ups = 0;
    })
    .await;
    app.create_user("taken").await;
    let token = app_token(&app).await;
    let before = domain::accounts::list_local(&app.state.db)
        .await
        .unwrap()
        .len();

    let (status, _, body) = sign_up(
        &app,
        &token,
        json!({"username": "Admin", "email": "nope", "password": "short", "agreement": false}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed: "),
        "{body}"
    );
    let details = &body["details"];
    assert_eq!(details["username"][0]["error"], "ERR_RESERVED");
    assert_eq!(details["email"][0]["error"], "ERR_INVALID");
    assert_eq!(details["password"][0]["error"], "ERR_TOO_SHORT");
    assert_eq!(details["agreement"][0]["error"], "ERR_ACCEPTED");

    // Taken names and addresses, whatever their case.
    let (status, _, _) = sign_up(&app, &token, person("frank")).await;
    assert_eq!(status, 200);
    let mut again = person("TAKEN");
    again["email"] = json!("FRANK@example.org");
    let (status, _, body) = sign_up(&app, &token, again).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["username"][0]["error"], "ERR_TAKEN");
    assert_eq!(body["details"]["email"][0]["error"], "ERR_TAKEN");

    // Open mode: the new account works at once.
    let (_, _, issued) = sign_up(&app, &token, person("gina")).await;
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        issued["access_token"].as_str().unwrap(),
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(status, 200);

    // A user's token cannot sign people up; a bad one is 401; a malformed body is no 5xx.
    let user = domain::tokens::create(&app.state.db, "taken", "read write")
        .await
        .unwrap();
    let (status, _, body) = sign_up(&app, &user, person("henry")).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _) = sign_up(&app, "not-a-token", person("henry")).await;
    assert_eq!(status, 401);
    let res = client()
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"username\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let after = domain::accounts::list_local(&app.state.db)
        .await
        .unwrap()
        .len();
    assert_eq!(after, before + 2, "only frank and gina were created");
}

#[tokio::test]
async fn closed_and_invite_only_servers() {
    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Closed).await;
    let token = app_token(&app).await;
    let (status, _, body) = sign_up(&app, &token, person("ivan")).await;
    assert_eq!(status, 403, "{body}");
    let (_, v2) = call(&app, reqwest::Method::GET, "", "/api/v2/instance", None).await;
    assert_eq!(v2["registrations"]["enabled"], false);
    assert!(v2["registrations"]["message"].is_string());

    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Invite).await;
    let inviter = app.create_user("inviter").await;
    let token = app_token(&app).await;
    let (status, _, body) = sign_up(&app, &token, person("jane")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            403,
            Some("This server takes new accounts by invitation only")
        )
    );

    let invite = domain::invites::create(
        &app.state.db,
        &inviter,
        NewInvite {
            max_uses: Some(1),
            autofollow: true,
            ..NewInvite::default()
        },
    )
    .await
    .unwrap();
    let mut jane = person("jane");
    jane["invite_code"] = json!(invite.code);
    let (status, _, issued) = sign_up(&app, &token, jane).await;
    assert_eq!(status, 200, "{issued}");
    // Invited: no approval, and jane follows her inviter.
    let jane_token = issued["access_token"].as_str().unwrap().to_string();
    let (status, me) = call(
        &app,
        reqwest::Method::GET,
        &jane_token,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!((status, me["following_count"].as_u64()), (200, Some(1)));
    let admin_view = app.local("jane").await;
    assert_eq!(admin_view.invite_id, Some(invite.id));

    // Its one use is gone.
    let mut kim = person("kim");
    kim["invite_code"] = json!(invite.code);
    let (status, _, body) = sign_up(&app, &token, kim).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not valid"),
        "{body}"
    );
    assert!(
        domain::accounts::get_local(&app.state.db, "kim")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn sign_ups_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(|c| {
        c.instance.registrations = Mode::Open;
        c.limits.sign_ups = 2;
    })
    .await;
    let token = app_token(&app).await;
    for name in ["lena", "mike"] {
        let (status, _, _) = sign_up(&app, &token, person(name)).await;
        assert_eq!(status, 200);
    }
    let (status, headers, body) = sign_up(&app, &token, person("nina")).await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 1800);
    assert_eq!(headers["x-ratelimit-limit"], "2");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-ratelimit-reset"));
    assert!(
        domain::accounts::get_local(&app.state.db, "nina")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn roles_show_in_the_api_and_bound_what_staff_may_do() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "ada", Role::Admin).await;
    let moderator = staff(&app, "moe", Role::Moderator).await;
    let (_, me) = call(
        &app,
        reqwest::Method::GET,
        &admin,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await;
    assert_eq!(me["role"]["name"], "Admin");
    assert_eq!(me["role"]["highlighted"], true);
    let bits: u64 = me["role"]["permissions"].as_str().unwrap().parse().unwrap();
    assert_ne!(bits & (1 << 10), 0, "manage_users");
    assert_eq!(bits & 1, 0, "not administrator");

    // A moderator cannot hand out roles; an admin cannot make an owner or touch an equal.
    let moe = app.local("moe").await;
    let ada = app.local("ada").await;
    let by = |a| Moderator::Account(a);
    let db = &app.state.db;
    assert!(
        domain::registrations::set_role(db, by(&moe), &ada, Role::User)
            .await
            .is_err()
    );
    assert!(
        domain::registrations::set_role(db, by(&ada), &moe, Role::Owner)
            .await
            .is_err()
    );
    let other_admin = app.create_user("other").await;
    let other_admin =
        domain::registrations::set_role(db, Moderator::Operator, &other_admin, Role::Admin)
            .await
            .unwrap();
    assert!(
        domain::registrations::set_role(db, by(&ada), &other_admin, Role::User)
            .await
            .is_err()
    );
    let moe = domain::registrations::set_role(db, by(&ada), &moe, Role::User)
        .await
        .unwrap();
    assert_eq!(moe.role, "user");
    // Demoted: the admin API is closed to moe now.
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        &moderator,
        "/api/v1/admin/accounts",
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, list) = call(
        &app,
        reqwest::Method::GET,
        &admin,
        "/api/v1/admin/accounts?staff=true",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["other", "ada"]);
    // Unknown filters are a clear 400.
    let (status, body) = call(
        &app,
        reqwest::Method::GET,
        &admin,
        "/api/v2/admin/accounts?status=gone",
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("Unknown status: gone"))
    );
}
