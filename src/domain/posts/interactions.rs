//! What local accounts do to posts: favourites, boosts, bookmarks and their undos.

use super::*;

/// Bookmarks (or, with `on` false, un-bookmarks) a post `account` can see.
pub async fn bookmark(
    db: &Pool,
    account: &Account,
    post_id: i64,
    on: bool,
) -> Result<PostView, DomainError> {
    let view = get_visible(db, Some(account), post_id).await?;
    if on {
        db::posts::bookmark(db, account.id, view.post.id, chrono::Utc::now()).await?;
    } else {
        db::posts::unbookmark(db, account.id, view.post.id).await?;
    }
    Ok(view)
}

/// `account` likes (`on`) or stops liking a post it can see; the author hears about it
/// (Like or Undo{Like} when remote, a notification given or withdrawn when local). Doing
/// either twice changes nothing.
pub async fn favourite(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
    on: bool,
) -> Result<PostView, DomainError> {
    let view = get_visible(ctx.db, Some(account), post_id).await?;
    let post = view.reblog.map(|r| r.post).unwrap_or(view.post);
    let txn = db::begin_write(ctx.db).await?;
    let now = chrono::Utc::now();
    let changed = match (
        on,
        db::posts::find_favourite(&txn, account.id, post.id).await?,
    ) {
        (true, None) => {
            let uri = ctx.publisher.new_activity_id(account);
            Some(db::posts::insert_favourite(&txn, account.id, post.id, uri, now).await?)
        }
        (false, Some(fav)) => {
            db::posts::delete_favourite(&txn, fav.id).await?;
            db::posts::unnotify(&txn, account.id, "favourite", post.id).await?;
            Some(fav)
        }
        _ => None,
    };
    if let Some(fav) = changed {
        let author = author_of(&txn, &post).await?;
        if author.id != account.id {
            if on && author.is_local() {
                db::posts::notify(&txn, author.id, account.id, "favourite", Some(post.id), now)
                    .await?;
            }
            let (like_uri, liker) = (&fav.uri, account);
            let (post, author) = (&post, &author);
            let event = match on {
                true => Event::Liked {
                    like_uri,
                    liker,
                    post,
                    author,
                },
                false => Event::Unliked {
                    like_uri,
                    liker,
                    post,
                    author,
                },
            };
            tell(&txn, ctx.publisher, event, author).await?;
        }
    }
    db::commit(txn).await?;
    load_view(ctx.db, post).await
}

/// `account` boosts a public or unlisted post (Mastodon allows nothing else, and neither
/// boosting a boost): Announce to its followers and the author.
pub async fn reblog(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<PostView, DomainError> {
    let view = get_visible(ctx.db, Some(account), post_id).await?;
    let original = view.reblog.map(|r| r.post).unwrap_or(view.post);
    if !matches!(
        Visibility::of(&original),
        Visibility::Public | Visibility::Unlisted
    ) {
        return Err(DomainError::Invalid(
            "only public and unlisted posts can be boosted".into(),
        ));
    }
    let txn = db::begin_write(ctx.db).await?;
    let boost = match db::posts::find_reblog(&txn, account.id, original.id).await? {
        Some(existing) => existing,
        None => {
            let now = chrono::Utc::now();
            let boost = insert_fresh(&txn, now, |id| {
                let (uri, _) = ctx.publisher.post_uri(account, id);
                boost_row(id, format!("{uri}/activity"), account, &original, true, now)
            })
            .await?;
            let author = author_of(&txn, &original).await?;
            if author.is_local() && author.id != account.id {
                db::posts::notify(
                    &txn,
                    author.id,
                    account.id,
                    "reblog",
                    Some(original.id),
                    now,
                )
                .await?;
            }
            let inboxes = boost_inboxes(&txn, account, &author).await?;
            let event = Event::Boosted {
                boost: &boost,
                booster: account,
                original: &original,
                author: &author,
                inboxes: &inboxes,
            };
            let locals = boost_audience(&txn, account, &author).await?;
            broadcast(&txn, ctx.publisher, event, &locals).await?;
            boost
        }
    };
    db::commit(txn).await?;
    load_view(ctx.db, boost).await
}

/// The remote inboxes that hear of a boost (or its withdrawal): the booster's followers and
/// the boosted post's author.
pub(super) async fn boost_inboxes<C: Conn>(
    db: &C,
    booster: &Account,
    author: &Account,
) -> Result<Vec<String>, DomainError> {
    let mut inboxes = db::follows::follower_inboxes(db, booster.id).await?;
    inboxes.extend(inboxes_of([author]));
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// The local accounts that receive a boost: the booster's local followers and a local
/// author of the boosted post.
pub(super) async fn boost_audience<C: Conn>(
    db: &C,
    booster: &Account,
    author: &Account,
) -> Result<Vec<i64>, DomainError> {
    let mut ids = db::posts::local_follower_ids(db, booster.id).await?;
    if author.is_local() {
        ids.push(author.id);
    }
    ids.retain(|id| *id != booster.id);
    Ok(ids)
}

pub(super) fn boost_row(
    id: i64,
    uri: String,
    booster: &Account,
    original: &Post,
    local: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> Post {
    Post {
        uri,
        reblog_of_id: Some(original.id),
        visibility: original.visibility.clone(),
        ..blank(id, booster.id, local, at)
    }
}

/// Withdraws `account`'s boost of `post_id` (the original's id or the boost's own).
pub async fn unreblog(
    ctx: &Posting<'_>,
    account: &Account,
    post_id: i64,
) -> Result<(), DomainError> {
    let post = db::posts::find(ctx.db, post_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    let boost = match post.reblog_of_id {
        Some(_) if post.account_id == account.id => Some(post),
        Some(original) => db::posts::find_reblog(ctx.db, account.id, original).await?,
        None => db::posts::find_reblog(ctx.db, account.id, post.id).await?,
    };
    match boost {
        Some(b) => unreblog_post(ctx, account, &b).await,
        None => Ok(()),
    }
}

pub(super) async fn unreblog_post(
    ctx: &Posting<'_>,
    account: &Account,
    boost: &Post,
) -> Result<(), DomainError> {
    let txn = db::begin_write(ctx.db).await?;
    let Some(original_id) = boost.reblog_of_id else {
        return Err(DomainError::Invalid("not a boost".into()));
    };
    let original = db::posts::find(&txn, original_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    let author = author_of(&txn, &original).await?;
    db::posts::delete(&txn, boost.id).await?;
    db::posts::unnotify(&txn, account.id, "reblog", original.id).await?;
    let inboxes = boost_inboxes(&txn, account, &author).await?;
    let event = Event::Unboosted {
        boost,
        booster: account,
        original: &original,
        author: &author,
        inboxes: &inboxes,
    };
    let locals = boost_audience(&txn, account, &author).await?;
    broadcast(&txn, ctx.publisher, event, &locals).await?;
    db::commit(txn).await?;
    Ok(())
}
