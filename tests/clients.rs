//! Real Mastodon clients against live Pinhole instances: Mastodon.py (PyPI) does the whole
//! app session across two instances, masto.js (npm, v7) posts and reads. `.ci/run` installs
//! both (target/clients-venv, tests/clients/node_modules); without them each test says why
//! it skips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::PathBuf, process::Command};

use common::{TestApp, solid_jpeg};

fn clients_dir() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "clients"]
        .iter()
        .collect()
}

fn python() -> Result<PathBuf, String> {
    let venv: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "target",
        "clients-venv",
        "bin",
        "python",
    ]
    .iter()
    .collect();
    let path = std::env::var_os("PINHOLE_TEST_CLIENTS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or(venv);
    let ok = Command::new(&path)
        .args(["-c", "import mastodon"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Ok(path)
    } else {
        Err(format!(
            "{} cannot import Mastodon.py (run .ci/run, or: python3 -m venv target/clients-venv && target/clients-venv/bin/pip install Mastodon.py==2.3.3)",
            path.display()
        ))
    }
}

fn report(out: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn mastodon_py_session_across_two_instances() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipping Mastodon.py interop: {why}");
            return;
        }
    };
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    a.create_user("alice").await;
    b.create_user("bob").await;
    let bob_token = pinhole::domain::tokens::create(&b.state.db, "bob", "read write follow")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("one.jpg"), dir.path().join("two.jpg"));
    std::fs::write(&p1, solid_jpeg(640, 480, [200, 40, 40])).unwrap();
    std::fs::write(&p2, solid_jpeg(480, 640, [40, 40, 200])).unwrap();
    let script = clients_dir().join("mastodon_py.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("PINHOLE_A", format!("http://{}", a.addr))
            .env("PINHOLE_B", format!("http://{}", b.addr))
            .env("BOB_HANDLE", b.handle("bob"))
            .env("BOB_TOKEN", bob_token)
            .env("PHOTO1", &p1)
            .env("PHOTO2", &p2)
            .output()
            .map(|o| (o, a, b))
    })
    .await
    .unwrap()
    .expect("python runs");
    let (out, _a, _b) = out;
    assert!(
        out.status.success(),
        "Mastodon.py session failed:\n{}",
        report(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all Mastodon.py checks passed"));
}

#[tokio::test]
async fn mastodon_py_signs_up_and_moderates() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipping Mastodon.py admin interop: {why}");
            return;
        }
    };
    use pinhole::domain::{audit::Moderator, registrations::Mode, roles::Role};
    let app = TestApp::spawn_with(|c| {
        c.instance.registrations = Mode::Approval;
        c.limits.sign_ups = 0;
    })
    .await;
    let moderator = app.create_user("mod").await;
    app.create_user("target").await;
    pinhole::domain::registrations::set_role(
        &app.state.db,
        Moderator::Operator,
        &moderator,
        Role::Moderator,
    )
    .await
    .unwrap();
    let token =
        pinhole::domain::tokens::create(&app.state.db, "mod", "read admin:read admin:write")
            .await
            .unwrap();
    let url = format!("http://{}", app.addr);
    let script = clients_dir().join("mastodon_py_admin.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("PINHOLE_URL", url)
            .env("ADMIN_TOKEN", token)
            .output()
    })
    .await
    .unwrap()
    .expect("python runs");
    assert!(
        out.status.success(),
        "Mastodon.py admin session failed:\n{}",
        report(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all Mastodon.py admin checks passed"));
}

#[tokio::test]
async fn masto_js_posts_a_photo_and_reads_home() {
    if !clients_dir().join("node_modules/masto").is_dir() {
        eprintln!(
            "skipping masto.js interop: tests/clients/node_modules is missing (run `npm ci --prefix tests/clients`)"
        );
        return;
    }
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = pinhole::domain::tokens::create(&app.state.db, "alice", "read write")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    std::fs::write(&photo, solid_jpeg(300, 200, [250, 200, 80])).unwrap();
    let url = format!("http://{}", app.addr);
    let script = clients_dir().join("masto.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("PINHOLE_URL", url)
            .env("TOKEN", token)
            .env("PHOTO", &photo)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    assert!(out.status.success(), "masto.js failed:\n{}", report(&out));
}
