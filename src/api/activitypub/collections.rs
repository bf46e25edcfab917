//! Actor collections: outbox, followers, following, featured. `OrderedCollection` with
//! `totalItems` and a `first` page; `?page=N` gives an `OrderedCollectionPage`.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActivityJson, statuses};
use crate::{
    api::ApiError,
    db::posts::Page,
    domain::{self, follows::Side, timelines::AccountFilter},
    federation::{
        activities::actor_uri,
        objects::note,
        protocol::{
            context::{ACTIVITYSTREAMS, note_context},
            outgoing::OrderedCollection,
        },
    },
    state::AppState,
};

/// Items per collection page.
pub const PAGE_SIZE: u64 = 20;

/// `?page=N` (1-based). Mastodon also uses `page=true` for the first page.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    /// Outbox pages continue below this post id.
    max_id: Option<i64>,
}

impl PageQuery {
    fn number(&self) -> Result<Option<u64>, ApiError> {
        match self.page.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(1)),
            Some(p) => match p.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(Some(n)),
                _ => Err(ApiError::BadRequest(
                    "page must be a positive number".into(),
                )),
            },
        }
    }
}

/// An `OrderedCollection` as Pinhole serves every one of them: the collection document,
/// and its pages, by number (`?page=N`) or, for the newest-first outbox and inbox, by
/// cursor (`?max_id=…&page=true`, as Mastodon pages outboxes).
pub struct Collection<'a> {
    pub id: &'a str,
    pub total: u64,
}

impl Collection<'_> {
    /// The collection itself: its size and where its pages start (and end).
    pub fn document(&self, first: String, last: Option<String>) -> OrderedCollection<()> {
        OrderedCollection {
            context: json!(ACTIVITYSTREAMS),
            id: self.id.to_string(),
            kind: "OrderedCollection",
            part_of: None,
            total_items: self.total,
            first: Some(first),
            last,
            next: None,
            prev: None,
            ordered_items: None,
        }
    }

    /// Page `n` (from 1) of `size` items, with `next`/`prev` where they exist.
    fn numbered<I>(&self, n: u64, size: u64, items: Vec<I>) -> OrderedCollection<I> {
        let id = self.id;
        OrderedCollection {
            next: (n * size < self.total).then(|| format!("{id}?page={}", n + 1)),
            prev: (n > 1).then(|| format!("{id}?page={}", n - 1)),
            ..self.page(json!(ACTIVITYSTREAMS), format!("{id}?page={n}"), items)
        }
    }

    /// The page below `max_id` (from the top without one); `next_max_id` continues it.
    pub fn below<I>(
        &self,
        context: Value,
        max_id: Option<i64>,
        items: Vec<I>,
        next_max_id: Option<i64>,
    ) -> OrderedCollection<I> {
        let id = self.id;
        let page_id = match max_id {
            Some(m) => format!("{id}?max_id={m}&page=true"),
            None => format!("{id}?page=true"),
        };
        OrderedCollection {
            next: next_max_id.map(|next| format!("{id}?max_id={next}&page=true")),
            ..self.page(context, page_id, items)
        }
    }

    fn page<I>(&self, context: Value, page_id: String, items: Vec<I>) -> OrderedCollection<I> {
        OrderedCollection {
            context,
            id: page_id,
            kind: "OrderedCollectionPage",
            part_of: Some(self.id.to_string()),
            total_items: self.total,
            first: None,
            last: None,
            next: None,
            prev: None,
            ordered_items: Some(items),
        }
    }
}

/// A numbered collection: the document, or page `page` of it.
fn render<I: serde::Serialize>(id: &str, total: u64, page: Option<u64>, items: Vec<I>) -> Response {
    let collection = Collection { id, total };
    match page {
        None => ActivityJson(collection.document(format!("{id}?page=1"), None)).into_response(),
        Some(n) => ActivityJson(collection.numbered(n, PAGE_SIZE, items)).into_response(),
    }
}

async fn follow_collection(
    state: &AppState,
    username: &str,
    side: Side,
    query: &PageQuery,
) -> Result<Response, ApiError> {
    let account = domain::accounts::get_public(&state.db, username).await?;
    let page = query.number()?;
    let suffix = match side {
        Side::Followers => "followers",
        Side::Following => "following",
    };
    let id = state.config.uris().actor_part(&account.username, suffix);
    let total = domain::follows::count(&state.db, &account, side).await?;
    let items: Vec<String> = match page {
        Some(n) => domain::follows::page(&state.db, &account, side, (n - 1) * PAGE_SIZE, PAGE_SIZE)
            .await?
            .iter()
            .map(|a| actor_uri(&state.config, a))
            .collect(),
        None => vec![],
    };
    Ok(render(&id, total, page, items))
}

/// `GET /users/NAME/followers`.
pub async fn followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    follow_collection(&state, &username, Side::Followers, &query).await
}

/// `GET /users/NAME/following`.
pub async fn following(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    follow_collection(&state, &username, Side::Following, &query).await
}

/// `GET /users/NAME/collections/featured`: pinned posts are not supported yet, so this is
/// a real, empty collection.
async fn empty_collection(
    state: &AppState,
    username: &str,
    suffix: &str,
    query: &PageQuery,
) -> Result<Response, ApiError> {
    let account = domain::accounts::get_public(&state.db, username).await?;
    let page = query.number()?;
    let id = state.config.uris().actor_part(&account.username, suffix);
    Ok(render::<()>(&id, 0, page, vec![]))
}

/// `GET /users/NAME/outbox`: the account's posts (Create) and boosts (Announce) that the
/// reader may see, newest first, paged by `max_id` as Mastodon does.
pub async fn outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reader = statuses::reader(&state, &uri, &headers).await?;
    let account = domain::accounts::get_public(&state.db, &username).await?;
    let id = state.config.uris().actor_part(&account.username, "outbox");
    let total = domain::timelines::account_count(&state.db, reader.as_ref(), &account).await?;
    let collection = Collection { id: &id, total };
    if query.page.is_none() && query.max_id.is_none() {
        let document = collection.document(
            format!("{id}?page=true"),
            Some(format!("{id}?min_id=0&page=true")),
        );
        return Ok(ActivityJson(document).into_response());
    }
    let page = Page {
        max_id: query.max_id,
        limit: PAGE_SIZE,
        ..Default::default()
    };
    let views = domain::timelines::account(
        &state.db,
        reader.as_ref(),
        &account,
        AccountFilter::default(),
        page,
    )
    .await?;
    let items: Vec<Value> = views
        .iter()
        .map(|v| match &v.reblog {
            Some(original) => note::announce(
                &state.config,
                &v.post,
                &v.author,
                &original.post,
                &original.author,
            )
            .to_json(),
            None => {
                let mut create = note::create_or_update(&state.config, v, false);
                create.context = None;
                create.to_json()
            }
        })
        .collect();
    let next = (views.len() as u64 == PAGE_SIZE)
        .then(|| views.last().map(|v| v.post.id))
        .flatten();
    let doc = collection.below(note_context(), query.max_id, items, next);
    Ok(ActivityJson(doc).into_response())
}

/// `GET /users/NAME/collections/featured`.
pub async fn featured(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    empty_collection(&state, &username, "collections/featured", &query).await
}
