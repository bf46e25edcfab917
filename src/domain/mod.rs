//! Use cases and rules. Knows neither HTTP nor ActivityStreams JSON; talks to storage only
//! through `crate::db`.

pub mod accounts;
pub mod blocks;
pub mod deliveries;
pub mod follows;
pub mod instance;
pub mod keys;
pub mod media;
pub mod oauth;
pub mod posts;
pub mod publish;
pub mod received;
pub mod sanitize;
pub mod text;
pub mod timelines;
pub mod tokens;
pub mod undo;

use crate::db::StoreError;

/// Why a use case refused or failed. The HTTP layer and the CLI each map it in one place.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input breaks a rule; the message is safe to show to the user.
    #[error("{0}")]
    Invalid(String),
    /// The thing already exists; the message is safe to show.
    #[error("{0}")]
    Conflict(String),
    /// The thing does not exist; the message is safe to show.
    #[error("{0}")]
    NotFound(String),
    /// Missing or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// The input exceeds a size limit; the message is safe to show.
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts (sign-in throttling); the message is safe to show.
    #[error("{0}")]
    TooMany(String),
    #[error("key generation failed: {0}")]
    Crypto(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> Self {
        DomainError::Store(err)
    }
}
