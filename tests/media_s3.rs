//! The S3 storage backend against a real S3-compatible server on loopback (moto). The
//! server comes from `PINHOLE_TEST_MOTO_SERVER` or `target/moto-venv/bin/moto_server`
//! (`.ci/run` installs it); without one the test says why it skips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::TestApp;
use pinhole::{config::StorageKind, domain, domain::media::NewMedia};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PINHOLE_TEST_MOTO_SERVER") {
        return Some(PathBuf::from(p));
    }
    let default: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "target",
        "moto-venv",
        "bin",
        "moto_server",
    ]
    .iter()
    .collect();
    default.is_file().then_some(default)
}

#[tokio::test]
async fn s3_backend_round_trips() {
    let Some(binary) = moto_binary() else {
        eprintln!("skipping S3 test: no moto_server (set PINHOLE_TEST_MOTO_SERVER or run .ci/run)");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _moto = Moto(
        Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = common::client();
    let mut up = false;
    for _ in 0..100 {
        if client
            .put(format!("{endpoint}/pinhole-media"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "moto did not start or refused the bucket");

    let app = TestApp::spawn_with(|c| {
        c.media.storage = StorageKind::S3;
        c.media.s3_bucket = "pinhole-media".into();
        c.media.s3_endpoint = endpoint.clone();
        c.media.s3_access_key_id = "test".into();
        c.media.s3_secret_access_key = pinhole::config::Secret("test".into());
    })
    .await;
    app.create_user("alice").await;
    let owner = domain::accounts::get_local(&app.state.db, "alice")
        .await
        .unwrap();
    let rgb = image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut jpeg = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90),
        rgb.as_raw(),
        300,
        200,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let a = domain::media::upload(
        &app.state.db,
        &app.state.media,
        &owner,
        NewMedia {
            bytes: jpeg.clone(),
            description: None,
            focus: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let key = a.storage_key.clone().unwrap();
    // The object is in the bucket (a second, independent client reads it back)…
    let other = pinhole::media::S3Storage::new(&pinhole::media::S3Settings {
        bucket: "pinhole-media".into(),
        region: "us-east-1".into(),
        endpoint: endpoint.clone(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    })
    .unwrap();
    use pinhole::media::Storage;
    assert_eq!(
        other.get(&format!("{key}/original.jpg")).await.unwrap(),
        Some(jpeg.clone())
    );
    // …and Pinhole serves it from there.
    let res = app.get(&format!("/media/{key}/original.jpg")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        jpeg,
        "upright JPEG kept losslessly"
    );
    // Expired uploads leave the bucket too.
    let removed = domain::media::remove_unattached(
        &app.state.db,
        &app.state.media,
        chrono::Duration::seconds(-1),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        app.get(&format!("/media/{key}/original.jpg"))
            .await
            .status(),
        404
    );
    app.stop().await;
}
