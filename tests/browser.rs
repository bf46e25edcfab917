//! Browser scenarios in Debian's Chromium (tests/browser/visitor.mjs, driven by
//! playwright-core from npm, with axe-core): a visitor on a live instance. `.ci/run`
//! installs `chromium` and the npm packages; without them the test says why it skips.
//! Screenshots of each page are left in `target/browser-shots/` for humans to look at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::PathBuf, process::Command};

use common::{TestApp, note, solid_jpeg};
use pinhole::domain::posts::Visibility;

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

    let shots: PathBuf = [env!("CARGO_MANIFEST_DIR"), "target", "browser-shots"]
        .iter()
        .collect();
    let script = browser_dir().join("visitor.mjs");
    let env = [
        ("PINHOLE_URL", app.public.clone()),
        ("NAME", "alice".to_string()),
        ("POST_ID", album.post.id.to_string()),
        ("CW_ID", cw.post.id.to_string()),
        ("TAG", "beach".to_string()),
        ("ALTS", serde_json::to_string(&alts).unwrap()),
        ("SHOTS", shots.display().to_string()),
        ("CHROMIUM", chromium.display().to_string()),
    ];
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
    assert!(report.contains("all browser checks passed"), "{report}");
    app.stop().await;
}
