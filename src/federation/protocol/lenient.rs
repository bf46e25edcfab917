//! Deserializers that accept what real servers send: a single value or an array, `null` for
//! "absent", objects where links are usual, and timestamps that are not quite RFC 3339.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use serde_json::Value;
use url::Url;

/// `T`, `[T, …]` or `null` → the first `T` that parses (`None` when there is none).
pub fn first<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Option::<Value>::deserialize(d)?;
    Ok(match value {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => items
            .into_iter()
            .find_map(|v| serde_json::from_value(v).ok()),
        Some(v) => serde_json::from_value(v).ok(),
    })
}

/// Like [`first`], but the value is required.
pub fn first_required<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    first(d)?.ok_or_else(|| serde::de::Error::custom("expected at least one usable value"))
}

/// A URL given as a string, a `Link` object (`href`), an object with `url`/`id`, or an
/// array of those → the first one that is a URL.
pub fn first_url<'de, D>(d: D) -> Result<Option<Url>, D::Error>
where
    D: Deserializer<'de>,
{
    fn pick(v: &Value) -> Option<Url> {
        match v {
            Value::String(s) => Url::parse(s).ok(),
            Value::Object(map) => ["href", "url", "id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(pick)),
            Value::Array(items) => items.iter().find_map(pick),
            _ => None,
        }
    }
    Ok(Option::<Value>::deserialize(d)?.as_ref().and_then(pick))
}

/// `null` → `None`, a bool → `Some`, anything else → `None` (some servers send strings).
pub fn opt_bool<'de, D>(d: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        _ => None,
    })
}

/// A string, or `null`/non-string → `None`.
pub fn opt_string<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        _ => None,
    })
}

/// Parses a timestamp in RFC 3339 or the close variants seen in the wild
/// (`+0000` offsets, no offset at all); unparseable → `None` rather than rejecting the object.
pub fn opt_datetime<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(opt_string(d)?.as_deref().and_then(parse_datetime))
}

/// See [`opt_datetime`].
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(s, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    None
}

/// The id a value names: a string, an object's `id`, or the first of a list that has one.
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        Value::Array(items) => items.iter().find_map(id_of),
        _ => None,
    }
}

/// A reference (`"https://…"`, `{"id": …}`, a list of those, or `null`) → the first id.
pub fn opt_id<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Value>::deserialize(d)?.as_ref().and_then(id_of))
}

/// One reference or a list of them (addressing fields) → every id. Not capped: who a
/// document addresses decides its visibility, and the body it came in is bounded.
pub fn ids<'de, D>(d: D) -> Result<Vec<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Array(list)) => list.iter().filter_map(id_of).collect(),
        Some(Value::Null) | None => vec![],
        Some(one) => id_of(&one).into_iter().collect(),
    })
}

/// Most entries read from any one list field (`tag`, `to`, `attachment`, …): thousands of
/// them must cost nothing.
pub const MAX_LIST_READ: usize = 200;

/// A field that holds one value or a list: its first [`MAX_LIST_READ`] items, `null` and
/// absent as none.
pub fn items(value: Option<Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items.into_iter().take(MAX_LIST_READ).collect(),
        Some(Value::Null) | None => vec![],
        Some(v) => vec![v],
    }
}

/// A whole number sent as a number (`1024`, `1024.0`) or a string (`"1024"`).
pub fn opt_i32<'de, D>(d: D) -> Result<Option<i32>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64().map(|f| f as i32),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The ActivityStreams namespace, as servers write it in full.
const AS_NAMESPACE: &[&str] = &[
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
    "as:",
];

/// A document's `type` as plain names. Servers send a name, a compacted or full IRI
/// (`as:Note`, `https://www.w3.org/ns/activitystreams#Note`), or a list of those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Types(pub Vec<String>);

impl Types {
    /// From a list, the first name in `known` wins, else the first name.
    pub fn pick(&self, known: &[&str]) -> Option<&str> {
        self.0
            .iter()
            .find(|n| known.contains(&n.as_str()))
            .or(self.0.first())
            .map(String::as_str)
    }

    /// Whether any of the names is `name`.
    pub fn is(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }

    /// Whether any of the names is in `names`.
    pub fn any_of(&self, names: &[&str]) -> bool {
        self.0.iter().any(|n| names.contains(&n.as_str()))
    }

    fn from_value(value: Option<&Value>) -> Self {
        fn plain(name: &str) -> String {
            AS_NAMESPACE
                .iter()
                .find_map(|ns| name.strip_prefix(ns))
                .unwrap_or(name)
                .to_string()
        }
        Types(match value {
            Some(Value::String(name)) => vec![plain(name)],
            Some(Value::Array(list)) => list
                .iter()
                .take(MAX_LIST_READ)
                .filter_map(Value::as_str)
                .map(plain)
                .collect(),
            _ => vec![],
        })
    }

    /// The `type` of an object held as JSON.
    pub fn of(object: &Value) -> Self {
        Types::from_value(object.get("type"))
    }
}

impl<'de> Deserialize<'de> for Types {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Types::from_value(Option::<Value>::deserialize(d)?.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_seen_in_the_wild() {
        let want = "2023-10-30T12:44:35Z";
        for s in [
            "2023-10-30T12:44:35Z",
            "2023-10-30T12:44:35+0000",
            "2023-10-30T12:44:35.000Z",
            "2023-10-30T14:44:35+02:00",
            "2023-10-30T12:44:35",
        ] {
            let parsed = parse_datetime(s).unwrap_or_else(|| panic!("{s} should parse"));
            assert_eq!(parsed.format("%Y-%m-%dT%H:%M:%SZ").to_string(), want, "{s}");
        }
        assert!(parse_datetime("yesterday").is_none());
    }
}
