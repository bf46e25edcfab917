//! Mastodon's admin API for accounts (`/api/v1/admin/accounts`, `/api/v2/admin/accounts`):
//! the shapes and filters moderation tools written for Mastodon already use.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::{
    auth::Authenticated,
    entities::{Empty, MastodonAccount, Role, role},
    params::{Params, link_header_keeping, page, parse_id},
    social::full_account,
};
use crate::{
    api::ApiError,
    db::{
        accounts::{AccountQuery, AccountStatus},
        entities::accounts::Model as Account,
    },
    domain::{
        self,
        audit::Moderator,
        moderation::{AccountAction, ActionKind, Reversal},
        roles,
    },
    state::AppState,
};

/// Mastodon's `Admin::Account`.
#[derive(Serialize)]
pub struct AdminAccount {
    id: String,
    username: String,
    domain: Option<String>,
    created_at: String,
    email: Option<String>,
    ip: Option<String>,
    ips: Vec<AdminIp>,
    locale: Option<String>,
    invite_request: Option<String>,
    role: Option<Role>,
    confirmed: bool,
    approved: bool,
    disabled: bool,
    silenced: bool,
    suspended: bool,
    sensitized: bool,
    account: MastodonAccount,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by_application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invited_by_account_id: Option<String>,
}

#[derive(Serialize)]
struct AdminIp {
    ip: String,
    used_at: String,
}

/// An account as `Admin::Account`.
pub async fn admin_account(state: &AppState, a: &Account) -> Result<AdminAccount, ApiError> {
    let invite = domain::moderation::invited_by(&state.db, a).await?;
    let created_at = super::statuses_entities::time(a.created_at);
    Ok(AdminAccount {
        id: a.id.to_string(),
        username: a.username.clone(),
        domain: a.domain.clone(),
        created_at: created_at.clone(),
        email: a.email.clone(),
        ip: a.sign_up_ip.clone(),
        ips: a
            .sign_up_ip
            .iter()
            .map(|ip| AdminIp {
                ip: ip.clone(),
                used_at: created_at.clone(),
            })
            .collect(),
        locale: a.locale.clone(),
        invite_request: a.sign_up_reason.clone(),
        role: a.is_local().then(|| role(roles::of(a))),
        confirmed: a.confirmed_at.is_some(),
        // Mastodon: remote accounts have no user to approve.
        approved: a.is_local() && a.approved,
        disabled: a.disabled,
        silenced: a.silenced_at.is_some(),
        suspended: a.suspended_at.is_some(),
        sensitized: a.sensitized_at.is_some(),
        account: full_account(state, a).await?,
        created_by_application_id: a.created_by_app_id.map(|id| id.to_string()),
        invited_by_account_id: invite.map(|i| i.account_id.to_string()),
    })
}

const READ: &[&str] = &["admin:read", "admin:read:accounts"];
const WRITE: &[&str] = &["admin:write", "admin:write:accounts"];

fn status(name: &str) -> Result<AccountStatus, ApiError> {
    Ok(match name {
        "active" => AccountStatus::Active,
        "pending" => AccountStatus::Pending,
        "disabled" => AccountStatus::Disabled,
        "silenced" => AccountStatus::Silenced,
        "suspended" => AccountStatus::Suspended,
        "sensitized" => AccountStatus::Sensitized,
        other => return Err(ApiError::BadRequest(format!("Unknown status: {other}"))),
    })
}

fn text(params: &Params, key: &str) -> Option<String> {
    params
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(320).collect())
}

/// The filters both versions share.
fn common(params: &Params) -> Result<AccountQuery, ApiError> {
    Ok(AccountQuery {
        username: text(params, "username"),
        display_name: text(params, "display_name"),
        domain: text(params, "by_domain"),
        email: text(params, "email"),
        ip: text(params, "ip"),
        ..AccountQuery::default()
    })
}

/// Staff: the roles that may handle reports, as Mastodon's `staff` filter means.
fn staff_roles() -> Vec<&'static str> {
    roles::Role::holding(roles::permission::MANAGE_REPORTS)
}

/// v1's flags: local unless `remote`; active unless another status flag is given (the
/// last of active, pending, disabled, silenced, suspended wins, as on Mastodon).
fn v1_query(params: &Params) -> Result<AccountQuery, ApiError> {
    let mut q = common(params)?;
    q.local = Some(!params.flag("remote"));
    q.status = Some(AccountStatus::Active);
    for (flag, s) in [
        ("active", AccountStatus::Active),
        ("pending", AccountStatus::Pending),
        ("disabled", AccountStatus::Disabled),
        ("silenced", AccountStatus::Silenced),
        ("suspended", AccountStatus::Suspended),
    ] {
        if params.flag(flag) {
            q.status = Some(s);
        }
    }
    if params.flag("staff") {
        q.roles = staff_roles();
    }
    Ok(q)
}

/// v2's named filters: `origin`, `status`, `permissions`, `role_ids[]`, `invited_by`.
fn v2_query(params: &Params) -> Result<AccountQuery, ApiError> {
    let mut q = common(params)?;
    q.local = match params.get("origin") {
        None | Some("") => None,
        Some("local") => Some(true),
        Some("remote") => Some(false),
        Some(other) => return Err(ApiError::BadRequest(format!("Unknown origin: {other}"))),
    };
    q.status = match params.get("status") {
        None | Some("") => None,
        Some(s) => Some(status(s)?),
    };
    match params.get("permissions") {
        None | Some("") => {}
        Some("staff") => q.roles = staff_roles(),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "Unknown permissions: {other}"
            )));
        }
    }
    for id in params.all("role_ids") {
        let role = roles::Role::ALL
            .into_iter()
            .find(|r| r.id().to_string() == *id)
            .ok_or_else(|| ApiError::BadRequest(format!("Unknown role id: {id}")))?;
        q.roles.push(role.name());
    }
    if params.get("invited_by").is_some() {
        q.invited_by = params.id("invited_by")?;
    }
    Ok(q)
}

async fn list(
    state: &AppState,
    auth: &Authenticated,
    params: &Params,
    query: AccountQuery,
    path: &str,
) -> Result<Response, ApiError> {
    let caller = auth.require(READ)?;
    let mut page = page(params)?;
    page.limit = page.limit.min(domain::moderation::MAX_PAGE);
    let by = Moderator::Account(&caller.account);
    let found = domain::moderation::accounts(&state.db, by, &query, &page).await?;
    let headers = link_header_keeping(
        state,
        path,
        params,
        found.first().map(|a| a.id),
        found.last().map(|a| a.id),
    );
    let mut body = Vec::with_capacity(found.len());
    for a in &found {
        body.push(admin_account(state, a).await?);
    }
    Ok((headers, Json(body)).into_response())
}

/// `GET /api/v1/admin/accounts`.
pub async fn index_v1(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let query = v1_query(&params)?;
    list(&state, &auth, &params, query, "/api/v1/admin/accounts").await
}

/// `GET /api/v2/admin/accounts`.
pub async fn index_v2(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Response, ApiError> {
    let query = v2_query(&params)?;
    list(&state, &auth, &params, query, "/api/v2/admin/accounts").await
}

/// `GET /api/v1/admin/accounts/:id`.
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>, ApiError> {
    let caller = auth.require(READ)?;
    let by = Moderator::Account(&caller.account);
    let a = domain::moderation::account(&state.db, by, parse_id(&id)?).await?;
    Ok(Json(admin_account(&state, &a).await?))
}

/// `POST /api/v1/admin/accounts/:id/{approve|reject|action|enable|unsilence|unsuspend|
/// unsensitive}`.
pub async fn decide(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    Path((id, action)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let reversal = Reversal::parse(&action);
    if !matches!(action.as_str(), "approve" | "reject" | "action") && reversal.is_none() {
        return Err(ApiError::NotFound("Record not found".into()));
    }
    let auth = auth?;
    let caller = auth.require(WRITE)?;
    let by = Moderator::Account(&caller.account);
    let db = &state.db;
    let a = domain::moderation::account(db, by, parse_id(&id)?).await?;
    let changed = match (action.as_str(), reversal) {
        ("approve", _) => domain::registrations::approve(db, by, &a).await?,
        ("reject", _) => {
            domain::registrations::reject(db, by, &a).await?;
            return Ok(Json(Empty {}).into_response());
        }
        ("action", _) => {
            let kind = params
                .get("type")
                .ok_or_else(|| ApiError::Unprocessable("type is missing".into()))?;
            let action = AccountAction {
                kind: ActionKind::parse(kind)?,
                text: params.get("text").unwrap_or_default().to_string(),
                report_id: params.id("report_id")?,
            };
            domain::moderation::act(db, by, &a, action).await?;
            return Ok(Json(Empty {}).into_response());
        }
        (_, Some(reversal)) => domain::moderation::undo(db, by, &a, reversal).await?,
        _ => return Err(ApiError::NotFound("Record not found".into())),
    };
    Ok(Json(admin_account(&state, &changed).await?).into_response())
}
