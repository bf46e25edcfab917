//! Test harness: real servers on free loopback ports, each with a fresh database.
//!
//! Without `PINHOLE_TEST_DATABASE_URL` every test gets a temporary SQLite file. With it
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`) every test gets a fresh PostgreSQL
//! database created through that URL and dropped afterwards, so tests stay parallel.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod peer;
pub mod scene;

use std::{net::SocketAddr, path::PathBuf, process::Output, time::Duration};

use pinhole::{
    app::App,
    config::Config,
    db::entities::accounts::Model as Account,
    domain::{self, accounts::NewUser},
    state::AppState,
};
use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// The environment variable that switches the suite to PostgreSQL.
pub const PG_ENV: &str = "PINHOLE_TEST_DATABASE_URL";

/// A fresh, empty database for one test, removed when dropped.
pub struct TestDb {
    /// What Pinhole should be given as `database_url`.
    pub url: String,
    /// Scratch directory (the SQLite file lives here; also usable as `data_dir`).
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// SQLite unless `PINHOLE_TEST_DATABASE_URL` is set.
    pub async fn new() -> TestDb {
        match std::env::var(PG_ENV).ok().filter(|v| !v.is_empty()) {
            Some(admin) => Self::postgres(&admin).await,
            None => Self::sqlite(),
        }
    }

    /// A temporary SQLite file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("test.sqlite").display()
        );
        TestDb {
            url,
            dir,
            postgres: None,
        }
    }

    /// A new database on the server `admin_url` points at.
    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("pinhole_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url} is not reachable: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let mut url = url::Url::parse(admin_url).expect("valid PostgreSQL URL");
        url.set_path(&format!("/{name}"));
        TestDb {
            url: url.to_string(),
            dir: tempfile::tempdir().expect("tempdir"),
            postgres: Some((admin_url.to_string(), name)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; use a separate thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Default configuration pointed at `db`, public at `http://localhost:PORT`.
pub fn test_config(db: &TestDb, addr: SocketAddr) -> Config {
    let mut config = Config::defaults().expect("defaults");
    config.public_url = url::Url::parse(&format!("http://localhost:{}", addr.port())).unwrap();
    config.listen = addr;
    config.database_url = db.url.clone();
    config.data_dir = db.dir.path().join("data");
    config.server.shutdown_grace_seconds = 2;
    // Tests call the API far more often than a person; tests/community.rs and
    // tests/rate_limits.rs turn the limits on where they are what is tested.
    config.limits.api = 0;
    config.limits.media_uploads = 0;
    config.limits.deletions = 0;
    config.limits.inbox_per_domain = 0;
    config
}

/// A running Pinhole instance.
pub struct TestApp {
    /// Where to send requests (IP literal, so no name resolution).
    pub addr: SocketAddr,
    /// The instance's public URL without trailing slash, `http://localhost:PORT`.
    pub public: String,
    pub state: AppState,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server after letting the test adjust its configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await;
        Self::spawn_on(db, adjust).await
    }

    /// Starts a server on an existing database.
    pub async fn spawn_on(db: TestDb, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = test_config(&db, addr);
        adjust(&mut config);
        let app = App::with_listener(config, listener)
            .await
            .expect("app starts");
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run(async move {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        TestApp {
            addr,
            public: state.config.base_url().to_string(),
            state,
            db,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The handle domain, `localhost:PORT`.
    pub fn domain(&self) -> String {
        self.state.config.domain()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        client().get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_accept(&self, path: &str, accept: &str) -> reqwest::Response {
        client()
            .get(self.url(path))
            .header("accept", accept)
            .send()
            .await
            .expect("request")
    }

    /// Creates a local account through the domain layer (as `pinhole users create` does).
    pub async fn create_user(&self, name: &str) -> Account {
        domain::accounts::create_local(
            &self.state.db,
            NewUser {
                username: name.into(),
                password: Some("secret-pw".into()),
                role: Default::default(),
                locked: false,
            },
        )
        .await
        .expect("create user")
    }

    /// Stops the server gracefully and starts it again on the same port and database.
    pub async fn restart(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        let config = (*self.state.config).clone();
        let listener = TcpListener::bind(self.addr).await.expect("rebind");
        let app = App::with_listener(config, listener)
            .await
            .expect("app restarts");
        self.state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(async move {
            app.run(async move {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        }));
        self.shutdown = Some(tx);
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// An HTTP client that never follows redirects (tests look at them).
pub fn client() -> reqwest::Client {
    pinhole::federation::client::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// One Mastodon API request as an app makes it (`token` empty: none), with an optional
/// JSON body: the status and the JSON answer (`null` when there is none).
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = client().request(method, app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A local account given `role` by the operator, and a token of it with the admin scopes.
pub async fn staff(app: &TestApp, name: &str, role: pinhole::domain::roles::Role) -> String {
    let account = app.create_user(name).await;
    domain::registrations::set_role(
        &app.state.db,
        domain::audit::Moderator::Operator,
        &account,
        role,
    )
    .await
    .unwrap();
    domain::tokens::create(&app.state.db, name, "read write admin:read admin:write")
        .await
        .unwrap()
}

/// Runs the `pinhole` binary with a clean `PINHOLE_*` environment plus `env`, in `cwd`,
/// feeding `stdin`.
pub fn run_cli(cwd: &std::path::Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pinhole"));
    cmd.args(args).current_dir(cwd);
    for (key, _) in std::env::vars() {
        if key.starts_with("PINHOLE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pinhole");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("pinhole runs")
}

/// The `PINHOLE_*` variables that point the binary at `db`.
pub fn cli_env(db: &TestDb) -> Vec<(&'static str, String)> {
    vec![
        ("PINHOLE_DATABASE_URL", db.url.clone()),
        (
            "PINHOLE_DATA_DIR",
            db.dir.path().join("data").display().to_string(),
        ),
    ]
}

/// A path inside the repository's `tests/fixtures`.
pub fn fixture(path: &str) -> String {
    let full: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", path]
        .iter()
        .collect();
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Polls `check` until it returns true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TestApp {
    /// `@name@localhost:PORT`.
    pub fn handle(&self, name: &str) -> String {
        format!("@{name}@{}", self.domain())
    }

    /// Makes local `name` follow `handle` the way `pinhole follow` does.
    pub async fn follow(&self, name: &str, handle: &str) -> pinhole::domain::follows::FollowState {
        let me = domain::accounts::get_local(&self.state.db, name)
            .await
            .unwrap();
        let target = pinhole::federation::resolve::resolve_handle(&self.state.federation, handle)
            .await
            .unwrap();
        let (_, state) = domain::follows::follow(
            &self.state.db,
            &self.state.federation.publisher,
            &me,
            &target,
        )
        .await
        .unwrap();
        self.state.federation.wake.notify_one();
        state
    }

    /// The `orderedItems` of page 1 of a local actor's collection.
    pub async fn collection_items(&self, name: &str, which: &str) -> (u64, Vec<String>) {
        let res = self
            .get_accept(
                &format!("/users/{name}/{which}?page=1"),
                "application/activity+json",
            )
            .await;
        assert_eq!(res.status(), 200);
        let page: serde_json::Value = res.json().await.unwrap();
        let items = page["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        (page["totalItems"].as_u64().unwrap(), items)
    }
}

/// A `w`×`h` JPEG of one colour.
pub fn solid_jpeg(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    use image::{ImageEncoder, codecs::jpeg::JpegEncoder};
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A plain-text post with Mastodon's defaults.
pub fn note(
    text: &str,
    visibility: pinhole::domain::posts::Visibility,
) -> pinhole::domain::posts::NewPost {
    pinhole::domain::posts::NewPost {
        text: text.into(),
        media_ids: vec![],
        spoiler_text: None,
        sensitive: false,
        visibility,
        language: Some("en".into()),
        in_reply_to_id: None,
        addressed: vec![],
        silent: vec![],
        media_changes: vec![],
    }
}

impl TestApp {
    /// Publishes as local `name` through the same domain function the CLI uses; `images`
    /// are `(bytes, alt)`.
    pub async fn post(
        &self,
        name: &str,
        new: pinhole::domain::posts::NewPost,
        images: Vec<(Vec<u8>, &str)>,
    ) -> pinhole::domain::posts::PostView {
        let author = domain::accounts::get_local(&self.state.db, name)
            .await
            .unwrap();
        let directory = pinhole::federation::posts::StateDirectory(&self.state.federation);
        let ctx = pinhole::federation::posts::posting(&self.state.federation, &directory);
        let images = images
            .into_iter()
            .map(|(bytes, alt)| domain::media::NewMedia {
                bytes,
                description: Some(alt.to_string()),
                focus: Some((0.25, -0.5)),
                ..Default::default()
            })
            .collect();
        let view = domain::posts::create_with_uploads(&ctx, &author, new, images)
            .await
            .unwrap();
        self.state.federation.wake.notify_one();
        view
    }

    /// Runs `f` with this instance's posting context.
    pub async fn local(&self, name: &str) -> Account {
        domain::accounts::get_local(&self.state.db, name)
            .await
            .unwrap()
    }

    /// A GET signed by this instance's actor (as a fetching server would send it):
    /// `(status, body)`.
    pub async fn signed_get(&self, url: &str) -> Result<serde_json::Value, String> {
        let signer = self.state.federation.instance_signer().unwrap();
        self.state
            .federation
            .client
            .get_json(
                &url::Url::parse(url).unwrap(),
                pinhole::federation::client::ACCEPT_AP,
                &signer,
            )
            .await
            .map(|(_, v)| v)
            .map_err(|e| e.to_string())
    }

    /// The stored copy of a post by its ActivityPub id.
    pub async fn post_by_uri(&self, uri: &str) -> Option<pinhole::domain::posts::PostView> {
        let post = pinhole::db::posts::find_by_uri(&self.state.db, uri)
            .await
            .unwrap()?;
        Some(
            domain::posts::load_view(&self.state.db, post)
                .await
                .unwrap(),
        )
    }

    /// Kinds of `name`'s notifications, oldest first.
    pub async fn notification_kinds(&self, name: &str) -> Vec<String> {
        let me = self.local(name).await;
        let mut kinds: Vec<String> = domain::timelines::notifications(
            &self.state.db,
            &me,
            &[],
            pinhole::db::posts::Page::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
        kinds.reverse();
        kinds
    }
}

impl TestApp {
    /// A signed POST of a Like by local `name` straight to `to`'s shared inbox, as this
    /// server's delivery would send it: `Err` carries the answer's status.
    pub async fn like_to(&self, name: &str, to: &TestApp) -> Result<(), String> {
        let account = self.local(name).await;
        let signer = self.state.federation.signer_for(&account).unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let body = serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/likes/{nanos}", self.public),
            "type": "Like",
            "actor": format!("{}/users/{name}", self.public),
            "object": format!("{}/users/nobody/statuses/1", to.public),
        });
        let inbox = url::Url::parse(&format!("{}/inbox", to.public)).unwrap();
        self.state
            .federation
            .client
            .post_activity(&inbox, &body.to_string(), &signer)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
