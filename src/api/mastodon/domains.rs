//! Domain moderation in Mastodon's shapes: `/api/v1/admin/domain_blocks`,
//! `/api/v1/admin/domain_allows`, and the public `/api/v1/instance/domain_blocks`.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Serialize;

use super::{
    auth::Authenticated,
    entities::Empty,
    params::{Params, parse_id},
    statuses_entities::time,
};
use crate::{
    api::ApiError,
    db::entities::{domain_allows::Model as DomainAllow, domain_blocks::Model as DomainBlock},
    domain::{
        self,
        audit::Moderator,
        domains::{BlockChange, Severity, digest},
    },
    state::AppState,
};

/// Mastodon's `Admin::DomainBlock`.
#[derive(Serialize)]
pub struct AdminDomainBlock {
    id: String,
    domain: String,
    digest: String,
    created_at: String,
    severity: String,
    reject_media: bool,
    reject_reports: bool,
    private_comment: Option<String>,
    public_comment: Option<String>,
    obfuscate: bool,
}

impl From<DomainBlock> for AdminDomainBlock {
    fn from(b: DomainBlock) -> Self {
        AdminDomainBlock {
            id: b.id.to_string(),
            digest: digest(&b.domain),
            created_at: time(b.created_at),
            domain: b.domain,
            severity: b.severity,
            reject_media: b.reject_media,
            reject_reports: b.reject_reports,
            private_comment: b.private_comment,
            public_comment: b.public_comment,
            obfuscate: b.obfuscate,
        }
    }
}

/// Mastodon's `Admin::DomainAllow`.
#[derive(Serialize)]
pub struct AdminDomainAllow {
    id: String,
    domain: String,
    created_at: String,
}

impl From<DomainAllow> for AdminDomainAllow {
    fn from(a: DomainAllow) -> Self {
        AdminDomainAllow {
            id: a.id.to_string(),
            created_at: time(a.created_at),
            domain: a.domain,
        }
    }
}

const READ: &[&str] = &["admin:read", "admin:read:domain_blocks"];
const WRITE: &[&str] = &["admin:write", "admin:write:domain_blocks"];
const READ_ALLOWS: &[&str] = &["admin:read", "admin:read:domain_allows"];
const WRITE_ALLOWS: &[&str] = &["admin:write", "admin:write:domain_allows"];

/// The fields of a block from a request; those left out keep `base`'s values.
fn change(params: &Params, base: Option<&DomainBlock>) -> Result<BlockChange, ApiError> {
    let flag = |key: &str, old: bool| {
        if params.get(key).is_some() {
            params.flag(key)
        } else {
            old
        }
    };
    let text = |key: &str, old: Option<&String>| {
        params.get(key).map(str::to_string).or_else(|| old.cloned())
    };
    let severity = match (params.get("severity"), base) {
        (Some(s), _) => Severity::parse(s)?,
        (None, Some(b)) => Severity::parse(&b.severity)?,
        (None, None) => Severity::Silence,
    };
    Ok(BlockChange {
        severity,
        reject_media: flag("reject_media", base.is_some_and(|b| b.reject_media)),
        reject_reports: flag("reject_reports", base.is_some_and(|b| b.reject_reports)),
        private_comment: text(
            "private_comment",
            base.and_then(|b| b.private_comment.as_ref()),
        ),
        public_comment: text(
            "public_comment",
            base.and_then(|b| b.public_comment.as_ref()),
        ),
        obfuscate: flag("obfuscate", base.is_some_and(|b| b.obfuscate)),
    })
}

/// `GET /api/v1/admin/domain_blocks`.
pub async fn blocks(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<AdminDomainBlock>>, ApiError> {
    let caller = auth.require(READ)?;
    let list = domain::domains::blocks(&state.db, Moderator::Account(&caller.account)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// `GET /api/v1/admin/domain_blocks/:id`.
pub async fn block(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainBlock>, ApiError> {
    let caller = auth.require(READ)?;
    let by = Moderator::Account(&caller.account);
    Ok(Json(
        domain::domains::get(&state.db, by, parse_id(&id)?)
            .await?
            .into(),
    ))
}

/// `POST /api/v1/admin/domain_blocks`.
pub async fn create_block(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Json<AdminDomainBlock>, ApiError> {
    let caller = auth.require(WRITE)?;
    let domain = params
        .get("domain")
        .ok_or_else(|| ApiError::Unprocessable("domain is missing".into()))?;
    let by = Moderator::Account(&caller.account);
    let rules = &state.federation.domains;
    let block =
        domain::domains::block(&state.db, rules, by, domain, change(&params, None)?).await?;
    Ok(Json(block.into()))
}

/// `PUT /api/v1/admin/domain_blocks/:id`.
pub async fn update_block(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<AdminDomainBlock>, ApiError> {
    let caller = auth.require(WRITE)?;
    let by = Moderator::Account(&caller.account);
    let id = parse_id(&id)?;
    let before = domain::domains::get(&state.db, by, id).await?;
    let change = change(&params, Some(&before))?;
    let rules = &state.federation.domains;
    Ok(Json(
        domain::domains::update(&state.db, rules, by, id, change)
            .await?
            .into(),
    ))
}

/// `DELETE /api/v1/admin/domain_blocks/:id`.
pub async fn delete_block(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Empty>, ApiError> {
    let caller = auth.require(WRITE)?;
    let by = Moderator::Account(&caller.account);
    let rules = &state.federation.domains;
    domain::domains::unblock(&state.db, rules, by, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/admin/domain_allows`.
pub async fn allows(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<AdminDomainAllow>>, ApiError> {
    let caller = auth.require(READ_ALLOWS)?;
    let list = domain::domains::allows(&state.db, Moderator::Account(&caller.account)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// `GET /api/v1/admin/domain_allows/:id`.
pub async fn allow(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainAllow>, ApiError> {
    let caller = auth.require(READ_ALLOWS)?;
    let by = Moderator::Account(&caller.account);
    Ok(Json(
        domain::domains::get_allow(&state.db, by, parse_id(&id)?)
            .await?
            .into(),
    ))
}

/// `POST /api/v1/admin/domain_allows`.
pub async fn create_allow(
    State(state): State<AppState>,
    auth: Authenticated,
    params: Params,
) -> Result<Json<AdminDomainAllow>, ApiError> {
    let caller = auth.require(WRITE_ALLOWS)?;
    let domain = params
        .get("domain")
        .ok_or_else(|| ApiError::Unprocessable("domain is missing".into()))?;
    let by = Moderator::Account(&caller.account);
    let rules = &state.federation.domains;
    Ok(Json(
        domain::domains::allow(&state.db, rules, by, domain)
            .await?
            .into(),
    ))
}

/// `DELETE /api/v1/admin/domain_allows/:id`.
pub async fn delete_allow(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Empty>, ApiError> {
    let caller = auth.require(WRITE_ALLOWS)?;
    let by = Moderator::Account(&caller.account);
    let rules = &state.federation.domains;
    domain::domains::disallow(&state.db, rules, by, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// One entry of the public list.
#[derive(Serialize)]
pub struct PublicDomainBlock {
    domain: String,
    digest: String,
    severity: String,
    comment: Option<String>,
}

/// `GET /api/v1/instance/domain_blocks`: what this server blocks, as anyone may read it
/// (obfuscated where a block says so; the digest lets a reader check a domain).
pub async fn public(
    State(state): State<AppState>,
) -> Result<Json<Vec<PublicDomainBlock>>, ApiError> {
    let list = domain::domains::public_list(&state.db).await?;
    Ok(Json(
        list.into_iter()
            .map(|(shown, b)| PublicDomainBlock {
                domain: shown,
                digest: digest(&b.domain),
                severity: b.severity,
                comment: b.public_comment,
            })
            .collect(),
    ))
}
