//! The signed-in web as a browser uses it over HTTP (cookies kept by hand): sign in and out,
//! the form token on every form, compose with photos and alt texts (reaching a follower on
//! another instance), a refused photo that names itself and leaves nothing behind, the
//! buttons, and followers-only posts shown to a signed-in follower only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, browser::Browser, client, eventually, note, solid_jpeg};
use pinhole::domain::{self, posts::Visibility};
use reqwest::multipart;

fn photo(name: &str, bytes: Vec<u8>) -> multipart::Part {
    multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("image/jpeg")
        .unwrap()
}

#[tokio::test]
async fn sign_in_is_guarded_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mut b = Browser::new(&app);

    // The sign-in page sets the form-token cookie and carries the token in its form.
    let page = b.get("/login").await;
    assert_eq!(page.status, 200);
    let csrf = b.csrf();
    assert!(
        page.body
            .contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
        "{}",
        page.body
    );
    assert!(
        page.set_cookies
            .iter()
            .any(|c| c.starts_with("pinhole_csrf=")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Strict")),
        "{:?}",
        page.set_cookies
    );

    // Without the token (a form posted from another site): refused, no session.
    let forged = b
        .post(
            "/login",
            &[("username", "alice"), ("password", "secret-pw")],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(!b.cookies.contains_key("pinhole_session"));
    let wrong_token = b
        .post(
            "/login",
            &[
                ("csrf", &"0".repeat(64)),
                ("username", "alice"),
                ("password", "secret-pw"),
            ],
        )
        .await;
    assert_eq!(wrong_token.status, 403);

    // A wrong password: said plainly, the name kept in the form, no session.
    let wrong = b.sign_in("alice", "not-it").await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains("Invalid username or password"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("value=\"alice\""));
    assert!(!b.cookies.contains_key("pinhole_session"));

    // The right one: a session cookie (HttpOnly, Lax), then home.
    let ok = b.sign_in("alice", "secret-pw").await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(ok.location.as_deref().unwrap().ends_with("/home"));
    let session = ok
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pinhole_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "http public URL: {session}");
    let home = b.get("/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Sign out"));
    assert_eq!(home.body.matches("name=\"csrf\"").count(), 1);

    // Only a local path is followed after signing in.
    let mut c = Browser::new(&app);
    c.get("/login").await;
    let csrf = c.csrf();
    let evil = c
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "alice"),
                ("password", "secret-pw"),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(evil.status, 303);
    assert!(evil.location.unwrap().ends_with("/home"));

    // Signing out needs the token too, then ends the session everywhere it was used.
    let session_value = b.cookies["pinhole_session"].clone();
    assert_eq!(b.post("/logout", &[]).await.status, 403);
    let out = b.post("/logout", &[("csrf", &b.csrf())]).await;
    assert_eq!(out.status, 303);
    assert!(!b.cookies.contains_key("pinhole_session"));
    let home = b.get("/home").await;
    assert_eq!(home.status, 303);
    assert!(home.location.unwrap().contains("/login?next=%2Fhome"));
    b.cookies.insert("pinhole_session".into(), session_value);
    assert_eq!(
        b.get("/home").await.status,
        303,
        "the old cookie no longer works"
    );

    // A session older than 30 days is over, whatever the browser keeps.
    let mut d = Browser::new(&app);
    assert_eq!(d.sign_in("alice", "secret-pw").await.status, 303);
    assert_eq!(d.get("/home").await.status, 200);
    {
        use pinhole::db::entities::api_tokens;
        use sea_orm::{EntityTrait, sea_query::Expr};
        api_tokens::Entity::update_many()
            .col_expr(
                api_tokens::Column::CreatedAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::days(31)),
            )
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    assert_eq!(
        d.get("/home").await.status,
        303,
        "an expired session is over"
    );
    app.stop().await;
}

#[tokio::test]
async fn composing_photos_reaches_a_follower_elsewhere_and_a_refused_photo_keeps_nothing() {
    let (a, other) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    other.create_user("bob").await;
    other.follow("bob", &a.handle("alice")).await;
    let alice = a.local("alice").await;
    eventually(10, "bob's follow arrives", || async {
        domain::follows::count(&a.state.db, &alice, pinhole::db::follows::Side::Followers)
            .await
            .unwrap()
            == 1
    })
    .await;

    let mut b = Browser::new(&a);
    assert_eq!(b.sign_in("alice", "secret-pw").await.status, 303);
    let form = b.get("/compose").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("type=\"file\" name=\"photo_1\""),
        "{}",
        form.body
    );

    // Without the token: refused before anything is read or kept.
    let forged = multipart::Form::new()
        .text("status", "forged")
        .part("photo_1", photo("a.jpg", solid_jpeg(64, 64, [1, 1, 1])));
    let res = b.post_multipart("/compose", forged).await;
    assert_eq!(res.status, 403);

    // A refused photo names itself; nothing of the attempt is kept.
    let before = domain::accounts::statuses_count(&a.state.db, &alice)
        .await
        .unwrap();
    let bad = multipart::Form::new()
        .text("csrf", b.csrf())
        .part("photo_1", photo("good.jpg", solid_jpeg(64, 64, [1, 1, 1])))
        .text("alt_1", "fine")
        .part(
            "photo_2",
            photo("holiday.heic", b"definitely not a picture".to_vec()),
        )
        .text("status", "Will not post");
    let res = b.post_multipart("/compose", bad).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("holiday.heic"), "{}", res.body);
    assert!(
        res.body.contains("Will not post"),
        "the caption is kept in the form"
    );
    assert_eq!(
        domain::accounts::statuses_count(&a.state.db, &alice)
            .await
            .unwrap(),
        before
    );
    assert_eq!(
        pinhole::db::media::count(&a.state.db).await.unwrap(),
        0,
        "no upload of the refused post is kept"
    );

    // Three photos with alt texts and focal points, a content warning, a caption.
    let alts = [
        "Red dunes at noon",
        "A green hill",
        "Blue hour & \"quotes\"",
    ];
    let good = multipart::Form::new()
        .text("csrf", b.csrf())
        .part(
            "photo_1",
            photo("one.jpg", solid_jpeg(900, 600, [200, 40, 40])),
        )
        .text("alt_1", alts[0])
        .text("focus_1", "0.5,-0.25")
        .part(
            "photo_2",
            photo("two.jpg", solid_jpeg(600, 900, [40, 200, 40])),
        )
        .text("alt_2", alts[1])
        .text("focus_2", "")
        .part(
            "photo_3",
            photo("three.jpg", solid_jpeg(700, 700, [40, 40, 200])),
        )
        .text("alt_3", alts[2])
        .part("photo_4", multipart::Part::bytes(Vec::new()).file_name(""))
        .text("alt_4", "")
        .text("status", "Three from the #desert")
        .text("spoiler_text", "Bright colours")
        .text("visibility", "public");
    let res = b.post_multipart("/compose", good).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let location = res.location.unwrap();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let view = domain::posts::get_visible(&a.state.db, None, id)
        .await
        .unwrap();
    let shown: Vec<&str> = view.media.iter().map(|m| m.description.as_str()).collect();
    assert_eq!(shown, alts);
    assert_eq!((view.media[0].focus_x, view.media[0].focus_y), (0.5, -0.25));
    assert_eq!(view.post.summary, "Bright colours");
    assert!(view.post.sensitive);
    // It is on the profile.
    let profile = b.get("/@alice").await;
    assert!(
        profile.body.contains(&format!("/@alice/{id}\"")),
        "{}",
        profile.body
    );

    // The follower's server receives it with every alt text, in order.
    let uri = view.post.uri.clone();
    eventually(15, "the post reaches bob's server", || async {
        other.post_by_uri(&uri).await.is_some()
    })
    .await;
    let there = other.post_by_uri(&uri).await.unwrap();
    let received: Vec<&str> = there.media.iter().map(|m| m.description.as_str()).collect();
    assert_eq!(received, alts);
    assert_eq!(there.post.summary, "Bright colours");
    a.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn followers_only_posts_buttons_and_follows() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("carol").await;
    app.create_user("dave").await;
    let secret = app
        .post(
            "alice",
            note("For followers", Visibility::Private),
            vec![(solid_jpeg(64, 64, [5, 5, 5]), "Friends only photo")],
        )
        .await;
    let public = app
        .post(
            "alice",
            note("For everyone", Visibility::Public),
            vec![(solid_jpeg(64, 64, [9, 9, 9]), "Everyone's photo")],
        )
        .await;
    let alice = app.local("alice").await;
    let secret_page = format!("/@alice/{}", secret.post.id);

    // A visitor: neither the page nor the tile.
    let mut visitor = Browser::new(&app);
    assert_eq!(visitor.get(&secret_page).await.status, 404);
    assert!(
        !visitor
            .get("/@alice")
            .await
            .body
            .contains("Friends only photo")
    );

    // Carol follows alice with the profile's button (no approval needed), then sees it.
    let mut carol = Browser::new(&app);
    assert_eq!(carol.sign_in("carol", "secret-pw").await.status, 303);
    let profile = carol.get("/@alice").await;
    let follow = format!("/web/accounts/{}/follow", alice.id);
    assert!(profile.body.contains(&follow), "{}", profile.body);
    assert_eq!(
        carol.post(&follow, &[]).await.status,
        403,
        "no token, no follow"
    );
    let res = carol
        .post(&follow, &[("csrf", &carol.csrf()), ("back", "/@alice")])
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().ends_with("/@alice"));
    let profile = carol.get("/@alice").await;
    assert!(
        profile.body.contains("Friends only photo"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains(">Unfollow<"));
    let page = carol.get(&secret_page).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("alt=\"Friends only photo\""));

    // Dave is signed in but no follower: still nothing.
    let mut dave = Browser::new(&app);
    assert_eq!(dave.sign_in("dave", "secret-pw").await.status, 303);
    assert_eq!(dave.get(&secret_page).await.status, 404);

    // Like and boost from the post page, shown on it afterwards.
    let page_path = format!("/@alice/{}", public.post.id);
    let page = carol.get(&page_path).await;
    let like = format!("/web/statuses/{}/favourite", public.post.id);
    assert!(page.body.contains(&like), "{}", page.body);
    let res = carol
        .post(&like, &[("csrf", &carol.csrf()), ("back", &page_path)])
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location.unwrap().ends_with(&page_path));
    let boost = format!("/web/statuses/{}/reblog", public.post.id);
    carol
        .post(&boost, &[("csrf", &carol.csrf()), ("back", &page_path)])
        .await;
    let page = carol.get(&page_path).await;
    assert!(page.body.contains(">1 like<"), "{}", page.body);
    assert!(page.body.contains(">Liked<"));
    assert!(page.body.contains(">Boosted<"));
    assert!(page.body.contains(">1 boost<"));
    // Pressing like again (another tab) is no error.
    let again = carol
        .post(&like, &[("csrf", &carol.csrf()), ("back", &page_path)])
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    // Unknown verbs and ids are 404s; nobody signed in is 401.
    assert_eq!(
        carol
            .post(
                &format!("/web/statuses/{}/explode", public.post.id),
                &[("csrf", &carol.csrf())]
            )
            .await
            .status,
        404
    );
    let mut nobody = Browser::new(&app);
    nobody.get("/login").await;
    let csrf = nobody.csrf();
    assert_eq!(nobody.post(&like, &[("csrf", &csrf)]).await.status, 401);

    // Unfollow: the followers-only post is gone again.
    let unfollow = format!("/web/accounts/{}/unfollow", alice.id);
    carol
        .post(&unfollow, &[("csrf", &carol.csrf()), ("back", "/@alice")])
        .await;
    assert_eq!(carol.get(&secret_page).await.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn settings_password_and_notifications() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("carol").await;
    let post = app
        .post("alice", note("Like me", Visibility::Public), vec![])
        .await;
    let mut alice = Browser::new(&app);
    assert_eq!(alice.sign_in("alice", "secret-pw").await.status, 303);
    let form = alice.get("/settings").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"display_name\""), "{}", form.body);

    // Without the token nothing changes.
    let forged = multipart::Form::new().text("display_name", "Mallory");
    assert_eq!(alice.post_multipart("/settings", forged).await.status, 403);
    assert_eq!(app.local("alice").await.display_name, "alice");

    // Too long a name: said, nothing changed.
    let long = multipart::Form::new()
        .text("csrf", alice.csrf())
        .text("display_name", "x".repeat(40));
    let res = alice.post_multipart("/settings", long).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("longer than 30"), "{}", res.body);

    let change = multipart::Form::new()
        .text("csrf", alice.csrf())
        .text("display_name", "Alice A.")
        .text("note", "Hello #world")
        .text("field_name_1", "Site")
        .text("field_value_1", "https://example.com/alice")
        .text("field_name_2", "")
        .text("field_value_2", "")
        .part(
            "avatar",
            photo("me.jpg", solid_jpeg(300, 300, [200, 100, 50])),
        )
        .part("header", multipart::Part::bytes(Vec::new()).file_name(""))
        .text("indexable", "on");
    let res = alice.post_multipart("/settings", change).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("Saved."));
    let me = app.local("alice").await;
    assert_eq!(me.display_name, "Alice A.");
    assert!(me.indexable);
    assert!(!me.manually_approves_followers);
    assert_eq!(
        me.fields(),
        vec![("Site".to_string(), "https://example.com/alice".to_string())]
    );
    let avatar = me.avatar_url.clone().expect("avatar");
    assert!(
        avatar.starts_with(&format!("{}/media/", app.public)),
        "{avatar}"
    );
    // The janitor that removes unused uploads keeps a profile picture in use.
    domain::media::remove_unattached(&app.state.db, &app.state.media, chrono::Duration::zero())
        .await
        .unwrap();
    let served = client()
        .get(avatar.replace(&app.public, &format!("http://{}", app.addr)))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200, "{avatar}");
    // The bio comes back as written for the next edit.
    let form = alice.get("/settings").await;
    assert!(
        form.body.contains(">Hello #world</textarea>"),
        "{}",
        form.body
    );
    let profile = alice.get("/@alice").await;
    assert!(profile.body.contains("Alice A."));
    assert!(profile.body.contains(&avatar));
    assert!(
        profile
            .body
            .contains("rel=\"me nofollow noopener noreferrer\"")
    );
    assert!(!profile.body.contains("noindex"));

    // Password: the current one is needed; then only the new one signs in.
    let wrong = alice
        .post(
            "/settings/password",
            &[
                ("csrf", &alice.csrf()),
                ("current", "nope"),
                ("new", "a-new-secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("current password is wrong"));
    let short = alice
        .post(
            "/settings/password",
            &[
                ("csrf", &alice.csrf()),
                ("current", "secret-pw"),
                ("new", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    let ok = alice
        .post(
            "/settings/password",
            &[
                ("csrf", &alice.csrf()),
                ("current", "secret-pw"),
                ("new", "a-new-secret"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let mut again = Browser::new(&app);
    assert_eq!(again.sign_in("alice", "secret-pw").await.status, 401);
    assert_eq!(again.sign_in("alice", "a-new-secret").await.status, 303);

    // Notifications: carol likes alice's post.
    let mut carol = Browser::new(&app);
    assert_eq!(carol.sign_in("carol", "secret-pw").await.status, 303);
    carol.get(&format!("/@alice/{}", post.post.id)).await;
    let like = format!("/web/statuses/{}/favourite", post.post.id);
    assert_eq!(
        carol.post(&like, &[("csrf", &carol.csrf())]).await.status,
        303
    );
    let page = alice.get("/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("liked your post"), "{}", page.body);
    assert!(page.body.contains("Like me"));
    assert_eq!(Browser::new(&app).get("/notifications").await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn form_tokens_sessions_and_odd_input() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("carol").await;
    let secret = app
        .post("alice", note("Followers only", Visibility::Private), vec![])
        .await;

    // A public page for a new visitor sets no cookie and stays cacheable; a page with a
    // form sets the form token and is never cached.
    let mut v = Browser::new(&app);
    let public = v.get("/@alice").await;
    assert!(public.set_cookies.is_empty(), "{:?}", public.set_cookies);
    let res = client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-store");

    // Signing in gives a new form token: one seen or planted before is no use afterwards.
    let mut alice = Browser::new(&app);
    alice.get("/login").await;
    let before = alice.csrf();
    assert_eq!(alice.sign_in("alice", "secret-pw").await.status, 303);
    let after = alice.csrf();
    assert_ne!(before, after);
    assert_eq!(
        alice.post("/logout", &[("csrf", &before)]).await.status,
        403
    );

    // A request the browser marks as coming from another site is refused even with the
    // token (a token leaked to another site is still no use there).
    let cross = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/logout"))
        .header(
            "cookie",
            format!(
                "pinhole_session={}; pinhole_csrf={after}",
                alice.cookies["pinhole_session"]
            ),
        )
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", after.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    // A reply to a followers-only post starts followers-only, naming its author.
    let mut carol = Browser::new(&app);
    assert_eq!(carol.sign_in("carol", "secret-pw").await.status, 303);
    let own = alice
        .get(&format!("/compose?in_reply_to={}", secret.post.id))
        .await;
    assert!(
        own.body.contains("value=\"private\" selected"),
        "{}",
        own.body
    );
    assert!(!own.body.contains("@alice "), "no mention of oneself");
    app.post("carol", note("Public words", Visibility::Public), vec![])
        .await;
    let carol_post = app
        .post(
            "carol",
            note("Unlisted words", Visibility::Unlisted),
            vec![],
        )
        .await;
    let reply = alice
        .get(&format!("/compose?in_reply_to={}", carol_post.post.id))
        .await;
    assert!(reply.body.contains(">@carol </textarea>"), "{}", reply.body);
    assert!(reply.body.contains("value=\"unlisted\" selected"));

    // Odd input: a control character in `back` goes home instead of failing; slot 0 and
    // slots past the limit are refused; nothing is kept.
    let like = format!("/web/statuses/{}/favourite", carol_post.post.id);
    let res = alice
        .post(&like, &[("csrf", &alice.csrf()), ("back", "/\n\r")])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(res.location.unwrap().ends_with("/home"));
    for slot in ["photo_0", "photo_99"] {
        let form = multipart::Form::new()
            .text("csrf", alice.csrf())
            .part(slot, photo("x.jpg", solid_jpeg(16, 16, [1, 1, 1])));
        let res = alice.post_multipart("/compose", form).await;
        assert_eq!(res.status, 400, "{slot}: {}", res.body);
    }
    assert_eq!(pinhole::db::media::count(&app.state.db).await.unwrap(), 0);
    app.stop().await;
}
