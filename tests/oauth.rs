//! OAuth2 as Mastodon apps use it: register, sign in on the consent page, exchange the code
//! (with PKCE), use, refresh and revoke the token; client credentials; throttled sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use common::TestApp;
use serde_json::Value;
use sha2::Digest;

async fn register(app: &TestApp, redirect: &str, scopes: &str) -> Value {
    let res = common::client()
        .post(app.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Test app"),
            ("redirect_uris", redirect),
            ("scopes", scopes),
            ("website", "https://app.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn sign_in(
    app: &TestApp,
    client: &Value,
    extra: &[(&str, &str)],
    password: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("client_id", client["client_id"].as_str().unwrap()),
        ("redirect_uri", client["redirect_uri"].as_str().unwrap()),
        ("username", "alice"),
        ("password", password),
    ];
    form.extend_from_slice(extra);
    common::client()
        .post(app.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn token(app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
    let res = common::client()
        .post(app.url("/oauth/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn me(app: &TestApp, token: &str) -> u16 {
    common::client()
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn authorization_code_with_pkce_refresh_and_revoke() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await; // password "secret-pw"
    let client = register(&app, "http://localhost:9/callback", "read write follow").await;
    assert_eq!(
        client["scopes"],
        serde_json::json!(["read", "write", "follow"])
    );
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );

    // The consent page is a form that names the app.
    let page = app
        .get(&format!(
            "/oauth/authorize?response_type=code&client_id={id}&redirect_uri=http://localhost:9/callback&scope=read+write"
        ))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Test app") && html.contains("name=\"password\""),
        "{html}"
    );
    // A redirect URI the app did not register is refused.
    let bad = app
        .get(&format!(
            "/oauth/authorize?response_type=code&client_id={id}&redirect_uri=http://evil.example/"
        ))
        .await;
    assert_eq!(bad.status(), 422);

    let verifier = "a-long-random-code-verifier-string-of-at-least-43-characters-ok";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let pkce = [
        ("scope", "read write"),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // Wrong password: the form again, 401, no code.
    let res = sign_in(&app, &client, &pkce, "wrong").await;
    assert_eq!(res.status(), 401);
    let res = sign_in(&app, &client, &pkce, "secret-pw").await;
    assert_eq!(res.status(), 303);
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        location
            .as_str()
            .starts_with("http://localhost:9/callback?")
    );
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code = q["code"].clone();

    // Without the verifier, or with a wrong one: refused (and the code is spent only on success).
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", id),
        ("client_secret", secret),
        ("redirect_uri", "http://localhost:9/callback"),
        ("code", code.as_str()),
    ];
    let mut wrong = base.to_vec();
    wrong.push((
        "code_verifier",
        "not-the-verifier-but-long-enough-to-be-plausible-xxxxxxx",
    ));
    let (s, body) = token(&app, &wrong).await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    // A code is single-use: the failed attempt consumed it; get a fresh one.
    let res = sign_in(&app, &client, &pkce, "secret-pw").await;
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let code: String = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let mut good = base.to_vec();
    good[4] = ("code", code.as_str());
    good.push(("code_verifier", verifier));
    let (s, issued) = token(&app, &good).await;
    assert_eq!(s, 200, "{issued}");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["scope"], "read write");
    let access = issued["access_token"].as_str().unwrap().to_string();
    assert_eq!(me(&app, &access).await, 200);
    let (s, _) = token(&app, &good).await;
    assert_eq!(s, 400, "a code works once");

    // Scopes are enforced on the API: this token has no `follow`… but has write.
    let app_info: Value = common::client()
        .get(app.url("/api/v1/apps/verify_credentials"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app_info["name"], "Test app");

    // Refresh rotates the pair.
    let refresh = issued["refresh_token"].as_str().unwrap();
    let (s, renewed) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", id),
            ("client_secret", secret),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(s, 200, "{renewed}");
    let access2 = renewed["access_token"].as_str().unwrap().to_string();
    assert_eq!(me(&app, &access).await, 401, "the old token stops working");
    assert_eq!(me(&app, &access2).await, 200);

    // Revoke.
    let res = common::client()
        .post(app.url("/oauth/revoke"))
        .form(&[
            ("client_id", id),
            ("client_secret", secret),
            ("token", access2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(me(&app, &access2).await, 401);

    // Wrong client secret.
    let (s, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", "nope"),
        ],
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn out_of_band_client_credentials_and_throttling() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let client = register(&app, "urn:ietf:wg:oauth:2.0:oob", "read").await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );

    // Out of band: the code is shown on the page.
    let res = sign_in(&app, &client, &[], "secret-pw").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let (s, issued) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", id),
            ("client_secret", secret),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ("code", code.as_str()),
        ],
    )
    .await;
    assert_eq!(s, 200, "{issued}");
    assert_eq!(issued["scope"], "read");
    // A read token cannot post.
    let res = common::client()
        .post(app.url("/api/v1/statuses"))
        .bearer_auth(issued["access_token"].as_str().unwrap())
        .json(&serde_json::json!({"status": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Asking for more than the app registered is refused.
    let (s, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "write"),
        ],
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_scope")));
    // Client credentials: an app token, no user.
    let (s, app_token) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let t = app_token["access_token"].as_str().unwrap();
    assert_eq!(me(&app, t).await, 401);
    let res = common::client()
        .get(app.url("/api/v1/apps/verify_credentials"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Unsupported grant.
    let (s, body) = token(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    // Five wrong passwords, then even the right one is held back for a while.
    for _ in 0..5 {
        assert_eq!(sign_in(&app, &client, &[], "wrong").await.status(), 401);
    }
    assert_eq!(sign_in(&app, &client, &[], "secret-pw").await.status(), 429);
}

/// A sign-in from a given loopback address (127.0.0.0/8 is all ours), so the throttle's
/// per-address rules can be seen.
async fn sign_in_from(
    app: &TestApp,
    client: &Value,
    from: [u8; 4],
    password: &str,
) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(std::net::IpAddr::from(from))
        .build()
        .unwrap();
    submit_sign_in(http.post(app.url("/oauth/authorize")), client, password).await
}

/// Sends alice's sign-in form with `password` through `request` (a POST to the sign-in
/// page, from wherever the caller arranged).
async fn submit_sign_in(
    request: reqwest::RequestBuilder,
    client: &Value,
    password: &str,
) -> reqwest::Response {
    request
        .form(&[
            ("client_id", client["client_id"].as_str().unwrap()),
            ("redirect_uri", client["redirect_uri"].as_str().unwrap()),
            ("username", "alice"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn parallel_guesses_are_throttled_and_cannot_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let client = register(&app, "urn:ietf:wg:oauth:2.0:oob", "read").await;
    // 100 guesses at once from one address, the right password among them.
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..100 {
        let (app_url, client) = (app.url("/oauth/authorize"), client.clone());
        let password = if i == 60 { "secret-pw" } else { "wrong-guess" };
        guesses.spawn(async move {
            let res = common::client()
                .post(app_url)
                .form(&[
                    ("client_id", client["client_id"].as_str().unwrap()),
                    ("redirect_uri", client["redirect_uri"].as_str().unwrap()),
                    ("username", "alice"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap();
            let retry_after = res.headers().contains_key("retry-after");
            (res.status().as_u16(), retry_after)
        });
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    while let Some(done) = guesses.join_next().await {
        let (status, retry_after) = done.unwrap();
        assert!(status != 429 || retry_after, "429 without Retry-After");
        *statuses.entry(status).or_default() += 1;
    }
    // At most five were checked at all; none of them got a code (the right password was
    // either never checked or checked as one of five, so its 200 is the only other answer).
    let checked =
        statuses.get(&401).copied().unwrap_or(0) + statuses.get(&200).copied().unwrap_or(0);
    assert!(checked <= 5, "{statuses:?}");
    assert_eq!(
        statuses.get(&429).copied().unwrap_or(0),
        100 - checked,
        "{statuses:?}"
    );
    // The owner, elsewhere, still signs in.
    let res = sign_in_from(&app, &client, [127, 0, 0, 2], "secret-pw").await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // The guessing address stays locked out for this account, right password or not.
    assert_eq!(
        sign_in_from(&app, &client, [127, 0, 0, 1], "secret-pw")
            .await
            .status(),
        429
    );
    app.stop().await;
}

/// A sign-in through a reverse proxy at 127.0.0.1, claiming to come from `forwarded`.
async fn sign_in_forwarded(
    app: &TestApp,
    client: &Value,
    forwarded: &str,
    password: &str,
) -> reqwest::Response {
    let request = common::client()
        .post(app.url("/oauth/authorize"))
        .header("x-forwarded-for", forwarded);
    submit_sign_in(request, client, password).await
}

/// Behind a trusted proxy every request comes from the proxy's address; the throttle
/// counts the addresses it forwards, so one guesser does not lock out everyone else.
#[tokio::test]
async fn behind_a_trusted_proxy_sign_in_is_throttled_per_forwarded_address() {
    let app = TestApp::spawn_with(|c| c.server.trusted_proxies = vec!["127.0.0.1".into()]).await;
    app.create_user("alice").await;
    let client = register(&app, "urn:ietf:wg:oauth:2.0:oob", "read").await;
    for _ in 0..5 {
        let res = sign_in_forwarded(&app, &client, "203.0.113.7", "wrong").await;
        assert_eq!(res.status(), 401);
    }
    let guesser = sign_in_forwarded(&app, &client, "203.0.113.7", "secret-pw").await;
    assert_eq!(guesser.status(), 429);
    // What a client writes further left in the header is not believed either.
    let spoofed = sign_in_forwarded(&app, &client, "198.51.100.4, 203.0.113.7", "secret-pw").await;
    assert_eq!(spoofed.status(), 429);
    let owner = sign_in_forwarded(&app, &client, "198.51.100.4", "secret-pw").await;
    assert_eq!(owner.status(), 200, "{:?}", owner.text().await);
    app.stop().await;
}

/// Without trusted proxies the header is ignored: a guesser cannot dodge the throttle by
/// claiming new addresses.
#[tokio::test]
async fn forwarded_addresses_are_ignored_unless_the_proxy_is_trusted() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let client = register(&app, "urn:ietf:wg:oauth:2.0:oob", "read").await;
    for i in 0..5 {
        let res = sign_in_forwarded(&app, &client, &format!("203.0.113.{i}"), "wrong").await;
        assert_eq!(res.status(), 401);
    }
    let res = sign_in_forwarded(&app, &client, "198.51.100.4", "secret-pw").await;
    assert_eq!(res.status(), 429);
    app.stop().await;
}
