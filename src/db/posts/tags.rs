//! Hashtags: created in key order (two posts creating the same new tags must not
//! deadlock), linked to posts a batch at a time.

use super::*;
use crate::db::entities::{post_tags, tags};

/// Replaces a post's hashtags (creating tags as needed).
pub async fn set_tags<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    names: &[String],
    now: Time,
) -> Result<(), StoreError> {
    post_tags::Entity::delete_many()
        .filter(post_tags::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    add_tags(db, post_id, names, now).await
}

/// Links a new post to its hashtags, creating the unknown ones: three statements however
/// many tags (a remote post may carry dozens).
pub async fn add_tags<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    names: &[String],
    now: Time,
) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut wanted: Vec<(&String, String)> = names
        .iter()
        .map(|name| (name, name.to_lowercase()))
        .filter(|(_, key)| !key.is_empty() && seen.insert(key.clone()))
        .collect();
    // In key order, so two transactions creating the same new tags wait for each other
    // instead of deadlocking on PostgreSQL's unique index.
    wanted.sort_by(|a, b| a.1.cmp(&b.1));
    // A few hundred at a time: far below SQLite's 32,766 parameters per statement, should
    // an instance allow very long posts.
    for chunk in wanted.chunks(500) {
        let rows = chunk.iter().map(|(name, key)| tags::ActiveModel {
            name: Set((*name).clone()),
            name_key: Set(key.clone()),
            created_at: Set(now),
            ..Default::default()
        });
        match tags::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(tags::Column::NameKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
        {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
        let ids: Vec<i64> = tags::Entity::find()
            .select_only()
            .column(tags::Column::Id)
            .filter(tags::Column::NameKey.is_in(chunk.iter().map(|(_, key)| key.clone())))
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            continue;
        }
        post_tags::Entity::insert_many(ids.into_iter().map(|tag_id| post_tags::ActiveModel {
            tag_id: Set(tag_id),
            post_id: Set(post_id),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// `(post_id, tag name)` of the given posts.
pub async fn tags_for<C: ConnectionTrait>(
    db: &C,
    post_ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    let query = Query::select()
        .column((post_tags::Entity, post_tags::Column::PostId))
        .column((tags::Entity, tags::Column::Name))
        .from(post_tags::Entity)
        .inner_join(
            tags::Entity,
            Expr::col((tags::Entity, tags::Column::Id))
                .equals((post_tags::Entity, post_tags::Column::TagId)),
        )
        .and_where(crate::db::in_ids(
            db.get_database_backend(),
            Expr::col((post_tags::Entity, post_tags::Column::PostId)),
            post_ids,
        ))
        .order_by(
            (post_tags::Entity, post_tags::Column::TagId),
            sea_orm::Order::Asc,
        )
        .to_owned();
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}
