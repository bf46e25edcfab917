//! Received activities: their ids (so redeliveries are acknowledged but not re-applied),
//! their bodies, and the local accounts each one reached (their inbox collections).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{
    StoreError,
    entities::{inbox_activities, inbox_items},
};

/// Records a received activity; its row id, or `StoreError::Conflict` when it was
/// processed before.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    activity_id: &str,
    actor: (i64, &str),
    kind: &str,
    body: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, StoreError> {
    let row = inbox_activities::ActiveModel {
        activity_id: Set(activity_id.to_string()),
        actor_account_id: Set(Some(actor.0)),
        actor_uri: Set(actor.1.to_string()),
        kind: Set(kind.to_string()),
        received_at: Set(now),
        body: Set(Some(body.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// A recorded activity.
pub async fn find_recorded<C: ConnectionTrait>(
    db: &C,
    activity_id: &str,
) -> Result<Option<inbox_activities::Model>, StoreError> {
    Ok(inbox_activities::Entity::find()
        .filter(inbox_activities::Column::ActivityId.eq(activity_id))
        .one(db)
        .await?)
}

/// The row id of a recorded activity.
pub async fn find_row<C: ConnectionTrait>(
    db: &C,
    activity_id: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(find_recorded(db, activity_id).await?.map(|a| a.id))
}

/// The row of a local activity (recorded on first use; one activity can reach local
/// recipients more than once, e.g. a post and then a reply parent's author).
pub async fn record_local<C: ConnectionTrait>(
    db: &C,
    activity_id: &str,
    actor: (i64, &str),
    kind: &str,
    body: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, StoreError> {
    if let Some(existing) = find_row(db, activity_id).await? {
        return Ok(existing);
    }
    record(db, activity_id, actor, kind, body, now).await
}

/// Puts a recorded activity in the inboxes of `account_ids`.
pub async fn deliver_to<C: ConnectionTrait>(
    db: &C,
    inbox_activity_id: i64,
    account_ids: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    if account_ids.is_empty() {
        return Ok(());
    }
    // In chunks: SQLite caps the parameters of one statement, and an account can have
    // thousands of local followers.
    for chunk in account_ids.chunks(1000) {
        let rows = chunk.iter().map(|id| inbox_items::ActiveModel {
            account_id: Set(*id),
            inbox_activity_id: Set(inbox_activity_id),
            created_at: Set(now),
            ..Default::default()
        });
        inbox_items::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// The inbox rows of `account_id`, without activities by accounts in `hidden` (its block
/// partners; a long list is read from the blocks table instead of bound as values).
fn items_of(account_id: i64, hidden: &[i64]) -> sea_orm::Select<inbox_items::Entity> {
    use super::blocks::{blocked_by, blocking};
    use inbox_activities::Column as A;
    let q = inbox_items::Entity::find().filter(inbox_items::Column::AccountId.eq(account_id));
    if hidden.is_empty() {
        return q;
    }
    let not_hidden = if hidden.len() <= super::posts::LITERAL_BLOCKS {
        sea_orm::Condition::all().add(A::ActorAccountId.is_not_in(hidden.to_vec()))
    } else {
        sea_orm::Condition::all()
            .add(A::ActorAccountId.not_in_subquery(blocked_by(account_id)))
            .add(A::ActorAccountId.not_in_subquery(blocking(account_id)))
    };
    let shown = sea_orm::sea_query::Query::select()
        .column(A::Id)
        .from(inbox_activities::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(A::ActorAccountId.is_null())
                .add(not_hidden),
        )
        .to_owned();
    q.filter(inbox_items::Column::InboxActivityId.in_subquery(shown))
}

/// How many activities reached `account_id` (leaving out those by accounts in `hidden`).
pub async fn count_for<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    hidden: &[i64],
) -> Result<u64, StoreError> {
    Ok(items_of(account_id, hidden).count(db).await?)
}

/// `(item id, activity body)` of what reached `account_id`, newest first, below `max_id`,
/// leaving out activities by accounts in `hidden`.
pub async fn page_for<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    hidden: &[i64],
    max_id: Option<i64>,
    limit: u64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut q = items_of(account_id, hidden);
    if let Some(max) = max_id {
        q = q.filter(inbox_items::Column::Id.lt(max));
    }
    let items = q
        .order_by_desc(inbox_items::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<i64> = items.iter().map(|i| i.inbox_activity_id).collect();
    let bodies: std::collections::HashMap<i64, Option<String>> = inbox_activities::Entity::find()
        .filter(inbox_activities::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.body))
        .collect();
    Ok(items
        .into_iter()
        .filter_map(|i| Some((i.id, bodies.get(&i.inbox_activity_id)?.clone()?)))
        .collect())
}

/// Removes activities received before `before` (and, by cascade, their inbox items);
/// how many.
pub async fn prune<C: ConnectionTrait>(
    db: &C,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    Ok(inbox_activities::Entity::delete_many()
        .filter(inbox_activities::Column::ReceivedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
