//! The media pipeline as an uploader and a viewer see it: formats, orientation, metadata
//! stripping, sizes, refusals that leave nothing behind, and how files are served.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Cursor;

use axum::response::IntoResponse;
use common::TestApp;
use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Rgb, RgbImage, Rgba,
    RgbaImage,
    codecs::{
        gif::{GifEncoder, Repeat},
        jpeg::JpegEncoder,
        png::PngEncoder,
        webp::WebPEncoder,
    },
};
use pinhole::{
    api::ApiError,
    domain::{
        self, DomainError,
        media::{Attachment, NewMedia},
    },
};

/// A `w`×`h` JPEG whose left half is red and right half blue.
fn halves_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([220, 0, 0])
        } else {
            Rgb([0, 0, 220])
        }
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// An EXIF APP1 segment (little-endian TIFF) with Orientation and a GPS IFD.
fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: 2 entries.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    // Orientation, SHORT, 1.
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&(orientation as u32).to_le_bytes());
    // GPSInfo pointer, LONG, 1 → offset 38.
    tiff.extend_from_slice(&0x8825u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes()); // next IFD
    // GPS IFD at 38: GPSLatitudeRef = "N", GPSLongitudeRef = "E".
    tiff.extend_from_slice(&2u16.to_le_bytes());
    for (tag, v) in [(1u16, b'N'), (3u16, b'E')] {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&2u32.to_le_bytes());
        tiff.extend_from_slice(&[v, 0, 0, 0]);
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(b"GPSMARKER-52.5200N-13.4050E");
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif_app1(orientation));
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn upload(app: &TestApp, bytes: Vec<u8>) -> Result<Attachment, DomainError> {
    let owner = domain::accounts::get_local(&app.state.db, "alice")
        .await
        .unwrap();
    domain::media::upload(
        &app.state.db,
        &app.state.media,
        &owner,
        NewMedia {
            bytes,
            description: Some("a test picture".into()),
            focus: Some((0.5, -0.25)),
            ..Default::default()
        },
    )
    .await
}

async fn fetch(app: &TestApp, a: &Attachment, name: Option<&String>) -> reqwest::Response {
    let path = format!(
        "/media/{}/{}",
        a.storage_key.as_ref().unwrap(),
        name.unwrap()
    );
    app.get(&path).await
}

async fn fetch_bytes(app: &TestApp, a: &Attachment, name: Option<&String>) -> Vec<u8> {
    let res = fetch(app, a, name).await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

fn media_files(app: &TestApp) -> usize {
    let root = app.state.config.data_dir.join("media");
    walk(&root)
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

async fn setup() -> TestApp {
    let app = TestApp::spawn_with(|c| {
        c.media.original_max_edge = 400;
        c.media.display_edge = 200;
        c.media.thumbnail_edge = 64;
    })
    .await;
    app.create_user("alice").await;
    app
}

#[tokio::test]
async fn exif_orientation_is_applied_and_metadata_stripped() {
    let app = setup().await;
    let input = with_exif(&halves_jpeg(600, 300), 6);
    assert!(input.windows(9).any(|w| w == b"GPSMARKER"));
    let a = upload(&app, input).await.unwrap();
    // Orientation 6: rotate 90° clockwise, so 600×300 becomes upright 300×600, scaled to 400.
    assert_eq!((a.width, a.height), (Some(200), Some(400)));
    assert_eq!((a.display_width, a.display_height), (Some(100), Some(200)));
    assert_eq!(
        (a.thumbnail_width, a.thumbnail_height),
        (Some(32), Some(64))
    );
    assert_eq!(a.description, "a test picture");
    assert_eq!((a.focus_x, a.focus_y), (0.5, -0.25));
    assert!(a.blurhash.as_deref().is_some_and(|b| b.len() >= 6));
    for name in [&a.original_name, &a.display_name, &a.thumbnail_name] {
        let bytes = fetch_bytes(&app, &a, name.as_ref()).await;
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif"),
            "EXIF left in {name:?}"
        );
        assert!(
            !bytes.windows(9).any(|w| w == b"GPSMARKER"),
            "GPS left in {name:?}"
        );
        let mut decoder = ImageReader::with_format(Cursor::new(&bytes), ImageFormat::Jpeg)
            .into_decoder()
            .unwrap();
        assert!(decoder.exif_metadata().unwrap().is_none());
        assert!(decoder.icc_profile().unwrap().is_none());
        let img = DynamicImage::from_decoder(decoder).unwrap().to_rgb8();
        // Red (the stored left half) is now on top, blue at the bottom.
        let top = img.get_pixel(img.width() / 2, 2);
        let bottom = img.get_pixel(img.width() / 2, img.height() - 3);
        assert!(top[0] > 150 && top[2] < 80, "top {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 80, "bottom {bottom:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn upright_jpeg_original_is_kept_losslessly_without_metadata() {
    let app = setup().await;
    let plain = halves_jpeg(360, 240);
    let mut input = with_exif(&plain, 1);
    // A comment and trailing bytes after the end of the image go too.
    input.splice(
        2..2,
        [0xFF, 0xFE, 0x00, 0x0B]
            .iter()
            .copied()
            .chain(*b"secret\0\0\0"),
    );
    input.extend_from_slice(b"TRAILING-GPSMARKER");
    let a = upload(&app, input).await.unwrap();
    assert_eq!((a.width, a.height), (Some(360), Some(240)));
    let original = fetch_bytes(&app, &a, a.original_name.as_ref()).await;
    // Same compressed picture as before the metadata was added: not re-encoded.
    assert_eq!(original, plain);
    for name in [&a.display_name, &a.thumbnail_name] {
        let bytes = fetch_bytes(&app, &a, name.as_ref()).await;
        assert!(!bytes.windows(9).any(|w| w == b"GPSMARKER"));
    }
    assert_eq!((a.display_width, a.display_height), (Some(200), Some(133)));
    app.stop().await;
}

/// A minimal ICC v2 display profile with Display P3 primaries (D50-adapted) and gamma 2.2.
fn p3_icc() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        for v in [x, y, z] {
            t.extend_from_slice(&s15(v));
        }
        t
    }
    let curve = {
        let mut t = b"curv\0\0\0\0".to_vec();
        t.extend_from_slice(&1u32.to_be_bytes());
        t.extend_from_slice(&[0x02, 0x33, 0, 0]); // gamma 2.2 (u8Fixed8), padded
        t
    };
    let desc = {
        let mut t = b"desc\0\0\0\0".to_vec();
        let name = b"Test P3\0";
        t.extend_from_slice(&(name.len() as u32).to_be_bytes());
        t.extend_from_slice(name);
        t.extend_from_slice(&[0u8; 4 + 4 + 2 + 1 + 67]);
        t
    };
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let mut offset = 128 + 4 + 12 * tags.len();
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data = Vec::new();
    for (sig, body) in &tags {
        table.extend_from_slice(*sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut padded = body.clone();
        while padded.len() % 4 != 0 {
            padded.push(0);
        }
        offset += padded.len();
        data.extend(padded);
    }
    let total = 128 + table.len() + data.len();
    let mut header = vec![0u8; 128];
    header[0..4].copy_from_slice(&(total as u32).to_be_bytes());
    header[8..12].copy_from_slice(&[0x02, 0x10, 0, 0]);
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    header[68..72].copy_from_slice(&s15(0.9642));
    header[72..76].copy_from_slice(&s15(1.0));
    header[76..80].copy_from_slice(&s15(0.8249));
    [header, table, data].concat()
}

#[tokio::test]
async fn wide_gamut_photos_are_converted_to_srgb() {
    let app = setup().await;
    let img = RgbImage::from_pixel(64, 64, Rgb([30, 200, 60]));
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 95)
        .write_image(img.as_raw(), 64, 64, image::ExtendedColorType::Rgb8)
        .unwrap();
    let icc = p3_icc();
    let mut app2 = vec![0xFF, 0xE2];
    app2.extend_from_slice(&((2 + 14 + icc.len()) as u16).to_be_bytes());
    app2.extend_from_slice(b"ICC_PROFILE\0\x01\x01");
    app2.extend_from_slice(&icc);
    let mut input = jpeg[..2].to_vec();
    input.extend_from_slice(&app2);
    input.extend_from_slice(&jpeg[2..]);
    let a = upload(&app, input).await.unwrap();
    let bytes = fetch_bytes(&app, &a, a.original_name.as_ref()).await;
    assert!(
        !bytes.windows(11).any(|w| w == b"ICC_PROFILE"),
        "profile shipped"
    );
    let out = image::load_from_memory(&bytes).unwrap().to_rgb8();
    let p = out.get_pixel(32, 32);
    // P3 green is more saturated than sRGB can show: red drops, green stays high.
    assert!(p[0] < 10, "not converted: {p:?}");
    assert!(p[1] > 190, "{p:?}");

    // The same colour in a HEIC with the same profile (as iPhones embed Display P3).
    let path: std::path::PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "media",
        "p3-green-64x64.heic",
    ]
    .iter()
    .collect();
    let a = upload(&app, std::fs::read(path).unwrap()).await.unwrap();
    let out = image::load_from_memory(&fetch_bytes(&app, &a, a.original_name.as_ref()).await)
        .unwrap()
        .to_rgb8();
    let p = out.get_pixel(32, 32);
    assert!(p[0] < 12, "HEIC not converted: {p:?}");
    assert!(p[1] > 185, "{p:?}");
    app.stop().await;
}

#[tokio::test]
async fn every_accepted_format_decodes() {
    let app = setup().await;
    // PNG with real transparency stays PNG.
    let rgba = RgbaImage::from_fn(50, 40, |x, _| {
        Rgba([0, 120, 0, if x < 25 { 255 } else { 0 }])
    });
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(rgba.as_raw(), 50, 40, image::ExtendedColorType::Rgba8)
        .unwrap();
    let a = upload(&app, png).await.unwrap();
    assert_eq!(a.content_type, "image/png");
    assert_eq!((a.width, a.height), (Some(50), Some(40)));
    // WebP (lossless) becomes JPEG.
    let rgb = RgbImage::from_pixel(30, 20, Rgb([10, 20, 30]));
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(rgb.as_raw(), 30, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    let a = upload(&app, webp).await.unwrap();
    assert_eq!(
        (a.content_type.as_str(), a.kind.as_str()),
        ("image/jpeg", "image")
    );
    // Animated GIF keeps its frames.
    let mut gif = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut gif);
        enc.set_repeat(Repeat::Infinite).unwrap();
        for c in [[255u8, 0, 0, 255], [0, 0, 255, 255], [0, 255, 0, 255]] {
            let frame = image::Frame::new(RgbaImage::from_pixel(16, 16, Rgba(c)));
            enc.encode_frame(frame).unwrap();
        }
    }
    let a = upload(&app, gif).await.unwrap();
    assert_eq!(
        (a.content_type.as_str(), a.kind.as_str()),
        ("image/gif", "gifv")
    );
    let bytes = fetch_bytes(&app, &a, a.original_name.as_ref()).await;
    let frames = image::AnimationDecoder::into_frames(
        image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).unwrap(),
    )
    .count();
    assert_eq!(frames, 3);
    // A larger animation is scaled down to the original cap (400 px in these tests).
    let mut big = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut big);
        enc.set_repeat(Repeat::Infinite).unwrap();
        for c in [[255u8, 0, 0, 255], [0, 0, 255, 255]] {
            enc.encode_frame(image::Frame::new(RgbaImage::from_pixel(800, 200, Rgba(c))))
                .unwrap();
        }
    }
    let a = upload(&app, big).await.unwrap();
    assert_eq!(
        (a.kind.as_str(), a.width, a.height),
        ("gifv", Some(400), Some(100))
    );
    // HEIC and AVIF (made with libheif's heif-enc) decode through libheif into JPEGs.
    for name in ["media/halves-64x48.heic", "media/halves-64x48.avif"] {
        let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name]
            .iter()
            .collect();
        let a = upload(&app, std::fs::read(path).unwrap()).await.unwrap();
        assert_eq!((a.width, a.height), (Some(64), Some(48)), "{name}");
        assert_eq!(a.content_type, "image/jpeg", "{name}");
        let img = image::load_from_memory(&fetch_bytes(&app, &a, a.original_name.as_ref()).await)
            .unwrap()
            .to_rgb8();
        let (left, right) = (img.get_pixel(8, 24), img.get_pixel(56, 24));
        assert!(left[0] > 150 && left[2] < 80, "{name}: left {left:?}");
        assert!(right[2] > 150 && right[0] < 80, "{name}: right {right:?}");
    }
    // Plain JPEG without EXIF, smaller than every size: one file serves all sizes.
    let a = upload(&app, halves_jpeg(40, 30)).await.unwrap();
    assert_eq!(a.original_name, a.display_name);
    assert_eq!(
        (a.thumbnail_width, a.thumbnail_height),
        (Some(40), Some(30))
    );
    app.stop().await;
}

/// A valid PNG signature and IHDR declaring `w`×`h`, then a tiny IDAT.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        c
    }
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn status_of(e: DomainError) -> u16 {
    ApiError::from(e).into_response().status().as_u16()
}

#[tokio::test]
async fn refusals_have_the_right_status_and_leave_nothing() {
    let app = TestApp::spawn_with(|c| c.media.max_bytes = 200_000).await;
    app.create_user("alice").await;
    let db = &app.state.db;

    let bomb = png_header(50_000, 50_000);
    assert!(bomb.len() < 200);
    let e = upload(&app, bomb).await.unwrap_err();
    assert_eq!(status_of(e), 413);

    let jpeg = halves_jpeg(300, 200);
    let truncated = jpeg[..jpeg.len() / 2].to_vec();
    let e = upload(&app, truncated).await.unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    assert_eq!(status_of(e), 422);

    let mut polyglot = b"<html><script>alert(1)</script>".to_vec();
    polyglot.extend_from_slice(&jpeg);
    let e = upload(&app, polyglot).await.unwrap_err();
    assert_eq!(status_of(e), 422);

    let e = upload(&app, vec![0xFF; 300_000]).await.unwrap_err();
    assert_eq!(status_of(e), 413);

    let mut junk = jpeg.clone();
    for b in junk.iter_mut().skip(200).take(2000) {
        *b = 0x00;
    }
    let e = upload(&app, junk).await.err();
    if let Some(e) = e {
        assert_eq!(status_of(e), 422);
    }

    let owner = domain::accounts::get_local(db, "alice").await.unwrap();
    let long_alt = domain::media::upload(
        db,
        &app.state.media,
        &owner,
        NewMedia {
            bytes: halves_jpeg(20, 20),
            description: Some("x".repeat(1501)),
            focus: None,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(status_of(long_alt), 422);
    let bad_focus = domain::media::upload(
        db,
        &app.state.media,
        &owner,
        NewMedia {
            bytes: halves_jpeg(20, 20),
            description: None,
            focus: Some((1.5, 0.0)),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(status_of(bad_focus), 422);

    // The zeroed JPEG may decode (to a damaged picture); everything else left nothing.
    let rows = pinhole::db::media::count(db).await.unwrap();
    assert!(rows <= 1);
    assert_eq!(media_files(&app), rows as usize * 3);
    app.stop().await;
}

#[tokio::test]
async fn files_are_served_safely_and_unattached_uploads_expire() {
    let app = setup().await;
    let a = upload(&app, halves_jpeg(300, 200)).await.unwrap();
    let res = fetch(&app, &a, a.display_name.as_ref()).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let etag = h["etag"].to_str().unwrap().to_string();
    let res = common::client()
        .get(app.url(&format!(
            "/media/{}/{}",
            a.storage_key.as_ref().unwrap(),
            a.display_name.as_ref().unwrap()
        )))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    for bad in [
        "/media/../../etc/passwd",
        "/media/abc/original.exe",
        "/media/ABC/x.jpg",
        "/media/0000/original.jpg",
    ] {
        assert_eq!(app.get(bad).await.status(), 404, "{bad}");
    }
    // Not attached to a post: removed by the janitor once older than a day.
    let removed = domain::media::remove_unattached(
        &app.state.db,
        &app.state.media,
        chrono::Duration::hours(24),
    )
    .await
    .unwrap();
    assert_eq!(removed, 0, "fresh uploads stay");
    let removed = domain::media::remove_unattached(
        &app.state.db,
        &app.state.media,
        chrono::Duration::seconds(-1),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(media_files(&app), 0);
    assert_eq!(
        fetch(&app, &a, a.original_name.as_ref()).await.status(),
        404
    );
    app.stop().await;
}

/// A GIF whose logical screen is `screen`×`screen` holding `frames` frames of `w`×`h`, each
/// with a token of LZW data (what the frames show does not matter to the budget).
fn gif_with_frames(screen: u16, frames: usize, w: u16, h: u16) -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&screen.to_le_bytes());
    g.extend_from_slice(&screen.to_le_bytes());
    g.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2
    g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    for _ in 0..frames {
        g.push(0x2C);
        g.extend_from_slice(&[0, 0, 0, 0]);
        g.extend_from_slice(&w.to_le_bytes());
        g.extend_from_slice(&h.to_le_bytes());
        g.push(0);
        g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]); // min code size 2, one sub-block
    }
    g.push(0x3B);
    g
}

#[tokio::test]
async fn animation_bombs_are_refused_from_the_container_alone() {
    let app = setup().await;
    // The review's bomb: a 1×1 screen with 150 frames of 3500×3500 (1.8 billion pixels).
    let bomb = gif_with_frames(1, 150, 3500, 3500);
    assert!(bomb.len() < 4000);
    let started = std::time::Instant::now();
    let e = upload(&app, bomb).await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{e}");
    assert_eq!(status_of(e), 413);
    // One oversized frame in a tiny screen is no still image either.
    let e = upload(&app, gif_with_frames(1, 1, 20_000, 20_000))
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert_eq!(status_of(e), 413, "{shown}");
    // Frames beyond the cap, however small.
    let e = upload(&app, gif_with_frames(2, 1500, 2, 2))
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains("frames"), "{shown}");
    assert_eq!(status_of(e), 413, "{shown}");
    assert_eq!(media_files(&app), 0);
    assert_eq!(pinhole::db::media::count(&app.state.db).await.unwrap(), 0);
    app.stop().await;
}

/// Inserts `extra` at the end of the JFIF APP0 segment's payload (fixing its length).
fn stuff_jfif(jpeg: &[u8], extra: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[2..4], &[0xFF, 0xE0], "encoder writes JFIF first");
    let len = u16::from_be_bytes([jpeg[4], jpeg[5]]) as usize;
    let mut out = jpeg[..4].to_vec();
    out.extend_from_slice(&((len + extra.len()) as u16).to_be_bytes());
    out.extend_from_slice(&jpeg[6..4 + len]);
    out.extend_from_slice(extra);
    out.extend_from_slice(&jpeg[4 + len..]);
    out
}

#[tokio::test]
async fn metadata_hidden_inside_jfif_or_after_the_scan_is_not_published() {
    let app = setup().await;
    let plain = halves_jpeg(360, 240);
    // An Exif block (with GPS) after the JFIF header, inside APP0.
    let exif = exif_app1(1);
    let mut input = stuff_jfif(&plain, &exif[4..]);
    // And an APP1 between the scan data and the end of the image.
    let eoi = input.len() - 2;
    input.splice(eoi..eoi, exif.iter().copied());
    let a = upload(&app, input).await.unwrap();
    let original = fetch_bytes(&app, &a, a.original_name.as_ref()).await;
    assert!(!original.windows(9).any(|w| w == b"GPSMARKER"));
    assert!(!original.windows(4).any(|w| w == b"Exif"));
    // Still the photo as encoded, losslessly.
    assert_eq!(original, plain);
    app.stop().await;
}
