//! Report queries (inserts and updates go through `db::insert` / `db::update`).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{
    StoreError,
    entities::reports::{Column, Entity, Model},
    posts::Page,
};

/// The report by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// The report a Flag with this id made, if any.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// What a list of reports asks for.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReportQuery {
    /// `Some(false)`: open ones only; `Some(true)`: resolved ones only.
    pub resolved: Option<bool>,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
}

/// A page of reports matching `query`, newest first.
pub async fn query<C: ConnectionTrait>(
    db: &C,
    query: ReportQuery,
    page: &Page,
) -> Result<Vec<Model>, StoreError> {
    let mut q = Entity::find();
    match query.resolved {
        Some(true) => q = q.filter(Column::ActionTakenAt.is_not_null()),
        Some(false) => q = q.filter(Column::ActionTakenAt.is_null()),
        None => {}
    }
    if let Some(id) = query.account_id {
        q = q.filter(Column::AccountId.eq(id));
    }
    if let Some(id) = query.target_account_id {
        q = q.filter(Column::TargetAccountId.eq(id));
    }
    super::rows::page_by_id(db, q, Column::Id, page).await
}

/// Marks every open report about `target` resolved by `by` (an account action settles
/// them all, as on Mastodon).
pub async fn resolve_about<C: ConnectionTrait>(
    db: &C,
    target: i64,
    by: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    use sea_orm::sea_query::Expr;
    let done = Entity::update_many()
        .col_expr(Column::ActionTakenAt, Expr::value(now))
        .col_expr(Column::ActionTakenByAccountId, Expr::value(by))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::TargetAccountId.eq(target))
        .filter(Column::ActionTakenAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
