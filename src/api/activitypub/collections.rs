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
        protocol::context::{ACTIVITYSTREAMS, note_context},
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
    pub fn document(&self, first: String, last: Option<String>) -> Value {
        let mut doc = json!({
            "@context": ACTIVITYSTREAMS,
            "id": self.id,
            "type": "OrderedCollection",
            "totalItems": self.total,
            "first": first,
        });
        if let Some(last) = last {
            doc["last"] = json!(last);
        }
        doc
    }

    /// Page `n` (from 1) of `size` items, with `next`/`prev` where they exist.
    fn numbered(&self, n: u64, size: u64, items: Vec<Value>) -> Value {
        let id = self.id;
        let mut page = self.page(json!(ACTIVITYSTREAMS), format!("{id}?page={n}"), items);
        if n * size < self.total {
            page["next"] = json!(format!("{id}?page={}", n + 1));
        }
        if n > 1 {
            page["prev"] = json!(format!("{id}?page={}", n - 1));
        }
        page
    }

    /// The page below `max_id` (from the top without one); `next_max_id` continues it.
    pub fn below(
        &self,
        context: Value,
        max_id: Option<i64>,
        items: Vec<Value>,
        next_max_id: Option<i64>,
    ) -> Value {
        let id = self.id;
        let page_id = match max_id {
            Some(m) => format!("{id}?max_id={m}&page=true"),
            None => format!("{id}?page=true"),
        };
        let mut page = self.page(context, page_id, items);
        if let Some(next) = next_max_id {
            page["next"] = json!(format!("{id}?max_id={next}&page=true"));
        }
        page
    }

    fn page(&self, context: Value, page_id: String, items: Vec<Value>) -> Value {
        json!({
            "@context": context,
            "id": page_id,
            "type": "OrderedCollectionPage",
            "partOf": self.id,
            "totalItems": self.total,
            "orderedItems": items,
        })
    }
}

/// A numbered collection: the document, or page `page` of it.
fn render(id: &str, total: u64, page: Option<u64>, items: Vec<Value>) -> Value {
    let collection = Collection { id, total };
    match page {
        None => collection.document(format!("{id}?page=1"), None),
        Some(n) => collection.numbered(n, PAGE_SIZE, items),
    }
}

async fn follow_collection(
    state: &AppState,
    username: &str,
    side: Side,
    query: &PageQuery,
) -> Result<Response, ApiError> {
    let account = domain::accounts::get_local(&state.db, username).await?;
    let page = query.number()?;
    let suffix = match side {
        Side::Followers => "followers",
        Side::Following => "following",
    };
    let id = state.config.uris().actor_part(&account.username, suffix);
    let total = domain::follows::count(&state.db, &account, side).await?;
    let items = match page {
        Some(n) => domain::follows::page(&state.db, &account, side, (n - 1) * PAGE_SIZE, PAGE_SIZE)
            .await?
            .iter()
            .map(|a| json!(actor_uri(&state.config, a)))
            .collect(),
        None => vec![],
    };
    Ok(ActivityJson(render(&id, total, page, items)).into_response())
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
    let account = domain::accounts::get_local(&state.db, username).await?;
    let page = query.number()?;
    let id = state.config.uris().actor_part(&account.username, suffix);
    Ok(ActivityJson(render(&id, 0, page, vec![])).into_response())
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
    let account = domain::accounts::get_local(&state.db, &username).await?;
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
