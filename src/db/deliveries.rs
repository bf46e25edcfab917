//! The durable delivery queue: rows are written in the transaction that causes them and
//! claimed by workers with a lease, so a crash never loses or duplicates work for long.

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, Set, Statement, sea_query::Expr,
};

use super::{
    StoreError,
    entities::{
        deliveries::{ActiveModel, Column, Entity, Model},
        domain_health,
    },
};

/// Queue states.
pub const QUEUED: &str = "queued";
pub const DEAD: &str = "dead";

/// A POST to make.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub inbox_url: String,
    pub domain: String,
    pub signer_account_id: Option<i64>,
    pub body: String,
    /// What the activity is about (see the entity's `ordering_key`).
    pub ordering_key: Option<String>,
}

/// Adds deliveries (in the caller's transaction).
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    items: Vec<NewDelivery>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    // Chunked so a large fan-out stays under the databases' bind-parameter limits.
    let rows: Vec<ActiveModel> = items
        .into_iter()
        .map(|d| ActiveModel {
            id: NotSet,
            inbox_url: Set(d.inbox_url),
            domain: Set(d.domain),
            signer_account_id: Set(d.signer_account_id),
            body: Set(d.body),
            state: Set(QUEUED.to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ordering_key: Set(d.ordering_key),
        })
        .collect();
    for chunk in rows.chunks(500) {
        Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    Ok(())
}

/// Claims up to `limit` due deliveries for `lease`: queued, due, not leased by a live
/// worker, not to a domain whose circuit is open, and first of their chain (no earlier
/// delivery with the same ordering key to the same inbox still queued, even one waiting
/// for a retry): so a Create reaches an inbox before its Update and Delete, a Follow before
/// its Undo, however many are sent at once. Chains are per inbox, not per server: copies
/// of one post to many personal inboxes on a server still go out side by side. A dead letter no longer holds its chain. On
/// PostgreSQL `SKIP LOCKED` lets several processes claim from one table without waiting on
/// each other; as only chain heads qualify, no two of them take one chain.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    limit: u64,
    lease: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Model>, StoreError> {
    let backend = db.get_database_backend();
    let locked_until = now + lease;
    let lock = match backend {
        DbBackend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
        _ => "",
    };
    // `'queued'` is written out (not bound) so both planners can use the partial index.
    let sql = format!(
        "UPDATE deliveries SET locked_until = $1, updated_at = $2 WHERE id IN (\
           SELECT d.id FROM deliveries d WHERE d.state = 'queued' AND d.next_attempt_at <= $2 \
           AND (d.locked_until IS NULL OR d.locked_until < $2) \
           AND d.domain NOT IN (SELECT domain FROM domain_health WHERE open_until > $2) \
           AND (d.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries p \
                WHERE p.inbox_url = d.inbox_url AND p.ordering_key = d.ordering_key \
                AND p.state = 'queued' AND p.id < d.id)) \
           ORDER BY d.next_attempt_at, d.id LIMIT $3{lock}) RETURNING *"
    );
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [locked_until.into(), now.into(), (limit as i64).into()],
    );
    Ok(Entity::find().from_raw_sql(stmt).all(db).await?)
}

/// Gives a claimed delivery back untouched (the worker is stopping before sending it).
pub async fn release<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Several deliveries succeeded: they leave the queue in one statement.
pub async fn complete_many<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Domains with recorded delivery failures.
pub async fn failing_domains<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(domain_health::Entity::find()
        .filter(domain_health::Column::ConsecutiveFailures.gt(0))
        .select_only()
        .column(domain_health::Column::Domain)
        .into_tuple()
        .all(db)
        .await?)
}

/// A delivery succeeded: it leaves the queue.
pub async fn complete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// A delivery failed and will be tried again at `next_attempt_at`.
pub async fn retry_later<C: ConnectionTrait>(
    db: &C,
    id: i64,
    attempts: i32,
    next_attempt_at: chrono::DateTime<chrono::Utc>,
    error: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    record_failure(db, id, QUEUED, attempts, next_attempt_at, error, now).await
}

/// A delivery will never succeed (or ran out of tries): kept as a dead letter.
pub async fn bury<C: ConnectionTrait>(
    db: &C,
    id: i64,
    attempts: i32,
    error: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    record_failure(db, id, DEAD, attempts, now, error, now).await
}

async fn record_failure<C: ConnectionTrait>(
    db: &C,
    id: i64,
    state: &str,
    attempts: i32,
    next_attempt_at: chrono::DateTime<chrono::Utc>,
    error: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(truncate(error)))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Dead letters, newest first, for operators and tests.
pub async fn dead_letters<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(Entity::find()
        .filter(Column::State.eq(DEAD))
        .order_by_desc(Column::Id)
        .all(db)
        .await?)
}

/// Number of deliveries in a state, for operators and tests.
pub async fn count_by_state<C: ConnectionTrait>(db: &C, state: &str) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::State.eq(state))
        .count(db)
        .await?)
}

fn truncate(error: &str) -> String {
    error.chars().take(500).collect()
}

/// Resets a domain's failure count after a successful delivery.
pub async fn domain_succeeded<C: ConnectionTrait>(
    db: &C,
    domain: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    domain_health::Entity::update_many()
        .col_expr(domain_health::Column::ConsecutiveFailures, Expr::value(0))
        .col_expr(
            domain_health::Column::OpenUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(domain_health::Column::UpdatedAt, Expr::value(now))
        .filter(domain_health::Column::Domain.eq(domain))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts a failed delivery against a domain; returns the consecutive failure count.
pub async fn domain_failed<C: ConnectionTrait>(
    db: &C,
    domain: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i32, StoreError> {
    let existing = domain_health::Entity::find_by_id(domain.to_string())
        .one(db)
        .await?;
    let failures = existing.as_ref().map_or(0, |h| h.consecutive_failures) + 1;
    let row = domain_health::ActiveModel {
        domain: Set(domain.to_string()),
        consecutive_failures: Set(failures),
        open_until: Set(existing.and_then(|h| h.open_until)),
        updated_at: Set(now),
    };
    domain_health::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(domain_health::Column::Domain)
                .update_columns([
                    domain_health::Column::ConsecutiveFailures,
                    domain_health::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(failures)
}

/// Opens a domain's circuit until `until`: its deliveries wait instead of being tried.
pub async fn open_circuit<C: ConnectionTrait>(
    db: &C,
    domain: &str,
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    domain_health::Entity::update_many()
        .col_expr(domain_health::Column::OpenUntil, Expr::value(until))
        .col_expr(domain_health::Column::UpdatedAt, Expr::value(now))
        .filter(domain_health::Column::Domain.eq(domain))
        .exec(db)
        .await?;
    Ok(())
}

/// Queued deliveries that were never attempted (the benchmark waits for zero).
pub async fn count_untried<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::State.eq(QUEUED))
        .filter(Column::Attempts.eq(0))
        .count(db)
        .await?)
}
