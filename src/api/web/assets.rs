//! The stylesheet and script, compiled into the binary and served under names that carry a
//! hash of their content: a browser may keep them for a year, and a new release changes the
//! name, so nobody ever runs an old script against a new page.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::header,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::api::ApiError;

/// One served file: its hashed name (`pinhole.1a2b3c4d5e6f.css`) and bytes.
pub struct Asset {
    pub name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

fn asset(stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(bytes)[..6]);
    Asset {
        name: format!("{stem}.{hash}.{ext}"),
        content_type,
        bytes,
    }
}

/// The stylesheet every page links.
pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "pinhole",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("assets/pinhole.css"),
    )
});

/// The optional script (the carousel's buttons and keys).
pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "pinhole",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/pinhole.js"),
    )
});

/// The site icon (SVG: one small file for every size).
pub static ICON: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "pinhole",
        "svg",
        "image/svg+xml",
        include_bytes!("assets/pinhole.svg"),
    )
});

/// `GET /assets/FILE`: only the current names exist; anything else is 404, so a stale
/// name is never answered with new content under a year-long cache lifetime.
pub async fn serve(Path(file): Path<String>) -> Result<Response, ApiError> {
    let found = [&*CSS, &*JS, &*ICON].into_iter().find(|a| a.name == file);
    let Some(a) = found else {
        return Err(ApiError::NotFound("Record not found".into()));
    };
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        a.bytes,
    )
        .into_response())
}
