//! `Undo`: takes back an earlier Like, Announce, Block or Follow of the actor's — embedded
//! (its type says which) or named by id (what we stored under that id says which).

use super::{Applied, Applying, InboxError, local_target};
use crate::{
    db::entities::accounts::Model as Account,
    domain::{self, undo::Undoable},
};

/// What an Undo takes back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Undone {
    Like,
    Boost,
    Block,
    Follow,
}

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let inner = cx.activity.inner();
    let inner_id = cx.activity.object_id().unwrap_or_default();
    let named = inner.and_then(|i| i.kind.pick(&["Like", "Announce", "Block", "Follow"]));
    // Named by id only (or embedded without a type): what we stored under the id.
    let stored = match named {
        None if !inner_id.is_empty() => domain::undo::by_id(cx.txn, inner_id).await?,
        _ => None,
    };
    let undone = match (named, stored) {
        (Some("Like"), _) | (None, Some(Undoable::Like(_))) => Undone::Like,
        (Some("Announce"), _) | (None, Some(Undoable::Boost(_))) => Undone::Boost,
        (Some("Block"), _) | (None, Some(Undoable::Block(_))) => Undone::Block,
        (Some("Follow"), _) | (None, Some(Undoable::Follow(_))) => Undone::Follow,
        _ => return Ok(Applied::Done),
    };
    let actor_uri = cx.actor.uri.as_deref().unwrap_or_default();
    // Compared as URLs (a host written in capitals is the same actor).
    if matches!(undone, Undone::Like | Undone::Boost)
        && inner
            .and_then(|i| i.actor.as_deref())
            .and_then(|a| url::Url::parse(a).ok())
            .is_some_and(|a| a.as_str() != actor_uri)
    {
        return Err(InboxError::Refused(
            "an actor can only undo its own activities".into(),
        ));
    }
    let object = inner.and_then(|i| i.object_id());
    match undone {
        Undone::Like => {
            let post = match object {
                Some(uri) => domain::posts::find_by_uri(cx.txn, uri).await?,
                None => None,
            };
            domain::posts::receive_undo_like(cx.txn, cx.actor, Some(inner_id), post.as_ref())
                .await?;
        }
        Undone::Boost => {
            domain::posts::receive_undo_announce(cx.txn, cx.actor, inner_id).await?;
        }
        Undone::Block => {
            let target = target(cx, object, inner_id, Undone::Block).await?;
            domain::blocks::receive_undo_block(cx.txn, cx.actor, &target).await?;
        }
        Undone::Follow => {
            let target = target(cx, object, inner_id, Undone::Follow).await?;
            let follow_id = Some(inner_id).filter(|id| !id.is_empty());
            domain::follows::receive_undo_follow(cx.txn, follow_id, cx.actor, &target).await?;
        }
    }
    Ok(Applied::Done)
}

/// The local account a block or follow being undone was aimed at: the embedded activity's
/// object, or the target of what we stored under its id.
async fn target(
    cx: &Applying<'_>,
    object: Option<&str>,
    inner_id: &str,
    undone: Undone,
) -> Result<Account, InboxError> {
    if object.is_some() {
        return local_target(cx.fed, object).await;
    }
    let stored = match inner_id {
        "" => None,
        id => domain::undo::by_id(cx.txn, id).await?,
    };
    let target = match (undone, stored) {
        (Undone::Block, Some(Undoable::Block(b))) => b.target_account_id,
        (Undone::Follow, Some(Undoable::Follow(f))) => f.target_id,
        (Undone::Block, _) => return Err(InboxError::NotFound("no such block".into())),
        _ => return Err(InboxError::NotFound("no such follow".into())),
    };
    Ok(domain::received::account(cx.txn, target).await?)
}
