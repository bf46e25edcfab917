//! Domain blocks and allows, and what a block does to a domain's accounts and follows.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, Query},
};

use super::{
    StoreError,
    entities::{accounts, domain_allows, domain_blocks, follows},
};

type Time = chrono::DateTime<chrono::Utc>;

/// Every block, most recent first.
pub async fn blocks<C: ConnectionTrait>(db: &C) -> Result<Vec<domain_blocks::Model>, StoreError> {
    Ok(domain_blocks::Entity::find()
        .order_by_desc(domain_blocks::Column::Id)
        .all(db)
        .await?)
}

/// A block by id.
pub async fn block<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<domain_blocks::Model>, StoreError> {
    Ok(domain_blocks::Entity::find_by_id(id).one(db).await?)
}

/// Removes a block.
pub async fn delete_block<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    domain_blocks::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Every allowed domain, most recent first.
pub async fn allows<C: ConnectionTrait>(db: &C) -> Result<Vec<domain_allows::Model>, StoreError> {
    Ok(domain_allows::Entity::find()
        .order_by_desc(domain_allows::Column::Id)
        .all(db)
        .await?)
}

/// An allowed domain by id.
pub async fn allow<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<domain_allows::Model>, StoreError> {
    Ok(domain_allows::Entity::find_by_id(id).one(db).await?)
}

/// Removes an allowed domain.
pub async fn delete_allow<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    domain_allows::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The accounts of `domain` and its subdomains.
fn of_domain(domain: &str) -> Condition {
    use sea_orm::sea_query::LikeExpr;
    // `_` is a LIKE wildcard and may stand in a host name.
    let escaped = domain
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let like = |pattern: String| accounts::Column::Domain.like(LikeExpr::new(pattern).escape('\\'));
    let cond = Condition::any()
        .add(accounts::Column::Domain.eq(domain))
        .add(like(format!("%.{escaped}")));
    if domain.contains(':') {
        return cond;
    }
    // A block without a port covers every port.
    cond.add(like(format!("{escaped}:%")))
        .add(like(format!("%.{escaped}:%")))
}

/// What a block does to a domain's accounts.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Suspended,
    Silenced,
}

impl Mark {
    fn column(self) -> accounts::Column {
        match self {
            Mark::Suspended => accounts::Column::SuspendedAt,
            Mark::Silenced => accounts::Column::SilencedAt,
        }
    }
}

/// Marks every account of `domain` not marked yet, with the block's time (so that lifting
/// the block unmarks exactly those).
pub async fn mark_accounts<C: ConnectionTrait>(
    db: &C,
    domain: &str,
    mark: Mark,
    at: Time,
) -> Result<u64, StoreError> {
    let done = accounts::Entity::update_many()
        .col_expr(mark.column(), Expr::value(at))
        .filter(of_domain(domain))
        .filter(mark.column().is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Unmarks the accounts of `domain` that the block made at `at` marked.
pub async fn unmark_accounts<C: ConnectionTrait>(
    db: &C,
    domain: &str,
    mark: Mark,
    at: Time,
) -> Result<u64, StoreError> {
    let done = accounts::Entity::update_many()
        .col_expr(mark.column(), Expr::value(Option::<Time>::None))
        .filter(of_domain(domain))
        .filter(mark.column().eq(at))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Ends every follow between this server's accounts and those of `domain`, both ways.
pub async fn sever_follows<C: ConnectionTrait>(db: &C, domain: &str) -> Result<u64, StoreError> {
    let theirs = Query::select()
        .column(accounts::Column::Id)
        .from(accounts::Entity)
        .cond_where(of_domain(domain))
        .to_owned();
    let done = follows::Entity::delete_many()
        .filter(
            Condition::any()
                .add(follows::Column::FollowerId.in_subquery(theirs.clone()))
                .add(follows::Column::TargetId.in_subquery(theirs)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
