//! Remote actors: WebFinger, fetching, caching in the database, and key lookup for
//! signature checks.

use crate::{federation::Federation, uris::LocalUri};
use std::time::Duration;

use activitypub_federation::fetch::webfinger::Webfinger;
use serde_json::Value;
use url::Url;

use super::{
    activities::domain_of,
    client::{ACCEPT_AP, FetchError},
    protocol::actor::{Actor, KeyDocument},
    signatures::{FetchRecord, SignatureError, VerifyingKey},
};
use crate::{
    db::{StoreError, accounts::RemoteActor, entities::accounts::Model as Account},
    domain,
};

/// Remote actor copies older than this are refetched when next needed.
pub const ACTOR_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Why a remote actor or key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("invalid actor document from {0}: {1}")]
    Invalid(String, String),
    #[error("handle `{0}` must look like @user@host")]
    BadHandle(String),
    #[error("no ActivityPub actor found for {0}")]
    NotFound(String),
    #[error("the server of {0} offers no page to follow from")]
    NoInteraction(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] domain::DomainError),
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

fn actor_from_value(requested: &Url, value: Value) -> Result<RemoteActor, ResolveError> {
    let shown = requested.to_string();
    let actor: Actor = serde_json::from_value(value)
        .map_err(|e| ResolveError::Invalid(shown.clone(), e.to_string()))?;
    // The document must speak for itself: its id on the host we asked.
    if actor.id.host_str() != requested.host_str() || actor.id.port() != requested.port() {
        return Err(ResolveError::Invalid(shown, "id is on another host".into()));
    }
    if actor.public_key.owner != actor.id {
        return Err(ResolveError::Invalid(
            shown,
            "publicKey.owner is not the actor".into(),
        ));
    }
    let domain = domain_of(actor.id.as_str())
        .ok_or_else(|| ResolveError::Invalid(shown.clone(), "id has no host".into()))?;
    let username = actor.preferred_username.trim().to_string();
    if username.is_empty() || username.len() > 255 {
        return Err(ResolveError::Invalid(shown, "bad preferredUsername".into()));
    }
    let web = |url: Option<Url>| url.and_then(|u| domain::sanitize::web_url(u.as_str()));
    let fields = profile_fields(&actor);
    let summary: String = actor
        .summary
        .unwrap_or_default()
        .chars()
        .take(20_000)
        .collect();
    Ok(RemoteActor {
        uri: actor.id.to_string(),
        username,
        domain,
        display_name: actor.name.unwrap_or_default().chars().take(1000).collect(),
        summary: domain::sanitize::html(domain::sanitize::bounded(
            &summary,
            domain::sanitize::MAX_REMOTE_BIO,
        )),
        fields,
        public_key_pem: actor.public_key.public_key_pem,
        key_id: actor.public_key.id.to_string(),
        inbox_url: actor.inbox.to_string(),
        shared_inbox_url: actor
            .endpoints
            .and_then(|e| e.shared_inbox)
            .map(|u| u.to_string()),
        outbox_url: actor.outbox.map(|u| u.to_string()),
        followers_url: actor.followers.map(|u| u.to_string()),
        following_url: actor.following.map(|u| u.to_string()),
        profile_url: web(actor.url),
        avatar_url: web(actor.icon.and_then(|i| i.url)),
        header_url: web(actor.image.and_then(|i| i.url)),
        actor_type: actor.kind,
        manually_approves_followers: actor.manually_approves_followers.unwrap_or(false),
        discoverable: actor.discoverable.unwrap_or(false),
        indexable: actor.indexable.unwrap_or(false),
        now: chrono::Utc::now(),
    })
}

/// Most profile fields kept from a remote actor (Mastodon allows 4 by default, others more).
const MAX_FIELDS: usize = 16;

/// A remote actor's profile fields (`PropertyValue` attachments): the name as plain text,
/// the value as sanitized HTML (Mastodon sends links with `rel="me"` there).
fn profile_fields(actor: &Actor) -> Vec<(String, String)> {
    actor
        .property_values()
        .into_iter()
        .map(|(name, value)| {
            let name: String = name.chars().take(255).collect();
            let name = domain::sanitize::plain(&name);
            let value: String = value.chars().take(2048).collect();
            (name, domain::sanitize::html(&value))
        })
        .filter(|(name, _)| !name.trim().is_empty())
        .take(MAX_FIELDS)
        .collect()
}

/// Fetches (signed by the instance actor) and stores a remote actor.
pub async fn fetch_actor(fed: &Federation, uri: &Url) -> Result<Account, ResolveError> {
    let remote = fetch_remote_actor(fed, uri).await?;
    let account = domain::accounts::remember_remote(&fed.db, remote).await?;
    Ok(domain::domains::admit(&fed.db, &fed.domains, account).await?)
}

/// Fetches and checks a remote actor without storing it.
async fn fetch_remote_actor(fed: &Federation, uri: &Url) -> Result<RemoteActor, ResolveError> {
    let signer = fed.instance_signer()?;
    let (_, value) = fed.client.get_json(uri, ACCEPT_AP, &signer).await?;
    checked_actor(uri, value)
}

fn checked_actor(uri: &Url, value: Value) -> Result<RemoteActor, ResolveError> {
    let remote = actor_from_value(uri, value)?;
    if remote.uri != uri.as_str() {
        return Err(ResolveError::Invalid(
            uri.to_string(),
            "id differs from the URL fetched".into(),
        ));
    }
    Ok(remote)
}

/// The stored copy of a remote actor, fetched when missing or stale.
pub async fn actor(fed: &Federation, uri: &Url) -> Result<Account, ResolveError> {
    if let Some(local) = local_account_for(fed, uri).await? {
        return Ok(local);
    }
    if let Some(existing) = domain::accounts::find_by_uri(&fed.db, uri.as_str()).await? {
        let fresh = existing.fetched_at.is_some_and(|t| {
            chrono::Utc::now() - t < chrono::Duration::from_std(ACTOR_MAX_AGE).unwrap_or_default()
        });
        if fresh {
            return Ok(existing);
        }
        // A stale copy still works when the origin is down.
        return match fetch_actor(fed, uri).await {
            Ok(a) => Ok(a),
            Err(e) => {
                tracing::warn!(%uri, error = %e, "refreshing actor failed; using stored copy");
                Ok(existing)
            }
        };
    }
    fetch_actor(fed, uri).await
}

/// Our own account when `uri` is one of our actor ids.
pub async fn local_account_for(
    fed: &Federation,
    uri: &Url,
) -> Result<Option<Account>, ResolveError> {
    let Some(LocalUri::Actor(name)) = fed.config.uris().parse(uri.as_str()) else {
        return Ok(None);
    };
    match domain::accounts::get_local(&fed.db, name).await {
        Ok(a) => Ok(Some(a)),
        Err(domain::DomainError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Resolves `@user@host` (or `user@host`, or an actor URL) to an account: local accounts
/// directly, remote ones through WebFinger and an actor fetch.
pub async fn resolve_handle(fed: &Federation, handle: &str) -> Result<Account, ResolveError> {
    let handle = handle.trim();
    if handle.starts_with("https://") || handle.starts_with("http://") {
        let url = Url::parse(handle).map_err(|_| ResolveError::BadHandle(handle.into()))?;
        return actor(fed, &url).await;
    }
    let (user, host) =
        handle_parts(handle).ok_or_else(|| ResolveError::BadHandle(handle.into()))?;
    if host.eq_ignore_ascii_case(&fed.config.domain()) {
        return Ok(domain::accounts::get_local(&fed.db, user).await?);
    }
    if let Some(known) = domain::accounts::find_remote(&fed.db, user, host).await?
        && let Some(uri) = known.uri.as_deref().and_then(|u| Url::parse(u).ok())
    {
        return actor(fed, &uri).await;
    }
    let jrd = webfinger(fed, user, host).await?;
    let self_link = jrd
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("self"))
        .find(|l| {
            l.kind.as_deref().is_some_and(|k| {
                k.starts_with("application/activity+json") || k.starts_with("application/ld+json")
            })
        })
        .and_then(|l| l.href.clone())
        .ok_or_else(|| ResolveError::NotFound(handle.into()))?;
    actor(fed, &self_link).await
}

/// `user@host`'s WebFinger document, fetched from `host`.
async fn webfinger(fed: &Federation, user: &str, host: &str) -> Result<Webfinger, ResolveError> {
    let handle = format!("{user}@{host}");
    let scheme = webfinger_scheme(host, fed.config.allow_private_network());
    let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .map_err(|_| ResolveError::BadHandle(handle.clone()))?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{handle}"));
    let signer = fed.instance_signer()?;
    let (_, value) = fed
        .client
        .get_json(&url, "application/jrd+json, application/json", &signer)
        .await?;
    serde_json::from_value(value).map_err(|e| ResolveError::Invalid(url.to_string(), e.to_string()))
}

/// The WebFinger link a server advertises for "interact with this from your account"
/// (Mastodon's `authorize_interaction`, GoToSocial's and Pixelfed's equivalents).
pub const SUBSCRIBE_REL: &str = "http://ostatus.org/schema/1.0/subscribe";

/// Where the owner of `handle` (`@user@host`) can follow `target` on their own server: the
/// `{uri}` template from their WebFinger document, filled in. Only an http(s) URL is
/// returned, so a hostile server cannot send the browser to a `javascript:` URL.
pub async fn interaction_url(
    fed: &Federation,
    handle: &str,
    target: &str,
) -> Result<String, ResolveError> {
    let (user, host) =
        handle_parts(handle).ok_or_else(|| ResolveError::BadHandle(handle.into()))?;
    let jrd = webfinger(fed, user, host).await?;
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    jrd.links
        .iter()
        .filter(|l| l.rel.as_deref() == Some(SUBSCRIBE_REL))
        .find_map(|l| l.template.as_deref().filter(|t| t.contains("{uri}")))
        .map(|t| t.replace("{uri}", &encoded))
        .and_then(|u| domain::sanitize::web_url(&u))
        .ok_or_else(|| ResolveError::NoInteraction(handle.into()))
}

/// `user` and `host[:port]` of `@user@host`, when both are plain: the user without `/`,
/// `?`, `#` or `\`, the host letters, digits, dots and dashes (and a port), so a handle
/// typed by a visitor cannot steer the WebFinger request to another path.
pub fn handle_parts(handle: &str) -> Option<(&str, &str)> {
    let bare = handle.trim().trim_start_matches('@');
    let (user, host) = bare.split_once('@')?;
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let plain_user = !user.is_empty()
        && user.len() <= 256
        && user
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+'));
    let plain_host = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        && port.chars().all(|c| c.is_ascii_digit())
        && port.len() <= 5;
    (plain_user && plain_host).then_some((user, host))
}

/// WebFinger is https, except for loopback hosts when private networks are allowed (local
/// trials and tests run plain http on `localhost:PORT`).
fn webfinger_scheme(host: &str, allow_private: bool) -> &'static str {
    let name = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let name = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let loopback = name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if allow_private && loopback {
        "http"
    } else {
        "https"
    }
}

/// A key's owner: already stored, or just fetched and not yet trusted.
pub enum KeyOwner {
    Stored(Box<Account>),
    Fetched(Box<RemoteActor>),
}

impl KeyOwner {
    /// The owner's ActivityPub id.
    pub fn uri(&self) -> &str {
        match self {
            KeyOwner::Stored(a) => a.uri.as_deref().unwrap_or_default(),
            KeyOwner::Fetched(r) => &r.uri,
        }
    }
}

/// Stores a key owner once its signature verified (nothing is stored for a request that
/// fails the check) and caches its parsed key.
pub async fn trust(
    fed: &Federation,
    key_id: &str,
    owner: KeyOwner,
    key: VerifyingKey,
) -> Result<Account, ResolveError> {
    let account = match owner {
        KeyOwner::Stored(a) => *a,
        KeyOwner::Fetched(remote) => {
            // The fetched key proved itself: a later rotation may fetch again at once.
            fed.keys.forget_fetch(key_id);
            let account = domain::accounts::remember_remote(&fed.db, *remote).await?;
            domain::domains::admit(&fed.db, &fed.domains, account).await?
        }
    };
    fed.keys
        .remember(key_id, account.uri.as_deref().unwrap_or_default(), key);
    Ok(account)
}

/// The key `key_id` names and its owner. Uses the cache and database unless `refresh`;
/// otherwise fetches the key's document (an actor, or a key stub naming its owner).
pub async fn key_owner(
    fed: &Federation,
    key_id: &str,
    refresh: bool,
) -> Result<(KeyOwner, VerifyingKey), ResolveError> {
    if !refresh {
        if let Some((owner_uri, key)) = fed.keys.verifying(key_id)
            && let Some(owner) = domain::accounts::find_by_uri(&fed.db, &owner_uri).await?
        {
            return Ok((KeyOwner::Stored(Box::new(owner)), key));
        }
        if let Some(owner) = domain::accounts::find_by_key_id(&fed.db, key_id).await? {
            let key = VerifyingKey::from_pem(&owner.public_key_pem)?;
            return Ok((KeyOwner::Stored(Box::new(owner)), key));
        }
    }
    fed.keys.forget(key_id);
    // One fetch per key per interval, however many requests name it at once: forged
    // signatures must not make us hammer (or aim us at) the key's host.
    let slot = fed.keys.fetch_slot(key_id);
    let mut recent = slot.lock().await;
    if let Some(record) = recent.as_ref() {
        let fresh_for = if record.outcome.is_ok() {
            KEY_REFETCH_INTERVAL
        } else {
            KEY_FAILURE_INTERVAL
        };
        if record.at.elapsed() < fresh_for {
            return match &record.outcome {
                Ok((owner, key)) => Ok((KeyOwner::Fetched(Box::new(owner.clone())), key.clone())),
                Err(why) => Err(ResolveError::Invalid(key_id.into(), why.clone())),
            };
        }
    }
    let fetched = fetch_key(fed, key_id).await;
    *recent = Some(FetchRecord {
        at: std::time::Instant::now(),
        outcome: fetched
            .as_ref()
            .map(|(owner, key)| (owner.clone(), key.clone()))
            .map_err(|e| format!("fetched recently without success: {e}")),
    });
    let (owner, key) = fetched?;
    Ok((KeyOwner::Fetched(Box::new(owner)), key))
}

/// How long a fetched key document answers for its key id before it may be fetched again.
pub const KEY_REFETCH_INTERVAL: Duration = Duration::from_secs(300);
/// How long a failed key fetch is remembered (forgeries naming a missing key must not
/// cost a fetch each either).
pub const KEY_FAILURE_INTERVAL: Duration = Duration::from_secs(60);

/// Fetches the document a key id names (an actor, or a key stub naming its owner).
async fn fetch_key(
    fed: &Federation,
    key_id: &str,
) -> Result<(RemoteActor, VerifyingKey), ResolveError> {
    let mut url = Url::parse(key_id)
        .map_err(|_| ResolveError::Invalid(key_id.into(), "keyId is not a URL".into()))?;
    url.set_fragment(None);
    let signer = fed.instance_signer()?;
    let (_, doc) = fed.client.get_json(&url, ACCEPT_AP, &signer).await?;
    let owner = match KeyDocument::of(&doc) {
        KeyDocument::Actor => checked_actor(&url, doc)?,
        KeyDocument::Key { owner } => {
            let owner = owner
                .ok_or_else(|| ResolveError::Invalid(key_id.into(), "key has no owner".into()))?;
            fetch_remote_actor(fed, &owner).await?
        }
    };
    if owner.key_id != key_id {
        return Err(ResolveError::Invalid(
            key_id.into(),
            "the owner does not publish this key".into(),
        ));
    }
    let key = VerifyingKey::from_pem(&owner.public_key_pem)?;
    Ok((owner, key))
}

#[cfg(test)]
mod handle_tests {
    use super::handle_parts;

    #[test]
    fn only_plain_handles_are_taken_apart() {
        assert_eq!(
            handle_parts("@bob@example.org"),
            Some(("bob", "example.org"))
        );
        assert_eq!(
            handle_parts("bob@localhost:8080"),
            Some(("bob", "localhost:8080"))
        );
        for bad in [
            "bob",
            "@bob@",
            "@@example.org",
            "bob@evil.example\\path",
            "bob@evil.example?q",
            "bob@evil.example#x",
            "bob@evil.example/path",
            "bo/b@example.org",
            "bob@a@b",
            "bob@host:80a",
        ] {
            assert_eq!(handle_parts(bad), None, "{bad}");
        }
    }
}
