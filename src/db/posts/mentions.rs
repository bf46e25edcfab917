//! Who a post mentions (and silently addresses).

use super::*;
use crate::db::entities::mentions;

/// Replaces a post's mentions: `named` accounts appear in the post, `silent` ones were
/// only addressed (`bto`/`bcc`, a personal-inbox delivery). Named wins over silent.
pub async fn set_mentions<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    named: &[i64],
    silent: &[i64],
) -> Result<(), StoreError> {
    mentions::Entity::delete_many()
        .filter(mentions::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    add_mentions(db, post_id, named, silent).await
}

/// Records the accounts a new post names (`named`) and those it reaches without naming
/// them (`silent`); a named account is never also silent.
pub async fn add_mentions<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    named: &[i64],
    silent: &[i64],
) -> Result<(), StoreError> {
    let mut rows: Vec<(i64, bool)> = named.iter().map(|id| (*id, false)).collect();
    rows.extend(
        silent
            .iter()
            .filter(|id| !named.contains(id))
            .map(|id| (*id, true)),
    );
    rows.sort_unstable();
    rows.dedup_by_key(|(id, _)| *id);
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<mentions::ActiveModel> = rows
        .into_iter()
        .map(|(account_id, silent)| mentions::ActiveModel {
            post_id: Set(post_id),
            account_id: Set(account_id),
            silent: Set(silent),
            ..Default::default()
        })
        .collect();
    mentions::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Adds one mention unless the account is already mentioned (named or silent); whether it
/// was added.
pub async fn add_mention<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    account_id: i64,
    silent: bool,
) -> Result<bool, StoreError> {
    let exists = mentions::Entity::find()
        .filter(mentions::Column::PostId.eq(post_id))
        .filter(mentions::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    mentions::ActiveModel {
        post_id: Set(post_id),
        account_id: Set(account_id),
        silent: Set(silent),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// `(post_id, account_id, silent)` of the mentions in the given posts.
pub async fn mentions_for<C: ConnectionTrait>(
    db: &C,
    post_ids: &[i64],
) -> Result<Vec<(i64, i64, bool)>, StoreError> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(mentions::Entity::find()
        .filter(crate::db::in_ids(
            db.get_database_backend(),
            Expr::col((mentions::Entity, mentions::Column::PostId)),
            post_ids,
        ))
        .select_only()
        .column(mentions::Column::PostId)
        .column(mentions::Column::AccountId)
        .column(mentions::Column::Silent)
        .order_by_asc(mentions::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}
