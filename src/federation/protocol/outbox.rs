//! What an ActivityPub client POSTs to its outbox (and the object shell of an upload).
//! Client input is read as strictly as a form: where a server's document would be read
//! leniently, a client is told what is wrong (a focal point that is not two numbers), and
//! a field left out is told apart from a field set to `null` (an edit keeps the one and
//! clears the other).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{
    lenient::{self, Types, items},
    object::Addressing,
};

/// A field a client may leave out, set to `null`, or give.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    /// `null`, or a value of the wrong kind: cleared.
    Null,
    Value(T),
}

/// A focal point as a client gave it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum FocalPoint {
    /// Absent or `null`.
    #[default]
    None,
    Point(f64, f64),
    /// Two items, not both numbers.
    NotNumbers,
    /// Anything but a pair.
    NotAPair,
}

/// An activity, or the object embedded in one (a Note, a Person, the activity an Undo
/// takes back, an attachment): the fields the outbox reads from any of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxDocument {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Types,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub actor: Option<String>,
    #[serde(default, deserialize_with = "outbox_object")]
    pub object: Option<OutboxObject>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub attributed_to: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub in_reply_to: Option<String>,
    /// `source.content` (or `source` as a string): the plain text the client wrote.
    #[serde(default, deserialize_with = "source")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub content: Option<String>,
    /// The first language of `contentMap`.
    #[serde(default, rename = "contentMap", deserialize_with = "first_key")]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch_string")]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "strict_bool")]
    pub sensitive: Option<bool>,
    #[serde(default, deserialize_with = "patch_items")]
    pub attachment: Patch<Vec<OutboxObject>>,
    #[serde(default, deserialize_with = "focal_point")]
    pub focal_point: FocalPoint,
    #[serde(default, deserialize_with = "strict_bool")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, deserialize_with = "strict_bool")]
    pub discoverable: Option<bool>,
    #[serde(flatten)]
    pub addressing: Addressing,
}

impl OutboxDocument {
    /// Reads a client's document; it must be a JSON object.
    pub fn from_json(value: &Value) -> Result<OutboxDocument, String> {
        if !value.is_object() {
            return Err("must be a JSON object".into());
        }
        OutboxDocument::deserialize(value).map_err(|e| e.to_string())
    }

    /// The type's first name (`None` when there is none).
    pub fn kind(&self) -> Option<&str> {
        self.kind.0.first().map(String::as_str)
    }

    /// Alt text: `name`, else `summary`.
    pub fn alt_text(&self) -> Option<String> {
        self.name.clone().or(match &self.summary {
            Patch::Value(s) => Some(s.clone()),
            _ => None,
        })
    }

    /// The embedded object, when it is embedded.
    pub fn embedded(&self) -> Option<&OutboxDocument> {
        match self.object.as_ref()? {
            OutboxObject::Embedded(doc) => Some(doc),
            OutboxObject::Id(_) => None,
        }
    }

    /// The id of the object, embedded or named.
    pub fn object_id(&self) -> Option<&str> {
        self.object.as_ref().and_then(OutboxObject::id)
    }
}

/// An `object` (or attachment): a bare id, or embedded.
#[derive(Debug, Clone)]
pub enum OutboxObject {
    Id(String),
    Embedded(Box<OutboxDocument>),
}

impl OutboxObject {
    /// The id, whether embedded or named.
    pub fn id(&self) -> Option<&str> {
        match self {
            OutboxObject::Id(id) => Some(id),
            OutboxObject::Embedded(doc) => doc.id.as_deref(),
        }
    }

    fn from_value(value: Value) -> Option<OutboxObject> {
        match value {
            Value::String(id) => Some(OutboxObject::Id(id)),
            Value::Object(_) => OutboxDocument::deserialize(&value)
                .ok()
                .map(|d| OutboxObject::Embedded(Box::new(d))),
            Value::Array(list) => list.into_iter().find_map(OutboxObject::from_value),
            _ => None,
        }
    }
}

fn outbox_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OutboxObject>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(OutboxObject::from_value))
}

fn source<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(map)) => map
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    })
}

fn first_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(map)) => map.keys().next().cloned(),
        _ => None,
    })
}

fn strict_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| v.as_bool()))
}

fn patch_string<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Patch::Value(s),
        _ => Patch::Null,
    })
}

fn patch_items<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<Vec<OutboxObject>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Patch::Null,
        Some(v) => Patch::Value(
            items(Some(v))
                .into_iter()
                .map(|item| match OutboxObject::from_value(item) {
                    Some(o) => o,
                    // Named by nothing usable: kept, so the outbox can say so.
                    None => OutboxObject::Embedded(Box::default()),
                })
                .collect(),
        ),
    })
}

fn focal_point<'de, D: Deserializer<'de>>(d: D) -> Result<FocalPoint, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => FocalPoint::None,
        Some(Value::Array(xy)) if xy.len() == 2 => match (xy[0].as_f64(), xy[1].as_f64()) {
            (Some(x), Some(y)) => FocalPoint::Point(x, y),
            _ => FocalPoint::NotNumbers,
        },
        Some(_) => FocalPoint::NotAPair,
    })
}
