//! Browser scenarios in Debian's Chromium (tests/browser/visitor.mjs, driven by
//! playwright-core from npm, with axe-core): a visitor on a live instance. `.ci/run`
//! installs `chromium` and the npm packages; without them the test says why it skips.
//! Screenshots of each page are left in `target/browser-shots/` for humans to look at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::PathBuf, process::Command};

use common::{TestApp, eventually, note, solid_jpeg};
use pinhole::{
    db::follows::Side,
    domain::{self, posts::Visibility},
};

fn browser_dir() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "browser"]
        .iter()
        .collect()
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    path.exists().then_some(path)
}

/// Runs a scenario script with `env` (and `SHOTS`); its output, after asserting it passed.
async fn run(script: &str, mut env: Vec<(&'static str, String)>) -> String {
    let shots: PathBuf = [env!("CARGO_MANIFEST_DIR"), "target", "browser-shots"]
        .iter()
        .collect();
    env.push(("SHOTS", shots.display().to_string()));
    let script = browser_dir().join(script);
    let out =
        tokio::task::spawn_blocking(move || Command::new("node").arg(script).envs(env).output())
            .await
            .unwrap()
            .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser scenarios failed:\n{report}");
    report
}

/// Chromium and the npm packages, or why the test skips.
fn ready() -> Option<PathBuf> {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipping browser scenarios: /usr/bin/chromium is missing (apt install chromium)"
        );
        return None;
    };
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        eprintln!(
            "skipping browser scenarios: tests/browser/node_modules is missing (run `npm ci --prefix tests/browser`)"
        );
        return None;
    }
    Some(chromium)
}

#[tokio::test]
async fn a_visitor_browses_a_profile_a_post_and_its_carousel() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipping browser scenarios: /usr/bin/chromium is missing (apt install chromium)"
        );
        return;
    };
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        eprintln!(
            "skipping browser scenarios: tests/browser/node_modules is missing (run `npm ci --prefix tests/browser`)"
        );
        return;
    }
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alts = [
        "A red sunset over the bay",
        "A green hill",
        "Blue hour, long exposure",
    ];
    app.post(
        "alice",
        note("Morning walk #meadow", Visibility::Public),
        vec![(solid_jpeg(500, 500, [200, 200, 40]), "Yellow field")],
    )
    .await;
    let album = app
        .post(
            "alice",
            note("Three from the #Beach today", Visibility::Public),
            vec![
                (solid_jpeg(1200, 800, [200, 40, 40]), alts[0]),
                (solid_jpeg(800, 1200, [40, 200, 40]), alts[1]),
                (solid_jpeg(900, 600, [40, 40, 200]), alts[2]),
            ],
        )
        .await;
    let mut warned = note("The ending, spoiled", Visibility::Public);
    warned.spoiler_text = Some("Film spoilers".into());
    let cw = app
        .post(
            "alice",
            warned,
            vec![(solid_jpeg(400, 400, [9, 9, 9]), "A dark frame")],
        )
        .await;
    app.post(
        "alice",
        note("Words only, #beach again", Visibility::Public),
        vec![],
    )
    .await;

    let report = run(
        "visitor.mjs",
        vec![
            ("PINHOLE_URL", app.public.clone()),
            ("NAME", "alice".to_string()),
            ("POST_ID", album.post.id.to_string()),
            ("CW_ID", cw.post.id.to_string()),
            ("TAG", "beach".to_string()),
            ("ALTS", serde_json::to_string(&alts).unwrap()),
            ("CHROMIUM", chromium.display().to_string()),
        ],
    )
    .await;
    assert!(report.contains("all browser checks passed"), "{report}");
    app.stop().await;
}

#[tokio::test]
async fn a_member_signs_in_and_posts_photos_that_reach_a_follower() {
    let Some(chromium) = ready() else { return };
    let (a, other) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    a.create_user("carol").await;
    other.create_user("bob").await;
    other.follow("bob", &a.handle("alice")).await;
    a.follow("carol", &a.handle("alice")).await;
    let alice = a.local("alice").await;
    eventually(10, "both follows arrive", || async {
        domain::follows::count(&a.state.db, &alice, Side::Followers)
            .await
            .unwrap()
            == 2
    })
    .await;
    let secret = a
        .post(
            "alice",
            note("Only for my followers", Visibility::Private),
            vec![(solid_jpeg(300, 300, [90, 60, 30]), "A private view")],
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut photos = Vec::new();
    for (i, rgb) in [[220, 180, 90], [200, 120, 60], [90, 110, 200]]
        .iter()
        .enumerate()
    {
        let path = dir.path().join(format!("dune-{}.jpg", i + 1));
        std::fs::write(&path, solid_jpeg(800 + 100 * i as u32, 600, *rgb)).unwrap();
        photos.push(path.display().to_string());
    }
    let alts = [
        "Ripples of sand at sunrise",
        "A lone walker on the crest",
        "Evening shadows & \"quotes\"",
    ];
    let report = run(
        "member.mjs",
        vec![
            ("PINHOLE_URL", a.public.clone()),
            ("NAME", "alice".to_string()),
            ("PASSWORD", "secret-pw".to_string()),
            ("FOLLOWER", "carol".to_string()),
            ("FOLLOWER_PASSWORD", "secret-pw".to_string()),
            ("SECRET_ID", secret.post.id.to_string()),
            ("PHOTOS", serde_json::to_string(&photos).unwrap()),
            ("ALTS", serde_json::to_string(&alts).unwrap()),
            ("CHROMIUM", chromium.display().to_string()),
        ],
    )
    .await;
    assert!(report.contains("all browser checks passed"), "{report}");
    let posted = report
        .lines()
        .find_map(|l| l.strip_prefix("POSTED "))
        .expect("the script names the post");
    let id: i64 = posted.rsplit('/').next().unwrap().parse().unwrap();
    let view = domain::posts::get_visible(&a.state.db, None, id)
        .await
        .unwrap();
    assert_eq!(view.post.summary, "Very bright");
    assert_eq!((view.media[0].focus_x, view.media[0].focus_y), (0.5, 0.5));
    // Bob's server receives it with every alt text, in order.
    let uri = view.post.uri.clone();
    eventually(15, "the post reaches bob's server", || async {
        other.post_by_uri(&uri).await.is_some()
    })
    .await;
    let there = other.post_by_uri(&uri).await.unwrap();
    let received: Vec<&str> = there.media.iter().map(|m| m.description.as_str()).collect();
    assert_eq!(received, alts);
    a.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn a_moderator_approves_a_sign_up_and_acts_on_a_report() {
    let Some(chromium) = ready() else { return };
    use pinhole::domain::{audit::Moderator, registrations::Mode, reports::NewReport, roles::Role};
    let app = TestApp::spawn_with(|c| c.instance.registrations = Mode::Approval).await;
    let moderator = app.create_user("mona").await;
    domain::registrations::set_role(
        &app.state.db,
        Moderator::Operator,
        &moderator,
        Role::Moderator,
    )
    .await
    .unwrap();
    app.create_user("spammy").await;
    app.create_user("witness").await;
    let post = app
        .post(
            "spammy",
            note("Buy followers now", Visibility::Public),
            vec![],
        )
        .await;
    let (spammy, witness) = (app.local("spammy").await, app.local("witness").await);
    domain::reports::file(
        &app.state.db,
        &app.state.federation.publisher,
        &witness,
        0,
        NewReport {
            target_id: spammy.id,
            post_ids: vec![post.post.id],
            comment: "Spam".into(),
            ..NewReport::default()
        },
    )
    .await
    .unwrap();
    let report = run(
        "moderator.mjs",
        vec![
            ("PINHOLE_URL", app.public.clone()),
            ("MODERATOR", "mona".to_string()),
            ("PASSWORD", "secret-pw".to_string()),
            ("NEWCOMER", "lichen_fan".to_string()),
            ("REPORTED", "spammy".to_string()),
            ("CHROMIUM", chromium.display().to_string()),
        ],
    )
    .await;
    assert!(report.contains("all browser checks passed"), "{report}");
    assert!(app.local("lichen_fan").await.approved);
    assert!(app.local("spammy").await.silenced_at.is_some());
    app.stop().await;
}
