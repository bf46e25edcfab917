//! Statuses, timelines and notifications: `/api/v1/statuses…`, `/api/v1/timelines/…`,
//! `/api/v1/notifications`, `/api/v1/accounts/:id/statuses`. Every handler calls the
//! domain functions the CLI and federation use.

use axum::{
    Json,
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{
    auth::{Authenticated, MaybeAuthenticated},
    params::{Params, link_header, page, parse_id},
    statuses_entities::{Status, StatusEdit, notification, status},
};
use crate::{
    api::ApiError,
    db::entities::accounts::Model as Account,
    domain::{
        self,
        posts::{EditPost, NewPost, PostView, Visibility, interactions},
        timelines::AccountFilter,
    },
    federation::posts::{StateDirectory, posting},
    state::AppState,
};

/// A page of posts as `Status` entities, with the reader's interactions.
async fn statuses<'a>(
    state: &AppState,
    viewer: Option<&Account>,
    views: &'a [PostView],
) -> Result<Vec<Status<'a>>, ApiError> {
    let seen = interactions(&state.db, viewer, views).await?;
    Ok(views
        .iter()
        .map(|v| status(&state.config, v, &seen))
        .collect())
}

pub(super) async fn render(
    state: &AppState,
    viewer: Option<&Account>,
    views: &[PostView],
) -> Result<Vec<Value>, ApiError> {
    statuses(state, viewer, views)
        .await?
        .into_iter()
        .map(|s| serde_json::to_value(s).map_err(|e| ApiError::Internal(e.to_string())))
        .collect()
}

async fn one(state: &AppState, viewer: &Account, view: PostView) -> Result<Json<Value>, ApiError> {
    let mut list = render(state, Some(viewer), std::slice::from_ref(&view)).await?;
    list.pop()
        .map(Json)
        .ok_or_else(|| ApiError::Internal("empty render".into()))
}

async fn timeline_response(
    state: &AppState,
    viewer: Option<&Account>,
    path: &str,
    views: Vec<PostView>,
) -> Result<Response, ApiError> {
    let headers = link_header(
        state,
        path,
        views.first().map(|v| v.post.id),
        views.last().map(|v| v.post.id),
    );
    // Serialized straight from the typed entities: no intermediate JSON tree.
    let body = statuses(state, viewer, &views).await?;
    Ok((headers, Json(body)).into_response())
}

/// `POST /api/v1/statuses` (honours `Idempotency-Key`).
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:statuses"])?;
    let media_ids = params
        .all("media_ids")
        .iter()
        .map(|id| {
            id.parse::<i64>()
                .map_err(|_| ApiError::Unprocessable(format!("media id {id} is not valid")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let visibility = match params.get("visibility") {
        Some(v) if !v.is_empty() => Visibility::parse(v)?,
        _ => Visibility::Public,
    };
    let new = NewPost {
        text: params.get("status").unwrap_or_default().to_string(),
        media_ids,
        spoiler_text: params.get("spoiler_text").map(str::to_string),
        sensitive: params.flag("sensitive"),
        visibility,
        language: params
            .get("language")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
        in_reply_to_id: params.id("in_reply_to_id")?,
        addressed: vec![],
        silent: vec![],
        media_changes: vec![],
    };
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let view = domain::posts::create_once(&ctx, &caller.account, new, key).await?;
    state.federation.wake.notify_one();
    one(&state, &caller.account, view).await
}

/// `GET /api/v1/statuses/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let view = domain::posts::get_visible(&state.db, viewer, parse_id(&id)?).await?;
    let mut list = render(&state, viewer, std::slice::from_ref(&view)).await?;
    list.pop()
        .map(Json)
        .ok_or_else(|| ApiError::Internal("empty render".into()))
}

/// `PUT /api/v1/statuses/:id`: edit.
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:statuses"])?;
    let edit = EditPost {
        text: params.get("status").unwrap_or_default().to_string(),
        media_ids: params
            .all("media_ids")
            .iter()
            .filter_map(|i| i.parse().ok())
            .collect(),
        media_changes: vec![],
        spoiler_text: params.get("spoiler_text").map(str::to_string),
        sensitive: params.flag("sensitive"),
        language: params.get("language").map(str::to_string),
    };
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    let view = domain::posts::edit(&ctx, &caller.account, parse_id(&id)?, edit).await?;
    state.federation.wake.notify_one();
    one(&state, &caller.account, view).await
}

/// `DELETE /api/v1/statuses/:id`: answers the deleted status with its source `text`, so
/// apps can offer "delete and redraft".
pub async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = auth.require(&["write:statuses"])?;
    let id = parse_id(&id)?;
    let view = domain::posts::get_visible(&state.db, Some(&caller.account), id).await?;
    if view.author.id != caller.account.id {
        return Err(ApiError::NotFound("Record not found".into()));
    }
    let body = one(&state, &caller.account, view).await?;
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    domain::posts::delete(&ctx, &caller.account, id).await?;
    state.federation.wake.notify_one();
    Ok(body)
}

/// `GET /api/v1/statuses/:id/context`.
pub async fn context(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let (ancestors, descendants) =
        domain::posts::context(&state.db, viewer, parse_id(&id)?).await?;
    let context = Context {
        ancestors: statuses(&state, viewer, &ancestors).await?,
        descendants: statuses(&state, viewer, &descendants).await?,
    };
    Ok(Json(context).into_response())
}

/// Mastodon's `Context`: a status's thread around it.
#[derive(serde::Serialize)]
struct Context<'a> {
    ancestors: Vec<Status<'a>>,
    descendants: Vec<Status<'a>>,
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first, the current one last.
pub async fn history(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let id = parse_id(&id)?;
    let view = domain::posts::get_visible(&state.db, viewer, id).await?;
    let edits = domain::posts::history(&state.db, viewer, id).await?;
    let account = super::entities::account(&state.config, &view.author);
    let mut versions: Vec<StatusEdit<'_>> = edits
        .iter()
        .map(|e| {
            StatusEdit::new(
                (&e.content, &e.summary, e.sensitive),
                e.created_at,
                account.clone(),
                vec![],
            )
        })
        .collect();
    let p = &view.post;
    versions.push(StatusEdit::new(
        (&p.content, &p.summary, view.sensitive()),
        p.edited_at.unwrap_or(p.published_at),
        account.clone(),
        view.media
            .iter()
            .map(|m| super::statuses_entities::media_entity(&state.config, m))
            .collect(),
    ));
    Ok(Json(versions).into_response())
}

/// The verbs of `POST /api/v1/statuses/:id/ACTION`.
pub const VERBS: &[&str] = &[
    "favourite",
    "unfavourite",
    "reblog",
    "unreblog",
    "bookmark",
    "unbookmark",
];

/// `POST /api/v1/statuses/:id/ACTION`: favourite, unfavourite, reblog, unreblog,
/// bookmark or unbookmark, answering the status as the caller now sees it (a reblog
/// answers the boost, which wraps the original).
pub async fn act(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    // An unknown verb is an unknown route: 404 before anything else, token or not.
    let scope = match action.as_str() {
        "favourite" | "unfavourite" => "write:favourites",
        "reblog" | "unreblog" => "write:statuses",
        "bookmark" | "unbookmark" => "write:bookmarks",
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    let auth = auth?;
    let caller = auth.require(&[scope])?;
    let me = &caller.account;
    let id = parse_id(&id)?;
    let directory = StateDirectory(&state.federation);
    let ctx = posting(&state.federation, &directory);
    let view = match action.as_str() {
        "favourite" => domain::posts::favourite(&ctx, me, id, true).await?,
        "unfavourite" => domain::posts::favourite(&ctx, me, id, false).await?,
        "reblog" => domain::posts::reblog(&ctx, me, id).await?,
        "unreblog" => {
            domain::posts::unreblog(&ctx, me, id).await?;
            let view = domain::posts::get_visible(&state.db, Some(me), id).await?;
            match view.reblog {
                Some(original) => *original,
                None => view,
            }
        }
        on => domain::posts::bookmark(&state.db, me, id, on == "bookmark").await?,
    };
    state.federation.wake.notify_one();
    one(&state, me, view).await
}

/// `GET /api/v1/timelines/home`.
pub async fn home(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let caller = auth.require(&["read:statuses"])?;
    let views = domain::timelines::home(&state.db, &caller.account, page(&params)?).await?;
    timeline_response(
        &state,
        Some(&caller.account),
        "/api/v1/timelines/home",
        views,
    )
    .await
}

/// `GET /api/v1/timelines/public` (`local`, `remote`, `only_media`).
pub async fn public(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let views = domain::timelines::public(
        &state.db,
        viewer,
        params.flag("local"),
        params.flag("remote"),
        params.flag("only_media"),
        page(&params)?,
    )
    .await?;
    timeline_response(&state, viewer, "/api/v1/timelines/public", views).await
}

/// `GET /api/v1/timelines/tag/:hashtag` (`only_media`).
pub async fn tag(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(tag): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let media = params.flag("only_media").then_some(true);
    let views = domain::timelines::hashtag(&state.db, viewer, &tag, media, page(&params)?).await?;
    let path = format!("/api/v1/timelines/tag/{tag}");
    timeline_response(&state, viewer, &path, views).await
}

/// `GET /api/v1/accounts/:id/statuses` (`only_media`, `exclude_replies`, `exclude_reblogs`).
pub async fn account_statuses(
    State(state): State<AppState>,
    auth: MaybeAuthenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let viewer = auth.0.as_ref().map(|c| &c.account);
    let author = domain::accounts::get(&state.db, parse_id(&id)?).await?;
    let filter = AccountFilter {
        only_media: params.flag("only_media"),
        exclude_replies: params.flag("exclude_replies"),
        exclude_reblogs: params.flag("exclude_reblogs"),
        no_media: false,
    };
    // Pinned posts are not supported yet: none are pinned.
    if params.flag("pinned") {
        return Ok(Json(Vec::<Value>::new()).into_response());
    }
    let views =
        domain::timelines::account(&state.db, viewer, &author, filter, page(&params)?).await?;
    let path = format!("/api/v1/accounts/{}/statuses", author.id);
    timeline_response(&state, viewer, &path, views).await
}

/// `GET /api/v1/notifications` (`types[]`, `exclude_types[]`).
pub async fn notifications(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let caller = auth.require(&["read:notifications"])?;
    let me = &caller.account;
    const KINDS: [&str; 8] = [
        "follow",
        "follow_request",
        "mention",
        "favourite",
        "reblog",
        "admin.sign_up",
        "admin.report",
        "moderation_warning",
    ];
    let mut kinds: Vec<String> = params.all("types").to_vec();
    let excluded = params.all("exclude_types");
    if !excluded.is_empty() {
        if kinds.is_empty() {
            kinds = KINDS.iter().map(|k| k.to_string()).collect();
        }
        kinds.retain(|k| !excluded.contains(k));
        if kinds.is_empty() {
            return Ok(Json(Vec::<Value>::new()).into_response());
        }
    }
    let domain::timelines::NotificationPage {
        items: found,
        bounds,
        ..
    } = domain::timelines::notification_views(&state.db, me, &kinds, page(&params)?).await?;
    let views: Vec<PostView> = found.iter().filter_map(|n| n.post.clone()).collect();
    let rendered = render(&state, Some(me), &views).await?;
    let mut rendered = rendered.into_iter();
    let mut body = Vec::with_capacity(found.len());
    for n in &found {
        let post = n.post.as_ref().and_then(|_| rendered.next());
        let out = notification(&state.config, &n.row, &n.from, post);
        body.push(super::reports::with_moderation(&state, &n.row, out).await?);
    }
    let headers = link_header(
        &state,
        "/api/v1/notifications",
        bounds.map(|b| b.0),
        bounds.map(|b| b.1),
    );
    Ok((headers, Json(body)).into_response())
}
