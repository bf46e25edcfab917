//! `Undo` from the outbox: the owner's Like, Announce, Follow or Block, named by id or
//! described by an embedded activity.

use super::*;
use crate::domain::undo::Undoable;

/// The verb of what an Undo takes back, for the token's scopes.
fn verb(undoable: &Undoable) -> &'static str {
    match undoable {
        Undoable::Like(_) => "Like",
        Undoable::Boost(_) => "Announce",
        Undoable::Follow(_) => "Follow",
        Undoable::Block(_) => "Block",
    }
}

/// The activity an Undo names: by id, or (embedded, without a known id) by what it
/// describes.
pub(super) async fn undoable(
    fed: &Federation,
    owner: &Account,
    inner: &OutboxObject,
) -> Result<Undoable, C2sError> {
    let db = &fed.db;
    if let Some(id) = inner.id()
        && let Some(found) = domain::undo::by_id(db, id).await?
    {
        return Ok(found);
    }
    let not_found = || C2sError::from(DomainError::NotFound("no activity of yours to undo".into()));
    let OutboxObject::Embedded(inner) = inner else {
        return Err(not_found());
    };
    match inner.kind() {
        Some("Like") => {
            let post = find_post(fed, &object_uri(inner)?).await?;
            domain::undo::like(db, owner.id, post.id)
                .await?
                .ok_or_else(not_found)
        }
        Some("Announce") => {
            let post = find_post(fed, &object_uri(inner)?).await?;
            domain::undo::boost(db, owner.id, post.id)
                .await?
                .ok_or_else(not_found)
        }
        Some("Follow") => {
            let target = target_actor(fed, inner).await?;
            domain::undo::follow(db, owner.id, target.id)
                .await?
                .ok_or_else(not_found)
        }
        Some("Block") => {
            let target = target_actor(fed, inner).await?;
            domain::undo::block(db, owner.id, target.id)
                .await?
                .ok_or_else(not_found)
        }
        Some(other) => Err(C2sError::Unsupported(format!(
            "Undo of {other} is not supported (Like, Announce, Follow and Block are)"
        ))),
        None => Err(C2sError::Malformed(
            "the undone activity has no type".into(),
        )),
    }
}

async fn account(fed: &Federation, id: i64) -> Result<Account, C2sError> {
    Ok(domain::accounts::get(&fed.db, id).await?)
}

async fn post_by_id(fed: &Federation, id: i64) -> Result<Post, C2sError> {
    Ok(domain::posts::get(&fed.db, id).await?)
}

/// Undo of the owner's Like, Announce, Follow or Block; answers with the Undo as delivered.
pub(super) async fn undo(
    fed: &Federation,
    caller: &Caller,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let owner = &caller.account;
    let inner = activity
        .object
        .as_ref()
        .ok_or_else(|| C2sError::Malformed("Undo names no activity".into()))?;
    let target = undoable(fed, owner, inner).await?;
    if target.owner_id() != owner.id {
        return Err(C2sError::Forbidden(
            "only your own activities can be undone".into(),
        ));
    }
    allowed(caller, verb(&target))?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    let publisher = &fed.publisher;
    let undone = match target {
        Undoable::Like(fav) => {
            let post = post_by_id(fed, fav.post_id).await?;
            let author = account(fed, post.account_id).await?;
            domain::posts::favourite(&ctx, owner, post.id, false).await?;
            publisher.document(Event::Unliked {
                like_uri: &fav.uri,
                liker: owner,
                post: &post,
                author: &author,
            })
        }
        Undoable::Boost(boost) => unboost(fed, owner, &boost).await?,
        Undoable::Follow(follow) => {
            let target = account(fed, follow.target_id).await?;
            domain::follows::unfollow(&fed.db, publisher, owner, &target).await?;
            publisher.document(Event::FollowUndone {
                follow: &follow,
                follower: owner,
                target: &target,
            })
        }
        Undoable::Block(block) => {
            let target = account(fed, block.target_account_id).await?;
            domain::blocks::unblock(&fed.db, publisher, owner, &target).await?;
            publisher.document(Event::Unblocked {
                block: &block,
                blocker: owner,
                target: &target,
            })
        }
    };
    Ok(Submitted::rendered(undone))
}

/// Withdraws the owner's boost; the Undo{Announce} as delivered.
pub(super) async fn unboost(
    fed: &Federation,
    owner: &Account,
    boost: &Post,
) -> Result<ActivityDocument, C2sError> {
    let original_id = boost
        .reblog_of_id
        .ok_or_else(|| DomainError::Invalid("not a boost".into()))?;
    let original = post_by_id(fed, original_id).await?;
    let author = account(fed, original.account_id).await?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    domain::posts::unreblog(&ctx, owner, boost.id).await?;
    Ok(fed.publisher.document(Event::Unboosted {
        boost,
        booster: owner,
        original: &original,
        author: &author,
        inboxes: &[],
    }))
}

pub(super) fn object_uri(activity: &OutboxDocument) -> Result<String, C2sError> {
    activity
        .object_id()
        .map(str::to_string)
        .ok_or_else(|| C2sError::Malformed("the undone activity names no object".into()))
}
