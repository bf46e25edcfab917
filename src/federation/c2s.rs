//! ActivityPub client-to-server: a client POSTs activities to its own outbox. This first
//! slice handles `Create{Note}` and a bare `Note` (wrapped in Create, as the spec says),
//! through the same domain function as the Mastodon API and the CLI.

use serde_json::Value;

use super::posts::{StateDirectory, id_of, posting};
use crate::{
    db::entities::accounts::Model as Account,
    domain::{
        self, DomainError,
        posts::{NewPost, Visibility},
        sanitize,
    },
    state::AppState,
};

/// Why a submitted activity was refused; each maps to one status code.
#[derive(Debug, thiserror::Error)]
pub enum C2sError {
    #[error("malformed activity: {0}")]
    Malformed(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

const PUBLIC: &[&str] = &[
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

fn audience(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| id_of(Some(i))).collect(),
        Some(other) => id_of(Some(other)).into_iter().collect(),
        None => vec![],
    }
}

/// Applies an activity `owner` sent to their outbox; returns the id of the resulting
/// activity (the `Location` of the 201).
pub async fn submit(state: &AppState, owner: &Account, body: &[u8]) -> Result<String, C2sError> {
    let activity: Value = serde_json::from_slice(body)
        .map_err(|e| C2sError::Malformed(format!("body is not JSON: {e}")))?;
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| C2sError::Malformed("no type".into()))?;
    let me = super::activities::actor_uri(&state.config, owner);
    if let Some(actor) = id_of(activity.get("actor"))
        && actor != me
    {
        return Err(C2sError::Forbidden(format!(
            "the activity's actor {actor} is not the token's user"
        )));
    }
    let (object, envelope) = match kind {
        "Note" => (activity.clone(), &activity),
        "Create" => {
            let object = activity
                .get("object")
                .filter(|o| o.is_object())
                .cloned()
                .ok_or_else(|| C2sError::Malformed("Create needs an embedded object".into()))?;
            (object, &activity)
        }
        other => {
            return Err(C2sError::Unsupported(format!(
                "{other} activities are not supported by this server's outbox yet (Create and Note are)"
            )));
        }
    };
    if object.get("type").and_then(Value::as_str) != Some("Note") {
        return Err(C2sError::Unsupported(
            "only Note objects can be created".into(),
        ));
    }
    if let Some(author) = id_of(object.get("attributedTo"))
        && author != me
    {
        return Err(C2sError::Forbidden(
            "attributedTo is not the token's user".into(),
        ));
    }
    let mut to = audience(envelope.get("to"));
    to.extend(audience(object.get("to")));
    let mut cc = audience(envelope.get("cc"));
    cc.extend(audience(object.get("cc")));
    let followers = format!("{me}/followers");
    let visibility = if to.iter().any(|a| PUBLIC.contains(&a.as_str())) {
        Visibility::Public
    } else if cc.iter().any(|a| PUBLIC.contains(&a.as_str())) {
        Visibility::Unlisted
    } else if to.contains(&followers) || cc.contains(&followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    };
    // Clients send HTML (or `source` in plain text); Pinhole re-renders from text so links,
    // mentions and tags come out as everywhere else.
    let text = object
        .get("source")
        .and_then(|s| s.get("content").or(Some(s)))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            object
                .get("content")
                .and_then(Value::as_str)
                .map(|html| sanitize::plain(&html.replace("</p><p>", "\n\n").replace("<br>", "\n")))
        })
        .unwrap_or_default();
    let summary = object
        .get("summary")
        .and_then(Value::as_str)
        .map(str::to_string);
    let sensitive = object
        .get("sensitive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let in_reply_to_id = match id_of(object.get("inReplyTo")) {
        Some(uri) => crate::db::posts::find_by_uri(&state.db, &uri)
            .await
            .map_err(|e| C2sError::Domain(e.into()))?
            .map(|p| p.id),
        None => None,
    };
    let directory = StateDirectory(state);
    let ctx = posting(state, &directory);
    let view = domain::posts::create(
        &ctx,
        owner,
        NewPost {
            text,
            media_ids: vec![],
            spoiler_text: summary,
            sensitive,
            visibility,
            language: object
                .get("contentMap")
                .and_then(Value::as_object)
                .and_then(|m| m.keys().next().cloned()),
            in_reply_to_id,
        },
    )
    .await?;
    state.federation.wake.notify_one();
    Ok(format!("{}/activity", view.post.uri))
}
