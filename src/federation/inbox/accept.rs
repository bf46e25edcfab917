//! `Accept`: a remote account accepted a local account's follow request.

use super::{Applied, Applying, InboxError, local_target};
use url::Url;

use crate::{
    db::entities::accounts::Model as Account,
    domain::{self, undo::Undoable},
    federation::protocol::activity::Object,
};

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let Some(follower) = follower(cx).await? else {
        return Ok(Applied::Ignored);
    };
    let follow_id = cx.activity.object_id();
    domain::follows::receive_accept(cx.txn, follow_id, &follower, cx.actor).await?;
    Ok(Applied::Done)
}

/// The local follower whose request an Accept or Reject answers: from the embedded Follow's
/// actor, or from the stored follow its id names. `None` when the answered activity is
/// not a Follow.
pub(super) async fn follower(cx: &Applying<'_>) -> Result<Option<Account>, InboxError> {
    // An answer to something other than a Follow (its type says so) is not ours to act on.
    if let Some(kind) = cx.activity.object().and_then(Object::kind)
        && !kind.0.is_empty()
        && !kind.is("Follow")
    {
        return Ok(None);
    }
    if let Some(actor) = cx.activity.inner().and_then(|i| i.actor.as_deref())
        && Url::parse(actor).is_ok()
    {
        return local_target(cx.fed, Some(actor)).await.map(Some);
    }
    let stored = match cx.activity.object_id() {
        Some(id) => domain::undo::by_id(cx.txn, id).await?,
        None => None,
    };
    match stored {
        Some(Undoable::Follow(follow)) => Ok(Some(
            domain::received::account(cx.txn, follow.follower_id).await?,
        )),
        _ => Err(InboxError::NotFound("no such follow request".into())),
    }
}
