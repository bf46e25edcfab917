//! `Delete`: a post removed by its author's server (an account's own deletion is ignored).

use super::{Applied, Applying, InboxError, Prepared, Preparing};
use crate::{domain, federation::posts};

pub(super) fn prepare(cx: &Preparing<'_>) -> Result<Prepared, InboxError> {
    let actor_uri = cx.actor.uri.clone().unwrap_or_default();
    let object_id = cx
        .activity
        .object_id()
        .ok_or_else(|| InboxError::Malformed("no object".into()))?;
    if object_id == actor_uri {
        return Ok(Prepared::Ignore("account deletion".into()));
    }
    if !posts::same_origin(object_id, &actor_uri) {
        return Err(InboxError::Refused(
            "only the author's server may delete a post".into(),
        ));
    }
    Ok(Prepared::Nothing)
}

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    if let Some(uri) = cx.activity.object_id() {
        domain::posts::receive_delete(cx.txn, cx.actor, uri).await?;
    }
    Ok(Applied::Done)
}
