//! Reports in Mastodon's shapes: `POST /api/v1/reports` for everyone, and the admin API's
//! `/api/v1/admin/reports` for staff who handle them.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::Value;

use super::{
    admin::{AdminAccount, admin_account},
    auth::Authenticated,
    entities::{MastodonAccount, account},
    params::{Params, link_header_keeping, page, parse_id},
    statuses_entities::{Notification, time},
};
use crate::{
    api::ApiError,
    db::{
        entities::{notifications, reports::Model as Report},
        reports::ReportQuery,
    },
    domain::{
        self,
        audit::Moderator,
        reports::{Handling, NewReport},
    },
    state::AppState,
};

/// What `Report` and `Admin::Report` both say of a report.
#[derive(Serialize)]
struct ReportBase {
    id: String,
    action_taken: bool,
    action_taken_at: Option<String>,
    category: String,
    comment: String,
    forwarded: bool,
    created_at: String,
}

impl From<&Report> for ReportBase {
    fn from(r: &Report) -> Self {
        ReportBase {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.map(time),
            category: r.category.clone(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: time(r.created_at),
        }
    }
}

/// Mastodon's `Report`, as the reporter sees it.
#[derive(Serialize)]
pub struct ReportEntity {
    #[serde(flatten)]
    base: ReportBase,
    status_ids: Vec<String>,
    rule_ids: Vec<String>,
    target_account: MastodonAccount,
}

/// A report as `Report` (its target read from the database).
pub async fn report_entity(state: &AppState, r: &Report) -> Result<ReportEntity, ApiError> {
    let target = domain::accounts::get(&state.db, r.target_account_id).await?;
    Ok(ReportEntity {
        base: r.into(),
        status_ids: r.post_ids().iter().map(i64::to_string).collect(),
        rule_ids: r.rules().iter().map(i64::to_string).collect(),
        target_account: account(&state.config, &target),
    })
}

/// Mastodon's `AccountWarning`, as a `moderation_warning` notification carries it.
#[derive(Serialize)]
struct WarningEntity {
    id: String,
    action: String,
    text: String,
    status_ids: Vec<String>,
    target_account: MastodonAccount,
    appeal: Option<()>,
    created_at: String,
}

fn to_value<T: Serialize>(entity: T) -> Result<Value, ApiError> {
    serde_json::to_value(entity).map_err(|e| ApiError::Internal(e.to_string()))
}

/// A notification with what a moderation notification is about attached: the report of
/// an `admin.report`, the warning of a `moderation_warning`.
pub async fn with_moderation(
    state: &AppState,
    row: &notifications::Model,
    n: Notification,
) -> Result<Notification, ApiError> {
    if let Some(id) = row.report_id
        && let Some(report) = domain::reports::for_notification(&state.db, id).await?
    {
        return Ok(n.with_report(to_value(report_entity(state, &report).await?)?));
    }
    if let Some(id) = row.warning_id
        && let Some(w) = domain::moderation::warning(&state.db, id).await?
    {
        let target = domain::accounts::get(&state.db, w.target_account_id).await?;
        let entity = WarningEntity {
            id: w.id.to_string(),
            action: w.action.clone(),
            text: w.text.clone(),
            status_ids: vec![],
            target_account: account(&state.config, &target),
            appeal: None,
            created_at: time(w.created_at),
        };
        return Ok(n.with_warning(to_value(entity)?));
    }
    Ok(n)
}

fn ids(params: &Params, key: &str) -> Result<Vec<i64>, ApiError> {
    params
        .all(key)
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .map_err(|_| ApiError::Unprocessable(format!("{key} must be ids")))
        })
        .collect()
}

/// `POST /api/v1/reports`.
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Json<ReportEntity>, ApiError> {
    let caller = auth.require(&["write:reports", "write"])?;
    let target_id = params
        .id("account_id")?
        .ok_or_else(|| ApiError::Unprocessable("account_id is missing".into()))?;
    let new = NewReport {
        target_id,
        post_ids: ids(&params, "status_ids")?,
        comment: params.get("comment").unwrap_or_default().to_string(),
        category: params.get("category").map(str::to_string),
        rule_ids: ids(&params, "rule_ids")?,
        forward: params.flag("forward"),
    };
    let rules = state.config.instance.rules.len();
    let publisher = &state.federation.publisher;
    let report = domain::reports::file(&state.db, publisher, &caller.account, rules, new).await?;
    state.federation.wake.notify_one();
    Ok(Json(report_entity(&state, &report).await?))
}

/// Mastodon's `Admin::Report`.
#[derive(Serialize)]
pub struct AdminReport {
    #[serde(flatten)]
    base: ReportBase,
    updated_at: String,
    account: AdminAccount,
    target_account: AdminAccount,
    assigned_account: Option<AdminAccount>,
    action_taken_by_account: Option<AdminAccount>,
    statuses: Vec<Value>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    id: String,
    text: String,
    hint: &'static str,
}

async fn admin_of(state: &AppState, id: Option<i64>) -> Result<Option<AdminAccount>, ApiError> {
    match id {
        Some(id) => match domain::accounts::get(&state.db, id).await {
            Ok(a) => Ok(Some(admin_account(state, &a).await?)),
            Err(domain::DomainError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        },
        None => Ok(None),
    }
}

async fn admin_report(
    state: &AppState,
    me: &crate::db::entities::accounts::Model,
    r: &Report,
) -> Result<AdminReport, ApiError> {
    let reporter = admin_of(state, Some(r.account_id))
        .await?
        .ok_or_else(|| ApiError::NotFound("Record not found".into()))?;
    let target = admin_of(state, Some(r.target_account_id))
        .await?
        .ok_or_else(|| ApiError::NotFound("Record not found".into()))?;
    let views = domain::posts::views_for_moderation(&state.db, &r.post_ids()).await?;
    let statuses = super::statuses::render(state, Some(me), &views).await?;
    let rules = &state.config.instance.rules;
    Ok(AdminReport {
        base: r.into(),
        updated_at: time(r.updated_at),
        account: reporter,
        target_account: target,
        assigned_account: admin_of(state, r.assigned_account_id).await?,
        action_taken_by_account: admin_of(state, r.action_taken_by_account_id).await?,
        statuses,
        rules: r
            .rules()
            .into_iter()
            .filter_map(|n| {
                let text = rules.get(usize::try_from(n).ok()?.checked_sub(1)?)?;
                Some(Rule {
                    id: n.to_string(),
                    text: text.clone(),
                    hint: "",
                })
            })
            .collect(),
    })
}

const READ: &[&str] = &["admin:read", "admin:read:reports"];
const WRITE: &[&str] = &["admin:write", "admin:write:reports"];

/// `GET /api/v1/admin/reports`.
pub async fn index(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let caller = auth.require(READ)?;
    let query = ReportQuery {
        resolved: Some(params.flag("resolved")),
        account_id: params.id("account_id")?,
        target_account_id: params.id("target_account_id")?,
    };
    let page = page(&params)?;
    let by = Moderator::Account(&caller.account);
    let found = domain::reports::list(&state.db, by, query, &page).await?;
    let headers = link_header_keeping(
        &state,
        "/api/v1/admin/reports",
        &params,
        found.first().map(|r| r.id),
        found.last().map(|r| r.id),
    );
    let mut body = Vec::with_capacity(found.len());
    for r in &found {
        match admin_report(&state, &caller.account, r).await {
            Ok(entity) => body.push(entity),
            // Its reporter's account is gone: one such report must not hide the others.
            Err(ApiError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((headers, Json(body)).into_response())
}

/// `GET /api/v1/admin/reports/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>, ApiError> {
    let caller = auth.require(READ)?;
    let by = Moderator::Account(&caller.account);
    let r = domain::reports::get(&state.db, by, parse_id(&id)?).await?;
    Ok(Json(admin_report(&state, &caller.account, &r).await?))
}

/// `PUT /api/v1/admin/reports/:id`: category and rules.
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<AdminReport>, ApiError> {
    let handling = Handling::Update {
        category: params.get("category").map(str::to_string),
        rule_ids: params
            .0
            .contains_key("rule_ids")
            .then(|| ids(&params, "rule_ids"))
            .transpose()?,
    };
    handle(&state, &auth, &id, handling).await
}

/// `POST /api/v1/admin/reports/:id/{assign_to_self|unassign|resolve|reopen}`.
pub async fn act(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<AdminReport>, ApiError> {
    let handling = match action.as_str() {
        "assign_to_self" => Handling::AssignToSelf,
        "unassign" => Handling::Unassign,
        "resolve" => Handling::Resolve,
        "reopen" => Handling::Reopen,
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    handle(&state, &auth?, &id, handling).await
}

async fn handle(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    handling: Handling,
) -> Result<Json<AdminReport>, ApiError> {
    let caller = auth.require(WRITE)?;
    let by = Moderator::Account(&caller.account);
    let rules = state.config.instance.rules.len();
    let r = domain::reports::handle(&state.db, by, parse_id(id)?, handling, rules).await?;
    Ok(Json(admin_report(state, &caller.account, &r).await?))
}
