//! What the two sign-up doors (the web form and `POST /api/v1/accounts`) share: the rules
//! from the configuration, and the per-address attempt limit.

use crate::{
    api::ApiError, config::Config, domain::registrations::Policy, net::client_unit, state::AppState,
};

/// The sign-up rules in force.
pub fn policy(config: &Config) -> Policy<'_> {
    Policy {
        mode: config.instance.registrations,
        reserved: &config.instance.reserved_usernames,
    }
}

/// Counts a sign-up attempt (or an invite code tried) from `client` against
/// `limits.sign_ups`; 429 with Mastodon's rate-limit headers past it.
pub fn count_attempt(state: &AppState, client: std::net::IpAddr) -> Result<(), ApiError> {
    state
        .limits
        .sign_ups
        .hit(&client_unit(client).to_string())
        .map(drop)
        .map_err(ApiError::RateLimited)
}
