//! Post queries: posts and what hangs off them (media, mentions, tags, edits, favourites,
//! boosts), tombstones, notifications and the timeline queries.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TryIntoModel,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use super::{
    StoreError,
    entities::{
        favourites, follows, media_attachments, mentions, notifications, post_edits, post_tags,
        posts::{ActiveModel, Column, Entity, Model},
        tags, tombstones,
    },
};

type Time = chrono::DateTime<chrono::Utc>;

/// Inserts a post unless its id is taken (`None` then). `ON CONFLICT DO NOTHING` rather
/// than catching the error: on PostgreSQL a failed statement would abort the transaction.
pub async fn insert_new<C: ConnectionTrait>(
    db: &C,
    id: i64,
    row: ActiveModel,
) -> Result<Option<Model>, StoreError> {
    let kept = row.clone();
    // Without RETURNING: sea-orm reports a skipped row differently with it (as "not found").
    match Entity::insert(row)
        .on_conflict(OnConflict::column(Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await
    {
        Ok(0) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(None),
        // Every column was given, so the row is known without reading it back (a round
        // trip per post); timestamps as the database keeps them.
        Ok(_) => match kept.try_into_model() {
            Ok(model) => Ok(Some(as_stored(db.get_database_backend(), model))),
            Err(_) => Ok(Entity::find_by_id(id).one(db).await?),
        },
        Err(e) => Err(e.into()),
    }
}

/// A post's timestamps at the precision `backend` stores (PostgreSQL: microseconds).
fn as_stored(backend: sea_orm::DatabaseBackend, mut post: Model) -> Model {
    if backend == sea_orm::DatabaseBackend::Postgres {
        use chrono::SubsecRound;
        post.published_at = post.published_at.trunc_subsecs(6);
        post.edited_at = post.edited_at.map(|t| t.trunc_subsecs(6));
        post.created_at = post.created_at.trunc_subsecs(6);
        post.updated_at = post.updated_at.trunc_subsecs(6);
    }
    post
}

/// Writes changed columns of a post.
pub async fn update<C: ConnectionTrait>(db: &C, row: ActiveModel) -> Result<Model, StoreError> {
    Ok(row.update(db).await?)
}

/// A post by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id).one(db).await?)
}

/// Posts by id, in no particular order.
pub async fn find_many<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(super::in_ids(
            db.get_database_backend(),
            Expr::col((Entity, Column::Id)),
            ids,
        ))
        .all(db)
        .await?)
}

/// A post by its ActivityPub id.
pub async fn find_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Uri.eq(uri)).one(db).await?)
}

/// Removes a post; its boosts, mentions, tags, edits, favourites and notifications go with it.
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The boost of `post_id` by `account_id`, if any.
pub async fn find_reblog<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReblogOfId.eq(post_id))
        .one(db)
        .await?)
}

/// Accounts that boosted a post.
pub async fn reblogger_ids<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(Entity::find()
        .filter(Column::ReblogOfId.eq(post_id))
        .select_only()
        .column(Column::AccountId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Direct replies to any of `parent_ids`.
pub async fn replies_to<C: ConnectionTrait>(
    db: &C,
    parent_ids: &[i64],
) -> Result<Vec<Model>, StoreError> {
    if parent_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(Column::InReplyToId.is_in(parent_ids.to_vec()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

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
    rows: Vec<media_attachments::ActiveModel>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
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
        .filter(super::in_ids(
            db.get_database_backend(),
            Expr::col((media_attachments::Entity, media_attachments::Column::PostId)),
            post_ids,
        ))
        .order_by_asc(media_attachments::Column::Position)
        .order_by_asc(media_attachments::Column::Id)
        .all(db)
        .await?)
}

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
        .filter(super::in_ids(
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
        .and_where(super::in_ids(
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

/// Keeps the previous version of an edited post.
pub async fn insert_edit<C: ConnectionTrait>(
    db: &C,
    post: &Model,
    media_json: String,
) -> Result<(), StoreError> {
    post_edits::ActiveModel {
        post_id: Set(post.id),
        content: Set(post.content.clone()),
        summary: Set(post.summary.clone()),
        sensitive: Set(post.sensitive),
        media_json: Set(media_json),
        created_at: Set(post.edited_at.unwrap_or(post.published_at)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Previous versions of a post, oldest first.
pub async fn edits<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<post_edits::Model>, StoreError> {
    Ok(post_edits::Entity::find()
        .filter(post_edits::Column::PostId.eq(post_id))
        .order_by_asc(post_edits::Column::Id)
        .all(db)
        .await?)
}

/// Records a like; `Conflict` when the account already likes the post.
pub async fn insert_favourite<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
    uri: String,
    now: Time,
) -> Result<favourites::Model, StoreError> {
    Ok(favourites::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        uri: Set(uri),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The like of a post by an account, if any.
pub async fn find_favourite<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<Option<favourites::Model>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::AccountId.eq(account_id))
        .filter(favourites::Column::PostId.eq(post_id))
        .one(db)
        .await?)
}

/// The like a Like activity id created, if any.
pub async fn find_favourite_by_uri<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<favourites::Model>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::Uri.eq(uri))
        .one(db)
        .await?)
}

/// Removes a like.
pub async fn delete_favourite<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    favourites::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Accounts that liked a post, oldest first.
pub async fn favourite_account_ids<C: ConnectionTrait>(
    db: &C,
    post_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(favourites::Entity::find()
        .filter(favourites::Column::PostId.eq(post_id))
        .order_by_asc(favourites::Column::Id)
        .select_only()
        .column(favourites::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?)
}

/// What a page of statuses shows beside each post, as stored.
#[derive(Debug, Default)]
pub struct InteractionRows {
    /// Replies, boosts, likes per post id (posts with none are absent).
    pub counts: HashMap<i64, (u64, u64, u64)>,
    pub favourited: Vec<i64>,
    pub reblogged: Vec<i64>,
    pub bookmarked: Vec<i64>,
}

/// Reply, boost and like counts of `post_ids`, and which of them `viewer` liked, boosted
/// or bookmarked: one statement (a `UNION ALL` of six indexed lookups) instead of six
/// round trips for every page of statuses.
pub async fn interactions<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i64>,
    post_ids: &[i64],
) -> Result<InteractionRows, StoreError> {
    let mut out = InteractionRows::default();
    // Each chunk's list appears in six branches: bounded well under the databases'
    // bind-parameter limits however long the thread.
    for chunk in post_ids.chunks(super::PADDED_UP_TO) {
        interactions_of(db, viewer, chunk, &mut out).await?;
    }
    Ok(out)
}

async fn interactions_of<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i64>,
    post_ids: &[i64],
    out: &mut InteractionRows,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Alias, SelectStatement, UnionType};
    let backend = db.get_database_backend();
    // kind, post id, number: counted per post, or 1 for the viewer's own.
    let branch = |kind: i64, table: &str, key: &str, by: Option<(&str, i64)>| {
        let mut q = SelectStatement::new();
        q.expr(Expr::cust(format!("CAST({kind} AS BIGINT)")))
            .column(Alias::new(key))
            .from(Alias::new(table))
            .and_where(super::in_ids(backend, Expr::col(Alias::new(key)), post_ids));
        match by {
            None => {
                q.expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
                    .group_by_col(Alias::new(key));
            }
            Some((column, id)) => {
                q.expr(Expr::cust("CAST(1 AS BIGINT)"))
                    .and_where(Expr::col(Alias::new(column)).eq(id));
            }
        }
        q
    };
    let mut query = branch(0, "posts", "in_reply_to_id", None);
    query.union(UnionType::All, branch(1, "posts", "reblog_of_id", None));
    query.union(UnionType::All, branch(2, "favourites", "post_id", None));
    if let Some(v) = viewer {
        query.union(
            UnionType::All,
            branch(3, "favourites", "post_id", Some(("account_id", v))),
        );
        query.union(
            UnionType::All,
            branch(4, "posts", "reblog_of_id", Some(("account_id", v))),
        );
        query.union(
            UnionType::All,
            branch(5, "bookmarks", "post_id", Some(("account_id", v))),
        );
    }
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    for row in rows {
        let kind: i64 = row.try_get_by_index(0)?;
        let Some(id) = row.try_get_by_index::<Option<i64>>(1)? else {
            continue;
        };
        let n = u64::try_from(row.try_get_by_index::<i64>(2)?).unwrap_or(0);
        match kind {
            0 => out.counts.entry(id).or_default().0 = n,
            1 => out.counts.entry(id).or_default().1 = n,
            2 => out.counts.entry(id).or_default().2 = n,
            3 => out.favourited.push(id),
            4 => out.reblogged.push(id),
            _ => out.bookmarked.push(id),
        }
    }
    Ok(())
}

/// Remembers a deleted post's id (idempotent).
pub async fn insert_tombstone<C: ConnectionTrait>(
    db: &C,
    uri: &str,
    account_id: Option<i64>,
    now: Time,
) -> Result<(), StoreError> {
    tombstones::Entity::insert(tombstones::ActiveModel {
        uri: Set(uri.to_string()),
        account_id: Set(account_id),
        deleted_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(tombstones::Column::Uri)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes a tombstone that turned out not to bind the post's author.
pub async fn remove_tombstone<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), StoreError> {
    tombstones::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The tombstone of a deleted post, if any.
pub async fn find_tombstone<C: ConnectionTrait>(
    db: &C,
    uri: &str,
) -> Result<Option<tombstones::Model>, StoreError> {
    Ok(tombstones::Entity::find()
        .filter(tombstones::Column::Uri.eq(uri))
        .one(db)
        .await?)
}

/// Records a notification unless the same one exists.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    from_account_id: i64,
    kind: &str,
    post_id: Option<i64>,
    now: Time,
) -> Result<(), StoreError> {
    let mut existing = notifications::Entity::find()
        .filter(notifications::Column::AccountId.eq(account_id))
        .filter(notifications::Column::FromAccountId.eq(from_account_id))
        .filter(notifications::Column::Kind.eq(kind));
    existing = match post_id {
        Some(p) => existing.filter(notifications::Column::PostId.eq(p)),
        None => existing.filter(notifications::Column::PostId.is_null()),
    };
    if existing.count(db).await? > 0 {
        return Ok(());
    }
    notifications::ActiveModel {
        account_id: Set(account_id),
        from_account_id: Set(from_account_id),
        kind: Set(kind.to_string()),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removes a notification (the like or boost behind it was undone).
pub async fn unnotify<C: ConnectionTrait>(
    db: &C,
    from_account_id: i64,
    kind: &str,
    post_id: i64,
) -> Result<(), StoreError> {
    notifications::Entity::delete_many()
        .filter(notifications::Column::FromAccountId.eq(from_account_id))
        .filter(notifications::Column::Kind.eq(kind))
        .filter(notifications::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One of an account's notifications.
pub async fn notification<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    id: i64,
) -> Result<Option<notifications::Model>, StoreError> {
    Ok(notifications::Entity::find_by_id(id)
        .filter(notifications::Column::AccountId.eq(account_id))
        .one(db)
        .await?)
}

/// Deletes one (`Some(id)`) or all of an account's notifications.
pub async fn dismiss<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    id: Option<i64>,
) -> Result<(), StoreError> {
    let mut q = notifications::Entity::delete_many()
        .filter(notifications::Column::AccountId.eq(account_id));
    if let Some(id) = id {
        q = q.filter(notifications::Column::Id.eq(id));
    }
    q.exec(db).await?;
    Ok(())
}

/// Number of posts (not boosts) by an account.
pub async fn count_by_account<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ReblogOfId.is_null())
        .count(db)
        .await?)
}

/// A cursor page, with Mastodon's semantics: `max_id` pages back, `since_id` gives the
/// newest items above an id, `min_id` the items immediately above an id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: u64,
}

/// A local account's notifications, newest first.
pub async fn notifications<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    kinds: &[String],
    page: Page,
) -> Result<Vec<notifications::Model>, StoreError> {
    use notifications::Column as N;
    // Nothing from an account on the other side of a block (Mastodon hides those too).
    let mut q = notifications::Entity::find()
        .filter(N::AccountId.eq(account_id))
        .filter(N::FromAccountId.not_in_subquery(super::blocks::blocked_by(account_id)))
        .filter(N::FromAccountId.not_in_subquery(super::blocks::blocking(account_id)));
    if !kinds.is_empty() {
        q = q.filter(N::Kind.is_in(kinds.to_vec()));
    }
    if let Some(max) = page.max_id {
        q = q.filter(N::Id.lt(max));
    }
    if let Some(since) = page.since_id {
        q = q.filter(N::Id.gt(since));
    }
    if let Some(min) = page.min_id {
        let mut rows = q
            .filter(N::Id.gt(min))
            .order_by_asc(N::Id)
            .limit(page.limit)
            .all(db)
            .await?;
        rows.reverse();
        return Ok(rows);
    }
    Ok(q.order_by_desc(N::Id).limit(page.limit).all(db).await?)
}

/// Posts matching `cond`, newest first, one cursor page.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    page: Page,
) -> Result<Vec<Model>, StoreError> {
    // The caller's condition may be an OR of cases (the home timeline's); the cursor must
    // narrow all of them.
    let mut cond = Condition::all().add(cond);
    if let Some(max) = page.max_id {
        cond = cond.add(Column::Id.lt(max));
    }
    if let Some(since) = page.since_id {
        cond = cond.add(Column::Id.gt(since));
    }
    if let Some(min) = page.min_id {
        let mut rows = Entity::find()
            .filter(cond.add(Column::Id.gt(min)))
            .order_by_asc(Column::Id)
            .limit(page.limit)
            .all(db)
            .await?;
        rows.reverse();
        return Ok(rows);
    }
    Ok(Entity::find()
        .filter(cond)
        .order_by_desc(Column::Id)
        .limit(page.limit)
        .all(db)
        .await?)
}

/// Number of posts matching `cond`.
pub async fn count<C: ConnectionTrait>(db: &C, cond: Condition) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(cond).count(db).await?)
}

/// Visibilities everyone may see.
pub const OPEN: [&str; 2] = ["public", "unlisted"];

/// Ids of the accounts `me` follows (accepted).
fn followed_by(me: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(follows::Column::TargetId)
        .from(follows::Entity)
        .and_where(Expr::col(follows::Column::FollowerId).eq(me))
        .and_where(Expr::col(follows::Column::Accepted).eq(true))
        .to_owned()
}

/// Ids of the posts that mention `me`.
fn mentioning(me: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(mentions::Column::PostId)
        .from(mentions::Entity)
        .and_where(Expr::col(mentions::Column::AccountId).eq(me))
        .to_owned()
}

/// Longest block list bound as literal values; past it the lists come from subqueries
/// (statements have a parameter cap, 32,766 on SQLite).
pub const LITERAL_BLOCKS: usize = 500;

/// Posts (and boosts of posts) by none of `partners`, the accounts on the other side of a
/// block with reader `me` (see `blocks::partners`). Built from the list rather than a
/// subquery on blocks: with no blocks (the usual case) it adds nothing to the query, and
/// with a few it stays an indexed lookup instead of a scan of every post.
pub fn unblocked(me: i64, partners: &[i64]) -> Condition {
    use super::blocks::{blocked_by, blocking};
    if partners.is_empty() {
        return Condition::all();
    }
    let by_partner = if partners.len() <= LITERAL_BLOCKS {
        Condition::all().add(Column::AccountId.is_in(partners.to_vec()))
    } else {
        Condition::any()
            .add(Column::AccountId.in_subquery(blocked_by(me)))
            .add(Column::AccountId.in_subquery(blocking(me)))
    };
    let hidden_posts = Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(by_partner.clone())
        .to_owned();
    Condition::all().add(by_partner.not()).add(
        Condition::any()
            .add(Column::ReblogOfId.is_null())
            .add(Column::ReblogOfId.not_in_subquery(hidden_posts)),
    )
}

/// What `viewer` (an account id, or nobody) may see, as a condition on posts (blocks are
/// applied separately, with [`unblocked`]).
pub fn visible_to(viewer: Option<i64>) -> Condition {
    let Some(me) = viewer else {
        return Condition::all().add(Column::Visibility.is_in(OPEN));
    };
    let (followed, mentioned) = (followed_by(me), mentioning(me));
    Condition::any()
        .add(Column::Visibility.is_in(OPEN))
        .add(Column::AccountId.eq(me))
        .add(
            Condition::all()
                .add(Column::Visibility.eq("private"))
                .add(Column::AccountId.in_subquery(followed)),
        )
        .add(Column::Id.in_subquery(mentioned))
}

/// The home timeline of `me`: own posts and boosts, those of followed accounts (not their
/// direct messages to others), and posts mentioning `me` (blocks applied separately).
pub fn home_condition(me: i64) -> Condition {
    let (followed, mentioned) = (followed_by(me), mentioning(me));
    Condition::any()
        .add(Column::AccountId.eq(me))
        .add(
            Condition::all()
                .add(Column::AccountId.in_subquery(followed))
                .add(Column::Visibility.ne("direct")),
        )
        .add(Column::Id.in_subquery(mentioned))
}

/// Ids of posts carrying the tag `name_key`.
pub fn tagged(name_key: &str) -> Condition {
    let tag = Query::select()
        .column(tags::Column::Id)
        .from(tags::Entity)
        .and_where(Expr::col(tags::Column::NameKey).eq(name_key))
        .to_owned();
    let posts = Query::select()
        .column(post_tags::Column::PostId)
        .from(post_tags::Entity)
        .and_where(Expr::col(post_tags::Column::TagId).in_subquery(tag))
        .to_owned();
    Condition::all().add(Column::Id.in_subquery(posts))
}

/// The ids of local accounts that follow `account_id` (accepted), as a query.
fn local_followers(account_id: i64) -> sea_orm::Selector<sea_orm::SelectGetableTuple<i64>> {
    use super::entities::accounts;
    let follower_ids = Query::select()
        .column(follows::Column::FollowerId)
        .from(follows::Entity)
        .and_where(Expr::col(follows::Column::TargetId).eq(account_id))
        .and_where(Expr::col(follows::Column::Accepted).eq(true))
        .to_owned();
    accounts::Entity::find()
        .filter(accounts::Column::Id.in_subquery(follower_ids))
        .filter(accounts::Column::Domain.is_null())
        .select_only()
        .column(accounts::Column::Id)
        .into_tuple::<i64>()
}

/// Whether any local account follows `account_id` (one indexed probe, not the list).
pub async fn has_local_follower<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<bool, StoreError> {
    Ok(local_followers(account_id).one(db).await?.is_some())
}

/// Local accounts that follow `account_id` (accepted).
pub async fn local_follower_ids<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(local_followers(account_id).all(db).await?)
}

/// Number of posts (not boosts) by local accounts.
pub async fn count_local<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::Local.eq(true))
        .filter(Column::ReblogOfId.is_null())
        .count(db)
        .await?)
}

/// Bookmarks `post_id` for `account_id` (idempotent).
pub async fn bookmark<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    use super::entities::bookmarks;
    bookmarks::Entity::insert(bookmarks::ActiveModel {
        account_id: Set(account_id),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([bookmarks::Column::AccountId, bookmarks::Column::PostId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes a bookmark.
pub async fn unbookmark<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    post_id: i64,
) -> Result<(), StoreError> {
    use super::entities::bookmarks;
    bookmarks::Entity::delete_many()
        .filter(bookmarks::Column::AccountId.eq(account_id))
        .filter(bookmarks::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The post an idempotency key created, if any.
pub async fn idempotent_post<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    use super::entities::idempotency_keys as k;
    Ok(k::Entity::find()
        .filter(k::Column::AccountId.eq(account_id))
        .filter(k::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|r| r.post_id))
}

/// Remembers the post an idempotency key created.
pub async fn remember_idempotency<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    key: &str,
    post_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    use super::entities::idempotency_keys as k;
    k::Entity::insert(k::ActiveModel {
        account_id: Set(account_id),
        key: Set(key.to_string()),
        post_id: Set(post_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([k::Column::AccountId, k::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
