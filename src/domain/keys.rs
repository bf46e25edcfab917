//! RSA key pairs for HTTP signatures: 2048-bit, PEM (SPKI public / PKCS#8 private), which is
//! what Mastodon publishes and expects.

use super::DomainError;

/// A fresh key pair as PEM strings `(public, private)`.
///
/// Generation is CPU-heavy (tens to hundreds of ms), so it runs on the blocking pool.
pub async fn generate() -> Result<(String, String), DomainError> {
    let pair = tokio::task::spawn_blocking(
        activitypub_federation::http_signatures::generate_actor_keypair,
    )
    .await
    .map_err(|e| DomainError::Crypto(e.to_string()))?
    .map_err(|e| DomainError::Crypto(e.to_string()))?;
    Ok((pair.public_key, pair.private_key))
}
