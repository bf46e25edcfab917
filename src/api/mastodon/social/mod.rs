//! Accounts and the social graph, one room each: `accounts` (`/api/v1/accounts/:id…`,
//! lookup, account search, who liked or boosted a post), `relationships` (follows, blocks,
//! follow requests), `search` (`/api/v2/search`), `notifications` (single ones), `startup`
//! (what apps call at start-up). This file holds the account helpers they share.

mod accounts;
mod notifications;
mod relationships;
mod search;
mod startup;

pub use accounts::*;
pub use notifications::*;
pub use relationships::*;
pub use search::*;
pub use startup::*;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::Value;

use super::{
    auth::{Authenticated, MaybeAuthenticated},
    entities::{Empty, ErrorBody, MastodonAccount, account},
    params::Params,
    params::parse_id,
    statuses_entities::{Notification, notification, status_value},
};
use crate::{
    api::ApiError,
    db::entities::accounts::Model as Account,
    domain::{self, follows::Side, posts::interactions},
    federation::resolve,
    state::AppState,
};

async fn find(state: &AppState, id: &str) -> Result<Account, ApiError> {
    Ok(domain::accounts::get(&state.db, parse_id(id)?).await?)
}

/// An `Account` with its counts.
pub async fn full_account(state: &AppState, a: &Account) -> Result<MastodonAccount, ApiError> {
    let mut e = account(&state.config, a);
    e.followers_count = domain::follows::count(&state.db, a, Side::Followers).await?;
    e.following_count = domain::follows::count(&state.db, a, Side::Following).await?;
    e.statuses_count = domain::accounts::statuses_count(&state.db, a).await?;
    Ok(e)
}
