//! The web pages as a visitor's browser gets them: the instance, a profile's photo grid and
//! notes, a post page with its carousel and link-preview tags, a hashtag, explore, Atom
//! feeds and the hashed assets. (Browser-driven scenarios build on these.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, client, note, solid_jpeg};
use pinhole::domain::{self, posts::Visibility};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.get_accept(path, BROWSER).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// The value of `<meta property="NAME" content="…">`.
fn meta(html: &str, name: &str) -> Option<String> {
    let pattern = format!("property=\"{name}\" content=\"");
    let at = html.find(&pattern)?;
    let rest = &html[at + pattern.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn rename(app: &TestApp, name: &str, display: &str, bio: &str) {
    let me = app.local(name).await;
    let change = domain::accounts::ProfileChange {
        display_name: Some(display.into()),
        note: Some(bio.into()),
        fields: Some(vec![("Site".into(), "https://example.com/me".into())]),
        ..Default::default()
    };
    domain::accounts::update_profile(
        &app.state.db,
        &app.state.federation.publisher,
        &me,
        change,
        app.state.config.base_url(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_visitor_sees_the_grid_the_post_and_its_preview_tags() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    rename(
        &app,
        "alice",
        "Alice <script>x</script>",
        "Shooting #film & light",
    )
    .await;
    let mut album = note("Three at the #Beach today", Visibility::Public);
    album.spoiler_text = None;
    let album = app
        .post(
            "alice",
            album,
            vec![
                (solid_jpeg(1200, 800, [200, 40, 40]), "A red \"sunset\" <b>"),
                (solid_jpeg(800, 1200, [40, 200, 40]), "A green hill"),
                (solid_jpeg(600, 600, [40, 40, 200]), ""),
            ],
        )
        .await;
    let mut cw = note("Spoilers inside", Visibility::Public);
    cw.spoiler_text = Some("Film ending".into());
    let cw = app
        .post("alice", cw, vec![(solid_jpeg(400, 400, [9, 9, 9]), "Dark")])
        .await;
    let hidden = app
        .post(
            "alice",
            note("Only for friends", Visibility::Private),
            vec![(solid_jpeg(300, 300, [1, 2, 3]), "Secret photo")],
        )
        .await;
    let text = app
        .post(
            "alice",
            note("Just words about #beach", Visibility::Public),
            vec![],
        )
        .await;

    // The profile: header, grid of photo posts (newest first), no followers-only post.
    let (status, html) = page(&app, "/@alice").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("Alice &lt;script&gt;x&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains(&format!("@alice@{}", app.domain())));
    assert!(
        html.contains("rel=\"me nofollow noopener noreferrer\""),
        "{html}"
    );
    assert!(html.contains("https://example.com/me"));
    let album_url = format!("{}/@alice/{}", app.public, album.post.id);
    let cw_url = format!("{}/@alice/{}", app.public, cw.post.id);
    assert!(html.contains(&format!("href=\"{album_url}\"")), "{html}");
    assert!(html.contains(&format!("href=\"{cw_url}\"")));
    assert!(
        html.find(&cw_url).unwrap() < html.find(&album_url).unwrap(),
        "newest first"
    );
    assert!(
        !html.contains("Secret photo"),
        "followers-only leaked: {html}"
    );
    assert!(!html.contains(&hidden.post.id.to_string()));
    assert!(!html.contains("Just words"), "notes are on their own tab");
    // Tiles: the first photo's alt, width/height, srcset from the kept sizes, badges.
    assert!(
        html.contains("alt=\"A red &quot;sunset&quot; &lt;b&gt;\""),
        "{html}"
    );
    assert!(html.contains(" 320w"), "{html}");
    assert!(html.contains("width=\"320\" height=\"213\""), "{html}");
    assert!(html.contains("title=\"3 photos\""));
    assert!(html.contains(">ALT<"));
    assert!(html.contains("class=\"tile cw\""), "{html}");
    assert!(html.contains("Film ending"));
    assert!(
        html.contains("data:image/bmp;base64,"),
        "blurhash placeholder"
    );
    assert!(html.contains("type=\"application/activity+json\""));
    assert!(html.contains(&format!("href=\"{}/@alice.atom\"", app.public)));
    assert_eq!(meta(&html, "og:type").as_deref(), Some("profile"));

    // The notes tab.
    let (status, html) = page(&app, "/@alice?tab=notes").await;
    assert_eq!(status, 200);
    assert!(html.contains("Just words about"), "{html}");
    assert!(html.contains(&format!("{}/tags/beach", app.public)));
    assert!(!html.contains("Three at the"));
    assert!(html.contains(&text.post.id.to_string()));

    // The post page: every photo in the carousel with its alt, dots, preview tags.
    let (status, html) = page(&app, &format!("/@alice/{}", album.post.id)).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(count(&html, "<li id=\"photo-"), 3, "{html}");
    assert!(html.contains("alt=\"A green hill\""));
    assert!(html.contains("alt=\"Photo without a description\""));
    assert_eq!(
        count(&html, "<details class=\"alt\">"),
        2,
        "alt text readable on demand"
    );
    assert!(html.contains("href=\"#photo-"), "dots link to each photo");
    assert!(html.contains("Three at the"));
    assert_eq!(meta(&html, "og:type").as_deref(), Some("article"));
    let image = meta(&html, "og:image").expect("og:image");
    assert!(
        image.starts_with(&format!("{}/media/", app.public)),
        "{image}"
    );
    assert_eq!(
        meta(&html, "og:image:alt").as_deref(),
        Some("A red &quot;sunset&quot; &lt;b&gt;")
    );
    assert_eq!(
        meta(&html, "og:description").as_deref(),
        Some("Three at the #Beach today")
    );
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{album_url}\">")));
    // The image in the preview is served.
    assert_eq!(client().get(&image).send().await.unwrap().status(), 200);

    // A content warning hides the photos behind a click, with no script.
    let (_, html) = page(&app, &format!("/@alice/{}", cw.post.id)).await;
    assert!(
        html.contains("<details class=\"cw\"><summary>Film ending"),
        "{html}"
    );
    assert_eq!(
        meta(&html, "og:description").as_deref(),
        Some("Film ending")
    );
    // Followers-only: not found for a visitor.
    let (status, _) = page(&app, &format!("/@alice/{}", hidden.post.id)).await;
    assert_eq!(status, 404);

    // The hashtag: photos and notes, case-insensitively.
    let (status, html) = page(&app, "/tags/BEACH").await;
    assert_eq!(status, 200);
    assert!(html.contains(&album_url), "{html}");
    assert!(!html.contains("Just words"));
    let (_, html) = page(&app, "/tags/beach?tab=notes").await;
    assert!(html.contains("Just words"), "{html}");
    // The instance page and explore show public local photo posts only.
    for path in ["/", "/explore"] {
        let (status, html) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(&album_url), "{path}: {html}");
        assert!(!html.contains("Secret photo"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn feeds_paging_assets_and_bad_input() {
    let app = TestApp::spawn().await;
    app.create_user("bob").await;
    let mut ids = Vec::new();
    for i in 0..32 {
        let v = app
            .post(
                "bob",
                note(&format!("Photo {i} #daily"), Visibility::Public),
                vec![(solid_jpeg(64, 64, [i as u8 * 7, 0, 0]), "tiny")],
            )
            .await;
        ids.push(v.post.id);
    }
    app.post(
        "bob",
        note("Private words #daily", Visibility::Private),
        vec![],
    )
    .await;

    // Atom: the profile's and the hashtag's public posts, with photos as enclosures.
    for path in ["/@bob.atom", "/tags/daily.atom"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/atom+xml")
        );
        let xml = res.text().await.unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert_eq!(count(&xml, "<entry>"), 20, "{path}");
        assert!(xml.contains("rel=\"enclosure\" type=\"image/jpeg\""));
        assert!(xml.contains(&format!(
            "<id>{}/users/bob/statuses/{}</id>",
            app.public,
            ids.last().unwrap()
        )));
        assert!(!xml.contains("Private words"));
    }

    // The grid pages by whole rows: 30, then the rest after "Older posts".
    let (_, html) = page(&app, "/@bob").await;
    assert_eq!(count(&html, "<a class=\"tile\""), 30, "{html}");
    let older = format!("/@bob?max_id={}", ids[2]);
    assert!(
        html.contains(&format!("href=\"{}{older}\"", app.public)),
        "{html}"
    );
    let (_, html) = page(&app, &older).await;
    assert_eq!(count(&html, "<a class=\"tile\""), 2);
    assert!(!html.contains("Older posts"));

    // The stylesheet and script: hashed names, cached for a year; others are 404.
    let (_, html) = page(&app, "/").await;
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = client().get(&css).send().await.unwrap();
    assert_eq!(res.status(), 200, "{css}");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        app.get("/assets/pinhole.000000000000.css").await.status(),
        404
    );
    let js = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(client().get(&js).send().await.unwrap().status(), 200);

    // Bad input: a clear 4xx, never a page of something else.
    assert_eq!(page(&app, "/@bob?max_id=abc").await.0, 400);
    let (status, html) = page(&app, "/@nobody").await;
    assert_eq!(status, 404);
    // A browser gets a page saying so; apps and servers keep the API's JSON.
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("no account named `nobody`"), "{html}");
    let res = app
        .get_accept("/@nobody", "application/activity+json")
        .await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().starts_with('{'));
    let res = app.get_accept("/api/v1/accounts/999", BROWSER).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().starts_with('{'));
    assert_eq!(page(&app, "/@nobody.atom").await.0, 404);
    assert_eq!(page(&app, "/tags/no%20such").await.0, 404);
    assert_eq!(page(&app, "/@bob/notanumber").await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn only_an_indexable_account_invites_search_engines() {
    let app = TestApp::spawn().await;
    let noindex = "<meta name=\"robots\" content=\"noindex, noarchive\">";
    // New accounts are not indexable until they opt in (Mastodon's default).
    let before = app.create_user("carol").await;
    let (status, html) = page(&app, "/@carol").await;
    assert_eq!(status, 200);
    assert!(html.contains(noindex), "{html}");
    let mut after = before.clone();
    after.indexable = true;
    pinhole::db::update(&app.state.db, before, after)
        .await
        .unwrap();
    let (_, html) = page(&app, "/@carol").await;
    assert!(!html.contains(noindex), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn the_start_page_shows_the_rules_as_the_api_lists_them() {
    let app = TestApp::spawn_with(|c| {
        c.instance.rules = vec!["Be kind.".into(), "Describe your photos <always>.".into()];
    })
    .await;
    let (status, html) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<li>Be kind.</li><li>Describe your photos &lt;always&gt;.</li>"),
        "{html}"
    );
    assert!(html.contains("not taking new sign-ups"));
    let (_, about) = page(&app, "/about").await;
    assert!(about.contains("<li>Be kind.</li>"));
    for path in ["/api/v1/instance", "/api/v2/instance"] {
        let v: serde_json::Value = app.get(path).await.json().await.unwrap();
        assert_eq!(v["rules"][1]["id"], "2", "{path}");
        assert_eq!(v["rules"][1]["text"], "Describe your photos <always>.");
    }
    app.stop().await;
}
