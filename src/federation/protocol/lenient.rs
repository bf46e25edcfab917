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
