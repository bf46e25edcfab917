//! Post text: plain text in, HTML out, the way Mastodon renders it, so Mastodon apps and
//! servers show Pinhole posts exactly like their own: paragraphs and line breaks, URLs
//! linked (scheme hidden, long ones shortened with an ellipsis), `#tags` linked to the tag
//! page, `@user` / `@user@host` linked to the account once resolved.

use std::collections::HashMap;

/// A mention as written: `user` and, for remote accounts, `host`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle {
    pub user: String,
    pub host: Option<String>,
}

impl Handle {
    /// `user` or `user@host`, lower-cased: the key used to look resolved mentions up.
    pub fn key(&self) -> String {
        match &self.host {
            Some(h) => format!("{}@{}", self.user, h).to_lowercase(),
            None => self.user.to_lowercase(),
        }
    }
}

/// Where a resolved mention links to.
#[derive(Debug, Clone)]
pub struct MentionTarget {
    /// The account's profile URL (`url` of the actor).
    pub url: String,
    /// Its username, shown after the `@`.
    pub username: String,
}

/// What the text refers to, before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub mentions: Vec<Handle>,
    /// Hashtags without `#`, in first-seen order, deduplicated case-insensitively.
    pub hashtags: Vec<String>,
}

enum Token<'a> {
    Text(&'a str),
    Url(&'a str),
    Tag(&'a str),
    Mention { raw: &'a str, handle: Handle },
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

/// Splits one line into text, URLs, hashtags and mentions.
fn tokenize(line: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let bytes = line.as_bytes();
    while i < line.len() {
        let rest = &line[i..];
        // A token only starts at the beginning of the line or after a non-word character.
        let boundary = line[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '/' || c == '@'));
        let mut matched: Option<(usize, Token<'_>)> = None;
        if boundary && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let mut end = rest
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
                .unwrap_or(rest.len());
            // Trailing punctuation belongs to the sentence, not the URL.
            while end > 0 && rest[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
                end -= 1;
            }
            let scheme_len = if rest.starts_with("https://") { 8 } else { 7 };
            if end > scheme_len {
                matched = Some((end, Token::Url(&rest[..end])));
            }
        } else if boundary && bytes[i] == b'#' {
            let end = 1 + rest[1..]
                .find(|c: char| !is_tag_char(c))
                .unwrap_or(rest.len() - 1);
            let tag = &rest[1..end];
            // Mastodon: a tag needs a letter (`#1` is not a tag).
            if !tag.is_empty() && tag.chars().any(|c| !c.is_ascii_digit()) {
                matched = Some((end, Token::Tag(tag)));
            }
        } else if boundary && bytes[i] == b'@' {
            let user_end = 1 + rest[1..]
                .find(|c: char| !is_user_char(c))
                .unwrap_or(rest.len() - 1);
            let user = rest[1..user_end].trim_end_matches(['.', '-']);
            let mut end = 1 + user.len();
            let mut host = None;
            if !user.is_empty() && rest[end..].starts_with('@') {
                let host_part = &rest[end + 1..];
                let host_len = host_part
                    .find(|c: char| {
                        !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
                    })
                    .unwrap_or(host_part.len());
                let h = host_part[..host_len].trim_end_matches(['.', '-', ':']);
                if h.contains('.') || h.starts_with("localhost") {
                    host = Some(h.to_string());
                    end += 1 + h.len();
                }
            }
            if !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
            {
                matched = Some((
                    end,
                    Token::Mention {
                        raw: &rest[..end],
                        handle: Handle {
                            user: user.to_string(),
                            host,
                        },
                    },
                ));
            }
        }
        match matched {
            Some((len, token)) => {
                if text_start < i {
                    tokens.push(Token::Text(&line[text_start..i]));
                }
                tokens.push(token);
                i += len;
                text_start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < line.len() {
        tokens.push(Token::Text(&line[text_start..]));
    }
    tokens
}

/// Finds the mentions and hashtags in `text`.
pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    for line in text.lines() {
        for token in tokenize(line) {
            match token {
                Token::Mention { handle, .. }
                    if !out.mentions.iter().any(|m| m.key() == handle.key()) =>
                {
                    out.mentions.push(handle);
                }
                Token::Tag(tag)
                    if !out
                        .hashtags
                        .iter()
                        .any(|t| t.to_lowercase() == tag.to_lowercase()) =>
                {
                    out.hashtags.push(tag.to_string());
                }
                _ => {}
            }
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values (the one escaper: the
/// renderer here and the server's own pages use it).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Mastodon shows at most 30 characters of a URL without its scheme.
const URL_VISIBLE: usize = 30;

fn render_url(url: &str) -> String {
    let (scheme, rest) = url.split_at(if url.starts_with("https://") { 8 } else { 7 });
    let rest_chars: Vec<char> = rest.chars().collect();
    let (visible, hidden, class) = if rest_chars.len() > URL_VISIBLE {
        (
            rest_chars[..URL_VISIBLE].iter().collect::<String>(),
            rest_chars[URL_VISIBLE..].iter().collect::<String>(),
            "ellipsis",
        )
    } else {
        (rest.to_string(), String::new(), "")
    };
    format!(
        "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\"><span class=\"invisible\">{}</span><span class=\"{class}\">{}</span><span class=\"invisible\">{}</span></a>",
        escape(url),
        escape(scheme),
        escape(&visible),
        escape(&hidden)
    )
}

/// Renders `text` as HTML. `mentions` maps [`Handle::key`] to resolved accounts; a mention
/// that did not resolve stays plain text. `base_url` is this server's public URL (tag
/// pages live under it).
pub fn render(text: &str, mentions: &HashMap<String, MentionTarget>, base_url: &str) -> String {
    let mut html = String::new();
    let normalized = text.replace("\r\n", "\n");
    for paragraph in normalized.split("\n\n").map(|p| p.trim_matches('\n')) {
        if paragraph.trim().is_empty() {
            continue;
        }
        html.push_str("<p>");
        for (n, line) in paragraph.split('\n').enumerate() {
            if n > 0 {
                html.push_str("<br />");
            }
            for token in tokenize(line) {
                match token {
                    Token::Text(t) => html.push_str(&escape(t)),
                    Token::Url(u) => html.push_str(&render_url(u)),
                    Token::Tag(tag) => html.push_str(&format!(
                        "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                        escape(&crate::uris::Local::new(base_url).tag(tag)),
                        escape(tag)
                    )),
                    Token::Mention { raw, handle } => match mentions.get(&handle.key()) {
                        Some(target) => html.push_str(&format!(
                            "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                            escape(&target.url),
                            escape(&target.username)
                        )),
                        None => html.push_str(&escape(raw)),
                    },
                }
            }
        }
        html.push_str("</p>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://photos.example";

    fn none() -> HashMap<String, MentionTarget> {
        HashMap::new()
    }

    #[test]
    fn paragraphs_line_breaks_and_escaping() {
        assert_eq!(
            render(
                "Hello <world> & \"you\"\nsecond line\n\nnew paragraph",
                &none(),
                BASE
            ),
            "<p>Hello &lt;world&gt; &amp; &quot;you&quot;<br />second line</p><p>new paragraph</p>"
        );
        assert_eq!(render("  \n\n ", &none(), BASE), "");
    }

    #[test]
    fn urls_as_mastodon_links_them() {
        assert_eq!(
            render("see https://example.org/a.", &none(), BASE),
            "<p>see <a href=\"https://example.org/a\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\"><span class=\"invisible\">https://</span><span class=\"\">example.org/a</span><span class=\"invisible\"></span></a>.</p>"
        );
        let long = render(
            "https://example.org/a/very/long/path/that/keeps/going",
            &none(),
            BASE,
        );
        assert!(long.contains("<span class=\"ellipsis\">example.org/a/very/long/path/t</span><span class=\"invisible\">hat/keeps/going</span>"), "{long}");
        // Not a URL: no host.
        assert_eq!(render("https://", &none(), BASE), "<p>https://</p>");
    }

    #[test]
    fn hashtags() {
        let text = "Sunset #Photo #photo #2024 #café_noir mid#word";
        assert_eq!(extract(text).hashtags, vec!["Photo", "café_noir"]);
        let html = render("a #Photo", &none(), BASE);
        assert_eq!(
            html,
            "<p>a <a href=\"https://photos.example/tags/photo\" class=\"mention hashtag\" rel=\"tag\">#<span>Photo</span></a></p>"
        );
    }

    #[test]
    fn mentions_resolve_or_stay_text() {
        let text =
            "hi @alice and @Bob@mastodon.social, mail me@example.org. @ghost@nowhere.example";
        let found = extract(text);
        assert_eq!(
            found.mentions,
            vec![
                Handle {
                    user: "alice".into(),
                    host: None
                },
                Handle {
                    user: "Bob".into(),
                    host: Some("mastodon.social".into())
                },
                Handle {
                    user: "ghost".into(),
                    host: Some("nowhere.example".into())
                },
            ]
        );
        let mut resolved = HashMap::new();
        resolved.insert(
            "bob@mastodon.social".to_string(),
            MentionTarget {
                url: "https://mastodon.social/@Bob".into(),
                username: "Bob".into(),
            },
        );
        let html = render(text, &resolved, BASE);
        assert!(html.contains("<span class=\"h-card\" translate=\"no\"><a href=\"https://mastodon.social/@Bob\" class=\"u-url mention\">@<span>Bob</span></a></span>,"), "{html}");
        assert!(html.contains("hi @alice and"), "{html}");
        assert!(html.contains("mail me@example.org."), "{html}");
        assert!(html.contains("@ghost@nowhere.example</p>"), "{html}");
    }

    #[test]
    fn local_handles_with_ports() {
        let found = extract("@carol@localhost:8080 hello");
        assert_eq!(found.mentions[0].host.as_deref(), Some("localhost:8080"));
    }
}
