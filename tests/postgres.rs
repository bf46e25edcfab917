//! PostgreSQL-specific checks: the one binary serves from PostgreSQL given only a URL.
//! Skips (with the reason printed) when `PINHOLE_TEST_DATABASE_URL` is not set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PG_ENV, TestApp, TestDb, cli_env, run_cli};
use serde_json::Value;

fn admin_url() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipping: {PG_ENV} is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            None
        }
    }
}

#[tokio::test]
async fn cli_and_server_share_a_postgres_database() {
    let Some(admin) = admin_url() else { return };
    let db = TestDb::postgres(&admin).await;
    let env = cli_env(&db);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run_cli(
        db.dir.path(),
        &["users", "create", "alice", "--password-stdin"],
        &env,
        "secret-pw\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = TestApp::spawn_on(db, |_| {}).await;
    assert!(app.db.is_postgres());
    let res = app
        .get(&format!(
            "/.well-known/webfinger?resource=acct:alice@{}",
            app.domain()
        ))
        .await;
    assert_eq!(res.status(), 200);
    let actor: Value = app
        .get_accept("/users/alice", "application/activity+json")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .contains("BEGIN PUBLIC KEY")
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_creates_of_one_name_leave_exactly_one_account() {
    let Some(admin) = admin_url() else { return };
    let app = TestApp::spawn_on(TestDb::postgres(&admin).await, |_| {}).await;
    let mut tasks = Vec::new();
    for name in ["carol", "Carol", "CAROL", "carol"] {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move {
            pinhole::domain::accounts::create_local(
                &db,
                pinhole::domain::accounts::NewUser {
                    username: name.into(),
                    password: None,
                    role: Default::default(),
                    locked: false,
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(pinhole::domain::DomainError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(ok, 1);
    let all = pinhole::domain::accounts::list_local(&app.state.db)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn two_processes_share_one_queue_without_double_sending() {
    use common::peer::Peer;
    use std::collections::HashMap;
    let Some(admin) = admin_url() else { return };
    let first = TestApp::spawn_on(TestDb::postgres(&admin).await, |_| {}).await;
    // A second server process on the same database and public URL (as behind one load
    // balancer), with its own delivery worker.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = (*first.state.config).clone();
    config.listen = listener.local_addr().unwrap();
    let second = pinhole::app::App::with_listener(config, listener)
        .await
        .unwrap();
    let second_state = second.state().clone();
    let (stop_second, stopped) = tokio::sync::oneshot::channel::<()>();
    let second_task = tokio::spawn(second.run(async move {
        let _ = stopped.await;
    }));

    first.create_user("bob").await;
    let bob = pinhole::domain::accounts::get_local(&first.state.db, "bob")
        .await
        .unwrap();
    let peer = Peer::spawn().await;
    peer.set_inbox_delay(20);
    const N: usize = 120;
    let deliveries = (0..N)
        .map(|i| pinhole::db::deliveries::NewDelivery {
            inbox_url: format!("{}/inbox", peer.base),
            domain: peer.base.trim_start_matches("http://").to_string(),
            signer_account_id: Some(bob.id),
            body: serde_json::json!({ "id": format!("{}/users/bob#n{i}", first.public), "type": "Note" })
                .to_string(),
            ordering_key: None,
        })
        .collect();
    pinhole::db::deliveries::enqueue(&first.state.db, deliveries, chrono::Utc::now())
        .await
        .unwrap();
    first.state.federation.wake.notify_one();
    second_state.federation.wake.notify_one();
    common::eventually(30, "every delivery arrives", || async {
        peer.received().len() >= N
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for body in peer.received() {
        *seen
            .entry(body["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(seen.len(), N);
    assert!(seen.values().all(|n| *n == 1), "sent twice: {seen:?}");
    let _ = stop_second.send(());
    let _ = second_task.await;
    first.stop().await;
}
