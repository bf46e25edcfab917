//! Account queries.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::{
    StoreError,
    entities::accounts::{self, ActiveModel, Column, Entity, Model},
};

/// Fields of a new local account; the rest take their column defaults.
pub struct NewLocalAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: &'static str,
    pub locked: bool,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub now: chrono::DateTime<chrono::Utc>,
    pub sign_up: SignUpFields,
}

/// What a sign-up adds to a new local account; the default is an operator's account
/// (approved and confirmed, no address).
#[derive(Default)]
pub struct SignUpFields {
    pub email: Option<String>,
    pub reason: Option<String>,
    pub locale: Option<String>,
    pub ip: Option<String>,
    pub invite_id: Option<i64>,
    pub app_id: Option<i64>,
    /// Waits for a moderator.
    pub pending: bool,
    /// Waits for its e-mail address to be confirmed.
    pub unconfirmed: bool,
}

/// Inserts a local account; `StoreError::Conflict` when the username is taken.
pub async fn insert_local<C: ConnectionTrait>(
    db: &C,
    new: NewLocalAccount,
) -> Result<Model, StoreError> {
    let row = ActiveModel {
        username_key: Set(new.username.to_lowercase()),
        username: Set(new.username),
        domain: Set(None),
        display_name: Set(new.display_name),
        summary: Set(String::new()),
        password_hash: Set(new.password_hash),
        role: Set(new.role.to_string()),
        email: Set(new.sign_up.email),
        confirmed_at: Set((!new.sign_up.unconfirmed).then_some(new.now)),
        approved: Set(!new.sign_up.pending),
        sign_up_reason: Set(new.sign_up.reason),
        locale: Set(new.sign_up.locale),
        sign_up_ip: Set(new.sign_up.ip),
        invite_id: Set(new.sign_up.invite_id),
        created_by_app_id: Set(new.sign_up.app_id),
        public_key_pem: Set(new.public_key_pem),
        private_key_pem: Set(Some(new.private_key_pem)),
        avatar_url: Set(None),
        header_url: Set(None),
        manually_approves_followers: Set(new.locked),
        discoverable: Set(true),
        // Full-text indexing by other servers is opt-in, as on Mastodon.
        indexable: Set(false),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// A remote actor as fetched, ready to be stored or refreshed.
#[derive(Clone)]
pub struct RemoteActor {
    pub uri: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    /// Sanitized HTML.
    pub summary: String,
    /// Profile fields: plain-text name, sanitized HTML value.
    pub fields: Vec<(String, String)>,
    pub public_key_pem: String,
    pub key_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub profile_url: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub actor_type: String,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Inserts or refreshes a remote actor, keyed by its id (URI).
pub async fn upsert_remote<C: ConnectionTrait>(
    db: &C,
    actor: RemoteActor,
) -> Result<Model, StoreError> {
    let existing = find_by_uri(db, &actor.uri).await?;
    let mut row = match &existing {
        Some(m) => {
            let mut am: ActiveModel = m.clone().into();
            am.updated_at = Set(actor.now);
            am
        }
        None => ActiveModel {
            created_at: Set(actor.now),
            updated_at: Set(actor.now),
            password_hash: Set(None),
            private_key_pem: Set(None),
            ..Default::default()
        },
    };
    row.username_key = Set(actor.username.to_lowercase());
    row.username = Set(actor.username);
    row.domain = Set(Some(actor.domain.to_lowercase()));
    row.display_name = Set(actor.display_name);
    row.summary = Set(actor.summary);
    row.fields_json = Set(if actor.fields.is_empty() {
        None
    } else {
        serde_json::to_string(&actor.fields).ok()
    });
    row.public_key_pem = Set(actor.public_key_pem);
    row.key_id = Set(Some(actor.key_id));
    row.uri = Set(Some(actor.uri));
    row.inbox_url = Set(Some(actor.inbox_url));
    row.shared_inbox_url = Set(actor.shared_inbox_url);
    row.outbox_url = Set(actor.outbox_url);
    row.followers_url = Set(actor.followers_url);
    row.following_url = Set(actor.following_url);
    row.profile_url = Set(actor.profile_url);
    row.avatar_url = Set(actor.avatar_url);
    row.header_url = Set(actor.header_url);
    row.actor_type = Set(Some(actor.actor_type));
    row.manually_approves_followers = Set(actor.manually_approves_followers);
    row.discoverable = Set(actor.discoverable);
    row.indexable = Set(actor.indexable);
    row.fetched_at = Set(Some(actor.now));
    Ok(match existing {
        Some(_) => row.update(db).await?,
        None => row.insert(db).await?,
    })
}

/// Finds a remote account by its ActivityPub id.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// Finds remote accounts that publish `key_id`.
pub async fn find_by_key_id<C: ConnectionTrait>(
    db: &C,
    key_id: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::KeyId.eq(key_id))
        .one(db)
        .await?)
}

/// Finds a remote account by `user@domain`, ignoring case.
pub async fn find_remote_by_handle<C: ConnectionTrait>(
    db: &C,
    username: &str,
    domain: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::UsernameKey.eq(username.to_lowercase()))
        .filter(Column::Domain.eq(domain.to_lowercase()))
        .one(db)
        .await?)
}

/// Finds a local account by username, ignoring case.
pub async fn find_local_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .filter(Column::UsernameKey.eq(username.to_lowercase()))
        .one(db)
        .await?)
}

/// Finds an account by primary key.
pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// Accounts by primary key, in no particular order.
pub async fn find_many<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(Entity::find()
        .filter(super::in_ids(
            db.get_database_backend(),
            sea_orm::sea_query::Expr::col((Entity, Column::Id)),
            &ids,
        ))
        .all(db)
        .await?)
}

/// All local accounts, oldest first.
pub async fn list_local<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Number of local accounts, for NodeInfo and the instance API.
pub async fn count_local<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(accounts::Column::Domain.is_null())
        .count(db)
        .await?)
}

/// Sets whether an account approves followers by hand.
pub async fn set_locked<C: ConnectionTrait>(
    db: &C,
    id: i64,
    locked: bool,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(
            Column::ManuallyApprovesFollowers,
            sea_orm::sea_query::Expr::value(locked),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts many new remote actors at once (bulk imports and the fan-out benchmark);
/// returns how many were written.
pub async fn insert_remote_batch<C: ConnectionTrait>(
    db: &C,
    actors: Vec<RemoteActor>,
) -> Result<u64, StoreError> {
    let mut written = 0;
    for chunk in actors.chunks(200) {
        let rows: Vec<ActiveModel> = chunk
            .iter()
            .map(|a| ActiveModel {
                username_key: Set(a.username.to_lowercase()),
                username: Set(a.username.clone()),
                domain: Set(Some(a.domain.to_lowercase())),
                display_name: Set(a.display_name.clone()),
                summary: Set(a.summary.clone()),
                password_hash: Set(None),
                public_key_pem: Set(a.public_key_pem.clone()),
                private_key_pem: Set(None),
                avatar_url: Set(a.avatar_url.clone()),
                header_url: Set(a.header_url.clone()),
                manually_approves_followers: Set(a.manually_approves_followers),
                discoverable: Set(a.discoverable),
                indexable: Set(a.indexable),
                created_at: Set(a.now),
                updated_at: Set(a.now),
                uri: Set(Some(a.uri.clone())),
                inbox_url: Set(Some(a.inbox_url.clone())),
                shared_inbox_url: Set(a.shared_inbox_url.clone()),
                outbox_url: Set(a.outbox_url.clone()),
                followers_url: Set(a.followers_url.clone()),
                following_url: Set(a.following_url.clone()),
                profile_url: Set(a.profile_url.clone()),
                key_id: Set(Some(a.key_id.clone())),
                actor_type: Set(Some(a.actor_type.clone())),
                fetched_at: Set(Some(a.now)),
                ..Default::default()
            })
            .collect();
        written += rows.len() as u64;
        Entity::insert_many(rows).exec(db).await?;
    }
    Ok(written)
}

/// Ids of all remote accounts, oldest first.
pub async fn remote_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .filter(Column::Domain.is_not_null())
        .select_only()
        .column(Column::Id)
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Accounts whose username starts with `prefix` (case-insensitive), local ones first.
pub async fn search_by_username<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    limit: u64,
) -> Result<Vec<Model>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .filter(Column::UsernameKey.like(like_prefix(prefix)))
        .order_by_asc(Column::Domain.is_not_null())
        .order_by_asc(Column::UsernameKey)
        .limit(limit)
        .all(db)
        .await?)
}

/// Whether a local account shows the upload stored under `key` as its avatar or header
/// (profile pictures are uploads no post uses; the janitor must keep them).
pub async fn shows_picture<C: ConnectionTrait>(db: &C, key: &str) -> Result<bool, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(Column::AvatarUrl.contains(key))
                .add(Column::HeaderUrl.contains(key)),
        )
        .one(db)
        .await?
        .is_some())
}

/// The local account with this e-mail address, ignoring case.
pub async fn find_local_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .filter(Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await?)
}

/// Local accounts whose role is one of `roles` (staff to notify of sign-ups and reports).
pub async fn with_roles<C: ConnectionTrait>(
    db: &C,
    roles: &[&str],
) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Domain.is_null())
        .filter(Column::Role.is_in(roles.iter().copied()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Deletes an account row and, by cascade, everything that hangs on it.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// What an admin list of accounts asks for (Mastodon's admin account filters).
#[derive(Debug, Default, Clone)]
pub struct AccountQuery {
    /// `Some(true)`: local accounts only; `Some(false)`: remote only.
    pub local: Option<bool>,
    pub status: Option<AccountStatus>,
    /// Roles to keep (empty: any).
    pub roles: Vec<&'static str>,
    /// Username prefix, case-insensitive.
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// Domain, with its subdomains.
    pub domain: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub invited_by: Option<i64>,
}

/// A moderation state to filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Pending,
    Disabled,
    Silenced,
    Suspended,
    Sensitized,
}

fn lower(column: Column) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, Func};
    Expr::expr(Func::lower(Expr::col(column)))
}

fn like_prefix(text: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("{escaped}%")).escape('\\')
}

/// A page of accounts matching `query`, newest first.
pub async fn query<C: ConnectionTrait>(
    db: &C,
    query: &AccountQuery,
    page: &super::posts::Page,
) -> Result<Vec<Model>, StoreError> {
    use sea_orm::sea_query::Expr;
    let mut q = Entity::find();
    match query.local {
        Some(true) => q = q.filter(Column::Domain.is_null()),
        Some(false) => q = q.filter(Column::Domain.is_not_null()),
        None => {}
    }
    if let Some(status) = query.status {
        q = match status {
            AccountStatus::Active => q
                .filter(Column::SuspendedAt.is_null())
                .filter(Column::Approved.eq(true)),
            // As the partial index is written, so the planner can use it.
            AccountStatus::Pending => q.filter(Expr::col(Column::Approved).not()),
            AccountStatus::Disabled => q.filter(Column::Disabled.eq(true)),
            AccountStatus::Silenced => q.filter(Column::SilencedAt.is_not_null()),
            AccountStatus::Suspended => q.filter(Column::SuspendedAt.is_not_null()),
            AccountStatus::Sensitized => q.filter(Column::SensitizedAt.is_not_null()),
        };
    }
    if !query.roles.is_empty() {
        q = q.filter(Column::Role.is_in(query.roles.iter().copied()));
    }
    if let Some(name) = &query.username {
        q = q.filter(Column::UsernameKey.like(like_prefix(name)));
    }
    if let Some(name) = &query.display_name {
        q = q.filter(lower(Column::DisplayName).like(like_prefix(name)));
    }
    if let Some(domain) = &query.domain {
        let domain = domain.to_lowercase();
        q = q.filter(
            sea_orm::Condition::any()
                .add(Column::Domain.eq(domain.clone()))
                .add(Column::Domain.like(format!("%.{domain}"))),
        );
    }
    if let Some(email) = &query.email {
        q = q.filter(lower(Column::Email).like(like_prefix(email)));
    }
    if let Some(ip) = &query.ip {
        q = q.filter(Column::SignUpIp.eq(ip.clone()));
    }
    if let Some(inviter) = query.invited_by {
        let invites = sea_orm::sea_query::Query::select()
            .column(super::entities::invites::Column::Id)
            .from(super::entities::invites::Entity)
            .and_where(Expr::col(super::entities::invites::Column::AccountId).eq(inviter))
            .to_owned();
        q = q.filter(Column::InviteId.in_subquery(invites));
    }
    super::rows::page_by_id(db, q, Column::Id, page).await
}

/// Lets a pending local account in (confirmed too, unless it already was), in one
/// statement: false when it was not waiting, so two moderators cannot both act on it.
pub async fn approve_pending<C: ConnectionTrait>(
    db: &C,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    use sea_orm::sea_query::{Expr, Func};
    let done = Entity::update_many()
        .col_expr(Column::Approved, Expr::value(true))
        .col_expr(
            Column::ConfirmedAt,
            Func::coalesce([Expr::col(Column::ConfirmedAt), Expr::value(now)]).into(),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Domain.is_null())
        .filter(Expr::col(Column::Approved).not())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes a local account only if it is still waiting for approval.
pub async fn delete_pending<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, StoreError> {
    use sea_orm::sea_query::Expr;
    let done = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Domain.is_null())
        .filter(Expr::col(Column::Approved).not())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
