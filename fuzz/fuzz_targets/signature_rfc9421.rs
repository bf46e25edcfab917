//! The RFC 9421 `Signature-Input`/`Signature` parsers and RFC 9530 `Content-Digest`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinhole::federation::signatures::{begin_verify_rfc9421, check_content_digest};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines: Signature-Input, Signature, Content-Digest, then the body.
    let mut parts = text.splitn(4, '\n');
    let input = parts.next().unwrap_or_default().to_string();
    let signature = parts.next().unwrap_or_default().to_string();
    let digest = parts.next().unwrap_or_default().to_string();
    let body = parts.next().unwrap_or_default();
    let headers = vec![
        ("signature-input".to_string(), input),
        ("signature".to_string(), signature),
        ("content-digest".to_string(), digest.clone()),
        ("host".to_string(), "localhost:8080".to_string()),
        (
            "content-type".to_string(),
            "application/activity+json".to_string(),
        ),
    ];
    let Ok(target) = url::Url::parse("http://localhost:8080/users/a/inbox?x=1") else {
        return;
    };
    let _ = begin_verify_rfc9421(
        "POST",
        &target,
        &headers,
        &["@method", "@target-uri", "content-digest"],
    );
    let _ = check_content_digest(Some(&digest), body.as_bytes());
});
