//! Post objects (Note, Article, Page, Question, Image, Video, Audio, Event) as servers send
//! them: every field optional and read leniently, so one odd field never loses a post.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient::{self, Types, id_of, items};

/// Object types stored as posts.
pub const POST_TYPES: &[&str] = &[
    "Note", "Article", "Page", "Question", "Image", "Video", "Audio", "Event",
];

/// The ways servers write the public collection.
pub const PUBLIC_FORMS: &[&str] = &[
    "https://www.w3.org/ns/activitystreams#Public",
    "http://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// Whether an addressee is the public collection, in any of its spellings.
pub fn is_public(addressee: &str) -> bool {
    PUBLIC_FORMS.contains(&addressee)
}

/// Who an object or activity is addressed to.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Addressing {
    #[serde(default, deserialize_with = "lenient::ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "lenient::ids")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "lenient::ids")]
    pub bto: Vec<String>,
    #[serde(default, deserialize_with = "lenient::ids")]
    pub bcc: Vec<String>,
    #[serde(default, deserialize_with = "lenient::ids")]
    pub audience: Vec<String>,
}

impl Addressing {
    /// Every addressee, in field order.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bto)
            .chain(&self.bcc)
            .chain(&self.audience)
    }
}

/// A post object as received.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostObject {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Types,
    /// The author: a string, an object, or a list in which the Person comes first (as
    /// PeerTube sends, channel second).
    #[serde(default, deserialize_with = "author")]
    pub attributed_to: Option<String>,
    #[serde(flatten)]
    pub addressing: Addressing,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub content: Option<String>,
    /// `contentMap` in document order: language → content (`None` for a non-string value).
    #[serde(default, deserialize_with = "string_map")]
    pub content_map: Vec<(String, Option<String>)>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sensitive: Option<bool>,
    #[serde(default, deserialize_with = "links")]
    pub url: Vec<Link>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub media_type: Option<String>,
    /// Lemmy names the language in an object (`{"identifier": "en"}`).
    #[serde(default, deserialize_with = "language")]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub in_reply_to: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "attachments")]
    pub attachment: Vec<Attachment>,
    #[serde(default, deserialize_with = "tags")]
    pub tag: Vec<Tag>,
}

impl PostObject {
    /// The object's type as a post type, when it is one.
    pub fn post_type(&self) -> Option<&str> {
        self.kind.pick(POST_TYPES)
    }

    /// The content: `content`, else the first string in `contentMap`.
    pub fn content(&self) -> Option<&str> {
        self.content
            .as_deref()
            .or_else(|| self.content_map.iter().find_map(|(_, c)| c.as_deref()))
    }

    /// The language: Lemmy's `language`, else the first key of `contentMap`.
    pub fn language(&self) -> Option<&str> {
        self.language
            .as_deref()
            .or_else(|| self.content_map.first().map(|(l, _)| l.as_str()))
    }

    /// The HTML page of the post: of the links given (PeerTube lists every format), the
    /// `text/html` one, else the first.
    pub fn page_url(&self) -> Option<&str> {
        self.url
            .iter()
            .find(|l| l.media_type.as_deref() == Some("text/html"))
            .and_then(Link::target)
            .or_else(|| self.url.iter().find_map(Link::target))
    }

    /// The id the `url` field names (a string or a Link object's `id`).
    pub fn url_id(&self) -> Option<&str> {
        self.url.iter().find_map(|l| l.id.as_deref())
    }
}

/// A link: a bare URL string, or a Link object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    pub href: Option<String>,
    pub id: Option<String>,
    pub media_type: Option<String>,
}

impl Link {
    /// Where the link points: its `href`, else its `id`.
    pub fn target(&self) -> Option<&str> {
        self.href.as_deref().or(self.id.as_deref())
    }

    fn from_value(value: &Value) -> Option<Link> {
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        match value {
            Value::String(s) => Some(Link {
                href: Some(s.clone()),
                id: Some(s.clone()),
                media_type: None,
            }),
            Value::Object(_) => Some(Link {
                href: text("href"),
                id: text("id"),
                media_type: text("mediaType"),
            }),
            _ => None,
        }
    }
}

/// A media attachment (or a bare URL given as one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attachment {
    pub url: String,
    /// The attachment's type when it names a media type (`Image`, `Document`, …).
    pub kind: Option<String>,
    /// `mediaType`, of the attachment or of the Link its `url` holds.
    pub media_type: Option<String>,
    /// The alt text: `name`, else `summary`.
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub focal_point: Option<(f64, f64)>,
}

impl Attachment {
    fn from_value(value: &Value) -> Option<Attachment> {
        if let Value::String(url) = value {
            return Some(Attachment {
                url: url.clone(),
                ..Default::default()
            });
        }
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        let number = |k: &str| {
            value
                .get(k)
                .cloned()
                .and_then(|v| lenient::opt_i32(v).ok().flatten())
        };
        // `url` may be a string, a Link object, or a list of Links (PeerTube).
        let (url, link_type) = match value.get("url") {
            Some(Value::String(s)) => (s.clone(), None),
            Some(other) => {
                let link = items(Some(other.clone()))
                    .iter()
                    .filter_map(Link::from_value)
                    .find(|l| l.href.is_some())?;
                (link.href?, link.media_type)
            }
            None => (text("href")?, None),
        };
        let focal_point = value
            .get("focalPoint")
            .and_then(Value::as_array)
            .and_then(|p| Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?)));
        Some(Attachment {
            url,
            kind: Types::of(value)
                .pick(&["Image", "Video", "Audio", "Document", "Link"])
                .map(str::to_string),
            media_type: text("mediaType").or(link_type),
            description: text("name").or_else(|| text("summary")),
            blurhash: text("blurhash"),
            width: number("width"),
            height: number("height"),
            focal_point,
        })
    }
}

/// A `tag` entry: a hashtag, a mention, or something else (emoji, …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tag {
    pub kind: Types,
    pub name: Option<String>,
    pub href: Option<String>,
}

impl Tag {
    /// What the entry is: its type, or for an untyped one what its name says (`#beach` is a
    /// hashtag, `@bob@host` with an `href` a mention).
    pub fn kind(&self) -> Option<&str> {
        if let Some(kind) = self.kind.pick(&["Hashtag", "Mention"]) {
            return Some(kind);
        }
        let name = self.name.as_deref()?;
        if name.starts_with('#') {
            Some("Hashtag")
        } else if name.starts_with('@') && self.href.is_some() {
            Some("Mention")
        } else {
            None
        }
    }
}

fn author<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Array(list)) => list
            .iter()
            .find(|v| Types::of(v).is("Person"))
            .or_else(|| list.first())
            .and_then(id_of),
        Some(other) => id_of(&other),
        None => None,
    })
}

fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Option<String>)>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_string)))
            .collect(),
        _ => vec![],
    })
}

fn links<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Link>, D::Error> {
    Ok(items(Option::<Value>::deserialize(d)?)
        .iter()
        .filter_map(Link::from_value)
        .collect())
}

fn language<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .as_ref()
        .and_then(|l| l.get("identifier"))
        .and_then(Value::as_str)
        .map(str::to_string))
}

fn attachments<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Attachment>, D::Error> {
    Ok(items(Option::<Value>::deserialize(d)?)
        .iter()
        .filter_map(Attachment::from_value)
        .collect())
}

fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Tag>, D::Error> {
    Ok(items(Option::<Value>::deserialize(d)?)
        .iter()
        .filter(|t| t.is_object())
        .map(|t| Tag {
            kind: Types::of(t),
            name: t.get("name").and_then(Value::as_str).map(str::to_string),
            href: t.get("href").and_then(Value::as_str).map(str::to_string),
        })
        .collect())
}
