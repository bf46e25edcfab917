//! The draft-cavage `Signature` header and `Digest` parsers, as an inbox meets them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinhole::federation::signatures::{begin_verify, check_digest};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // First line: the Signature header; second: Digest; the rest: the body.
    let mut parts = text.splitn(3, '\n');
    let signature = parts.next().unwrap_or_default().to_string();
    let digest = parts.next().unwrap_or_default().to_string();
    let body = parts.next().unwrap_or_default();
    let date = httpdate_now();
    let headers = vec![
        ("host".to_string(), "localhost:8080".to_string()),
        ("date".to_string(), date),
        ("digest".to_string(), digest.clone()),
        (
            "content-type".to_string(),
            "application/activity+json".to_string(),
        ),
        ("signature".to_string(), signature.clone()),
        (
            "authorization".to_string(),
            format!("Signature {signature}"),
        ),
    ];
    let _ = begin_verify("POST", "/inbox", &headers, &["host", "date", "digest"]);
    let _ = begin_verify("GET", "/users/a?page=true", &headers[..2], &["host"]);
    let _ = check_digest(Some(&digest), body.as_bytes());
});

fn httpdate_now() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
