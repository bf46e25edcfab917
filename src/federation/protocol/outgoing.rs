//! What Pinhole sends and serves: activities and their objects as typed documents, in the
//! shape Mastodon sends them (fields Mastodon writes as `null` stay `null`; optional ones
//! are left out).

use serde::Serialize;
use serde_json::Value;

/// An activity, with its object of type `O` (a Note, a Person, another activity, an id).
#[derive(Debug, Clone, Serialize)]
pub struct Outgoing<O> {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc: Option<Vec<String>>,
    /// A Flag's comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    pub object: O,
}

impl<O: Serialize> Outgoing<O> {
    /// An activity with no context, date or addressing (add them with the setters).
    pub fn new(kind: &'static str, id: String, actor: String, object: O) -> Self {
        Outgoing {
            context: None,
            id,
            kind,
            actor,
            published: None,
            to: None,
            cc: None,
            content: None,
            object,
        }
    }

    /// With a `content` (a Flag's comment).
    pub fn with_content(mut self, content: String) -> Self {
        self.content = Some(content);
        self
    }

    /// With `@context`, as a top-level document needs.
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// Addressed `to` (and `cc`).
    pub fn addressed(mut self, to: Vec<String>, cc: Option<Vec<String>>) -> Self {
        self.to = Some(to);
        self.cc = cc;
        self
    }

    /// Dated.
    pub fn published(mut self, at: String) -> Self {
        self.published = Some(at);
        self
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A post, as Mastodon writes a status.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub summary: Option<String>,
    pub in_reply_to: Option<String>,
    pub published: String,
    pub url: String,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub sensitive: bool,
    pub atom_uri: String,
    pub content: String,
    /// The content under its language, when the post has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_map: Option<std::collections::BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    pub attachment: Vec<Document>,
    pub tag: Vec<NoteTag>,
}

/// A media attachment (no id, as Mastodon gives attachments none) — or, served on its own
/// as an upload's object, with `@context`, id and author.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub media_type: String,
    pub url: Option<String>,
    /// Alt text (`null` when there is none).
    pub name: Option<String>,
    pub blurhash: Option<String>,
    pub focal_point: [f64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<String>,
}

/// A `Mention` or `Hashtag` in a Note's `tag`.
#[derive(Debug, Clone, Serialize)]
pub struct NoteTag {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub href: String,
    pub name: String,
}

/// What a deleted post leaves.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub atom_uri: String,
}

/// An `OrderedCollection` (`first`/`last` set, no items) or one of its pages (`partOf`,
/// `orderedItems`, `next`/`prev`), as Pinhole serves every collection.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection<I> {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    pub total_items: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<I>>,
}
