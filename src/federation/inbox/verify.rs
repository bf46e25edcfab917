//! Who sent a request: the `Host` it was addressed to, its HTTP signature (draft-cavage
//! or RFC 9421) and body digest, and the signer's key, refetched once when it rotated.

use crate::federation::Federation;
use http::HeaderMap;
use url::Url;

use super::InboxError;
use crate::{
    db::entities::accounts::Model as Account,
    federation::{
        resolve,
        signatures::{self, SignatureError},
    },
};

/// Checks the request before its body is read as JSON: addressed to this server, a
/// signature header that parses, and a body digest that matches.
pub(super) fn begin(
    fed: &Federation,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<signatures::PendingSignature, InboxError> {
    let header_list = header_list(headers);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    addressed_here(&fed.config, header("host"))?;
    if headers.contains_key("signature-input") {
        // RFC 9421: the signature covers the full target URI, rebuilt from our public
        // scheme and the Host the request was sent to.
        let host = header("host").unwrap_or_default();
        let target = Url::parse(&format!(
            "{}://{host}{path_and_query}",
            fed.config.public_url.scheme()
        ))
        .map_err(|_| InboxError::Malformed("bad Host header".into()))?;
        let pending = signatures::begin_verify_rfc9421(
            "POST",
            &target,
            &header_list,
            &["@method", "@target-uri", "content-digest"],
        )?;
        signatures::check_content_digest(header("content-digest"), body)?;
        Ok(pending)
    } else {
        let pending = signatures::begin_verify(
            "POST",
            path_and_query,
            &header_list,
            &["host", "date", "digest"],
        )?;
        signatures::check_digest(header("digest"), body)?;
        Ok(pending)
    }
}

/// The request's headers as name/value pairs (values that are not text left out).
fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// Refuses a request whose `Host` is not this server: a delivery signed for another server
/// (whose signature covers that `Host`) must not be replayable to us.
fn addressed_here(config: &crate::config::Config, host: Option<&str>) -> Result<(), InboxError> {
    let host = host.unwrap_or_default().trim().to_ascii_lowercase();
    let default_port = match config.public_url.scheme() {
        "https" => ":443",
        _ => ":80",
    };
    let bare = host.strip_suffix(default_port).unwrap_or(&host);
    if bare == config.domain().to_ascii_lowercase() {
        Ok(())
    } else {
        let shown: String = host.chars().take(100).collect();
        Err(SignatureError::WrongHost(if shown.is_empty() {
            "no host".into()
        } else {
            shown
        })
        .into())
    }
}

/// The signer's key, checked against the signature: cached first; one refetch if the cached
/// key does not verify (the actor rotated its key) — only for a signature that could be
/// real, and at most once per [`resolve::KEY_REFETCH_INTERVAL`] per key.
pub(super) async fn verified_key(
    fed: &Federation,
    pending: &signatures::PendingSignature,
) -> Result<(resolve::KeyOwner, signatures::VerifyingKey), InboxError> {
    let (owner, key) = resolve::key_owner(fed, &pending.key_id, false)
        .await
        .map_err(InboxError::Key)?;
    if pending.verify(&key).is_ok() {
        return Ok((owner, key));
    }
    if matches!(owner, resolve::KeyOwner::Fetched(_)) || !pending.is_plausible() {
        // Just fetched (nothing newer to get), or not a signature at all.
        return Err(SignatureError::Invalid.into());
    }
    let (owner, key) = resolve::key_owner(fed, &pending.key_id, true)
        .await
        .map_err(InboxError::Key)?;
    pending.verify(&key)?;
    Ok((owner, key))
}

/// Who signed a GET (an authorized fetch): `None` for an unsigned request; an error when a
/// signature is present but does not verify, so a forged request learns nothing.
pub async fn signed_reader(
    fed: &Federation,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Option<Account>, InboxError> {
    if !headers.contains_key("signature") && !headers.contains_key("authorization") {
        return Ok(None);
    }
    let header_list = header_list(headers);
    let pending = match signatures::begin_verify("GET", path_and_query, &header_list, &["host"]) {
        Ok(p) => p,
        // A bearer token in Authorization is not a signature; treat as anonymous here.
        Err(SignatureError::Missing) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    addressed_here(
        &fed.config,
        headers.get("host").and_then(|v| v.to_str().ok()),
    )?;
    let (owner, key) = verified_key(fed, &pending).await?;
    let account = resolve::trust(fed, &pending.key_id, owner, key)
        .await
        .map_err(InboxError::Key)?;
    // A suspended reader, or one whose server is refused, reads as no one.
    let refused = account
        .domain
        .as_deref()
        .is_some_and(|d| fed.domains.refuses(d));
    if account.suspended_at.is_some() || refused {
        return Ok(None);
    }
    Ok(Some(account))
}
