//! Activities as received, and the one enum of those the inbox acts on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{
    lenient::{self, Types, items},
    object::{Addressing, POST_TYPES, PostObject},
};

/// An activity, or any embedded object that is not a post (a Tombstone, an actor stub):
/// the fields Pinhole reads from either.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Activity {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Types,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub actor: Option<String>,
    /// One object or several (a Flag names an account and its posts).
    #[serde(default, deserialize_with = "objects")]
    pub object: Vec<Object>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub published: Option<DateTime<Utc>>,
    /// A Flag's comment (plain text as Mastodon and GoToSocial send it).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub content: Option<String>,
    #[serde(flatten)]
    pub addressing: Addressing,
}

impl Activity {
    /// Reads an activity from a JSON document (without copying it).
    pub fn from_json(value: &Value) -> Result<Activity, serde_json::Error> {
        Activity::deserialize(value)
    }

    /// The (first) object.
    pub fn object(&self) -> Option<&Object> {
        self.object.first()
    }

    /// The id of the (first) object, whether embedded or named.
    pub fn object_id(&self) -> Option<&str> {
        self.object.iter().find_map(Object::id)
    }

    /// The activity embedded as the object (the Follow an Accept answers, the Like an Undo
    /// takes back), when it is embedded rather than named.
    pub fn inner(&self) -> Option<&Activity> {
        match self.object()? {
            Object::Other(inner) => Some(inner),
            _ => None,
        }
    }
}

/// What an activity's `object` holds: a bare id, an embedded post, or anything else
/// embedded (an activity, a Tombstone, an actor).
#[derive(Debug, Clone)]
pub enum Object {
    Id(String),
    Post(Box<PostObject>),
    Other(Box<Activity>),
}

impl Object {
    /// Reads an embedded object or a reference from JSON; `None` for anything else.
    pub fn from_value(value: Value) -> Option<Object> {
        match value {
            Value::String(id) => Some(Object::Id(id)),
            Value::Object(_) if Types::of(&value).any_of(POST_TYPES) => {
                serde_json::from_value(value).ok().map(Object::Post)
            }
            Value::Object(_) => serde_json::from_value(value).ok().map(Object::Other),
            _ => None,
        }
    }

    /// The id, whether embedded or named.
    pub fn id(&self) -> Option<&str> {
        match self {
            Object::Id(id) => Some(id),
            Object::Post(p) => p.id.as_deref(),
            Object::Other(o) => o.id.as_deref(),
        }
    }

    /// The type names of an embedded object (none for a bare id).
    pub fn kind(&self) -> Option<&Types> {
        match self {
            Object::Id(_) => None,
            Object::Post(p) => Some(&p.kind),
            Object::Other(o) => Some(&o.kind),
        }
    }

    /// Who an embedded object is addressed to.
    pub fn addressing(&self) -> Option<&Addressing> {
        match self {
            Object::Id(_) => None,
            Object::Post(p) => Some(&p.addressing),
            Object::Other(o) => Some(&o.addressing),
        }
    }
}

fn objects<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Object>, D::Error> {
    Ok(items(Option::<Value>::deserialize(d)?)
        .into_iter()
        .filter_map(Object::from_value)
        .collect())
}

/// The activities the inbox acts on, one variant per verb; anything else is acknowledged
/// and dropped.
#[derive(Debug, Clone)]
pub enum InboxActivity {
    Follow(Activity),
    Accept(Activity),
    Reject(Activity),
    Undo(Activity),
    Create(Activity),
    Update(Activity),
    Delete(Activity),
    Like(Activity),
    Announce(Activity),
    Block(Activity),
    /// A report from another server.
    Flag(Activity),
    /// A verb Pinhole does not act on (its name).
    Other(String),
}

/// The verbs [`InboxActivity`] has a variant for.
const VERBS: &[&str] = &[
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Like", "Announce",
    "Block", "Flag",
];

impl InboxActivity {
    /// Sorts an activity by its verb.
    pub fn new(activity: Activity) -> InboxActivity {
        let verb = activity.kind.pick(VERBS).unwrap_or_default().to_string();
        match verb.as_str() {
            "Follow" => InboxActivity::Follow(activity),
            "Accept" => InboxActivity::Accept(activity),
            "Reject" => InboxActivity::Reject(activity),
            "Undo" => InboxActivity::Undo(activity),
            "Create" => InboxActivity::Create(activity),
            "Update" => InboxActivity::Update(activity),
            "Delete" => InboxActivity::Delete(activity),
            "Like" => InboxActivity::Like(activity),
            "Announce" => InboxActivity::Announce(activity),
            "Block" => InboxActivity::Block(activity),
            "Flag" => InboxActivity::Flag(activity),
            _ => InboxActivity::Other(verb),
        }
    }

    /// The verb, as a type name.
    pub fn verb(&self) -> &str {
        match self {
            InboxActivity::Follow(_) => "Follow",
            InboxActivity::Accept(_) => "Accept",
            InboxActivity::Reject(_) => "Reject",
            InboxActivity::Undo(_) => "Undo",
            InboxActivity::Create(_) => "Create",
            InboxActivity::Update(_) => "Update",
            InboxActivity::Delete(_) => "Delete",
            InboxActivity::Like(_) => "Like",
            InboxActivity::Announce(_) => "Announce",
            InboxActivity::Block(_) => "Block",
            InboxActivity::Flag(_) => "Flag",
            InboxActivity::Other(verb) => verb,
        }
    }

    /// The activity, for a verb Pinhole acts on.
    pub fn activity(&self) -> Option<&Activity> {
        match self {
            InboxActivity::Follow(a)
            | InboxActivity::Accept(a)
            | InboxActivity::Reject(a)
            | InboxActivity::Undo(a)
            | InboxActivity::Create(a)
            | InboxActivity::Update(a)
            | InboxActivity::Delete(a)
            | InboxActivity::Like(a)
            | InboxActivity::Announce(a)
            | InboxActivity::Block(a)
            | InboxActivity::Flag(a) => Some(a),
            InboxActivity::Other(_) => None,
        }
    }
}

/// The activity as kept for inbox collections: `bto`/`bcc` removed (a sender should have
/// removed them; if it did not, its readers still must not learn who else got it).
pub fn without_hidden_recipients(activity: &Value) -> Value {
    fn strip(value: &mut Value) {
        if let Some(o) = value.as_object_mut() {
            o.remove("bto");
            o.remove("bcc");
        }
    }
    let mut kept = activity.clone();
    strip(&mut kept);
    // The object is read as embedded whether it comes alone or first in a list.
    match kept.get_mut("object") {
        Some(Value::Array(objects)) => objects.iter_mut().for_each(strip),
        Some(object) => strip(object),
        None => {}
    }
    kept
}

/// The object id of an activity kept as JSON text (a recorded delivery).
pub fn object_id_in(document: &str) -> Option<String> {
    let value: Value = serde_json::from_str(document).ok()?;
    Activity::from_json(&value)
        .ok()?
        .object_id()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_recipients_are_removed_however_the_object_comes() {
        let note = serde_json::json!({"type": "Note", "id": "https://a.example/n/1",
            "to": ["https://b.example/u/x"], "bto": ["https://b.example/u/y"],
            "bcc": ["https://b.example/u/z"]});
        for object in [note.clone(), serde_json::json!([note])] {
            let create = serde_json::json!({"type": "Create", "bcc": ["https://b.example/u/w"],
                "object": object});
            let kept = without_hidden_recipients(&create).to_string();
            assert!(!kept.contains("bcc") && !kept.contains("bto"), "{kept}");
            assert!(kept.contains("https://b.example/u/x"), "{kept}");
        }
    }
}
