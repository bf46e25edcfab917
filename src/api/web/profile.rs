//! `/@NAME` (a local account: photo grid, notes, feed; the actor for ActivityPub clients) and
//! `/@NAME@HOST` (another server's account as we know it, with a follow button).

use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use maud::html;

use super::{
    FEED_PAGE, GRID_PAGE, NOTES_PAGE, PageQuery, Visitor, describe, feed,
    layout::{Head, Image, document},
    parts::{self, ProfileCounts, display_name, handle},
    query, signed_in, tabbed,
};
use crate::{
    api::{ApiError, activitypub::ActivityJson, mastodon::entities, wants_activity_json},
    db::{entities::accounts::Model as Account, follows::Side, posts::Page},
    domain::{self, timelines, timelines::AccountFilter},
    federation::{
        lookup::{Wanted, lookup},
        objects::actor::{local_actor_urls, person},
    },
    state::AppState,
};

/// `GET /@NAME`, `/@NAME.atom`, `/@NAME@HOST`.
pub async fn profile(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(handle_path): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(name) = handle_path.strip_prefix('@') else {
        return Err(ApiError::NotFound("Record not found".into()));
    };
    let config = &state.config;
    if let Some(name) = name.strip_suffix(".atom") {
        return local_feed(&state, name).await;
    }
    let account = if name.contains('@') {
        if wants_activity_json(&headers) {
            // Other servers' actors are theirs to serve.
            return Err(ApiError::NotFound("Record not found".into()));
        }
        remote_account(&state, &visitor, name).await?
    } else {
        let account = domain::accounts::get_public(&state.db, name).await?;
        if wants_activity_json(&headers) {
            return Ok(ActivityJson(person(config, &account)).into_response());
        }
        account
    };
    let q = query(q)?;
    let notes_tab = q.notes();
    let limit = if notes_tab { NOTES_PAGE } else { GRID_PAGE };
    let filter = AccountFilter {
        only_media: !notes_tab,
        no_media: notes_tab,
        exclude_replies: true,
        exclude_reblogs: true,
    };
    let viewer = visitor.me.as_ref();
    let local = account.is_local();
    let page = q.page(limit)?;
    // The grid and the counts are independent reads: side by side, not one after another.
    let (views, counts) = tokio::try_join!(
        async {
            timelines::account(&state.db, viewer, &account, filter, page)
                .await
                .map_err(ApiError::from)
        },
        async {
            match local {
                true => counts(&state, &account).await.map(Some),
                false => Ok(None),
            }
        }
    )?;
    let page_name = parts::page_name(&account);
    let base = config.uris().profile(&page_name);
    let follow =
        signed_in::follow_button(&state, &visitor, &account, &format!("/@{page_name}")).await?;
    let e = entities::account(config, &account);
    let head = Head {
        title: format!("{} ({})", display_name(&account), handle(config, &account)),
        description: describe(&e.note),
        canonical: match (local, notes_tab) {
            (false, _) => e.url.clone(),
            (true, true) => format!("{base}?tab=notes"),
            (true, false) => base.clone(),
        },
        activity_json: Some(if local {
            local_actor_urls(config, &account.username).id.to_string()
        } else {
            e.uri.clone()
        }),
        atom: local.then(|| format!("{base}.atom")),
        image: Some(Image {
            url: e.avatar.clone(),
            alt: format!("{}'s profile picture", display_name(&account)),
            width: None,
            height: None,
        }),
        og_type: "profile",
        // Another server's account is theirs to have indexed.
        noindex: !local || !account.indexable,
    };
    let body = html! {
        (parts::profile_header(config, &account, counts))
        @if !local {
            p.muted { "From another server: " a href=(e.url) rel="nofollow noopener noreferrer" { "see the full profile" } }
        }
        (follow)
        @if visitor.me.is_none() && local {
            p { a href=(config.uris().route(&format!("/remote_follow?acct={}", account.username))) { "Follow from your own server" } }
        }
        (tabbed(config, &base, notes_tab, &views, limit, ""))
    };
    Ok(visitor.answer(document(config, &visitor, &head, body)))
}

/// `name@host` as we know it; a signed-in reader may also have it looked up (WebFinger), a
/// visitor only sees accounts this server already knows.
async fn remote_account(
    state: &AppState,
    visitor: &Visitor,
    name: &str,
) -> Result<Account, ApiError> {
    let wanted = Wanted {
        accounts: true,
        posts: false,
    };
    let found = lookup(&state.federation, name, wanted, visitor.me.is_some()).await?;
    found
        .account
        .filter(|a| !a.is_local())
        .ok_or_else(|| ApiError::NotFound("Record not found".into()))
}

/// `GET /@NAME.atom`.
async fn local_feed(state: &AppState, name: &str) -> Result<Response, ApiError> {
    let config = &state.config;
    let account = domain::accounts::get_public(&state.db, name).await?;
    let filter = AccountFilter {
        exclude_replies: true,
        exclude_reblogs: true,
        ..Default::default()
    };
    let page = Page {
        limit: FEED_PAGE,
        ..Default::default()
    };
    let views = timelines::account(&state.db, None, &account, filter, page).await?;
    let profile = config.uris().profile(&account.username);
    Ok(feed::response(
        config,
        &feed::Feed {
            title: format!("{} ({})", display_name(&account), handle(config, &account)),
            url: format!("{profile}.atom"),
            page: profile,
            posts: &views,
        },
    ))
}

async fn counts(state: &AppState, account: &Account) -> Result<ProfileCounts, ApiError> {
    let (posts, followers, following) = tokio::try_join!(
        domain::accounts::statuses_count(&state.db, account),
        domain::follows::count(&state.db, account, Side::Followers),
        domain::follows::count(&state.db, account, Side::Following),
    )?;
    Ok(ProfileCounts {
        posts,
        followers,
        following,
    })
}
