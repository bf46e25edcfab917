//! Request parameters the way Mastodon apps send them: a JSON body, a form body, or the
//! query string, with Rails-style arrays (`media_ids[]=1&media_ids[]=2`).

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, header::CONTENT_TYPE, header::LINK},
};
use serde_json::Value;

use crate::{api::ApiError, db::posts::Page, state::AppState};

/// Every parameter by name (`[]` stripped), each with all its values.
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, Vec<String>>);

impl Params {
    fn add(&mut self, key: &str, value: String) {
        let key = key.trim_end_matches("[]").to_string();
        self.0.entry(key).or_default().push(value);
    }

    /// From a query string or form body.
    pub fn from_form(input: &[u8]) -> Params {
        let mut p = Params::default();
        for (k, v) in url::form_urlencoded::parse(input) {
            p.add(&k, v.into_owned());
        }
        p
    }

    fn from_json(value: Value) -> Result<Params, ApiError> {
        let Value::Object(map) = value else {
            return Err(ApiError::BadRequest(
                "the body must be a JSON object".into(),
            ));
        };
        let mut p = Params::default();
        for (k, v) in map {
            match v {
                Value::Array(items) => {
                    // An empty list still means "given, and empty" (e.g. no media).
                    p.0.entry(k.trim_end_matches("[]").to_string()).or_default();
                    for item in items {
                        if let Some(s) = scalar(item) {
                            p.add(&k, s);
                        }
                    }
                }
                Value::Object(inner) => {
                    // `{"poll": {"options": …}}`-style nesting, flattened as `poll[options]`.
                    for (ik, iv) in inner {
                        if let Some(s) = scalar(iv) {
                            p.add(&format!("{k}[{ik}]"), s);
                        }
                    }
                }
                other => {
                    if let Some(s) = scalar(other) {
                        p.add(&k, s);
                    }
                }
            }
        }
        Ok(p)
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.first()).map(String::as_str)
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> &[String] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }

    /// A boolean as Rails reads one (`true`, `1`, `on`…).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "1" | "on" | "yes" | "t"
            )
        })
    }

    /// A numeric id; 422 when present but not a number.
    pub fn id(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::Unprocessable(format!("{key} must be an id"))),
        }
    }
}

/// A Mastodon id in a path; anything that is not one is simply not found, as on Mastodon.
pub fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::NotFound("Record not found".into()))
}

fn scalar(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl FromRequest<AppState> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let query = req.uri().query().map(|q| Params::from_form(q.as_bytes()));
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"));
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let mut params = if body.is_empty() {
            Params::default()
        } else if is_json {
            let value: Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
            Params::from_json(value)?
        } else {
            Params::from_form(&body)
        };
        // Query parameters fill in what the body did not give.
        if let Some(q) = query {
            for (k, v) in q.0 {
                params.0.entry(k).or_insert(v);
            }
        }
        Ok(params)
    }
}

/// The cursor page a request asks for (`max_id`, `since_id`, `min_id`, `limit`).
pub fn page(params: &Params) -> Result<Page, ApiError> {
    Ok(Page {
        max_id: params.id("max_id")?,
        since_id: params.id("since_id")?,
        min_id: params.id("min_id")?,
        limit: params
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(20),
    })
}

/// Mastodon's `Link` header: `next` pages older items, `prev` newer ones.
pub fn link_header(
    state: &AppState,
    path: &str,
    first: Option<i64>,
    last: Option<i64>,
) -> HeaderMap {
    link_header_keeping(state, path, &Params::default(), first, last)
}

/// [`link_header`] for a filtered list: the links keep the request's filters and `limit`
/// (every parameter but the cursor), so the next page is of the same list.
pub fn link_header_keeping(
    state: &AppState,
    path: &str,
    params: &Params,
    first: Option<i64>,
    last: Option<i64>,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let (Some(first), Some(last)) = (first, last) {
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        let mut keys: Vec<&String> = params.0.keys().collect();
        keys.sort();
        for key in keys {
            if ["max_id", "min_id", "since_id"].contains(&key.as_str()) {
                continue;
            }
            let values = &params.0[key];
            let name = if values.len() > 1 {
                format!("{key}[]")
            } else {
                key.clone()
            };
            for v in values {
                kept.append_pair(&name, v);
            }
        }
        let kept = kept.finish();
        let sep = if kept.is_empty() { "" } else { "&" };
        let base = state.config.uris().route(path);
        let value = format!(
            "<{base}?{kept}{sep}max_id={last}>; rel=\"next\", <{base}?{kept}{sep}min_id={first}>; rel=\"prev\""
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(LINK, v);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rails_arrays_and_json() {
        let p = Params::from_form(b"status=hi+there&media_ids[]=1&media_ids[]=2&sensitive=true");
        assert_eq!(p.get("status"), Some("hi there"));
        assert_eq!(p.all("media_ids"), ["1", "2"]);
        assert!(p.flag("sensitive"));
        let p = Params::from_json(
            serde_json::json!({"status": "x", "media_ids": [3, "4"], "sensitive": false}),
        )
        .unwrap_or_default();
        assert_eq!(p.all("media_ids"), ["3", "4"]);
        assert!(!p.flag("sensitive"));
        assert!(
            Params::from_form(b"in_reply_to_id=abc")
                .id("in_reply_to_id")
                .is_err()
        );
    }
}
