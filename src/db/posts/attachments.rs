//! A post's media attachments: attached, detached, listed.

use super::*;
use crate::db::entities::media_attachments;

/// Links uploaded attachments to a post, in the given order.
pub async fn attach_media<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    media_ids: &[i64],
) -> Result<(), StoreError> {
    for (position, id) in media_ids.iter().enumerate() {
        media_attachments::Entity::update_many()
            .col_expr(media_attachments::Column::PostId, Expr::value(post_id))
            .col_expr(
                media_attachments::Column::Position,
                Expr::value(position as i32),
            )
            .filter(media_attachments::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Unlinks attachments no longer used by an edited post (they become unattached uploads).
pub async fn detach_media<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
    keep: &[i64],
) -> Result<(), StoreError> {
    media_attachments::Entity::update_many()
        .col_expr(
            media_attachments::Column::PostId,
            Expr::value(Option::<i64>::None),
        )
        .filter(media_attachments::Column::PostId.eq(post_id))
        .filter(media_attachments::Column::Id.is_not_in(keep.to_vec()))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores remote attachments for a post.
pub async fn insert_media<C: ConnectionTrait>(
    db: &C,
    rows: Vec<media_attachments::Model>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows = rows
        .into_iter()
        .map(crate::db::rows::fresh::<media_attachments::ActiveModel>);
    media_attachments::Entity::insert_many(rows)
        .exec(db)
        .await?;
    Ok(())
}

/// Removes a post's attachment rows; returns them (local files are the caller's to remove).
pub async fn take_media<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<media_attachments::Model>, StoreError> {
    let rows = media_for(db, &[post_id]).await?;
    media_attachments::Entity::delete_many()
        .filter(media_attachments::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(rows)
}

/// Attachments of the given posts, in post order.
pub async fn media_for<C: ConnectionTrait>(
    db: &C,
    post_ids: &[i64],
) -> Result<Vec<media_attachments::Model>, StoreError> {
    if post_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(media_attachments::Entity::find()
        .filter(crate::db::in_ids(
            db.get_database_backend(),
            Expr::col((media_attachments::Entity, media_attachments::Column::PostId)),
            post_ids,
        ))
        .order_by_asc(media_attachments::Column::Position)
        .order_by_asc(media_attachments::Column::Id)
        .all(db)
        .await?)
}
