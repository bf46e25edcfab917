//! `Follow`, `Block`, `Like` and `Announce` from the outbox.

use super::*;

pub(super) async fn follow(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let target = target_actor(fed, activity).await?;
    let (follow, _) = domain::follows::follow(&fed.db, &fed.publisher, owner, &target).await?;
    Ok(Submitted::of(with_context(follow_object(
        &fed.config,
        &follow,
        owner,
        &target,
    ))))
}

pub(super) async fn block(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let target = target_actor(fed, activity).await?;
    let block = domain::blocks::block(&fed.db, &fed.publisher, owner, &target).await?;
    Ok(Submitted::of(with_context(block_object(
        &fed.config,
        &block,
        owner,
        &target,
    ))))
}

pub(super) async fn like(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let post = named_post(fed, activity, "Like").await?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    let view = domain::posts::favourite(&ctx, owner, post.id, true).await?;
    let Some(domain::undo::Undoable::Like(fav)) =
        domain::undo::like(&fed.db, owner.id, view.post.id).await?
    else {
        return Err(DomainError::Internal("like not stored".into()).into());
    };
    Ok(Submitted::of(with_context(note::like(
        &fed.config,
        &fav.uri,
        owner,
        &view.post,
    ))))
}

pub(super) async fn announce(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let post = named_post(fed, activity, "Announce").await?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    let view = domain::posts::reblog(&ctx, owner, post.id).await?;
    let original = view
        .reblog
        .as_ref()
        .ok_or_else(|| DomainError::Internal("boost without its post".into()))?;
    let activity = note::announce(
        &fed.config,
        &view.post,
        owner,
        &original.post,
        &original.author,
    );
    Ok(Submitted::of(with_context(activity)))
}

/// The post an activity's object names (known here, or fetched from its origin).
async fn named_post(
    fed: &Federation,
    activity: &OutboxDocument,
    verb: &str,
) -> Result<Post, C2sError> {
    let uri = activity
        .object_id()
        .ok_or_else(|| C2sError::Malformed(format!("{verb} names no object")))?;
    find_post(fed, uri).await
}
