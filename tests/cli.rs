//! The `pinhole` binary as an operator uses it: account and token commands, configuration
//! errors, database errors, and a clean exit on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{process::Output, time::Duration};

use common::{TestApp, TestDb, cli_env, run_cli};
use serde_json::Value;

fn run(db: &TestDb, args: &[&str], extra: &[(&str, &str)], stdin: &str) -> Output {
    let env = cli_env(db);
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra);
    run_cli(db.dir.path(), args, &all, stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn users(db: &TestDb) -> Vec<String> {
    let out = run(db, &["users", "list"], &[], "");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn users_create_prints_actor_url_and_enforces_mastodon_rules() {
    let db = TestDb::new().await;
    let out = run(
        &db,
        &["users", "create", "alice", "--password-stdin"],
        &[("PINHOLE_PUBLIC_URL", "http://localhost:8080")],
        "secret-pw\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "http://localhost:8080/users/alice");

    // Taken, case-insensitively.
    let out = run(&db, &["users", "create", "ALICE"], &[], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already taken"), "{}", stderr(&out));

    for bad in ["al-ice", "al ice", "élise", &"a".repeat(31), ""] {
        let out = run(&db, &["users", "create", bad], &[], "");
        assert!(!out.status.success(), "{bad:?} accepted");
        assert!(
            stderr(&out).contains("username"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    // A 30-character name and an admin flag are fine.
    let thirty = "b".repeat(30);
    let out = run(&db, &["users", "create", &thirty, "--admin"], &[], "");
    assert!(out.status.success(), "{}", stderr(&out));

    // Bad passwords fail without creating anything.
    let out = run(
        &db,
        &["users", "create", "carol", "--password-stdin"],
        &[],
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password"), "{}", stderr(&out));
    let out = run(
        &db,
        &["users", "create", "carol", "--password-stdin"],
        &[],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at least 8"), "{}", stderr(&out));

    assert_eq!(users(&db), vec!["alice".to_string(), thirty]);
}

#[tokio::test]
async fn tokens_create_gives_a_token_the_api_accepts() {
    let db = TestDb::new().await;
    let out = run(&db, &["users", "create", "alice"], &[], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&db, &["tokens", "create", "nobody"], &[], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no account named `nobody`"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &db,
        &["tokens", "create", "alice", "--scopes", "read launch"],
        &[],
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown scope `launch`"),
        "{}",
        stderr(&out)
    );

    let out = run(&db, &["tokens", "create", "alice"], &[], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out);
    assert!(token.len() >= 32);
    let out = run(
        &db,
        &["tokens", "create", "alice", "--scopes", "write"],
        &[],
        "",
    );
    let write_only = stdout(&out);

    let app = TestApp::spawn_on(db, |_| {}).await;
    let res = common::client()
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["acct"], "alice");
    assert_eq!(me["url"], format!("{}/@alice", app.public));
    assert!(me["source"].is_object());

    let res = common::client()
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(&write_only)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let db = TestDb::new().await;
    for _ in 0..2 {
        let out = run(&db, &["migrate"], &[], "");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("up to date"));
    }
}

#[tokio::test]
async fn unknown_configuration_is_refused_by_name() {
    let db = TestDb::new().await;
    let file = db.dir.path().join("pinhole.toml");
    std::fs::write(
        &file,
        "public_url = \"http://localhost:9999\"\nlisten_adress = \"x\"\n",
    )
    .unwrap();
    let out = run(
        &db,
        &["--config", file.to_str().unwrap(), "users", "list"],
        &[],
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("listen_adress"), "{}", stderr(&out));

    let out = run(&db, &["users", "list"], &[("PINHOLE_PUBLIK_URL", "x")], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("publik_url"), "{}", stderr(&out));

    let out = run(
        &db,
        &["users", "list"],
        &[("PINHOLE_LOG__FORMAT", "xml")],
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).to_lowercase().contains("log.format"),
        "{}",
        stderr(&out)
    );

    let out = run(
        &db,
        &["users", "list"],
        &[("PINHOLE_PUBLIC_URL", "ftp://x")],
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("public_url"), "{}", stderr(&out));

    let missing = db.dir.path().join("nope.toml");
    let out = run(
        &db,
        &["--config", missing.to_str().unwrap(), "users", "list"],
        &[],
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[tokio::test]
async fn unreachable_database_is_reported_and_nothing_created() {
    let db = TestDb::sqlite();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://postgres:hunter2@127.0.0.1:{port}/nothing");
    let out = run(
        &db,
        &["users", "create", "alice"],
        &[
            ("PINHOLE_DATABASE_URL", &url),
            ("PINHOLE_DATABASE__CONNECT_TIMEOUT_SECONDS", "3"),
        ],
        "",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cannot connect to database"), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("hunter2"), "password leaked: {err}");

    let out = run(
        &db,
        &["users", "list"],
        &[("PINHOLE_DATABASE_URL", "mysql://x/y")],
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported database URL"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn serve_answers_and_exits_zero_on_sigterm() {
    let db = TestDb::new().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let public = format!("http://localhost:{port}");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pinhole"));
    cmd.current_dir(db.dir.path())
        .env("PINHOLE_DATABASE_URL", &db.url)
        .env("PINHOLE_DATA_DIR", db.dir.path().join("data"))
        .env("PINHOLE_LISTEN", &listen)
        .env("PINHOLE_PUBLIC_URL", &public)
        .env("PINHOLE_LOG__FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let client = common::client();
    let mut healthy = false;
    for _ in 0..200 {
        if let Ok(res) = client.get(format!("http://{listen}/health")).send().await {
            healthy = res.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !healthy {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!(
            "server did not come up: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = exited else {
        let _ = child.kill();
        panic!("server did not exit after SIGTERM");
    };
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(status.success(), "exit {status:?}: {logs}");
    // JSON logs: every line is an object; the request was logged with a request id.
    for line in logs.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(logs.contains("request_id"), "{logs}");
}

#[tokio::test]
async fn refused_input_creates_no_database() {
    let db = TestDb::sqlite();
    let file = db.dir.path().join("test.sqlite");
    let out = run(
        &db,
        &["users", "create", "carol", "--password-stdin"],
        &[],
        "short\n",
    );
    assert!(!out.status.success());
    let out = run(&db, &["users", "create", "no way"], &[], "");
    assert!(!out.status.success());
    let out = run(
        &db,
        &["tokens", "create", "carol", "--scopes", "sudo"],
        &[],
        "",
    );
    assert!(!out.status.success());
    assert!(!file.exists(), "a refused command touched the database");
}

#[tokio::test]
async fn post_publishes_photos_with_their_alt_text_and_refuses_bad_images() {
    let db = TestDb::new().await;
    let dir = db.dir.path().to_path_buf();
    let app = TestApp::spawn_on(db, |_| {}).await;
    app.create_user("alice").await;
    let a = dir.join("a.jpg");
    let b = dir.join("b.jpg");
    let bad = dir.join("notes.txt");
    std::fs::write(&a, common::solid_jpeg(64, 48, [200, 0, 0])).unwrap();
    std::fs::write(&b, common::solid_jpeg(48, 64, [0, 0, 200])).unwrap();
    std::fs::write(&bad, "not a picture").unwrap();
    let env = cli_env(&app.db);
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.push(("PINHOLE_PUBLIC_URL", app.public.as_str()));
    let (a, b, bad) = (
        a.display().to_string(),
        b.display().to_string(),
        bad.display().to_string(),
    );

    // The --alt belongs to the --image before it: a has none, b has one.
    let out = run_cli(
        &dir,
        &[
            "post",
            "alice",
            "--text",
            "Two photos #red",
            "--image",
            &a,
            "--image",
            &b,
            "--alt",
            "A blue one",
            "--visibility",
            "private",
            "--cw",
            "colours",
        ],
        &all,
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let uri = stdout(&out);
    assert!(
        uri.starts_with(&format!("{}/users/alice/statuses/", app.public)),
        "{uri}"
    );
    let view = app.post_by_uri(&uri).await.unwrap();
    assert_eq!(view.media.len(), 2);
    assert_eq!(view.media[0].description, "");
    assert_eq!(view.media[1].description, "A blue one");
    assert_eq!(view.media[0].width, Some(64));
    assert_eq!(view.post.visibility, "private");
    assert_eq!(view.post.summary, "colours");
    assert!(view.post.sensitive);
    assert_eq!(view.tags, vec!["red".to_string()]);

    // An --alt before any --image is a usage error.
    let out = run_cli(
        &dir,
        &["post", "alice", "--alt", "x", "--image", &a],
        &all,
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--alt must come after the --image"),
        "{}",
        stderr(&out)
    );

    // A refused image: the command fails with the reason and nothing is created.
    let media_before = pinhole::db::media::count(&app.state.db).await.unwrap();
    let out = run_cli(
        &dir,
        &[
            "post", "alice", "--text", "oops", "--image", &a, "--image", &bad,
        ],
        &all,
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("image 2"), "{}", stderr(&out));
    assert_eq!(
        pinhole::db::posts::count_local(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        pinhole::db::media::count(&app.state.db).await.unwrap(),
        media_before
    );
    let out = run_cli(
        &dir,
        &["post", "alice", "--text", "x", "--visibility", "friends"],
        &all,
        "",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("visibility `friends`"),
        "{}",
        stderr(&out)
    );
    app.stop().await;
}
