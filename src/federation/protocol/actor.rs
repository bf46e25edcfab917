//! Actors (Person, Application, Service, Group, Organization).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::lenient;

/// An actor document. Serializes in Mastodon's shape; deserializes whatever real servers
/// send (see `tests/fixtures/`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    /// FEP-2c59: the actor's WebFinger address. Mastodon prefers it over rebuilding one from
    /// the id's host, which drops non-default ports.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub webfinger: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub summary: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub outbox: Option<Url>,
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub followers: Option<Url>,
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub following: Option<Url>,
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub featured: Option<Url>,
    #[serde(
        default,
        deserialize_with = "lenient::first",
        skip_serializing_if = "Option::is_none"
    )]
    pub endpoints: Option<Endpoints>,
    #[serde(deserialize_with = "lenient::first_required")]
    pub public_key: PublicKey,
    #[serde(
        default,
        deserialize_with = "lenient::first",
        skip_serializing_if = "Option::is_none"
    )]
    pub icon: Option<Image>,
    #[serde(
        default,
        deserialize_with = "lenient::first",
        skip_serializing_if = "Option::is_none"
    )]
    pub image: Option<Image>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub manually_approves_followers: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub discoverable: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub indexable: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub published: Option<DateTime<Utc>>,
    /// Profile fields (`PropertyValue`s) and whatever else a server attaches; read as-is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Value>,
}

/// Where to deliver to every actor of a server at once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(
        default,
        deserialize_with = "lenient::first_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_inbox: Option<Url>,
    /// Where an ActivityPub client gets a token (C2S discovery).
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub oauth_authorization_endpoint: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub oauth_token_endpoint: Option<Url>,
    /// Where an ActivityPub client uploads media (multipart `file` + `object`).
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub upload_media: Option<Url>,
}

/// The key other servers verify our HTTP signatures with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: Url,
    #[serde(deserialize_with = "lenient::first_required")]
    pub owner: Url,
    pub public_key_pem: String,
}

/// An avatar or header image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type", default = "image_type")]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub media_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::first_url")]
    pub url: Option<Url>,
}

fn image_type() -> String {
    "Image".into()
}

/// A profile field as Mastodon publishes it among an actor's attachments (the value is
/// HTML: links in it carry `rel="me"` for verification).
#[derive(Debug, Clone, Serialize)]
pub struct PropertyValue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    value: &'a str,
}

impl<'a> PropertyValue<'a> {
    /// A field with its display name and HTML value.
    pub fn new(name: &'a str, value: &'a str) -> Self {
        Self {
            kind: "PropertyValue",
            name,
            value,
        }
    }
}

impl Actor {
    /// The profile fields among the attachments (`PropertyValue`s with a text name and
    /// value), as sent.
    pub fn property_values(&self) -> Vec<(&str, &str)> {
        let items: Vec<&Value> = match &self.attachment {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => vec![],
        };
        items
            .into_iter()
            .filter(|f| f.get("type").and_then(Value::as_str) == Some("PropertyValue"))
            .filter_map(|f| Some((f.get("name")?.as_str()?, f.get("value")?.as_str()?)))
            .collect()
    }
}

/// What a key id names, once fetched.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyDocument {
    /// The actor document itself (Mastodon's `…#main-key`).
    Actor,
    /// A key document or stub (GoToSocial's `…/main-key`) naming its owner, if it does.
    Key { owner: Option<Url> },
}

impl KeyDocument {
    /// Tells an actor (it has an inbox) from a key document, and reads the latter's owner.
    pub fn of(document: &Value) -> KeyDocument {
        if document.get("inbox").is_some() {
            return KeyDocument::Actor;
        }
        let owner = document
            .get("owner")
            .or_else(|| document.get("publicKey").and_then(|k| k.get("owner")))
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok());
        KeyDocument::Key { owner }
    }
}
