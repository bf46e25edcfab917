//! Remote HTML, cut down to what Mastodon itself keeps (its "strict" sanitizer): simple
//! formatting, links, and microformat/mention classes. Scripts, styles, event handlers,
//! images and unknown protocols never reach a reader.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
};

use ammonia::Builder;

/// Link protocols Mastodon keeps.
const SCHEMES: &[&str] = &[
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
];

/// Whether Mastodon keeps a class: microformats (`h-`, `p-`, `u-`, `dt-`, `e-`) and the
/// classes its own rendering uses.
fn keep_class(class: &str) -> bool {
    ["h-", "p-", "u-", "dt-", "e-"]
        .iter()
        .any(|p| class.starts_with(p))
        || matches!(class, "mention" | "hashtag" | "ellipsis" | "invisible")
}

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = Builder::empty();
        b.add_tags([
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
        ])
        .add_tag_attributes("a", ["href", "class", "translate"])
        .add_tag_attributes("span", ["class", "translate"])
        .add_tag_attributes("ol", ["start", "reversed"])
        .add_tag_attributes("li", ["value"])
        .add_tag_attributes("abbr", ["title"])
        .url_schemes(SCHEMES.iter().copied().collect::<HashSet<_>>())
        .link_rel(Some("nofollow noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .clean_content_tags(
            ["script", "style", "template", "noscript"]
                .into_iter()
                .collect(),
        )
        .attribute_filter(|_element, attribute, value| {
            if attribute != "class" {
                return Some(Cow::Borrowed(value));
            }
            let kept: Vec<&str> = value.split_whitespace().filter(|c| keep_class(c)).collect();
            if kept.is_empty() {
                None
            } else {
                Some(Cow::Owned(kept.join(" ")))
            }
        });
        b
    })
}

/// Most bytes of HTML kept from another server's post or profile: about 20,000 words, far
/// beyond any photo caption or note, while a delivery of a megabyte of markup would cost
/// the sanitizer (which builds a document tree) tens of megabytes and most of a second.
pub const MAX_REMOTE_HTML: usize = 128 * 1024;

/// Most HTML kept from a remote profile's bio: ten times Mastodon's 500 characters with
/// their markup, and small enough for [`shown_html`] to remember (bios are shown beside
/// every post of their author).
pub const MAX_REMOTE_BIO: usize = 8 * 1024;

/// `input` cut to at most `max` bytes, at a char boundary: at the end of a tag when one
/// ends in the last KiB (the sanitizer then closes what was left open, and drops a tag cut
/// in half). Short input is returned whole.
pub fn bounded(input: &str, max: usize) -> &str {
    if input.len() <= max {
        return input;
    }
    let mut end = max;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let head = &input[..end];
    match head.rfind('>') {
        Some(i) if i > 0 && end - i <= 1024 => &head[..=i],
        _ => head,
    }
}

/// Sanitizes HTML from another server.
pub fn html(input: &str) -> String {
    builder().clean(&blocks_apart(input)).to_string()
}

/// Block elements the sanitizer removes (keeping their text).
const REMOVED_BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "hr",
    "main",
    "nav",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
];

/// Headings as Mastodon shows them (`<p><strong>…</strong></p>`), and a space where a block
/// element the sanitizer removes stood, so `<h1>a</h1><h2>b</h2>` or
/// `<div>a</div><div>b</div>` do not run together as `ab`. Only tag names are rewritten;
/// the sanitizer still decides everything that is kept.
fn blocks_apart(input: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(offset) = input[from..].find('<') {
        let at = from + offset;
        from = at + 1;
        let rest = &input[at + 1..];
        let closing = rest.starts_with('/');
        let name_at = usize::from(closing);
        let name_len = rest[name_at..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - name_at);
        let name = &rest[name_at..name_at + name_len];
        let ends = rest[name_at + name_len..]
            .chars()
            .next()
            .is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
        if name.is_empty() || !ends {
            continue;
        }
        let bytes = name.as_bytes();
        let heading = bytes.len() == 2
            && bytes[0].eq_ignore_ascii_case(&b'h')
            && (b'1'..=b'6').contains(&bytes[1]);
        if heading {
            out.push_str(&input[copied..at]);
            out.push_str(if closing {
                "</strong></p"
            } else {
                "<p><strong"
            });
            copied = at + 1 + name_at + name_len;
        } else if REMOVED_BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            out.push_str(&input[copied..at]);
            out.push(' ');
            copied = at;
        }
    }
    if copied == 0 && out.is_empty() {
        return Cow::Borrowed(input);
    }
    out.push_str(&input[copied..]);
    Cow::Owned(out)
}

/// [`html`] for remote HTML about to be shown again and again (a profile's bio and fields
/// appear beside every post of a timeline page): results are remembered by input, since
/// sanitizing costs more than the rest of an account entity. Bounded; large inputs are
/// not kept.
pub fn shown_html(input: &str) -> String {
    const ENTRIES: usize = 4096;
    // A bio (bounded to MAX_REMOTE_BIO on receipt) grows a little when sanitized again.
    const LARGEST: usize = 2 * MAX_REMOTE_BIO;
    // Inputs and outputs kept, in bytes: a few MB at most.
    const BYTES: usize = 4 << 20;
    /// Sanitized HTML by input, and the bytes both take.
    type Memo = (HashMap<Box<str>, Arc<str>>, usize);
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    if input.len() > LARGEST {
        return html(input);
    }
    let memo = MEMO.get_or_init(Default::default);
    let hit = memo
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .0
        .get(input)
        .cloned();
    if let Some(clean) = hit {
        return clean.to_string();
    }
    let clean = html(input);
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    let (entries, bytes) = &mut *memo;
    if entries.len() >= ENTRIES || *bytes > BYTES {
        entries.clear();
        *bytes = 0;
    }
    *bytes += input.len() + clean.len();
    entries.insert(input.into(), clean.as_str().into());
    clean
}

/// A URL from another server as it may be handed to a client or put in a page: only
/// `http`/`https` with a host (a `javascript:` or `data:` URL would run or show whatever the
/// remote server chose). `None` for anything else.
pub fn web_url(input: &str) -> Option<String> {
    let url = url::Url::parse(input.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| url.to_string())
}

/// HTML reduced to the plain text Pinhole renders from (paragraphs and line breaks kept as
/// newlines): a client's HTML post, or a bio shown again for editing.
pub fn html_to_text(html: &str) -> String {
    plain(
        &html
            .replace("</p><p>", "\n\n")
            .replace("<br>", "\n")
            .replace("<br />", "\n"),
    )
}

/// Plain text for a field that must not carry markup (content warnings, alt text).
pub fn plain(input: &str) -> String {
    ammonia::Builder::empty()
        .clean(input)
        .to_string()
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_removed_blocks_keep_their_text_apart() {
        assert_eq!(
            html("<h1>a</h1><H2 class=\"x\">b</H2>"),
            "<p><strong>a</strong></p><p><strong>b</strong></p>"
        );
        let divs = html("<div>a</div><div>b</div><table><tr><td>c</td><td>d</td></tr></table>");
        let words: Vec<&str> = divs.split_whitespace().collect();
        assert_eq!(words, ["a", "b", "c", "d"], "{divs}");
        // Names that merely start like a heading or a block are left alone.
        assert_eq!(html("<header7>x</header7><h10>y</h10>"), "xy");
        assert_eq!(html("a < b and <3"), "a &lt; b and &lt;3");
        assert_eq!(html("<p>plain</p>"), "<p>plain</p>");
        assert!(!html("<h1 onclick=\"x()\"><script>x()</script>t</h1>").contains("script"));
    }

    #[test]
    fn shown_html_is_html_remembered() {
        let evil =
            "<p onclick=\"x()\">hi <script>alert(1)</script><a href=\"javascript:x\">l</a></p>";
        assert_eq!(shown_html(evil), html(evil));
        assert_eq!(shown_html(evil), html(evil));
        let big = "<b>x</b>".repeat(2000);
        assert_eq!(shown_html(&big), html(&big));
    }

    #[test]
    fn scripts_styles_and_handlers_go() {
        let out = html(
            r#"<p onclick="x()">Hi<script>alert(1)</script><style>p{}</style><img src=x onerror=y></p>"#,
        );
        assert_eq!(out, "<p>Hi</p>");
    }

    #[test]
    fn links_keep_href_and_get_rel() {
        let out =
            html(r#"<a href="https://ex.com/" class="mention u-url evil" onmouseover="x">@a</a>"#);
        assert!(out.contains(r#"href="https://ex.com/""#), "{out}");
        assert!(out.contains(r#"class="mention u-url""#), "{out}");
        assert!(out.contains("nofollow"), "{out}");
        assert!(!out.contains("onmouseover"), "{out}");
        assert!(!out.contains("evil"), "{out}");
    }

    #[test]
    fn javascript_urls_are_dropped() {
        let out = html(r#"<a href="javascript:alert(1)">x</a>"#);
        assert!(!out.contains("javascript"), "{out}");
    }

    #[test]
    fn mastodon_html_survives() {
        let input = r#"<p>Hello <span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> <a href="https://m.example/tags/cats" class="mention hashtag" rel="tag">#<span>cats</span></a></p>"#;
        let out = html(input);
        assert!(
            out.contains(r#"<span class="h-card" translate="no">"#),
            "{out}"
        );
        assert!(out.contains(r#"class="mention hashtag""#), "{out}");
    }

    #[test]
    fn only_web_urls_pass() {
        assert_eq!(
            web_url(" https://ex.com/a?b=1 ").as_deref(),
            Some("https://ex.com/a?b=1")
        );
        assert!(web_url("http://localhost:8080/x").is_some());
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "file:///etc/passwd",
            "ftp://ex.com/",
            "//ex.com/a",
            "/relative",
            "",
        ] {
            assert_eq!(web_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn long_remote_html_is_cut_at_a_tag() {
        let long = "<p>ä photo</p>".repeat(20_000);
        let cut = bounded(&long, MAX_REMOTE_HTML);
        assert!(cut.len() <= MAX_REMOTE_HTML);
        assert!(
            cut.ends_with("</p>"),
            "{:?}",
            cut.chars().rev().take(20).collect::<String>()
        );
        assert_eq!(bounded("<p>short</p>", 10_000), "<p>short</p>");
        // Never a split character, even without any tag.
        let text = "ä".repeat(100);
        assert_eq!(bounded(&text, 7), "ä".repeat(3));
        let shown = html(bounded(&long, 64));
        assert!(shown.starts_with("<p>ä photo</p>") && !shown.contains('\u{fffd}'));
        // One early tag and a megabyte of text: the text is kept up to the bound, not
        // cut back to the tag.
        let text = format!("<p>{}", "word ".repeat(200_000));
        assert!(bounded(&text, MAX_REMOTE_HTML).len() > MAX_REMOTE_HTML - 8);
    }

    #[test]
    fn plain_strips_markup() {
        assert_eq!(plain("<b>cw</b> & <script>x</script>more"), "cw & more");
    }
}
