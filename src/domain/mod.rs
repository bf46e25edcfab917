//! Use cases and rules. Knows neither HTTP nor ActivityStreams JSON; talks to storage only
//! through `crate::db`.

pub mod accounts;
pub mod audit;
pub mod blocks;
pub mod deliveries;
pub mod domains;
pub mod follows;
pub mod instance;
pub mod invites;
pub mod keys;
pub mod limits;
pub mod media;
pub mod moderation;
pub mod oauth;
pub mod posts;
pub mod publish;
pub mod received;
pub mod registrations;
pub mod reports;
pub mod roles;
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
    /// The thing existed and is gone (a suspended account); the message is safe to show.
    #[error("{0}")]
    Gone(String),
    /// Missing or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Known caller, not allowed (pending approval, disabled, a role without the
    /// permission); the message is safe to show.
    #[error("{0}")]
    Forbidden(String),
    /// A form or sign-up failed field checks: Mastodon's `details`, field by field.
    #[error("{}", FieldError::message(.0))]
    Fields(Vec<FieldError>),
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

/// Why one field of a form was refused, as Mastodon's `details` name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// Mastodon's code: `ERR_BLANK`, `ERR_INVALID`, `ERR_TAKEN`, `ERR_RESERVED`,
    /// `ERR_ACCEPTED`, `ERR_TOO_LONG`, `ERR_TOO_SHORT`, …
    pub code: &'static str,
    pub description: String,
}

impl FieldError {
    /// Builds one.
    pub fn new(field: &'static str, code: &'static str, description: impl Into<String>) -> Self {
        FieldError {
            field,
            code,
            description: description.into(),
        }
    }

    /// "Validation failed: Username is already taken, Email is invalid": Mastodon's
    /// top-level message for failed field checks.
    pub fn message(errors: &[FieldError]) -> String {
        let summary = errors
            .iter()
            .map(|e| {
                let mut name = e.field.replace('_', " ");
                if let Some(first) = name.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                format!("{name} {}", e.description)
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("Validation failed: {summary}")
    }
}

impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> Self {
        DomainError::Store(err)
    }
}
