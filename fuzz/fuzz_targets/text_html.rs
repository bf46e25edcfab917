//! The post text renderer (mentions, hashtags, links) and the remote HTML sanitizer.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use pinhole::domain::{sanitize, text};

/// The only elements the sanitizer may let through (Mastodon's allow-list).
const ALLOWED: &[&str] = &[
    "p",
    "br",
    "span",
    "a",
    "abbr",
    "del",
    "s",
    "pre",
    "blockquote",
    "code",
    "b",
    "strong",
    "u",
    "i",
    "em",
    "ul",
    "ol",
    "li",
    "sub",
    "sup",
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let clean = sanitize::html(input);
    // Every tag left is on the allow-list (text `<` comes out as `&lt;`), and a link inside
    // a tag keeps a web-ish scheme (the same words in text are harmless).
    for (i, _) in clean.match_indices('<') {
        let rest = &clean[i + 1..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ALLOWED.contains(&name.as_str()),
            "tag {name:?} in {clean:?}"
        );
        for (j, _) in tag.match_indices(" href=\"") {
            let url = tag[j + 7..].trim_start().to_ascii_lowercase();
            for bad in ["javascript:", "data:", "vbscript:", "file:"] {
                assert!(!url.starts_with(bad), "{clean:?}");
            }
        }
    }
    // Sanitizing reaches a fixed point (attribute order may change once).
    let again = sanitize::html(&clean);
    assert_eq!(sanitize::html(&again), again);
    let _ = sanitize::plain(input);
    let _ = sanitize::web_url(input);
    let _ = text::extract(input);
    let _ = text::render(input, &HashMap::new(), "https://pinhole.example");
});
